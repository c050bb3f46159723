/* Unit tests: failed attempts per key in a fixed window (server/http/ratelimit.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ratelimit.h"

static void test_blocks_after_max_failures_until_the_window_ends(void **state)
{
	struct ratelimit *rl;

	(void)state;
	assert_int_equal(ratelimit_new(8, 60000, 3, &rl), 0);
	assert_int_equal(ratelimit_wait_ms(rl, "u:nurse", 1000), 0);
	ratelimit_fail(rl, "u:nurse", 1000);
	ratelimit_fail(rl, "u:nurse", 2000);
	assert_int_equal(ratelimit_wait_ms(rl, "u:nurse", 2000), 0);
	ratelimit_fail(rl, "u:nurse", 3000);
	assert_int_equal(ratelimit_wait_ms(rl, "u:nurse", 3000), 58000);
	assert_int_equal(ratelimit_wait_ms(rl, "u:doctor", 3000), 0);
	assert_int_equal(ratelimit_wait_ms(rl, "u:nurse", 61000), 0);
	/* A failure after the window starts a new one. */
	ratelimit_fail(rl, "u:nurse", 61000);
	assert_int_equal(ratelimit_wait_ms(rl, "u:nurse", 61000), 0);
	ratelimit_free(rl);
}

static void test_success_clears(void **state)
{
	struct ratelimit *rl;

	(void)state;
	assert_int_equal(ratelimit_new(8, 60000, 2, &rl), 0);
	ratelimit_fail(rl, "u:it", 0);
	ratelimit_fail(rl, "u:it", 0);
	assert_true(ratelimit_wait_ms(rl, "u:it", 10) > 0);
	ratelimit_clear(rl, "u:it");
	assert_int_equal(ratelimit_wait_ms(rl, "u:it", 10), 0);
	ratelimit_free(rl);
}

static void test_bounded_forgets_the_oldest(void **state)
{
	struct ratelimit *rl;

	(void)state;
	assert_int_equal(ratelimit_new(2, 60000, 1, &rl), 0);
	ratelimit_fail(rl, "a", 0);
	ratelimit_fail(rl, "b", 10);
	ratelimit_fail(rl, "c", 20);       /* "a" is forgotten */
	assert_int_equal(ratelimit_wait_ms(rl, "a", 30), 0);
	assert_true(ratelimit_wait_ms(rl, "b", 30) > 0);
	assert_true(ratelimit_wait_ms(rl, "c", 30) > 0);
	ratelimit_free(rl);
	assert_int_equal(ratelimit_new(0, 1, 1, &rl), LL_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_after_max_failures_until_the_window_ends),
		cmocka_unit_test(test_success_clears),
		cmocka_unit_test(test_bounded_forgets_the_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
