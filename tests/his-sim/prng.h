/*
 * prng — splitmix64 (Steele, Lea, Flood 2014), the one pseudo-random
 * generator of his-sim: tiny, seedable with any value, and the same sequence
 * on every machine. sim.c draws flaky outcomes from it, census.c the demo
 * hospital. The state is the caller's uint64_t; nothing here is global.
 */
#pragma once

#include <stdint.h>

static inline uint64_t prng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A whole number in [0, n), n > 0. The modulo bias is below 2^-40 for the n used here. */
static inline unsigned prng_below(uint64_t *state, unsigned n)
{
	return (unsigned)(prng_next(state) % n);
}

/* A whole number in [lo, hi], lo <= hi. */
static inline int prng_range(uint64_t *state, int lo, int hi)
{
	return lo + (int)prng_below(state, (unsigned)(hi - lo + 1));
}
