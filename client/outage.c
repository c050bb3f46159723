#include "outage.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"

static const struct i18n_name levels[] = {
	{"1", I18N_LEVEL_1},
	{"2", I18N_LEVEL_2},
	{"3", I18N_LEVEL_3},
	{"other", I18N_LEVEL_OTHER},
	{NULL, 0},
};

static const struct i18n_name statuses[] = {
	{"suspected", I18N_OSTATUS_SUSPECTED},
	{"confirmed", I18N_OSTATUS_CONFIRMED},
	{"manual", I18N_OSTATUS_MANUAL},
	{"recovering", I18N_OSTATUS_RECOVERING},
	{"resolved", I18N_OSTATUS_RESOLVED},
	{"reviewed", I18N_OSTATUS_REVIEWED},
	{"dismissed", I18N_OSTATUS_DISMISSED},
	{NULL, 0},
};

static const struct i18n_name tiers[] = {
	{"30m", I18N_TIER_30M},
	{"6h", I18N_TIER_6H},
	{"24h", I18N_TIER_24H},
	{NULL, 0},
};

static const struct i18n_name events[] = {
	{"opened", I18N_EVENT_OPENED},
	{"level_proposed", I18N_EVENT_LEVEL_PROPOSED},
	{"declared", I18N_EVENT_DECLARED},
	{"target_down", I18N_EVENT_TARGET_DOWN},
	{"target_up", I18N_EVENT_TARGET_UP},
	{"confirmed", I18N_EVENT_CONFIRMED},
	{"level_changed", I18N_EVENT_LEVEL_CHANGED},
	{"manual_start", I18N_EVENT_MANUAL_START},
	{"recovery_step", I18N_EVENT_RECOVERY_STEP},
	{"problem_report", I18N_EVENT_PROBLEM_REPORT},
	{"recovering", I18N_EVENT_RECOVERING},
	{"resolved", I18N_EVENT_RESOLVED},
	{"dismissed", I18N_EVENT_DISMISSED},
	{NULL, 0},
};

static const struct i18n_name target_states[] = {
	{"unknown", I18N_TSTATE_UNKNOWN},
	{"up", I18N_TSTATE_UP},
	{"suspect", I18N_TSTATE_SUSPECT},
	{"down", I18N_TSTATE_DOWN},
	{NULL, 0},
};

static const struct i18n_name kinds[] = {
	{"slow", I18N_KIND_SLOW},
	{"cannot_save", I18N_KIND_CANNOT_SAVE},
	{"cannot_login", I18N_KIND_CANNOT_LOGIN},
	{"network", I18N_KIND_NETWORK},
	{"program_error", I18N_KIND_PROGRAM_ERROR},
	{"operator_error", I18N_KIND_OPERATOR_ERROR},
	{"other", I18N_KIND_OTHER},
	{NULL, 0},
};

static const char *text_of(const struct i18n_name *table, const char *name)
{
	const struct i18n_name *e = i18n_name_find(table, name);

	if (e)
		return i18n_get(e->msg);
	return name ? name : "?";
}

bool outage_level_valid(const char *level)
{
	return i18n_name_find(levels, level) != NULL;
}

bool outage_kind_valid(const char *kind)
{
	return i18n_name_find(kinds, kind) != NULL;
}

const char *outage_level_text(const char *level)
{
	return text_of(levels, level);
}

const char *outage_status_text(const char *status)
{
	return text_of(statuses, status);
}

bool outage_status_open(const char *status)
{
	static const char *const open[] = {"suspected", "confirmed", "manual", "recovering"};

	for (size_t i = 0; status && i < sizeof(open) / sizeof(open[0]); i++)
		if (strcmp(status, open[i]) == 0)
			return true;
	return false;
}

const char *outage_tier_text(const char *tier)
{
	return text_of(tiers, tier);
}

const char *outage_tier_who(const char *tier)
{
	static const struct i18n_name who[] = {
		{"30m", I18N_TIER_30M_WHO},
		{"6h", I18N_TIER_6H_WHO},
		{"24h", I18N_TIER_24H_WHO},
		{NULL, 0},
	};
	const struct i18n_name *e = i18n_name_find(who, tier);

	return e ? i18n_get(e->msg) : NULL;
}

const char *outage_event_text(const char *kind)
{
	return text_of(events, kind);
}

const char *outage_target_state_text(const char *state)
{
	return text_of(target_states, state);
}

const char *outage_kind_text(const char *kind)
{
	return text_of(kinds, kind);
}

const char *outage_actor_text(const char *actor)
{
	if (actor && strcmp(actor, "monitor") == 0)
		return i18n_get(I18N_ACTOR_MONITOR);
	if (actor && strcmp(actor, "lifeline") == 0)
		return i18n_get(I18N_ACTOR_LIFELINE);
	return actor ? actor : "?";
}

/* ---------- parsing what people type ---------- */

/* JSON integers are exact up to 2^53; ids stay well below. */
#define ID_MAX 9007199254740991LL

bool outage_parse_id(const char *text, long long *id)
{
	long long v = 0;

	if (!text || !*text)
		return false;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
		if (v > ID_MAX)
			return false;
	}
	if (v <= 0)
		return false;
	*id = v;
	return true;
}

bool outage_parse_time_scale(const char *text, double *scale)
{
	char *end;
	double v;

	if (!text || !*text || isspace((unsigned char)*text))
		return false;
	errno = 0;
	v = strtod(text, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > OUTAGE_TIME_SCALE_MAX)
		return false;
	*scale = v;
	return true;
}

int outage_parse_targets(const char *text, json_t **out)
{
	json_t *list = json_array();
	const char *p = text;

	*out = NULL;
	if (!list)
		return LL_ENOMEM;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *a = p, *b = p + len;
		char *name;
		int rc;

		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (a == b) {
			json_decref(list);
			return LL_EINVAL;
		}
		name = strndup(a, (size_t)(b - a));
		rc = name ? json_array_append_new(list, json_string(name)) : -1;
		free(name);
		if (rc != 0) {
			json_decref(list);
			return LL_ENOMEM;
		}
		if (!end)
			break;
		p = end + 1;
	}
	*out = list;
	return 0;
}

/* Exactly n decimal digits at *p, advanced past them. */
static bool digits(const char **p, int n, int *value)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*value = v;
	return true;
}

/* "HH:MM" or "HH:MM:SS" (H may be one digit) at p, to the end of the text. */
static bool parse_clock(const char *p, int *h, int *m, int *s)
{
	*s = 0;
	if (p[0] == '\0' || !digits(&p, p[1] == ':' ? 1 : 2, h) || *p++ != ':' || !digits(&p, 2, m))
		return false;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, s))
			return false;
	}
	return *p == '\0' && *h <= 23 && *m <= 59 && *s <= 59;
}

int outage_parse_at(const char *text, time_t now, char *out, size_t size)
{
	struct tm tm;
	int h, m, s;
	time_t t;

	if (!text)
		return LL_EINVAL;
	if (parse_clock(text, &h, &m, &s)) {
		if (!localtime_r(&now, &tm))
			return LL_EINVAL;
		tm.tm_hour = h;
		tm.tm_min = m;
		tm.tm_sec = s;
		tm.tm_isdst = -1; /* whatever daylight saving says on that day */
		t = mktime(&tm);
		if (t == (time_t)-1)
			return LL_EINVAL;
	} else if (!cli_parse_rfc3339(text, &t)) {
		return LL_EINVAL;
	}
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
		return LL_EINVAL;
	if (strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return LL_ETOOBIG;
	return 0;
}

/* ---------- numbers for people ---------- */

const char *outage_duration_text(long long seconds, char *buf, size_t size)
{
	long long s = seconds < 0 ? 0 : seconds;

	if (s < 60)
		snprintf(buf, size, i18n_get(I18N_DUR_S), s);
	else if (s < 3600)
		snprintf(buf, size, i18n_get(I18N_DUR_MS), s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, i18n_get(I18N_DUR_HM), s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, i18n_get(I18N_DUR_DH), s / 86400, s % 86400 / 3600);
	return buf;
}

long long outage_json_int(const json_t *value, long long fallback)
{
	double d;

	if (json_is_integer(value))
		return json_integer_value(value);
	if (!json_is_real(value))
		return fallback;
	d = json_real_value(value);
	if (!isfinite(d) || d > 9e18 || d < -9e18)
		return fallback;
	return (long long)d;
}
