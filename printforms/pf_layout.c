#include "pf_layout.h"

#include <stdio.h>
#include <string.h>

#define A4_SHORT 595.28f
#define A4_LONG 841.89f
#define A5_SHORT 419.53f

void pf_geom_init(pf_geom *g, const pf_template *t, const pf_metrics *m)
{
	float shorter = t->a5 ? A5_SHORT : A4_SHORT, longer = t->a5 ? A4_SHORT : A4_LONG;

	memset(g, 0, sizeof *g);
	g->w = t->info.landscape ? longer : shorter;
	g->h = t->info.landscape ? shorter : longer;
	g->margin = t->a5 ? 20 : 28;
	g->qr = t->a5 ? 50 : 58;
	g->header_h = g->qr + 12 > 68 ? g->qr + 12 : 68; /* room for two lines of department and snapshot */
	g->footer_h = 12;
	g->text_size = t->a5 ? 8.5f : 9;
	g->min_size = 6.5f;
	g->label_size = t->a5 ? 7.5f : 8;
	g->row_h = t->a5 ? 16 : 18;
	g->body_top = g->h - g->margin - g->header_h - 4;
	g->body_bot = g->margin + g->footer_h + 4;
	if (t->stub.n_items) {
		/* dashed cut line and title, the grid, and the stub's serial line */
		g->stub_h = 14 + pf_fields_height(m, g, &t->stub, NULL) + 12;
		g->body_bot += g->stub_h;
	}
}

/* ---- values ---- */

static const char *dept_value(enum pf_field field, const pf_scope *s, char *buf, size_t cap)
{
	const printforms_data *d = s->data;
	pf_time printed = { s->printed, d->snapshot.offset_min };

	switch (field) {
	case PF_F_HOSPITAL: return d->hospital;
	case PF_F_DEPARTMENT: return d->dept_name;
	case PF_F_DEPARTMENT_CODE: return d->dept_code;
	case PF_F_OUTAGE: return d->outage_id;
	case PF_F_SNAPSHOT: pf_time_format(&d->snapshot, buf, cap); return buf;
	case PF_F_PRINTED:
		if (d->printed_given)
			printed.offset_min = d->printed.offset_min;
		pf_time_format(&printed, buf, cap);
		return buf;
	case PF_F_PATIENT_COUNT: snprintf(buf, cap, "%zu", d->n_patients); return buf;
	case PF_F_OUTPATIENT_RANGE: pf_range_text(d, false, buf, cap); return buf;
	case PF_F_INPATIENT_RANGE: pf_range_text(d, true, buf, cap); return buf;
	default: return "";
	}
}

static const char *patient_value(enum pf_field field, const pf_patient *p)
{
	switch (field) {
	case PF_F_BED: return p->bed;
	case PF_F_INPATIENT_NO: return p->inpatient_no;
	case PF_F_NAME: return p->name;
	case PF_F_SEX: return p->sex;
	case PF_F_AGE: return p->age;
	case PF_F_FEE_CATEGORY: return p->fee_category;
	case PF_F_DIAGNOSIS: return p->diagnosis;
	case PF_F_ALLERGIES: return p->allergies;
	case PF_F_ADMITTED: return p->admitted;
	default: return "";
	}
}

/* "03-01 08:00" from an RFC 3339 time (checked when the data was parsed). */
static const char *short_time(const char *rfc3339, char *buf, size_t cap)
{
	pf_time tm;
	char full[32];

	if (!pf_time_parse(rfc3339, &tm))
		return rfc3339;
	pf_time_format(&tm, full, sizeof full);
	snprintf(buf, cap, "%s", full + 5);
	return buf;
}

static const char *order_value(enum pf_field field, const pf_order *o, char *buf, size_t cap)
{
	switch (field) {
	case PF_F_DRUG: return o->drug;
	case PF_F_SPEC: return o->spec;
	case PF_F_DOSE: return o->dose;
	case PF_F_ROUTE: return o->route;
	case PF_F_FREQUENCY: return o->frequency;
	case PF_F_ORDER_KIND: return o->kind;
	case PF_F_ORDER_START: return *o->start ? short_time(o->start, buf, cap) : "";
	default: return "";
	}
}

static const char *price_value(enum pf_field field, const pf_price *p)
{
	switch (field) {
	case PF_F_DRUG: return p->drug;
	case PF_F_SPEC: return p->spec;
	case PF_F_CODE: return p->code;
	case PF_F_UNIT: return p->unit;
	case PF_F_PRICE: return p->price;
	default: return "";
	}
}

const char *pf_value(enum pf_field field, const pf_scope *s, char *buf, size_t cap)
{
	unsigned ctx = pf_field_ctx(field);

	buf[0] = '\0';
	if (!s || field == PF_F_BLANK)
		return "";
	if (ctx & PF_CTX_DEPT)
		return dept_value(field, s, buf, cap);
	if (ctx & PF_CTX_DOSE)
		return s->dose_time ? short_time(s->dose_time, buf, cap) : "";
	if ((ctx & PF_CTX_ORDER) && s->order)
		return order_value(field, s->order, buf, cap);
	if ((ctx & PF_CTX_PRICE) && s->price)
		return price_value(field, s->price);
	if ((ctx & PF_CTX_PATIENT) && s->patient)
		return patient_value(field, s->patient);
	if ((ctx & PF_CTX_NUMBER) && s->range) {
		pf_range_number(s->range, s->number, buf, cap);
		return buf;
	}
	return "";
}

/* ---- cells ---- */

pf_cell pf_cell_fit(const pf_metrics *m, const char *text, float width, float size, float min_size,
	unsigned max_lines)
{
	pf_cell c = { text, pf_text_uncovered(m, text), { size, 1 }, 0 };

	if (!c.missing)
		c.fit = pf_text_fit(m, text, width - 2 * PF_CELL_PAD, size, min_size, max_lines);
	c.height = (float)(c.fit.lines ? c.fit.lines : 1) * c.fit.size * PF_LINE_GAP + 2 * PF_CELL_PAD;
	return c;
}

/* ---- fields ---- */

static unsigned span_of(const pf_item *it)
{
	return it->width >= 1 ? (unsigned)it->width : 1;
}

size_t pf_fields_row_end(const pf_block *b, size_t first)
{
	unsigned used = 0;
	size_t i = first;

	while (i < b->n_items && used + span_of(&b->items[i]) <= b->columns) {
		used += span_of(&b->items[i]);
		i++;
	}
	return i > first ? i : first + 1;
}

float pf_fields_col_w(const pf_geom *g, const pf_block *b)
{
	return (g->w - 2 * g->margin) / (float)b->columns;
}

float pf_fields_label_w(const pf_metrics *m, const pf_geom *g, const pf_item *it)
{
	return pf_text_width(m, it->label, strlen(it->label), g->label_size) + 6;
}

float pf_fields_row_height(const pf_metrics *m, const pf_geom *g, const pf_block *b, size_t first,
	size_t end, const pf_scope *s)
{
	float h = g->row_h, col_w = pf_fields_col_w(g, b);

	for (size_t i = first; i < end; i++) {
		const pf_item *it = &b->items[i];
		char buf[256];
		const char *v = pf_value(it->field, s, buf, sizeof buf);
		float w = col_w * (float)span_of(it) - pf_fields_label_w(m, g, it) - 4;
		pf_cell c = pf_cell_fit(m, v, w, g->text_size, g->min_size, 2);

		if (c.height > h)
			h = c.height;
	}
	return h;
}

float pf_fields_height(const pf_metrics *m, const pf_geom *g, const pf_block *b, const pf_scope *s)
{
	float h = 0;

	for (size_t i = 0; i < b->n_items;) {
		size_t end = pf_fields_row_end(b, i);
		h += pf_fields_row_height(m, g, b, i, end, s);
		i = end;
	}
	return h;
}

/* ---- tables ---- */

void pf_table_widths(const pf_geom *g, const pf_block *b, float widths[PF_MAX_COLUMNS])
{
	float total = 0, avail = g->w - 2 * g->margin;

	for (size_t i = 0; i < b->n_items; i++)
		total += b->items[i].width;
	for (size_t i = 0; i < b->n_items; i++)
		widths[i] = avail * b->items[i].width / total;
}

float pf_table_header_height(const pf_metrics *m, const pf_geom *g, const pf_block *b,
	const float *widths)
{
	float h = g->row_h;

	for (size_t i = 0; i < b->n_items; i++) {
		pf_cell c = pf_cell_fit(m, b->items[i].label, widths[i], g->label_size, g->min_size, 2);
		if (c.height > h)
			h = c.height;
	}
	return h;
}

float pf_table_row_height(const pf_metrics *m, const pf_geom *g, const pf_block *b,
	const float *widths, const pf_scope *s)
{
	float h = g->row_h;

	if (!s)
		return h;
	for (size_t i = 0; i < b->n_items; i++) {
		char buf[256];
		const char *v = pf_value(b->items[i].field, s, buf, sizeof buf);
		pf_cell c = pf_cell_fit(m, v, widths[i], g->text_size, g->min_size, 2);

		if (c.height > h)
			h = c.height;
	}
	return h;
}

/* ---- text and signatures ---- */

float pf_text_block_height(const pf_metrics *m, const pf_geom *g, const pf_block *b)
{
	float h = 0, w = g->w - 2 * g->margin;

	if (b->label)
		h += g->text_size * 1.5f;
	if (b->text)
		h += (float)pf_text_lines(m, b->text, g->label_size, w) * g->label_size * PF_LINE_GAP + 2;
	return h + (float)b->lines * g->row_h;
}

float pf_signatures_height(const pf_geom *g)
{
	return g->row_h + 6;
}
