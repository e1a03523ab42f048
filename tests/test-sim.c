// SPDX-License-Identifier: MIT
/*
 * The scan (SPEC 5), the collapse attempt (SPEC 7), statistics and events
 * (SPEC 8), through mthp_scan() and mthp_simulate() on scenario text.
 * Expected sequences are worked by hand in the comments.
 */
#include "testlib.h"

#include <errno.h>

#include "mthpcollapse/sim.h"

static struct mthp_scenario S;
static struct mthp_sim_result R;

static void load(const char *text)
{
	struct mthp_parse_error e;

	if (mthp_scenario_parse(text, strlen(text), NULL, &S, &e))
		fail_msg("scenario: %u:%u: %s", e.line, e.col, e.msg);
}

static int teardown(void **state)
{
	mthp_scenario_free(&S);
	mthp_sim_result_free(&R);
	return 0;
}

static void simulate(void)
{
	mthp_sim_result_free(&R);
	assert_int_equal(mthp_sim_result_init(&R, &S.geometry), 0);
	assert_int_equal(mthp_simulate(&S, &R), 0);
}

/* Scans with the enabled orders the settings give. */
static struct mthp_scan_info scan(const char *text)
{
	static unsigned long map[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];
	struct mthp_scan_info info;

	mthp_scenario_free(&S);
	load(text);
	uint32_t orders = mthp_enabled_orders(&S.geometry, S.model, S.mode,
					      &S.thp, S.vma_flags);
	assert_int_equal(mthp_scan(&S, orders, map, &info), 0);
	return info;
}

struct want {
	unsigned int offset, order;
	int result;
};

static void assert_attempts(const struct want *w, size_t n)
{
	if (R.nattempts != n)
		fail_msg("%zu attempts, want %zu", R.nattempts, n);
	for (size_t i = 0; i < n; i++) {
		const struct mthp_attempt *a = &R.attempts[i];

		if (a->offset != w[i].offset || a->order != w[i].order ||
		    a->result != w[i].result)
			fail_msg("attempt %zu: (%u,%u) %s, want (%u,%u) %s", i,
				 a->offset, a->order,
				 mthp_scan_result_name(a->result), w[i].offset,
				 w[i].order, mthp_scan_result_name(w[i].result));
	}
}

#define ATTEMPTS(...)                                                 \
	do {                                                          \
		static const struct want w_[] = { __VA_ARGS__ };      \
		assert_attempts(w_, sizeof(w_) / sizeof(w_[0]));      \
	} while (0)

#define OK MTHP_SCAN_SUCCEED

/* ---- the scan ---- */

static void scan_none_limit_per_model(void **state)
{
	struct mthp_scan_info i;

	/* baseline: the sysctl; 11 none > 10 */
	i = scan("model = baseline\nmax_ptes_none = 10\nptes = P*501 .*11");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_NONE_PTE);
	assert_int_equal(i.none_or_zero, 11);
	i = scan("model = baseline\nmax_ptes_none = 10\nptes = P*502 .*10");
	assert_int_equal(i.result, OK);
	/* zero-page PTEs count as none */
	i = scan("model = baseline\nmax_ptes_none = 10\nptes = P*501 z*11");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_NONE_PTE);
	/* v15, PMD only: the sysctl; with an mTHP order on: 511 */
	i = scan("model = v15\nmax_ptes_none = 10\nptes = P*501 .*11");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_NONE_PTE);
	i = scan("model = v15\nmax_ptes_none = 10\norder.4 = always\nptes = P*501 .*11");
	assert_int_equal(i.result, OK);
	/* madvise: baseline unlimited, v15 511 */
	i = scan("model = baseline\nmode = madvise\nmax_ptes_none = 0\nptes = .*512");
	assert_int_equal(i.result, OK);
	i = scan("model = v15\nmode = madvise\nmax_ptes_none = 0\nptes = .*512");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_NONE_PTE);
	assert_int_equal(i.none_or_zero, 512);
	i = scan("model = v16\nmode = madvise\nmax_ptes_none = 0\nptes = .*512");
	assert_int_equal(i.result, OK);
}

static void scan_uffd(void **state)
{
	struct mthp_scan_info i;

	/* v15: a uffd VMA fails at the first none PTE, whatever the limit */
	i = scan("model = v15\norder.4 = always\nvma = uffd\nptes = P*10 . P*501");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_NONE_PTE);
	assert_int_equal(i.none_or_zero, 1);
	/* v16: 0 through the helper when only PMD is on ... */
	i = scan("model = v16\nvma = uffd\nptes = P*10 . P*501");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_NONE_PTE);
	/* ... but 511 once any other order is enabled, even on uffd */
	i = scan("model = v16\norder.4 = always\nvma = uffd\nptes = P*10 . P*501");
	assert_int_equal(i.result, OK);
	i = scan("model = v19\norder.4 = always\nvma = uffd\nptes = P*10 . P*501");
	assert_int_equal(i.result, OK);
}

static void scan_swap(void **state)
{
	struct mthp_scan_info i;

	i = scan("max_ptes_swap = 2\nptes = w*3 P*509");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_SWAP_PTE);
	assert_int_equal(i.unmapped, 3);
	i = scan("max_ptes_swap = 2\nptes = w*2 P*510");
	assert_int_equal(i.result, OK);
	assert_int_equal(i.unmapped, 2);
	/* non-swap entries count as unmapped too */
	i = scan("max_ptes_swap = 2\nptes = w m w P*509");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_SWAP_PTE);
	/* madvise: no swap limit */
	i = scan("mode = madvise\nmax_ptes_swap = 0\nptes = w*100 P*412");
	assert_int_equal(i.result, OK);
	/* a uffd-wp swap entry under the limit */
	i = scan("ptes = P W P*510");
	assert_int_equal(i.result, MTHP_SCAN_PTE_UFFD_WP);
	/* ... over the limit the limit speaks first */
	i = scan("max_ptes_swap = 0\nptes = P W P*510");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_SWAP_PTE);
	/* swap entries are not occupied */
	i = scan("ptes = w*4 P*508");
	assert_int_equal(i.occupied, 508);
}

static void scan_present_checks(void **state)
{
	static const struct {
		const char *ptes;
		int result;
	} c[] = {
		{ "P*5 u P*506", MTHP_SCAN_PTE_UFFD_WP },
		{ "P*5 n P*506", MTHP_SCAN_PAGE_NULL },
		{ "P*5 f P*506", MTHP_SCAN_PAGE_LAZYFREE },
		{ "P*5 a P*506", MTHP_SCAN_PAGE_ANON },
		{ "P*5 r P*506", MTHP_SCAN_PAGE_LRU },
		{ "P*5 L P*506", MTHP_SCAN_PAGE_LOCK },
		{ "P*5 c P*506", MTHP_SCAN_PAGE_COUNT },
		{ "P*512", MTHP_SCAN_SUCCEED },
	};
	char text[96];

	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		snprintf(text, sizeof(text), "ptes = %s", c[k].ptes);
		struct mthp_scan_info i = scan(text);

		assert_int_equal(i.result, c[k].result);
	}
	/* the locked page's bit is set before the scan stops at it */
	struct mthp_scan_info i = scan("ptes = P*5 L P*506");

	assert_int_equal(i.occupied, 6);
	/* lazyfree is a khugepaged-only check */
	i = scan("mode = madvise\nptes = P*5 f P*506");
	assert_int_equal(i.result, OK);
}

static void scan_shared(void **state)
{
	struct mthp_scan_info i;

	i = scan("max_ptes_shared = 3\nptes = S*4 P*508");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_SHARED_PTE);
	assert_int_equal(i.shared, 4);
	i = scan("max_ptes_shared = 3\nptes = S*3 P*509");
	assert_int_equal(i.result, OK);
	assert_int_equal(i.occupied, 512); /* shared pages are occupied */
	i = scan("mode = madvise\nmax_ptes_shared = 0\nptes = s*512");
	assert_int_equal(i.result, OK);
}

static void scan_referenced(void **state)
{
	struct mthp_scan_info i;

	i = scan("ptes = p*512");
	assert_int_equal(i.result, MTHP_SCAN_LACK_REFERENCED_PAGE);
	i = scan("ptes = P p*511");
	assert_int_equal(i.result, OK);
	assert_int_equal(i.referenced, 1);
	/* with swap: at least HPAGE_PMD_NR / 2 young pages */
	i = scan("ptes = w P*255 p*256");
	assert_int_equal(i.result, MTHP_SCAN_LACK_REFERENCED_PAGE);
	i = scan("ptes = w P*256 p*255");
	assert_int_equal(i.result, OK);
	/* madvise mode does not count */
	i = scan("mode = madvise\nptes = p*512");
	assert_int_equal(i.result, OK);
	assert_int_equal(i.referenced, 0);
}

static void scan_not_run(void **state)
{
	struct mthp_scan_info i;

	i = scan("pmd = none");
	assert_int_equal(i.result, MTHP_SCAN_NO_PTE_TABLE);
	assert_false(i.ran);
	i = scan("pmd = mapped");
	assert_int_equal(i.result, MTHP_SCAN_PMD_MAPPED);
	i = scan("enabled = never\nptes = P*512");
	assert_int_equal(i.result, MTHP_SCAN_VMA_CHECK);
	i = scan("vma = nohugepage\nptes = P*512");
	assert_int_equal(i.result, MTHP_SCAN_VMA_CHECK);
}

/* ---- the attempt ---- */

#define ALL_ORDERS                                                        \
	"order.2 = always\norder.3 = always\norder.4 = always\n"          \
	"order.5 = always\norder.6 = always\norder.7 = always\n"          \
	"order.8 = always\n"

/*
 * Swap-in at PMD order persists when isolate then fails: PTE 0 is swapped
 * in by the (0,9) attempt, which fails on the migration entry at 300; the
 * (0,8) attempt then sees a present PTE 0 and succeeds. The halves that
 * hold 300 keep splitting (SCAN_PTE_NON_PRESENT is in list A).
 */
static void swapin_persists(void **state)
{
	load(ALL_ORDERS "ptes = w P*299 m P*211");
	simulate();
	assert_int_equal(R.scan.unmapped, 2);
	ATTEMPTS({ 0, 9, MTHP_SCAN_PTE_NON_PRESENT }, { 0, 8, OK },
		 { 256, 8, MTHP_SCAN_PTE_NON_PRESENT },
		 { 256, 7, MTHP_SCAN_PTE_NON_PRESENT },
		 { 256, 6, MTHP_SCAN_PTE_NON_PRESENT }, { 256, 5, OK },
		 { 288, 5, MTHP_SCAN_PTE_NON_PRESENT },
		 { 288, 4, MTHP_SCAN_PTE_NON_PRESENT }, { 288, 3, OK },
		 { 296, 3, MTHP_SCAN_PTE_NON_PRESENT }, { 296, 2, OK },
		 { 300, 2, MTHP_SCAN_PTE_NON_PRESENT }, { 304, 4, OK },
		 { 320, 6, OK }, { 384, 7, OK });
	assert_int_equal(R.engine.collapsed, 508);
	assert_int_equal(S.ptes[0].kind, MTHP_PTE_PRESENT);
	assert_int_equal(S.ptes[0].folio_order, 8);
	assert_int_equal(S.ptes[300].kind, MTHP_PTE_NON_SWAP);
	/* events: scan, then swap-in, isolate, collapse of (0,9) */
	assert_int_equal(R.events[0].type, MTHP_EVENT_SCAN);
	assert_int_equal(R.events[0].unmapped, 2);
	assert_int_equal(R.events[1].type, MTHP_EVENT_SWAPIN);
	assert_int_equal(R.events[1].swapped_in, 1);
	assert_int_equal(R.events[1].status, OK);
	assert_int_equal(R.events[2].type, MTHP_EVENT_ISOLATE);
	assert_int_equal(R.events[2].status, MTHP_SCAN_PTE_NON_PRESENT);
	assert_int_equal(R.events[3].type, MTHP_EVENT_COLLAPSE);
	assert_int_equal(R.events[3].order, 9);
	assert_int_equal(R.events[4].type, MTHP_EVENT_SWAPIN);
	assert_int_equal(R.events[4].swapped_in, 0);
	/* the run collapsed, so it is the run's result */
	assert_int_equal(R.result, OK);
}

/*
 * mTHP refuses swap: PMD off, orders 2..8; PTE 0 is swapped. Every range
 * holding PTE 0 fails at swap-in, down to (0,2); the rest collapse.
 */
static void mthp_refuses_swap(void **state)
{
	load(ALL_ORDERS "order.9 = never\nptes = w P*511");
	simulate();
	ATTEMPTS({ 0, 8, MTHP_SCAN_EXCEED_SWAP_PTE },
		 { 0, 7, MTHP_SCAN_EXCEED_SWAP_PTE },
		 { 0, 6, MTHP_SCAN_EXCEED_SWAP_PTE },
		 { 0, 5, MTHP_SCAN_EXCEED_SWAP_PTE },
		 { 0, 4, MTHP_SCAN_EXCEED_SWAP_PTE },
		 { 0, 3, MTHP_SCAN_EXCEED_SWAP_PTE },
		 { 0, 2, MTHP_SCAN_EXCEED_SWAP_PTE }, { 4, 2, OK }, { 8, 3, OK },
		 { 16, 4, OK }, { 32, 5, OK }, { 64, 6, OK }, { 128, 7, OK },
		 { 256, 8, OK });
	assert_int_equal(S.ptes[0].kind, MTHP_PTE_SWAP); /* never swapped in */
	for (unsigned int k = 2; k <= 8; k++) {
		assert_int_equal(R.stats[k][MTHP_STAT_COLLAPSE_EXCEED_SWAP_PTE], 1);
		/* the allocation comes before swap-in */
		assert_int_equal(R.stats[k][MTHP_STAT_COLLAPSE_ALLOC],
				 2); /* (0,k) and its right neighbour */
	}
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_ALLOC], 0);
}

/* mTHP refuses shared pages; the PMD allows max_ptes_shared of them. */
static void mthp_refuses_shared(void **state)
{
	load(ALL_ORDERS "order.9 = never\nptes = P*4 S P*507");
	simulate();
	ATTEMPTS({ 0, 8, MTHP_SCAN_EXCEED_SHARED_PTE },
		 { 0, 7, MTHP_SCAN_EXCEED_SHARED_PTE },
		 { 0, 6, MTHP_SCAN_EXCEED_SHARED_PTE },
		 { 0, 5, MTHP_SCAN_EXCEED_SHARED_PTE },
		 { 0, 4, MTHP_SCAN_EXCEED_SHARED_PTE },
		 { 0, 3, MTHP_SCAN_EXCEED_SHARED_PTE }, { 0, 2, OK },
		 { 4, 2, MTHP_SCAN_EXCEED_SHARED_PTE }, { 8, 3, OK },
		 { 16, 4, OK }, { 32, 5, OK }, { 64, 6, OK }, { 128, 7, OK },
		 { 256, 8, OK });
	assert_int_equal(R.stats[3][MTHP_STAT_COLLAPSE_EXCEED_SHARED_PTE], 1);
	assert_int_equal(R.stats[2][MTHP_STAT_COLLAPSE_EXCEED_SHARED_PTE], 1);
	mthp_scenario_free(&S);

	load("ptes = P*4 S P*507");
	simulate();
	ATTEMPTS({ 0, 9, OK });
	mthp_scenario_free(&S);
	load("max_ptes_shared = 0\nmode = madvise\nptes = P*4 S P*507");
	simulate();
	ATTEMPTS({ 0, 9, OK }); /* MADV_COLLAPSE ignores the limit */
}

/* An existing folio of order >= k stops an order-k attempt. */
static void folio_order_rule(void **state)
{
	/* orders 2..4 on, PMD off, max_ptes_none 0; a 16-PTE folio at 0 */
	load("order.2 = always\norder.3 = always\norder.4 = always\n"
	     "order.9 = never\nmax_ptes_none = 0\n"
	     "ptes = P*16 .*496\nfolio = 0 4");
	simulate();
	ATTEMPTS({ 0, 4, MTHP_SCAN_PTE_MAPPED_HUGEPAGE });
	assert_int_equal(R.result, MTHP_SCAN_FAIL);
	mthp_scenario_free(&S);
	/* an order-3 folio there: the order-4 collapse goes ahead */
	load("order.2 = always\norder.3 = always\norder.4 = always\n"
	     "order.9 = never\nmax_ptes_none = 0\n"
	     "ptes = P*16 .*496\nfolio = 0 3");
	simulate();
	ATTEMPTS({ 0, 4, OK });
	assert_int_equal(S.ptes[7].folio_order, 4);
	mthp_scenario_free(&S);
	/* at PMD order the rule does not apply */
	load("ptes = P*512\nfolio = 0 9");
	simulate();
	ATTEMPTS({ 0, 9, OK });
}

/* Each mTHP range needs a young PTE of its own. */
static void per_range_referenced(void **state)
{
	load("order.2 = always\norder.9 = never\nmax_ptes_none = 0\n"
	     "ptes = P*4 p*4 .*504");
	simulate();
	ATTEMPTS({ 0, 2, OK }, { 4, 2, MTHP_SCAN_LACK_REFERENCED_PAGE });
	assert_int_equal(R.result, OK);
	assert_int_equal(R.events[R.nevents - 2].type, MTHP_EVENT_ISOLATE);
	assert_int_equal(R.events[R.nevents - 2].referenced, 0);
}

/*
 * uffd: v19 attempts the PMD (no threshold effect) and isolate allows no
 * none PTE, so it steps down to (0,2); v18 never attempts above (0,2).
 */
static void uffd_isolate(void **state)
{
	load("model = v19\n" ALL_ORDERS "vma = uffd\nptes = P*4 .*508");
	simulate();
	ATTEMPTS({ 0, 9, MTHP_SCAN_EXCEED_NONE_PTE },
		 { 0, 8, MTHP_SCAN_EXCEED_NONE_PTE },
		 { 0, 7, MTHP_SCAN_EXCEED_NONE_PTE },
		 { 0, 6, MTHP_SCAN_EXCEED_NONE_PTE },
		 { 0, 5, MTHP_SCAN_EXCEED_NONE_PTE },
		 { 0, 4, MTHP_SCAN_EXCEED_NONE_PTE },
		 { 0, 3, MTHP_SCAN_EXCEED_NONE_PTE }, { 0, 2, OK });
	for (unsigned int k = 3; k <= 9; k++)
		assert_int_equal(R.stats[k][MTHP_STAT_COLLAPSE_EXCEED_NONE_PTE], 1);
	mthp_scenario_free(&S);
	load("model = v18\n" ALL_ORDERS "vma = uffd\nptes = P*4 .*508");
	simulate();
	ATTEMPTS({ 0, 2, OK });
	mthp_scenario_free(&S);
	/* v15: the scan stops at the first none PTE; counted at PMD order */
	load("model = v15\n" ALL_ORDERS "vma = uffd\nptes = P*4 .*508");
	simulate();
	assert_int_equal(R.result, MTHP_SCAN_EXCEED_NONE_PTE);
	assert_int_equal(R.nattempts, 0);
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_EXCEED_NONE_PTE], 1);
}

/* Injected failures: before anything else; allocation statistics. */
static void injected_failures(void **state)
{
	load(ALL_ORDERS "ptes = P*512\nfail = 0:9 SCAN_ALLOC_HUGE_PAGE_FAIL\n"
	     "fail = 0:8 SCAN_CGROUP_CHARGE_FAIL");
	simulate();
	/* CGROUP_CHARGE_FAIL is in no try-lower list: v15 stops */
	ATTEMPTS({ 0, 9, MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL },
		 { 0, 8, MTHP_SCAN_CGROUP_CHARGE_FAIL });
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_ALLOC_FAILED], 1);
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_ALLOC], 0);
	assert_int_equal(R.stats[8][MTHP_STAT_COLLAPSE_ALLOC], 1);
	assert_int_equal(R.result, MTHP_SCAN_FAIL);
	/* injected failures apply again on the next visit; stats add up */
	simulate();
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_ALLOC_FAILED], 1);
}

/* A PMD collapse maps the range by the PMD: the next visit says so. */
static void pmd_collapse_then_mapped(void **state)
{
	load("ptes = P .*511");
	simulate();
	ATTEMPTS({ 0, 9, OK });
	assert_int_equal(S.pmd, MTHP_PMD_MAPPED);
	assert_int_equal(mthp_scenario_present(&S), 512);
	simulate();
	assert_int_equal(R.result, MTHP_SCAN_PMD_MAPPED);
	assert_int_equal(R.nattempts, 0);
	assert_int_equal(R.nevents, 0);
}

/* SPEC 10: 511 present + 1 swapped, max_ptes_none 0, PMD only. */
static void swap_accounting_issue(void **state)
{
	static const struct {
		const char *model;
		bool collapses;
	} c[] = { { "baseline", true },  { "v15", false }, { "v17", false },
		  { "v19", false },      { "v19-swapfix", true } };
	char text[128];

	for (size_t i = 0; i < 5; i++) {
		snprintf(text, sizeof(text),
			 "model = %s\nmax_ptes_none = 0\nptes = P*511 w", c[i].model);
		mthp_scenario_free(&S);
		load(text);
		simulate();
		assert_int_equal(R.scan.result, OK);
		assert_int_equal(R.nattempts, c[i].collapses ? 1 : 0);
		if (c[i].collapses) {
			/* swapped in, then isolated: one PMD folio */
			assert_int_equal(R.attempts[0].result, OK);
			assert_int_equal(mthp_scenario_present(&S), 512);
		}
	}
}

static void names(void **state)
{
	assert_string_equal(mthp_stat_name(MTHP_STAT_COLLAPSE_ALLOC),
			    "collapse_alloc");
	assert_string_equal(mthp_stat_name(MTHP_STAT_COLLAPSE_EXCEED_SHARED_PTE),
			    "collapse_exceed_shared_pte");
	assert_null(mthp_stat_name(MTHP_STAT_COUNT));
	assert_string_equal(mthp_event_name(MTHP_EVENT_SCAN),
			    "mm_khugepaged_scan_pmd");
	assert_string_equal(mthp_event_name(MTHP_EVENT_COLLAPSE),
			    "mm_collapse_huge_page");
	assert_null(mthp_event_name((enum mthp_event_type)9));
}

static void bad_arguments(void **state)
{
	load("ptes = P*512");
	assert_int_equal(mthp_sim_result_init(&R, &S.geometry), 0);
	S.max_ptes_none = 512;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	S.max_ptes_none = 0;
	S.model = MTHP_MODEL_COUNT;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	S.model = MTHP_MODEL_V15;
	assert_int_equal(mthp_scenario_set_folio(&S, 3, 2), -EINVAL);
	assert_int_equal(mthp_scenario_set_folio(&S, 0, 10), -EINVAL);
	assert_int_equal(mthp_scenario_set_folio(&S, 512, 0), -EINVAL);
	unsigned long map[8];
	struct mthp_scan_info info;

	assert_int_equal(mthp_scan(NULL, 1, map, &info), -EINVAL);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(scan_none_limit_per_model),
		T(scan_uffd),
		T(scan_swap),
		T(scan_present_checks),
		T(scan_shared),
		T(scan_referenced),
		T(scan_not_run),
		T(swapin_persists),
		T(mthp_refuses_swap),
		T(mthp_refuses_shared),
		T(folio_order_rule),
		T(per_range_referenced),
		T(uffd_isolate),
		T(injected_failures),
		T(pmd_collapse_then_mapped),
		T(swap_accounting_issue),
		T(names),
		T(bad_arguments),
	};

	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
