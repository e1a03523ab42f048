/* SPDX-License-Identifier: MIT */
/* The engine layer's own helpers, shared by every layer of the library;
 * never installed. */
#ifndef MTHP_INTERNAL_H
#define MTHP_INTERNAL_H

#include "mthpcollapse/mthpcollapse.h"

/* The library is built with hidden visibility; this marks the API. */
#define MTHP_EXPORT __attribute__((visibility("default")))

/*
 * What a layer below an entry point takes as given: the entry point has
 * checked it. Asserted in debug builds (-Dbuildtype=debug, which defines
 * MTHP_DEBUG), nothing in the others: the check is done once.
 */
#if defined(MTHP_DEBUG) && !defined(NDEBUG)
#include <assert.h>
#define MTHP_ASSUME(cond) assert(cond)
#else
#define MTHP_ASSUME(cond) ((void)0)
#endif

#define MTHP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The one helper behind every *_name() / *_from_name() pair: a table of
 * names indexed by value. NAME_OF gives NULL for a value outside the
 * table; NAME_FIND the value of name, or -1.
 */
const char *mthp_name_of(const char *const *names, size_t n, long v);
long mthp_name_find(const char *const *names, size_t n, const char *name);
#define MTHP_NAME_OF(table, v) mthp_name_of(table, MTHP_ARRAY_SIZE(table), (long)(v))
#define MTHP_NAME_FIND(table, s) mthp_name_find(table, MTHP_ARRAY_SIZE(table), s)

/*
 * The engine's entry points for callers inside the library that have
 * checked their input already (the simulator checks a whole scenario
 * once): mthp_collapse() with opts of the library's own size and valid
 * fields, a valid geometry; mthp_enabled_orders() with a valid geometry,
 * model and mode.
 */
struct mthp_collapse_opts;
struct mthp_collapse_result;
int mthp_collapse_checked(const struct mthp_geometry *g,
			  const unsigned long *bitmap,
			  const struct mthp_collapse_opts *opts,
			  struct mthp_collapse_result *res);
uint32_t mthp_enabled_orders_checked(const struct mthp_geometry *g,
				     enum mthp_model m, enum mthp_mode mode,
				     const struct mthp_thp_settings *s,
				     unsigned int vma_flags);

/* Says why a call is refused, through the hook mthp_set_log() set (if
 * any); returns -EINVAL, for "return mthp_refuse(...);". */
int mthp_refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A refusal already in words, said to the log hook (if any). */
void mthp_say_refusal(const char *msg);

/* mthp_ilog2(), inlined where it runs on every mthp_collapse() call. */
/*
 * A caller's struct of sz bytes against the library's known size: true
 * when sz is at least min (the first layout with sz) and every byte past
 * known is zero (libbpf's rule for structs from a newer header).
 */
static inline bool mthp_sz_ok(const void *p, size_t sz, size_t min,
			      size_t known)
{
	if (sz < min)
		return false;
	for (size_t i = known; i < sz; i++)
		if (((const unsigned char *)p)[i])
			return false;
	return true;
}

static inline unsigned int mthp_log2_floor(unsigned long v)
{
	return v ? (unsigned int)(sizeof(v) * 8 - 1 - (unsigned int)__builtin_clzl(v)) : 0;
}

/* mthp_orders_all() of a geometry already known valid: orders 2..pmd. */
static inline uint32_t mthp_orders_upto(unsigned int pmd_order)
{
	return ((2u << pmd_order) - 1) & ~((1u << MTHP_MIN_ORDER) - 1);
}

/* Set bits, without a call into the compiler's runtime. */
static inline unsigned int mthp_popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned int)((x * 0x0101010101010101ull) >> 56);
}

#endif
