/*
 * tstate — one monitored target's state machine: UNKNOWN, UP, SUSPECT, DOWN,
 * decided from the outcomes of its probe rounds. PURE: no I/O, no memory
 * allocation, no clock reads. Every time is passed in (wall-clock ms since
 * the epoch, as clock_now_ms() gives), so tests replay any history exactly.
 *
 * Words
 *   round       one observation: all of a target's probes, ok or failed.
 *   run         the current streak of consecutive failures (or successes).
 *   breakpoint  the start time of the first failed round of the run that led
 *               to DOWN: the moment the outage was first seen (plan §8.3).
 *   background  what the link loses while the target works: every outcome
 *               except the current failure run (not yet judged) and except
 *               failure runs that were part of an outage (a run that reached
 *               DOWN, or began while DOWN). Those are the outage, not noise.
 *
 * Transitions
 *   UNKNOWN --ok--> UP                  UNKNOWN --fail--> SUSPECT
 *   UP      --fail--> SUSPECT           SUSPECT --ok--> UP
 *   UP/SUSPECT/UNKNOWN --fail, run >= K_eff--> DOWN
 *   DOWN    --recover_threshold consecutive ok--> UP   (a failure restarts the count)
 *
 * The DOWN rule. A stopped target fails every round; a lossy link fails
 * rounds at random with its background loss rate p. Under "the link is
 * merely lossy" a run of k failures has probability p^k, so the run is
 * taken for an outage once that is below false_alarm_probability (alpha):
 *
 *   K_eff = max(fail_threshold, ceil(ln(alpha) / ln(p_hat)))
 *   DOWN when the run of consecutive failures reaches K_eff.
 *
 * p_hat is the larger of two estimates of the background loss, each with a
 * small prior of PRIOR_FAIL failures in PRIOR_FAIL + PRIOR_OK rounds (mean
 * 0.99 %: "a link is clean until it shows loss"):
 *   window  (f_w + 0.05) / (n_w + 5.05) over the last `window` background
 *           rounds: reacts within a few rounds when a link starts losing;
 *   memory  (f_m + 0.05) / (n_m + 5.05) + 2 sqrt(f_m) / (n_m + 5.05), with
 *           f_m, n_m counts that decay by 1 - 1/loss_memory per round: a steady
 *           estimate plus two standard errors of the observed failure count
 *           (zero when no failure was seen, so a clean history costs nothing).
 * p_hat is capped at 0.5: a link that loses more than half its rounds is not
 * "up with noise"; K_eff is then at most ceil(log2(1/alpha)).
 * Both estimates exclude the current run, so K_eff is fixed for a whole run.
 *
 * Numbers with the defaults (fail_threshold 3, alpha 1e-6, window 20,
 * loss_memory 1000, interval 5 s, timeout 2 s):
 *   - clean link, even right after start: p_hat <= 0.0099 < alpha^(1/3), so
 *     K_eff = 3. A stop at t0 is seen by the first round starting after t0
 *     (the breakpoint, within one interval) and declared DOWN by the third,
 *     at most interval x fail_threshold + timeout = 17 s after t0.
 *   - a link losing 20 % at random: p_hat settles near 0.2 + 0.03, so
 *     K_eff = 9..10 (0.2^10 = 1e-7). Measured over 100 seeds x 1e6 rounds,
 *     each from a fresh state: 22 false DOWN (2.2e-7 per round, below
 *     alpha); 13 in steady state (one a year or so for a target probed
 *     every 5 s) and 9 in the first 20 rounds of a fresh target, before any
 *     loss was seen, when a run of three failures cannot be told from a stop.
 *   - that link then stopping for real: DOWN after K_eff rounds, 10 in two
 *     thirds of the seeds (8..14 overall; about 50 s at 5 s).
 *   - losses above 50 %: K_eff <= 20, and such a link does go DOWN.
 *
 * Flapping: every change into or out of DOWN is a flap change. When the last
 * flap_changes of them lie within flap_window_ms, the target is flapping;
 * it stops flapping once flap_window_ms pass without a flap change (checked
 * at each observation). Flapping is a mark for people, not a state.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TSTATE_WINDOW_MAX 1000
#define TSTATE_FLAP_MAX 64

enum tstate_state {
	TSTATE_UNKNOWN = 0,
	TSTATE_UP,
	TSTATE_SUSPECT,
	TSTATE_DOWN,
};

struct tstate_params {
	int fail_threshold;       /* K, 1..100: failures for DOWN on a clean link */
	int recover_threshold;    /* R, 1..100: successes for DOWN -> UP */
	int window;               /* 1..TSTATE_WINDOW_MAX rounds */
	double false_alarm_probability; /* alpha, (0, 0.5) */
	int64_t flap_window_ms;   /* > 0 */
	int flap_changes;         /* 2..TSTATE_FLAP_MAX */
	int loss_memory;          /* >= 1 rounds: the memory of the decayed counts */
};

struct tstate {
	struct tstate_params p;
	enum tstate_state state;
	int64_t since_ms;          /* when the state was entered (decision time) */
	int64_t run_first_fail_ms; /* start of the current failure run's first round */
	int64_t run_first_ok_ms;   /* start of the current success run's first round */
	int64_t breakpoint_ms;     /* the outage's breakpoint, while DOWN; else 0 */
	int64_t recovered_at_ms;   /* start of the round run that ended DOWN; else 0 */
	int consec_fail, consec_ok;
	int run_k_eff;             /* K_eff fixed when the current failure run began */
	bool run_outage;           /* the current failure run belongs to an outage */
	bool flapping;
	uint64_t rounds, failures;
	/* background: the last `window` outcomes (1 = failure) and decayed counts */
	uint8_t bg_ring[TSTATE_WINDOW_MAX];
	int bg_len, bg_pos, bg_fail;
	double mem_n, mem_f;
	/* every outcome, for the displayed window loss ratio */
	uint8_t all_ring[TSTATE_WINDOW_MAX];
	int all_len, all_pos, all_fail;
	/* times of the last flap changes (a ring of p.flap_changes) */
	int64_t flap_at[TSTATE_FLAP_MAX];
	int flap_len, flap_pos;
};

/* The defaults above: 3, 3, 20, 1e-6, 900 s, 4, 1000. */
void tstate_params_default(struct tstate_params *p);

/* 0 when every parameter is in range; else -1 and a message naming it. */
int tstate_params_check(const struct tstate_params *p, char *err, size_t errlen);

/* Reset to UNKNOWN with these (checked) parameters. */
void tstate_init(struct tstate *st, const struct tstate_params *p);

/*
 * One round's outcome: ok, the time of the decision (now_ms) and the start
 * time of the round (probe_started_ms <= now_ms). Returns true when the
 * state changed. The flapping mark may change without a state change:
 * compare st->flapping before and after.
 */
bool tstate_observe(struct tstate *st, bool ok, int64_t now_ms, int64_t probe_started_ms);

/*
 * Consecutive failures a run starting now would need to reach DOWN: K_eff
 * from the background seen so far. While a failure run is under way, the
 * K_eff that run was judged with.
 */
int tstate_required_failures(const struct tstate *st);

/* p_hat, the background loss estimate the rule uses (before the 0.5 cap). */
double tstate_background_loss(const struct tstate *st);

/* Failed share of the last `window` rounds, all of them; 0 before any. */
double tstate_window_loss(const struct tstate *st);

/*
 * The breakpoint to show: while DOWN, the outage's; while SUSPECT, the start
 * of the current failure run; else 0.
 */
int64_t tstate_breakpoint(const struct tstate *st);

/* "unknown", "up", "suspect", "down". */
const char *tstate_name(enum tstate_state s);
