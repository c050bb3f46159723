/*
 * dbtest — the fixture shared by the db tests: the throwaway cluster (pg),
 * a loop with a 50 ms tick, result/acquire/state/log recorders, and helpers
 * that run the loop until a condition holds (never a bare sleep).
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <event2/event.h>

#include "db.h"
#include "pgtest.h"

#define DEADLINE_S 30

extern struct pgtest pg;

struct fx {
	struct event_base *base;
	struct event *tick;
	db_pool *pool;
	int ups, downs;
	char log[16384];
	size_t loglen;
};

struct qres {
	int calls;
	int err;
	bool had_res;
	ExecStatusType status;
	char sqlstate[8];
	int ntuples;
	char val[4][128];
	bool isnull[4];
	int order;
};

struct acq {
	int calls;
	int err;
	db_conn *conn;
};

int64_t now_ms(void);

/* Turn the loop until cond holds; fail the test after DEADLINE_S. */
#define RUN_UNTIL(fx, cond) do { \
	int64_t deadline_ = now_ms() + DEADLINE_S * 1000; \
	while (!(cond)) { \
		if (now_ms() > deadline_) \
			fail_msg("timed out waiting for %s", #cond); \
		event_base_loop((fx)->base, EVLOOP_ONCE); \
	} \
} while (0)

void on_state(bool up, void *arg);
void on_log(int level, const char *msg, void *arg);
void on_result(int err, PGresult *res, void *arg);   /* arg: struct qres */
void on_acquire(int err, db_conn *conn, void *arg); /* arg: struct acq */

int fx_setup(void **state);
int fx_teardown(void **state);
int cluster_setup(void **state);
int cluster_teardown(void **state);

/* A pool with every connection established (fx->pool). */
db_pool *pool_up_on(struct fx *fx, const char *conninfo, int size);
db_pool *pool_up(struct fx *fx, int size);
/* Run one statement and wait for its callback. */
void query(struct fx *fx, const char *sql, int nparams,
	const char *const *params, struct qres *r);
void conn_query(struct fx *fx, db_conn *c, const char *sql, struct qres *r);
db_conn *acquire(struct fx *fx);

/* test_db_outage.c */
void test_free_with_work_pending(void **state);
void test_free_inside_callback(void **state);
void test_connect_socket_changes(void **state);
void test_connect_timeout(void **state);
void test_start_without_server(void **state);
void test_terminated_backend(void **state);
void test_session_connection_lost(void **state);
void test_server_stop_and_start(void **state);
