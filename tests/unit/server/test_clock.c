/* Unit tests: the one clock, and moving it for tests and drills. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "clock.h"

static int jumps;

static void on_jump(void *arg)
{
	(*(int *)arg)++;
}

static void test_real_time_by_default(void **state)
{
	int64_t now = (int64_t)time(NULL) * 1000;

	(void)state;
	clock_reset();
	assert_true(clock_now_ms() >= now - 1000 && clock_now_ms() <= now + 2000);
	assert_int_equal(clock_offset_ms(), 0);
}

static void test_advance_moves_both_clocks_and_tells_listeners(void **state)
{
	int64_t wall, mono;

	(void)state;
	clock_reset();
	jumps = 0;
	assert_int_equal(clock_on_jump(on_jump, &jumps), 0);
	wall = clock_now_ms();
	mono = clock_mono_ms();
	clock_advance(6 * 3600 * 1000LL);
	assert_true(clock_now_ms() - wall >= 6 * 3600 * 1000LL);
	assert_true(clock_mono_ms() - mono >= 6 * 3600 * 1000LL);
	assert_int_equal(jumps, 1);
	clock_advance(0);
	clock_advance(-5);
	assert_int_equal(jumps, 1);
	clock_reset();
}

static void test_format(void **state)
{
	char buf[40];

	(void)state;
	assert_string_equal(clock_format_ms(1795305600123LL, buf, sizeof(buf)),
		"2026-11-22T00:00:00.123Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_time_by_default),
		cmocka_unit_test(test_advance_moves_both_clocks_and_tells_listeners),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
