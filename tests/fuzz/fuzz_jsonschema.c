/*
 * libFuzzer target for proto/jsonschema.
 *
 * Input: "<schema JSON> NUL <instance JSON>": both are fuzzed, so compiling
 * sees hostile schemas (patterns, $refs, nesting) as well. Without a NUL the
 * whole input is an instance, validated against a few schemas shaped like
 * Lifeline's own (records, forms, config).
 *
 * Besides the sanitizers, it checks what callers rely on: validate() and
 * validate_all() agree, and every error text is NUL-terminated valid UTF-8
 * (the server puts it into JSON responses).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonschema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const project_schemas[] = {
	/* a patient record */
	"{\"$schema\": \"http://json-schema.org/draft-07/schema#\", \"type\": \"object\","
	" \"required\": [\"mrn\", \"name\", \"dob\"], \"additionalProperties\": false,"
	" \"properties\": {"
	"  \"mrn\": {\"type\": \"string\", \"pattern\": \"^[A-Z]{2}\\\\d{6,8}$\"},"
	"  \"name\": {\"type\": \"string\", \"minLength\": 1, \"maxLength\": 120,"
	"           \"pattern\": \"^[^\\\\s].*[^\\\\s]$|^\\\\S$\"},"
	"  \"dob\": {\"type\": \"string\", \"format\": \"date\"},"
	"  \"sex\": {\"enum\": [\"female\", \"male\", \"other\", \"unknown\"]},"
	"  \"admitted\": {\"type\": \"string\", \"format\": \"date-time\"},"
	"  \"weight_kg\": {\"type\": \"number\", \"exclusiveMinimum\": 0, \"maximum\": 500},"
	"  \"allergies\": {\"type\": \"array\", \"uniqueItems\": true, \"maxItems\": 50,"
	"                \"items\": {\"$ref\": \"#/definitions/code\"}}},"
	" \"definitions\": {\"code\": {\"type\": \"object\", \"required\": [\"system\", \"code\"],"
	"  \"properties\": {\"system\": {\"const\": \"snomed\"}, \"code\": {\"type\": \"string\"}}}}}",
	/* a form template: recursive groups of fields */
	"{\"definitions\": {\"field\": {\"type\": \"object\", \"required\": [\"id\", \"kind\"],"
	"  \"properties\": {\"id\": {\"type\": \"string\", \"pattern\": \"^[a-z][a-z0-9_]*$\"},"
	"   \"kind\": {\"enum\": [\"text\", \"number\", \"date\", \"choice\", \"group\"]},"
	"   \"label\": {\"type\": \"string\"},"
	"   \"choices\": {\"type\": \"array\", \"minItems\": 1, \"items\": {\"type\": \"string\"}},"
	"   \"fields\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/definitions/field\"}}},"
	"  \"oneOf\": [{\"properties\": {\"kind\": {\"const\": \"group\"}}, \"required\": [\"fields\"]},"
	"            {\"properties\": {\"kind\": {\"not\": {\"const\": \"group\"}}}}]}},"
	" \"type\": \"object\", \"required\": [\"title\", \"fields\"],"
	" \"properties\": {\"title\": {\"type\": \"string\"}, \"version\": {\"type\": \"integer\", \"minimum\": 1},"
	"  \"fields\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/definitions/field\"}}}}",
	/* a config file */
	"{\"type\": \"object\", \"properties\": {"
	"  \"listen\": {\"type\": \"string\", \"pattern\": \"^(\\\\d{1,3}\\\\.){3}\\\\d{1,3}:\\\\d+$\"},"
	"  \"log_level\": {\"enum\": [\"debug\", \"info\", \"warning\", \"error\"]},"
	"  \"workers\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 64},"
	"  \"his\": {\"anyOf\": [{\"type\": \"null\"}, {\"type\": \"object\", \"required\": [\"url\"],"
	"          \"properties\": {\"url\": {\"type\": \"string\", \"pattern\": \"^https?://\"},"
	"                         \"timeout_ms\": {\"type\": [\"integer\", \"null\"]}}}]},"
	"  \"wards\": {\"type\": \"array\", \"items\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]}},"
	" \"allOf\": [{\"not\": {\"required\": [\"legacy\"]}}]}",
};

#define NSCHEMAS (sizeof project_schemas / sizeof project_schemas[0])

static bool text_ok(const char *s, size_t size)
{
	json_t *j;

	if (!memchr(s, '\0', size))
		return false;
	j = json_string(s); /* NULL unless valid UTF-8 */
	json_decref(j);
	return j != NULL;
}

static void check_error(const jsonschema_error *e)
{
	if (!text_ok(e->pointer, sizeof e->pointer) || !text_ok(e->keyword, sizeof e->keyword)
			|| !text_ok(e->message, sizeof e->message))
		abort();
}

static void exercise(const jsonschema *s, json_t *instance)
{
	jsonschema_error first, all[8];
	bool valid = jsonschema_validate(s, instance, &first);
	size_t n = jsonschema_validate_all(s, instance, all, 8);

	if (valid != (n == 0))
		abort();
	if (!valid)
		check_error(&first);
	for (size_t i = 0; i < n && i < 8; i++)
		check_error(&all[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static jsonschema *fixed[NSCHEMAS];
	const uint8_t *nul = memchr(data, '\0', size);
	json_error_t je;
	json_t *instance;

	if (!fixed[0]) {
		for (size_t i = 0; i < NSCHEMAS; i++) {
			json_t *doc = json_loads(project_schemas[i], 0, &je);
			jsonschema_error err;

			if (!doc || jsonschema_compile(doc, &fixed[i], &err) != LL_OK)
				abort(); /* the fixed schemas must stay valid */
			json_decref(doc);
		}
	}
	if (!nul) {
		instance = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (!instance)
			return 0;
		for (size_t i = 0; i < NSCHEMAS; i++)
			exercise(fixed[i], instance);
	} else {
		size_t slen = (size_t)(nul - data);
		json_t *doc = json_loadb((const char *)data, slen,
			JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
		jsonschema_error err;
		jsonschema *s;

		if (!doc)
			return 0;
		if (jsonschema_compile(doc, &s, &err) != LL_OK) {
			check_error(&err);
			json_decref(doc);
			return 0;
		}
		json_decref(doc); /* the compiled schema holds its own reference */
		instance = json_loadb((const char *)nul + 1, size - slen - 1,
			JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (instance)
			exercise(s, instance);
		jsonschema_free(s);
	}
	json_decref(instance);
	return 0;
}
