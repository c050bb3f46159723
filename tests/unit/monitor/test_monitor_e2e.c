/*
 * Integration tests: the monitor end to end against his-sim — a target
 * refused goes DOWN at exactly fail_threshold rounds with the breakpoint of
 * the first failed round, comes back after recover_threshold rounds; a
 * dependency that is DOWN marks its dependents affected; hung probes time
 * out; monitor_stop cancels what is in flight. Each round is started by
 * clock_advance(INTERVAL): the interval is a minute that never passes.
 */
#include "simfx.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "monitor.h"

#define INTERVAL 60000

struct event_rec {
	char target[33];
	unsigned what;
	enum tstate_state old_state, new_state;
	int64_t at_ms;
	char affected[33];
	char reason[256];
	int failures;
	bool flapping;
};

static struct {
	struct event_rec ev[64];
	int n;
} rec;

static void on_change(const struct monitor_change *c, void *arg)
{
	struct event_rec *e;

	(void)arg;
	assert_true(rec.n < 64);
	e = &rec.ev[rec.n++];
	snprintf(e->target, sizeof(e->target), "%s", c->target);
	e->what = c->what;
	e->old_state = c->old_state;
	e->new_state = c->new_state;
	e->at_ms = c->at_ms;
	snprintf(e->affected, sizeof(e->affected), "%s", c->affected_by ? c->affected_by : "");
	snprintf(e->reason, sizeof(e->reason), "%s", c->reason ? c->reason : "");
	e->failures = c->consecutive_failures;
	e->flapping = c->flapping;
}

/* A monitor from a JSON config (printf), checked against the schema, started. */
__attribute__((format(printf, 1, 2)))
static monitor *start_monitor(const char *fmt, ...)
{
	char text[2048], err[256];
	jsonschema_error verr;
	monitor *m = NULL;
	json_t *cfg;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cfg = json_loads(text, 0, NULL);
	assert_non_null(cfg);
	if (!jsonschema_validate(fx.schema, cfg, &verr))
		fail_msg("%s: %s", verr.pointer, verr.message);
	if (monitor_new(fx.base, cfg, &m, err, sizeof(err)) != 0)
		fail_msg("monitor_new: %s", err);
	json_decref(cfg);
	memset(&rec, 0, sizeof(rec));
	monitor_set_change_cb(m, on_change, NULL);
	assert_int_equal(monitor_start(m), 0);
	return m;
}

static json_t *target_status(monitor *m, const char *name)
{
	json_t *all = monitor_status_json(m), *t = NULL, *v;
	size_t i;

	json_array_foreach(all, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0)
			t = json_incref(v);
	json_decref(all);
	assert_non_null(t);
	return t;
}

static uint64_t total_rounds(const monitor *m)
{
	return monitor_target_rounds(m, "his-db") + monitor_target_rounds(m, "his-core");
}

/* Move virtual time one interval on; wait until every target finished its round. */
static void next_round(monitor *m, size_t ntargets, int64_t *started)
{
	uint64_t n0 = total_rounds(m);

	clock_advance(INTERVAL);
	if (started)
		*started = clock_now_ms();
	RUN_UNTIL(total_rounds(m) == n0 + ntargets);
}

static const struct event_rec *last_event(const char *target)
{
	for (int i = rec.n - 1; i >= 0; i--)
		if (strcmp(rec.ev[i].target, target) == 0)
			return &rec.ev[i];
	return NULL;
}

#define E2E_CONFIG \
	"{\"defaults\": {\"interval_ms\": 60000, \"timeout_ms\": 1000, \"fail_threshold\": 3," \
	"  \"recover_threshold\": 3}," \
	" \"targets\": [" \
	"  {\"name\": \"his-db\", \"kind\": \"his-db\", \"core\": true, \"probes\": [" \
	"    {\"type\": \"http\", \"url\": \"http://127.0.0.1:%d/health\"}]}," \
	"  {\"name\": \"his-core\", \"kind\": \"his-core\", \"core\": true," \
	"   \"title_zh\": \"HIS 核心应用\", \"title_en\": \"HIS core application\"," \
	"   \"depends_on\": [\"his-db\"], \"probes\": [" \
	"    {\"type\": \"http\", \"url\": \"http://127.0.0.1:%d/health\", \"expect_body\": \"ok\"}," \
	"    {\"type\": \"tcp\", \"host\": \"127.0.0.1\", \"port\": %d}]}]}"

void test_monitor_end_to_end(void **state)
{
	int core = sim_port("targets", "his-core");
	monitor *m = start_monitor(E2E_CONFIG, sim_port("targets", "his-db"), core, core);
	const struct event_rec *e;
	int64_t t0, t0_end, t1, t1_end;
	char bp[40];
	json_t *st;

	(void)state;
	RUN_UNTIL(total_rounds(m) == 2);
	assert_int_equal(monitor_target_state(m, "his-db"), TSTATE_UP);
	assert_int_equal(monitor_target_state(m, "his-core"), TSTATE_UP);
	assert_int_equal(rec.n, 2);

	/* his-core stops accepting: SUSPECT at once, DOWN at the third round exactly */
	control("down?target=his-core&mode=refuse");
	rec.n = 0;
	next_round(m, 2, &t0);
	t0_end = clock_now_ms();
	assert_int_equal(rec.n, 1);
	assert_string_equal(rec.ev[0].target, "his-core");
	assert_int_equal(rec.ev[0].what, MONITOR_CHANGE_STATE);
	assert_int_equal(rec.ev[0].old_state, TSTATE_UP);
	assert_int_equal(rec.ev[0].new_state, TSTATE_SUSPECT);
	assert_string_equal(rec.ev[0].reason,
		"http his-core: connection refused; tcp his-core: connection refused");
	next_round(m, 2, NULL);
	assert_int_equal(rec.n, 1);
	next_round(m, 2, NULL);
	assert_int_equal(rec.n, 2);
	e = &rec.ev[1];
	assert_int_equal(e->new_state, TSTATE_DOWN);
	assert_int_equal(e->failures, 3);
	assert_string_equal(e->affected, "");
	/* the breakpoint: the start of the first failed round */
	assert_true(e->at_ms >= t0 && e->at_ms <= t0_end);
	st = target_status(m, "his-core");
	assert_string_equal(json_string_value(json_object_get(st, "state")), "down");
	assert_string_equal(json_string_value(json_object_get(st, "breakpoint")),
		clock_format_ms(e->at_ms, bp, sizeof(bp)));
	assert_int_equal(json_integer_value(json_object_get(st, "consecutive_failures")), 3);
	assert_int_equal(json_integer_value(json_object_get(st, "probes_failed")), 3);
	assert_non_null(strstr(json_string_value(json_object_get(st, "last_error")), "refused"));
	json_decref(st);

	/* back: UP only after three good rounds, dated at the first of them */
	control("up?target=his-core");
	rec.n = 0;
	next_round(m, 2, &t1);
	t1_end = clock_now_ms();
	next_round(m, 2, NULL);
	assert_int_equal(rec.n, 0);
	assert_int_equal(monitor_target_state(m, "his-core"), TSTATE_DOWN);
	next_round(m, 2, NULL);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.ev[0].old_state, TSTATE_DOWN);
	assert_int_equal(rec.ev[0].new_state, TSTATE_UP);
	assert_true(rec.ev[0].at_ms >= t1 && rec.ev[0].at_ms <= t1_end);

	/* the database goes, and the core with it: the core is affected through it */
	control("down?target=his-db,his-core&mode=refuse");
	rec.n = 0;
	for (int i = 0; i < 3; i++)
		next_round(m, 2, NULL);
	assert_int_equal(monitor_target_state(m, "his-db"), TSTATE_DOWN);
	assert_int_equal(monitor_target_state(m, "his-core"), TSTATE_DOWN);
	assert_string_equal(last_event("his-core")->affected, "his-db");
	assert_string_equal(last_event("his-db")->affected, "");
	st = target_status(m, "his-core");
	assert_string_equal(json_string_value(json_object_get(st, "affected_by")), "his-db");
	json_decref(st);

	/* the database returns, the core does not: its own outage now */
	control("up?target=his-db");
	rec.n = 0;
	for (int i = 0; i < 3; i++)
		next_round(m, 2, NULL);
	assert_int_equal(monitor_target_state(m, "his-db"), TSTATE_UP);
	e = last_event("his-core");
	assert_non_null(e);
	assert_int_equal(e->what, MONITOR_CHANGE_AFFECTED);
	assert_int_equal(e->new_state, TSTATE_DOWN);
	assert_string_equal(e->affected, "");

	/*
	 * And the core's own recovery shows. Its second outage in a quarter of
	 * an hour (virtual): DOWN, UP, DOWN, UP are four flap changes.
	 */
	control("up?target=his-core");
	rec.n = 0;
	for (int i = 0; i < 3; i++)
		next_round(m, 2, NULL);
	e = last_event("his-core");
	assert_int_equal(e->new_state, TSTATE_UP);
	assert_int_equal(e->what, MONITOR_CHANGE_STATE | MONITOR_CHANGE_FLAPPING);
	assert_true(e->flapping);
	st = target_status(m, "his-core");
	assert_true(json_is_true(json_object_get(st, "flapping")));
	json_decref(st);
	monitor_free(m);
}

#define ONE_TARGET \
	"{\"targets\": [{\"name\": \"his-core\", \"interval_ms\": 60000, \"timeout_ms\": %d," \
	" \"probes\": [{\"type\": \"http\", \"url\": \"http://127.0.0.1:%d/health\"}]}]}"

/* A hung HIS answers nothing: each round ends at its timeout, and DOWN follows. */
void test_monitor_timeouts(void **state)
{
	monitor *m = start_monitor(ONE_TARGET, 300, sim_port("targets", "his-core"));
	json_t *st;

	(void)state;
	RUN_UNTIL(total_rounds(m) == 1);
	assert_int_equal(monitor_target_state(m, "his-core"), TSTATE_UP);
	control("down?target=his-core&mode=hang");
	for (int i = 0; i < 3; i++)
		next_round(m, 1, NULL);
	assert_int_equal(monitor_target_state(m, "his-core"), TSTATE_DOWN);
	assert_string_equal(last_event("his-core")->reason, "http his-core: timeout after 300 ms");
	st = target_status(m, "his-core");
	assert_true(json_integer_value(json_object_get(st, "last_probe_ms")) >= 290);
	json_decref(st);
	monitor_free(m);
}

static void spin(int turns)
{
	for (int i = 0; i < turns; i++)
		event_base_loop(fx.base, EVLOOP_NONBLOCK);
}

/* One round in flight at a time; monitor_stop (standby) cancels it quietly. */
void test_monitor_stop_cancels(void **state)
{
	monitor *m;
	json_t *st;

	(void)state;
	control("down?target=his-core&mode=hang");
	m = start_monitor(ONE_TARGET, 5000, sim_port("targets", "his-core"));
	st = target_status(m, "his-core");
	assert_true(json_is_true(json_object_get(st, "in_flight")));
	json_decref(st);
	/* two intervals pass while the round hangs: no second round beside it */
	clock_advance(INTERVAL);
	spin(20);
	clock_advance(INTERVAL);
	spin(20);
	assert_int_equal(monitor_target_rounds(m, "his-core"), 0);
	monitor_stop(m);
	assert_false(monitor_running(m));
	st = target_status(m, "his-core");
	assert_false(json_is_true(json_object_get(st, "in_flight")));
	assert_string_equal(json_string_value(json_object_get(st, "state")), "unknown");
	json_decref(st);
	clock_advance(INTERVAL);
	spin(20);
	assert_int_equal(monitor_target_rounds(m, "his-core"), 0);
	/* leader again, then freed with a round in flight */
	assert_int_equal(monitor_start(m), 0);
	assert_true(monitor_running(m));
	monitor_free(m);
	spin(5);
	assert_int_equal(rec.n, 0);
}
