/*
 * auth — who is calling: users with roles and departments, passwords hashed
 * with argon2id (libsodium crypto_pwhash_str), and bearer tokens.
 *
 * A token is 32 random bytes, base64url; the database keeps only its SHA-256
 * (sessions.token_hash) and an expiry. Resolved tokens are cached in memory
 * for auth.token_cache_s seconds, so that reads keep working while the
 * database is away (a cached token stays good until it expires), and so that
 * a busy ward does not cost a query per request. A revoked token is dropped
 * from this instance's cache at once, and from other instances' within the
 * cache time.
 *
 * Password hashing is CPU work: it runs on the worker pool, never the loop.
 */
#pragma once

#include <stddef.h>
#include <sodium.h>

#include "errors.h"
#include "http.h"

struct auth;

int auth_new(const struct http_env *env, struct auth **out) LL_MUST_CHECK;
void auth_free(struct auth *auth);

/* Routes: login, logout, me, users. */
int auth_add_routes(struct auth *auth, http_server *srv) LL_MUST_CHECK;

/*
 * Resolve a bearer token. cb runs exactly once — at once on a fresh cache
 * hit, else from a database callback. rc: 0 (user set), LL_EAUTH (bad or
 * expired token), LL_EDBDOWN (not cached and the database is unavailable).
 */
typedef void (*auth_resolve_cb)(int rc, const struct http_user *user, void *arg);
void auth_resolve(struct auth *auth, const char *token, auth_resolve_cb cb, void *arg);

/* Drop expired cache entries (janitor). */
void auth_janitor(struct auth *auth);

/* Hash a password (blocking; ~0.1 s). out holds crypto_pwhash_STRBYTES. */
int auth_hash_password(const char *password, char *out) LL_MUST_CHECK;

/* A user as the API shows it. */
json_t *auth_user_json(const struct http_user *u);
