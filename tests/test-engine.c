// SPDX-License-Identifier: MIT
/*
 * The decision engine against sequences worked by hand from docs/MODELS.md
 * section 6.
 * The callback is a CMocka mock: each test queues the exact (offset, order)
 * attempts it expects, with the result each one returns; an unexpected call
 * or a missing one fails the test.
 */
#include "testlib.h"
#include "common/rng.h"

#include <errno.h>

static int mock_collapse(const struct mthp_range *r, void *data)
{
	unsigned int offset = r->offset, order = r->order;

	(void)data;
	check_expected(offset);
	check_expected(order);
	return (int)mock();
}

#define EXPECT(off, ord, res)                               \
	do {                                                \
		expect_value(mock_collapse, offset, (off)); \
		expect_value(mock_collapse, order, (ord));  \
		will_return(mock_collapse, (res));          \
	} while (0)

static struct mthp_step steps[1 << 14];

struct run {
	struct mthp_geometry g;
	struct mthp_collapse_opts o;
	struct mthp_collapse_result res;
	MTHP_DECLARE_BITMAP(map, MTHP_MAX_PTRS);
};

static void setup_run(struct run *r, const char *geometry,
		      enum mthp_model model, uint32_t orders,
		      unsigned int max_ptes_none)
{
	memset(r, 0, sizeof(*r));
	r->g = geo(geometry);
	r->o.sz = sizeof(r->o);
	r->o.model = model;
	r->o.mode = MTHP_MODE_KHUGEPAGED;
	r->o.orders = orders;
	r->o.max_ptes_none = max_ptes_none;
	r->o.collapse = mock_collapse;
	r->o.steps = steps;
	r->o.steps_cap = sizeof(steps) / sizeof(steps[0]);
	r->res.sz = sizeof(r->res);
	mthp_bitmap_zero(r->map, r->g.max_ptrs);
}

static void map(struct run *r, const char *s)
{
	assert_int_equal(map_from(r->map, r->g.pmd_nr, s), r->g.pmd_nr);
}

/*
 * Every run is made twice: with the step record (the engine examines each
 * range) and without it (it may jump over ranges it cannot attempt). The
 * second run replays the first one's results and must make the same
 * attempts and report the same counters.
 */
struct replay {
	unsigned int n, i;
	bool mismatch;
	mthp_collapse_fn inner; /* the test's own callback */
	void *inner_data;
	struct mthp_range r[1 << 14];
	int result[1 << 14];
};

static int recording(const struct mthp_range *r, void *data)
{
	struct replay *p = data;
	int v = p->inner(r, p->inner_data);

	assert_true(p->n < sizeof(p->r) / sizeof(p->r[0]));
	p->r[p->n] = *r;
	p->result[p->n++] = v;
	return v;
}

static int replaying(const struct mthp_range *r, void *data)
{
	struct replay *p = data;

	if (p->i >= p->n || p->r[p->i].offset != r->offset ||
	    p->r[p->i].order != r->order) {
		p->mismatch = true;
		return MTHP_SCAN_FAIL;
	}
	return p->result[p->i++];
}

static struct replay replay;

static int go(struct run *r)
{
	struct mthp_collapse_opts o = r->o;
	MTHP_RESULT(untraced);

	replay.n = replay.i = 0;
	replay.mismatch = false;
	replay.inner = r->o.collapse;
	replay.inner_data = r->o.data;
	if (r->o.collapse) { /* NULL stays NULL: it is refused */
		r->o.collapse = recording;
		r->o.data = &replay;
	}
	int e = mthp_collapse(&r->g, r->map, r->g.max_ptrs, &r->o, &r->res);

	o.steps = NULL;
	o.steps_cap = 0;
	if (o.collapse) {
		o.collapse = replaying;
		o.data = &replay;
	}
	assert_int_equal(mthp_collapse(&r->g, r->map, r->g.max_ptrs, &o, &untraced), e);
	assert_false(replay.mismatch);
	assert_int_equal(replay.i, replay.n);
	assert_int_equal(untraced.result, r->res.result);
	assert_int_equal(untraced.collapsed, r->res.collapsed);
	assert_int_equal(untraced.attempts, r->res.attempts);
	assert_int_equal(untraced.nsteps, r->res.nsteps);
	assert_int_equal(untraced.invalid_none, r->res.invalid_none);
	assert_int_equal(untraced.max_stack_depth, r->res.max_stack_depth);
	assert_int_equal(untraced.stack_capacity, r->res.stack_capacity);
	r->o.collapse = replay.inner;
	r->o.data = replay.inner_data;
	return e;
}

#define ALL9 orders_range(2, 9)

/* A single touched page, max_ptes_none=511: the PMD qualifies (1 >= 1). */
static void single_page_511_collapses_pmd(void **state)
{
	static struct run r;
	enum mthp_model models[] = { MTHP_MODEL_SCALED, MTHP_MODEL_V15,
				     MTHP_MODEL_V16, MTHP_MODEL_V17,
				     MTHP_MODEL_V18, MTHP_MODEL_V19,
				     MTHP_MODEL_V19_SWAPFIX };

	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		setup_run(&r, "x86_64", models[i], ALL9, 511);
		map(&r, ".*100 X .*411");
		EXPECT(0, 9, MTHP_SCAN_SUCCEED);
		assert_int_equal(go(&r), 0);
		assert_int_equal(r.res.result, MTHP_SCAN_SUCCEED);
		assert_int_equal(r.res.collapsed, 512);
		assert_int_equal(r.res.attempts, 1);
	}
}

/*
 * max_ptes_none=0, everything enabled, one hole at PTE 300. Worked by hand:
 * the halves containing 300 fall short and split; the others are full.
 */
static void hole_at_300(struct run *r, enum mthp_model m)
{
	setup_run(r, "x86_64", m, ALL9, 0);
	map(r, "X*300 . X*211");
	EXPECT(0, 8, MTHP_SCAN_SUCCEED);
	EXPECT(256, 5, MTHP_SCAN_SUCCEED);
	EXPECT(288, 3, MTHP_SCAN_SUCCEED);
	EXPECT(296, 2, MTHP_SCAN_SUCCEED);
	EXPECT(304, 4, MTHP_SCAN_SUCCEED);
	EXPECT(320, 6, MTHP_SCAN_SUCCEED);
	EXPECT(384, 7, MTHP_SCAN_SUCCEED);
	assert_int_equal(go(r), 0);
	assert_int_equal(r->res.result, MTHP_SCAN_SUCCEED);
	assert_int_equal(r->res.collapsed, 512 - 4);
}

static void none0_hole_every_model(void **state)
{
	static struct run r;

	FOR_EACH_MODEL(m, d, d->sub_pmd)
		hole_at_300(&r, (enum mthp_model)m);
}

/* The hole's own order-2 block is examined and left (below threshold). */
static void none0_hole_steps_recorded(void **state)
{
	static struct run r;
	bool seen = false;

	hole_at_300(&r, MTHP_MODEL_V19);
	for (size_t i = 0; i < r.res.nsteps; i++) {
		if (steps[i].offset == 300 && steps[i].order == 2) {
			assert_int_equal(steps[i].kind,
					 MTHP_STEP_BELOW_THRESHOLD);
			assert_int_equal(steps[i].occupied, 3);
			assert_int_equal(steps[i].threshold, 4);
			assert_int_equal(steps[i].action, MTHP_ACTION_NEXT);
			seen = true;
		}
	}
	assert_true(seen);
	assert_int_equal(steps[0].order, 9);
	assert_int_equal(steps[0].occupied, 511);
	assert_int_equal(steps[0].threshold, 512);
}

/* max_ptes_none=256 with 100 leading pages: v15-v17 stop at order 8. */
static void intermediate_stops_v15_to_v17(void **state)
{
	static struct run r;

	FOR_EACH_MODEL(m, d, d->invalid_none == MTHP_INVALID_NONE_STOP) {
		setup_run(&r, "x86_64", (enum mthp_model)m, ALL9, 256);
		map(&r, "X*100 .*412");
		assert_int_equal(go(&r), 0);
		assert_int_equal(r.res.attempts, 0);
		assert_int_equal(r.res.result, MTHP_SCAN_FAIL);
		assert_true(r.res.invalid_none);
		assert_int_equal(r.res.nsteps, 2);
		assert_int_equal(steps[0].kind, MTHP_STEP_BELOW_THRESHOLD);
		assert_int_equal(steps[0].threshold, 256);
		assert_int_equal(steps[1].kind, MTHP_STEP_INVALID_NONE);
		assert_int_equal(steps[1].action, MTHP_ACTION_STOP);
		assert_int_equal(steps[1].order, 8);
	}
}

/* The same input under v18/v19: the value acts as 0 below PMD order. */
static void intermediate_is_zero_v18_v19(void **state)
{
	static struct run r;

	FOR_EACH_MODEL(m, d, d->invalid_none == MTHP_INVALID_NONE_ZERO) {
		setup_run(&r, "x86_64", (enum mthp_model)m, ALL9, 256);
		map(&r, "X*100 .*412");
		EXPECT(0, 6, MTHP_SCAN_SUCCEED);
		EXPECT(64, 5, MTHP_SCAN_SUCCEED);
		EXPECT(96, 2, MTHP_SCAN_SUCCEED);
		assert_int_equal(go(&r), 0);
		assert_int_equal(r.res.collapsed, 100);
		assert_int_equal(r.res.result, MTHP_SCAN_SUCCEED);
		assert_true(r.res.invalid_none);
	}
}

/* scaled: 256 >> 1 = 128 at order 8 (threshold 128), 64 at order 7. */
static void intermediate_scales_in_scaled(void **state)
{
	static struct run r;

	setup_run(&r, "x86_64", MTHP_MODEL_SCALED, ALL9, 256);
	map(&r, "X*100 .*412");
	EXPECT(0, 7, MTHP_SCAN_SUCCEED);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.collapsed, 128);
	assert_false(r.res.invalid_none);
	assert_int_equal(steps[1].order, 8);
	assert_int_equal(steps[1].threshold, 128);
	assert_int_equal(steps[2].threshold, 64);
}

/* At PMD order any value is valid: threshold HPAGE_PMD_NR - v. */
static void pmd_order_any_value(void **state)
{
	static struct run r;

	FOR_EACH_MODEL(m, d, true) {
		setup_run(&r, "x86_64", (enum mthp_model)m, 1u << 9, 256);
		map(&r, ".*256 X*256");
		EXPECT(0, 9, MTHP_SCAN_SUCCEED);
		assert_int_equal(go(&r), 0);
		assert_int_equal(r.res.result, MTHP_SCAN_SUCCEED);
		assert_false(r.res.invalid_none);

		setup_run(&r, "x86_64", (enum mthp_model)m, 1u << 9, 256);
		map(&r, ".*257 X*255");
		assert_int_equal(go(&r), 0);
		assert_int_equal(r.res.attempts, 0);
		/* the single attempt's own result, or the search's */
		assert_int_equal(r.res.result, d->run == MTHP_RUN_ATTEMPT
						       ? MTHP_SCAN_EXCEED_NONE_PTE
						       : MTHP_SCAN_FAIL);
	}
}

/*
 * Only the PMD order enabled and below threshold: v15's split rule
 * (order > 2) walks the whole tree of disabled orders; v18's (a lower
 * order is enabled) and v19's stop at once.
 */
static void split_rules_differ_in_steps(void **state)
{
	static struct run r;

	setup_run(&r, "x86_64", MTHP_MODEL_V15, 1u << 9, 0);
	map(&r, "X*511 .");
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.nsteps, 255); /* orders 9..2: 2^8 - 1 */
	assert_int_equal(r.res.max_stack_depth, 8);
	setup_run(&r, "x86_64", MTHP_MODEL_V18, 1u << 9, 0);
	map(&r, "X*511 .");
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.nsteps, 1);
	setup_run(&r, "x86_64", MTHP_MODEL_V19, 1u << 9, 0);
	map(&r, "X*511 .");
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.nsteps, 1);
	assert_int_equal(r.res.result, MTHP_SCAN_FAIL);
}

/* madvise mode: v15 allows 511 none (needs 1 page), v16+ allow 512. */
static void madvise_allowance(void **state)
{
	static struct run r;

	setup_run(&r, "x86_64", MTHP_MODEL_V15, 1u << 9, 0);
	r.o.mode = MTHP_MODE_MADVISE;
	map(&r, ".*512");
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.attempts, 0);
	assert_int_equal(steps[0].threshold, 1);

	setup_run(&r, "x86_64", MTHP_MODEL_V15, 1u << 9, 0);
	r.o.mode = MTHP_MODE_MADVISE;
	map(&r, ".*511 X");
	EXPECT(0, 9, MTHP_SCAN_SUCCEED);
	assert_int_equal(go(&r), 0);

	FOR_EACH_MODEL(m, d, d->madvise == MTHP_MADV_PMD_NR) {
		setup_run(&r, "x86_64", (enum mthp_model)m, 1u << 9, 0);
		r.o.mode = MTHP_MODE_MADVISE;
		map(&r, ".*512");
		EXPECT(0, 9, MTHP_SCAN_SUCCEED);
		assert_int_equal(go(&r), 0);
		assert_int_equal(steps[0].threshold, 0);
	}
	/* madvise mode ignores the sub-PMD orders it is given */
	setup_run(&r, "x86_64", MTHP_MODEL_V19, ALL9, 0);
	r.o.mode = MTHP_MODE_MADVISE;
	map(&r, "X*4 .*508");
	EXPECT(0, 9, MTHP_SCAN_EXCEED_NONE_PTE);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.nsteps, 1);

	setup_run(&r, "x86_64", MTHP_MODEL_BASELINE, 1u << 9, 0);
	r.o.mode = MTHP_MODE_MADVISE;
	map(&r, ".*512");
	EXPECT(0, 9, MTHP_SCAN_EXCEED_NONE_PTE);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_EXCEED_NONE_PTE);
}

/* v18 alone applies allowance 0 on a uffd-armed VMA at the threshold. */
static void uffd_threshold_v18_only(void **state)
{
	static struct run r;

	FOR_EACH_MODEL(m, d, d->scan_none == MTHP_SCAN_NONE_V16) {
		setup_run(&r, "x86_64", (enum mthp_model)m, 1u << 9, 511);
		r.o.uffd = true;
		map(&r, "X*10 .*502");
		if (!d->uffd_threshold_zero)
			EXPECT(0, 9, MTHP_SCAN_SUCCEED);
		assert_int_equal(go(&r), 0);
		assert_int_equal(r.res.attempts, d->uffd_threshold_zero ? 0 : 1);
	}
}

/* A try-lower failure splits; one outside the list stops the PMD. */
static void try_lower_then_stop(void **state)
{
	static struct run r;

	setup_run(&r, "x86_64", MTHP_MODEL_V15, ALL9, 511);
	map(&r, "X*512");
	EXPECT(0, 9, MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL);
	EXPECT(0, 8, MTHP_SCAN_SUCCEED);
	EXPECT(256, 8, MTHP_SCAN_SUCCEED);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.collapsed, 512);
	assert_int_equal(r.res.result, MTHP_SCAN_SUCCEED);

	setup_run(&r, "x86_64", MTHP_MODEL_V15, ALL9, 511);
	map(&r, "X*512");
	EXPECT(0, 9, MTHP_SCAN_EXCEED_SWAP_PTE);
	EXPECT(0, 8, MTHP_SCAN_PMD_MAPPED); /* not in list A: stop */
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_FAIL);
	assert_int_equal(steps[r.res.nsteps - 1].action, MTHP_ACTION_STOP);

	/* after one success, a stop still reports SUCCEED */
	setup_run(&r, "x86_64", MTHP_MODEL_V17, ALL9, 511);
	map(&r, "X*512");
	EXPECT(0, 9, MTHP_SCAN_LACK_REFERENCED_PAGE);
	EXPECT(0, 8, MTHP_SCAN_SUCCEED);
	EXPECT(256, 8, MTHP_SCAN_CGROUP_CHARGE_FAIL);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_SUCCEED);
	assert_int_equal(r.res.collapsed, 256);
}

/* SCAN_PAGE_LRU tries lower in list A (v15, v16) and stops in list B. */
static void list_a_and_b(void **state)
{
	static struct run r;

	FOR_EACH_MODEL(m, d, d->sub_pmd) {
		bool list_a = d->try_lower & (1ull << MTHP_SCAN_PAGE_LRU);

		setup_run(&r, "x86_64", (enum mthp_model)m,
			  (1u << 9) | (1u << 8), 511);
		map(&r, "X*512");
		EXPECT(0, 9, MTHP_SCAN_PAGE_LRU);
		if (list_a) {
			EXPECT(0, 8, MTHP_SCAN_SUCCEED);
			EXPECT(256, 8, MTHP_SCAN_SUCCEED);
		}
		assert_int_equal(go(&r), 0);

		setup_run(&r, "x86_64", (enum mthp_model)m,
			  (1u << 9) | (1u << 8), 511);
		map(&r, "X*512");
		EXPECT(0, 9, MTHP_SCAN_PAGE_LAZYFREE);
		if (!list_a) {
			EXPECT(0, 8, MTHP_SCAN_SUCCEED);
			EXPECT(256, 8, MTHP_SCAN_SUCCEED);
		}
		assert_int_equal(go(&r), 0);
	}
}

/* SCAN_PTE_MAPPED_HUGEPAGE: leave the range, do not split, not counted. */
static void pte_mapped_hugepage_no_split(void **state)
{
	static struct run r;

	FOR_EACH_MODEL(m, d, d->sub_pmd) {
		setup_run(&r, "x86_64", (enum mthp_model)m, ALL9, 511);
		map(&r, "X*512");
		EXPECT(0, 9, MTHP_SCAN_PTE_MAPPED_HUGEPAGE);
		assert_int_equal(go(&r), 0);
		assert_int_equal(r.res.collapsed, 0);
		assert_int_equal(r.res.result, MTHP_SCAN_FAIL);
	}
}

/* Run results: v19 reports alloc failure, then the last failure. */
static void walk_run_result(void **state)
{
	static struct run r;
	uint32_t o98 = (1u << 9) | (1u << 8);

	setup_run(&r, "x86_64", MTHP_MODEL_V19, o98, 511);
	map(&r, "X*512");
	EXPECT(0, 9, MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL);
	EXPECT(0, 8, MTHP_SCAN_EXCEED_SHARED_PTE);
	EXPECT(256, 8, MTHP_SCAN_PAGE_LOCK);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL);

	setup_run(&r, "x86_64", MTHP_MODEL_V19, o98, 511);
	map(&r, "X*512");
	EXPECT(0, 9, MTHP_SCAN_EXCEED_SWAP_PTE);
	EXPECT(0, 8, MTHP_SCAN_EXCEED_SHARED_PTE);
	EXPECT(256, 8, MTHP_SCAN_PAGE_LOCK);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_PAGE_LOCK);

	/* the same under v15: FAIL, and the same three attempts */
	setup_run(&r, "x86_64", MTHP_MODEL_V15, o98, 511);
	map(&r, "X*512");
	EXPECT(0, 9, MTHP_SCAN_EXCEED_SWAP_PTE);
	EXPECT(0, 8, MTHP_SCAN_EXCEED_SHARED_PTE);
	EXPECT(256, 8, MTHP_SCAN_PAGE_LOCK);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_FAIL);

	/* a stop is remembered: v19 returns SCAN_PMD_MAPPED */
	setup_run(&r, "x86_64", MTHP_MODEL_V19, o98, 511);
	map(&r, "X*512");
	EXPECT(0, 9, MTHP_SCAN_PMD_MAPPED);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_PMD_MAPPED);

	/* nothing attempted: SCAN_FAIL */
	setup_run(&r, "x86_64", MTHP_MODEL_V19, o98, 0);
	map(&r, "X*10 .*502");
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_FAIL);
}

/* baseline: exactly one PMD attempt, its result is the run's. */
static void baseline_single_attempt(void **state)
{
	static struct run r;

	setup_run(&r, "x86_64", MTHP_MODEL_BASELINE, ALL9, 511);
	map(&r, "X*512");
	EXPECT(0, 9, MTHP_SCAN_PAGE_LOCK);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_PAGE_LOCK);
	assert_int_equal(r.res.nsteps, 1);
	assert_int_equal(r.res.collapsed, 0);

	setup_run(&r, "x86_64", MTHP_MODEL_BASELINE, ALL9, 511);
	map(&r, "X*512");
	EXPECT(0, 9, MTHP_SCAN_SUCCEED);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_SUCCEED);
	assert_int_equal(r.res.collapsed, 512);

	/* only mTHP orders enabled: baseline has nothing to try */
	setup_run(&r, "x86_64", MTHP_MODEL_BASELINE, orders_range(2, 8), 511);
	map(&r, "X*512");
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_VMA_CHECK);
	assert_int_equal(r.res.nsteps, 0);
}

/* docs/MODELS.md section 10: 511 present + 1 swapped, max_ptes_none=0, PMD only. */
static void swap_accounting(void **state)
{
	static struct run r;

	for (int m = 0; m < MTHP_MODEL_COUNT; m++) {
		bool counts_swap = mthp_model_desc((enum mthp_model)m)
					   ->unmapped_occupied_at_pmd;

		setup_run(&r, "x86_64", (enum mthp_model)m, 1u << 9, 0);
		r.o.unmapped = 1;
		map(&r, "X*511 .");
		if (counts_swap)
			EXPECT(0, 9, MTHP_SCAN_SUCCEED);
		assert_int_equal(go(&r), 0);
		assert_int_equal(r.res.attempts, counts_swap ? 1 : 0);
		assert_int_equal(steps[0].occupied, counts_swap ? 512 : 511);
	}
}

/* Nothing enabled: no scan, SCAN_VMA_CHECK. */
static void nothing_enabled(void **state)
{
	static struct run r;

	setup_run(&r, "x86_64", MTHP_MODEL_V15, 0, 511);
	map(&r, "X*512");
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.result, MTHP_SCAN_VMA_CHECK);
}

/* Every geometry: full, empty, single-PTE and patterned bitmaps. */
static void every_geometry(void **state)
{
	static struct run r;

	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		const char *name = mthp_geometry_name(i);

		FOR_EACH_MODEL(m, d, d->sub_pmd) {
			enum mthp_model model = (enum mthp_model)m;
			struct mthp_geometry g = geo(name);
			unsigned int pmd = g.pmd_order, nr = g.pmd_nr;
			uint32_t all = orders_range(2, pmd);

			/* full: the PMD at once */
			setup_run(&r, name, model, all, 0);
			mthp_bitmap_set(r.map, 0, nr);
			EXPECT(0, pmd, MTHP_SCAN_SUCCEED);
			assert_int_equal(go(&r), 0);
			assert_int_equal(r.res.collapsed, nr);

			/* empty with 511: every range needs one page */
			setup_run(&r, name, model, all, nr - 1);
			assert_int_equal(go(&r), 0);
			assert_int_equal(r.res.attempts, 0);

			/* the last PTE alone, 511: the PMD */
			setup_run(&r, name, model, all, nr - 1);
			mthp_set_bit(nr - 1, r.map);
			EXPECT(0, pmd, MTHP_SCAN_SUCCEED);
			assert_int_equal(go(&r), 0);

			/* the last PTE alone, 0: nothing qualifies */
			setup_run(&r, name, model, all, 0);
			mthp_set_bit(nr - 1, r.map);
			assert_int_equal(go(&r), 0);
			assert_int_equal(r.res.attempts, 0);

			/* left half full, 0: the left half at PMD-1 */
			setup_run(&r, name, model, all, 0);
			mthp_bitmap_set(r.map, 0, nr / 2);
			EXPECT(0, pmd - 1, MTHP_SCAN_SUCCEED);
			assert_int_equal(go(&r), 0);

			/* every other order-2 block, 0, only order 2 on */
			setup_run(&r, name, model, 1u << 2, 0);
			for (unsigned int off = 0; off < nr; off += 8) {
				mthp_bitmap_set(r.map, off, 4);
				EXPECT(off, 2, MTHP_SCAN_SUCCEED);
			}
			assert_int_equal(go(&r), 0);
			assert_int_equal(r.res.collapsed, nr / 2);
		}
	}
}

/* ppc64-radix-64k: 32 PTEs in a 256-bit bitmap, PMD order 5. */
static void ppc64_radix_64k(void **state)
{
	static struct run r;

	setup_run(&r, "ppc64-radix-64k", MTHP_MODEL_V15, orders_range(2, 5),
		  0);
	map(&r, "X*20 .*12");
	EXPECT(0, 4, MTHP_SCAN_SUCCEED);
	EXPECT(16, 2, MTHP_SCAN_SUCCEED);
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.collapsed, 20);
	assert_int_equal(r.res.stack_capacity, 64);
	assert_int_equal(r.res.max_stack_depth, 3); /* (16,4) split twice */
}

/* Compares two runs' step records. */
static void assert_same_steps(const struct mthp_step *a, size_t na,
			      const struct mthp_step *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(a[i].offset, b[i].offset);
		assert_int_equal(a[i].order, b[i].order);
		assert_int_equal(a[i].kind, b[i].kind);
		assert_int_equal(a[i].result, b[i].result);
	}
}

static int succeed_cb(const struct mthp_range *r, void *data)
{
	(void)r;
	(void)data;
	return MTHP_SCAN_SUCCEED;
}

/* Bits 32..255 of a ppc64-radix-64k bitmap change no decision. */
static void ppc64_poison(void **state)
{
	static struct mthp_step clean[64], poisoned[64];
	struct mthp_geometry g = geo("ppc64-radix-64k");
	unsigned int nones[] = { 0, 15, 31 };
	struct rng rng = { 12345 };

	for (int iter = 0; iter < 2000; iter++) {
		uint32_t seed = (uint32_t)rng_next(&rng);

		MTHP_DECLARE_BITMAP(map, 256);
		MTHP_RESULT(ra);
		MTHP_RESULT(rb);

		mthp_bitmap_zero(map, 256);
		map[0] = seed >> (iter % 8); /* 32 random-ish bits */
		for (int m = 0; m < MTHP_MODEL_COUNT; m++) {
			for (size_t n = 0; n < 3; n++) {
				struct mthp_collapse_opts o = {
					.sz = sizeof(o),
					.model = (enum mthp_model)m,
					.orders = orders_range(2, 5) &
						  ~(seed & 0x3cu),
					.max_ptes_none = nones[n],
					.collapse = succeed_cb,
				};

				mthp_bitmap_clear(map, 32, 224);
				o.steps = clean;
				o.steps_cap = 64;
				assert_int_equal(mthp_collapse(&g, map, g.max_ptrs, &o, &ra), 0);
				mthp_bitmap_set(map, 32, 224);
				o.steps = poisoned;
				assert_int_equal(mthp_collapse(&g, map, g.max_ptrs, &o, &rb), 0);
				assert_int_equal(ra.result, rb.result);
				assert_int_equal(ra.collapsed, rb.collapsed);
				assert_same_steps(clean, ra.nsteps, poisoned,
						  rb.nsteps);
			}
		}
	}
}

/*
 * The stack bound: with every order enabled and an empty bitmap the DFS
 * visits the whole tree, so the deepest occupancy is reached; it must be
 * PMD_ORDER - 2 + 1, within every stack model's reservation.
 */
static void stack_bound_every_geometry(void **state)
{
	static struct run r;

	printf("# geometry            v15/v16 cap  v17/v18 cap  deepest  bound\n");
	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		const char *name = mthp_geometry_name(i);
		struct mthp_geometry g = geo(name);
		unsigned int bound = g.pmd_order - 1;
		unsigned int deepest = 0;

		assert_int_equal(mthp_stack_depth_bound(&g), bound);
		FOR_EACH_MODEL(m, d, d->search == MTHP_SEARCH_STACK) {
			setup_run(&r, name, (enum mthp_model)m,
				  orders_range(2, g.pmd_order), 0);
			assert_int_equal(go(&r), 0);
			assert_int_equal(r.res.nsteps,
					 mthp_collapse_max_steps(&g));
			assert_int_equal(r.res.max_stack_depth, bound);
			assert_true(r.res.stack_capacity >= bound);
			deepest = r.res.max_stack_depth;
			/* the library's own measure of the same */
			assert_int_equal(mthp_model_deepest_stack((enum mthp_model)m, &g),
					 bound);
		}
		FOR_EACH_MODEL(m, d, d->search != MTHP_SEARCH_STACK)
			assert_int_equal(mthp_model_deepest_stack((enum mthp_model)m, &g), 0);
		unsigned int lg = mthp_ilog2(g.max_ptrs);

		assert_int_equal(mthp_model_stack_capacity(MTHP_MODEL_V15, &g),
				 1u << (lg - 2));
		assert_int_equal(mthp_model_stack_capacity(MTHP_MODEL_V17, &g),
				 lg - 1);
		assert_int_equal(mthp_model_stack_capacity(MTHP_MODEL_V19, &g),
				 0);
		printf("# %-18s %12u %12u %8u %6u\n", name,
		       mthp_model_stack_capacity(MTHP_MODEL_V16, &g),
		       mthp_model_stack_capacity(MTHP_MODEL_V18, &g), deepest,
		       bound);
	}
	/* the figures docs/MODELS.md section 6.1 gives */
	struct mthp_geometry x = geo("x86_64"), a = geo("arm64-64k");

	assert_int_equal(mthp_model_stack_capacity(MTHP_MODEL_V15, &x), 128);
	assert_int_equal(mthp_model_stack_capacity(MTHP_MODEL_V15, &a), 2048);
	assert_int_equal(mthp_model_stack_capacity(MTHP_MODEL_V17, &x), 8);
}

/* The bound holds for every bitmap of a 16-PTE geometry. */
static void stack_bound_exhaustive_small(void **state)
{
	struct mthp_geometry g;
	uint32_t sets[] = { orders_range(2, 4), 1u << 4, 1u << 2,
			    (1u << 4) | (1u << 2), 1u << 3 };

	assert_int_equal(mthp_geometry_lookup("custom:12:16:16", &g, NULL, 0),
			 0);
	for (unsigned long bits = 0; bits < (1ul << 16); bits++) {
		unsigned long map[1] = { bits };

		FOR_EACH_MODEL(m, d, d->search == MTHP_SEARCH_STACK) {
			for (size_t s = 0; s < 5; s++) {
				struct mthp_collapse_opts o = {
					.sz = sizeof(o),
					.model = (enum mthp_model)m,
					.orders = sets[s],
					.max_ptes_none = (bits & 1) ? 15 : 0,
					.collapse = succeed_cb,
				};
				MTHP_RESULT(res);

				assert_int_equal(mthp_collapse(&g, map, g.max_ptrs, &o, &res),
						 0);
				assert_true(res.max_stack_depth <= 3);
			}
		}
	}
}

static int bad_cb(const struct mthp_range *r, void *data)
{
	(void)r;
	(*(int *)data)++;
	return 999;
}

/* A callback returning a non-result stops the engine with -EPROTO. */
static void bad_callback_result(void **state)
{
	static struct run r;
	int calls = 0;

	setup_run(&r, "x86_64", MTHP_MODEL_V15, ALL9, 511);
	mthp_bitmap_set(r.map, 0, 512);
	r.o.collapse = bad_cb;
	r.o.data = &calls;
	assert_int_equal(go(&r), -EPROTO);
	assert_int_equal(calls, 1);
	assert_int_equal(r.res.result, MTHP_SCAN_FAIL);
	assert_int_equal(steps[0].kind, MTHP_STEP_BAD_RESULT);
	assert_int_equal(steps[0].result, 999);

	r.o.model = MTHP_MODEL_V19;
	assert_int_equal(go(&r), -EPROTO);
	assert_int_equal(calls, 2);
}

/* The backend fails on its second attempt with its own errno. */
static int failing_cb(const struct mthp_range *r, void *data)
{
	(void)r;
	return ++*(int *)data == 2 ? -ENOMEM : MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL;
}

static char engine_heard[256];

static void engine_hear(enum mthp_log_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)ctx;
	snprintf(engine_heard, sizeof(engine_heard), "%s", msg);
}

/*
 * A callback's own negative errno comes back from mthp_collapse() as it
 * is, and the log says which range returned what. Full x86_64 table,
 * every order enabled, max_ptes_none 511, v19: the first attempt is the
 * PMD (0, order 9); its allocation fails, a result that tries the lower
 * orders, so the walk tries the first order-8 half (0, order 8), where
 * the backend says -ENOMEM.
 */
static void callback_errno_comes_back(void **state)
{
	static struct run r;
	int calls = 0;

	setup_run(&r, "x86_64", MTHP_MODEL_V19, ALL9, 511);
	mthp_bitmap_set(r.map, 0, 512);
	r.o.collapse = failing_cb;
	r.o.data = &calls;
	mthp_set_log(engine_hear, NULL);
	assert_int_equal(go(&r), -ENOMEM);
	assert_int_equal(calls, 2);
	assert_int_equal(r.res.attempts, 2);
	assert_int_equal(r.res.result, MTHP_SCAN_FAIL);
	assert_int_equal(steps[1].kind, MTHP_STEP_BAD_RESULT);
	assert_int_equal(steps[1].offset, 0);
	assert_int_equal(steps[1].order, 8);
	assert_non_null(strstr(engine_heard, "returned -12"));
	assert_non_null(strstr(engine_heard, "order-8 range at PTE 0"));
	/* a value that is neither: -EPROTO, said the same way */
	calls = 0;
	r.o.collapse = bad_cb;
	assert_int_equal(go(&r), -EPROTO);
	assert_non_null(strstr(engine_heard, "returned 999"));
	assert_non_null(strstr(engine_heard, "order-9 range at PTE 0"));
	mthp_set_log(NULL, NULL);
}

/* Arguments the engine refuses before doing anything. */
static void bad_arguments(void **state)
{
	static struct run r;

	setup_run(&r, "x86_64", MTHP_MODEL_V15, ALL9, 511);
	r.o.max_ptes_none = 512;
	assert_int_equal(go(&r), -EINVAL);
	r.o.max_ptes_none = 0;
	r.o.orders = 1u << 10; /* above the PMD order */
	assert_int_equal(go(&r), -EINVAL);
	r.o.orders = 1u << 1; /* order 1 is never a THP size */
	assert_int_equal(go(&r), -EINVAL);
	r.o.orders = ALL9;
	r.o.model = MTHP_MODEL_COUNT;
	assert_int_equal(go(&r), -EINVAL);
	r.o.model = MTHP_MODEL_V15;
	r.o.sz = 4;
	assert_int_equal(go(&r), -EINVAL);
	r.o.sz = sizeof(r.o);
	r.o.collapse = NULL;
	assert_int_equal(go(&r), -EINVAL);
	r.o.collapse = mock_collapse;
	r.o.unmapped = 513;
	assert_int_equal(go(&r), -EINVAL);
}

/* A small step buffer: the count keeps going, writes stop at the cap. */
static void step_record_truncates(void **state)
{
	static struct run r;
	struct mthp_step two[3];

	setup_run(&r, "x86_64", MTHP_MODEL_V15, 1u << 9, 0);
	memset(two, 0x5a, sizeof(two));
	r.o.steps = two;
	r.o.steps_cap = 2;
	assert_int_equal(go(&r), 0);
	assert_int_equal(r.res.nsteps, 255);
	assert_int_equal(two[1].order, 8);
	assert_int_equal(two[2].order, 0x5a5a5a5a); /* untouched */
}

/* A result per (offset, order), fixed by the salt: mostly the ones that
 * steer the search (collapse, try lower, skip, stop), now and then a value
 * that is no result at all. */
static int hashed_result(const struct mthp_range *r, void *data)
{
	static const int pool[] = {
		MTHP_SCAN_SUCCEED, MTHP_SCAN_SUCCEED, MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL,
		MTHP_SCAN_EXCEED_NONE_PTE, MTHP_SCAN_PTE_MAPPED_HUGEPAGE,
		MTHP_SCAN_LACK_REFERENCED_PAGE, MTHP_SCAN_PAGE_LOCK,
		MTHP_SCAN_CGROUP_CHARGE_FAIL, MTHP_SCAN_PMD_MAPPED,
	};
	uint32_t salt = *(uint32_t *)data;
	uint32_t h = (r->offset * 2654435761u) ^ (r->order * 40503u) ^ salt;

	if (salt & 1) /* half the runs never stop: every range is reached */
		return (h >> 9) % 2 ? MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL
				    : MTHP_SCAN_SUCCEED;
	if ((h >> 3) % 997 == 0)
		return 999;
	return pool[(h >> 11) % (sizeof(pool) / sizeof(pool[0]))];
}

/*
 * Without a step record the engine may jump over whole stretches of
 * ranges; on random tables, settings and callback results it must still
 * make the same attempts and count the same steps as the examining walk
 * (go() compares the two runs).
 */
static void untraced_matches_traced(void **state)
{
	static struct run r;
	const char *geos[] = { "x86_64", "arm64-64k", "ppc64-radix-64k",
			       "s390x", "arm64-16k", "x86-32",
			       "custom:12:16:16", "custom:12:64:64",
			       "custom:12:32768:32768" };
	struct rng rng = { 2026 };

	for (size_t gi = 0; gi < sizeof(geos) / sizeof(geos[0]); gi++) {
		for (int it = 0; it < 400; it++) {
			enum mthp_model m = (enum mthp_model)rng_below(&rng, MTHP_MODEL_COUNT);
			struct mthp_geometry g = geo(geos[gi]);
			uint32_t orders = (uint32_t)rng_next(&rng) & mthp_orders_all(&g);
			unsigned int nr = g.pmd_nr, density = rng_below(&rng, 5);
			uint32_t salt = (uint32_t)rng_next(&rng);

			if (rng_below(&rng, 4) == 0)
				orders = mthp_orders_all(&g);
			if (!orders)
				orders = 1u << g.pmd_order;
			setup_run(&r, geos[gi], m, orders, 0);
			switch (rng_below(&rng, 4)) {
			case 0: r.o.max_ptes_none = 0; break;
			case 1: r.o.max_ptes_none = nr - 1; break;
			default: r.o.max_ptes_none = rng_below(&rng, nr); break;
			}
			r.o.mode = rng_below(&rng, 8) ? MTHP_MODE_KHUGEPAGED
						       : MTHP_MODE_MADVISE;
			r.o.uffd = rng_below(&rng, 6) == 0;
			r.o.unmapped = rng_below(&rng, 3) ? 0 : rng_below(&rng, nr + 1);
			/* runs of occupied and empty PTEs, density 0 (empty) to 4 (full) */
			for (unsigned int pos = 0; pos < nr;) {
				unsigned int len = 1 + rng_below(&rng, 24);

				if (len > nr - pos)
					len = nr - pos;
				if (rng_below(&rng, 4) < density)
					mthp_bitmap_set(r.map, pos, len);
				pos += len;
			}
			r.o.collapse = hashed_result;
			r.o.data = &salt;
			int e = go(&r);

			assert_true(e == 0 || e == -EPROTO);
		}
	}
}

/*
 * The stack models without a step record jump as the walk does and work
 * out the steps and the deepest stack instead of taking them. On a table
 * of 16 PTEs every bitmap, every set of enabled orders and callback
 * results that vary from range to range are tried; go() compares each run
 * with the popping search, attempt by attempt.
 */
static void stack_untraced_exhaustive_small(void **state)
{
	static struct run r;
	static const enum mthp_model stack_models[] = {
		MTHP_MODEL_SCALED, MTHP_MODEL_V15, MTHP_MODEL_V16,
		MTHP_MODEL_V17, MTHP_MODEL_V18,
	};
	unsigned int runs = 0;

	(void)state;
	for (size_t mi = 0; mi < sizeof(stack_models) / sizeof(stack_models[0]); mi++)
		for (uint32_t orders = 1; orders < 8; orders++)
			for (uint32_t bits = 0; bits < 1u << 16; bits++) {
				uint32_t salt = bits * 7919u + orders * 104729u + (uint32_t)mi;

				setup_run(&r, "custom:12:16:16", stack_models[mi],
					  orders << MTHP_MIN_ORDER, bits & 4 ? 15 : 0);
				r.map[0] = bits;
				r.o.collapse = hashed_result;
				r.o.data = &salt;
				int e = go(&r);

				assert_true(e == 0 || e == -EPROTO);
				runs++;
			}
	assert_int_equal(runs, 5 * 7 * 65536);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_page_511_collapses_pmd),
		cmocka_unit_test(none0_hole_every_model),
		cmocka_unit_test(none0_hole_steps_recorded),
		cmocka_unit_test(intermediate_stops_v15_to_v17),
		cmocka_unit_test(intermediate_is_zero_v18_v19),
		cmocka_unit_test(intermediate_scales_in_scaled),
		cmocka_unit_test(pmd_order_any_value),
		cmocka_unit_test(split_rules_differ_in_steps),
		cmocka_unit_test(madvise_allowance),
		cmocka_unit_test(uffd_threshold_v18_only),
		cmocka_unit_test(try_lower_then_stop),
		cmocka_unit_test(list_a_and_b),
		cmocka_unit_test(pte_mapped_hugepage_no_split),
		cmocka_unit_test(walk_run_result),
		cmocka_unit_test(baseline_single_attempt),
		cmocka_unit_test(swap_accounting),
		cmocka_unit_test(nothing_enabled),
		cmocka_unit_test(every_geometry),
		cmocka_unit_test(ppc64_radix_64k),
		cmocka_unit_test(ppc64_poison),
		cmocka_unit_test(stack_bound_every_geometry),
		cmocka_unit_test(stack_bound_exhaustive_small),
		cmocka_unit_test(bad_callback_result),
		cmocka_unit_test(callback_errno_comes_back),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(step_record_truncates),
		cmocka_unit_test(untraced_matches_traced),
		cmocka_unit_test(stack_untraced_exhaustive_small),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
