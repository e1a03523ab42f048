/* SPDX-License-Identifier: MIT */
/*
 * The library's bitmaps, on their own: <mthpcollapse/mthpcollapse.h>
 * includes this, and so does <mthpcollapse/kernel/spellings.h>, which
 * kernel code that defines its own mthp_collapse() includes - so these
 * declarations exist once and nothing else of the library comes along.
 */
#ifndef MTHPCOLLAPSE_BITMAP_H
#define MTHPCOLLAPSE_BITMAP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Bitmaps with the kernel's semantics (unsigned long words, bit 0 of   */
/* word 0 first). Every call covers exactly nbits, the declared size.  */
/* As in the kernel, the caller guarantees that map holds the bits a   */
/* call names (a bitmap of mthp_bitmap_longs(nbits) words); the calls  */
/* allocate nothing, keep no pointer and cannot fail.                  */

#define MTHP_BITS_PER_LONG (CHAR_BIT * sizeof(unsigned long))
#define MTHP_BITS_TO_LONGS(n) \
	(((n) + MTHP_BITS_PER_LONG - 1) / MTHP_BITS_PER_LONG)
#define MTHP_DECLARE_BITMAP(name, bits) \
	unsigned long name[MTHP_BITS_TO_LONGS(bits)]

size_t mthp_bitmap_longs(unsigned int nbits);
void mthp_bitmap_zero(unsigned long *map, unsigned int nbits);
void mthp_bitmap_fill(unsigned long *map, unsigned int nbits);
void mthp_bitmap_set(unsigned long *map, unsigned int start, unsigned int len);
void mthp_bitmap_clear(unsigned long *map, unsigned int start,
		       unsigned int len);
unsigned int mthp_bitmap_weight(const unsigned long *map, unsigned int nbits);
unsigned int mthp_bitmap_weight_and(const unsigned long *a,
				    const unsigned long *b, unsigned int nbits);
/* Set bits in [start, start + len). */
unsigned int mthp_bitmap_weight_range(const unsigned long *map,
				      unsigned int start, unsigned int len);
bool mthp_test_bit(unsigned int nr, const unsigned long *map);
void mthp_set_bit(unsigned int nr, unsigned long *map);
void mthp_clear_bit(unsigned int nr, unsigned long *map);
/* First set bit at or after offset, or size when there is none. */
unsigned long mthp_find_next_bit(const unsigned long *map, unsigned long size,
				 unsigned long offset);
/* Occupied PTEs of the range (offset, order); 0 for an order above 15
 * (MTHP_MAX_PMD_ORDER). */
unsigned int mthp_pte_count_present(const unsigned long *map,
				    unsigned int offset, unsigned int order);
/* floor(log2(v)); 0 for 0. */
unsigned int mthp_ilog2(unsigned long v);

#ifdef __cplusplus
}
#endif

#endif
