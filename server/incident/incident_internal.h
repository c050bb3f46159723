/*
 * incident_internal — shared by incident.c, incident_monitor.c and
 * incident_api.c only; not part of the module's interface.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>
#include <jansson.h>

#include "http.h"
#include "incident.h"
#include "levels.h"

#define MAX_TARGETS 64
#define OPEN_STATUSES "('suspected', 'confirmed', 'manual', 'recovering')"
#define EPOCH_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

/* Every query that answers with outages selects these columns, in this order. */
#define OUTAGE_COLS \
	"o.id, o.status, o.level, o.proposed_level, o.drill, o.time_scale, " \
	EPOCH_MS("o.breakpoint") ", " EPOCH_MS("o.detected_at") ", " \
	EPOCH_MS("o.confirmed_at") ", " EPOCH_MS("o.manual_start_at") ", " \
	EPOCH_MS("o.recovering_at") ", " EPOCH_MS("o.resolved_at") ", " \
	"o.reason, o.opened_by, array_to_json(o.targets)::text, " \
	"(SELECT count(*) FROM problem_reports r WHERE r.outage_id = o.id)"

/* The tiers of the plan (§5), in outage time. */

struct target_meta {
	char name[64];
	char kind[32];
	char title_zh[96];
	char title_en[96];
	bool core;
};

/* A queued target change (strings owned). */
struct change {
	struct incident_target_change c;
	char *target, *state, *old_state, *affected_by, *reason;
	int attempts;   /* SQL failures so far */
	bool waiting;   /* held back while the database is unavailable */
	struct change *next;
};

struct incident {
	struct http_env env;
	struct events *events;
	struct level_rules rules;
	struct target_meta targets[MAX_TARGETS];
	int ntargets;
	struct change *queue_head, *queue_tail;
	bool busy;   /* a change is being processed */
	struct event *retry_ev; /* re-runs the queue once the database is back */
	bool freeing;
};


/* The API's outage object from OUTAGE_COLS at (res, row). */
json_t *incident_outage_json(const PGresult *res, int row);
bool incident_status_is_open(const char *status);
void incident_ms_param(char *buf, size_t len, int64_t ms);
const struct target_meta *incident_meta_of(const struct incident *inc, const char *name);
/* Re-read an outage and publish it on the event stream. */
void incident_publish_outage(struct incident *inc, const char *id);
/* Recompute the proposed level of an outage from its evidence, then publish. */
void incident_repropose(struct incident *inc, const char *id);
void incident_change_free(struct change *c);
/* Process queued target changes (the retry timer's callback). */
void incident_process_queue(struct incident *inc);
