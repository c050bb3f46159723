/* census_fhir — the demo hospital as FHIR R4 resources (see census_fhir.h). */
#include "census_fhir.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "census.h"
#include "fhir_store.h"

/* The hospital's own dictionaries. */
#define SYS_DEPT "urn:demo-hospital:dept"
#define SYS_PATIENT_ID "urn:demo-hospital:patient-id"
#define SYS_INPATIENT_NO "urn:demo-hospital:inpatient-no"
#define SYS_ORDER_NO "urn:demo-hospital:order-no"
#define SYS_DRUG "urn:demo-hospital:drug"
#define SYS_FEE "urn:demo-hospital:fee-category"
#define SYS_ROUTE "urn:demo-hospital:route"
#define SYS_FREQ "urn:demo-hospital:frequency"
#define SYS_ALLERGEN "urn:demo-hospital:allergen"
#define SYS_LOCTYPE "urn:demo-hospital:location-type"
/* Standard code systems. */
#define SYS_ICD10 "http://hl7.org/fhir/sid/icd-10"
#define SYS_SNOMED "http://snomed.info/sct"
#define SYS_UCUM "http://unitsofmeasure.org"
#define SYS_TERM "http://terminology.hl7.org/CodeSystem/"

#define CF_ID_MAX 64
#define CF_TIME_MAX 32

/* ---- small builders: each returns a new reference, or NULL when out of memory */

static json_t *cf_coding(const char *system, const char *code, const char *display)
{
	return json_pack("{s:s, s:s, s:s*}", "system", system, "code", code, "display", display);
}

/* A CodeableConcept of one coding (stolen) and an optional text. */
static json_t *cf_concept(json_t *coding, const char *text)
{
	return json_pack("{s:[o], s:s*}", "coding", coding, "text", text);
}

static json_t *cf_ref(const char *type, const char *id, const char *display)
{
	char ref[CF_ID_MAX * 2];

	snprintf(ref, sizeof(ref), "%s/%s", type, id);
	return json_pack("{s:s, s:s*}", "reference", ref, "display", display);
}

static json_t *cf_identifier(const char *system, const char *value)
{
	return json_pack("[{s:s, s:s}]", "system", system, "value", value);
}

/* A FHIR decimal: 100 rather than 100.0 when the value is whole. */
static json_t *cf_decimal(double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* UCUM's code for the units used, NULL where UCUM has none (片, 支, ...). */
static const char *cf_ucum(const char *unit)
{
	static const char *const map[][2] = {
		{ "g", "g" }, { "mg", "mg" }, { "ug", "ug" }, { "mL", "mL" }, { "IU", "[iU]" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(unit, map[i][0]) == 0)
			return map[i][1];
	}
	return NULL;
}

static json_t *cf_quantity(double value, const char *unit)
{
	const char *ucum = cf_ucum(unit);

	return json_pack("{s:o, s:s, s:s*, s:s*}", "value", cf_decimal(value), "unit", unit,
	    "system", ucum ? SYS_UCUM : NULL, "code", ucum);
}

static void cf_datetime(struct census_day d, unsigned minute, char *buf, size_t len)
{
	char day[16];

	census_day_format(d, day, sizeof(day));
	snprintf(buf, len, "%sT%02u:%02u:00+08:00", day, minute / 60 % 24, minute % 60);
}

static json_t *cf_date(struct census_day d)
{
	char day[16];

	census_day_format(d, day, sizeof(day));
	return json_string(day);
}

static int cf_add(struct fhir_store *s, json_t *resource)
{
	return fhir_store_add(s, resource);
}

/* ---- organisations and places ------------------------------------------- */

static int cf_organizations(struct fhir_store *s)
{
	char id[CF_ID_MAX];

	if (cf_add(s, json_pack("{s:s, s:s, s:b, s:[o], s:s}",
	    "resourceType", "Organization", "id", "org-hospital", "active", 1,
	    "type", cf_concept(cf_coding(SYS_TERM "organization-type", "prov",
	    "Healthcare Provider"), NULL), "name", census_hospital_name)) != 0)
		return -1;
	for (size_t i = 0; i < census_n_depts; i++) {
		snprintf(id, sizeof(id), "org-%s", census_depts[i].code);
		if (cf_add(s, json_pack("{s:s, s:s, s:o, s:b, s:[o], s:s, s:o}",
		    "resourceType", "Organization", "id", id,
		    "identifier", cf_identifier(SYS_DEPT, census_depts[i].code), "active", 1,
		    "type", cf_concept(cf_coding(SYS_TERM "organization-type", "dept",
		    "Hospital Department"), NULL),
		    "name", census_depts[i].name,
		    "partOf", cf_ref("Organization", "org-hospital", census_hospital_name))) != 0)
			return -1;
	}
	for (size_t i = 0; i < census_n_payers; i++) {
		if (cf_add(s, json_pack("{s:s, s:s, s:b, s:[o], s:s}",
		    "resourceType", "Organization", "id", census_payers[i].id, "active", 1,
		    "type", cf_concept(cf_coding(SYS_TERM "organization-type", "pay", "Payer"), NULL),
		    "name", census_payers[i].name)) != 0)
			return -1;
	}
	return 0;
}

/* Which patient lies in bed of w, NULL when it is free. */
static const struct census_patient *cf_occupant(const struct census *c,
    const struct census_ward *w, unsigned bed)
{
	for (size_t i = 0; i < c->n_patients; i++) {
		if (c->patients[i].ward == w && c->patients[i].bed == bed)
			return &c->patients[i];
	}
	return NULL;
}

static void cf_bed_id(const struct census_ward *w, unsigned bed, char *buf, size_t len)
{
	snprintf(buf, len, "loc-%s-bed-%02u", w->code, bed);
}

static int cf_locations(const struct census *c, struct fhir_store *s)
{
	for (size_t i = 0; i < census_n_wards; i++) {
		const struct census_ward *w = &census_wards[i];
		unsigned n_beds = w->inpatients > w->beds ? w->inpatients : w->beds;
		char ward_id[CF_ID_MAX], org_id[CF_ID_MAX];
		json_t *type;

		snprintf(ward_id, sizeof(ward_id), "loc-%s", w->code);
		snprintf(org_id, sizeof(org_id), "org-%s", w->code);
		type = json_pack("[{s:[o, o], s:s}]",
		    "coding", cf_coding(SYS_TERM "v3-RoleCode", "HU", "Hospital unit"),
		    cf_coding(SYS_LOCTYPE, "ward", "病区"), "text", "病区");
		if (cf_add(s, json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:o}",
		    "resourceType", "Location", "id", ward_id,
		    "identifier", cf_identifier(SYS_DEPT, w->code), "status", "active",
		    "name", w->name, "mode", "instance", "type", type,
		    "physicalType", cf_concept(cf_coding(SYS_TERM "location-physical-type", "wa",
		    "Ward"), NULL),
		    "managingOrganization", cf_ref("Organization", org_id, w->station))) != 0)
			return -1;
		for (unsigned bed = 1; bed <= n_beds; bed++) {
			bool taken = cf_occupant(c, w, bed) != NULL;
			char bed_id[CF_ID_MAX], name[32];

			cf_bed_id(w, bed, bed_id, sizeof(bed_id));
			census_bed_name(w, bed, name, sizeof(name));
			if (cf_add(s, json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:[o], s:o, s:o, s:o}",
			    "resourceType", "Location", "id", bed_id, "status", "active",
			    "operationalStatus", cf_coding(SYS_TERM "v2-0116", taken ? "O" : "U",
			    taken ? "Occupied" : "Unoccupied"),
			    "name", name, "mode", "instance",
			    "type", cf_concept(cf_coding(SYS_LOCTYPE, "bed", "床位"), "床位"),
			    "physicalType", cf_concept(cf_coding(SYS_TERM "location-physical-type", "bd",
			    "Bed"), NULL),
			    "managingOrganization", cf_ref("Organization", org_id, w->station),
			    "partOf", cf_ref("Location", ward_id, w->name))) != 0)
				return -1;
		}
	}
	return 0;
}

/* ---- drugs and prices ---------------------------------------------------- */

static int cf_drugs(const struct census *c, struct fhir_store *s)
{
	char effective[16];

	/* The price list took effect on the first of January of the census year. */
	snprintf(effective, sizeof(effective), "%04d-01-01", c->day.year);
	for (size_t i = 0; i < census_n_drugs; i++) {
		const struct census_drug *d = &census_drugs[i];
		char med_id[CF_ID_MAX], price_id[CF_ID_MAX], url[128], spec[128];
		char strength[32];

		snprintf(med_id, sizeof(med_id), "med-%s", d->code);
		snprintf(price_id, sizeof(price_id), "price-%s", d->code);
		snprintf(url, sizeof(url), "urn:demo-hospital:price:%s", d->code);
		snprintf(strength, sizeof(strength), "%g", d->strength);
		snprintf(spec, sizeof(spec), "%s %s%s/%s", d->name, strength, d->strength_unit, d->unit);
		if (cf_add(s, json_pack("{s:s, s:s, s:o, s:s, s:o, s:{s:o, s:{s:i, s:s}}}",
		    "resourceType", "Medication", "id", med_id,
		    "code", cf_concept(cf_coding(SYS_DRUG, d->code, d->name), d->name),
		    "status", "active",
		    "form", json_pack("{s:s}", "text", d->form),
		    "amount", "numerator", cf_quantity(d->strength, d->strength_unit),
		    "denominator", "value", 1, "unit", d->unit)) != 0)
			return -1;
		if (cf_add(s, json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:o, s:[o], "
		    "s:{s:s}, s:[{s:[{s:s, s:{s:o, s:s}}]}]}",
		    "resourceType", "ChargeItemDefinition", "id", price_id, "url", url,
		    "identifier", cf_identifier(SYS_DRUG, d->code), "title", d->name,
		    "status", "active", "date", effective,
		    "code", cf_concept(cf_coding(SYS_DRUG, d->code, d->name), NULL),
		    "instance", cf_ref("Medication", med_id, spec),
		    "effectivePeriod", "start", effective,
		    "propertyGroup", "priceComponent", "type", "base",
		    "amount", "value", cf_decimal(d->price_fen / 100.0), "currency", "CNY")) != 0)
			return -1;
	}
	return 0;
}

/* ---- one patient ------------------------------------------------------- */

/* Ids and references every resource of one patient uses. */
struct cf_patient {
	const struct census_patient *p;
	char pat_id[CF_ID_MAX], enc_id[CF_ID_MAX];
	char recorded[16];        /* the admission day */
};

static json_t *cf_subject(const struct cf_patient *cp)
{
	return cf_ref("Patient", cp->pat_id, cp->p->name);
}

static int cf_patient(const struct cf_patient *cp, struct fhir_store *s)
{
	const struct census_patient *p = cp->p;

	return cf_add(s, json_pack("{s:s, s:s, s:o, s:b, s:[{s:s, s:s, s:s, s:[s]}], s:s, s:o}",
	    "resourceType", "Patient", "id", cp->pat_id,
	    "identifier", cf_identifier(SYS_PATIENT_ID, p->patient_no), "active", 1,
	    "name", "use", "official", "text", p->name, "family", p->family, "given", p->given,
	    "gender", p->sex == CENSUS_MALE ? "male" : "female",
	    "birthDate", cf_date(p->birth)));
}

static json_t *cf_encounter_locations(const struct cf_patient *cp)
{
	const struct census_patient *p = cp->p;
	char ward_id[CF_ID_MAX], bed_id[CF_ID_MAX], bed_name[32];
	json_t *list;

	snprintf(ward_id, sizeof(ward_id), "loc-%s", p->ward->code);
	list = json_pack("[{s:o, s:s, s:o}]",
	    "location", cf_ref("Location", ward_id, p->ward->name),
	    "status", p->discharged ? "completed" : "active",
	    "physicalType", cf_concept(cf_coding(SYS_TERM "location-physical-type", "wa", "Ward"),
	    NULL));
	if (list == NULL || p->discharged)
		return list;
	cf_bed_id(p->ward, p->bed, bed_id, sizeof(bed_id));
	census_bed_name(p->ward, p->bed, bed_name, sizeof(bed_name));
	if (json_array_append_new(list, json_pack("{s:o, s:s, s:o}",
	    "location", cf_ref("Location", bed_id, bed_name), "status", "active",
	    "physicalType", cf_concept(cf_coding(SYS_TERM "location-physical-type", "bd", "Bed"),
	    NULL))) != 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static json_t *cf_encounter_diagnoses(const struct cf_patient *cp)
{
	json_t *list = json_array();

	for (unsigned k = 0; list != NULL && k < cp->p->n_diagnoses; k++) {
		const struct census_diagnosis *dx = cp->p->diagnoses[k];
		char id[CF_ID_MAX];

		snprintf(id, sizeof(id), "cond-%04u-%u", cp->p->seq, k + 1);
		if (json_array_append_new(list, json_pack("{s:o, s:o, s:i}",
		    "condition", cf_ref("Condition", id, dx->name),
		    "use", cf_concept(k == 0 ? cf_coding(SYS_TERM "diagnosis-role", "AD",
		    "Admission diagnosis") : cf_coding(SYS_TERM "diagnosis-role", "CM",
		    "Comorbidity diagnosis"), NULL),
		    "rank", (int)k + 1)) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	return list;
}

static int cf_encounter(const struct cf_patient *cp, struct fhir_store *s)
{
	const struct census_patient *p = cp->p;
	char start[CF_TIME_MAX], end[CF_TIME_MAX], org_id[CF_ID_MAX];
	json_t *period;

	cf_datetime(p->admitted, p->admit_minute, start, sizeof(start));
	/* Discharged at ten in the morning, as wards do. */
	cf_datetime(p->discharged_on, 10 * 60, end, sizeof(end));
	period = json_pack("{s:s, s:s*}", "start", start, "end", p->discharged ? end : NULL);
	snprintf(org_id, sizeof(org_id), "org-%s", p->ward->code);
	return cf_add(s, json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:[{s:[o], s:{s:s}}], "
	    "s:o, s:o, s:o, s:o}",
	    "resourceType", "Encounter", "id", cp->enc_id,
	    "identifier", cf_identifier(SYS_INPATIENT_NO, p->inpatient_no),
	    "status", p->discharged ? "finished" : "in-progress",
	    "class", cf_coding(SYS_TERM "v3-ActCode", "IMP", "inpatient encounter"),
	    "subject", cf_subject(cp),
	    "participant", "type", cf_concept(cf_coding(SYS_TERM "v3-ParticipationType", "ATND",
	    "attender"), "主治医师"), "individual", "display", p->doctor,
	    "period", period,
	    "diagnosis", cf_encounter_diagnoses(cp),
	    "location", cf_encounter_locations(cp),
	    "serviceProvider", cf_ref("Organization", org_id, p->ward->station)));
}

static int cf_coverage(const struct cf_patient *cp, struct fhir_store *s)
{
	const struct census_patient *p = cp->p;
	const struct census_fee *fee = p->fee;
	char id[CF_ID_MAX];
	json_t *payor;

	snprintf(id, sizeof(id), "cov-%04u", p->seq);
	payor = fee->payer != NULL ? cf_ref("Organization", fee->payer->id, fee->payer->name)
	                           : cf_subject(cp);
	return cf_add(s, json_pack("{s:s, s:s, s:s, s:o, s:s*, s:o, s:o, s:[o]}",
	    "resourceType", "Coverage", "id", id, "status", "active",
	    "type", cf_concept(cf_coding(SYS_FEE, fee->code, fee->name), fee->name),
	    "subscriberId", p->card_no[0] != '\0' ? p->card_no : NULL,
	    "beneficiary", cf_subject(cp),
	    "relationship", cf_concept(cf_coding(SYS_TERM "subscriber-relationship", "self", "Self"),
	    NULL),
	    "payor", payor));
}

static int cf_conditions(const struct cf_patient *cp, struct fhir_store *s)
{
	for (unsigned k = 0; k < cp->p->n_diagnoses; k++) {
		const struct census_diagnosis *dx = cp->p->diagnoses[k];
		char id[CF_ID_MAX];

		snprintf(id, sizeof(id), "cond-%04u-%u", cp->p->seq, k + 1);
		if (cf_add(s, json_pack("{s:s, s:s, s:o, s:o, s:[o], s:o, s:o, s:o, s:s}",
		    "resourceType", "Condition", "id", id,
		    "clinicalStatus", cf_concept(cf_coding(SYS_TERM "condition-clinical", "active",
		    "Active"), NULL),
		    "verificationStatus", cf_concept(cf_coding(SYS_TERM "condition-ver-status",
		    "confirmed", "Confirmed"), NULL),
		    "category", cf_concept(cf_coding(SYS_TERM "condition-category",
		    "encounter-diagnosis", "Encounter Diagnosis"), NULL),
		    "code", cf_concept(cf_coding(SYS_ICD10, dx->icd10, dx->name), dx->name),
		    "subject", cf_subject(cp),
		    "encounter", cf_ref("Encounter", cp->enc_id, NULL),
		    "recordedDate", cp->recorded)) != 0)
			return -1;
	}
	return 0;
}

static json_t *cf_allergy_clinical(void)
{
	return cf_concept(cf_coding(SYS_TERM "allergyintolerance-clinical", "active", "Active"), NULL);
}

static json_t *cf_allergy_verified(void)
{
	return cf_concept(cf_coding(SYS_TERM "allergyintolerance-verification", "confirmed",
	    "Confirmed"), NULL);
}

static int cf_allergies(const struct cf_patient *cp, struct fhir_store *s)
{
	const struct census_patient *p = cp->p;
	char id[CF_ID_MAX];

	if (p->allergy_record == CENSUS_ALLERGY_NOT_RECORDED)
		return 0;
	if (p->allergy_record == CENSUS_ALLERGY_NONE_KNOWN) {
		snprintf(id, sizeof(id), "alg-%04u-1", p->seq);
		return cf_add(s, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s}",
		    "resourceType", "AllergyIntolerance", "id", id,
		    "clinicalStatus", cf_allergy_clinical(), "verificationStatus", cf_allergy_verified(),
		    "code", cf_concept(cf_coding(SYS_SNOMED, "716186003", "No known allergy"),
		    "无已知过敏"),
		    "patient", cf_subject(cp), "recordedDate", cp->recorded));
	}
	for (unsigned k = 0; k < p->n_allergens; k++) {
		const struct census_allergen *a = p->allergens[k];

		snprintf(id, sizeof(id), "alg-%04u-%u", p->seq, k + 1);
		if (cf_add(s, json_pack("{s:s, s:s, s:o, s:o, s:s, s:[s], s:s, s:o, s:o, s:s, "
		    "s:[{s:[{s:s}]}]}",
		    "resourceType", "AllergyIntolerance", "id", id,
		    "clinicalStatus", cf_allergy_clinical(), "verificationStatus", cf_allergy_verified(),
		    "type", "allergy", "category", a->category, "criticality", a->criticality,
		    "code", cf_concept(cf_coding(SYS_ALLERGEN, a->code, a->name), a->name),
		    "patient", cf_subject(cp), "recordedDate", cp->recorded,
		    "reaction", "manifestation", "text", a->reaction)) != 0)
			return -1;
	}
	return 0;
}

static json_t *cf_timing(const struct census_order *o, const char *start)
{
	const struct census_freq *f = o->freq;
	json_t *repeat = json_pack("{s:{s:s}}", "boundsPeriod", "start", start);
	json_t *times;

	if (repeat != NULL && f->n_times > 0) {
		times = json_array();
		for (unsigned i = 0; times != NULL && i < f->n_times; i++) {
			if (json_array_append_new(times, json_string(f->times[i])) != 0) {
				json_decref(times);
				times = NULL;
			}
		}
		if (json_object_update_new(repeat, json_pack("{s:i, s:i, s:s, s:o}",
		    "frequency", (int)f->frequency, "period", (int)f->period,
		    "periodUnit", f->period_unit, "timeOfDay", times)) != 0) {
			json_decref(repeat);
			repeat = NULL;
		}
	}
	return json_pack("{s:o, s:o}", "repeat", repeat,
	    "code", cf_concept(cf_coding(SYS_FREQ, f->code, f->name), f->code));
}

static json_t *cf_dosage(const struct census_order *o, const char *start)
{
	const struct census_route *route = census_route_find(o->drug->route);
	char text[128], dose[32];

	snprintf(dose, sizeof(dose), "%g", o->dose);
	snprintf(text, sizeof(text), "%s%s %s %s", dose, o->drug->dose_unit, route->name,
	    o->freq->code);
	return json_pack("{s:s, s:o, s:o*, s:o, s:[{s:o}]}",
	    "text", text, "timing", cf_timing(o, start),
	    "asNeededBoolean", o->freq->n_times == 0 ? json_true() : NULL,
	    "route", cf_concept(cf_coding(SYS_ROUTE, route->code, route->name), route->name),
	    "doseAndRate", "doseQuantity", cf_quantity(o->dose, o->drug->dose_unit));
}

static int cf_orders(const struct cf_patient *cp, struct fhir_store *s)
{
	const struct census_patient *p = cp->p;

	for (unsigned k = 0; k < p->n_orders; k++) {
		const struct census_order *o = &p->orders[k];
		const char *status = o->active ? "active" : p->discharged ? "completed" : "stopped";
		char id[CF_ID_MAX], med_id[CF_ID_MAX], start[CF_TIME_MAX];

		snprintf(id, sizeof(id), "mr-%04u-%02u", p->seq, k + 1);
		snprintf(med_id, sizeof(med_id), "med-%s", o->drug->code);
		cf_datetime(o->start, o->start_minute, start, sizeof(start));
		if (cf_add(s, json_pack("{s:s, s:s, s:o, s:s, s:s, s:[o], s:o, s:o, s:o, s:s, "
		    "s:{s:s}, s:[o]}",
		    "resourceType", "MedicationRequest", "id", id,
		    "identifier", cf_identifier(SYS_ORDER_NO, o->no),
		    "status", status, "intent", "order",
		    "category", cf_concept(cf_coding(SYS_TERM "medicationrequest-category", "inpatient",
		    "Inpatient"), "长期医嘱"),
		    "medicationReference", cf_ref("Medication", med_id, o->drug->name),
		    "subject", cf_subject(cp),
		    "encounter", cf_ref("Encounter", cp->enc_id, NULL),
		    "authoredOn", start,
		    "requester", "display", p->doctor,
		    "dosageInstruction", cf_dosage(o, start))) != 0)
			return -1;
	}
	return 0;
}

static int cf_patient_all(const struct census_patient *p, struct fhir_store *s)
{
	struct cf_patient cp = { .p = p };

	snprintf(cp.pat_id, sizeof(cp.pat_id), "pat-%04u", p->seq);
	snprintf(cp.enc_id, sizeof(cp.enc_id), "enc-%04u", p->seq);
	census_day_format(p->admitted, cp.recorded, sizeof(cp.recorded));
	if (cf_patient(&cp, s) != 0 || cf_encounter(&cp, s) != 0 || cf_coverage(&cp, s) != 0 ||
	    cf_conditions(&cp, s) != 0 || cf_allergies(&cp, s) != 0 || cf_orders(&cp, s) != 0)
		return -1;
	return 0;
}

int census_fhir_load(const struct census *c, struct fhir_store *s)
{
	if (cf_organizations(s) != 0 || cf_locations(c, s) != 0 || cf_drugs(c, s) != 0)
		return -1;
	for (size_t i = 0; i < c->n_patients; i++) {
		if (cf_patient_all(&c->patients[i], s) != 0)
			return -1;
	}
	return 0;
}
