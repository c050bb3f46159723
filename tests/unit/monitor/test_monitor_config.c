/*
 * Unit tests: the monitor's config — the demo hospital's six targets load
 * and pass schemas/monitor.schema.json; what is wrong is refused with a
 * message naming the place, by the schema where a schema can say it and by
 * monitor_new() always (it must not trust a json_t). No probe runs here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>

#include "jsonschema.h"
#include "monitor.h"

static jsonschema *schema;
static struct event_base *base;

static const char *demo =
	"{\"defaults\": {\"interval_ms\": 5000, \"timeout_ms\": 2000, \"fail_threshold\": 3,"
	"  \"recover_threshold\": 3, \"window\": 20, \"false_alarm_probability\": 1e-6,"
	"  \"flap_window_s\": 900, \"flap_changes\": 4},"
	" \"targets\": ["
	"  {\"name\": \"his-db\", \"title_zh\": \"HIS 数据库\", \"title_en\": \"HIS database\","
	"   \"kind\": \"his-db\", \"core\": true, \"probes\": ["
	"     {\"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": 18002},"
	"     {\"type\": \"sql\", \"conninfo\": \"host=/tmp/x port=5432 dbname=his\", \"query\": \"SELECT 1\"}]},"
	"  {\"name\": \"his-core\", \"title_zh\": \"HIS 核心应用\", \"title_en\": \"HIS core application\","
	"   \"kind\": \"his-core\", \"core\": true, \"depends_on\": [\"his-db\"], \"interval_ms\": 1000,"
	"   \"timeout_ms\": 800, \"probes\": ["
	"     {\"type\": \"http\", \"url\": \"http://127.0.0.1:18001/health\", \"expect_status\": 200,"
	"      \"expect_body\": \"ok\"}]},"
	"  {\"name\": \"lis\", \"title_zh\": \"检验系统\", \"title_en\": \"LIS\", \"kind\": \"lis\","
	"   \"depends_on\": [\"his-db\"], \"probes\": ["
	"     {\"type\": \"mllp\", \"host\": \"127.0.0.1\", \"port\": 18003, \"sending_app\": \"LIFELINE\"}]},"
	"  {\"name\": \"pacs\", \"title_en\": \"PACS\", \"kind\": \"pacs\", \"probes\": ["
	"     {\"type\": \"http\", \"url\": \"https://127.0.0.1:18004/\"}]},"
	"  {\"name\": \"emr\", \"kind\": \"emr\", \"depends_on\": [\"his-core\", \"his-db\"], \"probes\": ["
	"     {\"type\": \"tcp\", \"host\": \"::1\", \"port\": 18005}]},"
	"  {\"name\": \"insurance\", \"title_zh\": \"医保专线\", \"title_en\": \"Medical-insurance line\","
	"   \"kind\": \"insurance\", \"window\": 50, \"probes\": ["
	"     {\"type\": \"tcp\", \"host\": \"localhost\", \"port\": 18006}]}"
	" ]}";

static int setup(void **state)
{
	char path[1024];
	const char *root = getenv("LIFELINE_SOURCE_ROOT");
	jsonschema_error err;

	(void)state;
	snprintf(path, sizeof(path), "%s/schemas/monitor.schema.json", root ? root : ".");
	if (jsonschema_load_file(path, &schema, &err) != 0) {
		fprintf(stderr, "%s: %s: %s\n", path, err.pointer, err.message);
		return -1;
	}
	base = event_base_new();
	return base ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	jsonschema_free(schema);
	event_base_free(base);
	return 0;
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

	if (j == NULL)
		fail_msg("bad test JSON, line %d: %s", jerr.line, jerr.text);
	return j;
}

static void test_demo_loads(void **state)
{
	json_t *cfg = parse(demo), *status, *t;
	jsonschema_error verr;
	monitor *m = NULL;
	char err[512];

	(void)state;
	if (!jsonschema_validate(schema, cfg, &verr))
		fail_msg("schema: %s: %s", verr.pointer, verr.message);
	assert_int_equal(monitor_new(base, cfg, &m, err, sizeof(err)), 0);
	assert_int_equal(monitor_target_count(m), 6);
	assert_false(monitor_running(m));
	status = monitor_status_json(m);
	assert_int_equal(json_array_size(status), 6);
	t = json_array_get(status, 1);
	assert_string_equal(json_string_value(json_object_get(t, "name")), "his-core");
	assert_string_equal(json_string_value(json_object_get(t, "title_zh")), "HIS 核心应用");
	assert_string_equal(json_string_value(json_object_get(t, "state")), "unknown");
	assert_true(json_is_null(json_object_get(t, "since")));
	assert_true(json_is_null(json_object_get(t, "breakpoint")));
	assert_true(json_is_null(json_object_get(t, "affected_by")));
	assert_true(json_is_true(json_object_get(t, "core")));
	assert_int_equal(json_integer_value(json_object_get(t, "interval_ms")), 1000);
	assert_int_equal(json_integer_value(json_object_get(t, "timeout_ms")), 800);
	assert_int_equal(json_integer_value(json_object_get(t, "required_failures")), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(t, "depends_on"), 0)),
		"his-db");
	/* defaults fill in what a target leaves out; titles default to the name */
	t = json_array_get(status, 4);
	assert_int_equal(json_integer_value(json_object_get(t, "interval_ms")), 5000);
	assert_string_equal(json_string_value(json_object_get(t, "title_zh")), "emr");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(t, "probes"), 0), "endpoint")), "[::1]:18005");
	/* the sql endpoint never shows a password; here there is none to hide */
	t = json_array_get(status, 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(t, "probes"), 1), "endpoint")), "host=/tmp/x port=5432 dbname=his");
	json_decref(status);
	monitor_stop(m); /* not started: a no-op */
	monitor_free(m);
	json_decref(cfg);
}

struct bad_case {
	const char *what;
	const char *config;
	const char *message;  /* a part of monitor_new's error */
	bool schema_rejects;
};

#define PROBE_TCP "[{\"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": 1}]"

static const struct bad_case bad_cases[] = {
	{ "unknown dependency",
	  "{\"targets\": [{\"name\": \"a\", \"depends_on\": [\"his-dbx\"], \"probes\": " PROBE_TCP "}]}",
	  "targets/0 (a)/depends_on/0: unknown target \"his-dbx\"", false },
	{ "a cycle",
	  "{\"targets\": [{\"name\": \"a\", \"depends_on\": [\"b\"], \"probes\": " PROBE_TCP "},"
	  " {\"name\": \"c\", \"probes\": " PROBE_TCP "},"
	  " {\"name\": \"b\", \"depends_on\": [\"c\", \"a\"], \"probes\": " PROBE_TCP "}]}",
	  "dependency cycle: a -> b -> a", false },
	{ "depending on itself",
	  "{\"targets\": [{\"name\": \"a\", \"depends_on\": [\"a\"], \"probes\": " PROBE_TCP "}]}",
	  "dependency cycle: a -> a", false },
	{ "a name twice",
	  "{\"targets\": [{\"name\": \"a\", \"probes\": " PROBE_TCP "},"
	  " {\"name\": \"a\", \"probes\": " PROBE_TCP "}]}",
	  "targets/1 (a)/name: also the name of targets/0", false },
	{ "timeout over interval",
	  "{\"defaults\": {\"timeout_ms\": 3000}, \"targets\": [{\"name\": \"a\","
	  " \"interval_ms\": 1000, \"probes\": " PROBE_TCP "}]}",
	  "targets/0 (a): timeout_ms 3000 exceeds interval_ms 1000", false },
	{ "a bad conninfo",
	  "{\"targets\": [{\"name\": \"db\", \"probes\": [{\"type\": \"sql\", \"conninfo\": \"=x\"}]}]}",
	  "targets/0 (db)/probes/0/conninfo: invalid connection option", false },
	{ "an unknown target key",
	  "{\"targets\": [{\"name\": \"a\", \"intervall_ms\": 5, \"probes\": " PROBE_TCP "}]}",
	  "targets/0 (a)/intervall_ms: unknown key", true },
	{ "an unknown kind",
	  "{\"targets\": [{\"name\": \"a\", \"kind\": \"ris\", \"probes\": " PROBE_TCP "}]}",
	  "targets/0 (a)/kind: \"ris\" is not one of", true },
	{ "an upper-case name",
	  "{\"targets\": [{\"name\": \"HIS\", \"probes\": " PROBE_TCP "}]}",
	  "targets/0/name: required", true },
	{ "no probes",
	  "{\"targets\": [{\"name\": \"a\", \"probes\": []}]}",
	  "targets/0 (a)/probes: an array of 1..16", true },
	{ "an unknown probe type",
	  "{\"targets\": [{\"name\": \"a\", \"probes\": [{\"type\": \"icmp\"}]}]}",
	  "targets/0 (a)/probes/0/type: \"icmp\" is not", true },
	{ "an url without scheme",
	  "{\"targets\": [{\"name\": \"a\", \"probes\": [{\"type\": \"http\", \"url\": \"his/health\"}]}]}",
	  "targets/0 (a)/probes/0/url: an http:// or https:// URL", true },
	{ "port 0",
	  "{\"targets\": [{\"name\": \"a\", \"probes\": [{\"type\": \"tcp\", \"host\": \"h\", \"port\": 0}]}]}",
	  "targets/0 (a)/probes/0/port: must be an integer 1..65535", true },
	{ "a key of another probe type",
	  "{\"targets\": [{\"name\": \"a\", \"probes\": [{\"type\": \"tcp\", \"host\": \"127.0.0.1\","
	  " \"port\": 1, \"url\": \"http://x/\"}]}]}",
	  "targets/0 (a)/probes/0/url: unknown key", true },
	{ "an HL7 delimiter in sending_app",
	  "{\"targets\": [{\"name\": \"a\", \"probes\": [{\"type\": \"mllp\", \"host\": \"127.0.0.1\","
	  " \"port\": 1, \"sending_app\": \"A|B\"}]}]}",
	  "targets/0 (a)/probes/0/sending_app", true },
	{ "a threshold out of range",
	  "{\"defaults\": {\"fail_threshold\": 0}, \"targets\": []}",
	  "defaults/fail_threshold: must be an integer 1..100", true },
	{ "alpha out of range",
	  "{\"defaults\": {\"false_alarm_probability\": 0.5}, \"targets\": []}",
	  "defaults/false_alarm_probability", true },
	{ "no targets",
	  "{\"defaults\": {}}",
	  "targets: an array", true },
};

static void test_bad_configs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		json_t *cfg = parse(c->config);
		jsonschema_error verr;
		monitor *m = NULL;
		char err[512] = "";
		int rc = monitor_new(base, cfg, &m, err, sizeof(err));

		if (rc != LL_EINVAL || m != NULL || strstr(err, c->message) == NULL)
			fail_msg("%s: rc %d, err \"%s\", wanted \"%s\"", c->what, rc, err, c->message);
		if (jsonschema_validate(schema, cfg, &verr) == c->schema_rejects)
			fail_msg("%s: the schema %s it", c->what, c->schema_rejects ? "accepts" : "rejects");
		json_decref(cfg);
	}
}

/* An empty list is a valid (if useless) monitor: it starts and stops. */
static void test_empty(void **state)
{
	json_t *cfg = parse("{\"targets\": []}");
	monitor *m = NULL;
	char err[256];

	(void)state;
	assert_int_equal(monitor_new(base, cfg, &m, err, sizeof(err)), 0);
	assert_int_equal(monitor_start(m), 0);
	assert_true(monitor_running(m));
	monitor_tick(m);
	monitor_stop(m);
	assert_false(monitor_running(m));
	assert_int_equal(monitor_target_state(m, "nope"), TSTATE_UNKNOWN);
	monitor_free(m);
	monitor_free(NULL);
	json_decref(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_loads),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
