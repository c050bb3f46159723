/*
 * Unit tests: data checks, planning (sheets, copies, selection), serials,
 * the marks of undrawable names, and rendering on several threads at once
 * (printforms/pf_data.c, pf_plan.c, pf_render.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "printforms.h"

static printforms *pf;

static const char *const data_text =
	"{\"hospital\":\"测试医院\",\"department\":{\"code\":\"W01\",\"name\":\"内科一病区\"},"
	"\"snapshot_time\":\"2025-03-01T08:00:00+08:00\",\"render_time\":\"2025-03-01T10:30:00+08:00\","
	"\"patients\":["
	"{\"id\":\"P1\",\"bed\":\"01\",\"inpatient_no\":\"ZY001\",\"name\":\"张伟\",\"orders\":["
	"  {\"drug\":\"阿司匹林肠溶片\",\"dose\":100,\"unit\":\"mg\",\"next_doses\":[\"2025-03-01T20:00:00+08:00\",\"2025-03-01T08:00:00+08:00\"]}]},"
	"{\"id\":\"P2\",\"bed\":\"02\",\"inpatient_no\":\"ZY002\",\"name\":\"王𠮷\",\"orders\":["
	"  {\"drug\":\"呋塞米注射液\",\"dose\":0.5,\"unit\":\"支\"}]},"
	"{\"id\":\"P3\",\"bed\":\"03\",\"inpatient_no\":\"ZY003\",\"name\":\"李娜\"}],"
	"\"number_ranges\":[{\"kind\":\"outpatient\",\"prefix\":\"LS\",\"first\":1,\"last\":3}]}";

static int group_setup(void **state)
{
	char dir[1100];
	const char *root = getenv("LIFELINE_SOURCE_ROOT");
	printforms_options opt = { dir, NULL, 0, false };
	printforms_error err;

	(void)state;
	snprintf(dir, sizeof dir, "%s/printforms/templates", root ? root : ".");
	if (printforms_open(&opt, &pf, &err) != 0) {
		fprintf(stderr, "%s: %s\n", err.where, err.message);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	printforms_close(pf);
	return 0;
}

static printforms_data *load_data(const char *text)
{
	json_t *doc = json_loads(text, 0, NULL);
	printforms_data *d = NULL;
	printforms_error err;

	assert_non_null(doc);
	if (printforms_data_parse(doc, &d, &err) != 0)
		fail_msg("%s: %s", err.where, err.message);
	json_decref(doc);
	return d;
}

static void refuse_data(const char *text, const char *where, const char *msg)
{
	json_t *doc = json_loads(text, 0, NULL);
	printforms_data *d = NULL;
	printforms_error err = { "", "" };

	assert_non_null(doc);
	assert_int_equal(printforms_data_parse(doc, &d, &err), PRINTFORMS_EINVAL);
	assert_null(d);
	json_decref(doc);
	if (strcmp(err.where, where) != 0 || !strstr(err.message, msg))
		fail_msg("got \"%s\": \"%s\"; want \"%s\": \"%s\"", err.where, err.message, where, msg);
}

#define BASE "\"hospital\":\"H\",\"department\":{\"code\":\"W1\",\"name\":\"病区\"},\"snapshot_time\":\"2025-03-01T08:00:00Z\""

static void test_data_errors_name_the_place(void **state)
{
	(void)state;
	refuse_data("{\"department\":{\"code\":\"W1\",\"name\":\"x\"}}", "data /hospital", "required");
	refuse_data("{" BASE ",\"patients\":[{\"id\":\"P 1\",\"name\":\"x\"}]}", "data /patients/0/id", "characters");
	refuse_data("{" BASE ",\"patients\":[{\"id\":\"P1\",\"name\":\"a\"},{\"id\":\"P1\",\"name\":\"b\"}]}",
		"data /patients/1/id", "repeats");
	refuse_data("{" BASE ",\"patients\":[{\"id\":\"P1\",\"name\":\"a\",\"orders\":[{\"drug\":\"d\","
		    "\"next_doses\":[\"2025-03-01 08:00\"]}]}]}",
		"data /patients/0/orders/0/next_doses/0", "RFC 3339");
	refuse_data("{\"hospital\":\"H\",\"department\":{\"code\":\"W1\",\"name\":\"病区\"},\"snapshot_time\":\"yesterday\"}",
		"data /snapshot_time", "RFC 3339");
	refuse_data("{" BASE ",\"number_ranges\":[{\"kind\":\"outpatient\",\"first\":5,\"last\":1}]}",
		"data /number_ranges/0/last", "first");
}

static printforms_job *job_of(const char *text)
{
	json_t *doc = json_loads(text, 0, NULL);
	printforms_job *job = NULL;
	printforms_error err;

	assert_non_null(doc);
	if (printforms_job_parse(doc, &job, &err) != 0)
		fail_msg("%s: %s", err.where, err.message);
	json_decref(doc);
	return job;
}

static void test_plan_counts_instances_copies_and_selection(void **state)
{
	printforms_data *d = load_data(data_text);
	printforms_job *job = job_of("[{\"form\":\"ward-census\"},{\"form\":\"drug-requisition\",\"patients\":[\"P3\",\"P1\"]},"
				     "{\"form\":\"order-sheet\",\"copies\":2,\"patients\":[\"P2\"]}]");
	printforms_plan *plan;
	printforms_error err;

	(void)state;
	assert_int_equal(printforms_plan_new(pf, job, d, &plan, &err), 0);
	/* census 1 + requisition 2 patients × 2 copies (data order: P1 then P3) + order sheet 2 copies */
	assert_int_equal(printforms_plan_sheets(plan), 7);
	assert_string_equal(printforms_plan_sheet(plan, 0)->form, "ward-census");
	assert_null(printforms_plan_sheet(plan, 0)->patient);
	assert_string_equal(printforms_plan_sheet(plan, 1)->patient, "P1");
	assert_string_equal(printforms_plan_sheet(plan, 1)->copy_label, "第一联 科室留存");
	assert_string_equal(printforms_plan_sheet(plan, 2)->copy_label, "第二联 药房凭证");
	assert_string_equal(printforms_plan_sheet(plan, 3)->patient, "P3");
	assert_string_equal(printforms_plan_sheet(plan, 6)->patient, "P2");
	assert_int_equal(printforms_plan_sheet(plan, 6)->page, 7);
	assert_null(printforms_plan_sheet(plan, 7));
	printforms_plan_free(plan);
	printforms_job_free(job);
	printforms_data_free(d);
}

static void test_plan_names_unknown_form_and_patient(void **state)
{
	printforms_data *d = load_data(data_text);
	printforms_job *job = job_of("[{\"form\":\"mar\"},{\"form\":\"order-sheet\",\"patients\":[\"P1\",\"P9\"]}]");
	printforms_plan *plan;
	printforms_error err;

	(void)state;
	assert_int_equal(printforms_plan_new(pf, job, d, &plan, &err), PRINTFORMS_ENOTFOUND);
	assert_string_equal(err.where, "job /1/patients/1");
	assert_non_null(strstr(err.message, "P9"));
	printforms_job_free(job);
	job = job_of("[{\"form\":\"mra\"}]");
	assert_int_equal(printforms_plan_new(pf, job, d, &plan, &err), PRINTFORMS_ENOTFOUND);
	assert_string_equal(err.where, "job /0/form");
	printforms_job_free(job);
	printforms_data_free(d);
}

static void test_render_checks_serials(void **state)
{
	printforms_data *d = load_data(data_text);
	printforms_job *job = job_of("[{\"form\":\"order-sheet\",\"patients\":[\"P1\",\"P3\"]}]");
	const char *dup[] = { "S-1", "S-1" }, *bad[] = { "S-1", "S|2" }, *one[] = { "S-1" };
	printforms_result *res = NULL;
	printforms_plan *plan;
	printforms_error err;

	(void)state;
	assert_int_equal(printforms_plan_new(pf, job, d, &plan, &err), 0);
	assert_int_equal(printforms_plan_sheets(plan), 2);
	assert_int_equal(printforms_render(plan, one, 1, &res, &err), PRINTFORMS_EINVAL);
	assert_non_null(strstr(err.message, "1 serials for 2 sheets"));
	assert_int_equal(printforms_render(plan, dup, 2, &res, &err), PRINTFORMS_EINVAL);
	assert_non_null(strstr(err.message, "twice"));
	assert_int_equal(printforms_render(plan, bad, 2, &res, &err), PRINTFORMS_EINVAL);
	assert_null(res);
	printforms_plan_free(plan);
	printforms_job_free(job);
	printforms_data_free(d);
}

static int counter_serial(void *arg, const printforms_sheet *sheet, char out[PRINTFORMS_SERIAL_MAX + 1])
{
	snprintf(out, PRINTFORMS_SERIAL_MAX + 1, "%s-%zu", (const char *)arg, sheet->page);
	return 0;
}

static void test_undrawable_name_is_marked_not_printed(void **state)
{
	printforms_data *d = load_data(data_text);
	printforms_job *job = job_of("[{\"form\":\"ward-census\"},{\"form\":\"mar\"},{\"form\":\"order-sheet\",\"patients\":[\"P2\"]}]");
	printforms_result *res;
	printforms_error err;

	(void)state;
	assert_int_equal(printforms_print(pf, job, d, counter_serial, "T", &res, &err), 0);
	assert_int_equal(res->pages, 3);
	assert_string_equal(res->serials[2], "T-3");
	assert_true(res->pdf_len > 1000);
	assert_memory_equal(res->pdf, "%PDF-", 5);
	/* census row, order sheet header: the name of P2 (王𠮷); the MAR lists only P1's doses */
	assert_int_equal(res->n_marks, 2);
	assert_int_equal(res->marks[0].page, 1);
	assert_string_equal(res->marks[0].patient, "P2");
	assert_string_equal(res->marks[0].field, "name");
	assert_int_equal(res->marks[0].codepoint, 0x20BB7);
	assert_int_equal(res->marks[1].page, 3);
	assert_string_equal(res->marks[1].form, "order-sheet");
	printforms_result_free(res);
	printforms_job_free(job);
	printforms_data_free(d);
}

struct worker {
	printforms_data *data;
	printforms_job *job;
	char prefix[8];
	int rc;
	size_t pages;
};

static void *render_thread(void *arg)
{
	struct worker *w = arg;
	printforms_result *res;
	printforms_error err;

	w->rc = printforms_print(pf, w->job, w->data, counter_serial, w->prefix, &res, &err);
	if (w->rc == 0) {
		w->pages = res->pages;
		printforms_result_free(res);
	}
	return NULL;
}

/* One set, one data, one job shared by four threads rendering at once. */
static void test_threads_render_at_once(void **state)
{
	printforms_data *d = load_data(data_text);
	printforms_job *job = job_of("[{\"form\":\"ward-census\"},{\"form\":\"drug-requisition\"},{\"form\":\"registration-log\"}]");
	struct worker w[4];
	pthread_t th[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ d, job, "", -99, 0 };
		snprintf(w[i].prefix, sizeof w[i].prefix, "W%d", i);
		assert_int_equal(pthread_create(&th[i], NULL, render_thread, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].rc, 0);
		assert_int_equal(w[i].pages, 1 + 6 + 1);
	}
	printforms_job_free(job);
	printforms_data_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_errors_name_the_place),
		cmocka_unit_test(test_plan_counts_instances_copies_and_selection),
		cmocka_unit_test(test_plan_names_unknown_form_and_patient),
		cmocka_unit_test(test_render_checks_serials),
		cmocka_unit_test(test_undrawable_name_is_marked_not_printed),
		cmocka_unit_test(test_threads_render_at_once),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
