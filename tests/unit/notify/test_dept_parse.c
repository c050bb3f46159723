/* Unit tests: reading a department CSV import, and contact address checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dept_parse.h"

/* Every record of text as one string: fields joined by '|', records by '/'. */
static int records(const char *text, char *out, size_t outlen, size_t *last_row)
{
	size_t pos = 0, line = 0, row = 0, len = strlen(text);
	const char *why = NULL;
	json_t *fields;
	int rc;

	out[0] = '\0';
	while ((rc = dept_csv_next(text, len, &pos, &line, &fields, &row, &why)) == 1) {
		size_t i;
		json_t *f;

		if (out[0])
			strncat(out, "/", outlen - strlen(out) - 1);
		json_array_foreach(fields, i, f) {
			if (i)
				strncat(out, "|", outlen - strlen(out) - 1);
			strncat(out, json_string_value(f), outlen - strlen(out) - 1);
		}
		json_decref(fields);
		*last_row = row;
	}
	if (rc == LL_EINVAL) {
		assert_non_null(why);
		*last_row = row;
	}
	return rc;
}

#define EXPECT(text, want) do { \
	char got_[512]; size_t row_ = 0; \
	assert_int_equal(records((text), got_, sizeof(got_), &row_), 0); \
	assert_string_equal(got_, (want)); \
} while (0)

static void test_plain_and_quoted_fields(void **state)
{
	(void)state;
	EXPECT("a,b,c\n1,2,3\n", "a|b|c/1|2|3");
	EXPECT("a,b,c", "a|b|c");                      /* no final newline */
	EXPECT("\"x, y\",\"say \"\"hi\"\"\",z\n", "x, y|say \"hi\"|z");
	EXPECT(",,\n", "||");                           /* empty fields */
	EXPECT("\"\",a\n", "|a");
	EXPECT("a,\"two\nlines\",b\n", "a|two\nlines|b");
}

static void test_crlf_bom_and_empty_lines(void **state)
{
	(void)state;
	EXPECT("\xEF\xBB\xBF" "code,tier\r\nx,6h\r\n", "code|tier/x|6h");
	EXPECT("\n\r\na\n\n\nb\r\n\r\n", "a/b");
	EXPECT("a,\"q\r\nr\"\r\n", "a|q\r\nr");
	EXPECT("", "");
	EXPECT("中文,科室\n", "中文|科室");
}

static void test_rows_are_lines(void **state)
{
	char got[256];
	size_t row = 0;

	(void)state;
	assert_int_equal(records("h\n\n\"a\nb\"\nc\n", got, sizeof(got), &row), 0);
	assert_int_equal(row, 5);                       /* c: after a two-line record */
	assert_int_equal(records("h\nok\n\"open\n", got, sizeof(got), &row), LL_EINVAL);
	assert_int_equal(row, 3);
	assert_int_equal(records("h\na\"b\n", got, sizeof(got), &row), LL_EINVAL);
	assert_int_equal(row, 2);
	assert_int_equal(records("\"a\"b\n", got, sizeof(got), &row), LL_EINVAL);
	assert_int_equal(records("\xff\xfe,x\n", got, sizeof(got), &row), LL_EINVAL);
}

static void test_long_field_is_an_error(void **state)
{
	char big[DEPT_CSV_FIELD_MAX + 8], got[64];
	size_t row = 0;

	(void)state;
	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(records(big, got, sizeof(got), &row), LL_EINVAL);
}

static const char header[] =
	"code,name_zh,name_en,tier,contact_kind,contact_address,contact_name,contact_role\n";

static void test_csv_to_import_groups_contacts(void **state)
{
	char csv[1024];
	json_t *doc, *errors, *d, *c;

	(void)state;
	snprintf(csv, sizeof(csv), "%s%s", header,
		"lab,检验科,Laboratory,6h,email,lab@h.example,,group\n"
		"lab,,,,phone,+86 10 1234,\"Duty, nights\",\n"
		"theatre,手术室,Theatres,6h,,,,\n");
	assert_int_equal(dept_csv_to_import(csv, strlen(csv), &doc, &errors), 0);
	assert_null(errors);
	d = json_object_get(doc, "departments");
	assert_int_equal(json_array_size(d), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "tier")), "6h");
	c = json_object_get(json_array_get(d, 0), "contacts");
	assert_int_equal(json_array_size(c), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 0), "role")), "group");
	assert_null(json_object_get(json_array_get(c, 1), "role"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 1), "name")),
		"Duty, nights");
	assert_int_equal(json_array_size(json_object_get(json_array_get(d, 1), "contacts")), 0);
	json_decref(doc);

	/* Columns by name, in any order; the contact columns are optional. */
	strcpy(csv, "tier,code,name_en,name_zh\r\n24h,finance,Finance,财务科\r\n");
	assert_int_equal(dept_csv_to_import(csv, strlen(csv), &doc, &errors), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(doc,
		"departments"), 0), "name_zh")), "财务科");
	json_decref(doc);
}

/* The errors as "row:field" joined by spaces. */
static void expect_errors(const char *csv, const char *want)
{
	json_t *doc = NULL, *errors = NULL, *e;
	char got[512] = "";
	size_t i;

	assert_int_equal(dept_csv_to_import(csv, strlen(csv), &doc, &errors), LL_EINVAL);
	assert_null(doc);
	json_array_foreach(errors, i, e) {
		char one[96];

		snprintf(one, sizeof(one), "%s%lld:%s", i ? " " : "",
			(long long)json_integer_value(json_object_get(e, "row")),
			json_string_value(json_object_get(e, "field")));
		strncat(got, one, sizeof(got) - strlen(got) - 1);
		assert_non_null(json_string_value(json_object_get(e, "message")));
	}
	json_decref(errors);
	assert_string_equal(got, want);
}

static void test_csv_errors_name_row_and_field(void **state)
{
	char csv[1024];

	(void)state;
	snprintf(csv, sizeof(csv), "%s%s", header,
		"ok,好,Good,6h,,,,\n"
		"Bad Code,x,x,6h,,,,\n"
		"new,,x,1h,,,,\n"
		"ok,,,30m,,,,\n"
		"ok,,,,fax,1,,\n"
		"ok,,,,email,nobody,,\n"
		"ok,,,,phone,+86 1234,,boss\n"
		"ok,,,,email,\n");
	expect_errors(csv, "3:code 4:name_zh 4:tier 5:tier 6:contact_kind 7:contact_address "
		"8:contact_role 9:");
	expect_errors("code,name_zh,tier,extra\n", "1:extra 1:name_en");
	expect_errors("", "1:");
	expect_errors("code,name_zh,name_en,tier\n", "2:");
	expect_errors("code,name_zh,name_en,tier\nx,\"y,z,6h\n", "2:");
}

static void test_contact_addresses(void **state)
{
	char why[256];

	(void)state;
	assert_true(dept_contact_ok("email", "ward-1@demo-hospital.local", why, sizeof(why)));
	assert_false(dept_contact_ok("email", "ward-1", why, sizeof(why)));
	assert_false(dept_contact_ok("email", "a@b@c.d", why, sizeof(why)));
	assert_false(dept_contact_ok("email", "a b@c.d", why, sizeof(why)));
	assert_non_null(strstr(why, "a b@c.d"));
	assert_true(dept_contact_ok("phone", "+86 (10) 5555-0100", why, sizeof(why)));
	assert_true(dept_contact_ok("sms", "13800000001", why, sizeof(why)));
	assert_false(dept_contact_ok("phone", "call me", why, sizeof(why)));
	assert_false(dept_contact_ok("phone", "12", why, sizeof(why)));
	assert_true(dept_contact_ok("webhook", "http://127.0.0.1:9/hook", why, sizeof(why)));
	assert_true(dept_contact_ok("wecom", "https://qyapi.example/send?key=1", why, sizeof(why)));
	assert_false(dept_contact_ok("dingtalk", "ftp://x", why, sizeof(why)));
	assert_false(dept_contact_ok("webhook", "https://", why, sizeof(why)));
	assert_false(dept_contact_ok("webhook", "https://a b", why, sizeof(why)));
	assert_false(dept_contact_ok("email", "", why, sizeof(why)));
	assert_true(dept_code_ok("ward-1"));
	assert_false(dept_code_ok("-x"));
	assert_false(dept_code_ok("Ward"));
	assert_true(dept_tier_ok("command") && !dept_tier_ok("1h"));
	assert_true(dept_kind_ok("dingtalk") && !dept_kind_ok("fax"));
	assert_true(dept_role_ok("deputy") && !dept_role_ok("boss"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_quoted_fields),
		cmocka_unit_test(test_crlf_bom_and_empty_lines),
		cmocka_unit_test(test_rows_are_lines),
		cmocka_unit_test(test_long_field_is_an_error),
		cmocka_unit_test(test_csv_to_import_groups_contacts),
		cmocka_unit_test(test_csv_errors_name_row_and_field),
		cmocka_unit_test(test_contact_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
