/* SPDX-License-Identifier: MIT */
/* Helpers shared by the CMocka tests. */
#ifndef MTHP_TESTLIB_H
#define MTHP_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mthpcollapse/mthpcollapse.h"
#include "models.h"
#include "mthpcollapse/sim.h"

/*
 * Runs the body for every model whose row in the model table satisfies
 * cond (an expression in d, the row): tests ask the table which models
 * behave a certain way, never the enum's order.
 */
#define FOR_EACH_MODEL(m, d, cond)                                          \
	for (int m = 0; m < MTHP_MODEL_COUNT; m++)                          \
		for (const struct mthp_model_desc *d =                      \
			     mthp_model_desc((enum mthp_model)m);           \
		     d; d = NULL)                                           \
			if (cond)

static inline struct mthp_geometry geo(const char *name)
{
	struct mthp_geometry g;
	char err[128];

	if (mthp_geometry_lookup(name, &g, err, sizeof(err)))
		fail_msg("geometry %s: %s", name, err);
	return g;
}

/* Orders lo..hi enabled. */
static inline uint32_t orders_range(unsigned int lo, unsigned int hi)
{
	return ((2u << hi) - 1) & ~((1u << lo) - 1);
}

/*
 * Sets the occupied bits of a PTE map ("P*3 .*5 P", the scenario alphabet;
 * X reads as P) through the library's map codec; returns the PTE count.
 * The map must cover exactly a table of nbits PTEs.
 */
static inline unsigned int map_from(unsigned long *map, unsigned int nbits,
				    const char *s)
{
	static struct mthp_pte ptes[MTHP_MAX_PTRS];
	struct mthp_geometry g;
	struct mthp_parse_error e;
	char name[64];

	snprintf(name, sizeof(name), "custom:12:%u:%u", nbits, nbits);
	if (mthp_geometry_lookup(name, &g, NULL, 0))
		fail_msg("map_from: no geometry of %u PTEs", nbits);
	if (mthp_map_parse(s, strlen(s), &g, ptes, MTHP_MAX_PTRS, &e))
		fail_msg("map_from: col %u: %s", e.col, e.msg);
	mthp_bitmap_zero(map, nbits);
	for (unsigned int i = 0; i < nbits; i++)
		if (ptes[i].kind == MTHP_PTE_PRESENT)
			mthp_set_bit(i, map);
	return nbits;
}

#endif
