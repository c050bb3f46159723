/*
 * body — turning a request body into a validated JSON document: content
 * type, UTF-8 and JSON syntax (jansson rejects invalid UTF-8 and duplicate
 * keys), then the route's schema. Pure: no I/O, no loop, so the fuzz target
 * (tests/fuzz/fuzz_request.c) drives exactly the code the server runs.
 */
#pragma once

#include <stddef.h>
#include <jansson.h>

#include "jsonschema.h"

struct body_error {
	int status;          /* HTTP status to answer with */
	const char *code;    /* "unsupported_media_type", "invalid_json", "invalid", "body_required" */
	char field[256];     /* JSON pointer, "" when not about a field */
	char message[512];
};

/* True when the Content-Type header names JSON (application/json[; charset=...]). */
bool body_content_type_is_json(const char *content_type);

/*
 * Parse and validate. data may be NULL when len == 0. schema may be NULL (no
 * check). On success returns 0 and *out is the document (NULL for an empty
 * body without a schema); the caller owns it. On failure returns LL_EINVAL
 * and fills *err.
 */
int body_parse(const char *content_type, const char *data, size_t len,
	const jsonschema *schema, json_t **out, struct body_error *err);
