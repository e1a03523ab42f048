// SPDX-License-Identifier: MIT
/*
 * kcompat.h: searches written in the kernel's style, using only the
 * kernel's spellings, must make the same attempts as the library's engine.
 * They are the benchmarks' comparators (bench/kernel-algorithms.h, this
 * project's own code from docs/MODELS.md sections 6.1, 6.2 and 6.5): what
 * the engine is timed against is checked here, attempt by attempt.
 */
#include "testlib.h"
#include "common/rng.h"

#include "mthpcollapse/kcompat.h"

static struct mthp_geometry kgeo;
#define HPAGE_PMD_NR (kgeo.pmd_nr)
#define HPAGE_PMD_ORDER (kgeo.pmd_order)
#define MAX_PTRS_PER_PTE 8192 /* the largest named profile */
#define MTHP_STACK_SIZE (1u << (13 - 2))

#include "../bench/kernel-algorithms.h"

struct collapse_control {
	DECLARE_BITMAP(mthp_bitmap, MAX_PTRS_PER_PTE);
	DECLARE_BITMAP(mthp_bitmap_mask, MAX_PTRS_PER_PTE);
	struct kalg_stack_entry mthp_bitmap_stack[MTHP_STACK_SIZE];
};

/* Records every attempt made through it; results come from a table. */
struct attempt_log {
	unsigned int n;
	struct mthp_range r[4096];
	uint32_t salt;
};

static int scripted_result(const struct mthp_range *r, uint32_t salt)
{
	uint32_t h = (r->offset * 2654435761u) ^ (r->order * 40503u) ^ salt;

	switch ((h >> 7) % 8) {
	case 0:
		return SCAN_ALLOC_HUGE_PAGE_FAIL; /* try lower everywhere */
	case 1:
		return SCAN_EXCEED_NONE_PTE;
	case 2:
		return SCAN_PTE_MAPPED_HUGEPAGE;
	case 3:
		return (h & 1) ? SCAN_PMD_MAPPED : SCAN_SUCCEED; /* stop */
	default:
		return SCAN_SUCCEED;
	}
}

static int logged_collapse(const struct mthp_range *r, void *data)
{
	struct attempt_log *log = data;

	log->r[log->n++] = *r;
	return scripted_result(r, log->salt);
}

static struct collapse_control cc;
static struct attempt_log klog, llog;

static void random_bitmap(struct rng *r)
{
	bitmap_zero(cc.mthp_bitmap, MAX_PTRS_PER_PTE);
	/* runs of occupied and empty PTEs, as a real table tends to have */
	unsigned int pos = 0;

	while (pos < HPAGE_PMD_NR) {
		unsigned int len = 1 + rng_below(r, 40);

		if (len > HPAGE_PMD_NR - pos)
			len = HPAGE_PMD_NR - pos;
		if (rng_below(r, 2))
			bitmap_set(cc.mthp_bitmap, pos, len);
		pos += len;
	}
}

static void compare(enum mthp_model model, bool walk)
{
	const char *geos[] = { "x86_64", "ppc64-radix-64k", "s390x",
			       "arm64-16k" };
	struct rng rng = { 7 };

	for (size_t gi = 0; gi < 4; gi++) {
		kgeo = geo(geos[gi]);
		for (int iter = 0; iter < 300; iter++) {
			random_bitmap(&rng);
			uint32_t seed = (uint32_t)rng_next(&rng);
			unsigned long orders =
				(seed & orders_range(2, HPAGE_PMD_ORDER)) |
				BIT(HPAGE_PMD_ORDER);
			/* the two values every revision keeps */
			unsigned int none = iter % 2 ? HPAGE_PMD_NR - 1 : 0;
			struct mthp_collapse_opts o = {
				.sz = sizeof(o),
				.model = model,
				.orders = (uint32_t)orders,
				.max_ptes_none = none,
				.collapse = logged_collapse,
				.data = &llog,
			};
			MTHP_RESULT(res);

			klog.n = llog.n = 0;
			klog.salt = llog.salt = seed;
			unsigned int kc = walk
				? kalg_walk(cc.mthp_bitmap, orders, none, KALG_LIST_B,
					    logged_collapse, &klog)
				: kalg_stack(cc.mthp_bitmap, cc.mthp_bitmap_mask,
					     cc.mthp_bitmap_stack, orders, none,
					     KALG_LIST_A, logged_collapse, &klog);
			assert_int_equal(mthp_collapse(&kgeo, cc.mthp_bitmap,
						       kgeo.max_ptrs, &o, &res),
					 0);
			assert_int_equal(klog.n, llog.n);
			for (unsigned int i = 0; i < klog.n; i++) {
				assert_int_equal(klog.r[i].offset,
						 llog.r[i].offset);
				assert_int_equal(klog.r[i].order,
						 llog.r[i].order);
			}
			assert_int_equal(kc, res.collapsed);
		}
	}
}

static void stack_style_matches_v15(void **state)
{
	compare(MTHP_MODEL_V15, false);
}

static void walk_style_matches_v19(void **state)
{
	compare(MTHP_MODEL_V19, true);
}

static void macros(void **state)
{
	assert_int_equal(BIT(3), 8);
	assert_int_equal(GENMASK(5, 2), 0x3c);
	assert_int_equal(GENMASK(BITS_PER_LONG - 1, 0), ~0UL);
	assert_int_equal(ilog2(4096), 12);
	assert_int_equal(__ffs(0x50UL), 4);
	assert_int_equal(SCAN_SUCCEED, MTHP_SCAN_SUCCEED);
	assert_int_equal(SCAN_PAGE_LAZYFREE, MTHP_SCAN_PAGE_LAZYFREE);
	assert_int_equal(BITS_TO_LONGS(65), MTHP_BITS_TO_LONGS(65));
	DECLARE_BITMAP(b, 70);
	bitmap_zero(b, 70);
	__set_bit(66, b);
	assert_true(test_bit(66, b));
	assert_int_equal(find_next_bit(b, 70, 0), 66);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(macros),
		cmocka_unit_test(stack_style_matches_v15),
		cmocka_unit_test(walk_style_matches_v19),
	};

	return cmocka_run_group_tests_name("kcompat", tests, NULL, NULL);
}
