/*
 * migrate — bring the database schema up to the version this binary was
 * built for. The SQL files of schemas/sql/ are compiled into the binary
 * (tools/embed_sql.py), applied in order in ONE transaction under an advisory
 * lock (so that two lifelined starting together do not race), and recorded
 * in schema_migrations. A database newer than the binary is refused: an old
 * binary must never write into a schema it does not know.
 *
 * Blocking: for start-up and command-line modes only, before the loop runs.
 */
#pragma once

#include <stddef.h>
#include <libpq-fe.h>

#include "errors.h"

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];
extern const int migrations_count;

/* Apply what is missing. *version receives the resulting schema version. */
int migrate_run(PGconn *conn, int *version, char *err, size_t errlen) LL_MUST_CHECK;
