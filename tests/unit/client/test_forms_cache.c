/* forms_cache: where the offline census lives, how old it may be, offline serials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "forms_cache.h"

static void test_cache_path(void **state)
{
	char *p = NULL;

	(void)state;
	setenv("XDG_CACHE_HOME", "/var/cache/u", 1);
	assert_int_equal(forms_cache_path("ward-3", &p), 0);
	assert_string_equal(p, "/var/cache/u/lifeline/census-ward-3.json");
	free(p);
	/* A relative XDG_CACHE_HOME is ignored, as the spec says. */
	setenv("XDG_CACHE_HOME", "rel", 1);
	setenv("HOME", "/home/n", 1);
	assert_int_equal(forms_cache_path("ward-3", &p), 0);
	assert_string_equal(p, "/home/n/.cache/lifeline/census-ward-3.json");
	free(p);
	/* The code becomes part of a path: nothing but a code's characters. */
	assert_int_equal(forms_cache_path("../x", &p), LL_EINVAL);
	assert_null(p);
	assert_int_equal(forms_cache_path("", &p), LL_EINVAL);
	assert_int_equal(forms_cache_path("Ward/3", &p), LL_EINVAL);
}

static void test_ids(void **state)
{
	(void)state;
	assert_true(forms_id_valid("drug-requisition", 64));
	assert_true(forms_id_valid("P001.a_b", 32));
	assert_false(forms_id_valid("-x", 32));
	assert_false(forms_id_valid(".x", 32));
	assert_false(forms_id_valid("a b", 32));
	assert_false(forms_id_valid("", 32));
	assert_false(forms_id_valid(NULL, 32));
	assert_false(forms_id_valid("abcd", 3));
}

static void test_max_age(void **state)
{
	long s = 0;

	(void)state;
	assert_true(forms_parse_max_age("72h", &s));
	assert_int_equal(s, 72 * 3600);
	assert_true(forms_parse_max_age("48", &s));
	assert_int_equal(s, 48 * 3600);
	assert_true(forms_parse_max_age("3d", &s));
	assert_int_equal(s, 3 * 86400);
	assert_true(forms_parse_max_age("90m", &s));
	assert_int_equal(s, 5400);
	assert_true(forms_parse_max_age("1.5h", &s));
	assert_int_equal(s, 5400);
	assert_true(forms_parse_max_age("30s", &s));
	assert_int_equal(s, 30);
	assert_false(forms_parse_max_age("0", &s));
	assert_false(forms_parse_max_age("-1h", &s));
	assert_false(forms_parse_max_age("h", &s));
	assert_false(forms_parse_max_age("3hours", &s));
	assert_false(forms_parse_max_age("400d", &s));
	assert_false(forms_parse_max_age("", &s));
	assert_false(forms_parse_max_age("nan", &s));
}

static void test_age(void **state)
{
	json_t *doc = json_pack("{s:s}", "snapshot_time", "2026-11-22T08:00:00+08:00");
	time_t t = 0;

	(void)state;
	assert_true(forms_snapshot_time(doc, &t));
	assert_int_equal(t, 1795305600); /* 2026-11-22T00:00:00Z */
	assert_int_equal(forms_age(t, t + 73 * 3600), 73 * 3600);
	/* A snapshot from the future (a clock off) is not negative. */
	assert_int_equal(forms_age(t, t - 60), 0);
	json_object_set_new(doc, "snapshot_time", json_string("2026-11-22 08:00"));
	assert_false(forms_snapshot_time(doc, &t));
	json_decref(doc);
}

static void test_offline_serials(void **state)
{
	char label[16], job[FORMS_JOB_ID_SIZE], serial[FORMS_SERIAL_SIZE];

	(void)state;
	forms_host_label("ward3-pc.hospital.local", label, sizeof(label));
	assert_string_equal(label, "ward3-pc");
	forms_host_label("a_very_long_host_name", label, sizeof(label));
	assert_string_equal(label, "a-very-long-");
	forms_host_label("", label, sizeof(label));
	assert_string_equal(label, "host");
	forms_host_label("___", label, sizeof(label));
	assert_string_equal(label, "host");

	forms_offline_job_id(job, sizeof(job), "ward3-pc", 1795305600000LL, 1297);
	assert_string_equal(job, "LO-ward3-pc-mwr2lmo001");
	assert_true(forms_offline_serial(serial, sizeof(serial), job, 7));
	assert_string_equal(serial, "LO-ward3-pc-mwr2lmo001-007");
	/* The next millisecond is another job. */
	forms_offline_job_id(serial, sizeof(serial), "ward3-pc", 1795305600001LL, 1297);
	assert_string_not_equal(serial, job);

	/* The longest label and a far clock still fit printforms' 40 characters. */
	forms_host_label("abcdefghijklmnop", label, sizeof(label));
	forms_offline_job_id(job, sizeof(job), label, INT64_MAX / 2, 99999);
	assert_true(forms_offline_serial(serial, sizeof(serial), job, 9999));
	assert_true(strlen(serial) <= 40);
	assert_int_equal(strspn(serial, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789._-"), strlen(serial));
}

static void test_save_load(void **state)
{
	char dir[] = "/tmp/forms-cache-XXXXXX", *path = NULL;
	json_t *doc, *back = NULL;
	struct stat st;
	char **list = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("XDG_CACHE_HOME", dir, 1);
	doc = json_pack("{s:{s:s}, s:s, s:[]}", "department", "code", "ward-3",
		"snapshot_time", "2026-11-22T08:00:00+08:00", "patients");
	assert_int_equal(forms_cache_save(doc, &path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	*strrchr(path, '/') = '\0';
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	strcat(path, "/census-ward-3.json");
	assert_int_equal(forms_cache_load(path, &back), 0);
	assert_true(json_equal(doc, back));
	json_decref(back);
	assert_int_equal(forms_cache_list(&list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0], "ward-3");
	forms_cache_list_free(list, n);

	/* Not a census document: not kept, not read. */
	json_object_del(doc, "snapshot_time");
	assert_int_equal(forms_cache_save(doc, NULL), LL_EINVAL);
	assert_int_equal(forms_cache_load("/nonexistent/census-x.json", &back), LL_ENOTFOUND);

	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	rmdir(dir);
	free(path);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_path),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_max_age),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_offline_serials),
		cmocka_unit_test(test_save_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
