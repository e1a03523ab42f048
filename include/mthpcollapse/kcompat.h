/* SPDX-License-Identifier: MIT */
/*
 * Kernel spellings for libmthpcollapse, so the body of a kernel patch's
 * mthp_collapse() compiles in userspace with only small edits. Include it
 * after anything else that might define these names; it is opt-in because
 * the names are not prefixed.
 *
 * HPAGE_PMD_NR and HPAGE_PMD_ORDER are runtime values here (as on ppc64):
 * define them yourself from a struct mthp_geometry before including this,
 * or use the geometry's fields directly.
 */
#ifndef MTHPCOLLAPSE_KCOMPAT_H
#define MTHPCOLLAPSE_KCOMPAT_H

#include "mthpcollapse.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BITS_PER_LONG MTHP_BITS_PER_LONG
#define BITS_TO_LONGS(n) MTHP_BITS_TO_LONGS(n)
#define DECLARE_BITMAP(name, bits) MTHP_DECLARE_BITMAP(name, bits)

#define bitmap_zero(map, nbits) mthp_bitmap_zero((map), (nbits))
#define bitmap_fill(map, nbits) mthp_bitmap_fill((map), (nbits))
#define bitmap_set(map, start, len) mthp_bitmap_set((map), (start), (len))
#define bitmap_clear(map, start, len) mthp_bitmap_clear((map), (start), (len))
#define bitmap_weight(map, nbits) mthp_bitmap_weight((map), (nbits))
#define bitmap_weight_and(a, b, nbits) mthp_bitmap_weight_and((a), (b), (nbits))
#define test_bit(nr, map) mthp_test_bit((nr), (map))
#define __set_bit(nr, map) mthp_set_bit((nr), (map))
#define __clear_bit(nr, map) mthp_clear_bit((nr), (map))
#define find_next_bit(map, size, off) mthp_find_next_bit((map), (size), (off))
#define pte_count_present(map, offset, order) \
	mthp_pte_count_present((map), (offset), (order))

#define BIT(n) (1UL << (n))
#define GENMASK(h, l) \
	((~0UL << (l)) & (~0UL >> (MTHP_BITS_PER_LONG - 1 - (h))))
#define ilog2(n) mthp_ilog2(n)
#define __ffs(x) ((unsigned long)__builtin_ctzl(x))

#define KHUGEPAGED_MIN_MTHP_ORDER MTHP_MIN_ORDER

/* SCAN_FAIL, SCAN_SUCCEED, ... as the kernel's enum scan_result. */
#define MTHP_KCOMPAT_SCAN_(n) SCAN_##n = MTHP_SCAN_##n,
enum {
	MTHP_SCAN_RESULT_LIST(MTHP_KCOMPAT_SCAN_)
};
#undef MTHP_KCOMPAT_SCAN_

#ifdef __cplusplus
}
#endif

#endif /* MTHPCOLLAPSE_KCOMPAT_H */
