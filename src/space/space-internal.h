/* SPDX-License-Identifier: MIT */
/* The address-space layer's own helpers (src/space); never installed. */
#ifndef MTHP_SPACE_INTERNAL_H
#define MTHP_SPACE_INTERNAL_H

#include "sim-internal.h"
#include "mthpcollapse/space.h"

/* Building an address space (space.c). The VMA's first PMD record is
 * first; add_pmd appends to the last VMA, with all-none PTEs for a table. */
struct mthp_space;
struct mthp_space_pmd;
int mthp_space_add_vma(struct mthp_space *sp, unsigned long start,
		       unsigned long end, unsigned int flags, bool disabled,
		       size_t first);
struct mthp_space_pmd *mthp_space_add_pmd(struct mthp_space *sp,
					  unsigned long addr,
					  enum mthp_pmd_state st);
/* The record's PTEs are not needed after all (it is mapped by a PMD). */
void mthp_space_drop_ptes(struct mthp_space *sp, struct mthp_space_pmd *p);
/* Takes back the record added last. */
void mthp_space_drop_last_pmd(struct mthp_space *sp);
/* Whether a caller's space holds together: arrays where there are
 * counts, each VMA's records inside pmds, a table record's PTEs. */
bool mthp_space_consistent(const struct mthp_space *sp);

#endif
