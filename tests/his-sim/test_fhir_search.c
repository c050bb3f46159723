/*
 * Unit tests of fhir_search.c: reading a search's query string (decoding,
 * _count, _include, the refusals a strict server owes its clients) and
 * matching resources on tokens and references, through arrays.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <jansson.h>

#include "fhir_search.h"

#define ENCOUNTER "{\"resourceType\":\"Encounter\",\"id\":\"enc-1\"," \
	"\"identifier\":[{\"system\":\"urn:demo-hospital:inpatient-no\",\"value\":\"25030001\"}]," \
	"\"status\":\"in-progress\"," \
	"\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"}," \
	"\"subject\":{\"reference\":\"Patient/pat-1\"}," \
	"\"location\":[{\"location\":{\"reference\":\"Location/loc-ward-1\"}}," \
	"{\"location\":{\"reference\":\"Location/loc-ward-1-bed-03\"}}]}"

#define LOCATION "{\"resourceType\":\"Location\",\"id\":\"loc-ward-1\"," \
	"\"type\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-RoleCode\"," \
	"\"code\":\"HU\"},{\"system\":\"urn:demo-hospital:location-type\",\"code\":\"ward\"}]}]}"

#define COVERAGE "{\"resourceType\":\"Coverage\",\"id\":\"cov-1\"," \
	"\"payor\":[{\"reference\":\"Organization/org-payer-ybj\"}]}"

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (j == NULL)
		fail_msg("bad test JSON: %s", jerr.text);
	return j;
}

/* Does the search type?query match the resource in json? */
static bool matches(const char *type, const char *query, const char *json)
{
	struct fhir_query q;
	struct fhir_error err;
	json_t *res = load(json);
	bool m;

	if (fhir_query_parse(&q, type, query, &err) != 0)
		fail_msg("%s?%s does not parse: %s", type, query, err.text);
	m = fhir_query_matches(&q, res);
	fhir_query_clear(&q);
	json_decref(res);
	return m;
}

static void assert_refused(const char *type, const char *query, int status, const char *code,
    const char *text_has)
{
	struct fhir_query q;
	struct fhir_error err;

	if (fhir_query_parse(&q, type, query, &err) == 0) {
		fhir_query_clear(&q);
		fail_msg("%s?%s was accepted", type, query);
	}
	assert_int_equal(err.status, status);
	assert_string_equal(err.code, code);
	if (strstr(err.text, text_has) == NULL)
		fail_msg("'%s' does not mention '%s'", err.text, text_has);
}

static void test_tokens_on_codes_codings_concepts_and_identifiers(void **state)
{
	(void)state;
	assert_true(matches("Encounter", "status=in-progress", ENCOUNTER));
	assert_false(matches("Encounter", "status=finished", ENCOUNTER));
	assert_true(matches("Encounter", "class=IMP", ENCOUNTER));
	assert_true(matches("Encounter",
	    "class=http://terminology.hl7.org/CodeSystem/v3-ActCode|IMP", ENCOUNTER));
	assert_false(matches("Encounter", "class=urn:other|IMP", ENCOUNTER));
	assert_false(matches("Encounter", "class=|IMP", ENCOUNTER)); /* |code: no system */
	assert_true(matches("Encounter", "class=http://terminology.hl7.org/CodeSystem/v3-ActCode|",
	    ENCOUNTER));
	assert_true(matches("Encounter", "identifier=urn:demo-hospital:inpatient-no|25030001",
	    ENCOUNTER));
	assert_true(matches("Encounter", "identifier=25030001", ENCOUNTER));
	assert_false(matches("Encounter", "identifier=2503000", ENCOUNTER));
	assert_true(matches("Location", "type=ward", LOCATION));
	assert_true(matches("Location", "type=HU", LOCATION));
	assert_true(matches("Location", "type=urn:demo-hospital:location-type|ward", LOCATION));
	assert_false(matches("Location", "type=urn:demo-hospital:location-type|bed", LOCATION));
	assert_true(matches("Location", "_id=loc-ward-1", LOCATION));
	assert_false(matches("Location", "_id=loc-ward", LOCATION));
}

static void test_references_by_id_type_and_url(void **state)
{
	(void)state;
	assert_true(matches("Encounter", "patient=pat-1", ENCOUNTER));
	assert_true(matches("Encounter", "patient=Patient/pat-1", ENCOUNTER));
	assert_true(matches("Encounter", "subject=http://127.0.0.1:1/fhir/Patient/pat-1", ENCOUNTER));
	assert_false(matches("Encounter", "patient=Group/pat-1", ENCOUNTER));
	assert_false(matches("Encounter", "patient=pat-10", ENCOUNTER));
	/* Through the location array, either entry. */
	assert_true(matches("Encounter", "location=loc-ward-1", ENCOUNTER));
	assert_true(matches("Encounter", "location=Location/loc-ward-1-bed-03", ENCOUNTER));
	assert_false(matches("Encounter", "location=loc-ward-2", ENCOUNTER));
	/* payor may name an Organization or a Patient: a bare id matches either. */
	assert_true(matches("Coverage", "payor=org-payer-ybj", COVERAGE));
	assert_false(matches("Coverage", "payor=payer-ybj", COVERAGE));
}

static void test_comma_is_or_and_repeats_are_and(void **state)
{
	(void)state;
	assert_true(matches("Encounter", "_id=enc-9,enc-1", ENCOUNTER));
	assert_true(matches("Encounter", "location=loc-ward-2,loc-ward-1", ENCOUNTER));
	assert_true(matches("Encounter", "status=in-progress&class=IMP&location=loc-ward-1",
	    ENCOUNTER));
	assert_false(matches("Encounter", "status=in-progress&status=finished", ENCOUNTER));
	assert_true(matches("Encounter", "location=loc-ward-1&location=loc-ward-1-bed-03", ENCOUNTER));
}

static void test_values_are_form_decoded(void **state)
{
	(void)state;
	assert_true(matches("Location", "type=urn%3Ademo-hospital%3Alocation-type%7Cward", LOCATION));
	assert_true(matches("Encounter", "location=Location%2Floc-ward-1", ENCOUNTER));
	assert_true(matches("Encounter", "&&status=in-progress&", ENCOUNTER));
}

static void test_paging_and_include_parameters(void **state)
{
	struct fhir_query q;
	struct fhir_error err;

	(void)state;
	assert_int_equal(fhir_query_parse(&q, "Encounter", NULL, &err), 0);
	assert_int_equal(q.count, FHIR_COUNT_DEFAULT);
	assert_int_equal(q.offset, 0);
	fhir_query_clear(&q);
	assert_int_equal(fhir_query_parse(&q, "Encounter",
	    "_count=7&_offset=14&_include=Encounter:patient&_include=Encounter:location:Location"
	    "&_total=accurate&_format=json", &err), 0);
	assert_int_equal(q.count, 7);
	assert_int_equal(q.offset, 14);
	assert_int_equal(q.n_includes, 2);
	assert_string_equal(q.includes[0]->name, "patient");
	assert_string_equal(q.includes[1]->name, "location");
	assert_int_equal(q.n_terms, 0);
	fhir_query_clear(&q);
	assert_int_equal(fhir_query_parse(&q, "Encounter", "_count=100000000000000000000", &err), 0);
	assert_int_equal(q.count, FHIR_COUNT_MAX);
	fhir_query_clear(&q);
	assert_int_equal(fhir_query_parse(&q, "Patient", "_summary=count&_count=0", &err), 0);
	assert_true(q.summary_count);
	assert_int_equal(q.count, 0);
	fhir_query_clear(&q);
}

static void test_what_a_strict_server_refuses(void **state)
{
	(void)state;
	assert_refused("Encounter", "ward=1", 400, "not-supported", "'ward'");
	assert_refused("Encounter", "status:not=finished", 400, "not-supported", "modifiers");
	assert_refused("Encounter", "_sort=date", 400, "not-supported", "'_sort'");
	assert_refused("Encounter", "_revinclude=Coverage:patient", 400, "not-supported",
	    "_revinclude");
	assert_refused("Encounter", "status=", 400, "invalid", "no value");
	assert_refused("Encounter", "status", 400, "invalid", "no value");
	assert_refused("Encounter", "status=%zz", 400, "invalid", "escape");
	assert_refused("Encounter", "status=a%00b", 400, "invalid", "escape");
	assert_refused("Encounter", "_count=-1", 400, "invalid", "_count");
	assert_refused("Encounter", "_count=ten", 400, "invalid", "_count");
	assert_refused("Encounter", "_offset=99999999", 400, "invalid", "_offset");
	assert_refused("Encounter", "_include=Patient:link", 400, "invalid", "another type");
	assert_refused("Encounter", "_include=Encounter:status", 400, "not-supported", "status");
	assert_refused("Encounter", "_include=Encounter:patient:Group", 400, "not-supported", "Group");
	assert_refused("Encounter", "_include=patient", 400, "invalid", "Type:parameter");
	assert_refused("Encounter", "_summary=true", 400, "not-supported", "_summary");
	assert_refused("Encounter", "_format=xml", 406, "not-supported", "JSON");
	assert_refused("Patient", "location=loc-ward-1", 400, "not-supported", "Patient");
	assert_refused("Encounter", "_id=1&_id=2&_id=3&_id=4&_id=5&_id=6&_id=7&_id=8&_id=9"
	    "&_id=10&_id=11&_id=12&_id=13&_id=14&_id=15&_id=16&_id=17", 400, "too-costly", "at most");
}

static bool collect(const char *ref, void *arg)
{
	json_t *list = arg;

	json_array_append_new(list, json_string(ref));
	return true;
}

static bool first_only(const char *ref, void *arg)
{
	(void)ref;
	(*(int *)arg)++;
	return false;
}

static void test_references_of_a_parameter(void **state)
{
	json_t *res = load(ENCOUNTER), *got = json_array();
	int calls = 0;

	(void)state;
	fhir_param_references(fhir_param_find("Encounter", "location"), res, collect, got);
	assert_int_equal(json_array_size(got), 2);
	assert_string_equal(json_string_value(json_array_get(got, 0)), "Location/loc-ward-1");
	assert_string_equal(json_string_value(json_array_get(got, 1)), "Location/loc-ward-1-bed-03");
	fhir_param_references(fhir_param_find("Encounter", "location"), res, first_only, &calls);
	assert_int_equal(calls, 1);
	json_decref(got);
	json_decref(res);
}

static void test_the_tables_hold_together(void **state)
{
	(void)state;
	assert_true(fhir_n_types <= FHIR_TYPES_MAX);
	assert_int_equal(fhir_type_index("Encounter"), 3);
	assert_int_equal(fhir_type_index("Observation"), -1);
	for (size_t i = 0; i < fhir_n_params; i++) {
		const struct fhir_param *p = &fhir_params[i];

		assert_true(p->type == NULL || fhir_type_index(p->type) >= 0);
		assert_true(p->target == NULL || fhir_type_index(p->target) >= 0);
		assert_true(p->kind == FHIR_REFERENCE || p->target == NULL);
		assert_ptr_equal(fhir_param_find(p->type ? p->type : "Patient", p->name), p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_on_codes_codings_concepts_and_identifiers),
		cmocka_unit_test(test_references_by_id_type_and_url),
		cmocka_unit_test(test_comma_is_or_and_repeats_are_and),
		cmocka_unit_test(test_values_are_form_decoded),
		cmocka_unit_test(test_paging_and_include_parameters),
		cmocka_unit_test(test_what_a_strict_server_refuses),
		cmocka_unit_test(test_references_of_a_parameter),
		cmocka_unit_test(test_the_tables_hold_together),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
