// SPDX-License-Identifier: MIT
/*
 * A test fixture for mthpsim kcheck, in the shape of mm/khugepaged.c in
 * mainline before the mTHP collapse series: a scan of the PMD's PTEs that
 * calls collapse_huge_page() itself, for the PMD alone (model "baseline"
 * in docs/MODELS.md, section 5), with what a real khugepaged.c has around
 * it. Written for this project from that description; it is not kernel
 * code.
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
	SCAN_PMD_NULL,
	SCAN_PMD_NONE,
	SCAN_PMD_MAPPED,
	SCAN_EXCEED_NONE_PTE,
	SCAN_EXCEED_SWAP_PTE,
	SCAN_EXCEED_SHARED_PTE,
	SCAN_PTE_NON_PRESENT,
	SCAN_PTE_UFFD_WP,
	SCAN_PTE_MAPPED_HUGEPAGE,
	SCAN_PAGE_RO,
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
};

static unsigned int khugepaged_max_ptes_none __read_mostly;
static unsigned int khugepaged_max_ptes_swap __read_mostly;
static unsigned int khugepaged_max_ptes_shared __read_mostly;
static DEFINE_SPINLOCK(khugepaged_mm_lock);

struct collapse_control {
	bool is_khugepaged;

	/* pages seen per node, for where to allocate */
	u32 node_load[MAX_NUMNODES];
	nodemask_t alloc_nmask;
};

struct collapse_control khugepaged_collapse_control = {
	.is_khugepaged = true,
};

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

static int collapse_huge_page(struct mm_struct *mm, unsigned long address,
			      int referenced, int unmapped,
			      struct collapse_control *cc)
{
	struct folio *folio;

	/* the real work, which kcheck stubs */
	mmap_read_unlock(mm);
	folio = alloc_charge_folio(&folio, mm, cc);
	return SCAN_SUCCEED;
}

/* where the range's PTE table is, if it has one */
static enum scan_result find_pmd_or_thp_or_none(struct mm_struct *mm,
		unsigned long address, pmd_t **pmd)
{
	pmd_t pmde;

	*pmd = mm_find_pmd(mm, address);
	if (!*pmd)
		return SCAN_PMD_NULL;
	pmde = pmdp_get_lockless(*pmd);
	if (pmd_none(pmde))
		return SCAN_PMD_NONE;
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
static bool hpage_collapse_scan_abort(int nid, struct collapse_control *cc)
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

static int hpage_collapse_scan_pmd(struct mm_struct *mm,
		struct vm_area_struct *vma, unsigned long start_addr,
		bool *mmap_locked, struct collapse_control *cc)
{
	unsigned int none_or_zero = 0, unmapped = 0, shared = 0, referenced = 0;
	unsigned int max_none = cc->is_khugepaged ? khugepaged_max_ptes_none : HPAGE_PMD_NR;
	int result = SCAN_FAIL;
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
	memset(cc->node_load, 0, sizeof(cc->node_load));
	nodes_clear(cc->alloc_nmask);

	pte = pte_offset_map_lock(mm, pmd, start_addr, &ptl);
	if (!pte) {
		result = SCAN_PMD_NULL;
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
		node = folio_nid(folio);
		if (hpage_collapse_scan_abort(node, cc)) {
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
		result = collapse_huge_page(mm, start_addr, referenced, unmapped, cc);
		*mmap_locked = false;
	}
out:
	trace_mm_khugepaged_scan_pmd(mm, folio, referenced, none_or_zero,
				     result, unmapped);
	return result;
}

static void khugepaged_unrelated(struct mm_struct *mm)
{
	/* userspace has none of this */
	spin_lock(&khugepaged_mm_lock);
	mmgrab(mm);
	spin_unlock(&khugepaged_mm_lock);
}
