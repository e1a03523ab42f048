/* SPDX-License-Identifier: MIT */
/* Shared by the library's own files; never installed. */
#ifndef MTHP_INTERNAL_H
#define MTHP_INTERNAL_H

#include "mthpcollapse/mthpcollapse.h"

/* The library is built with hidden visibility; this marks the API. */
#define MTHP_EXPORT __attribute__((visibility("default")))

#define MTHP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct mthp_pte;
/* The PTE a scenario state character stands for; 0 or -EINVAL. */
int mthp_pte_from_char(char c, struct mthp_pte *pte);

struct mthp_scenario;
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
