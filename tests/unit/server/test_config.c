/* Unit tests: config loading, validation errors that name the key, reload. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/lifeline-config-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static int load(const char *text, struct config **cfg, char *err, size_t len)
{
	char *path = write_tmp(text);
	int rc = config_load(path, cfg, err, len);

	unlink(path);
	free(path);
	return rc;
}

static void test_defaults(void **state)
{
	struct config *cfg = NULL;
	char err[512];

	(void)state;
	assert_int_equal(load("{\"database\": {\"conninfo\": \"dbname=x\"}}", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8580);
	assert_string_equal(cfg->db_conninfo, "dbname=x");
	assert_int_equal(cfg->db_pool_size, 6);
	assert_int_equal(cfg->max_body_bytes, 4 * 1024 * 1024);
	assert_string_equal(cfg->log_level, "info");
	assert_non_null(cfg->schema_dir);
	config_free(cfg);
}

static void test_errors_name_the_key(void **state)
{
	struct config *cfg = NULL;
	char err[512];

	(void)state;
	assert_int_not_equal(load("{\"database\": {\"conninfo\": \"x\"}, \"listen\": {\"port\": 70000}}",
		&cfg, err, sizeof(err)), 0);
	assert_null(cfg);
	assert_non_null(strstr(err, "/listen/port"));
	assert_int_not_equal(load("{\"database\": {\"conninfo\": \"x\"},\n\"limits\": {\n"
		"  \"max_connections\": 0}}", &cfg, err, sizeof(err)), 0);
	assert_non_null(strstr(err, ":3: /limits/max_connections"));
	assert_int_not_equal(load("{\"listen\": {}}", &cfg, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "database"));
	assert_int_not_equal(load("{\"database\": {\"conninfo\": \"x\"}, \"bogus\": 1}",
		&cfg, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "bogus"));
	assert_int_not_equal(load("{\"database\": ", &cfg, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "line 1"));
}

static void test_reload_copies_only_reloadable_keys(void **state)
{
	struct config *live = NULL, *fresh = NULL;
	char err[512], restart[256];

	(void)state;
	assert_int_equal(load("{\"database\": {\"conninfo\": \"dbname=a\"}}", &live, err, sizeof(err)), 0);
	assert_int_equal(load("{\"database\": {\"conninfo\": \"dbname=b\"}, "
		"\"limits\": {\"max_body_bytes\": 2048}, \"log\": {\"level\": \"debug\"}}",
		&fresh, err, sizeof(err)), 0);
	config_apply_reload(live, fresh, restart, sizeof(restart));
	assert_int_equal(live->max_body_bytes, 2048);
	assert_string_equal(live->log_level, "debug");
	assert_string_equal(live->db_conninfo, "dbname=a");
	assert_non_null(strstr(restart, "/database/conninfo"));
	config_free(live);
	config_free(fresh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors_name_the_key),
		cmocka_unit_test(test_reload_copies_only_reloadable_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
