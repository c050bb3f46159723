/*
 * incident_monitor — what the leader does when a monitored target changes:
 * remember its state, open or join the outage, note recovery. Changes are
 * processed strictly one after another, so two targets falling together
 * cannot race each other into two outages (the unique index would refuse
 * the second anyway; this keeps the second target from being lost).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "db.h"
#include "events.h"
#include "incident_internal.h"
#include "log.h"

#define MAX_ATTEMPTS 3

static void process_next(struct incident *inc);

void incident_change_free(struct change *c)
{
	if (!c)
		return;
	free(c->target);
	free(c->state);
	free(c->old_state);
	free(c->affected_by);
	free(c->reason);
	free(c);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void incident_target_changed(struct incident *inc, const struct incident_target_change *chg)
{
	struct change *c = calloc(1, sizeof(*c));

	if (!c || !(c->target = strdup(chg->target)) || !(c->state = strdup(chg->state))) {
		log_error("out of memory: target %s change to %s is lost", chg->target, chg->state);
		incident_change_free(c);
		return;
	}
	c->old_state = dup_or_null(chg->old_state);
	c->affected_by = dup_or_null(chg->affected_by);
	c->reason = dup_or_null(chg->reason);
	c->c = *chg;
	c->c.target = c->target;
	c->c.state = c->state;
	c->c.old_state = c->old_state;
	c->c.affected_by = c->affected_by;
	c->c.reason = c->reason;
	if (inc->queue_tail)
		inc->queue_tail->next = c;
	else
		inc->queue_head = c;
	inc->queue_tail = c;
	if (!inc->busy)
		process_next(inc);
}

struct step {
	struct incident *inc;
	struct change *c;
};

static void finish(struct step *st)
{
	struct incident *inc = st->inc;

	incident_change_free(st->c);
	free(st);
	inc->busy = false;
	process_next(inc);
}

/* Put the change back at the head of the queue, to run again after delay_ms (0: now). */
static void requeue(struct step *st, int delay_ms)
{
	struct incident *inc = st->inc;
	struct change *c = st->c;
	struct timeval tv = { delay_ms / 1000, (delay_ms % 1000) * 1000 };

	c->next = inc->queue_head;
	inc->queue_head = c;
	if (!inc->queue_tail)
		inc->queue_tail = c;
	free(st);
	inc->busy = false;
	if (delay_ms > 0 && inc->retry_ev)
		evtimer_add(inc->retry_ev, &tv);
	else
		process_next(inc);
}

/*
 * The database is unavailable: nothing is dropped. The change waits at the
 * head of the queue (order matters) and is tried again every second.
 */
static void wait_for_db(struct step *st)
{
	if (!st->c->waiting)
		log_warn("target %s -> %s: the database is unavailable; will record it when it returns",
			st->c->target, st->c->state);
	st->c->waiting = true;
	requeue(st, 1000);
}

void incident_process_queue(struct incident *inc)
{
	process_next(inc);
}

static void retry_or_drop(struct step *st, const char *why)
{
	struct change *c = st->c;

	if (++c->attempts < MAX_ATTEMPTS) {
		log_warn("target %s -> %s: %s; trying again", c->target, c->state, why);
		requeue(st, 0);
		return;
	}
	log_error("target %s -> %s not recorded after %d attempts: %s", c->target, c->state,
		c->attempts, why);
	finish(st);
}

static void on_opened(int err, PGresult *res, void *arg)
{
	struct step *st = arg;

	if (err) {
		wait_for_db(st);
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		retry_or_drop(st, PQresultErrorMessage(res));
		return;
	}
	if (PQntuples(res) != 1) {
		/* Another writer held the open outage at that instant: look again. */
		retry_or_drop(st, "no open outage to join and none could be opened");
		return;
	}
	if (PQgetvalue(res, 0, 1)[0] == 't')
		log_warn("outage %s suspected: %s is down (%s)", PQgetvalue(res, 0, 0), st->c->target,
			st->c->reason ? st->c->reason : "no reason given");
	if (PQgetvalue(res, 0, 2)[0] == 't')
		incident_repropose(st->inc, PQgetvalue(res, 0, 0));
	finish(st);
}

static void open_or_join(struct step *st)
{
	struct incident *inc = st->inc;
	struct change *c = st->c;
	const struct target_meta *m = incident_meta_of(inc, c->target);
	struct level_evidence ev = { .targets_down = 1 };
	char bp[24], now[24];
	const char *params[5];

	ev.core_down = m && m->core;
	ev.insurance_down = m && strcmp(m->kind, "insurance") == 0;
	incident_ms_param(bp, sizeof(bp), c->c.breakpoint_ms ? c->c.breakpoint_ms : c->c.at_ms);
	incident_ms_param(now, sizeof(now), c->c.at_ms);
	params[0] = c->target;
	params[1] = bp;
	params[2] = now;
	params[3] = c->reason;
	params[4] = level_name(level_propose(&inc->rules, &ev));
	if (db_query(inc->env.db,
			"WITH ins AS ("
			" INSERT INTO outages (status, level, proposed_level, breakpoint, detected_at, "
			"  opened_by, targets, reason) "
			" SELECT 'suspected', $5, $5, to_timestamp($2::double precision / 1000), "
			"  to_timestamp($3::double precision / 1000), 'monitor', ARRAY[$1::text], "
			"  'target down: ' || $1 || coalesce(' (' || $4::text || ')', '') "
			" WHERE NOT EXISTS (SELECT 1 FROM outages WHERE status IN " OPEN_STATUSES " AND NOT drill) "
			" ON CONFLICT ((true)) WHERE status IN " OPEN_STATUSES " AND NOT drill DO NOTHING "
			" RETURNING id, true AS created, true AS added), "
			"cur AS (SELECT id, targets, status FROM outages "
			" WHERE status IN " OPEN_STATUSES " AND NOT drill AND NOT EXISTS (SELECT 1 FROM ins) "
			" FOR UPDATE), "
			"upd AS (UPDATE outages o SET "
			" targets = CASE WHEN $1 = ANY(o.targets) THEN o.targets ELSE array_append(o.targets, $1) END, "
			" status = CASE WHEN o.status <> 'recovering' THEN o.status "
			"  WHEN o.manual_start_at IS NOT NULL THEN 'manual' "
			"  WHEN o.confirmed_at IS NOT NULL THEN 'confirmed' ELSE 'suspected' END, "
			" recovering_at = NULL, updated_at = now() "
			" FROM cur WHERE o.id = cur.id "
			" RETURNING o.id, false AS created, "
			"  (NOT ($1 = ANY(cur.targets)) OR cur.status = 'recovering') AS added), "
			"res AS (SELECT * FROM ins UNION ALL SELECT * FROM upd), "
			"ev AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
			" SELECT id, to_timestamp($3::double precision / 1000), "
			"  CASE WHEN created THEN 'opened' ELSE 'target_down' END, 'monitor', "
			"  jsonb_build_object('target', $1::text, 'reason', $4::text, "
			"   'breakpoint', to_timestamp($2::double precision / 1000)) "
			" FROM res WHERE added) "
			"SELECT id, created, added FROM res",
			5, params, on_opened, st) != 0)
		wait_for_db(st);
}

static void on_simple(int err, PGresult *res, void *arg)
{
	struct step *st = arg;

	if (err) {
		wait_for_db(st);
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
		retry_or_drop(st, PQresultErrorMessage(res));
		return;
	}
	for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++)
		incident_publish_outage(st->inc, PQgetvalue(res, i, 0));
	finish(st);
}

static void note_affected(struct step *st)
{
	char now[24];
	const char *params[4];

	incident_ms_param(now, sizeof(now), st->c->c.at_ms);
	params[0] = st->c->target;
	params[1] = now;
	params[2] = st->c->affected_by;
	params[3] = st->c->reason;
	if (db_query(st->inc->env.db,
			"INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
			"SELECT id, to_timestamp($2::double precision / 1000), 'target_affected', 'monitor', "
			"jsonb_build_object('target', $1::text, 'through', $3::text, 'reason', $4::text) "
			"FROM outages WHERE status IN " OPEN_STATUSES " AND NOT drill RETURNING outage_id",
			4, params, on_simple, st) != 0)
		wait_for_db(st);
}

static void note_up(struct step *st)
{
	char now[24];
	const char *params[2];

	incident_ms_param(now, sizeof(now), st->c->c.at_ms);
	params[0] = st->c->target;
	params[1] = now;
	if (db_query(st->inc->env.db,
			"WITH o AS (SELECT id FROM outages WHERE status IN " OPEN_STATUSES " AND NOT drill "
			" AND $1 = ANY(targets)), "
			"ev AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
			" SELECT id, to_timestamp($2::double precision / 1000), 'target_up', 'monitor', "
			" jsonb_build_object('target', $1::text) FROM o), "
			"rec AS (UPDATE outages x SET status = 'recovering', "
			" recovering_at = to_timestamp($2::double precision / 1000), updated_at = now() "
			" FROM o WHERE x.id = o.id AND x.status IN ('suspected', 'confirmed', 'manual') "
			" AND NOT EXISTS (SELECT 1 FROM unnest(x.targets) t(name) "
			"  LEFT JOIN target_states s ON s.name = t.name "
			"  WHERE t.name <> $1 AND s.state IS DISTINCT FROM 'up') RETURNING x.id), "
			"ev2 AS (INSERT INTO outage_events (outage_id, at, kind, actor, detail) "
			" SELECT id, to_timestamp($2::double precision / 1000), 'recovering', 'lifeline', "
			" '{}'::jsonb FROM rec) "
			"SELECT id FROM o",
			2, params, on_simple, st) != 0)
		wait_for_db(st);
}

static json_t *change_json(const struct change *c)
{
	char at[40], bp[40];

	return json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:b, s:o}",
		"name", c->target, "state", c->state,
		"old_state", c->old_state ? json_string(c->old_state) : json_null(),
		"at", clock_format_ms(c->c.at_ms, at, sizeof(at)),
		"breakpoint", c->c.breakpoint_ms ?
			json_string(clock_format_ms(c->c.breakpoint_ms, bp, sizeof(bp))) : json_null(),
		"affected_by", c->affected_by ? json_string(c->affected_by) : json_null(),
		"flapping", c->c.flapping,
		"reason", c->reason ? json_string(c->reason) : json_null());
}

static void on_state_stored(int err, PGresult *res, void *arg)
{
	struct step *st = arg;
	struct change *c = st->c;
	json_t *ev;

	if (err) {
		wait_for_db(st);
		return;
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		retry_or_drop(st, PQresultErrorMessage(res));
		return;
	}
	ev = change_json(c);
	events_publish(st->inc->events, "target", ev);
	json_decref(ev);
	if (strcmp(c->state, "down") == 0) {
		if (c->affected_by)
			note_affected(st);
		else
			open_or_join(st);
	} else if (strcmp(c->state, "up") == 0) {
		note_up(st);
	} else {
		finish(st);
	}
}

static void process_next(struct incident *inc)
{
	struct change *c = inc->queue_head;
	struct step *st;
	char at[24], bp[24];
	const char *params[7];

	if (!c || inc->busy || inc->freeing)
		return;
	inc->queue_head = c->next;
	if (!inc->queue_head)
		inc->queue_tail = NULL;
	c->next = NULL;
	st = calloc(1, sizeof(*st));
	if (!st) {
		incident_change_free(c);
		return;
	}
	st->inc = inc;
	st->c = c;
	inc->busy = true;
	incident_ms_param(at, sizeof(at), c->c.at_ms);
	incident_ms_param(bp, sizeof(bp), c->c.breakpoint_ms);
	params[0] = c->target;
	params[1] = c->state;
	params[2] = at;
	params[3] = c->c.breakpoint_ms ? bp : NULL;
	params[4] = c->affected_by;
	params[5] = c->c.flapping ? "true" : "false";
	params[6] = c->reason;
	if (db_query(inc->env.db,
			"INSERT INTO target_states (name, state, since, breakpoint, affected_by, flapping, "
			"last_error, updated_at) VALUES ($1, $2, to_timestamp($3::double precision / 1000), "
			"to_timestamp($4::double precision / 1000), $5, $6::boolean, $7, now()) "
			"ON CONFLICT (name) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since, "
			"breakpoint = EXCLUDED.breakpoint, affected_by = EXCLUDED.affected_by, "
			"flapping = EXCLUDED.flapping, last_error = EXCLUDED.last_error, updated_at = now()",
			7, params, on_state_stored, st) != 0)
		wait_for_db(st);
}
