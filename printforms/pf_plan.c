#include "pf_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_error.h"

/*
 * arr (n elements of size, capacity *cap) with room for one more: arr
 * itself or a larger copy. Out of memory, arr is returned unchanged and so
 * is *cap, which the caller sees as n == *cap.
 */
static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return arr;
	p = realloc(arr, c * size);
	if (!p)
		return arr;
	*cap = c;
	return p;
}

/* Room for one more element in the array field arr of o: 0 or PRINTFORMS_ENOMEM. */
#define PUSH(o, arr, n, cap) \
	((o)->arr = grow((o)->arr, &(o)->cap, (o)->n, sizeof *(o)->arr), (o)->n < (o)->cap ? 0 : PRINTFORMS_ENOMEM)

/* ---- rows ---- */

struct dose_ref {
	const pf_order *order;
	const char *time;
	time_t t;
	size_t seq;
};

static int cmp_dose(const void *a, const void *b)
{
	const struct dose_ref *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int add_row(pf_rowset *rs, size_t *cap, pf_row row)
{
	rs->rows = grow(rs->rows, cap, rs->n, sizeof *rs->rows);
	if (rs->n == *cap)
		return PRINTFORMS_ENOMEM;
	rs->rows[rs->n++] = row;
	return 0;
}

/* A patient's doses, in time order (order of the data where times tie). */
static int add_doses(pf_rowset *rs, size_t *cap, const pf_patient *p)
{
	size_t n = 0, k = 0;
	struct dose_ref *refs;
	int rc = 0;

	for (size_t i = 0; i < p->n_orders; i++)
		n += p->orders[i].n_doses;
	if (!n)
		return 0;
	refs = calloc(n, sizeof *refs);
	if (!refs)
		return PRINTFORMS_ENOMEM;
	for (size_t i = 0; i < p->n_orders; i++) {
		for (size_t j = 0; j < p->orders[i].n_doses; j++, k++) {
			pf_time tm = { 0, 0 };
			(void)pf_time_parse(p->orders[i].next_doses[j], &tm); /* checked by the parser */
			refs[k] = (struct dose_ref){ &p->orders[i], p->orders[i].next_doses[j], tm.t, k };
		}
	}
	qsort(refs, n, sizeof *refs, cmp_dose);
	for (k = 0; k < n && !rc; k++)
		rc = add_row(rs, cap, (pf_row){ .patient = p, .order = refs[k].order, .dose_time = refs[k].time });
	free(refs);
	return rc;
}

static int fill_rows(const printforms_data *d, enum pf_rows kind, const pf_patient *const *pts,
	size_t n_pts, pf_rowset *rs)
{
	size_t cap = 0;
	int rc = 0;

	switch (kind) {
	case PF_ROWS_NONE:
		break;
	case PF_ROWS_PATIENTS:
		for (size_t i = 0; i < n_pts && !rc; i++)
			rc = add_row(rs, &cap, (pf_row){ .patient = pts[i] });
		break;
	case PF_ROWS_ORDERS:
		for (size_t i = 0; i < n_pts; i++)
			for (size_t j = 0; j < pts[i]->n_orders && !rc; j++)
				rc = add_row(rs, &cap, (pf_row){ .patient = pts[i], .order = &pts[i]->orders[j] });
		break;
	case PF_ROWS_DOSES:
		for (size_t i = 0; i < n_pts && !rc; i++)
			rc = add_doses(rs, &cap, pts[i]);
		break;
	case PF_ROWS_PRICES:
		for (size_t i = 0; i < d->n_prices && !rc; i++)
			rc = add_row(rs, &cap, (pf_row){ .price = &d->prices[i] });
		break;
	case PF_ROWS_OUTPATIENT_NUMBERS:
	case PF_ROWS_INPATIENT_NUMBERS:
		for (size_t i = 0; i < d->n_ranges && !rc; i++) {
			const pf_range *r = &d->ranges[i];
			if (r->inpatient != (kind == PF_ROWS_INPATIENT_NUMBERS))
				continue;
			for (long k = r->first; k <= r->last && !rc; k++)
				rc = add_row(rs, &cap, (pf_row){ .range = r, .number = k });
		}
		break;
	}
	return rc;
}

/* The rows of every table of t, for these patients; kept by the plan. */
static int make_tables(printforms_plan *plan, const pf_template *t, const pf_patient *const *pts,
	size_t n_pts, const pf_rowset **out)
{
	pf_rowset *tables;

	if (PUSH(plan, rowsets, n_rowsets, cap_rowsets))
		return PRINTFORMS_ENOMEM;
	tables = calloc(t->n_blocks, sizeof *tables);
	if (!tables)
		return PRINTFORMS_ENOMEM;
	plan->rowsets[plan->n_rowsets++] = (struct pf_tables){ tables, t->n_blocks };
	for (size_t b = 0; b < t->n_blocks; b++)
		if (t->blocks[b].type == PF_BLOCK_TABLE &&
		    fill_rows(plan->data, t->blocks[b].rows, pts, n_pts, &tables[b]))
			return PRINTFORMS_ENOMEM;
	*out = tables;
	return 0;
}

/* ---- scopes ---- */

void pf_plan_scope(const printforms_plan *plan, const pf_instance *inst, pf_scope *out)
{
	memset(out, 0, sizeof *out);
	out->data = plan->data;
	out->printed = plan->printed;
	out->patient = inst->patient;
}

void pf_plan_row_scope(const printforms_plan *plan, const pf_instance *inst, const pf_rowset *rs,
	size_t r, pf_scope *out)
{
	const pf_row *row = &rs->rows[r];

	pf_plan_scope(plan, inst, out);
	if (row->patient)
		out->patient = row->patient;
	out->order = row->order;
	out->dose_time = row->dose_time;
	out->price = row->price;
	out->range = row->range;
	out->number = row->number;
}

/* ---- pagination ---- */

struct flow {
	printforms_plan *plan;
	size_t inst;
	float y;              /* next free y on the current sheet */
	bool empty;           /* nothing placed on the current sheet yet */
	printforms_error *err;
};

static const pf_instance *flow_inst(const struct flow *f)
{
	return &f->plan->insts[f->inst];
}

static int new_sheet(struct flow *f)
{
	printforms_plan *plan = f->plan;

	if (PUSH(plan, sheets, n_sheets, cap_sheets))
		return pf_fail(f->err, PRINTFORMS_ENOMEM, "plan", "out of memory");
	plan->sheets[plan->n_sheets++] = (pf_sheet){ f->inst, plan->n_places, 0 };
	f->y = flow_inst(f)->geom.body_top;
	f->empty = true;
	return 0;
}

static int place(struct flow *f, size_t block, size_t from, size_t to)
{
	printforms_plan *plan = f->plan;

	if (PUSH(plan, places, n_places, cap_places))
		return pf_fail(f->err, PRINTFORMS_ENOMEM, "plan", "out of memory");
	plan->places[plan->n_places++] = (pf_place){ block, f->y, from, to };
	plan->sheets[plan->n_sheets - 1].n_places++;
	f->empty = false;
	return 0;
}

static int too_tall(struct flow *f, size_t block, const char *what)
{
	const pf_instance *in = flow_inst(f);
	char where[160];

	snprintf(where, sizeof where, "form %s%s%s /blocks/%zu", in->t->info.code,
		in->patient ? " patient " : "", in->patient ? in->patient->id : "", block);
	return pf_fail(f->err, PRINTFORMS_ETOOBIG, where, "%s does not fit on one page", what);
}

/* A block of fixed height h: on this sheet if it fits, else on a new one. */
static int flow_fixed(struct flow *f, size_t block, float h)
{
	const pf_geom *g = &flow_inst(f)->geom;
	int rc;

	if (h > g->body_top - g->body_bot)
		return too_tall(f, block, "the block");
	if (f->y - h < g->body_bot && !f->empty && (rc = new_sheet(f)))
		return rc;
	if ((rc = place(f, block, 0, 0)))
		return rc;
	f->y -= h + PF_BLOCK_GAP;
	return 0;
}

static float fixed_height(const printforms_plan *plan, const pf_instance *in, size_t block)
{
	const pf_block *b = &in->t->blocks[block];
	const pf_metrics *m = plan->pf->metrics;
	pf_scope s;

	pf_plan_scope(plan, in, &s);
	switch (b->type) {
	case PF_BLOCK_FIELDS: return pf_fields_height(m, &in->geom, b, &s);
	case PF_BLOCK_TEXT: return pf_text_block_height(m, &in->geom, b);
	case PF_BLOCK_SIGNATURES: return pf_signatures_height(&in->geom);
	case PF_BLOCK_TABLE: return 0;
	}
	return 0;
}

/* Height the blocks after block need on the page, up to the next table. */
static float reserve_after(const printforms_plan *plan, const pf_instance *in, size_t block)
{
	float h = 0;

	for (size_t b = block + 1; b < in->t->n_blocks && in->t->blocks[b].type != PF_BLOCK_TABLE; b++)
		h += fixed_height(plan, in, b) + PF_BLOCK_GAP;
	return h;
}

static int flow_table(struct flow *f, size_t block)
{
	const printforms_plan *plan = f->plan;
	const pf_instance *in = flow_inst(f);
	const pf_block *b = &in->t->blocks[block];
	const pf_rowset *rs = &in->tables[block];
	const pf_geom *g = &in->geom;
	float widths[PF_MAX_COLUMNS], head, rh;
	size_t n = rs->n + b->blank_rows, from = 0;
	int rc;

	pf_table_widths(g, b, widths);
	head = pf_table_header_height(plan->pf->metrics, g, b, widths);
	for (size_t r = 0; r <= n; r++) {
		pf_scope s;

		if (r < rs->n)
			pf_plan_row_scope(plan, in, rs, r, &s);
		rh = r == n ? 0 : pf_table_row_height(plan->pf->metrics, g, b, widths, r < rs->n ? &s : NULL);
		if (head + rh > g->body_top - g->body_bot)
			return too_tall(f, block, "a table row");
		if (r == from) { /* the table starts (again) here: its header and one row must fit */
			if (f->y - head - rh < g->body_bot && !f->empty && (rc = new_sheet(f)))
				return rc;
			if ((rc = place(f, block, from, from)))
				return rc;
			f->y -= head;
		} else if (f->y - rh < g->body_bot) {
			if ((rc = new_sheet(f)) || (rc = place(f, block, r, r)))
				return rc;
			from = r;
			f->y -= head;
		}
		f->y -= rh;
		f->plan->places[f->plan->n_places - 1].to = r < n ? r + 1 : n;
	}
	if (b->fill_page) {
		float room = f->y - g->body_bot - reserve_after(plan, in, block);
		size_t k = room > 0 ? (size_t)(room / g->row_h) : 0;

		f->plan->places[f->plan->n_places - 1].to += k;
		f->y -= (float)k * g->row_h;
	}
	f->y -= PF_BLOCK_GAP;
	return 0;
}

static int flow_instance(printforms_plan *plan, size_t inst, printforms_error *err)
{
	struct flow f = { plan, inst, 0, true, err };
	const pf_template *t = plan->insts[inst].t;
	int rc = new_sheet(&f);

	for (size_t b = 0; b < t->n_blocks && !rc; b++) {
		if (t->blocks[b].type == PF_BLOCK_TABLE)
			rc = flow_table(&f, b);
		else
			rc = flow_fixed(&f, b, fixed_height(plan, &plan->insts[inst], b));
	}
	return rc;
}

static int add_instance(printforms_plan *plan, const pf_template *t, const pf_patient *p,
	const pf_rowset *tables, printforms_error *err)
{
	for (size_t c = 0; c < (t->n_copies ? t->n_copies : 1); c++) {
		pf_instance *in;
		int rc;

		if (PUSH(plan, insts, n_insts, cap_insts))
			return pf_fail(err, PRINTFORMS_ENOMEM, "plan", "out of memory");
		in = &plan->insts[plan->n_insts++];
		*in = (pf_instance){ .t = t, .patient = p, .copy = t->n_copies ? t->copies[c] : NULL, .tables = tables };
		pf_geom_init(&in->geom, t, plan->pf->metrics);
		if ((rc = flow_instance(plan, plan->n_insts - 1, err)))
			return rc;
	}
	return 0;
}

/* The chosen patients of item, in the data's order (all when none are named). */
static int select_patients(const printforms_data *d, const pf_job_item *item, size_t index,
	const pf_patient **out, size_t *n, printforms_error *err)
{
	*n = 0;
	for (size_t j = 0; j < item->n_patients; j++) {
		if (!pf_data_patient(d, item->patients[j])) {
			char where[64];
			snprintf(where, sizeof where, "job /%zu/patients/%zu", index, j);
			return pf_fail(err, PRINTFORMS_ENOTFOUND, where, "no patient \"%s\" in the data",
				item->patients[j]);
		}
	}
	for (size_t i = 0; i < d->n_patients; i++) {
		bool chosen = item->n_patients == 0;
		for (size_t j = 0; j < item->n_patients && !chosen; j++)
			chosen = strcmp(item->patients[j], d->patients[i].id) == 0;
		if (chosen)
			out[(*n)++] = &d->patients[i];
	}
	return 0;
}

static int plan_item(printforms_plan *plan, const pf_job_item *item, size_t index,
	const pf_patient **pts, printforms_error *err)
{
	const pf_template *t = pf_set_find(plan->pf, item->form);
	const pf_rowset *tables;
	size_t n;
	int rc;

	if (!t) {
		char where[32];
		snprintf(where, sizeof where, "job /%zu/form", index);
		return pf_fail(err, PRINTFORMS_ENOTFOUND, where, "no form \"%s\"", item->form);
	}
	if ((rc = select_patients(plan->data, item, index, pts, &n, err)))
		return rc;
	if (!t->info.per_patient) {
		if (make_tables(plan, t, pts, n, &tables))
			return pf_fail(err, PRINTFORMS_ENOMEM, "plan", "out of memory");
		for (unsigned c = 0; c < item->copies && !rc; c++)
			rc = add_instance(plan, t, NULL, tables, err);
		return rc;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		if (make_tables(plan, t, &pts[i], 1, &tables))
			return pf_fail(err, PRINTFORMS_ENOMEM, "plan", "out of memory");
		for (unsigned c = 0; c < item->copies && !rc; c++)
			rc = add_instance(plan, t, pts[i], tables, err);
	}
	return rc;
}

static int publish(printforms_plan *plan, printforms_error *err)
{
	plan->pub = calloc(plan->n_sheets, sizeof *plan->pub);
	if (!plan->pub)
		return pf_fail(err, PRINTFORMS_ENOMEM, "plan", "out of memory");
	for (size_t i = 0; i < plan->n_sheets; i++) {
		const pf_instance *in = &plan->insts[plan->sheets[i].inst];
		plan->pub[i] = (printforms_sheet){ in->t->info.code, in->patient ? in->patient->id : NULL,
			in->copy, i + 1 };
	}
	return 0;
}

int printforms_plan_new(const printforms *pf, const printforms_job *job,
	const printforms_data *data, printforms_plan **out, printforms_error *err)
{
	printforms_plan *plan = calloc(1, sizeof *plan);
	const pf_patient **pts = calloc(data->n_patients + 1, sizeof *pts);
	int rc = 0;

	*out = NULL;
	if (!plan || !pts) {
		rc = pf_fail(err, PRINTFORMS_ENOMEM, "plan", "out of memory");
		goto fail;
	}
	plan->pf = pf;
	plan->data = data;
	plan->printed = data->printed_given ? data->printed.t : time(NULL);
	for (size_t i = 0; i < job->n && !rc; i++)
		rc = plan_item(plan, &job->items[i], i, pts, err);
	if (!rc && plan->n_sheets == 0)
		rc = pf_fail(err, PRINTFORMS_EINVAL, "job", "the job prints no sheet (no items, or no patients)");
	if (!rc)
		rc = publish(plan, err);
	if (rc)
		goto fail;
	free(pts);
	*out = plan;
	return 0;
fail:
	free(pts);
	printforms_plan_free(plan);
	return rc;
}

void printforms_plan_free(printforms_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_rowsets; i++) {
		for (size_t b = 0; b < plan->rowsets[i].n; b++)
			free(plan->rowsets[i].sets[b].rows);
		free(plan->rowsets[i].sets);
	}
	free(plan->rowsets);
	free(plan->insts);
	free(plan->sheets);
	free(plan->places);
	free(plan->pub);
	free(plan);
}

size_t printforms_plan_sheets(const printforms_plan *plan)
{
	return plan->n_sheets;
}

const printforms_sheet *printforms_plan_sheet(const printforms_plan *plan, size_t i)
{
	return i < plan->n_sheets ? &plan->pub[i] : NULL;
}
