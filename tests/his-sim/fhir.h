/*
 * fhir — his-sim's FHIR R4 server: the demo hospital's census (census.h,
 * mapped in census_fhir.h) over HTTP, read-only and JSON only, under /fhir
 * on the target that serves it (his-core). Lifeline pulls it while the HIS
 * is up to prefill paper forms.
 *
 * Endpoints (GET or HEAD; answers are application/fhir+json; charset=utf-8)
 *   /fhir/metadata        the CapabilityStatement: types, search
 *                         parameters and _include values, from the tables
 *   /fhir/TYPE?PARAMS     a search: a Bundle of type searchset with total
 *                         (the matches, not counting includes), link
 *                         (self, first, previous, next, last) and entry
 *                         (fullUrl, resource, search.mode match|include)
 *   /fhir/TYPE/ID         a read: the resource, or 404
 * TYPE and PARAMS (fhir_search.h has the query rules):
 *   Organization          _id identifier type partof
 *   Location              _id identifier type status operational-status
 *                         partof organization
 *   Patient               _id identifier gender
 *   Encounter             _id identifier status class patient subject
 *                         location service-provider diagnosis
 *   Coverage              _id status type beneficiary patient payor
 *   Condition             _id code category clinical-status patient
 *                         subject encounter
 *   AllergyIntolerance    _id code category clinical-status patient
 *   MedicationRequest     _id identifier status intent category patient
 *                         subject encounter medication
 *   Medication            _id code status
 *   ChargeItemDefinition  _id identifier status
 * plus _count, _include=TYPE:REFPARAM, _summary=count, _total, _format.
 *
 * Paging: _count entries a page (default 20, at most 100); while more
 * follow, the Bundle has a link "next": the client follows that URL as it
 * is (it carries the _offset cursor) until there is none. The census never
 * changes, so pages are stable. Links and fullUrl are absolute, built from
 * the request's Host header.
 *
 * Errors are an OperationOutcome (issue severity error, code, diagnostics):
 * 400 bad or unsupported parameter, 404 unknown type or id, 405 a method
 * other than GET/HEAD, 406 a format other than JSON, 503 an injected
 * failure. The target's own faults (down, flaky, slow) come first, in
 * sim.c, and answer as for any path.
 *
 * A failure part-way through a pull (control.h: POST /control/census):
 * fhir_fail_after(n, mode) serves the next n FHIR requests, then fails
 * every later one until cleared (fhir_fail_clear, by /control/census
 * fail_after=off, /control/up or /control/reset of the target):
 *   503   answers 503 with an OperationOutcome (code transient);
 *   drop  closes the connection without an answer, as a crash mid-request;
 *   down  the target goes down (refuse) at that request: its connection is
 *         closed unanswered and every later connect refused, health too, as
 *         POST /control/down?target=his-core would; it stays down until
 *         /control/up (the fault is spent once the target is down).
 *
 * Ownership: fhir_new() builds the census and its resources, owned by the
 * struct fhir until fhir_free(). sim holds a borrowed pointer on the
 * serving target: free sim first.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "census.h"
#include "sim.h"

#define FHIR_CONTENT_TYPE "application/fhir+json; charset=utf-8"

enum fhir_fail_mode {
	FHIR_FAIL_503,
	FHIR_FAIL_DROP,
	FHIR_FAIL_DOWN,
};

struct fhir;

/* The census of day, served. NULL with err when memory runs out. */
struct fhir *fhir_new(struct census_day day, char *err, size_t errlen);
/* NULL is fine. */
void fhir_free(struct fhir *f);

/* A sim_handler_fn for /fhir and below; leaves ans empty (404) on a target without FHIR. */
void fhir_handle(struct sim_target *t, struct evhttp_request *req, struct sim_answer *ans);

/* "503", "drop", "down" -> mode; false when unknown. */
bool fhir_fail_mode_parse(const char *s, enum fhir_fail_mode *mode);
const char *fhir_fail_mode_name(enum fhir_fail_mode mode);
/* Serves the next n FHIR requests, then fails every later one with mode. */
void fhir_fail_after(struct fhir *f, uint64_t n, enum fhir_fail_mode mode);
void fhir_fail_clear(struct fhir *f);
/* Zeroes the counters and clears the fault. */
void fhir_reset_counters(struct fhir *f);

/*
 * The census's counters as a new JSON object:
 *   {"target":NAME,"requests":N,"served":N,"failed":N,
 *    "by_type":{"Encounter":N,...,"metadata":N},
 *    "fail_after":null|{"remaining":N,"mode":"503"|"drop"|"down"}}
 * requests are the FHIR requests that got past the target's own faults;
 * failed those fail_after failed; remaining the requests still to serve
 * before failing (0: failing now).
 */
json_t *fhir_stats_json(const struct fhir *f, const char *target);
