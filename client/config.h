/*
 * config — what the client keeps between runs: the saved login.
 *
 * `lifeline login` writes one small JSON file, the token file:
 *
 *     {"version": 1, "server": "http://127.0.0.1:8580", "token": "...",
 *      "username": "nurse", "expires_at": "2026-11-22T13:00:00Z"}
 *
 * at $LIFELINE_TOKEN_FILE, else $XDG_CONFIG_HOME/lifeline/token, else
 * ~/.config/lifeline/token. The server is kept beside the token in the same
 * file so the two can never disagree, and so the token is only ever sent to
 * the server that issued it. `lifeline logout` rewrites the file as
 * {"version": 1, "server": "..."}: the token is gone, the server stays, so
 * the next login on this computer goes to the same place. Directories made for it are 0700, the file is
 * 0600, and it is replaced atomically (temporary file, fsync, rename), so a
 * crash leaves the old login or the new one, never half of either.
 *
 * Functions return 0 or a negative LL_E* code; on LL_EIO errno says why.
 */
#pragma once

#include <stddef.h>

#include "errors.h"

struct config_login {
	char *server;     /* base URL, no trailing '/' */
	char *token;      /* NULL after a logout */
	char *username;   /* may be NULL */
	char *expires_at; /* RFC 3339, may be NULL */
};

/*
 * The token file's path, newly allocated (free()). LL_ENOTFOUND when there
 * is no LIFELINE_TOKEN_FILE, XDG_CONFIG_HOME or home directory.
 */
int config_token_path(char **out) LL_MUST_CHECK;

/*
 * Read the token file. *out is newly allocated (config_login_free()).
 * LL_ENOTFOUND when there is no file; LL_EINVAL when it is not a token file
 * (no server); LL_EIO when it cannot be read.
 */
int config_login_load(const char *path, struct config_login **out) LL_MUST_CHECK;

/*
 * Write the token file atomically, making missing directories 0700. server
 * is required; token, username and expires_at may be NULL (a logout keeps
 * only the server).
 */
int config_login_save(const char *path, const char *server, const char *token,
	const char *username, const char *expires_at) LL_MUST_CHECK;

/*
 * Replace the file at path with len bytes of data atomically (temporary
 * file beside it, fsync, rename), the file 0600, missing directories made
 * 0700. For anything private the client keeps: the token file, the offline
 * census cache, a printed PDF. On LL_EIO errno says why.
 */
int config_write_private(const char *path, const void *data, size_t len) LL_MUST_CHECK;

/* Delete the token file; 0 also when there was none. */
int config_login_remove(const char *path) LL_MUST_CHECK;

/* Frees a login; NULL is fine. */
void config_login_free(struct config_login *login);

/* A copy of url without trailing '/' (free()); NULL when out of memory. */
char *config_server_normalize(const char *url);
