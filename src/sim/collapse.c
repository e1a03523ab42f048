// SPDX-License-Identifier: MIT
/*
 * One simulated visit: scan, decide, and the collapse attempt the engine
 * calls back (counterpart: collapse_huge_page() with its swap-in and
 * isolate steps), over the mock page table. Statistics and trace events
 * are recorded as the kernel's hugepages-<size>kB/stats/ and tracepoints.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim-internal.h"
#include "models.h"
#include "mthpcollapse/sim.h"

/*
 * The per-CPU LRU batch of khugepaged's CPU during one scan (counterpart:
 * cpu_fbatches.lru_add, FOLIO_BATCH_SIZE 31 in include/linux/folio_batch.h;
 * __folio_batch_add_and_move() in mm/folio.c). A small folio put back on
 * the LRU waits here holding a reference; adding the 31st, or any large
 * folio, moves all of them on and drops those references. The scan of a
 * range starts with it empty: khugepaged_do_scan() and madvise_collapse()
 * drain every CPU's first. It lives just past r's events (the caller's r
 * comes from mthp_sim_result_init(), which makes room for it).
 */
#define LRU_BATCH 31

struct lru_batch {
	uint16_t idx[LRU_BATCH]; /* the PTEs whose small folios wait */
	uint16_t n;
};

static struct lru_batch *lru_batch_of(const struct mthp_sim_result *r)
{
	return (struct lru_batch *)(void *)(r->events + r->events_cap);
}

static bool lru_batch_has(const struct lru_batch *b, unsigned int from, unsigned int to)
{
	for (unsigned int k = 0; k < b->n; k++)
		if (b->idx[k] >= from && b->idx[k] < to)
			return true;
	return false;
}

static void lru_batch_add(struct lru_batch *b, unsigned int i)
{
	b->idx[b->n++] = (uint16_t)i;
	if (b->n == LRU_BATCH)
		b->n = 0; /* full: all moved on */
}

struct sim {
	struct mthp_scenario *s;
	struct mthp_sim_result *r;
	const struct mthp_model_desc *m;
	unsigned int unmapped; /* what the scan counted: swap-in runs when > 0 */
	struct lru_batch *lru;
};

static void event(struct sim *x, const struct mthp_event *ev)
{
	if (x->r->nevents < x->r->events_cap)
		x->r->events[x->r->nevents++] = *ev;
}

/* The /proc/vmstat event that goes with a per-size counter, if any. */
static const int vmstat_of[MTHP_STAT_COUNT] = {
	[MTHP_STAT_COLLAPSE_ALLOC] = MTHP_VMSTAT_COLLAPSE_ALLOC,
	[MTHP_STAT_COLLAPSE_ALLOC_FAILED] = MTHP_VMSTAT_COLLAPSE_ALLOC_FAILED,
	[MTHP_STAT_COLLAPSE_EXCEED_NONE_PTE] = MTHP_VMSTAT_SCAN_EXCEED_NONE_PTE,
	[MTHP_STAT_COLLAPSE_EXCEED_SWAP_PTE] = MTHP_VMSTAT_SCAN_EXCEED_SWAP_PTE,
	[MTHP_STAT_COLLAPSE_EXCEED_SHARED_PTE] = MTHP_VMSTAT_SCAN_EXCEED_SHARE_PTE,
};

/*
 * Counts an event at one order: the per-size counter where the model has
 * it (scan says the event comes from the scan phase, which v15 did not
 * count per size), and the vmstat event at the PMD size in every model.
 */
static void count_event(struct sim *x, unsigned int order, enum mthp_stat st,
			bool scan)
{
	enum mthp_stats_rule rule = x->m->stats;

	if (rule == MTHP_STATS_ALL || (rule == MTHP_STATS_NO_SCAN_PMD && !scan))
		x->r->stats[order][st]++;
	if (order == x->s->geometry.pmd_order)
		x->r->vmstat[vmstat_of[st]]++;
}

static void stat_inc(struct sim *x, unsigned int order, enum mthp_stat st)
{
	count_event(x, order, st, false);
}

MTHP_EXPORT const struct mthp_fail_rule *mthp_fail_rule_for(const struct mthp_scenario *s,
							    const struct mthp_range *rg)
{
	const struct mthp_fail_rule *best = NULL;
	int rank = 0;

	if (!s || !rg || (s->nfails && !s->fails))
		return NULL;
	/* the range's own rule (4), its order's (3), its offset's (2), all (1) */
	for (size_t i = 0; i < s->nfails && rank < 4; i++) {
		const struct mthp_range *f = &s->fails[i].range;
		bool off = f->offset == rg->offset, any_off = f->offset == MTHP_FAIL_ANY;
		bool ord = f->order == rg->order, any_ord = f->order == MTHP_FAIL_ANY;
		int r = off && ord ? 4 : any_off && ord ? 3 : off && any_ord ? 2
		      : any_off && any_ord ? 1 : 0;

		if (r > rank) {
			rank = r;
			best = &s->fails[i];
		}
	}
	return best;
}

#define find_fail mthp_fail_rule_for

/*
 * Swap-in (only when the scan saw swap entries; counterpart:
 * __collapse_huge_page_swapin()). Only none and present PTEs are passed
 * over: below PMD order any other entry - swap, migration entry, marker -
 * refuses the range. At PMD order swap entries are read back in; other
 * non-present entries are left for isolate to refuse (SIMPLIFIED: the
 * kernel would wait for a migration entry to resolve).
 */
static int swapin(struct sim *x, const struct mthp_range *rg)
{
	struct mthp_scenario *s = x->s;
	unsigned int n = 1u << rg->order, swapped = 0;
	struct mthp_event ev = { .type = MTHP_EVENT_SWAPIN, .offset = rg->offset,
				 .order = rg->order, .status = MTHP_SCAN_SUCCEED };

	for (unsigned int i = rg->offset; i < rg->offset + n; i++) {
		struct mthp_pte *p = &s->ptes[i];

		/* 64 none, zero or present PTEs at once: nothing to do */
		if (!(i % 64) && i + 64 <= rg->offset + n &&
		    !~(mthp_pte_none64(p) | mthp_pte_kind64(p, MTHP_PTE_PRESENT))) {
			i += 63;
			continue;
		}
		if (p->kind == MTHP_PTE_NONE || p->kind == MTHP_PTE_ZERO ||
		    p->kind == MTHP_PTE_PRESENT)
			continue;
		if (rg->order != s->geometry.pmd_order) {
			/* mTHP refuses swap: swapping in would add pages */
			ev.status = MTHP_SCAN_EXCEED_SWAP_PTE;
			stat_inc(x, rg->order, MTHP_STAT_COLLAPSE_EXCEED_SWAP_PTE);
			break;
		}
		if (p->kind != MTHP_PTE_SWAP)
			continue;
		/* stays swapped in even if a later step fails */
		*p = (struct mthp_pte){ .kind = MTHP_PTE_PRESENT,
					.flags = MTHP_PTE_YOUNG };
		swapped++;
	}
	ev.swapped_in = swapped;
	/* pages read in wait in the batch: the kernel drains it for them */
	if (swapped)
		x->lru->n = 0;
	event(x, &ev);
	return ev.status;
}

/*
 * A failed isolate puts back what it took (counterpart:
 * release_pte_pages()): the small folios of the PTEs before at, last
 * first, into the LRU batch; then the large ones, each of which moves the
 * batch on.
 */
static void put_back(struct sim *x, const struct mthp_range *rg, unsigned int at)
{
	bool large = false;

	for (unsigned int k = at; k-- > rg->offset;) {
		const struct mthp_pte *p = &x->s->ptes[k];

		if (p->kind != MTHP_PTE_PRESENT || (p->flags & MTHP_PTE_NO_PAGE))
			continue;
		if (p->folio_order)
			large = true;
		else
			lru_batch_add(x->lru, k);
	}
	if (large)
		x->lru->n = 0;
}

/* Isolate the range's pages (counterpart: __collapse_huge_page_isolate()). */
static int isolate(struct sim *x, const struct mthp_range *rg)
{
	struct mthp_scenario *s = x->s;
	const struct mthp_geometry *g = &s->geometry;
	bool khugepaged = s->mode == MTHP_MODE_KHUGEPAGED;
	bool uffd = s->vma_flags & MTHP_VMA_UFFD;
	bool pmd = rg->order == g->pmd_order;
	unsigned int n = 1u << rg->order;
	unsigned int allow_none, allow_shared, writable = 0;
	struct mthp_event ev = { .type = MTHP_EVENT_ISOLATE, .offset = rg->offset,
				 .order = rg->order, .status = MTHP_SCAN_SUCCEED };
	bool invalid = false, lazyfree = khugepaged && !x->m->no_lazyfree_check;

	if (uffd)
		allow_none = 0;
	else if (!khugepaged)
		allow_none = n;
	else if (!mthp_none_allowance(x->m, g, rg->order, s->max_ptes_none,
				      &allow_none, &invalid)) {
		ev.status = x->m->isolate_invalid_none_result;
		event(x, &ev);
		return ev.status;
	}
	/* mTHP refuses shared pages: copying them would add pages */
	allow_shared = !khugepaged ? n : pmd ? s->max_ptes_shared : 0;

	unsigned int i = rg->offset, end = rg->offset + n;
	const struct lru_batch *lru = x->lru;

	/*
	 * 64 PTEs at a time, compared as raw words, when they are all present
	 * (young or shared at most) in folios the range may take, none or
	 * zero, and the none and shared ones stay within their allowances:
	 * the common case. A block that is not goes PTE by PTE.
	 */
	while (i < end) {
		if (!(i % 64) && i + 64 <= end) {
			const struct mthp_pte *w = s->ptes + i;
			/* below PMD order only order-0 folios go this way */
			uint64_t pl = mthp_pte_plain64(w, MTHP_PTE_YOUNG | MTHP_PTE_SHARED, !pmd);
			uint64_t nz = mthp_pte_none64(w);
			uint64_t sh = pl & mthp_pte_flags64(w, MTHP_PTE_SHARED);
			unsigned int nnz = mthp_popcount64(nz);
			unsigned int nsh = mthp_popcount64(sh);

			/* sharing judged per page, and a folio waiting in the
			 * LRU batch, go PTE by PTE */
			if (!~(pl | nz) && ev.none_or_zero + nnz <= allow_none &&
			    ev.shared + nsh <= allow_shared &&
			    (!nsh || !x->m->shared_per_page) &&
			    !(lru->n && lru_batch_has(lru, i, i + 64))) {
				ev.none_or_zero += nnz;
				ev.shared += nsh;
				writable += mthp_popcount64(pl & ~sh);
				if (khugepaged)
					ev.referenced += mthp_popcount64(
						pl & mthp_pte_flags64(w, MTHP_PTE_YOUNG));
				i += 64;
				continue;
			}
		}
		unsigned int stop = (i | 63) + 1 < end ? (i | 63) + 1 : end;

		for (; i < stop; i++) {
			const struct mthp_pte *p = &s->ptes[i];
			int st = MTHP_SCAN_SUCCEED;

			if (p->kind == MTHP_PTE_NONE || p->kind == MTHP_PTE_ZERO) {
				if (++ev.none_or_zero > allow_none) {
					st = MTHP_SCAN_EXCEED_NONE_PTE;
					stat_inc(x, rg->order,
						 MTHP_STAT_COLLAPSE_EXCEED_NONE_PTE);
				}
			} else if (p->kind != MTHP_PTE_PRESENT) {
				st = MTHP_SCAN_PTE_NON_PRESENT;
			} else if (p->flags & MTHP_PTE_UFFD_WP) {
				st = MTHP_SCAN_PTE_UFFD_WP;
			} else if (writable += !(p->flags & MTHP_PTE_SHARED),
				   p->flags & MTHP_PTE_NO_PAGE) {
				st = MTHP_SCAN_PAGE_NULL;
			} else if (lazyfree && (p->flags & MTHP_PTE_LAZYFREE)) {
				st = MTHP_SCAN_PAGE_LAZYFREE;
			} else if (mthp_pte_counts_shared(p, i, x->m->shared_per_page) &&
				   ++ev.shared > allow_shared) {
				st = MTHP_SCAN_EXCEED_SHARED_PTE;
				stat_inc(x, rg->order,
					 MTHP_STAT_COLLAPSE_EXCEED_SHARED_PTE);
			} else if (!pmd && p->folio_order >= rg->order) {
				st = MTHP_SCAN_PTE_MAPPED_HUGEPAGE;
			} else if (p->flags & MTHP_PTE_LOCKED) {
				st = MTHP_SCAN_PAGE_LOCK;
			} else if ((p->flags & MTHP_PTE_PINNED) ||
				   (!p->folio_order && lru->n && lru_batch_has(lru, i, i + 1))) {
				/* a reference more than its mappings: a pin, or
				 * the LRU batch's */
				st = MTHP_SCAN_PAGE_COUNT;
			} else if (p->flags & MTHP_PTE_NOT_LRU) {
				st = MTHP_SCAN_DEL_PAGE_LRU;
			} else if (khugepaged && (p->flags & MTHP_PTE_YOUNG)) {
				ev.referenced++;
			}
			if (st != MTHP_SCAN_SUCCEED) {
				ev.status = st;
				goto done;
			}
		}
	}
	i = end;
done:
	/* 6.12 and before: a range with no writable PTE is refused */
	if (ev.status == MTHP_SCAN_SUCCEED && x->m->writable_check && !writable)
		ev.status = MTHP_SCAN_PAGE_RO;
	/* each range needs a young PTE of its own */
	if (ev.status == MTHP_SCAN_SUCCEED && khugepaged && !ev.referenced)
		ev.status = MTHP_SCAN_LACK_REFERENCED_PAGE;
	if (ev.status == MTHP_SCAN_SUCCEED)
		x->lru->n = 0; /* the new folio, large, moves the batch on */
	else
		put_back(x, rg, i);
	event(x, &ev);
	return ev.status;
}

/* The range becomes one new exclusive, young folio of its order. */
static void install(struct sim *x, const struct mthp_range *rg)
{
	struct mthp_scenario *s = x->s;

	mthp_pte_fill(s->ptes + rg->offset, 1u << rg->order,
		      PTE_RAW(.kind = MTHP_PTE_PRESENT, .flags = MTHP_PTE_YOUNG,
			      .folio_order = rg->order & 15u));
	if (rg->order == s->geometry.pmd_order)
		s->pmd = MTHP_PMD_MAPPED;
}

/*
 * Whether the VMA has an anon_vma: a page was ever faulted into it. The
 * mock's VMA is the PMD range (SIMPLIFIED: a larger VMA could have pages
 * elsewhere), so that is any PTE of the table other than none and the
 * zero page - a present page, or a swap or migration entry that stands
 * for one.
 */
static bool has_anon_vma(const struct mthp_scenario *s)
{
	const struct mthp_geometry *g = &s->geometry;

	for (unsigned int i = 0; i < g->pmd_nr; i += 64) {
		if (i + 64 <= g->pmd_nr) {
			if (~mthp_pte_none64(s->ptes + i))
				return true;
			continue;
		}
		for (unsigned int k = i; k < g->pmd_nr; k++)
			if (s->ptes[k].kind != MTHP_PTE_NONE &&
			    s->ptes[k].kind != MTHP_PTE_ZERO)
				return true;
	}
	return false;
}

/* The engine's callback (counterpart: collapse_huge_page()). */
static int attempt(const struct mthp_range *rg, void *data)
{
	struct sim *x = data;
	const struct mthp_fail_rule *f = find_fail(x->s, rg);
	int st;

	if (f && f->result == MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL) {
		stat_inc(x, rg->order, MTHP_STAT_COLLAPSE_ALLOC_FAILED);
		st = f->result;
		goto out;
	}
	/* the allocation came first; any other injected failure is after */
	stat_inc(x, rg->order, MTHP_STAT_COLLAPSE_ALLOC);
	if (f) {
		st = f->result;
		goto out;
	}
	/* the VMA is looked at again after the allocation, and must be
	 * anonymous with an anon_vma (hugepage_vma_revalidate()): one that
	 * was only ever read (zero pages) has none */
	if (!has_anon_vma(x->s)) {
		st = MTHP_SCAN_PAGE_ANON;
		goto out;
	}
	if (x->unmapped) {
		st = swapin(x, rg);
		if (st != MTHP_SCAN_SUCCEED)
			goto out;
	}
	st = isolate(x, rg);
	if (st == MTHP_SCAN_SUCCEED)
		install(x, rg);
out:
	event(x, &(struct mthp_event){ .type = MTHP_EVENT_COLLAPSE,
				       .offset = rg->offset, .order = rg->order,
				       .status = st });
	return st;
}

MTHP_EXPORT int mthp_sim_result_init(struct mthp_sim_result *r,
				     const struct mthp_geometry *g)
{
	size_t cap = mthp_collapse_max_steps(g);

	if (!r)
		return mthp_refuse("mthp_sim_result_init: no result to fill in");
	memset(r, 0, sizeof(*r));
	if (!cap)
		return mthp_refuse("mthp_sim_result_init: the geometry is not one the library accepts"); /* not a valid geometry */
	r->cap = cap;
	r->events_cap = 1 + 3 * cap; /* scan, then swap-in, isolate, collapse */
	r->steps = calloc(cap, sizeof(*r->steps));
	r->attempts = calloc(cap, sizeof(*r->attempts));
	r->collapses = calloc(cap, sizeof(*r->collapses));
	/* and, past the events, the LRU batch of the scan (collapse.c) */
	r->events = calloc(1, r->events_cap * sizeof(*r->events) + sizeof(struct lru_batch));
	if (!r->steps || !r->attempts || !r->collapses || !r->events) {
		mthp_sim_result_free(r);
		return -ENOMEM;
	}
	return 0;
}

MTHP_EXPORT void mthp_sim_result_free(struct mthp_sim_result *r)
{
	if (!r)
		return;
	free(r->steps);
	free(r->attempts);
	free(r->collapses);
	free(r->events);
	r->steps = NULL;
	r->attempts = NULL;
	r->collapses = NULL;
	r->events = NULL;
}

static void scan_stats(struct sim *x)
{
	unsigned int pmd = x->s->geometry.pmd_order;

	switch (x->r->scan.result) {
	case MTHP_SCAN_EXCEED_NONE_PTE:
		count_event(x, pmd, MTHP_STAT_COLLAPSE_EXCEED_NONE_PTE, true);
		break;
	case MTHP_SCAN_EXCEED_SWAP_PTE:
		count_event(x, pmd, MTHP_STAT_COLLAPSE_EXCEED_SWAP_PTE, true);
		break;
	case MTHP_SCAN_EXCEED_SHARED_PTE:
		count_event(x, pmd, MTHP_STAT_COLLAPSE_EXCEED_SHARED_PTE, true);
		break;
	default:
		break;
	}
}

MTHP_EXPORT int mthp_simulate(struct mthp_scenario *s,
			      struct mthp_sim_result *r)
{
	/* everything is checked before anything is recorded */
	if (!mthp_scenario_valid(s))
		return mthp_refuse("mthp_simulate: the scenario is not valid (make it with mthp_scenario_init() or mthp_scenario_parse(), and keep its values in range)");
	return mthp_simulate_checked(s, r);
}

int mthp_simulate_checked(struct mthp_scenario *s, struct mthp_sim_result *r)
{
	unsigned long bitmap[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)]; /* 4 KiB */

	if (!r || !r->steps || !r->attempts || !r->collapses || !r->events ||
	    r->cap < mthp_collapse_max_steps(&s->geometry) ||
	    r->events_cap < 1 + 3 * r->cap)
		return -EINVAL;
	const struct mthp_geometry *g = &s->geometry;
	struct sim x = { .s = s, .r = r, .m = mthp_model_desc(s->model),
			 .lru = lru_batch_of(r) };

	r->nattempts = r->ncollapses = r->nevents = 0;
	x.lru->n = 0; /* the pass began with a drain */
	memset(&r->engine, 0, sizeof(r->engine));
	r->engine.sz = sizeof(r->engine);
	r->enabled_orders = mthp_enabled_orders_checked(g, s->model, s->mode, &s->thp,
						s->vma_flags);
	/* the scenario was checked above; the orders come from it */
	mthp_scan_checked(s, r->enabled_orders, bitmap, &r->scan);
	if (r->scan.ran)
		event(&x, &(struct mthp_event){
			.type = MTHP_EVENT_SCAN, .order = g->pmd_order,
			.status = r->scan.result,
			.referenced = r->scan.referenced,
			.none_or_zero = r->scan.none_or_zero,
			.unmapped = r->scan.unmapped, .shared = r->scan.shared });
	scan_stats(&x);
	r->result = r->scan.result;
	if (r->scan.result != MTHP_SCAN_SUCCEED)
		return 0;
	x.unmapped = r->scan.unmapped;

	struct mthp_collapse_opts o = {
		.sz = sizeof(o),
		.model = s->model,
		.mode = s->mode,
		.orders = r->enabled_orders,
		.max_ptes_none = s->max_ptes_none,
		.unmapped = r->scan.unmapped,
		.uffd = s->vma_flags & MTHP_VMA_UFFD,
		.collapse = attempt,
		.data = &x,
		.steps = r->steps,
		.steps_cap = r->cap,
	};

	int e = mthp_collapse_checked(g, bitmap, &o, &r->engine);

	if (e)
		return e;
	r->nattempts = mthp_steps_split(r->steps,
					r->engine.nsteps < r->cap ? r->engine.nsteps : r->cap,
					r->attempts, r->collapses, &r->ncollapses);
	r->result = r->engine.result;
	return 0;
}

MTHP_EXPORT int mthp_mock_attempt(struct mthp_scenario *s,
				   const struct mthp_range *rg,
				   unsigned int unmapped,
				   struct mthp_sim_result *r)
{
	if (!s || !rg || !r || !r->events || !r->events_cap)
		return mthp_refuse("mthp_mock_attempt: %s is NULL or not initialised",
				   !s ? "s" : !rg ? "rg" : "r");
	if (!mthp_scenario_valid(s))
		return mthp_refuse("mthp_mock_attempt: the scenario is not valid (make it with mthp_scenario_init())");
	const struct mthp_geometry *g = &s->geometry;

	if (rg->order < MTHP_MIN_ORDER || rg->order > g->pmd_order ||
	    rg->offset % (1u << rg->order) ||
	    rg->offset + (1u << rg->order) > g->pmd_nr)
		return mthp_refuse("mthp_mock_attempt: (%u, order %u) is not a naturally aligned range of orders %u..%u in %s's %u PTEs",
				   rg->offset, rg->order, MTHP_MIN_ORDER,
				   g->pmd_order, g->name, g->pmd_nr);
	if (s->pmd != MTHP_PMD_TABLE)
		return mthp_refuse("mthp_mock_attempt: the range has no PTE table to collapse (pmd is not 'table')");
	struct sim x = { .s = s, .r = r, .m = mthp_model_desc(s->model),
			 .unmapped = unmapped, .lru = lru_batch_of(r) };

	/* the first attempt of a scan (r's events emptied since the last)
	 * begins with an empty LRU batch */
	if (!r->nevents)
		x.lru->n = 0;
	return attempt(rg, &x);
}

MTHP_EXPORT size_t mthp_steps_split(const struct mthp_step *steps, size_t n,
				    struct mthp_attempt *attempts,
				    struct mthp_range *collapses,
				    size_t *ncollapses)
{
	size_t na = 0, nc = 0;

	for (size_t i = 0; steps && i < n; i++) {
		const struct mthp_step *st = &steps[i];

		if (st->kind != MTHP_STEP_ATTEMPTED)
			continue;
		attempts[na++] = (struct mthp_attempt){ st->offset, st->order,
							st->occupied, st->result };
		if (st->result == MTHP_SCAN_SUCCEED)
			collapses[nc++] = (struct mthp_range){ st->offset, st->order };
	}
	if (ncollapses)
		*ncollapses = nc;
	return na;
}

static const char *const event_names[] = {
	[MTHP_EVENT_SCAN] = "mm_khugepaged_scan_pmd",
	[MTHP_EVENT_COLLAPSE] = "mm_collapse_huge_page",
	[MTHP_EVENT_SWAPIN] = "mm_collapse_huge_page_swapin",
	[MTHP_EVENT_ISOLATE] = "mm_collapse_huge_page_isolate",
};

MTHP_EXPORT const char *mthp_event_name(enum mthp_event_type t)
{
	return MTHP_NAME_OF(event_names, t);
}

static const char *const stat_names[] = {
	[MTHP_STAT_COLLAPSE_ALLOC] = "collapse_alloc",
	[MTHP_STAT_COLLAPSE_ALLOC_FAILED] = "collapse_alloc_failed",
	[MTHP_STAT_COLLAPSE_EXCEED_NONE_PTE] = "collapse_exceed_none_pte",
	[MTHP_STAT_COLLAPSE_EXCEED_SWAP_PTE] = "collapse_exceed_swap_pte",
	[MTHP_STAT_COLLAPSE_EXCEED_SHARED_PTE] = "collapse_exceed_shared_pte",
};

MTHP_EXPORT const char *mthp_stat_name(enum mthp_stat s)
{
	return MTHP_NAME_OF(stat_names, s);
}

static const char *const vmstat_names[] = {
	[MTHP_VMSTAT_COLLAPSE_ALLOC] = "thp_collapse_alloc",
	[MTHP_VMSTAT_COLLAPSE_ALLOC_FAILED] = "thp_collapse_alloc_failed",
	[MTHP_VMSTAT_SCAN_EXCEED_NONE_PTE] = "thp_scan_exceed_none_pte",
	[MTHP_VMSTAT_SCAN_EXCEED_SWAP_PTE] = "thp_scan_exceed_swap_pte",
	[MTHP_VMSTAT_SCAN_EXCEED_SHARE_PTE] = "thp_scan_exceed_share_pte",
};

MTHP_EXPORT const char *mthp_vmstat_name(enum mthp_vmstat v)
{
	return MTHP_NAME_OF(vmstat_names, v);
}
