/*
 * forms_local — rendering a print job on this computer with printforms, from
 * the cached census (forms_cache.h), for `lifeline forms print --offline`.
 *
 * The templates are the source tree's printforms/templates (the build's
 * LIFELINE_SOURCE_ROOT) unless LIFELINE_TEMPLATES names another directory;
 * the font is printforms' default (WenQuanYi Zen Hei). Every sheet gets an
 * offline serial (forms_offline_serial()) of one job id made here.
 *
 * A struct forms_local owns everything the result points into (the template
 * set, the data, the job), so the result lives exactly as long as it does.
 */
#pragma once

#include <stddef.h>

#include <jansson.h>

#include "forms_cache.h"
#include "printforms.h"

struct forms_local {
	printforms *pf;
	printforms_data *data;
	printforms_job *job;
	printforms_result *res;   /* after forms_local_render(): the PDF, serials, marks */
	char job_id[FORMS_JOB_ID_SIZE];
	const char *templates;    /* the directory used (static or from the environment) */
};

/* The template directory: $LIFELINE_TEMPLATES, else the source tree's. Static or env. */
const char *forms_local_templates(void);

/*
 * Render forms[0..nforms) for patients[0..npatients) (0: all), each in
 * `copies` copies, from doc (borrowed; render_time is dropped from a copy so
 * the sheets say when they were printed), into l->res with serials of job
 * id job_id. Returns a PRINTFORMS_* code with *err filled. l must be zeroed
 * before; forms_local_free() it in every case.
 */
int forms_local_render(struct forms_local *l, const json_t *doc, const char *const *forms,
	size_t nforms, const char *const *patients, size_t npatients, unsigned copies,
	const char *job_id, printforms_error *err) PRINTFORMS_MUST_CHECK;
void forms_local_free(struct forms_local *l);
