/*
 * forms — printing the paper forms (issue 5) from the server: the template
 * set (printforms) loaded once, print jobs rendered on the worker threads
 * from the last complete census snapshot, and the print register.
 *
 * A print job goes:
 *   look up   the department, the last complete census snapshot and the
 *             open outage (one statement);
 *   plan      on a worker: the job laid out on the department's data — how
 *             many sheets, which form, patient and copy each;
 *   reserve   one statement writes the job and one serial per sheet into the
 *             print register (form_serials), so a serial is unique across
 *             concurrent jobs and restarts and every printed sheet is on
 *             record before its PDF exists;
 *   render    on a worker: one PDF for the whole job, a serial and QR code
 *             per sheet; fields the font cannot draw are boxed for
 *             handwriting and listed on the job.
 * A job whose render fails is marked failed and its serials voided.
 *
 * Ownership: main creates the module after the work pool and frees it after
 * the HTTP server and the work pool (renders under way hold the set).
 */
#pragma once

#include <jansson.h>

#include "errors.h"
#include "http.h"

struct forms;

/*
 * config is the whole config document (paths.templates, notify.timezone);
 * env is borrowed. Loading checks every template and reads the font's
 * metrics; err names the template and place of a problem.
 */
int forms_new(const struct http_env *env, json_t *config, struct forms **out, char *err,
	size_t errlen) LL_MUST_CHECK;
void forms_free(struct forms *f);

/*
 * GET /api/v1/forms, POST /api/v1/forms/print, GET /api/v1/forms/serials,
 * POST /api/v1/forms/serials/{serial}/void.
 */
int forms_add_routes(struct forms *f, http_server *srv) LL_MUST_CHECK;
