/*
 * pf_set — the structs behind printforms.h's opaque set and job handles,
 * shared by the modules of printforms. Internal.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "printforms.h"
#include "pf_template.h"
#include "pf_text.h"

struct printforms {
	pf_metrics *metrics;   /* owned; read-only after open */
	pf_template **forms;   /* owned, sorted by code */
	size_t n_forms;
	char *font_path;       /* owned */
	unsigned font_index;
	bool compress;
};

const pf_template *pf_set_find(const printforms *pf, const char *code);

typedef struct pf_job_item {
	char *form;            /* owned */
	unsigned copies;
	char **patients;       /* owned, n_patients strings; none = all */
	size_t n_patients;
} pf_job_item;

struct printforms_job {
	pf_job_item *items;
	size_t n, cap;
};
