/*
 * control — his-sim's control API: one HTTP listener, JSON in and out, that
 * tests, benchmarks and tools/up use to break and mend the simulated HIS.
 *
 *   POST /control/down?target=NAME&mode=refuse|503|hang   (mode: refuse)
 *   POST /control/up?target=NAME          back to normal, slow/flaky cleared
 *   POST /control/slow?target=NAME&ms=N   answers delayed by N ms (0: off)
 *   POST /control/flaky?target=NAME&p=P&seed=N   503 (HL7: AE) with probability P
 *   POST /control/reset[?target=NAME]     up, counters zeroed
 *   GET  /control/stats[?target=NAME]
 *   POST /control/census?fail_after=N|off[&mode=503|drop|down]
 *                                         the FHIR census serves N more
 *                                         requests, then fails (fhir.h)
 *
 * target may name several targets, comma-separated; without it a command
 * applies to every target. Parameters are checked before anything changes:
 * an unknown target, parameter or a bad value answers 400
 *   {"error":{"code":"...","message":"...","field":"target"}}
 * and changes nothing. Every other answer is 200:
 *   {"action":"down","targets":{"his-core":TARGET,...}}
 * with TARGET = {"state":"up"|"down","mode":"normal"|"refuse"|"503"|"hang",
 *   "port":N,"slow_ms":N,"flaky":null|{"p":P,"seed":N},"requests":N,
 *   "answered":N,"failures_injected":N,"hung":N,"hanging":N,"delayed":N,
 *   "mllp_port":N|null,"mllp_requests":N,"mllp_answered":N,
 *   "mllp_failures_injected":N,"mllp_hung":N,"mllp_hanging":N,
 *   "mllp_delayed":N,"mllp_connections":N}.
 * The keys without "mllp_" count HTTP; the mllp_* keys the same things on
 * the target's MLLP side (mllp.h; port null and zeros when it has none).
 * Fault modes, slow and flaky apply to both sides alike; reset zeroes both
 * sides' counters but not the gauges (hanging, delayed, connections).
 * stats adds "seed" (the default flaky seed) and "received" (what the
 * subsystems received, by kind: {"health":N,"not_found":N,"mllp":N}; later
 * kinds add keys there, never change these), and "fhir": the census's
 * counters and fault (fhir_stats_json() in fhir.h), null when no target
 * serves it. census answers {"action":"census","census":{...the same...}};
 * it takes no target (the census has one home) and answers 409 when no
 * target serves it. up and reset of that target clear its fault, reset
 * zeroes its counters.
 *
 * The control server owns nothing of sim; control_free() before sim_free().
 */
#pragma once

#include <stddef.h>

struct event_base;
struct sim;
struct control;

/* Listens on host:port (0: the kernel chooses); NULL with err on failure. */
struct control *control_new(struct event_base *base, struct sim *sim, const char *host,
    int port, char *err, size_t errlen);
/* The port the control API listens on. */
int control_port(const struct control *c);
/* Closes the listener and its connections. NULL is fine. */
void control_free(struct control *c);
