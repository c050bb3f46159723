/*
 * work — a small pool of worker threads for CPU work that must stay off the
 * event loop: password hashing (argon2id) now, PDF rendering later.
 *
 * A job is two functions: `run` executes on a worker thread and must not
 * touch loop-owned state; `done` executes afterwards on the loop thread, in
 * submission order per worker, and is where results are handed back. `arg`
 * belongs to the caller throughout; `done` typically frees it.
 *
 * work_pool_free() waits for running jobs, drops queued ones (their `done`
 * is still called, with cancelled == true), and joins the threads.
 */
#pragma once

#include <stdbool.h>

#include "errors.h"

struct event_base;
typedef struct work_pool work_pool;

typedef void (*work_run_fn)(void *arg);
typedef void (*work_done_fn)(void *arg, bool cancelled);

int work_pool_new(struct event_base *base, int nthreads, work_pool **out) LL_MUST_CHECK;
void work_pool_free(work_pool *pool);

int work_submit(work_pool *pool, work_run_fn run, work_done_fn done, void *arg) LL_MUST_CHECK;

/* Jobs waiting or running (for metrics). */
int work_pool_pending(work_pool *pool);
