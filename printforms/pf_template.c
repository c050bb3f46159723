#include "pf_template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_error.h"

#define C_D PF_CTX_DEPT
#define C_P PF_CTX_PATIENT
#define C_O PF_CTX_ORDER
#define C_S PF_CTX_DOSE
#define C_R PF_CTX_PRICE
#define C_N PF_CTX_NUMBER

static const struct {
	const char *name;
	unsigned ctx;
} fields[PF_F_COUNT] = {
	[PF_F_BLANK] = { "", 0 },
	[PF_F_HOSPITAL] = { "hospital", C_D },
	[PF_F_DEPARTMENT] = { "department", C_D },
	[PF_F_DEPARTMENT_CODE] = { "department_code", C_D },
	[PF_F_OUTAGE] = { "outage_id", C_D },
	[PF_F_SNAPSHOT] = { "snapshot_time", C_D },
	[PF_F_PRINTED] = { "print_time", C_D },
	[PF_F_PATIENT_COUNT] = { "patient_count", C_D },
	[PF_F_OUTPATIENT_RANGE] = { "outpatient_range", C_D },
	[PF_F_INPATIENT_RANGE] = { "inpatient_range", C_D },
	[PF_F_BED] = { "bed", C_P },
	[PF_F_INPATIENT_NO] = { "inpatient_no", C_P },
	[PF_F_NAME] = { "name", C_P },
	[PF_F_SEX] = { "sex", C_P },
	[PF_F_AGE] = { "age", C_P },
	[PF_F_FEE_CATEGORY] = { "fee_category", C_P },
	[PF_F_DIAGNOSIS] = { "diagnosis", C_P },
	[PF_F_ALLERGIES] = { "allergies", C_P },
	[PF_F_ADMITTED] = { "admitted", C_P },
	[PF_F_DRUG] = { "drug", C_O | C_R },
	[PF_F_SPEC] = { "spec", C_O | C_R },
	[PF_F_DOSE] = { "dose", C_O },
	[PF_F_ROUTE] = { "route", C_O },
	[PF_F_FREQUENCY] = { "frequency", C_O },
	[PF_F_ORDER_KIND] = { "order_kind", C_O },
	[PF_F_ORDER_START] = { "order_start", C_O },
	[PF_F_DOSE_TIME] = { "dose_time", C_S },
	[PF_F_CODE] = { "code", C_R },
	[PF_F_UNIT] = { "unit", C_R },
	[PF_F_PRICE] = { "price", C_R },
	[PF_F_NUMBER] = { "number", C_N },
};

const char *pf_field_name(enum pf_field f)
{
	return f < PF_F_COUNT ? fields[f].name : "";
}

unsigned pf_field_ctx(enum pf_field f)
{
	return f < PF_F_COUNT ? fields[f].ctx : 0;
}

enum pf_field pf_field_find(const char *name)
{
	for (int f = 1; f < PF_F_COUNT; f++)
		if (strcmp(fields[f].name, name) == 0)
			return (enum pf_field)f;
	return PF_F_BLANK;
}

static const char *const rows_names[] = {
	[PF_ROWS_NONE] = "none",
	[PF_ROWS_PATIENTS] = "patients",
	[PF_ROWS_ORDERS] = "orders",
	[PF_ROWS_DOSES] = "doses",
	[PF_ROWS_PRICES] = "prices",
	[PF_ROWS_OUTPATIENT_NUMBERS] = "outpatient_numbers",
	[PF_ROWS_INPATIENT_NUMBERS] = "inpatient_numbers",
};

/* The contexts a table's rows add to its form's. */
static unsigned rows_ctx(enum pf_rows rows)
{
	switch (rows) {
	case PF_ROWS_NONE: return 0;
	case PF_ROWS_PATIENTS: return C_P;
	case PF_ROWS_ORDERS: return C_P | C_O;
	case PF_ROWS_DOSES: return C_P | C_O | C_S;
	case PF_ROWS_PRICES: return C_R;
	case PF_ROWS_OUTPATIENT_NUMBERS:
	case PF_ROWS_INPATIENT_NUMBERS: return C_N;
	}
	return 0;
}

static unsigned rows_needs(enum pf_rows rows)
{
	switch (rows) {
	case PF_ROWS_NONE: return 0;
	case PF_ROWS_PATIENTS: return PRINTFORMS_NEED_PATIENTS;
	case PF_ROWS_ORDERS:
	case PF_ROWS_DOSES: return PRINTFORMS_NEED_PATIENTS | PRINTFORMS_NEED_ORDERS;
	case PF_ROWS_PRICES: return PRINTFORMS_NEED_PRICES;
	case PF_ROWS_OUTPATIENT_NUMBERS:
	case PF_ROWS_INPATIENT_NUMBERS: return PRINTFORMS_NEED_RANGES;
	}
	return 0;
}

/* ---- reading JSON with error places ---- */

struct load {
	const char *file;
	const pf_metrics *m;
	printforms_error *err;
	pf_template *t;
};

static int bad(struct load *ld, const char *ptr, const char *fmt, const char *arg)
{
	char where[160];

	snprintf(where, sizeof where, "template %s %s", ld->file, ptr);
	return pf_fail(ld->err, PRINTFORMS_EINVAL, where, fmt, arg);
}

/* Refuse keys outside allowed (NULL-terminated): a typo must not pass silently. */
static int only_keys(struct load *ld, json_t *obj, const char *ptr, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		size_t i = 0;
		char at[128];

		while (allowed[i] && strcmp(allowed[i], key) != 0)
			i++;
		if (!allowed[i]) {
			snprintf(at, sizeof at, "%s/%s", ptr, key);
			return bad(ld, at, "unknown key \"%s\"", key);
		}
	}
	return 0;
}

/* A text the form prints: non-empty and drawable. *out NULL if absent and optional. */
static int get_text(struct load *ld, json_t *obj, const char *key, bool required,
	const char *ptr, const char **out)
{
	json_t *v = json_object_get(obj, key);
	char at[128];
	uint32_t cp;

	snprintf(at, sizeof at, "%s/%s", ptr, key);
	*out = NULL;
	if (!v)
		return required ? bad(ld, at, "\"%s\" is required", key) : 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return bad(ld, at, "\"%s\" must be a non-empty string", key);
	*out = json_string_value(v);
	cp = pf_text_uncovered(ld->m, *out);
	if (cp) {
		char msg[32];
		snprintf(msg, sizeof msg, "U+%04lX", (unsigned long)cp);
		return bad(ld, at, "the font cannot draw %s in this text", msg);
	}
	return 0;
}

static int get_uint(struct load *ld, json_t *obj, const char *key, unsigned min, unsigned max,
	unsigned dflt, const char *ptr, unsigned *out)
{
	json_t *v = json_object_get(obj, key);
	char at[128], range[48];

	snprintf(at, sizeof at, "%s/%s", ptr, key);
	snprintf(range, sizeof range, "%u to %u", min, max);
	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return bad(ld, at, "must be an integer from %s", range);
	*out = (unsigned)json_integer_value(v);
	return 0;
}

static int get_enum(struct load *ld, json_t *obj, const char *key, const char *const *names,
	size_t n, const char *ptr, int *out)
{
	json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);
	char at[128];

	snprintf(at, sizeof at, "%s/%s", ptr, key);
	for (size_t i = 0; s && i < n; i++) {
		if (names[i] && strcmp(names[i], s) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return bad(ld, at, "\"%s\" is missing or not one of the allowed values", key);
}

static int get_array(struct load *ld, json_t *obj, const char *key, size_t min, size_t max,
	const char *ptr, json_t **out)
{
	char at[128], range[48];

	snprintf(at, sizeof at, "%s/%s", ptr, key);
	snprintf(range, sizeof range, "%zu to %zu items", min, max);
	*out = json_object_get(obj, key);
	if (!*out && min == 0)
		return 0;
	if (!json_is_array(*out) || json_array_size(*out) < min || json_array_size(*out) > max)
		return bad(ld, at, "must be an array of %s", range);
	return 0;
}

/* ---- blocks ---- */

static int load_field_ref(struct load *ld, json_t *obj, unsigned ctx, const char *ptr, pf_item *it)
{
	json_t *v = json_object_get(obj, "field");
	char at[128];

	it->field = PF_F_BLANK;
	it->key = NULL;
	if (!v)
		return 0;
	snprintf(at, sizeof at, "%s/field", ptr);
	if (!json_is_string(v))
		return bad(ld, at, "\"%s\" must be a field name", "field");
	it->key = json_string_value(v);
	it->field = pf_field_find(it->key);
	if (it->field == PF_F_BLANK)
		return bad(ld, at, "unknown field \"%s\"", it->key);
	if (!(pf_field_ctx(it->field) & ctx))
		return bad(ld, at, "field \"%s\" is not available here (per-patient form or table rows?)",
			it->key);
	return 0;
}

static int alloc_items(struct load *ld, pf_block *b, size_t n)
{
	b->items = calloc(n ? n : 1, sizeof *b->items);
	b->n_items = n;
	return b->items ? 0 : pf_fail(ld->err, PRINTFORMS_ENOMEM, ld->file, "out of memory");
}

/* The grid of a fields block or a stub; the caller has checked the object's keys. */
static int load_fields(struct load *ld, json_t *obj, unsigned ctx, const char *ptr, pf_block *b)
{
	static const char *const item_keys[] = { "label", "field", "span", NULL };
	json_t *arr, *v;
	size_t i;
	int rc;

	b->type = PF_BLOCK_FIELDS;
	if ((rc = get_array(ld, obj, "fields", 1, 64, ptr, &arr)) ||
	    (rc = get_uint(ld, obj, "columns", 1, 6, 3, ptr, &b->columns)) ||
	    (rc = alloc_items(ld, b, json_array_size(arr))))
		return rc;
	json_array_foreach(arr, i, v) {
		char at[128];
		unsigned span;

		snprintf(at, sizeof at, "%s/fields/%zu", ptr, i);
		if (!json_is_object(v))
			return bad(ld, at, "must be an %s", "object");
		if ((rc = only_keys(ld, v, at, item_keys)) ||
		    (rc = get_text(ld, v, "label", true, at, &b->items[i].label)) ||
		    (rc = load_field_ref(ld, v, ctx, at, &b->items[i])) ||
		    (rc = get_uint(ld, v, "span", 1, b->columns, 1, at, &span)))
			return rc;
		b->items[i].width = (float)span;
	}
	return 0;
}

static int load_table(struct load *ld, json_t *obj, unsigned ctx, const char *ptr, pf_block *b)
{
	static const char *const keys[] = { "type", "rows", "columns", "blank_rows", "fill_page", NULL };
	static const char *const col_keys[] = { "title", "width", "field", NULL };
	json_t *arr, *v, *fill = json_object_get(obj, "fill_page");
	int rows, rc;
	size_t i;

	if ((rc = only_keys(ld, obj, ptr, keys)) ||
	    (rc = get_enum(ld, obj, "rows", rows_names, sizeof rows_names / sizeof *rows_names, ptr, &rows)) ||
	    (rc = get_array(ld, obj, "columns", 1, 24, ptr, &arr)) ||
	    (rc = get_uint(ld, obj, "blank_rows", 0, 200, 0, ptr, &b->blank_rows)) ||
	    (rc = alloc_items(ld, b, json_array_size(arr))))
		return rc;
	if (fill && !json_is_boolean(fill))
		return bad(ld, ptr, "\"%s\" must be true or false", "fill_page");
	b->fill_page = json_is_true(fill);
	b->rows = (enum pf_rows)rows;
	ld->t->info.needs |= rows_needs(b->rows);
	json_array_foreach(arr, i, v) {
		char at[128];
		json_t *w;

		snprintf(at, sizeof at, "%s/columns/%zu", ptr, i);
		if (!json_is_object(v))
			return bad(ld, at, "must be an %s", "object");
		w = json_object_get(v, "width");
		if ((rc = only_keys(ld, v, at, col_keys)) ||
		    (rc = get_text(ld, v, "title", true, at, &b->items[i].label)) ||
		    (rc = load_field_ref(ld, v, ctx | rows_ctx(b->rows), at, &b->items[i])))
			return rc;
		if (!json_is_number(w) || json_number_value(w) < 1 || json_number_value(w) > 100)
			return bad(ld, at, "\"%s\" must be a number from 1 to 100", "width");
		b->items[i].width = (float)json_number_value(w);
	}
	return 0;
}

static int load_text(struct load *ld, json_t *obj, const char *ptr, pf_block *b)
{
	static const char *const keys[] = { "type", "label", "text", "lines", NULL };
	int rc;

	if ((rc = only_keys(ld, obj, ptr, keys)) || (rc = get_text(ld, obj, "label", false, ptr, &b->label)) ||
	    (rc = get_text(ld, obj, "text", false, ptr, &b->text)) ||
	    (rc = get_uint(ld, obj, "lines", 0, 40, 0, ptr, &b->lines)))
		return rc;
	if (!b->label && !b->text && !b->lines)
		return bad(ld, ptr, "a text block needs %s", "\"label\", \"text\" or \"lines\"");
	return 0;
}

static int load_signatures(struct load *ld, json_t *obj, const char *ptr, pf_block *b)
{
	static const char *const keys[] = { "type", "items", NULL };
	json_t *arr, *v;
	size_t i;
	int rc;

	if ((rc = only_keys(ld, obj, ptr, keys)) || (rc = get_array(ld, obj, "items", 1, 6, ptr, &arr)) ||
	    (rc = alloc_items(ld, b, json_array_size(arr))))
		return rc;
	json_array_foreach(arr, i, v) {
		char at[128];
		uint32_t cp;

		snprintf(at, sizeof at, "%s/items/%zu", ptr, i);
		if (!json_is_string(v) || json_string_length(v) == 0)
			return bad(ld, at, "must be a %s", "non-empty string");
		b->items[i].label = json_string_value(v);
		if ((cp = pf_text_uncovered(ld->m, b->items[i].label)) != 0)
			return bad(ld, at, "the font cannot draw a character of \"%s\"", b->items[i].label);
	}
	return 0;
}

static int load_block(struct load *ld, json_t *obj, unsigned ctx, const char *ptr, pf_block *b)
{
	static const char *const types[] = { "fields", "table", "text", "signatures" };
	int type, rc;

	if (!json_is_object(obj))
		return bad(ld, ptr, "a block must be an %s", "object");
	if ((rc = get_enum(ld, obj, "type", types, 4, ptr, &type)))
		return rc;
	b->type = (enum pf_block_type)type;
	switch (b->type) {
	case PF_BLOCK_FIELDS: {
		static const char *const keys[] = { "type", "columns", "fields", NULL };
		return only_keys(ld, obj, ptr, keys) ? PRINTFORMS_EINVAL : load_fields(ld, obj, ctx, ptr, b);
	}
	case PF_BLOCK_TABLE: return load_table(ld, obj, ctx, ptr, b);
	case PF_BLOCK_TEXT: return load_text(ld, obj, ptr, b);
	case PF_BLOCK_SIGNATURES: return load_signatures(ld, obj, ptr, b);
	}
	return 0;
}

/* ---- the template ---- */

static int load_head(struct load *ld, json_t *doc)
{
	static const char *const papers[] = { "A4", "A5" };
	static const char *const orients[] = { "portrait", "landscape" };
	static const char *const pers[] = { "department", "patient" };
	static const char *const name_keys[] = { "zh", "en", NULL };
	pf_template *t = ld->t;
	json_t *name = json_object_get(doc, "name"), *code = json_object_get(doc, "code");
	int paper, orient, per, rc;
	const char *c = json_string_value(code);

	if (!c || strlen(c) < 2 || strlen(c) > 32 || strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(c))
		return bad(ld, "/code", "\"%s\" must be 2-32 characters of a-z, 0-9 and -", "code");
	t->info.code = c;
	if (!json_is_object(name))
		return bad(ld, "/name", "\"%s\" must be an object with zh and en", "name");
	if ((rc = only_keys(ld, name, "/name", name_keys)) ||
	    (rc = get_text(ld, name, "zh", true, "/name", &t->info.name_zh)) ||
	    (rc = get_text(ld, name, "en", true, "/name", &t->info.name_en)) ||
	    (rc = get_enum(ld, doc, "paper", papers, 2, "", &paper)) ||
	    (rc = get_enum(ld, doc, "orientation", orients, 2, "", &orient)) ||
	    (rc = get_enum(ld, doc, "per", pers, 2, "", &per)))
		return rc;
	t->a5 = paper == 1;
	t->info.paper = papers[paper];
	t->info.landscape = orient == 1;
	t->info.per_patient = per == 1;
	if (t->info.per_patient)
		t->info.needs |= PRINTFORMS_NEED_PATIENTS;
	return 0;
}

static int load_copies(struct load *ld, json_t *doc)
{
	pf_template *t = ld->t;
	json_t *arr, *v;
	size_t i;
	int rc = get_array(ld, doc, "copies", 0, 4, "", &arr);

	if (rc)
		return rc;
	json_array_foreach(arr, i, v) {
		char at[32];

		snprintf(at, sizeof at, "/copies/%zu", i);
		if (!json_is_string(v) || json_string_length(v) == 0 || pf_text_uncovered(ld->m, json_string_value(v)))
			return bad(ld, at, "a copy label must be a %s", "non-empty string the font can draw");
		t->copies[i] = json_string_value(v);
	}
	t->n_copies = json_array_size(arr);
	t->info.copies = t->n_copies ? (unsigned)t->n_copies : 1;
	return 0;
}

static int load_stub(struct load *ld, json_t *doc, unsigned ctx)
{
	json_t *stub = json_object_get(doc, "stub");
	static const char *const keys[] = { "title", "columns", "fields", NULL };
	int rc;

	if (!stub)
		return 0;
	if (!json_is_object(stub))
		return bad(ld, "/stub", "\"%s\" must be an object", "stub");
	if ((rc = only_keys(ld, stub, "/stub", keys)) ||
	    (rc = get_text(ld, stub, "title", true, "/stub", &ld->t->stub_title)))
		return rc;
	return load_fields(ld, stub, ctx, "/stub", &ld->t->stub);
}

int pf_template_load(json_t *doc, const char *file, const pf_metrics *m, pf_template **out,
	printforms_error *err)
{
	static const char *const keys[] = { "$schema", "$comment", "code", "name", "paper", "orientation",
		"per", "copies", "blocks", "stub", NULL };
	struct load ld = { file, m, err, NULL };
	json_t *blocks, *v;
	unsigned ctx;
	size_t i;
	int rc;

	*out = NULL;
	if (!json_is_object(doc))
		return bad(&ld, "", "a template must be a JSON %s", "object");
	ld.t = calloc(1, sizeof *ld.t);
	if (!ld.t)
		return pf_fail(err, PRINTFORMS_ENOMEM, file, "out of memory");
	ld.t->doc = json_incref(doc);
	if ((rc = only_keys(&ld, doc, "", keys)) || (rc = load_head(&ld, doc)) || (rc = load_copies(&ld, doc)) ||
	    (rc = get_array(&ld, doc, "blocks", 1, 32, "", &blocks)))
		goto fail;
	ld.t->blocks = calloc(json_array_size(blocks), sizeof *ld.t->blocks);
	if (!ld.t->blocks) {
		rc = pf_fail(err, PRINTFORMS_ENOMEM, file, "out of memory");
		goto fail;
	}
	ctx = PF_CTX_DEPT | (ld.t->info.per_patient ? PF_CTX_PATIENT : 0);
	json_array_foreach(blocks, i, v) {
		char at[32];

		snprintf(at, sizeof at, "/blocks/%zu", i);
		ld.t->n_blocks = i + 1; /* so that pf_template_free() frees this one too */
		if ((rc = load_block(&ld, v, ctx, at, &ld.t->blocks[i])))
			goto fail;
	}
	if ((rc = load_stub(&ld, doc, ctx)))
		goto fail;
	*out = ld.t;
	return 0;
fail:
	pf_template_free(ld.t);
	return rc;
}

void pf_template_free(pf_template *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_blocks; i++)
		free(t->blocks[i].items);
	free(t->blocks);
	free(t->stub.items);
	json_decref(t->doc);
	free(t);
}
