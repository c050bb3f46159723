/*
 * libFuzzer target: the JSON request path of lifelined — content type,
 * UTF-8 and JSON parsing, and validation against the API's real request
 * schemas — through body_parse(), the function the server calls.
 *
 * Input layout: byte 0 picks the schema, byte 1 the Content-Type header,
 * the rest is the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "body.h"
#include "jsonschema.h"
#include "lifeline_build.h"

static const char *const schema_files[] = {
	LIFELINE_SOURCE_ROOT "/schemas/api/login.schema.json",
	LIFELINE_SOURCE_ROOT "/schemas/api/user-create.schema.json",
	LIFELINE_SOURCE_ROOT "/schemas/config.schema.json",
};
#define NSCHEMAS (sizeof(schema_files) / sizeof(schema_files[0]))

static const char *const content_types[] = {
	"application/json", "application/json; charset=utf-8", "text/plain", NULL,
	"APPLICATION/JSON", " application/jsonx",
};
#define NTYPES (sizeof(content_types) / sizeof(content_types[0]))

static jsonschema *schemas[NSCHEMAS];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NSCHEMAS; i++) {
		jsonschema_error err;

		if (jsonschema_load_file(schema_files[i], &schemas[i], &err) != 0) {
			fprintf(stderr, "%s: %s\n", schema_files[i], err.message);
			abort();
		}
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const jsonschema *schema;
	const char *ct;
	struct body_error err;
	json_t *doc = NULL;

	if (size < 2)
		return 0;
	schema = data[0] % (NSCHEMAS + 1) == NSCHEMAS ? NULL : schemas[data[0] % (NSCHEMAS + 1)];
	ct = content_types[data[1] % NTYPES];
	if (body_parse(ct, (const char *)data + 2, size - 2, schema, &doc, &err) == 0)
		json_decref(doc);
	else if (err.status < 400 || err.status > 499 || !err.code)
		abort();
	return 0;
}
