/*
 * outbox_format — the pure parts of delivering a notice: what goes on the
 * wire for each channel, and when a failed delivery is tried again. No I/O,
 * no clock reads (times are parameters), so unit tests cover all of it.
 *
 * Words:
 *   encoded-word — RFC 2047 "=?UTF-8?B?...?=": how a header carries text
 *                  that is not ASCII (a Chinese subject, a department name).
 *   payload      — the JSON body POSTed to a webhook-like channel (generic
 *                  webhook, WeCom or DingTalk group robot, SMS gateway),
 *                  built when the delivery is queued and stored in its row.
 *
 * Ownership: every char * and json_t * returned is new and belongs to the
 * caller (free() / json_decref()); NULL means out of memory.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Back-off: 5 s after the first failure, doubling, at most 10 min. */
#define OUTBOX_BACKOFF_FIRST_MS 5000
#define OUTBOX_BACKOFF_MAX_MS 600000

/* The wait before the next attempt after `attempts` failed ones (>= 1). */
int64_t outbox_backoff_ms(int attempts);

/*
 * A header value as RFC 2047 encoded-words when it holds anything but
 * printable ASCII (folded with CRLF SP, each word at most 75 characters and
 * never splitting a UTF-8 sequence); a copy of s otherwise.
 */
char *outbox_rfc2047(const char *s);

/* An RFC 5322 date ("Tue, 03 Mar 2026 08:05:09 +0000") for ms since the epoch, into buf. */
const char *outbox_rfc5322_date(int64_t ms, char *buf, size_t len);

struct outbox_email {
	int64_t id;            /* the outbox row: the Message-ID is derived from it */
	const char *from;      /* "lifeline@hospital.example" */
	const char *to;
	const char *subject;   /* UTF-8 */
	const char *body;      /* UTF-8 plain text, LF or CRLF line ends */
	int64_t date_ms;
	bool drill;
};

/*
 * The whole message, CRLF line ends: From, To, Subject (RFC 2047), Date,
 * Message-ID "<outbox-ID@DOMAIN-OF-FROM>" (the same on every retry, so a
 * receiver can drop a repeat), MIME headers, and the body as base64 text/plain
 * UTF-8 (safe without 8BITMIME, no line can start with a dot).
 */
char *outbox_email_build(const struct outbox_email *e);

/* The Message-ID outbox_email_build() writes, without the angle brackets, into buf. */
const char *outbox_message_id(int64_t id, const char *from, char *buf, size_t len);

/*
 * The payload for channel ("webhook", "wecom", "dingtalk", "sms") given the
 * subject and text; address is the SMS number (ignored otherwise). NULL for
 * "email" or an unknown channel.
 *   webhook  {"subject", "text", "department", "drill"}
 *   wecom    {"msgtype":"text","text":{"content": "subject\ntext"}}
 *   dingtalk {"msgtype":"text","text":{"content": ...},"at":{"isAtAll":false}}
 *   sms      {"to": address, "text": "subject: text"}
 */
json_t *outbox_payload_build(const char *channel, const char *department, const char *address,
	const char *subject, const char *text, bool drill);
