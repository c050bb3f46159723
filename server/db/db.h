/*
 * db — PostgreSQL on the event loop: a small pool of non-blocking libpq
 * connections (the pgbouncer way: PQconnectStart/PQconnectPoll,
 * PQsendQueryParams, PQflush, PQconsumeInput/PQisBusy/PQgetResult, the socket
 * event re-armed at every step). Nothing in this module blocks the loop.
 *
 * Words:
 *   pool     — up to `size` connections to one conninfo.
 *   up       — at least one connection is established. Until the first
 *              attempts are decided the pool is "starting": work queues. When
 *              every connection is lost (or every first attempt failed) the
 *              pool is down: queued and new queries fail at once with
 *              LL_EDBDOWN, and the pool reconnects by itself with exponential
 *              back-off (0.1 s doubling up to 5 s) until the server returns.
 *   query    — one statement with text parameters; the callback receives the
 *              PGresult (PGRES_COMMAND_OK / PGRES_TUPLES_OK / an error result).
 *   session  — an exclusive connection for a transaction: acquire, run queries
 *              one after another, release.
 *
 * Ownership: the PGresult passed to a callback belongs to the pool and is
 * cleared when the callback returns. Parameter strings are copied when the
 * query is queued, so the caller may free them at once.
 * Callbacks always run on the loop, never from inside db_query() itself.
 *
 * Rules for callers (the HTTP layer):
 *   - err == LL_EDBDOWN: the statement may or may not have run (the server
 *     went away while it was in flight, or it never got a connection). The
 *     pool never re-sends a statement. err == 0: look at PQresultStatus —
 *     PGRES_FATAL_ERROR with a SQLSTATE is an SQL error (constraint, syntax,
 *     ...) and the connection stays in the pool.
 *   - A callback may call db_query, db_acquire, db_conn_query, db_release and
 *     db_pool_free. After db_pool_free from a callback, the pool is freed
 *     when that callback returns, and the remaining callbacks run with
 *     LL_EDBDOWN first.
 *   - db_pool_free closes held sessions too: every db_conn is invalid after
 *     it returns (db_release from a callback run by db_pool_free is a no-op).
 *   - Sessions: one statement at a time (db_conn_query returns LL_ECONFLICT
 *     otherwise). If the connection was lost, db_conn_query returns
 *     LL_EDBDOWN; release it all the same. db_release may be called while a
 *     statement runs: its callback still comes, then the pool rolls back.
 *   - COPY is not supported (the connection is closed, the callback gets
 *     LL_EDBDOWN).
 *   - PQconnectStart resolves host names with a blocking getaddrinfo(): on
 *     the loop, give a unix socket directory or hostaddr= in the conninfo.
 *   - libpq applies no connect_timeout in non-blocking mode; the pool does:
 *     the conninfo's connect_timeout (seconds, at least 2), else 10 s.
 *   - Everything runs on the loop's thread: no function here is thread-safe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "errors.h"

struct event_base;
typedef struct db_pool db_pool;
typedef struct db_conn db_conn;

/*
 * Result callback. On success err == 0 and res is the statement's result
 * (check PQresultStatus: an SQL error is a result, not err). On failure to
 * run the statement at all, err is LL_EDBDOWN (no connection) and res is NULL.
 */
typedef void (*db_result_cb)(int err, PGresult *res, void *arg);

/* Session callback: conn is NULL (and err LL_EDBDOWN) when the pool is down. */
typedef void (*db_acquire_cb)(int err, db_conn *conn, void *arg);

/* Called on the loop whenever the pool changes between up and down. */
typedef void (*db_state_cb)(bool up, void *arg);

struct db_pool_stats {
	int size;          /* configured maximum connections */
	int connected;     /* established connections */
	int busy;          /* connections running a query or held by a session */
	size_t queued;     /* queries and acquires waiting for a connection */
	uint64_t queries;  /* statements completed (success or SQL error) */
	uint64_t failures; /* statements failed with LL_EDBDOWN */
	uint64_t reconnects; /* connection attempts after a loss */
	bool up;
};

/*
 * Create a pool. The connections start on the loop's first turn (so the
 * state and log callbacks can be set first); work queued before that waits.
 * LL_EINVAL for a size outside 1..256 or a conninfo libpq cannot parse.
 */
int db_pool_new(struct event_base *base, const char *conninfo, int size,
	db_pool **out) LL_MUST_CHECK;

/*
 * Close every connection; pending callbacks are called with LL_EDBDOWN first
 * (a statement that had already completed gets its result instead). NULL is
 * a no-op. Allowed from a pool callback: the pool goes when it returns.
 */
void db_pool_free(db_pool *pool);

void db_pool_set_state_cb(db_pool *pool, db_state_cb cb, void *arg);

/*
 * Log sink for what an operator should see: connection failures, losses and
 * reconnects, and the server's NOTICEs (which libpq would otherwise print on
 * stderr). Levels are the syslog numbers. msg is valid during the call only.
 * Unlike the other callbacks this one is called synchronously from inside
 * the pool (also from db_query); it must not call back into the pool.
 * Without a log callback these messages are dropped.
 */
enum db_log_level {
	DB_LOG_ERR = 3,     /* the pool is down */
	DB_LOG_WARNING = 4, /* a connection failed or was lost */
	DB_LOG_INFO = 6,    /* the pool is up; a server NOTICE */
};
typedef void (*db_log_cb)(int level, const char *msg, void *arg);
void db_pool_set_log_cb(db_pool *pool, db_log_cb cb, void *arg);

bool db_pool_up(const db_pool *pool);
void db_pool_get_stats(const db_pool *pool, struct db_pool_stats *out);

/*
 * Queue one statement on any free connection. params may contain NULLs (SQL
 * NULL). Returns 0 when queued (cb will be called exactly once), or
 * LL_EDBDOWN / LL_ENOMEM / LL_EINVAL without calling cb.
 */
int db_query(db_pool *pool, const char *sql, int nparams,
	const char *const *params, db_result_cb cb, void *arg) LL_MUST_CHECK;

/*
 * The same, for background work (delivering messages, planning notices,
 * event fan-out): it runs after the statements db_query() queued, and never
 * on more than all-but-one of the connections, so that an API request is not
 * stuck behind a burst of it.
 */
int db_query_background(db_pool *pool, const char *sql, int nparams,
	const char *const *params, db_result_cb cb, void *arg) LL_MUST_CHECK;

/*
 * Take a connection for a transaction. Returns 0 (cb will be called exactly
 * once, with a connection, or LL_EDBDOWN if the pool went down meanwhile),
 * or LL_EDBDOWN / LL_ENOMEM / LL_EINVAL without calling cb.
 */
int db_acquire(db_pool *pool, db_acquire_cb cb, void *arg) LL_MUST_CHECK;

/*
 * Run a statement on a held connection (one at a time per connection).
 * Returns 0 (cb will be called once), LL_EDBDOWN if the connection was lost
 * (cb not called), LL_ECONFLICT if a statement runs on it already, LL_EINVAL
 * for a connection not held, LL_ENOMEM.
 */
int db_conn_query(db_conn *conn, const char *sql, int nparams,
	const char *const *params, db_result_cb cb, void *arg) LL_MUST_CHECK;

/*
 * Give the connection back. If a transaction is still open on it (the caller
 * gave up half-way) the pool rolls it back before reuse.
 */
void db_release(db_conn *conn);

/*
 * LISTEN/NOTIFY: notifications that arrive on any connection of the pool
 * (only a connection that ran LISTEN receives any; hold one with
 * db_acquire) are handed to cb on the loop. channel and payload are valid
 * during the call only.
 */
typedef void (*db_notify_cb)(const char *channel, const char *payload, void *arg);
void db_pool_set_notify_cb(db_pool *pool, db_notify_cb cb, void *arg);

/*
 * Blocking helpers for start-up and command-line modes ONLY (never on the
 * loop): connect with PQconnectdb and report a clear error.
 */
PGconn *db_connect_blocking(const char *conninfo, char *errbuf, size_t errlen);
