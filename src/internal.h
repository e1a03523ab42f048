/* SPDX-License-Identifier: MIT */
/* Shared by the library's own files; never installed. */
#ifndef MTHP_INTERNAL_H
#define MTHP_INTERNAL_H

#include "mthpcollapse/mthpcollapse.h"

/* The library is built with hidden visibility; this marks the API. */
#define MTHP_EXPORT __attribute__((visibility("default")))

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
 * VMA flag words ("hugepage uffd", "none") into *flags; a snapshot's VMA
 * may also say thp_disabled (set in *thp_disabled; NULL: not accepted).
 * hugepage and nohugepage together are an error.
 */
int mthp_place_vma(const struct mthp_place *pl, const char *v, size_t vlen,
		   unsigned int *flags, bool *thp_disabled);

/* Everything mthp_simulate() and mthp_scan() check before they start. */
bool mthp_scenario_valid(const struct mthp_scenario *s);
struct mthp_scan_info;
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

#endif
