// SPDX-License-Identifier: MIT
/*
 * The engine against the kernel's algorithms at the kernel's cost
 * (bench/kernel-algorithms.h), on every named geometry, in one run,
 * variants interleaved (bench.h), on the same tables with the same
 * settings:
 *
 *  worst    75% random occupancy, max_ptes_none 0, every order from 2 to
 *           the PMD order enabled, every attempt failing with a result that
 *           tries the lower orders: the search visits every range. Model
 *           v15 against the stack revisions' algorithm, model v19 against
 *           the walk's; and the floor, one count pass over the bitmap.
 *  typical  a full table under the default max_ptes_none: one PMD-order
 *           range, attempted and collapsed (model latest, the walk).
 *
 * Each pair must make the same attempts and collapse the same PTEs, or
 * the benchmark fails. Usage: bench-engine [REPETITIONS] (default 7, at
 * least 5).
 */
#include <string.h>

#include "bench.h"
#include "rng.h"
#include "mthpcollapse/kcompat.h"

static struct mthp_geometry kgeo;
#define HPAGE_PMD_NR (kgeo.pmd_nr)
#define HPAGE_PMD_ORDER (kgeo.pmd_order)
#define MAX_PTRS_PER_PTE (kgeo.max_ptrs)
#include "kernel-algorithms.h"

#ifndef BENCH_BUILD
#define BENCH_BUILD "unknown"
#endif

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

enum {
	ENGINE_V15, KERNEL_STACK, ENGINE_V19, KERNEL_WALK, COUNT_PASS,
	ENGINE_TYPICAL, KERNEL_TYPICAL, VARIANTS
};
static const char *const variant_names[VARIANTS] = {
	"engine v15", "kernel stack (v15)", "engine v19", "kernel walk (v19)",
	"count pass", "engine latest, typical", "kernel walk, typical",
};

struct run {
	unsigned long *worst, *full, *mask;
	struct kalg_stack_entry *stack;
	size_t words;
	unsigned int passes;
	struct tally tally[VARIANTS];
	unsigned long collapsed[VARIANTS];
};

static bool typical(unsigned int v)
{
	return v == ENGINE_TYPICAL || v == KERNEL_TYPICAL;
}

static int batch(void *ctx, unsigned int v)
{
	struct run *x = ctx;
	struct tally *t = &x->tally[v];
	struct mthp_collapse_opts o = {
		.sz = sizeof(o),
		.model = v == ENGINE_V15 ? MTHP_MODEL_V15
		       : v == ENGINE_V19 ? MTHP_MODEL_V19 : MTHP_MODEL_LATEST,
		.orders = mthp_orders_all(&kgeo),
		.max_ptes_none = typical(v) ? mthp_default_max_ptes_none(&kgeo) : 0,
		.collapse = attempt,
		.data = t,
	};
	MTHP_RESULT(res);

	t->result = typical(v) ? MTHP_SCAN_SUCCEED : MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL;
	for (unsigned int p = 0; p < x->passes; p++)
		for (unsigned int i = 0; i < TABLES; i++) {
			const unsigned long *map = typical(v) ? x->full
							      : x->worst + i * x->words;

			switch (v) {
			case ENGINE_V15:
			case ENGINE_V19:
			case ENGINE_TYPICAL:
				if (mthp_collapse(&kgeo, map, kgeo.max_ptrs, &o, &res))
					return 1;
				x->collapsed[v] += res.collapsed;
				break;
			case KERNEL_STACK:
				x->collapsed[v] += kalg_stack(map, x->mask, x->stack,
							      o.orders, 0, KALG_LIST_A,
							      attempt, t);
				break;
			case KERNEL_WALK:
			case KERNEL_TYPICAL:
				x->collapsed[v] += kalg_walk(map, o.orders, o.max_ptes_none,
							     KALG_LIST_B, attempt, t);
				break;
			case COUNT_PASS:
				x->collapsed[v] += kalg_count_pass(map);
				break;
			}
		}
	return 0;
}

/* The ranges a search examines per table, from the engine's step count. */
static double visited(const struct run *x, enum mthp_model m)
{
	struct tally t = { .result = MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL };
	struct mthp_collapse_opts o = {
		.sz = sizeof(o), .model = m, .orders = mthp_orders_all(&kgeo),
		.collapse = attempt, .data = &t,
	};
	MTHP_RESULT(res);
	double n = 0;

	for (unsigned int i = 0; i < TABLES; i++) {
		if (mthp_collapse(&kgeo, x->worst + i * x->words, kgeo.max_ptrs, &o, &res))
			return 0;
		n += (double)res.nsteps;
	}
	return n / TABLES;
}

struct row {
	const char *name;
	double ns[VARIANTS], med[VARIANTS];
	double steps15, steps19;
};

struct goal {
	const char *geometry;
	double ratio;
};

static void print_rows(const struct row *rows, size_t n)
{
	printf("\nworst case, ns per PMD range: min (median); ratio = kernel / engine\n");
	printf("%-16s %21s %21s %6s | %21s %21s %6s\n", "geometry",
	       "engine v15", "kernel stack", "ratio", "engine v19", "kernel walk", "ratio");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		printf("%-16s %10.0f (%8.0f) %10.0f (%8.0f) %5.1fx | %10.0f (%8.0f) %10.0f (%8.0f) %5.1fx\n",
		       r->name, r->ns[ENGINE_V15], r->med[ENGINE_V15],
		       r->ns[KERNEL_STACK], r->med[KERNEL_STACK],
		       r->ns[KERNEL_STACK] / r->ns[ENGINE_V15],
		       r->ns[ENGINE_V19], r->med[ENGINE_V19],
		       r->ns[KERNEL_WALK], r->med[KERNEL_WALK],
		       r->ns[KERNEL_WALK] / r->ns[ENGINE_V19]);
	}
	printf("\nworst case, ns per range examined (min); floor = one count pass over the bitmap, ns per PMD range\n");
	printf("%-16s %8s %9s %9s | %8s %9s %9s | %9s %7s %7s\n", "geometry",
	       "ranges", "v15 eng", "kstack", "ranges", "v19 eng", "kwalk",
	       "floor", "v15/fl", "v19/fl");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		printf("%-16s %8.0f %9.2f %9.2f | %8.0f %9.2f %9.2f | %9.1f %6.1fx %6.1fx\n",
		       r->name, r->steps15, r->ns[ENGINE_V15] / r->steps15,
		       r->ns[KERNEL_STACK] / r->steps15,
		       r->steps19, r->ns[ENGINE_V19] / r->steps19,
		       r->ns[KERNEL_WALK] / r->steps19,
		       r->ns[COUNT_PASS], r->ns[ENGINE_V15] / r->ns[COUNT_PASS],
		       r->ns[ENGINE_V19] / r->ns[COUNT_PASS]);
	}
	printf("\ntypical case (a full table, default max_ptes_none), ns per PMD range (min)\n");
	printf("%-16s %12s %12s %7s\n", "geometry", "engine", "kernel walk", "ratio");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		printf("%-16s %12.1f %12.1f %6.2fx\n", r->name, r->ns[ENGINE_TYPICAL],
		       r->ns[KERNEL_TYPICAL], r->ns[KERNEL_TYPICAL] / r->ns[ENGINE_TYPICAL]);
	}
}

int main(int argc, char **argv)
{
	unsigned int reps = bench_reps(argc, argv, 7);
	const struct goal goals[] = { { "x86_64", 8 }, { "arm64-64k", 50 } };
	struct row rows[64];
	size_t nrows = 0;

	printf("bench-engine: CPU time of this thread, %u interleaved repetitions\n", reps);
	printf("built with: %s\n", BENCH_BUILD);
	for (size_t gi = 0; gi < mthp_geometry_count() && nrows < 64; gi++) {
		struct run x = { 0 };
		struct rng rng = { 42 };
		struct bench_series s[VARIANTS];
		struct row *r = &rows[nrows++];

		if (mthp_geometry_lookup(mthp_geometry_name(gi), &kgeo, NULL, 0))
			return 1;
		x.words = mthp_bitmap_longs(kgeo.max_ptrs);
		x.worst = calloc(TABLES * x.words, sizeof(long));
		x.full = calloc(x.words, sizeof(long));
		x.mask = calloc(x.words, sizeof(long));
		/* the revision's reservation (v15, v16) */
		x.stack = calloc(mthp_model_stack_capacity(MTHP_MODEL_V15, &kgeo),
				 sizeof(*x.stack));
		if (!x.worst || !x.full || !x.mask || !x.stack)
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
		/* each pair did the same work, or the timing means nothing */
		static const unsigned int pairs[][2] = {
			{ ENGINE_V15, KERNEL_STACK }, { ENGINE_V19, KERNEL_WALK },
			{ ENGINE_TYPICAL, KERNEL_TYPICAL },
		};
		for (size_t p = 0; p < 3; p++) {
			unsigned int a = pairs[p][0], b = pairs[p][1];

			if (x.tally[a].calls != x.tally[b].calls ||
			    x.collapsed[a] != x.collapsed[b]) {
				fprintf(stderr, "bench-engine: %s: %s made %lu attempts, %s %lu\n",
					kgeo.name, s[a].name, x.tally[a].calls,
					s[b].name, x.tally[b].calls);
				return 1;
			}
		}
		double per = 1e9 / ((double)x.passes * TABLES);

		r->name = mthp_geometry_name(gi);
		for (unsigned int v = 0; v < VARIANTS; v++) {
			r->ns[v] = s[v].min * per;
			r->med[v] = s[v].median * per;
		}
		r->steps15 = visited(&x, MTHP_MODEL_V15);
		r->steps19 = visited(&x, MTHP_MODEL_V19);
		free(x.worst);
		free(x.full);
		free(x.mask);
		free(x.stack);
	}
	print_rows(rows, nrows);
	printf("\n");
	for (size_t i = 0; i < nrows; i++)
		for (int k = 0; k < 2; k++)
			if (!strcmp(rows[i].name, goals[k].geometry)) {
				const struct row *r = &rows[i];
				double v15 = r->ns[KERNEL_STACK] / r->ns[ENGINE_V15];

				printf("engine-%s: worst case, model v15 %.1fx faster than the stack revisions' algorithm (min; goal %.0fx): %s; model v19 %.1fx faster than the walk's\n",
				       r->name, v15, goals[k].ratio,
				       v15 >= goals[k].ratio ? "met" : "NOT met",
				       r->ns[KERNEL_WALK] / r->ns[ENGINE_V19]);
			}
	return 0;
}
