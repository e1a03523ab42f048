/* SPDX-License-Identifier: MIT */
/*
 * The one pseudo-random generator of the project's tools, tests and
 * benchmarks: splitmix64, small and fast, the same sequence everywhere
 * for the same seed.
 */
#ifndef MTHP_RNG_H
#define MTHP_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform enough in [0, n); 0 when n is 0. */
static inline unsigned int rng_below(struct rng *r, unsigned int n)
{
	return n ? (unsigned int)(rng_next(r) % n) : 0;
}

#endif
