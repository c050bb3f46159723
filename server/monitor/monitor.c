/*
 * monitor — scheduling rounds, collecting their probes, feeding each
 * target's state machine, and telling the listener. See monitor.h.
 */
#include "monitor_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

/* One probe of a round: the callback's argument. */
struct monitor_slot {
	struct monitor_round *round;
	size_t index;
	bool failed;
	char reason[MONITOR_REASON_MAX / 2];
};

struct monitor_round {
	struct monitor_target *t;
	int64_t start_mono, start_wall;
	size_t pending;
	bool ok;
	char reason[MONITOR_REASON_MAX];
	probe_run **runs;
	struct monitor_slot *slots;
};

/*
 * Clock jumps. clock.h has no way to unregister a listener, so one listener
 * serves every monitor of the process. clock_reset() (tests) drops it
 * silently; an offset we were not told about gives that away, and the
 * listener is registered again (the timer checks at least once a second).
 */
static monitor *live_monitors;
static bool jump_registered;
static int64_t jump_seen_offset;

static void monitor_on_jump(void *arg)
{
	(void)arg;
	jump_seen_offset = clock_offset_ms();
	for (monitor *m = live_monitors; m != NULL; m = m->next_live)
		if (m->running)
			event_active(m->jump, EV_TIMEOUT, 0);
}

static void jump_listen(void)
{
	if (jump_registered && clock_offset_ms() == jump_seen_offset)
		return;
	if (clock_on_jump(monitor_on_jump, NULL) == 0) {
		jump_registered = true;
		jump_seen_offset = clock_offset_ms();
	} else {
		log_warn("monitor: cannot listen to clock jumps; virtual time is seen within 1 s");
	}
}

static void monitor_free_now(monitor *m);

static bool failing(enum tstate_state s)
{
	return s == TSTATE_SUSPECT || s == TSTATE_DOWN;
}

/* The deepest DOWN target reachable from t through failing dependencies. */
static const struct monitor_target *root_down(const monitor *m, const struct monitor_target *t)
{
	for (size_t i = 0; i < t->ndeps; i++) {
		const struct monitor_target *d = &m->targets[t->deps[i]], *r;

		if (!failing(d->ts.state))
			continue;
		r = root_down(m, d);
		if (r != NULL)
			return r;
		if (d->ts.state == TSTATE_DOWN)
			return d;
	}
	return NULL;
}

const char *monitor_affected_by(const monitor *m, const struct monitor_target *t)
{
	const struct monitor_target *r;

	if (!failing(t->ts.state))
		return NULL;
	r = root_down(m, t);
	return r ? r->name : NULL;
}

static void log_change(const struct monitor_change *c)
{
	char at[40];

	if (c->what & MONITOR_CHANGE_STATE) {
		clock_format_ms(c->at_ms, at, sizeof(at));
		if (c->new_state == TSTATE_DOWN)
			log_warn("monitor: %s (%s) DOWN since %s after %d failed rounds: %s%s%s",
				c->target, c->title_en, at, c->consecutive_failures,
				c->reason ? c->reason : "?", c->affected_by ? "; affected by " : "",
				c->affected_by ? c->affected_by : "");
		else
			log_info("monitor: %s (%s) %s -> %s at %s%s%s", c->target, c->title_en,
				tstate_name(c->old_state), tstate_name(c->new_state), at,
				c->reason ? ": " : "", c->reason ? c->reason : "");
	} else if (c->what & MONITOR_CHANGE_AFFECTED) {
		if (c->affected_by)
			log_info("monitor: %s is affected by %s, which is DOWN", c->target,
				c->affected_by);
		else
			log_info("monitor: %s is no longer affected by a dependency", c->target);
	}
	if (c->what & MONITOR_CHANGE_FLAPPING)
		log_info("monitor: %s %s", c->target, c->flapping ? "is flapping" :
			"stopped flapping (stable for the flap window)");
}

static void notify(monitor *m, struct monitor_target *t, unsigned what,
	enum tstate_state old, const char *reason)
{
	struct monitor_change c = {
		.target = t->name, .title_zh = t->title_zh, .title_en = t->title_en,
		.kind = t->kind, .core = t->core, .what = what,
		.old_state = old, .new_state = t->ts.state,
		.decided_ms = t->ts.since_ms, .reason = reason, .flapping = t->ts.flapping,
		.affected_by = t->affected_by, .consecutive_failures = t->ts.consec_fail,
	};
	monitor_change_cb cb = m->cb;
	void *arg = m->cb_arg;

	c.at_ms = c.decided_ms;
	if (t->ts.state == TSTATE_DOWN) {
		c.breakpoint_ms = t->ts.breakpoint_ms;
		if (what & MONITOR_CHANGE_STATE)
			c.at_ms = t->ts.breakpoint_ms;
	} else if ((what & MONITOR_CHANGE_STATE) && old == TSTATE_DOWN) {
		c.breakpoint_ms = t->ts.breakpoint_ms;
		c.at_ms = t->ts.recovered_at_ms;
	}
	if (!(what & MONITOR_CHANGE_STATE))
		c.decided_ms = c.at_ms = clock_now_ms();
	log_change(&c);
	if (cb == NULL)
		return;
	m->busy++;
	cb(&c, arg);
	m->busy--;
}

/* After t's round: t's own change, then dependents whose affected_by moved. */
static void publish(monitor *m, struct monitor_target *t, bool changed, bool flap_changed,
	enum tstate_state old, const char *reason)
{
	const char *aff = monitor_affected_by(m, t);
	unsigned what = (changed ? MONITOR_CHANGE_STATE : 0) |
		(flap_changed ? MONITOR_CHANGE_FLAPPING : 0) |
		(aff != t->affected_by ? MONITOR_CHANGE_AFFECTED : 0);

	t->affected_by = aff;
	if (what != 0)
		notify(m, t, what, old, reason);
	for (size_t i = 0; i < m->ntargets && !m->free_pending; i++) {
		struct monitor_target *u = &m->targets[i];

		aff = monitor_affected_by(m, u);
		if (aff == u->affected_by)
			continue;
		u->affected_by = aff;
		notify(m, u, MONITOR_CHANGE_AFFECTED, u->ts.state,
			u->ts.consec_fail > 0 ? u->last_error : NULL);
	}
}

static void monitor_arm(monitor *m)
{
	int64_t now = clock_mono_ms(), wait = MONITOR_TIMER_MAX_MS;
	struct timeval tv;

	if (!m->running)
		return;
	for (size_t i = 0; i < m->ntargets; i++) {
		const struct monitor_target *t = &m->targets[i];

		if (t->round == NULL && t->next_due - now < wait)
			wait = t->next_due - now;
	}
	if (wait < 0)
		wait = 0;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(m->timer, &tv);
}

static void round_free(struct monitor_round *r)
{
	for (size_t i = 0; i < r->t->nprobes; i++)
		probe_cancel(r->runs[i]);
	free(r->runs);
	free(r->slots);
	free(r);
}

static void round_complete(struct monitor_round *r)
{
	struct monitor_target *t = r->t;
	monitor *m = t->m;
	enum tstate_state old = t->ts.state;
	bool was_flapping = t->ts.flapping, changed;

	t->round = NULL;
	t->last_latency_ms = clock_mono_ms() - r->start_mono;
	if (!r->ok) {
		/* in probe order, whatever order they finished in */
		size_t n = 0;

		for (size_t i = 0; i < t->nprobes && n < sizeof(r->reason); i++)
			if (r->slots[i].failed)
				n += (size_t)snprintf(r->reason + n, sizeof(r->reason) - n, "%s%s",
					n ? "; " : "", r->slots[i].reason);
		snprintf(t->last_error, sizeof(t->last_error), "%s", r->reason);
	}
	changed = tstate_observe(&t->ts, r->ok, clock_now_ms(), r->start_wall);
	publish(m, t, changed, was_flapping != t->ts.flapping, old, r->ok ? NULL : t->last_error);
	round_free(r);
	if (m->free_pending) {
		if (m->busy == 0)
			monitor_free_now(m);
		return;
	}
	monitor_arm(m);
}

static void round_probe_done(bool ok, const char *reason, void *arg)
{
	struct monitor_slot *slot = arg;
	struct monitor_round *r = slot->round;

	r->runs[slot->index] = NULL;
	if (!ok) {
		r->ok = false;
		slot->failed = true;
		snprintf(slot->reason, sizeof(slot->reason), "%s", reason);
	}
	if (--r->pending == 0)
		round_complete(r);
}

static void round_start(struct monitor_target *t, int64_t now)
{
	struct monitor_round *r = calloc(1, sizeof(*r));

	/* The cadence keeps to the schedule; after a gap it restarts from now. */
	t->next_due += t->interval_ms;
	if (t->next_due <= now)
		t->next_due = now + t->interval_ms;
	if (r != NULL) {
		r->runs = calloc(t->nprobes, sizeof(*r->runs));
		r->slots = calloc(t->nprobes, sizeof(*r->slots));
	}
	if (r == NULL || r->runs == NULL || r->slots == NULL) {
		if (r != NULL) {
			free(r->runs);
			free(r->slots);
			free(r);
		}
		log_error("monitor: %s: out of memory, round skipped", t->name);
		return;
	}
	r->t = t;
	r->ok = true;
	r->start_mono = now;
	r->start_wall = clock_now_ms();
	r->pending = t->nprobes;
	t->round = r;
	for (size_t i = 0; i < t->nprobes; i++) {
		r->slots[i].round = r;
		r->slots[i].index = i;
		if (probe_start(&t->m->env, t->probes[i], t->timeout_ms, round_probe_done,
			&r->slots[i], &r->runs[i]) != 0) {
			size_t left = r->pending;
			char why[64];

			/* counted as that probe failing; as the last one, it ends (frees) the round */
			snprintf(why, sizeof(why), "%s %s: out of memory",
				probe_type_name(probe_spec_type(t->probes[i])), t->name);
			round_probe_done(false, why, &r->slots[i]);
			if (left == 1)
				return;
		}
	}
}

void monitor_tick(monitor *m)
{
	int64_t now;

	if (!m->running)
		return;
	jump_listen();
	now = clock_mono_ms();
	/* A round that cannot start ends at once and may call the listener. */
	m->busy++;
	for (size_t i = 0; i < m->ntargets && m->running && !m->free_pending; i++) {
		struct monitor_target *t = &m->targets[i];

		if (t->round == NULL && now >= t->next_due)
			round_start(t, now);
	}
	m->busy--;
	if (m->free_pending) {
		if (m->busy == 0)
			monitor_free_now(m);
		return;
	}
	monitor_arm(m);
}

static void monitor_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	monitor_tick(arg);
}

int monitor_new(struct event_base *base, const json_t *config, monitor **out,
	char *err, size_t errlen)
{
	monitor *m = calloc(1, sizeof(*m));

	*out = NULL;
	err[0] = '\0';
	if (m == NULL)
		return LL_ENOMEM;
	m->base = base;
	if (monitor_config_load(m, config, err, errlen) != 0)
		goto fail;
	m->curl = curlev_new(base);
	m->timer = evtimer_new(base, monitor_timer_cb, m);
	m->jump = event_new(base, -1, 0, monitor_timer_cb, m);
	if (m->curl == NULL || m->timer == NULL || m->jump == NULL)
		goto fail;
	/* Above-normal priority where the loop has several: probes are not late. */
	if (event_base_get_npriorities(base) > 1) {
		event_priority_set(m->timer, 0);
		event_priority_set(m->jump, 0);
	}
	m->env.base = base;
	m->env.curl = m->curl;
	m->next_live = live_monitors;
	live_monitors = m;
	*out = m;
	return 0;
fail:
	monitor_free_now(m);
	return err[0] ? LL_EINVAL : LL_ENOMEM;
}

void monitor_set_change_cb(monitor *m, monitor_change_cb cb, void *arg)
{
	m->cb = cb;
	m->cb_arg = arg;
}

int monitor_start(monitor *m)
{
	int64_t now = clock_mono_ms();

	if (m->running || m->free_pending)
		return m->free_pending ? LL_ECONFLICT : 0;
	for (size_t i = 0; i < m->ntargets; i++)
		m->targets[i].next_due = now;
	m->running = true;
	log_info("monitor: probing %zu targets", m->ntargets);
	monitor_tick(m);
	return 0;
}

void monitor_stop(monitor *m)
{
	if (!m->running)
		return;
	m->running = false;
	for (size_t i = 0; i < m->ntargets; i++) {
		struct monitor_target *t = &m->targets[i];

		if (t->round != NULL) {
			round_free(t->round);
			t->round = NULL;
		}
	}
	if (m->timer)
		event_del(m->timer);
	if (m->jump)
		event_del(m->jump);
	log_info("monitor: probing stopped (states kept as last seen)");
}

bool monitor_running(const monitor *m)
{
	return m->running;
}

static void monitor_free_now(monitor *m)
{
	monitor_stop(m);
	for (monitor **p = &live_monitors; *p != NULL; p = &(*p)->next_live) {
		if (*p == m) {
			*p = m->next_live;
			break;
		}
	}
	for (size_t i = 0; i < m->ntargets; i++)
		monitor_target_release(&m->targets[i]);
	free(m->targets);
	if (m->timer)
		event_free(m->timer);
	if (m->jump)
		event_free(m->jump);
	curlev_free(m->curl);
	free(m);
}

void monitor_free(monitor *m)
{
	if (m == NULL)
		return;
	if (m->busy > 0) {
		m->free_pending = true;
		return;
	}
	monitor_free_now(m);
}

size_t monitor_target_count(const monitor *m)
{
	return m->ntargets;
}

static const struct monitor_target *target_find(const monitor *m, const char *name)
{
	for (size_t i = 0; i < m->ntargets; i++)
		if (strcmp(m->targets[i].name, name) == 0)
			return &m->targets[i];
	return NULL;
}

enum tstate_state monitor_target_state(const monitor *m, const char *name)
{
	const struct monitor_target *t = target_find(m, name);

	return t ? t->ts.state : TSTATE_UNKNOWN;
}

uint64_t monitor_target_rounds(const monitor *m, const char *name)
{
	const struct monitor_target *t = target_find(m, name);

	return t ? t->ts.rounds : 0;
}
