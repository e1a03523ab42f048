// SPDX-License-Identifier: MIT
/*
 * Word-based bitmaps with the kernel's layout: bit n lives in word
 * n / BITS_PER_LONG at position n % BITS_PER_LONG. Every function takes the
 * size the bitmap was declared with and never touches bits past it.
 */
#include <string.h>

#include "internal.h"

#define BPL ((unsigned int)MTHP_BITS_PER_LONG)

/* The counting functions are built once per CPU variant where that helps
 * (a hardware popcount; the loader picks one, see meson.build). They are
 * static: clang 14 cannot clone an exported function under its own name. */
#ifdef MTHP_POPCOUNT_CLONES
#define COUNTING __attribute__((target_clones("popcnt", "default")))
#else
#define COUNTING
#endif

/* Mask of bits [start % BPL, ...) in the first word of a range. */
static unsigned long first_word_mask(unsigned int start)
{
	return ~0UL << (start % BPL);
}

/* Mask of the bits of the last word that are below end. */
static unsigned long last_word_mask(unsigned int end)
{
	return ~0UL >> ((BPL - end % BPL) % BPL);
}

MTHP_EXPORT size_t mthp_bitmap_longs(unsigned int nbits)
{
	return MTHP_BITS_TO_LONGS(nbits);
}

MTHP_EXPORT void mthp_bitmap_zero(unsigned long *map, unsigned int nbits)
{
	memset(map, 0, mthp_bitmap_longs(nbits) * sizeof(unsigned long));
}

MTHP_EXPORT void mthp_bitmap_fill(unsigned long *map, unsigned int nbits)
{
	size_t n = mthp_bitmap_longs(nbits);

	if (!n)
		return;
	memset(map, 0xff, n * sizeof(unsigned long));
	/* as the kernel does: the tail of the last word reads as clear */
	map[n - 1] = last_word_mask(nbits);
}

static void update_range(unsigned long *map, unsigned int start,
			 unsigned int len, bool set)
{
	if (!len)
		return;
	unsigned int end = start + len;
	unsigned int w = start / BPL, last = (end - 1) / BPL;
	unsigned long mask = first_word_mask(start);

	for (; w <= last; w++) {
		if (w == last)
			mask &= last_word_mask(end);
		if (set)
			map[w] |= mask;
		else
			map[w] &= ~mask;
		mask = ~0UL;
	}
}

MTHP_EXPORT void mthp_bitmap_set(unsigned long *map, unsigned int start,
				 unsigned int len)
{
	update_range(map, start, len, true);
}

MTHP_EXPORT void mthp_bitmap_clear(unsigned long *map, unsigned int start,
				   unsigned int len)
{
	update_range(map, start, len, false);
}

COUNTING static unsigned int weight_range(const unsigned long *map,
					  unsigned int start, unsigned int len)
{
	if (!len)
		return 0;
	unsigned int end = start + len;
	unsigned int w = start / BPL, last = (end - 1) / BPL;
	unsigned long mask = first_word_mask(start);
	unsigned int n = 0;

	for (; w <= last; w++) {
		if (w == last)
			mask &= last_word_mask(end);
		n += (unsigned int)__builtin_popcountl(map[w] & mask);
		mask = ~0UL;
	}
	return n;
}

MTHP_EXPORT unsigned int mthp_bitmap_weight_range(const unsigned long *map,
						  unsigned int start,
						  unsigned int len)
{
	return weight_range(map, start, len);
}

MTHP_EXPORT unsigned int mthp_bitmap_weight(const unsigned long *map,
					    unsigned int nbits)
{
	return mthp_bitmap_weight_range(map, 0, nbits);
}

COUNTING static unsigned int weight_and(const unsigned long *a,
					const unsigned long *b, unsigned int nbits)
{
	unsigned int n = 0;
	size_t words = mthp_bitmap_longs(nbits);

	for (size_t w = 0; w < words; w++) {
		unsigned long v = a[w] & b[w];

		if (w == words - 1)
			v &= last_word_mask(nbits);
		n += (unsigned int)__builtin_popcountl(v);
	}
	return n;
}

MTHP_EXPORT unsigned int mthp_bitmap_weight_and(const unsigned long *a,
						const unsigned long *b,
						unsigned int nbits)
{
	return weight_and(a, b, nbits);
}

MTHP_EXPORT bool mthp_test_bit(unsigned int nr, const unsigned long *map)
{
	return (map[nr / BPL] >> (nr % BPL)) & 1;
}

MTHP_EXPORT void mthp_set_bit(unsigned int nr, unsigned long *map)
{
	map[nr / BPL] |= 1UL << (nr % BPL);
}

MTHP_EXPORT void mthp_clear_bit(unsigned int nr, unsigned long *map)
{
	map[nr / BPL] &= ~(1UL << (nr % BPL));
}

MTHP_EXPORT unsigned long mthp_find_next_bit(const unsigned long *map,
					     unsigned long size,
					     unsigned long offset)
{
	if (offset >= size)
		return size;
	unsigned long w = offset / BPL;
	unsigned long v = map[w] & (~0UL << (offset % BPL));

	for (;;) {
		if (v) {
			unsigned long bit = w * BPL +
					    (unsigned long)__builtin_ctzl(v);
			return bit < size ? bit : size;
		}
		if (++w * BPL >= size)
			return size;
		v = map[w];
	}
}

MTHP_EXPORT unsigned int mthp_pte_count_present(const unsigned long *map,
						unsigned int offset,
						unsigned int order)
{
	return order <= MTHP_MAX_PMD_ORDER
		       ? mthp_bitmap_weight_range(map, offset, 1u << order)
		       : 0;
}

MTHP_EXPORT unsigned int mthp_ilog2(unsigned long v)
{
	return mthp_log2_floor(v);
}
