// SPDX-License-Identifier: MIT
/*
 * A test fixture for mthpsim kcheck, in the shape of mm/khugepaged.c as
 * it was with v15 of the mTHP collapse series: the stack-driven search
 * (docs/MODELS.md, section 6.1; model v15), its stack a member of the
 * file-scope struct collapse_control sized with ilog2(MAX_PTRS_PER_PTE),
 * among the things a real khugepaged.c has around it (trace points, sysfs
 * tables, NUMA variants, locks, annotations). Written for this project
 * from that description; it is not kernel code. Most functions are here
 * to be left out: they would not compile in userspace.
 */
#define pr_fmt(fmt) "khugepaged: " fmt

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/rmap.h>
#include <linux/swap.h>
#include <linux/userfaultfd_k.h>
#include <linux/kthread.h>

#include <asm/tlb.h>
#include "internal.h"
#include "mm_slot.h"

#define CREATE_TRACE_POINTS
#include <trace/events/huge_memory.h>

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

static struct task_struct *khugepaged_thread __read_mostly;
static DEFINE_MUTEX(khugepaged_mutex);

/* default scan 8*HPAGE_PMD_NR ptes (or vmas) every 10 second */
static unsigned int khugepaged_pages_to_scan __read_mostly;
static unsigned int khugepaged_pages_collapsed;
static unsigned int khugepaged_full_scans;
static unsigned int khugepaged_scan_sleep_millisecs __read_mostly = 10000;
static DECLARE_WAIT_QUEUE_HEAD(khugepaged_wait);
static unsigned int khugepaged_max_ptes_none __read_mostly;
static unsigned int khugepaged_max_ptes_swap __read_mostly;
static unsigned int khugepaged_max_ptes_shared __read_mostly;
static unsigned long khugepaged_sleep_expire __ro_after_init;

#define KHUGEPAGED_MIN_MTHP_ORDER	2
#define KHUGEPAGED_MAX_PTES_LIMIT	(HPAGE_PMD_NR - 1)
#define MM_SLOTS_HASH_BITS 10
static DEFINE_READ_MOSTLY_HASHTABLE(mm_slots_hash, MM_SLOTS_HASH_BITS);

/* a range still to look at: offset in PTEs, and its order */
struct mthp_range {
	u16 offset;
	u8 order;
};

/* room for every range the search may leave pending */
#define MTHP_STACK_SIZE	(1UL << (ilog2(MAX_PTRS_PER_PTE) - KHUGEPAGED_MIN_MTHP_ORDER))

struct collapse_control {
	bool is_khugepaged;

	/* what the scan saw per node, for the allocation */
	u32 node_load[MAX_NUMNODES];
	nodemask_t alloc_nmask;

	/* one bit per occupied PTE of the table being looked at, and a
	 * scratch map of the range being weighed */
	DECLARE_BITMAP(mthp_bitmap, MAX_PTRS_PER_PTE);
	DECLARE_BITMAP(mthp_bitmap_mask, MAX_PTRS_PER_PTE);
	/* the search's pending ranges; {} in a comment is not a body */
	struct mthp_range mthp_bitmap_stack[MTHP_STACK_SIZE];
};

static_assert(sizeof(struct mthp_range) <= 4);

struct collapse_control khugepaged_collapse_control = {
	.is_khugepaged = true,
};

struct khugepaged_scan {
	struct list_head mm_head;
	struct mm_slot *mm_slot;
	unsigned long address;
};

static struct khugepaged_scan khugepaged_scan = {
	.mm_head = LIST_HEAD_INIT(khugepaged_scan.mm_head),
};

#ifdef CONFIG_SYSFS
static ssize_t scan_sleep_millisecs_show(struct kobject *kobj,
					 struct kobj_attribute *attr,
					 char *buf)
{
	return sysfs_emit(buf, "%u\n", khugepaged_scan_sleep_millisecs);
}

static ssize_t max_ptes_none_store(struct kobject *kobj,
				   struct kobj_attribute *attr,
				   const char *buf, size_t count)
{
	int err;
	unsigned long max_ptes_none;

	err = kstrtoul(buf, 10, &max_ptes_none);
	if (err || max_ptes_none > KHUGEPAGED_MAX_PTES_LIMIT)
		return -EINVAL;
	khugepaged_max_ptes_none = max_ptes_none;
	return count;
}
static struct kobj_attribute khugepaged_max_ptes_none_attr =
	__ATTR_RW(max_ptes_none);

static struct attribute *khugepaged_attr[] = {
	&khugepaged_max_ptes_none_attr.attr,
	NULL,
};

struct attribute_group khugepaged_attr_group = {
	.attrs = khugepaged_attr,
	.name = "khugepaged",
};
#endif /* CONFIG_SYSFS */

/**
 * collapse_max_ptes_none - the empty PTEs a collapse to @order may keep
 * @cc: the collapse control ({ .is_khugepaged } says who asks)
 * @order: the order of the range
 *
 * Return: the allowance, or -EINVAL when the sysctl is a value mTHP does
 * not take (neither 0 nor the limit) - "{" and "}" in a comment.
 */
static int collapse_max_ptes_none(struct collapse_control *cc,
		unsigned int order)
{
	unsigned int limit = READ_ONCE(khugepaged_max_ptes_none);

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

#ifdef CONFIG_NUMA
static int collapse_find_target_node(struct collapse_control *cc)
{
	int nid, target_node = 0, max_value = 0;

	for (nid = 0; nid < MAX_NUMNODES; nid++)
		if (cc->node_load[nid] > max_value) {
			max_value = cc->node_load[nid];
			target_node = nid;
		}
	for_each_online_node(nid) {
		if (max_value == cc->node_load[nid])
			node_set(nid, cc->alloc_nmask);
	}
	return target_node;
}
#else
static int collapse_find_target_node(struct collapse_control *cc)
{
	return 0;
}
#endif

static int collapse_huge_page(struct mm_struct *mm, unsigned long address,
		int referenced, int unmapped, struct collapse_control *cc,
		bool *mmap_locked, unsigned int order)
	__releases(&mm->mmap_lock)
{
	/* the real work, which kcheck stubs */
	struct folio *folio = NULL;
	int node = collapse_find_target_node(cc);

	mmap_read_unlock(mm);
	*mmap_locked = false;
	return alloc_charge_folio(&folio, mm, cc, order, node);
}

static void push_mthp_range(struct collapse_control *cc, int *top,
		u16 offset, u8 order)
{
	VM_WARN_ON_ONCE(*top >= MTHP_STACK_SIZE);
	cc->mthp_bitmap_stack[*top].offset = offset;
	cc->mthp_bitmap_stack[(*top)++].order = order;
}

static struct mthp_range pop_mthp_range(struct collapse_control *cc,
		int *top)
{
	return cc->mthp_bitmap_stack[--*top];
}

/* how many PTEs of [offset, offset + span) the scan found occupied */
static unsigned int mthp_range_weight(struct collapse_control *cc,
		u16 offset, unsigned int span)
{
	BUILD_BUG_ON(MTHP_STACK_SIZE < 1);
	bitmap_zero(cc->mthp_bitmap_mask, MAX_PTRS_PER_PTE);
	bitmap_set(cc->mthp_bitmap_mask, offset, span);
	return bitmap_weight_and(cc->mthp_bitmap, cc->mthp_bitmap_mask,
				 MAX_PTRS_PER_PTE);
}

static int mthp_collapse(struct mm_struct *mm, unsigned long address,
		int referenced, int unmapped, struct collapse_control *cc,
		bool *mmap_locked, unsigned long enabled_orders)
{
	int top = 0, collapsed = 0;

	guard(mutex)(&khugepaged_mutex);
	push_mthp_range(cc, &top, 0, HPAGE_PMD_ORDER);
	while (top) {
		struct mthp_range r = pop_mthp_range(cc, &top);
		unsigned int span = 1U << r.order;
		int allowed, ret;

		if (!test_bit(r.order, &enabled_orders))
			goto split;
		allowed = collapse_max_ptes_none(cc, r.order);
		if (allowed < 0)
			return collapsed;
		if (mthp_range_weight(cc, r.offset, span) < span - allowed)
			goto split;

		ret = collapse_huge_page(mm, address + r.offset * PAGE_SIZE,
					 referenced, unmapped, cc, mmap_locked,
					 r.order);
		trace_mm_mthp_collapse_range(mm, r.offset, r.order, ret);
		switch (ret) {
		case SCAN_SUCCEED:
			collapsed += span;
			fallthrough;
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
			push_mthp_range(cc, &top, r.offset + span / 2, r.order - 1);
			push_mthp_range(cc, &top, r.offset, r.order - 1);
		}
	}
	return collapsed;
}

/* where the range's PTE table is, if it has one */
static int find_pmd_or_thp_or_none(struct mm_struct *mm,
		unsigned long address, pmd_t **pmd)
{
	pmd_t pmde;

	*pmd = mm_find_pmd(mm, address);
	if (!*pmd)
		return SCAN_NO_PTE_TABLE;
	pmde = pmdp_get_lockless(*pmd);
	if (pmd_none(pmde))
		return SCAN_NO_PTE_TABLE;
	if (pmd_trans_huge(pmde))
		return SCAN_PMD_MAPPED;
	return SCAN_SUCCEED;
}

/* empty, or mapping the shared zero page: both count as holes */
static bool pte_none_or_zero(pte_t pte)
{
	if (pte_none(pte))
		return true;
	return pte_present(pte) && is_zero_pfn(pte_pfn(pte));
}

/* nobody but the mappings holds the folio */
static bool is_refcount_suitable(struct folio *folio)
{
	int want = folio_mapcount(folio);

	if (folio_test_swapcache(folio))
		want += folio_nr_pages(folio);
	return folio_ref_count(folio) == want;
}

/* a page far from the pages seen so far ends the scan under node reclaim */
static bool collapse_scan_abort(int nid, struct collapse_control *cc)
{
	if (!node_reclaim_enabled())
		return false;
	return !cc->node_load[nid];
}

/* the swap entries a PMD collapse may read back in */
static unsigned int collapse_max_ptes_swap(struct collapse_control *cc)
{
	return cc->is_khugepaged ? khugepaged_max_ptes_swap : HPAGE_PMD_NR;
}

/* the pages of a PMD collapse that other processes may map too */
static unsigned int collapse_max_ptes_shared(struct collapse_control *cc)
{
	return cc->is_khugepaged ? khugepaged_max_ptes_shared : HPAGE_PMD_NR;
}

/* the anonymous orders the VMA allows now */
static unsigned long collapse_allowable_orders(struct vm_area_struct *vma,
		struct collapse_control *cc)
{
	if (!cc->is_khugepaged)
		return BIT(HPAGE_PMD_ORDER);
	return thp_vma_allowable_orders(vma, vma->vm_flags, TVA_KHUGEPAGED,
					THP_ORDERS_ALL_ANON);
}

static int collapse_scan_pmd(struct mm_struct *mm,
		struct vm_area_struct *vma, unsigned long start_addr,
		bool *mmap_locked, struct collapse_control *cc)
{
	unsigned int none_or_zero = 0, unmapped = 0, shared = 0, referenced = 0;
	unsigned long enabled_orders = collapse_allowable_orders(vma, cc);
	unsigned int max_none = KHUGEPAGED_MAX_PTES_LIMIT;
	int result = SCAN_FAIL, collapsed;
	struct folio *folio = NULL;
	unsigned long addr;
	pte_t *pte, *ptep;
	spinlock_t *ptl;
	pmd_t *pmd;
	int i;

	VM_BUG_ON(start_addr & ~HPAGE_PMD_MASK);
	result = find_pmd_or_thp_or_none(mm, start_addr, &pmd);
	if (result != SCAN_SUCCEED)
		goto out;
	/* khugepaged for the PMD alone keeps its limit; otherwise every
	 * hole is left for the search to weigh */
	if (cc->is_khugepaged && enabled_orders == BIT(HPAGE_PMD_ORDER))
		max_none = khugepaged_max_ptes_none;
	bitmap_zero(cc->mthp_bitmap, HPAGE_PMD_NR);
	memset(cc->node_load, 0, sizeof(cc->node_load));
	nodes_clear(cc->alloc_nmask);

	pte = pte_offset_map_lock(mm, pmd, start_addr, &ptl);
	if (!pte) {
		result = SCAN_NO_PTE_TABLE;
		goto out;
	}
	for (i = 0, ptep = pte, addr = start_addr; i < HPAGE_PMD_NR;
	     i++, ptep++, addr += PAGE_SIZE) {
		pte_t pteval = ptep_get(ptep);
		struct page *page;
		int node;

		if (pte_none_or_zero(pteval)) {
			/* a userfaultfd VMA must see its missing pages fault */
			if (++none_or_zero > max_none || userfaultfd_armed(vma)) {
				result = SCAN_EXCEED_NONE_PTE;
				count_vm_event(THP_SCAN_EXCEED_NONE_PTE);
				goto out_unmap;
			}
			continue;
		}
		if (!pte_present(pteval)) {
			if (++unmapped > collapse_max_ptes_swap(cc)) {
				result = SCAN_EXCEED_SWAP_PTE;
				count_vm_event(THP_SCAN_EXCEED_SWAP_PTE);
				goto out_unmap;
			}
			/* a write-protect marker stays with its entry */
			if (pte_swp_uffd_wp_any(pteval)) {
				result = SCAN_PTE_UFFD_WP;
				goto out_unmap;
			}
			continue;
		}
		if (pte_uffd_wp(pteval)) {
			result = SCAN_PTE_UFFD_WP;
			goto out_unmap;
		}
		page = vm_normal_page(vma, addr, pteval);
		if (unlikely(!page) || unlikely(is_zone_device_page(page))) {
			result = SCAN_PAGE_NULL;
			goto out_unmap;
		}
		folio = page_folio(page);
		if (cc->is_khugepaged && !pte_dirty(pteval) &&
		    folio_test_lazyfree(folio)) {
			result = SCAN_PAGE_LAZYFREE;
			goto out_unmap;
		}
		if (!folio_test_anon(folio)) {
			result = SCAN_PAGE_ANON;
			goto out_unmap;
		}
		/* sharing is the folio's: every page of it counts */
		if (folio_maybe_mapped_shared(folio) &&
		    ++shared > collapse_max_ptes_shared(cc)) {
			result = SCAN_EXCEED_SHARED_PTE;
			count_vm_event(THP_SCAN_EXCEED_SHARED_PTE);
			goto out_unmap;
		}
		__set_bit(i, cc->mthp_bitmap);

		node = folio_nid(folio);
		if (collapse_scan_abort(node, cc)) {
			result = SCAN_SCAN_ABORT;
			goto out_unmap;
		}
		cc->node_load[node]++;
		if (!folio_test_lru(folio)) {
			result = SCAN_PAGE_LRU;
			goto out_unmap;
		}
		if (folio_test_locked(folio)) {
			result = SCAN_PAGE_LOCK;
			goto out_unmap;
		}
		if (!is_refcount_suitable(folio)) {
			result = SCAN_PAGE_COUNT;
			goto out_unmap;
		}
		if (cc->is_khugepaged &&
		    (pte_young(pteval) || folio_test_young(folio) ||
		     folio_test_referenced(folio) ||
		     mmu_notifier_test_young(vma->vm_mm, addr)))
			referenced++;
	}
	/* khugepaged wants the range in use; half of it when pages must be
	 * read back from swap */
	if (cc->is_khugepaged &&
	    (!referenced || (unmapped && referenced < HPAGE_PMD_NR / 2)))
		result = SCAN_LACK_REFERENCED_PAGE;
	else
		result = SCAN_SUCCEED;
out_unmap:
	pte_unmap_unlock(pte, ptl);
	if (result == SCAN_SUCCEED) {
		collapsed = mthp_collapse(mm, start_addr, referenced, unmapped,
					  cc, mmap_locked, enabled_orders);
		result = collapsed ? SCAN_SUCCEED : SCAN_FAIL;
	}
out:
	trace_mm_khugepaged_scan_pmd(mm, folio, referenced, none_or_zero,
				     result, unmapped);
	return result;
}

static void collapse_unrelated_teardown(struct mm_struct *mm)
	__must_hold(&khugepaged_mm_lock)
{
	struct mm_slot *slot = mm_slot_lookup(mm_slots_hash, mm);

	scoped_guard(spinlock, &khugepaged_mm_lock) {
		if (slot)
			mm_slot_free(mm_slot_cache, slot);
	}
	mmdrop(mm);
	pr_info("a message with a brace { in a string\n");
}

static int khugepaged(void *none)
{
	set_freezable();
	while (!kthread_should_stop()) {
		khugepaged_do_scan(&khugepaged_collapse_control);
		wait_event_freezable_timeout(khugepaged_wait, false,
			msecs_to_jiffies(khugepaged_scan_sleep_millisecs));
	}
	return 0;
}
