/*
 * sim — the simulated HIS subsystems ("targets") and their fault modes.
 *
 * A target (his-core, his-db, lis, ...) is one HTTP listener on 127.0.0.1
 * with its own port, and optionally an HL7 v2 MLLP listener on another
 * (mllp.c). Every HTTP request to it goes through one pipeline:
 *
 *   count it -> inject a fault (down 503, hang, flaky) -> route it to a
 *   handler (health.c; fhir.c under /fhir on the target that serves the
 *   census) -> answer, after slow_ms if set.
 *
 * Handlers never see target faults or delays: they fill a struct sim_answer
 * and sim delivers it. A handler may inject a fault of its own (fhir.c's
 * fail_after): an answer marked injected, or a drop. The MLLP side runs the same pipeline in mllp.c and asks
 * sim_target_fault() for the same decision, from the same PRNG: a fault
 * mode applies to both sides of a target (down 503 and flaky answer an HL7
 * AE there, refuse closes both listeners).
 *
 * Glossary
 *   state   "up" when mode is normal, else "down".
 *   mode    normal | refuse (listener closed: connects are refused) |
 *           503 (every request answered 503) | hang (requests are read and
 *           held, never answered, until the target comes up or sim stops).
 *   slow    every answer is sent slow_ms after the request arrived, by a
 *           timer; the loop itself never sleeps.
 *   flaky   each request fails (503) with probability p, drawn from a
 *           splitmix64 PRNG seeded with seed: the same seed gives the same
 *           sequence of outcomes for the same sequence of requests.
 *   pending a request sim holds: hung (no answer yet, none planned) or
 *           delayed (answer ready, or a drop planned, timer running). sim owns pending requests
 *           and releases every one of them before its evhttp is freed.
 *
 * Ownership: struct sim owns its targets, their evhttp servers, pending
 * requests and MLLP sides; sim_free() releases everything. Target pointers
 * stay valid until sim_free().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;
struct evhttp_request;

#define SIM_NAME_MAX 32
#define SIM_TARGETS_MAX 32
#define SIM_SLOW_MS_MAX 600000u

enum sim_mode {
	SIM_MODE_NORMAL,
	SIM_MODE_REFUSE,
	SIM_MODE_503,
	SIM_MODE_HANG,
};

/* What a request runs into, before any handler sees it. */
enum sim_fault {
	SIM_FAULT_NONE,
	SIM_FAULT_DOWN_503,
	SIM_FAULT_FLAKY,
	SIM_FAULT_HANG,
};

/*
 * Counters of what the subsystems received, across targets: the top-level
 * "received" object of /control/stats. Add a value and its name in sim.c.
 */
enum sim_counter {
	SIM_RX_HEALTH,
	SIM_RX_NOT_FOUND,
	SIM_RX_MLLP,      /* HL7 messages past fault injection, whatever their ACK */
	SIM_RX_COUNT_
};

struct sim_target_spec {
	char name[SIM_NAME_MAX + 1];
	int port;      /* 0: the kernel chooses */
	int mllp_port; /* the MLLP listener's: 0 the kernel chooses, -1 none */
};

/*
 * What a handler answers; body is owned by the answer (NULL: no body).
 * status 0 with drop false: the handler does not know the path (404).
 */
struct sim_answer {
	int status;
	json_t *body;
	const char *content_type; /* a static string; NULL: application/json */
	bool drop;                /* no answer: the connection is closed, as by a crash */
	bool injected;            /* a failure asked for: counted in failures_injected */
};

struct sim;
struct sim_target;
struct fhir;

/* A route handler: fills ans, never answers req itself. */
typedef void (*sim_handler_fn)(struct sim_target *t, struct evhttp_request *req,
    struct sim_answer *ans);

/* The six subsystems of a hospital HIS that his-sim simulates by default. */
extern const char *const sim_default_targets[];
extern const size_t sim_default_target_count;

const char *sim_mode_name(enum sim_mode mode);
/* "normal", "refuse", "503", "hang" -> mode; false when unknown. */
bool sim_mode_parse(const char *s, enum sim_mode *mode);
/* A target name: 1..SIM_NAME_MAX of [a-z0-9_-], starting with a letter or digit. */
bool sim_name_valid(const char *name);

/*
 * Creates the targets and binds each on 127.0.0.1:port. On failure returns
 * NULL with a message in err (which port could not be bound and why).
 */
struct sim *sim_new(struct event_base *base, const struct sim_target_spec *specs,
    size_t n, uint64_t seed, char *err, size_t errlen);
/* Releases pending requests, closes every listener, frees sim. NULL is fine. */
void sim_free(struct sim *sim);

size_t sim_target_count(const struct sim *sim);
struct sim_target *sim_target_at(struct sim *sim, size_t i);
struct sim_target *sim_target_find(struct sim *sim, const char *name);
uint64_t sim_default_seed(const struct sim *sim);
void sim_count(struct sim *sim, enum sim_counter counter);
/* 1, 2, 3, ...: unique ids for this process (HL7 ACK control ids). */
uint64_t sim_next_id(struct sim *sim);

const char *sim_target_name(const struct sim_target *t);
int sim_target_port(const struct sim_target *t);
/* The MLLP listener's port (kept while refused), or -1 when t has none. */
int sim_target_mllp_port(const struct sim_target *t);
unsigned sim_target_slow_ms(const struct sim_target *t);
struct sim *sim_target_sim(struct sim_target *t);
enum sim_mode sim_target_mode(const struct sim_target *t);

/*
 * The one function that changes a target's mode. Leaving refuse binds the
 * same ports (HTTP and MLLP) again; that can fail (someone else took a
 * port), and then the target stays refused, both listeners closed, and err
 * says why.
 */
__attribute__((warn_unused_result))
int sim_target_set_mode(struct sim_target *t, enum sim_mode mode, char *err, size_t errlen);
/* Back to normal, and clears slow and flaky. */
__attribute__((warn_unused_result))
int sim_target_up(struct sim_target *t, char *err, size_t errlen);
/* ms 0 turns slow off; at most SIM_SLOW_MS_MAX. */
void sim_target_set_slow(struct sim_target *t, unsigned ms);
/* p in [0,1]; restarts the PRNG from seed. p 0 turns flaky off. */
void sim_target_set_flaky(struct sim_target *t, double p, uint64_t seed);
/* Up, and the target's counters zeroed. */
__attribute__((warn_unused_result))
int sim_target_reset(struct sim_target *t, char *err, size_t errlen);
/* Zeroes the "received" counters. */
void sim_reset_received(struct sim *sim);

/*
 * The mode change for a handler, which must not close the listener it is
 * called from: made at the next turn of the loop, unless another mode
 * change comes first. Leaving refuse can fail there; that is logged.
 */
void sim_target_set_mode_later(struct sim_target *t, enum sim_mode mode);

/*
 * Serves f's FHIR census under /fhir on t (NULL: none). sim does not own f;
 * up and reset on t clear f's injected fault, reset zeroes its counters.
 */
void sim_target_set_fhir(struct sim_target *t, struct fhir *f);
struct fhir *sim_target_fhir(const struct sim_target *t);

/* Draws the fault for one request, HTTP or MLLP (advances the flaky PRNG when flaky). */
enum sim_fault sim_target_fault(struct sim_target *t);

/* The target's state as a new JSON object (see control.h for its shape). */
json_t *sim_target_json(const struct sim_target *t);
/* The "received" counters as a new JSON object. */
json_t *sim_received_json(const struct sim *sim);
