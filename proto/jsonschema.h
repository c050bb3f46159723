/*
 * jsonschema — a JSON Schema (draft-07) validator for the subset Lifeline uses.
 *
 * Supported keywords: type, properties, required, additionalProperties, enum,
 * const, minLength, maxLength, pattern, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, items, minItems, maxItems, uniqueItems, $ref to local
 * definitions ("#", "#/definitions/..."), allOf, anyOf, oneOf, not,
 * format "date" and "date-time", and the annotations $schema, $id, $comment,
 * title, description, default, examples, definitions.
 * A schema that uses any other keyword is refused by jsonschema_compile():
 * nothing is silently ignored.
 *
 * Ownership: jsonschema_compile() keeps its own reference to the schema
 * document; the caller keeps (and may drop) theirs. A compiled schema is
 * immutable, so it may be shared between threads.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "errors.h"

typedef struct jsonschema jsonschema;

/* One validation (or compile) error. */
typedef struct jsonschema_error {
	char pointer[256];  /* JSON pointer (RFC 6901) to the offending value, "" = root */
	char keyword[32];   /* the schema keyword that failed, e.g. "required" */
	char message[256];  /* English sentence for logs and API errors */
} jsonschema_error;

/*
 * Compile a schema document. On failure returns LL_EUNSUPPORTED (a keyword we
 * do not implement, or a remote $ref) or LL_EINVAL (a malformed schema), and
 * fills *err with the pointer into the schema and a message.
 */
int jsonschema_compile(json_t *schema, jsonschema **out, jsonschema_error *err)
	LL_MUST_CHECK;

/* Load a schema from a file and compile it; parse errors go to *err too. */
int jsonschema_load_file(const char *path, jsonschema **out, jsonschema_error *err)
	LL_MUST_CHECK;

void jsonschema_free(jsonschema *schema);

/* True when instance is valid. Otherwise fills *err (may be NULL) with the first error. */
bool jsonschema_validate(const jsonschema *schema, json_t *instance, jsonschema_error *err);

/*
 * Collect up to max errors (field by field, for forms). Returns the number
 * of errors found (which may exceed max; only max are stored). 0 = valid.
 */
size_t jsonschema_validate_all(const jsonschema *schema, json_t *instance,
	jsonschema_error *errs, size_t max);
