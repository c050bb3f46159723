/* Unit tests: the worker pool runs jobs off the loop and hands results back on it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdbool.h>
#include <cmocka.h>

#include <event2/event.h>

#include "work.h"

struct job {
	pthread_t loop_thread;
	pthread_t ran_on;
	int value;
	int *done_count;
	bool done_on_loop;
	bool cancelled;
};

static void run(void *arg)
{
	struct job *j = arg;

	j->ran_on = pthread_self();
	j->value *= 2;
}

static void done(void *arg, bool cancelled)
{
	struct job *j = arg;

	j->done_on_loop = pthread_equal(pthread_self(), j->loop_thread);
	j->cancelled = cancelled;
	(*j->done_count)++;
}

static void test_jobs_run_on_workers_and_finish_on_the_loop(void **state)
{
	struct event_base *base = event_base_new();
	work_pool *pool = NULL;
	struct job jobs[50];
	int count = 0;

	(void)state;
	assert_int_equal(work_pool_new(base, 2, &pool), 0);
	for (int i = 0; i < 50; i++) {
		jobs[i] = (struct job){ .loop_thread = pthread_self(), .value = i, .done_count = &count };
		assert_int_equal(work_submit(pool, run, done, &jobs[i]), 0);
	}
	while (count < 50)
		event_base_loop(base, EVLOOP_ONCE);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(jobs[i].value, 2 * i);
		assert_false(pthread_equal(jobs[i].ran_on, pthread_self()));
		assert_true(jobs[i].done_on_loop);
		assert_false(jobs[i].cancelled);
	}
	assert_int_equal(work_pool_pending(pool), 0);
	work_pool_free(pool);
	event_base_free(base);
}

static void test_free_calls_done_for_every_job(void **state)
{
	struct event_base *base = event_base_new();
	work_pool *pool = NULL;
	struct job jobs[20];
	int count = 0;

	(void)state;
	assert_int_equal(work_pool_new(base, 1, &pool), 0);
	for (int i = 0; i < 20; i++) {
		jobs[i] = (struct job){ .loop_thread = pthread_self(), .value = i, .done_count = &count };
		assert_int_equal(work_submit(pool, run, done, &jobs[i]), 0);
	}
	work_pool_free(pool);
	assert_int_equal(count, 20);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_run_on_workers_and_finish_on_the_loop),
		cmocka_unit_test(test_free_calls_done_for_every_job),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
