/*
 * Unit tests of proto/jsonschema: each keyword, the error pointers and
 * messages a form or a log line shows, the refusal of what we do not
 * implement, and the limits that keep a hostile schema from hurting us.
 * Memory: the module uses malloc directly, so leaks are caught by the
 * ASan build (-Db_sanitize=address,undefined), not by cmocka's allocator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jsonschema.h"

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);

	if (!j)
		fail_msg("test JSON does not parse: %s: %s", text, je.text);
	return j;
}

static int compile_text(const char *text, jsonschema **out, jsonschema_error *err)
{
	json_t *doc = parse(text);
	int rc = jsonschema_compile(doc, out, err);

	json_decref(doc); /* the compiled schema keeps its own reference */
	return rc;
}

static jsonschema *compile_ok(const char *text)
{
	jsonschema_error err;
	jsonschema *s = NULL;
	int rc = compile_text(text, &s, &err);

	if (rc != LL_OK)
		fail_msg("schema %s refused (%s): %s at %s", text, lifeline_strerror(rc),
			err.message, err.pointer);
	return s;
}

static bool is_valid(const jsonschema *s, const char *instance, jsonschema_error *err)
{
	json_t *inst = parse(instance);
	bool ok = jsonschema_validate(s, inst, err);

	json_decref(inst);
	return ok;
}

/* The instance must fail with exactly this first error. */
static void expect_error(const char *schema, const char *instance, const char *pointer,
	const char *keyword, const char *message)
{
	jsonschema *s = compile_ok(schema);
	jsonschema_error err;

	if (is_valid(s, instance, &err))
		fail_msg("%s should not validate against %s", instance, schema);
	assert_string_equal(err.pointer, pointer);
	assert_string_equal(err.keyword, keyword);
	assert_string_equal(err.message, message);
	jsonschema_free(s);
}

static void expect_valid(const char *schema, const char *instance)
{
	jsonschema *s = compile_ok(schema);
	jsonschema_error err;

	if (!is_valid(s, instance, &err))
		fail_msg("%s should validate against %s, got %s: %s", instance, schema,
			err.pointer, err.message);
	jsonschema_free(s);
}

/* Compiling must be refused with rc, pointing at pointer, naming keyword. */
static void expect_refused(const char *schema, int rc, const char *pointer, const char *keyword)
{
	jsonschema_error err;
	jsonschema *s = NULL;
	int got = compile_text(schema, &s, &err);

	if (got != rc)
		fail_msg("schema %s: expected %s, got %s (%s)", schema, lifeline_strerror(rc),
			lifeline_strerror(got), err.message);
	assert_null(s);
	assert_string_equal(err.pointer, pointer);
	assert_string_equal(err.keyword, keyword);
	assert_non_null(strstr(err.message, keyword));
}

static void test_type(void **state)
{
	(void)state;
	expect_valid("{\"type\": \"string\"}", "\"x\"");
	expect_error("{\"type\": \"string\"}", "1", "", "type", "must be a string");
	expect_valid("{\"type\": \"integer\"}", "1.0");
	expect_valid("{\"type\": \"integer\"}", "-12");
	expect_error("{\"type\": \"integer\"}", "1.5", "", "type", "must be an integer");
	expect_valid("{\"type\": \"number\"}", "1.5");
	expect_error("{\"type\": \"object\"}", "[]", "", "type", "must be an object");
	expect_error("{\"type\": \"array\"}", "{}", "", "type", "must be an array");
	expect_error("{\"type\": \"boolean\"}", "0", "", "type", "must be a boolean");
	expect_error("{\"type\": \"null\"}", "false", "", "type", "must be null");
	expect_valid("{\"type\": [\"string\", \"null\"]}", "null");
	expect_error("{\"type\": [\"string\", \"null\"]}", "3", "", "type", "must be a string or null");
	expect_error("{\"type\": [\"null\", \"integer\", \"string\"]}", "true", "", "type",
		"must be a string, an integer or null");
}

static void test_properties_and_required(void **state)
{
	const char *schema =
		"{\"type\": \"object\", \"required\": [\"patient\"], \"properties\": {"
		"  \"patient\": {\"type\": \"object\", \"required\": [\"name\", \"mrn\"],"
		"    \"properties\": {\"name\": {\"type\": \"string\", \"maxLength\": 10},"
		"                   \"mrn\": {\"type\": \"string\"}}}}}";

	(void)state;
	expect_valid(schema, "{\"patient\": {\"name\": \"Ada\", \"mrn\": \"1\"}}");
	expect_error(schema, "{}", "/patient", "required", "is required");
	expect_error(schema, "{\"patient\": {\"mrn\": \"1\"}}", "/patient/name", "required",
		"is required");
	expect_error(schema, "{\"patient\": {\"name\": 7, \"mrn\": \"1\"}}", "/patient/name",
		"type", "must be a string");
	expect_error(schema, "{\"patient\": {\"name\": \"Adalbertine B\", \"mrn\": \"1\"}}",
		"/patient/name", "maxLength", "must be at most 10 characters");
	/* properties and required say nothing about non-objects */
	expect_valid("{\"required\": [\"a\"], \"properties\": {\"a\": false}}", "[1]");
}

static void test_additional_properties(void **state)
{
	const char *closed = "{\"properties\": {\"a\": {}}, \"additionalProperties\": false}";
	const char *typed = "{\"properties\": {\"a\": {}}, \"additionalProperties\": {\"type\": \"integer\"}}";

	(void)state;
	expect_valid(closed, "{\"a\": 1}");
	expect_error(closed, "{\"a\": 1, \"extra\": 2}", "/extra", "additionalProperties",
		"is not an allowed property");
	expect_valid(typed, "{\"a\": \"x\", \"b\": 2}");
	expect_error(typed, "{\"a\": \"x\", \"b\": \"two\"}", "/b", "type", "must be an integer");
}

static void test_pointer_escaping(void **state)
{
	(void)state;
	expect_error("{\"properties\": {\"a/b\": {\"properties\": {\"c~d\": {\"type\": \"string\"}}}}}",
		"{\"a/b\": {\"c~d\": 1}}", "/a~1b/c~0d", "type", "must be a string");
	expect_error("{\"items\": {\"required\": [\"x\"]}}", "[{\"x\": 1}, {}]", "/1/x", "required",
		"is required");
}

static void test_enum_and_const(void **state)
{
	(void)state;
	expect_valid("{\"enum\": [\"a\", \"b\"]}", "\"b\"");
	expect_error("{\"enum\": [\"a\", \"b\"]}", "\"c\"", "", "enum", "must be one of: \"a\", \"b\"");
	expect_valid("{\"enum\": [1, {\"x\": [1, 2]}]}", "{\"x\": [1.0, 2]}");
	expect_error("{\"enum\": [1, {\"x\": [1, 2]}]}", "{\"x\": [2, 1]}", "", "enum",
		"must be one of: 1, {\"x\":[1,2]}");
	expect_valid("{\"const\": 1}", "1.0");
	expect_valid("{\"const\": {\"a\": 1, \"b\": [true, null]}}", "{\"b\": [true, null], \"a\": 1}");
	expect_error("{\"const\": {\"a\": 1}}", "{\"a\": 1, \"b\": 2}", "", "const",
		"must be equal to {\"a\":1}");
	expect_error("{\"const\": false}", "0", "", "const", "must be equal to false");
	expect_error("{\"const\": \"x\"}", "\"X\"", "", "const", "must be equal to \"x\"");
}

static void test_long_enum_message(void **state)
{
	char schema[4096] = "{\"enum\": [";
	jsonschema *s;
	jsonschema_error err;

	(void)state;
	for (int i = 0; i < 100; i++)
		snprintf(schema + strlen(schema), sizeof schema - strlen(schema),
			"%s\"välue-%d\"", i ? ", " : "", i);
	strcat(schema, "]}");
	s = compile_ok(schema);
	assert_false(is_valid(s, "\"nope\"", &err));
	assert_true(strlen(err.message) < sizeof err.message);
	assert_non_null(strstr(err.message, "must be one of: \"välue-0\", \"välue-1\""));
	assert_string_equal(err.message + strlen(err.message) - 5, ", ...");
	jsonschema_free(s);
}

static void test_string_length_counts_characters(void **state)
{
	(void)state;
	/* three characters, nine bytes */
	expect_valid("{\"maxLength\": 3}", "\"日本語\"");
	expect_error("{\"minLength\": 4}", "\"日本語\"", "", "minLength", "must be at least 4 characters");
	expect_error("{\"maxLength\": 2}", "\"日本語\"", "", "maxLength", "must be at most 2 characters");
	expect_error("{\"minLength\": 1}", "\"\"", "", "minLength", "must be at least 1 character");
	expect_valid("{\"minLength\": 2, \"maxLength\": 2}", "\"é😀\"");
	expect_valid("{\"maxLength\": 2.0}", "\"ab\"");
	expect_valid("{\"minLength\": 5}", "12"); /* not a string: does not apply */
}

static void test_pattern(void **state)
{
	(void)state;
	expect_valid("{\"pattern\": \"^[0-9]+$\"}", "\"0123\"");
	expect_error("{\"pattern\": \"^[0-9]+$\"}", "\"12a\"", "", "pattern",
		"must match pattern ^[0-9]+$");
	/* unanchored: a match anywhere counts */
	expect_valid("{\"pattern\": \"b\"}", "\"abc\"");
	expect_valid("{\"pattern\": \"^\\\\d{3}-\\\\w+\\\\s\\\\S$\"}", "\"123-ab_9 x\"");
	expect_error("{\"pattern\": \"^\\\\d$\"}", "\"٣\"", "", "pattern", "must match pattern ^\\d$");
	expect_valid("{\"pattern\": \"^\\\\D\\\\W$\"}", "\"a-\"");
	expect_valid("{\"pattern\": \"^\\\\s$\"}", "\"\\u00a0\"");
	/* ranges are by code point, also beyond ASCII */
	expect_error("{\"pattern\": \"^[a-z]+$\"}", "\"aBc\"", "", "pattern", "must match pattern ^[a-z]+$");
	expect_valid("{\"pattern\": \"^[A-Za-zÀ-ÿ' -]+$\"}", "\"Zoë O'Brien-Núñez\"");
	expect_error("{\"pattern\": \"^[A-Za-zÀ-ÿ' -]+$\"}", "\"Zoë2\"", "", "pattern",
		"must match pattern ^[A-Za-zÀ-ÿ' -]+$");
	/* "." is one character, but never a line terminator */
	expect_valid("{\"pattern\": \"^.{3}$\"}", "\"日本語\"");
	expect_error("{\"pattern\": \"^a.b$\"}", "\"a\\nb\"", "", "pattern", "must match pattern ^a.b$");
	/* strings may hold NUL; the whole string is searched */
	expect_valid("{\"pattern\": \"^a.b$\"}", "\"a\\u0000b\"");
	expect_error("{\"pattern\": \"^x$\"}", "\"x\\u0000y\"", "", "pattern", "must match pattern ^x$");
	/* non-capturing and named groups, lazy quantifiers, escaped specials */
	expect_valid("{\"pattern\": \"^(?:ab)+?(?<tail>c|d)\\\\.\\\\}]$\"}", "\"ababd.}]\"");
	expect_valid("{\"pattern\": \"^[\\\\]\\\\-^\\\\[]{4}$\"}", "\"]-^[\"");
	expect_valid("{\"pattern\": \"^[^\\\\s]x{,2}$\"}", "\"ax{,2}\"");
	expect_valid("{\"pattern\": \"^\\\\u00e9\\\\x41\\\\t$\"}", "\"éA\\t\"");
}

static void test_pattern_refused(void **state)
{
	(void)state;
	expect_refused("{\"properties\": {\"a\": {\"pattern\": \"^(?=x)\"}}}", LL_EUNSUPPORTED,
		"/properties/a/pattern", "pattern");
	expect_refused("{\"pattern\": \"(?<!x)y\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"^\\\\p{L}+$\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"\\\\bword\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"(a)\\\\1\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"[\\\\D]\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"[^]\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"((a{1000}){1000}){1000}\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"a{1001}\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	/* chains of empty steps that would make glibc regcomp take seconds */
	expect_refused("{\"pattern\": \"^(?:a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?)+$\"}",
		LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"(?:(?:a?){20}b)*\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"a{99999999999999999999999}\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"a{2,99999999999999999999999}\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"[\\u4e00-\\u9fff]\"}", LL_EUNSUPPORTED, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"(ab\"}", LL_EINVAL, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"*a\"}", LL_EINVAL, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"a{3,2}\"}", LL_EINVAL, "/pattern", "pattern");
	expect_refused("{\"pattern\": \"[z-a]\"}", LL_EINVAL, "/pattern", "pattern");
	expect_refused("{\"pattern\": 12}", LL_EINVAL, "/pattern", "pattern");
}

static void test_numbers(void **state)
{
	(void)state;
	expect_valid("{\"minimum\": 5, \"maximum\": 10}", "5");
	expect_valid("{\"minimum\": 5, \"maximum\": 10}", "10.0");
	expect_error("{\"minimum\": 5}", "4.99", "", "minimum", "must be at least 5");
	expect_error("{\"maximum\": 10}", "11", "", "maximum", "must be at most 10");
	expect_error("{\"maximum\": 2.5}", "3", "", "maximum", "must be at most 2.5");
	expect_error("{\"exclusiveMinimum\": 0}", "0", "", "exclusiveMinimum", "must be greater than 0");
	expect_error("{\"exclusiveMaximum\": 10}", "10.0", "", "exclusiveMaximum", "must be less than 10");
	expect_valid("{\"exclusiveMaximum\": 10}", "9.999");
	/* large integers compare exactly, not through double */
	expect_error("{\"maximum\": 9007199254740992}", "9007199254740993", "", "maximum",
		"must be at most 9007199254740992");
	expect_valid("{\"minimum\": 5}", "\"3\""); /* not a number: does not apply */
	expect_refused("{\"exclusiveMinimum\": true, \"minimum\": 1}", LL_EUNSUPPORTED,
		"/exclusiveMinimum", "exclusiveMinimum");
	expect_refused("{\"minimum\": \"5\"}", LL_EINVAL, "/minimum", "minimum");
}

static void test_arrays(void **state)
{
	(void)state;
	expect_valid("{\"items\": {\"type\": \"integer\"}}", "[1, 2, 3]");
	expect_error("{\"items\": {\"type\": \"integer\"}}", "[1, 2, \"3\"]", "/2", "type",
		"must be an integer");
	/* tuple form: extra items are free (additionalItems is not supported) */
	expect_valid("{\"items\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]}", "[\"a\", 1, null]");
	expect_error("{\"items\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]}", "[\"a\", \"b\"]",
		"/1", "type", "must be an integer");
	expect_error("{\"minItems\": 2}", "[1]", "", "minItems", "must have at least 2 items");
	expect_error("{\"maxItems\": 1}", "[1, 2]", "", "maxItems", "must have at most 1 item");
	expect_valid("{\"uniqueItems\": true}", "[1, \"1\", [1], {\"a\": 1}, {\"a\": 2}, true, 1.5]");
	expect_error("{\"uniqueItems\": true}", "[1, 2, 1.0]", "/2", "uniqueItems",
		"repeats item 0; items must be unique");
	expect_error("{\"uniqueItems\": true}", "[{\"a\": 1, \"b\": [2]}, {\"b\": [2.0], \"a\": 1}]",
		"/1", "uniqueItems", "repeats item 0; items must be unique");
	expect_valid("{\"uniqueItems\": false}", "[1, 1]");
}

static void test_unique_items_long_array(void **state)
{
	enum { N = 20000 };
	char *text = malloc(N * 12 + 16);
	size_t len = 0;
	jsonschema *s = compile_ok("{\"uniqueItems\": true}");
	jsonschema_error errs[4];
	json_t *inst;
	clock_t t0;

	(void)state;
	len += (size_t)sprintf(text, "[");
	for (int i = 0; i < N; i++)
		len += (size_t)sprintf(text + len, "%s%d", i ? "," : "", i);
	sprintf(text + len, ",%d]", N / 2);
	inst = parse(text);
	t0 = clock();
	assert_int_equal(jsonschema_validate_all(s, inst, errs, 4), 1);
	/* sorting by hash, not comparing every pair (that would be 2e8 compares) */
	assert_true(clock() - t0 < CLOCKS_PER_SEC);
	assert_string_equal(errs[0].pointer, "/20000");
	assert_string_equal(errs[0].message, "repeats item 10000; items must be unique");
	json_decref(inst);
	free(text);
	jsonschema_free(s);
}

static void test_refs(void **state)
{
	const char *defs =
		"{\"definitions\": {\"name\": {\"type\": \"string\", \"minLength\": 1},"
		"  \"a/b\": {\"type\": \"integer\"}, \"t~x\": {\"type\": \"boolean\"},"
		"  \"50%\": {\"type\": \"null\"}},"
		" \"properties\": {\"first\": {\"$ref\": \"#/definitions/name\"},"
		"  \"slash\": {\"$ref\": \"#/definitions/a~1b\"},"
		"  \"tilde\": {\"$ref\": \"#/definitions/t~0x\"},"
		"  \"percent\": {\"$ref\": \"#/definitions/50%25\"},"
		"  \"same\": {\"$ref\": \"#/properties/first\"}}}";
	const char *tree =
		"{\"type\": \"object\", \"required\": [\"value\"],"
		" \"properties\": {\"value\": {\"type\": \"number\"},"
		"  \"children\": {\"type\": \"array\", \"items\": {\"$ref\": \"#\"}}}}";

	(void)state;
	expect_valid(defs, "{\"first\": \"Ada\", \"slash\": 1, \"tilde\": true, \"percent\": null, \"same\": \"x\"}");
	expect_error(defs, "{\"first\": \"\"}", "/first", "minLength", "must be at least 1 character");
	expect_error(defs, "{\"slash\": \"1\"}", "/slash", "type", "must be an integer");
	expect_error(defs, "{\"tilde\": 1}", "/tilde", "type", "must be a boolean");
	expect_error(defs, "{\"percent\": 1}", "/percent", "type", "must be null");
	expect_error(defs, "{\"same\": 1}", "/same", "type", "must be a string");
	expect_valid(tree, "{\"value\": 1, \"children\": [{\"value\": 2, \"children\": [{\"value\": 3}]}]}");
	expect_error(tree, "{\"value\": 1, \"children\": [{\"value\": 2, \"children\": [{}]}]}",
		"/children/0/children/0/value", "required", "is required");
	/* draft-07: keywords beside $ref are ignored */
	expect_valid("{\"definitions\": {\"s\": {\"type\": \"string\"}},"
		" \"properties\": {\"a\": {\"$ref\": \"#/definitions/s\", \"maxLength\": 1}}}",
		"{\"a\": \"long\"}");
	/* the root $id may prefix a local reference */
	expect_valid("{\"$id\": \"https://lifeline.example/schemas/x.json\","
		" \"definitions\": {\"n\": {\"type\": \"integer\"}},"
		" \"$ref\": \"https://lifeline.example/schemas/x.json#/definitions/n\"}", "3");
}

static void test_refs_refused(void **state)
{
	(void)state;
	expect_refused("{\"properties\": {\"a\": {\"$ref\": \"http://example.com/s.json#\"}}}",
		LL_EUNSUPPORTED, "/properties/a/$ref", "$ref");
	expect_refused("{\"items\": {\"$ref\": \"other.json#/definitions/x\"}}", LL_EUNSUPPORTED,
		"/items/$ref", "$ref");
	expect_refused("{\"$ref\": \"#foo\"}", LL_EUNSUPPORTED, "/$ref", "$ref");
	expect_refused("{\"$ref\": \"#/definitions/missing\"}", LL_EINVAL, "/$ref", "$ref");
	expect_refused("{\"title\": \"t\", \"$ref\": \"#/title\"}", LL_EUNSUPPORTED, "/$ref", "$ref");
	expect_refused("{\"$ref\": \"#/definitions/%zz\"}", LL_EINVAL, "/$ref", "$ref");
}

static void test_ref_recursion_limit(void **state)
{
	const char *loops[] = {
		"{\"$ref\": \"#\"}",
		("{\"definitions\": {\"a\": {\"$ref\": \"#/definitions/b\"},"
		 " \"b\": {\"$ref\": \"#/definitions/a\"}}, \"$ref\": \"#/definitions/a\"}"),
		"{\"allOf\": [{\"$ref\": \"#\"}]}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
		jsonschema *s = compile_ok(loops[i]);
		jsonschema_error err;

		assert_false(is_valid(s, "{}", &err));
		assert_string_equal(err.keyword, "$ref");
		assert_non_null(strstr(err.message, "nests too deeply"));
		jsonschema_free(s);
	}
}

static void test_exponential_schema_is_bounded(void **state)
{
	/* Each level doubles the work: 2^64 checks without a budget. */
	jsonschema *s = compile_ok("{\"anyOf\": [{\"$ref\": \"#\"}, {\"$ref\": \"#\"}]}");
	jsonschema *t = compile_ok("{\"not\": {\"allOf\": [{\"$ref\": \"#\"}, {\"$ref\": \"#\"}]}}");
	jsonschema_error err;
	clock_t t0 = clock();

	(void)state;
	assert_false(is_valid(s, "1", &err));
	assert_string_equal(err.keyword, "limit");
	assert_false(is_valid(t, "1", &err));
	assert_string_equal(err.keyword, "limit");
	assert_true(clock() - t0 < 10 * CLOCKS_PER_SEC);
	jsonschema_free(s);
	jsonschema_free(t);
}

static void test_combinators(void **state)
{
	const char *any = "{\"properties\": {\"id\": {\"anyOf\": [{\"type\": \"integer\"},"
		" {\"type\": \"string\", \"pattern\": \"^[0-9]+$\"}]}}}";
	const char *one = "{\"oneOf\": [{\"type\": \"integer\"}, {\"minimum\": 2}]}";

	(void)state;
	expect_valid("{\"allOf\": [{\"type\": \"string\"}, {\"maxLength\": 3}]}", "\"abc\"");
	expect_error("{\"allOf\": [{\"type\": \"string\"}, {\"maxLength\": 3}]}", "\"abcd\"", "",
		"maxLength", "must be at most 3 characters");
	expect_valid(any, "{\"id\": \"42\"}");
	expect_error(any, "{\"id\": \"x42\"}", "/id", "anyOf",
		"must match at least one of the schemas in anyOf");
	expect_valid(one, "2.5");
	expect_valid(one, "1");
	expect_error(one, "3", "", "oneOf",
		"must match exactly one of the schemas in oneOf, but matches 0 and 1");
	expect_error(one, "1.5e-3", "", "oneOf",
		"must match exactly one of the schemas in oneOf, but matches none");
	expect_valid("{\"not\": {\"type\": \"null\"}}", "0");
	expect_error("{\"not\": {\"type\": \"null\"}}", "null", "", "not", "must not match the schema in not");
}

static void test_validate_all_collects_field_errors(void **state)
{
	jsonschema *s = compile_ok(
		"{\"type\": \"object\", \"required\": [\"name\", \"dob\", \"ward\"],"
		" \"additionalProperties\": false, \"properties\": {"
		"  \"name\": {\"type\": \"string\", \"minLength\": 1},"
		"  \"dob\": {\"type\": \"string\", \"format\": \"date\"},"
		"  \"ward\": {\"enum\": [\"A\", \"B\"]},"
		"  \"bed\": {\"anyOf\": [{\"type\": \"integer\"}, {\"type\": \"null\"}]}}}");
	json_t *inst = parse("{\"name\": \"\", \"dob\": \"2023-02-29\", \"bed\": \"7\", \"colour\": 1}");
	jsonschema_error errs[8], two[2];
	size_t n;

	(void)state;
	n = jsonschema_validate_all(s, inst, errs, 8);
	assert_int_equal(n, 5);
	assert_string_equal(errs[0].pointer, "/ward");
	assert_string_equal(errs[0].keyword, "required");
	assert_string_equal(errs[1].pointer, "/name");
	assert_string_equal(errs[1].message, "must be at least 1 character");
	assert_string_equal(errs[2].pointer, "/dob");
	assert_string_equal(errs[2].message, "must be a date (YYYY-MM-DD)");
	/* one error for the anyOf, not one per branch */
	assert_string_equal(errs[3].pointer, "/bed");
	assert_string_equal(errs[3].keyword, "anyOf");
	assert_string_equal(errs[4].pointer, "/colour");
	assert_string_equal(errs[4].keyword, "additionalProperties");
	/* the count goes on past max; only max are stored */
	assert_int_equal(jsonschema_validate_all(s, inst, two, 2), 5);
	assert_string_equal(two[1].pointer, "/name");
	assert_int_equal(jsonschema_validate_all(s, inst, NULL, 0), 5);
	json_decref(inst);
	inst = parse("{\"name\": \"Ada\", \"dob\": \"2024-02-29\", \"ward\": \"A\", \"bed\": null}");
	assert_int_equal(jsonschema_validate_all(s, inst, errs, 8), 0);
	assert_true(jsonschema_validate(s, inst, NULL));
	json_decref(inst);
	jsonschema_free(s);
}

static void test_formats(void **state)
{
	const char *date = "{\"format\": \"date\"}";
	const char *dt = "{\"format\": \"date-time\"}";
	const char *dt_msg = "must be a date-time (YYYY-MM-DDThh:mm:ss, then Z or an offset)";

	(void)state;
	expect_valid(date, "\"2024-02-29\"");
	expect_valid(date, "\"2000-02-29\"");
	expect_error(date, "\"2023-02-29\"", "", "format", "must be a date (YYYY-MM-DD)");
	expect_error(date, "\"1900-02-29\"", "", "format", "must be a date (YYYY-MM-DD)");
	expect_error(date, "\"2024-04-31\"", "", "format", "must be a date (YYYY-MM-DD)");
	expect_error(date, "\"2024-13-01\"", "", "format", "must be a date (YYYY-MM-DD)");
	expect_error(date, "\"2024-1-01\"", "", "format", "must be a date (YYYY-MM-DD)");
	expect_error(date, "\"2024-01-01T00:00:00Z\"", "", "format", "must be a date (YYYY-MM-DD)");
	expect_valid(date, "20240101"); /* formats apply to strings only */
	expect_valid(dt, "\"2024-05-01T13:45:00Z\"");
	expect_valid(dt, "\"2024-05-01t13:45:00.123456z\"");
	expect_valid(dt, "\"2024-05-01T13:45:00+02:00\"");
	expect_valid(dt, "\"1998-12-31T23:59:60Z\"");
	expect_valid(dt, "\"1998-12-31T15:59:60-08:00\"");
	expect_error(dt, "\"1998-12-31T23:58:60Z\"", "", "format", dt_msg);
	expect_error(dt, "\"2024-05-01 13:45:00Z\"", "", "format", dt_msg);
	expect_error(dt, "\"2024-05-01T13:45:00\"", "", "format", dt_msg);
	expect_error(dt, "\"2024-05-01T24:00:00Z\"", "", "format", dt_msg);
	expect_error(dt, "\"2024-05-01T13:45:00+24:00\"", "", "format", dt_msg);
	expect_error(dt, "\"2024-05-01T13:45:00.Z\"", "", "format", dt_msg);
	expect_error(dt, "\"2024-05-01T13:45Z\"", "", "format", dt_msg);
	/* other formats are annotations: accepted, not asserted */
	expect_valid("{\"format\": \"email\"}", "\"not an email\"");
	expect_refused("{\"format\": 1}", LL_EINVAL, "/format", "format");
}

static void test_boolean_schemas(void **state)
{
	(void)state;
	expect_valid("true", "{\"any\": [\"thing\"]}");
	expect_error("false", "1", "", "false", "is not allowed");
	expect_error("{\"properties\": {\"ssn\": false}}", "{\"ssn\": \"x\"}", "/ssn", "false",
		"is not allowed");
	expect_valid("{\"properties\": {\"ssn\": false}}", "{}");
}

static void test_unsupported_keywords_refused(void **state)
{
	const char *keywords[] = {
		"patternProperties", "if", "then", "else", "additionalItems", "dependencies",
		"propertyNames", "contains", "multipleOf", "minProperties", "maxProperties",
		"$defs", "unevaluatedProperties", "nullable", "requierd",
	};

	(void)state;
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
		char schema[256], pointer[128];

		snprintf(schema, sizeof schema, "{\"properties\": {\"a\": {\"type\": \"array\", \"%s\": {}}}}",
			keywords[i]);
		snprintf(pointer, sizeof pointer, "/properties/a/%s", keywords[i]);
		expect_refused(schema, LL_EUNSUPPORTED, pointer, keywords[i]);
	}
	/* definitions are compiled too, used or not */
	expect_refused("{\"definitions\": {\"x\": {\"contains\": {}}}}", LL_EUNSUPPORTED,
		"/definitions/x/contains", "contains");
	/* and so are the siblings of $ref */
	expect_refused("{\"$ref\": \"#/definitions/x\", \"definitions\": {\"x\": {}}, \"if\": {}}",
		LL_EUNSUPPORTED, "/if", "if");
	expect_refused("{\"items\": [{\"$id\": \"#item\"}]}", LL_EUNSUPPORTED, "/items/0/$id", "$id");
	expect_refused("{\"$schema\": \"http://json-schema.org/draft-04/schema#\"}", LL_EUNSUPPORTED,
		"/$schema", "$schema");
}

static void test_annotations_accepted(void **state)
{
	(void)state;
	expect_valid("{\"$schema\": \"http://json-schema.org/draft-07/schema#\","
		" \"$id\": \"https://lifeline.example/x.json\", \"$comment\": \"c\", \"title\": \"t\","
		" \"description\": \"d\", \"default\": 1, \"examples\": [1, 2],"
		" \"readOnly\": true, \"writeOnly\": false, \"definitions\": {}}", "1");
}

static void test_malformed_schemas(void **state)
{
	(void)state;
	expect_refused("{\"type\": \"strng\"}", LL_EINVAL, "/type", "type");
	expect_refused("{\"type\": [\"string\", \"string\"]}", LL_EINVAL, "/type", "type");
	expect_refused("{\"minLength\": -1}", LL_EINVAL, "/minLength", "minLength");
	expect_refused("{\"maxItems\": 1.5}", LL_EINVAL, "/maxItems", "maxItems");
	expect_refused("{\"required\": \"name\"}", LL_EINVAL, "/required", "required");
	expect_refused("{\"properties\": {\"a\": 3}}", LL_EINVAL, "/properties/a", "");
	expect_refused("{\"anyOf\": []}", LL_EINVAL, "/anyOf", "anyOf");
	expect_refused("{\"uniqueItems\": 1}", LL_EINVAL, "/uniqueItems", "uniqueItems");
	expect_refused("42", LL_EINVAL, "", "");
}

static void test_deep_schema_refused(void **state)
{
	char *text = malloc(200 * 16 + 8), *p = text;
	jsonschema_error err;
	jsonschema *s;

	(void)state;
	for (int i = 0; i < 200; i++)
		p += sprintf(p, "{\"not\":");
	p += sprintf(p, "{}");
	for (int i = 0; i < 200; i++)
		*p++ = '}';
	*p = '\0';
	assert_int_equal(compile_text(text, &s, &err), LL_EINVAL);
	assert_non_null(strstr(err.message, "nested"));
	free(text);
}

static void test_long_pointer_stays_utf8(void **state)
{
	char key[600] = "", schema[1400], instance[1400];
	jsonschema_error err;
	jsonschema *s;
	size_t len;

	(void)state;
	for (int i = 0; i < 150; i++)
		strcat(key, "é/"); /* 2 bytes + an escaped slash (2 bytes) each */
	snprintf(schema, sizeof schema, "{\"properties\": {\"%s\": {\"type\": \"string\"}}}", key);
	snprintf(instance, sizeof instance, "{\"%s\": 1}", key);
	s = compile_ok(schema);
	assert_false(is_valid(s, instance, &err));
	len = strlen(err.pointer);
	assert_true(len < sizeof err.pointer);
	assert_true(len > 200);
	assert_memory_equal(err.pointer, "/é~1é~1", strlen("/é~1é~1"));
	/* still valid UTF-8 (json_string() checks): no character cut in half */
	{
		json_t *j = json_string(err.pointer);

		assert_non_null(j);
		json_decref(j);
	}
	jsonschema_free(s);
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/jsonschema-test-XXXXXX", path[128];
	jsonschema_error err;
	jsonschema *s;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/schema.json", dir);

	f = fopen(path, "w");
	fputs("{\"type\": \"object\", \"required\": [\"a\"]}\n", f);
	fclose(f);
	assert_int_equal(jsonschema_load_file(path, &s, &err), LL_OK);
	assert_false(is_valid(s, "{}", &err));
	assert_string_equal(err.pointer, "/a");
	jsonschema_free(s);

	f = fopen(path, "w");
	fputs("{\n  \"type\": \"object\",\n  \"required\": [\"a\"\n}\n", f);
	fclose(f);
	assert_int_equal(jsonschema_load_file(path, &s, &err), LL_EINVAL);
	assert_null(s);
	assert_memory_equal(err.message, "line 4 column 1: ", strlen("line 4 column 1: "));

	f = fopen(path, "w");
	fputs("{\"type\": \"object\",\n \"type\": \"string\"}\n", f);
	fclose(f);
	assert_int_equal(jsonschema_load_file(path, &s, &err), LL_EINVAL);
	assert_non_null(strstr(err.message, "line 2"));
	assert_non_null(strstr(err.message, "duplicate"));

	f = fopen(path, "w");
	fputs("{\"properties\": {\"a\": {\"if\": {}}}}\n", f);
	fclose(f);
	assert_int_equal(jsonschema_load_file(path, &s, &err), LL_EUNSUPPORTED);
	assert_string_equal(err.pointer, "/properties/a/if");

	unlink(path);
	assert_int_equal(jsonschema_load_file(path, &s, &err), LL_EIO);
	assert_true(err.message[0] != '\0');
	rmdir(dir);
}

struct thread_arg {
	const jsonschema *s;
	int failures;
};

static void *validate_many(void *p)
{
	struct thread_arg *a = p;
	json_t *good = json_pack("{s:s, s:[i,i]}", "code", "AB-12", "list", 1, 2);
	json_t *bad = json_pack("{s:s, s:[i,i]}", "code", "ab-12", "list", 1, 1);

	for (int i = 0; i < 2000; i++) {
		jsonschema_error errs[4];

		if (!jsonschema_validate(a->s, good, NULL))
			a->failures++;
		if (jsonschema_validate_all(a->s, bad, errs, 4) != 2
				|| strcmp(errs[0].pointer, "/code") != 0)
			a->failures++;
	}
	json_decref(good);
	json_decref(bad);
	return NULL;
}

static void test_threads_share_a_compiled_schema(void **state)
{
	jsonschema *s = compile_ok("{\"properties\": {\"code\": {\"pattern\": \"^[A-Z]{2}-\\\\d+$\"},"
		" \"list\": {\"uniqueItems\": true}}}");
	pthread_t t[4];
	struct thread_arg args[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ s, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, validate_many, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
	}
	jsonschema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_properties_and_required),
		cmocka_unit_test(test_additional_properties),
		cmocka_unit_test(test_pointer_escaping),
		cmocka_unit_test(test_enum_and_const),
		cmocka_unit_test(test_long_enum_message),
		cmocka_unit_test(test_string_length_counts_characters),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_pattern_refused),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_arrays),
		cmocka_unit_test(test_unique_items_long_array),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_refs_refused),
		cmocka_unit_test(test_ref_recursion_limit),
		cmocka_unit_test(test_exponential_schema_is_bounded),
		cmocka_unit_test(test_combinators),
		cmocka_unit_test(test_validate_all_collects_field_errors),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_boolean_schemas),
		cmocka_unit_test(test_unsupported_keywords_refused),
		cmocka_unit_test(test_annotations_accepted),
		cmocka_unit_test(test_malformed_schemas),
		cmocka_unit_test(test_deep_schema_refused),
		cmocka_unit_test(test_long_pointer_stays_utf8),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_threads_share_a_compiled_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
