/*
 * health — GET /health on every simulated target.
 *
 * Answers 200 {"status":"ok","target":"NAME"} whenever the target is up and
 * the request got past fault injection (sim.c decides that). Lifeline's
 * HTTP heartbeat probes poll this path.
 */
#pragma once

#include "sim.h"

/* A sim_handler_fn: GET and HEAD answer 200, other methods 405. */
void health_handle(struct sim_target *t, struct evhttp_request *req, struct sim_answer *ans);
