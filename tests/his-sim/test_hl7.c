/*
 * Unit tests of hl7.c, the HL7 v2 reader his-sim's MLLP side answers with
 * (and the replay checks will store with): delimiters, the MSH numbering
 * quirk, fields / repetitions / components / subcomponents, absent versus
 * empty, line ends, escapes, and refusals. The module allocates nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "hl7.h"

#define ADT "MSH|^~\\&|LIFELINE|WARD3|HIS|HOSP|20240102030405||ADT^A01^ADT_A01|CTL-7|P|2.5\r" \
	"EVN|A01|20240102030405\r" \
	"PID|1||12345^^^HOSP^MR~987^^^NAT^NI||Doe^Jane^Q||19800101|F\r" \
	"OBX|1|ST|A&B^Text||first\r" \
	"OBX|2|ST|||second\r"

static struct hl7_msg parse_ok(const char *text)
{
	struct hl7_msg msg;
	struct hl7_error err;

	if (hl7_parse(&msg, text, strlen(text), &err) != HL7_OK)
		fail_msg("does not parse: %s", err.text);
	return msg;
}

static void assert_span(struct hl7_span s, const char *want)
{
	char buf[256];

	hl7_span_copy(s, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void assert_get(const struct hl7_msg *msg, const char *seg, unsigned f, unsigned c,
    const char *want)
{
	struct hl7_span s;

	if (!hl7_get(msg, seg, f, c, &s))
		fail_msg("%s-%u.%u is absent, want '%s'", seg, f, c, want);
	assert_span(s, want);
}

static void test_msh_fields_are_numbered_from_the_separator(void **state)
{
	struct hl7_msg msg = parse_ok(ADT);

	(void)state;
	assert_int_equal(msg.delims.field, '|');
	assert_int_equal(msg.delims.component, '^');
	assert_int_equal(msg.delims.repetition, '~');
	assert_int_equal(msg.delims.escape, '\\');
	assert_int_equal(msg.delims.subcomponent, '&');
	assert_get(&msg, "MSH", 1, 0, "|");
	assert_get(&msg, "MSH", 2, 0, "^~\\&");
	assert_get(&msg, "MSH", 2, 1, "^~\\&");
	assert_get(&msg, "MSH", 3, 0, "LIFELINE");
	assert_get(&msg, "MSH", 6, 0, "HOSP");
	assert_get(&msg, "MSH", 8, 0, "");
	assert_get(&msg, "MSH", 9, 0, "ADT^A01^ADT_A01");
	assert_get(&msg, "MSH", 9, 1, "ADT");
	assert_get(&msg, "MSH", 9, 2, "A01");
	assert_get(&msg, "MSH", 10, 0, "CTL-7");
	assert_get(&msg, "MSH", 12, 0, "2.5");
}

static void test_other_segments_repetitions_components(void **state)
{
	struct hl7_msg msg = parse_ok(ADT);
	struct hl7_segment pid;
	struct hl7_span f, rep, comp, sub;

	(void)state;
	assert_get(&msg, "EVN", 1, 0, "A01");
	assert_get(&msg, "PID", 1, 0, "1");
	assert_get(&msg, "PID", 3, 1, "12345");
	assert_get(&msg, "PID", 3, 4, "HOSP");
	assert_get(&msg, "PID", 5, 2, "Jane");
	assert_true(hl7_find_segment(&msg, "PID", 1, &pid));
	assert_string_equal(pid.id, "PID");
	assert_true(hl7_field(&msg, &pid, 3, &f));
	assert_true(hl7_repetition(&msg, f, 2, &rep));
	assert_span(rep, "987^^^NAT^NI");
	assert_true(hl7_component(&msg, rep, 5, &comp));
	assert_span(comp, "NI");
	assert_false(hl7_repetition(&msg, f, 3, &rep));
	assert_get(&msg, "OBX", 3, 0, "A&B^Text");
	assert_true(hl7_get(&msg, "OBX", 3, 1, &comp));
	assert_true(hl7_subcomponent(&msg, comp, 2, &sub));
	assert_span(sub, "B");
	assert_false(hl7_subcomponent(&msg, comp, 3, &sub));
}

static void test_absent_and_empty(void **state)
{
	struct hl7_msg msg = parse_ok(ADT);
	struct hl7_span s;

	(void)state;
	/* PID-2 lies between two separators: present and empty. */
	assert_true(hl7_get(&msg, "PID", 2, 0, &s));
	assert_int_equal(s.len, 0);
	/* PID-9 is past the last separator; PID-5.3 past the last ^. */
	assert_false(hl7_get(&msg, "PID", 9, 0, &s));
	assert_int_equal(s.len, 0);
	assert_true(hl7_get(&msg, "PID", 5, 3, &s));
	assert_false(hl7_get(&msg, "PID", 5, 4, &s));
	assert_false(hl7_get(&msg, "ZZZ", 1, 0, &s));
	assert_false(hl7_get(&msg, "PID", 0, 0, &s));
	assert_false(hl7_get(&msg, "MSH", 2, 2, &s));
}

static void test_segments_iterate_and_repeat(void **state)
{
	static const char text[] = "\r\nMSH|^~\\&|A\r\n\r\nOBX|1\nobx|lower\rZ1X\rAB|x\rOBX|2|last";
	struct hl7_msg msg = parse_ok(text);
	struct hl7_segment seg = HL7_SEGMENT_FIRST;
	const char *ids[] = { "MSH", "OBX", "", "Z1X", "", "OBX" };
	size_t n = 0;

	(void)state;
	while (hl7_next_segment(&msg, &seg)) {
		assert_true(n < sizeof(ids) / sizeof(ids[0]));
		assert_string_equal(seg.id, ids[n]);
		assert_true(seg.text.len > 0);
		assert_null(memchr(seg.text.ptr, '\r', seg.text.len));
		assert_null(memchr(seg.text.ptr, '\n', seg.text.len));
		n++;
	}
	assert_int_equal(n, 6);
	assert_false(hl7_next_segment(&msg, &seg));
	assert_true(hl7_find_segment(&msg, "OBX", 2, &seg));
	assert_span(seg.text, "OBX|2|last");
	assert_false(hl7_find_segment(&msg, "OBX", 3, &seg));
	assert_false(hl7_find_segment(&msg, "OBX", 0, &seg));
}

static void test_other_delimiters(void **state)
{
	struct hl7_msg msg = parse_ok("MSH#$*/%#SENDER#FAC##ORU$R01#1#P#2.5\rOBX#1#A$B*C$D%E");
	struct hl7_span s, c;

	(void)state;
	assert_int_equal(msg.delims.field, '#');
	assert_int_equal(msg.delims.component, '$');
	assert_int_equal(msg.delims.repetition, '*');
	assert_int_equal(msg.delims.escape, '/');
	assert_int_equal(msg.delims.subcomponent, '%');
	assert_get(&msg, "MSH", 3, 0, "SENDER");
	assert_get(&msg, "MSH", 6, 2, "R01");
	assert_get(&msg, "OBX", 2, 2, "B");
	assert_true(hl7_get(&msg, "OBX", 2, 0, &s));
	assert_true(hl7_repetition(&msg, s, 2, &s));
	assert_true(hl7_component(&msg, s, 2, &c));
	assert_true(hl7_subcomponent(&msg, c, 2, &c));
	assert_span(c, "E");
	/* Five encoding characters (v2.7 truncation) are tolerated. */
	msg = parse_ok("MSH|^~\\&#|A|B");
	assert_get(&msg, "MSH", 2, 0, "^~\\&#");
	assert_get(&msg, "MSH", 3, 0, "A");
}

static void test_refusals(void **state)
{
	static const struct {
		const char *text;
		enum hl7_status code;
	} bad[] = {
		{ "", HL7_ERR_EMPTY },
		{ "\r\n\r", HL7_ERR_EMPTY },
		{ "hello", HL7_ERR_NO_MSH },
		{ "PID|1\rMSH|^~\\&|A", HL7_ERR_NO_MSH },
		{ "msh|^~\\&|A", HL7_ERR_NO_MSH },
		{ "MSH", HL7_ERR_NO_MSH },
		{ "MSH|", HL7_ERR_DELIMITERS },
		{ "MSH|^~|A|B", HL7_ERR_DELIMITERS },
		{ "MSH|^~\\&#!|A", HL7_ERR_DELIMITERS },
		{ "MSH|^^\\&|A", HL7_ERR_DELIMITERS },
		{ "MSH|^~|&|A", HL7_ERR_DELIMITERS },
		{ "MSHA^~\\&A", HL7_ERR_DELIMITERS },
		{ "MSH ^~\\& ", HL7_ERR_DELIMITERS },
		{ "MSH|^~1&|A", HL7_ERR_DELIMITERS },
	};
	struct hl7_msg msg;
	struct hl7_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (hl7_parse(&msg, bad[i].text, strlen(bad[i].text), &err) != (int)bad[i].code)
			fail_msg("'%s': want %d", bad[i].text, bad[i].code);
		assert_int_equal(err.code, bad[i].code);
		assert_true(strlen(err.text) > 0);
	}
	/* err may be NULL; bytes are not strings. */
	{
		static const char nul[] = "MSH|^~\\&|\0|B";
		struct hl7_span s;

		assert_int_equal(hl7_parse(&msg, nul, sizeof(nul) - 1, NULL), HL7_OK);
		assert_true(hl7_get(&msg, "MSH", 3, 0, &s) && s.len == 1 && s.ptr[0] == '\0');
		assert_get(&msg, "MSH", 4, 0, "B");
	}
	assert_int_equal(hl7_parse(&msg, NULL, 0, NULL), HL7_ERR_EMPTY);
}

static void test_span_copy_and_eq(void **state)
{
	struct hl7_span s = { "abcdef", 6 };
	char buf[4];

	(void)state;
	assert_int_equal(hl7_span_copy(s, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "abc");
	assert_int_equal(hl7_span_copy(s, NULL, 0), 6);
	assert_true(hl7_span_eq(s, "abcdef"));
	assert_false(hl7_span_eq(s, "abcde"));
	assert_false(hl7_span_eq(s, "abcdefg"));
	assert_true(hl7_span_eq((struct hl7_span){ NULL, 0 }, ""));
}

static void test_unescape(void **state)
{
	struct hl7_msg msg = parse_ok("MSH|^~\\&|A");
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f", "a|b^c&d~e\\f" },
		{ "\\X414243\\!", "ABC!" },
		{ "line\\.br\\two\\H\\bold\\N\\", "linetwobold" },
		{ "lone \\ escape", "lone \\ escape" },
		{ "\\\\x", "\\\\x" },
		{ "\\XZZ\\ok", "ok" },
	};
	char buf[64], small[4];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hl7_span s = { cases[i].in, strlen(cases[i].in) };

		assert_int_equal(hl7_unescape(&msg, s, buf, sizeof(buf)), strlen(cases[i].out));
		assert_string_equal(buf, cases[i].out);
	}
	assert_int_equal(hl7_unescape(&msg, (struct hl7_span){ "a\\F\\bcdef", 9 }, small,
	    sizeof(small)), 7);
	assert_string_equal(small, "a|b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msh_fields_are_numbered_from_the_separator),
		cmocka_unit_test(test_other_segments_repetitions_components),
		cmocka_unit_test(test_absent_and_empty),
		cmocka_unit_test(test_segments_iterate_and_repeat),
		cmocka_unit_test(test_other_delimiters),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_span_copy_and_eq),
		cmocka_unit_test(test_unescape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
