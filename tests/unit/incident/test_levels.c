/* Unit tests: the level proposal rules of the plan (§4). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "levels.h"

static const struct level_rules rules = { .several_targets = 2, .many_departments = 3 };

static enum outage_level propose(struct level_evidence ev)
{
	return level_propose(&rules, &ev);
}

static void test_core_down_is_level_1(void **state)
{
	(void)state;
	assert_int_equal(propose((struct level_evidence){ .targets_down = 1, .core_down = 1 }), LEVEL_1);
}

static void test_several_targets_is_level_1(void **state)
{
	(void)state;
	assert_int_equal(propose((struct level_evidence){ .targets_down = 2 }), LEVEL_1);
	assert_int_equal(propose((struct level_evidence){ .targets_down = 2, .insurance_down = 1 }), LEVEL_1);
}

static void test_many_departments_is_level_1(void **state)
{
	(void)state;
	assert_int_equal(propose((struct level_evidence){ .departments_reporting = 3, .reports = 3 }),
		LEVEL_1);
	assert_int_equal(propose((struct level_evidence){ .departments_reporting = 2, .reports = 5 }),
		LEVEL_2);
}

static void test_one_non_core_target_or_department_is_level_2(void **state)
{
	(void)state;
	assert_int_equal(propose((struct level_evidence){ .targets_down = 1 }), LEVEL_2);
	assert_int_equal(propose((struct level_evidence){ .departments_reporting = 1, .reports = 1 }),
		LEVEL_2);
}

static void test_operator_error_alone_is_level_3(void **state)
{
	(void)state;
	assert_int_equal(propose((struct level_evidence){ .departments_reporting = 1, .reports = 1,
		.operator_error_reports = 1 }), LEVEL_3);
	assert_int_equal(propose((struct level_evidence){ .departments_reporting = 1, .reports = 2,
		.operator_error_reports = 1 }), LEVEL_2);
}

static void test_insurance_line_alone_is_other(void **state)
{
	(void)state;
	assert_int_equal(propose((struct level_evidence){ .targets_down = 1, .insurance_down = 1 }),
		LEVEL_OTHER);
	assert_int_equal(propose((struct level_evidence){ .targets_down = 1, .insurance_down = 1,
		.reports = 1, .departments_reporting = 1 }), LEVEL_2);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(level_parse("other"), LEVEL_OTHER);
	assert_int_equal(level_parse("1"), LEVEL_1);
	assert_int_equal(level_parse("4"), -1);
	assert_int_equal(level_parse(NULL), -1);
	assert_string_equal(level_name(LEVEL_3), "3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_core_down_is_level_1),
		cmocka_unit_test(test_several_targets_is_level_1),
		cmocka_unit_test(test_many_departments_is_level_1),
		cmocka_unit_test(test_one_non_core_target_or_department_is_level_2),
		cmocka_unit_test(test_operator_error_alone_is_level_3),
		cmocka_unit_test(test_insurance_line_alone_is_other),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
