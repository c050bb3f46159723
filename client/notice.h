/*
 * notice — the client's words for the notices of the notice plan: naming
 * what the notices API answers (what a notice is for, its status, how far it
 * was escalated) in the current language, and checking what people type
 * (a notice id, a department code, an acknowledgement's note). Pure: no I/O,
 * no server.
 *
 * Words of the API (server/notify/notices.h):
 *   moment   what the notice is for within its outage: level-1, level-2,
 *            level-3, level-other (the alerts of the outage's level),
 *            paper-30m, paper-6h, paper-24h (switch to paper at that tier),
 *            resume, review.
 *   kind     alert, log, paper, resume, review: the moment's family.
 *   status   planned, open (sent, waiting for an acknowledgement), sent
 *            (wants none), acknowledged, closed, cancelled.
 *   step     planned, sent, repeated, escalated_head, escalated_leadership:
 *            how far the sender went while nobody acknowledged.
 *
 * Every *_text() returns a static string; for a value it does not know it
 * returns the value itself (a newer server may send more), "?" for NULL.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* The server refuses a longer note (schemas/api/notice-ack.schema.json). */
#define NOTICE_NOTE_MAX 1000

/*
 * What a notice is for: its moment in words ("转手工（30 分钟）" / "switch to
 * paper (30 min)"), else its kind's ("转手工"), else the moment as sent.
 */
const char *notice_what_text(const char *moment, const char *kind);
/* "open" -> "待确认" */
const char *notice_status_text(const char *status);
/*
 * How far an unacknowledged notice went: "repeated" -> "已再次通知"; NULL
 * for "planned", "sent" and NULL, which are no escalation.
 */
const char *notice_step_text(const char *step);

/*
 * True when the notice (a notice object of the API, borrowed) waits for an
 * acknowledgement now: status "open" and wants_ack.
 */
bool notice_awaits_ack(const json_t *notice);

/*
 * The subject to show, into buf: "-" when there is none, and for a drill
 * the drill mark first ("【演练】…" / "[DRILL] …") unless the server's text
 * starts with a drill mark of either language already.
 */
const char *notice_subject_text(const char *subject, bool drill, char *buf, size_t size);

/*
 * An RFC 3339 time as a short local time, "11-22 21:00", into buf; the text
 * itself when it does not parse, "-" for NULL.
 */
const char *notice_time_short(const char *rfc3339, char *buf, size_t size);

/* A notice id: a positive decimal number, digits only (as outage ids). */
bool notice_parse_id(const char *text, long long *id);

/* A department code: 1-64 of a-z, 0-9 and '-', not starting with '-'. */
bool notice_dept_valid(const char *code);

enum notice_note_check {
	NOTICE_NOTE_OK,
	NOTICE_NOTE_BLANK,     /* empty, or only blanks (a full-width space too) */
	NOTICE_NOTE_TOO_LONG,  /* more than NOTICE_NOTE_MAX characters */
	NOTICE_NOTE_NOT_UTF8,  /* not UTF-8: it could not be sent as JSON */
};

/* What is wrong with the note of `lifeline ack --note`, if anything. */
enum notice_note_check notice_check_note(const char *note);
