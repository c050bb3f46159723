#include "incident_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "db.h"
#include "events.h"
#include "levels.h"
#include "log.h"

/* The tiers of the plan (§5), in outage time. */
static const struct { const char *name; int64_t seconds; } tiers[] = {
	{ "30m", 30 * 60 }, { "6h", 6 * 3600 }, { "24h", 24 * 3600 },
};

/* ---------- JSON of an outage row ---------- */

static json_t *ms_json(const PGresult *res, int row, int col)
{
	char buf[40];

	if (PQgetisnull(res, row, col))
		return json_null();
	return json_string(clock_format_ms(strtoll(PQgetvalue(res, row, col), NULL, 10), buf,
		sizeof(buf)));
}

bool incident_status_is_open(const char *status)
{
	return strcmp(status, "suspected") == 0 || strcmp(status, "confirmed") == 0 ||
		strcmp(status, "manual") == 0 || strcmp(status, "recovering") == 0;
}

/* Build the API's outage object from OUTAGE_COLS at (res, row). */
json_t *incident_outage_json(const PGresult *res, int row)
{
	const char *status = PQgetvalue(res, row, 1);
	double scale = strtod(PQgetvalue(res, row, 5), NULL);
	int64_t bp = strtoll(PQgetvalue(res, row, 6), NULL, 10);
	int64_t end = PQgetisnull(res, row, 11) ? clock_now_ms() : strtoll(PQgetvalue(res, row, 11), NULL, 10);
	int64_t elapsed_s = (int64_t)((double)(end - bp) * scale / 1000.0);
	json_t *targets = json_loads(PQgetvalue(res, row, 14), 0, NULL);
	json_t *next = json_null();
	json_t *o;

	if (incident_status_is_open(status)) {
		for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
			if (tiers[i].seconds > elapsed_s) {
				char buf[40];
				int64_t at = bp + (int64_t)((double)tiers[i].seconds * 1000.0 / scale);

				json_decref(next);
				next = json_pack("{s:s, s:s, s:I}", "tier", tiers[i].name,
					"at", clock_format_ms(at, buf, sizeof(buf)),
					"in_s", (json_int_t)((double)(tiers[i].seconds - elapsed_s) / scale));
				break;
			}
		}
	}
	o = json_pack("{s:I, s:s, s:s, s:s, s:b, s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:I, s:o, s:I}",
		"id", (json_int_t)strtoll(PQgetvalue(res, row, 0), NULL, 10),
		"status", status,
		"level", PQgetvalue(res, row, 2),
		"proposed_level", PQgetvalue(res, row, 3),
		"drill", PQgetvalue(res, row, 4)[0] == 't',
		"time_scale", scale,
		"breakpoint", ms_json(res, row, 6),
		"detected_at", ms_json(res, row, 7),
		"confirmed_at", ms_json(res, row, 8),
		"manual_start_at", ms_json(res, row, 9),
		"recovering_at", ms_json(res, row, 10),
		"resolved_at", ms_json(res, row, 11),
		"reason", PQgetisnull(res, row, 12) ? json_null() : json_string(PQgetvalue(res, row, 12)),
		"opened_by", PQgetvalue(res, row, 13),
		"targets", targets ? targets : json_array(),
		"elapsed_s", (json_int_t)elapsed_s,
		"next_threshold", next,
		"problem_reports", (json_int_t)strtoll(PQgetvalue(res, row, 15), NULL, 10));
	return o;
}

void incident_ms_param(char *buf, size_t len, int64_t ms)
{
	snprintf(buf, len, "%lld", (long long)ms);
}

/* ---------- publishing ---------- */

static void on_outage_for_publish(int err, PGresult *res, void *arg)
{
	struct incident *inc = arg;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || inc->freeing)
		return;
	{
		json_t *o = incident_outage_json(res, 0);

		events_publish(inc->events, "outage", o);
		json_decref(o);
	}
}

void incident_publish_outage(struct incident *inc, const char *id)
{
	const char *params[1] = { id };

	if (db_query(inc->env.db, "SELECT " OUTAGE_COLS " FROM outages o WHERE o.id = $1", 1, params,
			on_outage_for_publish, inc) != 0)
		log_warn("outage %s changed but could not be re-read for the event stream", id);
}

/* ---------- level proposal ---------- */

const struct target_meta *incident_meta_of(const struct incident *inc, const char *name)
{
	for (int i = 0; i < inc->ntargets; i++)
		if (strcmp(inc->targets[i].name, name) == 0)
			return &inc->targets[i];
	return NULL;
}

struct repropose {
	struct incident *inc;
	char id[24];
};

static void on_reproposed(int err, PGresult *res, void *arg)
{
	struct repropose *rp = arg;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warn("outage %s: could not store the proposed level: %s", rp->id,
			err ? lifeline_strerror(err) : PQresultErrorMessage(res));
	incident_publish_outage(rp->inc, rp->id);
	free(rp);
}

static void on_evidence(int err, PGresult *res, void *arg)
{
	struct repropose *rp = arg;
	struct incident *inc = rp->inc;
	struct level_evidence ev = { 0 };
	json_t *targets;
	size_t i;
	json_t *t;
	char now[24];
	const char *params[3];

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		free(rp);
		return;
	}
	targets = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	json_array_foreach(targets, i, t) {
		const struct target_meta *m = incident_meta_of(inc, json_string_value(t));

		ev.targets_down++;
		if (m && m->core)
			ev.core_down++;
		if (m && strcmp(m->kind, "insurance") == 0)
			ev.insurance_down++;
	}
	json_decref(targets);
	ev.departments_reporting = atoi(PQgetvalue(res, 0, 1));
	ev.reports = atoi(PQgetvalue(res, 0, 2));
	ev.operator_error_reports = atoi(PQgetvalue(res, 0, 3));
	incident_ms_param(now, sizeof(now), clock_now_ms());
	params[0] = rp->id;
	params[1] = level_name(level_propose(&inc->rules, &ev));
	params[2] = now;
	if (db_query(inc->env.db,
			"WITH o AS (UPDATE outages SET proposed_level = $2, "
			"level = CASE WHEN status = 'suspected' THEN $2 ELSE level END, updated_at = now() "
			"WHERE id = $1 AND proposed_level <> $2 RETURNING id, proposed_level, level) "
			"INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
			"SELECT id, to_timestamp($3::double precision / 1000), 'level_proposed', 'lifeline', "
			"jsonb_build_object('proposed_level', proposed_level, 'level', level) FROM o "
			"RETURNING outage_id",
			3, params, on_reproposed, rp) != 0)
		free(rp);
}

void incident_repropose(struct incident *inc, const char *id)
{
	struct repropose *rp = calloc(1, sizeof(*rp));
	const char *params[1] = { id };

	if (!rp)
		return;
	rp->inc = inc;
	snprintf(rp->id, sizeof(rp->id), "%s", id);
	if (db_query(inc->env.db,
			"SELECT array_to_json(o.targets)::text, "
			"(SELECT count(DISTINCT department) FROM problem_reports r WHERE r.outage_id = o.id), "
			"(SELECT count(*) FROM problem_reports r WHERE r.outage_id = o.id), "
			"(SELECT count(*) FROM problem_reports r WHERE r.outage_id = o.id "
			"AND r.kind = 'operator_error') FROM outages o WHERE o.id = $1",
			1, params, on_evidence, rp) != 0)
		free(rp);
}


/* ---------- life cycle ---------- */

static int load_targets(struct incident *inc, json_t *config, char *err, size_t errlen)
{
	json_t *targets = json_object_get(json_object_get(config, "monitor"), "targets");
	size_t i;
	json_t *t;

	json_array_foreach(targets, i, t) {
		struct target_meta *m;
		const char *name = json_string_value(json_object_get(t, "name"));

		if (inc->ntargets == MAX_TARGETS) {
			snprintf(err, errlen, "/monitor/targets: more than %d targets", MAX_TARGETS);
			return LL_EINVAL;
		}
		if (!name)
			continue;
		m = &inc->targets[inc->ntargets++];
		snprintf(m->name, sizeof(m->name), "%s", name);
		snprintf(m->kind, sizeof(m->kind), "%s",
			json_string_value(json_object_get(t, "kind")) ?: "other");
		snprintf(m->title_zh, sizeof(m->title_zh), "%s",
			json_string_value(json_object_get(t, "title_zh")) ?: name);
		snprintf(m->title_en, sizeof(m->title_en), "%s",
			json_string_value(json_object_get(t, "title_en")) ?: name);
		m->core = json_is_true(json_object_get(t, "core"));
	}
	return 0;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	incident_process_queue(arg);
}

int incident_new(const struct http_env *env, struct events *events, json_t *config,
	struct incident **out, char *err, size_t errlen)
{
	struct incident *inc = calloc(1, sizeof(*inc));
	json_t *rules = json_object_get(config, "incident");
	int rc;

	*out = NULL;
	if (!inc)
		return LL_ENOMEM;
	inc->env = *env;
	inc->events = events;
	inc->rules.several_targets = (int)(json_integer_value(json_object_get(rules,
		"several_targets")) ?: 2);
	inc->rules.many_departments = (int)(json_integer_value(json_object_get(rules,
		"many_departments")) ?: 3);
	rc = load_targets(inc, config, err, errlen);
	if (rc != 0) {
		free(inc);
		return rc;
	}
	inc->retry_ev = evtimer_new(env->base, on_retry, inc);
	if (!inc->retry_ev) {
		free(inc);
		return LL_ENOMEM;
	}
	*out = inc;
	return 0;
}

void incident_stop(struct incident *inc)
{
	if (inc)
		inc->freeing = true;
}

void incident_free(struct incident *inc)
{
	if (!inc)
		return;
	while (inc->queue_head) {
		struct change *c = inc->queue_head;

		inc->queue_head = c->next;
		incident_change_free(c);
	}
	if (inc->retry_ev)
		event_free(inc->retry_ev);
	free(inc);
}
