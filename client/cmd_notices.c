#include "cmd_notices.h"

#include <stdio.h>
#include <string.h>

#include "notice.h"

#define PATH_SIZE 160
#define TIME_SIZE 64
#define SUBJECT_SIZE 1024

/* ---------- usage checks ---------- */

int check_notices(const struct cli_args *args, struct cli_error *err)
{
	const char *dept = cli_value(args, "dept");

	/* The code goes into the query string as it is: only a code's characters may. */
	if (cli_count(args, "dept") > 0 && !notice_dept_valid(dept))
		return cli_usage_error(err, I18N_ERR_BAD_DEPT_CODE, dept);
	return 0;
}

int check_ack(const struct cli_args *args, struct cli_error *err)
{
	long long id;

	if (!notice_parse_id(cli_arg(args, 0), &id))
		return cli_usage_error(err, I18N_ERR_BAD_NOTICE_ID, cli_arg(args, 0));
	if (cli_count(args, "note") == 0)
		return 0;
	switch (notice_check_note(cli_value(args, "note"))) {
	case NOTICE_NOTE_OK:
		return 0;
	case NOTICE_NOTE_BLANK:
		return cli_usage_error(err, I18N_ERR_EMPTY_OPTION, "note");
	case NOTICE_NOTE_TOO_LONG:
		return cli_usage_error(err, I18N_ERR_NOTE_TOO_LONG, NULL);
	case NOTICE_NOTE_NOT_UTF8:
		break;
	}
	return cli_usage_error(err, I18N_ERR_NOTE_NOT_UTF8, NULL);
}

/* ---------- helpers ---------- */

/* The notice's id as text ("12"), or "?"; into buf. */
static const char *id_text(const json_t *notice, char *buf, size_t size)
{
	const json_t *id = json_object_get(notice, "id");

	if (json_is_integer(id))
		snprintf(buf, size, "%lld", (long long)json_integer_value(id));
	else
		snprintf(buf, size, "?");
	return buf;
}

/* The notice's department by name in the language of the interface, else by code. */
static const char *dept_text(const json_t *notice)
{
	const char *en = cli_str(notice, "department_name_en"), *zh = cli_str(notice, "department_name_zh");
	const char *code = cli_str(notice, "department");

	if (i18n_current() == I18N_EN && en && *en)
		return en;
	if (zh && *zh)
		return zh;
	return code ? code : "?";
}

/* When it went out; a notice not sent yet (--all) shows when it is due. */
static const char *sent_text(const json_t *notice, char *buf, size_t size)
{
	const char *sent = cli_str(notice, "sent_at"), *due = cli_str(notice, "due_at");
	char when[TIME_SIZE];

	if (sent)
		return notice_time_short(sent, buf, size);
	if (!due)
		return "-";
	snprintf(buf, size, i18n_get(I18N_NOTICE_DUE), notice_time_short(due, when, sizeof(when)));
	return buf;
}

/* ---------- lifeline notices ---------- */

/*
 * The notices as a table; the flag column ("!" before each notice waiting
 * for an acknowledgement) only when there is one, then the footer saying
 * how to acknowledge.
 */
static int print_notices(const json_t *notices)
{
	const json_t *n, *first = NULL;
	struct cli_table *t;
	size_t i, awaiting = 0;
	char id[32];
	int rc;

	json_array_foreach(notices, i, n) {
		if (notice_awaits_ack(n)) {
			awaiting++;
			if (!first)
				first = n;
		}
	}
	t = cli_table_new(awaiting ? 8 : 7);
	if (awaiting)
		cli_table_add(t, "");
	cli_table_add(t, i18n_get(I18N_NOTICE_HEAD_ID));
	cli_table_add(t, i18n_get(I18N_NOTICE_HEAD_SENT));
	cli_table_add(t, i18n_get(I18N_NOTICE_HEAD_DEPT));
	cli_table_add(t, i18n_get(I18N_NOTICE_HEAD_WHAT));
	cli_table_add(t, i18n_get(I18N_NOTICE_HEAD_STATUS));
	cli_table_add(t, i18n_get(I18N_NOTICE_HEAD_STEP));
	cli_table_add(t, i18n_get(I18N_NOTICE_HEAD_SUBJECT));
	json_array_foreach(notices, i, n) {
		char when[TIME_SIZE], subject[SUBJECT_SIZE];
		const char *step = notice_step_text(cli_str(n, "step"));

		if (awaiting)
			cli_table_add(t, notice_awaits_ack(n) ? "!" : "");
		cli_table_add(t, id_text(n, id, sizeof(id)));
		cli_table_add(t, sent_text(n, when, sizeof(when)));
		cli_table_add(t, dept_text(n));
		cli_table_add(t, notice_what_text(cli_str(n, "moment"), cli_str(n, "kind")));
		cli_table_add(t, notice_status_text(cli_str(n, "status")));
		cli_table_add(t, step ? step : "-");
		cli_table_add(t, notice_subject_text(cli_str(n, "subject"),
			json_is_true(json_object_get(n, "drill")), subject, sizeof(subject)));
	}
	rc = cli_table_print(stdout, t, "");
	cli_table_free(t);
	if (rc != 0)
		return rc;
	if (awaiting)
		printf(i18n_get(I18N_NOTICES_FOOTER), awaiting, id_text(first, id, sizeof(id)));
	return 0;
}

int cmd_notices(struct cli_ctx *ctx, const struct cli_args *args)
{
	const char *dept = cli_value(args, "dept");
	bool all = cli_flag(args, "all");
	const json_t *notices;
	char path[PATH_SIZE];
	json_t *answer;
	int rc;

	/* check_notices let only a code's characters through: nothing to escape. */
	snprintf(path, sizeof(path), "/api/v1/notices%s%s%s", dept ? "?dept=" : "", dept ? dept : "",
		!all ? "" : dept ? "&status=all" : "?status=all");
	rc = cli_call(ctx, "GET", path, NULL, NULL, &answer);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(answer);
		goto done;
	}
	notices = json_object_get(answer, "notices");
	if (!json_is_array(notices)) {
		cli_err(i18n_get(I18N_ERR_ANSWER_LACKS), "notices");
		rc = CLI_EXIT_REFUSED;
	} else if (json_array_size(notices) == 0) {
		fputs(i18n_get(I18N_NOTICES_NONE), stdout);
	} else if (print_notices(notices) != 0) {
		rc = cli_nomem();
	}
done:
	json_decref(answer);
	return rc;
}

/* ---------- lifeline ack ---------- */

int cmd_ack(struct cli_ctx *ctx, const struct cli_args *args)
{
	const char *note = cli_value(args, "note");
	char path[PATH_SIZE], id[32], when[TIME_SIZE];
	const json_t *notice;
	json_t *body, *answer = NULL;
	long long nid = 0;
	int rc;

	(void)notice_parse_id(cli_arg(args, 0), &nid); /* checked by check_ack */
	snprintf(path, sizeof(path), "/api/v1/notices/%lld/ack", nid);
	body = json_pack("{s:s}", "via", "cli");
	/* check_ack made sure the note is UTF-8, so json_string() cannot fail on it. */
	if (body && note && json_object_set_new(body, "note", json_string(note)) != 0) {
		json_decref(body);
		body = NULL;
	}
	if (!body)
		return cli_nomem();
	rc = cli_call(ctx, "POST", path, body, NULL, &answer);
	json_decref(body);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(answer);
		goto done;
	}
	notice = json_object_get(answer, "notice");
	if (!json_is_object(notice)) {
		cli_err(i18n_get(I18N_ERR_ANSWER_LACKS), "notice");
		rc = CLI_EXIT_REFUSED;
		goto done;
	}
	printf(i18n_get(I18N_ACK_OK), id_text(notice, id, sizeof(id)), dept_text(notice),
		cli_str(notice, "acknowledged_by") ? cli_str(notice, "acknowledged_by") : "?",
		cli_time_text(cli_str(notice, "acknowledged_at"), when, sizeof(when)));
done:
	json_decref(answer);
	return rc;
}
