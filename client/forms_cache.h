/*
 * forms_cache — what the client keeps on disk to print paper forms when the
 * Lifeline server itself cannot be reached (`lifeline forms print --offline`).
 *
 * After every successful `forms print` and on `forms sync` the client
 * fetches its department's print data (GET /api/v1/forms/data: the
 * printforms data document built from the last census snapshot — hospital,
 * department, snapshot_time, patients, price_list, outage_id) and keeps it,
 * as the server sent it, at
 *
 *     $XDG_CACHE_HOME/lifeline/census-DEPT.json   (else ~/.cache/lifeline/...)
 *
 * The file holds patients' names and diagnoses: it is 0600 in a 0700
 * directory, replaced atomically (config_write_private()), and a file owned
 * by another user is never read.
 *
 * Offline sheets carry serials the print register has not seen; they are
 * made unmistakable by their prefix, "LO-" (Lifeline Offline) then the
 * computer's name, then a job id from the clock: LO-ward3pc-m1x2k9qz4f-001.
 * The server's own serials start "LL".
 *
 * Glossary:
 *   age        now minus the snapshot's time — how old the census is, not
 *              the file: a file fetched a minute ago from a three-day-old
 *              snapshot is three days old.
 *   max age    the oldest census --offline prints from (72 h unless
 *              --max-age): beyond it the patients on paper are too likely
 *              to be the wrong ones.
 *
 * Functions return 0 or a negative LL_E* code; on LL_EIO errno says why.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "errors.h"

#define FORMS_MAX_AGE_DEFAULT (72L * 3600)
/* Longest job id forms_offline_job_id() makes, and serial forms_offline_serial() makes. */
#define FORMS_JOB_ID_SIZE 32
#define FORMS_SERIAL_SIZE 41

/*
 * A form code or patient id as the API and printforms take them: 1 to max
 * characters of [A-Za-z0-9._-], not starting with '-' or '.'.
 */
bool forms_id_valid(const char *text, size_t max);

/*
 * The cache directory ($XDG_CACHE_HOME/lifeline, else $HOME/.cache/lifeline)
 * and the file of department dept in it; newly allocated (free()).
 * LL_ENOTFOUND when there is no home; LL_EINVAL when dept is not a
 * department code (it becomes part of a path).
 */
int forms_cache_dir(char **out) LL_MUST_CHECK;
int forms_cache_path(const char *dept, char **out) LL_MUST_CHECK;

/*
 * Keep doc (borrowed) as the cache of its department ("department"/"code");
 * *path_out (may be NULL) gets the file's path (free()). LL_EINVAL when doc
 * is not a data document with a department code and a snapshot time.
 */
int forms_cache_save(const json_t *doc, char **path_out) LL_MUST_CHECK;

/*
 * Read the cache at path: *out is a new reference. LL_ENOTFOUND (no file),
 * LL_EPERM (owned by another user), LL_EINVAL (not a data document: no
 * department code or snapshot time), LL_EIO.
 */
int forms_cache_load(const char *path, json_t **out) LL_MUST_CHECK;

/*
 * The departments that have a cache file, sorted; *depts is an array of n
 * newly allocated strings (forms_cache_list_free()). 0 with n = 0 when the
 * directory does not exist.
 */
int forms_cache_list(char ***depts, size_t *n) LL_MUST_CHECK;
void forms_cache_list_free(char **depts, size_t n);

/* The document's snapshot_time; false when missing or not RFC 3339 with a zone. */
bool forms_snapshot_time(const json_t *doc, time_t *out);

/* How old a snapshot taken at `taken` is at `now`, in seconds; 0 for a future one. */
long forms_age(time_t taken, time_t now);

/*
 * --max-age: a number with a unit, "72h", "3d", "90m", "3600s", or a bare
 * number of hours ("48"). False unless more than 0 and at most a year.
 */
bool forms_parse_max_age(const char *text, long *seconds);

/*
 * The computer's name as it goes into a serial: the first label of
 * hostname, letters and digits kept, anything else made '-', at most 12
 * characters; "host" when nothing is left.
 */
void forms_host_label(const char *hostname, char *buf, size_t size);

/*
 * An offline job id, "LO-" + host label + "-" + the time in milliseconds in
 * base 36 + two base-36 digits of pid: two jobs on one computer differ
 * unless started in the same millisecond by processes whose ids agree
 * modulo 1296. buf needs FORMS_JOB_ID_SIZE bytes.
 */
void forms_offline_job_id(char *buf, size_t size, const char *host_label, long long ms,
	unsigned long pid);

/* Sheet `page`'s serial in job: "JOB-001"; false when it would not fit 40 characters. */
bool forms_offline_serial(char *buf, size_t size, const char *job_id, size_t page);
