/*
 * census_map — FHIR R4 resources of one pull → the snapshot document (see
 * census_map.h for the mapping decisions).
 */
#include "census_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYS_DEPT "urn:demo-hospital:dept"
#define SYS_INPATIENT_NO "urn:demo-hospital:inpatient-no"
#define SYS_ORDER_NO "urn:demo-hospital:order-no"
#define SYS_DRUG "urn:demo-hospital:drug"
#define SNOMED_NO_KNOWN_ALLERGY "716186003"
#define DAY_MS (24LL * 3600 * 1000)

/* ---------- times ---------- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

bool census_parse_time(const char *s, int64_t *ms, int *offset_s)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, n = 0;
	const char *p;

	if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return false;
	p = s + 10;
	*offset_s = 0;
	if (*p == 'T') {
		if (sscanf(p, "T%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3 || n != 9)
			return false;
		p += n;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
				return false;
			*offset_s = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
			p += 6;
		} else {
			return false;
		}
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	*ms = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - *offset_s) * 1000LL;
	return true;
}

void census_format_time(int64_t ms, int offset_s, char buf[26])
{
	int64_t local = floor_div(ms, 1000) + offset_s;
	int64_t days = floor_div(local, 86400), secs = local - days * 86400;
	int y, m, d, off = offset_s < 0 ? -offset_s : offset_s;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, 26, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y % 10000, m, d,
		(int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), offset_s < 0 ? '-' : '+',
		off / 3600 % 100, off / 60 % 60);
}

static const struct { const char *code; const char *times[5]; } freq_times[] = {
	{ "qd", { "08:00" } },
	{ "bid", { "08:00", "16:00" } },
	{ "tid", { "08:00", "12:00", "16:00" } },
	{ "qid", { "08:00", "12:00", "16:00", "20:00" } },
	{ "q8h", { "00:00", "08:00", "16:00" } },
	{ "q12h", { "08:00", "20:00" } },
	{ "qn", { "20:00" } },
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

size_t census_next_doses(const char *freq, const char *const *times, size_t ntimes,
	int64_t start_ms, int64_t now_ms, int offset_s, char (*out)[26], size_t max)
{
	const char *const *use = times;
	int64_t secs[16], today, at[48];
	size_t n = 0, nat = 0, k = 0;

	if (ntimes == 0 && freq) {
		for (size_t i = 0; i < sizeof(freq_times) / sizeof(freq_times[0]); i++)
			if (strcmp(freq, freq_times[i].code) == 0) {
				use = freq_times[i].times;
				while (k < 5 && freq_times[i].times[k])
					k++;
				ntimes = k;
			}
	}
	for (size_t i = 0; i < ntimes && n < 16; i++) {
		int h, m, s = 0;

		if (use[i] && sscanf(use[i], "%2d:%2d:%2d", &h, &m, &s) >= 2 && h < 24 && m < 60 &&
			s < 60)
			secs[n++] = h * 3600 + m * 60 + s;
	}
	/* The local midnight of today; yesterday's and tomorrow's times cover any 24 h window. */
	today = floor_div(floor_div(now_ms, 1000) + offset_s, 86400) * 86400 - offset_s;
	for (int day = -1; day <= 1; day++)
		for (size_t i = 0; i < n; i++) {
			int64_t t = (today + day * 86400LL + secs[i]) * 1000;

			if (t > now_ms && t <= now_ms + DAY_MS && t >= start_ms)
				at[nat++] = t;
		}
	qsort(at, nat, sizeof(at[0]), cmp_i64);
	k = 0;
	for (size_t i = 0; i < nat && k < max; i++)
		if (i == 0 || at[i] != at[i - 1])
			census_format_time(at[i], offset_s, out[k++]);
	return k;
}

/* ---------- the pull ---------- */

int census_pull_init(struct census_pull *p)
{
	p->byref = json_object();
	p->matches = json_object();
	if (!p->byref || !p->matches) {
		census_pull_free(p);
		return LL_ENOMEM;
	}
	return 0;
}

void census_pull_free(struct census_pull *p)
{
	json_decref(p->byref);
	json_decref(p->matches);
	p->byref = p->matches = NULL;
}

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int census_pull_add_page(struct census_pull *p, json_t *bundle, const char **next, char *err,
	size_t errlen)
{
	size_t i;
	json_t *e, *link;

	*next = NULL;
	if (!json_is_object(bundle) || !str(bundle, "resourceType") ||
		strcmp(str(bundle, "resourceType"), "Bundle") != 0 || !str(bundle, "type") ||
		strcmp(str(bundle, "type"), "searchset") != 0) {
		snprintf(err, errlen, "the answer is not a FHIR searchset Bundle");
		return LL_EINVAL;
	}
	json_array_foreach(json_object_get(bundle, "entry"), i, e) {
		json_t *res = json_object_get(e, "resource"), *list;
		const char *type = str(res, "resourceType"), *id = str(res, "id");
		const char *mode = str(json_object_get(e, "search"), "mode");
		char ref[200];

		if (!type || !id || strlen(type) + strlen(id) + 2 > sizeof(ref)) {
			snprintf(err, errlen, "Bundle entry %zu has no resourceType or id", i);
			return LL_EINVAL;
		}
		snprintf(ref, sizeof(ref), "%s/%s", type, id);
		if (json_object_set(p->byref, ref, res) != 0)
			return LL_ENOMEM;
		if (mode && strcmp(mode, "match") != 0)
			continue;
		if (!(list = json_object_get(p->matches, type))) {
			if (json_object_set_new(p->matches, type, list = json_array()) != 0 || !list)
				return LL_ENOMEM;
		}
		if (json_array_append(list, res) != 0)
			return LL_ENOMEM;
	}
	json_array_foreach(json_object_get(bundle, "link"), i, link) {
		const char *rel = str(link, "relation");

		if (rel && strcmp(rel, "next") == 0)
			*next = str(link, "url");
	}
	return 0;
}

/* ---------- mapping helpers ---------- */

static json_t *matches(const struct census_pull *p, const char *type)
{
	json_t *a = json_object_get(p->matches, type);

	return json_is_array(a) ? a : NULL;
}

static json_t *resolve(const struct census_pull *p, json_t *reference)
{
	const char *ref = str(reference, "reference");

	return ref ? json_object_get(p->byref, ref) : NULL;
}

/* The value of the identifier with system sys, or NULL. */
static const char *identifier(json_t *res, const char *sys)
{
	size_t i;
	json_t *id;

	json_array_foreach(json_object_get(res, "identifier"), i, id) {
		const char *s = str(id, "system");

		if (s && strcmp(s, sys) == 0)
			return str(id, "value");
	}
	return NULL;
}

/* A CodeableConcept's text, else its first coding's display. */
static const char *concept_text(json_t *cc)
{
	const char *t = str(cc, "text");

	return t ? t : str(json_array_get(json_object_get(cc, "coding"), 0), "display");
}

static bool concept_has(json_t *cc, const char *code)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(cc, "coding"), i, c)
		if (str(c, "code") && strcmp(str(c, "code"), code) == 0)
			return true;
	return false;
}

/* Appends s to buf (joined by sep); truncates silently at len. */
static void join(char *buf, size_t len, const char *sep, const char *s)
{
	size_t used = strlen(buf);

	if (!s || !*s)
		return;
	snprintf(buf + used, len - used, "%s%s", used ? sep : "", s);
}

/* {"Patient/x": [resource…]} of the matches of type, by the reference in field. */
static json_t *index_by(const struct census_pull *p, const char *type, const char *field)
{
	json_t *idx = json_object(), *r;
	size_t i;

	json_array_foreach(matches(p, type), i, r) {
		const char *ref = str(json_object_get(r, field), "reference");
		json_t *list;

		if (!idx || !ref)
			continue;
		if (!(list = json_object_get(idx, ref)))
			json_object_set_new(idx, ref, list = json_array());
		json_array_append(list, r);
	}
	return idx;
}

static json_t *number_or_null(json_t *v)
{
	return json_is_number(v) ? json_incref(v) : json_null();
}

/* "0.25g/粒" from a Medication's amount. */
static void medication_spec(json_t *med, char *buf, size_t len, const char **unit)
{
	json_t *amount = json_object_get(med, "amount");
	json_t *num = json_object_get(amount, "numerator"), *den = json_object_get(amount, "denominator");
	const char *nu = str(num, "unit"), *du = str(den, "unit");

	buf[0] = '\0';
	*unit = du ? du : "";
	if (json_is_number(json_object_get(num, "value")) && nu)
		snprintf(buf, len, "%g%s%s%s", json_number_value(json_object_get(num, "value")), nu,
			du ? "/" : "", du ? du : "");
}

/* ---------- one patient ---------- */

struct ctx {
	const struct census_pull *p;
	json_t *coverage, *allergies, *orders;  /* indexes by patient reference */
	int64_t now_ms;
	int offset_s;
	char *err;
	size_t errlen;
};

static int map_order(struct ctx *c, json_t *mr, json_t *orders)
{
	json_t *med = resolve(c->p, json_object_get(mr, "medicationReference"));
	json_t *dosage = json_array_get(json_object_get(mr, "dosageInstruction"), 0);
	json_t *timing = json_object_get(dosage, "timing"), *repeat = json_object_get(timing, "repeat");
	json_t *dose = json_object_get(json_array_get(json_object_get(dosage, "doseAndRate"), 0),
		"doseQuantity");
	json_t *tod = json_object_get(repeat, "timeOfDay"), *o, *next, *t;
	const char *freq = str(json_array_get(json_object_get(json_object_get(timing, "code"),
		"coding"), 0), "code");
	const char *start = str(json_object_get(repeat, "boundsPeriod"), "start");
	const char *kind = concept_text(json_array_get(json_object_get(mr, "category"), 0));
	const char *times[16], *id = identifier(mr, SYS_ORDER_NO), *unit;
	char spec[96], doses[48][26];
	size_t ntimes = 0, n = 0, i;
	int64_t start_ms = 0;
	int off;

	if (!med) {
		snprintf(c->err, c->errlen, "MedicationRequest/%s: its Medication %s was not in the "
			"census", str(mr, "id"), str(json_object_get(mr, "medicationReference"), "reference") ?:
			"(no reference)");
		return LL_EINVAL;
	}
	if (!start)
		start = str(mr, "authoredOn");
	if (start && !census_parse_time(start, &start_ms, &off))
		start_ms = 0;
	json_array_foreach(tod, i, t)
		if (ntimes < 16)
			times[ntimes++] = json_string_value(t);
	if (!json_is_true(json_object_get(dosage, "asNeededBoolean")))
		n = census_next_doses(freq, times, ntimes, start_ms, c->now_ms, c->offset_s, doses, 48);
	medication_spec(med, spec, sizeof(spec), &unit);
	if (!(next = json_array()))
		return LL_ENOMEM;
	for (i = 0; i < n; i++)
		json_array_append_new(next, json_string(doses[i]));
	o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:o}",
		"id", id ? id : str(mr, "id"),
		"drug", concept_text(json_object_get(med, "code")) ?: str(json_object_get(mr,
			"medicationReference"), "display") ?: "",
		"spec", spec,
		"dose", number_or_null(json_object_get(dose, "value")),
		"unit", str(dose, "unit") ?: "",
		"route", concept_text(json_object_get(dosage, "route")) ?: "",
		"frequency", freq ? freq : "",
		"kind", kind && strstr(kind, "临时") ? "临时" : "长期",
		"start", start ? start : "",
		"next_doses", next);
	if (!o || json_array_append_new(orders, o) != 0)
		return LL_ENOMEM;
	return 0;
}

static const char *sex_text(const char *g)
{
	if (g && strcmp(g, "male") == 0)
		return "男";
	if (g && strcmp(g, "female") == 0)
		return "女";
	return "未知";
}

static json_t *age_years(const char *birth, int64_t now_ms, int offset_s)
{
	int by, bm, bd, y, m, d;

	if (!birth || sscanf(birth, "%4d-%2d-%2d", &by, &bm, &bd) != 3)
		return json_null();
	civil_from_days(floor_div(floor_div(now_ms, 1000) + offset_s, 86400), &y, &m, &d);
	return json_integer(y - by - (m < bm || (m == bm && d < bd)));
}

static void allergy_text(json_t *list, char *buf, size_t len)
{
	size_t i;
	json_t *a;

	buf[0] = '\0';
	if (json_array_size(list) == 0) {
		snprintf(buf, len, "未记录");
		return;
	}
	json_array_foreach(list, i, a)
		if (!concept_has(json_object_get(a, "code"), SNOMED_NO_KNOWN_ALLERGY))
			join(buf, len, "、", concept_text(json_object_get(a, "code")));
	if (!buf[0])
		snprintf(buf, len, "无已知过敏");
}

/* Encounter.diagnosis by rank (1 first), the Conditions' texts. */
static int diagnosis_text(struct ctx *c, json_t *enc, char *buf, size_t len)
{
	json_t *dx = json_object_get(enc, "diagnosis");
	size_t n = json_array_size(dx);

	buf[0] = '\0';
	for (int rank = 1; rank <= 64; rank++)
		for (size_t i = 0; i < n; i++) {
			json_t *d = json_array_get(dx, i), *r = json_object_get(d, "rank");
			json_t *cond;

			if ((json_is_integer(r) ? (int)json_integer_value(r) : 64) != rank)
				continue;
			if (!(cond = resolve(c->p, json_object_get(d, "condition")))) {
				snprintf(c->err, c->errlen, "Encounter/%s: its diagnosis %s was not in the census",
					str(enc, "id"), str(json_object_get(d, "condition"), "reference") ?: "(none)");
				return LL_EINVAL;
			}
			join(buf, len, "；", concept_text(json_object_get(cond, "code")));
		}
	return 0;
}

static int map_patient(struct ctx *c, json_t *enc, json_t *ward_list)
{
	json_t *pat = resolve(c->p, json_object_get(enc, "subject")), *loc, *orders, *mr, *o;
	const char *pref = str(json_object_get(enc, "subject"), "reference");
	const char *no = identifier(enc, SYS_INPATIENT_NO);
	const char *admitted = str(json_object_get(enc, "period"), "start");
	char bed[32] = "", dx[512], allergies[512], day[11] = "";
	size_t i;
	int rc;

	if (!pat) {
		snprintf(c->err, c->errlen, "Encounter/%s: its Patient %s was not in the census",
			str(enc, "id"), pref ? pref : "(no reference)");
		return LL_EINVAL;
	}
	json_array_foreach(json_object_get(enc, "location"), i, loc)
		if (concept_has(json_object_get(loc, "physicalType"), "bd") &&
			str(json_object_get(loc, "location"), "display")) {
			char *z;

			snprintf(bed, sizeof(bed), "%s", str(json_object_get(loc, "location"), "display"));
			if ((z = strstr(bed, "床")) && z[strlen("床")] == '\0')
				*z = '\0';
		}
	if ((rc = diagnosis_text(c, enc, dx, sizeof(dx))) != 0)
		return rc;
	allergy_text(json_object_get(c->allergies, pref), allergies, sizeof(allergies));
	if (admitted)
		snprintf(day, sizeof(day), "%s", admitted);
	if (!(orders = json_array()))
		return LL_ENOMEM;
	json_array_foreach(json_object_get(c->orders, pref), i, mr) {
		if (str(mr, "status") && strcmp(str(mr, "status"), "active") != 0)
			continue;
		if ((rc = map_order(c, mr, orders)) != 0) {
			json_decref(orders);
			return rc;
		}
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o}",
		"id", str(pat, "id"), "bed", bed, "inpatient_no", no ? no : "",
		"name", str(json_array_get(json_object_get(pat, "name"), 0), "text") ?: "",
		"sex", sex_text(str(pat, "gender")),
		"age", age_years(str(pat, "birthDate"), c->now_ms, c->offset_s),
		"fee_category", concept_text(json_object_get(json_array_get(json_object_get(c->coverage,
			pref), 0), "type")) ?: "",
		"diagnosis", dx, "allergies", allergies, "admitted", day, "orders", orders);
	if (!o || json_array_append_new(ward_list, o) != 0)
		return LL_ENOMEM;
	return 0;
}

/* ---------- the document ---------- */

static int map_prices(const struct census_pull *p, json_t *out, char *err, size_t errlen)
{
	size_t i;
	json_t *cid;

	json_array_foreach(matches(p, "ChargeItemDefinition"), i, cid) {
		json_t *inst = json_array_get(json_object_get(cid, "instance"), 0);
		json_t *med = resolve(p, inst), *amount;
		const char *code = str(json_array_get(json_object_get(json_object_get(cid, "code"),
			"coding"), 0), "code"), *unit;
		char spec[96], price[32] = "";

		if (!med) {
			snprintf(err, errlen, "ChargeItemDefinition/%s: its Medication %s was not in the "
				"census", str(cid, "id"), str(inst, "reference") ?: "(no reference)");
			return LL_EINVAL;
		}
		amount = json_object_get(json_object_get(json_array_get(json_object_get(
			json_array_get(json_object_get(cid, "propertyGroup"), 0), "priceComponent"), 0),
			"amount"), "value");
		if (json_is_number(amount))
			snprintf(price, sizeof(price), "%.2f", json_number_value(amount));
		medication_spec(med, spec, sizeof(spec), &unit);
		if (json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:s}",
			"code", code ? code : identifier(cid, SYS_DRUG) ?: str(cid, "id"),
			"drug", str(cid, "title") ?: concept_text(json_object_get(med, "code")) ?: "",
			"spec", spec, "unit", unit, "price", price)) != 0)
			return LL_ENOMEM;
	}
	return 0;
}

/* The ward (department code) an Encounter is in, through its ward Location. */
static const char *encounter_ward(json_t *enc, json_t *loc_to_dept)
{
	size_t i;
	json_t *loc;

	json_array_foreach(json_object_get(enc, "location"), i, loc) {
		const char *ref = str(json_object_get(loc, "location"), "reference");
		const char *dept = ref ? json_string_value(json_object_get(loc_to_dept, ref)) : NULL;

		if (dept)
			return dept;
	}
	return NULL;
}

int census_map_build(const struct census_pull *p, int64_t now_ms, int offset_s, json_t **out,
	int *patients, char *err, size_t errlen)
{
	struct ctx c = { .p = p, .now_ms = now_ms, .offset_s = offset_s, .err = err,
		.errlen = errlen };
	json_t *doc = NULL, *wards = json_object(), *prices = json_array(), *loc_to_dept = json_object();
	json_t *r, *org;
	char when[26];
	size_t i;
	int rc = LL_ENOMEM;

	*out = NULL;
	*patients = 0;
	c.coverage = index_by(p, "Coverage", "beneficiary");
	c.allergies = index_by(p, "AllergyIntolerance", "patient");
	c.orders = index_by(p, "MedicationRequest", "subject");
	if (!wards || !prices || !loc_to_dept || !c.coverage || !c.allergies || !c.orders)
		goto done;
	json_array_foreach(matches(p, "Location"), i, r) {
		const char *dept = identifier(r, SYS_DEPT);
		char ref[160];

		if (!dept || !str(r, "id"))
			continue;
		snprintf(ref, sizeof(ref), "Location/%s", str(r, "id"));
		if (json_object_set_new(loc_to_dept, ref, json_string(dept)) != 0 ||
			json_object_set_new(wards, dept, json_array()) != 0)
			goto done;
	}
	json_array_foreach(matches(p, "Encounter"), i, r) {
		const char *dept = encounter_ward(r, loc_to_dept);

		if (!dept) {
			snprintf(err, errlen, "Encounter/%s is in no ward of the census", str(r, "id"));
			rc = LL_EINVAL;
			goto done;
		}
		if ((rc = map_patient(&c, r, json_object_get(wards, dept))) != 0)
			goto done;
		++*patients;
	}
	if ((rc = map_prices(p, prices, err, errlen)) != 0)
		goto done;
	org = json_array_get(matches(p, "Organization"), 0);
	census_format_time(now_ms, offset_s, when);
	doc = json_pack("{s:s, s:s, s:O, s:O}", "hospital", str(org, "name") ?: "",
		"snapshot_time", when, "wards", wards, "price_list", prices);
	rc = doc ? 0 : LL_ENOMEM;
done:
	if (rc == LL_ENOMEM)
		snprintf(err, errlen, "out of memory");
	json_decref(wards);
	json_decref(prices);
	json_decref(loc_to_dept);
	json_decref(c.coverage);
	json_decref(c.allergies);
	json_decref(c.orders);
	*out = doc;
	return rc;
}
