/*
 * notices — the notice plan of the emergency plan (§2, §4, §5, §6, §8): who
 * is told what, when, and whether they acknowledged it.
 *
 * Words:
 *   notice   — one message to one department at one moment of one outage
 *              (a row of the notices table). Kinds: "alert" (at once, by
 *              level: stand by / for the director / the insurance rules),
 *              "log" (level 3: in the application only), "paper" (switch to
 *              paper at the department's tier), "resume" (after recovery:
 *              restart, back-enter today and by tomorrow), "review" (the
 *              fault-review reminder, 2 days after recovery).
 *   moment   — what the notice is for within its outage: level-1 ...
 *              level-other, paper-30m, paper-6h, paper-24h, resume, review.
 *              An outage has at most one notice per (moment, department), so
 *              planning again never makes a second one.
 *   planner  — on the leader, every pass: writes the notices each confirmed
 *              outage needs now (its level's alerts, its tiers' paper
 *              notices due at breakpoint + threshold / time scale), cancels
 *              the planned ones it no longer needs (the level changed), and
 *              after recovery closes what is still open and plans the resume
 *              and review notices. A moment that passed before confirmation
 *              is simply due: it goes at once.
 *   step     — what the sender does to a notice when it is due: send (1),
 *              repeat to the department (2), escalate to its head (3),
 *              escalate to the leadership group (4); the times come from
 *              notify.ack, counted from the first sending and divided by a
 *              drill's time scale. An acknowledgement ends the steps.
 *   claim    — the sender takes due notices with FOR UPDATE SKIP LOCKED and
 *              a lease, writes the texts, and commits the step, its outbox
 *              rows and its one-time acknowledgement links in ONE statement:
 *              a crash before it commits leaves the step to do again, after
 *              it the step is done; either way it happens once.
 *
 * Times are the clock module's, passed to SQL as parameters. Ownership: main
 * creates the module after the outbox, starts it and stops it with the leader
 * lease, calls notices_stop() before db_pool_free() and notices_free() after.
 */
#pragma once

#include <jansson.h>

#include "errors.h"
#include "http.h"

struct events;
struct outbox;
struct notices;

/*
 * config is the whole config document (notify.* and listen.* are read);
 * env, events and outbox are borrowed and must outlive the module.
 */
int notices_new(const struct http_env *env, struct events *events, struct outbox *outbox,
	json_t *config, struct notices **out, char *err, size_t errlen) LL_MUST_CHECK;

/*
 * The port lifelined listens on, once bound: the acknowledgement links point
 * there when notify.public_url is not set.
 */
void notices_set_port(struct notices *n, const char *host, int port);

/* Plan and send (the leader), or stop (a standby; a pass under way finishes). */
int notices_start(struct notices *n) LL_MUST_CHECK;
void notices_stop(struct notices *n);

/* Run a pass now (an outage changed, the clock moved). */
void notices_kick(struct notices *n);

void notices_free(struct notices *n);

/*
 * GET /api/v1/notices, GET /api/v1/notices/{id}, POST /api/v1/notices/{id}/ack,
 * and the one-time link pages GET and POST /ack/{token}.
 */
int notices_add_routes(struct notices *n, http_server *srv) LL_MUST_CHECK;
