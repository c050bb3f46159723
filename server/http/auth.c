#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "ratelimit.h"
#include "work.h"

#define AUTH_BUCKETS 1024
#define AUTH_CACHE_MAX 20000
#define TOKEN_BYTES 32

struct cache_entry {
	unsigned char hash[crypto_hash_sha256_BYTES];
	struct http_user user;
	int64_t expires_ms;   /* session expiry */
	int64_t checked_ms;   /* when the database last confirmed it */
	struct cache_entry *next;
};

struct auth {
	struct http_env env;
	struct cache_entry *buckets[AUTH_BUCKETS];
	size_t cached;
	char dummy_hash[crypto_pwhash_STRBYTES]; /* verified against for unknown users */
	/*
	 * Password guessing and argon2id's cost (~0.1 s and 64 MiB a try): failed
	 * logins are limited per user name and per client address, and at most
	 * LOGINS_IN_FLIGHT verifications run at once.
	 */
	struct ratelimit *by_user, *by_peer;
	int logins_in_flight;
	int64_t next_purge_ms;   /* when expired sessions are deleted next */
};

int auth_hash_password(const char *password, char *out)
{
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return LL_ENOMEM;
	return 0;
}

#define USER_FAILURES 5          /* per user name ... */
#define PEER_FAILURES 30         /* ... and per client address ... */
#define FAILURE_WINDOW_MS 300000 /* ... in 5 minutes */
#define LOGINS_IN_FLIGHT 8

int auth_new(const struct http_env *env, struct auth **out)
{
	struct auth *a = calloc(1, sizeof(*a));
	unsigned char junk[16];
	char junk_hex[33];

	*out = NULL;
	if (!a)
		return LL_ENOMEM;
	a->env = *env;
	randombytes_buf(junk, sizeof(junk));
	sodium_bin2hex(junk_hex, sizeof(junk_hex), junk, sizeof(junk));
	if (auth_hash_password(junk_hex, a->dummy_hash) != 0 ||
			ratelimit_new(1024, FAILURE_WINDOW_MS, USER_FAILURES, &a->by_user) != 0 ||
			ratelimit_new(1024, FAILURE_WINDOW_MS, PEER_FAILURES, &a->by_peer) != 0) {
		auth_free(a);
		return LL_ENOMEM;
	}
	*out = a;
	return 0;
}

static void cache_clear(struct auth *a)
{
	for (int i = 0; i < AUTH_BUCKETS; i++) {
		struct cache_entry *e = a->buckets[i];

		while (e) {
			struct cache_entry *next = e->next;

			free(e);
			e = next;
		}
		a->buckets[i] = NULL;
	}
	a->cached = 0;
}

void auth_free(struct auth *auth)
{
	if (!auth)
		return;
	cache_clear(auth);
	ratelimit_free(auth->by_user);
	ratelimit_free(auth->by_peer);
	free(auth);
}

static unsigned bucket_of(const unsigned char *hash)
{
	return ((unsigned)hash[0] << 8 | hash[1]) % AUTH_BUCKETS;
}

static struct cache_entry *cache_find(struct auth *a, const unsigned char *hash)
{
	for (struct cache_entry *e = a->buckets[bucket_of(hash)]; e; e = e->next)
		if (sodium_memcmp(e->hash, hash, sizeof(e->hash)) == 0)
			return e;
	return NULL;
}

static void cache_remove(struct auth *a, const unsigned char *hash)
{
	struct cache_entry **pp = &a->buckets[bucket_of(hash)];

	for (; *pp; pp = &(*pp)->next) {
		if (sodium_memcmp((*pp)->hash, hash, sizeof((*pp)->hash)) == 0) {
			struct cache_entry *e = *pp;

			*pp = e->next;
			free(e);
			a->cached--;
			return;
		}
	}
}

static void cache_put(struct auth *a, const unsigned char *hash, const struct http_user *u,
	int64_t expires_ms)
{
	struct cache_entry *e = cache_find(a, hash);

	if (!e) {
		if (a->cached >= AUTH_CACHE_MAX)
			cache_clear(a);
		e = calloc(1, sizeof(*e));
		if (!e)
			return;
		memcpy(e->hash, hash, sizeof(e->hash));
		e->next = a->buckets[bucket_of(hash)];
		a->buckets[bucket_of(hash)] = e;
		a->cached++;
	}
	e->user = *u;
	e->expires_ms = expires_ms;
	e->checked_ms = clock_mono_ms();
}

static void on_purged(int err, PGresult *res, void *arg)
{
	(void)arg;
	if (!err && PQresultStatus(res) == PGRES_COMMAND_OK && atoi(PQcmdTuples(res)) > 0)
		log_info("deleted %s expired sessions", PQcmdTuples(res));
}

/* Expired sessions are kept a day (for the audit's sake), then deleted: at start, then every 10 min. */
static void purge_sessions(struct auth *auth, int64_t now)
{
	if (now < auth->next_purge_ms || !auth->env.db || !db_pool_up(auth->env.db))
		return;
	auth->next_purge_ms = now + 10 * 60 * 1000;
	if (db_query_background(auth->env.db,
			"DELETE FROM sessions WHERE expires_at < now() - interval '1 day'", 0, NULL,
			on_purged, NULL) != 0)
		auth->next_purge_ms = now;
}

void auth_janitor(struct auth *auth)
{
	int64_t now = clock_now_ms();

	purge_sessions(auth, now);
	for (int i = 0; i < AUTH_BUCKETS; i++) {
		struct cache_entry **pp = &auth->buckets[i];

		while (*pp) {
			if ((*pp)->expires_ms <= now) {
				struct cache_entry *e = *pp;

				*pp = e->next;
				free(e);
				auth->cached--;
			} else {
				pp = &(*pp)->next;
			}
		}
	}
}

static void token_hash(const char *token, unsigned char *hash, char *hex)
{
	crypto_hash_sha256(hash, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(hex, crypto_hash_sha256_BYTES * 2 + 1, hash, crypto_hash_sha256_BYTES);
}

/* Fill a user from columns id, username, display_name, role, department. */
static void user_from_row(const PGresult *res, int row, struct http_user *u)
{
	int role;

	memset(u, 0, sizeof(*u));
	u->id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
	snprintf(u->username, sizeof(u->username), "%s", PQgetvalue(res, row, 1));
	snprintf(u->display_name, sizeof(u->display_name), "%s", PQgetvalue(res, row, 2));
	role = role_parse(PQgetvalue(res, row, 3));
	u->role = role < 0 ? ROLE_VIEWER : (enum role)role;
	snprintf(u->department, sizeof(u->department), "%s", PQgetvalue(res, row, 4));
}

json_t *auth_user_json(const struct http_user *u)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)u->id,
		"username", u->username, "display_name", u->display_name,
		"role", role_name(u->role),
		"department", u->department[0] ? json_string(u->department) : json_null());
}

/* ---------- token resolution ---------- */

struct resolve {
	struct auth *auth;
	unsigned char hash[crypto_hash_sha256_BYTES];
	auth_resolve_cb cb;
	void *arg;
};

/* The database could not answer: a cached (even stale) unexpired entry still serves. */
static void resolve_from_stale(struct auth *a, const unsigned char *hash, auth_resolve_cb cb, void *arg)
{
	struct cache_entry *e = cache_find(a, hash);

	if (e && e->expires_ms > clock_now_ms()) {
		struct http_user u = e->user;

		cb(0, &u, arg);
		return;
	}
	cb(LL_EDBDOWN, NULL, arg);
}

static void on_session_row(int err, PGresult *res, void *arg)
{
	struct resolve *r = arg;
	struct auth *a = r->auth;
	auth_resolve_cb cb = r->cb;
	void *cb_arg = r->arg;
	unsigned char hash[crypto_hash_sha256_BYTES];

	memcpy(hash, r->hash, sizeof(hash));
	free(r);
	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (!err)
			log_warn("token lookup failed: %s", PQresultErrorMessage(res));
		resolve_from_stale(a, hash, cb, cb_arg);
		return;
	}
	if (PQntuples(res) != 1) {
		cache_remove(a, hash);
		cb(LL_EAUTH, NULL, cb_arg);
		return;
	}
	{
		struct http_user u;
		int64_t expires = strtoll(PQgetvalue(res, 0, 5), NULL, 10);

		user_from_row(res, 0, &u);
		cache_put(a, hash, &u, expires);
		cb(0, &u, cb_arg);
	}
}

void auth_resolve(struct auth *auth, const char *token, auth_resolve_cb cb, void *arg)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	struct cache_entry *e;
	struct resolve *r;
	const char *params[1] = { hex };

	token_hash(token, hash, hex);
	e = cache_find(auth, hash);
	if (e && e->expires_ms > clock_now_ms() &&
		clock_mono_ms() - e->checked_ms < (int64_t)auth->env.cfg->token_cache_s * 1000) {
		struct http_user u = e->user;

		cb(0, &u, arg);
		return;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		cb(LL_ENOMEM, NULL, arg);
		return;
	}
	r->auth = auth;
	memcpy(r->hash, hash, sizeof(hash));
	r->cb = cb;
	r->arg = arg;
	if (db_query(auth->env.db,
			"SELECT u.id, u.username, coalesce(u.display_name, ''), u.role, "
			"coalesce(u.department, ''), "
			"(extract(epoch FROM s.expires_at) * 1000)::bigint "
			"FROM sessions s JOIN users u ON u.id = s.user_id "
			"WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled",
			1, params, on_session_row, r) != 0) {
		free(r);
		resolve_from_stale(auth, hash, cb, arg);
	}
}

/* ---------- login ---------- */

struct login {
	http_ctx *ctx;
	struct auth *auth;
	char *password;
	char hash[crypto_pwhash_STRBYTES];
	bool found, disabled, ok;
	struct http_user user;
	char token[sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	char user_key[80], peer_key[80];  /* the rate limits' keys */
};

static void login_free(struct login *l)
{
	l->auth->logins_in_flight--;
	if (l->password) {
		sodium_memzero(l->password, strlen(l->password));
		free(l->password);
	}
	sodium_memzero(l->token, sizeof(l->token));
	free(l);
}

static void login_fail(struct login *l)
{
	http_ctx *ctx = l->ctx;
	int64_t now = clock_now_ms();

	ratelimit_fail(l->auth->by_user, l->user_key, now);
	ratelimit_fail(l->auth->by_peer, l->peer_key, now);
	login_free(l);
	http_reply_error(ctx, 401, "login_failed", NULL, "wrong user name or password");
}

static void on_session_stored(int err, PGresult *res, void *arg)
{
	struct login *l = arg;
	http_ctx *ctx = l->ctx;
	json_t *body;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		http_reply_db_error(ctx, err, res);
		login_free(l);
		return;
	}
	body = json_pack("{s:s, s:s, s:o}", "token", l->token, "expires_at", PQgetvalue(res, 0, 0),
		"user", auth_user_json(&l->user));
	log_info("[req %s] %s logged in", http_ctx_request_id(ctx), l->user.username);
	ratelimit_clear(l->auth->by_user, l->user_key);
	login_free(l);
	http_reply_json(ctx, 200, body);
}

static void login_verify_run(void *arg)
{
	struct login *l = arg;
	const char *hash = l->found ? l->hash : l->auth->dummy_hash;

	l->ok = crypto_pwhash_str_verify(hash, l->password, strlen(l->password)) == 0 && l->found &&
		!l->disabled;
}

static void login_verify_done(void *arg, bool cancelled)
{
	struct login *l = arg;
	unsigned char raw[TOKEN_BYTES];
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1], uid[24], ttl[24];
	const char *params[3] = { hex, uid, ttl };

	if (cancelled || !l->ok) {
		login_fail(l);
		return;
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(l->token, sizeof(l->token), raw, sizeof(raw),
		sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	token_hash(l->token, hash, hex);
	snprintf(uid, sizeof(uid), "%lld", (long long)l->user.id);
	snprintf(ttl, sizeof(ttl), "%d", l->auth->env.cfg->token_ttl_s);
	if (db_query(l->auth->env.db,
			"INSERT INTO sessions (token_hash, user_id, expires_at) "
			"VALUES ($1, $2, now() + make_interval(secs => $3::int)) "
			"RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
			3, params, on_session_stored, l) != 0) {
		http_reply_db_error(l->ctx, LL_EDBDOWN, NULL);
		login_free(l);
	}
}

static void on_user_row(int err, PGresult *res, void *arg)
{
	struct login *l = arg;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		http_reply_db_error(l->ctx, err, res);
		login_free(l);
		return;
	}
	if (PQntuples(res) == 1) {
		l->found = true;
		user_from_row(res, 0, &l->user);
		snprintf(l->hash, sizeof(l->hash), "%s", PQgetvalue(res, 0, 5));
		l->disabled = PQgetvalue(res, 0, 6)[0] == 't';
		http_ctx_audit_actor(l->ctx, l->user.id, l->user.username);
	}
	/* Unknown users are verified against a dummy hash: same time either way. */
	if (work_submit(l->auth->env.work, login_verify_run, login_verify_done, l) != 0) {
		http_reply_error(l->ctx, 500, "internal", NULL, "out of memory");
		login_free(l);
	}
}

static void handle_login(http_ctx *ctx)
{
	struct auth *a = http_ctx_arg(ctx);
	json_t *body = http_ctx_body(ctx);
	const char *username = json_string_value(json_object_get(body, "username"));
	const char *password = json_string_value(json_object_get(body, "password"));
	struct login *l = calloc(1, sizeof(*l));
	const char *params[1] = { username };

	char user_key[80], peer_key[80], retry[24];
	int64_t now = clock_now_ms(), wait;

	http_ctx_audit_actor(ctx, 0, username);
	http_ctx_audit(ctx, "session", NULL, NULL);
	snprintf(user_key, sizeof(user_key), "u:%s", username);
	snprintf(peer_key, sizeof(peer_key), "p:%s", http_ctx_peer(ctx));
	wait = ratelimit_wait_ms(a->by_user, user_key, now);
	if (ratelimit_wait_ms(a->by_peer, peer_key, now) > wait)
		wait = ratelimit_wait_ms(a->by_peer, peer_key, now);
	if (wait > 0) {
		free(l);
		snprintf(retry, sizeof(retry), "%lld", (long long)(wait + 999) / 1000);
		http_ctx_add_header(ctx, "Retry-After", retry);
		log_warn("[req %s] login of %s from %s refused: too many failed attempts",
			http_ctx_request_id(ctx), username, http_ctx_peer(ctx));
		http_reply_error(ctx, 429, "too_many_attempts", NULL,
			"too many failed logins; try again in %lld s", (long long)(wait + 999) / 1000);
		return;
	}
	if (a->logins_in_flight >= LOGINS_IN_FLIGHT) {
		free(l);
		http_ctx_add_header(ctx, "Retry-After", "1");
		http_reply_error(ctx, 503, "busy", NULL, "too many logins at once; try again shortly");
		return;
	}
	if (!l || !(l->password = strdup(password))) {
		free(l);
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	a->logins_in_flight++;
	l->ctx = ctx;
	l->auth = a;
	memcpy(l->user_key, user_key, sizeof(user_key));
	memcpy(l->peer_key, peer_key, sizeof(peer_key));
	if (db_query(a->env.db,
			"SELECT id, username, coalesce(display_name, ''), role, coalesce(department, ''), "
			"password_hash, disabled FROM users WHERE username = $1",
			1, params, on_user_row, l) != 0) {
		login_free(l);
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
	}
}

/* ---------- logout, me ---------- */

static void on_logout(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;

	if (err || PQresultStatus(res) != PGRES_COMMAND_OK) {
		http_reply_db_error(ctx, err, res);
		return;
	}
	http_reply_json(ctx, 200, json_pack("{s:b}", "ok", 1));
}

static void handle_logout(http_ctx *ctx)
{
	struct auth *a = http_ctx_arg(ctx);
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	const char *params[1] = { hex };

	token_hash(http_ctx_token(ctx), hash, hex);
	cache_remove(a, hash);
	http_ctx_audit(ctx, "session", NULL, NULL);
	if (db_query(a->env.db, "DELETE FROM sessions WHERE token_hash = $1", 1, params, on_logout,
			ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
}

static void handle_me(http_ctx *ctx)
{
	http_reply_json(ctx, 200, auth_user_json(http_ctx_user(ctx)));
}

/* ---------- users (admin) ---------- */

struct user_create {
	http_ctx *ctx;
	struct auth *auth;
	char *password;
	char hash[crypto_pwhash_STRBYTES];
	int rc;
};

static void on_user_inserted(int err, PGresult *res, void *arg)
{
	struct user_create *uc = arg;
	http_ctx *ctx = uc->ctx;
	struct http_user u;

	free(uc);
	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

		if (state && strcmp(state, "23505") == 0) {
			http_reply_error(ctx, 409, "user_exists", "/username", "this user name is taken");
			return;
		}
		if (state && strcmp(state, "23503") == 0) {
			http_reply_error(ctx, 400, "unknown_department", "/department",
				"no such department");
			return;
		}
		http_reply_db_error(ctx, err, res);
		return;
	}
	user_from_row(res, 0, &u);
	http_ctx_audit(ctx, "user", PQgetvalue(res, 0, 0), json_pack("{s:s, s:s}", "username",
		u.username, "role", role_name(u.role)));
	http_reply_json(ctx, 201, auth_user_json(&u));
}

static void user_hash_run(void *arg)
{
	struct user_create *uc = arg;

	uc->rc = auth_hash_password(uc->password, uc->hash);
	sodium_memzero(uc->password, strlen(uc->password));
}

static void user_hash_done(void *arg, bool cancelled)
{
	struct user_create *uc = arg;
	http_ctx *ctx = uc->ctx;
	json_t *body = http_ctx_body(ctx);
	json_t *dept = json_object_get(body, "department");
	json_t *dn = json_object_get(body, "display_name");
	const char *params[5];

	free(uc->password);
	uc->password = NULL;
	if (cancelled || uc->rc != 0) {
		free(uc);
		http_reply_error(ctx, 500, "internal", NULL, "could not hash the password");
		return;
	}
	params[0] = json_string_value(json_object_get(body, "username"));
	params[1] = dn ? json_string_value(dn) : NULL;
	params[2] = uc->hash;
	params[3] = json_string_value(json_object_get(body, "role"));
	params[4] = json_is_string(dept) ? json_string_value(dept) : NULL;
	if (db_query(uc->auth->env.db,
			"INSERT INTO users (username, display_name, password_hash, role, department) "
			"VALUES ($1, $2, $3, $4, $5) RETURNING id, username, coalesce(display_name, ''), "
			"role, coalesce(department, '')",
			5, params, on_user_inserted, uc) != 0) {
		free(uc);
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
	}
}

static void handle_user_create(http_ctx *ctx)
{
	struct user_create *uc = calloc(1, sizeof(*uc));
	const char *pw = json_string_value(json_object_get(http_ctx_body(ctx), "password"));

	if (!uc || !(uc->password = strdup(pw))) {
		free(uc);
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	uc->ctx = ctx;
	uc->auth = http_ctx_arg(ctx);
	if (work_submit(uc->auth->env.work, user_hash_run, user_hash_done, uc) != 0) {
		free(uc->password);
		free(uc);
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
	}
}

static void on_users(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	json_t *arr;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK) {
		http_reply_db_error(ctx, err, res);
		return;
	}
	arr = json_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct http_user u;

		user_from_row(res, i, &u);
		json_array_append_new(arr, auth_user_json(&u));
	}
	http_reply_json(ctx, 200, json_pack("{s:o}", "users", arr));
}

static void handle_users(http_ctx *ctx)
{
	struct auth *a = http_ctx_arg(ctx);

	if (db_query(a->env.db,
			"SELECT id, username, coalesce(display_name, ''), role, coalesce(department, '') "
			"FROM users WHERE NOT disabled ORDER BY username", 0, NULL, on_users, ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
}

static const struct http_route auth_routes[] = {
	{ "POST", "/api/v1/auth/login", handle_login, 0, HTTP_PUBLIC | HTTP_WRITE, "api/login",
		"auth.login" },
	{ "POST", "/api/v1/auth/logout", handle_logout, ROLES_ALL, HTTP_WRITE, NULL, "auth.logout" },
	{ "GET", "/api/v1/me", handle_me, ROLES_ALL, 0, NULL, NULL },
	{ "GET", "/api/v1/users", handle_users, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_IT), 0, NULL,
		NULL },
	{ "POST", "/api/v1/users", handle_user_create, ROLE_BIT(ROLE_ADMIN), HTTP_WRITE,
		"api/user-create", "user.create" },
};

int auth_add_routes(struct auth *auth, http_server *srv)
{
	return http_server_add_routes(srv, auth_routes, sizeof(auth_routes) / sizeof(auth_routes[0]),
		auth);
}
