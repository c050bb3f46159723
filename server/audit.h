/*
 * audit — the append-only audit log. The HTTP layer records every call of a
 * state-changing route here, whatever its outcome: who, when, what action,
 * on which object, the HTTP status, and the request id.
 *
 * Rows go to the audit_log table, which refuses UPDATE, DELETE and TRUNCATE
 * (a trigger, schemas/sql/001_init.sql). When the database is unavailable the
 * row is written to the operator log instead, so nothing is lost silently.
 */
#pragma once

#include <stdint.h>
#include <jansson.h>

#include "errors.h"

struct db_pool;
struct audit;

struct audit_entry {
	int64_t actor_id;        /* 0 when unknown */
	const char *actor;       /* user name, or NULL */
	const char *action;      /* "user.create" */
	const char *object_type; /* "user", or NULL */
	const char *object_id;   /* or NULL */
	int status;              /* HTTP status of the answer */
	const char *request_id;
	json_t *detail;          /* borrowed; may be NULL */
};

int audit_new(struct db_pool *db, struct audit **out) LL_MUST_CHECK;
void audit_free(struct audit *audit);

/* Queue the row; the entry's strings are copied. */
void audit_record(struct audit *audit, const struct audit_entry *e);

/* "ok", "denied", "invalid", "conflict" or "error", from an HTTP status. */
const char *audit_outcome(int status);
