/* SPDX-License-Identifier: MIT */
/*
 * The kernel's spellings of bitmaps and bit helpers, mapped onto the
 * library's functions - written once, for <mthpcollapse/kcompat.h> and for
 * kcheck's kernel environment. It includes only the library's bitmap
 * declarations, so kernel code that defines its own mthp_collapse() can
 * include it.
 */
#ifndef MTHPCOLLAPSE_KERNEL_SPELLINGS_H
#define MTHPCOLLAPSE_KERNEL_SPELLINGS_H

#include "../bitmap.h"

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
/* the bits in [start, end) */
#define bitmap_weight_from(map, start, end) \
	mthp_bitmap_weight_range((map), (start), (end) - (start))
#define bitmap_empty(map, nbits) (mthp_bitmap_weight((map), (nbits)) == 0)
#define bitmap_full(map, nbits) (mthp_bitmap_weight((map), (nbits)) == (nbits))
#define test_bit(nr, map) mthp_test_bit((nr), (map))
#define __set_bit(nr, map) mthp_set_bit((nr), (map))
#define __clear_bit(nr, map) mthp_clear_bit((nr), (map))
#define set_bit(nr, map) mthp_set_bit((nr), (map))
#define clear_bit(nr, map) mthp_clear_bit((nr), (map))
#define find_next_bit(map, size, off) mthp_find_next_bit((map), (size), (off))
#define find_first_bit(map, size) mthp_find_next_bit((map), (size), 0)
#define for_each_set_bit(bit, map, size)                                    \
	for ((bit) = mthp_find_next_bit((map), (size), 0); (bit) < (size);  \
	     (bit) = mthp_find_next_bit((map), (size), (bit) + 1))
#define pte_count_present(map, offset, order) \
	mthp_pte_count_present((map), (offset), (order))

#define BIT(n) (1UL << (n))
#define BIT_ULL(n) (1ULL << (n))
#define GENMASK(h, l) \
	((~0UL << (l)) & (~0UL >> (MTHP_BITS_PER_LONG - 1 - (h))))
#define GENMASK_ULL(h, l) \
	((~0ULL << (l)) & (~0ULL >> (63 - (h))))

/*
 * ilog2() as the kernel has it: a constant expression for a constant
 * argument (so it can size an array at file scope or label a case), a
 * call for any other. The constant form tests the bits from the top.
 */
#define MTHP_ILOG2_BIT_(n, b) ((n) & (1ULL << (b))) ? (b) :
#define MTHP_ILOG2_8_(n, b)                                                 \
	MTHP_ILOG2_BIT_(n, b + 7) MTHP_ILOG2_BIT_(n, b + 6)                 \
	MTHP_ILOG2_BIT_(n, b + 5) MTHP_ILOG2_BIT_(n, b + 4)                 \
	MTHP_ILOG2_BIT_(n, b + 3) MTHP_ILOG2_BIT_(n, b + 2)                 \
	MTHP_ILOG2_BIT_(n, b + 1) MTHP_ILOG2_BIT_(n, b)
#define MTHP_CONST_ILOG2(n)                                                 \
	(MTHP_ILOG2_8_(n, 56) MTHP_ILOG2_8_(n, 48) MTHP_ILOG2_8_(n, 40)     \
	 MTHP_ILOG2_8_(n, 32) MTHP_ILOG2_8_(n, 24) MTHP_ILOG2_8_(n, 16)     \
	 MTHP_ILOG2_8_(n, 8) MTHP_ILOG2_8_(n, 0) 0)
#define ilog2(n)                                                            \
	(__builtin_constant_p(n)                                            \
		 ? (int)MTHP_CONST_ILOG2((unsigned long long)(n))           \
		 : (int)mthp_ilog2((unsigned long)(n)))
#define __ffs(x) ((unsigned long)__builtin_ctzl(x))

#define KHUGEPAGED_MIN_MTHP_ORDER 2

#ifdef __cplusplus
}
#endif

#endif
