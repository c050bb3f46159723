#include "pf_data.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_error.h"

#define MAX_PATIENTS 2000
#define MAX_ORDERS 200
#define MAX_DOSES 48
#define MAX_PRICES 20000
#define MAX_RANGE 5000 /* numbers printed from one range */

struct parse {
	printforms_error *err;
	char ptr[128];
};

static int bad(struct parse *p, const char *key, const char *msg)
{
	char where[160];

	snprintf(where, sizeof where, "data %s%s%s", p->ptr, key ? "/" : "", key ? key : "");
	return pf_fail(p->err, PRINTFORMS_EINVAL, where, "%s", msg);
}

/* Optional text: "" when absent. */
static int text(struct parse *p, json_t *obj, const char *key, bool required, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = "";
	if (!v || json_is_null(v))
		return required ? bad(p, key, "is required") : 0;
	if (!json_is_string(v))
		return bad(p, key, "must be a string");
	if (required && json_string_length(v) == 0)
		return bad(p, key, "must not be empty");
	*out = json_string_value(v);
	return 0;
}

/* A string or a number, formatted into buf: with decimals places, or as short as exact when decimals < 0. */
static int text_or_number(struct parse *p, json_t *obj, const char *key, const char *suffix,
	int decimals, char *buf, size_t cap)
{
	json_t *v = json_object_get(obj, key);

	buf[0] = '\0';
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v))
		snprintf(buf, cap, "%s", json_string_value(v));
	else if (json_is_integer(v) && decimals <= 0)
		snprintf(buf, cap, "%lld%s", (long long)json_integer_value(v), suffix);
	else if (json_is_real(v) && decimals < 0)
		snprintf(buf, cap, "%g%s", json_real_value(v), suffix);
	else if (json_is_number(v))
		snprintf(buf, cap, "%.*f%s", decimals, json_number_value(v), suffix);
	else
		return bad(p, key, "must be a string or a number");
	return 0;
}

static bool id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static int ident(struct parse *p, json_t *obj, const char *key, const char **out)
{
	int rc = text(p, obj, key, true, out);

	if (rc)
		return rc;
	return id_ok(*out) ? 0 : bad(p, key, "must be 1-32 characters of A-Z, a-z, 0-9, '.', '_', '-'");
}

static int time_field(struct parse *p, json_t *obj, const char *key, bool required, pf_time *out,
	const char **text_out)
{
	const char *s;
	int rc = text(p, obj, key, required, &s);

	if (text_out)
		*text_out = s;
	if (rc || !*s)
		return rc;
	return pf_time_parse(s, out) ? 0 : bad(p, key, "must be an RFC 3339 date-time with an offset");
}

/* ---- time ---- */

static bool digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

bool pf_time_parse(const char *s, pf_time *out)
{
	int y, mo, d, h, mi, sec = 0, oh, om;
	struct tm tm = { 0 };
	size_t i = 16;

	if (strlen(s) < 17 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi))
		return false;
	if (s[i] == ':') {
		if (!digits(s + 17, 2, &sec))
			return false;
		i = 19;
		if (s[i] == '.')
			for (i++; isdigit((unsigned char)s[i]); i++)
				;
	}
	if (s[i] == 'Z' || s[i] == 'z') {
		oh = om = 0;
		out->offset_min = 0;
		i++;
	} else if ((s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2, &oh) && s[i + 3] == ':' &&
		   digits(s + i + 4, 2, &om)) {
		out->offset_min = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
		i += 6;
	} else {
		return false;
	}
	if (s[i] != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	out->t = timegm(&tm) - (time_t)out->offset_min * 60;
	return true;
}

void pf_time_format(const pf_time *tm, char *buf, size_t cap)
{
	time_t local = tm->t + (time_t)tm->offset_min * 60;
	struct tm parts;

	gmtime_r(&local, &parts);
	strftime(buf, cap, "%Y-%m-%d %H:%M", &parts);
}

void pf_age_format(time_t from, time_t to, char *buf, size_t cap)
{
	long m = (long)(to - from) / 60;

	if (to < from)
		snprintf(buf, cap, "—");
	else if (m < 60)
		snprintf(buf, cap, "%ld 分钟", m);
	else if (m < 24 * 60)
		snprintf(buf, cap, "%ld 小时 %ld 分", m / 60, m % 60);
	else
		snprintf(buf, cap, "%ld 天 %ld 小时", m / (24 * 60), m % (24 * 60) / 60);
}

/* ---- number ranges ---- */

void pf_range_number(const pf_range *r, long n, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%0*ld", r->prefix, r->digits, n);
}

void pf_range_text(const printforms_data *d, bool inpatient, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n_ranges && len + 1 < cap; i++) {
		const pf_range *r = &d->ranges[i];
		char a[64], b[64];

		if (r->inpatient != inpatient)
			continue;
		pf_range_number(r, r->first, a, sizeof a);
		pf_range_number(r, r->last, b, sizeof b);
		len += (size_t)snprintf(buf + len, cap - len, "%s%s–%s", len ? "；" : "", a, b);
	}
}

static int parse_range(struct parse *p, json_t *obj, pf_range *r)
{
	json_t *first = json_object_get(obj, "first"), *last = json_object_get(obj, "last");
	json_t *dg = json_object_get(obj, "digits");
	const char *kind;
	int rc;

	if (!json_is_object(obj))
		return bad(p, NULL, "must be an object");
	if ((rc = text(p, obj, "kind", true, &kind)) || (rc = text(p, obj, "prefix", false, &r->prefix)) ||
	    (rc = text(p, obj, "desk", false, &r->desk)))
		return rc;
	if (strcmp(kind, "outpatient") != 0 && strcmp(kind, "inpatient") != 0)
		return bad(p, "kind", "must be \"outpatient\" or \"inpatient\"");
	r->inpatient = kind[0] == 'i';
	if (!json_is_integer(first) || !json_is_integer(last) || json_integer_value(first) < 0 ||
	    json_integer_value(last) < json_integer_value(first) ||
	    json_integer_value(last) - json_integer_value(first) >= MAX_RANGE)
		return bad(p, "last", "first and last must be integers, 0 <= first <= last < first + 5000");
	if (dg && (!json_is_integer(dg) || json_integer_value(dg) < 1 || json_integer_value(dg) > 12))
		return bad(p, "digits", "must be an integer from 1 to 12");
	if (strlen(r->prefix) > 24)
		return bad(p, "prefix", "must be at most 24 bytes");
	r->first = (long)json_integer_value(first);
	r->last = (long)json_integer_value(last);
	r->digits = dg ? (int)json_integer_value(dg) : 4;
	return 0;
}

/* ---- patients and orders ---- */

static int parse_order(struct parse *p, json_t *obj, pf_order *o)
{
	char dose[24];
	json_t *doses, *v;
	size_t i, at = strlen(p->ptr);
	int rc;

	if (!json_is_object(obj))
		return bad(p, NULL, "must be an object");
	if ((rc = text(p, obj, "id", false, &o->id)) || (rc = text(p, obj, "drug", true, &o->drug)) ||
	    (rc = text(p, obj, "spec", false, &o->spec)) || (rc = text(p, obj, "route", false, &o->route)) ||
	    (rc = text(p, obj, "frequency", false, &o->frequency)) ||
	    (rc = text(p, obj, "kind", false, &o->kind)) || (rc = text(p, obj, "start", false, &o->start)) ||
	    (rc = text_or_number(p, obj, "dose", "", -1, dose, sizeof dose)))
		return rc;
	{
		const char *unit;
		if ((rc = text(p, obj, "unit", false, &unit)))
			return rc;
		snprintf(o->dose, sizeof o->dose, "%s%s%s", dose, *dose && *unit ? " " : "", unit);
	}
	doses = json_object_get(obj, "next_doses");
	if (!doses)
		return 0;
	if (!json_is_array(doses) || json_array_size(doses) > MAX_DOSES)
		return bad(p, "next_doses", "must be an array of at most 48 date-times");
	o->next_doses = calloc(json_array_size(doses) + 1, sizeof *o->next_doses);
	if (!o->next_doses)
		return pf_fail(p->err, PRINTFORMS_ENOMEM, "data", "out of memory");
	json_array_foreach(doses, i, v) {
		pf_time tm;

		snprintf(p->ptr + at, sizeof p->ptr - at, "/next_doses/%zu", i);
		if (!json_is_string(v) || !pf_time_parse(json_string_value(v), &tm))
			return bad(p, NULL, "must be an RFC 3339 date-time with an offset");
		o->next_doses[o->n_doses++] = json_string_value(v);
	}
	p->ptr[at] = '\0';
	return 0;
}

static int parse_patient(struct parse *p, json_t *obj, pf_patient *pt)
{
	json_t *orders, *v;
	size_t i, at = strlen(p->ptr);
	int rc;

	if (!json_is_object(obj))
		return bad(p, NULL, "must be an object");
	if ((rc = ident(p, obj, "id", &pt->id)) || (rc = text(p, obj, "bed", false, &pt->bed)) ||
	    (rc = text(p, obj, "inpatient_no", false, &pt->inpatient_no)) ||
	    (rc = text(p, obj, "name", true, &pt->name)) || (rc = text(p, obj, "sex", false, &pt->sex)) ||
	    (rc = text(p, obj, "fee_category", false, &pt->fee_category)) ||
	    (rc = text(p, obj, "diagnosis", false, &pt->diagnosis)) ||
	    (rc = text(p, obj, "allergies", false, &pt->allergies)) ||
	    (rc = text(p, obj, "admitted", false, &pt->admitted)) ||
	    (rc = text_or_number(p, obj, "age", "岁", 0, pt->age, sizeof pt->age)))
		return rc;
	orders = json_object_get(obj, "orders");
	if (!orders)
		return 0;
	if (!json_is_array(orders) || json_array_size(orders) > MAX_ORDERS)
		return bad(p, "orders", "must be an array of at most 200 orders");
	pt->orders = calloc(json_array_size(orders) + 1, sizeof *pt->orders);
	if (!pt->orders)
		return pf_fail(p->err, PRINTFORMS_ENOMEM, "data", "out of memory");
	json_array_foreach(orders, i, v) {
		snprintf(p->ptr + at, sizeof p->ptr - at, "/orders/%zu", i);
		pt->n_orders = i + 1;
		if ((rc = parse_order(p, v, &pt->orders[i])))
			return rc;
	}
	p->ptr[at] = '\0';
	return 0;
}

static int parse_price(struct parse *p, json_t *obj, pf_price *pr)
{
	int rc;

	if (!json_is_object(obj))
		return bad(p, NULL, "must be an object");
	if ((rc = text(p, obj, "code", false, &pr->code)) || (rc = text(p, obj, "drug", true, &pr->drug)) ||
	    (rc = text(p, obj, "spec", false, &pr->spec)) || (rc = text(p, obj, "unit", false, &pr->unit)) ||
	    (rc = text_or_number(p, obj, "price", "", 2, pr->price, sizeof pr->price)))
		return rc;
	return 0;
}

static int patient_fn(struct parse *p, json_t *v, void *out) { return parse_patient(p, v, out); }
static int price_fn(struct parse *p, json_t *v, void *out) { return parse_price(p, v, out); }
static int range_fn(struct parse *p, json_t *v, void *out) { return parse_range(p, v, out); }

static int unique_patients(struct parse *p, const printforms_data *d)
{
	for (size_t i = 0; i < d->n_patients; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(d->patients[i].id, d->patients[j].id) == 0) {
				snprintf(p->ptr, sizeof p->ptr, "/patients/%zu", i);
				return bad(p, "id", "repeats the id of an earlier patient");
			}
		}
	}
	return 0;
}

/*
 * Parse array key of doc, one element by fn into items (calloc'd by the
 * caller for json_array_size + 1 elements of size). *n counts the elements
 * begun, so that a failure frees what was parsed.
 */
static int parse_list(struct parse *p, json_t *arr, const char *key, size_t size, void *items,
	size_t *n, int (*fn)(struct parse *, json_t *, void *))
{
	json_t *v;
	size_t i;
	int rc;

	json_array_foreach(arr, i, v) {
		snprintf(p->ptr, sizeof p->ptr, "/%s/%zu", key, i);
		*n = i + 1;
		if ((rc = fn(p, v, (char *)items + i * size)))
			return rc;
	}
	p->ptr[0] = '\0';
	return 0;
}

/* The array key of doc (NULL when absent), checked for its length. */
static int list_of(struct parse *p, json_t *doc, const char *key, size_t max, json_t **arr)
{
	*arr = json_object_get(doc, key);
	if (*arr && (!json_is_array(*arr) || json_array_size(*arr) > max))
		return bad(p, key, "must be an array (and not too long)");
	return 0;
}

static int parse_lists(struct parse *p, json_t *doc, printforms_data *d)
{
	json_t *pts, *prices, *ranges;
	int rc;

	if ((rc = list_of(p, doc, "patients", MAX_PATIENTS, &pts)) ||
	    (rc = list_of(p, doc, "price_list", MAX_PRICES, &prices)) ||
	    (rc = list_of(p, doc, "number_ranges", 16, &ranges)))
		return rc;
	d->patients = calloc(json_array_size(pts) + 1, sizeof *d->patients);
	d->prices = calloc(json_array_size(prices) + 1, sizeof *d->prices);
	d->ranges = calloc(json_array_size(ranges) + 1, sizeof *d->ranges);
	if (!d->patients || !d->prices || !d->ranges)
		return pf_fail(p->err, PRINTFORMS_ENOMEM, "data", "out of memory");
	if ((rc = parse_list(p, pts, "patients", sizeof *d->patients, d->patients, &d->n_patients, patient_fn)) ||
	    (rc = unique_patients(p, d)) ||
	    (rc = parse_list(p, prices, "price_list", sizeof *d->prices, d->prices, &d->n_prices, price_fn)))
		return rc;
	return parse_list(p, ranges, "number_ranges", sizeof *d->ranges, d->ranges, &d->n_ranges, range_fn);
}

static int parse_department(struct parse *p, json_t *doc, printforms_data *d)
{
	json_t *dept = json_object_get(doc, "department");
	int rc;

	if (!json_is_object(dept))
		return bad(p, "department", "is required (an object with code and name)");
	snprintf(p->ptr, sizeof p->ptr, "/department");
	if ((rc = ident(p, dept, "code", &d->dept_code)) || (rc = text(p, dept, "name", true, &d->dept_name)) ||
	    (rc = text(p, dept, "name_en", false, &d->dept_name_en)))
		return rc;
	p->ptr[0] = '\0';
	return 0;
}

int printforms_data_parse(json_t *doc, printforms_data **out, printforms_error *err)
{
	struct parse p = { err, "" };
	printforms_data *d;
	int rc;

	*out = NULL;
	if (!json_is_object(doc))
		return pf_fail(err, PRINTFORMS_EINVAL, "data", "the data must be a JSON object");
	d = calloc(1, sizeof *d);
	if (!d)
		return pf_fail(err, PRINTFORMS_ENOMEM, "data", "out of memory");
	d->doc = json_incref(doc);
	if ((rc = text(&p, doc, "hospital", true, &d->hospital)) || (rc = parse_department(&p, doc, d)) ||
	    (rc = time_field(&p, doc, "snapshot_time", true, &d->snapshot, NULL)) ||
	    (rc = time_field(&p, doc, "render_time", false, &d->printed, NULL)) ||
	    (rc = text(&p, doc, "outage_id", false, &d->outage_id)) || (rc = parse_lists(&p, doc, d))) {
		printforms_data_free(d);
		return rc;
	}
	d->printed_given = json_object_get(doc, "render_time") != NULL;
	*out = d;
	return 0;
}

void printforms_data_free(printforms_data *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_patients; i++) {
		for (size_t j = 0; j < d->patients[i].n_orders; j++)
			free(d->patients[i].orders[j].next_doses);
		free(d->patients[i].orders);
	}
	free(d->patients);
	free(d->prices);
	free(d->ranges);
	json_decref(d->doc);
	free(d);
}

const pf_patient *pf_data_patient(const printforms_data *d, const char *id)
{
	for (size_t i = 0; i < d->n_patients; i++)
		if (strcmp(d->patients[i].id, id) == 0)
			return &d->patients[i];
	return NULL;
}
