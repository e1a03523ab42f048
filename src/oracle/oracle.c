// SPDX-License-Identifier: MIT
/*
 * The oracle layer: random scenarios, and what one model does with a
 * scenario, for the commands that hold models against each other and
 * for kcheck. Returns codes; never exits or prints.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle.h"

struct out {
	char *p;
	size_t left;
	bool full;     /* a line did not fit: the text is cut */
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(o->p, o->left, fmt, ap);

	va_end(ap);
	if (o->full || n < 0 || (size_t)n >= o->left) {
		o->full = true;
		return;
	}
	o->p += n;
	o->left -= (size_t)n;
}

/* A PTE state, weighted toward what real tables hold. */
static char pick_state(struct rng *r)
{
	static const struct {
		char c;
		unsigned int weight;
	} w[] = {
		{ 'P', 380 }, { 'p', 120 }, { '.', 320 }, { 'z', 20 },
		{ 'w', 60 },  { 'S', 50 },  { 's', 20 },  { 'm', 5 },
		{ 'f', 5 },   { 'L', 4 },   { 'c', 4 },   { 'r', 4 },
		{ 'u', 3 },   { 'n', 3 },   { 'W', 1 },   { 'a', 1 },
	};
	unsigned int total = 0, x;

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		total += w[i].weight;
	x = rng_below(r, total);
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		if (x < w[i].weight)
			return w[i].c;
		x -= w[i].weight;
	}
	return 'P';
}

/*
 * The state a PTE of a folio takes when the folio is shared, or exclusive,
 * as a whole: present PTEs keep their young bit; the other flags of the
 * format's single letters cannot be combined with sharing, so a shared
 * folio's present PTEs become plain S or s.
 */
static char folio_state(char c, bool shared)
{
	switch (c) {
	case '.': case 'z': case 'w': case 'W': case 'm':
		return c; /* does not map the folio */
	case 'p': case 's':
		return shared ? 's' : 'p';
	case 'P': case 'S':
		return shared ? 'S' : 'P';
	default:
		return shared ? 'S' : c;
	}
}

int gen_scenario(struct rng *r, const struct mthp_geometry *g, char *buf,
		 size_t len)
{
	static const int fails[] = {
		MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL, MTHP_SCAN_CGROUP_CHARGE_FAIL,
		MTHP_SCAN_PAGE_LRU, MTHP_SCAN_PAGE_LAZYFREE,
		MTHP_SCAN_EXCEED_NONE_PTE, MTHP_SCAN_PAGE_LOCK,
		MTHP_SCAN_DEL_PAGE_LRU, MTHP_SCAN_PAGE_COUNT,
	};
	struct out o = { buf, len, false };
	unsigned int nr = g->pmd_nr, x;

	put(&o, "geometry = %s\n", g->name);
	x = rng_below(r, 10);
	put(&o, "max_ptes_none = %u\n",
	    x < 4 ? 0 : x < 8 ? nr - 1 : 1 + rng_below(r, nr - 2));
	if (rng_below(r, 4) == 0)
		put(&o, "max_ptes_swap = %u\n", rng_below(r, nr / 4));
	if (rng_below(r, 4) == 0)
		put(&o, "max_ptes_shared = %u\n", rng_below(r, nr / 2));
	if (rng_below(r, 10) == 0)
		put(&o, "mode = madvise\n");
	if (rng_below(r, 10) == 0)
		put(&o, "vma = uffd\n");
	for (unsigned int k = MTHP_MIN_ORDER; k <= g->pmd_order; k++) {
		x = rng_below(r, 3);
		if (k == g->pmd_order)
			put(&o, "order.%u = %s\n", k, x ? "inherit" : "never");
		else if (x)
			put(&o, "order.%u = always\n", k);
	}
	/* runs of one state; lengths to a sixteenth of the table */
	char *st = malloc(nr);

	if (!st)
		return -ENOMEM;
	for (unsigned int pos = 0; pos < nr;) {
		unsigned int n = 1 + rng_below(r, nr / 16 + 1);
		char c = pick_state(r);

		if (n > nr - pos)
			n = nr - pos;
		memset(st + pos, c, n);
		pos += n;
	}
	/* existing large folios, naturally aligned, not overlapping */
	unsigned int fstart[3], forder[3], nfolios = 0;

	x = rng_below(r, 3);
	for (unsigned int i = 0, last_end = 0; i < x; i++) {
		unsigned int order = MTHP_MIN_ORDER + rng_below(r, g->pmd_order - MTHP_MIN_ORDER);
		unsigned int size = 1u << order;
		unsigned int start = (last_end + size - 1) / size * size +
				     size * rng_below(r, 4);

		if (start + size > nr)
			break;
		/* sharing belongs to the folio: one in four is shared as a
		 * whole, the rest exclusive as a whole */
		bool shared = rng_below(r, 4) == 0;

		for (unsigned int k = start; k < start + size; k++)
			st[k] = folio_state(st[k], shared);
		fstart[nfolios] = start;
		forder[nfolios++] = order;
		last_end = start + size;
	}
	put(&o, "ptes =");
	for (unsigned int pos = 0; pos < nr;) {
		unsigned int n = 1;

		while (pos + n < nr && st[pos + n] == st[pos])
			n++;
		put(&o, " %c*%u", st[pos], n);
		pos += n;
	}
	put(&o, "\n");
	free(st);
	for (unsigned int i = 0; i < nfolios; i++)
		put(&o, "folio = %u %u\n", fstart[i], forder[i]);
	x = rng_below(r, 4);
	unsigned int used[4][2];

	for (unsigned int i = 0; i < x; i++) {
		unsigned int order = MTHP_MIN_ORDER +
				     rng_below(r, g->pmd_order - MTHP_MIN_ORDER + 1);
		unsigned int off = rng_below(r, nr >> order) << order;
		const char *res = mthp_scan_result_name(
			fails[rng_below(r, sizeof(fails) / sizeof(fails[0]))]);
		bool again = false;

		/* one rule per range */
		for (unsigned int k = 0; k < i; k++)
			again |= used[k][0] == off && used[k][1] == order;
		used[i][0] = again ? ~0u : off;
		used[i][1] = order;
		if (!again)
			put(&o, "fail = %u:%u %s\n", off, order, res);
	}
	return o.full ? -ENOSPC : 0;
}

void outcome_free(struct outcome *o)
{
	free(o->attempts);
	free(o->collapses);
}

int run_model(const struct mthp_scenario *s, enum mthp_model m,
	      struct mthp_sim_result *r, struct outcome *out)
{
	struct mthp_scenario copy;
	int e = mthp_scenario_copy(&copy, s);

	*out = (struct outcome){ 0 };
	if (e)
		return e;
	copy.model = m;
	e = mthp_simulate(&copy, r);
	if (e) {
		mthp_scenario_free(&copy);
		return e;
	}
	out->nattempts = r->nattempts;
	out->ncollapses = r->ncollapses;
	out->attempts = malloc((r->nattempts + 1) * sizeof(*out->attempts));
	out->collapses = malloc((r->ncollapses + 1) * sizeof(*out->collapses));
	if (!out->attempts || !out->collapses) {
		outcome_free(out);
		mthp_scenario_free(&copy);
		return -ENOMEM;
	}
	memcpy(out->attempts, r->attempts, r->nattempts * sizeof(*r->attempts));
	memcpy(out->collapses, r->collapses, r->ncollapses * sizeof(*r->collapses));
	out->result = r->result;
	out->present_after = mthp_scenario_present(&copy);
	mthp_scenario_free(&copy);
	return 0;
}


void pte_set_young_present(struct mthp_pte *p)
{
	*p = (struct mthp_pte){ .kind = MTHP_PTE_PRESENT, .flags = MTHP_PTE_YOUNG };
}
