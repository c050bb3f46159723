/*
 * notice_text — the words of every notice, in Chinese and English. Pure: no
 * I/O, no clock; the caller passes the facts (names, local times, dates) and
 * gets malloc'd strings back.
 *
 *   notice_text_compose() — the notice as first sent: a stand-by alert by
 *                           level, a switch-to-paper instruction naming the
 *                           manual start time and the forms to print, the
 *                           unified manual start time (to departments already
 *                           on paper), the resume instruction with the real
 *                           dates, or the fault-review reminder.
 *   notice_text_step()    — what a repeat or an escalation says around the
 *                           original text.
 *   notice_form_name(), notice_record_name() — the names of form codes and
 *                           backfill record types.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum notice_lang { NOTICE_ZH, NOTICE_EN };

enum notice_step {
	NOTICE_STEP_SENT = 1,
	NOTICE_STEP_REPEATED = 2,
	NOTICE_STEP_ESCALATED_HEAD = 3,
	NOTICE_STEP_ESCALATED_LEADERSHIP = 4,
};

/* What a notice is about. Strings are borrowed; NULL where not known. */
struct notice_facts {
	const char *kind;           /* alert, log, paper, manual, resume, review */
	const char *level;          /* "1", "2", "3", "other" */
	const char *tier;           /* paper: "30m", "6h", "24h" */
	long tier_s;                /* paper: the tier's threshold in seconds */
	bool drill;
	const char *outage_id;
	const char *dept_zh, *dept_en;
	const char *const *forms;   /* form codes the department prints */
	size_t nforms;
	const char *const *records; /* backfill record types it enters */
	size_t nrecords;
	const char *breakpoint;     /* local "2026-11-22 08:00" */
	const char *manual_start;   /* local time, or NULL: not announced yet */
	const char *resolved;       /* local time of recovery (resume, review) */
	const char *today;          /* resume: local date of recovery "2026-11-22" */
	const char *tomorrow;       /* resume: the day after */
};

struct notice_text {
	char *subject;
	char *body;
};

/* 0, or LL_ENOMEM / LL_EINVAL (an unknown kind). Free with notice_text_free(). */
int notice_text_compose(const struct notice_facts *f, enum notice_lang lang,
	struct notice_text *out);

/*
 * A repeat or an escalation of a notice first sent at sent_local (local
 * time) with the text orig. step is NOTICE_STEP_REPEATED or later.
 */
int notice_text_step(enum notice_step step, enum notice_lang lang, bool drill,
	const char *dept, const char *sent_local, const struct notice_text *orig,
	struct notice_text *out);

void notice_text_free(struct notice_text *t);

/* The name of a form code or a record type; the code itself when unknown. */
const char *notice_form_name(const char *code, enum notice_lang lang);
const char *notice_record_name(const char *type, enum notice_lang lang);
