/*
 * printforms-demo — render a print job from a JSON data file to a PDF.
 *
 *   printforms-demo --templates DIR --data FILE [--form CODE]... [--job JSON|@FILE]
 *                   [--font PATH] [--serial-prefix P] [--compress] [-o OUT.pdf]
 *   printforms-demo --templates DIR --list
 *   printforms-demo --raw-bench N    pages/s of bare libharu with the same font
 *
 * Prints a JSON report on stdout: pages, the serial, form, patient and copy of
 * each page, the fields marked for handwriting, and timings. Serials are
 * PREFIX-000001, PREFIX-000002, … (the server reserves real ones).
 * For tests and measurements; not installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hpdf.h>

#include "printforms.h"

#define DEFAULT_FONT "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

struct opts {
	const char *templates, *data, *job, *font, *out, *prefix;
	const char *forms[32];
	size_t n_forms;
	bool list, compress;
	long raw_pages;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: printforms-demo --templates DIR (--list | --data FILE [--form CODE]... "
		"[--job JSON|@FILE] [--font PATH] [--serial-prefix P] [--compress] [-o OUT.pdf])\n"
		"       printforms-demo [--font PATH] --raw-bench PAGES\n");
	return 2;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--list") == 0) { o->list = true; continue; }
		if (strcmp(a, "--compress") == 0) { o->compress = true; continue; }
		if (!v)
			return usage();
		i++;
		if (strcmp(a, "--templates") == 0) o->templates = v;
		else if (strcmp(a, "--data") == 0) o->data = v;
		else if (strcmp(a, "--job") == 0) o->job = v;
		else if (strcmp(a, "--font") == 0) o->font = v;
		else if (strcmp(a, "--serial-prefix") == 0) o->prefix = v;
		else if (strcmp(a, "-o") == 0) o->out = v;
		else if (strcmp(a, "--raw-bench") == 0) o->raw_pages = atol(v);
		else if (strcmp(a, "--form") == 0 && o->n_forms < 32) o->forms[o->n_forms++] = v;
		else return usage();
	}
	return 0;
}

static void fail(const char *what, int rc, const printforms_error *err)
{
	fprintf(stderr, "printforms-demo: %s: %s: %s%s%s\n", what, printforms_strerror(rc), err->where,
		*err->where ? ": " : "", err->message);
}

/* ---- raw libharu, for comparison ---- */

static int raw_bench(const struct opts *o)
{
	double t0 = now_ms(), t1, t2;
	HPDF_Doc pdf = HPDF_New(NULL, NULL); /* no handler: a failure shows as an error code below */
	HPDF_Font font;
	const char *name;

	if (!pdf)
		return 1;
	HPDF_UseUTFEncodings(pdf);
	HPDF_SetCurrentEncoder(pdf, "UTF-8");
	name = HPDF_LoadTTFontFromFile2(pdf, o->font ? o->font : DEFAULT_FONT, 0, HPDF_TRUE);
	font = name ? HPDF_GetFont(pdf, name, "UTF-8") : NULL;
	if (!font) {
		HPDF_Free(pdf);
		return 1;
	}
	t1 = now_ms();
	for (long p = 0; p < o->raw_pages; p++) {
		HPDF_Page page = HPDF_AddPage(pdf);
		HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE);
		for (int l = 0; l < 30; l++) { /* a table's worth of text, then its lines */
			HPDF_Page_BeginText(page);
			HPDF_Page_SetFontAndSize(page, font, 9);
			HPDF_Page_TextOut(page, 30, 550 - 17 * (float)l, "12床 张三 住院号ZY2025000123 阿司匹林肠溶片 100 mg 口服 qd");
			HPDF_Page_EndText(page);
		}
		for (int l = 0; l < 30; l++) {
			HPDF_Page_MoveTo(page, 28, 545 - 17 * (float)l);
			HPDF_Page_LineTo(page, 810, 545 - 17 * (float)l);
		}
		HPDF_Page_Stroke(page);
	}
	HPDF_SaveToStream(pdf);
	t2 = now_ms();
	printf("{\"error\": \"0x%04lX\", \"raw_pages\": %ld, \"font_ms\": %.1f, \"pages_ms\": %.1f, \"pages_per_s\": %.0f, "
		"\"bytes\": %lu}\n", (unsigned long)HPDF_GetError(pdf), o->raw_pages, t1 - t0, t2 - t1,
		(double)o->raw_pages / ((t2 - t0) / 1e3), (unsigned long)HPDF_GetStreamSize(pdf));
	HPDF_Free(pdf);
	return 0;
}

/* ---- the job ---- */

static int serial_fn(void *arg, const printforms_sheet *sheet, char out[PRINTFORMS_SERIAL_MAX + 1])
{
	snprintf(out, PRINTFORMS_SERIAL_MAX + 1, "%s-%06zu", (const char *)arg, sheet->page);
	return 0;
}

static void json_str(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	fputs(s && t ? t : "null", stdout);
	free(t);
	json_decref(j);
}

static void report(const printforms_result *res, double plan_ms, double total_ms)
{
	printf("{\"pages\": %zu, \"bytes\": %zu, \"ms\": %.1f, \"pages_per_s\": %.0f,\n \"sheets\": [\n",
		res->pages, res->pdf_len, total_ms, (double)res->pages / (total_ms / 1e3));
	(void)plan_ms;
	for (size_t i = 0; i < res->pages; i++) {
		const printforms_sheet *s = &res->sheets[i];
		printf("  {\"page\": %zu, \"serial\": ", s->page);
		json_str(res->serials[i]);
		printf(", \"form\": ");
		json_str(s->form);
		printf(", \"patient\": ");
		json_str(s->patient);
		printf(", \"copy\": ");
		json_str(s->copy_label);
		printf("}%s\n", i + 1 < res->pages ? "," : "");
	}
	printf(" ],\n \"marks\": [\n");
	for (size_t i = 0; i < res->n_marks; i++) {
		const printforms_mark *m = &res->marks[i];
		printf("  {\"page\": %zu, \"form\": ", m->page);
		json_str(m->form);
		printf(", \"patient\": ");
		json_str(m->patient);
		printf(", \"field\": ");
		json_str(m->field);
		printf(", \"codepoint\": \"U+%04lX\"}%s\n", m->codepoint, i + 1 < res->n_marks ? "," : "");
	}
	printf(" ]}\n");
}

static printforms_job *make_job(const struct opts *o, printforms_error *err)
{
	printforms_job *job = NULL;
	json_error_t jerr;
	json_t *doc;

	if (!o->job) {
		job = printforms_job_new();
		for (size_t i = 0; job && i < o->n_forms; i++)
			if (printforms_job_add(job, o->forms[i], 1, NULL, 0) != 0) {
				printforms_job_free(job);
				return NULL;
			}
		return job;
	}
	doc = o->job[0] == '@' ? json_load_file(o->job + 1, 0, &jerr) : json_loads(o->job, 0, &jerr);
	if (!doc) {
		fprintf(stderr, "printforms-demo: --job: line %d: %s\n", jerr.line, jerr.text);
		return NULL;
	}
	if (printforms_job_parse(doc, &job, err) != 0)
		fail("job", PRINTFORMS_EINVAL, err);
	json_decref(doc);
	return job;
}

static int write_file(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(buf, 1, len, f) == len;

	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		perror(path);
	return ok ? 0 : 1;
}

static int list(const printforms *pf)
{
	for (size_t i = 0; i < printforms_count(pf); i++) {
		const printforms_form_info *f = printforms_form(pf, i);
		printf("%-22s %-4s %-9s %-10s copies %u needs %x  %s / %s\n", f->code, f->paper,
			f->landscape ? "landscape" : "portrait", f->per_patient ? "patient" : "department",
			f->copies, f->needs, f->name_zh, f->name_en);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .prefix = "DEMO" };
	printforms_options po = { 0 };
	printforms_error err = { "", "" };
	printforms *pf = NULL;
	printforms_data *data = NULL;
	printforms_job *job = NULL;
	printforms_result *res = NULL;
	json_error_t jerr;
	json_t *doc = NULL;
	double t0;
	int rc, status = 1;

	if (parse_args(argc, argv, &o))
		return 2;
	if (o.raw_pages > 0)
		return raw_bench(&o);
	if (!o.templates || (!o.list && !o.data))
		return usage();
	po = (printforms_options){ o.templates, o.font, 0, o.compress };
	if ((rc = printforms_open(&po, &pf, &err))) {
		fail("templates", rc, &err);
		return 1;
	}
	if (o.list) {
		status = list(pf);
		goto out;
	}
	if (!(doc = json_load_file(o.data, JSON_REJECT_DUPLICATES, &jerr))) {
		fprintf(stderr, "printforms-demo: %s: line %d: %s\n", o.data, jerr.line, jerr.text);
		goto out;
	}
	if ((rc = printforms_data_parse(doc, &data, &err))) {
		fail("data", rc, &err);
		goto out;
	}
	if (!(job = make_job(&o, &err)))
		goto out;
	t0 = now_ms();
	if ((rc = printforms_print(pf, job, data, serial_fn, (void *)o.prefix, &res, &err))) {
		fail("print", rc, &err);
		goto out;
	}
	report(res, 0, now_ms() - t0);
	status = o.out ? write_file(o.out, res->pdf, res->pdf_len) : 0;
out:
	printforms_result_free(res);
	printforms_job_free(job);
	printforms_data_free(data);
	json_decref(doc);
	printforms_close(pf);
	return status;
}
