/* Unit tests: the QR payload of a sheet and the runs it is drawn with (printforms/pf_qr.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "printforms.h"
#include "pf_qr.h"

static void test_payload_names_serial_form_dept_patient(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(printforms_qr_text(buf, sizeof buf, "PF-000042", "mar", "W03", "P0301"), 0);
	assert_string_equal(buf, "LL1|PF-000042|mar|W03|P0301");
	assert_int_equal(printforms_qr_text(buf, sizeof buf, "PF-000043", "ward-census", "W03", NULL), 0);
	assert_string_equal(buf, "LL1|PF-000043|ward-census|W03|");
	assert_int_equal(printforms_qr_text(buf, sizeof buf, "PF-1", "mar", "W03", ""), 0);
	assert_string_equal(buf, "LL1|PF-1|mar|W03|");
}

static void test_payload_refuses_separators_and_bad_sizes(void **state)
{
	char buf[128], small[12];

	(void)state;
	assert_int_equal(printforms_qr_text(buf, sizeof buf, "A|B", "mar", "W03", NULL), PRINTFORMS_EINVAL);
	assert_int_equal(printforms_qr_text(buf, sizeof buf, "", "mar", "W03", NULL), PRINTFORMS_EINVAL);
	assert_int_equal(printforms_qr_text(buf, sizeof buf, "S1", "mar", "W 03", NULL), PRINTFORMS_EINVAL);
	assert_int_equal(printforms_qr_text(buf, sizeof buf, "S1", "mar", "W03", "张三"), PRINTFORMS_EINVAL);
	assert_int_equal(printforms_qr_text(buf, sizeof buf,
		"12345678901234567890123456789012345678901", "mar", "W03", NULL), PRINTFORMS_EINVAL);
	assert_int_equal(printforms_qr_text(small, sizeof small, "S1", "mar", "W03", NULL), PRINTFORMS_ETOOBIG);
}

struct count {
	size_t modules, runs;
	int last_y;
	bool ordered;
};

static void on_run(void *arg, pf_qr_run run)
{
	struct count *c = arg;

	c->modules += (size_t)run.len;
	c->runs++;
	if (run.y < c->last_y || run.len < 1)
		c->ordered = false;
	c->last_y = run.y;
}

static void test_runs_cover_every_dark_module_once(void **state)
{
	/* a 4×4 symbol by hand: rows "1101", "0000", "1111", "0110" */
	unsigned char data[16] = { 1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 0 };
	QRcode fake = { .version = 1, .width = 4, .data = data };
	struct count c = { 0, 0, 0, true };

	(void)state;
	assert_int_equal(pf_qr_runs(&fake, on_run, &c), 4);
	assert_int_equal(c.modules, 9);
	assert_true(c.ordered);
}

static void test_real_symbol_runs_match_its_modules(void **state)
{
	QRcode *q = pf_qr_encode("LL1|PF-000042|drug-requisition|W03|P0301");
	struct count c = { 0, 0, 0, true };
	size_t dark = 0;

	(void)state;
	assert_non_null(q);
	for (int i = 0; i < q->width * q->width; i++)
		dark += q->data[i] & 1;
	(void)pf_qr_runs(q, on_run, &c);
	assert_int_equal(c.modules, dark);
	assert_true(c.runs < dark); /* merging runs is the point */
	QRcode_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_names_serial_form_dept_patient),
		cmocka_unit_test(test_payload_refuses_separators_and_bad_sizes),
		cmocka_unit_test(test_runs_cover_every_dark_module_once),
		cmocka_unit_test(test_real_symbol_runs_match_its_modules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
