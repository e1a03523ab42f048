// SPDX-License-Identifier: MIT
/*
 * Visits repeated until nothing changes (docs/MODELS.md section 9, creep),
 * and the comparisons of two runs that the oracle tools make.
 */
#include <errno.h>
#include <string.h>

#include "sim-internal.h"

MTHP_EXPORT int mthp_simulate_rounds(struct mthp_scenario *s, unsigned int max,
				     mthp_round_fn each, void *ctx,
				     bool *converged)
{
	struct mthp_sim_result r;
	struct mthp_scenario before;
	unsigned int n = 0;
	int e;

	if (converged)
		*converged = false;
	if (!mthp_scenario_valid(s))
		return mthp_refuse("mthp_simulate_rounds: the scenario is not valid (make it with mthp_scenario_init() or mthp_scenario_parse())");
	e = mthp_sim_result_init(&r, &s->geometry);
	if (e)
		return e;
	while (n < max) {
		e = mthp_scenario_copy(&before, s);
		if (e)
			break;
		/* checked above; a visit keeps the scenario valid */
		e = mthp_simulate_checked(s, &r);
		/* a visit that changed nothing in the table is the fixed
		 * point, whatever its results said */
		bool same = before.pmd == s->pmd &&
			    !memcmp(before.ptes, s->ptes,
				    s->geometry.pmd_nr * sizeof(*s->ptes));

		mthp_scenario_free(&before);
		if (e)
			break;
		if (!r.ncollapses || same) {
			if (converged)
				*converged = true;
			break;
		}
		n++;
		if (each)
			each(ctx, n, s, &r);
	}
	mthp_sim_result_free(&r);
	return e ? e : (int)n;
}

MTHP_EXPORT long mthp_attempts_first_difference(const struct mthp_attempt *a,
						size_t na,
						const struct mthp_attempt *b,
						size_t nb)
{
	size_t n = na < nb ? na : nb;

	if ((na && !a) || (nb && !b))
		return mthp_refuse("mthp_attempts_first_difference: a list with entries but no array");
	for (size_t i = 0; i < n; i++)
		if (a[i].offset != b[i].offset || a[i].order != b[i].order ||
		    a[i].result != b[i].result)
			return (long)i;
	return na == nb ? -1 : (long)n;
}

MTHP_EXPORT bool mthp_ranges_equal(const struct mthp_range *a, size_t na,
				   const struct mthp_range *b, size_t nb)
{
	if (na != nb || (na && (!a || !b)))
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].offset != b[i].offset || a[i].order != b[i].order)
			return false;
	return true;
}
