#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

/* An arbitrary constant: the advisory lock that serialises migrations. */
#define MIGRATE_LOCK_KEY "7415060201"

static int exec_ok(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		rc = LL_EDB;
	}
	PQclear(res);
	return rc;
}

int migrate_run(PGconn *conn, int *version, char *err, size_t errlen)
{
	PGresult *res;
	int current, latest = migrations[migrations_count - 1].version;
	char buf[512];

	if (exec_ok(conn, "BEGIN", err, errlen) ||
		exec_ok(conn, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK_KEY ")", err, errlen) ||
		exec_ok(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			"version integer PRIMARY KEY, name text NOT NULL, "
			"applied_at timestamptz NOT NULL DEFAULT now())", err, errlen))
		goto fail;
	res = PQexec(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		PQclear(res);
		goto fail;
	}
	current = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (current > latest) {
		snprintf(err, errlen, "the database schema is at version %d, newer than this lifelined "
			"(which knows up to %d): run a newer lifelined", current, latest);
		exec_ok(conn, "ROLLBACK", buf, sizeof(buf));
		return LL_ECONFLICT;
	}
	for (int i = 0; i < migrations_count; i++) {
		const struct migration *m = &migrations[i];
		const char *params[2];
		char v[16];

		if (m->version <= current)
			continue;
		if (exec_ok(conn, m->sql, buf, sizeof(buf))) {
			snprintf(err, errlen, "migration %s failed: %s", m->name, buf);
			goto fail;
		}
		snprintf(v, sizeof(v), "%d", m->version);
		params[0] = v;
		params[1] = m->name;
		res = PQexecParams(conn, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
			2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			snprintf(err, errlen, "%s", PQresultErrorMessage(res));
			PQclear(res);
			goto fail;
		}
		PQclear(res);
		log_info("applied migration %s", m->name);
	}
	if (exec_ok(conn, "COMMIT", err, errlen))
		goto fail;
	*version = latest;
	return 0;
fail:
	exec_ok(conn, "ROLLBACK", buf, sizeof(buf));
	return LL_EDB;
}
