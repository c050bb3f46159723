/*
 * outbox — every message Lifeline sends (e-mail over SMTP, webhooks, WeCom
 * and DingTalk group robots, an SMS gateway) is first a row in the outbox
 * table; a delivery worker on the leader sends the rows that are due through
 * libcurl's multi interface (curlev), so nothing blocks the loop.
 *
 * Words:
 *   enqueue  — INSERT a row (status pending); its dedup_key is UNIQUE, so
 *              queueing the same delivery twice is harmless (the second
 *              INSERT does nothing).
 *   claim    — one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
 *              LOCKED) turns due rows into 'sending', claimed_by this
 *              worker until now + lease. Only the leader claims.
 *   lease    — how long a claim holds. A row still 'sending' after its
 *              lease (its worker died, or lost the leadership) is claimed
 *              again by the next worker: no delivery is lost.
 *   back-off — a failed attempt goes back to pending at now + 5 s doubling
 *              to 10 min (outbox_format.h); after max_attempts it is failed
 *              for good (POST /api/v1/outbox/{id}/retry queues it again).
 *
 * Exactly once, and the one window left: a row is marked sent in the
 * statement right after the receiver accepted it (SMTP 250 after DATA, an
 * HTTP 2xx). If the process dies, or the database is away, between that
 * acceptance and the UPDATE (a few milliseconds; the worker keeps retrying
 * the UPDATE while it lives), the row is claimed again after its lease and
 * sent a second time. The e-mail carries a Message-ID derived from the row id
 * (the same on every attempt) so a receiver or a mail client can drop the
 * repeat; webhooks get the row id in the X-Lifeline-Delivery header.
 *
 * Times are the clock module's (clock_now_ms()), passed to SQL as
 * parameters, so the virtual test clock drives back-off and leases.
 *
 * Ownership: main creates the module after the departments with its own
 * curlev, starts and stops it with the leader lease, calls outbox_stop()
 * before db_pool_free() and outbox_free() before curlev_free().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "curlev.h"
#include "errors.h"
#include "http.h"

struct outbox;

/* One delivery to queue. Strings are copied; payload is borrowed. */
struct outbox_message {
	int64_t notice_id;      /* 0: none (the notice plan fills it) */
	const char *department; /* may be NULL */
	const char *channel;    /* email, webhook, wecom, dingtalk, sms */
	const char *address;    /* e-mail address, URL, or the SMS number */
	const char *subject;
	const char *body;
	json_t *payload;        /* NULL: built from subject and body for the channel */
	bool drill;
	const char *dedup_key;  /* required: the same key is never delivered twice */
};

/*
 * err is 0 or LL_EDBDOWN / LL_EDB; inserted is how many rows were new (a
 * repeated dedup_key counts 0). Called on the loop, never from inside
 * outbox_enqueue().
 */
typedef void (*outbox_enqueue_cb)(int err, int inserted, void *arg);

/*
 * config is the whole config document (its notify.smtp, notify.sms and
 * notify.outbox are read); env and cev are borrowed and must outlive the
 * module. Returns 0, or LL_ENOMEM / LL_EINVAL with err filled.
 */
int outbox_new(const struct http_env *env, curlev *cev, json_t *config, struct outbox **out,
	char *err, size_t errlen) LL_MUST_CHECK;

/*
 * Queue n deliveries in one statement. Returns 0 (cb, if not NULL, is called
 * once), or LL_EINVAL / LL_ENOMEM / LL_EDBDOWN without calling cb.
 */
int outbox_enqueue_n(struct outbox *o, const struct outbox_message *m, size_t n,
	outbox_enqueue_cb cb, void *arg) LL_MUST_CHECK;
int outbox_enqueue(struct outbox *o, const struct outbox_message *m, outbox_enqueue_cb cb,
	void *arg) LL_MUST_CHECK;

/* Deliver (the leader) or stop claiming (a standby; deliveries under way finish). */
int outbox_start(struct outbox *o) LL_MUST_CHECK;
void outbox_stop(struct outbox *o);

/* Look for due rows now (after an enqueue or a retry). */
void outbox_kick(struct outbox *o);

/* Transfers still under way are cancelled; their rows are claimed again after the lease. */
void outbox_free(struct outbox *o);

/* GET /api/v1/outbox, POST /api/v1/outbox/{id}/retry, POST /api/v1/departments/{code}/test-message. */
int outbox_add_routes(struct outbox *o, http_server *srv) LL_MUST_CHECK;

/* Whether an SMS gateway is configured (notify.sms.url). */
bool outbox_has_sms(const struct outbox *o);
