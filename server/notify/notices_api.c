/*
 * notices_api — the routes of the notices: a department's notices (its own
 * staff) or everyone's (hospital-wide roles), one notice with its steps, an
 * acknowledgement from the web or the CLI, and the one-time link pages an
 * e-mail or a group-chat message points to (GET shows the notice and a
 * button — so that a mail scanner following links acknowledges nothing —
 * and POST acknowledges).
 */
#include "notices_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include "clock.h"
#include "db.h"
#include "events.h"
#include "log.h"

#define ACK_ROLES (ROLES_ALL & ~ROLE_BIT(ROLE_VIEWER))
#define FROM_NOTICES "FROM notices n JOIN departments d ON d.code = n.department "
/* The list's filters: $1 department, $2 outage, $3 status (NULL: every notice sent; all). */
#define LIST_FROM FROM_NOTICES \
	"WHERE ($1::text IS NULL OR n.department = $1) AND ($2::bigint IS NULL OR n.outage_id = $2) " \
	"AND (CASE WHEN $3::text IS NULL THEN n.status NOT IN ('planned', 'cancelled') " \
	"WHEN $3 = 'all' THEN true ELSE n.status = $3 END) "

/* ---------- JSON ---------- */

json_t *notices_parse(const char *text, const char *lang)
{
	json_t *o = json_loads(text, 0, NULL);
	json_t *t = json_object_get(json_object_get(o, "texts"), lang && strcmp(lang, "en") == 0 ? "en" : "zh");

	if (!o)
		return NULL;
	json_object_set(o, "subject", json_object_get(t, "subject") ? json_object_get(t, "subject") : json_null());
	json_object_set(o, "body", json_object_get(t, "body") ? json_object_get(t, "body") : json_null());
	return o;
}

/* Lists and events carry the subject, not the texts (GET /api/v1/notices/{id} has them). */
static void drop_texts(json_t *o)
{
	json_object_del(o, "texts");
	json_object_del(o, "body");
}

static void on_publish(int err, PGresult *res, void *arg)
{
	struct notices *n = arg;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK)
		return;
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *o = notices_parse(PQgetvalue(res, i, 0), "zh");

		if (o) {
			drop_texts(o);
			events_publish(n->events, "notice", o);
		}
		json_decref(o);
	}
}

void notices_publish(struct notices *n, const char *ids)
{
	const char *params[1] = { ids };

	if (db_query_background(n->env.db, "SELECT " NOTICE_JSON " " FROM_NOTICES
			"WHERE n.id = ANY($1::bigint[]) ORDER BY n.id", 1, params, on_publish, n) != 0)
		log_warn("notices %s changed but could not be re-read for the event stream", ids);
}

/* ---------- GET /api/v1/notices ---------- */

/* The list with texts (full=1): each notice parsed to pick the language. */
static void on_list_full(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	json_t *arr;

	if (http_db_failed(ctx, err, res))
		return;
	arr = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *o = notices_parse(PQgetvalue(res, i, 0), http_ctx_lang(ctx));

		if (o)
			json_array_append_new(arr, o);
	}
	http_reply_json(ctx, 200, json_pack("{s:o}", "notices", arr));
}

/* The list without texts: PostgreSQL wrote the whole answer; it goes out as it is. */
static void on_list(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	struct evbuffer *out;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) != 1 || !(out = evbuffer_new())) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	evbuffer_add(out, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	http_reply_text(ctx, 200, "application/json", out);
	evbuffer_free(out);
}

static bool query_id(http_ctx *ctx, const char *name, char *out, size_t len)
{
	const char *v = http_ctx_query(ctx, name);
	char *end;
	long long id;

	out[0] = '\0';
	if (!v)
		return true;
	id = strtoll(v, &end, 10);
	if (!*v || *end || id <= 0) {
		http_reply_error(ctx, 400, "invalid", name, "%s must be a positive number", name);
		return false;
	}
	snprintf(out, len, "%lld", id);
	return true;
}

static void handle_list(http_ctx *ctx)
{
	const struct http_user *u = http_ctx_user(ctx);
	const char *dept = http_ctx_query(ctx, "dept"), *status = http_ctx_query(ctx, "status");
	const char *full = http_ctx_query(ctx, "full");
	char outage[24], limit[24];
	const char *params[5];

	/* Department staff see their own; hospital-wide roles and users of no department, all. */
	if (!role_is_hospital_wide(u->role) && u->department[0]) {
		if (dept && strcmp(dept, u->department) != 0) {
			http_reply_error(ctx, 403, "forbidden", "dept",
				"you may see only your own department's notices (%s)", u->department);
			return;
		}
		dept = u->department;
	}
	if (status && strcmp(status, "open") != 0 && strcmp(status, "all") != 0 &&
			strcmp(status, "planned") != 0 && strcmp(status, "sent") != 0 &&
			strcmp(status, "acknowledged") != 0 && strcmp(status, "closed") != 0 &&
			strcmp(status, "cancelled") != 0) {
		http_reply_error(ctx, 400, "invalid", "status", "status '%s' is not one of open, planned, "
			"sent, acknowledged, closed, cancelled, all", status);
		return;
	}
	if (!query_id(ctx, "outage", outage, sizeof(outage)) || !query_id(ctx, "limit", limit, sizeof(limit)))
		return;
	params[0] = dept && *dept ? dept : NULL;
	params[1] = outage[0] ? outage : NULL;
	params[2] = status;
	params[3] = limit[0] ? limit : "500";
	params[4] = http_ctx_lang(ctx);
	/* Planned notices are the plan's business, not a department's: they show only when asked. */
	if (full && strcmp(full, "0") != 0 && strcmp(full, "false") != 0)
		http_db_query(ctx, "SELECT " NOTICE_JSON " " LIST_FROM
			"ORDER BY (n.status = 'open') DESC, n.id DESC LIMIT least($4::int, 5000)",
			4, params, on_list_full);
	else
		http_db_query(ctx, "SELECT json_build_object('notices', coalesce(json_agg(x.j "
			"ORDER BY x.open DESC, x.id DESC), '[]'))::text FROM (SELECT " NOTICE_BRIEF("$5")
			" AS j, n.status = 'open' AS open, n.id " LIST_FROM
			"ORDER BY (n.status = 'open') DESC, n.id DESC LIMIT least($4::int, 5000)) x",
			5, params, on_list);
}

/* ---------- GET /api/v1/notices/{id} ---------- */

static bool path_id(http_ctx *ctx, char *out, size_t len)
{
	const char *id = http_ctx_param(ctx, "id");
	char *end;
	long long v = id ? strtoll(id, &end, 10) : 0;

	if (!id || *end || v <= 0) {
		http_reply_error(ctx, 404, "not_found", NULL, "no notice %s", id ? id : "");
		return false;
	}
	snprintf(out, len, "%lld", v);
	return true;
}

static bool may_see(http_ctx *ctx, const json_t *notice)
{
	const struct http_user *u = http_ctx_user(ctx);
	const char *dept = json_string_value(json_object_get(notice, "department"));

	return role_is_hospital_wide(u->role) || !u->department[0] ||
		(dept && strcmp(dept, u->department) == 0);
}

static void on_show(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	json_t *o, *events;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) == 0 || !(o = notices_parse(PQgetvalue(res, 0, 0), http_ctx_lang(ctx)))) {
		http_reply_error(ctx, 404, "not_found", NULL, "no notice %s", http_ctx_param(ctx, "id"));
		return;
	}
	if (!may_see(ctx, o)) {
		json_decref(o);
		http_reply_error(ctx, 403, "forbidden", NULL, "notice %s is another department's",
			http_ctx_param(ctx, "id"));
		return;
	}
	events = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
	http_reply_json(ctx, 200, json_pack("{s:o, s:o}", "notice", o,
		"events", events ? events : json_array()));
}

static void handle_show(http_ctx *ctx)
{
	char id[24];
	const char *params[1] = { id };

	if (!path_id(ctx, id, sizeof(id)))
		return;
	http_db_query(ctx, "SELECT " NOTICE_JSON ", (SELECT coalesce(json_agg(json_build_object("
		"'at', " NOTICE_ISO("e.at") ", 'kind', e.kind, 'actor', e.actor, 'detail', e.detail) "
		"ORDER BY e.id), '[]') FROM notice_events e WHERE e.notice_id = n.id)::text "
		FROM_NOTICES "WHERE n.id = $1", 1, params, on_show);
}

/* ---------- POST /api/v1/notices/{id}/ack ---------- */

/* Whose notices a user acknowledges: "*" for admin and IT staff (on a
 * department's behalf, e.g. a phoned confirmation), else their department. */
static const char *ack_scope(const struct http_user *u)
{
	return u->role == ROLE_ADMIN || u->role == ROLE_IT ? "*" : u->department;
}

static void on_ack_check(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	const char *id = http_ctx_param(ctx, "id");
	const char *status;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) == 0) {
		http_reply_error(ctx, 404, "not_found", NULL, "no notice %s", id);
		return;
	}
	status = PQgetvalue(res, 0, 0);
	if (PQgetvalue(res, 0, 3)[0] != 't')
		http_reply_error(ctx, 403, "forbidden", NULL,
			"notice %s is for %s: only its members (or IT staff on its behalf) acknowledge it",
			id, PQgetvalue(res, 0, 1));
	else if (strcmp(status, "acknowledged") == 0)
		http_reply_error(ctx, 409, "already_acknowledged", NULL,
			"notice %s was already acknowledged by %s at %s", id, PQgetvalue(res, 0, 2),
			PQgetvalue(res, 0, 4));
	else if (PQgetvalue(res, 0, 5)[0] != 't')
		http_reply_error(ctx, 409, "wrong_state", "/status",
			"notice %s wants no acknowledgement", id);
	else
		http_reply_error(ctx, 409, "wrong_state", "/status",
			"notice %s is %s: only a notice that was sent and is open can be acknowledged",
			id, status);
}

static void on_acked(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	struct notices *n = http_ctx_arg(ctx);
	const struct http_user *u = http_ctx_user(ctx);
	char id[24];
	json_t *o, *pub;

	if (http_db_failed(ctx, err, res))
		return;
	snprintf(id, sizeof(id), "%s", http_ctx_param(ctx, "id"));
	if (PQntuples(res) == 0) {
		const char *params[3] = { id, u->username, ack_scope(u) };

		http_db_query(ctx, "SELECT n.status, n.department, coalesce(n.acked_by, ''), "
			"(n.department = $3 OR $3 = '*' OR EXISTS (SELECT 1 FROM departments d "
			" JOIN users us ON us.id = d.head_user_id WHERE d.code = n.department "
			" AND us.username = $2)), coalesce(" NOTICE_ISO("n.acked_at") ", ''), n.wants_ack "
			"FROM notices n WHERE n.id = $1", 3, params, on_ack_check);
		return;
	}
	o = notices_parse(PQgetvalue(res, 0, 0), http_ctx_lang(ctx));
	if (!o) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	pub = notices_parse(PQgetvalue(res, 0, 0), "zh");
	if (pub) {
		drop_texts(pub);
		events_publish(n->events, "notice", pub);
	}
	json_decref(pub);
	http_ctx_audit(ctx, "notice", id, json_pack("{s:s}", "department",
		json_string_value(json_object_get(o, "department"))));
	log_info("[req %s] notice %s acknowledged by %s", http_ctx_request_id(ctx), id, u->username);
	notices_kick(n);
	http_reply_json(ctx, 200, json_pack("{s:o}", "notice", o));
}

static void handle_ack(http_ctx *ctx)
{
	const struct http_user *u = http_ctx_user(ctx);
	json_t *body = http_ctx_body(ctx);
	const char *via = json_string_value(json_object_get(body, "via"));
	char id[24], now[24];
	const char *params[6];

	if (!path_id(ctx, id, sizeof(id)))
		return;
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	params[0] = id;
	params[1] = now;
	params[2] = u->username;
	params[3] = ack_scope(u);
	params[4] = json_string_value(json_object_get(body, "note"));
	params[5] = via ? via : "api";
	http_db_query(ctx,
		"WITH t AS (SELECT to_timestamp($2::double precision / 1000) AS now), "
		"a AS (UPDATE notices n SET status = 'acknowledged', acked_at = t.now, acked_by = $3, "
		" ack_note = $5, ack_via = $6, next_at = NULL, claimed_by = NULL, claimed_until = NULL "
		" FROM t WHERE n.id = $1 AND n.status = 'open' AND n.wants_ack "
		" AND (n.department = $4 OR $4 = '*' OR EXISTS (SELECT 1 FROM departments d "
		"  JOIN users us ON us.id = d.head_user_id WHERE d.code = n.department AND us.username = $3)) "
		" RETURNING n.*), "
		"e AS (INSERT INTO notice_events (notice_id, at, kind, actor, detail) "
		" SELECT a.id, t.now, 'acknowledged', $3, jsonb_build_object('via', $6::text, 'note', $5::text, "
		" 'on_behalf', a.department <> $4) FROM a, t) "
		"SELECT " NOTICE_JSON " FROM a n JOIN departments d ON d.code = n.department",
		6, params, on_acked);
}

/* ---------- the one-time link: GET and POST /ack/{token} ---------- */

static void html_escaped(struct evbuffer *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': evbuffer_add(out, "&lt;", 4); break;
		case '>': evbuffer_add(out, "&gt;", 4); break;
		case '&': evbuffer_add(out, "&amp;", 5); break;
		case '"': evbuffer_add(out, "&quot;", 6); break;
		case '\'': evbuffer_add(out, "&#39;", 5); break;
		default: evbuffer_add(out, s, 1); break;
		}
	}
}

/* The token's SHA-256 in hex; false for a token that cannot be one of ours. */
static bool token_hash(const char *token, char hex[crypto_hash_sha256_BYTES * 2 + 1])
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	size_t len = token ? strlen(token) : 0;

	if (len < 16 || len > 128 || strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789-_") != len)
		return false;
	crypto_hash_sha256(hash, (const unsigned char *)token, len);
	sodium_bin2hex(hex, crypto_hash_sha256_BYTES * 2 + 1, hash, sizeof(hash));
	return true;
}

struct page {
	const char *title, *message; /* already in the reader's language */
	json_t *notice;              /* borrowed; NULL: none to show */
	bool form;                   /* show the acknowledge button */
};

static void reply_page(http_ctx *ctx, int status, const struct page *p)
{
	bool zh = strcmp(http_ctx_lang(ctx), "en") != 0;
	struct evbuffer *out = evbuffer_new();
	json_t *t = json_object_get(p->notice, "texts");

	t = json_object_get(t, zh ? "zh" : "en");
	if (!out) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	evbuffer_add_printf(out, "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		"<meta name=\"robots\" content=\"noindex\"><title>", zh ? "zh-CN" : "en");
	html_escaped(out, p->title);
	evbuffer_add_printf(out, "</title><style>body{font-family:sans-serif;max-width:40em;"
		"margin:2em auto;padding:0 1em;line-height:1.5;color:#111}pre{white-space:pre-wrap;"
		"background:#f4f4f4;padding:1em}button{font-size:1.2em;padding:.5em 1.5em}"
		"button:focus{outline:3px solid #1a5fb4}</style></head><body><h1>");
	html_escaped(out, p->title);
	evbuffer_add_printf(out, "</h1><p>");
	html_escaped(out, p->message);
	evbuffer_add_printf(out, "</p>");
	if (t) {
		evbuffer_add_printf(out, "<h2>");
		html_escaped(out, json_string_value(json_object_get(t, "subject")));
		evbuffer_add_printf(out, "</h2><pre>");
		html_escaped(out, json_string_value(json_object_get(t, "body")));
		evbuffer_add_printf(out, "</pre>");
	}
	if (p->form)
		evbuffer_add_printf(out, "<form method=\"post\"><p><label for=\"note\">%s</label><br>"
			"<input id=\"note\" name=\"note\" maxlength=\"1000\" size=\"40\"></p>"
			"<p><button type=\"submit\">%s</button></p></form>",
			zh ? "备注（可不填）" : "Note (optional)", zh ? "确认收到" : "Acknowledge");
	evbuffer_add_printf(out, "</body></html>\n");
	http_reply_text(ctx, status, "text/html; charset=utf-8", out);
	evbuffer_free(out);
}

/* Answers (and returns true) when the statement failed or found no such link. */
static bool link_missing(http_ctx *ctx, int err, const PGresult *res)
{
	bool zh = strcmp(http_ctx_lang(ctx), "en") != 0;
	struct page p = { 0 };

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		http_reply_db_error(ctx, err, res);
		return true;
	}
	if (PQntuples(res) > 0)
		return false;
	p.title = zh ? "链接无效" : "Link not valid";
	p.message = zh ? "这个确认链接无效或已经使用过。请登录 Lifeline 查看并确认通知。" :
		"This link is not valid or was used already. Log in to Lifeline to see and "
		"acknowledge the notice.";
	reply_page(ctx, 404, &p);
	return true;
}

static void on_link_show(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	bool zh = strcmp(http_ctx_lang(ctx), "en") != 0;
	struct page p = { 0 };
	char msg[512];
	json_t *o;

	if (link_missing(ctx, err, res))
		return;
	o = notices_parse(PQgetvalue(res, 0, 0), http_ctx_lang(ctx));
	p.notice = o;
	if (strcmp(json_string_value(json_object_get(o, "status")) ?: "", "acknowledged") == 0) {
		snprintf(msg, sizeof(msg), zh ? "此通知已由 %s 于 %s 确认。" :
			"This notice was acknowledged by %s at %s.",
			json_string_value(json_object_get(o, "acknowledged_by")) ?: "-",
			json_string_value(json_object_get(o, "acknowledged_at")) ?: "-");
		p.title = zh ? "已确认" : "Acknowledged";
		p.message = msg;
	} else if (PQgetvalue(res, 0, 1)[0] == 't') {
		p.title = zh ? "链接已使用" : "Link already used";
		p.message = zh ? "这个一次性链接已经使用过。" : "This one-time link has been used.";
	} else if (strcmp(json_string_value(json_object_get(o, "status")) ?: "", "open") != 0) {
		p.title = zh ? "通知已关闭" : "Notice closed";
		p.message = zh ? "此通知已关闭，无需确认。" : "This notice is closed; nothing to acknowledge.";
	} else {
		p.title = zh ? "确认收到通知" : "Acknowledge the notice";
		p.message = zh ? "请阅读下面的通知，然后按“确认收到”。" :
			"Read the notice below, then press Acknowledge.";
		p.form = true;
	}
	reply_page(ctx, 200, &p);
	json_decref(o);
}

static void handle_link_show(http_ctx *ctx)
{
	char hash[crypto_hash_sha256_BYTES * 2 + 1];
	const char *params[1] = { hash };

	if (!token_hash(http_ctx_param(ctx, "token"), hash)) {
		struct page p = { "链接无效 / Link not valid", "-", NULL, false };

		reply_page(ctx, 404, &p);
		return;
	}
	if (db_query(http_ctx_env(ctx)->db, "SELECT " NOTICE_JSON ", l.used_at IS NOT NULL "
			"FROM notice_links l JOIN notices n ON n.id = l.notice_id "
			"JOIN departments d ON d.code = n.department WHERE l.token_hash = $1",
			1, params, on_link_show, ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
}

static void on_link_ack(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	struct notices *n = http_ctx_arg(ctx);
	bool zh = strcmp(http_ctx_lang(ctx), "en") != 0;
	struct page p = { 0 };
	json_t *o;

	if (link_missing(ctx, err, res))
		return;
	o = notices_parse(PQgetvalue(res, 0, 0), http_ctx_lang(ctx));
	p.notice = o;
	if (PQgetvalue(res, 0, 1)[0] == 't') {
		char ids[32];

		/* This statement's own read of the notice predates its update: read it again. */
		snprintf(ids, sizeof(ids), "{%s}", PQgetvalue(res, 0, 3));
		notices_publish(n, ids);
		http_ctx_audit_actor(ctx, 0, PQgetvalue(res, 0, 2));
		http_ctx_audit(ctx, "notice", PQgetvalue(res, 0, 3), json_pack("{s:s}", "via", "link"));
		log_info("[req %s] notice %s acknowledged through the link sent to %s",
			http_ctx_request_id(ctx), PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 2));
		notices_kick(n);
		p.title = zh ? "已确认收到" : "Acknowledged";
		p.message = zh ? "谢谢，已记录您的确认。" : "Thank you: your acknowledgement is recorded.";
	} else {
		p.title = zh ? "无需确认" : "Nothing to acknowledge";
		p.message = zh ? "此通知已被确认或已关闭。" : "This notice was already acknowledged or is closed.";
	}
	reply_page(ctx, 200, &p);
	json_decref(o);
}

/* The "note" field of an application/x-www-form-urlencoded body; NULL if none. */
static char *form_note(http_ctx *ctx)
{
	size_t len = 0;
	const char *raw = http_ctx_raw_body(ctx, &len);
	struct evkeyvalq q;
	char *body, *note = NULL;
	const char *v;

	/* The body is not NUL-terminated: copy exactly len bytes. */
	if (!raw || len == 0 || len > 64 * 1024 || !(body = malloc(len + 1)))
		return NULL;
	memcpy(body, raw, len);
	body[len] = '\0';
	if (evhttp_parse_query_str(body, &q) == 0 && (v = evhttp_find_header(&q, "note")) && *v)
		note = strndup(v, 1000);
	evhttp_clear_headers(&q);
	free(body);
	return note;
}

static void handle_link_ack(http_ctx *ctx)
{
	char hash[crypto_hash_sha256_BYTES * 2 + 1], now[24];
	char *note;
	const char *params[3] = { hash, now, NULL };

	if (!token_hash(http_ctx_param(ctx, "token"), hash)) {
		struct page p = { "链接无效 / Link not valid", "-", NULL, false };

		reply_page(ctx, 404, &p);
		return;
	}
	note = form_note(ctx);
	params[2] = note;
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	if (db_query(http_ctx_env(ctx)->db,
			"WITH t AS (SELECT to_timestamp($2::double precision / 1000) AS now), "
			"l AS (UPDATE notice_links l SET used_at = t.now FROM t "
			" WHERE l.token_hash = $1 AND l.used_at IS NULL RETURNING l.notice_id, l.address), "
			"a AS (UPDATE notices n SET status = 'acknowledged', acked_at = t.now, acked_by = l.address, "
			" ack_note = $3, ack_via = 'link', next_at = NULL, claimed_by = NULL, claimed_until = NULL "
			" FROM l, t WHERE n.id = l.notice_id AND n.status = 'open' AND n.wants_ack RETURNING n.id), "
			"e AS (INSERT INTO notice_events (notice_id, at, kind, actor, detail) "
			" SELECT a.id, t.now, 'acknowledged', l.address, jsonb_build_object('via', 'link', "
			" 'note', $3::text) FROM a, l, t) "
			/* The notice as it is after this statement: acknowledged when a is not empty. */
			"SELECT " NOTICE_JSON ", EXISTS (SELECT 1 FROM a), l.address, n.id "
			"FROM l JOIN notices n ON n.id = l.notice_id JOIN departments d ON d.code = n.department",
			3, params, on_link_ack, ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
	free(note);
}

static const struct http_route notice_routes[] = {
	{ "GET", "/api/v1/notices", handle_list, ROLES_ALL, 0, NULL, NULL },
	{ "GET", "/api/v1/notices/{id}", handle_show, ROLES_ALL, 0, NULL, NULL },
	{ "POST", "/api/v1/notices/{id}/ack", handle_ack, ACK_ROLES, HTTP_WRITE, "api/notice-ack",
		"notice.ack" },
	{ "GET", "/ack/{token}", handle_link_show, 0, HTTP_PUBLIC, NULL, NULL },
	{ "POST", "/ack/{token}", handle_link_ack, 0, HTTP_PUBLIC | HTTP_WRITE | HTTP_RAW_BODY, NULL,
		"notice.ack_link" },
};

int notices_add_routes(struct notices *n, http_server *srv)
{
	return http_server_add_routes(srv, notice_routes, sizeof(notice_routes) / sizeof(notice_routes[0]), n);
}
