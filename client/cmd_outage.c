#include "cmd_outage.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "outage.h"
#include "outage_view.h"

#define PATH_SIZE 128
#define AT_SIZE 32

/* ---------- usage checks ---------- */

static bool blank(const char *text)
{
	for (; text && *text; text++)
		if (!isspace((unsigned char)*text))
			return false;
	return true;
}

/* When the option is given, its value must not be blank. */
static int check_not_blank(const struct cli_args *args, const char *name, struct cli_error *err)
{
	const char *v = cli_value(args, name);

	if (cli_count(args, name) > 0 && blank(v))
		return cli_usage_error(err, I18N_ERR_EMPTY_OPTION, name);
	return 0;
}

static int check_level(const char *level, struct cli_error *err)
{
	if (!outage_level_valid(level))
		return cli_usage_error(err, I18N_ERR_BAD_LEVEL, level);
	return 0;
}

int check_outage_id(const struct cli_args *args, struct cli_error *err)
{
	long long id;

	if (!outage_parse_id(cli_arg(args, 0), &id))
		return cli_usage_error(err, I18N_ERR_BAD_OUTAGE_ID, cli_arg(args, 0));
	return 0;
}

int check_outage_declare(const struct cli_args *args, struct cli_error *err)
{
	const char *targets = cli_value(args, "targets");
	const char *scale = cli_value(args, "time-scale");
	json_t *list = NULL;
	double s;
	int rc;

	if ((rc = check_level(cli_value(args, "level"), err)) != 0 ||
		(rc = check_not_blank(args, "reason", err)) != 0)
		return rc;
	if (targets) {
		rc = outage_parse_targets(targets, &list);
		json_decref(list);
		if (rc == LL_EINVAL)
			return cli_usage_error(err, I18N_ERR_BAD_TARGETS, targets);
		if (rc != 0)
			return rc;
	}
	if (scale && !cli_flag(args, "drill"))
		return cli_usage_error(err, I18N_ERR_TIME_SCALE_NO_DRILL, scale);
	if (scale && !outage_parse_time_scale(scale, &s))
		return cli_usage_error(err, I18N_ERR_BAD_TIME_SCALE, scale);
	return 0;
}

int check_outage_confirm(const struct cli_args *args, struct cli_error *err)
{
	const char *level = cli_value(args, "level");
	int rc;

	if ((rc = check_outage_id(args, err)) != 0 ||
		(rc = check_not_blank(args, "reason", err)) != 0)
		return rc;
	if (level && (rc = check_level(level, err)) != 0)
		return rc;
	/* Overriding what the monitor proposed is a decision the review will ask about. */
	if (level && !cli_value(args, "reason"))
		return cli_usage_error(err, I18N_ERR_LEVEL_NEEDS_REASON, level);
	return 0;
}

int check_outage_level(const struct cli_args *args, struct cli_error *err)
{
	int rc;

	if ((rc = check_outage_id(args, err)) != 0 ||
		(rc = check_level(cli_arg(args, 1), err)) != 0)
		return rc;
	return check_not_blank(args, "reason", err);
}

int check_outage_manual_start(const struct cli_args *args, struct cli_error *err)
{
	const char *at = cli_value(args, "at");
	char utc[AT_SIZE];
	int rc;

	if ((rc = check_outage_id(args, err)) != 0)
		return rc;
	if (at && outage_parse_at(at, time(NULL), utc, sizeof(utc)) != 0)
		return cli_usage_error(err, I18N_ERR_BAD_AT, at);
	return 0;
}

int check_outage_resolve(const struct cli_args *args, struct cli_error *err)
{
	int rc = check_outage_id(args, err);

	return rc ? rc : check_not_blank(args, "reason", err);
}

int check_outage_dismiss(const struct cli_args *args, struct cli_error *err)
{
	return check_outage_resolve(args, err);
}

int check_outage_log(const struct cli_args *args, struct cli_error *err)
{
	int rc = check_outage_id(args, err);

	return rc ? rc : check_not_blank(args, "text", err);
}

int check_problem_report(const struct cli_args *args, struct cli_error *err)
{
	const char *kind = cli_value(args, "kind");
	int rc;

	if ((rc = check_not_blank(args, "text", err)) != 0 ||
		(rc = check_not_blank(args, "dept", err)) != 0)
		return rc;
	if (kind && !outage_kind_valid(kind))
		return cli_usage_error(err, I18N_ERR_BAD_KIND, kind);
	return 0;
}

/* ---------- talking to the server ---------- */

/* The id argument, already checked by the row's check. */
static long long outage_id(const struct cli_args *args)
{
	long long id = 0;

	(void)outage_parse_id(cli_arg(args, 0), &id);
	return id;
}

/*
 * POST body (stolen; NULL means out of memory) to path. On success *outage
 * is the answer's "outage" object (borrowed from *answer, which the caller
 * json_decref()s) and, under --json, the answer has been printed.
 */
static int post(struct cli_ctx *ctx, const char *path, json_t *body, json_t **answer,
	const json_t **outage)
{
	int rc;

	*answer = NULL;
	*outage = NULL;
	if (!body)
		return cli_nomem();
	rc = cli_call(ctx, "POST", path, body, NULL, answer);
	json_decref(body);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(*answer);
		return CLI_EXIT_OK;
	}
	*outage = json_object_get(*answer, "outage");
	if (!json_is_object(*outage)) {
		cli_err(i18n_get(I18N_ERR_ANSWER_LACKS), "outage");
		json_decref(*answer);
		*answer = NULL;
		*outage = NULL;
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

/* Optional string members: set only when the value is there. */
static json_t *with_string(json_t *body, const char *key, const char *value)
{
	if (body && value && json_object_set_new(body, key, json_string(value)) != 0) {
		json_decref(body);
		return NULL;
	}
	return body;
}

int cmd_outage_declare(struct cli_ctx *ctx, const struct cli_args *args)
{
	const char *targets = cli_value(args, "targets");
	const char *scale = cli_value(args, "time-scale");
	bool drill = cli_flag(args, "drill");
	const json_t *outage;
	json_t *body, *answer, *list = NULL;
	double s = 1;
	char id[32];
	int rc;

	body = json_pack("{s:s, s:s, s:b}", "level", cli_value(args, "level"),
		"reason", cli_value(args, "reason"), "drill", drill);
	/* Without --targets the server decides (the targets that are down, if any). */
	if (body && targets) {
		if (outage_parse_targets(targets, &list) != 0 ||
			json_object_set_new(body, "targets", list) != 0) {
			json_decref(body);
			body = NULL;
		}
	}
	if (body && scale) {
		(void)outage_parse_time_scale(scale, &s);
		if (json_object_set_new(body, "time_scale",
			s == (double)(long long)s ? json_integer((long long)s) : json_real(s)) != 0) {
			json_decref(body);
			body = NULL;
		}
	}
	rc = post(ctx, "/api/v1/outages", body, &answer, &outage);
	if (rc == CLI_EXIT_OK && outage) {
		printf(i18n_get(I18N_DECLARE_OK), outage_view_id(outage, id, sizeof(id)));
		outage_view_block(stdout, outage, false);
	}
	json_decref(answer);
	return rc;
}

int cmd_outage_confirm(struct cli_ctx *ctx, const struct cli_args *args)
{
	char path[PATH_SIZE], id[32];
	const json_t *outage;
	json_t *body, *answer;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/outages/%lld/confirm", outage_id(args));
	body = with_string(json_object(), "level", cli_value(args, "level"));
	body = with_string(body, "reason", cli_value(args, "reason"));
	rc = post(ctx, path, body, &answer, &outage);
	if (rc == CLI_EXIT_OK && outage) {
		printf(i18n_get(I18N_CONFIRM_OK), outage_view_id(outage, id, sizeof(id)));
		outage_view_block(stdout, outage, false);
	}
	json_decref(answer);
	return rc;
}

int cmd_outage_level(struct cli_ctx *ctx, const struct cli_args *args)
{
	char path[PATH_SIZE], id[32];
	const json_t *outage;
	json_t *answer;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/outages/%lld/level", outage_id(args));
	rc = post(ctx, path, json_pack("{s:s, s:s}", "level", cli_arg(args, 1),
		"reason", cli_value(args, "reason")), &answer, &outage);
	if (rc == CLI_EXIT_OK && outage) {
		const char *level = json_string_value(json_object_get(outage, "level"));

		printf(i18n_get(I18N_LEVEL_OK), outage_view_id(outage, id, sizeof(id)),
			outage_level_text(level ? level : cli_arg(args, 1)));
		outage_view_block(stdout, outage, false);
	}
	json_decref(answer);
	return rc;
}

int cmd_outage_manual_start(struct cli_ctx *ctx, const struct cli_args *args)
{
	const char *at = cli_value(args, "at");
	char path[PATH_SIZE], id[32], utc[AT_SIZE], when[64];
	const json_t *outage;
	json_t *answer, *body = json_object();
	int rc;

	snprintf(path, sizeof(path), "/api/v1/outages/%lld/manual-start", outage_id(args));
	if (at) {
		/* Checked already; converted again here, against the clock of now. */
		if (outage_parse_at(at, time(NULL), utc, sizeof(utc)) != 0) {
			json_decref(body);
			cli_err(i18n_get(I18N_ERR_BAD_AT), at);
			return CLI_EXIT_USAGE;
		}
		body = with_string(body, "at", utc);
	}
	rc = post(ctx, path, body, &answer, &outage);
	if (rc == CLI_EXIT_OK && outage) {
		printf(i18n_get(I18N_MANUAL_START_OK), outage_view_id(outage, id, sizeof(id)),
			cli_time_text(json_string_value(json_object_get(outage, "manual_start_at")),
				when, sizeof(when)));
		outage_view_block(stdout, outage, false);
	}
	json_decref(answer);
	return rc;
}

/* resolve and dismiss: a POST with an optional reason, then the new status. */
static int close_outage(struct cli_ctx *ctx, const struct cli_args *args, const char *verb,
	enum i18n_msg done)
{
	char path[PATH_SIZE], id[32];
	const json_t *outage;
	json_t *answer;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/outages/%lld/%s", outage_id(args), verb);
	rc = post(ctx, path, with_string(json_object(), "reason", cli_value(args, "reason")),
		&answer, &outage);
	if (rc == CLI_EXIT_OK && outage) {
		printf(i18n_get(done), outage_view_id(outage, id, sizeof(id)),
			outage_status_text(json_string_value(json_object_get(outage, "status"))));
		outage_view_block(stdout, outage, false);
	}
	json_decref(answer);
	return rc;
}

int cmd_outage_resolve(struct cli_ctx *ctx, const struct cli_args *args)
{
	return close_outage(ctx, args, "resolve", I18N_RESOLVE_OK);
}

int cmd_outage_dismiss(struct cli_ctx *ctx, const struct cli_args *args)
{
	return close_outage(ctx, args, "dismiss", I18N_DISMISS_OK);
}

int cmd_outage_log(struct cli_ctx *ctx, const struct cli_args *args)
{
	char path[PATH_SIZE], id[32];
	const json_t *outage;
	json_t *answer;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/outages/%lld/log", outage_id(args));
	rc = post(ctx, path, json_pack("{s:s}", "text", cli_value(args, "text")), &answer, &outage);
	if (rc == CLI_EXIT_OK && outage)
		printf(i18n_get(I18N_LOG_OK), outage_view_id(outage, id, sizeof(id)));
	json_decref(answer);
	return rc;
}

/* GET path; under --json the answer is printed as it is. */
static int get(struct cli_ctx *ctx, const char *path, json_t **answer)
{
	int rc = cli_call(ctx, "GET", path, NULL, NULL, answer);

	if (rc == CLI_EXIT_OK && ctx->json)
		cli_print_json(*answer);
	return rc;
}

int cmd_outage_list(struct cli_ctx *ctx, const struct cli_args *args)
{
	bool all = cli_flag(args, "all");
	const json_t *outages;
	json_t *answer;
	int rc;

	rc = get(ctx, all ? "/api/v1/outages" : "/api/v1/outages?open=1", &answer);
	if (rc != CLI_EXIT_OK || ctx->json)
		goto done;
	outages = json_object_get(answer, "outages");
	if (!json_is_array(outages)) {
		cli_err(i18n_get(I18N_ERR_ANSWER_LACKS), "outages");
		rc = CLI_EXIT_REFUSED;
	} else if (json_array_size(outages) == 0) {
		fputs(i18n_get(all ? I18N_LIST_NONE : I18N_LIST_NONE_OPEN), stdout);
	} else if (outage_view_list(stdout, outages) != 0) {
		rc = cli_nomem();
	}
done:
	json_decref(answer);
	return rc;
}

int cmd_outage_show(struct cli_ctx *ctx, const struct cli_args *args)
{
	char path[PATH_SIZE];
	const json_t *outage;
	json_t *answer;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/outages/%lld", outage_id(args));
	rc = get(ctx, path, &answer);
	if (rc != CLI_EXIT_OK || ctx->json)
		goto done;
	outage = json_object_get(answer, "outage");
	if (!json_is_object(outage)) {
		cli_err(i18n_get(I18N_ERR_ANSWER_LACKS), "outage");
		rc = CLI_EXIT_REFUSED;
		goto done;
	}
	outage_view_block(stdout, outage, true);
	fputs(i18n_get(I18N_OUTAGE_TIMELINE), stdout);
	if (outage_view_timeline(stdout, json_object_get(answer, "timeline")) != 0)
		rc = cli_nomem();
done:
	json_decref(answer);
	return rc;
}

int cmd_problem_report(struct cli_ctx *ctx, const struct cli_args *args)
{
	const json_t *report, *outage;
	json_t *body, *answer = NULL;
	char id[32], oid[32];
	int rc;

	/* Without --kind or --dept the server decides (other; the reporter's department). */
	body = json_pack("{s:s}", "text", cli_value(args, "text"));
	body = with_string(body, "kind", cli_value(args, "kind"));
	body = with_string(body, "department", cli_value(args, "dept"));
	if (!body)
		return cli_nomem();
	rc = cli_call(ctx, "POST", "/api/v1/problems", body, NULL, &answer);
	json_decref(body);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(answer);
		goto done;
	}
	report = json_object_get(answer, "report");
	printf(i18n_get(I18N_PROBLEM_OK), outage_view_id(report, id, sizeof(id)));
	/* The outage it went to: the report's outage_id, or an outage object beside it. */
	outage = json_object_get(answer, "outage");
	if (json_is_object(outage))
		outage_view_id(outage, oid, sizeof(oid));
	else if (json_is_number(json_object_get(report, "outage_id")))
		snprintf(oid, sizeof(oid), "%lld",
			outage_json_int(json_object_get(report, "outage_id"), 0));
	else
		oid[0] = '\0';
	if (!oid[0])
		fputs(i18n_get(I18N_PROBLEM_NOT_ATTACHED), stdout);
	else if (json_is_true(json_object_get(report, "opened_outage")))
		printf(i18n_get(I18N_PROBLEM_OPENED), oid);
	else
		printf(i18n_get(I18N_PROBLEM_ATTACHED), oid);
	if (json_is_object(outage))
		outage_view_block(stdout, outage, false);
done:
	json_decref(answer);
	return rc;
}
