/*
 * events — GET /api/v1/events: every state change as Server-Sent Events.
 *
 * A change is published once (events_publish) and written to every open
 * stream as "id: N / event: TYPE / data: JSON". Streams get a comment line
 * every 15 s so that proxies keep them open and dead clients are noticed;
 * a client whose connection is gone is dropped on the next write.
 * Browsers' EventSource cannot send headers, so this route also accepts the
 * token as ?token=.
 *
 * Several instances: each holds one database connection that LISTENs on
 * "lifeline_events"; a change is published as a NOTIFY and every instance
 * writes it to its own streams, so the clients of a standby see what the
 * leader does. While the database is away, events reach this instance's
 * streams only.
 */
#pragma once

#include <jansson.h>

#include "errors.h"
#include "http.h"

struct event_base;
struct events;

struct db_pool;

/* db may be NULL (no fan-out). */
int events_new(struct event_base *base, struct db_pool *db, struct events **out) LL_MUST_CHECK;
/* Before db_pool_free(): stop listening, touch the pool no more. */
void events_stop(struct events *ev);
/* Ends every stream; call after db_pool_free() and before http_server_free(). */
void events_free(struct events *ev);

int events_add_routes(struct events *ev, http_server *srv) LL_MUST_CHECK;

/* data is borrowed. */
void events_publish(struct events *ev, const char *type, json_t *data);

/* Open streams (metrics). */
size_t events_clients(const struct events *ev);
