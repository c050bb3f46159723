/*
 * db_internal — what db.c (the pool: queues, callbacks, the public API) and
 * db_conn.c (one connection's state machine on its socket) share. Not for
 * use outside server/db.
 *
 * Ownership: the pool owns its connections (an array that never moves, so a
 * db_conn pointer stays valid until db_pool_free) and every db_item from the
 * moment db_query/db_acquire accepts it until its callback has returned.
 */
#pragma once

#include <stdint.h>
#include <stdbool.h>
#include <sys/time.h>
#include <event2/event.h>

#include "db.h"

#define DB_BACKOFF_MIN_MS 100
#define DB_BACKOFF_MAX_MS 5000
#define DB_CONNECT_TIMEOUT_MS 10000 /* unless conninfo has connect_timeout */
#define DB_POOL_MAX_SIZE 256
#define DB_MAX_PARAMS 65535 /* the protocol's limit */

enum db_conn_state {
	DB_CONN_WAITING_RETRY, /* no PGconn: waits for the pool's retry timer */
	DB_CONN_CONNECTING,    /* PQconnectPoll under way */
	DB_CONN_IDLE,          /* free; EV_READ armed to notice a dead server */
	DB_CONN_BUSY,          /* running a pool statement (conn->item) */
	DB_CONN_HELD,          /* lent to a session; conn->item if it runs one */
	DB_CONN_HELD_BROKEN,   /* lost while lent: no PGconn, waits for db_release */
	DB_CONN_RESETTING,     /* running ROLLBACK after a session gave it back */
	DB_CONN_NSTATES
};

/* STARTING lasts until the first connection succeeds or every first attempt failed. */
enum db_pool_status { DB_POOL_STARTING, DB_POOL_UP, DB_POOL_DOWN };

enum db_item_kind { DB_ITEM_QUERY, DB_ITEM_ACQUIRE };

/* A query or an acquire: queued in `pending`, then in flight, then in `done`. */
struct db_item {
	struct db_item *next;
	enum db_item_kind kind;
	db_result_cb result_cb;
	db_acquire_cb acquire_cb;
	void *arg;
	bool background;     /* db_query_background(): after other work, limited */
	bool running;        /* handed to a connection */
	/* the outcome, set by db_pool_complete() */
	int err;
	PGresult *res;
	db_conn *conn;
	/* the statement; sql, params and their strings share this allocation */
	const char *sql;
	int nparams;
	const char **params;
};

struct db_queue {
	struct db_item *head;
	struct db_item **tailp;
	size_t len;
};

struct db_conn {
	db_pool *pool;
	PGconn *pg;
	enum db_conn_state state;
	struct event *ev;       /* assigned with event_assign() at each step */
	struct db_item *item;   /* statement in flight, NULL for the ROLLBACK */
	PGresult *res;          /* first result of the statement in flight */
	bool flushing;          /* PQflush() returned 1: also wait for EV_WRITE */
	bool release_pending;   /* db_release() came while a statement ran */
	bool attempted;         /* not the first connection attempt */
	int64_t connect_deadline; /* monotonic ms */
};

struct db_pool {
	struct event_base *base;
	char *conninfo;
	int size;
	db_conn *conns;
	int nstate[DB_CONN_NSTATES];
	enum db_pool_status status;
	enum db_pool_status reported; /* last status given to state_cb */
	struct db_queue pending; /* work waiting for a connection, FIFO */
	struct db_queue background; /* db_query_background(): after pending */
	int background_running;  /* background statements on connections now */
	struct db_queue done;    /* outcomes waiting for defer_ev */
	struct event *defer_ev;
	struct event *retry_ev;  /* the one back-off timer of the pool */
	int backoff_ms;
	int connect_timeout_ms;
	int64_t retry_at;
	db_state_cb state_cb;
	void *state_arg;
	db_log_cb log_cb;
	void *log_arg;
	db_notify_cb notify_cb;
	void *notify_arg;
	uint64_t queries, failures, reconnects;
	bool starting;       /* the first connection attempts are not all made yet */
	bool in_callbacks;   /* pool_run_done() is calling user code */
	bool in_log;
	bool dying;          /* db_pool_free() was called: refuse new work */
	bool free_requested; /* ... from a callback: free when it returns */
};

/* db.c */
int64_t db_now_ms(void);
void db_one_line(char *dst, size_t len, const char *src);
__attribute__((format(printf, 3, 4)))
void db_pool_log(db_pool *pool, int level, const char *fmt, ...);
void db_pool_complete(db_pool *pool, struct db_item *it, int err,
	PGresult *res, db_conn *conn);
double db_pool_schedule_retry(db_pool *pool);
void db_pool_dispatch(db_pool *pool);
void db_conn_set_state(db_conn *c, enum db_conn_state st);

/* db_conn.c */
void db_conn_connect_start(db_conn *c);
void db_conn_send(db_conn *c, struct db_item *it);
void db_conn_release_now(db_conn *c);
void db_conn_close(db_conn *c);
