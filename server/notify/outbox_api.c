/*
 * outbox_api — the routes: what the outbox holds (GET /api/v1/outbox), a
 * failed delivery queued again (POST /api/v1/outbox/{id}/retry), and a
 * test message to every active contact of a department (POST
 * /api/v1/departments/{code}/test-message), which hospitals use to check
 * their contacts before they are needed (plan §2, issue 8 preparedness).
 */
#include "outbox_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "log.h"

#define OUTBOX_IT_ROLES (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_IT))

#define ROW_JSON(r) "json_build_object('id', " r ".id, 'notice_id', " r ".notice_id, " \
	"'department', " r ".department, 'channel', " r ".channel, 'address', " r ".address, " \
	"'subject', " r ".subject, 'drill', " r ".drill, 'status', " r ".status, " \
	"'attempts', " r ".attempts, 'next_attempt_at', " OUTBOX_ISO(r ".next_attempt_at") ", " \
	"'last_error', " r ".last_error, 'created_at', " OUTBOX_ISO(r ".created_at") ", " \
	"'sent_at', " OUTBOX_ISO(r ".sent_at") ", 'dedup_key', " r ".dedup_key)"

static const char *const statuses[] = { "pending", "sending", "sent", "failed", "cancelled", NULL };

/* ---------- GET /api/v1/outbox ---------- */

static void on_list(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	json_t *rows, *counts;

	if (http_db_failed(ctx, err, res))
		return;
	rows = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	counts = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	http_reply_json(ctx, 200, json_pack("{s:o, s:o}", "deliveries", rows ? rows : json_array(),
		"counts", counts ? counts : json_object()));
}

static void handle_list(http_ctx *ctx)
{
	const char *status = http_ctx_query(ctx, "status");
	const char *params[2] = { status, http_ctx_query(ctx, "department") };
	bool known = !status;

	for (int i = 0; status && statuses[i]; i++)
		known |= strcmp(status, statuses[i]) == 0;
	if (!known) {
		http_reply_error(ctx, 400, "invalid", "status", "status '%s' is not one of pending, "
			"sending, sent, failed, cancelled", status);
		return;
	}
	http_db_query(ctx, "SELECT (SELECT coalesce(json_agg(" ROW_JSON("r") " ORDER BY r.id DESC), '[]') "
		"FROM (SELECT * FROM outbox WHERE ($1::text IS NULL OR status = $1) "
		"AND ($2::text IS NULL OR department = $2) ORDER BY id DESC LIMIT 500) r)::text, "
		"(SELECT coalesce(json_object_agg(status, n), '{}') FROM "
		"(SELECT status, count(*) AS n FROM outbox GROUP BY status) c)::text",
		2, params, on_list);
}

/* ---------- POST /api/v1/outbox/{id}/retry ---------- */

static void on_retry_check(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) == 0)
		http_reply_error(ctx, 404, "not_found", NULL, "no delivery %s", http_ctx_param(ctx, "id"));
	else
		http_reply_error(ctx, 409, "conflict", NULL, "delivery %s is %s: only a failed or "
			"cancelled one can be retried", http_ctx_param(ctx, "id"), PQgetvalue(res, 0, 0));
}

static void on_retried(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	const char *params[1] = { http_ctx_param(ctx, "id") };
	json_t *row;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) != 1) {
		http_db_query(ctx, "SELECT status FROM outbox WHERE id = $1::bigint", 1, params, on_retry_check);
		return;
	}
	row = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	http_ctx_audit(ctx, "outbox", params[0], json_pack("{s:s}", "action", "retry"));
	log_info("[req %s] outbox: delivery %s queued again by %s", http_ctx_request_id(ctx),
		params[0], http_ctx_user(ctx)->username);
	outbox_kick(http_ctx_arg(ctx));
	http_reply_json(ctx, 200, json_pack("{s:o}", "delivery", row ? row : json_null()));
}

static void handle_retry(http_ctx *ctx)
{
	const char *id = http_ctx_param(ctx, "id");
	char *end, now[24];
	long long v = strtoll(id, &end, 10);
	const char *params[2] = { id, now };

	if (*end || end == id || v <= 0) {
		http_reply_error(ctx, 404, "not_found", NULL, "no delivery %s", id);
		return;
	}
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	http_db_query(ctx, "WITH r AS (UPDATE outbox SET status = 'pending', attempts = 0, last_error = NULL, "
		"next_attempt_at = to_timestamp($2::double precision / 1000) "
		"WHERE id = $1::bigint AND status IN ('failed', 'cancelled') RETURNING *) "
		"SELECT " ROW_JSON("r") "::text FROM r", 2, params, on_retried);
}

/* ---------- POST /api/v1/departments/{code}/test-message ---------- */

static void on_test_queued(int err, int inserted, void *arg)
{
	http_ctx *ctx = arg;
	const char *code = http_ctx_param(ctx, "code");

	if (err == LL_EDBDOWN) {
		http_reply_db_error(ctx, err, NULL);
		return;
	}
	if (err) {
		http_reply_error(ctx, 500, "internal", NULL, "the deliveries could not be queued "
			"(request %s)", http_ctx_request_id(ctx));
		return;
	}
	http_ctx_audit(ctx, "department", code, json_pack("{s:s, s:i}", "action", "test_message",
		"queued", inserted));
	log_info("[req %s] department %s: test message to %d contacts by %s",
		http_ctx_request_id(ctx), code, inserted, http_ctx_user(ctx)->username);
	http_reply_json(ctx, 202, json_pack("{s:s, s:i}", "department", code, "queued", inserted));
}

static void on_contacts(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	struct outbox *o = http_ctx_arg(ctx);
	json_t *body = http_ctx_body(ctx);
	const char *text = json_string_value(json_object_get(body, "text"));
	const char *subj = json_string_value(json_object_get(body, "subject"));
	const char *code = http_ctx_param(ctx, "code");
	int n = 0, rows, rc;
	struct outbox_message *m;
	char (*keys)[160], subject[512];

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) == 0) {
		http_reply_error(ctx, 404, "not_found", NULL, "no department %s", code);
		return;
	}
	rows = PQntuples(res);
	snprintf(subject, sizeof(subject), "【测试】%s：%s", PQgetvalue(res, 0, 0),
		subj ? subj : "联系方式测试 / contact test");
	m = calloc((size_t)rows, sizeof(*m));
	keys = calloc((size_t)rows, sizeof(*keys));
	if (!m || !keys) {
		free(m);
		free(keys);
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	for (int i = 0; i < rows; i++) {
		const char *kind = PQgetvalue(res, i, 2);

		/* Phones are called by people; an SMS needs a gateway. */
		if (PQgetisnull(res, i, 2) || strcmp(kind, "phone") == 0 ||
			(strcmp(kind, "sms") == 0 && !outbox_has_sms(o)))
			continue;
		snprintf(keys[n], sizeof(keys[n]), "test:%s:%s:%s", code, http_ctx_request_id(ctx),
			PQgetvalue(res, i, 1));
		m[n] = (struct outbox_message){ .department = code, .channel = kind,
			.address = PQgetvalue(res, i, 3), .subject = subject, .body = text,
			.dedup_key = keys[n] };
		n++;
	}
	if (n == 0) {
		free(m);
		free(keys);
		http_reply_error(ctx, 409, "conflict", NULL, "department %s has no active contact "
			"Lifeline can send to (e-mail, webhook, wecom, dingtalk%s)", code,
			outbox_has_sms(o) ? ", sms" : "");
		return;
	}
	rc = outbox_enqueue_n(o, m, (size_t)n, on_test_queued, ctx);
	free(m);
	free(keys);
	if (rc == LL_EDBDOWN)
		http_reply_db_error(ctx, rc, NULL);
	else if (rc != 0)
		http_reply_error(ctx, 500, "internal", NULL, "the deliveries could not be queued: %s",
			lifeline_strerror(rc));
}

static void handle_test_message(http_ctx *ctx)
{
	const char *params[1] = { http_ctx_param(ctx, "code") };

	http_db_query(ctx, "SELECT d.name_zh || ' (' || d.name_en || ')', c.id, c.kind, c.address "
		"FROM departments d LEFT JOIN department_contacts c ON c.department = d.code AND c.active "
		"WHERE d.code = $1 ORDER BY c.id", 1, params, on_contacts);
}

static const struct http_route outbox_routes[] = {
	{ "GET", "/api/v1/outbox", handle_list, OUTBOX_IT_ROLES, 0, NULL, NULL },
	{ "POST", "/api/v1/outbox/{id}/retry", handle_retry, OUTBOX_IT_ROLES, HTTP_WRITE, NULL,
		"outbox.retry" },
	{ "POST", "/api/v1/departments/{code}/test-message", handle_test_message, OUTBOX_IT_ROLES,
		HTTP_WRITE, "api/department-test-message", "department.test_message" },
};

int outbox_add_routes(struct outbox *o, http_server *srv)
{
	return http_server_add_routes(srv, outbox_routes,
		sizeof(outbox_routes) / sizeof(outbox_routes[0]), o);
}
