/*
 * Tests of server/db against a real, throwaway PostgreSQL cluster (pgtest.h):
 * parameters and NULLs, many queued queries, FIFO order, SQL errors, sessions
 * (rollback on release, commit), notices, freeing the pool with work pending
 * and from inside a callback, a pool that starts without a server, a
 * terminated backend, and the server stopped and started under the pool.
 *
 * The loop runs with EVLOOP_ONCE until a condition holds; a 50 ms tick keeps
 * it turning so the deadline is checked even when nothing else happens.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "db.h"
#include "pgtest.h"

#define DEADLINE_S 30

static struct pgtest pg;

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

static int completions; /* global completion order */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define RUN_UNTIL(fx, cond) do { \
	int64_t deadline_ = now_ms() + DEADLINE_S * 1000; \
	while (!(cond)) { \
		if (now_ms() > deadline_) \
			fail_msg("timed out waiting for %s", #cond); \
		event_base_loop((fx)->base, EVLOOP_ONCE); \
	} \
} while (0)

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void on_state(bool up, void *arg)
{
	struct fx *fx = arg;

	if (up)
		fx->ups++;
	else
		fx->downs++;
}

static void on_log(int level, const char *msg, void *arg)
{
	struct fx *fx = arg;
	int n;

	(void)level;
	n = snprintf(fx->log + fx->loglen, sizeof fx->log - fx->loglen, "%s\n", msg);
	if (n > 0 && (size_t)n < sizeof fx->log - fx->loglen)
		fx->loglen += (size_t)n;
}

static void on_result(int err, PGresult *res, void *arg)
{
	struct qres *r = arg;

	r->calls++;
	r->err = err;
	r->order = completions++;
	r->had_res = res != NULL;
	if (!res)
		return;
	r->status = PQresultStatus(res);
	const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	snprintf(r->sqlstate, sizeof r->sqlstate, "%s", st ? st : "");
	r->ntuples = PQntuples(res);
	for (int i = 0; i < 4 && i < PQnfields(res) && r->ntuples > 0; i++) {
		r->isnull[i] = PQgetisnull(res, 0, i);
		snprintf(r->val[i], sizeof r->val[i], "%s", PQgetvalue(res, 0, i));
	}
}

static void on_acquire(int err, db_conn *conn, void *arg)
{
	struct acq *a = arg;

	a->calls++;
	a->err = err;
	a->conn = conn;
}

static int setup(void **state)
{
	static const struct timeval tick = { 0, 50000 };
	struct fx *fx = calloc(1, sizeof *fx);

	if (!fx)
		return -1;
	fx->base = event_base_new();
	fx->tick = event_new(fx->base, -1, EV_PERSIST, tick_cb, NULL);
	if (!fx->base || !fx->tick || event_add(fx->tick, &tick) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	db_pool_free(fx->pool);
	event_free(fx->tick);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

/* A pool on the test cluster with every connection established. */
static db_pool *pool_up(struct fx *fx, int size)
{
	struct db_pool_stats s;

	assert_int_equal(db_pool_new(fx->base, pg.conninfo, size, &fx->pool), 0);
	db_pool_set_state_cb(fx->pool, on_state, fx);
	db_pool_set_log_cb(fx->pool, on_log, fx);
	RUN_UNTIL(fx, (db_pool_get_stats(fx->pool, &s), s.connected == size));
	assert_true(db_pool_up(fx->pool));
	assert_int_equal(fx->ups, 1);
	return fx->pool;
}

static void query(struct fx *fx, const char *sql, int nparams,
	const char *const *params, struct qres *r)
{
	memset(r, 0, sizeof *r);
	assert_int_equal(db_query(fx->pool, sql, nparams, params, on_result, r), 0);
	assert_int_equal(r->calls, 0); /* never from inside db_query */
	RUN_UNTIL(fx, r->calls == 1);
}

static void conn_query(struct fx *fx, db_conn *c, const char *sql, struct qres *r)
{
	memset(r, 0, sizeof *r);
	assert_int_equal(db_conn_query(c, sql, 0, NULL, on_result, r), 0);
	assert_int_equal(r->calls, 0);
	RUN_UNTIL(fx, r->calls == 1);
	assert_int_equal(r->err, 0);
}

static db_conn *acquire(struct fx *fx)
{
	struct acq a = { 0 };

	assert_int_equal(db_acquire(fx->pool, on_acquire, &a), 0);
	assert_int_equal(a.calls, 0);
	RUN_UNTIL(fx, a.calls == 1);
	assert_int_equal(a.err, 0);
	assert_non_null(a.conn);
	return a.conn;
}

static void test_params_and_nulls(void **state)
{
	struct fx *fx = *state;
	char text[] = "h\xc3\xa9llo 'quoted'";
	const char *params[] = { text, NULL, "41" };
	struct qres r;

	pool_up(fx, 2);
	memset(&r, 0, sizeof r);
	assert_int_equal(db_query(fx->pool, "SELECT $1::text, $2::text IS NULL, "
		"$3::int + 1, $2::text", 3, params, on_result, &r), 0);
	text[0] = 'X'; /* the pool copied the parameters */
	RUN_UNTIL(fx, r.calls == 1);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.status, PGRES_TUPLES_OK);
	assert_string_equal(r.val[0], "h\xc3\xa9llo 'quoted'");
	assert_string_equal(r.val[1], "t");
	assert_string_equal(r.val[2], "42");
	assert_true(r.isnull[3]);
	assert_false(r.isnull[0]);

	query(fx, "SELECT 'no params'", 0, NULL, &r);
	assert_string_equal(r.val[0], "no params");
	query(fx, "UPDATE t_sess SET v = v WHERE false", 0, NULL, &r);
	assert_int_equal(r.status, PGRES_COMMAND_OK);

	assert_int_equal(db_query(fx->pool, NULL, 0, NULL, on_result, &r), LL_EINVAL);
	assert_int_equal(db_query(fx->pool, "SELECT 1", 1, NULL, on_result, &r), LL_EINVAL);
}

#define MANY 200

struct many {
	db_pool *pool;
	int done[MANY];
	int ndone;
	int bad;
};

struct many_arg {
	struct many *m;
	int i;
};

static void on_many(int err, PGresult *res, void *arg)
{
	struct many_arg *a = arg;
	struct many *m = a->m;
	struct db_pool_stats s;

	if (err || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    atoi(PQgetvalue(res, 0, 0)) != a->i || m->done[a->i])
		m->bad++;
	/*
	 * FIFO: query i left the queue after every query before it, so by now
	 * at most MANY-1-i are still queued. (Completion order over 3
	 * connections is not FIFO: an earlier query may finish later.)
	 */
	db_pool_get_stats(m->pool, &s);
	if (s.queued > (size_t)(MANY - 1 - a->i))
		m->bad++;
	m->done[a->i] = 1;
	m->ndone++;
}

static void test_many_queued(void **state)
{
	struct fx *fx = *state;
	static struct many m;
	static struct many_arg args[MANY];
	struct db_pool_stats s;
	char num[MANY][8];

	memset(&m, 0, sizeof m);
	m.pool = pool_up(fx, 3);
	for (int i = 0; i < MANY; i++) {
		const char *p[1] = { num[i] };

		snprintf(num[i], sizeof num[i], "%d", i);
		args[i] = (struct many_arg){ &m, i };
		assert_int_equal(db_query(fx->pool, "SELECT $1::int", 1, p,
			on_many, &args[i]), 0);
	}
	db_pool_get_stats(fx->pool, &s);
	assert_int_equal(s.busy, 3);
	assert_int_equal(s.queued, MANY - 3);
	assert_int_equal(m.ndone, 0);
	RUN_UNTIL(fx, m.ndone == MANY);
	assert_int_equal(m.bad, 0);
	db_pool_get_stats(fx->pool, &s);
	assert_int_equal(s.queries, MANY);
	assert_int_equal(s.failures, 0);
	assert_int_equal(s.queued, 0);
	assert_int_equal(s.busy, 0);
	assert_int_equal(s.connected, 3);
}

static void test_fifo_one_connection(void **state)
{
	struct fx *fx = *state;
	struct qres r[50];

	pool_up(fx, 1);
	memset(r, 0, sizeof r);
	for (int i = 0; i < 50; i++)
		assert_int_equal(db_query(fx->pool, "SELECT nextval('fifo_seq')",
			0, NULL, on_result, &r[i]), 0);
	RUN_UNTIL(fx, r[49].calls == 1);
	for (int i = 1; i < 50; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].order, r[i - 1].order + 1);
		assert_int_equal(atoll(r[i].val[0]), atoll(r[i - 1].val[0]) + 1);
	}
}

static void test_sql_error(void **state)
{
	struct fx *fx = *state;
	struct db_pool_stats s;
	struct qres r;

	pool_up(fx, 1);
	query(fx, "SELECT 1/0", 0, NULL, &r);
	assert_int_equal(r.err, 0); /* an SQL error is a result, not LL_EDBDOWN */
	assert_int_equal(r.status, PGRES_FATAL_ERROR);
	assert_string_equal(r.sqlstate, "22012");
	query(fx, "SELEC oops", 0, NULL, &r);
	assert_string_equal(r.sqlstate, "42601");
	query(fx, "SELECT 'still here'", 0, NULL, &r);
	assert_int_equal(r.status, PGRES_TUPLES_OK);
	assert_string_equal(r.val[0], "still here");
	db_pool_get_stats(fx->pool, &s);
	assert_int_equal(s.queries, 3);
	assert_int_equal(s.failures, 0);
	assert_int_equal(s.reconnects, 0);
	assert_int_equal(fx->downs, 0);
}

/* Pool of one: the count query runs on the session's own connection. */
static void test_session_rollback_on_release(void **state)
{
	struct fx *fx = *state;
	struct qres r, count;
	struct db_pool_stats s;

	pool_up(fx, 1);
	db_conn *c = acquire(fx);
	conn_query(fx, c, "BEGIN", &r);
	conn_query(fx, c, "INSERT INTO t_sess VALUES ('rolled back')", &r);
	assert_int_equal(r.status, PGRES_COMMAND_OK);

	/* queued behind the session */
	memset(&count, 0, sizeof count);
	assert_int_equal(db_query(fx->pool, "SELECT count(*) FROM t_sess "
		"WHERE v = 'rolled back'", 0, NULL, on_result, &count), 0);
	db_pool_get_stats(fx->pool, &s);
	assert_int_equal(s.queued, 1);
	assert_int_equal(s.busy, 1);

	db_release(c); /* no COMMIT */
	RUN_UNTIL(fx, count.calls == 1);
	assert_int_equal(count.err, 0);
	assert_string_equal(count.val[0], "0");
	db_pool_get_stats(fx->pool, &s);
	assert_int_equal(s.busy, 0);
}

static void test_session_error_then_release(void **state)
{
	struct fx *fx = *state;
	struct qres r, r2;

	pool_up(fx, 1);
	db_conn *c = acquire(fx);
	conn_query(fx, c, "BEGIN", &r);
	memset(&r, 0, sizeof r);
	assert_int_equal(db_conn_query(c, "SELECT 1/0", 0, NULL, on_result, &r), 0);
	assert_int_equal(db_conn_query(c, "SELECT 1", 0, NULL, on_result, &r2),
		LL_ECONFLICT);
	RUN_UNTIL(fx, r.calls == 1);
	assert_string_equal(r.sqlstate, "22012");
	conn_query(fx, c, "SELECT 1", &r);
	assert_string_equal(r.sqlstate, "25P02"); /* transaction is aborted */
	db_release(c);
	query(fx, "SELECT 'clean'", 0, NULL, &r);
	assert_int_equal(r.status, PGRES_TUPLES_OK);
}

static void test_session_release_while_running(void **state)
{
	struct fx *fx = *state;
	struct qres r, ins;

	pool_up(fx, 1);
	db_conn *c = acquire(fx);
	conn_query(fx, c, "BEGIN", &r);
	memset(&ins, 0, sizeof ins);
	assert_int_equal(db_conn_query(c, "INSERT INTO t_sess SELECT 'late' "
		"FROM pg_sleep(0.2)", 0, NULL, on_result, &ins), 0);
	db_release(c);
	query(fx, "SELECT count(*) FROM t_sess WHERE v = 'late'", 0, NULL, &r);
	assert_int_equal(ins.calls, 1);
	assert_int_equal(ins.err, 0);
	assert_int_equal(ins.status, PGRES_COMMAND_OK);
	assert_string_equal(r.val[0], "0");
}

static void test_session_commit(void **state)
{
	struct fx *fx = *state;
	struct qres r;
	char err[256];

	pool_up(fx, 2);
	db_conn *c = acquire(fx);
	conn_query(fx, c, "BEGIN", &r);
	conn_query(fx, c, "INSERT INTO t_sess VALUES ('kept')", &r);
	conn_query(fx, c, "COMMIT", &r);
	db_release(c);

	PGconn *other = db_connect_blocking(pg.conninfo, err, sizeof err);
	assert_non_null(other);
	PGresult *res = PQexec(other, "SELECT count(*) FROM t_sess WHERE v = 'kept'");
	assert_string_equal(PQgetvalue(res, 0, 0), "1");
	PQclear(res);
	PQfinish(other);

	assert_null(db_connect_blocking("host=/nonexistent port=1", err, sizeof err));
	assert_non_null(strstr(err, "cannot connect to the database: "));
	assert_null(strchr(err, '\n'));
}

static void test_notice_goes_to_log(void **state)
{
	struct fx *fx = *state;
	struct qres r;

	pool_up(fx, 1);
	query(fx, "DO $$BEGIN RAISE NOTICE 'lifeline notice %', 42; END$$",
		0, NULL, &r);
	assert_int_equal(r.status, PGRES_COMMAND_OK);
	assert_non_null(strstr(fx->log, "database notice: NOTICE: lifeline notice 42"));
}

static void test_free_with_work_pending(void **state)
{
	struct fx *fx = *state;
	struct qres r[5];
	struct acq a = { 0 };

	pool_up(fx, 1);
	memset(r, 0, sizeof r);
	for (int i = 0; i < 5; i++)
		assert_int_equal(db_query(fx->pool, "SELECT pg_sleep(10)", 0, NULL,
			on_result, &r[i]), 0);
	assert_int_equal(db_acquire(fx->pool, on_acquire, &a), 0);
	db_pool_free(fx->pool);
	fx->pool = NULL;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].err, LL_EDBDOWN);
		assert_false(r[i].had_res);
	}
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.err, LL_EDBDOWN);
	assert_null(a.conn);
	event_base_loop(fx->base, EVLOOP_NONBLOCK); /* nothing left behind */
}

struct freer {
	struct fx *fx;
	int calls, edbdown, after_free;
	bool freed;
};

static void on_free_me(int err, PGresult *res, void *arg)
{
	struct freer *f = arg;
	struct qres r;

	(void)res;
	f->calls++;
	if (err == LL_EDBDOWN)
		f->edbdown++;
	if (f->freed) {
		f->after_free++;
		assert_int_equal(db_query(f->fx->pool, "SELECT 1", 0, NULL,
			on_result, &r), LL_EDBDOWN);
		return;
	}
	f->freed = true;
	db_pool_free(f->fx->pool);
	db_pool_free(f->fx->pool); /* twice is harmless until it returns */
	assert_int_equal(db_query(f->fx->pool, "SELECT 1", 0, NULL, on_result, &r),
		LL_EDBDOWN);
}

static void test_free_inside_callback(void **state)
{
	struct fx *fx = *state;
	struct freer f = { .fx = fx };

	pool_up(fx, 2);
	assert_int_equal(db_query(fx->pool, "SELECT 1", 0, NULL, on_free_me, &f), 0);
	for (int i = 0; i < 9; i++)
		assert_int_equal(db_query(fx->pool, "SELECT pg_sleep(10)", 0, NULL,
			on_free_me, &f), 0);
	RUN_UNTIL(fx, f.calls > 0);
	fx->pool = NULL; /* freed by now */
	assert_int_equal(f.calls, 10);
	assert_int_equal(f.after_free, 9);
	assert_int_equal(f.edbdown, 9);
	event_base_loop(fx->base, EVLOOP_NONBLOCK);
}

static void test_start_without_server(void **state)
{
	struct fx *fx = *state;
	struct db_pool_stats s;
	struct qres r = { 0 };
	struct acq a = { 0 };
	char conninfo[300];

	assert_int_equal(db_pool_new(fx->base, "nosuchkey=1", 1, &fx->pool),
		LL_EINVAL);
	assert_int_equal(db_pool_new(fx->base, pg.conninfo, 0, &fx->pool), LL_EINVAL);
	snprintf(conninfo, sizeof conninfo, "host=%s port=%d dbname=postgres "
		"user=postgres", pg.dir, pg.port + 1);
	assert_int_equal(db_pool_new(fx->base, conninfo, 2, &fx->pool), 0);
	db_pool_set_state_cb(fx->pool, on_state, fx);
	db_pool_set_log_cb(fx->pool, on_log, fx);
	/* starting: queued until the attempts are decided */
	assert_int_equal(db_query(fx->pool, "SELECT 1", 0, NULL, on_result, &r), 0);
	RUN_UNTIL(fx, fx->downs == 1);
	RUN_UNTIL(fx, r.calls == 1);
	assert_int_equal(r.err, LL_EDBDOWN);
	assert_false(db_pool_up(fx->pool));
	assert_int_equal(db_query(fx->pool, "SELECT 1", 0, NULL, on_result, &r),
		LL_EDBDOWN);
	assert_int_equal(db_acquire(fx->pool, on_acquire, &a), LL_EDBDOWN);
	assert_int_equal(r.calls, 1);
	assert_int_equal(a.calls, 0);
	/* it keeps trying with back-off: 0.1 s, 0.2 s, ... */
	RUN_UNTIL(fx, (db_pool_get_stats(fx->pool, &s), s.reconnects >= 3));
	assert_int_equal(fx->ups, 0);
	assert_int_equal(s.failures, 1);
	assert_non_null(strstr(fx->log, "cannot connect to the database: "));
	assert_non_null(strstr(fx->log, "; retrying in 0.4 s"));
}

static void test_terminated_backend(void **state)
{
	struct fx *fx = *state;
	struct db_pool_stats s;
	struct qres r;

	pool_up(fx, 1);
	query(fx, "SELECT pg_terminate_backend(pg_backend_pid())", 0, NULL, &r);
	assert_int_equal(r.err, LL_EDBDOWN);
	assert_false(r.had_res);
	RUN_UNTIL(fx, fx->downs == 1);
	RUN_UNTIL(fx, fx->ups == 2);
	query(fx, "SELECT 'back'", 0, NULL, &r);
	assert_string_equal(r.val[0], "back");
	db_pool_get_stats(fx->pool, &s);
	assert_int_equal(s.failures, 1);
	assert_int_equal(s.reconnects, 1);
	assert_non_null(strstr(fx->log, "database connection lost: "));
}

/* A session's backend dies while held: the pool stays up, the holder learns. */
static void test_session_connection_lost(void **state)
{
	struct fx *fx = *state;
	struct db_pool_stats s;
	struct qres r;

	pool_up(fx, 2);
	db_conn *c = acquire(fx);
	conn_query(fx, c, "SELECT pg_backend_pid()", &r);
	char pidbuf[sizeof r.val[0]];
	snprintf(pidbuf, sizeof pidbuf, "%s", r.val[0]);
	const char *pid[1] = { pidbuf };
	query(fx, "SELECT pg_terminate_backend($1::int)", 1, pid, &r);
	assert_string_equal(r.val[0], "t");
	RUN_UNTIL(fx, (db_pool_get_stats(fx->pool, &s), s.connected == 1));
	assert_int_equal(db_conn_query(c, "SELECT 1", 0, NULL, on_result, &r),
		LL_EDBDOWN);
	db_release(c);
	RUN_UNTIL(fx, (db_pool_get_stats(fx->pool, &s), s.connected == 2));
	assert_int_equal(fx->downs, 0);
	assert_int_equal(s.busy, 0);
}

static void test_server_stop_and_start(void **state)
{
	struct fx *fx = *state;
	struct db_pool_stats s;
	struct qres r, sleeper;
	struct acq a = { 0 };

	pool_up(fx, 2);

	/* idle connections notice a server that shuts down */
	assert_int_equal(pgtest_stop(&pg, "fast"), 0);
	RUN_UNTIL(fx, fx->downs == 1);
	assert_false(db_pool_up(fx->pool));
	assert_int_equal(db_query(fx->pool, "SELECT 1", 0, NULL, on_result, &r),
		LL_EDBDOWN);
	assert_int_equal(db_acquire(fx->pool, on_acquire, &a), LL_EDBDOWN);
	db_pool_get_stats(fx->pool, &s);
	assert_int_equal(s.connected, 0);
	assert_false(s.up);
	assert_non_null(strstr(fx->log, "database connection lost: "));

	/* and come back by themselves */
	assert_int_equal(pgtest_start(&pg), 0);
	RUN_UNTIL(fx, fx->ups == 2);
	query(fx, "SELECT 'again'", 0, NULL, &r);
	assert_string_equal(r.val[0], "again");
	RUN_UNTIL(fx, (db_pool_get_stats(fx->pool, &s), s.connected == 2));

	/* a statement in flight when the server dies fails with LL_EDBDOWN */
	memset(&sleeper, 0, sizeof sleeper);
	assert_int_equal(db_query(fx->pool, "SELECT pg_sleep(5)", 0, NULL,
		on_result, &sleeper), 0);
	int64_t deadline = now_ms() + DEADLINE_S * 1000;
	do {
		assert_true(now_ms() < deadline);
		query(fx, "SELECT count(*) FROM pg_stat_activity WHERE state = "
			"'active' AND query = 'SELECT pg_sleep(5)'", 0, NULL, &r);
	} while (strcmp(r.val[0], "1") != 0);
	assert_int_equal(pgtest_stop(&pg, "immediate"), 0);
	RUN_UNTIL(fx, sleeper.calls == 1);
	assert_int_equal(sleeper.err, LL_EDBDOWN);
	assert_false(sleeper.had_res);
	RUN_UNTIL(fx, fx->downs == 2);

	assert_int_equal(pgtest_start(&pg), 0);
	RUN_UNTIL(fx, fx->ups == 3);
	query(fx, "SELECT 'third time'", 0, NULL, &r);
	assert_string_equal(r.val[0], "third time");
	db_pool_get_stats(fx->pool, &s);
	assert_true(s.reconnects >= 2);
	assert_int_equal(s.failures, 1);
}

static int group_setup(void **state)
{
	char err[256];
	PGresult *res;

	(void)state;
	if (pgtest_create(&pg) != 0)
		return -1;
	PGconn *c = db_connect_blocking(pg.conninfo, err, sizeof err);
	if (!c) {
		fprintf(stderr, "%s\n", err);
		pgtest_destroy(&pg);
		return -1;
	}
	res = PQexec(c, "CREATE TABLE t_sess (v text); CREATE SEQUENCE fifo_seq");
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	PQfinish(c);
	if (!ok) {
		pgtest_destroy(&pg);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	pgtest_destroy(&pg);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_params_and_nulls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_one_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sql_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_rollback_on_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_error_then_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_release_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notice_goes_to_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_with_work_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_inside_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_without_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_terminated_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_connection_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_stop_and_start, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
