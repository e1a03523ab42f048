// SPDX-License-Identifier: MIT
/*
 * mthpsim report: the findings on the kernel series, as Markdown, computed
 * by the oracle tools each time it runs. docs/FINDINGS.md is its output.
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "oracle-cli.h"

#define DIFF_SCENARIOS 300
#define DIFF_SEED 1

static void section_stack(void)
{
	printf("## 1. Stack capacity against the deepest the search goes\n\n");
	printf("v15 and v16 reserved `2^(log2(MAX_PTRS_PER_PTE) - 2)` entries; v17 and v18 `log2(MAX_PTRS_PER_PTE) - 2 + 1`. ");
	printf("The deepest occupancy is measured by running each stack model with every order enabled on an empty table, where the search visits every range.\n\n");
	printf("| geometry | HPAGE_PMD_NR | MAX_PTRS_PER_PTE | PMD order | v15/v16 reserve | v17/v18 reserve | deepest measured (v15, v16, v17, v18) | bound PMD_ORDER-1 |\n");
	printf("|---|---:|---:|---:|---:|---:|---|---:|\n");
	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		struct mthp_geometry g;

		mthp_geometry_lookup(mthp_geometry_name(i), &g, NULL, 0);
		printf("| %s | %u | %u | %u | %u | %u | %u, %u, %u, %u | %u |\n",
		       g.name, g.pmd_nr, g.max_ptrs, g.pmd_order,
		       mthp_model_stack_capacity(MTHP_MODEL_V15, &g),
		       mthp_model_stack_capacity(MTHP_MODEL_V17, &g),
		       mthp_model_deepest_stack(MTHP_MODEL_V15, &g), mthp_model_deepest_stack(MTHP_MODEL_V16, &g),
		       mthp_model_deepest_stack(MTHP_MODEL_V17, &g), mthp_model_deepest_stack(MTHP_MODEL_V18, &g),
		       mthp_stack_depth_bound(&g));
	}
	printf("\n");
}

struct pair_count {
	int a, b;
	unsigned int n;
};

static void section_equivalence(void)
{
	char *text = malloc(GEN_MAX_TEXT);
	struct mthp_sim_result r;

	if (!text)
		err(1, "malloc");
	printf("## 2. v15 (stack search) against v19 (linear walk)\n\n");
	printf("Each geometry gets %d scenarios from the generator of `mthpsim diff --random %d --seed %d --geometry NAME` ",
	       DIFF_SCENARIOS, DIFF_SCENARIOS, DIFF_SEED);
	printf("(runs of present, none, swap and shared PTEs, existing large folios, every max_ptes_none mode, random enabled orders, injected failures), ");
	printf("each simulated under both models. `mthpsim verify` separately checks that the attempted ranges agree whenever max_ptes_none is 0 or HPAGE_PMD_NR-1 and every attempt succeeds or every one fails with a try-lower result; the differences below come from what that claim leaves out.\n\n");
	printf("\"Scan differs\" counts scenarios whose scan result already differs: v16 changed the scan's none limit (uffd, madvise mode), so those differences are not the search's. ");
	printf("Result pairs are listed most frequent first.\n\n");
	printf("| geometry | scenarios | scan differs | attempts differ | collapses differ | results differ | result pairs (v15 -> v19: count) |\n");
	printf("|---|---:|---:|---:|---:|---:|---|\n");
	for (size_t gi = 0; gi < mthp_geometry_count(); gi++) {
		struct mthp_geometry g;
		struct rng rng = { DIFF_SEED };
		struct pair_count pairs[64];
		size_t npairs = 0;
		unsigned int da = 0, dc = 0, dr = 0, ds = 0;

		mthp_geometry_lookup(mthp_geometry_name(gi), &g, NULL, 0);
		if (mthp_sim_result_init(&r, &g))
			err(1, "out of memory");
		for (int i = 0; i < DIFF_SCENARIOS; i++) {
			struct mthp_scenario s;
			struct outcome a, b;

			oracle_gen_scenario(&rng, &g, text, GEN_MAX_TEXT);
			if (mthp_scenario_parse(text, strlen(text), NULL, &s, NULL))
				errx(1, "internal error: generated scenario did not parse");
			oracle_run_model(&s, MTHP_MODEL_V15, &r, &a);
			int scan_a = r.scan.result;

			oracle_run_model(&s, MTHP_MODEL_V19, &r, &b);
			ds += scan_a != r.scan.result;
			da += first_attempt_difference(&a, &b) >= 0;
			dc += !same_collapses(&a, &b);
			if (a.result != b.result) {
				size_t k = 0;

				dr++;
				while (k < npairs && (pairs[k].a != a.result || pairs[k].b != b.result))
					k++;
				if (k == npairs && npairs < 64)
					pairs[npairs++] = (struct pair_count){ a.result, b.result, 0 };
				if (k < npairs)
					pairs[k].n++;
			}
			outcome_free(&a);
			outcome_free(&b);
			mthp_scenario_free(&s);
		}
		mthp_sim_result_free(&r);
		printf("| %s | %d | %u | %u | %u | %u | ", g.name, DIFF_SCENARIOS, ds,
		       da, dc, dr);
		/* most frequent first; ties in name order, for a stable file */
		for (size_t x = 0; x < npairs; x++)
			for (size_t y = x + 1; y < npairs; y++)
				if (pairs[y].n > pairs[x].n ||
				    (pairs[y].n == pairs[x].n &&
				     (pairs[y].a < pairs[x].a ||
				      (pairs[y].a == pairs[x].a && pairs[y].b < pairs[x].b)))) {
					struct pair_count t = pairs[x];

					pairs[x] = pairs[y];
					pairs[y] = t;
				}
		for (size_t k = 0; k < npairs; k++)
			printf("%s%s -> %s: %u", k ? "; " : "",
			       mthp_scan_result_name(pairs[k].a) + 5,
			       mthp_scan_result_name(pairs[k].b) + 5, pairs[k].n);
		printf("%s |\n", npairs ? "" : "-");
	}
	printf("\n");
	free(text);
}

/* A scenario: one (or more) touched pages at 0, every order enabled. */
static void creep_scenario(struct mthp_scenario *s, const struct mthp_geometry *g,
			   enum mthp_model m, unsigned int none, unsigned int touched)
{
	if (mthp_scenario_init(s, g))
		err(1, "out of memory");
	s->model = m;
	s->max_ptes_none = none;
	for (unsigned int k = MTHP_MIN_ORDER; k < g->pmd_order; k++)
		s->thp.order[k] = MTHP_THP_ALWAYS;
	for (unsigned int i = 0; i < touched; i++)
		pte_set_young_present(&s->ptes[i]);
}

struct created {
	uint32_t orders;
};

static void note_orders(void *ctx, unsigned int round,
			const struct mthp_scenario *s,
			const struct mthp_sim_result *r)
{
	struct created *c = ctx;

	(void)round;
	(void)s;
	for (size_t i = 0; i < r->ncollapses; i++)
		c->orders |= 1u << r->collapses[i].order;
}

static void section_creep(void)
{
	printf("## 3. Creep under `scaled`\n\n");
	printf("One touched page at offset 0, every order enabled, model `scaled` (max_ptes_none scaled by order, the pre-v15 idea). ");
	printf("A value creeps when the visit after a collapse collapses again (`mthpsim rounds`). ");
	printf("The table gives the smallest creeping value, found by trying every value from 1 up, and what it does to that one page.\n\n");
	printf("| geometry | smallest creeping max_ptes_none | rounds that collapsed | orders created | pages present | memory added |\n");
	printf("|---|---:|---:|---|---|---:|\n");
	for (size_t gi = 0; gi < mthp_geometry_count(); gi++) {
		struct mthp_geometry g;
		unsigned int found = 0;
		bool conv;

		mthp_geometry_lookup(mthp_geometry_name(gi), &g, NULL, 0);
		for (unsigned int v = 1; v < g.pmd_nr && !found; v++) {
			struct mthp_scenario s;

			creep_scenario(&s, &g, MTHP_MODEL_SCALED, v, 1);
			if (cli_run_rounds(&s, 2, NULL, NULL, &conv) >= 2)
				found = v;
			mthp_scenario_free(&s);
		}
		if (!found) {
			printf("| %s | none | - | - | - | - |\n", g.name);
			continue;
		}
		struct mthp_scenario s;
		struct created c = { 0 };
		char orders[64];

		creep_scenario(&s, &g, MTHP_MODEL_SCALED, found, 1);
		unsigned int n = cli_run_rounds(&s, 64, note_orders, &c, &conv);
		unsigned int after = mthp_scenario_present(&s);

		cli_format_orders(orders, sizeof(orders), c.orders);
		printf("| %s | %u | %u | %s | 1 -> %u | %lu KiB |\n", g.name, found, n,
		       orders, after, (unsigned long)(after - 1) << g.page_shift >> 10);
		mthp_scenario_free(&s);
	}

	printf("\nOn x86_64, the cases docs/MODELS.md section 9 names (two touched pages at 0..1 for 256, three at 0..2 for 255), and the merged series on the same input:\n\n");
	printf("| model | max_ptes_none | touched | rounds that collapsed | orders created | pages present |\n");
	printf("|---|---:|---:|---:|---|---|\n");
	static const struct {
		enum mthp_model m;
		unsigned int none, touched;
	} cases[] = {
		{ MTHP_MODEL_SCALED, 256, 2 }, { MTHP_MODEL_SCALED, 255, 3 },
		{ MTHP_MODEL_V15, 256, 2 },    { MTHP_MODEL_V17, 256, 2 },
		{ MTHP_MODEL_V18, 256, 2 },    { MTHP_MODEL_V19, 256, 2 },
		{ MTHP_MODEL_V19, 511, 2 },    { MTHP_MODEL_V19, 0, 2 },
	};
	struct mthp_geometry x;

	mthp_geometry_lookup("x86_64", &x, NULL, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mthp_scenario s;
		struct created c = { 0 };
		char orders[64];
		bool conv;

		creep_scenario(&s, &x, cases[i].m, cases[i].none, cases[i].touched);
		unsigned int n = cli_run_rounds(&s, 64, note_orders, &c, &conv);

		cli_format_orders(orders, sizeof(orders), c.orders);
		printf("| %s | %u | %u | %u | %s | %u -> %u |\n",
		       mthp_model_name(cases[i].m), cases[i].none, cases[i].touched,
		       n, orders, cases[i].touched, mthp_scenario_present(&s));
		mthp_scenario_free(&s);
	}
	printf("\n");
}

static void section_swap(void)
{
	printf("## 4. Swap accounting (docs/MODELS.md section 10)\n\n");
	printf("HPAGE_PMD_NR - 1 present pages and one swapped out, max_ptes_none = 0, only the PMD size enabled. Does the PMD collapse?\n\n");
	printf("| model |");
	for (size_t gi = 0; gi < mthp_geometry_count(); gi++)
		printf(" %s |", mthp_geometry_name(gi));
	printf("\n|---|");
	for (size_t gi = 0; gi < mthp_geometry_count(); gi++)
		printf("---|");
	printf("\n");
	for (int m = 0; m < MTHP_MODEL_COUNT; m++) {
		printf("| %s |", mthp_model_name((enum mthp_model)m));
		for (size_t gi = 0; gi < mthp_geometry_count(); gi++) {
			struct mthp_geometry g;
			struct mthp_scenario s;
			struct mthp_sim_result r;

			mthp_geometry_lookup(mthp_geometry_name(gi), &g, NULL, 0);
			if (mthp_scenario_init(&s, &g) || mthp_sim_result_init(&r, &g))
				err(1, "out of memory");
			s.model = (enum mthp_model)m;
			s.max_ptes_none = 0;
			for (unsigned int i = 0; i + 1 < g.pmd_nr; i++)
				pte_set_young_present(&s.ptes[i]);
			s.ptes[g.pmd_nr - 1].kind = MTHP_PTE_SWAP;
			if (mthp_simulate(&s, &r))
				errx(1, "internal error: swap scenario refused");
			printf(" %s |", r.ncollapses ? "yes" : "no");
			mthp_sim_result_free(&r);
			mthp_scenario_free(&s);
		}
		printf("\n");
	}
	printf("\n");
}

int cmd_report(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: mthpsim report > docs/FINDINGS.md\n\n"
		       "Computes the findings report on the kernel series and prints it as Markdown.\n");
		return 0;
	}
	if (argc > 1)
		errx(EXIT_INPUT, "report: unexpected argument '%s'", argv[1]);
	printf("# Findings on the khugepaged mTHP collapse series\n\n");
	printf("Generated by `mthpsim report` (libmthpcollapse); regenerate with `build/src/cli/mthpsim report > docs/FINDINGS.md`. ");
	printf("Every figure below is computed by the library's own tools when the report runs; nothing is typed in. ");
	printf("The test suite regenerates this file and fails if it is stale.\n\n");
	section_stack();
	section_equivalence();
	section_creep();
	section_swap();
	return 0;
}
