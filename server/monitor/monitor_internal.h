/*
 * monitor_internal — what monitor.c (scheduling, rounds, events),
 * monitor_config.c (targets from the config) and monitor_status.c (the
 * status JSON) share. Not for use outside server/monitor.
 *
 * The monitor owns its targets (an array that never moves once built), each
 * target its probe specs, and each round in flight its probe runs.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "curlev.h"
#include "monitor.h"
#include "probe.h"
#include "tstate.h"

#define MONITOR_REASON_MAX 512
#define MONITOR_TIMER_MAX_MS 1000

struct monitor_round;

struct monitor_target {
	monitor *m;
	char *name, *title_zh, *title_en, *kind;
	bool core;
	size_t *deps;            /* indices into m->targets */
	size_t ndeps;
	int interval_ms, timeout_ms;
	struct tstate ts;
	probe_spec **probes;
	size_t nprobes;
	/* schedule (clock_mono_ms) */
	int64_t next_due;
	struct monitor_round *round; /* in flight, or NULL */
	/* the last completed round */
	char last_error[MONITOR_REASON_MAX];
	int64_t last_latency_ms;     /* -1 before the first */
	const char *affected_by;     /* as last told to the listener */
};

struct monitor {
	struct event_base *base;
	curlev *curl;
	struct probe_env env;
	struct monitor_target *targets;
	size_t ntargets;
	struct event *timer;   /* the earliest due round */
	struct event *jump;    /* activated by a clock jump */
	bool running;
	monitor_change_cb cb;
	void *cb_arg;
	int busy;          /* depth of tick / listener calls: monitor_free waits */
	bool free_pending;
	struct monitor *next_live; /* the process's monitors, for clock jumps */
};

/* monitor_config.c: fill m->targets from the config; err names the place. */
int monitor_config_load(monitor *m, const json_t *config, char *err, size_t errlen);
void monitor_target_release(struct monitor_target *t);

/* monitor.c: the deepest DOWN dependency of t while t fails, else NULL. */
const char *monitor_affected_by(const monitor *m, const struct monitor_target *t);
