/*
 * http — Lifeline's HTTP API on libevent's evhttp: the routing table, the
 * JSON error envelope of CONTRACT.md, request ids, the access log, limits,
 * authentication and role checks, audit of state-changing requests, and the
 * per-route request metrics.
 *
 * A request goes: route match (404/405) → body size (413) → bearer token
 * (401) → role (403) → database needed but down (503) → content type (415)
 * → JSON parse and schema validation (400, naming the field) → handler.
 * The handler answers exactly once, now or later from a database callback,
 * with http_reply_json() or http_reply_error(); the context is freed by the
 * reply, so the handler must not touch ctx afterwards.
 *
 * Words: route — one (method, path pattern) with its handler, the roles that
 * may call it, and flags; a pattern segment "{name}" captures a path
 * parameter. A WRITE route changes state: it needs the database and every
 * call is recorded in the audit log with its outcome.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "errors.h"
#include "roles.h"

struct event_base;
struct evbuffer;
struct evhttp_request;
struct config;
struct db_pool;
struct work_pool;
struct auth;
struct audit;
struct schema_registry;

typedef struct http_server http_server;
typedef struct http_ctx http_ctx;
typedef void (*http_handler)(http_ctx *ctx);

enum http_route_flags {
	HTTP_PUBLIC = 1 << 0,   /* no token needed */
	HTTP_WRITE = 1 << 1,    /* changes state: needs the database, audited */
	HTTP_RAW_BODY = 1 << 2, /* body handed over unparsed (CSV imports) */
	HTTP_STREAM = 1 << 3,   /* long-lived answer (event stream): no timeout */
};

struct http_route {
	const char *method;      /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *pattern;     /* "/api/v1/users/{id}" */
	http_handler handler;
	unsigned roles;          /* ROLE_BIT()s allowed; ignored for HTTP_PUBLIC */
	unsigned flags;
	const char *body_schema; /* schema name, e.g. "api/login"; NULL: no body check */
	const char *action;      /* audit action, e.g. "user.create" */
};

/* What handlers may reach; owned by main, outlives the server. */
struct http_env {
	struct event_base *base;
	struct config *cfg;
	struct db_pool *db;
	struct work_pool *work;
	struct auth *auth;
	struct audit *audit;
	struct schema_registry *schemas;
	bool *is_leader;
};

/* The user a request acts as (copied into the context). */
struct http_user {
	int64_t id;
	char username[65];
	char display_name[129];
	enum role role;
	char department[65];
};

int http_server_new(const struct http_env *env, http_server **out) LL_MUST_CHECK;
void http_server_free(http_server *srv);

/* Bind and listen; port 0 picks a free one. *bound_port receives the real port. */
int http_server_listen(http_server *srv, const char *host, int port, int *bound_port) LL_MUST_CHECK;

/* Register routes; the table must outlive the server. arg is handed to handlers. */
int http_server_add_routes(http_server *srv, const struct http_route *routes, size_t n,
	void *arg) LL_MUST_CHECK;

/* Re-read limits and the access log path from env->cfg (after a reload). */
void http_server_apply_config(http_server *srv);

/* Close the listening sockets (shutdown); open connections are still served. */
void http_server_stop_accepting(http_server *srv);
/* Requests received and not yet answered. */
uint64_t http_server_in_flight(const http_server *srv);

/* Flush the access log (janitor). */
void http_server_flush(http_server *srv);

/* Prometheus text for requests, latencies and connections. */
void http_server_write_metrics(http_server *srv, struct evbuffer *out);

/* Every registered route as [{"method":..,"path":..,"public":..,"write":..}]. */
json_t *http_server_routes_json(http_server *srv);

/* Handler side */
const struct http_env *http_ctx_env(http_ctx *ctx);
void *http_ctx_arg(http_ctx *ctx);
json_t *http_ctx_body(http_ctx *ctx);            /* borrowed; NULL when no body */
const char *http_ctx_raw_body(http_ctx *ctx, size_t *len); /* HTTP_RAW_BODY routes */
const char *http_ctx_param(http_ctx *ctx, const char *name);  /* path parameter */
const char *http_ctx_query(http_ctx *ctx, const char *name);  /* query string */
const char *http_ctx_header(http_ctx *ctx, const char *name);
const struct http_user *http_ctx_user(http_ctx *ctx);  /* NULL on public routes */
const char *http_ctx_request_id(http_ctx *ctx);
const char *http_ctx_lang(http_ctx *ctx);        /* "zh" (default) or "en" */
const char *http_ctx_token(http_ctx *ctx);       /* the bearer token, or NULL */
const char *http_ctx_peer(http_ctx *ctx);        /* the client's address, or "-" */
/* A header of the answer to come (e.g. Retry-After). */
void http_ctx_add_header(http_ctx *ctx, const char *name, const char *value);

/* What the audit row says the request acted on; detail is stolen. */
void http_ctx_audit(http_ctx *ctx, const char *object_type, const char *object_id, json_t *detail);
/* Name the actor for public write routes (login: the user name tried). */
void http_ctx_audit_actor(http_ctx *ctx, int64_t id, const char *name);

/*
 * Take the raw request over (event streams): the request is counted and
 * logged with status now, ctx is freed, and the caller answers it with
 * evhttp_send_reply_start/chunk/end.
 */
struct evhttp_request *http_ctx_detach(http_ctx *ctx, int status);

/* Answers. Each frees ctx. http_reply_json steals body; http_reply_text sends
 * (drains) body and the caller frees the evbuffer. */
void http_reply_json(http_ctx *ctx, int status, json_t *body);
void http_reply_error(http_ctx *ctx, int status, const char *code, const char *field,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void http_reply_text(http_ctx *ctx, int status, const char *content_type, struct evbuffer *body);
/* A failed database step: LL_EDBDOWN → 503; unique violation → 409; other → 500. */
void http_reply_db_error(http_ctx *ctx, int err, const PGresult *res);

/*
 * Database steps of a handler, with ctx as the callback's argument:
 * http_db_query() answers 503 itself when the statement cannot be queued;
 * http_db_failed() answers the error and returns true unless res holds rows
 * (PGRES_TUPLES_OK), so a callback starts "if (http_db_failed(...)) return;".
 */
void http_db_query(http_ctx *ctx, const char *sql, int nparams, const char *const *params,
	void (*cb)(int err, PGresult *res, void *ctx));
bool http_db_failed(http_ctx *ctx, int err, const PGresult *res);
