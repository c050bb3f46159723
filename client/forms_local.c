#include "forms_local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifeline_build.h"

const char *forms_local_templates(void)
{
	const char *env = getenv("LIFELINE_TEMPLATES");

	return env && *env ? env : LIFELINE_SOURCE_ROOT "/printforms/templates";
}

static int next_serial(void *arg, const printforms_sheet *sheet,
	char out[PRINTFORMS_SERIAL_MAX + 1])
{
	const struct forms_local *l = arg;

	return forms_offline_serial(out, PRINTFORMS_SERIAL_MAX + 1, l->job_id, sheet->page) ?
		0 : PRINTFORMS_ETOOBIG;
}

int forms_local_render(struct forms_local *l, const json_t *doc, const char *const *forms,
	size_t nforms, const char *const *patients, size_t npatients, unsigned copies,
	const char *job_id, printforms_error *err)
{
	printforms_options opt = {0};
	json_t *copy;
	int rc;

	memset(err, 0, sizeof(*err));
	snprintf(l->job_id, sizeof(l->job_id), "%s", job_id);
	l->templates = forms_local_templates();
	opt.template_dir = l->templates;
	opt.compress = true;
	rc = printforms_open(&opt, &l->pf, err);
	if (rc != 0)
		return rc;
	/* Not the time the server built the document: this print's own. */
	copy = json_deep_copy(doc);
	if (!copy)
		return PRINTFORMS_ENOMEM;
	(void)json_object_del(copy, "render_time"); /* -1 only when it was not there */
	rc = printforms_data_parse(copy, &l->data, err);
	json_decref(copy);
	if (rc != 0)
		return rc;
	l->job = printforms_job_new();
	if (!l->job)
		return PRINTFORMS_ENOMEM;
	for (size_t i = 0; i < nforms; i++) {
		rc = printforms_job_add(l->job, forms[i], copies, patients, npatients);
		if (rc != 0) {
			snprintf(err->where, sizeof(err->where), "job /%zu", i);
			snprintf(err->message, sizeof(err->message), "%s", printforms_strerror(rc));
			return rc;
		}
	}
	return printforms_print(l->pf, l->job, l->data, next_serial, l, &l->res, err);
}

void forms_local_free(struct forms_local *l)
{
	printforms_result_free(l->res);
	printforms_job_free(l->job);
	printforms_data_free(l->data);
	printforms_close(l->pf);
	memset(l, 0, sizeof(*l));
}
