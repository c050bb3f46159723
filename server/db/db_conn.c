/*
 * db_conn — one pooled connection's state machine, driven by the event on
 * its socket: connect (PQconnectPoll), send (PQsendQueryParams + PQflush),
 * collect (PQconsumeInput / PQisBusy / PQgetResult), watch while idle, and
 * close on a loss. Outcomes go to the pool (db_pool_complete); no user
 * callback runs from here.
 */
#include "db_internal.h"

#include <string.h>

static void conn_notice(void *arg, const char *message)
{
	db_conn *c = arg;
	char line[512];

	db_one_line(line, sizeof line, message);
	db_pool_log(c->pool, DB_LOG_INFO, "database notice: %s", line);
}

static void conn_event_cb(evutil_socket_t fd, short what, void *arg);
static void conn_lost(db_conn *c, const char *why);

/* Watch the socket libpq uses now; it may differ from the last step's. */
static int conn_arm(db_conn *c, short what, const struct timeval *tv)
{
	if (event_initialized(c->ev))
		event_del(c->ev);
	if (event_assign(c->ev, c->pool->base, PQsocket(c->pg), what,
		conn_event_cb, c) != 0)
		return -1;
	return event_add(c->ev, tv);
}

static int conn_arm_connect(db_conn *c, short what)
{
	int64_t left = c->connect_deadline - db_now_ms();
	struct timeval tv;

	if (left < 1)
		left = 1;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	return conn_arm(c, what, &tv);
}

void db_conn_close(db_conn *c)
{
	if (c->ev && event_initialized(c->ev))
		event_del(c->ev);
	PQclear(c->res);
	c->res = NULL;
	c->flushing = false;
	if (c->pg)
		PQfinish(c->pg);
	c->pg = NULL;
}

static void conn_make_idle(db_conn *c)
{
	db_conn_set_state(c, DB_CONN_IDLE);
	if (conn_arm(c, EV_READ, NULL) != 0)
		conn_lost(c, "cannot watch the connection's socket");
}

static void conn_connect_failed(db_conn *c, const char *why)
{
	db_pool *pool = c->pool;
	char line[512];

	db_one_line(line, sizeof line, why ? why :
		c->pg ? PQerrorMessage(c->pg) : "out of memory");
	db_conn_close(c);
	db_conn_set_state(c, DB_CONN_WAITING_RETRY);
	double s = db_pool_schedule_retry(pool);
	db_pool_log(pool, DB_LOG_WARNING, "cannot connect to the database: %s; "
		"retrying in %.1f s", line, s);
}

void db_conn_connect_start(db_conn *c)
{
	db_pool *pool = c->pool;

	if (c->attempted)
		pool->reconnects++;
	c->attempted = true;
	c->pg = PQconnectStart(pool->conninfo);
	if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
		conn_connect_failed(c, NULL);
		return;
	}
	PQsetNoticeProcessor(c->pg, conn_notice, c);
	c->connect_deadline = db_now_ms() + pool->connect_timeout_ms;
	db_conn_set_state(c, DB_CONN_CONNECTING);
	/* libpq: act as if PQconnectPoll had returned PGRES_POLLING_WRITING */
	if (conn_arm_connect(c, EV_WRITE) != 0)
		conn_connect_failed(c, "cannot watch the connection's socket");
}

static void conn_connected(db_conn *c)
{
	db_pool *pool = c->pool;

	if (PQsetnonblocking(c->pg, 1) != 0) {
		conn_connect_failed(c, NULL);
		return;
	}
	pool->backoff_ms = DB_BACKOFF_MIN_MS;
	conn_make_idle(c);
	/* The server answers again: the others need not sit out their back-off. */
	for (int i = 0; i < pool->size; i++)
		if (pool->conns[i].state == DB_CONN_WAITING_RETRY)
			db_conn_connect_start(&pool->conns[i]);
}

static void conn_connect_step(db_conn *c, short what)
{
	if (what & EV_TIMEOUT) {
		conn_connect_failed(c, "timed out");
		return;
	}
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_READING:
		if (conn_arm_connect(c, EV_READ) != 0)
			conn_connect_failed(c, "cannot watch the connection's socket");
		break;
	case PGRES_POLLING_WRITING:
		if (conn_arm_connect(c, EV_WRITE) != 0)
			conn_connect_failed(c, "cannot watch the connection's socket");
		break;
	case PGRES_POLLING_OK:
		conn_connected(c);
		break;
	default:
		conn_connect_failed(c, NULL);
		break;
	}
}

/*
 * The server went away (or the connection cannot be trusted): close it and
 * fail its statement with LL_EDBDOWN. The statement is never re-sent: it may
 * have committed.
 */
static void conn_lost(db_conn *c, const char *why)
{
	db_pool *pool = c->pool;
	struct db_item *it = c->item;
	bool held = c->state == DB_CONN_HELD && !c->release_pending;
	char line[512];

	db_one_line(line, sizeof line, why && *why ? why : "unknown error");
	c->item = NULL;
	c->release_pending = false;
	db_conn_close(c);
	if (it)
		db_pool_complete(pool, it, LL_EDBDOWN, NULL, NULL);
	if (held) {
		/* the session's transaction is gone; it learns at its next step */
		db_conn_set_state(c, DB_CONN_HELD_BROKEN);
		db_pool_log(pool, DB_LOG_WARNING, "database connection lost during "
			"a transaction: %s", line);
		return;
	}
	db_conn_set_state(c, DB_CONN_WAITING_RETRY);
	double s = db_pool_schedule_retry(pool);
	db_pool_log(pool, DB_LOG_WARNING, "database connection lost: %s; "
		"retrying in %.1f s", line, s);
}

/* Idle (or held between statements): only a loss or a notice can arrive. */
static void conn_watch_idle(db_conn *c)
{
	PGnotify *n;

	if (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK) {
		conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	while ((n = PQnotifies(c->pg))) {
		db_pool *pool = c->pool;

		if (pool->notify_cb)
			pool->notify_cb(n->relname, n->extra, pool->notify_arg);
		PQfreemem(n);
	}
	if (conn_arm(c, EV_READ, NULL) != 0)
		conn_lost(c, "cannot watch the connection's socket");
}

/* A session gave the connection back: roll back what it left open. */
void db_conn_release_now(db_conn *c)
{
	c->release_pending = false;
	switch (PQtransactionStatus(c->pg)) {
	case PQTRANS_IDLE:
		conn_make_idle(c);
		break;
	case PQTRANS_INTRANS:
	case PQTRANS_INERROR:
		db_conn_set_state(c, DB_CONN_RESETTING);
		db_conn_send(c, NULL);
		break;
	default:
		conn_lost(c, "connection in an unknown state after a session");
		break;
	}
}

/* Does this result mean the connection is gone rather than an SQL error? */
static bool result_lost_connection(PGconn *pg, const PGresult *res)
{
	const char *sqlstate;

	if (PQstatus(pg) != CONNECTION_OK)
		return true;
	if (PQresultStatus(res) != PGRES_FATAL_ERROR)
		return false;
	sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!sqlstate)
		return true; /* made up by libpq, not sent by the server */
	/* 08: connection exception; 57P01..05: admin/crash shutdown & co. */
	return strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57P0", 4) == 0;
}

static void conn_query_done(db_conn *c)
{
	db_pool *pool = c->pool;
	PGresult *res = c->res;
	struct db_item *it = c->item;

	c->res = NULL;
	if (!res || result_lost_connection(c->pg, res)) {
		char why[512];

		db_one_line(why, sizeof why, res && *PQresultErrorMessage(res) ?
			PQresultErrorMessage(res) : PQerrorMessage(c->pg));
		PQclear(res);
		conn_lost(c, why);
		return;
	}
	c->item = NULL;
	switch (c->state) {
	case DB_CONN_RESETTING:
		PQclear(res);
		if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
			conn_make_idle(c);
		else
			conn_lost(c, "ROLLBACK did not end the session's transaction");
		return;
	case DB_CONN_BUSY:
		conn_make_idle(c);
		break;
	default: /* DB_CONN_HELD */
		if (c->release_pending)
			db_conn_release_now(c);
		else if (conn_arm(c, EV_READ, NULL) != 0)
			conn_lost(c, "cannot watch the connection's socket");
		break;
	}
	db_pool_complete(pool, it, 0, res, NULL);
}

/* Flush, read, collect results; re-arm for what libpq waits for. */
static void conn_query_step(db_conn *c, short what)
{
	PGresult *r;

	if ((what & EV_READ) && !PQconsumeInput(c->pg)) {
		conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	if (c->flushing) {
		int rc = PQflush(c->pg);

		if (rc < 0) {
			conn_lost(c, PQerrorMessage(c->pg));
			return;
		}
		c->flushing = rc == 1;
	}
	if (c->flushing) {
		/* read too: the server may block on us reading its output */
		if (conn_arm(c, EV_READ | EV_WRITE, NULL) != 0)
			conn_lost(c, "cannot watch the connection's socket");
		return;
	}
	while (!PQisBusy(c->pg)) {
		r = PQgetResult(c->pg);
		if (!r) {
			conn_query_done(c);
			return;
		}
		switch (PQresultStatus(r)) {
		case PGRES_COPY_IN:
		case PGRES_COPY_OUT:
		case PGRES_COPY_BOTH:
			PQclear(r);
			conn_lost(c, "COPY is not supported by the pool");
			return;
		default:
			break;
		}
		if (c->res)
			PQclear(r); /* one statement, one result: keep the first */
		else
			c->res = r;
	}
	if (conn_arm(c, EV_READ, NULL) != 0)
		conn_lost(c, "cannot watch the connection's socket");
}

/* Send it->sql (or ROLLBACK when it is NULL). c is BUSY, HELD or RESETTING. */
void db_conn_send(db_conn *c, struct db_item *it)
{
	int ok;

	c->item = it;
	if (it)
		ok = PQsendQueryParams(c->pg, it->sql, it->nparams, NULL,
			it->params, NULL, NULL, 0);
	else
		ok = PQsendQuery(c->pg, "ROLLBACK");
	if (!ok && it && PQstatus(c->pg) == CONNECTION_OK) {
		/* libpq refused the statement itself: that is the caller's error */
		PGresult *res = PQmakeEmptyPGresult(c->pg, PGRES_FATAL_ERROR);

		c->item = NULL;
		if (c->state == DB_CONN_BUSY)
			conn_make_idle(c);
		db_pool_complete(c->pool, it, res ? 0 : LL_EDBDOWN, res, NULL);
		return;
	}
	if (!ok) {
		conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	c->flushing = true;
	conn_query_step(c, 0);
}

static void conn_event_cb(evutil_socket_t fd, short what, void *arg)
{
	db_conn *c = arg;

	(void)fd;
	switch (c->state) {
	case DB_CONN_CONNECTING:
		conn_connect_step(c, what);
		break;
	case DB_CONN_IDLE:
	case DB_CONN_HELD:
	case DB_CONN_BUSY:
	case DB_CONN_RESETTING:
		if (c->item || c->state == DB_CONN_RESETTING)
			conn_query_step(c, what);
		else
			conn_watch_idle(c);
		break;
	default:
		break;
	}
	db_pool_dispatch(c->pool);
}

