/* Unit tests: what the notify channels put on the wire, and the retry back-off. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "outbox_format.h"

static int b64val(char c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(a, c);

	return c && p ? (int)(p - a) : -1;
}

/* Decode n base64 characters at s, appending to out at *o. */
static void unbase64(const char *s, size_t n, char *out, size_t *o)
{
	unsigned v = 0;
	int bits = 0;

	for (size_t i = 0; i < n; i++) {
		int x = b64val(s[i]);

		if (x < 0)
			continue;
		v = (v << 6) | (unsigned)x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[(*o)++] = (char)((v >> bits) & 0xff);
		}
	}
	out[*o] = '\0';
}

/* Decode a header of encoded-words (checking each word's size and UTF-8 boundaries). */
static void decode_2047(const char *h, char *out)
{
	size_t o = 0;
	const char *p = h;

	while ((p = strstr(p, "=?UTF-8?B?"))) {
		const char *end = strstr(p + 10, "?=");
		size_t before = o;

		assert_non_null(end);
		assert_true(end + 2 - p <= 75);
		unbase64(p + 10, (size_t)(end - p - 10), out, &o);
		/* A word starts on a character, not inside one. */
		assert_true(((unsigned char)out[before] & 0xc0) != 0x80);
		p = end + 2;
	}
}

static void test_backoff_doubles_to_ten_minutes(void **state)
{
	(void)state;
	assert_int_equal(outbox_backoff_ms(1), 5000);
	assert_int_equal(outbox_backoff_ms(2), 10000);
	assert_int_equal(outbox_backoff_ms(3), 20000);
	assert_int_equal(outbox_backoff_ms(7), 320000);
	assert_int_equal(outbox_backoff_ms(8), 600000);
	assert_int_equal(outbox_backoff_ms(1000), 600000);
}

static void test_rfc2047_ascii_is_kept(void **state)
{
	char *s = outbox_rfc2047("HIS down: switch to paper");

	(void)state;
	assert_string_equal(s, "HIS down: switch to paper");
	free(s);
}

static void test_rfc2047_chinese_round_trips_in_short_words(void **state)
{
	const char *subject = "【停机通知】门诊挂号处：请于 08:30 起改用纸质流程，"
		"并保管好所有手工单据，恢复后补录。信息中心 王磊";
	char *s = outbox_rfc2047(subject), out[1024];

	(void)state;
	assert_non_null(strstr(s, "\r\n =?UTF-8?B?"));   /* folded: more than one word */
	decode_2047(s, out);
	assert_string_equal(out, subject);
	free(s);
}

static void test_email_headers_and_body(void **state)
{
	struct outbox_email e = { .id = 42, .from = "lifeline@hospital.example", .to = "reg@h.example",
		.subject = "测试：门诊挂号", .body = "第一行\n第二行\n.dot", .date_ms = 0 };
	char *m = outbox_email_build(&e), subj[256], body[256];
	const char *b, *s;
	size_t o = 0;

	(void)state;
	assert_non_null(m);
	assert_non_null(strstr(m, "From: <lifeline@hospital.example>\r\n"));
	assert_non_null(strstr(m, "To: <reg@h.example>\r\n"));
	assert_non_null(strstr(m, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
	assert_non_null(strstr(m, "Message-ID: <outbox-42@hospital.example>\r\n"));
	assert_non_null(strstr(m, "Content-Type: text/plain; charset=utf-8\r\n"));
	assert_null(strstr(m, "X-Lifeline-Drill"));
	for (const char *p = m; (p = strchr(p, '\n')); p++)
		assert_int_equal(p[-1], '\r');
	s = strstr(m, "Subject: ");
	decode_2047(s, subj);
	assert_string_equal(subj, "测试：门诊挂号");
	b = strstr(m, "\r\n\r\n") + 4;
	unbase64(b, strlen(b), body, &o);
	assert_string_equal(body, "第一行\r\n第二行\r\n.dot");
	free(m);
	e.drill = true;
	m = outbox_email_build(&e);
	assert_non_null(strstr(m, "X-Lifeline-Drill: yes\r\n"));
	free(m);
}

static void test_message_id_is_stable(void **state)
{
	char a[128], b[128];

	(void)state;
	assert_string_equal(outbox_message_id(7, "x@a.b", a, sizeof(a)), "outbox-7@a.b");
	assert_string_equal(outbox_message_id(7, "x@a.b", b, sizeof(b)), a);
	assert_string_equal(outbox_message_id(7, "nobody", a, sizeof(a)), "outbox-7@lifeline.local");
}

static void test_payload_shapes(void **state)
{
	json_t *p;

	(void)state;
	p = outbox_payload_build("wecom", "pharmacy", "http://x", "停机", "改用纸质", false);
	assert_string_equal(json_string_value(json_object_get(p, "msgtype")), "text");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "text"), "content")),
		"停机\n改用纸质");
	json_decref(p);
	p = outbox_payload_build("dingtalk", "pharmacy", "http://x", "停机", "改用纸质", false);
	assert_string_equal(json_string_value(json_object_get(p, "msgtype")), "text");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "text"), "content")),
		"停机\n改用纸质");
	assert_true(json_is_false(json_object_get(json_object_get(p, "at"), "isAtAll")));
	assert_true(json_is_array(json_object_get(json_object_get(p, "at"), "atMobiles")));
	json_decref(p);
	p = outbox_payload_build("webhook", "pharmacy", "http://x", "s", "t", true);
	assert_string_equal(json_string_value(json_object_get(p, "department")), "pharmacy");
	assert_string_equal(json_string_value(json_object_get(p, "text")), "t");
	assert_true(json_is_true(json_object_get(p, "drill")));
	json_decref(p);
	p = outbox_payload_build("sms", NULL, "+86-10-5555-0100", "s", "t", false);
	assert_string_equal(json_string_value(json_object_get(p, "to")), "+86-10-5555-0100");
	assert_string_equal(json_string_value(json_object_get(p, "text")), "s: t");
	json_decref(p);
	assert_null(outbox_payload_build("email", NULL, "a@b", "s", "t", false));
	assert_null(outbox_payload_build("pigeon", NULL, "a@b", "s", "t", false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_doubles_to_ten_minutes),
		cmocka_unit_test(test_rfc2047_ascii_is_kept),
		cmocka_unit_test(test_rfc2047_chinese_round_trips_in_short_words),
		cmocka_unit_test(test_email_headers_and_body),
		cmocka_unit_test(test_message_id_is_stable),
		cmocka_unit_test(test_payload_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
