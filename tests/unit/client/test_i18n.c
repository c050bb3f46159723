/* The message catalogue: complete, and the same printf conversions in both languages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i18n.h"

/* The conversions of a format, as "s,ld,s" (flags and widths dropped, '*' kept). */
static void conversions(const char *fmt, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (const char *p = fmt; *p; p++) {
		char conv[8];
		size_t n = 0;

		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		p += strspn(p, "-+ #0");
		while (*p == '*' || (*p >= '0' && *p <= '9')) {
			if (*p == '*')
				conv[n++] = '*';
			p++;
		}
		if (*p == '.') {
			p++;
			while (*p == '*' || (*p >= '0' && *p <= '9')) {
				if (*p == '*')
					conv[n++] = '*';
				p++;
			}
		}
		while (*p && strchr("hlLqjzt", *p) && n < sizeof(conv) - 2)
			conv[n++] = *p++;
		assert_non_null(strchr("diouxXeEfFgGaAcspn", *p));
		conv[n++] = *p;
		conv[n] = '\0';
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "", conv);
		assert_true(len < size);
	}
}

static void test_catalogue_is_complete(void **state)
{
	(void)state;
	for (int id = 0; id < I18N_MSG_COUNT; id++) {
		for (int lang = 0; lang < I18N_NLANGS; lang++) {
			const char *s = i18n_get_in((enum i18n_lang)lang, (enum i18n_msg)id);

			if (!s || !*s)
				fail_msg("message %d has no text in language %d", id, lang);
		}
	}
}

static void test_both_languages_take_the_same_arguments(void **state)
{
	char zh[256], en[256];

	(void)state;
	for (int id = 0; id < I18N_MSG_COUNT; id++) {
		conversions(i18n_get_in(I18N_ZH, (enum i18n_msg)id), zh, sizeof(zh));
		conversions(i18n_get_in(I18N_EN, (enum i18n_msg)id), en, sizeof(en));
		if (strcmp(zh, en) != 0)
			fail_msg("message %d: zh takes [%s], en takes [%s]", id, zh, en);
	}
}

static void test_parse_lang(void **state)
{
	enum i18n_lang lang = I18N_NLANGS;

	(void)state;
	assert_true(i18n_parse_lang("zh", &lang));
	assert_int_equal(lang, I18N_ZH);
	assert_true(i18n_parse_lang("en_US.UTF-8", &lang));
	assert_int_equal(lang, I18N_EN);
	assert_true(i18n_parse_lang("zh-CN", &lang));
	assert_int_equal(lang, I18N_ZH);
	assert_true(i18n_parse_lang("EN", &lang));
	assert_int_equal(lang, I18N_EN);
	assert_false(i18n_parse_lang("eng", &lang));
	assert_false(i18n_parse_lang("fr", &lang));
	assert_false(i18n_parse_lang("", &lang));
	assert_false(i18n_parse_lang(NULL, &lang));
}

static void test_locale_precedence_and_default(void **state)
{
	(void)state;
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
	assert_int_equal(i18n_lang_from_locale(), I18N_ZH);
	setenv("LANG", "C.UTF-8", 1);
	assert_int_equal(i18n_lang_from_locale(), I18N_ZH);
	setenv("LANG", "en_GB.UTF-8", 1);
	assert_int_equal(i18n_lang_from_locale(), I18N_EN);
	setenv("LC_ALL", "zh_CN.UTF-8", 1);
	assert_int_equal(i18n_lang_from_locale(), I18N_ZH);
	unsetenv("LC_ALL");
	unsetenv("LANG");
}

static void test_roles_and_accept_language(void **state)
{
	(void)state;
	i18n_set_lang(I18N_ZH);
	assert_string_equal(i18n_role("nurse"), "护士");
	assert_string_equal(i18n_role("janitor"), "janitor");
	assert_string_equal(i18n_accept_language(), "zh-CN");
	i18n_set_lang(I18N_EN);
	assert_string_equal(i18n_role("medtech"), "medical technician");
	assert_string_equal(i18n_accept_language(), "en");
	assert_int_equal(i18n_current(), I18N_EN);
	i18n_set_lang(I18N_ZH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue_is_complete),
		cmocka_unit_test(test_both_languages_take_the_same_arguments),
		cmocka_unit_test(test_parse_lang),
		cmocka_unit_test(test_locale_precedence_and_default),
		cmocka_unit_test(test_roles_and_accept_language),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
