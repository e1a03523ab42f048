/* SPDX-License-Identifier: MIT */
/*
 * The oracle layer: random scenarios and what one model does with one.
 * For the oracle commands (diff, verify, rounds, report) and kcheck; a
 * client of the library's public API. Its calls return 0 or a negative
 * errno and never exit or print.
 */
#ifndef MTHP_ORACLE_H
#define MTHP_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include "mthpcollapse/sim.h"
#include "rng.h"

/*
 * Writes a random scenario for g into buf (no model line): runs of
 * present, none, swap and shared PTEs, the odd special state, existing
 * large folios, a max_ptes_none of 0, HPAGE_PMD_NR-1 or in between, a
 * random set of enabled orders, sometimes a uffd VMA or madvise mode, and
 * a few injected failures. 0; -ENOSPC when len is short of
 * GEN_MAX_TEXT and the text did not fit; -ENOMEM.
 */
int gen_scenario(struct rng *r, const struct mthp_geometry *g, char *buf,
		 size_t len);
#define GEN_MAX_TEXT (64 * 1024)

/* What one model did with one scenario. */
struct outcome {
	struct mthp_attempt *attempts;
	size_t nattempts;
	struct mthp_range *collapses;
	size_t ncollapses;
	int result;
	unsigned int present_after;
};

/* Simulates s (left unchanged) under model m: 0, or the negative errno
 * of the copy or the simulation (out is then empty). */
int run_model(const struct mthp_scenario *s, enum mthp_model m,
	      struct mthp_sim_result *r, struct outcome *out);
void outcome_free(struct outcome *o);
/* Index of the first differing attempt, or -1 when the lists match. */
static inline long first_attempt_difference(const struct outcome *a,
					    const struct outcome *b)
{
	return mthp_attempts_first_difference(a->attempts, a->nattempts,
					      b->attempts, b->nattempts);
}

static inline bool same_collapses(const struct outcome *a,
				  const struct outcome *b)
{
	return mthp_ranges_equal(a->collapses, a->ncollapses, b->collapses,
				 b->ncollapses);
}

/* A present, exclusive, young PTE mapping its own order-0 folio. */
void pte_set_young_present(struct mthp_pte *p);

#endif
