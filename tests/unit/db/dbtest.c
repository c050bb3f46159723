/* dbtest — see dbtest.h. */
#include "dbtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pgtest pg;

static int completions; /* global completion order */

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

void on_state(bool up, void *arg)
{
	struct fx *fx = arg;

	if (up)
		fx->ups++;
	else
		fx->downs++;
}

void on_log(int level, const char *msg, void *arg)
{
	struct fx *fx = arg;
	int n;

	(void)level;
	n = snprintf(fx->log + fx->loglen, sizeof fx->log - fx->loglen, "%s\n", msg);
	if (n > 0 && (size_t)n < sizeof fx->log - fx->loglen)
		fx->loglen += (size_t)n;
}

void on_result(int err, PGresult *res, void *arg)
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

void on_acquire(int err, db_conn *conn, void *arg)
{
	struct acq *a = arg;

	a->calls++;
	a->err = err;
	a->conn = conn;
}

int fx_setup(void **state)
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

int fx_teardown(void **state)
{
	struct fx *fx = *state;

	db_pool_free(fx->pool);
	event_free(fx->tick);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

/* A pool with every connection established. */
db_pool *pool_up_on(struct fx *fx, const char *conninfo, int size)
{
	struct db_pool_stats s;

	assert_int_equal(db_pool_new(fx->base, conninfo, size, &fx->pool), 0);
	db_pool_set_state_cb(fx->pool, on_state, fx);
	db_pool_set_log_cb(fx->pool, on_log, fx);
	RUN_UNTIL(fx, (db_pool_get_stats(fx->pool, &s), s.connected == size));
	assert_true(db_pool_up(fx->pool));
	assert_int_equal(fx->ups, 1);
	return fx->pool;
}

db_pool *pool_up(struct fx *fx, int size)
{
	return pool_up_on(fx, pg.conninfo, size);
}

void query(struct fx *fx, const char *sql, int nparams,
	const char *const *params, struct qres *r)
{
	memset(r, 0, sizeof *r);
	assert_int_equal(db_query(fx->pool, sql, nparams, params, on_result, r), 0);
	assert_int_equal(r->calls, 0); /* never from inside db_query */
	RUN_UNTIL(fx, r->calls == 1);
}

void conn_query(struct fx *fx, db_conn *c, const char *sql, struct qres *r)
{
	memset(r, 0, sizeof *r);
	assert_int_equal(db_conn_query(c, sql, 0, NULL, on_result, r), 0);
	assert_int_equal(r->calls, 0);
	RUN_UNTIL(fx, r->calls == 1);
	assert_int_equal(r->err, 0);
}

db_conn *acquire(struct fx *fx)
{
	struct acq a = { 0 };

	assert_int_equal(db_acquire(fx->pool, on_acquire, &a), 0);
	assert_int_equal(a.calls, 0);
	RUN_UNTIL(fx, a.calls == 1);
	assert_int_equal(a.err, 0);
	assert_non_null(a.conn);
	return a.conn;
}

int cluster_setup(void **state)
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

int cluster_teardown(void **state)
{
	(void)state;
	pgtest_destroy(&pg);
	return 0;
}

