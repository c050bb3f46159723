#include "cmd_departments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#define PATH_SIZE 160
#define TIME_SIZE 64
/* A larger import is better split; the server refuses it anyway (413). */
#define IMPORT_MAX (16L * 1024 * 1024)

/* ---------- usage checks ---------- */

static bool code_ok(const char *code)
{
	size_t n = code ? strlen(code) : 0;

	if (n < 1 || n > 64 || code[0] == '-')
		return false;
	return strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

int check_departments_code(const struct cli_args *args, struct cli_error *err)
{
	if (!code_ok(cli_arg(args, 0)))
		return cli_usage_error(err, I18N_ERR_BAD_DEPT_CODE, cli_arg(args, 0));
	return 0;
}

int check_departments_contact_add(const struct cli_args *args, struct cli_error *err)
{
	static const char *const kinds[] = { "email", "phone", "webhook", "wecom", "dingtalk", "sms",
		NULL };
	static const char *const roles[] = { "member", "head", "deputy", "group", NULL };
	const char *kind = cli_value(args, "kind"), *role = cli_value(args, "role");
	int rc = check_departments_code(args, err);

	if (rc)
		return rc;
	if (!in_list(kind, kinds))
		return cli_usage_error(err, I18N_ERR_BAD_CONTACT_KIND, kind);
	if (role && !in_list(role, roles))
		return cli_usage_error(err, I18N_ERR_BAD_CONTACT_ROLE, role);
	if (!*cli_value(args, "address"))
		return cli_usage_error(err, I18N_ERR_EMPTY_OPTION, "address");
	return 0;
}

int check_departments_import(const struct cli_args *args, struct cli_error *err)
{
	FILE *f = fopen(cli_arg(args, 0), "rb");

	if (!f)
		return cli_usage_error(err, I18N_ERR_READ_FILE, cli_arg(args, 0));
	fclose(f);
	return 0;
}

/* ---------- helpers ---------- */

static long long num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* GET path; under --json the answer is printed as it is. */
static int get(struct cli_ctx *ctx, const char *path, json_t **answer)
{
	int rc = cli_call(ctx, "GET", path, NULL, NULL, answer);

	if (rc == CLI_EXIT_OK && ctx->json)
		cli_print_json(*answer);
	return rc;
}

/* The department's name in the language of the interface. */
static const char *dept_name(const json_t *d)
{
	const char *en = cli_str(d, "name_en"), *zh = cli_str(d, "name_zh");

	return strcmp(i18n_accept_language(), "en") == 0 && en ? en : zh ? zh : "";
}

static const char *head_text(const json_t *d, char *buf, size_t len)
{
	const json_t *head = json_object_get(d, "head");
	const char *name = cli_str(d, "head_name");

	if (json_is_object(head))
		snprintf(buf, len, "%s%s%s%s", cli_str(head, "username"), name ? " (" : "", name ? name : "",
			name ? ")" : "");
	else
		snprintf(buf, len, "%s", name ? name : "-");
	return buf;
}

/* "30 min", "6 h", "1 d 2 h": a tier's threshold for people. */
static const char *span_text(long long s, char *buf, size_t len)
{
	if (s % 3600 == 0)
		snprintf(buf, len, "%lld h", s / 3600);
	else if (s % 60 == 0)
		snprintf(buf, len, "%lld min", s / 60);
	else
		snprintf(buf, len, "%lld s", s);
	return buf;
}

/* ---------- list and show ---------- */

int cmd_departments_list(struct cli_ctx *ctx, const struct cli_args *args)
{
	struct cli_table *t;
	const json_t *depts, *d;
	json_t *answer;
	size_t i;
	int rc;

	(void)args;
	rc = get(ctx, "/api/v1/departments", &answer);
	if (rc != CLI_EXIT_OK || ctx->json)
		goto done;
	depts = json_object_get(answer, "departments");
	if (!json_is_array(depts)) {
		cli_err(i18n_get(I18N_ERR_ANSWER_LACKS), "departments");
		rc = CLI_EXIT_REFUSED;
		goto done;
	}
	t = cli_table_new(7);
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_CODE));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_NAME));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_TIER));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_HEAD));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_MEMBERS));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_CONTACTS));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_VERIFIED));
	json_array_foreach(depts, i, d) {
		char head[256], when[TIME_SIZE];
		const char *verified = cli_str(d, "contacts_verified_at");

		cli_table_add(t, cli_str(d, "code"));
		cli_table_add(t, dept_name(d));
		cli_table_add(t, cli_str(d, "tier"));
		cli_table_add(t, head_text(d, head, sizeof(head)));
		cli_table_addf(t, "%lld", num(d, "members_count"));
		cli_table_addf(t, "%lld", num(d, "contacts_count"));
		cli_table_add(t, verified ? cli_time_text(verified, when, sizeof(when)) :
			i18n_get(I18N_DEPT_NEVER));
	}
	if (cli_table_print(stdout, t, "") != 0)
		rc = cli_nomem();
	cli_table_free(t);
done:
	json_decref(answer);
	return rc;
}

static int print_contacts(const json_t *contacts)
{
	struct cli_table *t;
	const json_t *c;
	size_t i;
	int rc;

	if (json_array_size(contacts) == 0) {
		fputs(i18n_get(I18N_DEPT_NONE), stdout);
		return 0;
	}
	t = cli_table_new(5);
	cli_table_add(t, "ID");
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_KIND));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_ADDRESS));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_NAME));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_ROLE));
	json_array_foreach(contacts, i, c) {
		cli_table_addf(t, "%lld", num(c, "id"));
		cli_table_add(t, cli_str(c, "kind"));
		cli_table_add(t, cli_str(c, "address"));
		cli_table_add(t, cli_str(c, "name"));
		cli_table_add(t, cli_str(c, "role"));
	}
	rc = cli_table_print(stdout, t, "  ");
	cli_table_free(t);
	return rc;
}

static int print_members(const json_t *members)
{
	struct cli_table *t;
	const json_t *m;
	size_t i;
	int rc;

	if (json_array_size(members) == 0) {
		fputs(i18n_get(I18N_DEPT_NONE), stdout);
		return 0;
	}
	t = cli_table_new(3);
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_USER));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_NAME));
	cli_table_add(t, i18n_get(I18N_DEPT_HEAD_ROLE));
	json_array_foreach(members, i, m) {
		cli_table_add(t, cli_str(m, "username"));
		cli_table_add(t, cli_str(m, "display_name"));
		cli_table_add(t, i18n_role(cli_str(m, "role")));
	}
	rc = cli_table_print(stdout, t, "  ");
	cli_table_free(t);
	return rc;
}

int cmd_departments_show(struct cli_ctx *ctx, const struct cli_args *args)
{
	char path[PATH_SIZE], head[256], when[TIME_SIZE], span[32];
	const json_t *d;
	const char *verified;
	json_t *answer;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/departments/%s", cli_arg(args, 0));
	rc = get(ctx, path, &answer);
	if (rc != CLI_EXIT_OK || ctx->json)
		goto done;
	d = json_object_get(answer, "department");
	if (!json_is_object(d)) {
		cli_err(i18n_get(I18N_ERR_ANSWER_LACKS), "department");
		rc = CLI_EXIT_REFUSED;
		goto done;
	}
	printf("%s  %s / %s\n", cli_str(d, "code"), cli_str(d, "name_zh"), cli_str(d, "name_en"));
	if (json_is_integer(json_object_get(d, "threshold_s")))
		printf(i18n_get(I18N_DEPT_TIER), cli_str(d, "tier"),
			span_text(num(d, "threshold_s"), span, sizeof(span)));
	else
		fputs(i18n_get(I18N_DEPT_TIER_COMMAND), stdout);
	printf(i18n_get(I18N_DEPT_HEAD_LINE), head_text(d, head, sizeof(head)));
	verified = cli_str(d, "contacts_verified_at");
	printf(i18n_get(I18N_DEPT_VERIFIED_LINE), verified ?
		cli_time_text(verified, when, sizeof(when)) : i18n_get(I18N_DEPT_NEVER));
	fputs(i18n_get(I18N_DEPT_MEMBERS), stdout);
	if (print_members(json_object_get(d, "members")) != 0)
		rc = cli_nomem();
	fputs(i18n_get(I18N_DEPT_CONTACTS), stdout);
	if (print_contacts(json_object_get(d, "contacts")) != 0)
		rc = cli_nomem();
done:
	json_decref(answer);
	return rc;
}

/* ---------- changes ---------- */

int cmd_departments_contact_add(struct cli_ctx *ctx, const struct cli_args *args)
{
	char path[PATH_SIZE], id[32];
	const json_t *contact;
	json_t *body, *answer = NULL;
	int rc;

	snprintf(path, sizeof(path), "/api/v1/departments/%s/contacts", cli_arg(args, 0));
	body = json_pack("{s:s, s:s}", "kind", cli_value(args, "kind"),
		"address", cli_value(args, "address"));
	if (body && cli_value(args, "name"))
		json_object_set_new(body, "name", json_string(cli_value(args, "name")));
	if (body && cli_value(args, "role"))
		json_object_set_new(body, "role", json_string(cli_value(args, "role")));
	if (!body)
		return cli_nomem();
	rc = cli_call(ctx, "POST", path, body, NULL, &answer);
	json_decref(body);
	if (rc == CLI_EXIT_OK && ctx->json) {
		cli_print_json(answer);
	} else if (rc == CLI_EXIT_OK) {
		contact = json_object_get(answer, "contact");
		snprintf(id, sizeof(id), "%lld", num(contact, "id"));
		printf(i18n_get(I18N_DEPT_CONTACT_OK), cli_arg(args, 0), id, cli_str(contact, "address"));
	}
	json_decref(answer);
	return rc;
}

int cmd_departments_verify(struct cli_ctx *ctx, const struct cli_args *args)
{
	char path[PATH_SIZE], when[TIME_SIZE];
	json_t *body = json_object(), *answer = NULL;
	const json_t *d;
	int rc;

	if (!body)
		return cli_nomem();
	snprintf(path, sizeof(path), "/api/v1/departments/%s/verify", cli_arg(args, 0));
	rc = cli_call(ctx, "POST", path, body, NULL, &answer);
	json_decref(body);
	if (rc == CLI_EXIT_OK && ctx->json) {
		cli_print_json(answer);
	} else if (rc == CLI_EXIT_OK) {
		d = json_object_get(answer, "department");
		printf(i18n_get(I18N_DEPT_VERIFY_OK), cli_arg(args, 0),
			cli_time_text(cli_str(d, "contacts_verified_at"), when, sizeof(when)));
	}
	json_decref(answer);
	return rc;
}

/* The whole file in memory; NULL (and a message) when it cannot be read. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > IMPORT_MAX ||
			fseek(f, 0, SEEK_SET) != 0 || !(buf = malloc((size_t)size + 1)) ||
			fread(buf, 1, (size_t)size, f) != (size_t)size) {
		cli_err(i18n_get(I18N_ERR_READ_FILE), path);
		free(buf);
		buf = NULL;
	} else {
		*len = (size_t)size;
	}
	if (f)
		fclose(f);
	return buf;
}

static bool ends_with_csv(const char *path)
{
	size_t n = strlen(path);

	return n >= 4 && (strcmp(path + n - 4, ".csv") == 0 || strcmp(path + n - 4, ".CSV") == 0);
}

/* After a refused import: every row error the server listed, on stderr. */
static void print_row_errors(const json_t *answer)
{
	const json_t *errors = json_object_get(json_object_get(answer, "error"), "errors"), *e;
	size_t i;

	if (json_array_size(errors) < 2)
		return;
	json_array_foreach(errors, i, e)
		fprintf(stderr, i18n_get(I18N_DEPT_ROW_ERROR), num(e, "row"), cli_str(e, "field"),
			cli_str(e, "message"));
}

int cmd_departments_import(struct cli_ctx *ctx, const struct cli_args *args)
{
	const char *path = cli_arg(args, 0);
	bool csv = ends_with_csv(path);
	const json_t *imp;
	json_t *answer = NULL;
	char *data, *codes;
	size_t len = 0;
	long status = 0;
	int rc;

	if (!(data = read_file(path, &len)))
		return CLI_EXIT_USAGE;
	rc = api_request_raw(ctx->api, "POST", "/api/v1/departments/import",
		csv ? "text/csv; charset=utf-8" : "application/json", data, len, &status, &answer);
	free(data);
	if (rc != API_OK) {
		if (ctx->json && rc == API_EHTTP && json_is_object(json_object_get(answer, "error")))
			cli_print_json(answer);
		rc = cli_report_failure(ctx, rc, status, answer);
		print_row_errors(answer);
		json_decref(answer);
		return rc;
	}
	if (ctx->json) {
		cli_print_json(answer);
		json_decref(answer);
		return CLI_EXIT_OK;
	}
	imp = json_object_get(answer, "imported");
	printf(i18n_get(I18N_DEPT_IMPORT_OK), num(imp, "departments_created"),
		num(imp, "departments_updated"), num(imp, "contacts_created"),
		num(imp, "contacts_updated"));
	codes = json_dumps(json_object_get(imp, "codes"), JSON_COMPACT);
	if (codes)
		printf(i18n_get(I18N_DEPT_IMPORT_CODES), codes);
	free(codes);
	json_decref(answer);
	return CLI_EXIT_OK;
}
