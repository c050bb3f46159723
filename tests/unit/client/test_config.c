/* The saved login (token file) and the small parsers of api.c. */
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

#include "api.h"
#include "config.h"

static char dir[] = "/tmp/lifeline-test-config-XXXXXX";

static int make_dir(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_save_load_remove(void **state)
{
	char path[512], parent[256];
	struct config_login *login = NULL;
	struct stat st;

	(void)state;
	snprintf(parent, sizeof(parent), "%s/a/lifeline", dir);
	snprintf(path, sizeof(path), "%s/token", parent);
	assert_int_equal(config_login_load(path, &login), LL_ENOTFOUND);

	assert_int_equal(config_login_save(path, "http://h:1", "tok", "nurse",
		"2026-11-22T13:00:00Z"), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	assert_int_equal(config_login_load(path, &login), 0);
	assert_string_equal(login->server, "http://h:1");
	assert_string_equal(login->token, "tok");
	assert_string_equal(login->username, "nurse");
	assert_string_equal(login->expires_at, "2026-11-22T13:00:00Z");
	config_login_free(login);

	/* Replacing keeps one file; optional fields may be absent (a logout keeps the server). */
	assert_int_equal(config_login_save(path, "http://h:2", NULL, NULL, NULL), 0);
	assert_int_equal(config_login_load(path, &login), 0);
	assert_string_equal(login->server, "http://h:2");
	assert_null(login->token);
	assert_null(login->username);
	assert_null(login->expires_at);
	config_login_free(login);

	assert_int_equal(config_login_remove(path), 0);
	assert_int_equal(config_login_remove(path), 0);
	assert_int_equal(config_login_load(path, &login), LL_ENOTFOUND);
}

static void test_load_rejects_what_is_not_a_token_file(void **state)
{
	static const char *const bad[] = {
		"not json", "[]", "{\"token\": \"t\"}",
		"{\"server\": \"\", \"token\": \"t\"}", "{\"server\": 1, \"token\": \"t\"}",
	};
	char path[256];
	struct config_login *login = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/bad", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(bad[i], f);
		fclose(f);
		assert_int_equal(config_login_load(path, &login), LL_EINVAL);
		assert_null(login);
	}
}

static void test_load_normalizes_the_server(void **state)
{
	char path[256];
	struct config_login *login = NULL;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/slash", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"server\": \"http://h:1//\", \"token\": \"t\", \"extra\": true}", f);
	fclose(f);
	assert_int_equal(config_login_load(path, &login), 0);
	assert_string_equal(login->server, "http://h:1");
	config_login_free(login);
}

static void test_save_fails_cleanly(void **state)
{
	char path[512], blocker[256];
	FILE *f;

	(void)state;
	snprintf(blocker, sizeof(blocker), "%s/plain-file", dir);
	f = fopen(blocker, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/token", blocker);
	assert_int_equal(config_login_save(path, "http://h", "t", NULL, NULL), LL_EIO);
}

static void test_token_path_precedence(void **state)
{
	char *p = NULL;

	(void)state;
	setenv("LIFELINE_TOKEN_FILE", "/x/token", 1);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	setenv("HOME", "/home/n", 1);
	assert_int_equal(config_token_path(&p), 0);
	assert_string_equal(p, "/x/token");
	free(p);
	unsetenv("LIFELINE_TOKEN_FILE");
	assert_int_equal(config_token_path(&p), 0);
	assert_string_equal(p, "/xdg/lifeline/token");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative", 1); /* ignored, as the XDG spec says */
	assert_int_equal(config_token_path(&p), 0);
	assert_string_equal(p, "/home/n/.config/lifeline/token");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
}

static void test_server_normalize(void **state)
{
	char *s = config_server_normalize("http://h:1/base///");

	(void)state;
	assert_string_equal(s, "http://h:1/base");
	free(s);
}

static void test_api_parsers(void **state)
{
	long ms = 0;

	(void)state;
	assert_true(api_parse_timeout("60", &ms));
	assert_int_equal(ms, 60000);
	assert_true(api_parse_timeout("0.25", &ms));
	assert_int_equal(ms, 250);
	assert_false(api_parse_timeout("0", &ms));
	assert_false(api_parse_timeout("-1", &ms));
	assert_false(api_parse_timeout("5s", &ms));
	assert_false(api_parse_timeout("nan", &ms));
	assert_false(api_parse_timeout("inf", &ms));
	assert_false(api_parse_timeout("", &ms));
	assert_false(api_parse_timeout("86401", &ms));

	assert_true(api_url_ok("http://127.0.0.1:8580"));
	assert_true(api_url_ok("https://lifeline.hospital/base"));
	assert_false(api_url_ok("http://"));
	assert_false(api_url_ok("http:///x"));
	assert_false(api_url_ok("ftp://h"));
	assert_false(api_url_ok("127.0.0.1:8580"));
	assert_false(api_url_ok(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_save_load_remove),
		cmocka_unit_test(test_load_rejects_what_is_not_a_token_file),
		cmocka_unit_test(test_load_normalizes_the_server),
		cmocka_unit_test(test_save_fails_cleanly),
		cmocka_unit_test(test_token_path_precedence),
		cmocka_unit_test(test_server_normalize),
		cmocka_unit_test(test_api_parsers),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
