/*
 * lease — which lifelined is the leader. Several instances may serve one
 * database; the one holding a PostgreSQL advisory lock on a held connection
 * runs the singleton duties (probing, the notice plan, replay). The others
 * are standby and try again every few seconds, so a standby takes over
 * within that time when the leader dies or loses its connection.
 */
#pragma once

#include <stdbool.h>

#include "errors.h"

struct db_pool;
struct lease;

typedef void (*lease_change_cb)(bool leader, void *arg);

int lease_new(struct db_pool *db, lease_change_cb cb, void *arg, struct lease **out) LL_MUST_CHECK;
/*
 * Shutdown is two steps: lease_stop() before db_pool_free() (callbacks that
 * the pool still delivers then leave it alone), lease_free() after.
 */
void lease_stop(struct lease *lease);
void lease_free(struct lease *lease);

/* Called by the janitor: check the lock is still held, or try to take it. */
void lease_tick(struct lease *lease);
bool lease_is_leader(const struct lease *lease);
