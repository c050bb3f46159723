#include "notice.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "i18n.h"
#include "outage.h"

static const struct i18n_name moments[] = {
	{"level-1", I18N_NMOMENT_LEVEL_1},
	{"level-2", I18N_NMOMENT_LEVEL_2},
	{"level-3", I18N_NMOMENT_LEVEL_3},
	{"level-other", I18N_NMOMENT_LEVEL_OTHER},
	{"paper-30m", I18N_NMOMENT_PAPER_30M},
	{"paper-6h", I18N_NMOMENT_PAPER_6H},
	{"paper-24h", I18N_NMOMENT_PAPER_24H},
	{"manual-start", I18N_NMOMENT_MANUAL_START},
	{"resume", I18N_NMOMENT_RESUME},
	{"review", I18N_NMOMENT_REVIEW},
	{NULL, 0},
};

static const struct i18n_name kinds[] = {
	{"alert", I18N_NKIND_ALERT},
	{"log", I18N_NKIND_LOG},
	{"paper", I18N_NKIND_PAPER},
	{"manual", I18N_NKIND_MANUAL},
	{"resume", I18N_NKIND_RESUME},
	{"review", I18N_NKIND_REVIEW},
	{NULL, 0},
};

static const struct i18n_name statuses[] = {
	{"planned", I18N_NSTATUS_PLANNED},
	{"open", I18N_NSTATUS_OPEN},
	{"sent", I18N_NSTATUS_SENT},
	{"acknowledged", I18N_NSTATUS_ACKNOWLEDGED},
	{"closed", I18N_NSTATUS_CLOSED},
	{"cancelled", I18N_NSTATUS_CANCELLED},
	{NULL, 0},
};

static const struct i18n_name steps[] = {
	{"repeated", I18N_NSTEP_REPEATED},
	{"escalated_head", I18N_NSTEP_ESCALATED_HEAD},
	{"escalated_leadership", I18N_NSTEP_ESCALATED_LEADERSHIP},
	{NULL, 0},
};

const char *notice_what_text(const char *moment, const char *kind)
{
	const struct i18n_name *e = i18n_name_find(moments, moment);

	if (!e)
		e = i18n_name_find(kinds, kind);
	if (e)
		return i18n_get(e->msg);
	return moment ? moment : kind ? kind : "?";
}

const char *notice_status_text(const char *status)
{
	const struct i18n_name *e = i18n_name_find(statuses, status);

	if (e)
		return i18n_get(e->msg);
	return status ? status : "?";
}

const char *notice_step_text(const char *step)
{
	const struct i18n_name *e = i18n_name_find(steps, step);

	if (e)
		return i18n_get(e->msg);
	if (!step || strcmp(step, "planned") == 0 || strcmp(step, "sent") == 0)
		return NULL;
	return step;
}

bool notice_awaits_ack(const json_t *notice)
{
	const char *status = json_string_value(json_object_get(notice, "status"));

	return status && strcmp(status, "open") == 0 &&
		json_is_true(json_object_get(notice, "wants_ack"));
}

/* True when text starts with lang's drill mark, trailing blanks of the mark aside. */
static bool starts_with_mark(const char *text, enum i18n_lang lang)
{
	const char *mark = i18n_get_in(lang, I18N_NOTICE_DRILL);
	size_t n = mark ? strlen(mark) : 0;

	while (n > 0 && mark[n - 1] == ' ')
		n--;
	return n > 0 && strncmp(text, mark, n) == 0;
}

const char *notice_subject_text(const char *subject, bool drill, char *buf, size_t size)
{
	bool marked = false;

	if (!subject || !*subject)
		subject = "-";
	for (int lang = 0; drill && lang < I18N_NLANGS; lang++)
		marked = marked || starts_with_mark(subject, (enum i18n_lang)lang);
	snprintf(buf, size, "%s%s", drill && !marked ? i18n_get(I18N_NOTICE_DRILL) : "", subject);
	return buf;
}

const char *notice_time_short(const char *rfc3339, char *buf, size_t size)
{
	struct tm tm;
	time_t t;

	if (!rfc3339)
		return "-";
	if (!cli_parse_rfc3339(rfc3339, &t) || !localtime_r(&t, &tm) ||
		strftime(buf, size, "%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "%s", rfc3339);
	return buf;
}

bool notice_parse_id(const char *text, long long *id)
{
	/* The same rule as outage ids: digits only, so an id never carries '/' into a path. */
	return outage_parse_id(text, id);
}

bool notice_dept_valid(const char *code)
{
	size_t n = code ? strlen(code) : 0;

	if (n < 1 || n > 64 || code[0] == '-')
		return false;
	return strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/*
 * The code point at *p, advanced past it; -1 (and *p unchanged) when the
 * bytes there are not UTF-8: a bad lead or continuation byte, an overlong
 * form, a surrogate, or beyond U+10FFFF.
 */
static long utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	long cp, min;
	int n;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	}
	if ((s[0] & 0xE0) == 0xC0) {
		n = 1;
		cp = s[0] & 0x1F;
		min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		n = 2;
		cp = s[0] & 0x0F;
		min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		n = 3;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	for (int i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1; /* also stops at the NUL */
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*p = s + n + 1;
	return cp;
}

enum notice_note_check notice_check_note(const char *note)
{
	const unsigned char *p = (const unsigned char *)(note ? note : "");
	size_t count = 0;
	bool blank = true;

	while (*p) {
		long cp = utf8_next(&p);

		if (cp < 0)
			return NOTICE_NOTE_NOT_UTF8;
		/* U+3000, the ideographic space, is what a Chinese keyboard types. */
		if (!(cp < 0x80 && isspace((int)cp)) && cp != 0x3000)
			blank = false;
		count++;
	}
	if (blank)
		return NOTICE_NOTE_BLANK;
	return count > NOTICE_NOTE_MAX ? NOTICE_NOTE_TOO_LONG : NOTICE_NOTE_OK;
}
