/*
 * pf_plan — a job laid out: the instances of each form, which sheets they
 * take, and where each block (and each run of table rows) sits on a sheet.
 * Made by printforms_plan_new() (pf_plan.c), drawn by pf_render.c.
 *
 * Ownership: the plan owns its arrays; it points into the set, the job and
 * the data, which must outlive it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "pf_data.h"
#include "pf_layout.h"
#include "pf_set.h"

/* One data row of a table: what its cells are taken from. */
typedef struct pf_row {
	const pf_patient *patient;
	const pf_order *order;
	const char *dose_time;
	const pf_price *price;
	const pf_range *range;
	long number;
} pf_row;

typedef struct pf_rowset {
	pf_row *rows;
	size_t n;
} pf_rowset;

/* A form filled for one context (the department or a patient) in one copy. */
typedef struct pf_instance {
	const pf_template *t;
	const pf_patient *patient;  /* per-patient forms, else NULL */
	const char *copy;           /* 联 label, or NULL */
	const pf_rowset *tables;    /* one per block of t (empty for non-tables) */
	pf_geom geom;
} pf_instance;

/* A block on a sheet; for a table, the rows [from, to) drawn there
 * (rows from tables[block].n on are blank rows for handwriting). */
typedef struct pf_place {
	size_t block;
	float y;       /* top edge */
	size_t from, to;
} pf_place;

typedef struct pf_sheet {
	size_t inst;   /* index into insts */
	size_t first_place, n_places;
} pf_sheet;

struct printforms_plan {
	const printforms *pf;
	const printforms_data *data;
	time_t printed;            /* printed on every sheet, and the snapshot age */
	pf_instance *insts;
	size_t n_insts, cap_insts;
	pf_sheet *sheets;
	size_t n_sheets, cap_sheets;
	pf_place *places;
	size_t n_places, cap_places;
	struct pf_tables {         /* every tables array made, to free */
		pf_rowset *sets;
		size_t n;
	} *rowsets;
	size_t n_rowsets, cap_rowsets;
	printforms_sheet *pub;     /* n_sheets, what printforms_plan_sheet() gives out */
};

/* The scope of data row r of a table in inst (r past the data: NULL scope = blank row). */
void pf_plan_row_scope(const printforms_plan *plan, const pf_instance *inst, const pf_rowset *rs,
	size_t r, pf_scope *out);
/* The scope of inst's fields blocks. */
void pf_plan_scope(const printforms_plan *plan, const pf_instance *inst, pf_scope *out);
