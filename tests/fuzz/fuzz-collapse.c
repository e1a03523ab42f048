// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: mthp_collapse() with a fuzzed geometry, bitmap,
 * options (any sz, model, mode, orders, limits) and callback results,
 * including values that are not results and a callback that re-enters the
 * engine. Checks, beyond "no sanitizer report":
 *   - -EINVAL exactly when the arguments are invalid, and nothing attempted;
 *   - -EPROTO exactly when the callback returned a non-result;
 *   - collapses are disjoint, aligned, inside the table, of enabled orders,
 *     and were over their threshold when attempted;
 *   - bits past HPAGE_PMD_NR change no decision.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mthpcollapse/mthpcollapse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t n, i;
};

static unsigned int take(struct in *in, unsigned int bytes)
{
	unsigned int v = 0;

	for (unsigned int k = 0; k < bytes; k++)
		v = v << 8 | (in->i < in->n ? in->p[in->i++] : 0);
	return v;
}

struct cb {
	struct in results;  /* what the callback answers, byte by byte */
	unsigned int calls;
	bool non_result;     /* it answered something that is not a result */
	int bad;             /* the first such answer (the search stops there) */
	int depth;
	uint64_t trail;      /* the ranges asked about, in order, hashed */
	const struct mthp_geometry *g;
	const unsigned long *map;
	const struct mthp_collapse_opts *o;
};

static int callback(const struct mthp_range *r, void *data)
{
	struct cb *c = data;
	unsigned int b = take(&c->results, 1);
	int res;

	c->calls++;
	c->trail = c->trail * 1000003u + r->offset * 32u + r->order;
	/* now and then, the callback runs the engine itself */
	if (b == 0xfe && c->depth < 3) {
		struct mthp_collapse_opts io = *c->o;
		MTHP_RESULT(inner);

		io.sz = sizeof(io);
		io.steps = NULL; /* the outer run's record is not ours */
		io.steps_cap = 0;
		c->depth++;
		mthp_collapse(c->g, c->map, c->g->max_ptrs, &io, &inner);
		c->depth--;
	}
	if (b < 0xf0) /* mostly results, success the most common */
		res = b % 3 == 0 ? MTHP_SCAN_SUCCEED : (int)(b % MTHP_SCAN_RESULT_COUNT);
	else
		res = b == 0xff ? -1 : (int)MTHP_SCAN_RESULT_COUNT + (int)(b & 7);
	if ((res < 0 || res >= MTHP_SCAN_RESULT_COUNT) && !c->depth && !c->non_result) {
		c->non_result = true;
		c->bad = res;
	}
	return res;
}

static struct mthp_step steps_a[1 << 16], steps_b[1 << 16];
static unsigned long map_a[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];
static unsigned long map_b[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size, 0 };
	struct mthp_geometry g;
	unsigned int gsel = take(&in, 1);

	memset(&g, 0, sizeof(g));
	if (gsel < 0xc0) {
		mthp_geometry_lookup(mthp_geometry_name(gsel % mthp_geometry_count()),
				     &g, NULL, 0);
	} else {
		/* a hand-made geometry, valid or not */
		g.page_shift = take(&in, 1);
		g.pmd_nr = take(&in, 3);
		g.max_ptrs = take(&in, 3);
		g.pmd_order = take(&in, 1);
		/* sz set as the library sets it, or left wrong */
		unsigned int szg = take(&in, 1);

		g.sz = szg & 1 ? sizeof(g) : szg % sizeof(g); /* never a lie */
	}
	bool gvalid = mthp_geometry_valid(&g);
	unsigned int szsel = take(&in, 1);
	struct {
		struct mthp_collapse_opts o;
		unsigned char tail[16];
	} big;

	memset(&big, 0, sizeof(big));
	big.o.model = (enum mthp_model)(take(&in, 1) % (MTHP_MODEL_COUNT + 2));
	big.o.mode = (enum mthp_mode)(take(&in, 1) % 3);
	big.o.orders = take(&in, 4);
	big.o.max_ptes_none = take(&in, 2);
	big.o.unmapped = take(&in, 2);
	big.o.uffd = take(&in, 1) & 1;
	big.o.collapse = callback;
	big.o.steps = steps_a;
	big.o.steps_cap = sizeof(steps_a) / sizeof(steps_a[0]);
	/* the size the caller says its struct has */
	size_t sz = sizeof(big.o);
	bool sz_ok = true;

	if (szsel % 5 == 1) {
		sz = sizeof(big);       /* newer caller, zero tail */
	} else if (szsel % 5 == 2) {
		sz = sizeof(big);       /* newer caller, non-zero tail */
		big.tail[szsel % 16] = 1;
		sz_ok = false;
	} else if (szsel % 5 == 3) {
		sz = offsetof(struct mthp_collapse_opts, steps); /* older */
	} else if (szsel % 5 == 4) {
		sz = szsel % 8;         /* too small to hold the callback */
		sz_ok = false;
	}
	big.o.sz = sz;
	bool older = szsel % 5 == 3;

	unsigned int nr = gvalid ? g.pmd_nr : 0, max = gvalid ? g.max_ptrs : 0;

	memset(map_a, 0, sizeof(map_a));
	for (unsigned int b = 0; b < nr; b += 8) {
		unsigned int byte = take(&in, 1);

		for (unsigned int k = 0; k < 8 && b + k < nr; k++)
			if (byte & (1u << k))
				mthp_set_bit(b + k, map_a);
	}
	memcpy(map_b, map_a, sizeof(map_a));
	if (max > nr)
		mthp_bitmap_set(map_b, nr, max - nr); /* poison */

	/* the bitmap's length as the caller states it: usually the kernel's
	 * MAX_PTRS_PER_PTE, sometimes exactly a table, sometimes too short */
	unsigned int nsel = take(&in, 1), nbits = g.max_ptrs;

	if (nsel % 4 == 1)
		nbits = nr;
	else if (nsel % 4 == 2 && nr)
		nbits = nsel % nr;
	bool valid = gvalid && sz_ok && nbits >= nr && big.o.model < MTHP_MODEL_COUNT &&
		     big.o.mode <= MTHP_MODE_MADVISE &&
		     big.o.max_ptes_none < nr && big.o.unmapped <= nr &&
		     !(big.o.orders & ~mthp_orders_all(&g));
	struct cb c = { .results = { in.p + in.i, in.n - in.i, 0 }, .g = &g,
			.map = map_a, .o = &big.o };
	MTHP_RESULT(ra);

	big.o.data = &c;
	int ret = mthp_collapse(&g, map_a, nbits, &big.o, &ra);

	if (!valid) {
		if (ret != -EINVAL || c.calls)
			abort();
		return 0;
	}
	/* a non-result stops the search: the callback's own -errno comes
	 * back as it is, anything else as -EPROTO */
	if (ret != (!c.non_result ? 0 : c.bad < 0 && c.bad > -4096 ? c.bad : -EPROTO))
		abort();
	if (older)
		return 0; /* no step record: nothing more to check */
	/* the collapses, from the step record */
	size_t n = ra.nsteps < big.o.steps_cap ? ra.nsteps : big.o.steps_cap;
	static unsigned long seen[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];
	unsigned int collapsed = 0;

	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < n; i++) {
		const struct mthp_step *s = &steps_a[i];

		if (s->kind != MTHP_STEP_ATTEMPTED)
			continue;
		if (s->occupied < s->threshold ||
		    !(big.o.orders & (1u << s->order)))
			abort();
		if (s->result != MTHP_SCAN_SUCCEED)
			continue;
		unsigned int len = 1u << s->order;

		if (s->offset & (len - 1) || s->offset + len > nr ||
		    mthp_bitmap_weight_range(seen, s->offset, len))
			abort();
		mthp_bitmap_set(seen, s->offset, len);
		collapsed += len;
	}
	if (ret == 0 && collapsed != ra.collapsed)
		abort();
	/* without a record the engine may jump over ranges it cannot
	 * attempt: it must ask about the same ranges in the same order (the
	 * answers then come the same) and report the same */
	struct cb c3 = { .results = { c.results.p, c.results.n, 0 }, .g = &g,
			 .map = map_a, .o = &big.o };
	MTHP_RESULT(ru);

	big.o.data = &c3;
	big.o.steps = NULL;
	big.o.steps_cap = 0;
	if (mthp_collapse(&g, map_a, nbits, &big.o, &ru) != ret || c3.calls != c.calls ||
	    c3.trail != c.trail || ru.result != ra.result ||
	    ru.collapsed != ra.collapsed || ru.attempts != ra.attempts ||
	    ru.nsteps != ra.nsteps || ru.invalid_none != ra.invalid_none)
		abort();
	big.o.steps_cap = sizeof(steps_b) / sizeof(steps_b[0]);
	/* the same run on the poisoned bitmap decides the same */
	if (max > nr && ret == 0 && c.depth == 0) {
		struct cb c2 = { .results = { c.results.p, c.results.n, 0 },
				 .g = &g, .map = map_b, .o = &big.o };
		MTHP_RESULT(rb);

		big.o.data = &c2;
		big.o.steps = steps_b;
		if (mthp_collapse(&g, map_b, nbits, &big.o, &rb) != ret ||
		    rb.nsteps != ra.nsteps || rb.result != ra.result)
			abort();
		for (size_t i = 0; i < n; i++)
			if (steps_a[i].offset != steps_b[i].offset ||
			    steps_a[i].order != steps_b[i].order ||
			    steps_a[i].kind != steps_b[i].kind)
				abort();
	}
	return 0;
}
