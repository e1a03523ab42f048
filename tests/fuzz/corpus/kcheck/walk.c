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
