// SPDX-License-Identifier: MIT
/*
 * A complete harness for libmthpcollapse: its own page-table backend (a
 * table of occupied PTEs, and the folios collapses make), driving the
 * engine's decisions through mthp_collapse()'s callback.
 *
 * Build against the installed library:
 *   cc harness.c $(pkg-config --cflags --libs mthpcollapse) \
 *      -Wl,-rpath,$(pkg-config --variable=libdir mthpcollapse)
 * Run: ./harness [GEOMETRY [MODEL]]   (default x86_64 latest)
 *
 * The table: every PTE occupied but one, at a third of the range; every
 * size enabled; max_ptes_none 0, so only full ranges qualify. The backend
 * refuses nothing; it records each collapse, and a second visit finds
 * nothing left to do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mthpcollapse/mthpcollapse.h>

/* The backend: what each PTE holds, and the folio order it is in. */
struct backend {
	const struct mthp_geometry *g;
	unsigned char *order; /* 0: a small page; k: in a folio of order k */
	unsigned int attempts, collapsed;
};

/* The callback: attempt a collapse of one range, as collapse_huge_page()
 * would, and answer with a SCAN_* result. */
static int try_collapse(const struct mthp_range *r, void *data)
{
	struct backend *b = data;
	unsigned int n = 1u << r->order;

	b->attempts++;
	/* already one folio at least that big: nothing to gain */
	if (b->order[r->offset] >= r->order)
		return MTHP_SCAN_PTE_MAPPED_HUGEPAGE;
	memset(b->order + r->offset, r->order, n);
	b->collapsed += n;
	printf("  collapse %u PTEs at %u (order %u)\n", n, r->offset, r->order);
	return MTHP_SCAN_SUCCEED;
}

/* One khugepaged visit: the bitmap from the backend, then the engine. */
static int visit(struct backend *b, const unsigned long *occupied,
		 enum mthp_model model)
{
	MTHP_OPTS(o, .model = model, .mode = MTHP_MODE_KHUGEPAGED,
		  .orders = mthp_orders_all(b->g), .max_ptes_none = 0,
		  .collapse = try_collapse, .data = b);
	MTHP_RESULT(res);
	int e = mthp_collapse(b->g, occupied, b->g->max_ptrs, &o, &res);

	if (e) {
		fprintf(stderr, "mthp_collapse: %s\n", strerror(-e));
		return -1;
	}
	printf("  %s after %u attempts; %u PTEs collapsed in all\n",
	       mthp_scan_result_name(res.result), res.attempts, b->collapsed);
	return 0;
}

int main(int argc, char **argv)
{
	const char *gname = argc > 1 ? argv[1] : "x86_64";
	enum mthp_model model = MTHP_MODEL_DEFAULT;
	struct mthp_geometry g;
	char why[160];

	if (mthp_geometry_lookup(gname, &g, why, sizeof(why))) {
		fprintf(stderr, "harness: %s\n", why);
		return 2;
	}
	if (argc > 2 && mthp_model_from_name(argv[2], &model)) {
		fprintf(stderr, "harness: no model '%s'\n", argv[2]);
		return 2;
	}
	unsigned long *map = calloc(mthp_bitmap_longs(g.max_ptrs), sizeof(long));
	struct backend b = { .g = &g, .order = calloc(g.pmd_nr, 1) };

	if (!map || !b.order)
		return 1;
	/* every PTE occupied but one */
	unsigned int hole = g.pmd_nr / 3;

	mthp_bitmap_set(map, 0, g.pmd_nr);
	mthp_clear_bit(hole, map);
	printf("libmthpcollapse %s, %s, model %s: %u PTEs, PTE %u empty\n",
	       mthp_version(), g.name, mthp_model_name(model), g.pmd_nr, hole);
	printf("visit 1:\n");
	if (visit(&b, map, model))
		return 1;
	printf("visit 2:\n");
	if (visit(&b, map, model))
		return 1;
	free(map);
	free(b.order);
	return 0;
}
