/*
 * incident — outages, from the first failure to resolve (plan §3, §4, §5, §8).
 *
 * An outage opens by itself when a monitored target goes down (status
 * "suspected"), when a department reports a problem and none is open, or is
 * declared by IT staff. Lifecycle:
 *
 *   suspected → confirmed → manual (unified manual start announced)
 *             → recovering (every target back up) → resolved → reviewed
 *   suspected → dismissed (a false alarm)
 *
 * The breakpoint is the moment the first failure was seen; every later
 * threshold counts from it. Lifeline proposes the level (levels.h); IT staff
 * confirm or change it, always with a reason. Everything lands on the
 * outage's timeline (outage_events) with who and when, and is published on
 * the event stream.
 *
 * All state is in PostgreSQL: a restarted or new leader carries on from the
 * database. At most one real outage is open at a time — a unique index says
 * so, so two instances can never open two. Target changes are processed one
 * at a time, in order, on the leader.
 *
 * Times come from the clock module (virtual in tests and drills), never from
 * the database's now().
 */
#pragma once

#include <stdint.h>
#include <jansson.h>

#include "errors.h"
#include "http.h"

struct incident;
struct events;

/* A monitored target's state changed (leader only). Strings are copied. */
struct incident_target_change {
	const char *target;
	const char *state;       /* "unknown", "up", "suspect", "down" */
	const char *old_state;
	int64_t at_ms;           /* when the change was decided */
	int64_t breakpoint_ms;   /* first failure of the run (down), else 0 */
	const char *affected_by; /* a down dependency, or NULL */
	const char *reason;      /* last probe error, or NULL */
	bool flapping;
};

/*
 * config is the whole lifelined configuration document (borrowed): the
 * "monitor" section gives the targets' kinds and criticality, "incident"
 * the level rules.
 */
int incident_new(const struct http_env *env, struct events *events, json_t *config,
	struct incident **out, char *err, size_t errlen) LL_MUST_CHECK;
/* Before db_pool_free(): callbacks the pool still delivers start nothing new. */
void incident_stop(struct incident *inc);
void incident_free(struct incident *inc);

int incident_add_routes(struct incident *inc, http_server *srv) LL_MUST_CHECK;

void incident_target_changed(struct incident *inc, const struct incident_target_change *chg);
