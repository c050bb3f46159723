/*
 * census_map — the FHIR R4 resources of one census pull turned into the
 * snapshot document the print path reads (server/forms/forms.c):
 *
 *   {"hospital": "…", "snapshot_time": "RFC 3339",
 *    "wards": {"ward-1": [patient…], …}, "price_list": [price…]}
 *
 * with a patient and a price exactly as printforms/printforms.h documents
 * them. Pure: no I/O, no clock (the caller passes the time), so the unit
 * tests feed it small FHIR fixtures.
 *
 * Words:
 *   pull   — the searches of one snapshot; every page of every search goes
 *            through census_pull_add_page(), which keeps each resource by
 *            its reference ("Patient/pat-0001") and the search matches by
 *            resource type.
 *   ward   — a Location whose identifier has the system urn:demo-hospital:dept;
 *            its value is the Lifeline department code the ward's patients
 *            are filed under (ward-1 … ward-4 in his-sim). A ward Location
 *            without that identifier is skipped: Lifeline has no department
 *            to print it for.
 *
 * Mapping decisions (what a form prints):
 *   bed          the bed Location's display without its trailing 床 ("12", "加1")
 *   allergies    the allergens' texts joined by 、; 无已知过敏 when the only
 *                record is SNOMED CT 716186003; 未记录 when there is none at all
 *   diagnosis    Encounter.diagnosis by rank, the Conditions' texts joined by ；
 *   age          whole years from birthDate to the snapshot's local date
 *   next_doses   census_next_doses(), below
 * A reference the pull should have fetched but did not (an Encounter's
 * Patient or diagnosis, an order's Medication, a price's Medication) fails
 * the mapping: a snapshot missing data is never stored.
 *
 * Ownership: a census_pull owns its JSON; census_pull_free() releases it.
 * The document census_map_build() returns belongs to the caller.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "errors.h"

struct census_pull {
	json_t *byref;    /* {"Type/id": resource} of every entry seen, matches and includes */
	json_t *matches;  /* {"Type": [resource…]} the search matches, in order */
};

/* 0 or LL_ENOMEM. */
int census_pull_init(struct census_pull *p) LL_MUST_CHECK;
/* Releases what p holds; p may be zeroed or half-built. */
void census_pull_free(struct census_pull *p);

/*
 * Add one searchset Bundle page (borrowed). *next is the page's "next"
 * link (borrowed from bundle: valid while bundle lives) or NULL on the
 * last page. LL_EINVAL with err when the page is not a searchset Bundle
 * or an entry lacks resourceType/id; LL_ENOMEM.
 */
int census_pull_add_page(struct census_pull *p, json_t *bundle, const char **next, char *err,
	size_t errlen) LL_MUST_CHECK;

/*
 * The snapshot document, as the print path reads it, for a pull taken at
 * now_ms (UTC ms). offset_s is the hospital's UTC offset (+28800 for
 * China), for the snapshot's local date and time. *patients is the number
 * of inpatients mapped. LL_EINVAL with err naming the resource when a
 * reference does not resolve or a ward has no department code.
 */
int census_map_build(const struct census_pull *p, int64_t now_ms, int offset_s, json_t **out,
	int *patients, char *err, size_t errlen) LL_MUST_CHECK;

/*
 * The scheduled administrations of one order in (now_ms, now_ms + 24 h],
 * not before start_ms, as RFC 3339 with offset_s, oldest first, into out
 * (at most max; each 26 bytes). times are "HH:MM[:SS]" of day (FHIR
 * timing.repeat.timeOfDay); with none, the usual ward times for the
 * frequency code are used (qd 08; bid 08 16; tid 08 12 16; qid 08 12 16 20;
 * q8h 00 08 16; q12h 08 20; qn 20); prn and unknown codes have none.
 * Returns how many were written.
 */
size_t census_next_doses(const char *freq, const char *const *times, size_t ntimes,
	int64_t start_ms, int64_t now_ms, int offset_s, char (*out)[26], size_t max);

/* "2025-03-11T14:31:00+08:00" -> ms since the epoch and its offset (s). false if malformed. */
bool census_parse_time(const char *s, int64_t *ms, int *offset_s);
/* ms and offset -> "2025-03-11T14:31:00+08:00" into buf (26 bytes). */
void census_format_time(int64_t ms, int offset_s, char buf[26]);
