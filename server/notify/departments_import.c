/*
 * departments_import — POST /api/v1/departments/import: a JSON import
 * document (schemas/api/department-import) or a CSV file (text/csv, see
 * dept_parse.h), checked whole before anything is stored, then stored by
 * one SQL statement, so that an import is all or nothing.
 *
 * Idempotent: departments are upserted by code, contacts by (department,
 * kind, address); nothing is removed. Importing a file twice gives the same
 * registry as importing it once.
 */
#include "departments_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "db.h"
#include "dept_parse.h"
#include "events.h"
#include "log.h"
#include "schemas.h"

static const char import_sql[] =
	"WITH src AS (SELECT * FROM json_to_recordset($1::json -> 'departments') "
	" AS x(code text, name_zh text, name_en text, tier text, head_name text, contacts json)), "
	"d AS (INSERT INTO departments AS d (code, name_zh, name_en, tier, head_name) "
	" SELECT code, name_zh, name_en, tier, head_name FROM src "
	" ON CONFLICT (code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, "
	" tier = EXCLUDED.tier, head_name = coalesce(EXCLUDED.head_name, d.head_name), "
	" updated_at = now() "
	" RETURNING d.code, (xmax = 0) AS created), "
	/* The last of two equal contacts in one import wins. */
	"cs AS (SELECT DISTINCT ON (s.code, c.kind, c.address) s.code, c.kind, c.address, c.name, "
	" coalesce(c.role, 'member') AS role "
	" FROM src s, ROWS FROM (json_to_recordset(coalesce(s.contacts, '[]')) "
	" AS (kind text, address text, name text, role text)) WITH ORDINALITY "
	" AS c(kind, address, name, role, n) "
	" ORDER BY s.code, c.kind, c.address, c.n DESC), "
	"c AS (INSERT INTO department_contacts AS k (department, kind, address, name, role) "
	" SELECT code, kind, address, name, role FROM cs "
	" ON CONFLICT (department, kind, address) DO UPDATE SET name = EXCLUDED.name, "
	" role = EXCLUDED.role, active = true "
	" RETURNING (xmax = 0) AS created) "
	"SELECT (SELECT count(*) FROM d WHERE created), (SELECT count(*) FROM d WHERE NOT created), "
	" (SELECT count(*) FROM c WHERE created), (SELECT count(*) FROM c WHERE NOT created), "
	" (SELECT coalesce(json_agg(code ORDER BY code), '[]') FROM d)::text";

static json_int_t col_int(const PGresult *res, int col)
{
	return (json_int_t)strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

static void on_imported(int err, PGresult *res, void *arg)
{
	http_ctx *ctx = arg;
	struct departments *d = http_ctx_arg(ctx);
	json_t *summary, *codes, *ev;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		http_reply_db_error(ctx, err, res);
		return;
	}
	codes = json_loads(PQgetvalue(res, 0, 4), 0, NULL);
	summary = json_pack("{s:I, s:I, s:I, s:I, s:o}", "departments_created", col_int(res, 0),
		"departments_updated", col_int(res, 1), "contacts_created", col_int(res, 2),
		"contacts_updated", col_int(res, 3), "codes", codes ? codes : json_array());
	ev = json_pack("{s:s, s:O}", "action", "import", "codes", json_object_get(summary, "codes"));
	events_publish(d->events, "department", ev);
	json_decref(ev);
	http_ctx_audit(ctx, "department", NULL, json_deep_copy(summary));
	log_info("[req %s] departments imported by %s: %lld created, %lld updated",
		http_ctx_request_id(ctx), http_ctx_user(ctx)->username, (long long)col_int(res, 0),
		(long long)col_int(res, 1));
	http_reply_json(ctx, 200, json_pack("{s:o}", "imported", summary));
}

/* What the schema cannot say: each code once, each address fit for its kind. */
static bool check_document(http_ctx *ctx, json_t *doc)
{
	json_t *depts = json_object_get(doc, "departments"), *seen = json_object();
	size_t i, j;
	json_t *dept, *c;
	char field[128], why[256];
	bool ok = true;

	json_array_foreach(depts, i, dept) {
		const char *code = json_string_value(json_object_get(dept, "code"));

		if (json_object_get(seen, code)) {
			snprintf(field, sizeof(field), "/departments/%zu/code", i);
			http_reply_error(ctx, 400, "invalid", field, "%s: the department %s appears twice",
				field, code);
			ok = false;
			break;
		}
		json_object_set_new(seen, code, json_true());
		json_array_foreach(json_object_get(dept, "contacts"), j, c) {
			if (!dept_contact_ok(json_string_value(json_object_get(c, "kind")),
					json_string_value(json_object_get(c, "address")), why, sizeof(why))) {
				snprintf(field, sizeof(field), "/departments/%zu/contacts/%zu/address", i, j);
				http_reply_error(ctx, 400, "invalid", field, "%s: %s", field, why);
				ok = false;
				break;
			}
		}
		if (!ok)
			break;
	}
	json_decref(seen);
	return ok;
}

/* Every row error of a CSV file, the first one in the envelope's own fields. */
static void reply_csv_errors(http_ctx *ctx, json_t *errors)
{
	json_t *first = json_array_get(errors, 0);
	const char *field = json_string_value(json_object_get(first, "field"));
	json_int_t row = json_integer_value(json_object_get(first, "row"));
	char pointer[300], message[700];

	snprintf(pointer, sizeof(pointer), "/rows/%lld%s%s", (long long)row, field[0] ? "/" : "",
		field);
	snprintf(message, sizeof(message), "row %lld%s%s: %s%s", (long long)row,
		field[0] ? ", " : "", field, json_string_value(json_object_get(first, "message")),
		json_array_size(errors) > 1 ? " (and more: see errors)" : "");
	http_ctx_audit(ctx, "department", NULL, json_pack("{s:I}", "errors",
		(json_int_t)json_array_size(errors)));
	http_reply_json(ctx, 400, json_pack("{s:{s:s, s:s, s:s, s:o}}", "error", "code", "invalid",
		"message", message, "field", pointer, "errors", errors));
}

void departments_handle_import(http_ctx *ctx)
{
	struct departments *d = http_ctx_arg(ctx);
	const char *type = http_ctx_header(ctx, "Content-Type");
	size_t len = 0;
	const char *data = http_ctx_raw_body(ctx, &len);
	json_t *doc = NULL, *errors = NULL;
	const char *params[1];
	char *text;
	int rc;

	if (type && strncasecmp(type, "text/csv", 8) == 0 && (!type[8] || type[8] == ';')) {
		rc = dept_csv_to_import(data, len, &doc, &errors);
		if (rc == LL_EINVAL) {
			reply_csv_errors(ctx, errors);
			return;
		}
		if (rc != 0) {
			http_reply_error(ctx, 500, "internal", NULL, "out of memory");
			return;
		}
	} else if (body_content_type_is_json(type)) {
		const jsonschema *schema = schema_registry_get(d->env.schemas, "api/department-import");
		struct body_error berr;

		if (!schema) {
			http_reply_error(ctx, 500, "internal", NULL, "internal error: request schema missing");
			return;
		}
		if (body_parse(type, data, len, schema, &doc, &berr) != 0) {
			http_reply_error(ctx, berr.status, berr.code, berr.field[0] ? berr.field : NULL,
				"%s", berr.message);
			return;
		}
		if (!check_document(ctx, doc)) {
			json_decref(doc);
			return;
		}
	} else {
		http_reply_error(ctx, 415, "unsupported_media_type", NULL,
			"send the import as application/json or text/csv");
		return;
	}
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text) {
		http_reply_error(ctx, 500, "internal", NULL, "out of memory");
		return;
	}
	params[0] = text;
	if (db_query(d->env.db, import_sql, 1, params, on_imported, ctx) != 0)
		http_reply_db_error(ctx, LL_EDBDOWN, NULL);
	free(text);
}
