/*
 * census — the census snapshot: while the HIS is up, the leader pulls the
 * hospital's inpatients, their active orders and the drug price list from
 * the HIS's FHIR R4 API every census.interval_s, and stores them as one row
 * of census_snapshots, which the paper forms are printed from when the HIS
 * goes down (issue 5, plan section 6).
 *
 * Words:
 *   pull      — the FHIR searches of one snapshot, every page followed
 *               through its "next" link, over libcurl's multi interface
 *               (curlev) on the loop; one request at a time.
 *   snapshot  — the pull mapped (census_map.h) and stored whole in ONE
 *               INSERT. Any failure (an HTTP error, a timeout, a dropped
 *               connection, bad JSON, a reference that does not resolve)
 *               abandons the pull: a failed or partial pull never replaces
 *               a good snapshot. After a stored snapshot, all but the last
 *               keep_last complete ones are deleted (except those a print
 *               job refers to: the print register keeps its evidence).
 *   outcome   — the last pull's result (ok, or the error text) and when; in
 *               memory on the leader, shown by GET /api/v1/census.
 *
 * Config (section "census" of the config document; no "url": the module is
 * off, its routes say so):
 *   url         the FHIR base, e.g. http://his-core:8080/fhir
 *   interval_s  between pulls (default 300)
 *   keep_last   complete snapshots kept (default 5)
 *   timeout_s   per FHIR request (default 30)
 *   utc_offset  the hospital's UTC offset, "+08:00" by default, for the
 *               local times (next doses, ages) written into the snapshot
 *
 * Times are the clock module's: a test moves the clock instead of waiting.
 *
 * Ownership: main creates the module after the outbox with a curlev it
 * owns (the outbox's may be shared), starts and stops it with the leader
 * lease, calls census_stop() before db_pool_free() and census_free()
 * before curlev_free(). env and cev are borrowed and must outlive it.
 */
#pragma once

#include <stddef.h>

#include <jansson.h>

#include "curlev.h"
#include "errors.h"
#include "http.h"

struct census;

/* config is the whole config document. 0, or LL_ENOMEM / LL_EINVAL with err filled. */
int census_new(const struct http_env *env, curlev *cev, json_t *config, struct census **out,
	char *err, size_t errlen) LL_MUST_CHECK;

/* The leader pulls (the first pull at once); a standby stops (a pull under way is abandoned). */
int census_start(struct census *c) LL_MUST_CHECK;
void census_stop(struct census *c);

/* NULL is a no-op. */
void census_free(struct census *c);

/* GET /api/v1/census (any user), POST /api/v1/census/pull (admin, it). */
int census_add_routes(struct census *c, http_server *srv) LL_MUST_CHECK;
