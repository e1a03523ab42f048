// SPDX-License-Identifier: MIT
/*
 * A test fixture for mthpsim kcheck, in the shape of mm/khugepaged.c with
 * v15 of the mTHP collapse series: the stack-driven search (docs/MODELS.md,
 * section 6.1; model v15). Written for this project from that description;
 * it is not kernel code. MUTANT: the right half is examined first. The other functions are here to be left out.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/rmap.h>
#include <linux/swap.h>
#include <linux/userfaultfd_k.h>

#include "internal.h"

enum scan_result {
	SCAN_FAIL,
	SCAN_SUCCEED,
	SCAN_NO_PTE_TABLE,
	SCAN_PMD_MAPPED,
	SCAN_EXCEED_NONE_PTE,
	SCAN_EXCEED_SWAP_PTE,
	SCAN_EXCEED_SHARED_PTE,
	SCAN_PTE_NON_PRESENT,
	SCAN_PTE_UFFD_WP,
	SCAN_PTE_MAPPED_HUGEPAGE,
	SCAN_LACK_REFERENCED_PAGE,
	SCAN_PAGE_NULL,
	SCAN_SCAN_ABORT,
	SCAN_PAGE_COUNT,
	SCAN_PAGE_LRU,
	SCAN_PAGE_LOCK,
	SCAN_PAGE_ANON,
	SCAN_PAGE_LAZYFREE,
	SCAN_PAGE_COMPOUND,
	SCAN_ANY_PROCESS,
	SCAN_VMA_NULL,
	SCAN_VMA_CHECK,
	SCAN_ADDRESS_RANGE,
	SCAN_DEL_PAGE_LRU,
	SCAN_ALLOC_HUGE_PAGE_FAIL,
	SCAN_CGROUP_CHARGE_FAIL,
	SCAN_TRUNCATED,
	SCAN_PAGE_HAS_PRIVATE,
	SCAN_STORE_FAILED,
	SCAN_COPY_MC,
	SCAN_PAGE_FILLED,
	SCAN_PAGE_DIRTY_OR_WRITEBACK,
};

#define KHUGEPAGED_MIN_MTHP_ORDER	2
#define KHUGEPAGED_MAX_PTES_LIMIT	(HPAGE_PMD_NR - 1)

static unsigned int khugepaged_max_ptes_none __read_mostly;
static unsigned int khugepaged_max_ptes_swap __read_mostly;
static DEFINE_SPINLOCK(khugepaged_mm_lock);

struct collapse_control {
	bool is_khugepaged;

	/* what the scan saw per node, for the allocation */
	u32 node_load[MAX_NUMNODES];
	nodemask_t alloc_nmask;

	/* one bit per occupied PTE of the table being looked at */
	DECLARE_BITMAP(mthp_bitmap, MAX_PTRS_PER_PTE);
	DECLARE_BITMAP(mthp_bitmap_mask, MAX_PTRS_PER_PTE);
};

static void khugepaged_unrelated(struct mm_struct *mm)
{
	/* userspace has none of this */
	spin_lock(&khugepaged_mm_lock);
	mmgrab(mm);
	hash_add(mm_slots_hash, &mm->mm_slot->hash, (long)mm);
	spin_unlock(&khugepaged_mm_lock);
}

/* a range still to look at */
struct mthp_range {
	u16 offset;
	u8 order;
};

/* room for every range the search may leave pending */
#define MTHP_STACK_SIZE	(1UL << (ilog2(MAX_PTRS_PER_PTE) - KHUGEPAGED_MIN_MTHP_ORDER))

/*
 * The empty PTEs a collapse to @order may keep; -EINVAL when the sysctl
 * is a value mTHP does not take (neither 0 nor the limit).
 */
static int collapse_max_ptes_none(struct collapse_control *cc,
		unsigned int order)
{
	unsigned int limit = khugepaged_max_ptes_none;

	if (!cc->is_khugepaged)
		return KHUGEPAGED_MAX_PTES_LIMIT;
	if (order == HPAGE_PMD_ORDER)
		return limit;
	if (limit == KHUGEPAGED_MAX_PTES_LIMIT)
		return (1 << order) - 1;
	if (!limit)
		return 0;
	return -EINVAL;
}

static int collapse_huge_page(struct mm_struct *mm, unsigned long address,
		int referenced, int unmapped, struct collapse_control *cc,
		bool *mmap_locked, unsigned int order)
{
	/* the real work, which kcheck stubs */
	struct folio *folio = NULL;

	*mmap_locked = false;
	return alloc_charge_folio(&folio, mm, cc, order);
}

static void push_range(struct mthp_range *stack, int *size, u16 offset,
		u8 order)
{
	VM_WARN_ON_ONCE(*size >= MTHP_STACK_SIZE);
	stack[*size].offset = offset;
	stack[(*size)++].order = order;
}

static int mthp_collapse(struct mm_struct *mm, unsigned long address,
		int referenced, int unmapped, struct collapse_control *cc,
		bool *mmap_locked, unsigned long enabled_orders)
{
	struct mthp_range stack[MTHP_STACK_SIZE];
	int size = 0, collapsed = 0;

	push_range(stack, &size, 0, HPAGE_PMD_ORDER);
	while (size) {
		struct mthp_range r = stack[--size];
		unsigned int span = 1U << r.order;
		int allowed, ret;

		if (!test_bit(r.order, &enabled_orders))
			goto split;
		allowed = collapse_max_ptes_none(cc, r.order);
		if (allowed < 0)
			return collapsed;
		bitmap_zero(cc->mthp_bitmap_mask, MAX_PTRS_PER_PTE);
		bitmap_set(cc->mthp_bitmap_mask, r.offset, span);
		if (bitmap_weight_and(cc->mthp_bitmap, cc->mthp_bitmap_mask,
				      MAX_PTRS_PER_PTE) < span - allowed)
			goto split;

		ret = collapse_huge_page(mm, address + r.offset * PAGE_SIZE,
					 referenced, unmapped, cc, mmap_locked,
					 r.order);
		switch (ret) {
		case SCAN_SUCCEED:
			collapsed += span;
			continue;
		case SCAN_PTE_MAPPED_HUGEPAGE:
			continue;
		case SCAN_LACK_REFERENCED_PAGE:
		case SCAN_EXCEED_NONE_PTE:
		case SCAN_EXCEED_SWAP_PTE:
		case SCAN_EXCEED_SHARED_PTE:
		case SCAN_PAGE_LOCK:
		case SCAN_PAGE_COUNT:
		case SCAN_PAGE_NULL:
		case SCAN_DEL_PAGE_LRU:
		case SCAN_PTE_NON_PRESENT:
		case SCAN_PTE_UFFD_WP:
		case SCAN_ALLOC_HUGE_PAGE_FAIL:
		case SCAN_PAGE_LRU:
			goto split;
		default:
			return collapsed;
		}
split:
		if (r.order > KHUGEPAGED_MIN_MTHP_ORDER) {
			/* the right half waits below the left one */
			push_range(stack, &size, r.offset, r.order - 1);
			push_range(stack, &size, r.offset + span / 2, r.order - 1);
		}
	}
	return collapsed;
}

static void collapse_unrelated_teardown(struct mm_struct *mm)
{
	struct mm_slot *slot = mm_slot_lookup(mm_slots_hash, mm);

	if (slot)
		mm_slot_free(mm_slot_cache, slot);
	mmdrop(mm);
}
