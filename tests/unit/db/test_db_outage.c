/*
 * db tests, part 2: the pool's lifetime and the server going away — freeing
 * with work pending and from inside a callback, a socket that changes while
 * libpq connects, the connect timeout, a pool that starts without a server,
 * a terminated backend (idle and under a session), and the server stopped
 * and started under the pool. main() is in test_db.c.
 */
#include "dbtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

void test_free_with_work_pending(void **state)
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

void test_free_inside_callback(void **state)
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

/*
 * The socket changes while libpq connects: the first host refuses (TCP port
 * 1), and prefer-standby against a primary makes libpq drop its first
 * connection to the second host and open another one for a second pass.
 */
void test_connect_socket_changes(void **state)
{
	struct fx *fx = *state;
	char conninfo[400];
	struct qres r;

	snprintf(conninfo, sizeof conninfo, "host=127.0.0.1,%s port=1,%d "
		"dbname=postgres user=postgres target_session_attrs=prefer-standby",
		pg.dir, pg.port);
	pool_up_on(fx, conninfo, 2);
	query(fx, "SELECT 'moved'", 0, NULL, &r);
	assert_string_equal(r.val[0], "moved");
}

/* A server that accepts the TCP connection and never answers. */
void test_connect_timeout(void **state)
{
	struct fx *fx = *state;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	char conninfo[200];
	int64_t t0;

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(conninfo, sizeof conninfo, "host=127.0.0.1 port=%d "
		"connect_timeout=2 dbname=postgres user=postgres", ntohs(sa.sin_port));
	t0 = now_ms();
	assert_int_equal(db_pool_new(fx->base, conninfo, 1, &fx->pool), 0);
	db_pool_set_state_cb(fx->pool, on_state, fx);
	db_pool_set_log_cb(fx->pool, on_log, fx);
	RUN_UNTIL(fx, fx->downs == 1);
	assert_in_range(now_ms() - t0, 1900, 9000); /* 2 s, not the default 10 s */
	assert_non_null(strstr(fx->log, "cannot connect to the database: timed out"));
	db_pool_free(fx->pool);
	fx->pool = NULL;
	close(fd);
}

void test_start_without_server(void **state)
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

void test_terminated_backend(void **state)
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
void test_session_connection_lost(void **state)
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

void test_server_stop_and_start(void **state)
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
