/*
 * pf_data — the census data a print job is filled from, checked and indexed.
 *
 * The shape is documented in printforms.h. Parsing checks types, ids and
 * times, and builds plain structs whose strings point into the jansson
 * document (the data keeps a reference to it). A missing optional text is
 * "" so that the renderer never meets NULL.
 */
#pragma once

#include <stddef.h>
#include <time.h>
#include <jansson.h>

#include "printforms.h"

typedef struct pf_time {
	time_t t;        /* seconds since the epoch */
	int offset_min;  /* the UTC offset it was written with, minutes */
} pf_time;

typedef struct pf_order {
	const char *id, *drug, *spec, *route, *frequency, *kind, *start;
	char dose[48];            /* "100 mg": dose and unit */
	const char **next_doses;  /* RFC 3339 times, checked */
	size_t n_doses;
} pf_order;

typedef struct pf_patient {
	const char *id, *bed, *inpatient_no, *name, *sex, *fee_category, *diagnosis,
		*allergies, *admitted;
	char age[24];
	pf_order *orders;
	size_t n_orders;
} pf_patient;

typedef struct pf_price {
	const char *code, *drug, *spec, *unit;
	char price[24];
} pf_price;

typedef struct pf_range {
	bool inpatient;
	const char *prefix, *desk;
	long first, last;
	int digits;
} pf_range;

struct printforms_data {
	json_t *doc; /* owned reference */
	const char *hospital, *dept_code, *dept_name, *dept_name_en, *outage_id;
	pf_time snapshot, printed;
	bool printed_given; /* render_time was in the data, else "now" at render */
	pf_patient *patients;
	size_t n_patients;
	pf_price *prices;
	size_t n_prices;
	pf_range *ranges;
	size_t n_ranges;
};

/* Parse an RFC 3339 date-time with seconds optional ("2025-03-01T08:00+08:00" too). */
bool pf_time_parse(const char *s, pf_time *out);
/* "2025-03-01 08:00" in the time's own offset; cap >= 17. */
void pf_time_format(const pf_time *tm, char *buf, size_t cap);
/* "1 小时 12 分" / "3 天 2 小时" / "5 分钟" — how long from..to; "—" if to < from. */
void pf_age_format(time_t from, time_t to, char *buf, size_t cap);

/* Format temporary number n of range r into buf ("LSMZ-0042"). */
void pf_range_number(const pf_range *r, long n, char *buf, size_t cap);
/* "LSMZ-0001 – LSMZ-0100; …" of all ranges of one kind, "" if none. */
void pf_range_text(const printforms_data *d, bool inpatient, char *buf, size_t cap);

const pf_patient *pf_data_patient(const printforms_data *d, const char *id);
