/*
 * departments — the registry's routes: list, show (members and contacts),
 * create, change, add and remove a contact, mark the contacts verified.
 * The import is in departments_import.c.
 *
 * As in incident_api.c, every mutation is one SQL statement that answers
 * with the changed row; when it matches none, a second look tells 404 from
 * 400.
 */
#include "departments_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "dept_parse.h"
#include "events.h"
#include "log.h"

#define EPOCH_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

/* Every query that answers with departments selects these, from departments d. */
#define DEPT_COLS \
	"d.code, d.name_zh, d.name_en, d.tier, d.head_name, hu.username, hu.display_name, " \
	EPOCH_MS("d.updated_at") ", " EPOCH_MS("d.contacts_verified_at") ", " \
	"(SELECT count(*) FROM users m WHERE m.department = d.code AND NOT m.disabled), " \
	"(SELECT count(*) FROM department_contacts c WHERE c.department = d.code AND c.active)"
#define DEPT_FROM(rel) " FROM " rel " d LEFT JOIN users hu ON hu.id = d.head_user_id"
#define DEPT_NCOLS 11

#define CONTACT_JSON(c) "json_build_object('id', " c ".id, 'kind', " c ".kind, 'address', " \
	c ".address, 'name', " c ".name, 'role', " c ".role, 'active', " c ".active)"

static const char *const tier_names[3] = { "30m", "6h", "24h" };
static const long tier_defaults[3] = { 1800, 21600, 86400 };

int departments_new(const struct http_env *env, struct events *events, json_t *config,
	struct departments **out, char *err, size_t errlen)
{
	json_t *tiers = json_object_get(json_object_get(config, "notify"), "tiers");
	struct departments *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return LL_ENOMEM;
	}
	d->env = *env;
	d->events = events;
	/* The schema bounds the values; a missing tier keeps the plan's. */
	for (int i = 0; i < 3; i++) {
		json_t *v = json_object_get(tiers, tier_names[i]);

		d->tier_s[i] = json_is_integer(v) ? (long)json_integer_value(v) : tier_defaults[i];
	}
	if (!(d->tier_s[0] <= d->tier_s[1] && d->tier_s[1] <= d->tier_s[2])) {
		snprintf(err, errlen, "/notify/tiers: the thresholds must grow: 30m <= 6h <= 24h "
			"(%ld, %ld, %ld)", d->tier_s[0], d->tier_s[1], d->tier_s[2]);
		free(d);
		return LL_EINVAL;
	}
	*out = d;
	return 0;
}

void departments_free(struct departments *d)
{
	free(d);
}

long departments_tier_seconds(const struct departments *d, const char *tier)
{
	for (int i = 0; tier && i < 3; i++)
		if (strcmp(tier, tier_names[i]) == 0)
			return d->tier_s[i];
	return -1;
}

static json_t *str_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

static json_t *time_or_null(const PGresult *res, int row, int col)
{
	char buf[40];

	if (PQgetisnull(res, row, col))
		return json_null();
	return json_string(clock_format_ms(strtoll(PQgetvalue(res, row, col), NULL, 10), buf,
		sizeof(buf)));
}

json_t *departments_row_json(const struct departments *d, const PGresult *res, int row)
{
	const char *tier = PQgetisnull(res, row, 3) ? NULL : PQgetvalue(res, row, 3);
	long secs = departments_tier_seconds(d, tier);
	json_t *head = PQgetisnull(res, row, 5) ? json_null() : json_pack("{s:s, s:o}",
		"username", PQgetvalue(res, row, 5), "display_name", str_or_null(res, row, 6));

	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I}",
		"code", PQgetvalue(res, row, 0),
		"name_zh", PQgetvalue(res, row, 1),
		"name_en", PQgetvalue(res, row, 2),
		"tier", tier ? json_string(tier) : json_null(),
		"threshold_s", secs >= 0 ? json_integer(secs) : json_null(),
		"head", head,
		"head_name", str_or_null(res, row, 4),
		"updated_at", time_or_null(res, row, 7),
		"contacts_verified_at", time_or_null(res, row, 8),
		"members_count", (json_int_t)strtoll(PQgetvalue(res, row, 9), NULL, 10),
		"contacts_count", (json_int_t)strtoll(PQgetvalue(res, row, 10), NULL, 10));
}

static const char *body_str(http_ctx *ctx, const char *key)
{
	return json_string_value(json_object_get(http_ctx_body(ctx), key));
}

/* After a change: the event, the audit row, the log line, the answer. */
static void changed(http_ctx *ctx, int status, const char *action, json_t *dept)
{
	struct departments *d = http_ctx_arg(ctx);
	const char *code = json_string_value(json_object_get(dept, "code"));
	json_t *ev = json_pack("{s:s, s:O}", "action", action, "department", dept);

	events_publish(d->events, "department", ev);
	json_decref(ev);
	http_ctx_audit(ctx, "department", code, json_pack("{s:s}", "action", action));
	log_info("[req %s] department %s: %s by %s", http_ctx_request_id(ctx), code, action,
		http_ctx_user(ctx)->username);
	http_reply_json(ctx, status, json_pack("{s:o}", "department", dept));
}

/* ---------- reads ---------- */

static void on_list(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	struct departments *d = http_ctx_arg(ctx);
	json_t *arr;

	if (http_db_failed(ctx, err, res))
		return;
	arr = json_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(arr, departments_row_json(d, res, i));
	http_reply_json(ctx, 200, json_pack("{s:o, s:{s:I, s:I, s:I}}", "departments", arr,
		"tiers", "30m", (json_int_t)d->tier_s[0], "6h", (json_int_t)d->tier_s[1],
		"24h", (json_int_t)d->tier_s[2]));
}

static void handle_list(http_ctx *ctx)
{
	const char *tier = http_ctx_query(ctx, "tier");
	const char *params[1] = { tier };

	http_db_query(ctx, "SELECT " DEPT_COLS DEPT_FROM("departments")
		" WHERE $1::text IS NULL OR d.tier = $1 "
		"ORDER BY array_position(ARRAY['command', '30m', '6h', '24h'], d.tier), d.code",
		1, params, on_list);
}

static void on_show(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	json_t *dept, *members, *contacts;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) == 0) {
		http_reply_error(ctx, 404, "not_found", NULL, "no department %s",
			http_ctx_param(ctx, "code"));
		return;
	}
	dept = departments_row_json(http_ctx_arg(ctx), res, 0);
	members = json_loads(PQgetvalue(res, 0, DEPT_NCOLS), 0, NULL);
	contacts = json_loads(PQgetvalue(res, 0, DEPT_NCOLS + 1), 0, NULL);
	json_object_set_new(dept, "members", members ? members : json_array());
	json_object_set_new(dept, "contacts", contacts ? contacts : json_array());
	http_reply_json(ctx, 200, json_pack("{s:o}", "department", dept));
}

static void handle_show(http_ctx *ctx)
{
	const char *params[1] = { http_ctx_param(ctx, "code") };

	http_db_query(ctx, "SELECT " DEPT_COLS ", "
		"(SELECT coalesce(json_agg(json_build_object('username', m.username, 'display_name', "
		"m.display_name, 'role', m.role) ORDER BY m.username), '[]') FROM users m "
		"WHERE m.department = d.code AND NOT m.disabled)::text, "
		"(SELECT coalesce(json_agg(" CONTACT_JSON("c") " ORDER BY c.id), '[]') "
		"FROM department_contacts c WHERE c.department = d.code)::text"
		DEPT_FROM("departments") " WHERE d.code = $1", 1, params, on_show);
}

/* ---------- create and change ---------- */

static void on_created(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (!err && state && strcmp(state, "23505") == 0) {
		http_reply_error(ctx, 409, "conflict", "/code", "the department %s exists already",
			body_str(ctx, "code"));
		return;
	}
	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) != 1) {
		http_reply_error(ctx, 400, "invalid", "/head_user", "no user %s",
			body_str(ctx, "head_user"));
		return;
	}
	changed(ctx, 201, "create", departments_row_json(http_ctx_arg(ctx), res, 0));
}

static void handle_create(http_ctx *ctx)
{
	const char *params[6] = { body_str(ctx, "code"), body_str(ctx, "name_zh"),
		body_str(ctx, "name_en"), body_str(ctx, "tier"), body_str(ctx, "head_name"),
		body_str(ctx, "head_user") };

	http_db_query(ctx, "WITH d AS (INSERT INTO departments (code, name_zh, name_en, tier, head_name, "
		"head_user_id) SELECT $1, $2, $3, $4, $5, (SELECT id FROM users WHERE username = $6) "
		"WHERE $6::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE username = $6) RETURNING *) "
		"SELECT " DEPT_COLS DEPT_FROM("d"), 6, params, on_created);
}

static void on_patch_check(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) == 0)
		http_reply_error(ctx, 404, "not_found", NULL, "no department %s",
			http_ctx_param(ctx, "code"));
	else
		http_reply_error(ctx, 400, "invalid", "/head_user", "no user %s",
			body_str(ctx, "head_user"));
}

static void on_patched(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	const char *params[1] = { http_ctx_param(ctx, "code") };

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) != 1) {
		http_db_query(ctx, "SELECT 1 FROM departments WHERE code = $1", 1, params, on_patch_check);
		return;
	}
	changed(ctx, 200, "update", departments_row_json(http_ctx_arg(ctx), res, 0));
}

static void handle_patch(http_ctx *ctx)
{
	json_t *body = http_ctx_body(ctx);
	const char *params[8] = { http_ctx_param(ctx, "code"), body_str(ctx, "name_zh"),
		body_str(ctx, "name_en"), body_str(ctx, "tier"),
		json_object_get(body, "head_user") ? "true" : "false", body_str(ctx, "head_user"),
		json_object_get(body, "head_name") ? "true" : "false", body_str(ctx, "head_name") };

	/* A key given as null clears the head; a key left out keeps it. */
	http_db_query(ctx, "WITH d AS (UPDATE departments d SET name_zh = coalesce($2, d.name_zh), "
		"name_en = coalesce($3, d.name_en), tier = coalesce($4, d.tier), "
		"head_user_id = CASE WHEN $5::boolean THEN (SELECT id FROM users WHERE username = $6) "
		"ELSE d.head_user_id END, "
		"head_name = CASE WHEN $7::boolean THEN $8 ELSE d.head_name END, updated_at = now() "
		"WHERE d.code = $1 AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE username = $6)) "
		"RETURNING d.*) SELECT " DEPT_COLS DEPT_FROM("d"), 8, params, on_patched);
}

/* ---------- verification ---------- */

static void on_verified(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) != 1) {
		http_reply_error(ctx, 404, "not_found", NULL, "no department %s",
			http_ctx_param(ctx, "code"));
		return;
	}
	changed(ctx, 200, "verify", departments_row_json(http_ctx_arg(ctx), res, 0));
}

static void handle_verify(http_ctx *ctx)
{
	const struct http_user *u = http_ctx_user(ctx);
	const char *code = http_ctx_param(ctx, "code");
	char now[24];
	const char *params[2] = { code, now };

	/* Staff vouch for their own department's addresses; IT for anyone's. */
	if (u->role != ROLE_ADMIN && u->role != ROLE_IT && strcmp(u->department, code) != 0) {
		http_reply_error(ctx, 403, "forbidden", NULL,
			"you may verify only your own department's contacts (%s)",
			u->department[0] ? u->department : "none");
		return;
	}
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	http_db_query(ctx, "WITH d AS (UPDATE departments SET contacts_verified_at = "
		"to_timestamp($2::double precision / 1000), updated_at = now() WHERE code = $1 "
		"RETURNING *) SELECT " DEPT_COLS DEPT_FROM("d"), 2, params, on_verified);
}

/* ---------- contacts ---------- */

static void contact_changed(http_ctx *ctx, int status, const char *action, PGresult *res)
{
	struct departments *d = http_ctx_arg(ctx);
	json_t *contact = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	const char *code = http_ctx_param(ctx, "code");
	json_t *ev = json_pack("{s:s, s:s, s:O}", "action", action, "code", code, "contact",
		contact ? contact : json_null());

	events_publish(d->events, "department", ev);
	json_decref(ev);
	http_ctx_audit(ctx, "department", code, json_pack("{s:s, s:O}", "action", action,
		"contact", contact ? contact : json_null()));
	log_info("[req %s] department %s: %s by %s", http_ctx_request_id(ctx), code, action,
		http_ctx_user(ctx)->username);
	http_reply_json(ctx, status, json_pack("{s:o}", "contact", contact ? contact : json_null()));
}

static void on_contact_added(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (!err && state && strcmp(state, "23505") == 0) {
		http_reply_error(ctx, 409, "conflict", "/address", "%s has the %s address %s already",
			http_ctx_param(ctx, "code"), body_str(ctx, "kind"), body_str(ctx, "address"));
		return;
	}
	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) != 1) {
		http_reply_error(ctx, 404, "not_found", NULL, "no department %s",
			http_ctx_param(ctx, "code"));
		return;
	}
	contact_changed(ctx, 201, "contact_add", res);
}

static void handle_contact_add(http_ctx *ctx)
{
	const char *kind = body_str(ctx, "kind"), *address = body_str(ctx, "address");
	const char *params[5] = { http_ctx_param(ctx, "code"), kind, address, body_str(ctx, "name"),
		body_str(ctx, "role") };
	char why[256];

	if (!dept_contact_ok(kind, address, why, sizeof(why))) {
		http_reply_error(ctx, 400, "invalid", "/address", "/address: %s", why);
		return;
	}
	http_db_query(ctx, "WITH c AS (INSERT INTO department_contacts (department, kind, address, name, role) "
		"SELECT code, $2, $3, $4, coalesce($5, 'member') FROM departments WHERE code = $1 "
		"RETURNING *), "
		"u AS (UPDATE departments SET updated_at = now() WHERE code IN (SELECT department FROM c)) "
		"SELECT " CONTACT_JSON("c") "::text FROM c", 5, params, on_contact_added);
}

static void on_contact_deleted(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) != 1) {
		http_reply_error(ctx, 404, "not_found", NULL, "department %s has no contact %s",
			http_ctx_param(ctx, "code"), http_ctx_param(ctx, "id"));
		return;
	}
	contact_changed(ctx, 200, "contact_delete", res);
}

static void handle_contact_delete(http_ctx *ctx)
{
	const char *id = http_ctx_param(ctx, "id");
	const char *params[2] = { http_ctx_param(ctx, "code"), id };
	char *end;
	long long v = strtoll(id, &end, 10);

	if (*end || v <= 0 || end == id) {
		http_reply_error(ctx, 404, "not_found", NULL, "department %s has no contact %s",
			params[0], id);
		return;
	}
	http_db_query(ctx, "WITH c AS (DELETE FROM department_contacts WHERE department = $1 "
		"AND id = $2::bigint RETURNING *), "
		"u AS (UPDATE departments SET updated_at = now() WHERE code IN (SELECT department FROM c)) "
		"SELECT " CONTACT_JSON("c") "::text FROM c", 2, params, on_contact_deleted);
}

static const struct http_route department_routes[] = {
	{ "GET", "/api/v1/departments", handle_list, ROLES_ALL, 0, NULL, NULL },
	{ "POST", "/api/v1/departments", handle_create, DEPT_IT_ROLES, HTTP_WRITE,
		"api/department-create", "department.create" },
	{ "POST", "/api/v1/departments/import", departments_handle_import, DEPT_IT_ROLES,
		HTTP_WRITE | HTTP_RAW_BODY, NULL, "department.import" },
	{ "GET", "/api/v1/departments/{code}", handle_show, ROLES_ALL, 0, NULL, NULL },
	{ "PATCH", "/api/v1/departments/{code}", handle_patch, DEPT_IT_ROLES, HTTP_WRITE,
		"api/department-patch", "department.update" },
	{ "POST", "/api/v1/departments/{code}/verify", handle_verify,
		ROLES_ALL & ~ROLE_BIT(ROLE_VIEWER), HTTP_WRITE, NULL, "department.verify" },
	{ "POST", "/api/v1/departments/{code}/contacts", handle_contact_add, DEPT_IT_ROLES,
		HTTP_WRITE, "api/department-contact", "department.contact_add" },
	{ "DELETE", "/api/v1/departments/{code}/contacts/{id}", handle_contact_delete, DEPT_IT_ROLES,
		HTTP_WRITE, NULL, "department.contact_delete" },
};

int departments_add_routes(struct departments *d, http_server *srv)
{
	return http_server_add_routes(srv, department_routes,
		sizeof(department_routes) / sizeof(department_routes[0]), d);
}
