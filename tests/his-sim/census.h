/*
 * census — the demo hospital that his-sim's HIS holds: four wards with
 * beds, their inpatients (fee category, diagnoses, allergies, medication
 * orders), the drug catalogue with prices, and the departments. Lifeline
 * pulls it over FHIR (fhir.c, census_fhir.c) to prefill paper forms.
 *
 * This module is the model only: plain C, no JSON, no FHIR, no I/O. The
 * fixed parts (wards, departments, drugs, diagnoses, the patients with
 * rare names) are tables in census_data.c; census_build() draws the rest
 * from a splitmix64 stream with a fixed seed. So the same census day gives
 * the same hospital, byte for byte, on every run and every machine.
 *
 * Glossary
 *   census day  the calendar day the census describes (default
 *               CENSUS_DEFAULT_DAY). Every date is counted back from it:
 *               admissions in the three weeks before, discharges the day
 *               before or two. Times of day are China Standard Time (+08:00).
 *   ward        病区: where inpatients lie, one of Lifeline's departments
 *               (ward-1 .. ward-4). Beds are numbered 1..beds; a ward with
 *               more patients than beds uses extra beds (加床), numbered
 *               beds+1, beds+2, ... and named 加1床, 加2床, ...
 *   stay        one admission: in progress (the patient is in a bed) or
 *               discharged (a few per ward, bed 0, so that a client that
 *               does not filter on status is caught).
 *   fee category 费别: who pays: 自费 (the patient), 医保, 新农合, 公费.
 *   allergy record  not recorded (nobody asked: no AllergyIntolerance at
 *               all), none known (NKA, asked and none), or known allergens.
 *               A form must tell the first two apart.
 *   order       a long-term medication order (长期医嘱): drug, single dose,
 *               route, frequency, start time; active or stopped. An order
 *               never gives a drug of a class the patient is allergic to.
 *   frequency   a code of the hospital's 频次 dictionary (qd, bid, tid,
 *               q8h, ..., prn) with the ward's administration times, from
 *               which the next doses follow; prn orders have none.
 *   price       per dispensing unit (the drug's unit: 片, 支, 瓶, ...), in
 *               fen (0.01 yuan) to stay exact.
 *
 * Ownership: census_build() fills a caller's struct census and allocates
 * its patients; census_free() releases them. The tables are static and
 * live for the whole process; patients point into them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CENSUS_DEFAULT_DAY "2025-03-15"
#define CENSUS_NAME_MAX 64        /* bytes of a UTF-8 name, NUL included */
#define CENSUS_DIAGNOSES_MAX 3
#define CENSUS_ALLERGENS_MAX 2
#define CENSUS_ORDERS_MAX 8
#define CENSUS_TIMES_MAX 4        /* administration times of one frequency */

/* A calendar day (proleptic Gregorian). */
struct census_day {
	int year, month, day;
};

enum census_sex {
	CENSUS_MALE,
	CENSUS_FEMALE,
};

/* Drug classes an allergy rules out (bits). */
enum census_drug_class {
	CENSUS_PENICILLIN = 1u << 0,
	CENSUS_CEPHALOSPORIN = 1u << 1,
	CENSUS_NSAID = 1u << 2,
	CENSUS_SULFONAMIDE = 1u << 3,
};

/* Which wards use a drug or a diagnosis (bits). */
enum census_specialty {
	CENSUS_MEDICAL = 1u << 0,
	CENSUS_SURGICAL = 1u << 1,
};

struct census_ward {
	const char *code;       /* Lifeline's department code: "ward-1" */
	const char *name;       /* the ward: "内科一病区" */
	const char *station;    /* its nurse station, Lifeline's department name */
	unsigned specialty;     /* CENSUS_MEDICAL or CENSUS_SURGICAL */
	unsigned beds;          /* regular beds 1..beds */
	unsigned inpatients;    /* in a bed on the census day (extra beds past beds) */
	unsigned discharged;    /* stays that ended in the two days before */
	const char *doctors[2]; /* who signs the orders */
};

/* A department of the hospital (Organization); codes are Lifeline's. */
struct census_dept {
	const char *code;
	const char *name;
};

/* Who pays for a fee category other than 自费. */
struct census_payer {
	const char *id;         /* FHIR id of its Organization */
	const char *name;
};

struct census_fee {
	const char *code;       /* the HIS's 费别 code */
	const char *name;       /* 自费, 医保, ... as printed */
	const char *card_prefix;       /* of the insurance card number; NULL for 自费 */
	const struct census_payer *payer; /* NULL: the patient pays */
	unsigned weight;        /* how common, relative */
};

struct census_route {
	const char *code;       /* the HIS's 给药途径 code: "po" */
	const char *name;       /* 口服 */
};

struct census_freq {
	const char *code;       /* "tid" */
	const char *name;       /* 每日三次 */
	unsigned frequency;     /* FHIR Timing: frequency per period */
	unsigned period;
	const char *period_unit; /* "h" or "d" */
	unsigned n_times;       /* 0 for prn */
	const char *times[CENSUS_TIMES_MAX]; /* "08:00:00" */
};

struct census_drug {
	const char *code;       /* the HIS drug code: "XY012" */
	const char *name;       /* generic name and form: 阿莫西林胶囊 */
	const char *form;       /* 胶囊 */
	double strength;        /* per dispensing unit: 0.25 */
	const char *strength_unit; /* g, mg, mL, IU */
	const char *unit;       /* dispensing and pricing unit: 粒 */
	unsigned price_fen;     /* per unit */
	double dose;            /* the usual single dose */
	const char *dose_unit;
	const char *route;      /* a census_route code */
	const char *freqs[3];   /* census_freq codes it is ordered with, NULL-ended */
	unsigned classes;       /* census_drug_class bits */
	unsigned specialty;     /* census_specialty bits */
};

struct census_diagnosis {
	const char *icd10;
	const char *name;
	unsigned specialty;     /* principal diagnosis of these wards */
	bool comorbidity;       /* may come second on any ward */
	const char *drugs[4];   /* drug codes it is usually treated with, NULL-ended */
};

struct census_allergen {
	const char *code;       /* the HIS's allergen code */
	const char *name;       /* 青霉素 */
	const char *category;   /* FHIR: medication, food, environment */
	const char *criticality; /* FHIR: low, high */
	const char *reaction;   /* 皮疹 */
	unsigned excludes;      /* census_drug_class bits it rules out */
	unsigned weight;
};

enum census_allergy_record {
	CENSUS_ALLERGY_NOT_RECORDED,
	CENSUS_ALLERGY_NONE_KNOWN,
	CENSUS_ALLERGY_KNOWN,
};

struct census_order {
	const struct census_drug *drug;
	const struct census_freq *freq;
	double dose;            /* in drug->dose_unit */
	bool active;            /* else stopped (or completed, for a discharged stay) */
	struct census_day start;
	unsigned start_minute;  /* minutes after midnight */
	char no[16];            /* the order number: "YZ..." */
};

struct census_patient {
	unsigned seq;           /* 1, 2, ...: the number in the patient's FHIR ids */
	const struct census_ward *ward;
	char family[CENSUS_NAME_MAX];
	char given[CENSUS_NAME_MAX];
	char name[CENSUS_NAME_MAX]; /* as written: family + given, or a full name with · */
	enum census_sex sex;
	struct census_day birth;
	char patient_no[16];    /* 病人ID, for life */
	char inpatient_no[16];  /* 住院号, for this stay */
	unsigned bed;           /* 0 when discharged */
	struct census_day admitted;
	unsigned admit_minute;
	bool discharged;
	struct census_day discharged_on;
	const struct census_fee *fee;
	char card_no[24];       /* insurance card, "" for 自费 */
	const char *doctor;
	unsigned n_diagnoses;   /* the first is the principal one */
	const struct census_diagnosis *diagnoses[CENSUS_DIAGNOSES_MAX];
	enum census_allergy_record allergy_record;
	unsigned n_allergens;
	const struct census_allergen *allergens[CENSUS_ALLERGENS_MAX];
	unsigned n_orders;
	struct census_order orders[CENSUS_ORDERS_MAX];
};

struct census {
	struct census_day day;
	size_t n_patients;
	struct census_patient *patients; /* ward by ward, in bed order, discharged last */
};

/* ---- the tables (census_data.c) ----------------------------------------- */

extern const char *const census_hospital_name;
extern const struct census_ward census_wards[];
extern const size_t census_n_wards;
extern const struct census_dept census_depts[];
extern const size_t census_n_depts;
extern const struct census_payer census_payers[];
extern const size_t census_n_payers;
extern const struct census_fee census_fees[];
extern const size_t census_n_fees;
extern const struct census_route census_routes[];
extern const size_t census_n_routes;
extern const struct census_freq census_freqs[];
extern const size_t census_n_freqs;
extern const struct census_drug census_drugs[];
extern const size_t census_n_drugs;
extern const struct census_diagnosis census_diagnoses[];
extern const size_t census_n_diagnoses;
extern const struct census_allergen census_allergens[];
extern const size_t census_n_allergens;

/* Patients whose names are fixed: rare characters, and namesakes. */
struct census_named {
	unsigned ward;          /* index into census_wards */
	unsigned bed;
	const char *family, *given;
	const char *name;       /* NULL: family + given */
	enum census_sex sex;
};
extern const struct census_named census_named[];
extern const size_t census_n_named;

/* Name pools the other patients are drawn from. */
extern const char *const census_surnames[];
extern const size_t census_n_surnames;
extern const char *const census_given_male[];
extern const size_t census_n_given_male;
extern const char *const census_given_female[];
extern const size_t census_n_given_female;

/* ---- building ------------------------------------------------------------ */

/*
 * Builds the hospital as it stands on day into c (whose old contents are
 * not freed). 0, or -1 when out of memory (c is then empty).
 */
__attribute__((warn_unused_result))
int census_build(struct census *c, struct census_day day);
/* Frees what census_build() allocated; c is empty after. NULL is fine. */
void census_free(struct census *c);

/* ---- looking up ---------------------------------------------------------- */

const struct census_route *census_route_find(const char *code);
const struct census_freq *census_freq_find(const char *code);
const struct census_drug *census_drug_find(const char *code);

/* "加1床" for an extra bed, "12床" otherwise; "" for bed 0. */
void census_bed_name(const struct census_ward *w, unsigned bed, char *buf, size_t len);

/* ---- calendar days ------------------------------------------------------- */

/* "YYYY-MM-DD" with a real date in 1900..2199 -> 0, else -1. */
__attribute__((warn_unused_result))
int census_day_parse(const char *s, struct census_day *out);
/* Days since 1970-01-01 (negative before). */
long census_day_number(struct census_day d);
struct census_day census_day_from_number(long n);
struct census_day census_day_add(struct census_day d, long days);
/* "YYYY-MM-DD" into buf of at least 11 bytes. */
void census_day_format(struct census_day d, char *buf, size_t len);
