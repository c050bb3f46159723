#include "lease.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "log.h"

#define LEASE_LOCK_KEY "7415060202"
#define LEASE_CHECK_MS 2000

struct lease {
	struct db_pool *db;
	db_conn *conn;        /* held while leader */
	bool leader;
	bool busy;            /* an acquire or check is in flight */
	bool stopping;        /* lease_stop() called: touch the pool no more */
	int64_t next_ms;
	lease_change_cb cb;
	void *arg;
};

static void set_leader(struct lease *l, bool leader)
{
	if (l->leader == leader)
		return;
	l->leader = leader;
	log_info("this instance is now %s", leader ? "the leader" : "standby");
	if (l->cb)
		l->cb(leader, l->arg);
}

static void lose(struct lease *l)
{
	if (l->conn) {
		db_release(l->conn);
		l->conn = NULL;
	}
	set_leader(l, false);
}

static void on_lock(int err, PGresult *res, void *arg)
{
	struct lease *l = arg;

	l->busy = false;
	if (l->stopping) {
		/* The pool is shutting down and reclaims the connection itself. */
		l->conn = NULL;
		return;
	}
	if (err || PQresultStatus(res) != PGRES_TUPLES_OK || PQgetvalue(res, 0, 0)[0] != 't') {
		lose(l);
		return;
	}
	set_leader(l, true);
}

static void on_acquired(int err, db_conn *conn, void *arg)
{
	struct lease *l = arg;

	if (err || !conn || l->stopping) {
		l->busy = false;
		if (conn && l->stopping)
			db_release(conn);
		return;
	}
	l->conn = conn;
	if (db_conn_query(conn, "SELECT pg_try_advisory_lock(" LEASE_LOCK_KEY ")", 0, NULL,
			on_lock, l) != 0) {
		l->busy = false;
		lose(l);
	}
}

void lease_tick(struct lease *l)
{
	int64_t now = clock_mono_ms();

	if (l->busy || l->stopping || now < l->next_ms)
		return;
	l->next_ms = now + LEASE_CHECK_MS;
	l->busy = true;
	if (l->conn) {
		/* Still ours? A lost connection means a lost lock. */
		if (db_conn_query(l->conn, "SELECT pg_try_advisory_lock(" LEASE_LOCK_KEY ")"
				" AND pg_advisory_unlock(" LEASE_LOCK_KEY ")", 0, NULL, on_lock, l) != 0) {
			l->busy = false;
			lose(l);
		}
		return;
	}
	if (db_acquire(l->db, on_acquired, l) != 0)
		l->busy = false;
}

int lease_new(struct db_pool *db, lease_change_cb cb, void *arg, struct lease **out)
{
	struct lease *l = calloc(1, sizeof(*l));

	*out = l;
	if (!l)
		return LL_ENOMEM;
	l->db = db;
	l->cb = cb;
	l->arg = arg;
	return 0;
}

void lease_stop(struct lease *l)
{
	if (!l || l->stopping)
		return;
	l->stopping = true;
	if (l->conn && !l->busy) {
		db_release(l->conn);
		l->conn = NULL;
	}
}

void lease_free(struct lease *l)
{
	free(l);
}

bool lease_is_leader(const struct lease *l)
{
	return l && l->leader;
}
