// SPDX-License-Identifier: MIT
/*
 * Whole-visit throughput: mthp_simulate() (scan, decide, attempt over the
 * mock) on random tables, against the engine alone on the same tables'
 * bitmaps, in one run; and what that means for replaying an address space.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rng.h"
#include "mthpcollapse/sim.h"

#define TABLES 128

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int succeed(const struct mthp_range *r, void *data)
{
	(void)r;
	(void)data;
	return MTHP_SCAN_SUCCEED;
}

/* A sparsely touched heap: runs of young pages, holes and a little swap. */
static void fill(struct mthp_scenario *s, struct rng *r)
{
	unsigned int nr = s->geometry.pmd_nr;

	for (unsigned int pos = 0; pos < nr;) {
		unsigned int len = 1 + rng_below(r, 48), kind = rng_below(r, 8);

		for (unsigned int i = 0; i < len && pos < nr; i++, pos++) {
			s->ptes[pos] = (struct mthp_pte){ 0 };
			if (kind < 4)
				s->ptes[pos].kind = MTHP_PTE_PRESENT,
				s->ptes[pos].flags = MTHP_PTE_YOUNG;
			else if (kind == 4 && i == 0)
				s->ptes[pos].kind = MTHP_PTE_SWAP; /* rare */
		}
	}
}

int main(int argc, char **argv)
{
	const char *geos[] = { "x86_64", "arm64-64k" };
	long iters = argc > 1 ? atol(argv[1]) : 20;

	for (int gi = 0; gi < 2; gi++) {
		struct mthp_geometry g;
		struct mthp_scenario *tables = calloc(TABLES, sizeof(*tables));
		struct mthp_scenario work;
		struct mthp_sim_result r;
		unsigned long *maps;
		struct rng seed = { 1 };

		if (!tables || mthp_geometry_lookup(geos[gi], &g, NULL, 0) ||
		    mthp_sim_result_init(&r, &g) || mthp_scenario_init(&work, &g))
			return 1;
		size_t words = mthp_bitmap_longs(g.max_ptrs);

		maps = calloc(TABLES * words, sizeof(*maps));
		if (!maps)
			return 1;
		for (int t = 0; t < TABLES; t++) {
			struct mthp_scan_info info;

			if (mthp_scenario_init(&tables[t], &g))
				return 1;
			tables[t].model = MTHP_MODEL_V19;
			for (unsigned int k = 2; k < g.pmd_order; k++)
				tables[t].thp.order[k] = MTHP_THP_ALWAYS;
			fill(&tables[t], &seed);
			mthp_scan(&tables[t], mthp_orders_all(&g),
				  maps + t * words, &info);
		}
		/* whole visits; each on a fresh copy, as khugepaged's first */
		double t0 = now();
		long visits = 0, scanned = 0;

		for (long it = 0; it < iters; it++) {
			for (int t = 0; t < TABLES; t++) {
				struct mthp_pte *keep = work.ptes;

				work = tables[t];
				work.ptes = keep;
				for (unsigned int i = 0; i < g.pmd_nr; i++)
					work.ptes[i] = tables[t].ptes[i];
				if (mthp_simulate(&work, &r))
					return 1;
				visits++;
				scanned += r.scan.result == MTHP_SCAN_SUCCEED;
			}
		}
		double dt_sim = now() - t0;

		/* the engine alone on the same bitmaps */
		struct mthp_collapse_opts o = {
			.sz = sizeof(o),
			.model = MTHP_MODEL_V19,
			.orders = mthp_orders_all(&g),
			.collapse = succeed,
		};
		MTHP_RESULT(res);

		t0 = now();
		for (long it = 0; it < iters; it++)
			for (int t = 0; t < TABLES; t++)
				if (mthp_collapse(&g, maps + t * words, &o, &res))
					return 1;
		double dt_eng = now() - t0;
		double per_s = (double)visits / dt_sim;
		double gib = (double)((unsigned long)g.pmd_nr << g.page_shift) / (1 << 30);

		printf("%-10s %9.0f visits/s (scan+decide+attempt; scan passed in %.0f%%), %9.0f decisions/s (engine alone): a visit costs %.1fx a decision; one visit per PMD of a 64 GiB address space: %.2f s\n",
		       g.name, per_s, 100.0 * (double)scanned / (double)visits,
		       (double)visits / dt_eng, dt_sim / dt_eng, 64.0 / gib / per_s);
		for (int t = 0; t < TABLES; t++)
			mthp_scenario_free(&tables[t]);
		mthp_scenario_free(&work);
		mthp_sim_result_free(&r);
		free(tables);
		free(maps);
	}
	return 0;
}
