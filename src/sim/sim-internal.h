/* SPDX-License-Identifier: MIT */
/* The simulator layer's own helpers (src/sim), shared with the layers
 * above it; never installed. */
#ifndef MTHP_SIM_INTERNAL_H
#define MTHP_SIM_INTERNAL_H

#include "internal.h"
#include "mthpcollapse/sim.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct mthp_pte;
/* The PTE a scenario state character stands for; 0 or -EINVAL. */
int mthp_pte_from_char(char c, struct mthp_pte *pte);

struct mthp_scenario;
struct mthp_parse_error;
struct mthp_geometry;

/* Fills err (when not NULL) with code, place and message; returns code.
 * Every error the library reports goes through here. */
int mthp_error(struct mthp_parse_error *err, int code, unsigned int line,
	       unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Where a piece of input starts, for located errors: a file's line (0 when
 * the text came from elsewhere) and the 1-based column of its first byte. */
struct mthp_place {
	struct mthp_parse_error *err;
	unsigned int line, col;
};
/* Fills err at off bytes past the place; returns -EINVAL. */
int mthp_place_error(const struct mthp_place *pl, size_t off,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The one number syntax: decimal digits only, in [lo, hi]. */
int mthp_place_number(const struct mthp_place *pl, size_t off, const char *s,
		      size_t len, const char *what, unsigned long lo,
		      unsigned long hi, unsigned long *out);
/* A PTE map of exactly g->pmd_nr PTEs into ptes. */
int mthp_place_map(const struct mthp_place *pl, const char *text, size_t len,
		   const struct mthp_geometry *g, struct mthp_pte *ptes);
/* A printable copy of at most 32 bytes of v, for messages. */
const char *mthp_show(const char *v, size_t len, char *buf, size_t size);

/*
 * The next blank-separated word of v (vlen bytes) from *pos on: returns
 * its length (0: no more words), its offset in *off; *pos moves past it.
 */
size_t mthp_next_word(const char *v, size_t vlen, size_t *pos, size_t *off);

/*
 * VMA flag words ("hugepage uffd", "none") into *flags; a snapshot's VMA
 * may also say thp_disabled (set in *thp_disabled; NULL: not accepted).
 * hugepage and nohugepage together are an error.
 */
int mthp_place_vma(const struct mthp_place *pl, const char *v, size_t vlen,
		   unsigned int *flags, bool *thp_disabled);

/*
 * The settings at the head of a snapshot (the text before its first vma
 * record), by the scenario file's rules: each key once (a size under
 * either spelling), the list of sizes before single sizes, geometry
 * anywhere among them. key (e.g. "unknown") is the snapshot's own: each line of it
 * goes to fn with the place of its value. ptes and folio lines belong to
 * PMD records and are refused here.
 */
typedef int (*mthp_head_key_fn)(void *ctx, const struct mthp_place *vpl,
				const char *v, size_t vlen);
int mthp_scenario_parse_head(const char *text, size_t len,
			     struct mthp_scenario *s, const char *key,
			     mthp_head_key_fn fn, void *ctx,
			     struct mthp_parse_error *err);

/* Everything mthp_simulate() and mthp_scan() check before they start. */
bool mthp_scenario_valid(const struct mthp_scenario *s);
struct mthp_scan_info;
/* mthp_simulate() on a scenario already checked (mthp_scenario_valid()). */
struct mthp_sim_result;
int mthp_simulate_checked(struct mthp_scenario *s, struct mthp_sim_result *r);
/* mthp_scan() on a scenario already checked, and orders it has. */
void mthp_scan_checked(const struct mthp_scenario *s, uint32_t enabled_orders,
		       unsigned long *bitmap, struct mthp_scan_info *info);

enum { MTHP_FOLIO_OVERLAPS = 1, MTHP_FOLIO_SHARED_DISAGREES };
/*
 * Why the present PTEs of (start, order) cannot be one folio: 0 when they
 * can; MTHP_FOLIO_OVERLAPS when PTE *bad is in another large folio;
 * MTHP_FOLIO_SHARED_DISAGREES when PTE *bad is shared and PTE *first (the
 * first present one) is not, or the other way round.
 */
int mthp_folio_conflict(const struct mthp_scenario *s, unsigned int start,
			unsigned int order, unsigned int *first,
			unsigned int *bad);

/*
 * A PTE as its two raw bytes, for loops that test many at once. The
 * masks come from the bit-fields themselves (PTE_RAW(.kind = 7) is the
 * kind's bits), so nothing depends on how the compiler lays them out.
 */
static inline uint16_t mthp_pte_raw(struct mthp_pte p)
{
	uint16_t w;

	__builtin_memcpy(&w, &p, sizeof(w));
	return w;
}
#define PTE_RAW(...) mthp_pte_raw((struct mthp_pte){ __VA_ARGS__ })

/* Bit j set when the raw word of PTE j of p[0..63] & mask is value. */
static inline uint64_t mthp_pte_match64(const struct mthp_pte *p, uint16_t mask,
					uint16_t value)
{
	uint64_t bits = 0;
#ifdef __SSE2__
	const __m128i m = _mm_set1_epi16((short)mask);
	const __m128i v = _mm_set1_epi16((short)value);

	for (int k = 0; k < 4; k++) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k + 8));

		a = _mm_cmpeq_epi16(_mm_and_si128(a, m), v);
		b = _mm_cmpeq_epi16(_mm_and_si128(b, m), v);
		bits |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_packs_epi16(a, b))
			<< (16 * k);
	}
#else
	uint16_t w[64];

	__builtin_memcpy(w, p, sizeof(w));
	for (unsigned int j = 0; j < 64; j++)
		bits |= (uint64_t)((w[j] & mask) == value) << j;
#endif
	return bits;
}

/* The raw bits of a PTE's kind, of a kind, and of flags. */
#define PTE_KIND_BITS PTE_RAW(.kind = 7)
#define PTE_KIND(k) PTE_RAW(.kind = (k))
#define PTE_FLAGS(f) PTE_RAW(.flags = (f))

/* Bit j: PTE j of p[0..63] is of kind k. */
static inline uint64_t mthp_pte_kind64(const struct mthp_pte *p, unsigned int k)
{
	return mthp_pte_match64(p, PTE_KIND_BITS, PTE_KIND(k));
}

/* Bit j: PTE j is none or maps the zero page (which counts as none). */
/*
 * Whether PTE i counts as mapping a shared page: its folio may be mapped
 * by another process (folio_maybe_mapped_shared()), or, where the model
 * judges per page (page_mapcount() > 1, Linux 6.1), the page itself is -
 * the mock's other process maps the first page of a shared folio only.
 */
static inline bool mthp_pte_counts_shared(const struct mthp_pte *p, unsigned int i,
					  bool per_page)
{
	if (!(p->flags & MTHP_PTE_SHARED))
		return false;
	return !per_page || !(i & ((1u << p->folio_order) - 1));
}

static inline uint64_t mthp_pte_none64(const struct mthp_pte *p)
{
	return mthp_pte_kind64(p, MTHP_PTE_NONE) | mthp_pte_kind64(p, MTHP_PTE_ZERO);
}

/* Bit j: PTE j is present and has every flag in f. */
static inline uint64_t mthp_pte_flags64(const struct mthp_pte *p, unsigned int f)
{
	return mthp_pte_match64(p, PTE_KIND_BITS | PTE_FLAGS(f),
				PTE_KIND(MTHP_PTE_PRESENT) | PTE_FLAGS(f));
}

/* Bit j: PTE j is present with no flag outside allowed; with order0, in
 * a folio of order 0 too. The common PTE the fast loops take. */
static inline uint64_t mthp_pte_plain64(const struct mthp_pte *p,
					unsigned int allowed, bool order0)
{
	return mthp_pte_match64(p, PTE_KIND_BITS | PTE_FLAGS(0x1ffu & ~allowed) |
				(order0 ? PTE_RAW(.folio_order = 15) : 0),
				PTE_KIND(MTHP_PTE_PRESENT));
}

/* PTEs p[0..n) all set to the raw word w. */
static inline void mthp_pte_fill(struct mthp_pte *p, unsigned int n, uint16_t w)
{
	unsigned int i = 0;
#ifdef __SSE2__
	const __m128i v = _mm_set1_epi16((short)w);

	for (; i + 8 <= n; i += 8)
		_mm_storeu_si128((__m128i *)(void *)(p + i), v);
#endif
	for (; i < n; i++)
		__builtin_memcpy(p + i, &w, sizeof(w));
}

/* In p[0..63], the PTEs whose raw word & mask is value get (w | set). */
static inline void mthp_pte_set64(struct mthp_pte *p, uint16_t mask,
				  uint16_t value, uint16_t set)
{
#ifdef __SSE2__
	const __m128i m = _mm_set1_epi16((short)mask);
	const __m128i v = _mm_set1_epi16((short)value);
	const __m128i b = _mm_set1_epi16((short)set);

	for (int k = 0; k < 8; k++) {
		__m128i *q = (__m128i *)(void *)(p + 8 * k);
		__m128i a = _mm_loadu_si128(q);
		__m128i hit = _mm_cmpeq_epi16(_mm_and_si128(a, m), v);

		_mm_storeu_si128(q, _mm_or_si128(a, _mm_and_si128(hit, b)));
	}
#else
	for (unsigned int j = 0; j < 64; j++) {
		uint16_t w;

		__builtin_memcpy(&w, p + j, sizeof(w));
		if ((w & mask) == value)
			w |= set;
		__builtin_memcpy(p + j, &w, sizeof(w));
	}
#endif
}

/*
 * How every function that fills an object and reports through a struct
 * mthp_parse_error starts: *errp becomes the caller's or dummy, zeroed,
 * and the object is zeroed. False when there is no object.
 */
static inline bool mthp_begin(void *obj, size_t size,
			      struct mthp_parse_error **errp,
			      struct mthp_parse_error *dummy)
{
	if (!*errp)
		*errp = dummy;
	__builtin_memset(*errp, 0, sizeof(**errp));
	if (!obj)
		return false;
	__builtin_memset(obj, 0, size);
	return true;
}

#endif
