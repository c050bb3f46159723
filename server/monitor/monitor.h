/*
 * monitor — watches the HIS subsystems ("targets") named in the config's
 * "monitor" section (schemas/monitor.schema.json): runs each target's
 * probes on the event loop, feeds the outcomes to its state machine
 * (tstate.h: UNKNOWN, UP, SUSPECT, DOWN, flapping) and tells one listener
 * what changed. Only the leader probes: monitor_start()/monitor_stop().
 *
 * Words
 *   round     all of a target's probes, started together; it succeeds when
 *             every probe succeeds, and its reason names each failing probe
 *             ("http his-core: connection refused; tcp his-core: ...").
 *   due       a target's next round is due at the previous round's scheduled
 *             start + interval_ms (clock_mono_ms(), so virtual time moves it);
 *             a round is never started while the last one is in flight, and
 *             after a long gap (or a clock jump) the next round starts at
 *             once and the cadence restarts from there.
 *   affected  A depends_on B (directly or through others). While A is
 *             SUSPECT or DOWN and a dependency is DOWN, A is affected by it:
 *             affected_by names the deepest DOWN dependency on the path (the
 *             root cause). The incident layer raises no separate alarm for an
 *             affected target; A is still probed, and its own recovery shows
 *             (an UP target is never affected).
 *
 * Timing: one timer armed for the earliest due round (never more than 1 s
 * away), plus a clock_on_jump() listener: when a test or a drill advances
 * virtual time, due rounds start on the next loop turn. Probe timeouts are
 * real libevent timers. Nothing here blocks; the only blocking step is
 * name resolution inside monitor_new() (at load, see probe.h).
 *
 * Ownership: the monitor copies what it needs from the config (the caller
 * keeps its json_t). Loop thread only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "errors.h"
#include "tstate.h"

struct event_base;
typedef struct monitor monitor;

enum monitor_change_what {
	MONITOR_CHANGE_STATE = 1,    /* old_state -> new_state */
	MONITOR_CHANGE_FLAPPING = 2, /* the flapping mark was set or cleared */
	MONITOR_CHANGE_AFFECTED = 4, /* affected_by changed (a dependency went or left DOWN) */
};

/* What the listener is told. Every pointer is valid during the call only. */
struct monitor_change {
	const char *target;
	const char *title_zh, *title_en, *kind;
	bool core;
	unsigned what;               /* MONITOR_CHANGE_* bits */
	enum tstate_state old_state, new_state; /* equal unless what has STATE */
	/*
	 * Wall ms (clock_now_ms) the change is dated at. Entering DOWN: the
	 * breakpoint (start of the first failed round). DOWN -> UP: the start of
	 * the first round of the successful run. Otherwise: when decided.
	 */
	int64_t at_ms;
	int64_t decided_ms;          /* when the monitor decided it */
	int64_t breakpoint_ms;       /* the outage's breakpoint while DOWN or just recovered; else 0 */
	const char *reason;          /* the last round's failure reason; NULL after a success */
	bool flapping;
	const char *affected_by;     /* a DOWN dependency's name, or NULL */
	int consecutive_failures;
};

typedef void (*monitor_change_cb)(const struct monitor_change *change, void *arg);

/*
 * Build the monitor from the "monitor" config object. Checks what a schema
 * cannot: unique names, depends_on naming known targets, no dependency
 * cycles, timeout_ms <= interval_ms, probes that resolve. On error returns
 * LL_EINVAL (or LL_ENOMEM) and err names the place and the target
 * ("targets/1 (his-core): depends_on: unknown target \"his-dbx\"",
 * "dependency cycle: his-core -> his-db -> his-core"). Not started.
 */
int monitor_new(struct event_base *base, const json_t *config, monitor **out,
	char *err, size_t errlen) LL_MUST_CHECK;

/* Cancels rounds in flight (no callbacks). NULL is a no-op. From inside the
 * change callback, the monitor is freed when the callback returns. */
void monitor_free(monitor *m);

/* One listener; cb NULL removes it. */
void monitor_set_change_cb(monitor *m, monitor_change_cb cb, void *arg);

/* Start probing (the leader): every target's first round is due at once. */
int monitor_start(monitor *m) LL_MUST_CHECK;

/* Stop probing (standby): rounds in flight are cancelled and not counted;
 * states stay as last known. */
void monitor_stop(monitor *m);

bool monitor_running(const monitor *m);

/* Start every round that is due now; monitor_start and the timer call it. */
void monitor_tick(monitor *m);

/*
 * A new JSON array, one object per target in config order:
 *   name, title_zh, title_en, kind, core, depends_on [names], state,
 *   since (RFC 3339 or null), breakpoint (RFC 3339 while SUSPECT/DOWN, else
 *   null), affected_by (name or null), flapping, consecutive_failures,
 *   consecutive_successes, required_failures (K_eff), window_loss_ratio
 *   (failed share of the last `window` rounds), background_loss (p_hat),
 *   last_error (the reason of the latest failed round, kept after recovery;
 *   null before any), last_probe_ms (duration of the last round, or null),
 *   probes_total, probes_failed (rounds, not single probes), interval_ms,
 *   timeout_ms, in_flight, probes [{type, endpoint}]. since is the moment
 *   the state was decided; breakpoint the start of the first failed round.
 * NULL when out of memory.
 */
json_t *monitor_status_json(const monitor *m);

size_t monitor_target_count(const monitor *m);
/* The state of a target by name; TSTATE_UNKNOWN for an unknown name. */
enum tstate_state monitor_target_state(const monitor *m, const char *name);
/* Completed rounds of a target (0 for an unknown name). */
uint64_t monitor_target_rounds(const monitor *m, const char *name);
