/* SPDX-License-Identifier: MIT */
/*
 * The kernel's decision algorithms at the kernel's cost, for the
 * benchmarks to compare the engine with. Written for this project from
 * docs/MODELS.md (sections 6.1, 6.2 and 6.5), not taken from the kernel.
 *
 *   kalg_stack()  stands for the stack revisions, v15 10/13 to v18: a stack
 *                 of (offset, order) entries reserved for the revision
 *                 (2^(log2(MAX_PTRS_PER_PTE) - 2) in v15 and v16), the PMD
 *                 range pushed first, and for each range popped: is the
 *                 order enabled, its none allowance, then the range counted
 *                 as the revisions count it - bitmap_zero() of a whole
 *                 MAX_PTRS_PER_PTE-bit mask, bitmap_set() of the range in
 *                 it, bitmap_weight_and() of mask and occupancy bitmap over
 *                 HPAGE_PMD_NR bits - the attempt, and both halves pushed
 *                 when the range is to be split (order > 2).
 *   kalg_walk()   stands for v19 11/14 and the mm tree: the forward walk,
 *                 each enabled range counted with bitmap_weight_from() over
 *                 the range's own bits.
 *
 * The bitmap helpers are the kernel's spellings of <mthpcollapse/kcompat.h>,
 * that is the library's exported bitmap functions: word at a time, with a
 * hardware popcount where the CPU has one (chosen when the library is
 * loaded, as the kernel patches POPCNT into hweight_long() on x86), and
 * out of line, as the kernel's __bitmap_set(), __bitmap_weight_and() and
 * __bitmap_weight_from() are: each a call into another object, here
 * through the PLT, there a direct call with the kernel's own entry and
 * return overheads (ftrace padding, return thunks), which are not
 * counted, nor are its trace points and statistics. One difference the
 * other way: with MAX_PTRS_PER_PTE a compile-time constant the kernel's
 * bitmap_zero() is an inline store of a known size; here it is a call.
 *
 * Callback results: SCAN_SUCCEED and SCAN_PTE_MAPPED_HUGEPAGE end the
 * range, the model's try-lower results split it (stack) or lower it
 * (walk), anything else ends the search - the rules of docs/MODELS.md
 * section 6 for max_ptes_none 0 or HPAGE_PMD_NR - 1 in khugepaged mode,
 * which is what the benchmarks run.
 *
 * Before including: <mthpcollapse/kcompat.h>, and HPAGE_PMD_NR,
 * HPAGE_PMD_ORDER and MAX_PTRS_PER_PTE (run-time values here).
 */
#ifndef MTHP_BENCH_KERNEL_ALGORITHMS_H
#define MTHP_BENCH_KERNEL_ALGORITHMS_H

#include <stdint.h>
#include <string.h>

/* docs/MODELS.md section 4: the results that try lower orders, list A
 * (the stack revisions to v16) and list B (v17 on) */
#define KALG_R(n) (1ull << SCAN_##n)
#define KALG_LIST_A                                                          \
	(KALG_R(LACK_REFERENCED_PAGE) | KALG_R(EXCEED_NONE_PTE) |            \
	 KALG_R(EXCEED_SWAP_PTE) | KALG_R(EXCEED_SHARED_PTE) |               \
	 KALG_R(PAGE_LOCK) | KALG_R(PAGE_COUNT) | KALG_R(PAGE_NULL) |        \
	 KALG_R(DEL_PAGE_LRU) | KALG_R(PTE_NON_PRESENT) |                    \
	 KALG_R(PTE_UFFD_WP) | KALG_R(ALLOC_HUGE_PAGE_FAIL) | KALG_R(PAGE_LRU))
#define KALG_LIST_B ((KALG_LIST_A & ~KALG_R(PAGE_LRU)) | KALG_R(PAGE_LAZYFREE))

/* The none PTEs a range may hold, for max_ptes_none 0 or HPAGE_PMD_NR - 1
 * (the two values every revision keeps). */
static inline unsigned int kalg_max_none(unsigned int order,
					 unsigned int max_ptes_none)
{
	if (order == HPAGE_PMD_ORDER)
		return max_ptes_none;
	return max_ptes_none ? (1u << order) - 1 : 0;
}

struct kalg_stack_entry {
	uint16_t offset;
	uint8_t order;
};

/* Returns the PTEs collapsed. @stack: the revision's reservation;
 * @mask: MAX_PTRS_PER_PTE bits of scratch; @try_lower: bit r set when
 * result r splits the range. */
static inline unsigned int kalg_stack(const unsigned long *bitmap,
				      unsigned long *mask,
				      struct kalg_stack_entry *stack,
				      unsigned long enabled_orders,
				      unsigned int max_ptes_none,
				      uint64_t try_lower,
				      mthp_collapse_fn collapse, void *data)
{
	unsigned int top = 0, collapsed = 0;

	stack[top++] = (struct kalg_stack_entry){ 0, (uint8_t)HPAGE_PMD_ORDER };
	while (top) {
		struct kalg_stack_entry e = stack[--top];
		unsigned int nr = 1u << e.order;

		if (enabled_orders & (1UL << e.order)) {
			unsigned int none = kalg_max_none(e.order, max_ptes_none);

			bitmap_zero(mask, MAX_PTRS_PER_PTE);
			bitmap_set(mask, e.offset, nr);
			if (bitmap_weight_and(bitmap, mask, HPAGE_PMD_NR) >= nr - none) {
				struct mthp_range r = { e.offset, e.order };
				int res = collapse(&r, data);

				if (res == SCAN_SUCCEED) {
					collapsed += nr;
					continue;
				}
				if (res == SCAN_PTE_MAPPED_HUGEPAGE)
					continue;
				if (!(try_lower & (1ull << res)))
					break;
			}
		}
		if (e.order > KHUGEPAGED_MIN_MTHP_ORDER) {
			uint8_t half = (uint8_t)(e.order - 1);

			stack[top++] = (struct kalg_stack_entry){
				(uint16_t)(e.offset + (nr >> 1)), half };
			stack[top++] = (struct kalg_stack_entry){ e.offset, half };
		}
	}
	return collapsed;
}

/* Returns the PTEs collapsed. */
static inline unsigned int kalg_walk(const unsigned long *bitmap,
				     unsigned long enabled_orders,
				     unsigned int max_ptes_none,
				     uint64_t try_lower,
				     mthp_collapse_fn collapse, void *data)
{
	unsigned int offset = 0, order = HPAGE_PMD_ORDER, collapsed = 0;

	while (offset < HPAGE_PMD_NR) {
		unsigned int nr = 1u << order;

		if (enabled_orders & (1UL << order)) {
			unsigned int none = kalg_max_none(order, max_ptes_none);

			if (bitmap_weight_from(bitmap, offset, offset + nr) >= nr - none) {
				struct mthp_range r = { offset, order };
				int res = collapse(&r, data);

				if (res == SCAN_SUCCEED) {
					collapsed += nr;
					goto next;
				}
				if (res == SCAN_PTE_MAPPED_HUGEPAGE)
					goto next;
				if (!(try_lower & (1ull << res)))
					return collapsed;
			}
		}
		if (order > KHUGEPAGED_MIN_MTHP_ORDER &&
		    (enabled_orders & GENMASK(order - 1, KHUGEPAGED_MIN_MTHP_ORDER))) {
			order--;
			continue;
		}
next:
		offset += nr;
		order = offset ? (unsigned int)__builtin_ctz(offset) : HPAGE_PMD_ORDER;
		if (order > HPAGE_PMD_ORDER)
			order = HPAGE_PMD_ORDER;
	}
	return collapsed;
}

/* The floor: one pass over the PMD's occupancy bitmap, what counting the
 * PMD range costs (bitmap_weight() of HPAGE_PMD_NR bits). */
static inline unsigned int kalg_count_pass(const unsigned long *bitmap)
{
	return bitmap_weight(bitmap, HPAGE_PMD_NR);
}

#endif
