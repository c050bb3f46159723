/* census — the demo hospital's generator (see census.h for the model). */
#include "census.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"

/* "Lifeline" in ASCII: any constant would do, but it must never change. */
#define CENSUS_SEED UINT64_C(0x4c6966656c696e65)
#define CENSUS_BEDS_MAX 128
#define CENSUS_PICK_MAX 64 /* diagnoses a draw chooses among */

/* Running numbers and the random stream, shared by every patient. */
struct census_builder {
	uint64_t rng;
	struct census_day day;
	unsigned seq;
	unsigned inpatient_no;
	unsigned order_no;
};

/* ---- calendar days ------------------------------------------------------- */

/* Howard Hinnant's days_from_civil / civil_from_days, proleptic Gregorian. */
long census_day_number(struct census_day d)
{
	long y = d.year - (d.month <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

struct census_day census_day_from_number(long n)
{
	long z = n + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	struct census_day d;

	d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.year = (int)(yoe + era * 400 + (d.month <= 2));
	return d;
}

struct census_day census_day_add(struct census_day d, long days)
{
	return census_day_from_number(census_day_number(d) + days);
}

int census_day_parse(const char *s, struct census_day *out)
{
	struct census_day d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (size_t i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	}
	d.year = atoi(s);
	d.month = atoi(s + 5);
	d.day = atoi(s + 8);
	if (d.year < 1900 || d.year > 2199 || d.month < 1 || d.month > 12 || d.day < 1)
		return -1;
	/* A day that does not exist (02-30) comes back as another one. */
	struct census_day back = census_day_from_number(census_day_number(d));
	if (back.year != d.year || back.month != d.month || back.day != d.day)
		return -1;
	*out = d;
	return 0;
}

void census_day_format(struct census_day d, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d", d.year, d.month, d.day);
}

/* ---- look-ups -------------------------------------------------------------- */

const struct census_route *census_route_find(const char *code)
{
	for (size_t i = 0; i < census_n_routes; i++) {
		if (strcmp(census_routes[i].code, code) == 0)
			return &census_routes[i];
	}
	return NULL;
}

const struct census_freq *census_freq_find(const char *code)
{
	for (size_t i = 0; i < census_n_freqs; i++) {
		if (strcmp(census_freqs[i].code, code) == 0)
			return &census_freqs[i];
	}
	return NULL;
}

const struct census_drug *census_drug_find(const char *code)
{
	for (size_t i = 0; i < census_n_drugs; i++) {
		if (strcmp(census_drugs[i].code, code) == 0)
			return &census_drugs[i];
	}
	return NULL;
}

void census_bed_name(const struct census_ward *w, unsigned bed, char *buf, size_t len)
{
	if (bed == 0)
		snprintf(buf, len, "%s", "");
	else if (bed > w->beds)
		snprintf(buf, len, "加%u床", bed - w->beds);
	else
		snprintf(buf, len, "%u床", bed);
}

/* ---- drawing a patient ----------------------------------------------------- */

static const struct census_named *census_named_at(size_t ward, unsigned bed)
{
	for (size_t i = 0; i < census_n_named; i++) {
		if (census_named[i].ward == ward && census_named[i].bed == bed)
			return &census_named[i];
	}
	return NULL;
}

static void census_draw_name(struct census_builder *b, struct census_patient *p)
{
	const char *const *pool = p->sex == CENSUS_MALE ? census_given_male : census_given_female;
	size_t n = p->sex == CENSUS_MALE ? census_n_given_male : census_n_given_female;
	const char *first = pool[prng_below(&b->rng, (unsigned)n)];

	snprintf(p->family, sizeof(p->family), "%s",
	    census_surnames[prng_below(&b->rng, (unsigned)census_n_surnames)]);
	/* Two characters for three given names out of five, as in the population. */
	if (prng_below(&b->rng, 5) < 3)
		snprintf(p->given, sizeof(p->given), "%s%s", first,
		    pool[prng_below(&b->rng, (unsigned)n)]);
	else
		snprintf(p->given, sizeof(p->given), "%s", first);
	snprintf(p->name, sizeof(p->name), "%s%s", p->family, p->given);
}

static const struct census_fee *census_draw_fee(struct census_builder *b)
{
	unsigned total = 0, r;

	for (size_t i = 0; i < census_n_fees; i++)
		total += census_fees[i].weight;
	r = prng_below(&b->rng, total);
	for (size_t i = 0; i < census_n_fees; i++) {
		if (r < census_fees[i].weight)
			return &census_fees[i];
		r -= census_fees[i].weight;
	}
	return &census_fees[0];
}

static const struct census_allergen *census_draw_allergen(struct census_builder *b)
{
	unsigned total = 0, r;

	for (size_t i = 0; i < census_n_allergens; i++)
		total += census_allergens[i].weight;
	r = prng_below(&b->rng, total);
	for (size_t i = 0; i < census_n_allergens; i++) {
		if (r < census_allergens[i].weight)
			return &census_allergens[i];
		r -= census_allergens[i].weight;
	}
	return &census_allergens[0];
}

static bool census_has_diagnosis(const struct census_patient *p, const struct census_diagnosis *d)
{
	for (unsigned i = 0; i < p->n_diagnoses; i++) {
		if (p->diagnoses[i] == d)
			return true;
	}
	return false;
}

/* A principal diagnosis of the ward's specialty, then up to two comorbidities. */
static void census_draw_diagnoses(struct census_builder *b, struct census_patient *p)
{
	const struct census_diagnosis *pick[CENSUS_PICK_MAX];
	unsigned n = 0, extra;

	for (size_t i = 0; i < census_n_diagnoses && n < CENSUS_PICK_MAX; i++) {
		if (census_diagnoses[i].specialty & p->ward->specialty)
			pick[n++] = &census_diagnoses[i];
	}
	p->diagnoses[p->n_diagnoses++] = pick[prng_below(&b->rng, n)];
	n = 0;
	for (size_t i = 0; i < census_n_diagnoses && n < CENSUS_PICK_MAX; i++) {
		if (census_diagnoses[i].comorbidity)
			pick[n++] = &census_diagnoses[i];
	}
	extra = prng_below(&b->rng, 3);
	for (unsigned k = 0; k < extra * 2 && p->n_diagnoses < 1 + extra; k++) {
		const struct census_diagnosis *d = pick[prng_below(&b->rng, n)];
		if (!census_has_diagnosis(p, d))
			p->diagnoses[p->n_diagnoses++] = d;
	}
}

static void census_draw_allergies(struct census_builder *b, struct census_patient *p)
{
	unsigned r = prng_below(&b->rng, 100);

	if (r < 8) {
		p->allergy_record = CENSUS_ALLERGY_NOT_RECORDED;
		return;
	}
	if (r < 78) {
		p->allergy_record = CENSUS_ALLERGY_NONE_KNOWN;
		return;
	}
	p->allergy_record = CENSUS_ALLERGY_KNOWN;
	p->allergens[p->n_allergens++] = census_draw_allergen(b);
	if (prng_below(&b->rng, 4) == 0) {
		const struct census_allergen *a = census_draw_allergen(b);
		if (a != p->allergens[0])
			p->allergens[p->n_allergens++] = a;
	}
}

/* May p be given d: the ward uses it, no allergy rules it out, not ordered yet. */
static bool census_drug_fits(const struct census_patient *p, const struct census_drug *d)
{
	if (d == NULL || !(d->specialty & p->ward->specialty))
		return false;
	for (unsigned i = 0; i < p->n_allergens; i++) {
		if (p->allergens[i]->excludes & d->classes)
			return false;
	}
	for (unsigned i = 0; i < p->n_orders; i++) {
		if (p->orders[i].drug == d)
			return false;
	}
	return true;
}

static void census_add_order(struct census_builder *b, struct census_patient *p,
    const struct census_drug *d, bool active)
{
	struct census_order *o = &p->orders[p->n_orders++];
	unsigned n_freqs = 0;
	long stay = census_day_number(p->discharged ? p->discharged_on : b->day) -
	    census_day_number(p->admitted);

	while (n_freqs < 3 && d->freqs[n_freqs] != NULL)
		n_freqs++;
	o->drug = d;
	o->freq = census_freq_find(d->freqs[prng_below(&b->rng, n_freqs)]);
	o->dose = d->dose;
	o->active = active && !p->discharged;
	/* Most orders start on the day of admission; some were added since. */
	o->start = census_day_add(p->admitted,
	    prng_below(&b->rng, 3) == 0 ? prng_range(&b->rng, 0, (int)stay) : 0);
	o->start_minute = (unsigned)prng_range(&b->rng, 8 * 60, 18 * 60 - 1);
	if (census_day_number(o->start) == census_day_number(p->admitted) &&
	    o->start_minute < p->admit_minute)
		o->start_minute = p->admit_minute + 20;
	b->order_no += 1 + prng_below(&b->rng, 9);
	snprintf(o->no, sizeof(o->no), "YZ%08u", b->order_no);
}

/*
 * Active orders: what the diagnoses call for, first the principal one's,
 * then what the ward gives anyway; a few stopped ones besides.
 */
static void census_draw_orders(struct census_builder *b, struct census_patient *p)
{
	unsigned want = (unsigned)prng_range(&b->rng, 2, 5), stopped, tries;

	for (unsigned i = 0; i < p->n_diagnoses && p->n_orders < want; i++) {
		const struct census_diagnosis *dx = p->diagnoses[i];
		unsigned take = i == 0 ? (unsigned)prng_range(&b->rng, 1, 3) : 1;

		for (size_t k = 0; k < 4 && dx->drugs[k] != NULL && take > 0 && p->n_orders < want; k++) {
			const struct census_drug *d = census_drug_find(dx->drugs[k]);
			if (census_drug_fits(p, d)) {
				census_add_order(b, p, d, true);
				take--;
			}
		}
	}
	for (tries = 0; p->n_orders < want && tries < 64; tries++) {
		const struct census_drug *d = &census_drugs[prng_below(&b->rng, (unsigned)census_n_drugs)];
		if (census_drug_fits(p, d))
			census_add_order(b, p, d, true);
	}
	stopped = prng_below(&b->rng, 3);
	for (tries = 0; stopped > 0 && p->n_orders < CENSUS_ORDERS_MAX && tries < 64; tries++) {
		const struct census_drug *d = &census_drugs[prng_below(&b->rng, (unsigned)census_n_drugs)];
		if (census_drug_fits(p, d)) {
			census_add_order(b, p, d, false);
			stopped--;
		}
	}
}

/* bed 0: a stay that ended before the census day. */
static void census_draw_patient(struct census_builder *b, struct census_patient *p,
    size_t ward, unsigned bed)
{
	const struct census_ward *w = &census_wards[ward];
	const struct census_named *named = bed > 0 ? census_named_at(ward, bed) : NULL;
	int age = w->specialty == CENSUS_MEDICAL ? prng_range(&b->rng, 38, 92)
	                                         : prng_range(&b->rng, 18, 86);
	unsigned r;

	p->seq = ++b->seq;
	p->ward = w;
	p->bed = bed;
	p->sex = named != NULL ? named->sex : (enum census_sex)prng_below(&b->rng, 2);
	if (named != NULL) {
		snprintf(p->family, sizeof(p->family), "%s", named->family);
		snprintf(p->given, sizeof(p->given), "%s", named->given);
		snprintf(p->name, sizeof(p->name), "%s%s", named->name ? named->name : named->family,
		    named->name ? "" : named->given);
	} else {
		census_draw_name(b, p);
	}
	p->birth = census_day_add(b->day, -(long)age * 365 - age / 4 - prng_range(&b->rng, 0, 364));
	snprintf(p->patient_no, sizeof(p->patient_no), "%010u",
	    1000000u + p->seq * 37u + prng_below(&b->rng, 37));
	p->discharged = bed == 0;
	if (p->discharged) {
		p->discharged_on = census_day_add(b->day, -prng_range(&b->rng, 1, 2));
		p->admitted = census_day_add(p->discharged_on, -prng_range(&b->rng, 3, 15));
	} else {
		p->admitted = census_day_add(b->day, -prng_range(&b->rng, 0, 20));
	}
	p->admit_minute = (unsigned)prng_range(&b->rng, 8 * 60, 20 * 60 - 1);
	b->inpatient_no += 1 + prng_below(&b->rng, 23);
	snprintf(p->inpatient_no, sizeof(p->inpatient_no), "%08u", b->inpatient_no);
	p->fee = census_draw_fee(b);
	r = (unsigned)(prng_next(&b->rng) % 1000000000u);
	if (p->fee->card_prefix != NULL)
		snprintf(p->card_no, sizeof(p->card_no), "%s%04u%09u", p->fee->card_prefix,
		    3200u + prng_below(&b->rng, 100), r);
	p->doctor = w->doctors[prng_below(&b->rng, 2)];
	census_draw_diagnoses(b, p);
	census_draw_allergies(b, p);
	census_draw_orders(b, p);
}

/* Which beds of ward are taken: the named patients' first, then drawn. */
static void census_draw_beds(struct census_builder *b, size_t ward, bool *taken, unsigned n_beds)
{
	const struct census_ward *w = &census_wards[ward];
	unsigned filled = 0;

	memset(taken, 0, (n_beds + 1) * sizeof(*taken));
	for (unsigned bed = w->beds + 1; bed <= n_beds; bed++) {
		taken[bed] = true; /* an extra bed is there because someone lies in it */
		filled++;
	}
	for (size_t i = 0; i < census_n_named; i++) {
		const struct census_named *nm = &census_named[i];
		if (nm->ward == ward && nm->bed <= w->beds && !taken[nm->bed] && filled < w->inpatients) {
			taken[nm->bed] = true;
			filled++;
		}
	}
	while (filled < w->inpatients) {
		unsigned bed = 1 + prng_below(&b->rng, w->beds);
		if (!taken[bed]) {
			taken[bed] = true;
			filled++;
		}
	}
}

int census_build(struct census *c, struct census_day day)
{
	struct census_builder b = { CENSUS_SEED, day, 0, 25030000u, 50000000u };
	bool taken[CENSUS_BEDS_MAX + 1];
	size_t total = 0, k = 0;

	memset(c, 0, sizeof(*c));
	c->day = day;
	for (size_t w = 0; w < census_n_wards; w++)
		total += census_wards[w].inpatients + census_wards[w].discharged;
	c->patients = calloc(total > 0 ? total : 1, sizeof(*c->patients));
	if (c->patients == NULL)
		return -1;
	for (size_t w = 0; w < census_n_wards; w++) {
		const struct census_ward *ward = &census_wards[w];
		unsigned n_beds = ward->inpatients > ward->beds ? ward->inpatients : ward->beds;

		if (n_beds > CENSUS_BEDS_MAX)
			n_beds = CENSUS_BEDS_MAX;
		census_draw_beds(&b, w, taken, n_beds);
		for (unsigned bed = 1; bed <= n_beds; bed++) {
			if (taken[bed])
				census_draw_patient(&b, &c->patients[k++], w, bed);
		}
		for (unsigned i = 0; i < ward->discharged; i++)
			census_draw_patient(&b, &c->patients[k++], w, 0);
	}
	c->n_patients = k;
	return 0;
}

void census_free(struct census *c)
{
	if (c == NULL)
		return;
	free(c->patients);
	c->patients = NULL;
	c->n_patients = 0;
}
