/* SPDX-License-Identifier: MIT */
/*
 * The kernel's spellings of bitmaps and bit helpers, mapped onto the
 * library's functions - written once, for <mthpcollapse/kcompat.h> and for
 * kcheck's kernel environment. It declares only the functions it maps to,
 * so kernel code that defines its own mthp_collapse() can include it.
 */
#ifndef MTHPCOLLAPSE_KERNEL_SPELLINGS_H
#define MTHPCOLLAPSE_KERNEL_SPELLINGS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MTHP_BITS_PER_LONG
#define MTHP_BITS_PER_LONG (CHAR_BIT * sizeof(unsigned long))
#define MTHP_BITS_TO_LONGS(n) \
	(((n) + MTHP_BITS_PER_LONG - 1) / MTHP_BITS_PER_LONG)
#define MTHP_DECLARE_BITMAP(name, bits) \
	unsigned long name[MTHP_BITS_TO_LONGS(bits)]
#endif

/* the same declarations as <mthpcollapse/mthpcollapse.h> */
void mthp_bitmap_zero(unsigned long *map, unsigned int nbits);
void mthp_bitmap_fill(unsigned long *map, unsigned int nbits);
void mthp_bitmap_set(unsigned long *map, unsigned int start, unsigned int len);
void mthp_bitmap_clear(unsigned long *map, unsigned int start,
		       unsigned int len);
unsigned int mthp_bitmap_weight(const unsigned long *map, unsigned int nbits);
unsigned int mthp_bitmap_weight_and(const unsigned long *a,
				    const unsigned long *b, unsigned int nbits);
unsigned int mthp_bitmap_weight_range(const unsigned long *map,
				      unsigned int start, unsigned int len);
bool mthp_test_bit(unsigned int nr, const unsigned long *map);
void mthp_set_bit(unsigned int nr, unsigned long *map);
void mthp_clear_bit(unsigned int nr, unsigned long *map);
unsigned long mthp_find_next_bit(const unsigned long *map, unsigned long size,
				 unsigned long offset);
unsigned int mthp_pte_count_present(const unsigned long *map,
				    unsigned int offset, unsigned int order);
unsigned int mthp_ilog2(unsigned long v);

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
#define GENMASK(h, l) \
	((~0UL << (l)) & (~0UL >> (MTHP_BITS_PER_LONG - 1 - (h))))
#define ilog2(n) mthp_ilog2(n)
#define __ffs(x) ((unsigned long)__builtin_ctzl(x))

#define KHUGEPAGED_MIN_MTHP_ORDER 2

#ifdef __cplusplus
}
#endif

#endif
