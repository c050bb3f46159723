/*
 * `lifeline status`: the server's health, who the token belongs to, and —
 * for a valid login — the monitored HIS targets and the open outages. The
 * last two come from newer servers only: a 404 (an older server) or a 401
 * leaves them out, a 403 says they are not visible to this user, and any
 * other failure is reported after everything else is shown.
 */
#include "cmd_auth.h"

#include <string.h>

#include "api.h"
#include "config.h"
#include "outage_view.h"

enum me_state {
	ME_NO_TOKEN,
	ME_OK,
	ME_INVALID, /* 401: expired or revoked */
	ME_FAILED,  /* another refusal, reported after the summary */
};

/* One optional part of the status: the targets, the open outages. */
enum part_state {
	PART_NOT_ASKED,  /* no valid login */
	PART_OK,         /* value holds the array */
	PART_ABSENT,     /* 404 or 401: left out */
	PART_FORBIDDEN,  /* 403 */
	PART_FAILED,     /* reported after the summary; rc, status, answer say why */
};

struct part {
	const char *path;
	const char *key;         /* the array in the answer */
	enum part_state state;
	int rc;
	long status;
	json_t *answer;          /* owned */
	json_t *value;           /* borrowed from answer */
};

static const char *node_text(const char *role)
{
	if (!role)
		return "?";
	if (strcmp(role, "leader") == 0)
		return i18n_get(I18N_NODE_LEADER);
	if (strcmp(role, "standby") == 0)
		return i18n_get(I18N_NODE_STANDBY);
	return role;
}

static const char *db_text(const char *db)
{
	if (!db)
		return "?";
	if (strcmp(db, "ok") == 0)
		return i18n_get(I18N_DB_OK);
	if (strcmp(db, "down") == 0)
		return i18n_get(I18N_DB_DOWN);
	return db;
}

static void fetch_part(struct cli_ctx *ctx, struct part *p)
{
	p->rc = api_request(ctx->api, "GET", p->path, NULL, &p->status, &p->answer);
	if (p->rc == API_OK) {
		p->value = json_object_get(p->answer, p->key);
		if (json_is_array(p->value)) {
			p->state = PART_OK;
			return;
		}
		p->rc = API_EBADRESPONSE;
	} else if (p->rc == API_EHTTP && (p->status == 404 || p->status == 401)) {
		p->state = PART_ABSENT;
		return;
	} else if (p->rc == API_EHTTP && p->status == 403) {
		p->state = PART_FORBIDDEN;
		return;
	}
	p->state = PART_FAILED;
	p->value = NULL;
}

static void print_targets(const struct part *p)
{
	switch (p->state) {
	case PART_OK:
		if (json_array_size(p->value) == 0) {
			fputs(i18n_get(I18N_STATUS_NO_TARGETS), stdout);
			break;
		}
		fputs(i18n_get(I18N_STATUS_TARGETS), stdout);
		if (outage_view_targets(stdout, p->value) != 0)
			cli_err("%s", i18n_get(I18N_ERR_NOMEM));
		break;
	case PART_FORBIDDEN:
		fputs(i18n_get(I18N_STATUS_TARGETS_FORBIDDEN), stdout);
		break;
	case PART_FAILED:
		fputs(i18n_get(I18N_STATUS_TARGETS_FAILED), stdout);
		break;
	case PART_NOT_ASKED:
	case PART_ABSENT:
		break;
	}
}

static void print_outages(const struct part *p)
{
	const json_t *o;
	size_t i;

	switch (p->state) {
	case PART_OK:
		if (json_array_size(p->value) == 0) {
			fputs(i18n_get(I18N_STATUS_NO_OUTAGE), stdout);
			break;
		}
		json_array_foreach(p->value, i, o) {
			fputc('\n', stdout);
			outage_view_block(stdout, o, false);
		}
		break;
	case PART_FORBIDDEN:
		fputs(i18n_get(I18N_STATUS_OUTAGES_FORBIDDEN), stdout);
		break;
	case PART_FAILED:
		fputs(i18n_get(I18N_STATUS_OUTAGES_FAILED), stdout);
		break;
	case PART_NOT_ASKED:
	case PART_ABSENT:
		break;
	}
}

static void print_status(const struct cli_ctx *ctx, const json_t *health, const json_t *me,
	enum me_state state)
{
	const char *s = json_string_value(json_object_get(health, "status"));
	const char *version = json_string_value(json_object_get(health, "version"));
	char who[256];

	printf(i18n_get(I18N_STATUS_SERVER), ctx->server, version ? version : "?",
		node_text(json_string_value(json_object_get(health, "role"))));
	if (s && strcmp(s, "ok") != 0)
		printf(i18n_get(I18N_STATUS_STATE), s);
	printf(i18n_get(I18N_STATUS_DB), db_text(json_string_value(json_object_get(health, "db"))));
	switch (state) {
	case ME_OK:
		printf(i18n_get(I18N_STATUS_USER), cli_user_text(me, who, sizeof(who)));
		break;
	case ME_INVALID:
		fputs(i18n_get(I18N_STATUS_TOKEN_INVALID), stdout);
		break;
	case ME_FAILED:
		fputs(i18n_get(I18N_STATUS_ME_FAILED), stdout);
		break;
	case ME_NO_TOKEN:
		fputs(i18n_get(I18N_STATUS_NOT_LOGGED_IN), stdout);
		if (ctx->saved && ctx->saved->token && strcmp(ctx->saved->server, ctx->server) != 0)
			printf(i18n_get(I18N_STATUS_SAVED_OTHER), ctx->saved->server);
		break;
	}
}

/* The first failure's exit status, reporting each failure on stderr. */
static int report_part(struct cli_ctx *ctx, const struct part *p, int rc)
{
	int part_rc;

	if (p->state != PART_FAILED)
		return rc;
	part_rc = cli_report_failure(ctx, p->rc, p->status, p->answer);
	return rc == CLI_EXIT_OK ? part_rc : rc;
}

int cmd_status(struct cli_ctx *ctx, const struct cli_args *args)
{
	json_t *health = NULL, *me = NULL, *out;
	struct part targets = {.path = "/api/v1/targets", .key = "targets"};
	struct part outages = {.path = "/api/v1/outages?open=1", .key = "outages"};
	enum me_state state = ME_NO_TOKEN;
	long status, me_status = 0;
	int rc, me_rc = API_OK;

	(void)args;
	rc = api_request(ctx->api, "GET", "/api/v1/health", NULL, &status, &health);
	/* An unhealthy server may answer 503 with the health document: show it. */
	if (rc == API_EHTTP && json_is_string(json_object_get(health, "status")))
		rc = API_OK;
	if (rc == API_OK && !json_is_object(health))
		rc = API_EBADRESPONSE;
	if (rc != API_OK) {
		rc = cli_report_failure(ctx, rc, status, health);
		json_decref(health);
		return rc;
	}

	if (ctx->token) {
		me_rc = api_request(ctx->api, "GET", "/api/v1/me", NULL, &me_status, &me);
		if (me_rc == API_OK && json_is_object(me)) {
			state = ME_OK;
		} else if (me_rc == API_EHTTP && me_status == 401) {
			state = ME_INVALID;
		} else if (me_rc == API_EUNREACHABLE) {
			/* It went away between the two requests. */
			rc = cli_report_failure(ctx, me_rc, me_status, me);
			goto done;
		} else {
			state = ME_FAILED;
			if (me_rc == API_OK)
				me_rc = API_EBADRESPONSE;
		}
	}
	if (state == ME_OK) {
		fetch_part(ctx, &targets);
		fetch_part(ctx, &outages);
	}

	if (ctx->json) {
		out = json_pack("{s:s, s:O, s:O?, s:O?, s:O?}", "server", ctx->server,
			"health", health, "me", state == ME_OK ? me : NULL,
			"targets", targets.state == PART_OK ? targets.value : NULL,
			"outages", outages.state == PART_OK ? outages.value : NULL);
		if (!out) {
			cli_err("%s", i18n_get(I18N_ERR_NOMEM));
			rc = CLI_EXIT_REFUSED;
			goto done;
		}
		cli_print_json(out);
		json_decref(out);
	} else {
		print_status(ctx, health, me, state);
		print_targets(&targets);
		print_outages(&outages);
	}
	rc = CLI_EXIT_OK;
	if (state == ME_FAILED)
		rc = cli_report_failure(ctx, me_rc, me_status, me);
	rc = report_part(ctx, &targets, rc);
	rc = report_part(ctx, &outages, rc);
done:
	json_decref(targets.answer);
	json_decref(outages.answer);
	json_decref(me);
	json_decref(health);
	return rc;
}
