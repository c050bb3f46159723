#include "http.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <sodium.h>

#include "audit.h"
#include "auth.h"
#include "body.h"
#include "config.h"
#include "db.h"
#include "jsonschema.h"
#include "log.h"
#include "schemas.h"
#include "static.h"

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_STATUSES 12
#define HTTP_NBUCKETS 13

static const double latency_buckets[HTTP_NBUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
};

/* Per-route counters for /metrics. Index 0 is "no route matched". */
struct route_stats {
	struct { int status; uint64_t count; } by_status[HTTP_MAX_STATUSES];
	uint64_t buckets[HTTP_NBUCKETS];
	uint64_t count;
	double sum;
};

struct route_entry {
	const struct http_route *route;
	void *arg;
	struct route_stats stats;
};

/*
 * Connections we have seen a request on. evhttp (2.1) has no hook at accept
 * time, so the limit is enforced on a connection's first request; idle
 * connections that never send one are closed by the request timeout.
 */
struct conn_set {
	struct evhttp_connection **slots;
	size_t cap, used, tombstones;
};

struct http_server {
	struct http_env env;
	struct evhttp *evhttp;
	struct evhttp_bound_socket *bound[4];
	int nbound;
	struct route_entry *routes;
	size_t nroutes, cap_routes;
	struct route_stats unmatched;
	struct conn_set conns;
	uint64_t rejected_connections;
	uint64_t in_flight;
	FILE *access_log;
	bool access_log_is_stderr;
	uint64_t next_request_id;
	uint32_t id_prefix;
};

struct http_ctx {
	http_server *srv;
	struct evhttp_request *req;
	struct route_entry *entry;     /* NULL when no route matched */
	char id[20];
	char method[8];
	char *path;                    /* decoded path */
	struct evkeyvalq query;
	bool have_query;
	char *params[HTTP_MAX_PARAMS]; /* captured {name} segments */
	const char *param_names[HTTP_MAX_PARAMS];
	int nparams;
	json_t *body;
	struct http_user user;
	bool authed;
	char token[128];
	struct timespec t0;
	/* audit */
	char audit_type[32];
	char audit_id[64];
	json_t *audit_detail;
	int64_t audit_actor_id;
	char audit_actor[65];
};

/* ---------- connection set (open addressing on the pointer) ---------- */

#define CONN_TOMB ((struct evhttp_connection *)1)

static size_t conn_hash(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

static bool conn_set_has(const struct conn_set *s, struct evhttp_connection *c)
{
	if (!s->cap)
		return false;
	for (size_t i = conn_hash(c, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i] == c)
			return true;
		if (!s->slots[i])
			return false;
	}
}

static int conn_set_add(struct conn_set *s, struct evhttp_connection *c)
{
	if ((s->used + s->tombstones + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap : 64;
		struct evhttp_connection **old = s->slots;
		size_t ocap = s->cap;

		while ((s->used + 1) * 2 > ncap)
			ncap *= 2;
		if (s->used * 4 > ncap)
			ncap *= 2;
		s->slots = calloc(ncap, sizeof(*s->slots));
		if (!s->slots) {
			s->slots = old;
			return LL_ENOMEM;
		}
		s->cap = ncap;
		s->tombstones = 0;
		for (size_t i = 0; i < ocap; i++) {
			struct evhttp_connection *o = old[i];

			if (o && o != CONN_TOMB) {
				size_t j = conn_hash(o, ncap);

				while (s->slots[j])
					j = (j + 1) & (ncap - 1);
				s->slots[j] = o;
			}
		}
		free(old);
	}
	for (size_t i = conn_hash(c, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (!s->slots[i] || s->slots[i] == CONN_TOMB) {
			if (s->slots[i] == CONN_TOMB)
				s->tombstones--;
			s->slots[i] = c;
			s->used++;
			return 0;
		}
	}
}

static void conn_set_del(struct conn_set *s, struct evhttp_connection *c)
{
	if (!s->cap)
		return;
	for (size_t i = conn_hash(c, s->cap);; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i] == c) {
			s->slots[i] = CONN_TOMB;
			s->used--;
			s->tombstones++;
			return;
		}
		if (!s->slots[i])
			return;
	}
}

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	http_server *srv = arg;

	conn_set_del(&srv->conns, evcon);
}

/* ---------- small helpers ---------- */

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return status < 400 ? "OK" : "Error";
	}
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "?";
}

static double elapsed_s(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void stats_observe(struct route_stats *st, int status, double secs)
{
	int i;

	st->count++;
	st->sum += secs;
	for (i = 0; i < HTTP_NBUCKETS; i++)
		if (secs <= latency_buckets[i])
			st->buckets[i]++;
	for (i = 0; i < HTTP_MAX_STATUSES; i++) {
		if (st->by_status[i].status == status || st->by_status[i].status == 0) {
			st->by_status[i].status = status;
			st->by_status[i].count++;
			return;
		}
	}
	/* More distinct statuses than slots: count under the last one's class. */
	st->by_status[HTTP_MAX_STATUSES - 1].count++;
}

static void ctx_free(http_ctx *ctx)
{
	for (int i = 0; i < ctx->nparams; i++)
		free(ctx->params[i]);
	if (ctx->have_query)
		evhttp_clear_headers(&ctx->query);
	json_decref(ctx->body);
	json_decref(ctx->audit_detail);
	free(ctx->path);
	sodium_memzero(ctx->token, sizeof(ctx->token));
	free(ctx);
}

static void access_log_line(http_ctx *ctx, int status, size_t bytes, double secs)
{
	http_server *srv = ctx->srv;
	struct evhttp_connection *evcon;
	const char *peer = "-";
	ev_uint16_t port = 0;
	char ts[32];
	time_t now;
	struct tm tm;

	if (!srv->access_log)
		return;
	evcon = evhttp_request_get_connection(ctx->req);
	if (evcon) {
		char *addr = NULL;

		evhttp_connection_get_peer(evcon, &addr, &port);
		if (addr)
			peer = addr;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(srv->access_log, "%s %s %s %s %s %d %zu %.3fms %s\n", ts, ctx->id, peer,
		ctx->method, ctx->path ? ctx->path : evhttp_request_get_uri(ctx->req), status, bytes,
		secs * 1000.0, ctx->authed ? ctx->user.username : "-");
	if (srv->access_log_is_stderr)
		fflush(srv->access_log);
}

/* Every answer goes through here: send, log, count, audit, free. */
static void finish(http_ctx *ctx, int status, const char *content_type, struct evbuffer *body)
{
	http_server *srv = ctx->srv;
	struct evkeyvalq *out = evhttp_request_get_output_headers(ctx->req);
	size_t bytes = body ? evbuffer_get_length(body) : 0;
	double secs;

	if (content_type)
		evhttp_add_header(out, "Content-Type", content_type);
	evhttp_add_header(out, "X-Request-Id", ctx->id);
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (status == 401)
		evhttp_add_header(out, "WWW-Authenticate", "Bearer");
	evhttp_send_reply(ctx->req, status, reason_phrase(status), body);
	secs = elapsed_s(&ctx->t0);
	stats_observe(ctx->entry ? &ctx->entry->stats : &srv->unmatched, status, secs);
	access_log_line(ctx, status, bytes, secs);
	if (ctx->entry && (ctx->entry->route->flags & HTTP_WRITE) && srv->env.audit) {
		struct audit_entry a = {
			.actor_id = ctx->authed ? ctx->user.id : ctx->audit_actor_id,
			.actor = ctx->authed ? ctx->user.username : (ctx->audit_actor[0] ? ctx->audit_actor : NULL),
			.action = ctx->entry->route->action ? ctx->entry->route->action : ctx->entry->route->pattern,
			.object_type = ctx->audit_type[0] ? ctx->audit_type : NULL,
			.object_id = ctx->audit_id[0] ? ctx->audit_id : NULL,
			.status = status,
			.request_id = ctx->id,
			.detail = ctx->audit_detail,
		};
		audit_record(srv->env.audit, &a);
	}
	srv->in_flight--;
	ctx_free(ctx);
}

struct evhttp_request *http_ctx_detach(http_ctx *ctx, int status)
{
	struct evhttp_request *req = ctx->req;
	http_server *srv = ctx->srv;
	double secs = elapsed_s(&ctx->t0);

	stats_observe(ctx->entry ? &ctx->entry->stats : &srv->unmatched, status, secs);
	access_log_line(ctx, status, 0, secs);
	srv->in_flight--;
	ctx_free(ctx);
	return req;
}

void http_reply_text(http_ctx *ctx, int status, const char *content_type, struct evbuffer *body)
{
	finish(ctx, status, content_type, body);
}

static void free_text(const void *data, size_t len, void *extra)
{
	(void)len;
	(void)extra;
	free((void *)data);
}

void http_reply_json(http_ctx *ctx, int status, json_t *body)
{
	struct evbuffer *buf = evbuffer_new();
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	if (!buf || (body && !text)) {
		free(text);
		if (buf)
			evbuffer_free(buf);
		log_error("[req %s] out of memory building the answer", ctx->id);
		finish(ctx, 500, NULL, NULL);
		return;
	}
	if (text) {
		evbuffer_add_reference(buf, text, strlen(text), free_text, NULL);
	}
	finish(ctx, status, "application/json; charset=utf-8", buf);
	evbuffer_free(buf);
}

/*
 * Messages the API says in Chinese (the default language) and English.
 * Keyed by the English format; the Chinese format takes the same arguments.
 * Messages not listed here (schema details, for now) stay in English.
 */
static const struct { const char *en, *zh; } messages_zh[] = {
	{ "the query string is malformed", "查询字符串格式错误" },
	{ "the request path is malformed", "请求路径格式错误" },
	{ "already exists", "已存在" },
	{ "the role %s may not do this", "角色 %s 无权执行此操作" },
	{ "internal error (request %s)", "服务器内部错误（请求编号 %s）" },
	{ "out of memory", "服务器内存不足" },
	{ "wrong user name or password", "用户名或密码错误" },
	{ "this method is not allowed here", "此处不允许该请求方法" },
	{ "no such resource: %s", "没有这个资源：%s" },
	{ "the body is larger than %d bytes", "请求内容超过 %d 字节上限" },
	{ "the token is invalid or has expired; log in again", "登录凭证无效或已过期，请重新登录" },
	{ "this request needs a bearer token (log in first)", "此请求需要登录（请先登录）" },
	{ "this user name is taken", "该用户名已被使用" },
	{ "no such department", "没有这个科室" },
	{ "the database is unavailable; try again shortly", "数据库暂时不可用，请稍后再试" },
	{ "the database connection was lost; try again shortly", "数据库连接中断，请稍后再试" },
	{ "the database is unavailable: changes cannot be saved right now; try again shortly",
		"数据库暂时不可用：现在无法保存更改，请稍后再试" },
	{ "cannot check the token: the database is unavailable and the token is not cached",
		"无法核验登录凭证：数据库暂时不可用" },
	{ "the server has too many open connections; try again shortly",
		"服务器连接数已满，请稍后再试" },
	{ "the body must be JSON (Content-Type: application/json)",
		"请求内容必须是 JSON（Content-Type: application/json）" },
	{ "this request needs a JSON body", "此请求需要 JSON 内容" },
	{ "an outage is already open: confirm or change that one",
		"已有一个未结束的故障：请确认或修改那一个" },
	{ "no outage %s", "没有故障 %s" },
	{ "/reason is required when the level is set on confirmation", "确认时指定等级必须说明理由（/reason）" },
	{ "/time_scale is only for drills", "只有演练才能设置时间倍率（/time_scale）" },
	{ "you may report only for your own department (%s)", "只能为本科室（%s）报告问题" },
	{ "the outage changed at the same moment; send the report again", "故障状态刚刚发生变化，请重新提交报告" },
	{ "no notice %s", "没有通知 %s" },
	{ "too many failed logins; try again in %lld s", "登录失败次数过多，请 %lld 秒后再试" },
	{ "too many logins at once; try again shortly", "同时登录的人太多，请稍后再试" },
	{ "no census snapshot has been taken from the HIS yet: print the blank forms",
		"尚未从 HIS 取得患者清单快照：请打印空白表单" },
	{ "you may print only your own department's forms (%s)", "只能打印本科室（%s）的表单" },
	{ "%s is required: you belong to no department", "%s 必填：您不属于任何科室" },
	{ "you may see only your own department's serials (%s)", "只能查看本科室（%s）的表单编号" },
	{ "no serial %s in the print register", "打印登记中没有编号 %s" },
	{ "serial %s was already voided", "编号 %s 已作废" },
	{ "serial %s is another department's", "编号 %s 属于其他科室" },
	{ "notice %s is another department's", "通知 %s 属于其他科室" },
	{ "you may see only your own department's notices (%s)", "只能查看本科室（%s）的通知" },
	{ "notice %s is for %s: only its members (or IT staff on its behalf) acknowledge it",
		"通知 %s 发给 %s：只能由该科室人员（或信息中心代为）确认" },
	{ "notice %s was already acknowledged by %s at %s", "通知 %s 已由 %s 于 %s 确认" },
	{ "notice %s wants no acknowledgement", "通知 %s 无需确认" },
	{ "notice %s is %s: only a notice that was sent and is open can be acknowledged",
		"通知 %s 当前状态为 %s：只能确认已发出且待确认的通知" },
	{ "%s must be a positive number", "%s 必须是正整数" },
};

static const char *localize(http_ctx *ctx, const char *en)
{
	if (strcmp(http_ctx_lang(ctx), "zh") != 0)
		return en;
	for (size_t i = 0; i < sizeof(messages_zh) / sizeof(messages_zh[0]); i++)
		if (strcmp(messages_zh[i].en, en) == 0)
			return messages_zh[i].zh;
	return en;
}

void http_reply_error(http_ctx *ctx, int status, const char *code, const char *field,
	const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *err;

	fmt = localize(ctx, fmt);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err = json_pack("{s:s, s:s, s:s}", "code", code, "message", msg, "request_id", ctx->id);
	if (err && field)
		json_object_set_new(err, "field", json_string(field));
	if (status >= 500)
		log_warn("[req %s] %s %s -> %d %s: %s", ctx->id, ctx->method,
			ctx->path ? ctx->path : "?", status, code, msg);
	http_reply_json(ctx, status, err ? json_pack("{s:o}", "error", err) : NULL);
}

void http_reply_db_error(http_ctx *ctx, int err, const PGresult *res)
{
	const char *state;

	if (err == LL_EDBDOWN || !res) {
		http_reply_error(ctx, 503, "db_unavailable", NULL,
			"the database is unavailable; try again shortly");
		return;
	}
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state && strcmp(state, "23505") == 0) {
		http_reply_error(ctx, 409, "conflict", NULL, "already exists");
		return;
	}
	if (state && strncmp(state, "08", 2) == 0) {
		http_reply_error(ctx, 503, "db_unavailable", NULL,
			"the database connection was lost; try again shortly");
		return;
	}
	log_error("[req %s] database error: %s", ctx->id, PQresultErrorMessage(res));
	http_reply_error(ctx, 500, "internal", NULL, "internal error (request %s)", ctx->id);
}

void http_db_query(http_ctx *ctx, const char *sql, int nparams, const char *const *params,
	void (*cb)(int err, PGresult *res, void *ctx))
{
	if (db_query(ctx->srv->env.db, sql, nparams, params, cb, ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
}

bool http_db_failed(http_ctx *ctx, int err, const PGresult *res)
{
	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		http_reply_db_error(ctx, err, res);
		return true;
	}
	return false;
}

/* ---------- context accessors ---------- */

const struct http_env *http_ctx_env(http_ctx *ctx) { return &ctx->srv->env; }
void *http_ctx_arg(http_ctx *ctx) { return ctx->entry ? ctx->entry->arg : NULL; }
json_t *http_ctx_body(http_ctx *ctx) { return ctx->body; }
const char *http_ctx_request_id(http_ctx *ctx) { return ctx->id; }
const char *http_ctx_token(http_ctx *ctx) { return ctx->token[0] ? ctx->token : NULL; }

void http_ctx_add_header(http_ctx *ctx, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(ctx->req), name, value);
}

const char *http_ctx_peer(http_ctx *ctx)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(ctx->req);
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (evcon)
		evhttp_connection_get_peer(evcon, &addr, &port);
	return addr ? addr : "-";
}

const struct http_user *http_ctx_user(http_ctx *ctx)
{
	return ctx->authed ? &ctx->user : NULL;
}

const char *http_ctx_raw_body(http_ctx *ctx, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(ctx->req);

	*len = evbuffer_get_length(in);
	return (const char *)evbuffer_pullup(in, -1);
}

const char *http_ctx_param(http_ctx *ctx, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < ctx->nparams; i++)
		if (ctx->param_names[i] && strncmp(ctx->param_names[i], name, n) == 0 &&
			ctx->param_names[i][n] == '}')
			return ctx->params[i];
	return NULL;
}

const char *http_ctx_query(http_ctx *ctx, const char *name)
{
	return ctx->have_query ? evhttp_find_header(&ctx->query, name) : NULL;
}

const char *http_ctx_header(http_ctx *ctx, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(ctx->req), name);
}

const char *http_ctx_lang(http_ctx *ctx)
{
	const char *al = http_ctx_header(ctx, "Accept-Language");

	return al && strncasecmp(al, "en", 2) == 0 ? "en" : "zh";
}

void http_ctx_audit(http_ctx *ctx, const char *object_type, const char *object_id, json_t *detail)
{
	snprintf(ctx->audit_type, sizeof(ctx->audit_type), "%s", object_type ? object_type : "");
	snprintf(ctx->audit_id, sizeof(ctx->audit_id), "%s", object_id ? object_id : "");
	json_decref(ctx->audit_detail);
	ctx->audit_detail = detail;
}

void http_ctx_audit_actor(http_ctx *ctx, int64_t id, const char *name)
{
	ctx->audit_actor_id = id;
	snprintf(ctx->audit_actor, sizeof(ctx->audit_actor), "%s", name ? name : "");
}

/* ---------- request pipeline ---------- */

/* Match "/api/v1/users/{id}" against a decoded path, capturing parameters. */
static bool match_pattern(http_ctx *ctx, const char *pattern, const char *path, bool capture)
{
	const char *p = pattern, *s = path;
	int n = 0;

	while (*p && *s) {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			size_t len = strcspn(s, "/");

			if (!pe || len == 0 || n == HTTP_MAX_PARAMS)
				return false;
			if (capture) {
				ctx->params[n] = strndup(s, len);
				ctx->param_names[n] = NULL;
				if (!ctx->params[n])
					return false;
				ctx->nparams = n + 1;
			}
			n++;
			p = pe + 1;
			s += len;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	return *p == '\0' && *s == '\0';
}

/* Parameter names point into the route's static pattern, just after '{'. */
static void name_params(http_ctx *ctx)
{
	const char *p = ctx->entry->route->pattern;

	for (int i = 0; i < ctx->nparams && (p = strchr(p, '{')); i++) {
		ctx->param_names[i] = ++p;
	}
}

static void continue_after_auth(http_ctx *ctx);

static void reject(http_ctx *ctx, int status, const char *code, const char *field, const char *msg)
{
	http_reply_error(ctx, status, code, field, "%s", localize(ctx, msg));
}

static void on_authed(int rc, const struct http_user *user, void *arg)
{
	http_ctx *ctx = arg;

	if (rc == LL_EDBDOWN) {
		http_reply_error(ctx, 503, "db_unavailable", NULL,
			"cannot check the token: the database is unavailable and the token is not cached");
		return;
	}
	if (rc != 0 || !user) {
		reject(ctx, 401, "unauthorized", NULL, "the token is invalid or has expired; log in again");
		return;
	}
	ctx->user = *user;
	ctx->authed = true;
	continue_after_auth(ctx);
}

static void continue_after_auth(http_ctx *ctx)
{
	const struct http_route *route = ctx->entry->route;
	struct evbuffer *in = evhttp_request_get_input_buffer(ctx->req);
	size_t len = evbuffer_get_length(in);

	if (!(route->flags & HTTP_PUBLIC) && !(route->roles & ROLE_BIT(ctx->user.role))) {
		http_reply_error(ctx, 403, "forbidden", NULL, "the role %s may not do this",
			role_name(ctx->user.role));
		return;
	}
	if ((route->flags & HTTP_WRITE) && !db_pool_up(ctx->srv->env.db)) {
		reject(ctx, 503, "db_unavailable",
			NULL, "the database is unavailable: changes cannot be saved right now; try again shortly");
		return;
	}
	if (!(route->flags & HTTP_RAW_BODY)) {
		const jsonschema *schema = NULL;
		struct body_error berr;

		if (route->body_schema) {
			schema = schema_registry_get(ctx->srv->env.schemas, route->body_schema);
			if (!schema) {
				log_error("route %s %s names schema %s, which is not loaded",
					route->method, route->pattern, route->body_schema);
				reject(ctx, 500, "internal", NULL, "internal error: request schema missing");
				return;
			}
		}
		if (body_parse(http_ctx_header(ctx, "Content-Type"),
				len ? (const char *)evbuffer_pullup(in, -1) : NULL, len, schema, &ctx->body,
				&berr) != 0) {
			reject(ctx, berr.status, berr.code, berr.field[0] ? berr.field : NULL, berr.message);
			return;
		}
	}
	route->handler(ctx);
}

static void make_request_id(http_server *srv, char *out, size_t len)
{
	snprintf(out, len, "%08x%08x", srv->id_prefix, (unsigned)(++srv->next_request_id));
}

/*
 * No Nagle on a new connection: evhttp writes a large answer in pieces, and
 * with Nagle each piece after the first waits for the client's delayed ACK
 * (~40 ms on Linux) on a keep-alive connection.
 */
static void set_nodelay(struct evhttp_connection *evcon)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	int one = 1;

	if (fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		log_debug("TCP_NODELAY: %s", strerror(errno));
}

static void on_request(struct evhttp_request *req, void *arg)
{
	http_server *srv = arg;
	http_ctx *ctx = calloc(1, sizeof(*ctx));
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const struct evhttp_uri *uri;
	const char *raw_path, *query, *authz;
	bool path_matched = false;

	if (!ctx) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ctx->t0);
	ctx->srv = srv;
	ctx->req = req;
	srv->in_flight++;
	make_request_id(srv, ctx->id, sizeof(ctx->id));
	snprintf(ctx->method, sizeof(ctx->method), "%s", method_name(evhttp_request_get_command(req)));

	if (evcon && !conn_set_has(&srv->conns, evcon)) {
		if ((int)srv->conns.used >= srv->env.cfg->max_connections ||
			conn_set_add(&srv->conns, evcon) != 0) {
			srv->rejected_connections++;
			evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
			reject(ctx, 503, "too_many_connections", NULL,
				"the server has too many open connections; try again shortly");
			return;
		}
		evhttp_connection_set_closecb(evcon, on_conn_close, srv);
		set_nodelay(evcon);
	}

	uri = evhttp_request_get_evhttp_uri(req);
	raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
	ctx->path = evhttp_uridecode(raw_path && *raw_path ? raw_path : "/", 0, NULL);
	if (!ctx->path) {
		reject(ctx, 400, "bad_request", NULL, "the request path is malformed");
		return;
	}
	query = uri ? evhttp_uri_get_query(uri) : NULL;
	TAILQ_INIT(&ctx->query);
	if (query) {
		if (evhttp_parse_query_str(query, &ctx->query) != 0) {
			evhttp_clear_headers(&ctx->query);
			reject(ctx, 400, "bad_request", NULL, "the query string is malformed");
			return;
		}
		ctx->have_query = true;
	}

	for (size_t i = 0; i < srv->nroutes; i++) {
		struct route_entry *e = &srv->routes[i];

		if (!match_pattern(ctx, e->route->pattern, ctx->path, false))
			continue;
		path_matched = true;
		if (strcmp(e->route->method, ctx->method) == 0 ||
			(strcmp(ctx->method, "HEAD") == 0 && strcmp(e->route->method, "GET") == 0)) {
			ctx->entry = e;
			break;
		}
	}
	if (!ctx->entry && !path_matched && (strcmp(ctx->method, "GET") == 0 ||
			strcmp(ctx->method, "HEAD") == 0) && strncmp(ctx->path, "/api/", 5) != 0) {
		struct evbuffer *file = evbuffer_new();
		const char *type = file ? static_lookup(srv->env.cfg->web_root, ctx->path, file) : NULL;

		if (type) {
			finish(ctx, 200, type, file);
			evbuffer_free(file);
			return;
		}
		if (file)
			evbuffer_free(file);
	}
	if (!ctx->entry) {
		if (path_matched)
			reject(ctx, 405, "method_not_allowed", NULL, "this method is not allowed here");
		else
			http_reply_error(ctx, 404, "not_found", NULL, "no such resource: %s", ctx->path);
		return;
	}
	if (!match_pattern(ctx, ctx->entry->route->pattern, ctx->path, true)) {
		reject(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	name_params(ctx);

	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) >
		(size_t)srv->env.cfg->max_body_bytes) {
		http_reply_error(ctx, 413, "too_large", NULL, "the body is larger than %d bytes",
			srv->env.cfg->max_body_bytes);
		return;
	}

	authz = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
		const char *t = authz + 7;

		while (*t == ' ')
			t++;
		if (strlen(t) < sizeof(ctx->token))
			snprintf(ctx->token, sizeof(ctx->token), "%s", t);
	}
	if (!ctx->token[0] && (ctx->entry->route->flags & HTTP_STREAM)) {
		const char *t = http_ctx_query(ctx, "token");

		if (t && strlen(t) < sizeof(ctx->token))
			snprintf(ctx->token, sizeof(ctx->token), "%s", t);
	}
	if (ctx->entry->route->flags & HTTP_PUBLIC) {
		continue_after_auth(ctx);
		return;
	}
	if (!ctx->token[0]) {
		reject(ctx, 401, "unauthorized", NULL,
			"this request needs a bearer token (log in first)");
		return;
	}
	auth_resolve(srv->env.auth, ctx->token, on_authed, ctx);
}

/* ---------- server lifecycle ---------- */

static void open_access_log(http_server *srv)
{
	const char *path = srv->env.cfg->access_log;

	if (srv->access_log && !srv->access_log_is_stderr)
		fclose(srv->access_log);
	srv->access_log = NULL;
	srv->access_log_is_stderr = false;
	if (!path || strcmp(path, "off") == 0)
		return;
	if (strcmp(path, "-") == 0) {
		srv->access_log = stderr;
		srv->access_log_is_stderr = true;
		return;
	}
	srv->access_log = fopen(path, "a");
	if (!srv->access_log)
		log_error("cannot open access log %s: %m; access logging is off", path);
}

void http_server_apply_config(http_server *srv)
{
	const struct config *cfg = srv->env.cfg;

	evhttp_set_max_headers_size(srv->evhttp, cfg->max_header_bytes);
	/*
	 * evhttp answers an over-limit body itself, in HTML. Let bodies up to
	 * four times the limit through so that we can refuse them with the JSON
	 * envelope; only absurd bodies meet evhttp's own limit.
	 */
	evhttp_set_max_body_size(srv->evhttp, (ev_ssize_t)cfg->max_body_bytes * 4 + 65536);
	evhttp_set_timeout(srv->evhttp, cfg->request_timeout_s);
	open_access_log(srv);
}

int http_server_new(const struct http_env *env, http_server **out)
{
	http_server *srv = calloc(1, sizeof(*srv));

	*out = NULL;
	if (!srv)
		return LL_ENOMEM;
	srv->env = *env;
	srv->evhttp = evhttp_new(env->base);
	if (!srv->evhttp) {
		free(srv);
		return LL_ENOMEM;
	}
	randombytes_buf(&srv->id_prefix, sizeof(srv->id_prefix));
	evhttp_set_allowed_methods(srv->evhttp, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
		EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(srv->evhttp, on_request, srv);
	http_server_apply_config(srv);
	*out = srv;
	return 0;
}

int http_server_listen(http_server *srv, const char *host, int port, int *bound_port)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_storage ss;
	ev_socklen_t sl = sizeof(ss);
	evutil_socket_t fd;

	if (srv->nbound == (int)(sizeof(srv->bound) / sizeof(srv->bound[0])))
		return LL_EINVAL;
	bs = evhttp_bind_socket_with_handle(srv->evhttp, host, (ev_uint16_t)port);
	if (!bs)
		return LL_EIO;
	srv->bound[srv->nbound++] = bs;
	fd = evhttp_bound_socket_get_fd(bs);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return LL_EIO;
	if (ss.ss_family == AF_INET)
		*bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		*bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

int http_server_add_routes(http_server *srv, const struct http_route *routes, size_t n, void *arg)
{
	if (srv->nroutes + n > srv->cap_routes) {
		size_t ncap = (srv->nroutes + n) * 2;
		struct route_entry *r = realloc(srv->routes, ncap * sizeof(*r));

		if (!r)
			return LL_ENOMEM;
		srv->routes = r;
		srv->cap_routes = ncap;
	}
	for (size_t i = 0; i < n; i++) {
		struct route_entry *e = &srv->routes[srv->nroutes++];

		memset(e, 0, sizeof(*e));
		e->route = &routes[i];
		e->arg = arg;
	}
	return 0;
}

void http_server_stop_accepting(http_server *srv)
{
	for (int i = 0; i < srv->nbound; i++)
		evhttp_del_accept_socket(srv->evhttp, srv->bound[i]);
	srv->nbound = 0;
}

uint64_t http_server_in_flight(const http_server *srv)
{
	return srv->in_flight;
}

void http_server_flush(http_server *srv)
{
	if (srv->access_log)
		fflush(srv->access_log);
}

void http_server_free(http_server *srv)
{
	if (!srv)
		return;
	if (srv->evhttp)
		evhttp_free(srv->evhttp);
	if (srv->access_log && !srv->access_log_is_stderr)
		fclose(srv->access_log);
	free(srv->conns.slots);
	free(srv->routes);
	free(srv);
}

static void write_route_metrics(struct evbuffer *out, const char *method, const char *route,
	const struct route_stats *st)
{
	for (int i = 0; i < HTTP_MAX_STATUSES && st->by_status[i].status; i++)
		evbuffer_add_printf(out,
			"lifeline_http_requests_total{method=\"%s\",route=\"%s\",code=\"%d\"} %llu\n",
			method, route, st->by_status[i].status,
			(unsigned long long)st->by_status[i].count);
	if (!st->count)
		return;
	for (int i = 0; i < HTTP_NBUCKETS; i++)
		evbuffer_add_printf(out,
			"lifeline_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%g\"} %llu\n",
			method, route, latency_buckets[i], (unsigned long long)st->buckets[i]);
	evbuffer_add_printf(out,
		"lifeline_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} %llu\n"
		"lifeline_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
		"lifeline_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
		method, route, (unsigned long long)st->count, method, route, st->sum, method, route,
		(unsigned long long)st->count);
}

void http_server_write_metrics(http_server *srv, struct evbuffer *out)
{
	evbuffer_add_printf(out,
		"# HELP lifeline_http_requests_total HTTP requests answered, by route and status.\n"
		"# TYPE lifeline_http_requests_total counter\n"
		"# HELP lifeline_http_request_duration_seconds Time from request to answer.\n"
		"# TYPE lifeline_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < srv->nroutes; i++)
		write_route_metrics(out, srv->routes[i].route->method, srv->routes[i].route->pattern,
			&srv->routes[i].stats);
	write_route_metrics(out, "-", "unmatched", &srv->unmatched);
	evbuffer_add_printf(out,
		"# HELP lifeline_http_connections Open client connections that have sent a request.\n"
		"# TYPE lifeline_http_connections gauge\n"
		"lifeline_http_connections %zu\n"
		"# HELP lifeline_http_connections_rejected_total Connections refused over the limit.\n"
		"# TYPE lifeline_http_connections_rejected_total counter\n"
		"lifeline_http_connections_rejected_total %llu\n"
		"# HELP lifeline_http_requests_in_flight Requests not yet answered.\n"
		"# TYPE lifeline_http_requests_in_flight gauge\n"
		"lifeline_http_requests_in_flight %llu\n",
		srv->conns.used, (unsigned long long)srv->rejected_connections,
		(unsigned long long)srv->in_flight);
}

json_t *http_server_routes_json(http_server *srv)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < srv->nroutes; i++) {
		const struct http_route *r = srv->routes[i].route;

		json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:b}", "method", r->method,
			"path", r->pattern, "public", (r->flags & HTTP_PUBLIC) != 0,
			"write", (r->flags & HTTP_WRITE) != 0));
	}
	return arr;
}
