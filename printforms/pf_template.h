/*
 * pf_template — one form template: its JSON checked and turned into structs.
 *
 * The JSON is described by schemas/forms/template.schema.json; this loader
 * checks the same rules itself (printforms uses nothing of Lifeline, not
 * even proto's validator) and more: that every field a form prints exists
 * where the form uses it, and that the font can draw every fixed text.
 *
 * Ownership: a pf_template keeps a reference to its JSON document; all its
 * strings point into that document and live as long as the template.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "printforms.h"
#include "pf_text.h"

/* Where a value can come from: the bits of a field's context. */
enum pf_ctx {
	PF_CTX_DEPT = 1 << 0,      /* the department and snapshot: everywhere */
	PF_CTX_PATIENT = 1 << 1,
	PF_CTX_ORDER = 1 << 2,
	PF_CTX_DOSE = 1 << 3,
	PF_CTX_PRICE = 1 << 4,
	PF_CTX_NUMBER = 1 << 5,    /* a temporary number of a range */
};

enum pf_field {
	PF_F_BLANK = 0, /* no data: left for handwriting */
	PF_F_HOSPITAL, PF_F_DEPARTMENT, PF_F_DEPARTMENT_CODE, PF_F_OUTAGE, PF_F_SNAPSHOT,
	PF_F_PRINTED, PF_F_PATIENT_COUNT, PF_F_OUTPATIENT_RANGE, PF_F_INPATIENT_RANGE,
	PF_F_BED, PF_F_INPATIENT_NO, PF_F_NAME, PF_F_SEX, PF_F_AGE, PF_F_FEE_CATEGORY,
	PF_F_DIAGNOSIS, PF_F_ALLERGIES, PF_F_ADMITTED,
	PF_F_DRUG, PF_F_SPEC, PF_F_DOSE, PF_F_ROUTE, PF_F_FREQUENCY, PF_F_ORDER_KIND,
	PF_F_ORDER_START, PF_F_DOSE_TIME,
	PF_F_CODE, PF_F_UNIT, PF_F_PRICE,
	PF_F_NUMBER,
	PF_F_COUNT
};

/* The field's name in templates ("inpatient_no"), and which contexts hold it (any bit). */
const char *pf_field_name(enum pf_field f);
unsigned pf_field_ctx(enum pf_field f);
/* PF_F_BLANK when unknown. */
enum pf_field pf_field_find(const char *name);

/* What a table iterates. */
enum pf_rows {
	PF_ROWS_NONE,               /* blank rows only */
	PF_ROWS_PATIENTS,
	PF_ROWS_ORDERS,             /* active medication orders */
	PF_ROWS_DOSES,              /* scheduled doses of those orders */
	PF_ROWS_PRICES,
	PF_ROWS_OUTPATIENT_NUMBERS, /* every number of the outpatient ranges */
	PF_ROWS_INPATIENT_NUMBERS,
};

typedef struct pf_item {
	const char *label;   /* fields: the label; table: the column title */
	enum pf_field field; /* PF_F_BLANK = leave empty */
	const char *key;     /* the field's name as written, for error reports */
	float width;         /* table: relative width; fields: columns spanned */
} pf_item;

enum pf_block_type { PF_BLOCK_FIELDS, PF_BLOCK_TABLE, PF_BLOCK_TEXT, PF_BLOCK_SIGNATURES };

typedef struct pf_block {
	enum pf_block_type type;
	pf_item *items;        /* fields, columns or signature labels */
	size_t n_items;
	unsigned columns;      /* fields: grid columns */
	enum pf_rows rows;     /* table */
	unsigned blank_rows;   /* table: empty rows after the data */
	bool fill_page;        /* table: then empty rows to the foot of the page */
	const char *text;      /* text: printed text (may be NULL) */
	const char *label;     /* text: a heading (may be NULL) */
	unsigned lines;        /* text: ruled lines for handwriting */
} pf_block;

typedef struct pf_template {
	json_t *doc;            /* owned reference */
	printforms_form_info info;
	bool a5;
	const char *copies[4];  /* 联 labels; none = one unlabelled copy */
	size_t n_copies;
	pf_block *blocks;
	size_t n_blocks;
	pf_block stub;          /* a fields block, n_items 0 when there is no stub */
	const char *stub_title;
} pf_template;

/*
 * Check doc (the JSON of file, named in errors) and build *out; the
 * template takes its own reference to doc. Fixed texts the font cannot draw
 * are an error. Free with pf_template_free().
 */
int pf_template_load(json_t *doc, const char *file, const pf_metrics *m, pf_template **out,
	printforms_error *err) PRINTFORMS_MUST_CHECK;
void pf_template_free(pf_template *t);
