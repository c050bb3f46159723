/*
 * libFuzzer target: printforms' data parser and layout (printforms/). The
 * data comes from the HIS's census (and, offline, from a file on the
 * client's disk): hostile JSON, absurd texts and numbers must give an error,
 * never a crash. Each input is parsed as a data document; when it parses,
 * every form is planned for every patient (text measured, wrapped, paged).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "lifeline_build.h"
#include "printforms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static printforms *set;

static printforms *templates(void)
{
	printforms_options opt = { .template_dir = LIFELINE_SOURCE_ROOT "/printforms/templates" };
	printforms_error err;

	if (!set && printforms_open(&opt, &set, &err) != 0)
		abort();   /* the templates of the tree must load */
	return set;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	printforms *pf = templates();
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);
	printforms_data *d = NULL;
	printforms_job *job;
	printforms_plan *plan = NULL;
	printforms_error err;

	if (!doc)
		return 0;
	if (printforms_data_parse(doc, &d, &err) == 0 && (job = printforms_job_new())) {
		for (size_t i = 0; i < printforms_count(pf); i++)
			if (printforms_job_add(job, printforms_form(pf, i)->code, 1, NULL, 0) != 0)
				break;
		if (printforms_plan_new(pf, job, d, &plan, &err) == 0) {
			for (size_t i = 0; i < printforms_plan_sheets(plan); i++)
				(void)printforms_plan_sheet(plan, i);
			printforms_plan_free(plan);
		}
		printforms_job_free(job);
	}
	printforms_data_free(d);
	json_decref(doc);
	return 0;
}
