/*
 * Unit tests of the demo hospital: census.c (the generator and its rules:
 * beds, named patients, orders that respect allergies, calendar days) and
 * census_fhir.c (every reference between the FHIR resources resolves, and
 * the counts the integration tests and Lifeline's forms rely on).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "census.h"
#include "census_fhir.h"
#include "fhir_store.h"

static struct census_day default_day(void)
{
	struct census_day d;

	if (census_day_parse(CENSUS_DEFAULT_DAY, &d) != 0)
		fail_msg("the default census day does not parse");
	return d;
}

static int setup_census(void **state)
{
	struct census *c = calloc(1, sizeof(*c));

	if (c == NULL || census_build(c, default_day()) != 0)
		return -1;
	*state = c;
	return 0;
}

static int teardown_census(void **state)
{
	census_free(*state);
	free(*state);
	return 0;
}

/* ---- calendar days ------------------------------------------------------- */

static void test_days_parse_only_real_dates(void **state)
{
	struct census_day d;

	(void)state;
	assert_int_equal(census_day_parse("2024-02-29", &d), 0);
	assert_int_equal(d.year * 10000 + d.month * 100 + d.day, 20240229);
	assert_int_equal(census_day_parse("2025-02-29", &d), -1);
	assert_int_equal(census_day_parse("2025-04-31", &d), -1);
	assert_int_equal(census_day_parse("2025-13-01", &d), -1);
	assert_int_equal(census_day_parse("2025-3-15", &d), -1);
	assert_int_equal(census_day_parse("2025-03-15x", &d), -1);
	assert_int_equal(census_day_parse("1899-12-31", &d), -1);
	assert_int_equal(census_day_parse("", &d), -1);
}

static void test_day_numbers_round_trip(void **state)
{
	struct census_day epoch = { 1970, 1, 1 }, d;
	char buf[16];

	(void)state;
	assert_int_equal(census_day_number(epoch), 0);
	for (long n = -30000; n <= 80000; n += 7) {
		d = census_day_from_number(n);
		assert_int_equal(census_day_number(d), n);
	}
	census_day_format(census_day_add((struct census_day){ 2024, 12, 31 }, 60), buf, sizeof(buf));
	assert_string_equal(buf, "2025-03-01");
	census_day_format(census_day_add((struct census_day){ 2024, 3, 1 }, -1), buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29");
}

/* ---- the census ---------------------------------------------------------- */

static void test_wards_hold_their_inpatients_in_distinct_beds(void **state)
{
	const struct census *c = *state;
	size_t expected = 0;

	for (size_t w = 0; w < census_n_wards; w++) {
		const struct census_ward *ward = &census_wards[w];
		unsigned in_bed = 0, out = 0;
		bool used[128] = { false };

		expected += ward->inpatients + ward->discharged;
		for (size_t i = 0; i < c->n_patients; i++) {
			const struct census_patient *p = &c->patients[i];

			if (p->ward != ward)
				continue;
			if (p->discharged) {
				assert_int_equal(p->bed, 0);
				out++;
				continue;
			}
			assert_true(p->bed >= 1 && p->bed < 128);
			assert_false(used[p->bed]);
			used[p->bed] = true;
			in_bed++;
		}
		assert_int_equal(in_bed, ward->inpatients);
		assert_int_equal(out, ward->discharged);
		assert_true(ward->inpatients >= 25 && ward->inpatients <= 35);
	}
	assert_int_equal(c->n_patients, expected);
	assert_int_equal(census_n_wards, 4);
}

static void test_named_patients_lie_in_their_beds(void **state)
{
	const struct census *c = *state;
	bool outside_bmp = false;

	for (size_t k = 0; k < census_n_named; k++) {
		const struct census_named *nm = &census_named[k];
		const struct census_patient *found = NULL;
		char want[CENSUS_NAME_MAX];

		snprintf(want, sizeof(want), "%s", nm->name ? nm->name : "");
		if (nm->name == NULL)
			snprintf(want, sizeof(want), "%s%s", nm->family, nm->given);
		for (size_t i = 0; i < c->n_patients; i++) {
			if (c->patients[i].ward == &census_wards[nm->ward] && c->patients[i].bed == nm->bed)
				found = &c->patients[i];
		}
		assert_non_null(found);
		assert_string_equal(found->name, want);
		assert_string_equal(found->family, nm->family);
		assert_string_equal(found->given, nm->given);
		assert_int_equal(found->sex, nm->sex);
		/* A four-byte UTF-8 sequence: a character outside the BMP. */
		for (const unsigned char *s = (const unsigned char *)want; *s != '\0'; s++)
			outside_bmp = outside_bmp || (*s & 0xf8) == 0xf0;
	}
	assert_true(outside_bmp);
}

static void test_extra_beds_are_named_as_such(void **state)
{
	char buf[32];

	(void)state;
	census_bed_name(&census_wards[2], 31, buf, sizeof(buf));
	assert_string_equal(buf, "加1床");
	census_bed_name(&census_wards[2], 7, buf, sizeof(buf));
	assert_string_equal(buf, "7床");
	census_bed_name(&census_wards[2], 0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static bool allergic_to(const struct census_patient *p, const struct census_drug *d)
{
	for (unsigned i = 0; i < p->n_allergens; i++) {
		if (p->allergens[i]->excludes & d->classes)
			return true;
	}
	return false;
}

static void test_orders_respect_allergies_and_wards(void **state)
{
	const struct census *c = *state;
	unsigned active = 0, prn = 0, conflicts_possible = 0;

	for (size_t i = 0; i < c->n_patients; i++) {
		const struct census_patient *p = &c->patients[i];
		unsigned mine = 0;

		for (unsigned k = 0; k < p->n_orders; k++) {
			const struct census_order *o = &p->orders[k];

			assert_false(allergic_to(p, o->drug));
			assert_true(o->drug->specialty & p->ward->specialty);
			for (unsigned j = 0; j < k; j++)
				assert_ptr_not_equal(p->orders[j].drug, o->drug);
			assert_true(census_day_number(o->start) >= census_day_number(p->admitted));
			assert_true(census_day_number(o->start) <= census_day_number(c->day));
			assert_non_null(o->freq);
			if (o->active) {
				assert_false(p->discharged);
				mine++;
				prn += o->freq->n_times == 0;
			}
		}
		if (!p->discharged)
			assert_true(mine >= 1);
		active += mine;
		for (unsigned k = 0; k < p->n_allergens; k++)
			conflicts_possible += p->allergens[k]->excludes != 0;
	}
	assert_true(active >= 2 * 100);
	assert_true(prn > 0);
	assert_true(conflicts_possible > 0); /* the rule was put to the test */
}

static void test_every_kind_of_record_occurs(void **state)
{
	const struct census *c = *state;
	unsigned records[3] = { 0 }, fees[8] = { 0 };

	for (size_t i = 0; i < c->n_patients; i++) {
		const struct census_patient *p = &c->patients[i];

		records[p->allergy_record]++;
		fees[p->fee - census_fees]++;
		assert_true(p->n_diagnoses >= 1 && p->n_diagnoses <= CENSUS_DIAGNOSES_MAX);
		assert_true(p->diagnoses[0]->specialty & p->ward->specialty);
		assert_true(census_day_number(p->birth) < census_day_number(p->admitted));
		assert_true(census_day_number(p->admitted) <= census_day_number(c->day));
		assert_int_equal(p->card_no[0] == '\0', p->fee->payer == NULL);
	}
	for (size_t k = 0; k < 3; k++)
		assert_true(records[k] > 0);
	for (size_t k = 0; k < census_n_fees; k++)
		assert_true(fees[k] > 0);
}

static void test_numbers_are_unique(void **state)
{
	const struct census *c = *state;

	for (size_t i = 0; i < c->n_patients; i++) {
		const struct census_patient *p = &c->patients[i];

		for (size_t j = 0; j < i; j++) {
			assert_string_not_equal(p->inpatient_no, c->patients[j].inpatient_no);
			assert_string_not_equal(p->patient_no, c->patients[j].patient_no);
			for (unsigned k = 0; k < p->n_orders; k++) {
				for (unsigned l = 0; l < c->patients[j].n_orders; l++)
					assert_string_not_equal(p->orders[k].no, c->patients[j].orders[l].no);
			}
		}
	}
}

static void test_the_same_day_gives_the_same_census(void **state)
{
	const struct census *c = *state;
	struct census again, other;
	struct census_day later = census_day_add(c->day, 1);

	assert_int_equal(census_build(&again, c->day), 0);
	assert_int_equal(again.n_patients, c->n_patients);
	assert_memory_equal(again.patients, c->patients, c->n_patients * sizeof(*c->patients));
	census_free(&again);
	/* Another day moves the dates, not the people. */
	assert_int_equal(census_build(&other, later), 0);
	assert_string_equal(other.patients[5].name, c->patients[5].name);
	assert_int_equal(census_day_number(other.patients[5].admitted),
	    census_day_number(c->patients[5].admitted) + 1);
	census_free(&other);
}

/* ---- the FHIR resources -------------------------------------------------- */

struct ref_check {
	const struct fhir_store *store;
	unsigned seen;
};

static void check_refs(const json_t *node, struct ref_check *rc)
{
	const char *key;
	json_t *value;
	size_t i;

	if (json_is_array(node)) {
		json_array_foreach(node, i, value)
			check_refs(value, rc);
		return;
	}
	json_object_foreach((json_t *)node, key, value) {
		if (strcmp(key, "reference") == 0) {
			if (fhir_store_get(rc->store, json_string_value(value)) == NULL)
				fail_msg("dangling reference %s", json_string_value(value));
			rc->seen++;
		} else {
			check_refs(value, rc);
		}
	}
}

static void test_fhir_resources_are_complete_and_consistent(void **state)
{
	const struct census *c = *state;
	struct fhir_store *s = fhir_store_new();
	static const char *const types[] = {
		"Organization", "Location", "Patient", "Encounter", "Coverage", "Condition",
		"AllergyIntolerance", "MedicationRequest", "Medication", "ChargeItemDefinition",
	};
	struct ref_check rc = { s, 0 };
	size_t beds = 0;

	assert_non_null(s);
	assert_int_equal(census_fhir_load(c, s), 0);
	for (size_t w = 0; w < census_n_wards; w++)
		beds += census_wards[w].inpatients > census_wards[w].beds ? census_wards[w].inpatients
		                                                           : census_wards[w].beds;
	assert_int_equal(fhir_store_count(s, "Organization"), 1 + census_n_depts + census_n_payers);
	assert_int_equal(fhir_store_count(s, "Location"), census_n_wards + beds);
	assert_int_equal(fhir_store_count(s, "Patient"), c->n_patients);
	assert_int_equal(fhir_store_count(s, "Encounter"), c->n_patients);
	assert_int_equal(fhir_store_count(s, "Coverage"), c->n_patients);
	assert_int_equal(fhir_store_count(s, "Medication"), census_n_drugs);
	assert_int_equal(fhir_store_count(s, "ChargeItemDefinition"), census_n_drugs);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		assert_true(fhir_store_count(s, types[t]) > 0);
		for (size_t i = 0; i < fhir_store_count(s, types[t]); i++)
			check_refs(fhir_store_at(s, types[t], i), &rc);
	}
	assert_true(rc.seen > 1000);
	/* The rare name survives as UTF-8. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	    fhir_store_get(s, "Patient/pat-0003"), "name"), 0), "text")), c->patients[2].name);
	fhir_store_free(s);
}

static void test_store_refuses_what_it_cannot_index(void **state)
{
	struct fhir_store *s = fhir_store_new();

	(void)state;
	assert_int_equal(fhir_store_add(s, json_pack("{s:s, s:s}", "resourceType", "Patient",
	    "id", "a")), 0);
	assert_int_equal(fhir_store_add(s, json_pack("{s:s, s:s}", "resourceType", "Patient",
	    "id", "a")), -1);
	assert_int_equal(fhir_store_add(s, json_pack("{s:s}", "resourceType", "Patient")), -1);
	assert_int_equal(fhir_store_add(s, NULL), -1);
	assert_int_equal(fhir_store_count(s, "Patient"), 1);
	assert_null(fhir_store_get(s, "Patient/b"));
	assert_non_null(fhir_store_get(s, "Patient/a"));
	fhir_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_parse_only_real_dates),
		cmocka_unit_test(test_day_numbers_round_trip),
		cmocka_unit_test(test_extra_beds_are_named_as_such),
		cmocka_unit_test(test_store_refuses_what_it_cannot_index),
		cmocka_unit_test_setup_teardown(test_wards_hold_their_inpatients_in_distinct_beds,
		    setup_census, teardown_census),
		cmocka_unit_test_setup_teardown(test_named_patients_lie_in_their_beds,
		    setup_census, teardown_census),
		cmocka_unit_test_setup_teardown(test_orders_respect_allergies_and_wards,
		    setup_census, teardown_census),
		cmocka_unit_test_setup_teardown(test_every_kind_of_record_occurs,
		    setup_census, teardown_census),
		cmocka_unit_test_setup_teardown(test_numbers_are_unique,
		    setup_census, teardown_census),
		cmocka_unit_test_setup_teardown(test_the_same_day_gives_the_same_census,
		    setup_census, teardown_census),
		cmocka_unit_test_setup_teardown(test_fhir_resources_are_complete_and_consistent,
		    setup_census, teardown_census),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
