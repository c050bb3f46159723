/*
 * dept_parse — the pure half of the department registry: reading a CSV
 * import into the same JSON document a JSON import sends, and checking a
 * contact's address against its kind. No I/O, no loop: unit tests and the
 * server run the same code.
 *
 * Words:
 *   record — one CSV line (or several, when a quoted field holds newlines);
 *            its row number is the line it starts on, the header being 1.
 *   import document — {"departments": [{"code", "name_zh", "name_en",
 *            "tier", "contacts": [{"kind", "address", "name"?, "role"?}]}]}:
 *            what POST /api/v1/departments/import takes as JSON.
 *
 * CSV columns (any order, by header name): code, name_zh, name_en, tier,
 * contact_kind, contact_address, contact_name, contact_role. A department
 * takes several rows, one per contact; its names and tier come from its
 * first row and later rows must agree or leave them empty. A row without
 * contact_kind and contact_address names the department only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "errors.h"

/* Longest field kept, in bytes; a longer one is an error of its row. */
#define DEPT_CSV_FIELD_MAX 1024
/* Errors listed at most (the first ones); the count goes on. */
#define DEPT_CSV_ERRORS_MAX 50

/*
 * One CSV record at a time. Handles "quoted" fields with "" escapes, commas
 * and newlines inside quotes, LF and CRLF line ends, a UTF-8 byte-order mark
 * at the start, and empty lines (skipped). *pos and *line are where to
 * continue (start both at 0). Returns 1 with the record's fields (an array of
 * strings, new reference) and *row its starting line; 0 at the end;
 * LL_EINVAL for a quote left open, a stray quote, a field that is not UTF-8
 * or longer than DEPT_CSV_FIELD_MAX (*row is then the line the record starts
 * on and *why a static English reason); LL_ENOMEM.
 */
int dept_csv_next(const char *data, size_t len, size_t *pos, size_t *line, json_t **fields,
	size_t *row, const char **why) LL_MUST_CHECK;

/*
 * The whole CSV to an import document. Returns 0 with *doc (new reference),
 * or LL_EINVAL with *errors an array of {"row": N, "field": "tier",
 * "message": "..."} (new reference, at most DEPT_CSV_ERRORS_MAX entries) and
 * nothing in *doc; LL_ENOMEM.
 */
int dept_csv_to_import(const char *data, size_t len, json_t **doc, json_t **errors) LL_MUST_CHECK;

/*
 * Whether address fits kind: email "local@domain", phone and sms digits
 * with + - ( ) and spaces, webhook/wecom/dingtalk an http(s) URL. On false,
 * why (English, for the error message) is filled.
 */
bool dept_contact_ok(const char *kind, const char *address, char *why, size_t whylen);

/* The checks the database makes too, to name the field before it does. */
bool dept_code_ok(const char *code);
bool dept_tier_ok(const char *tier);
bool dept_kind_ok(const char *kind);
bool dept_role_ok(const char *role);
