// SPDX-License-Identifier: MIT
/*
 * The scan of one PTE table (counterpart: collapse_scan_pmd()): per-PTE
 * checks in the kernel's order, the occupancy bitmap, and the counters.
 */
#include <errno.h>
#include <string.h>

#include "models.h"
#include "mthpcollapse/sim.h"

/* How many none PTEs the scan tolerates (docs/MODELS.md section 5). */
static unsigned int scan_none_limit(const struct mthp_model_desc *m,
				    const struct mthp_scenario *s,
				    uint32_t orders)
{
	const struct mthp_geometry *g = &s->geometry;
	bool khugepaged = s->mode == MTHP_MODE_KHUGEPAGED;
	bool mthp = orders & ~(1u << g->pmd_order);

	switch (m->scan_none) {
	case MTHP_SCAN_NONE_BASELINE:
		break;
	case MTHP_SCAN_NONE_V15:
		/* the limit is lifted so the bitmap sees every candidate */
		return khugepaged && !mthp ? s->max_ptes_none : g->pmd_nr - 1;
	case MTHP_SCAN_NONE_V16:
		if (mthp)
			return g->pmd_nr - 1;
		if (s->vma_flags & MTHP_VMA_UFFD)
			return 0;
		break;
	}
	return khugepaged ? s->max_ptes_none : g->pmd_nr;
}

/* One present PTE; returns SCAN_SUCCEED to go on. */
static int scan_present(const struct mthp_scenario *s, unsigned int i,
			unsigned long *bitmap, struct mthp_scan_info *info)
{
	const struct mthp_pte *p = &s->ptes[i];
	bool khugepaged = s->mode == MTHP_MODE_KHUGEPAGED;

	if (p->flags & MTHP_PTE_UFFD_WP)
		return MTHP_SCAN_PTE_UFFD_WP;
	if (p->flags & MTHP_PTE_NO_PAGE)
		return MTHP_SCAN_PAGE_NULL;
	if (khugepaged && (p->flags & MTHP_PTE_LAZYFREE))
		return MTHP_SCAN_PAGE_LAZYFREE;
	if (p->flags & MTHP_PTE_NOT_ANON)
		return MTHP_SCAN_PAGE_ANON;
	if (p->flags & MTHP_PTE_SHARED) {
		info->shared++;
		if (khugepaged && info->shared > s->max_ptes_shared)
			return MTHP_SCAN_EXCEED_SHARED_PTE;
	}
	mthp_set_bit(i, bitmap);
	info->occupied++;
	if (p->flags & MTHP_PTE_NOT_LRU)
		return MTHP_SCAN_PAGE_LRU;
	if (p->flags & MTHP_PTE_LOCKED)
		return MTHP_SCAN_PAGE_LOCK;
	if (p->flags & MTHP_PTE_PINNED)
		return MTHP_SCAN_PAGE_COUNT;
	if (khugepaged && (p->flags & MTHP_PTE_YOUNG))
		info->referenced++;
	return MTHP_SCAN_SUCCEED;
}

static int scan_table(const struct mthp_scenario *s, uint32_t orders,
		      unsigned long *bitmap, struct mthp_scan_info *info)
{
	const struct mthp_geometry *g = &s->geometry;
	const struct mthp_model_desc *m = mthp_model_desc(s->model);
	bool khugepaged = s->mode == MTHP_MODE_KHUGEPAGED;
	bool uffd_stops = m->scan_uffd_fails_at_none &&
			  (s->vma_flags & MTHP_VMA_UFFD);
	unsigned int none_limit = scan_none_limit(m, s, orders);

	for (unsigned int i = 0; i < g->pmd_nr; i++) {
		const struct mthp_pte *p = &s->ptes[i];
		int r;

		switch (p->kind) {
		case MTHP_PTE_NONE:
		case MTHP_PTE_ZERO:
			info->none_or_zero++;
			if (uffd_stops || info->none_or_zero > none_limit)
				return MTHP_SCAN_EXCEED_NONE_PTE;
			continue;
		case MTHP_PTE_SWAP:
		case MTHP_PTE_NON_SWAP:
			info->unmapped++;
			if (khugepaged && info->unmapped > s->max_ptes_swap)
				return MTHP_SCAN_EXCEED_SWAP_PTE;
			if (p->flags & MTHP_PTE_UFFD_WP)
				return MTHP_SCAN_PTE_UFFD_WP;
			continue;
		default:
			r = scan_present(s, i, bitmap, info);
			if (r != MTHP_SCAN_SUCCEED)
				return r;
		}
	}
	if (!khugepaged)
		return MTHP_SCAN_SUCCEED;
	if (!info->referenced ||
	    (info->unmapped && info->referenced < g->pmd_nr / 2))
		return MTHP_SCAN_LACK_REFERENCED_PAGE;
	return MTHP_SCAN_SUCCEED;
}

void mthp_scan_checked(const struct mthp_scenario *s, uint32_t enabled_orders,
		       unsigned long *bitmap, struct mthp_scan_info *info)
{
	memset(info, 0, sizeof(*info));
	mthp_bitmap_zero(bitmap, s->geometry.max_ptrs);
	if (!enabled_orders) {
		info->result = MTHP_SCAN_VMA_CHECK;
		return;
	}
	if (s->pmd == MTHP_PMD_NONE) {
		info->result = MTHP_SCAN_NO_PTE_TABLE;
		return;
	}
	if (s->pmd == MTHP_PMD_MAPPED) {
		info->result = MTHP_SCAN_PMD_MAPPED;
		return;
	}
	info->ran = true;
	info->result = scan_table(s, enabled_orders, bitmap, info);
}

MTHP_EXPORT int mthp_scan(const struct mthp_scenario *s,
			  uint32_t enabled_orders, unsigned long *bitmap,
			  struct mthp_scan_info *info)
{
	if (!mthp_scenario_valid(s) || !bitmap || !info ||
	    (enabled_orders & ~mthp_orders_all(&s->geometry)))
		return -EINVAL;
	mthp_scan_checked(s, enabled_orders, bitmap, info);
	return 0;
}
