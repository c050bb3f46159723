/*
 * outbox_format — wire formats of the notify channels (see the header).
 */
#include "outbox_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Raw bytes per encoded-word: base64 of 45 bytes is 60 chars, + 12 of "=?UTF-8?B??=" = 72 <= 75. */
#define WORD_RAW_MAX 45
#define BODY_LINE_RAW 57 /* 57 bytes -> 76 base64 characters per body line */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int64_t outbox_backoff_ms(int attempts)
{
	int64_t ms = OUTBOX_BACKOFF_FIRST_MS;

	for (int i = 1; i < attempts && ms < OUTBOX_BACKOFF_MAX_MS; i++)
		ms *= 2;
	return ms > OUTBOX_BACKOFF_MAX_MS ? OUTBOX_BACKOFF_MAX_MS : ms;
}

/* Append base64 of n bytes at p to out (which has room); returns the characters written. */
static size_t base64(const unsigned char *p, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	return o;
}

static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

char *outbox_rfc2047(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out;

	if (plain_ascii(s))
		return strdup(s);
	/*
	 * Each word: 12 fixed + at most 60 base64 + 3 of folding. Bad UTF-8 (a run
	 * of continuation bytes) can shrink words to one byte: size for that.
	 */
	out = malloc((n + 1) * 80);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t take = n - i < WORD_RAW_MAX ? n - i : WORD_RAW_MAX;

		/* Never cut a UTF-8 sequence: back off over continuation bytes. */
		while (i + take < n && take > 1 && ((unsigned char)s[i + take] & 0xc0) == 0x80)
			take--;
		if (i > 0) {
			memcpy(out + o, "\r\n ", 3);
			o += 3;
		}
		memcpy(out + o, "=?UTF-8?B?", 10);
		o += 10;
		o += base64((const unsigned char *)s + i, take, out + o);
		memcpy(out + o, "?=", 2);
		o += 2;
		i += take;
	}
	out[o] = '\0';
	return out;
}

const char *outbox_rfc5322_date(int64_t ms, char *buf, size_t len)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

const char *outbox_message_id(int64_t id, const char *from, char *buf, size_t len)
{
	const char *at = from ? strrchr(from, '@') : NULL;

	snprintf(buf, len, "outbox-%lld@%s", (long long)id, at && at[1] ? at + 1 : "lifeline.local");
	return buf;
}

char *outbox_email_build(const struct outbox_email *e)
{
	char date[64], mid[320];
	char *subject = outbox_rfc2047(e->subject ? e->subject : "");
	size_t blen = e->body ? strlen(e->body) : 0;
	size_t cap, o;
	char *out, *body = NULL;
	int n;

	if (!subject)
		return NULL;
	/* The body with CRLF line ends, then base64 in 76-character lines. */
	body = malloc(blen * 2 + 1);
	if (!body) {
		free(subject);
		return NULL;
	}
	o = 0;
	for (size_t i = 0; i < blen; i++) {
		if (e->body[i] == '\n' && (i == 0 || e->body[i - 1] != '\r'))
			body[o++] = '\r';
		body[o++] = e->body[i];
	}
	blen = o;
	cap = strlen(subject) + strlen(e->from) + strlen(e->to) + 512 + (blen + 2) / 3 * 4 +
		(blen / BODY_LINE_RAW + 1) * 2;
	out = malloc(cap);
	if (!out) {
		free(subject);
		free(body);
		return NULL;
	}
	n = snprintf(out, cap,
		"From: <%s>\r\n"
		"To: <%s>\r\n"
		"Subject: %s\r\n"
		"Date: %s\r\n"
		"Message-ID: <%s>\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"%s"
		"\r\n",
		e->from, e->to, subject, outbox_rfc5322_date(e->date_ms, date, sizeof(date)),
		outbox_message_id(e->id, e->from, mid, sizeof(mid)),
		e->drill ? "X-Lifeline-Drill: yes\r\n" : "");
	free(subject);
	if (n < 0 || (size_t)n >= cap) {
		free(body);
		free(out);
		return NULL;
	}
	o = (size_t)n;
	for (size_t i = 0; i < blen; i += BODY_LINE_RAW) {
		o += base64((unsigned char *)body + i, blen - i < BODY_LINE_RAW ? blen - i : BODY_LINE_RAW,
			out + o);
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o] = '\0';
	free(body);
	return out;
}

json_t *outbox_payload_build(const char *channel, const char *department, const char *address,
	const char *subject, const char *text, bool drill)
{
	char *content;
	json_t *p = NULL;
	size_t len;

	if (!channel || strcmp(channel, "email") == 0)
		return NULL;
	subject = subject ? subject : "";
	text = text ? text : "";
	if (strcmp(channel, "webhook") == 0)
		return json_pack("{s:s, s:s, s:s?, s:b}", "subject", subject, "text", text,
			"department", department, "drill", drill);
	len = strlen(subject) + strlen(text) + 3;
	content = malloc(len);
	if (!content)
		return NULL;
	if (strcmp(channel, "sms") == 0) {
		snprintf(content, len, "%s%s%s", subject, *subject ? ": " : "", text);
		p = json_pack("{s:s?, s:s}", "to", address, "text", content);
	} else {
		snprintf(content, len, "%s%s%s", subject, *subject ? "\n" : "", text);
		if (strcmp(channel, "wecom") == 0)
			p = json_pack("{s:s, s:{s:s}}", "msgtype", "text", "text", "content", content);
		else if (strcmp(channel, "dingtalk") == 0)
			p = json_pack("{s:s, s:{s:s}, s:{s:[], s:b}}", "msgtype", "text", "text",
				"content", content, "at", "atMobiles", "isAtAll", 0);
	}
	free(content);
	return p;
}
