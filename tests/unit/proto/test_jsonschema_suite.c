/*
 * Runs the official JSON Schema Test Suite (draft-07) against proto/jsonschema.
 *
 * For every group of every file: if the schema compiles, every case must
 * give the expected valid/invalid answer. If it is refused with
 * LL_EUNSUPPORTED the group is skipped — but in the files of keywords we
 * claim to support, only when the refusal names a keyword we do not support
 * (or a remote/relative $ref, or $id below the root); any other refusal
 * there is a failure. A missing suite directory is a failure, not a skip.
 *
 * Suite root: $JSON_SCHEMA_TEST_SUITE, else /usr/share/json-schema-test-suite
 * (Debian package json-schema-test-suite).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonschema.h"

/* Files (under tests/draft7/, without ".json") whose keyword we support. */
static const char *const supported_files[] = {
	"type", "properties", "required", "additionalProperties", "enum", "const",
	"minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
	"exclusiveMaximum", "items", "minItems", "maxItems", "uniqueItems", "ref",
	"definitions", "allOf", "anyOf", "oneOf", "not", "boolean_schema", "default",
	"optional/format/date", "optional/format/date-time", "optional/zeroTerminatedFloats",
};

/* Keywords jsonschema.h implements; a refusal naming one of these is suspect. */
static const char *const supported_keywords[] = {
	"type", "properties", "required", "additionalProperties", "enum", "const",
	"minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
	"exclusiveMaximum", "items", "minItems", "maxItems", "uniqueItems", "allOf",
	"anyOf", "oneOf", "not", "format", "definitions", "$schema", "$comment",
	"title", "description", "default", "examples", "readOnly", "writeOnly",
};

struct tally {
	unsigned passed, failed, skipped;
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/*
 * A refusal is legitimate when it names a keyword we do not implement, or
 * is one of the documented limits of the keywords we do: $ref outside the
 * document and $id below the root.
 */
static bool legitimate_refusal(const jsonschema_error *err)
{
	if (strcmp(err->keyword, "$ref") == 0)
		return strstr(err->message, "is not supported") != NULL;
	if (strcmp(err->keyword, "$id") == 0)
		return strstr(err->message, "only supported at the root") != NULL;
	return !in_list(err->keyword, supported_keywords,
		sizeof supported_keywords / sizeof supported_keywords[0]);
}

static void run_file(const char *root, const char *name, struct tally *total)
{
	bool supported = in_list(name, supported_files,
		sizeof supported_files / sizeof supported_files[0]);
	struct tally t = { 0, 0, 0 };
	char path[1024];
	json_error_t jerr;
	json_t *groups;
	size_t gi;
	json_t *group;

	snprintf(path, sizeof path, "%s/tests/draft7/%s.json", root, name);
	groups = json_load_file(path, 0, &jerr);
	if (!json_is_array(groups)) {
		printf("FAIL %s: cannot load: line %d: %s\n", name, jerr.line, jerr.text);
		total->failed++;
		json_decref(groups);
		return;
	}
	json_array_foreach(groups, gi, group) {
		const char *gdesc = json_string_value(json_object_get(group, "description"));
		jsonschema_error err;
		jsonschema *s;
		json_t *test;
		size_t ti;
		int rc = jsonschema_compile(json_object_get(group, "schema"), &s, &err);

		if (rc == LL_EUNSUPPORTED && (!supported || legitimate_refusal(&err))) {
			t.skipped++;
			if (supported)
				printf("  skip %s / \"%s\": %s (schema %s)\n", name, gdesc,
					err.message, err.pointer[0] ? err.pointer : "root");
			continue;
		}
		if (rc != LL_OK) {
			printf("FAIL %s / \"%s\": compile returned %s: %s (schema %s)\n", name, gdesc,
				lifeline_strerror(rc), err.message, err.pointer);
			t.failed += (unsigned)json_array_size(json_object_get(group, "tests"));
			continue;
		}
		json_array_foreach(json_object_get(group, "tests"), ti, test) {
			bool want = json_is_true(json_object_get(test, "valid"));
			json_t *data = json_object_get(test, "data");
			bool got = jsonschema_validate(s, data, &err);
			jsonschema_error all[8];
			size_t nall = jsonschema_validate_all(s, data, all, 8);

			/* validate and validate_all must agree. */
			if (got == want && (nall == 0) == got) {
				t.passed++;
				continue;
			}
			t.failed++;
			{
				char *text = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);

				printf("FAIL %s / \"%s\" / \"%s\": data %s expected %s, got %s "
					"(validate_all: %zu errors)%s%s%s%s\n",
					name, gdesc, json_string_value(json_object_get(test, "description")),
					text ? text : "?", want ? "valid" : "invalid", got ? "valid" : "invalid",
					nall, got ? "" : ": ", got ? "" : err.pointer,
					got ? "" : " ", got ? "" : err.message);
				free(text);
			}
		}
		jsonschema_free(s);
	}
	json_decref(groups);
	printf("%-32s %4u passed, %u failed, %u groups skipped%s\n", name, t.passed, t.failed,
		t.skipped, supported ? "" : " (keyword not supported)");
	total->passed += t.passed;
	total->failed += t.failed;
	total->skipped += t.skipped;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *root = getenv("JSON_SCHEMA_TEST_SUITE");
	char dirpath[1024], *names[256];
	size_t n = 0;
	struct tally total = { 0, 0, 0 };
	struct dirent *e;
	DIR *d;

	if (!root || !*root)
		root = "/usr/share/json-schema-test-suite";
	snprintf(dirpath, sizeof dirpath, "%s/tests/draft7", root);
	d = opendir(dirpath);
	if (!d) {
		printf("FAIL: the JSON Schema Test Suite is missing at %s (install the Debian "
			"package json-schema-test-suite or set JSON_SCHEMA_TEST_SUITE)\n", dirpath);
		return 1;
	}
	while ((e = readdir(d)) && n < sizeof names / sizeof names[0] - 3) {
		size_t len = strlen(e->d_name);

		if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)
			names[n++] = strndup(e->d_name, len - 5);
	}
	closedir(d);
	qsort(names, n, sizeof names[0], name_cmp);
	/*
	 * Of the optional files, only the formats we assert and the float rule;
	 * the other formats are annotations here, and bignum needs numbers
	 * jansson cannot hold.
	 */
	names[n++] = strdup("optional/format/date");
	names[n++] = strdup("optional/format/date-time");
	names[n++] = strdup("optional/zeroTerminatedFloats");
	for (size_t i = 0; i < n; i++) {
		if (!names[i]) {
			printf("FAIL: out of memory\n");
			return 1;
		}
		run_file(root, names[i], &total);
		free(names[i]);
	}
	if (total.passed == 0)
		total.failed++;
	printf("json-schema-test-suite draft7: %u cases passed, %u failed, "
		"%u groups skipped (unsupported keyword)\n", total.passed, total.failed, total.skipped);
	return total.failed ? 1 : 0;
}
