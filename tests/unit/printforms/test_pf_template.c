/*
 * Unit tests: the shipped templates (all 13 forms, valid against
 * schemas/forms/template.schema.json by proto's validator) and the loader's
 * errors, each naming the file and the place (printforms/pf_template.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>

#include "jsonschema.h"
#include "printforms.h"
#include "pf_font.h"
#include "pf_template.h"

#define FONT "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

static char root[1024];
static pf_metrics *metrics;

/* The forms of issue 5, with the names server/notify/notice_text.c gives them. */
static const struct { const char *code, *zh; } expected[] = {
	{ "admission-register", "住院手工登记表" },
	{ "breakpoint-record", "断点记录" },
	{ "discharge-settlement", "出院手工结算单" },
	{ "drug-requisition", "药品请领单" },
	{ "fee-record", "费用执行记录单" },
	{ "invoice-register", "手工发票使用登记本" },
	{ "lab-request", "检验/检查申请单" },
	{ "mar", "用药执行单" },
	{ "order-sheet", "住院医嘱单" },
	{ "outpatient-prescription", "门诊处方笺" },
	{ "price-list", "药品价格表" },
	{ "registration-log", "门诊手工挂号登记表" },
	{ "ward-census", "病区患者一览表" },
};
#define N_EXPECTED (sizeof expected / sizeof *expected)

static int group_setup(void **state)
{
	const char *r = getenv("LIFELINE_SOURCE_ROOT");
	printforms_error err;

	(void)state;
	snprintf(root, sizeof root, "%s", r ? r : ".");
	metrics = malloc(sizeof *metrics);
	if (!metrics || pf_font_metrics(FONT, 0, metrics, &err) != 0) {
		fprintf(stderr, "font: %s %s\n", err.where, err.message);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(metrics);
	return 0;
}

static void test_the_set_holds_the_thirteen_forms(void **state)
{
	char dir[1100];
	printforms_options opt = { dir, NULL, 0, false };
	printforms_error err;
	printforms *pf;

	(void)state;
	snprintf(dir, sizeof dir, "%s/printforms/templates", root);
	assert_int_equal(printforms_open(&opt, &pf, &err), 0);
	assert_int_equal(printforms_count(pf), N_EXPECTED);
	for (size_t i = 0; i < N_EXPECTED; i++) {
		const printforms_form_info *f = printforms_form(pf, i);
		assert_string_equal(f->code, expected[i].code);
		assert_string_equal(f->name_zh, expected[i].zh);
	}
	assert_int_equal(printforms_find(pf, "drug-requisition")->copies, 2);
	assert_true(printforms_find(pf, "drug-requisition")->per_patient);
	assert_string_equal(printforms_find(pf, "drug-requisition")->paper, "A5");
	assert_int_equal(printforms_find(pf, "price-list")->needs, PRINTFORMS_NEED_PRICES);
	assert_int_equal(printforms_find(pf, "mar")->needs, PRINTFORMS_NEED_PATIENTS | PRINTFORMS_NEED_ORDERS);
	assert_null(printforms_find(pf, "nope"));
	printforms_close(pf);
}

static void test_every_template_matches_the_schema(void **state)
{
	char path[1200], dir[1100];
	jsonschema_error jerr;
	jsonschema *schema;
	size_t checked = 0;
	struct dirent *e;
	DIR *d;

	(void)state;
	snprintf(path, sizeof path, "%s/schemas/forms/template.schema.json", root);
	assert_int_equal(jsonschema_load_file(path, &schema, &jerr), 0);
	snprintf(dir, sizeof dir, "%s/printforms/templates", root);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		json_t *doc;

		if (!strstr(e->d_name, ".json"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		doc = json_load_file(path, 0, NULL);
		assert_non_null(doc);
		if (!jsonschema_validate(schema, doc, &jerr))
			fail_msg("%s %s: %s", e->d_name, jerr.pointer, jerr.message);
		json_decref(doc);
		checked++;
	}
	closedir(d);
	assert_int_equal(checked, N_EXPECTED);
	jsonschema_free(schema);
}

/* The schema's list of fields is the loader's. */
static void test_schema_fields_are_the_loaders(void **state)
{
	char path[1200];
	json_t *doc, *names;

	(void)state;
	snprintf(path, sizeof path, "%s/schemas/forms/template.schema.json", root);
	doc = json_load_file(path, 0, NULL);
	assert_non_null(doc);
	names = json_object_get(json_object_get(json_object_get(doc, "definitions"), "field"), "enum");
	assert_int_equal(json_array_size(names), PF_F_COUNT - 1);
	for (int f = 1; f < PF_F_COUNT; f++)
		assert_string_equal(json_string_value(json_array_get(names, (size_t)f - 1)),
			pf_field_name((enum pf_field)f));
	json_decref(doc);
}

/* Load text as template "t.json"; expect failure at where with a message containing msg. */
static void refuse(const char *text, const char *where, const char *msg)
{
	json_t *doc = json_loads(text, 0, NULL);
	printforms_error err = { "", "" };
	pf_template *t = NULL;

	assert_non_null(doc);
	assert_int_equal(pf_template_load(doc, "t.json", metrics, &t, &err), PRINTFORMS_EINVAL);
	assert_null(t);
	json_decref(doc);
	if (strcmp(err.where, where) != 0 || !strstr(err.message, msg))
		fail_msg("got \"%s\": \"%s\"; want \"%s\": \"%s\"", err.where, err.message, where, msg);
}

#define HEAD "\"code\":\"tt\",\"name\":{\"zh\":\"表\",\"en\":\"t\"},\"paper\":\"A4\",\"orientation\":\"portrait\","

static void test_loader_names_what_is_wrong(void **state)
{
	(void)state;
	refuse("{" HEAD "\"per\":\"department\",\"blocks\":[{\"type\":\"fields\",\"fields\":[{\"label\":\"姓名\",\"field\":\"name\"}]}]}",
		"template t.json /blocks/0/fields/0/field", "not available here");
	refuse("{" HEAD "\"per\":\"patient\",\"blocks\":[{\"type\":\"table\",\"rows\":\"orders\",\"columns\":"
	       "[{\"title\":\"药\",\"width\":3,\"field\":\"drug\"},{\"title\":\"价\",\"width\":3,\"field\":\"nmae\"}]}]}",
		"template t.json /blocks/0/columns/1/field", "unknown field \"nmae\"");
	refuse("{" HEAD "\"per\":\"department\",\"blocks\":[{\"type\":\"table\",\"rows\":\"prices\",\"columns\":"
	       "[{\"title\":\"床\",\"width\":3,\"field\":\"bed\"}]}]}",
		"template t.json /blocks/0/columns/0/field", "not available here");
	refuse("{" HEAD "\"per\":\"ward\",\"blocks\":[{\"type\":\"text\",\"lines\":2}]}",
		"template t.json /per", "not one of");
	refuse("{" HEAD "\"per\":\"department\",\"colour\":1,\"blocks\":[{\"type\":\"text\",\"lines\":2}]}",
		"template t.json /colour", "unknown key");
	refuse("{" HEAD "\"per\":\"department\",\"blocks\":[{\"type\":\"signatures\",\"items\":[\"王𠮷\"]}]}",
		"template t.json /blocks/0/items/0", "cannot draw");
	refuse("{" HEAD "\"per\":\"department\",\"blocks\":[{\"type\":\"text\",\"label\":\"赵鿌\"}]}",
		"template t.json /blocks/0/label", "U+9FCC");
	refuse("{" HEAD "\"per\":\"department\",\"blocks\":[{\"type\":\"table\",\"rows\":\"none\",\"columns\":"
	       "[{\"title\":\"x\",\"width\":0}]}]}",
		"template t.json /blocks/0/columns/0", "width");
	refuse("{" HEAD "\"per\":\"department\",\"blocks\":[]}", "template t.json /blocks", "array of 1 to 32");
	refuse("{" HEAD "\"per\":\"department\",\"blocks\":[{\"type\":\"text\"}]}", "template t.json /blocks/0",
		"needs");
	refuse("{\"code\":\"T!\"}", "template t.json /code", "a-z");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_set_refuses_a_code_unlike_its_file_and_bad_json(void **state)
{
	char dir[] = "/tmp/pf-test-XXXXXX", path[64];
	printforms_options opt = { dir, NULL, 0, false };
	printforms_error err;
	printforms *pf = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/other.json", dir);
	write_file(path, "{" HEAD "\"per\":\"department\",\"blocks\":[{\"type\":\"text\",\"lines\":1}]}");
	assert_int_equal(printforms_open(&opt, &pf, &err), PRINTFORMS_EINVAL);
	assert_string_equal(err.where, "template other.json");
	assert_non_null(strstr(err.message, "file's name"));
	write_file(path, "{\"code\": \"other\", \"code\": \"x\"}");
	assert_int_equal(printforms_open(&opt, &pf, &err), PRINTFORMS_EINVAL);
	assert_non_null(strstr(err.message, "line 1"));
	unlink(path);
	assert_int_equal(printforms_open(&opt, &pf, &err), PRINTFORMS_EINVAL);
	assert_non_null(strstr(err.message, "no templates"));
	rmdir(dir);
	opt.font_path = "/nonexistent/font.ttc";
	assert_int_equal(printforms_open(&opt, &pf, &err), PRINTFORMS_EIO);
	assert_string_equal(err.where, "/nonexistent/font.ttc");
	assert_null(pf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_set_holds_the_thirteen_forms),
		cmocka_unit_test(test_every_template_matches_the_schema),
		cmocka_unit_test(test_schema_fields_are_the_loaders),
		cmocka_unit_test(test_loader_names_what_is_wrong),
		cmocka_unit_test(test_set_refuses_a_code_unlike_its_file_and_bad_json),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
