/*
 * census_map: a small pull (fixtures/pull.json, one searchset Bundle page
 * after another, with a next link between two Encounter pages) mapped into
 * the snapshot the print path reads; references that do not resolve fail
 * the whole mapping; next doses from the timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "census_map.h"

#define CST (8 * 3600)

/* 2025-03-15T10:00:00+08:00 */
static int64_t now_ms(void)
{
	int64_t ms;
	int off;

	assert_true(census_parse_time("2025-03-15T10:00:00+08:00", &ms, &off));
	assert_int_equal(off, CST);
	return ms;
}

static json_t *load_pages(void)
{
	char path[4096];
	const char *root = getenv("LIFELINE_SOURCE_ROOT");
	json_error_t jerr;
	json_t *pages;

	snprintf(path, sizeof(path), "%s/tests/unit/census/fixtures/pull.json", root ? root : ".");
	pages = json_load_file(path, 0, &jerr);
	if (!pages)
		fail_msg("%s: %s", path, jerr.text);
	return pages;
}

static void pull_fixture(struct census_pull *p)
{
	json_t *pages = load_pages(), *page;
	size_t i;
	int nexts = 0;

	assert_int_equal(census_pull_init(p), 0);
	json_array_foreach(pages, i, page) {
		const char *next;
		char err[256];

		assert_int_equal(census_pull_add_page(p, page, &next, err, sizeof(err)), 0);
		if (next) {
			assert_string_equal(next, "http://his.example/fhir/Encounter?_offset=2");
			nexts++;
		}
	}
	assert_int_equal(nexts, 1);
	json_decref(pages);
}

static json_t *find_patient(json_t *ward, const char *id)
{
	size_t i;
	json_t *p;

	json_array_foreach(ward, i, p)
		if (strcmp(json_string_value(json_object_get(p, "id")), id) == 0)
			return p;
	fail_msg("no patient %s", id);
	return NULL;
}

static const char *s(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (!v)
		fail_msg("no string %s", key);
	return v;
}

static void test_maps_a_ward(void **state)
{
	struct census_pull p;
	json_t *doc, *ward, *wang, *ayi, *zhang, *order, *price;
	char err[256];
	int n;

	(void)state;
	pull_fixture(&p);
	assert_int_equal(census_map_build(&p, now_ms(), CST, &doc, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(s(doc, "hospital"), "演示医院");
	assert_string_equal(s(doc, "snapshot_time"), "2025-03-15T10:00:00+08:00");
	/* The ward Location without a department code is not a ward of ours. */
	assert_int_equal(json_object_size(json_object_get(doc, "wards")), 1);
	ward = json_object_get(json_object_get(doc, "wards"), "ward-9");
	assert_int_equal(json_array_size(ward), 3);

	wang = find_patient(ward, "pat-1");
	assert_string_equal(s(wang, "name"), "王𠮷");        /* outside the BMP, byte for byte */
	assert_string_equal(s(wang, "bed"), "加1");
	assert_string_equal(s(wang, "inpatient_no"), "25030001");
	assert_string_equal(s(wang, "sex"), "男");
	assert_int_equal(json_integer_value(json_object_get(wang, "age")), 74); /* birthday tomorrow */
	assert_string_equal(s(wang, "fee_category"), "医保");
	assert_string_equal(s(wang, "diagnosis"), "高血压病；2型糖尿病"); /* by rank, not by order */
	assert_string_equal(s(wang, "allergies"), "青霉素、碘造影剂");
	assert_string_equal(s(wang, "admitted"), "2025-03-11");
	assert_int_equal(json_array_size(json_object_get(wang, "orders")), 2);
	order = json_array_get(json_object_get(wang, "orders"), 0);
	assert_string_equal(s(order, "id"), "YZ-mr-1");
	assert_string_equal(s(order, "drug"), "阿莫西林胶囊");
	assert_string_equal(s(order, "spec"), "0.25g/粒");
	assert_true(json_number_value(json_object_get(order, "dose")) == 0.5);
	assert_string_equal(s(order, "unit"), "g");
	assert_string_equal(s(order, "route"), "口服");
	assert_string_equal(s(order, "frequency"), "tid");
	assert_string_equal(s(order, "kind"), "长期");
	assert_int_equal(json_array_size(json_object_get(order, "next_doses")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(order, "next_doses"), 0)),
		"2025-03-15T12:00:00+08:00");
	assert_string_equal(json_string_value(json_array_get(json_object_get(order, "next_doses"), 2)),
		"2025-03-16T08:00:00+08:00");
	/* prn: no scheduled doses */
	order = json_array_get(json_object_get(wang, "orders"), 1);
	assert_int_equal(json_array_size(json_object_get(order, "next_doses")), 0);

	ayi = find_patient(ward, "pat-2");
	assert_string_equal(s(ayi, "name"), "阿依古丽·买买提");
	assert_string_equal(s(ayi, "allergies"), "无已知过敏");   /* none known */
	assert_string_equal(s(ayi, "sex"), "女");
	assert_int_equal(json_integer_value(json_object_get(ayi, "age")), 35); /* birthday today */
	assert_string_equal(s(ayi, "fee_category"), "");
	zhang = find_patient(ward, "pat-3");                        /* from the next page */
	assert_string_equal(s(zhang, "allergies"), "未记录");       /* not recorded */
	assert_string_equal(s(zhang, "diagnosis"), "");
	assert_int_equal(json_array_size(json_object_get(zhang, "orders")), 0);

	assert_int_equal(json_array_size(json_object_get(doc, "price_list")), 1);
	price = json_array_get(json_object_get(doc, "price_list"), 0);
	assert_string_equal(s(price, "code"), "A");
	assert_string_equal(s(price, "drug"), "阿莫西林胶囊");
	assert_string_equal(s(price, "spec"), "0.25g/粒");
	assert_string_equal(s(price, "unit"), "粒");
	assert_string_equal(s(price, "price"), "0.21");
	json_decref(doc);
	census_pull_free(&p);
}

/* A reference the pull should have fetched fails the mapping, naming it. */
static void missing(const char *ref, const char *says)
{
	struct census_pull p;
	json_t *doc = (json_t *)1;
	char err[256];
	int n;

	pull_fixture(&p);
	assert_int_equal(json_object_del(p.byref, ref), 0);
	assert_int_equal(census_map_build(&p, now_ms(), CST, &doc, &n, err, sizeof(err)), LL_EINVAL);
	assert_null(doc);
	assert_non_null(strstr(err, says));
	census_pull_free(&p);
}

static void test_missing_references_fail(void **state)
{
	(void)state;
	missing("Patient/pat-3", "Patient/pat-3");
	missing("Condition/cond-1-2", "Condition/cond-1-2");
	missing("Medication/med-A", "Medication/med-A");
}

static void test_rejects_what_is_not_a_bundle(void **state)
{
	struct census_pull p;
	json_t *oo = json_pack("{s:s}", "resourceType", "OperationOutcome");
	json_t *bad = json_loads("{\"resourceType\":\"Bundle\",\"type\":\"searchset\","
		"\"entry\":[{\"resource\":{\"resourceType\":\"Patient\"}}]}", 0, NULL);
	const char *next;
	char err[256];

	(void)state;
	assert_int_equal(census_pull_init(&p), 0);
	assert_int_equal(census_pull_add_page(&p, oo, &next, err, sizeof(err)), LL_EINVAL);
	assert_int_equal(census_pull_add_page(&p, bad, &next, err, sizeof(err)), LL_EINVAL);
	json_decref(oo);
	json_decref(bad);
	census_pull_free(&p);
}

static size_t doses(const char *freq, const char *const *times, size_t n, const char *start,
	const char *now, char (*out)[26])
{
	int64_t s = 0, t;
	int off;

	if (start)
		assert_true(census_parse_time(start, &s, &off));
	assert_true(census_parse_time(now, &t, &off));
	return census_next_doses(freq, times, n, s, t, CST, out, 8);
}

static void test_next_doses(void **state)
{
	char out[8][26];
	const char *tod[] = { "20:00:00", "06:30" };

	(void)state;
	/* q8h by its code alone, from late evening: midnight, 08:00, 16:00 the next day. */
	assert_int_equal(doses("q8h", NULL, 0, NULL, "2025-03-15T23:30:00+08:00", out), 3);
	assert_string_equal(out[0], "2025-03-16T00:00:00+08:00");
	assert_string_equal(out[1], "2025-03-16T08:00:00+08:00");
	assert_string_equal(out[2], "2025-03-16T16:00:00+08:00");
	/* A dose exactly now is given already; one exactly 24 h on is in the window. */
	assert_int_equal(doses("qd", NULL, 0, NULL, "2025-03-15T08:00:00+08:00", out), 1);
	assert_string_equal(out[0], "2025-03-16T08:00:00+08:00");
	/* Not before the order starts. */
	assert_int_equal(doses("bid", NULL, 0, "2025-03-15T17:00:00+08:00",
		"2025-03-15T10:00:00+08:00", out), 1);
	assert_string_equal(out[0], "2025-03-16T08:00:00+08:00");
	/* The ward's own times win over the code's, unsorted in, sorted out. */
	assert_int_equal(doses("bid", tod, 2, NULL, "2025-03-15T10:00:00+08:00", out), 2);
	assert_string_equal(out[0], "2025-03-15T20:00:00+08:00");
	assert_string_equal(out[1], "2025-03-16T06:30:00+08:00");
	/* prn and unknown codes: none; across a month's end. */
	assert_int_equal(doses("prn", NULL, 0, NULL, "2025-03-15T10:00:00+08:00", out), 0);
	assert_int_equal(doses("weird", NULL, 0, NULL, "2025-03-15T10:00:00+08:00", out), 0);
	assert_int_equal(doses("qn", NULL, 0, NULL, "2025-02-28T21:00:00+08:00", out), 1);
	assert_string_equal(out[0], "2025-03-01T20:00:00+08:00");
}

static void test_times(void **state)
{
	int64_t ms;
	int off;
	char buf[26];

	(void)state;
	assert_true(census_parse_time("1970-01-01T08:00:00+08:00", &ms, &off));
	assert_int_equal(ms, 0);
	assert_true(census_parse_time("2025-03-15T02:00:00.250Z", &ms, &off));
	assert_int_equal(off, 0);
	census_format_time(ms, CST, buf);
	assert_string_equal(buf, "2025-03-15T10:00:00+08:00");
	census_format_time(ms, -5 * 3600, buf);
	assert_string_equal(buf, "2025-03-14T21:00:00-05:00");
	assert_true(census_parse_time("2025-03-15", &ms, &off));
	assert_false(census_parse_time("2025-03-15T10:00", &ms, &off));
	assert_false(census_parse_time("2025-13-15T10:00:00Z", &ms, &off));
	assert_false(census_parse_time("2025-03-15T10:00:00+0800", &ms, &off));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_a_ward),
		cmocka_unit_test(test_missing_references_fail),
		cmocka_unit_test(test_rejects_what_is_not_a_bundle),
		cmocka_unit_test(test_next_doses),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
