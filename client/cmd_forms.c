#include "cmd_forms.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "forms_cache.h"
#include "forms_local.h"
#include "notice.h"

#define FORM_CODE_MAX 64
#define PATIENT_ID_MAX 32
#define COPIES_MAX 20
#define PATH_SIZE 160
#define TIME_SIZE 64
#define AGE_SIZE 48
#define WHY_SIZE 320

/* ---------- usage checks ---------- */

static bool parse_copies(const char *text, unsigned *out)
{
	char *end;
	long v;

	if (!text || *text < '0' || *text > '9')
		return false;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || v < 1 || v > COPIES_MAX)
		return false;
	*out = (unsigned)v;
	return true;
}

int check_forms_print(const struct cli_args *args, struct cli_error *err)
{
	const char *dept = cli_value(args, "dept"), *copies = cli_value(args, "copies");
	const char *age = cli_value(args, "max-age"), *out = cli_value(args, "output");
	unsigned n;
	long s;

	for (int i = 0; i < args->nargs; i++)
		if (!forms_id_valid(cli_arg(args, i), FORM_CODE_MAX))
			return cli_usage_error(err, I18N_ERR_BAD_FORM_CODE, cli_arg(args, i));
	for (size_t i = 0; i < cli_count(args, "patient"); i++)
		if (!forms_id_valid(cli_value_at(args, "patient", i), PATIENT_ID_MAX))
			return cli_usage_error(err, I18N_ERR_BAD_PATIENT_ID,
				cli_value_at(args, "patient", i));
	/* The code goes into a query string and a file name as it is. */
	if (dept && !notice_dept_valid(dept))
		return cli_usage_error(err, I18N_ERR_BAD_DEPT_CODE, dept);
	if (copies && !parse_copies(copies, &n))
		return cli_usage_error(err, I18N_ERR_BAD_COPIES, copies);
	if (age && !cli_flag(args, "offline"))
		return cli_usage_error(err, I18N_ERR_MAX_AGE_NEEDS_OFFLINE, NULL);
	if (age && !forms_parse_max_age(age, &s))
		return cli_usage_error(err, I18N_ERR_BAD_MAX_AGE, age);
	if (out && !*out)
		return cli_usage_error(err, I18N_ERR_EMPTY_OPTION, "output");
	return 0;
}

int check_forms_sync(const struct cli_args *args, struct cli_error *err)
{
	const char *dept = cli_value(args, "dept");

	if (dept && !notice_dept_valid(dept))
		return cli_usage_error(err, I18N_ERR_BAD_DEPT_CODE, dept);
	return 0;
}

/* ---------- helpers ---------- */

static const char *age_text(long seconds, char *buf, size_t size)
{
	long minutes = (seconds + 30) / 60;

	snprintf(buf, size, i18n_get(I18N_FORMS_AGE), minutes / 60, minutes % 60);
	return buf;
}

/* Write the PDF to path ("-": standard output). Reports a failure; returns an exit status. */
static int write_pdf(const char *path, const void *data, size_t len)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
			cli_err(i18n_get(I18N_FORMS_ERR_WRITE), "-", strerror(errno));
			return CLI_EXIT_REFUSED;
		}
		return CLI_EXIT_OK;
	}
	/* Atomic and 0600: the sheets carry patients' names and diagnoses. */
	if (config_write_private(path, data, len) != 0) {
		cli_err(i18n_get(I18N_FORMS_ERR_WRITE), path, strerror(errno));
		return CLI_EXIT_REFUSED;
	}
	return CLI_EXIT_OK;
}

/* The one-line summary goes to stderr when the PDF itself fills stdout. */
static FILE *summary_stream(const char *path)
{
	return strcmp(path, "-") == 0 ? stderr : stdout;
}

/* ---------- keeping the census on this computer ---------- */

/*
 * GET /api/v1/forms/data (for dept, or the user's own when NULL) and keep
 * the answer. 0 with *doc (new reference) and *path (free()); else a
 * cli_exit status with the reason in why (nothing printed).
 */
static int fetch_and_keep(struct cli_ctx *ctx, const char *dept, json_t **doc, char **path,
	char *why, size_t size)
{
	char url[PATH_SIZE];
	json_t *answer = NULL;
	long status = 0;
	int rc;

	*doc = NULL;
	*path = NULL;
	snprintf(url, sizeof(url), "/api/v1/forms/data%s%s", dept ? "?dept=" : "", dept ? dept : "");
	rc = api_request(ctx->api, "GET", url, NULL, &status, &answer);
	if (rc != API_OK) {
		const char *msg = cli_str(json_object_get(answer, "error"), "message");

		if (rc == API_EUNREACHABLE)
			snprintf(why, size, "%s", ctx->api->net_detail);
		else if (msg)
			snprintf(why, size, "%s (HTTP %ld)", msg, status);
		else
			snprintf(why, size, "HTTP %ld", status);
		json_decref(answer);
		return rc == API_EUNREACHABLE ? CLI_EXIT_UNREACHABLE : CLI_EXIT_REFUSED;
	}
	rc = forms_cache_save(answer, path);
	if (rc != 0) {
		snprintf(why, size, "%s", rc == LL_EIO ? strerror(errno) : lifeline_strerror(rc));
		json_decref(answer);
		return CLI_EXIT_REFUSED;
	}
	*doc = answer;
	return CLI_EXIT_OK;
}

/* The department of the copy to use: --dept, else the only one kept. NULL reported. */
static char *cached_dept(const char *dept)
{
	char **list = NULL, *dir = NULL, *one = NULL;
	size_t n = 0;
	int rc;

	if (dept) {
		one = strdup(dept);
		if (!one)
			cli_nomem();
		return one;
	}
	rc = forms_cache_list(&list, &n);
	if (rc == LL_ENOTFOUND) {
		cli_err("%s", i18n_get(I18N_FORMS_ERR_NO_HOME));
		return NULL;
	}
	if (rc != 0) {
		cli_err(i18n_get(I18N_FORMS_ERR_CACHE_BAD), "", lifeline_strerror(rc));
		return NULL;
	}
	if (n == 1) {
		one = list[0];
		list[0] = NULL;
	} else if (n == 0) {
		if (forms_cache_dir(&dir) == 0)
			cli_err(i18n_get(I18N_FORMS_ERR_NO_CACHE_ANY), dir);
		free(dir);
	} else {
		char names[512] = "";

		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(names);

			snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "", list[i]);
		}
		cli_err(i18n_get(I18N_FORMS_ERR_MANY_CACHES), names);
	}
	forms_cache_list_free(list, n);
	return one;
}

/* Load dept's copy; NULL reported (exit 1). */
static json_t *load_cache(const char *dept)
{
	char *path = NULL;
	json_t *doc = NULL;
	int rc = forms_cache_path(dept, &path);

	if (rc == LL_ENOMEM) {
		cli_nomem();
		return NULL;
	}
	if (rc != 0) {
		cli_err("%s", i18n_get(I18N_FORMS_ERR_NO_HOME));
		return NULL;
	}
	rc = forms_cache_load(path, &doc);
	switch (rc) {
	case 0:
		break;
	case LL_ENOTFOUND:
		cli_err(i18n_get(I18N_FORMS_ERR_NO_CACHE), path);
		break;
	case LL_EPERM:
		cli_err(i18n_get(I18N_FORMS_ERR_CACHE_OWNER), path);
		break;
	case LL_EIO:
		cli_err(i18n_get(I18N_FORMS_ERR_CACHE_BAD), path, strerror(errno));
		break;
	default:
		cli_err(i18n_get(I18N_FORMS_ERR_CACHE_BAD), path, lifeline_strerror(rc));
		break;
	}
	free(path);
	return doc;
}

/* After an unreachable server: say whether a copy here could print instead. */
static void hint_offline(const char *dept)
{
	char **list = NULL, when[TIME_SIZE], age[AGE_SIZE];
	const char *use = dept;
	char *path = NULL;
	json_t *doc = NULL;
	size_t n = 0;
	time_t taken;

	if (!use && forms_cache_list(&list, &n) == 0 && n == 1)
		use = list[0];
	if (use && forms_cache_path(use, &path) == 0 && forms_cache_load(path, &doc) == 0 &&
		forms_snapshot_time(doc, &taken))
		cli_err(i18n_get(I18N_FORMS_HINT_OFFLINE), use,
			cli_time_text(cli_str(doc, "snapshot_time"), when, sizeof(when)),
			age_text(forms_age(taken, time(NULL)), age, sizeof(age)));
	json_decref(doc);
	free(path);
	forms_cache_list_free(list, n);
}

/* ---------- lifeline forms list ---------- */

int cmd_forms_list(struct cli_ctx *ctx, const struct cli_args *args)
{
	const json_t *forms, *f;
	struct cli_table *t;
	json_t *answer;
	size_t i;
	int rc;

	(void)args;
	rc = cli_call(ctx, "GET", "/api/v1/forms", NULL, NULL, &answer);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (ctx->json) {
		cli_print_json(answer);
		goto done;
	}
	forms = json_object_get(answer, "forms");
	if (!json_is_array(forms)) {
		cli_err(i18n_get(I18N_ERR_ANSWER_LACKS), "forms");
		rc = CLI_EXIT_REFUSED;
		goto done;
	}
	if (json_array_size(forms) == 0) {
		fputs(i18n_get(I18N_FORMS_NONE), stdout);
		goto done;
	}
	t = cli_table_new(5);
	cli_table_add(t, i18n_get(I18N_FORMS_HEAD_CODE));
	cli_table_add(t, i18n_get(I18N_FORMS_HEAD_NAME));
	cli_table_add(t, i18n_get(I18N_FORMS_HEAD_PAPER));
	cli_table_add(t, i18n_get(I18N_FORMS_HEAD_PER));
	cli_table_add(t, i18n_get(I18N_FORMS_HEAD_COPIES));
	json_array_foreach(forms, i, f) {
		const char *zh = cli_str(f, "name_zh"), *en = cli_str(f, "name_en");
		const char *name = i18n_current() == I18N_EN && en && *en ? en : zh;

		cli_table_add(t, cli_str(f, "code"));
		cli_table_add(t, name ? name : en);
		if (json_is_true(json_object_get(f, "landscape")))
			cli_table_addf(t, "%s %s", cli_str(f, "paper") ? cli_str(f, "paper") : "?",
				i18n_get(I18N_FORMS_LANDSCAPE));
		else
			cli_table_add(t, cli_str(f, "paper") ? cli_str(f, "paper") : "?");
		cli_table_add(t, i18n_get(json_is_true(json_object_get(f, "per_patient")) ?
			I18N_FORMS_PER_PATIENT : I18N_FORMS_PER_DEPT));
		cli_table_addf(t, "%lld", (long long)json_integer_value(json_object_get(f, "copies")));
	}
	if (cli_table_print(stdout, t, "") != 0)
		rc = cli_nomem();
	cli_table_free(t);
done:
	json_decref(answer);
	return rc;
}

/* ---------- lifeline forms print ---------- */

/* The job as the API takes it; NULL when out of memory. */
static json_t *job_body(const struct cli_args *args)
{
	const char *dept = cli_value(args, "dept"), *copies = cli_value(args, "copies");
	json_t *body = json_object(), *items = json_array(), *patients = NULL;
	unsigned n = 1;
	bool ok = body && items;

	if (copies)
		(void)parse_copies(copies, &n); /* checked by check_forms_print */
	if (ok && cli_count(args, "patient") > 0) {
		patients = json_array();
		for (size_t i = 0; patients && i < cli_count(args, "patient"); i++)
			ok = ok && json_array_append_new(patients,
				json_string(cli_value_at(args, "patient", i))) == 0;
		ok = ok && patients;
	}
	for (int i = 0; ok && i < args->nargs; i++) {
		json_t *item = json_pack("{s:s, s:I}", "form", cli_arg(args, i), "copies",
			(json_int_t)n);

		if (item && patients)
			ok = json_object_set(item, "patients", patients) == 0;
		ok = ok && item && json_array_append_new(items, item) == 0;
	}
	ok = ok && json_object_set(body, "items", items) == 0;
	if (ok && dept)
		ok = json_object_set_new(body, "department", json_string(dept)) == 0;
	json_decref(patients);
	json_decref(items);
	if (!ok) {
		json_decref(body);
		return NULL;
	}
	return body;
}

/* The server's "inline; filename=\"ward-3-12.pdf\"" when it is a plain file name. */
static bool server_file_name(const char *disposition, char *buf, size_t size)
{
	const char *p = disposition ? strstr(disposition, "filename=\"") : NULL;
	const char *end;
	size_t n;

	if (!p)
		return false;
	p += strlen("filename=\"");
	end = strchr(p, '"');
	n = end ? (size_t)(end - p) : 0;
	if (n < 5 || n >= size || memcmp(p + n - 4, ".pdf", 4) != 0)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return forms_id_valid(buf, size - 1);
}

static int print_online(struct cli_ctx *ctx, const struct cli_args *args)
{
	const char *dept = cli_value(args, "dept"), *out = cli_value(args, "output");
	const char *job, *pages, *handwrite, *first;
	struct api_download dl = {0};
	char file[PATH_SIZE], why[WHY_SIZE];
	json_t *body, *error = NULL, *doc = NULL;
	char *cache = NULL;
	long status = 0;
	int rc;

	if (!ctx->token) {
		cli_err("%s", i18n_get(I18N_ERR_NOT_LOGGED_IN));
		return CLI_EXIT_REFUSED;
	}
	body = job_body(args);
	if (!body)
		return cli_nomem();
	rc = api_download(ctx->api, "POST", "/api/v1/forms/print", body, "application/pdf",
		&status, &dl, &error);
	json_decref(body);
	if (rc != API_OK) {
		if (ctx->json && rc == API_EHTTP && json_is_object(json_object_get(error, "error")))
			cli_print_json(error);
		rc = cli_report_failure(ctx, rc, status, error);
		json_decref(error);
		if (rc == CLI_EXIT_UNREACHABLE)
			hint_offline(dept);
		return rc;
	}
	job = api_download_header(&dl, "X-Lifeline-Print-Job");
	pages = api_download_header(&dl, "X-Lifeline-Pages");
	handwrite = api_download_header(&dl, "X-Lifeline-Handwrite");
	first = api_download_header(&dl, "X-Lifeline-First-Serial");
	if (!job || !forms_id_valid(job, 32) || !pages || !first) {
		cli_err(i18n_get(I18N_ERR_ANSWER_LACKS), "X-Lifeline-Print-Job");
		rc = CLI_EXIT_REFUSED;
		goto done;
	}
	if (out)
		snprintf(file, sizeof(file), "%s", out);
	else if (!server_file_name(api_download_header(&dl, "Content-Disposition"), file,
			sizeof(file)))
		snprintf(file, sizeof(file), "%s-%s.pdf", dept ? dept : "lifeline", job);
	rc = write_pdf(out ? out : file, dl.data, dl.len);
	if (rc != CLI_EXIT_OK)
		goto done;
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:I, s:b}", "file", out ? out : file,
			"print_job", job, "pages", (json_int_t)strtoll(pages, NULL, 10),
			"first_serial", first, "handwrite",
			(json_int_t)(handwrite ? strtoll(handwrite, NULL, 10) : 0), "offline", 0);

		if (strcmp(file, "-") != 0)
			cli_print_json(o);
		json_decref(o);
	} else {
		fprintf(summary_stream(file), i18n_get(I18N_FORMS_PRINTED), pages, file, job, first);
	}
	if (handwrite && strtoll(handwrite, NULL, 10) > 0)
		cli_err(i18n_get(I18N_FORMS_HANDWRITE), handwrite);
	/* The print went through: the census it came from is worth keeping here. */
	if (fetch_and_keep(ctx, dept, &doc, &cache, why, sizeof(why)) != CLI_EXIT_OK)
		cli_err(i18n_get(I18N_FORMS_WARN_NOT_SYNCED), why);
	json_decref(doc);
	free(cache);
done:
	api_download_free(&dl);
	return rc;
}

static int print_offline(struct cli_ctx *ctx, const struct cli_args *args)
{
	const char *out = cli_value(args, "output"), *copies = cli_value(args, "copies");
	const char *age_opt = cli_value(args, "max-age");
	const char **patients = NULL;
	char host[HOST_NAME_MAX + 1] = "", label[16], job[FORMS_JOB_ID_SIZE], file[PATH_SIZE];
	char when[TIME_SIZE], age[AGE_SIZE], limit[AGE_SIZE];
	struct forms_local l = {0};
	printforms_error perr;
	struct timespec now;
	size_t npatients = cli_count(args, "patient");
	long max_age = FORMS_MAX_AGE_DEFAULT, old;
	unsigned n = 1;
	json_t *doc = NULL;
	char *dept;
	time_t taken;
	int rc = CLI_EXIT_REFUSED;

	if (age_opt)
		(void)forms_parse_max_age(age_opt, &max_age); /* checked by check_forms_print */
	if (copies)
		(void)parse_copies(copies, &n);
	dept = cached_dept(cli_value(args, "dept"));
	if (!dept)
		return CLI_EXIT_REFUSED;
	doc = load_cache(dept);
	if (!doc)
		goto done;
	(void)forms_snapshot_time(doc, &taken); /* checked by forms_cache_load */
	old = forms_age(taken, time(NULL));
	cli_time_text(cli_str(doc, "snapshot_time"), when, sizeof(when));
	age_text(old, age, sizeof(age));
	if (old > max_age) {
		cli_err(i18n_get(I18N_FORMS_ERR_CACHE_STALE), dept, when, age,
			age_text(max_age, limit, sizeof(limit)));
		goto done;
	}

	patients = calloc(npatients + 1, sizeof(*patients));
	if (!patients) {
		rc = cli_nomem();
		goto done;
	}
	for (size_t i = 0; i < npatients; i++)
		patients[i] = cli_value_at(args, "patient", i);
	(void)gethostname(host, sizeof(host) - 1);
	forms_host_label(host, label, sizeof(label));
	clock_gettime(CLOCK_REALTIME, &now);
	forms_offline_job_id(job, sizeof(job), label,
		(long long)now.tv_sec * 1000 + now.tv_nsec / 1000000, (unsigned long)getpid());
	if (forms_local_render(&l, doc, (const char *const *)args->args, (size_t)args->nargs,
			patients, npatients, n, job, &perr) != 0) {
		char what[sizeof(perr.where) + sizeof(perr.message) + 2];

		snprintf(what, sizeof(what), "%s%s%s", perr.where, perr.where[0] ? ": " : "",
			perr.message);
		if (!l.pf)
			cli_err(i18n_get(I18N_FORMS_ERR_TEMPLATES), l.templates, what);
		else
			cli_err(i18n_get(I18N_FORMS_ERR_RENDER), what);
		goto done;
	}
	snprintf(file, sizeof(file), "%s-%s.pdf", dept, job);
	rc = write_pdf(out ? out : file, l.res->pdf, l.res->pdf_len);
	if (rc != CLI_EXIT_OK)
		goto done;
	if (out)
		snprintf(file, sizeof(file), "%s", out);
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:I, s:b, s:s, s:s?, s:I}",
			"file", file, "print_job", job, "pages", (json_int_t)l.res->pages,
			"first_serial", l.res->serials[0], "last_serial", l.res->serials[l.res->pages - 1],
			"handwrite", (json_int_t)l.res->n_marks, "offline", 1, "department", dept,
			"snapshot_time", cli_str(doc, "snapshot_time"), "age_seconds", (json_int_t)old);

		if (strcmp(file, "-") != 0)
			cli_print_json(o);
		json_decref(o);
	} else {
		FILE *s = summary_stream(file);

		fprintf(s, i18n_get(I18N_FORMS_OFFLINE_PRINTED), l.res->pages, file, dept, when, age,
			l.res->serials[0], l.res->serials[l.res->pages - 1]);
		fputs(i18n_get(I18N_FORMS_OFFLINE_NOTE), s);
	}
	if (l.res->n_marks > 0) {
		char count[24];

		snprintf(count, sizeof(count), "%zu", l.res->n_marks);
		cli_err(i18n_get(I18N_FORMS_HANDWRITE), count);
	}
done:
	forms_local_free(&l);
	free(patients);
	json_decref(doc);
	free(dept);
	return rc;
}

int cmd_forms_print(struct cli_ctx *ctx, const struct cli_args *args)
{
	return cli_flag(args, "offline") ? print_offline(ctx, args) : print_online(ctx, args);
}

/* ---------- lifeline forms sync ---------- */

int cmd_forms_sync(struct cli_ctx *ctx, const struct cli_args *args)
{
	const char *dept = cli_value(args, "dept");
	char url[PATH_SIZE], when[TIME_SIZE];
	const json_t *d;
	json_t *answer = NULL;
	char *path = NULL;
	int rc;

	snprintf(url, sizeof(url), "/api/v1/forms/data%s%s", dept ? "?dept=" : "", dept ? dept : "");
	rc = cli_call(ctx, "GET", url, NULL, NULL, &answer);
	if (rc != CLI_EXIT_OK)
		return rc;
	rc = forms_cache_save(answer, &path);
	if (rc != 0) {
		if (rc == LL_EINVAL)
			cli_err(i18n_get(I18N_ERR_ANSWER_LACKS), "department/code, snapshot_time");
		else
			cli_err(i18n_get(I18N_FORMS_WARN_NOT_SYNCED),
				rc == LL_EIO ? strerror(errno) : lifeline_strerror(rc));
		json_decref(answer);
		return CLI_EXIT_REFUSED;
	}
	d = json_object_get(answer, "department");
	if (ctx->json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "department", cli_str(d, "code"), "file", path,
			"snapshot_time", cli_str(answer, "snapshot_time"), "patients",
			(json_int_t)json_array_size(json_object_get(answer, "patients")));

		cli_print_json(o);
		json_decref(o);
	} else {
		printf(i18n_get(I18N_FORMS_SYNCED), cli_str(d, "code"),
			json_array_size(json_object_get(answer, "patients")),
			cli_time_text(cli_str(answer, "snapshot_time"), when, sizeof(when)), path);
	}
	free(path);
	json_decref(answer);
	return CLI_EXIT_OK;
}
