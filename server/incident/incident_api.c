/*
 * incident_api — the outage routes: list, show with timeline, declare,
 * confirm, change level, announce manual operation, record a recovery step,
 * resolve, dismiss; problem reports; the targets' last known states.
 *
 * Every mutation is one SQL statement (the change and its timeline entry
 * commit together) that answers with the outage's row; when it matches no
 * row, a second look tells 404 from 409.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "db.h"
#include "events.h"
#include "incident_internal.h"
#include "log.h"

#define IT_ROLES (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_IT))
#define REPORT_ROLES (ROLES_ALL & ~ROLE_BIT(ROLE_VIEWER))

/* Parameters every mutation statement takes: $1 id, $2 now (ms), $3 actor,
 * $4 level, $5 reason, $6 extra (text or ms). */
#define P "WITH p AS (SELECT $1::bigint AS id, to_timestamp($2::double precision / 1000) AS now, " \
	"$3::text AS actor, $4::text AS lvl, $5::text AS reason, $6::text AS extra), "

struct action {
	const char *name;         /* timeline kind */
	const char *allowed;      /* human words for the 409 */
	const char *sql;
};

static const struct action act_confirm = { "confirmed", "a suspected outage",
	P "o AS (UPDATE outages o SET status = 'confirmed', confirmed_at = p.now, "
	"level = coalesce(p.lvl, o.level), updated_at = now() FROM p "
	"WHERE o.id = p.id AND o.status = 'suspected' RETURNING o.*), "
	"e AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
	"SELECT o.id, p.now, 'confirmed', p.actor, jsonb_build_object('level', o.level, "
	"'proposed_level', o.proposed_level, 'reason', p.reason) FROM o, p) "
	"SELECT " OUTAGE_COLS " FROM o" };

static const struct action act_level = { "level_changed", "an open outage",
	P "old AS (SELECT level FROM outages, p WHERE outages.id = p.id), "
	"o AS (UPDATE outages o SET level = p.lvl, updated_at = now() FROM p "
	"WHERE o.id = p.id AND o.status IN " OPEN_STATUSES " RETURNING o.*), "
	"e AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
	"SELECT o.id, p.now, 'level_changed', p.actor, jsonb_build_object('from', old.level, "
	"'to', o.level, 'reason', p.reason) FROM o, p, old) "
	"SELECT " OUTAGE_COLS " FROM o" };

static const struct action act_manual = { "manual_start", "a confirmed outage",
	P "o AS (UPDATE outages o SET "
	"status = CASE WHEN o.status = 'confirmed' THEN 'manual' ELSE o.status END, "
	"manual_start_at = coalesce(to_timestamp(p.extra::double precision / 1000), p.now), "
	"updated_at = now() FROM p "
	"WHERE o.id = p.id AND o.status IN ('confirmed', 'manual', 'recovering') RETURNING o.*), "
	"e AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
	"SELECT o.id, p.now, 'manual_start', p.actor, jsonb_build_object('at', o.manual_start_at) "
	"FROM o, p) "
	"SELECT " OUTAGE_COLS " FROM o" };

static const struct action act_log = { "recovery_step", "an outage that is not dismissed",
	P "o AS (UPDATE outages o SET updated_at = now() FROM p "
	"WHERE o.id = p.id AND o.status <> 'dismissed' RETURNING o.*), "
	"e AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
	"SELECT o.id, p.now, 'recovery_step', p.actor, jsonb_build_object('text', p.extra) "
	"FROM o, p) "
	"SELECT " OUTAGE_COLS " FROM o" };

static const struct action act_resolve = { "resolved", "an open outage",
	P "o AS (UPDATE outages o SET status = 'resolved', resolved_at = p.now, updated_at = now() "
	"FROM p WHERE o.id = p.id AND o.status IN " OPEN_STATUSES " RETURNING o.*), "
	"e AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
	"SELECT o.id, p.now, 'resolved', p.actor, jsonb_build_object('reason', p.reason) FROM o, p) "
	"SELECT " OUTAGE_COLS " FROM o" };

static const struct action act_dismiss = { "dismissed", "a suspected outage",
	P "o AS (UPDATE outages o SET status = 'dismissed', resolved_at = p.now, updated_at = now() "
	"FROM p WHERE o.id = p.id AND o.status = 'suspected' RETURNING o.*), "
	"e AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
	"SELECT o.id, p.now, 'dismissed', p.actor, jsonb_build_object('reason', p.reason) FROM o, p) "
	"SELECT " OUTAGE_COLS " FROM o" };

struct mutation {
	http_ctx *ctx;
	struct incident *inc;
	const struct action *act;
	char id[24];
};

static void on_state_check(int err, PGresult *res, void *arg)
{
	struct mutation *m = arg;
	http_ctx *ctx = m->ctx;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		free(m);
		http_reply_db_error(ctx, err, res);
		return;
	}
	if (PQntuples(res) == 0)
		http_reply_error(ctx, 404, "not_found", NULL, "no outage %s", m->id);
	else
		http_reply_error(ctx, 409, "wrong_state", "/status",
			"outage %s is %s: this can only be done to %s", m->id, PQgetvalue(res, 0, 0),
			m->act->allowed);
	free(m);
}

static void on_mutated(int err, PGresult *res, void *arg)
{
	struct mutation *m = arg;
	http_ctx *ctx = m->ctx;
	const char *params[1] = { m->id };
	json_t *o;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		free(m);
		http_reply_db_error(ctx, err, res);
		return;
	}
	if (PQntuples(res) != 1) {
		if (db_query(http_ctx_env(ctx)->db, "SELECT status FROM outages WHERE id = $1", 1, params,
				on_state_check, m) != 0) {
			free(m);
			http_reply_db_error(ctx, LL_EDBDOWN, NULL);
		}
		return;
	}
	o = incident_outage_json(res, 0);
	events_publish(m->inc->events, "outage", o);
	http_ctx_audit(ctx, "outage", m->id, json_pack("{s:s}", "action", m->act->name));
	log_info("[req %s] outage %s: %s by %s", http_ctx_request_id(ctx), m->id, m->act->name,
		http_ctx_user(ctx)->username);
	free(m);
	http_reply_json(ctx, 200, json_pack("{s:o}", "outage", o));
}

static bool parse_id(http_ctx *ctx, char *out, size_t len)
{
	const char *id = http_ctx_param(ctx, "id");
	char *end;
	long long v = id ? strtoll(id, &end, 10) : 0;

	if (!id || *end || v <= 0) {
		http_reply_error(ctx, 404, "not_found", NULL, "no outage %s", id ? id : "");
		return false;
	}
	snprintf(out, len, "%lld", v);
	return true;
}

static void mutate(http_ctx *ctx, const struct action *act, const char *level, const char *reason,
	const char *extra)
{
	struct mutation *m = calloc(1, sizeof(*m));
	char now[24];
	const char *params[6];

	if (!m) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!parse_id(ctx, m->id, sizeof(m->id))) {
		free(m);
		return;
	}
	m->ctx = ctx;
	m->inc = http_ctx_arg(ctx);
	m->act = act;
	incident_ms_param(now, sizeof(now), clock_now_ms());
	params[0] = m->id;
	params[1] = now;
	params[2] = http_ctx_user(ctx)->username;
	params[3] = level;
	params[4] = reason;
	params[5] = extra;
	if (db_query(http_ctx_env(ctx)->db, act->sql, 6, params, on_mutated, m) != 0) {
		free(m);
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
	}
}

static const char *body_str(http_ctx *ctx, const char *key)
{
	return json_string_value(json_object_get(http_ctx_body(ctx), key));
}

static void handle_confirm(http_ctx *ctx)
{
	const char *level = body_str(ctx, "level"), *reason = body_str(ctx, "reason");

	if (level && !reason) {
		http_reply_error(ctx, 400, "invalid", "/reason",
			"/reason is required when the level is set on confirmation");
		return;
	}
	mutate(ctx, &act_confirm, level, reason, NULL);
}

static void handle_level(http_ctx *ctx)
{
	mutate(ctx, &act_level, body_str(ctx, "level"), body_str(ctx, "reason"), NULL);
}

/* RFC 3339 date-time (already checked by the schema) to ms since the epoch; -1 if not. */
static int64_t parse_rfc3339_ms(const char *s)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0, sign = 0;
	int64_t ms = 0, frac_scale = 100;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2d%*1[Tt]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || !n)
		return -1;
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, frac_scale /= 10)
			ms += (*p - '0') * frac_scale;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2) {
		sign = *p == '+' ? 1 : -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec > 59 ? 59 : sec;
	return ((int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60)) * 1000 + ms;
}

static void handle_manual(http_ctx *ctx)
{
	const char *at = body_str(ctx, "at");
	char ms[24];

	if (at) {
		int64_t when = parse_rfc3339_ms(at);

		if (when < 0) {
			http_reply_error(ctx, 400, "invalid", "/at",
				"/at must be a time like 2026-11-22T08:00:00+08:00");
			return;
		}
		incident_ms_param(ms, sizeof(ms), when);
	}
	mutate(ctx, &act_manual, NULL, NULL, at ? ms : NULL);
}

static void handle_log(http_ctx *ctx)
{
	mutate(ctx, &act_log, NULL, NULL, body_str(ctx, "text"));
}

static void handle_resolve(http_ctx *ctx)
{
	mutate(ctx, &act_resolve, NULL, body_str(ctx, "reason"), NULL);
}

static void handle_dismiss(http_ctx *ctx)
{
	mutate(ctx, &act_dismiss, NULL, body_str(ctx, "reason"), NULL);
}

/* ---------- declare ---------- */

static void on_declared(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	struct incident *inc = http_ctx_arg(ctx);
	json_t *o;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

		if (state && strcmp(state, "23505") == 0) {
			http_reply_error(ctx, 409, "outage_open", NULL,
				"an outage is already open: confirm or change that one");
			return;
		}
		http_reply_db_error(ctx, err, res);
		return;
	}
	o = incident_outage_json(res, 0);
	events_publish(inc->events, "outage", o);
	http_ctx_audit(ctx, "outage", PQgetvalue(res, 0, 0), NULL);
	log_warn("[req %s] outage %s declared by %s: level %s%s", http_ctx_request_id(ctx),
		PQgetvalue(res, 0, 0), http_ctx_user(ctx)->username, PQgetvalue(res, 0, 2),
		PQgetvalue(res, 0, 4)[0] == 't' ? " (drill)" : "");
	http_reply_json(ctx, 201, json_pack("{s:o}", "outage", o));
}

static void handle_declare(http_ctx *ctx)
{
	json_t *body = http_ctx_body(ctx);
	json_t *targets = json_object_get(body, "targets");
	json_t *scale = json_object_get(body, "time_scale");
	bool drill = json_is_true(json_object_get(body, "drill"));
	char now[24], scale_s[32], *targets_s;
	const char *params[7];

	if (scale && !drill) {
		http_reply_error(ctx, 400, "invalid", "/time_scale", "/time_scale is only for drills");
		return;
	}
	snprintf(scale_s, sizeof(scale_s), "%g", scale ? json_number_value(scale) : 1.0);
	targets_s = targets ? json_dumps(targets, JSON_COMPACT) : NULL;
	incident_ms_param(now, sizeof(now), clock_now_ms());
	params[0] = body_str(ctx, "level");
	params[1] = drill ? "true" : "false";
	params[2] = scale_s;
	params[3] = now;
	params[4] = body_str(ctx, "reason");
	params[5] = http_ctx_user(ctx)->username;
	params[6] = targets_s ? targets_s : "[]";
	if (db_query(http_ctx_env(ctx)->db,
			"WITH o AS (INSERT INTO outages (status, level, proposed_level, drill, time_scale, "
			"breakpoint, detected_at, confirmed_at, reason, opened_by, targets) "
			"VALUES ('confirmed', $1, $1, $2::boolean, $3::double precision, "
			"to_timestamp($4::double precision / 1000), to_timestamp($4::double precision / 1000), "
			"to_timestamp($4::double precision / 1000), $5, $6, "
			"ARRAY(SELECT json_array_elements_text($7::json))) RETURNING *), "
			"e AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
			"SELECT id, detected_at, 'declared', $6, jsonb_build_object('level', level, "
			"'reason', reason, 'targets', to_jsonb(targets), 'drill', drill, "
			"'time_scale', time_scale) FROM o) "
			"SELECT " OUTAGE_COLS " FROM o",
			7, params, on_declared, ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
	free(targets_s);
}

/* ---------- reads ---------- */

static void on_list(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	json_t *arr;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		http_reply_db_error(ctx, err, res);
		return;
	}
	arr = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(arr, incident_outage_json(res, i));
	http_reply_json(ctx, 200, json_pack("{s:o}", "outages", arr));
}

static void handle_list(http_ctx *ctx)
{
	const char *open = http_ctx_query(ctx, "open");
	bool only_open = open && strcmp(open, "0") != 0 && strcmp(open, "false") != 0;

	if (db_query(http_ctx_env(ctx)->db, only_open ?
			"SELECT " OUTAGE_COLS " FROM outages o WHERE o.status IN " OPEN_STATUSES
			" ORDER BY o.id DESC" :
			"SELECT " OUTAGE_COLS " FROM outages o ORDER BY o.id DESC LIMIT 200",
			0, NULL, on_list, ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
}

static void on_show(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	json_t *timeline, *outage;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		http_reply_db_error(ctx, err, res);
		return;
	}
	if (PQntuples(res) == 0) {
		http_reply_error(ctx, 404, "not_found", NULL, "no outage %s", http_ctx_param(ctx, "id"));
		return;
	}
	outage = incident_outage_json(res, 0);
	timeline = json_loads(PQgetvalue(res, 0, 16), 0, NULL);
	http_reply_json(ctx, 200, json_pack("{s:o, s:o}", "outage", outage,
		"timeline", timeline ? timeline : json_array()));
}

static void handle_show(http_ctx *ctx)
{
	char id[24];
	const char *params[1] = { id };

	if (!parse_id(ctx, id, sizeof(id)))
		return;
	if (db_query(http_ctx_env(ctx)->db,
			"SELECT " OUTAGE_COLS ", (SELECT coalesce(json_agg(json_build_object("
			"'at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
			"'kind', e.kind, 'actor', e.actor, 'detail', e.detail) ORDER BY e.at, e.id), '[]')::text "
			"FROM outage_events e WHERE e.outage_id = o.id) FROM outages o WHERE o.id = $1",
			1, params, on_show, ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
}

static void on_targets(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	struct incident *inc = http_ctx_arg(ctx);
	json_t *arr = json_array();

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		json_decref(arr);
		http_reply_db_error(ctx, err, res);
		return;
	}
	for (int t = 0; t < inc->ntargets; t++) {
		const struct target_meta *m = &inc->targets[t];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:n, s:n, s:n, s:b, s:n}",
			"name", m->name, "title_zh", m->title_zh, "title_en", m->title_en, "kind", m->kind,
			"core", m->core, "state", "unknown", "since", "breakpoint", "affected_by",
			"flapping", 0, "last_error");

		for (int i = 0; i < PQntuples(res); i++) {
			char buf[40];

			if (strcmp(PQgetvalue(res, i, 0), m->name) != 0)
				continue;
			json_object_set_new(o, "state", json_string(PQgetvalue(res, i, 1)));
			json_object_set_new(o, "since", json_string(clock_format_ms(
				strtoll(PQgetvalue(res, i, 2), NULL, 10), buf, sizeof(buf))));
			if (!PQgetisnull(res, i, 3))
				json_object_set_new(o, "breakpoint", json_string(clock_format_ms(
					strtoll(PQgetvalue(res, i, 3), NULL, 10), buf, sizeof(buf))));
			if (!PQgetisnull(res, i, 4))
				json_object_set_new(o, "affected_by", json_string(PQgetvalue(res, i, 4)));
			json_object_set_new(o, "flapping", json_boolean(PQgetvalue(res, i, 5)[0] == 't'));
			if (!PQgetisnull(res, i, 6))
				json_object_set_new(o, "last_error", json_string(PQgetvalue(res, i, 6)));
		}
		json_array_append_new(arr, o);
	}
	http_reply_json(ctx, 200, json_pack("{s:o}", "targets", arr));
}

static void handle_targets(http_ctx *ctx)
{
	if (db_query(http_ctx_env(ctx)->db,
			"SELECT name, state, " EPOCH_MS("since") ", " EPOCH_MS("breakpoint") ", affected_by, "
			"flapping, last_error FROM target_states", 0, NULL, on_targets, ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
}

/* ---------- problem reports ---------- */

static void on_reported(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	struct incident *inc = http_ctx_arg(ctx);
	json_t *report;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		if (!err && PQresultStatus(res) == PGRES_TUPLES_OK) {
			http_reply_error(ctx, 409, "busy", NULL,
				"the outage changed at the same moment; send the report again");
			return;
		}
		http_reply_db_error(ctx, err, res);
		return;
	}
	report = json_pack("{s:I, s:I, s:b}",
		"id", (json_int_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10),
		"outage_id", (json_int_t)strtoll(PQgetvalue(res, 0, 1), NULL, 10),
		"opened_outage", PQgetvalue(res, 0, 2)[0] == 't');
	http_ctx_audit(ctx, "problem_report", PQgetvalue(res, 0, 0), NULL);
	events_publish(inc->events, "problem", report);
	incident_repropose(inc, PQgetvalue(res, 0, 1));
	incident_publish_outage(inc, PQgetvalue(res, 0, 1));
	http_reply_json(ctx, 201, json_pack("{s:o}", "report", report));
}

static void handle_problem(http_ctx *ctx)
{
	struct incident *inc = http_ctx_arg(ctx);
	const struct http_user *u = http_ctx_user(ctx);
	const char *dept = body_str(ctx, "department");
	const char *kind = body_str(ctx, "kind");
	struct level_evidence ev = { .reports = 1, .departments_reporting = 1 };
	char now[24];
	const char *params[6];

	if (!dept)
		dept = u->department[0] ? u->department : NULL;
	else if (!role_is_hospital_wide(u->role) && strcmp(dept, u->department) != 0) {
		http_reply_error(ctx, 403, "forbidden", "/department",
			"you may report only for your own department (%s)", u->department);
		return;
	}
	if (!kind)
		kind = "other";
	ev.operator_error_reports = strcmp(kind, "operator_error") == 0;
	incident_ms_param(now, sizeof(now), clock_now_ms());
	params[0] = now;
	params[1] = u->username;
	params[2] = dept;
	params[3] = kind;
	params[4] = body_str(ctx, "text");
	params[5] = level_name(level_propose(&inc->rules, &ev));
	if (db_query(http_ctx_env(ctx)->db,
			"WITH ins AS (INSERT INTO outages (status, level, proposed_level, breakpoint, "
			" detected_at, opened_by, reason) "
			" SELECT 'suspected', $6, $6, to_timestamp($1::double precision / 1000), "
			" to_timestamp($1::double precision / 1000), $2, 'problem report: ' || $5 "
			" WHERE NOT EXISTS (SELECT 1 FROM outages WHERE status IN " OPEN_STATUSES " AND NOT drill) "
			" ON CONFLICT ((true)) WHERE status IN " OPEN_STATUSES " AND NOT drill DO NOTHING "
			" RETURNING id, true AS created), "
			"cur AS (SELECT id, false AS created FROM outages WHERE status IN " OPEN_STATUSES
			" AND NOT drill AND NOT EXISTS (SELECT 1 FROM ins)), "
			"o AS (SELECT * FROM ins UNION ALL SELECT * FROM cur), "
			"r AS (INSERT INTO problem_reports (outage_id, at, reporter, department, kind, text) "
			" SELECT o.id, to_timestamp($1::double precision / 1000), $2, $3, $4, $5 FROM o "
			" RETURNING id, outage_id), "
			"e AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
			" SELECT o.id, to_timestamp($1::double precision / 1000), "
			" CASE WHEN o.created THEN 'opened' ELSE 'problem_report' END, $2, "
			" jsonb_build_object('report', r.id, 'kind', $4::text, 'department', $3::text, "
			" 'text', $5::text) FROM o, r) "
			"SELECT r.id, r.outage_id, o.created FROM r, o",
			6, params, on_reported, ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
}

static const struct http_route incident_routes[] = {
	{ "GET", "/api/v1/targets", handle_targets, ROLES_ALL, 0, NULL, NULL },
	{ "GET", "/api/v1/outages", handle_list, ROLES_ALL, 0, NULL, NULL },
	{ "POST", "/api/v1/outages", handle_declare, IT_ROLES, HTTP_WRITE, "api/outage-declare",
		"outage.declare" },
	{ "GET", "/api/v1/outages/{id}", handle_show, ROLES_ALL, 0, NULL, NULL },
	{ "POST", "/api/v1/outages/{id}/confirm", handle_confirm, IT_ROLES, HTTP_WRITE,
		"api/outage-confirm", "outage.confirm" },
	{ "POST", "/api/v1/outages/{id}/level", handle_level, IT_ROLES, HTTP_WRITE,
		"api/outage-level", "outage.level" },
	{ "POST", "/api/v1/outages/{id}/manual-start", handle_manual, IT_ROLES, HTTP_WRITE,
		"api/outage-manual-start", "outage.manual_start" },
	{ "POST", "/api/v1/outages/{id}/log", handle_log, IT_ROLES, HTTP_WRITE, "api/outage-log",
		"outage.log" },
	{ "POST", "/api/v1/outages/{id}/resolve", handle_resolve, IT_ROLES, HTTP_WRITE,
		"api/outage-resolve", "outage.resolve" },
	{ "POST", "/api/v1/outages/{id}/dismiss", handle_dismiss, IT_ROLES, HTTP_WRITE,
		"api/outage-dismiss", "outage.dismiss" },
	{ "POST", "/api/v1/problems", handle_problem, REPORT_ROLES, HTTP_WRITE, "api/problem-report",
		"problem.report" },
};

int incident_add_routes(struct incident *inc, http_server *srv)
{
	return http_server_add_routes(srv, incident_routes,
		sizeof(incident_routes) / sizeof(incident_routes[0]), inc);
}
