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

/* Sets bits from a run-length string: "X*3 .*5 X" ('X' set, '.' clear). */
static inline unsigned int map_from(unsigned long *map, unsigned int nbits,
				    const char *s)
{
	unsigned int pos = 0;

	mthp_bitmap_zero(map, nbits);
	while (*s) {
		char c = *s++;
		unsigned int n = 1;

		if (c == ' ')
			continue;
		if (*s == '*') {
			n = (unsigned int)strtoul(s + 1, (char **)&s, 10);
		}
		if (c == 'X')
			mthp_bitmap_set(map, pos, n);
		pos += n;
	}
	return pos;
}

#endif
