#include "outage_view.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "outage.h"

#define TIME_SIZE 64
#define DUR_SIZE 64

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* The number under key, or -1 when there is none. */
static long long num(const json_t *obj, const char *key)
{
	return outage_json_int(json_object_get(obj, key), -1);
}

const char *outage_view_id(const json_t *outage, char *buf, size_t size)
{
	const json_t *id = json_object_get(outage, "id");

	if (json_is_integer(id))
		snprintf(buf, size, "%lld", (long long)json_integer_value(id));
	else if (json_is_string(id))
		snprintf(buf, size, "%s", json_string_value(id));
	else
		snprintf(buf, size, "?");
	return buf;
}

/* An array of strings joined by the language's list separator; into buf. */
static const char *join_strings(const json_t *array, char *buf, size_t size)
{
	const char *sep = i18n_get(I18N_LIST_SEP);
	size_t len = 0, i;
	const json_t *v;

	buf[0] = '\0';
	json_array_foreach(array, i, v) {
		const char *s = json_string_value(v);
		int n;

		if (!s || len >= size)
			continue;
		n = snprintf(buf + len, size - len, "%s%s", len ? sep : "", s);
		if (n > 0)
			len += (size_t)n;
	}
	return buf;
}

/* " (time ×60)" after the drill mark when the drill's clock runs faster. */
static void print_drill(FILE *f, const json_t *outage)
{
	const json_t *scale = json_object_get(outage, "time_scale");

	if (!json_is_true(json_object_get(outage, "drill")))
		return;
	fputs(i18n_get(I18N_OUTAGE_DRILL), f);
	if (json_is_number(scale) && json_number_value(scale) != 1) {
		char text[32];

		snprintf(text, sizeof(text), "%g", json_number_value(scale));
		fprintf(f, i18n_get(I18N_OUTAGE_TIME_SCALE), text);
	}
}

static void print_time_line(FILE *f, enum i18n_msg label, const json_t *outage, const char *key)
{
	char when[TIME_SIZE];
	const char *t = str(outage, key);

	if (t)
		fprintf(f, i18n_get(label), cli_time_text(t, when, sizeof(when)));
}

static void print_level(FILE *f, const json_t *outage, const char *status)
{
	const char *level = str(outage, "level");
	const char *proposed = str(outage, "proposed_level");

	if (!level)
		level = proposed;
	if (status && strcmp(status, "suspected") == 0)
		fprintf(f, i18n_get(I18N_OUTAGE_LEVEL_PROPOSED), outage_level_text(level));
	else if (proposed && level && strcmp(proposed, level) != 0)
		fprintf(f, i18n_get(I18N_OUTAGE_LEVEL_OVERRIDDEN), outage_level_text(level),
			outage_level_text(proposed));
	else
		fprintf(f, i18n_get(I18N_OUTAGE_LEVEL), outage_level_text(level));
}

static void print_next(FILE *f, const json_t *outage)
{
	const json_t *next = json_object_get(outage, "next_threshold");
	const char *tier = str(next, "tier");
	const char *who = outage_tier_who(tier);
	char tier_text[256], when[TIME_SIZE], in[DUR_SIZE];

	if (!json_is_object(next)) {
		fputs(i18n_get(I18N_OUTAGE_NO_NEXT), f);
		return;
	}
	if (who)
		snprintf(tier_text, sizeof(tier_text), i18n_get(I18N_TIER_WITH_WHO),
			outage_tier_text(tier), who);
	else
		snprintf(tier_text, sizeof(tier_text), "%s", outage_tier_text(tier));
	fprintf(f, i18n_get(I18N_OUTAGE_NEXT), tier_text,
		cli_time_text(str(next, "at"), when, sizeof(when)),
		outage_duration_text(num(next, "in_s"), in, sizeof(in)));
}

void outage_view_block(FILE *f, const json_t *outage, bool full)
{
	const char *status = str(outage, "status");
	const char *reason = str(outage, "reason");
	const json_t *targets = json_object_get(outage, "targets");
	bool open = outage_status_open(status);
	long long elapsed = num(outage, "elapsed_s");
	long long reports = num(outage, "problem_reports");
	char id[32], dur[DUR_SIZE], list[1024], when[TIME_SIZE];

	fprintf(f, i18n_get(I18N_OUTAGE_TITLE), outage_view_id(outage, id, sizeof(id)));
	print_drill(f, outage);
	fputc('\n', f);
	fprintf(f, i18n_get(I18N_OUTAGE_STATUS), outage_status_text(status));
	print_level(f, outage, status);
	print_time_line(f, I18N_OUTAGE_BREAKPOINT, outage, "breakpoint");
	if (full && str(outage, "detected_at"))
		fprintf(f, i18n_get(I18N_OUTAGE_DETECTED),
			cli_time_text(str(outage, "detected_at"), when, sizeof(when)),
			outage_actor_text(str(outage, "opened_by")));
	if (full)
		print_time_line(f, I18N_OUTAGE_CONFIRMED_AT, outage, "confirmed_at");
	if (elapsed >= 0)
		fprintf(f, i18n_get(open ? I18N_OUTAGE_ELAPSED : I18N_OUTAGE_DURATION),
			outage_duration_text(elapsed, dur, sizeof(dur)));
	if (open)
		print_next(f, outage);
	if (str(outage, "manual_start_at"))
		print_time_line(f, I18N_OUTAGE_MANUAL_START, outage, "manual_start_at");
	else if (open)
		fputs(i18n_get(I18N_OUTAGE_MANUAL_NOT_YET), f);
	if (full) {
		print_time_line(f, I18N_OUTAGE_RECOVERING_AT, outage, "recovering_at");
		print_time_line(f, I18N_OUTAGE_RESOLVED_AT, outage, "resolved_at");
	}
	if (reason && *reason)
		fprintf(f, i18n_get(I18N_OUTAGE_REASON), reason);
	if (json_array_size(targets) > 0)
		fprintf(f, i18n_get(I18N_OUTAGE_TARGETS), join_strings(targets, list, sizeof(list)));
	if (reports >= 0)
		fprintf(f, i18n_get(I18N_OUTAGE_REPORTS), reports);
}

int outage_view_list(FILE *f, const json_t *outages)
{
	struct cli_table *t = cli_table_new(8);
	const json_t *o;
	size_t i;
	int rc;

	cli_table_add(t, i18n_get(I18N_LIST_HEAD_ID));
	cli_table_add(t, i18n_get(I18N_LIST_HEAD_LEVEL));
	cli_table_add(t, i18n_get(I18N_LIST_HEAD_STATUS));
	cli_table_add(t, i18n_get(I18N_LIST_HEAD_BREAKPOINT));
	cli_table_add(t, i18n_get(I18N_LIST_HEAD_ELAPSED));
	cli_table_add(t, i18n_get(I18N_LIST_HEAD_NEXT));
	cli_table_add(t, i18n_get(I18N_LIST_HEAD_TARGETS));
	cli_table_add(t, "");
	json_array_foreach(outages, i, o) {
		const char *status = str(o, "status");
		const char *level = str(o, "level");
		const json_t *next = json_object_get(o, "next_threshold");
		char id[32], when[TIME_SIZE], dur[DUR_SIZE], in[DUR_SIZE], list[512];

		if (!level)
			level = str(o, "proposed_level");
		cli_table_add(t, outage_view_id(o, id, sizeof(id)));
		if (status && strcmp(status, "suspected") == 0)
			cli_table_addf(t, i18n_get(I18N_LIST_LEVEL_PROPOSED), outage_level_text(level));
		else
			cli_table_add(t, outage_level_text(level));
		cli_table_add(t, outage_status_text(status));
		cli_table_add(t, cli_time_text(str(o, "breakpoint"), when, sizeof(when)));
		cli_table_add(t, num(o, "elapsed_s") >= 0 ?
			outage_duration_text(num(o, "elapsed_s"), dur, sizeof(dur)) : "-");
		if (outage_status_open(status) && json_is_object(next))
			cli_table_addf(t, i18n_get(I18N_LIST_NEXT_CELL), outage_tier_text(str(next, "tier")),
				outage_duration_text(num(next, "in_s"), in, sizeof(in)));
		else
			cli_table_add(t, "-");
		cli_table_add(t, json_array_size(json_object_get(o, "targets")) ?
			join_strings(json_object_get(o, "targets"), list, sizeof(list)) : "-");
		cli_table_add(t, json_is_true(json_object_get(o, "drill")) ?
			i18n_get(I18N_OUTAGE_DRILL) : "");
	}
	rc = cli_table_print(f, t, "");
	cli_table_free(t);
	return rc;
}

/* ---------- the timeline ---------- */

/*
 * The keys a detail may have, in the order people read them (PostgreSQL's jsonb
 * keeps keys sorted by length, which reads "to" before "from"); other keys
 * follow in the order they came.
 */
static const struct {
	const char *key;
	enum i18n_msg label;
} detail_labels[] = {
	{"from", I18N_DETAIL_FROM},
	{"to", I18N_DETAIL_TO},
	{"level", I18N_DETAIL_LEVEL},
	{"proposed_level", I18N_DETAIL_PROPOSED_LEVEL},
	{"kind", I18N_DETAIL_KIND},
	{"department", I18N_DETAIL_DEPARTMENT},
	{"target", I18N_DETAIL_TARGET},
	{"targets", I18N_DETAIL_TARGET},
	{"at", I18N_DETAIL_AT},
	{"drill", I18N_DETAIL_DRILL},
	{"time_scale", I18N_DETAIL_TIME_SCALE},
	{"reason", I18N_DETAIL_REASON},
	{"error", I18N_DETAIL_ERROR},
	{"report", I18N_DETAIL_REPORT},
	{"report_id", I18N_DETAIL_REPORT},
};
#define NLABELS (sizeof(detail_labels) / sizeof(detail_labels[0]))

static bool is_level_key(const char *key)
{
	return strcmp(key, "level") == 0 || strcmp(key, "proposed_level") == 0 ||
		strcmp(key, "from") == 0 || strcmp(key, "to") == 0;
}

static bool is_time_key(const char *key)
{
	size_t n = strlen(key);

	return strcmp(key, "at") == 0 || (n > 3 && strcmp(key + n - 3, "_at") == 0) ||
		strcmp(key, "breakpoint") == 0;
}

/* One value of a detail, for people; into buf. */
static const char *detail_value(const char *key, const json_t *v, char *buf, size_t size)
{
	const char *s = json_string_value(v);
	char *dump;

	if (s && is_level_key(key))
		return outage_level_text(s);
	if (s && strcmp(key, "kind") == 0)
		return outage_kind_text(s);
	if (s && strcmp(key, "state") == 0)
		return outage_target_state_text(s);
	if (s && is_time_key(key))
		return cli_time_text(s, buf, size);
	if (s)
		return s;
	if (json_is_integer(v))
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, size, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, size, "%s", i18n_get(json_is_true(v) ? I18N_YES : I18N_NO));
	else if (json_is_array(v) && json_array_size(v) > 0 &&
		json_is_string(json_array_get(v, 0)))
		join_strings(v, buf, size);
	else {
		dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(buf, size, "%s", dump ? dump : "?");
		free(dump);
	}
	return buf;
}

/* Nothing said: no value, an empty list, not a drill, time at its own pace. */
static bool says_nothing(const char *key, const json_t *v)
{
	return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) ||
		(strcmp(key, "drill") == 0 && json_is_false(v)) ||
		(strcmp(key, "time_scale") == 0 && json_is_number(v) && json_number_value(v) == 1);
}

/* Append "label：value" (after a separator) at buf + *len. */
static void append_pair(char *buf, size_t size, size_t *len, const char *label, const char *key,
	const json_t *v)
{
	char value[512];
	int n;

	if (*len >= size || says_nothing(key, v))
		return;
	n = snprintf(buf + *len, size - *len, "%s", *len ? i18n_get(I18N_DETAIL_SEP) : "");
	*len += n > 0 ? (size_t)n : 0;
	if (*len >= size)
		return;
	n = snprintf(buf + *len, size - *len, i18n_get(I18N_DETAIL_PAIR), label,
		detail_value(key, v, value, sizeof(value)));
	*len += n > 0 ? (size_t)n : 0;
}

const char *outage_view_detail(const json_t *detail, char *buf, size_t size)
{
	const char *key;
	json_t *v;
	size_t len = 0;

	buf[0] = '\0';
	if (!json_is_object(detail) || size == 0)
		return buf;
	/* The text of a recovery step or a report is what matters: it goes first, bare. */
	if (json_is_string(json_object_get(detail, "text")))
		len = (size_t)snprintf(buf, size, "%s", str(detail, "text"));
	for (size_t i = 0; i < NLABELS; i++)
		append_pair(buf, size, &len, i18n_get(detail_labels[i].label), detail_labels[i].key,
			json_object_get(detail, detail_labels[i].key));
	json_object_foreach((json_t *)detail, key, v) {
		bool known = strcmp(key, "text") == 0;

		for (size_t i = 0; i < NLABELS && !known; i++)
			known = strcmp(detail_labels[i].key, key) == 0;
		if (!known)
			append_pair(buf, size, &len, key, key, v);
	}
	return buf;
}

int outage_view_timeline(FILE *f, const json_t *timeline)
{
	struct cli_table *t;
	const json_t *e;
	size_t i;
	int rc;

	if (json_array_size(timeline) == 0) {
		fputs(i18n_get(I18N_OUTAGE_TIMELINE_EMPTY), f);
		return 0;
	}
	t = cli_table_new(4);
	json_array_foreach(timeline, i, e) {
		char when[TIME_SIZE], detail[2048];

		cli_table_add(t, cli_time_text(str(e, "at"), when, sizeof(when)));
		cli_table_add(t, outage_event_text(str(e, "kind")));
		cli_table_add(t, outage_actor_text(str(e, "actor")));
		cli_table_add(t, outage_view_detail(json_object_get(e, "detail"), detail,
			sizeof(detail)));
	}
	rc = cli_table_print(f, t, "  ");
	cli_table_free(t);
	return rc;
}

/* ---------- targets ---------- */

int outage_view_targets(FILE *f, const json_t *targets)
{
	struct cli_table *t = cli_table_new(5);
	const json_t *x;
	size_t i;
	int rc;

	json_array_foreach(targets, i, x) {
		const char *title = str(x, i18n_current() == I18N_EN ? "title_en" : "title_zh");
		const char *affected = str(x, "affected_by");
		const char *error = str(x, "last_error");
		char when[TIME_SIZE], notes[1024];
		size_t len = 0;
		int n;

		if (!title)
			title = str(x, i18n_current() == I18N_EN ? "title_zh" : "title_en");
		cli_table_add(t, str(x, "name") ? str(x, "name") : "?");
		cli_table_add(t, title ? title : "");
		cli_table_addf(t, "%s%s", outage_target_state_text(str(x, "state")),
			json_is_true(json_object_get(x, "core")) ? i18n_get(I18N_TARGET_CORE) : "");
		if (str(x, "since"))
			cli_table_addf(t, i18n_get(I18N_TARGET_SINCE),
				cli_time_text(str(x, "since"), when, sizeof(when)));
		else
			cli_table_add(t, "");

		notes[0] = '\0';
		if (affected) {
			n = snprintf(notes, sizeof(notes), i18n_get(I18N_TARGET_AFFECTED), affected);
			len += n > 0 ? (size_t)n : 0;
		}
		if (json_is_true(json_object_get(x, "flapping")) && len < sizeof(notes)) {
			n = snprintf(notes + len, sizeof(notes) - len, "%s%s",
				len ? i18n_get(I18N_DETAIL_SEP) : "", i18n_get(I18N_TARGET_FLAPPING));
			len += n > 0 ? (size_t)n : 0;
		}
		if (error && *error && len < sizeof(notes))
			snprintf(notes + len, sizeof(notes) - len, "%s%s",
				len ? i18n_get(I18N_DETAIL_SEP) : "", error);
		cli_table_add(t, notes);
	}
	rc = cli_table_print(f, t, "  ");
	cli_table_free(t);
	return rc;
}
