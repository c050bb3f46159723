/*
 * Integration tests: every probe type and the monitor end to end, against
 * real listeners — the his-sim binary ($HIS_SIM, broken and mended through
 * its control API) and a throwaway PostgreSQL cluster (tests/unit/db/pgtest).
 * Rounds are driven with clock_advance(); probe timeouts are real (short).
 * The loop runs until a condition holds, with a generous deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "curlev.h"
#include "simfx.h"

static size_t discard_body(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

struct outcome {
	bool done, ok;
	char reason[512];
	int64_t ms;
};

static void on_probe(bool ok, const char *reason, void *arg)
{
	struct outcome *o = arg;

	o->done = true;
	o->ok = ok;
	snprintf(o->reason, sizeof(o->reason), "%s", reason ? reason : "");
}

/* Build a probe from JSON (printf), check it against the schema, run it once. */
__attribute__((format(printf, 3, 4)))
static struct outcome run_probe(const char *target, int timeout_ms, const char *fmt, ...)
{
	struct outcome o = { 0 };
	char text[1024], err[256];
	json_t *j, *cfg;
	jsonschema_error verr;
	probe_spec *spec = NULL;
	probe_run *run = NULL;
	int64_t start;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	cfg = json_pack("{s:[{s:s, s:[O]}]}", "targets", "name", target, "probes", j);
	if (!jsonschema_validate(fx.schema, cfg, &verr))
		fail_msg("%s: %s: %s", text, verr.pointer, verr.message);
	json_decref(cfg);
	if (probe_spec_new(j, target, "probe", &spec, err, sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	json_decref(j);
	start = real_ms();
	assert_int_equal(probe_start(&fx.env, spec, timeout_ms, on_probe, &o, &run), 0);
	assert_false(o.done); /* never from inside probe_start */
	RUN_UNTIL(o.done);
	o.ms = real_ms() - start;
	probe_spec_free(spec);
	return o;
}

#define HTTP_PROBE "{\"type\": \"http\", \"url\": \"http://127.0.0.1:%d/health\", " \
	"\"expect_status\": 200, \"expect_body\": \"ok\"}"

static void test_http(void **state)
{
	int port = sim_port("targets", "his-core");
	struct outcome o;

	(void)state;
	o = run_probe("his-core", 2000, HTTP_PROBE, port);
	assert_true(o.ok);
	o = run_probe("his-core", 2000, "{\"type\": \"http\", \"url\": \"http://127.0.0.1:%d/health\","
		" \"expect_body\": \"no such text\"}", port);
	assert_false(o.ok);
	assert_string_equal(o.reason, "http his-core: HTTP 200 but the body lacks \"no such text\"");
	o = run_probe("his-core", 2000, "{\"type\": \"http\", \"url\": \"http://127.0.0.1:%d/nope\"}", port);
	assert_string_equal(o.reason, "http his-core: HTTP 404");

	control("down?target=his-core&mode=refuse");
	o = run_probe("his-core", 2000, HTTP_PROBE, port);
	assert_string_equal(o.reason, "http his-core: connection refused");

	control("down?target=his-core&mode=503");
	o = run_probe("his-core", 2000, HTTP_PROBE, port);
	assert_string_equal(o.reason, "http his-core: HTTP 503 (expected 200)");

	control("down?target=his-core&mode=hang");
	o = run_probe("his-core", 300, HTTP_PROBE, port);
	assert_string_equal(o.reason, "http his-core: timeout after 300 ms");
	assert_true(o.ms >= 290 && o.ms < 2000);

	control("up?target=his-core");
	o = run_probe("his-core", 2000, HTTP_PROBE, port);
	assert_true(o.ok);
}

static void test_tcp(void **state)
{
	int port = sim_port("targets", "pacs");
	struct outcome o;

	(void)state;
	o = run_probe("pacs", 1000, "{\"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": %d}", port);
	assert_true(o.ok);
	/* 503 is an HTTP fault: the port still accepts */
	control("down?target=pacs&mode=503");
	o = run_probe("pacs", 1000, "{\"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": %d}", port);
	assert_true(o.ok);
	control("down?target=pacs&mode=refuse");
	o = run_probe("pacs", 1000, "{\"type\": \"tcp\", \"host\": \"localhost\", \"port\": %d}", port);
	assert_string_equal(o.reason, "tcp pacs: connection refused");
}

#define MLLP_PROBE "{\"type\": \"mllp\", \"host\": \"127.0.0.1\", \"port\": %d, " \
	"\"sending_app\": \"LIFELINE\"}"

static void test_mllp(void **state)
{
	int port = sim_port("mllp", "lis");
	struct outcome o;

	(void)state;
	if (port == 0)
		fail_msg("his-sim has no MLLP listener for lis (no \"mllp\" in its state file)");
	o = run_probe("lis", 1000, MLLP_PROBE, port);
	if (!o.ok)
		fail_msg("%s", o.reason);
	/* a second probe: a new connection and a new control id */
	o = run_probe("lis", 1000, MLLP_PROBE, port);
	assert_true(o.ok);

	control("down?target=lis&mode=503");
	o = run_probe("lis", 1000, MLLP_PROBE, port);
	assert_false(o.ok);
	assert_memory_equal(o.reason, "mllp lis: MSA AE", 16);

	control("down?target=lis&mode=hang");
	o = run_probe("lis", 300, MLLP_PROBE, port);
	assert_string_equal(o.reason, "mllp lis: timeout after 300 ms");

	control("down?target=lis&mode=refuse");
	o = run_probe("lis", 1000, MLLP_PROBE, port);
	assert_string_equal(o.reason, "mllp lis: connection refused");

	control("up?target=lis");
	o = run_probe("lis", 1000, MLLP_PROBE, port);
	assert_true(o.ok);
}

#define SQL_PROBE "{\"type\": \"sql\", \"conninfo\": \"%s\", \"query\": \"%s\"}"

static void test_sql(void **state)
{
	struct outcome o;

	(void)state;
	o = run_probe("his-db", 2000, SQL_PROBE, fx.pg.conninfo, "SELECT 1");
	if (!o.ok)
		fail_msg("%s", o.reason);
	o = run_probe("his-db", 2000, SQL_PROBE, fx.pg.conninfo,
		"SELECT count(*) FROM pg_class; SELECT 2");
	assert_true(o.ok);
	o = run_probe("his-db", 2000, SQL_PROBE, fx.pg.conninfo, "SELECT nope");
	assert_false(o.ok);
	assert_non_null(strstr(o.reason, "sql his-db: PGRES_FATAL_ERROR: ERROR:"));
	assert_non_null(strstr(o.reason, "\"nope\" does not exist"));
	/* the database server stops: the probe fails, and fast */
	assert_int_equal(pgtest_stop(&fx.pg, "fast"), 0);
	o = run_probe("his-db", 2000, SQL_PROBE, fx.pg.conninfo, "SELECT 1");
	assert_false(o.ok);
	assert_memory_equal(o.reason, "sql his-db: ", 12);
	assert_true(o.ms < 2000);
	print_message("sql probe, server stopped: %s\n", o.reason);
	assert_int_equal(pgtest_start(&fx.pg), 0);
	o = run_probe("his-db", 2000, SQL_PROBE, fx.pg.conninfo, "SELECT 1");
	assert_true(o.ok);
}

struct xfer {
	int calls;
	CURLcode result;
	long status;
	curlev *free_me; /* curlev_free() from inside the callback */
};

static void on_xfer(CURL *easy, CURLcode result, void *arg)
{
	struct xfer *x = arg;

	x->calls++;
	x->result = result;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &x->status);
	curl_easy_cleanup(easy);
	if (x->free_me)
		curlev_free(x->free_me);
}

static CURL *get(const char *target)
{
	CURL *e = curl_easy_init();
	char url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", sim_port("targets", target));
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
	return e;
}

/* curlev on its own, as notify will use it: done, freed busy, freed from a callback. */
static void test_curlev(void **state)
{
	curlev *c = curlev_new(fx.base);
	struct xfer a = { 0 }, b = { 0 };
	CURL *e;

	(void)state;
	assert_non_null(c);
	assert_int_equal(curlev_add(c, NULL, on_xfer, &a), LL_EINVAL);
	assert_int_equal(curlev_add(c, get("emr"), on_xfer, &a), 0);
	assert_int_equal(curlev_running(c), 1);
	assert_int_equal(a.calls, 0); /* never from inside curlev_add */
	RUN_UNTIL(a.calls == 1);
	assert_int_equal(a.result, CURLE_OK);
	assert_int_equal(a.status, 200);
	assert_int_equal(curlev_running(c), 0);

	/* cancelled: no callback, the handle is ours again */
	e = get("emr");
	assert_int_equal(curlev_add(c, e, on_xfer, &a), 0);
	curlev_cancel(c, e);
	curl_easy_cleanup(e);
	assert_int_equal(curlev_running(c), 0);

	/* freed while a transfer hangs: its owner hears CURLE_ABORTED_BY_CALLBACK */
	control("down?target=emr&mode=hang");
	memset(&a, 0, sizeof(a));
	assert_int_equal(curlev_add(c, get("emr"), on_xfer, &a), 0);
	curlev_free(c);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.result, CURLE_ABORTED_BY_CALLBACK);

	/* freed from inside a done callback while another transfer hangs */
	c = curlev_new(fx.base);
	memset(&a, 0, sizeof(a));
	a.free_me = c;
	assert_int_equal(curlev_add(c, get("emr"), on_xfer, &b), 0);
	assert_int_equal(curlev_add(c, get("pacs"), on_xfer, &a), 0);
	RUN_UNTIL(a.calls == 1);
	assert_int_equal(a.status, 200);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.result, CURLE_ABORTED_BY_CALLBACK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_curlev, simfx_reset),
		cmocka_unit_test_setup(test_http, simfx_reset),
		cmocka_unit_test_setup(test_tcp, simfx_reset),
		cmocka_unit_test_setup(test_mllp, simfx_reset),
		cmocka_unit_test_setup(test_sql, simfx_reset),
		cmocka_unit_test_setup(test_monitor_end_to_end, simfx_reset),
		cmocka_unit_test_setup(test_monitor_timeouts, simfx_reset),
		cmocka_unit_test_setup(test_monitor_stop_cancels, simfx_reset),
	};

	return cmocka_run_group_tests(tests, simfx_setup, simfx_teardown);
}
