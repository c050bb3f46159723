/*
 * ratelimit — failed attempts per key in a fixed window, for the login: after
 * max failures of one key (a user name, a client address) within window_ms,
 * that key is refused until the window ends. A success clears the key.
 *
 * Pure and bounded: at most cap keys are remembered (the one whose window
 * started first is forgotten to make room), times are passed in by the
 * caller (the clock module's), nothing is allocated after ratelimit_new().
 * Single-threaded: the event loop only.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

struct ratelimit;

int ratelimit_new(size_t cap, int64_t window_ms, int max, struct ratelimit **out) LL_MUST_CHECK;
void ratelimit_free(struct ratelimit *rl);

/* 0 when key may try now, else how many ms until it may. */
int64_t ratelimit_wait_ms(const struct ratelimit *rl, const char *key, int64_t now_ms);
/* Count a failure of key at now_ms. */
void ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now_ms);
/* Forget key (a success). */
void ratelimit_clear(struct ratelimit *rl, const char *key);
