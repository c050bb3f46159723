#include "pf_render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_error.h"
#include "pf_font.h"
#include "pf_plan.h"
#include "pf_qr.h"

/* Every fixed text the renderer prints; printforms_open() checks the font has them. */
#define T_TAG "停机应急表单 / downtime form"
#define T_HANDWRITE "手写"
#define T_CUT "- - 沿此线剪下 - -"
#define T_CONTINUED "（续）"
#define T_FOOT_NOTE "停机应急表单 · 系统恢复后按流水号补录"

static const char *const fixed_texts[] = {
	T_TAG, T_HANDWRITE, T_CUT, T_CONTINUED, T_FOOT_NOTE,
	"科室：（）　快照：距打印停机编号：流水号打印第页 / 0123456789",
	"分钟小时天岁；–—", "流水号 ",
};

uint32_t pf_render_uncovered(const pf_metrics *m)
{
	for (size_t i = 0; i < sizeof fixed_texts / sizeof *fixed_texts; i++) {
		uint32_t cp = pf_text_uncovered(m, fixed_texts[i]);
		if (cp)
			return cp;
	}
	return 0;
}

struct render {
	const printforms_plan *plan;
	const pf_metrics *m;
	HPDF_Doc doc;
	HPDF_Font font;
	HPDF_Page page;
	const pf_instance *in;
	const pf_geom *g;
	size_t sheet;             /* index of the sheet being drawn */
	const char *serial;
	printforms_result *res;
	size_t cap_marks;
	int rc;                   /* first failure that is not libharu's */
	printforms_error *err;
};

/* ---- text ---- */

static void text_n(struct render *r, float x, float y, float size, const char *s, size_t len)
{
	char buf[1024];

	/* A line is far shorter than buf; a longer one would be cut on a character boundary. */
	if (len >= sizeof buf) {
		len = sizeof buf - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	HPDF_Page_BeginText(r->page);
	HPDF_Page_SetFontAndSize(r->page, r->font, size);
	HPDF_Page_TextOut(r->page, x, y, buf);
	HPDF_Page_EndText(r->page);
}

static void text(struct render *r, float x, float y, float size, const char *s)
{
	text_n(r, x, y, size, s, strlen(s));
}

static float width(const struct render *r, const char *s, float size)
{
	return pf_text_width(r->m, s, strlen(s), size);
}

/* Centred between x0 and x1, shrunk (to the minimum size) when it is wider. */
static void text_center(struct render *r, float x0, float x1, float y, float size, const char *s)
{
	float w = width(r, s, size);

	while (w > x1 - x0 && size > r->g->min_size) {
		size -= 0.5f;
		w = width(r, s, size);
	}
	text(r, x0 + (x1 - x0 - w) / 2, y, size, s);
}

/* Baseline of a line in a line box whose top is at top. */
static float baseline(float top, float size)
{
	return top - (size * PF_LINE_GAP - size) / 2 - size * 0.86f;
}

/* Draw s wrapped at size into width, lines starting at top. */
static void text_lines(struct render *r, float x, float top, float w, float size, const char *s)
{
	size_t len = strlen(s), pos = 0;

	while (pos < len && s[pos] == ' ')
		pos++;
	while (pos < len) {
		size_t next, n = pf_text_line(r->m, s + pos, len - pos, size, w, &next);
		text_n(r, x, baseline(top, size), size, s + pos, n);
		top -= size * PF_LINE_GAP;
		pos += next;
	}
}

/* ---- cells ---- */

static void add_mark(struct render *r, const char *field, const pf_patient *p, uint32_t cp)
{
	printforms_result *res = r->res;

	if (res->n_marks == r->cap_marks) {
		size_t cap = r->cap_marks ? r->cap_marks * 2 : 8;
		printforms_mark *m = realloc(res->marks, cap * sizeof *m);
		if (!m) {
			r->rc = pf_fail(r->err, PRINTFORMS_ENOMEM, "render", "out of memory");
			return;
		}
		res->marks = m;
		r->cap_marks = cap;
	}
	res->marks[res->n_marks++] = (printforms_mark){ r->sheet + 1, r->in->t->info.code,
		p ? p->id : NULL, field, cp };
}

/* The box that stands for a value the font cannot draw: staff write it by hand. */
static void handwrite_box(struct render *r, float x, float top, float w, float h)
{
	HPDF_UINT16 dash[] = { 2, 2 };

	HPDF_Page_SetLineWidth(r->page, 0.9f);
	HPDF_Page_SetDash(r->page, dash, 2, 0);
	HPDF_Page_Rectangle(r->page, x + 1.5f, top - h + 1.5f, w - 3, h - 3);
	HPDF_Page_Stroke(r->page);
	HPDF_Page_SetDash(r->page, NULL, 0, 0);
	/* the tag sits on the row's text line, so that text extraction finds it in the row */
	text(r, x + 3, top - h / 2 - 2.5f, 7, T_HANDWRITE);
}

/*
 * One value in the cell [x, x + w] × [top - h, top], fitted exactly as the
 * layout measured it (same size, minimum and line limit).
 */
static void draw_cell(struct render *r, float x, float top, float w, float h, const char *value,
	float size, const pf_item *it, const pf_patient *p)
{
	pf_cell c = pf_cell_fit(r->m, value, w, size, r->g->min_size, 2);
	float block;

	if (c.missing) {
		handwrite_box(r, x, top, w, h);
		add_mark(r, it && it->key ? it->key : "", p, c.missing);
		return;
	}
	block = (float)c.fit.lines * c.fit.size * PF_LINE_GAP;
	text_lines(r, x + PF_CELL_PAD, top - (h - block) / 2, w - 2 * PF_CELL_PAD, c.fit.size, value);
}

/* ---- the sheet's frame ---- */

struct qr_draw {
	HPDF_Page page;
	float x, top, mod;
};

static void qr_rect(void *arg, pf_qr_run run)
{
	struct qr_draw *q = arg;

	HPDF_Page_Rectangle(q->page, q->x + (float)run.x * q->mod, q->top - (float)(run.y + 1) * q->mod,
		(float)run.len * q->mod, q->mod);
}

static void draw_qr(struct render *r, float x, float top, float side)
{
	const pf_instance *in = r->in;
	char payload[160];
	QRcode *q;
	struct qr_draw d;

	if (printforms_qr_text(payload, sizeof payload, r->serial, in->t->info.code,
		    r->plan->data->dept_code, in->patient ? in->patient->id : "") != 0) {
		r->rc = pf_fail(r->err, PRINTFORMS_EINVAL, "render", "cannot build the QR text of sheet %zu",
			r->sheet + 1);
		return;
	}
	q = pf_qr_encode(payload);
	if (!q) {
		r->rc = pf_fail(r->err, PRINTFORMS_ENOMEM, "render", "QR encoding failed for sheet %zu",
			r->sheet + 1);
		return;
	}
	/* two modules of quiet zone inside the square; the page around is blank too */
	d = (struct qr_draw){ r->page, 0, 0, side / (float)(q->width + 4) };
	d.x = x + 2 * d.mod;
	d.top = top - 2 * d.mod;
	HPDF_Page_SetGrayFill(r->page, 0);
	(void)pf_qr_runs(q, qr_rect, &d);
	HPDF_Page_Fill(r->page);
	QRcode_free(q);
}

static void draw_header(struct render *r, bool continued)
{
	const pf_geom *g = r->g;
	const printforms_data *d = r->plan->data;
	const pf_template *t = r->in->t;
	float top = g->h - g->margin, left = g->margin, right = g->w - g->margin - g->qr - 6;
	char title[128], info[512], snap[32], age[48];

	draw_qr(r, g->w - g->margin - g->qr, top, g->qr);
	text_center(r, g->w - g->margin - g->qr - 4, g->w - g->margin + 4, top - g->qr - 6, 6.5f, r->serial);
	/* the downtime tag, boxed, top left */
	text(r, left + 3, top - 10, 7.5f, T_TAG);
	HPDF_Page_SetLineWidth(r->page, 0.8f);
	HPDF_Page_Rectangle(r->page, left, top - 13, width(r, T_TAG, 7.5f) + 6, 13);
	HPDF_Page_Stroke(r->page);
	text_center(r, left, right, top - 11, t->a5 ? 10 : 11, d->hospital);
	snprintf(title, sizeof title, "%s%s", t->info.name_zh, continued ? T_CONTINUED : "");
	text_center(r, left, right, top - 31, t->a5 ? 14 : 16, title);
	text_center(r, left, right, top - 41, 7, t->info.name_en);
	if (r->in->copy) {
		text(r, left + 3, top - 29, 9, r->in->copy);
		HPDF_Page_Rectangle(r->page, left, top - 33, width(r, r->in->copy, 9) + 6, 15);
		HPDF_Page_Stroke(r->page);
	}
	pf_time_format(&d->snapshot, snap, sizeof snap);
	pf_age_format(d->snapshot.t, r->plan->printed, age, sizeof age);
	snprintf(info, sizeof info, "科室：%s（%s）　快照：%s（距打印 %s）%s%s", d->dept_name, d->dept_code,
		snap, age, *d->outage_id ? "　停机编号：" : "", d->outage_id);
	{
		pf_cell c = pf_cell_fit(r->m, info, right - left, 7.5f, g->min_size, 2);
		if (c.missing) /* a department name the font lacks: the code is still printed */
			snprintf(info, sizeof info, "科室：（%s）　快照：%s（距打印 %s）", d->dept_code, snap, age);
		text_lines(r, left, top - 46, right - left, c.missing ? 7.5f : c.fit.size, info);
	}
	HPDF_Page_SetLineWidth(r->page, 1);
	HPDF_Page_MoveTo(r->page, left, top - g->header_h);
	HPDF_Page_LineTo(r->page, g->w - g->margin, top - g->header_h);
	HPDF_Page_Stroke(r->page);
}

static void draw_footer(struct render *r, size_t page, size_t pages)
{
	const pf_geom *g = r->g;
	char left[128], right[48], printed[32];
	pf_time tm = { r->plan->printed, r->plan->data->snapshot.offset_min };
	float x0, x1;

	if (r->plan->data->printed_given)
		tm.offset_min = r->plan->data->printed.offset_min;
	pf_time_format(&tm, printed, sizeof printed);
	snprintf(left, sizeof left, "流水号 %s　打印 %s", r->serial, printed);
	snprintf(right, sizeof right, "第 %zu / %zu 页", page, pages);
	x0 = g->margin + width(r, left, 7) + 12;
	x1 = g->w - g->margin - width(r, right, 7.5f) - 12;
	text(r, g->margin, g->margin + 2, 7, left);
	if (width(r, T_FOOT_NOTE, g->min_size) <= x1 - x0) /* the note only where it fits */
		text_center(r, x0, x1, g->margin + 2, 6.5f, T_FOOT_NOTE);
	text(r, g->w - g->margin - width(r, right, 7.5f), g->margin + 2, 7.5f, right);
}

/* ---- blocks ---- */

static float draw_fields(struct render *r, const pf_block *b, float top, const pf_scope *s)
{
	const pf_geom *g = r->g;
	float col_w = pf_fields_col_w(g, b);

	for (size_t i = 0; i < b->n_items;) {
		size_t end = pf_fields_row_end(b, i);
		float h = pf_fields_row_height(r->m, g, b, i, end, s), x = g->margin;

		for (size_t k = i; k < end; k++) {
			const pf_item *it = &b->items[k];
			float lw = pf_fields_label_w(r->m, g, it), cw = col_w * (it->width >= 1 ? it->width : 1);
			char buf[256];
			const char *v = pf_value(it->field, s, buf, sizeof buf);

			text(r, x + 1, top - h / 2 - g->label_size * 0.35f, g->label_size, it->label);
			draw_cell(r, x + lw, top, cw - lw - 4, h, v, g->text_size, it, s ? s->patient : NULL);
			HPDF_Page_SetLineWidth(r->page, 0.4f);
			HPDF_Page_MoveTo(r->page, x + lw, top - h + 1.5f);
			HPDF_Page_LineTo(r->page, x + cw - 4, top - h + 1.5f);
			HPDF_Page_Stroke(r->page);
			x += cw;
		}
		top -= h;
		i = end;
	}
	return top;
}

static void table_grid(struct render *r, const float *widths, size_t n_cols, float top,
	const float *row_bottoms, size_t n_rows)
{
	const pf_geom *g = r->g;
	float x = g->margin, bottom = n_rows ? row_bottoms[n_rows - 1] : top;

	HPDF_Page_SetLineWidth(r->page, 0.5f);
	HPDF_Page_MoveTo(r->page, g->margin, top);
	HPDF_Page_LineTo(r->page, g->w - g->margin, top);
	for (size_t i = 0; i < n_rows; i++) {
		HPDF_Page_MoveTo(r->page, g->margin, row_bottoms[i]);
		HPDF_Page_LineTo(r->page, g->w - g->margin, row_bottoms[i]);
	}
	for (size_t c = 0; c <= n_cols; c++) {
		HPDF_Page_MoveTo(r->page, x, top);
		HPDF_Page_LineTo(r->page, x, bottom);
		if (c < n_cols)
			x += widths[c];
	}
	HPDF_Page_Stroke(r->page);
}

static void draw_table(struct render *r, size_t block, const pf_place *pl)
{
	const pf_geom *g = r->g;
	const pf_block *b = &r->in->t->blocks[block];
	const pf_rowset *rs = &r->in->tables[block];
	float widths[PF_MAX_COLUMNS], head, x, y = pl->y;
	size_t n_rows = pl->to - pl->from + 1, k = 0;
	float *bottoms = malloc(n_rows * sizeof *bottoms);

	if (!bottoms) {
		r->rc = pf_fail(r->err, PRINTFORMS_ENOMEM, "render", "out of memory");
		return;
	}
	pf_table_widths(g, b, widths);
	head = pf_table_header_height(r->m, g, b, widths);
	HPDF_Page_SetGrayFill(r->page, 0.9f);
	HPDF_Page_Rectangle(r->page, g->margin, y - head, g->w - 2 * g->margin, head);
	HPDF_Page_Fill(r->page);
	HPDF_Page_SetGrayFill(r->page, 0);
	x = g->margin;
	for (size_t c = 0; c < b->n_items; c++) {
		draw_cell(r, x, y, widths[c], head, b->items[c].label, g->label_size, NULL, NULL);
		x += widths[c];
	}
	y -= head;
	bottoms[k++] = y;
	for (size_t row = pl->from; row < pl->to; row++) {
		pf_scope s;
		float rh;

		if (row >= rs->n) { /* a blank row for handwriting */
			y -= g->row_h;
			bottoms[k++] = y;
			continue;
		}
		pf_plan_row_scope(r->plan, r->in, rs, row, &s);
		rh = pf_table_row_height(r->m, g, b, widths, &s);
		x = g->margin;
		for (size_t c = 0; c < b->n_items; c++) {
			char buf[256];
			const char *v = pf_value(b->items[c].field, &s, buf, sizeof buf);
			draw_cell(r, x, y, widths[c], rh, v, g->text_size, &b->items[c], s.patient);
			x += widths[c];
		}
		y -= rh;
		bottoms[k++] = y;
	}
	table_grid(r, widths, b->n_items, pl->y, bottoms, k);
	free(bottoms);
}

static void draw_text_block(struct render *r, const pf_block *b, float top)
{
	const pf_geom *g = r->g;
	float w = g->w - 2 * g->margin;

	if (b->label) {
		text(r, g->margin, top - g->text_size, g->text_size, b->label);
		top -= g->text_size * 1.5f;
	}
	if (b->text) {
		text_lines(r, g->margin, top, w, g->label_size, b->text);
		top -= (float)pf_text_lines(r->m, b->text, g->label_size, w) * g->label_size * PF_LINE_GAP + 2;
	}
	HPDF_Page_SetLineWidth(r->page, 0.4f);
	for (unsigned i = 0; i < b->lines; i++) {
		top -= g->row_h;
		HPDF_Page_MoveTo(r->page, g->margin, top);
		HPDF_Page_LineTo(r->page, g->w - g->margin, top);
	}
	if (b->lines)
		HPDF_Page_Stroke(r->page);
}

static void draw_signatures(struct render *r, const pf_block *b, float top)
{
	const pf_geom *g = r->g;
	float slot = (g->w - 2 * g->margin) / (float)b->n_items, y = top - g->row_h;

	/* labels first: libharu refuses text while a path is being built */
	for (size_t i = 0; i < b->n_items; i++)
		text(r, g->margin + slot * (float)i, y + 3, g->text_size, b->items[i].label);
	HPDF_Page_SetLineWidth(r->page, 0.5f);
	for (size_t i = 0; i < b->n_items; i++) {
		float x = g->margin + slot * (float)i, lw = width(r, b->items[i].label, g->text_size) + 4;

		HPDF_Page_MoveTo(r->page, x + lw, y + 1);
		HPDF_Page_LineTo(r->page, x + slot - 10, y + 1);
	}
	HPDF_Page_Stroke(r->page);
}

static void draw_stub(struct render *r, const pf_scope *s)
{
	const pf_geom *g = r->g;
	float top = g->margin + g->footer_h + 4 + g->stub_h, bottom;
	HPDF_UINT16 dash[] = { 4, 3 };
	char serial[64];

	HPDF_Page_SetLineWidth(r->page, 0.6f);
	HPDF_Page_SetDash(r->page, dash, 2, 0);
	HPDF_Page_MoveTo(r->page, g->margin, top - 2);
	HPDF_Page_LineTo(r->page, g->w - g->margin, top - 2);
	HPDF_Page_Stroke(r->page);
	HPDF_Page_SetDash(r->page, NULL, 0, 0);
	text(r, g->margin, top - 12, g->text_size, r->in->t->stub_title);
	text(r, g->w - g->margin - width(r, T_CUT, 6.5f), top - 12, 6.5f, T_CUT);
	bottom = draw_fields(r, &r->in->t->stub, top - 14, s);
	snprintf(serial, sizeof serial, "流水号 %s", r->serial);
	text(r, g->margin, bottom - 9, 7.5f, serial);
}

/* ---- sheets and the document ---- */

static void draw_sheet(struct render *r, size_t i)
{
	const printforms_plan *plan = r->plan;
	const pf_sheet *sh = &plan->sheets[i];
	bool continued = i > 0 && plan->sheets[i - 1].inst == sh->inst;
	pf_scope s;

	r->sheet = i;
	r->in = &plan->insts[sh->inst];
	r->g = &r->in->geom;
	r->page = HPDF_AddPage(r->doc);
	if (!r->page)
		return; /* libharu has recorded why */
	HPDF_Page_SetWidth(r->page, r->g->w);
	HPDF_Page_SetHeight(r->page, r->g->h);
	draw_header(r, continued);
	draw_footer(r, i + 1, plan->n_sheets);
	pf_plan_scope(plan, r->in, &s);
	if (r->in->t->stub.n_items)
		draw_stub(r, &s);
	for (size_t p = sh->first_place; p < sh->first_place + sh->n_places && !r->rc; p++) {
		const pf_place *pl = &plan->places[p];
		const pf_block *b = &r->in->t->blocks[pl->block];

		switch (b->type) {
		case PF_BLOCK_FIELDS: (void)draw_fields(r, b, pl->y, &s); break;
		case PF_BLOCK_TABLE: draw_table(r, pl->block, pl); break;
		case PF_BLOCK_TEXT: draw_text_block(r, b, pl->y); break;
		case PF_BLOCK_SIGNATURES: draw_signatures(r, b, pl->y); break;
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every serial well formed, none twice (a repeated serial would make two sheets one). */
static int check_serials(const char *const *serials, size_t n, printforms_error *err)
{
	const char **sorted = malloc((n ? n : 1) * sizeof *sorted);
	int rc = 0;

	if (!sorted)
		return pf_fail(err, PRINTFORMS_ENOMEM, "render", "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		sorted[i] = serials[i];
		if (!serials[i] || !pf_qr_part_ok(serials[i], PRINTFORMS_SERIAL_MAX))
			rc = pf_fail(err, PRINTFORMS_EINVAL, "serials", "serial %zu must be 1-%d characters of "
				"A-Z, a-z, 0-9, '.', '_', '-'", i, PRINTFORMS_SERIAL_MAX);
	}
	if (!rc) {
		qsort(sorted, n, sizeof *sorted, cmp_str);
		for (size_t i = 1; i < n && !rc; i++)
			if (strcmp(sorted[i - 1], sorted[i]) == 0)
				rc = pf_fail(err, PRINTFORMS_EINVAL, "serials", "serial \"%s\" is given twice",
					sorted[i]);
	}
	free(sorted);
	return rc;
}

/* Copy the finished document out of libharu's memory stream. */
static int save(struct render *r, pf_hpdf_status *status)
{
	HPDF_UINT32 size;
	printforms_result *res = r->res;

	if (HPDF_SaveToStream(r->doc) != HPDF_OK)
		return pf_font_hpdf_error(status, "render", "writing the document", r->err);
	size = HPDF_GetStreamSize(r->doc);
	res->pdf = malloc(size ? size : 1);
	if (!res->pdf)
		return pf_fail(r->err, PRINTFORMS_ENOMEM, "render", "out of memory (%lu bytes of PDF)",
			(unsigned long)size);
	HPDF_ResetStream(r->doc);
	res->pdf_len = 0;
	while (res->pdf_len < size) {
		HPDF_UINT32 got = size - (HPDF_UINT32)res->pdf_len;
		HPDF_STATUS st = HPDF_ReadFromStream(r->doc, res->pdf + res->pdf_len, &got);

		res->pdf_len += got;
		if (got == 0 || (st != HPDF_OK && st != HPDF_STREAM_EOF))
			break;
	}
	if (res->pdf_len != size)
		return pf_fail(r->err, PRINTFORMS_EPDF, "render", "read %zu of %lu bytes of the document",
			res->pdf_len, (unsigned long)size);
	return 0;
}

static int new_result(const printforms_plan *plan, const char *const *serials, printforms_result **out,
	printforms_error *err)
{
	printforms_result *res = calloc(1, sizeof *res);

	*out = res;
	if (!res || !(res->serials = calloc(plan->n_sheets, sizeof *res->serials)))
		return pf_fail(err, PRINTFORMS_ENOMEM, "render", "out of memory");
	res->pages = plan->n_sheets;
	res->sheets = plan->pub;
	for (size_t i = 0; i < plan->n_sheets; i++)
		snprintf(res->serials[i], sizeof res->serials[i], "%s", serials[i]);
	return 0;
}

int printforms_render(const printforms_plan *plan, const char *const *serials, size_t n,
	printforms_result **out, printforms_error *err)
{
	const printforms *pf = plan->pf;
	pf_hpdf_status status = { 0 };
	struct render r = { .plan = plan, .m = pf->metrics, .err = err };
	int rc;

	*out = NULL;
	if (n != plan->n_sheets)
		return pf_fail(err, PRINTFORMS_EINVAL, "serials", "%zu serials for %zu sheets", n, plan->n_sheets);
	if ((rc = check_serials(serials, n, err)) || (rc = new_result(plan, serials, &r.res, err)))
		goto out;
	rc = pf_font_doc_new(pf->font_path, pf->font_index, pf->compress, &status, &r.doc, &r.font, err);
	if (rc)
		goto out;
	for (size_t i = 0; i < n && !r.rc && status.code == HPDF_OK; i++) {
		r.serial = serials[i];
		draw_sheet(&r, i);
	}
	rc = r.rc;
	if (!rc && status.code != HPDF_OK)
		rc = pf_font_hpdf_error(&status, "render", "drawing", err);
	if (!rc)
		rc = save(&r, &status);
out:
	if (r.doc)
		HPDF_Free(r.doc);
	if (rc) {
		printforms_result_free(r.res);
		return rc;
	}
	*out = r.res;
	return 0;
}

void printforms_result_free(printforms_result *res)
{
	if (!res)
		return;
	free(res->pdf);
	free(res->serials);
	free(res->marks);
	printforms_plan_free(res->plan);
	free(res);
}
