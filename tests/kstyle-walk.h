/* SPDX-License-Identifier: MIT */
/*
 * The forward walk (docs/MODELS.md section 6.2, the v19 shape) written the
 * way a kernel patch would write it, with only the kernel's spellings, and
 * counting each range the kernel's way: zero a MAX_PTRS_PER_PTE-bit mask,
 * set the range in it, bitmap_weight_and() it with the occupancy bitmap.
 * This project's own code, not the kernel's. test-kcompat checks that it
 * makes exactly the engine's attempts; bench-engine times the engine
 * against it.
 *
 * Before including: <mthpcollapse/kcompat.h>, and HPAGE_PMD_NR,
 * HPAGE_PMD_ORDER and MAX_PTRS_PER_PTE (they may be run-time values).
 * Callback results handled: SCAN_SUCCEED and SCAN_PTE_MAPPED_HUGEPAGE
 * (next range), SCAN_ALLOC_HUGE_PAGE_FAIL and SCAN_EXCEED_NONE_PTE (try
 * the lower orders); anything else ends the walk.
 */
#ifndef MTHP_KSTYLE_WALK_H
#define MTHP_KSTYLE_WALK_H

/* the PTEs a range of @order may leave empty; v18 on, an unsupported
 * max_ptes_none acts as 0 below PMD order */
static inline unsigned int kstyle_walk_none(unsigned int order,
					    unsigned int max_ptes_none)
{
	if (order == HPAGE_PMD_ORDER)
		return max_ptes_none;
	if (max_ptes_none == HPAGE_PMD_NR - 1)
		return BIT(order) - 1;
	return 0;
}

/* Returns the PTEs collapsed. @mask: MAX_PTRS_PER_PTE bits of scratch. */
static inline int kstyle_walk(const unsigned long *present, unsigned long *mask,
			      unsigned long enabled_orders,
			      unsigned int max_ptes_none,
			      mthp_collapse_fn collapse, void *data)
{
	unsigned int offset = 0, order = HPAGE_PMD_ORDER;
	int collapsed = 0;

	while (offset < HPAGE_PMD_NR) {
		unsigned int nr_pte = BIT(order), none, occupied;

		if (!test_bit(order, &enabled_orders))
			goto lower;
		none = kstyle_walk_none(order, max_ptes_none);
		bitmap_zero(mask, MAX_PTRS_PER_PTE);
		bitmap_set(mask, offset, nr_pte);
		occupied = bitmap_weight_and(present, mask, MAX_PTRS_PER_PTE);
		if (occupied >= nr_pte - (none < nr_pte ? none : nr_pte)) {
			struct mthp_range r = { offset, order };

			switch (collapse(&r, data)) {
			case SCAN_SUCCEED:
				collapsed += (int)nr_pte;
				goto next;
			case SCAN_PTE_MAPPED_HUGEPAGE:
				goto next;
			case SCAN_ALLOC_HUGE_PAGE_FAIL:
			case SCAN_EXCEED_NONE_PTE:
				goto lower;
			default:
				return collapsed;
			}
		}
lower:
		if (order > KHUGEPAGED_MIN_MTHP_ORDER &&
		    (enabled_orders & GENMASK(order - 1, KHUGEPAGED_MIN_MTHP_ORDER))) {
			order--;
			continue;
		}
next:
		offset += BIT(order);
		order = offset ? (unsigned int)__ffs(offset) : 0;
		if (order > HPAGE_PMD_ORDER)
			order = HPAGE_PMD_ORDER;
	}
	return collapsed;
}

#endif
