/*
 * forms_register — the forms there are (GET /api/v1/forms) and the print
 * register: every serial printed, by whom, when, for which patient and
 * outage, and whether it was voided (GET /api/v1/forms/serials, POST
 * /api/v1/forms/serials/{serial}/void). Department staff see and void their
 * own department's serials; admin, it and leader any.
 */
#include "forms_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "log.h"

#define PRINT_ROLES (ROLES_ALL & ~ROLE_BIT(ROLE_VIEWER))
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define SERIAL_JSON "json_build_object('serial', s.serial, 'print_job', s.print_job_id, " \
	"'form', s.form, 'department', s.department, 'patient', s.patient, 'page', s.page, " \
	"'copy', s.copy_label, 'outage_id', s.outage_id, 'issued_by', s.issued_by, " \
	"'issued_at', " ISO("s.issued_at") ", 'voided_at', " ISO("s.voided_at") ", " \
	"'voided_by', s.voided_by, 'void_reason', s.void_reason)"

static void handle_list(http_ctx *ctx)
{
	struct forms *f = http_ctx_arg(ctx);
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < printforms_count(f->pf); i++) {
		const printforms_form_info *fi = printforms_form(f->pf, i);

		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:I, "
			"s:{s:b, s:b, s:b, s:b}}",
			"code", fi->code, "name_zh", fi->name_zh, "name_en", fi->name_en,
			"paper", fi->paper, "landscape", fi->landscape, "per_patient", fi->per_patient,
			"copies", (json_int_t)fi->copies, "needs",
			"patients", (fi->needs & PRINTFORMS_NEED_PATIENTS) != 0,
			"orders", (fi->needs & PRINTFORMS_NEED_ORDERS) != 0,
			"prices", (fi->needs & PRINTFORMS_NEED_PRICES) != 0,
			"number_ranges", (fi->needs & PRINTFORMS_NEED_RANGES) != 0));
	}
	if (!arr) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	http_reply_json(ctx, 200, json_pack("{s:o}", "forms", arr));
}

/*
 * A department the user may act on: their own, any for hospital-wide roles
 * (NULL: every department). "" when refused: the answer is sent and ctx is
 * freed, so the caller must not touch it again.
 */
static const char *scope(http_ctx *ctx, const char *dept)
{
	const struct http_user *u = http_ctx_user(ctx);

	if (role_is_hospital_wide(u->role) || !u->department[0])
		return dept && *dept ? dept : NULL;
	if (dept && strcmp(dept, u->department) != 0) {
		http_reply_error(ctx, 403, "forbidden", "dept",
			"you may see only your own department's serials (%s)", u->department);
		return "";
	}
	return u->department;
}

static void on_serials(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	json_t *doc;

	if (http_db_failed(ctx, err, res))
		return;
	doc = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	if (!doc) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	http_reply_json(ctx, 200, doc);
}

static void handle_serials(http_ctx *ctx)
{
	const char *dept = scope(ctx, http_ctx_query(ctx, "dept"));
	const char *status, *params[4];

	if (dept && !*dept)
		return;   /* answered: ctx is gone */
	status = http_ctx_query(ctx, "status");
	params[0] = dept;
	params[1] = http_ctx_query(ctx, "outage");
	params[2] = status;
	params[3] = http_ctx_query(ctx, "job");
	if (status && strcmp(status, "issued") != 0 && strcmp(status, "voided") != 0) {
		http_reply_error(ctx, 400, "invalid", "status", "status '%s' is not one of issued, voided",
			status);
		return;
	}
	for (int i = 1; i <= 3; i += 2)
		if (params[i] && strspn(params[i], "0123456789") != strlen(params[i])) {
			http_reply_error(ctx, 400, "invalid", i == 1 ? "outage" : "job",
				"%s must be a positive number", i == 1 ? "outage" : "job");
			return;
		}
	http_db_query(ctx, "SELECT json_build_object('serials', coalesce(json_agg(" SERIAL_JSON
		" ORDER BY s.issued_at DESC, s.serial DESC), '[]'))::text FROM (SELECT * FROM form_serials s "
		"WHERE ($1::text IS NULL OR s.department = $1) AND ($2::bigint IS NULL OR s.outage_id = $2) "
		"AND ($3::text IS NULL OR ($3 = 'voided') = (s.voided_at IS NOT NULL)) "
		"AND ($4::bigint IS NULL OR s.print_job_id = $4) "
		"ORDER BY s.issued_at DESC, s.serial DESC LIMIT 5000) s",
		4, params, on_serials);
}

static void on_void_check(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	const char *serial = http_ctx_param(ctx, "serial");

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) == 0)
		http_reply_error(ctx, 404, "not_found", NULL, "no serial %s in the print register", serial);
	else if (PQgetvalue(res, 0, 0)[0] == 't')
		http_reply_error(ctx, 409, "already_voided", NULL, "serial %s was already voided", serial);
	else
		http_reply_error(ctx, 403, "forbidden", NULL, "serial %s is another department's", serial);
}

static void on_voided(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	const struct http_user *u = http_ctx_user(ctx);
	const char *serial = http_ctx_param(ctx, "serial");
	json_t *doc;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) == 0) {
		const char *params[1] = { serial };

		http_db_query(ctx, "SELECT voided_at IS NOT NULL FROM form_serials WHERE serial = $1",
			1, params, on_void_check);
		return;
	}
	doc = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	http_ctx_audit(ctx, "form_serial", serial, json_pack("{s:s}", "reason",
		json_string_value(json_object_get(http_ctx_body(ctx), "reason"))));
	log_info("[req %s] serial %s voided by %s", http_ctx_request_id(ctx), serial, u->username);
	http_reply_json(ctx, 200, json_pack("{s:o}", "serial", doc ? doc : json_null()));
}

static void handle_void(http_ctx *ctx)
{
	const struct http_user *u = http_ctx_user(ctx);
	char now[24];
	const char *params[5];

	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	params[0] = http_ctx_param(ctx, "serial");
	params[1] = now;
	params[2] = u->username;
	params[3] = json_string_value(json_object_get(http_ctx_body(ctx), "reason"));
	params[4] = role_is_hospital_wide(u->role) ? "*" : u->department;
	http_db_query(ctx, "UPDATE form_serials s SET voided_at = to_timestamp($2::double precision / 1000), "
		"voided_by = $3, void_reason = $4 WHERE s.serial = $1 AND s.voided_at IS NULL "
		"AND ($5 = '*' OR s.department = $5) RETURNING " SERIAL_JSON "::text",
		5, params, on_voided);
}

/* ---------- temporary number ranges ---------- */

#define RANGE_JSON "json_build_object('id', r.id, 'kind', r.kind, 'department', r.department, " \
	"'desk', r.desk, 'prefix', r.prefix, 'first', r.first, 'last', r.last, 'digits', r.digits, " \
	"'outage_id', r.outage_id, 'reserved_by', r.reserved_by, 'reserved_at', " ISO("r.reserved_at") ")"

static void on_range(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	json_t *range;

	if (http_db_failed(ctx, err, res))
		return;
	if (PQntuples(res) != 1 || !(range = json_loads(PQgetvalue(res, 0, 0), 0, NULL))) {
		http_reply_error(ctx, 404, "not_found", "/department", "no department %s",
			json_string_value(json_object_get(http_ctx_body(ctx), "department")) ?: "");
		return;
	}
	http_ctx_audit(ctx, "number_range", json_string_value(json_object_get(range, "desk")),
		json_incref(range));
	http_reply_json(ctx, 201, json_pack("{s:o}", "range", range));
}

static void handle_range_new(http_ctx *ctx)
{
	const struct http_user *u = http_ctx_user(ctx);
	json_t *body = http_ctx_body(ctx);
	const char *dept = json_string_value(json_object_get(body, "department"));
	json_t *size = json_object_get(body, "size");
	char n[24], now[24];
	const char *params[6];

	if (!dept)
		dept = u->department;
	if (!*dept) {
		http_reply_error(ctx, 400, "invalid", "/department",
			"%s is required: you belong to no department", "/department");
		return;
	}
	if (!role_is_hospital_wide(u->role) && strcmp(dept, u->department) != 0) {
		http_reply_error(ctx, 403, "forbidden", "/department",
			"you may print only your own department's forms (%s)", u->department);
		return;
	}
	snprintf(n, sizeof(n), "%lld", size ? (long long)json_integer_value(size) : 100LL);
	snprintf(now, sizeof(now), "%lld", (long long)clock_now_ms());
	params[0] = json_string_value(json_object_get(body, "kind"));
	params[1] = dept;
	params[2] = json_string_value(json_object_get(body, "desk"));
	params[3] = n;
	params[4] = u->username;
	params[5] = now;
	/* The counter row's lock makes blocks contiguous and never overlapping. */
	http_db_query(ctx,
		"WITH d AS (SELECT code FROM departments WHERE code = $2), "
		"c AS (UPDATE temp_number_counters SET next = next + $4::bigint "
		" WHERE kind = $1 AND EXISTS (SELECT 1 FROM d) "
		" RETURNING prefix, next - $4::bigint AS first, next - 1 AS last), "
		"r AS (INSERT INTO temp_number_ranges (kind, department, desk, prefix, first, last, "
		" outage_id, reserved_by, reserved_at) SELECT $1, $2, $3, c.prefix, c.first, c.last, "
		" (SELECT max(id) FROM outages WHERE status IN ('suspected', 'confirmed', 'manual', "
		" 'recovering') AND NOT drill), $5, to_timestamp($6::double precision / 1000) FROM c "
		" RETURNING *) "
		"SELECT " RANGE_JSON "::text FROM r",
		6, params, on_range);
}

static void on_ranges(int err, PGresult *res, void *arg)
{
	on_serials(err, res, arg);
}

static void handle_ranges(http_ctx *ctx)
{
	const char *dept = scope(ctx, http_ctx_query(ctx, "dept"));
	const char *params[1] = { dept };

	if (dept && !*dept)
		return;
	http_db_query(ctx, "SELECT json_build_object('ranges', coalesce(json_agg(" RANGE_JSON
		" ORDER BY r.id DESC), '[]'))::text FROM (SELECT * FROM temp_number_ranges r "
		"WHERE ($1::text IS NULL OR r.department = $1) ORDER BY r.id DESC LIMIT 1000) r",
		1, params, on_ranges);
}

static const struct http_route form_routes[] = {
	{ "GET", "/api/v1/forms", handle_list, ROLES_ALL, 0, NULL, NULL },
	{ "POST", "/api/v1/forms/print", forms_handle_print, PRINT_ROLES, HTTP_WRITE, "api/forms-print",
		"forms.print" },
	{ "GET", "/api/v1/forms/data", forms_handle_data, PRINT_ROLES, 0, NULL, NULL },
	{ "GET", "/api/v1/forms/serials", handle_serials, ROLES_ALL, 0, NULL, NULL },
	{ "POST", "/api/v1/forms/serials/{serial}/void", handle_void, PRINT_ROLES, HTTP_WRITE,
		"api/form-serial-void", "forms.void" },
	{ "GET", "/api/v1/forms/number-ranges", handle_ranges, ROLES_ALL, 0, NULL, NULL },
	{ "POST", "/api/v1/forms/number-ranges", handle_range_new, PRINT_ROLES, HTTP_WRITE,
		"api/number-range", "forms.number_range" },
};

int forms_add_routes(struct forms *f, http_server *srv)
{
	return http_server_add_routes(srv, form_routes, sizeof(form_routes) / sizeof(form_routes[0]), f);
}
