/* Unit tests: UTF-8, glyph coverage, measuring, wrapping and fitting (printforms/pf_text.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pf_text.h"

/* A font where ASCII is 500/1000 em, CJK 1000, and U+9FCC has no glyph. */
static pf_metrics *fake_metrics(void)
{
	pf_metrics *m = malloc(sizeof *m);

	for (uint32_t cp = 0; cp < PF_METRICS_SIZE; cp++)
		m->adv[cp] = cp < 0x80 ? 500 : 1000;
	m->adv[0x9FCC] = -1;
	return m;
}

static int setup(void **state)
{
	*state = fake_metrics();
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void test_utf8_decodes_and_flags_malformed(void **state)
{
	const char *s = "a中𠮷";
	size_t i = 0, len = strlen(s);

	(void)state;
	assert_int_equal(pf_utf8_next(s, len, &i), 'a');
	assert_int_equal(pf_utf8_next(s, len, &i), 0x4E2D);
	assert_int_equal(pf_utf8_next(s, len, &i), 0x20BB7);
	assert_int_equal(i, len);
	/* overlong, truncated, lone continuation */
	i = 0;
	assert_int_equal(pf_utf8_next("\xC0\xAF", 2, &i), 0xFFFFFFFF);
	assert_int_equal(i, 1);
	i = 0;
	assert_int_equal(pf_utf8_next("\xE4\xB8", 2, &i), 0xFFFFFFFF);
	i = 0;
	assert_int_equal(pf_utf8_next("\x80", 1, &i), 0xFFFFFFFF);
	i = 0; /* a UTF-16 surrogate written as UTF-8 */
	assert_int_equal(pf_utf8_next("\xED\xA0\x80", 3, &i), 0xFFFFFFFF);
}

static void test_coverage_decision(void **state)
{
	const pf_metrics *m = *state;

	assert_true(pf_text_covered(m, 0x4E2D));
	assert_false(pf_text_covered(m, 0x9FCC));  /* no glyph in the font */
	assert_false(pf_text_covered(m, 0x20BB7)); /* beyond the BMP: libharu writes a blank */
	assert_false(pf_text_covered(m, '\n'));    /* control characters never draw */
	assert_int_equal(pf_text_uncovered(m, "张伟"), 0);
	assert_int_equal(pf_text_uncovered(m, "王𠮷"), 0x20BB7);
	assert_int_equal(pf_text_uncovered(m, "赵鿌明"), 0x9FCC);
	assert_int_equal(pf_text_uncovered(m, "bad \xFF"), 0xFFFFFFFF);
	assert_int_equal(pf_text_uncovered(m, ""), 0);
}

static void test_width_sums_advances(void **state)
{
	const pf_metrics *m = *state;

	assert_float_equal(pf_text_width(m, "ab", 2, 10), 10.0, 1e-4);
	assert_float_equal(pf_text_width(m, "中文", strlen("中文"), 10), 20.0, 1e-4);
	assert_float_equal(pf_text_width(m, "中文", strlen("中"), 12), 12.0, 1e-4);
}

static void test_cjk_breaks_between_characters(void **state)
{
	const pf_metrics *m = *state;
	const char *s = "冠状动脉粥样硬化";
	size_t next, n;

	/* 10 pt per character: 35 pt holds three */
	n = pf_text_line(m, s, strlen(s), 10, 35, &next);
	assert_int_equal(n, strlen("冠状动"));
	assert_int_equal(next, n);
	assert_int_equal(pf_text_lines(m, s, 10, 35), 3);
}

static void test_latin_breaks_at_spaces_and_trims(void **state)
{
	const pf_metrics *m = *state;
	const char *s = "NYHA III  grade";
	size_t next, n;

	/* 5 pt per letter: 45 pt holds 9 letters: "NYHA III " */
	n = pf_text_line(m, s, strlen(s), 10, 45, &next);
	assert_int_equal(n, 8);     /* "NYHA III" without its trailing space */
	assert_int_equal(next, 10); /* the next line starts at "grade" */
	assert_int_equal(pf_text_lines(m, s, 10, 45), 2);
}

static void test_long_word_is_cut_not_lost(void **state)
{
	const pf_metrics *m = *state;
	const char *s = "ZY2025000123456";
	size_t next, n;

	n = pf_text_line(m, s, strlen(s), 10, 20, &next);
	assert_int_equal(n, 4);
	assert_int_equal(next, 4);
	assert_int_equal(pf_text_lines(m, s, 10, 20), 4);
	/* wider than the line by itself: one character per line, never zero */
	assert_int_equal(pf_text_line(m, "中", strlen("中"), 10, 3, &next), strlen("中"));
}

static void test_mixed_cjk_and_latin(void **state)
{
	const pf_metrics *m = *state;
	const char *s = "2型糖尿病";
	size_t next;

	/* "2" then CJK: the break may fall between them */
	assert_int_equal(pf_text_line(m, s, strlen(s), 10, 12, &next), 1);
	assert_int_equal(pf_text_lines(m, "", 10, 50), 0);
	assert_int_equal(pf_text_lines(m, "   ", 10, 50), 0);
}

static void test_fit_keeps_size_shrinks_then_grows(void **state)
{
	const pf_metrics *m = *state;
	pf_fit f;

	f = pf_text_fit(m, "张伟", 100, 9, 6, 2); /* fits as is */
	assert_float_equal(f.size, 9, 1e-4);
	assert_int_equal(f.lines, 1);
	/* 12 characters at 9 pt = 108 pt in 60: two lines at 9 pt */
	f = pf_text_fit(m, "一二三四五六七八九十一二", 60, 9, 6, 2);
	assert_float_equal(f.size, 9, 1e-4);
	assert_int_equal(f.lines, 2);
	/* 20 characters in 60 pt, two lines allowed: shrink to 6 pt (10 per line) */
	f = pf_text_fit(m, "一二三四五六七八九十一二三四五六七八九十", 60, 9, 6, 2);
	assert_float_equal(f.size, 6, 1e-4);
	assert_int_equal(f.lines, 2);
	/* 30 characters: even 6 pt needs 3 lines; the text is kept whole */
	f = pf_text_fit(m, "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十", 60, 9, 6, 2);
	assert_float_equal(f.size, 6, 1e-4);
	assert_int_equal(f.lines, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_decodes_and_flags_malformed),
		cmocka_unit_test_setup_teardown(test_coverage_decision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_width_sums_advances, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cjk_breaks_between_characters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latin_breaks_at_spaces_and_trims, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_word_is_cut_not_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_cjk_and_latin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fit_keeps_size_shrinks_then_grows, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
