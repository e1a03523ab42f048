// SPDX-License-Identifier: MIT
/* Collapses a full x86_64 table at PMD order; prints what happened. */
#include <stdio.h>

#include <mthpcollapse/mthpcollapse.h>

static int ok(const struct mthp_range *r, void *data)
{
	(void)r;
	(void)data;
	return MTHP_SCAN_SUCCEED;
}

int main(void)
{
	struct mthp_geometry g;
	static MTHP_DECLARE_BITMAP(map, MTHP_MAX_PTRS);

	if (mthp_geometry_lookup("x86_64", &g, NULL, 0))
		return 1;
	mthp_bitmap_set(map, 0, g.pmd_nr);
	MTHP_OPTS(o, .orders = 1u << g.pmd_order, .collapse = ok);
	MTHP_RESULT(r);

	if (mthp_collapse(&g, map, g.max_ptrs, &o, &r))
		return 1;
	printf("%s %s %u\n", mthp_version(), mthp_scan_result_name(r.result),
	       r.collapsed);
	return 0;
}
