/* tstate — see tstate.h for the rules and their arithmetic. */
#include "tstate.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The prior: 0.05 failures in 5.05 rounds, mean 0.99 %. */
#define PRIOR_FAIL 0.05
#define PRIOR_OK 5.0
/* Standard errors of the observed failure count added to the memory estimate. */
#define MEMORY_MARGIN_Z 2.0
/* Above this a link is failing, not noisy. */
#define LOSS_CAP 0.5

void tstate_params_default(struct tstate_params *p)
{
	p->fail_threshold = 3;
	p->recover_threshold = 3;
	p->window = 20;
	p->false_alarm_probability = 1e-6;
	p->flap_window_ms = 900 * 1000;
	p->flap_changes = 4;
	p->loss_memory = 1000;
}

int tstate_params_check(const struct tstate_params *p, char *err, size_t errlen)
{
	const char *bad = NULL;

	if (p->fail_threshold < 1 || p->fail_threshold > 100)
		bad = "fail_threshold must be 1..100";
	else if (p->recover_threshold < 1 || p->recover_threshold > 100)
		bad = "recover_threshold must be 1..100";
	else if (p->window < 1 || p->window > TSTATE_WINDOW_MAX)
		bad = "window must be 1..1000";
	else if (!(p->false_alarm_probability > 0 && p->false_alarm_probability < 0.5))
		bad = "false_alarm_probability must be above 0 and below 0.5";
	else if (p->flap_window_ms <= 0)
		bad = "flap_window_s must be positive";
	else if (p->flap_changes < 2 || p->flap_changes > TSTATE_FLAP_MAX)
		bad = "flap_changes must be 2..64";
	else if (p->loss_memory < 1)
		bad = "loss_memory must be at least 1";
	if (bad == NULL)
		return 0;
	snprintf(err, errlen, "%s", bad);
	return -1;
}

void tstate_init(struct tstate *st, const struct tstate_params *p)
{
	memset(st, 0, sizeof(*st));
	st->p = *p;
}

const char *tstate_name(enum tstate_state s)
{
	switch (s) {
	case TSTATE_UP:
		return "up";
	case TSTATE_SUSPECT:
		return "suspect";
	case TSTATE_DOWN:
		return "down";
	case TSTATE_UNKNOWN:
		break;
	}
	return "unknown";
}

static void ring_push(uint8_t *ring, int size, int *len, int *pos, int *nfail, bool fail)
{
	if (*len == size)
		*nfail -= ring[*pos];
	else
		(*len)++;
	ring[*pos] = fail ? 1 : 0;
	*nfail += ring[*pos];
	*pos = (*pos + 1) % size;
}

static void background_push(struct tstate *st, bool fail)
{
	double keep = 1.0 - 1.0 / st->p.loss_memory;

	ring_push(st->bg_ring, st->p.window, &st->bg_len, &st->bg_pos, &st->bg_fail, fail);
	st->mem_n = st->mem_n * keep + 1.0;
	st->mem_f = st->mem_f * keep + (fail ? 1.0 : 0.0);
}

double tstate_background_loss(const struct tstate *st)
{
	double win = (st->bg_fail + PRIOR_FAIL) / (st->bg_len + PRIOR_FAIL + PRIOR_OK);
	double n = st->mem_n + PRIOR_FAIL + PRIOR_OK;
	double mem = (st->mem_f + PRIOR_FAIL) / n + MEMORY_MARGIN_Z * sqrt(st->mem_f) / n;

	return win > mem ? win : mem;
}

/* K_eff for a run that starts now (see the header). */
static int k_eff_now(const struct tstate *st)
{
	double p = tstate_background_loss(st);
	double k;

	if (p > LOSS_CAP)
		p = LOSS_CAP;
	/* The smallest k with p^k <= alpha; the epsilon keeps an exact 3.0 at 3. */
	k = ceil(log(st->p.false_alarm_probability) / log(p) - 1e-9);
	return k > st->p.fail_threshold ? (int)k : st->p.fail_threshold;
}

int tstate_required_failures(const struct tstate *st)
{
	return st->consec_fail > 0 ? st->run_k_eff : k_eff_now(st);
}

double tstate_window_loss(const struct tstate *st)
{
	return st->all_len > 0 ? (double)st->all_fail / st->all_len : 0.0;
}

int64_t tstate_breakpoint(const struct tstate *st)
{
	if (st->state == TSTATE_DOWN)
		return st->breakpoint_ms;
	if (st->state == TSTATE_SUSPECT && st->consec_fail > 0)
		return st->run_first_fail_ms;
	return 0;
}

/* A change into or out of DOWN. */
static void flap_change(struct tstate *st, int64_t now_ms)
{
	int n = st->p.flap_changes;
	int64_t oldest;

	st->flap_at[st->flap_pos] = now_ms;
	st->flap_pos = (st->flap_pos + 1) % n;
	if (st->flap_len < n)
		st->flap_len++;
	/* after a full ring, flap_pos is the oldest of the last n */
	oldest = st->flap_at[st->flap_len == n ? st->flap_pos : 0];
	if (st->flap_len == n && now_ms - oldest <= st->p.flap_window_ms)
		st->flapping = true;
}

static int64_t flap_last(const struct tstate *st)
{
	int n = st->p.flap_changes;

	return st->flap_at[(st->flap_pos + n - 1) % n];
}

static void set_state(struct tstate *st, enum tstate_state s, int64_t now_ms)
{
	st->state = s;
	st->since_ms = now_ms;
}

static bool observe_failure(struct tstate *st, int64_t now_ms, int64_t started_ms)
{
	enum tstate_state old = st->state;

	if (st->consec_fail == 0) {
		st->run_first_fail_ms = started_ms;
		st->run_outage = st->state == TSTATE_DOWN;
		st->run_k_eff = k_eff_now(st);
	}
	st->consec_fail++;
	st->consec_ok = 0;
	if (st->state == TSTATE_DOWN)
		return false;
	if (st->consec_fail >= st->run_k_eff) {
		st->run_outage = true;
		st->breakpoint_ms = st->run_first_fail_ms;
		st->recovered_at_ms = 0;
		set_state(st, TSTATE_DOWN, now_ms);
		flap_change(st, now_ms);
	} else if (st->state != TSTATE_SUSPECT) {
		set_state(st, TSTATE_SUSPECT, now_ms);
	}
	return st->state != old;
}

static bool observe_success(struct tstate *st, int64_t now_ms, int64_t started_ms)
{
	if (st->consec_fail > 0) {
		/* The run is over. Unless it was an outage, it was background loss. */
		if (!st->run_outage)
			for (int i = 0; i < st->consec_fail; i++)
				background_push(st, true);
		st->consec_fail = 0;
	}
	background_push(st, false);
	if (st->consec_ok == 0)
		st->run_first_ok_ms = started_ms;
	st->consec_ok++;
	switch (st->state) {
	case TSTATE_UP:
		return false;
	case TSTATE_DOWN:
		if (st->consec_ok < st->p.recover_threshold)
			return false;
		st->recovered_at_ms = st->run_first_ok_ms;
		set_state(st, TSTATE_UP, now_ms);
		flap_change(st, now_ms);
		return true;
	case TSTATE_UNKNOWN:
	case TSTATE_SUSPECT:
		break;
	}
	set_state(st, TSTATE_UP, now_ms);
	return true;
}

bool tstate_observe(struct tstate *st, bool ok, int64_t now_ms, int64_t probe_started_ms)
{
	bool changed;

	if (probe_started_ms > now_ms)
		probe_started_ms = now_ms;
	if (st->flapping && st->flap_len > 0 && now_ms - flap_last(st) >= st->p.flap_window_ms)
		st->flapping = false;
	st->rounds++;
	if (!ok)
		st->failures++;
	ring_push(st->all_ring, st->p.window, &st->all_len, &st->all_pos, &st->all_fail, !ok);
	if (ok)
		changed = observe_success(st, now_ms, probe_started_ms);
	else
		changed = observe_failure(st, now_ms, probe_started_ms);
	return changed;
}
