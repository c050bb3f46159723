/*
 * db — the non-blocking PostgreSQL pool. See db.h for the contract.
 *
 * This file is the pool: the FIFO of pending work, handing it to idle
 * connections, up/down and the back-off timer, and delivering outcomes.
 * db_conn.c is one connection's state machine on its socket.
 *
 * Only db_conn_set_state() changes a connection's state; it keeps the
 * per-state counts and works out whether the pool is up.
 *
 * User callbacks never run from inside the code that produced them: a
 * finished statement, a granted session and an up/down change are put on the
 * pool's `done` queue and delivered by one zero-timeout event (pool_run_done).
 * That is the only place user code runs on the loop, so it is also the only
 * place where db_pool_free() may have to be postponed until the callback
 * returns.
 */
#include "db_internal.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t db_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libpq messages span lines ("...\n\tThis probably means..."): make one line. */
void db_one_line(char *dst, size_t len, const char *src)
{
	size_t n = 0;
	bool space = false;

	for (; src && *src && n + 1 < len; src++) {
		if (*src == ' ' || *src == '\n' || *src == '\t' || *src == '\r') {
			space = n > 0;
			continue;
		}
		if (space) {
			if (n + 2 >= len)
				break;
			dst[n++] = ' ';
			space = false;
		}
		dst[n++] = *src;
	}
	if (len)
		dst[n] = '\0';
}

__attribute__((format(printf, 3, 4)))
void db_pool_log(db_pool *pool, int level, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!pool->log_cb)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pool->in_log = true;
	pool->log_cb(level, msg, pool->log_arg);
	pool->in_log = false;
}

static void notice_discard(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* ---- queues and items ---- */

static void queue_init(struct db_queue *q)
{
	q->head = NULL;
	q->tailp = &q->head;
	q->len = 0;
}

static void queue_push(struct db_queue *q, struct db_item *it)
{
	it->next = NULL;
	*q->tailp = it;
	q->tailp = &it->next;
	q->len++;
}

static void queue_push_front(struct db_queue *q, struct db_item *it)
{
	it->next = q->head;
	q->head = it;
	if (q->tailp == &q->head)
		q->tailp = &it->next;
	q->len++;
}

static struct db_item *queue_pop(struct db_queue *q)
{
	struct db_item *it = q->head;

	if (!it)
		return NULL;
	q->head = it->next;
	if (!q->head)
		q->tailp = &q->head;
	q->len--;
	it->next = NULL;
	return it;
}

/* Copy the statement into one allocation, so the caller may free its strings. */
static int item_new_query(const char *sql, int nparams,
	const char *const *params, db_result_cb cb, void *arg,
	struct db_item **out)
{
	struct db_item *it;
	size_t size, sqllen;
	char *p;

	if (!sql || !cb || nparams < 0 || nparams > DB_MAX_PARAMS ||
	    (nparams > 0 && !params))
		return LL_EINVAL;
	sqllen = strlen(sql) + 1;
	size = sizeof *it + (size_t)nparams * sizeof(char *) + sqllen;
	for (int i = 0; i < nparams; i++)
		if (params[i])
			size += strlen(params[i]) + 1;
	it = calloc(1, size);
	if (!it)
		return LL_ENOMEM;
	it->kind = DB_ITEM_QUERY;
	it->result_cb = cb;
	it->arg = arg;
	it->nparams = nparams;
	it->params = (const char **)(it + 1);
	p = (char *)(it->params + nparams);
	memcpy(p, sql, sqllen);
	it->sql = p;
	p += sqllen;
	for (int i = 0; i < nparams; i++) {
		if (!params[i])
			continue;
		size_t n = strlen(params[i]) + 1;
		memcpy(p, params[i], n);
		it->params[i] = p;
		p += n;
	}
	*out = it;
	return 0;
}

/* Record an outcome; the callback runs from defer_ev, never from here. */
void db_pool_complete(db_pool *pool, struct db_item *it, int err,
	PGresult *res, db_conn *conn)
{
	it->err = err;
	it->res = res;
	it->conn = conn;
	if (it->background && it->running)
		pool->background_running--;
	it->running = false;
	if (it->kind == DB_ITEM_QUERY) {
		if (err)
			pool->failures++;
		else
			pool->queries++;
	}
	queue_push(&pool->done, it);
	event_active(pool->defer_ev, EV_TIMEOUT, 1);
}

static void pool_fail_pending(db_pool *pool)
{
	struct db_item *it;

	while ((it = queue_pop(&pool->pending)))
		db_pool_complete(pool, it, LL_EDBDOWN, NULL, NULL);
	while ((it = queue_pop(&pool->background)))
		db_pool_complete(pool, it, LL_EDBDOWN, NULL, NULL);
}

/* ---- state ---- */

static int pool_connected(const db_pool *pool)
{
	return pool->nstate[DB_CONN_IDLE] + pool->nstate[DB_CONN_BUSY] +
		pool->nstate[DB_CONN_HELD] + pool->nstate[DB_CONN_RESETTING];
}

static void pool_update_status(db_pool *pool)
{
	enum db_pool_status st = pool->status;

	if (pool->dying)
		return;
	if (pool_connected(pool) > 0)
		st = DB_POOL_UP;
	else if (st == DB_POOL_UP || (st == DB_POOL_STARTING && !pool->starting &&
		 pool->nstate[DB_CONN_CONNECTING] == 0))
		st = DB_POOL_DOWN;
	if (st == pool->status)
		return;
	pool->status = st;
	if (st == DB_POOL_DOWN) {
		db_pool_log(pool, DB_LOG_ERR, "database is down: no connection "
			"left; statements fail until it is back (reconnecting)");
		pool_fail_pending(pool);
	} else {
		db_pool_log(pool, DB_LOG_INFO, "database is up");
	}
	event_active(pool->defer_ev, EV_TIMEOUT, 1); /* tell state_cb */
}

/* The one place a connection changes state. */
void db_conn_set_state(db_conn *c, enum db_conn_state st)
{
	db_pool *pool = c->pool;

	pool->nstate[c->state]--;
	pool->nstate[st]++;
	c->state = st;
	pool_update_status(pool);
}

/* Arm the retry timer unless it is armed; returns seconds until it fires. */
double db_pool_schedule_retry(db_pool *pool)
{
	int64_t now = db_now_ms();

	if (!evtimer_pending(pool->retry_ev, NULL)) {
		int ms = pool->backoff_ms;
		struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

		if (evtimer_add(pool->retry_ev, &tv) != 0)
			db_pool_log(pool, DB_LOG_ERR, "cannot arm the database "
				"reconnect timer; reconnecting stops");
		pool->retry_at = now + ms;
		pool->backoff_ms = ms * 2 > DB_BACKOFF_MAX_MS ? DB_BACKOFF_MAX_MS : ms * 2;
	}
	return (double)(pool->retry_at > now ? pool->retry_at - now : 0) / 1000.0;
}

/* ---- the pool ---- */

/*
 * How many background statements may run at once: all the connections not
 * held for sessions but one, so that a request arriving in a burst of
 * background work finds a connection within one statement's time.
 */
static int background_limit(const db_pool *pool)
{
	int usable = pool->size - pool->nstate[DB_CONN_HELD];

	return usable > 2 ? usable - 1 : 1;
}

/* The next item to run: queued work first, then background work within its limit. */
static struct db_item *next_item(db_pool *pool)
{
	if (pool->pending.head)
		return queue_pop(&pool->pending);
	if (pool->background.head && pool->background_running < background_limit(pool))
		return queue_pop(&pool->background);
	return NULL;
}

/* Hand queued work, in order, to idle connections. */
void db_pool_dispatch(db_pool *pool)
{
	struct db_item *it;

	while (!pool->dying && pool->nstate[DB_CONN_IDLE] > 0 && (it = next_item(pool))) {
		db_conn *c = NULL;

		for (int i = 0; i < pool->size && !c; i++)
			if (pool->conns[i].state == DB_CONN_IDLE)
				c = &pool->conns[i];
		assert(c);
		it->running = true;
		if (it->background)
			pool->background_running++;
		if (it->kind == DB_ITEM_ACQUIRE) {
			db_conn_set_state(c, DB_CONN_HELD); /* EV_READ stays armed */
			db_pool_complete(pool, it, 0, NULL, c);
		} else {
			db_conn_set_state(c, DB_CONN_BUSY);
			db_conn_send(c, it);
		}
	}
}

static void pool_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	db_pool *pool = arg;
	/* while the server is down, one connection probes for its return */
	bool probe = pool->status == DB_POOL_DOWN;

	(void)fd;
	(void)what;
	for (int i = 0; i < pool->size; i++) {
		if (pool->conns[i].state != DB_CONN_WAITING_RETRY)
			continue;
		db_conn_connect_start(&pool->conns[i]);
		if (probe)
			break;
	}
	if (pool->starting) {
		pool->starting = false;
		pool_update_status(pool);
	}
	db_pool_dispatch(pool);
}

/* Hand one outcome to its callback. The item is freed before the call. */
static void pool_deliver(db_pool *pool, struct db_item *it)
{
	void *arg = it->arg;
	int err = it->err;
	PGresult *res = it->res;
	db_conn *conn = it->conn;

	if (it->kind == DB_ITEM_QUERY) {
		db_result_cb cb = it->result_cb;

		free(it);
		cb(err, res, arg);
		PQclear(res);
		return;
	}
	if (conn && (pool->dying || conn->state == DB_CONN_HELD_BROKEN)) {
		/* lost before the session could start: give it another one */
		if (!pool->dying) {
			db_conn_set_state(conn, DB_CONN_WAITING_RETRY);
			db_pool_schedule_retry(pool);
			if (pool->status != DB_POOL_DOWN) {
				queue_push_front(&pool->pending, it);
				db_pool_dispatch(pool);
				return;
			}
		}
		err = LL_EDBDOWN;
		conn = NULL;
	}
	db_acquire_cb cb = it->acquire_cb;
	free(it);
	cb(err, conn, arg);
}

static void pool_destroy(db_pool *pool);

static void pool_run_done(evutil_socket_t fd, short what, void *arg)
{
	db_pool *pool = arg;
	struct db_item *it;

	(void)fd;
	(void)what;
	pool->in_callbacks = true;
	for (;;) {
		if (pool->status != DB_POOL_STARTING && pool->status != pool->reported) {
			db_state_cb cb = pool->state_cb;
			void *cb_arg = pool->state_arg;

			pool->reported = pool->status;
			if (cb)
				cb(pool->status == DB_POOL_UP, cb_arg);
		} else if ((it = queue_pop(&pool->done))) {
			pool_deliver(pool, it);
		} else {
			break;
		}
		if (pool->free_requested) {
			pool_destroy(pool);
			return;
		}
	}
	pool->in_callbacks = false;
}

/* Also takes a half-built pool (from db_pool_new's failure path). */
static void pool_destroy(db_pool *pool)
{
	struct db_item *it;

	pool->dying = true;
	pool->in_callbacks = true; /* a db_pool_free() from here on is a no-op */
	for (int i = 0; pool->conns && i < pool->size; i++) {
		db_conn *c = &pool->conns[i];

		if (c->item)
			db_pool_complete(pool, c->item, LL_EDBDOWN, NULL, NULL);
		c->item = NULL;
		db_conn_close(c);
	}
	pool_fail_pending(pool);
	while ((it = queue_pop(&pool->done)))
		pool_deliver(pool, it);
	for (int i = 0; pool->conns && i < pool->size; i++)
		free(pool->conns[i].ev);
	free(pool->conns);
	if (pool->defer_ev)
		event_free(pool->defer_ev);
	if (pool->retry_ev)
		event_free(pool->retry_ev);
	free(pool->conninfo);
	free(pool);
}

int db_pool_new(struct event_base *base, const char *conninfo, int size,
	db_pool **out)
{
	static const struct timeval now = { 0, 0 };
	PQconninfoOption *opts;
	char *perr = NULL;
	int timeout_ms = DB_CONNECT_TIMEOUT_MS;
	db_pool *pool;

	if (!out)
		return LL_EINVAL;
	*out = NULL;
	if (!base || !conninfo || size < 1 || size > DB_POOL_MAX_SIZE)
		return LL_EINVAL;
	opts = PQconninfoParse(conninfo, &perr);
	if (!opts) {
		int rc = perr ? LL_EINVAL : LL_ENOMEM;

		PQfreemem(perr);
		return rc;
	}
	/* libpq ignores connect_timeout in non-blocking mode: the pool applies it */
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		long t = o->val ? strtol(o->val, NULL, 10) : 0;

		if (strcmp(o->keyword, "connect_timeout") == 0 && t > 0)
			timeout_ms = (int)(t < 2 ? 2 : t > 3600 ? 3600 : t) * 1000;
	}
	PQconninfoFree(opts);

	pool = calloc(1, sizeof *pool);
	if (!pool)
		return LL_ENOMEM;
	pool->base = base;
	pool->size = size;
	pool->backoff_ms = DB_BACKOFF_MIN_MS;
	pool->connect_timeout_ms = timeout_ms;
	pool->status = pool->reported = DB_POOL_STARTING;
	pool->starting = true;
	queue_init(&pool->pending);
	queue_init(&pool->background);
	queue_init(&pool->done);
	pool->defer_ev = event_new(base, -1, 0, pool_run_done, pool);
	pool->retry_ev = evtimer_new(base, pool_retry_cb, pool);
	pool->conninfo = strdup(conninfo);
	pool->conns = calloc((size_t)size, sizeof *pool->conns);
	if (!pool->defer_ev || !pool->retry_ev || !pool->conninfo || !pool->conns)
		goto fail;
	for (int i = 0; i < size; i++) {
		db_conn *c = &pool->conns[i];

		c->pool = pool;
		c->state = DB_CONN_WAITING_RETRY;
		c->ev = calloc(1, event_get_struct_event_size());
		if (!c->ev)
			goto fail;
	}
	pool->nstate[DB_CONN_WAITING_RETRY] = size;
	/*
	 * The first attempts start on the loop's first turn, so the caller can
	 * set its state and log callbacks first; queries queue until then.
	 */
	if (evtimer_add(pool->retry_ev, &now) != 0)
		goto fail;
	*out = pool;
	return 0;
fail:
	pool_destroy(pool);
	return LL_ENOMEM;
}

void db_pool_free(db_pool *pool)
{
	if (!pool)
		return;
	assert(!pool->in_log && "db_pool_free() from the log callback");
	if (pool->dying)
		return; /* from a callback run by db_pool_free() itself */
	if (pool->in_callbacks) {
		/* from a callback: finish when it returns (pool_run_done) */
		pool->dying = true;
		pool->free_requested = true;
		return;
	}
	pool_destroy(pool);
}

void db_pool_set_state_cb(db_pool *pool, db_state_cb cb, void *arg)
{
	pool->state_cb = cb;
	pool->state_arg = arg;
}

void db_pool_set_notify_cb(db_pool *pool, db_notify_cb cb, void *arg)
{
	pool->notify_cb = cb;
	pool->notify_arg = arg;
}

void db_pool_set_log_cb(db_pool *pool, db_log_cb cb, void *arg)
{
	pool->log_cb = cb;
	pool->log_arg = arg;
}

bool db_pool_up(const db_pool *pool)
{
	return pool->status == DB_POOL_UP && !pool->dying;
}

void db_pool_get_stats(const db_pool *pool, struct db_pool_stats *out)
{
	memset(out, 0, sizeof *out);
	out->size = pool->size;
	out->connected = pool_connected(pool);
	out->busy = pool->nstate[DB_CONN_BUSY] + pool->nstate[DB_CONN_HELD] +
		pool->nstate[DB_CONN_RESETTING];
	out->queued = pool->pending.len + pool->background.len;
	out->queries = pool->queries;
	out->failures = pool->failures;
	out->reconnects = pool->reconnects;
	out->up = db_pool_up(pool);
}

static int query(db_pool *pool, bool background, const char *sql, int nparams,
	const char *const *params, db_result_cb cb, void *arg)
{
	struct db_item *it;
	int rc;

	if (!pool)
		return LL_EINVAL;
	if (pool->dying || pool->status == DB_POOL_DOWN)
		return LL_EDBDOWN;
	rc = item_new_query(sql, nparams, params, cb, arg, &it);
	if (rc)
		return rc;
	it->background = background;
	queue_push(background ? &pool->background : &pool->pending, it);
	db_pool_dispatch(pool);
	return 0;
}

int db_query(db_pool *pool, const char *sql, int nparams,
	const char *const *params, db_result_cb cb, void *arg)
{
	return query(pool, false, sql, nparams, params, cb, arg);
}

int db_query_background(db_pool *pool, const char *sql, int nparams,
	const char *const *params, db_result_cb cb, void *arg)
{
	return query(pool, true, sql, nparams, params, cb, arg);
}

int db_acquire(db_pool *pool, db_acquire_cb cb, void *arg)
{
	struct db_item *it;

	if (!pool || !cb)
		return LL_EINVAL;
	if (pool->dying || pool->status == DB_POOL_DOWN)
		return LL_EDBDOWN;
	it = calloc(1, sizeof *it);
	if (!it)
		return LL_ENOMEM;
	it->kind = DB_ITEM_ACQUIRE;
	it->acquire_cb = cb;
	it->arg = arg;
	queue_push(&pool->pending, it);
	db_pool_dispatch(pool);
	return 0;
}

int db_conn_query(db_conn *conn, const char *sql, int nparams,
	const char *const *params, db_result_cb cb, void *arg)
{
	struct db_item *it;
	int rc;

	if (!conn)
		return LL_EINVAL;
	if (conn->pool->dying || conn->state == DB_CONN_HELD_BROKEN)
		return LL_EDBDOWN;
	if (conn->state != DB_CONN_HELD || conn->release_pending)
		return LL_EINVAL; /* not held: released already? */
	if (conn->item)
		return LL_ECONFLICT;
	rc = item_new_query(sql, nparams, params, cb, arg, &it);
	if (rc)
		return rc;
	db_conn_send(conn, it);
	return 0;
}

void db_release(db_conn *conn)
{
	db_pool *pool;

	if (!conn)
		return;
	pool = conn->pool;
	if (pool->dying)
		return; /* every connection is closed already */
	switch (conn->state) {
	case DB_CONN_HELD_BROKEN:
		db_conn_set_state(conn, DB_CONN_WAITING_RETRY);
		db_pool_schedule_retry(pool);
		break;
	case DB_CONN_HELD:
		assert(!conn->release_pending && "db_release() twice");
		if (conn->item)
			conn->release_pending = true; /* after its statement */
		else
			db_conn_release_now(conn);
		break;
	default:
		assert(false && "db_release() of a connection that is not held");
		break;
	}
	db_pool_dispatch(pool);
}

PGconn *db_connect_blocking(const char *conninfo, char *errbuf, size_t errlen)
{
	PGconn *pg = PQconnectdb(conninfo ? conninfo : "");
	char line[512];

	if (pg && PQstatus(pg) == CONNECTION_OK) {
		PQsetNoticeProcessor(pg, notice_discard, NULL);
		if (errbuf && errlen)
			errbuf[0] = '\0';
		return pg;
	}
	if (errbuf && errlen) {
		db_one_line(line, sizeof line, pg ? PQerrorMessage(pg) : "out of memory");
		snprintf(errbuf, errlen, "cannot connect to the database: %s", line);
	}
	PQfinish(pg);
	return NULL;
}
