// SPDX-License-Identifier: MIT
/*
 * The engine against the kernel's own algorithm, on every named geometry,
 * in one run: mthp_collapse() and the kernel-idiom walk of
 * tests/kstyle-walk.h (each range counted through a MAX_PTRS_PER_PTE-bit
 * mask and bitmap_weight_and()), on the same tables with the same
 * settings, interleaved (bench.h). Two cases:
 *
 *  worst    75% random occupancy, max_ptes_none 0, every order from 2 to
 *           the PMD order enabled, every attempt failing with a result that
 *           tries the lower orders: the search visits every range;
 *  typical  a full table under the default max_ptes_none: one PMD-order
 *           range, attempted and collapsed.
 *
 * Usage: bench-engine [REPETITIONS] (default 7, at least 5).
 */
#include <string.h>

#include "bench.h"
#include "rng.h"
#include "mthpcollapse/kcompat.h"

static struct mthp_geometry kgeo;
#define HPAGE_PMD_NR (kgeo.pmd_nr)
#define HPAGE_PMD_ORDER (kgeo.pmd_order)
#define MAX_PTRS_PER_PTE (kgeo.max_ptrs)
#include "kstyle-walk.h"

#define TABLES 32

struct tally {
	unsigned long calls;
	int result;
};

static int attempt(const struct mthp_range *r, void *data)
{
	struct tally *t = data;

	(void)r;
	t->calls++;
	return t->result;
}

struct run {
	unsigned long *worst, *full, *mask;
	size_t words;
	unsigned int passes;
	struct tally tally[4];
	unsigned long collapsed[4];
};

enum { ENGINE_WORST, KERNEL_WORST, ENGINE_TYPICAL, KERNEL_TYPICAL, VARIANTS };
static const char *const variant_names[VARIANTS] = {
	"engine, worst", "kernel-idiom, worst",
	"engine, typical", "kernel-idiom, typical",
};

static int batch(void *ctx, unsigned int v)
{
	struct run *x = ctx;
	bool worst = v == ENGINE_WORST || v == KERNEL_WORST;
	struct tally *t = &x->tally[v];
	struct mthp_collapse_opts o = {
		.sz = sizeof(o),
		.model = MTHP_MODEL_LATEST,
		.orders = mthp_orders_all(&kgeo),
		.max_ptes_none = worst ? 0 : mthp_default_max_ptes_none(&kgeo),
		.collapse = attempt,
		.data = t,
	};
	MTHP_RESULT(res);

	t->result = worst ? MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL : MTHP_SCAN_SUCCEED;
	for (unsigned int p = 0; p < x->passes; p++)
		for (unsigned int i = 0; i < TABLES; i++) {
			const unsigned long *map = worst ? x->worst + i * x->words
							 : x->full;

			if (v == ENGINE_WORST || v == ENGINE_TYPICAL) {
				if (mthp_collapse(&kgeo, map, kgeo.max_ptrs, &o, &res))
					return 1;
				x->collapsed[v] += res.collapsed;
			} else {
				x->collapsed[v] += (unsigned long)kstyle_walk(
					map, x->mask, o.orders, o.max_ptes_none,
					attempt, t);
			}
		}
	return 0;
}

struct goal {
	const char *geometry;
	double ratio;
};

int main(int argc, char **argv)
{
	unsigned int reps = bench_reps(argc, argv, 7);
	const struct goal goals[] = { { "x86_64", 8 }, { "arm64-64k", 50 } };
	double got[2] = { 0, 0 };

	printf("CPU time per PMD range (us), min (median) of %u interleaved repetitions\n", reps);
	printf("%-16s %24s %24s %8s | %10s %10s %6s\n", "geometry", "worst: engine",
	       "kernel-idiom", "ratio", "typical: engine", "kernel", "ratio");
	for (size_t gi = 0; gi < mthp_geometry_count(); gi++) {
		struct run x = { 0 };
		struct rng rng = { 42 };
		struct bench_series s[VARIANTS];

		if (mthp_geometry_lookup(mthp_geometry_name(gi), &kgeo, NULL, 0))
			return 1;
		x.words = mthp_bitmap_longs(kgeo.max_ptrs);
		x.worst = calloc(TABLES * x.words, sizeof(long));
		x.full = calloc(x.words, sizeof(long));
		x.mask = calloc(x.words, sizeof(long));
		if (!x.worst || !x.full || !x.mask)
			return 1;
		for (unsigned int i = 0; i < TABLES; i++)
			for (unsigned int k = 0; k < kgeo.pmd_nr; k++)
				if (rng_below(&rng, 4))
					__set_bit(k, x.worst + i * x.words);
		bitmap_set(x.full, 0, kgeo.pmd_nr);
		x.passes = 65536 / kgeo.pmd_nr;
		for (unsigned int v = 0; v < VARIANTS; v++)
			s[v].name = variant_names[v];
		if (bench_interleave(s, VARIANTS, reps, batch, &x))
			return 1;
		/* both did the same work, or the timing means nothing */
		for (unsigned int v = 0; v < VARIANTS; v += 2)
			if (x.tally[v].calls != x.tally[v + 1].calls ||
			    x.collapsed[v] != x.collapsed[v + 1]) {
				fprintf(stderr, "bench-engine: %s: %s made %lu attempts, %s %lu\n",
					kgeo.name, s[v].name, x.tally[v].calls,
					s[v + 1].name, x.tally[v + 1].calls);
				return 1;
			}
		double per = 1e6 / ((double)x.passes * TABLES);
		double ratio = s[KERNEL_WORST].min / s[ENGINE_WORST].min;

		printf("%-16s %11.3f (%9.3f) %11.3f (%9.3f) %5.1fx %1s| %10.4f %10.4f %5.2fx\n",
		       kgeo.name, s[ENGINE_WORST].min * per, s[ENGINE_WORST].median * per,
		       s[KERNEL_WORST].min * per, s[KERNEL_WORST].median * per, ratio,
		       "", s[ENGINE_TYPICAL].min * per, s[KERNEL_TYPICAL].min * per,
		       s[KERNEL_TYPICAL].min / s[ENGINE_TYPICAL].min);
		for (int k = 0; k < 2; k++)
			if (!strcmp(kgeo.name, goals[k].geometry))
				got[k] = ratio;
		free(x.worst);
		free(x.full);
		free(x.mask);
	}
	for (int k = 0; k < 2; k++)
		printf("engine-%s: worst case %.1fx faster than the kernel-idiom walk (min; goal %.0fx): %s\n",
		       goals[k].geometry, got[k], goals[k].ratio,
		       got[k] >= goals[k].ratio ? "met" : "NOT met");
	return 0;
}
