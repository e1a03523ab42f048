// SPDX-License-Identifier: MIT
/*
 * Engine throughput: how many PMD decisions per second each search makes on
 * the same random tables, and each model's time as a ratio to v15's, all
 * measured in one run so the ratios do not depend on the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rng.h"
#include "mthpcollapse/mthpcollapse.h"

#define TABLES 256

static int succeed(const struct mthp_range *r, void *data)
{
	(void)r;
	(*(unsigned long *)data)++;
	return MTHP_SCAN_SUCCEED;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs of occupied and empty PTEs, like a sparsely touched heap. */
static void fill(unsigned long *map, const struct mthp_geometry *g,
		 struct rng *r)
{
	unsigned int pos = 0;

	mthp_bitmap_zero(map, g->max_ptrs);
	while (pos < g->pmd_nr) {
		unsigned int len = 1 + rng_below(r, 64);

		if (len > g->pmd_nr - pos)
			len = g->pmd_nr - pos;
		if (rng_below(r, 3) == 0)
			mthp_bitmap_set(map, pos, len);
		pos += len;
	}
}

int main(int argc, char **argv)
{
	const char *geos[] = { "x86_64", "arm64-64k", "ppc64-radix-64k" };
	enum mthp_model models[] = { MTHP_MODEL_V15, MTHP_MODEL_V17,
				     MTHP_MODEL_V19 };
	unsigned int nones[2];
	long iters = argc > 1 ? atol(argv[1]) : 200;

	for (size_t gi = 0; gi < 3; gi++) {
		struct mthp_geometry g;

		if (mthp_geometry_lookup(geos[gi], &g, NULL, 0))
			return 1;
		size_t words = mthp_bitmap_longs(g.max_ptrs);
		unsigned long *maps = calloc(TABLES * words, sizeof(*maps));
		struct rng seed = { 1 };
		double base = 0;

		if (!maps)
			return 1;
		for (int t = 0; t < TABLES; t++)
			fill(maps + t * words, &g, &seed);
		nones[0] = 0;
		nones[1] = g.pmd_nr - 1;
		for (size_t mi = 0; mi < 3; mi++) {
			unsigned long attempts = 0;
			struct mthp_collapse_opts o = {
				.sz = sizeof(o),
				.model = models[mi],
				.orders = mthp_orders_all(&g),
				.collapse = succeed,
				.data = &attempts,
			};
			MTHP_RESULT(res);
			double t0 = now();
			long decisions = 0;

			for (long it = 0; it < iters; it++) {
				for (int t = 0; t < TABLES; t++) {
					o.max_ptes_none = nones[t & 1];
					if (mthp_collapse(&g, maps + t * words, &o, &res))
						return 1;
					decisions++;
				}
			}
			double dt = now() - t0;

			if (mi == 0)
				base = dt;
			printf("%-16s %-4s %10.0f PMD decisions/s  %.2fx v15's time  (%lu attempts)\n",
			       g.name, mthp_model_name(models[mi]),
			       (double)decisions / dt, dt / base, attempts);
		}
		free(maps);
	}
	return 0;
}
