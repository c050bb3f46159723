/*
 * jsonschema — a JSON Schema (draft-07) validator for the subset Lifeline uses.
 *
 * Supported keywords: type, properties, required, additionalProperties, enum,
 * const, minLength, maxLength, pattern, minimum, maximum, exclusiveMinimum,
 * exclusiveMaximum, items, minItems, maxItems, uniqueItems, $ref to local
 * definitions ("#", "#/definitions/..."), allOf, anyOf, oneOf, not,
 * format "date" and "date-time", and the annotations $schema, $id, $comment,
 * title, description, default, examples, definitions, readOnly, writeOnly.
 * A schema that uses any other keyword is refused by jsonschema_compile():
 * nothing is silently ignored.
 *
 * Decisions, where draft-07 leaves room or we chose a subset:
 *   format     "date" and "date-time" (RFC 3339; real calendar, leap years, T/t,
 *              Z/z or an offset, a leap second only at 23:59:60 UTC) are
 *              asserted. Any other format name is an annotation: accepted and
 *              not checked, as draft-07 does by default. Formats apply to strings.
 *   type       "integer" accepts numbers with a zero fraction (1.0).
 *   equality   enum, const and uniqueItems compare by JSON value: 1 == 1.0,
 *              object keys in any order.
 *   minLength, maxLength count Unicode code points, not bytes.
 *   pattern    ECMA-262, translated to a POSIX ERE and searched unanchored;
 *              what cannot be translated exactly (lookaround, \b, \p{..},
 *              backreferences...) is refused. See jsonschema_format.h.
 *   $ref       a JSON pointer into the same document ("#", "#/definitions/a",
 *              "#/properties/x"), with ~0 ~1 and %-escapes; it may be prefixed
 *              by the root $id. Remote and relative references, and plain-name
 *              fragments ("#foo"), are refused. As draft-07 says, keywords
 *              beside a $ref are ignored when validating (they are still
 *              compiled, so an unsupported one is still refused).
 *   $id        only at the root. $schema must name draft-07.
 *   exclusiveMinimum/Maximum take the draft-07 number; draft-04 booleans are refused.
 *   items      one schema, or an array of schemas (tuple form; later items are
 *              free). additionalItems is not supported.
 *
 * Limits, so that no schema or instance can exhaust the stack or the CPU:
 * a schema nested more than 128 levels is refused (LL_EINVAL); validation
 * stops with an error (keyword "$ref") past 64 $ref jumps or 256 nested
 * checks, e.g. for {"$ref": "#"}, and with an error at the root (keyword
 * "limit") after 1,000,000 checks, e.g. for anyOf branches that recurse.
 *
 * Errors: compile errors point into the schema, at the offending keyword
 * ("/properties/a/if"); validation errors point into the instance. A
 * "required" error points at the missing property ("/patient/name"), an
 * "additionalProperties" one at the extra property, a "uniqueItems" one at the
 * repeated item. anyOf, oneOf and not give one error at their own place, not
 * one per branch. A false schema fails with keyword "false". Texts that do not
 * fit their buffers are cut on a character boundary: always valid UTF-8.
 *
 * Ownership: jsonschema_compile() keeps its own reference to the schema
 * document; the caller keeps (and may drop) theirs, but must not modify the
 * document afterwards. Instances are only read. A compiled schema is
 * immutable, so it may be shared between threads; each validation keeps its
 * state on the caller's stack.
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
 * do not implement, or a remote $ref) or LL_EINVAL (a malformed schema), or
 * LL_ENOMEM, and fills *err (may be NULL) with the pointer into the schema,
 * the keyword and a message; *out is then NULL.
 */
int jsonschema_compile(json_t *schema, jsonschema **out, jsonschema_error *err)
	LL_MUST_CHECK;

/*
 * Load a schema from a file (duplicate keys are an error) and compile it.
 * LL_EIO if the file cannot be read; LL_EINVAL for bad JSON, with
 * "line N column M: text" in err->message; then as jsonschema_compile().
 */
int jsonschema_load_file(const char *path, jsonschema **out, jsonschema_error *err)
	LL_MUST_CHECK;

/* Free a compiled schema; NULL is fine. */
void jsonschema_free(jsonschema *schema);

/* True when instance is valid. Otherwise fills *err (may be NULL) with the first error. */
bool jsonschema_validate(const jsonschema *schema, json_t *instance, jsonschema_error *err);

/*
 * Collect up to max errors (field by field, for forms). Returns the number
 * of errors found (which may exceed max; only max are stored). 0 = valid.
 */
size_t jsonschema_validate_all(const jsonschema *schema, json_t *instance,
	jsonschema_error *errs, size_t max);
