/* printforms: the template set, jobs, and printing in one call. */
#include "printforms.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pf_error.h"
#include "pf_font.h"
#include "pf_render.h"
#include "pf_set.h"

#define DEFAULT_FONT "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
#define MAX_FORMS 64

/* ---- the set ---- */

static int cmp_form(const void *a, const void *b)
{
	return strcmp((*(pf_template *const *)a)->info.code, (*(pf_template *const *)b)->info.code);
}

static bool is_json_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* Load one template file; its code must be its file name. */
static int load_file(printforms *pf, const char *dir, const char *name, printforms_error *err)
{
	char path[4096], where[160];
	json_error_t jerr;
	json_t *doc;
	pf_template *t;
	int rc;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(where, sizeof where, "template %s", name);
	if (pf->n_forms == MAX_FORMS)
		return pf_fail(err, PRINTFORMS_ETOOBIG, where, "more than %d templates", MAX_FORMS);
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return pf_fail(err, PRINTFORMS_EINVAL, where, "line %d column %d: %s", jerr.line, jerr.column,
			jerr.text);
	rc = pf_template_load(doc, name, pf->metrics, &t, err);
	json_decref(doc);
	if (rc)
		return rc;
	pf->forms[pf->n_forms++] = t;
	if (strncmp(name, t->info.code, strlen(t->info.code)) != 0 || strlen(name) != strlen(t->info.code) + 5)
		return pf_fail(err, PRINTFORMS_EINVAL, where, "the code \"%s\" must be the file's name",
			t->info.code);
	return 0;
}

static int load_dir(printforms *pf, const char *dir, printforms_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return pf_fail(err, PRINTFORMS_EIO, dir, "cannot open the template directory: %s", strerror(errno));
	while (!rc && (e = readdir(d)))
		if (is_json_file(e->d_name))
			rc = load_file(pf, dir, e->d_name, err);
	closedir(d);
	if (rc)
		return rc;
	if (pf->n_forms == 0)
		return pf_fail(err, PRINTFORMS_EINVAL, dir, "no templates (*.json) in the directory");
	qsort(pf->forms, pf->n_forms, sizeof *pf->forms, cmp_form);
	for (size_t i = 1; i < pf->n_forms; i++)
		if (strcmp(pf->forms[i - 1]->info.code, pf->forms[i]->info.code) == 0)
			return pf_fail(err, PRINTFORMS_EINVAL, dir, "two templates with code \"%s\"",
				pf->forms[i]->info.code);
	return 0;
}

int printforms_open(const printforms_options *opt, printforms **out, printforms_error *err)
{
	printforms *pf = calloc(1, sizeof *pf);
	const char *font = opt->font_path ? opt->font_path : DEFAULT_FONT;
	uint32_t cp;
	int rc;

	*out = NULL;
	if (!pf || !(pf->metrics = malloc(sizeof *pf->metrics)) ||
	    !(pf->forms = calloc(MAX_FORMS, sizeof *pf->forms)) || !(pf->font_path = strdup(font))) {
		rc = pf_fail(err, PRINTFORMS_ENOMEM, "printforms", "out of memory");
		goto fail;
	}
	pf->font_index = opt->font_index;
	pf->compress = opt->compress;
	if (!opt->template_dir) {
		rc = pf_fail(err, PRINTFORMS_EINVAL, "printforms", "no template directory given");
		goto fail;
	}
	if ((rc = pf_font_metrics(font, opt->font_index, pf->metrics, err)))
		goto fail;
	if ((cp = pf_render_uncovered(pf->metrics)) != 0) {
		rc = pf_fail(err, PRINTFORMS_EINVAL, font, "the font cannot draw U+%04lX, which every sheet prints",
			(unsigned long)cp);
		goto fail;
	}
	if ((rc = load_dir(pf, opt->template_dir, err)))
		goto fail;
	*out = pf;
	return 0;
fail:
	printforms_close(pf);
	return rc;
}

void printforms_close(printforms *pf)
{
	if (!pf)
		return;
	for (size_t i = 0; i < pf->n_forms; i++)
		pf_template_free(pf->forms[i]);
	free(pf->forms);
	free(pf->metrics);
	free(pf->font_path);
	free(pf);
}

size_t printforms_count(const printforms *pf)
{
	return pf->n_forms;
}

const printforms_form_info *printforms_form(const printforms *pf, size_t i)
{
	return i < pf->n_forms ? &pf->forms[i]->info : NULL;
}

const pf_template *pf_set_find(const printforms *pf, const char *code)
{
	for (size_t i = 0; i < pf->n_forms; i++)
		if (strcmp(pf->forms[i]->info.code, code) == 0)
			return pf->forms[i];
	return NULL;
}

const printforms_form_info *printforms_find(const printforms *pf, const char *code)
{
	const pf_template *t = pf_set_find(pf, code);

	return t ? &t->info : NULL;
}

/* ---- jobs ---- */

#define MAX_COPIES 20
#define MAX_ITEMS 256

printforms_job *printforms_job_new(void)
{
	return calloc(1, sizeof(printforms_job));
}

static void item_free(pf_job_item *it)
{
	for (size_t i = 0; i < it->n_patients; i++)
		free(it->patients[i]);
	free(it->patients);
	free(it->form);
}

void printforms_job_free(printforms_job *job)
{
	if (!job)
		return;
	for (size_t i = 0; i < job->n; i++)
		item_free(&job->items[i]);
	free(job->items);
	free(job);
}

int printforms_job_add(printforms_job *job, const char *form, unsigned copies,
	const char *const *patients, size_t n_patients)
{
	pf_job_item it = { 0 };

	if (!form || copies == 0 || copies > MAX_COPIES || job->n == MAX_ITEMS)
		return PRINTFORMS_EINVAL;
	if (job->n == job->cap) {
		size_t cap = job->cap ? job->cap * 2 : 8;
		pf_job_item *items = realloc(job->items, cap * sizeof *items);
		if (!items)
			return PRINTFORMS_ENOMEM;
		job->items = items;
		job->cap = cap;
	}
	it.copies = copies;
	if (!(it.form = strdup(form)) || (n_patients && !(it.patients = calloc(n_patients, sizeof *it.patients))))
		goto nomem;
	for (; it.n_patients < n_patients; it.n_patients++)
		if (!(it.patients[it.n_patients] = strdup(patients[it.n_patients])))
			goto nomem;
	job->items[job->n++] = it;
	return 0;
nomem:
	item_free(&it);
	return PRINTFORMS_ENOMEM;
}

static int parse_item(printforms_job *job, json_t *v, size_t i, printforms_error *err)
{
	json_t *form = json_object_get(v, "form"), *copies = json_object_get(v, "copies");
	json_t *pts = json_object_get(v, "patients"), *p;
	const char **ids = NULL;
	char where[48];
	size_t k;
	int rc;

	snprintf(where, sizeof where, "job /%zu", i);
	if (!json_is_object(v) || !json_is_string(form))
		return pf_fail(err, PRINTFORMS_EINVAL, where, "an item needs \"form\" (a form code)");
	if (copies && (!json_is_integer(copies) || json_integer_value(copies) < 1 ||
			json_integer_value(copies) > MAX_COPIES))
		return pf_fail(err, PRINTFORMS_EINVAL, where, "\"copies\" must be an integer from 1 to %d", MAX_COPIES);
	if (pts && !json_is_array(pts))
		return pf_fail(err, PRINTFORMS_EINVAL, where, "\"patients\" must be an array of patient ids");
	if (pts && json_array_size(pts) && !(ids = calloc(json_array_size(pts), sizeof *ids)))
		return pf_fail(err, PRINTFORMS_ENOMEM, where, "out of memory");
	json_array_foreach(pts, k, p) {
		if (!json_is_string(p)) {
			free(ids);
			return pf_fail(err, PRINTFORMS_EINVAL, where, "patient %zu is not a string", k);
		}
		ids[k] = json_string_value(p);
	}
	rc = printforms_job_add(job, json_string_value(form), copies ? (unsigned)json_integer_value(copies) : 1,
		ids, pts ? json_array_size(pts) : 0);
	free(ids);
	return rc ? pf_fail(err, rc, where, "%s", printforms_strerror(rc)) : 0;
}

int printforms_job_parse(json_t *items, printforms_job **out, printforms_error *err)
{
	printforms_job *job;
	json_t *v;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!json_is_array(items) || json_array_size(items) == 0 || json_array_size(items) > MAX_ITEMS)
		return pf_fail(err, PRINTFORMS_EINVAL, "job", "a job is an array of 1 to %d items", MAX_ITEMS);
	if (!(job = printforms_job_new()))
		return pf_fail(err, PRINTFORMS_ENOMEM, "job", "out of memory");
	json_array_foreach(items, i, v) {
		if ((rc = parse_item(job, v, i, err))) {
			printforms_job_free(job);
			return rc;
		}
	}
	*out = job;
	return 0;
}

/* ---- printing in one call ---- */

int printforms_print(const printforms *pf, const printforms_job *job,
	const printforms_data *data, printforms_serial_fn serial_fn, void *arg,
	printforms_result **out, printforms_error *err)
{
	printforms_plan *plan;
	char (*buf)[PRINTFORMS_SERIAL_MAX + 1] = NULL;
	const char **serials = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = printforms_plan_new(pf, job, data, &plan, err)))
		return rc;
	n = printforms_plan_sheets(plan);
	buf = calloc(n, sizeof *buf);
	serials = calloc(n, sizeof *serials);
	if (!buf || !serials) {
		rc = pf_fail(err, PRINTFORMS_ENOMEM, "print", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = serial_fn(arg, printforms_plan_sheet(plan, i), buf[i]))) {
			rc = pf_fail(err, rc, "print", "no serial for sheet %zu: %s", i + 1, printforms_strerror(rc));
			goto out;
		}
		buf[i][PRINTFORMS_SERIAL_MAX] = '\0';
		serials[i] = buf[i];
	}
	if ((rc = printforms_render(plan, serials, n, out, err)))
		goto out;
	(*out)->plan = plan;
	plan = NULL;
out:
	free(buf);
	free(serials);
	printforms_plan_free(plan);
	return rc;
}
