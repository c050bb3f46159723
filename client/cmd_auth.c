#include "cmd_auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "tty.h"

#define PASSWORD_MAX 1024

static const char *io_reason(int rc)
{
	return rc == LL_EIO ? strerror(errno) : lifeline_strerror(rc);
}

/* The password, from stdin or the terminal; 0 or an exit status on failure. */
static int read_password(const struct cli_args *args, const char *username, char *buf,
	size_t size)
{
	char prompt[256];
	int rc;

	if (cli_flag(args, "password-stdin")) {
		rc = tty_read_stdin_line(buf, size);
	} else {
		snprintf(prompt, sizeof(prompt), i18n_get(I18N_PROMPT_PASSWORD), username);
		rc = tty_read_secret(prompt, buf, size);
		if (rc == LL_ENOTFOUND) {
			cli_err("%s", i18n_get(I18N_ERR_NO_TTY));
			return CLI_EXIT_USAGE;
		}
	}
	if (rc != 0) {
		cli_err(i18n_get(I18N_ERR_PASSWORD_READ), io_reason(rc));
		return rc == LL_ETOOBIG ? CLI_EXIT_USAGE : CLI_EXIT_REFUSED;
	}
	if (buf[0] == '\0') {
		cli_err("%s", i18n_get(I18N_ERR_EMPTY_PASSWORD));
		return CLI_EXIT_USAGE;
	}
	return 0;
}

/* Revoke a token we cannot keep; best effort, the answer does not matter. */
static void revoke_quietly(struct cli_ctx *ctx, const char *token)
{
	const char *before = ctx->api->token;
	json_t *answer = NULL;
	long status;
	int rc;

	ctx->api->token = token;
	rc = api_request(ctx->api, "POST", "/api/v1/auth/logout", NULL, &status, &answer);
	(void)rc; /* nothing more to do whatever the answer */
	json_decref(answer);
	ctx->api->token = before;
}

int cmd_login(struct cli_ctx *ctx, const struct cli_args *args)
{
	const char *username = cli_arg(args, 0);
	const char *before = ctx->api->token;
	const char *token, *expires_at, *saved_name;
	char password[PASSWORD_MAX];
	char who[256], when[64];
	json_t *body, *answer = NULL;
	const json_t *user;
	int rc;

	if (!ctx->token_path) {
		cli_err("%s", i18n_get(I18N_ERR_NO_TOKEN_PATH));
		return CLI_EXIT_REFUSED;
	}
	rc = read_password(args, username, password, sizeof(password));
	if (rc != 0) {
		explicit_bzero(password, sizeof(password));
		return rc;
	}
	body = json_pack("{s:s, s:s}", "username", username, "password", password);
	explicit_bzero(password, sizeof(password));
	if (!body) {
		cli_err("%s", i18n_get(I18N_ERR_NOMEM));
		return CLI_EXIT_REFUSED;
	}

	/* Logging in sends no old token, which may belong to someone else. */
	ctx->api->token = NULL;
	rc = cli_call(ctx, "POST", "/api/v1/auth/login", body, NULL, &answer);
	ctx->api->token = before;
	json_decref(body);
	if (rc != CLI_EXIT_OK)
		return rc;

	token = json_string_value(json_object_get(answer, "token"));
	expires_at = json_string_value(json_object_get(answer, "expires_at"));
	user = json_object_get(answer, "user");
	if (!token || !*token) {
		cli_err("%s", i18n_get(I18N_ERR_LOGIN_RESPONSE));
		rc = CLI_EXIT_REFUSED;
		goto done;
	}
	saved_name = json_string_value(json_object_get(user, "username"));
	rc = config_login_save(ctx->token_path, ctx->server, token,
		saved_name ? saved_name : username, expires_at);
	if (rc != 0) {
		cli_err(i18n_get(I18N_ERR_TOKEN_SAVE), ctx->token_path, io_reason(rc));
		/* Nobody could use this session again: do not leave it valid. */
		revoke_quietly(ctx, token);
		rc = CLI_EXIT_REFUSED;
		goto done;
	}

	if (ctx->json) {
		cli_print_json(answer);
	} else {
		if (json_is_object(user))
			cli_user_text(user, who, sizeof(who));
		else
			snprintf(who, sizeof(who), "%s", username);
		printf(i18n_get(I18N_LOGIN_OK), who, cli_time_text(expires_at, when, sizeof(when)));
	}
	rc = CLI_EXIT_OK;
done:
	json_decref(answer);
	return rc;
}

/* Rewrite the token file with the server only; remove it if even that fails. */
static int forget_token(const struct cli_ctx *ctx)
{
	if (config_login_save(ctx->token_path, ctx->saved->server, NULL, NULL, NULL) == 0)
		return 0;
	return config_login_remove(ctx->token_path);
}

int cmd_logout(struct cli_ctx *ctx, const struct cli_args *args)
{
	json_t *answer = NULL;
	long status;
	bool forget;
	int rc, exit_code = CLI_EXIT_OK;

	(void)args;
	if (!ctx->token) {
		if (ctx->json)
			cli_print_json(NULL);
		else
			fputs(i18n_get(I18N_LOGOUT_NOT_LOGGED_IN), stdout);
		return CLI_EXIT_OK;
	}
	/* The saved token goes only when it is the one being logged out. */
	forget = ctx->saved && ctx->saved->token && ctx->token_path &&
		strcmp(ctx->saved->token, ctx->token) == 0;

	rc = api_request(ctx->api, "POST", "/api/v1/auth/logout", NULL, &status, &answer);

	/*
	 * Forget the local copy whatever the server said: on a shared ward
	 * computer the saved token is the exposure that matters. The server URL
	 * stays, for the next login.
	 */
	if (forget && forget_token(ctx) != 0) {
		cli_err(i18n_get(I18N_ERR_TOKEN_REMOVE), ctx->token_path, strerror(errno));
		exit_code = CLI_EXIT_REFUSED;
	}

	if (rc == API_OK || (rc == API_EHTTP && status == 401)) {
		/* 401: the token was already dead (expired, revoked); that is logged out too. */
		if (ctx->json)
			cli_print_json(rc == API_OK ? answer : NULL);
		else
			fputs(i18n_get(rc == API_OK ? I18N_LOGOUT_OK : I18N_LOGOUT_ALREADY_INVALID),
				stdout);
	} else {
		if (ctx->json && rc == API_EHTTP && json_is_object(json_object_get(answer, "error")))
			cli_print_json(answer);
		exit_code = cli_report_failure(ctx, rc, status, answer);
		if (forget)
			cli_err("%s", i18n_get(I18N_LOGOUT_LOCAL_ONLY));
	}
	json_decref(answer);
	return exit_code;
}
