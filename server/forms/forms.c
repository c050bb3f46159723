/*
 * forms — the template set and print jobs (see forms.h). The print register's
 * routes are in forms_register.c.
 */
#include "forms_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "clock.h"
#include "db.h"
#include "lifeline_build.h"
#include "log.h"
#include "work.h"

int forms_new(const struct http_env *env, json_t *config, struct forms **out, char *err,
	size_t errlen)
{
	const char *dir = json_string_value(json_object_get(json_object_get(config, "paths"),
		"templates"));
	const char *tz = json_string_value(json_object_get(json_object_get(config, "notify"),
		"timezone"));
	struct forms *f = calloc(1, sizeof(*f));
	printforms_options opt = { 0 };
	printforms_error pe = { { 0 }, { 0 } };
	int rc;

	*out = NULL;
	if (!f)
		return LL_ENOMEM;
	f->env = *env;
	snprintf(f->timezone, sizeof(f->timezone), "%s", tz ? tz : "Asia/Shanghai");
	opt.template_dir = dir ? dir : LIFELINE_SOURCE_ROOT "/printforms/templates";
	rc = printforms_open(&opt, &f->pf, &pe);
	if (rc != 0) {
		snprintf(err, errlen, "/paths/templates: %s%s%s", pe.where, pe.where[0] ? ": " : "",
			pe.message);
		free(f);
		return rc == PRINTFORMS_ENOMEM ? LL_ENOMEM : LL_EINVAL;
	}
	log_info("forms: %zu templates from %s", printforms_count(f->pf), opt.template_dir);
	*out = f;
	return 0;
}

void forms_free(struct forms *f)
{
	if (!f)
		return;
	printforms_close(f->pf);
	free(f);
}

/* ---------- a print job ---------- */

struct print {
	http_ctx *ctx;
	struct forms *f;
	char dept[72], job_id[24], outage[24], snapshot[24];
	json_t *doc;                 /* the department's data (printforms shape) */
	json_t *items;               /* the job as asked */
	printforms_data *data;
	printforms_job *job;
	printforms_plan *plan;
	printforms_result *res;
	printforms_error err;
	int rc;
	char (*serials)[PRINTFORMS_SERIAL_MAX + 1];
	size_t n;
};

static void print_free(struct print *p)
{
	printforms_result_free(p->res);
	printforms_plan_free(p->plan);
	printforms_job_free(p->job);
	printforms_data_free(p->data);
	json_decref(p->doc);
	json_decref(p->items);
	free(p->serials);
	free(p);
}

/* A statement of the job; when it cannot be queued, the job ends here with a 503. */
static void print_query(struct print *p, const char *sql, int n, const char *const *params,
	void (*cb)(int, PGresult *, void *))
{
	if (db_query(http_ctx_env(p->ctx)->db, sql, n, params, cb, p) != 0) {
		http_reply_db_error(p->ctx, LL_EDBDOWN, NULL);
		print_free(p);
	}
}

/* A printforms failure as the API's answer. */
static void reply_pf_error(http_ctx *ctx, int rc, const printforms_error *e)
{
	if (rc == PRINTFORMS_ENOTFOUND || rc == PRINTFORMS_EINVAL || rc == PRINTFORMS_ETOOBIG)
		http_reply_error(ctx, rc == PRINTFORMS_ETOOBIG ? 413 : 400, "invalid", "/items",
			"cannot print: %s%s%s", e->where, e->where[0] ? ": " : "", e->message);
	else
		http_reply_error(ctx, 500, "internal", NULL, "cannot print: %s", e->message);
}

static void on_failed_recorded(int err, PGresult *res, void *arg)
{
	(void)err;
	(void)res;
	(void)arg;
}

static void on_printed_recorded(int err, PGresult *res, void *arg)
{
	if (err || PQresultStatus(res) != PGRES_COMMAND_OK)
		log_warn("print job %s: its outcome could not be recorded", (char *)arg);
	free(arg);
}

static void render_run(void *arg)
{
	struct print *p = arg;
	const char **serials = calloc(p->n, sizeof(*serials));

	if (!serials) {
		p->rc = PRINTFORMS_ENOMEM;
		return;
	}
	for (size_t i = 0; i < p->n; i++)
		serials[i] = p->serials[i];
	p->rc = printforms_render(p->plan, serials, p->n, &p->res, &p->err);
	free(serials);
}

static json_t *marks_json(const printforms_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->n_marks; i++)
		json_array_append_new(a, json_pack("{s:I, s:s, s:s?, s:s, s:I}",
			"page", (json_int_t)r->marks[i].page, "form", r->marks[i].form,
			"patient", r->marks[i].patient, "field", r->marks[i].field,
			"codepoint", (json_int_t)r->marks[i].codepoint));
	return a;
}

static void render_done(void *arg, bool cancelled)
{
	struct print *p = arg;
	http_ctx *ctx = p->ctx;
	const char *params[3] = { p->job_id, NULL, NULL };
	struct evbuffer *out;
	char pages[24], marks[24], disposition[160];
	char *marks_text = NULL;

	if (cancelled || p->rc != 0) {
		params[1] = cancelled ? "the server stopped" : p->err.message;
		if (db_query_background(http_ctx_env(ctx)->db,
				"WITH j AS (UPDATE print_jobs SET status = 'failed', error = $2 WHERE id = $1) "
				"UPDATE form_serials SET voided_at = issued_at, voided_by = 'lifeline', "
				"void_reason = 'the print job failed' WHERE print_job_id = $1",
				2, params, on_failed_recorded, NULL) != 0)
			log_warn("print job %s failed and could not be recorded", p->job_id);
		log_error("[req %s] print job %s failed: %s", http_ctx_request_id(ctx), p->job_id,
			params[1]);
		if (cancelled)
			http_reply_error(ctx, 503, "unavailable", NULL, "the server is stopping");
		else
			reply_pf_error(ctx, p->rc, &p->err);
		print_free(p);
		return;
	}
	{
		json_t *m = marks_json(p->res);

		marks_text = m ? json_dumps(m, JSON_COMPACT) : NULL;
		json_decref(m);
	}
	params[1] = marks_text ? marks_text : "[]";
	if (db_query_background(http_ctx_env(ctx)->db,
			"UPDATE print_jobs SET status = 'printed', handwrite = $2::jsonb WHERE id = $1",
			2, params, on_printed_recorded, strdup(p->job_id)) != 0)
		log_warn("print job %s: its outcome could not be recorded", p->job_id);
	free(marks_text);
	out = evbuffer_new();
	if (!out) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		print_free(p);
		return;
	}
	evbuffer_add(out, p->res->pdf, p->res->pdf_len);
	snprintf(pages, sizeof(pages), "%zu", p->res->pages);
	snprintf(marks, sizeof(marks), "%zu", p->res->n_marks);
	snprintf(disposition, sizeof(disposition), "inline; filename=\"%s-%s.pdf\"", p->dept, p->job_id);
	http_ctx_add_header(ctx, "Content-Disposition", disposition);
	http_ctx_add_header(ctx, "X-Lifeline-Print-Job", p->job_id);
	http_ctx_add_header(ctx, "X-Lifeline-Pages", pages);
	http_ctx_add_header(ctx, "X-Lifeline-Handwrite", marks);
	http_ctx_add_header(ctx, "X-Lifeline-First-Serial", p->serials[0]);
	log_info("[req %s] print job %s: %s, %zu pages, %zu fields for handwriting",
		http_ctx_request_id(ctx), p->job_id, p->dept, p->res->pages, p->res->n_marks);
	http_reply_text(ctx, 200, "application/pdf", out);
	evbuffer_free(out);
	print_free(p);
}

static void on_reserved(int err, PGresult *res, void *arg)
{
	struct print *p = arg;
	http_ctx *ctx = p->ctx;

	if (http_db_failed(ctx, err, res)) {
		print_free(p);
		return;
	}
	if ((size_t)PQntuples(res) != p->n) {
		http_reply_error(ctx, 500, "internal", NULL, "cannot reserve the serials");
		print_free(p);
		return;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		long page = strtol(PQgetvalue(res, i, 1), NULL, 10);

		if (page < 1 || (size_t)page > p->n) {
			http_reply_error(ctx, 500, "internal", NULL, "cannot reserve the serials");
			print_free(p);
			return;
		}
		snprintf(p->serials[page - 1], PRINTFORMS_SERIAL_MAX + 1, "%s", PQgetvalue(res, i, 0));
		snprintf(p->job_id, sizeof(p->job_id), "%s", PQgetvalue(res, i, 2));
	}
	http_ctx_audit(ctx, "print_job", p->job_id, json_pack("{s:s, s:I}", "department", p->dept,
		"pages", (json_int_t)p->n));
	if (work_submit(http_ctx_env(ctx)->work, render_run, render_done, p) != 0) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		print_free(p);
	}
}

/* The plan is made: write the job and one serial per sheet. */
static void reserve(struct print *p)
{
	http_ctx *ctx = p->ctx;
	json_t *sheets = json_array();
	char *sheets_text, *items_text, now[24];
	const char *params[7];

	for (size_t i = 0; sheets && i < p->n; i++) {
		const printforms_sheet *s = printforms_plan_sheet(p->plan, i);

		json_array_append_new(sheets, json_pack("{s:s, s:s?, s:I, s:s?}", "form", s->form,
			"patient", s->patient, "page", (json_int_t)s->page, "copy", s->copy_label));
	}
	sheets_text = sheets ? json_dumps(sheets, JSON_COMPACT) : NULL;
	items_text = json_dumps(p->items, JSON_COMPACT);
	json_decref(sheets);
	p->serials = calloc(p->n, sizeof(*p->serials));
	if (!sheets_text || !items_text || !p->serials) {
		free(sheets_text);
		free(items_text);
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		print_free(p);
		return;
	}
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	params[0] = p->dept;
	params[1] = p->outage[0] ? p->outage : NULL;
	params[2] = p->snapshot;
	params[3] = http_ctx_user(ctx)->username;
	params[4] = now;
	params[5] = items_text;
	params[6] = sheets_text;
	print_query(p,
		"WITH t AS (SELECT to_timestamp($5::double precision / 1000) AS now), "
		"j AS (INSERT INTO print_jobs (department, outage_id, snapshot_id, requested_by, created_at, "
		" items, pages) SELECT $1, $2::bigint, $3::bigint, $4, t.now, $6::jsonb, "
		" jsonb_array_length($7::jsonb) FROM t RETURNING id), "
		"x AS (SELECT nextval('form_serial_seq') AS n, x.* FROM ROWS FROM (jsonb_to_recordset($7::jsonb) "
		" AS (form text, patient text, page int, copy text)) WITH ORDINALITY "
		" AS x(form, patient, page, copy, ord) ORDER BY x.ord) "
		"INSERT INTO form_serials (serial, print_job_id, form, department, patient, page, copy_label, "
		" outage_id, issued_by, issued_at) "
		"SELECT 'LL' || lpad(x.n::text, 7, '0') || '-' || lpad((x.n % 97)::text, 2, '0'), j.id, "
		" x.form, $1, x.patient, x.page, x.copy, $2::bigint, $4, t.now FROM x, j, t "
		"RETURNING serial, page, print_job_id",
		7, params, on_reserved);
	free(sheets_text);
	free(items_text);
}

static void plan_run(void *arg)
{
	struct print *p = arg;

	p->rc = printforms_data_parse(p->doc, &p->data, &p->err);
	if (p->rc == 0)
		p->rc = printforms_job_parse(p->items, &p->job, &p->err);
	if (p->rc == 0)
		p->rc = printforms_plan_new(p->f->pf, p->job, p->data, &p->plan, &p->err);
	if (p->rc == 0)
		p->n = printforms_plan_sheets(p->plan);
}

static void plan_done(void *arg, bool cancelled)
{
	struct print *p = arg;

	if (cancelled) {
		http_reply_error(p->ctx, 503, "unavailable", NULL, "the server is stopping");
		print_free(p);
		return;
	}
	if (p->rc != 0 || p->n == 0) {
		if (p->rc == 0)
			http_reply_error(p->ctx, 400, "invalid", "/items", "nothing to print");
		else
			reply_pf_error(p->ctx, p->rc, &p->err);
		print_free(p);
		return;
	}
	reserve(p);
}

/* An RFC 3339 time in the hospital's offset, for the sheets. */
static void local_time(char *buf, size_t len, int64_t ms, int offset_s)
{
	time_t t = (time_t)(ms / 1000) + offset_s;
	struct tm tm;
	int off = offset_s < 0 ? -offset_s : offset_s;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offset_s < 0 ? '-' : '+',
		off / 3600, off % 3600 / 60);
}

/*
 * The department's data in printforms' shape from the lookup's row: columns
 * 0 name_zh, 1 name_en, 2 snapshot id, 3 data, 4 taken ms, 5 offset s,
 * 6 outage, 7 the department's temporary number ranges in that outage.
 * NULL when out of memory.
 */
static json_t *department_doc(const PGresult *res, const char *dept)
{
	json_t *data = json_loads(PQgetvalue(res, 0, 3), 0, NULL), *wards, *doc, *patients, *prices;
	char taken[40], now[40];
	int offset = atoi(PQgetvalue(res, 0, 5));

	local_time(taken, sizeof(taken), strtoll(PQgetvalue(res, 0, 4), NULL, 10), offset);
	local_time(now, sizeof(now), clock_now_ms(), offset);
	wards = json_object_get(data, "wards");
	patients = json_object_get(wards, dept);
	prices = json_object_get(data, "price_list");
	patients = patients ? json_incref(patients) : json_array();
	prices = prices ? json_incref(prices) : json_array();
	doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:o, s:o}",
		"hospital", json_string_value(json_object_get(data, "hospital")) ?: "",
		"department", "code", dept, "name", PQgetvalue(res, 0, 0), "name_en",
		PQgetvalue(res, 0, 1),
		"snapshot_time", taken, "render_time", now,
		"patients", patients, "price_list", prices);
	if (doc && PQgetvalue(res, 0, 6)[0])
		json_object_set_new(doc, "outage_id", json_string(PQgetvalue(res, 0, 6)));
	if (doc)
		json_object_set_new(doc, "number_ranges",
			json_loads(PQgetvalue(res, 0, 7), 0, NULL) ?: json_array());
	json_decref(data);
	return doc;
}

/* The lookup found no department or no snapshot: answered, true. */
static bool context_missing(http_ctx *ctx, const PGresult *res, const char *dept)
{
	if (PQntuples(res) == 0) {
		http_reply_error(ctx, 404, "not_found", "/department", "no department %s", dept);
		return true;
	}
	if (PQgetisnull(res, 0, 2)) {
		http_reply_error(ctx, 409, "no_census", NULL,
			"no census snapshot has been taken from the HIS yet: print the blank forms");
		return true;
	}
	return false;
}

static void on_context(int err, PGresult *res, void *arg)
{
	struct print *p = arg;
	http_ctx *ctx = p->ctx;

	if (http_db_failed(ctx, err, res) || context_missing(ctx, res, p->dept)) {
		print_free(p);
		return;
	}
	snprintf(p->snapshot, sizeof(p->snapshot), "%s", PQgetvalue(res, 0, 2));
	snprintf(p->outage, sizeof(p->outage), "%s", PQgetvalue(res, 0, 6));
	p->doc = department_doc(res, p->dept);
	if (!p->doc || work_submit(http_ctx_env(ctx)->work, plan_run, plan_done, p) != 0) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		print_free(p);
	}
}

/* One statement: the department, the last complete snapshot, the open outage. */
#define CONTEXT_SQL \
	"SELECT d.name_zh, d.name_en, s.id, s.data::text, " \
	"(extract(epoch FROM s.taken_at) * 1000)::bigint, " \
	"extract(epoch FROM (now() AT TIME ZONE $2) - (now() AT TIME ZONE 'UTC'))::int, " \
	"coalesce((SELECT max(id) FROM outages WHERE status IN ('suspected', 'confirmed', 'manual', " \
	" 'recovering') AND NOT drill)::text, ''), " \
	"(SELECT coalesce(json_agg(json_build_object('kind', r.kind, 'prefix', r.prefix, " \
	" 'first', r.first, 'last', r.last, 'digits', r.digits, 'desk', r.desk) ORDER BY r.id), '[]') " \
	" FROM temp_number_ranges r WHERE r.department = d.code AND r.outage_id IS NOT DISTINCT FROM " \
	" (SELECT max(id) FROM outages WHERE status IN ('suspected', 'confirmed', 'manual', " \
	" 'recovering') AND NOT drill))::text " \
	"FROM departments d LEFT JOIN LATERAL (SELECT * FROM census_snapshots WHERE complete " \
	" ORDER BY taken_at DESC, id DESC LIMIT 1) s ON true WHERE d.code = $1"

/* The department a request is for: the body's or query's, else the user's; NULL answered. */
static const char *request_department(http_ctx *ctx, const char *dept, const char *field)
{
	const struct http_user *u = http_ctx_user(ctx);

	if (!dept)
		dept = u->department;
	if (!*dept) {
		http_reply_error(ctx, 400, "invalid", field,
			"%s is required: you belong to no department", field);
		return NULL;
	}
	if (!role_is_hospital_wide(u->role) && strcmp(dept, u->department) != 0) {
		http_reply_error(ctx, 403, "forbidden", field,
			"you may print only your own department's forms (%s)", u->department);
		return NULL;
	}
	return dept;
}

static void on_data(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	const char *dept = http_ctx_query(ctx, "dept");
	json_t *doc;

	if (!dept)
		dept = http_ctx_user(ctx)->department;
	if (http_db_failed(ctx, err, res) || context_missing(ctx, res, dept))
		return;
	doc = department_doc(res, dept);
	if (!doc) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	http_reply_json(ctx, 200, doc);
}

/* GET /api/v1/forms/data: what the client caches to print when the server is unreachable. */
void forms_handle_data(http_ctx *ctx)
{
	struct forms *f = http_ctx_arg(ctx);
	const char *dept = request_department(ctx, http_ctx_query(ctx, "dept"), "dept");
	const char *params[2] = { dept, f->timezone };

	if (dept)
		http_db_query(ctx, CONTEXT_SQL, 2, params, on_data);
}

void forms_handle_print(http_ctx *ctx)
{
	struct forms *f = http_ctx_arg(ctx);
	json_t *body = http_ctx_body(ctx);
	const char *dept = request_department(ctx,
		json_string_value(json_object_get(body, "department")), "/department");
	struct print *p;
	const char *params[2];

	if (!dept)
		return;
	if (!(p = calloc(1, sizeof(*p)))) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	p->ctx = ctx;
	p->f = f;
	snprintf(p->dept, sizeof(p->dept), "%s", dept);
	p->items = json_incref(json_object_get(body, "items"));
	params[0] = p->dept;
	params[1] = f->timezone;
	print_query(p, CONTEXT_SQL, 2, params, on_context);
}
