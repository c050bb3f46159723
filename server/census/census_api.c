/*
 * census_api — the routes: what snapshot the forms print from and how the
 * last pull went (GET /api/v1/census), and a pull now (POST
 * /api/v1/census/pull), which IT uses after mending the HIS or before a
 * planned downtime.
 */
#include "census_internal.h"

#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "db.h"
#include "log.h"

#define CENSUS_IT_ROLES (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_IT))

static json_t *time_or_null(int64_t ms)
{
	char buf[40];

	return ms > 0 ? json_string(clock_format_ms(ms, buf, sizeof(buf))) : json_null();
}

static json_t *last_pull_json(const struct census *c)
{
	if (!c->has_outcome)
		return json_null();
	return json_pack("{s:s, s:s?, s:o, s:o, s:I, s:i, s:o}",
		"outcome", c->last_ok ? "ok" : "error",
		"error", c->last_ok ? NULL : c->last_error,
		"started_at", time_or_null(c->last_started_ms),
		"finished_at", time_or_null(c->last_finished_ms),
		"requests", (json_int_t)c->last_requests,
		"patients", c->last_patients,
		"snapshot_id", c->last_snapshot_id > 0 ? json_integer(c->last_snapshot_id) : json_null());
}

static const char *state_name(enum census_state s)
{
	switch (s) {
	case CENSUS_FETCHING: return "fetching";
	case CENSUS_STORING: return "storing";
	default: return "idle";
	}
}

/* ---------- GET /api/v1/census ---------- */

static void on_last(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	struct census *c = http_ctx_arg(ctx);
	json_t *snap = json_null();

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) == 1) {
		int64_t taken = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		int64_t age = (clock_now_ms() - taken) / 1000;

		snap = json_pack("{s:I, s:o, s:I, s:i, s:o}",
			"id", (json_int_t)strtoll(PQgetvalue(res, 0, 0), NULL, 10),
			"taken_at", time_or_null(taken),
			"age_s", (json_int_t)(age > 0 ? age : 0),
			"patients", atoi(PQgetvalue(res, 0, 2)),
			"wards", json_loads(PQgetvalue(res, 0, 3), 0, NULL) ?: json_object());
	}
	http_reply_json(ctx, 200, json_pack("{s:b, s:s?, s:i, s:i, s:b, s:s, s:o, s:o, s:o, s:i}",
		"enabled", c->url != NULL, "url", c->url, "interval_s", c->interval_s,
		"keep_last", c->keep_last, "pulling_here", c->running, "state", state_name(c->state),
		"next_pull_at", c->running ? time_or_null(c->next_pull_ms) : json_null(),
		"snapshot", snap ? snap : json_null(), "last_pull", last_pull_json(c),
		"snapshots_kept", PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 4)) : 0));
}

static void handle_get(http_ctx *ctx)
{
	http_db_query(ctx, "SELECT s.id, (extract(epoch FROM s.taken_at) * 1000)::bigint, s.patients, "
		"(SELECT coalesce(json_object_agg(w.key, jsonb_array_length(w.value) ORDER BY w.key), "
		" '{}') FROM jsonb_each(s.data->'wards') w)::text, "
		"(SELECT count(*) FROM census_snapshots WHERE complete) "
		"FROM census_snapshots s WHERE s.complete ORDER BY s.taken_at DESC, s.id DESC LIMIT 1",
		0, NULL, on_last);
}

/* ---------- POST /api/v1/census/pull ---------- */

static void handle_pull(http_ctx *ctx)
{
	struct census *c = http_ctx_arg(ctx);

	if (!c->url) {
		http_reply_error(ctx, 409, "conflict", NULL,
			"the census is off: set census.url (the HIS's FHIR base) in the configuration");
		return;
	}
	if (c->state != CENSUS_IDLE) {
		http_reply_error(ctx, 409, "conflict", NULL, "a census pull is under way already");
		return;
	}
	if (!census_request_pull(c)) {
		http_reply_error(ctx, 409, "conflict", NULL,
			"this server is a standby: the leader takes the census snapshots");
		return;
	}
	http_ctx_audit(ctx, "census", "pull", json_pack("{s:s}", "url", c->url));
	log_info("[req %s] census: a pull requested by %s", http_ctx_request_id(ctx),
		http_ctx_user(ctx)->username);
	http_reply_json(ctx, 202, json_pack("{s:b}", "accepted", 1));
}

static const struct http_route census_routes[] = {
	{ "GET", "/api/v1/census", handle_get, ROLES_ALL, 0, NULL, NULL },
	{ "POST", "/api/v1/census/pull", handle_pull, CENSUS_IT_ROLES, HTTP_WRITE, NULL,
		"census.pull" },
};

int census_add_routes(struct census *c, http_server *srv)
{
	return http_server_add_routes(srv, census_routes,
		sizeof(census_routes) / sizeof(census_routes[0]), c);
}
