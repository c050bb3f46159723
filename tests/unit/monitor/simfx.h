/*
 * simfx — the fixture of the monitor's integration tests: the real his-sim
 * process ($HIS_SIM, ports read from its state file, broken and mended
 * through its control API), a throwaway PostgreSQL cluster (pgtest), a loop
 * with a 50 ms tick, and curlev on it. Blocking calls (the control API,
 * pg_ctl) are fine here: this is test code, and his-sim is another process.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/types.h>
#include <event2/event.h>
#include <jansson.h>

#include "jsonschema.h"
#include "pgtest.h"
#include "probe.h"

#define DEADLINE_MS 15000

struct simfx {
	pid_t pid;
	char dir[64];
	int control;         /* his-sim's control port */
	json_t *state;       /* its state file: {"pid","control","targets","mllp"} */
	struct pgtest pg;
	struct event_base *base;
	struct event *tick;
	struct probe_env env;
	jsonschema *schema;  /* schemas/monitor.schema.json */
};

extern struct simfx fx;

/* Monotonic real time in ms, for deadlines (virtual time moves in these tests). */
int64_t real_ms(void);

/* Turn the loop until cond holds; fail after DEADLINE_MS of real time. */
#define RUN_UNTIL(cond) do { \
	int64_t deadline_ = real_ms() + DEADLINE_MS; \
	while (!(cond)) { \
		if (real_ms() > deadline_) \
			fail_msg("timed out waiting for %s", #cond); \
		event_base_loop(fx.base, EVLOOP_ONCE); \
	} \
} while (0)

/* POST /control/<path> to his-sim; the answer must be 200. */
__attribute__((format(printf, 1, 2)))
void control(const char *fmt, ...);

/* The port of a target's listener (kind "targets") or MLLP listener ("mllp"); 0: none. */
int sim_port(const char *kind, const char *target);

int simfx_setup(void **state);    /* group: his-sim, pg, loop */
int simfx_teardown(void **state);
int simfx_reset(void **state);    /* each test: every target up, counters zeroed */

/* test_monitor_e2e.c */
void test_monitor_end_to_end(void **state);
void test_monitor_timeouts(void **state);
void test_monitor_stop_cancels(void **state);
