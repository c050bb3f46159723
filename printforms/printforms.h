/*
 * printforms — Lifeline's paper forms: templates as data, one renderer.
 *
 * When a department goes to paper, its staff print a packet of forms
 * prefilled from the last census snapshot the HIS gave us. Each form is a
 * JSON template in printforms/templates/ (schema:
 * schemas/forms/template.schema.json); this library loads the set once,
 * then turns a print *job* plus the census *data* into ONE PDF document
 * (libharu, WenQuanYi Zen Hei embedded, QR codes by libqrencode).
 *
 * The library uses nothing else of Lifeline: only libharu, libqrencode,
 * jansson and libc, so that the server and the offline client share it.
 *
 * Printing in two steps, because every sheet needs a serial the server
 * reserves in PostgreSQL (on its event loop) while rendering runs on a
 * worker thread:
 *
 *     printforms_plan_new()   lays the job out: how many sheets, and for
 *                             each its form, patient, copy and page. Cheap:
 *                             no PDF is made, text is measured with font
 *                             metrics read once at printforms_open().
 *     (the caller reserves printforms_plan_sheets() serials)
 *     printforms_render()     draws the planned sheets with those serials
 *                             into one PDF in memory.
 *
 * printforms_print() does both with a callback that hands out serials, for
 * callers that have them at hand (the offline client, the demo, tests).
 *
 * Glossary
 *   form      one template, named by its code ("mar", "drug-requisition").
 *   instance  a form filled for one context: the department, or one patient
 *             (per the template's "per"), in one copy (联).
 *   sheet     one printed page of an instance. Every sheet carries its own
 *             serial and QR code; a long table continues on further sheets.
 *   mark      a field that the font cannot draw (a rare character such as
 *             𠮷 U+20BB7, or one the font lacks): it is drawn as an empty
 *             box tagged 手写 for handwriting — never printed wrong — and
 *             reported to the caller.
 *
 * The data (a jansson document, see printforms_data_parse()):
 *
 *   {
 *     "hospital": "…",                       required
 *     "department": { "code": "W03",          required, [A-Za-z0-9._-]{1,32}
 *                     "name": "心内科三病区",   required
 *                     "name_en": "…" },
 *     "snapshot_time": "2025-03-01T08:00:00+08:00",   required, RFC 3339
 *     "render_time":   "2025-03-01T09:12:00+08:00",   optional (default: now)
 *     "outage_id": "OUT-…",                  optional
 *     "patients": [ {                        FHIR Patient + Encounter, flat
 *         "id": "P001",                      required, unique, [A-Za-z0-9._-]{1,32}
 *         "bed": "01", "inpatient_no": "…", "name": "…", "sex": "男",
 *         "age": "67岁" (or a number of years), "fee_category": "医保",
 *         "diagnosis": "…", "allergies": "…", "admitted": "2025-02-20",
 *         "orders": [ {                      FHIR MedicationRequest, flat
 *             "id": "…", "drug": "…", "spec": "100mg×30片",
 *             "dose": "100" (or a number), "unit": "mg", "route": "口服",
 *             "frequency": "qd", "kind": "长期" | "临时",
 *             "start": "2025-02-20T09:00:00+08:00",
 *             "next_doses": [ "2025-03-01T08:00:00+08:00", … ] } ] } ],
 *     "price_list": [ { "code": "…", "drug": "…", "spec": "…", "unit": "盒",
 *                       "price": "12.50" (or a number) } ],       ChargeItemDefinition
 *     "number_ranges": [ { "kind": "outpatient" | "inpatient",
 *                          "prefix": "LSMZ-", "first": 1, "last": 100,
 *                          "digits": 4, "desk": "门诊挂号1号窗" } ]
 *   }
 *   Every text is optional unless marked; a missing one prints as blank.
 *   Times are RFC 3339 with an offset; sheets print them in that offset.
 *
 * Threads: a printforms set is immutable after printforms_open() and may be
 * shared by any number of threads; data, jobs and plans are only read by
 * planning and rendering, so they too may be shared once built. Each render
 * makes its own libharu document. There is no global mutable state.
 *
 * Errors: functions that can fail return 0 or a negative PRINTFORMS_E*
 * code, and fill a printforms_error naming where the problem is ("template
 * mar.json /blocks/1/columns/2/field", "data /patients/4/id", "job /0/form").
 * The codes equal proto/errors.h's LL_E* codes of the same meaning, so the
 * server may pass them on; PRINTFORMS_EPDF is ours alone.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define PRINTFORMS_MUST_CHECK __attribute__((warn_unused_result))

enum printforms_status {
	PRINTFORMS_OK = 0,
	PRINTFORMS_ENOMEM = -1,     /* out of memory */
	PRINTFORMS_EINVAL = -2,     /* bad template, data, job or argument */
	PRINTFORMS_EIO = -3,        /* a file could not be read */
	PRINTFORMS_ENOTFOUND = -4,  /* no such form or patient */
	PRINTFORMS_ETOOBIG = -8,    /* text that cannot fit a page, a job too large */
	PRINTFORMS_EPDF = -100,     /* libharu failed (the message has its code) */
};

typedef struct printforms_error {
	char where[160];   /* "template mar.json /blocks/1/columns/2/field", "" if none */
	char message[256]; /* English sentence for logs and API errors */
} printforms_error;

const char *printforms_strerror(int status);

/* ---- the template set ---- */

typedef struct printforms printforms;

typedef struct printforms_options {
	const char *template_dir;  /* required: every *.json in it is a template */
	const char *font_path;     /* NULL: /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc */
	unsigned font_index;       /* face in a .ttc; 0 for WenQuanYi Zen Hei */
	bool compress;             /* deflate page streams and the font: smaller, slower */
} printforms_options;

/*
 * Load and check every template in opt->template_dir and the font metrics.
 * A template that is malformed, names an unknown field, or holds a character
 * the font cannot draw fails the whole load (err names file and place).
 * The caller owns *out and frees it with printforms_close().
 */
int printforms_open(const printforms_options *opt, printforms **out, printforms_error *err)
	PRINTFORMS_MUST_CHECK;
void printforms_close(printforms *pf);

/* What a form needs from the data (bit set). */
enum printforms_need {
	PRINTFORMS_NEED_PATIENTS = 1 << 0,
	PRINTFORMS_NEED_ORDERS = 1 << 1,
	PRINTFORMS_NEED_PRICES = 1 << 2,
	PRINTFORMS_NEED_RANGES = 1 << 3,
};

typedef struct printforms_form_info {
	const char *code;      /* "drug-requisition" */
	const char *name_zh;   /* "药品请领单" */
	const char *name_en;
	const char *paper;     /* "A4" or "A5" */
	bool landscape;
	bool per_patient;      /* one instance per patient, else one per department */
	unsigned copies;       /* 联 printed per instance (1 unless the template lists them) */
	unsigned needs;        /* enum printforms_need bits */
} printforms_form_info;

/* Forms in code order. Pointers stay valid until printforms_close(). */
size_t printforms_count(const printforms *pf);
const printforms_form_info *printforms_form(const printforms *pf, size_t i);
const printforms_form_info *printforms_find(const printforms *pf, const char *code);

/* ---- the data ---- */

typedef struct printforms_data printforms_data;

/*
 * Check and index a data document (shape above). Takes its own reference to
 * doc; the caller must not modify doc afterwards. Free with
 * printforms_data_free().
 */
int printforms_data_parse(json_t *doc, printforms_data **out, printforms_error *err)
	PRINTFORMS_MUST_CHECK;
void printforms_data_free(printforms_data *data);

/* ---- the job ---- */

typedef struct printforms_job printforms_job;

/*
 * A job is a list of items: a form, how many times to print it, and which
 * patients (NULL/0 = all). Per-patient forms print one instance per chosen
 * patient; department forms list only the chosen patients in their tables.
 */
printforms_job *printforms_job_new(void);
void printforms_job_free(printforms_job *job);
/* Copies form and patient ids. 0, PRINTFORMS_ENOMEM or PRINTFORMS_EINVAL (copies 0 or > 20). */
int printforms_job_add(printforms_job *job, const char *form, unsigned copies,
	const char *const *patients, size_t n_patients) PRINTFORMS_MUST_CHECK;
/*
 * Build a job from JSON: [ { "form": "mar", "copies": 1, "patients": ["P001"] }, … ]
 * ("copies" defaults to 1, "patients" to all). Only the shape is checked
 * here; form codes and patients are checked against the set and the data
 * by printforms_plan_new().
 */
int printforms_job_parse(json_t *items, printforms_job **out, printforms_error *err)
	PRINTFORMS_MUST_CHECK;

/* ---- planning ---- */

typedef struct printforms_plan printforms_plan;

typedef struct printforms_sheet {
	const char *form;        /* form code */
	const char *patient;     /* patient id, or NULL on a department sheet */
	const char *copy_label;  /* "第一联 科室留存", or NULL */
	size_t page;             /* 1-based page in the document */
} printforms_sheet;

/*
 * Lay out job on data. The plan points into pf, job and data: they must
 * outlive it. Fails if a form or patient is unknown, or a text cannot fit
 * even a whole page (err names form, patient and field).
 */
int printforms_plan_new(const printforms *pf, const printforms_job *job,
	const printforms_data *data, printforms_plan **out, printforms_error *err)
	PRINTFORMS_MUST_CHECK;
void printforms_plan_free(printforms_plan *plan);
/* Number of sheets = pages = serials the render needs. */
size_t printforms_plan_sheets(const printforms_plan *plan);
const printforms_sheet *printforms_plan_sheet(const printforms_plan *plan, size_t i);

/* ---- rendering ---- */

/* Serials: 1–40 characters of [A-Za-z0-9._-], unique within a job. */
#define PRINTFORMS_SERIAL_MAX 40

typedef struct printforms_mark {
	size_t page;             /* 1-based */
	const char *form;
	const char *patient;     /* may be NULL */
	const char *field;       /* field name from the template, "name" */
	unsigned long codepoint; /* the first character the font cannot draw */
} printforms_mark;

typedef struct printforms_result {
	unsigned char *pdf;        /* the document; owned by the result */
	size_t pdf_len;
	size_t pages;
	const printforms_sheet *sheets; /* pages entries, same order as the plan */
	char (*serials)[PRINTFORMS_SERIAL_MAX + 1]; /* serial of each page */
	printforms_mark *marks;    /* fields drawn as 手写 boxes */
	size_t n_marks;
	printforms_plan *plan;     /* made by printforms_print(), freed with the result */
} printforms_result;

/*
 * Render plan with serials[i] on sheet i (n must equal the plan's sheet
 * count). The result points into the plan for form and patient names: free
 * the result first. Free with printforms_result_free().
 */
int printforms_render(const printforms_plan *plan, const char *const *serials, size_t n,
	printforms_result **out, printforms_error *err) PRINTFORMS_MUST_CHECK;
void printforms_result_free(printforms_result *res);

/* QR payload of a sheet: "LL1|serial|form|dept|patient" (patient may be ""). */
int printforms_qr_text(char *buf, size_t cap, const char *serial, const char *form,
	const char *dept, const char *patient) PRINTFORMS_MUST_CHECK;

/*
 * Hands out the serial of sheet (writes at most PRINTFORMS_SERIAL_MAX + 1
 * bytes into out). Returns 0, or a negative code that aborts the print.
 */
typedef int (*printforms_serial_fn)(void *arg, const printforms_sheet *sheet,
	char out[PRINTFORMS_SERIAL_MAX + 1]);

/*
 * Plan, ask serial_fn for each sheet in order, render. The result owns the
 * plan it made; pf, job and data must outlive the result.
 */
int printforms_print(const printforms *pf, const printforms_job *job,
	const printforms_data *data, printforms_serial_fn serial_fn, void *arg,
	printforms_result **out, printforms_error *err) PRINTFORMS_MUST_CHECK;
