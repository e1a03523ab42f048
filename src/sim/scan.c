// SPDX-License-Identifier: MIT
/*
 * The scan of one PTE table (counterpart: collapse_scan_pmd()): per-PTE
 * checks in the kernel's order, the occupancy bitmap, and the counters.
 */
#include <errno.h>
#include <string.h>

#include "sim-internal.h"
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

/* The scan's counters, kept in registers while it runs. */
struct tally {
	unsigned int none_or_zero, unmapped, shared, occupied, referenced;
	/* present PTEs past the uffd check that are writable: every page
	 * but one shared with another process (write-protected for copy
	 * on write) */
	unsigned int writable;
};

/*
 * A present PTE other than a plain one (young or not): the checks in the
 * kernel's order. Returns SCAN_SUCCEED to go on; *occupied says whether
 * it goes into the bitmap.
 */
static int scan_present(const struct mthp_scenario *s,
			const struct mthp_model_desc *m, struct mthp_pte p,
			unsigned int i, struct tally *t, bool *occupied)
{
	bool khugepaged = s->mode == MTHP_MODE_KHUGEPAGED;

	*occupied = false;
	if (p.flags & MTHP_PTE_UFFD_WP)
		return MTHP_SCAN_PTE_UFFD_WP;
	if (!(p.flags & MTHP_PTE_SHARED))
		t->writable++;
	if (p.flags & MTHP_PTE_NO_PAGE)
		return MTHP_SCAN_PAGE_NULL;
	if (khugepaged && !m->no_lazyfree_check && (p.flags & MTHP_PTE_LAZYFREE))
		return MTHP_SCAN_PAGE_LAZYFREE;
	if (p.flags & MTHP_PTE_NOT_ANON)
		return MTHP_SCAN_PAGE_ANON;
	if (mthp_pte_counts_shared(&p, i, m->shared_per_page)) {
		t->shared++;
		if (khugepaged && t->shared > s->max_ptes_shared)
			return MTHP_SCAN_EXCEED_SHARED_PTE;
	}
	*occupied = true;
	t->occupied++;
	if (p.flags & MTHP_PTE_NOT_LRU)
		return MTHP_SCAN_PAGE_LRU;
	if (p.flags & MTHP_PTE_LOCKED)
		return MTHP_SCAN_PAGE_LOCK;
	if (p.flags & MTHP_PTE_PINNED)
		return MTHP_SCAN_PAGE_COUNT;
	if (khugepaged && (p.flags & MTHP_PTE_YOUNG))
		t->referenced++;
	return MTHP_SCAN_SUCCEED;
}

#define BPL ((unsigned int)MTHP_BITS_PER_LONG)

/*
 * The PTEs in order until one ends the scan. The bitmap is built a word
 * at a time (it was zeroed) and the counters stay local. 64 PTEs that
 * are all plain present (young or not), none or zero, with the none ones
 * within the limit, are taken at once, compared as raw words; any others
 * go PTE by PTE. (A word of the bitmap is 64 bits here: 32-bit builds
 * take every PTE singly.)
 */
static int scan_table(const struct mthp_scenario *s, uint32_t orders,
		      unsigned long *bitmap, struct mthp_scan_info *info)
{
	const struct mthp_geometry *g = &s->geometry;
	const struct mthp_model_desc *m = mthp_model_desc(s->model);
	bool khugepaged = s->mode == MTHP_MODE_KHUGEPAGED;
	bool uffd_stops = m->scan_uffd_fails_at_none &&
			  (s->vma_flags & MTHP_VMA_UFFD);
	unsigned int none_limit = scan_none_limit(m, s, orders);
	unsigned int swap_limit = khugepaged ? s->max_ptes_swap : ~0u;
	struct tally t = { 0 };
	int r = MTHP_SCAN_SUCCEED;
	unsigned int i;

	for (unsigned int base = 0; base < g->pmd_nr; base += BPL) {
		unsigned int end = base + BPL < g->pmd_nr ? base + BPL : g->pmd_nr;
		unsigned long word = 0;

		if (end - base == 64) {
			const struct mthp_pte *w = s->ptes + base;
			uint64_t pl = mthp_pte_plain64(w, MTHP_PTE_YOUNG, false);
			uint64_t yg = pl & mthp_pte_flags64(w, MTHP_PTE_YOUNG);
			uint64_t nz = mthp_pte_none64(w);
			unsigned int nnz = mthp_popcount64(nz);

			if (!~(pl | nz) && t.none_or_zero + nnz <= none_limit &&
			    !(uffd_stops && nnz)) {
				bitmap[base / BPL] = (unsigned long)pl;
				t.occupied += mthp_popcount64(pl);
				t.writable += mthp_popcount64(pl);
				t.none_or_zero += nnz;
				t.referenced += khugepaged ? mthp_popcount64(yg) : 0;
				continue;
			}
		}
		for (i = base; i < end; i++) {
			const struct mthp_pte p = s->ptes[i];

			if (p.kind == MTHP_PTE_PRESENT && !(p.flags & ~MTHP_PTE_YOUNG)) {
				word |= 1UL << (i % BPL);
				t.occupied++;
				t.writable++;
				t.referenced += khugepaged && p.flags;
			} else if (p.kind == MTHP_PTE_NONE || p.kind == MTHP_PTE_ZERO) {
				if (++t.none_or_zero > none_limit || uffd_stops) {
					r = MTHP_SCAN_EXCEED_NONE_PTE;
					break;
				}
			} else if (p.kind != MTHP_PTE_PRESENT) {
				/* swap entry, migration entry or marker */
				if (++t.unmapped > swap_limit) {
					r = MTHP_SCAN_EXCEED_SWAP_PTE;
					break;
				}
				if (p.flags & MTHP_PTE_UFFD_WP) {
					r = MTHP_SCAN_PTE_UFFD_WP;
					break;
				}
			} else {
				bool occ;

				r = scan_present(s, m, p, i, &t, &occ);
				if (occ)
					word |= 1UL << (i % BPL);
				if (r != MTHP_SCAN_SUCCEED)
					break;
			}
		}
		bitmap[base / BPL] |= word;
		if (r != MTHP_SCAN_SUCCEED)
			break;
	}
	info->none_or_zero = t.none_or_zero;
	info->unmapped = t.unmapped;
	info->shared = t.shared;
	info->occupied = t.occupied;
	info->referenced = t.referenced;
	if (r != MTHP_SCAN_SUCCEED)
		return r;
	/* 6.12 and before: a table whose PTEs are all write-protected (or
	 * holes, zero pages and swap entries) is not collapsed */
	if (m->writable_check && !t.writable)
		return MTHP_SCAN_PAGE_RO;
	if (!khugepaged)
		return r;
	if (!t.referenced ||
	    (t.unmapped && t.referenced < g->pmd_nr / 2))
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
			  unsigned int nbits, struct mthp_scan_info *info)
{
	if (!s || !bitmap || !info)
		return mthp_refuse("mthp_scan: %s is NULL",
				   !s ? "s" : !bitmap ? "bitmap" : "info");
	if (!mthp_scenario_valid(s))
		return mthp_refuse("mthp_scan: the scenario is not valid (make it with mthp_scenario_init())");
	if (nbits < s->geometry.max_ptrs)
		return mthp_refuse("mthp_scan: nbits %u: the bitmap is shorter than the %u bits (MAX_PTRS_PER_PTE) the scan fills on %s",
				   nbits, s->geometry.max_ptrs, s->geometry.name);
	if (enabled_orders & ~mthp_orders_all(&s->geometry))
		return mthp_refuse("mthp_scan: enabled_orders 0x%x holds orders %s has not (2..%u)",
				   enabled_orders, s->geometry.name,
				   s->geometry.pmd_order);
	mthp_scan_checked(s, enabled_orders, bitmap, info);
	return 0;
}
