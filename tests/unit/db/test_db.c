/*
 * Tests of server/db against a real, throwaway PostgreSQL cluster (pgtest.h,
 * fixture in dbtest.h). Part 1, here: parameters and NULLs, many queued
 * queries, FIFO order, SQL errors, sessions (rollback on release, commit, an
 * error inside, release while a statement runs) and notices. Part 2 is
 * test_db_outage.c. One executable, one cluster: the tests run in order and
 * the outage tests, which stop the server, come last.
 */
#include "dbtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_params_and_nulls, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_many_queued, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fifo_one_connection, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_sql_error, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_session_rollback_on_release, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_session_error_then_release, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_session_release_while_running, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_session_commit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_notice_goes_to_log, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_free_with_work_pending, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_free_inside_callback, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_connect_socket_changes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_connect_timeout, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_start_without_server, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_terminated_backend, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_session_connection_lost, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_server_stop_and_start, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, cluster_setup, cluster_teardown);
}
