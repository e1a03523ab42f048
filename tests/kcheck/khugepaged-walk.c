// SPDX-License-Identifier: MIT
/*
 * A test fixture for mthpsim kcheck, in the shape of mm/khugepaged.c with
 * the mTHP collapse series as merged plus the mm tree's PMD swap
 * accounting fix: the forward walk ("latest" in docs/MODELS.md, section
 * 6.2 and 6.3), among the things a real khugepaged.c has around it:
 * trace points, sysfs tables, NUMA variants of one function, locks and
 * lock annotations, kernel-doc. Written for this project from that
 * description; it is not kernel code. The other functions are here to be
 * left out: they would not compile in userspace.
 */
#define pr_fmt(fmt) "khugepaged: " fmt

#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/rmap.h>
#include <linux/swap.h>
#include <linux/userfaultfd_k.h>

#include "internal.h"

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

#define KHUGEPAGED_MIN_MTHP_ORDER	2
#define KHUGEPAGED_MAX_PTES_LIMIT	(HPAGE_PMD_NR - 1)

static unsigned int khugepaged_max_ptes_none __read_mostly;
static unsigned int khugepaged_max_ptes_swap __read_mostly;
static unsigned int khugepaged_max_ptes_shared __read_mostly;
static unsigned long khugepaged_sleep_expire __ro_after_init;
static DEFINE_SPINLOCK(khugepaged_mm_lock);
static DEFINE_MUTEX(khugepaged_mutex);
static DECLARE_WAIT_QUEUE_HEAD(khugepaged_wait);

struct collapse_control {
	bool is_khugepaged;

	/* what the scan saw per node, for the allocation */
	u32 node_load[MAX_NUMNODES];
	nodemask_t alloc_nmask;

	/* one bit per occupied PTE of the table being looked at */
	DECLARE_BITMAP(mthp_present_ptes, MAX_PTRS_PER_PTE);
};

struct collapse_control khugepaged_collapse_control = {
	.is_khugepaged = true,
};

static_assert(KHUGEPAGED_MIN_MTHP_ORDER >= 2);

#ifdef CONFIG_SYSFS
static ssize_t max_ptes_none_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", khugepaged_max_ptes_none);
}
static struct kobj_attribute khugepaged_max_ptes_none_attr =
	__ATTR_RO(max_ptes_none);

static struct attribute *khugepaged_attr[] = {
	&khugepaged_max_ptes_none_attr.attr,
	NULL,
};
#endif /* CONFIG_SYSFS */

#ifdef CONFIG_NUMA
static bool collapse_node_is_remote(struct collapse_control *cc, int nid)
{
	int i;

	for (i = 0; i < MAX_NUMNODES; i++) {
		if (!cc->node_load[i])
			continue;
		if (node_distance(nid, i) > node_reclaim_distance)
			return true;
	}
	return false;
}
#else
static bool collapse_node_is_remote(struct collapse_control *cc, int nid)
{
	return false;
}
#endif

static void khugepaged_unrelated(struct mm_struct *mm)
{
	/* userspace has none of this */
	spin_lock(&khugepaged_mm_lock);
	mmgrab(mm);
	hash_add(mm_slots_hash, &mm->mm_slot->hash, (long)mm);
	spin_unlock(&khugepaged_mm_lock);
}

/**
 * collapse_max_ptes_none - the PTEs a collapse to @order may leave empty
 * @cc: the collapse control
 * @vma: the VMA, or NULL: { a uffd-armed one allows none }
 * @order: the order of the range
 */
static unsigned int collapse_max_ptes_none(struct collapse_control *cc,
		struct vm_area_struct *vma, unsigned int order)
{
	unsigned int limit = READ_ONCE(khugepaged_max_ptes_none);

	/* a remote node does not change the allowance; asked to show the
	 * NUMA pair is compiled once */
	if (collapse_node_is_remote(cc, NUMA_NO_NODE))
		return 0;
	if (vma && userfaultfd_armed(vma))
		return 0;
	if (!cc->is_khugepaged)
		return HPAGE_PMD_NR;
	if (is_pmd_order(order))
		return limit;
	if (limit == KHUGEPAGED_MAX_PTES_LIMIT)
		return BIT(order) - 1;
	if (limit)
		pr_warn_once("khugepaged: max_ptes_none %u acts as 0 for mTHP\n",
			     limit);
	return 0;
}

static enum scan_result collapse_huge_page(struct mm_struct *mm,
		unsigned long address, int referenced, int unmapped,
		struct collapse_control *cc, unsigned int order)
	__releases(&mm->mmap_lock)
{
	struct folio *folio;
	pgtable_t pgtable;

	/* the real work, which kcheck stubs */
	mmap_read_unlock(mm);
	folio = alloc_charge_folio(&folio, mm, cc, order);
	pgtable = pmd_pgtable(*pmd);
	return SCAN_SUCCEED;
}

/* the largest order a range starting at @offset can have */
static unsigned int max_order_at(unsigned int offset)
{
	if (!offset)
		return HPAGE_PMD_ORDER;
	return min_t(unsigned int, __ffs(offset), HPAGE_PMD_ORDER);
}

static enum scan_result mthp_collapse(struct mm_struct *mm,
		unsigned long address, int referenced, int unmapped,
		struct collapse_control *cc, unsigned long enabled_orders)
{
	enum scan_result last = SCAN_FAIL;
	unsigned int offset = 0, order = HPAGE_PMD_ORDER;
	bool alloc_failed = false;
	int collapsed = 0;

	while (offset < HPAGE_PMD_NR) {
		unsigned int span = 1U << order;
		unsigned int occupied, allowed;
		enum scan_result ret;

		if (!(enabled_orders & BIT(order)))
			goto lower;
		allowed = collapse_max_ptes_none(cc, NULL, order);
		occupied = bitmap_weight_from(cc->mthp_present_ptes, offset,
					      offset + span);
		/* swapped-out pages count at PMD order: they get read back */
		if (is_pmd_order(order))
			occupied += unmapped;
		if (occupied < span - min_t(unsigned int, allowed, span))
			goto lower;

		ret = collapse_huge_page(mm, address + offset * PAGE_SIZE,
					 referenced, unmapped, cc, order);
		trace_mm_mthp_collapse_range(mm, offset, order, ret);
		switch (ret) {
		case SCAN_SUCCEED:
			collapsed += span;
			goto next;
		case SCAN_PTE_MAPPED_HUGEPAGE:
			goto next;
		case SCAN_ALLOC_HUGE_PAGE_FAIL:
			alloc_failed = true;
			last = ret;
			goto lower;
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
		case SCAN_PAGE_LAZYFREE:
			last = ret;
			goto lower;
		default:
			last = ret;
			goto done;
		}
lower:
		if (order > KHUGEPAGED_MIN_MTHP_ORDER &&
		    (enabled_orders & GENMASK(order - 1, 0))) {
			order--;
			continue;
		}
next:
		offset += 1U << order;
		order = max_order_at(offset);
	}
done:
	if (collapsed)
		return SCAN_SUCCEED;
	if (alloc_failed)
		return SCAN_ALLOC_HUGE_PAGE_FAIL;
	return last;
}

/* where the range's PTE table is, if it has one */
static enum scan_result find_pmd_or_thp_or_none(struct mm_struct *mm,
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
	if (cc->node_load[nid])
		return false;
	return collapse_node_is_remote(cc, nid);
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

static enum scan_result collapse_scan_pmd(struct mm_struct *mm,
		struct vm_area_struct *vma, unsigned long start_addr,
		bool *mmap_locked, struct collapse_control *cc)
{
	unsigned int none_or_zero = 0, unmapped = 0, shared = 0, referenced = 0;
	unsigned long enabled_orders = collapse_allowable_orders(vma, cc);
	unsigned int max_none = collapse_max_ptes_none(cc, vma, HPAGE_PMD_ORDER);
	enum scan_result result = SCAN_FAIL;
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
	/* with smaller sizes on, holes are the engine's to weigh */
	if (enabled_orders & ~BIT(HPAGE_PMD_ORDER))
		max_none = KHUGEPAGED_MAX_PTES_LIMIT;
	bitmap_zero(cc->mthp_present_ptes, HPAGE_PMD_NR);
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
			if (++none_or_zero > max_none) {
				result = SCAN_EXCEED_NONE_PTE;
				count_vm_event(THP_SCAN_EXCEED_NONE_PTE);
				count_mthp_stat(HPAGE_PMD_ORDER,
						MTHP_STAT_COLLAPSE_EXCEED_NONE);
				goto out_unmap;
			}
			continue;
		}
		if (!pte_present(pteval)) {
			if (++unmapped > collapse_max_ptes_swap(cc)) {
				result = SCAN_EXCEED_SWAP_PTE;
				count_vm_event(THP_SCAN_EXCEED_SWAP_PTE);
				count_mthp_stat(HPAGE_PMD_ORDER,
						MTHP_STAT_COLLAPSE_EXCEED_SWAP);
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
			count_mthp_stat(HPAGE_PMD_ORDER,
					MTHP_STAT_COLLAPSE_EXCEED_SHARED);
			goto out_unmap;
		}
		__set_bit(i, cc->mthp_present_ptes);

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
		result = mthp_collapse(mm, start_addr, referenced, unmapped, cc,
				       enabled_orders);
		*mmap_locked = false;
	}
out:
	trace_mm_khugepaged_scan_pmd(mm, folio, referenced, none_or_zero,
				     result, unmapped);
	return result;
}

static int khugepaged(void *none)
{
	set_freezable();
	while (!kthread_should_stop()) {
		scoped_guard(mutex, &khugepaged_mutex)
			khugepaged_do_scan(&khugepaged_collapse_control);
		wait_event_freezable_timeout(khugepaged_wait, false,
			msecs_to_jiffies(10000));
	}
	pr_info("stopped: \"{\" in a string is not a brace\n");
	return 0;
}
