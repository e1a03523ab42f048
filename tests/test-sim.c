// SPDX-License-Identifier: MIT
/*
 * The scan (docs/MODELS.md section 5), the collapse attempt (section 7),
 * statistics and events (section 8), through mthp_scan() and
 * mthp_simulate() on scenario text.
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
	assert_int_equal(mthp_scan(&S, orders, map, MTHP_MAX_PTRS, &info), 0);
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

/*
 * A VMA that was only ever read has no anon_vma: the attempt looks at the
 * VMA again after its allocation and refuses it, SCAN_PAGE_ANON (seen as
 * EINVAL from MADV_COLLAPSE on zero-page tables: docs/MODELS.md section
 * 7). The scan itself passes such a table in MADV_COLLAPSE mode.
 */
static void attempt_needs_an_anon_vma(void **state)
{
	static const char *const models[] = { "baseline", "latest", "v16" };
	/* the run's result: baseline the attempt's, the walk the last
	 * failure it met, the stack FAIL when nothing collapsed (6.1-6.3) */
	static const int runs[] = { MTHP_SCAN_PAGE_ANON, MTHP_SCAN_PAGE_ANON,
				    MTHP_SCAN_FAIL };
	char text[160];

	(void)state;
	for (size_t m = 0; m < 3; m++) {
		static const char *const maps[] = { "z*512", "z*64 .*448", ".*512" };

		for (size_t k = 0; k < 3; k++) {
			snprintf(text, sizeof(text), "model = %s\nmode = madvise\nptes = %s",
				 models[m], maps[k]);
			mthp_scenario_free(&S);
			load(text);
			simulate();
			assert_int_equal(R.scan.result, OK);
			/* one PMD attempt: allocated, then refused */
			ATTEMPTS({ 0, 9, MTHP_SCAN_PAGE_ANON });
			assert_int_equal(R.result, runs[m]);
			assert_int_equal(R.vmstat[MTHP_VMSTAT_COLLAPSE_ALLOC], 1);
			assert_int_equal(mthp_madvise_errno(S.model, R.result), EINVAL);
		}
		/* one written page is enough: the PMD collapses */
		snprintf(text, sizeof(text), "model = %s\nmode = madvise\nptes = z*511 P",
			 models[m]);
		mthp_scenario_free(&S);
		load(text);
		simulate();
		ATTEMPTS({ 0, 9, OK });
		/* a swap entry stands for a page that was written */
		snprintf(text, sizeof(text), "model = %s\nmode = madvise\nptes = z*511 w",
			 models[m]);
		mthp_scenario_free(&S);
		load(text);
		simulate();
		ATTEMPTS({ 0, 9, OK });
	}
	/* khugepaged: 500 zero pages pass max_ptes_none 511, the 12 swap
	 * entries max_ptes_swap 64; nothing is young */
	struct mthp_scan_info i = scan("model = baseline\nmax_ptes_none = 511\nptes = z*500 w*12");

	assert_int_equal(i.result, MTHP_SCAN_LACK_REFERENCED_PAGE);
	assert_int_equal(i.unmapped, 12);
}

/*
 * 6.1 asks whether a page is mapped twice (page_mapcount() > 1), later
 * kernels whether its folio may be: the mock's other process maps the
 * first page of a shared folio only, so 6.1 counts one shared PTE for a
 * whole shared folio, and every shared order-0 page.
 */
static void shared_per_page_in_6_1(void **state)
{
	struct mthp_scan_info i;

	(void)state;
	/* an order-4 folio, shared: 1 in 6.1, 16 in 6.12 */
	i = scan("model = baseline-6.1\nmax_ptes_shared = 1\nptes = S*16 P*496\nfolio = 0 4");
	assert_int_equal(i.result, OK);
	assert_int_equal(i.shared, 1);
	i = scan("model = baseline-6.12\nmax_ptes_shared = 1\nptes = S*16 P*496\nfolio = 0 4");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_SHARED_PTE);
	assert_int_equal(i.shared, 2);
	/* order-0 pages count each, in both */
	i = scan("model = baseline-6.1\nmax_ptes_shared = 1\nptes = S*2 P*510");
	assert_int_equal(i.result, MTHP_SCAN_EXCEED_SHARED_PTE);
	/* the isolate counts the same way: PMD collapse of 32 shared pages
	 * of one folio with max_ptes_shared 1 */
	mthp_scenario_free(&S);
	load("model = baseline-6.1\nmax_ptes_shared = 1\nptes = S*32 P*480\nfolio = 0 5");
	simulate();
	ATTEMPTS({ 0, 9, OK });
}

/*
 * baseline-6.12 and baseline-6.1: a scan (and an isolate) that meets no
 * writable PTE fails with SCAN_PAGE_RO, in both modes, before the young
 * rule; a page shared with a forked process is write-protected.
 */
static void writable_check_before_6_18(void **state)
{
	struct mthp_scan_info i;

	(void)state;
	i = scan("model = baseline-6.12\nmode = madvise\nptes = S*512");
	assert_int_equal(i.result, MTHP_SCAN_PAGE_RO);
	assert_int_equal(i.shared, 512);
	i = scan("model = baseline-6.12\nmode = madvise\nptes = S*256 .*256");
	assert_int_equal(i.result, MTHP_SCAN_PAGE_RO);
	i = scan("model = baseline-6.12\nmode = madvise\nptes = z*512");
	assert_int_equal(i.result, MTHP_SCAN_PAGE_RO);
	/* one exclusive page is writable */
	i = scan("model = baseline-6.12\nmode = madvise\nptes = S*511 P");
	assert_int_equal(i.result, OK);
	/* khugepaged: the writable rule before the young one */
	i = scan("model = baseline-6.12\nmax_ptes_none = 511\nptes = z*500 w*12");
	assert_int_equal(i.result, MTHP_SCAN_PAGE_RO);
	i = scan("model = baseline-6.1\nmode = madvise\nptes = s*512");
	assert_int_equal(i.result, MTHP_SCAN_PAGE_RO);
	/* the same tables pass the 6.18 scan */
	i = scan("model = baseline\nmode = madvise\nptes = S*512");
	assert_int_equal(i.result, OK);
	/* and no lazyfree check before 6.18: a clean lazyfree page is taken */
	i = scan("model = baseline-6.12\nptes = P*511 f");
	assert_int_equal(i.result, OK);
	i = scan("model = baseline\nptes = P*511 f");
	assert_int_equal(i.result, MTHP_SCAN_PAGE_LAZYFREE);
	/* MADV_COLLAPSE of an all-shared table collapses on 6.18 */
	mthp_scenario_free(&S);
	load("model = baseline\nmode = madvise\nptes = S*512");
	simulate();
	ATTEMPTS({ 0, 9, OK });
}

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
	i = scan("model = baseline\nmode = madvise\nmax_ptes_none = 0\nptes = P .*511");
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
 * in by the (0,9) attempt, which fails in isolate on the migration entry at
 * 300 (at PMD order swap-in leaves it for isolate); the (0,8) attempt then
 * sees a present PTE 0 and succeeds. Below PMD order every range holding
 * 300 is refused at swap-in, SCAN_EXCEED_SWAP_PTE (any non-none,
 * non-present entry), and tries lower; the walk (latest, the default):
 *   (256,8) (256,7) (256,6) refused, (256,5) ok -> 288, order 5
 *   (288,5) (288,4) refused, (288,3) ok -> 296; (296,3) refused, (296,2) ok
 *   (300,2) refused, nothing lower -> 304 (order 4), 320 (6), 384 (7) ok.
 * Collapsed: 256 + 32 + 8 + 4 + 16 + 64 + 128 = 508.
 */
static void swapin_persists(void **state)
{
	load(ALL_ORDERS "ptes = w P*299 m P*211");
	simulate();
	assert_int_equal(R.scan.unmapped, 2);
	/*
	 * The PMD's isolate took PTEs 0..299 (0 swapped in) and stopped at
	 * the migration entry: the 300 small folios go back through the LRU
	 * batch last first, and the batch (31) moves on at each 31st, so the
	 * last 21 put back - PTEs 20..0 - still hold its reference. Every
	 * range that reaches one of them fails there (SCAN_PAGE_COUNT); (24,3)
	 * is the first that does not, and its new folio moves the batch on.
	 */
	ATTEMPTS({ 0, 9, MTHP_SCAN_PTE_NON_PRESENT },
		 { 0, 8, MTHP_SCAN_PAGE_COUNT }, { 0, 7, MTHP_SCAN_PAGE_COUNT },
		 { 0, 6, MTHP_SCAN_PAGE_COUNT }, { 0, 5, MTHP_SCAN_PAGE_COUNT },
		 { 0, 4, MTHP_SCAN_PAGE_COUNT }, { 0, 3, MTHP_SCAN_PAGE_COUNT },
		 { 0, 2, MTHP_SCAN_PAGE_COUNT }, { 4, 2, MTHP_SCAN_PAGE_COUNT },
		 { 8, 3, MTHP_SCAN_PAGE_COUNT }, { 8, 2, MTHP_SCAN_PAGE_COUNT },
		 { 12, 2, MTHP_SCAN_PAGE_COUNT }, { 16, 4, MTHP_SCAN_PAGE_COUNT },
		 { 16, 3, MTHP_SCAN_PAGE_COUNT }, { 16, 2, MTHP_SCAN_PAGE_COUNT },
		 { 20, 2, MTHP_SCAN_PAGE_COUNT }, { 24, 3, OK }, { 32, 5, OK },
		 { 64, 6, OK }, { 128, 7, OK },
		 { 256, 8, MTHP_SCAN_EXCEED_SWAP_PTE },
		 { 256, 7, MTHP_SCAN_EXCEED_SWAP_PTE },
		 { 256, 6, MTHP_SCAN_EXCEED_SWAP_PTE }, { 256, 5, OK },
		 { 288, 5, MTHP_SCAN_EXCEED_SWAP_PTE },
		 { 288, 4, MTHP_SCAN_EXCEED_SWAP_PTE }, { 288, 3, OK },
		 { 296, 3, MTHP_SCAN_EXCEED_SWAP_PTE }, { 296, 2, OK },
		 { 300, 2, MTHP_SCAN_EXCEED_SWAP_PTE }, { 304, 4, OK },
		 { 320, 6, OK }, { 384, 7, OK });
	assert_int_equal(R.engine.collapsed, 508 - 24);
	/* one swap refusal at each order 8..2, none at PMD order */
	for (unsigned int k = 2; k <= 8; k++)
		assert_int_equal(R.stats[k][MTHP_STAT_COLLAPSE_EXCEED_SWAP_PTE], 1);
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_EXCEED_SWAP_PTE], 0);
	assert_int_equal(R.vmstat[MTHP_VMSTAT_SCAN_EXCEED_SWAP_PTE], 0);
	assert_int_equal(S.ptes[0].kind, MTHP_PTE_PRESENT);
	assert_int_equal(S.ptes[0].folio_order, 0);
	assert_int_equal(S.ptes[24].folio_order, 3);
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
	/* (0,8) took PTEs 0..3 before the shared one: back in the LRU batch,
	 * they fail every smaller range at 0 (SCAN_PAGE_COUNT); (4,2) meets
	 * the shared page first */
	ATTEMPTS({ 0, 8, MTHP_SCAN_EXCEED_SHARED_PTE },
		 { 0, 7, MTHP_SCAN_PAGE_COUNT }, { 0, 6, MTHP_SCAN_PAGE_COUNT },
		 { 0, 5, MTHP_SCAN_PAGE_COUNT }, { 0, 4, MTHP_SCAN_PAGE_COUNT },
		 { 0, 3, MTHP_SCAN_PAGE_COUNT }, { 0, 2, MTHP_SCAN_PAGE_COUNT },
		 { 4, 2, MTHP_SCAN_EXCEED_SHARED_PTE }, { 8, 3, OK },
		 { 16, 4, OK }, { 32, 5, OK }, { 64, 6, OK }, { 128, 7, OK },
		 { 256, 8, OK });
	assert_int_equal(R.stats[8][MTHP_STAT_COLLAPSE_EXCEED_SHARED_PTE], 1);
	assert_int_equal(R.stats[3][MTHP_STAT_COLLAPSE_EXCEED_SHARED_PTE], 0);
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
 * none PTE; the PMD's isolate took PTEs 0..3 first, and back in the LRU
 * batch they fail every smaller range (SCAN_PAGE_COUNT): nothing
 * collapses. v18 never attempts above (0,2), and (0,2) collapses.
 */
static void uffd_isolate(void **state)
{
	load("model = v19\n" ALL_ORDERS "vma = uffd\nptes = P*4 .*508");
	simulate();
	ATTEMPTS({ 0, 9, MTHP_SCAN_EXCEED_NONE_PTE },
		 { 0, 8, MTHP_SCAN_PAGE_COUNT }, { 0, 7, MTHP_SCAN_PAGE_COUNT },
		 { 0, 6, MTHP_SCAN_PAGE_COUNT }, { 0, 5, MTHP_SCAN_PAGE_COUNT },
		 { 0, 4, MTHP_SCAN_PAGE_COUNT }, { 0, 3, MTHP_SCAN_PAGE_COUNT },
		 { 0, 2, MTHP_SCAN_PAGE_COUNT });
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_EXCEED_NONE_PTE], 1);
	for (unsigned int k = 3; k <= 8; k++)
		assert_int_equal(R.stats[k][MTHP_STAT_COLLAPSE_EXCEED_NONE_PTE], 0);
	mthp_scenario_free(&S);
	load("model = v18\n" ALL_ORDERS "vma = uffd\nptes = P*4 .*508");
	simulate();
	ATTEMPTS({ 0, 2, OK });
	mthp_scenario_free(&S);
	/* v15: the scan stops at the first none PTE. v15's scan counted no
	 * per-size counter; the vmstat event is counted in every model */
	load("model = v15\n" ALL_ORDERS "vma = uffd\nptes = P*4 .*508");
	simulate();
	assert_int_equal(R.result, MTHP_SCAN_EXCEED_NONE_PTE);
	assert_int_equal(R.nattempts, 0);
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_EXCEED_NONE_PTE], 0);
	assert_int_equal(R.vmstat[MTHP_VMSTAT_SCAN_EXCEED_NONE_PTE], 1);
}

/*
 * The LRU batch a failed isolate leaves (docs/MODELS.md section 7): 31
 * folios put back move it on, 30 stay. A uffd-armed VMA, every size on:
 * the PMD's isolate takes the present pages and stops at the first none.
 */
static void lru_batch(void **state)
{
	/* 31 put back: the batch moved on at the 31st, empty. (0,8), (0,7),
	 * (0,6), (0,5) reach PTE 31, none: each takes 0..30 and puts them
	 * back, empty again; (0,4) holds only present PTEs and collapses.
	 * (16,4) takes 16..30 and stops at 31: 15 put back stay, and every
	 * range below it meets one of them */
	load("model = v19\n" ALL_ORDERS "vma = uffd\nptes = P*31 .*481");
	simulate();
	ATTEMPTS({ 0, 9, MTHP_SCAN_EXCEED_NONE_PTE }, { 0, 8, MTHP_SCAN_EXCEED_NONE_PTE },
		 { 0, 7, MTHP_SCAN_EXCEED_NONE_PTE }, { 0, 6, MTHP_SCAN_EXCEED_NONE_PTE },
		 { 0, 5, MTHP_SCAN_EXCEED_NONE_PTE }, { 0, 4, OK },
		 { 16, 4, MTHP_SCAN_EXCEED_NONE_PTE }, { 16, 3, MTHP_SCAN_PAGE_COUNT },
		 { 16, 2, MTHP_SCAN_PAGE_COUNT }, { 20, 2, MTHP_SCAN_PAGE_COUNT },
		 { 24, 3, MTHP_SCAN_PAGE_COUNT }, { 24, 2, MTHP_SCAN_PAGE_COUNT },
		 { 28, 2, MTHP_SCAN_PAGE_COUNT });
	mthp_scenario_free(&S);
	/* 30 put back stay: every range over 0..29 fails there */
	load("model = v19\n" ALL_ORDERS "vma = uffd\nptes = P*30 .*482");
	simulate();
	assert_int_equal(R.ncollapses, 0);
	assert_int_equal(R.attempts[1].result, MTHP_SCAN_PAGE_COUNT);
	assert_int_equal(R.attempts[R.nattempts - 1].offset, 28);
	assert_int_equal(R.attempts[R.nattempts - 1].result, MTHP_SCAN_PAGE_COUNT);
	mthp_scenario_free(&S);
	/* ppc64 radix 64K (32 PTEs), half present: the next visit does the
	 * same - the kernel never collapses this range */
	load("geometry = ppc64-radix-64k\norders = all\nvma = uffd\n"
	     "max_ptes_none = 31\nptes = P*16 .*16");
	for (int visit = 0; visit < 3; visit++) {
		simulate();
		ATTEMPTS({ 0, 5, MTHP_SCAN_EXCEED_NONE_PTE }, { 0, 4, MTHP_SCAN_PAGE_COUNT },
			 { 0, 3, MTHP_SCAN_PAGE_COUNT }, { 0, 2, MTHP_SCAN_PAGE_COUNT },
			 { 4, 2, MTHP_SCAN_PAGE_COUNT }, { 8, 3, MTHP_SCAN_PAGE_COUNT },
			 { 8, 2, MTHP_SCAN_PAGE_COUNT }, { 12, 2, MTHP_SCAN_PAGE_COUNT });
	}
	mthp_scenario_free(&S);
	/* x86_64, 256 present: 256 put back leave the last 8 (PTEs 7..0);
	 * (8,3) is the first range past them, and its new folio empties the
	 * batch. The next visit's PMD isolate takes folios of order 3 and up
	 * too, whose putback empties the batch: (0,8) then collapses */
	load("model = v19\n" ALL_ORDERS "vma = uffd\nptes = P*256 .*256");
	simulate();
	assert_int_equal(R.ncollapses, 5);
	assert_int_equal(R.collapses[0].offset, 8);
	assert_int_equal(R.collapses[0].order, 3);
	assert_int_equal(R.collapses[4].offset, 128);
	assert_int_equal(R.collapses[4].order, 7);
	simulate();
	ATTEMPTS({ 0, 9, MTHP_SCAN_EXCEED_NONE_PTE }, { 0, 8, OK });
}

/* Injected failures: before anything else; allocation statistics. */
static void injected_failures(void **state)
{
	load("model = v15\n" ALL_ORDERS "ptes = P*512\n"
	     "fail = 0:9 SCAN_ALLOC_HUGE_PAGE_FAIL\n"
	     "fail = 0:8 SCAN_CGROUP_CHARGE_FAIL");
	simulate();
	/* CGROUP_CHARGE_FAIL is in no try-lower list: v15 stops */
	ATTEMPTS({ 0, 9, MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL },
		 { 0, 8, MTHP_SCAN_CGROUP_CHARGE_FAIL });
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_ALLOC_FAILED], 1);
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_ALLOC], 0);
	assert_int_equal(R.stats[8][MTHP_STAT_COLLAPSE_ALLOC], 1);
	/* vmstat: the PMD allocation failed; the order-8 one is not counted */
	assert_int_equal(R.vmstat[MTHP_VMSTAT_COLLAPSE_ALLOC_FAILED], 1);
	assert_int_equal(R.vmstat[MTHP_VMSTAT_COLLAPSE_ALLOC], 0);
	assert_int_equal(R.result, MTHP_SCAN_FAIL);
	/* injected failures apply again on the next visit; stats add up */
	simulate();
	assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_ALLOC_FAILED], 1);
	/* the walk (latest) stops the same way, and its run result says an
	 * allocation failed (docs/MODELS.md section 6.3) */
	mthp_scenario_free(&S);
	load("model = latest\n" ALL_ORDERS "ptes = P*512\n"
	     "fail = 0:9 SCAN_ALLOC_HUGE_PAGE_FAIL\n"
	     "fail = 0:8 SCAN_PTE_UFFD");
	simulate();
	/* SCAN_PTE_UFFD is read as SCAN_PTE_UFFD_WP: list B, try lower */
	assert_int_equal(S.fails[1].result, MTHP_SCAN_PTE_UFFD_WP);
	ATTEMPTS({ 0, 9, MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL },
		 { 0, 8, MTHP_SCAN_PTE_UFFD_WP }, { 0, 7, OK }, { 128, 7, OK },
		 { 256, 8, OK });
	assert_int_equal(R.result, OK);
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

/* docs/MODELS.md section 10: 511 present + 1 swapped, max_ptes_none 0,
 * PMD only. */
static void swap_accounting_issue(void **state)
{
	static const struct {
		const char *model;
		bool collapses;
	} c[] = { { "baseline", true },  { "v15", false }, { "v17", false },
		  { "v19", false },      { "latest", true } };
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

/*
 * MADV_COLLAPSE on a VM_NOHUGEPAGE VMA is refused before any scan, in
 * every model: nothing enabled, nothing scanned, SCAN_VMA_CHECK.
 */
static void madvise_nohugepage(void **state)
{
	char text[128];

	for (int m = 0; m < MTHP_MODEL_COUNT; m++) {
		snprintf(text, sizeof(text),
			 "model = %s\nmode = madvise\nvma = nohugepage\nptes = P*512",
			 mthp_model_name((enum mthp_model)m));
		mthp_scenario_free(&S);
		load(text);
		simulate();
		assert_int_equal(R.enabled_orders, 0);
		assert_false(R.scan.ran);
		assert_int_equal(R.result, MTHP_SCAN_VMA_CHECK);
		assert_int_equal(R.nattempts, 0);
		assert_int_equal(R.nevents, 0);
	}
	/* the same VMA without the flag collapses at PMD order */
	mthp_scenario_free(&S);
	load("mode = madvise\nptes = P*512");
	simulate();
	ATTEMPTS({ 0, 9, OK });
}

/*
 * Below PMD order swap-in refuses any entry that is neither none nor
 * present: a migration entry 'm' now stops (0,2) at swap-in with
 * SCAN_EXCEED_SWAP_PTE (counted for the 16K size), not in isolate.
 */
static void swapin_refuses_non_swap_entry(void **state)
{
	load("model = v19\norder.2 = always\nmax_ptes_none = 0\n"
	     "ptes = P m P*510");
	simulate();
	assert_int_equal(R.scan.result, OK);
	/* v19, max_ptes_none 0: PMD order has 511 occupied of 512, below
	 * threshold; (0,2) has 3 of 4, below too; every other order-2 window
	 * collapses: 127 attempts, none of them touching PTE 1 */
	assert_int_equal(R.nattempts, 127);
	mthp_scenario_free(&S);
	/* latest counts the unmapped entry at PMD order: 511 + 1 reaches 512,
	 * so (0,9) is attempted and fails in isolate (at PMD order swap-in
	 * leaves the migration entry there); then the same 127 */
	load("order.2 = always\nmax_ptes_none = 0\nptes = P m P*510");
	simulate();
	assert_int_equal(R.nattempts, 128);
	assert_int_equal(R.attempts[0].result, MTHP_SCAN_PTE_NON_PRESENT);
	mthp_scenario_free(&S);
	load("order.2 = always\nmax_ptes_none = 511\nptes = P m P*510");
	simulate();
	/* max_ptes_none 511: (0,9) is attempted first and fails in isolate on
	 * the migration entry (PMD order leaves it there) */
	assert_true(R.nattempts >= 2);
	assert_int_equal(R.attempts[0].order, 9);
	assert_int_equal(R.attempts[0].result, MTHP_SCAN_PTE_NON_PRESENT);
	assert_int_equal(R.attempts[1].offset, 0);
	assert_int_equal(R.attempts[1].order, 2);
	assert_int_equal(R.attempts[1].result, MTHP_SCAN_EXCEED_SWAP_PTE);
	assert_int_equal(R.stats[2][MTHP_STAT_COLLAPSE_EXCEED_SWAP_PTE], 1);
	/* the isolate-stage code is no longer reached below PMD order */
	for (size_t i = 1; i < R.nattempts; i++)
		assert_int_not_equal(R.attempts[i].result,
				     MTHP_SCAN_PTE_NON_PRESENT);
}

/*
 * Statistics per revision. The scan fails on swap (2 > 1) at PMD order:
 * baseline has no per-size counters; v15's scan phase counted none; v16
 * on count it at the PMD size. /proc/vmstat counts it in every model.
 */
static void stats_per_revision(void **state)
{
	static const struct {
		const char *model;
		unsigned long per_size;
	} c[] = { { "baseline", 0 }, { "scaled", 0 }, { "v15", 0 },
		  { "v16", 1 }, { "v19", 1 }, { "latest", 1 } };
	char text[128];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(text, sizeof(text),
			 "model = %s\nmax_ptes_swap = 1\nptes = w*2 P*510",
			 c[i].model);
		mthp_scenario_free(&S);
		load(text);
		simulate();
		assert_int_equal(R.result, MTHP_SCAN_EXCEED_SWAP_PTE);
		assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_EXCEED_SWAP_PTE],
				 c[i].per_size);
		assert_int_equal(R.vmstat[MTHP_VMSTAT_SCAN_EXCEED_SWAP_PTE], 1);
	}
	/* a PMD collapse: thp_collapse_alloc in every model; the per-size
	 * collapse_alloc only where the counters exist */
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(text, sizeof(text), "model = %s\nptes = P*512",
			 c[i].model);
		mthp_scenario_free(&S);
		load(text);
		simulate();
		assert_int_equal(R.vmstat[MTHP_VMSTAT_COLLAPSE_ALLOC], 1);
		assert_int_equal(R.stats[9][MTHP_STAT_COLLAPSE_ALLOC],
				 strcmp(c[i].model, "baseline") ? 1 : 0);
	}
	/* baseline: an isolate failure on shared pages at PMD order counts
	 * the vmstat event and no per-size counter. The scan allows 256
	 * shared; isolate sees the same 256 and passes... so force the
	 * isolate to be the one that fails: madvise scans without a shared
	 * limit, khugepaged isolates with one. Here: khugepaged, 3 shared, a
	 * limit of 2 fails the scan itself (thp_scan_exceed_share_pte). */
	mthp_scenario_free(&S);
	load("model = baseline\nmax_ptes_shared = 2\nptes = S*3 P*509");
	simulate();
	assert_int_equal(R.result, MTHP_SCAN_EXCEED_SHARED_PTE);
	assert_int_equal(R.vmstat[MTHP_VMSTAT_SCAN_EXCEED_SHARE_PTE], 1);
	for (unsigned int k = 0; k <= 9; k++)
		for (int st = 0; st < MTHP_STAT_COUNT; st++)
			assert_int_equal(R.stats[k][st], 0);
	/* an mTHP allocation is not a vmstat event */
	mthp_scenario_free(&S);
	load("order.4 = always\norder.9 = never\nptes = P*16 .*496");
	simulate();
	ATTEMPTS({ 0, 4, OK });
	assert_int_equal(R.stats[4][MTHP_STAT_COLLAPSE_ALLOC], 1);
	assert_int_equal(R.vmstat[MTHP_VMSTAT_COLLAPSE_ALLOC], 0);
}

/* Sharedness belongs to the folio: its PTEs must agree. */
static void folio_sharing_agrees(void **state)
{
	struct mthp_parse_error e;
	const char *bad = "ptes = P*2 S P*509\nfolio = 0 2\n";

	assert_int_equal(mthp_scenario_parse(bad, strlen(bad), NULL, &S, &e),
			 -EINVAL);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 9);
	assert_non_null(strstr(e.msg, "PTE 2 is shared but PTE 0 is exclusive"));
	mthp_scenario_free(&S);
	/* none and swap PTEs in the folio do not map it: no disagreement */
	load("ptes = S . w s P*508\nfolio = 0 2\n");
	assert_int_equal(S.ptes[3].folio_order, 2);
	mthp_scenario_free(&S);
	/* the library call refuses it too, and changes nothing */
	load("ptes = P S P*510");
	assert_int_equal(mthp_scenario_set_folio(&S, 0, 1), -EINVAL);
	assert_int_equal(S.ptes[0].folio_order, 0);
	assert_int_equal(mthp_scenario_set_folio(&S, 2, 1), 0);
	/* and a present PTE already in another large folio */
	assert_int_equal(mthp_scenario_set_folio(&S, 0, 2), -EINVAL);
}

/* latest is the default, v19-swapfix its alias; SCAN_PTE_UFFD is read. */
static void latest_and_aliases(void **state)
{
	enum mthp_model m;
	enum mthp_scan_result r;

	load("ptes = P*512");
	assert_int_equal(S.model, MTHP_MODEL_LATEST);
	assert_string_equal(mthp_model_name(S.model), "latest");
	assert_int_equal(mthp_model_from_name("v19-swapfix", &m), 0);
	assert_int_equal(m, MTHP_MODEL_LATEST);
	assert_string_equal(mthp_model_alias(MTHP_MODEL_LATEST), "v19-swapfix");
	assert_null(mthp_model_alias(MTHP_MODEL_V15));
	assert_int_equal(mthp_scan_result_from_name("SCAN_PTE_UFFD", &r), 0);
	assert_int_equal(r, MTHP_SCAN_PTE_UFFD_WP);
	assert_int_equal(mthp_scan_result_from_name("PTE_UFFD", &r), 0);
	assert_string_equal(mthp_scan_result_name(MTHP_SCAN_PTE_UFFD_WP),
			    "SCAN_PTE_UFFD_WP");
	assert_int_equal(mthp_scan_result_from_name("SCAN_PTE_UFFD_X", &r),
			 -EINVAL);
}

static void names(void **state)
{
	assert_string_equal(mthp_vmstat_name(MTHP_VMSTAT_SCAN_EXCEED_SHARE_PTE),
			    "thp_scan_exceed_share_pte");
	assert_string_equal(mthp_vmstat_name(MTHP_VMSTAT_COLLAPSE_ALLOC),
			    "thp_collapse_alloc");
	assert_null(mthp_vmstat_name(MTHP_VMSTAT_COUNT));
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

	assert_int_equal(mthp_scan(NULL, 1, map, 8 * MTHP_BITS_PER_LONG, &info), -EINVAL);
}

/*
 * The reproducers of invalid input reaching the simulator: each was
 * undefined behaviour or a false report; each is now refused before
 * anything is recorded (the sanitizer build runs these).
 */
static void refused_before_anything(void **state)
{
	static unsigned long map[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];
	struct mthp_scan_info info;

	load("max_ptes_swap = 0\nptes = w P*511");
	assert_int_equal(mthp_sim_result_init(&R, &S.geometry), 0);
	/* max_ptrs set by hand past the largest bitmap: used to clear 8 KiB
	 * of a 4 KiB stack bitmap */
	S.geometry.max_ptrs = 65536;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	assert_int_equal(mthp_scan(&S, 1u << 9, map, MTHP_MAX_PTRS, &info), -EINVAL);
	S.geometry.max_ptrs = 512;
	/* nfails past the array */
	S.nfails = 300;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	S.nfails = 0;
	/* a bad mode is refused even though the scan would fail first (swap
	 * over the limit) - and nothing is recorded */
	S.mode = (enum mthp_mode)7;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	S.mode = MTHP_MODE_KHUGEPAGED;
	for (unsigned int k = 0; k <= 9; k++)
		for (int st = 0; st < MTHP_STAT_COUNT; st++)
			assert_int_equal(R.stats[k][st], 0);
	assert_int_equal(R.nevents, 0);
	/* a fail rule naming a non-result used to give -EPROTO after the
	 * stats and events were recorded; SCAN_SUCCEED claimed a collapse */
	struct mthp_fail_rule rule = { { 0, 9 }, MTHP_SCAN_RESULT_COUNT + 3 };
	struct mthp_fail_rule *own = S.fails;

	S.nfails = 1;
	S.fails = NULL;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL); /* rules, no array */
	S.fails = &rule;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	S.fails[0].result = MTHP_SCAN_SUCCEED;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	S.fails[0] = (struct mthp_fail_rule){ { 4, 3 }, MTHP_SCAN_PAGE_LOCK };
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL); /* misaligned */
	S.nfails = 0;
	S.fails = own;
	assert_int_equal(R.nevents, 0);
	/* contradictory or unknown VMA flags, out-of-range sysfs values */
	S.vma_flags = MTHP_VMA_HUGEPAGE | MTHP_VMA_NOHUGEPAGE;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	S.vma_flags = 1u << 7;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	S.vma_flags = 0;
	S.thp.order[4] = (enum mthp_thp_setting)9;
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	S.thp.order[4] = MTHP_THP_NEVER;
	S.thp.enabled = MTHP_THP_INHERIT; /* per-size only */
	assert_int_equal(mthp_simulate(&S, &R), -EINVAL);
	S.thp.enabled = MTHP_THP_ALWAYS;
	/* and the scenario still runs once it is right again */
	assert_int_equal(mthp_simulate(&S, &R), 0);
	assert_int_equal(R.result, MTHP_SCAN_EXCEED_SWAP_PTE);
	/* orders the geometry does not have */
	assert_int_equal(mthp_scan(&S, 1u << 12, map, MTHP_MAX_PTRS, &info), -EINVAL);
}

/* A forced geometry of PMD order 16 used to write order[16] past the
 * 16-entry array; an invalid geometry is refused by init and parse. */
static void invalid_geometry_refused(void **state)
{
	struct mthp_geometry g = geo("x86_64");
	struct mthp_parse_error e;

	g.pmd_nr = 65536;
	g.max_ptrs = 65536;
	g.pmd_order = 16;
	assert_int_equal(mthp_scenario_parse("pmd = none", 10, &g, &S, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "forced geometry"));
	mthp_scenario_free(&S);
	assert_int_equal(mthp_scenario_init(&S, &g), -EINVAL);
	assert_null(S.ptes);
	mthp_scenario_free(&S);
	assert_int_equal(mthp_sim_result_init(&R, &g), -EINVAL);
	mthp_sim_result_free(&R);
	/* the sysctl defaults and the helpers answer 0 */
	assert_int_equal(mthp_default_max_ptes_none(&g), 0);
	assert_int_equal(mthp_orders_all(&g), 0);
	assert_int_equal(mthp_stack_depth_bound(&g), 0);
}

/* Creep, docs/MODELS.md section 9, worked by hand: the scaled model lets
 * order k qualify with 256 >> (9 - k) = 2^(k-1) none PTEs, half the range.
 * Two young pages at 0 and 1 are half of the order-2 block 0..3; each
 * visit collapses the block and so fills half of the next order's, up to
 * the PMD: eight visits (orders 2..9), then one that finds the range
 * mapped by the PMD and collapses nothing. */
struct creep {
	unsigned int rounds;
	unsigned int order[16];
};

static void note_round(void *ctx, unsigned int round,
		       const struct mthp_scenario *s,
		       const struct mthp_sim_result *r)
{
	struct creep *c = ctx;

	assert_int_equal(round, c->rounds + 1);
	assert_int_equal(r->ncollapses, 1);
	assert_int_equal(r->collapses[0].offset, 0);
	c->order[c->rounds++] = r->collapses[0].order;
	(void)s;
}

static void rounds_creep_to_the_pmd(void **state)
{
	struct creep c = { 0 };
	bool converged;

	load("model = scaled\nmax_ptes_none = 256\n"
	     "order.2 = always\norder.3 = always\norder.4 = always\n"
	     "order.5 = always\norder.6 = always\norder.7 = always\n"
	     "order.8 = always\nptes = P P .*510\n");
	assert_int_equal(mthp_simulate_rounds(&S, 64, note_round, &c, &converged), 8);
	assert_true(converged);
	assert_int_equal(c.rounds, 8);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(c.order[i], 2 + i);
	assert_int_equal(mthp_scenario_present(&S), 512);
	assert_int_equal(S.pmd, MTHP_PMD_MAPPED);
}

/* The same table under v15 (256 is not a value the series accepts below
 * PMD order, so every mTHP is off for the PMD): nothing collapses, the
 * first visit is the fixed point. With max 0 nothing is visited. */
static void rounds_without_creep(void **state)
{
	bool converged = true;

	load("model = v15\nmax_ptes_none = 256\norder.2 = always\n"
	     "ptes = P P .*510\n");
	assert_int_equal(mthp_simulate_rounds(&S, 0, NULL, NULL, &converged), 0);
	assert_false(converged);
	assert_int_equal(mthp_simulate_rounds(&S, 64, NULL, NULL, &converged), 0);
	assert_true(converged);
	assert_int_equal(mthp_scenario_present(&S), 2);
	assert_int_equal(mthp_simulate_rounds(NULL, 64, NULL, NULL, NULL), -EINVAL);
}

static void comparisons(void **state)
{
	const struct mthp_attempt a[] = { { 0, 4, 0, MTHP_SCAN_SUCCEED },
					  { 16, 3, 0, MTHP_SCAN_FAIL } };
	const struct mthp_attempt b[] = { { 0, 4, 0, MTHP_SCAN_SUCCEED },
					  { 16, 3, 0, MTHP_SCAN_PAGE_LOCK } };
	const struct mthp_range x[] = { { 0, 4 }, { 16, 2 } };
	const struct mthp_range y[] = { { 0, 4 }, { 16, 3 } };

	assert_int_equal(mthp_attempts_first_difference(a, 2, a, 2), -1);
	/* the same ranges, another result */
	assert_int_equal(mthp_attempts_first_difference(a, 2, b, 2), 1);
	/* one list a prefix of the other: they differ where it ends */
	assert_int_equal(mthp_attempts_first_difference(a, 1, a, 2), 1);
	assert_int_equal(mthp_attempts_first_difference(a, 0, b, 0), -1);
	assert_true(mthp_ranges_equal(x, 2, x, 2));
	assert_false(mthp_ranges_equal(x, 2, y, 2));
	assert_false(mthp_ranges_equal(x, 1, x, 2));
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(scan_none_limit_per_model),
		T(attempt_needs_an_anon_vma),
		T(writable_check_before_6_18),
		T(shared_per_page_in_6_1),
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
		T(lru_batch),
		T(injected_failures),
		T(pmd_collapse_then_mapped),
		T(swap_accounting_issue),
		T(madvise_nohugepage),
		T(swapin_refuses_non_swap_entry),
		T(stats_per_revision),
		T(folio_sharing_agrees),
		T(latest_and_aliases),
		T(names),
		T(bad_arguments),
		T(refused_before_anything),
		T(invalid_geometry_refused),
		T(rounds_creep_to_the_pmd),
		T(rounds_without_creep),
		T(comparisons),
	};

	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
