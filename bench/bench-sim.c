// SPDX-License-Identifier: MIT
/*
 * One whole visit - mthp_simulate(): scan, decide, attempt over the mock
 * page table - against the decision alone - mthp_collapse() on the
 * bitmap that visit's scan makes - on the same random tables with the
 * same settings (model latest, the kernel's default max_ptes_none, every
 * order enabled), interleaved (bench.h): what the scan and the mock cost
 * on top of the engine.
 *
 * Usage: bench-sim [REPETITIONS] (default 7, at least 5).
 */
#include <string.h>

#include "bench.h"
#include "rng.h"
#include "mthpcollapse/sim.h"

#define TABLES 128

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
			if (kind < 4) {
				s->ptes[pos].kind = MTHP_PTE_PRESENT;
				s->ptes[pos].flags = MTHP_PTE_YOUNG;
			} else if (kind == 4 && i == 0) {
				s->ptes[pos].kind = MTHP_PTE_SWAP; /* rare */
			}
		}
	}
}

struct run {
	struct mthp_geometry g;
	struct mthp_scenario tables[TABLES], work;
	struct mthp_sim_result r;
	unsigned long *maps;
	size_t words;
	unsigned int passes;
	unsigned long visits, collapsed_sim, collapsed_engine;
};

/* Whole visits, each on a fresh copy: khugepaged's first. */
static int visits(struct run *x)
{
	for (int t = 0; t < TABLES; t++) {
		struct mthp_pte *keep = x->work.ptes;

		x->work = x->tables[t];
		x->work.ptes = keep;
		memcpy(keep, x->tables[t].ptes, x->g.pmd_nr * sizeof(*keep));
		if (mthp_simulate(&x->work, &x->r))
			return 1;
		x->visits++;
		x->collapsed_sim += x->r.engine.collapsed;
	}
	return 0;
}

/* The engine alone, on each table's scan bitmap, the same settings. */
static int decisions(struct run *x)
{
	for (int t = 0; t < TABLES; t++) {
		const struct mthp_scenario *s = &x->tables[t];
		struct mthp_collapse_opts o = {
			.sz = sizeof(o),
			.model = s->model,
			.orders = mthp_enabled_orders(&x->g, s->model, s->mode,
						      &s->thp, s->vma_flags),
			.max_ptes_none = s->max_ptes_none,
			.collapse = succeed,
		};
		MTHP_RESULT(res);

		if (mthp_collapse(&x->g, x->maps + t * x->words, x->g.max_ptrs, &o, &res))
			return 1;
		x->collapsed_engine += res.collapsed;
	}
	return 0;
}

static int batch(void *ctx, unsigned int v)
{
	struct run *x = ctx;

	for (unsigned int p = 0; p < x->passes; p++)
		if (v == 0 ? visits(x) : decisions(x))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *geos[] = { "x86_64", "arm64-64k" };
	unsigned int reps = bench_reps(argc, argv, 7);

	printf("CPU time per PMD range (us), min (median) of %u interleaved repetitions\n", reps);
	for (int gi = 0; gi < 2; gi++) {
		static struct run x;
		struct rng seed = { 1 };
		struct bench_series s[2] = { { .name = "visit" }, { .name = "engine" } };

		memset(&x, 0, sizeof(x));
		if (mthp_geometry_lookup(geos[gi], &x.g, NULL, 0) ||
		    mthp_sim_result_init(&x.r, &x.g) || mthp_scenario_init(&x.work, &x.g))
			return 1;
		x.words = mthp_bitmap_longs(x.g.max_ptrs);
		x.passes = 16384 / x.g.pmd_nr ? 16384 / x.g.pmd_nr : 1;
		x.maps = calloc(TABLES * x.words, sizeof(*x.maps));
		if (!x.maps)
			return 1;
		for (int t = 0; t < TABLES; t++) {
			struct mthp_scenario *sc = &x.tables[t];
			struct mthp_scan_info info;

			if (mthp_scenario_init(sc, &x.g))
				return 1;
			for (unsigned int k = 2; k < x.g.pmd_order; k++)
				sc->thp.order[k] = MTHP_THP_ALWAYS;
			fill(sc, &seed);
			mthp_scan(sc, mthp_enabled_orders(&x.g, sc->model, sc->mode,
							  &sc->thp, sc->vma_flags),
				  x.maps + t * x.words,
				  (unsigned int)(x.words * MTHP_BITS_PER_LONG), &info);
		}
		if (bench_interleave(s, 2, reps, batch, &x))
			return 1;
		double per = 1e6 / TABLES / x.passes;

		printf("%-10s visit %8.2f (%8.2f)  engine alone %8.3f (%8.3f)  a visit is %.0fx the decision\n",
		       x.g.name, s[0].min * per, s[0].median * per, s[1].min * per,
		       s[1].median * per, s[0].min / s[1].min);
		for (int t = 0; t < TABLES; t++)
			mthp_scenario_free(&x.tables[t]);
		mthp_scenario_free(&x.work);
		mthp_sim_result_free(&x.r);
		free(x.maps);
	}
	return 0;
}
