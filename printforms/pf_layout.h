/*
 * pf_layout — geometry, field values and measures shared by planning
 * (pf_plan.c: where every block goes) and drawing (pf_render.c), so that the
 * two can never disagree on a height.
 *
 * Units are PDF points, y grows upwards (libharu's page coordinates).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "pf_data.h"
#include "pf_template.h"
#include "pf_text.h"

/* The measures of one paper size and orientation. */
typedef struct pf_geom {
	float w, h;          /* page */
	float margin;
	float header_h;      /* band at the top of every sheet */
	float footer_h;
	float qr;            /* side of the QR code square */
	float body_top, body_bot; /* the flow area, stub excluded */
	float text_size, min_size, label_size;
	float row_h;         /* a table row or a fields row, at least */
	float stub_h;        /* 0 when the form has no stub */
} pf_geom;

void pf_geom_init(pf_geom *g, const pf_template *t, const pf_metrics *m);

/* What a value is taken from: the department, and the row being drawn. */
typedef struct pf_scope {
	const printforms_data *data;
	time_t printed;               /* when the job is rendered */
	const pf_patient *patient;
	const pf_order *order;
	const char *dose_time;
	const pf_price *price;
	const pf_range *range;
	long number;
} pf_scope;

/* The text of field in scope: points into the data, or into buf. Never NULL. */
const char *pf_value(enum pf_field field, const pf_scope *s, char *buf, size_t cap);

/* A value fitted into a cell. */
typedef struct pf_cell {
	const char *text;
	uint32_t missing;   /* != 0: a character the font lacks: draw a 手写 box */
	pf_fit fit;
	float height;       /* the cell's height, padding included */
} pf_cell;

#define PF_CELL_PAD 2.5f
#define PF_LINE_GAP 1.22f /* line height / font size */

pf_cell pf_cell_fit(const pf_metrics *m, const char *text, float width, float size, float min_size,
	unsigned max_lines);

/* ---- fields blocks: a grid of "label: value" items ---- */

/* Index one past the last item of the grid row that starts at item first. */
size_t pf_fields_row_end(const pf_block *b, size_t first);
/* Width of one grid column. */
float pf_fields_col_w(const pf_geom *g, const pf_block *b);
float pf_fields_label_w(const pf_metrics *m, const pf_geom *g, const pf_item *it);
float pf_fields_row_height(const pf_metrics *m, const pf_geom *g, const pf_block *b, size_t first,
	size_t end, const pf_scope *s);
float pf_fields_height(const pf_metrics *m, const pf_geom *g, const pf_block *b, const pf_scope *s);

/* ---- tables ---- */

#define PF_MAX_COLUMNS 24

void pf_table_widths(const pf_geom *g, const pf_block *b, float widths[PF_MAX_COLUMNS]);
float pf_table_header_height(const pf_metrics *m, const pf_geom *g, const pf_block *b,
	const float *widths);
/* Height of a data row (s is its scope), or of a blank row when s is NULL. */
float pf_table_row_height(const pf_metrics *m, const pf_geom *g, const pf_block *b,
	const float *widths, const pf_scope *s);

/* ---- text and signature blocks ---- */

float pf_text_block_height(const pf_metrics *m, const pf_geom *g, const pf_block *b);
float pf_signatures_height(const pf_geom *g);

/* Space between blocks. */
#define PF_BLOCK_GAP 6.0f
