// SPDX-License-Identifier: MIT
/*
 * The decision engine (counterpart: mthp_collapse() and, before v19,
 * collapse_scan_bitmap()). It reads only the occupancy bitmap and the
 * model table, calls back for each attempt, and allocates nothing.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "models.h"

/* ---- the search stack (scaled, v15..v18) ---- */

struct mthp_stack_entry {
	uint16_t offset; /* offsets fit 16 bits, as in the kernel */
	uint8_t order;
};

/*
 * The storage every search gets: the bound itself on the largest
 * geometry (PMD_ORDER - 2 + 1 entries, 14 at PMD order 15), not what a
 * model nominally reserves (up to 8192 entries in v15/v16): the search
 * never goes deeper, and a callback that re-enters mthp_collapse() costs
 * a few dozen bytes of C stack per level, not 32 KiB. The reserve is
 * still reported (stack_capacity) and checked against the bound.
 */
#define MTHP_STACK_STORAGE (MTHP_MAX_PMD_ORDER - MTHP_MIN_ORDER + 1)

struct mthp_stack {
	struct mthp_stack_entry items[MTHP_STACK_STORAGE];
	unsigned int size;
	unsigned int cap; /* what the model reserved */
	unsigned int max; /* deepest occupancy seen */
};

static void stack_push(struct mthp_stack *s, unsigned int offset,
		       unsigned int order)
{
	/* cannot fire: the search is never deeper than the bound, every
	 * model reserves at least the bound, and the storage is the bound of
	 * the largest geometry (tested per geometry and by verify) */
	assert(s->size < s->cap && s->size < MTHP_STACK_STORAGE);
	s->items[s->size].offset = (uint16_t)offset;
	s->items[s->size].order = (uint8_t)order;
	if (++s->size > s->max)
		s->max = s->size;
}

static bool stack_pop(struct mthp_stack *s, unsigned int *offset,
		      unsigned int *order)
{
	if (!s->size)
		return false;
	s->size--;
	*offset = s->items[s->size].offset;
	*order = s->items[s->size].order;
	return true;
}

/* ---- one run ---- */

#define BPL ((unsigned int)MTHP_BITS_PER_LONG)
#define LOG_BPL (BPL == 64 ? 6u : 5u)
#define MAX_WORDS (MTHP_MAX_PTRS / MTHP_BITS_PER_LONG)

/* Inlined into the engine's body, which is built once per CPU variant
 * (MTHP_POPCOUNT_CLONES): there the popcount is one instruction. */
#define HOT static inline __attribute__((always_inline))

/* What the attempts so far add up to; the run's result comes from it. */
struct outcome {
	unsigned int attempts;
	unsigned int collapsed; /* PTEs */
	int last_result;        /* the last failure remembered (v19, baseline) */
	bool alloc_failed;
	bool bad_result;        /* the callback returned a non-result: stop */
	int bad_value;          /* what it returned, */
	unsigned int bad_offset, bad_order; /* for which range */
};

struct engine {
	const struct mthp_geometry *g;
	const struct mthp_collapse_opts *o;
	const struct mthp_model_desc *m;
	const unsigned long *bitmap;
	struct mthp_collapse_result *res;
	uint32_t orders;      /* enabled and considered by the model */
	uint32_t lower;       /* bit k: a range of order k may try lower */
	uint32_t stop;        /* bit k: max_ptes_none invalid, search stops */
	uint32_t flagged;     /* bit k: max_ptes_none reported invalid */
	struct outcome out;
	bool have_prefix;
	/* per order up to the PMD order, worked out once (docs/MODELS.md
	 * sections 4 to 6): the occupied PTEs needed, the swap PTEs counted
	 * as occupied, and what the bitmap alone must hold (need; above any
	 * count for a disabled order) */
	unsigned int threshold[MTHP_MAX_PMD_ORDER + 1];
	unsigned int bonus[MTHP_MAX_PMD_ORDER + 1];
	unsigned int need[MTHP_MAX_PMD_ORDER + 1];
	/* occupied PTEs before each word of the bitmap: a range of a word or
	 * more is counted in O(1) (below a word: one popcount) */
	uint16_t prefix[MAX_WORDS + 1];
};

/*
 * None PTEs a range of this order may hold (docs/MODELS.md sections 4
 * and 6). Returns false when the model gives up on mTHP for the whole PMD
 * instead; *invalid is set when the setting is one the model flags.
 */
static bool allowance(const struct engine *e, unsigned int order,
		      unsigned int *allow, bool *invalid)
{
	const struct mthp_geometry *g = e->g;

	if (e->m->uffd_threshold_zero && e->o->uffd) {
		*allow = 0;
		return true;
	}
	if (e->o->mode == MTHP_MODE_MADVISE) {
		switch (e->m->madvise) {
		case MTHP_MADV_PMD_NR_MINUS_1:
			*allow = g->pmd_nr - 1;
			break;
		case MTHP_MADV_UNLIMITED:
		case MTHP_MADV_PMD_NR:
			*allow = g->pmd_nr;
			break;
		}
		return true;
	}
	return mthp_none_allowance(e->m, g, order, e->o->max_ptes_none, allow,
				   invalid);
}

/* Everything about the orders lo..hi that does not depend on the offset. */
static void prepare_orders(struct engine *e, unsigned int lo, unsigned int hi)
{
	const struct mthp_geometry *g = e->g;

	for (unsigned int k = lo; k <= hi; k++) {
		uint32_t bit = 1u << k;
		unsigned int allow = 0, size = 1u << k, t, b = 0;
		bool invalid = false;

		e->threshold[k] = e->bonus[k] = 0;
		e->need[k] = ~0u;
		if (!(e->orders & bit))
			continue;
		if (!allowance(e, k, &allow, &invalid))
			e->stop |= bit;
		if (invalid)
			e->flagged |= bit;
		t = allow >= size ? 0 : size - allow;
		t -= t < e->m->threshold_slack ? t : e->m->threshold_slack;
		if (k == g->pmd_order && e->m->unmapped_occupied_at_pmd &&
		    e->o->mode == MTHP_MODE_KHUGEPAGED)
			b = e->o->unmapped;
		e->threshold[k] = t;
		e->bonus[k] = b;
		e->need[k] = t > b ? t - b : 0;
	}
}

HOT unsigned int popcount_word(unsigned long w)
{
	return (unsigned int)__builtin_popcountl(w);
}

HOT void prepare_prefix(struct engine *e)
{
	unsigned int nwords = e->g->pmd_nr / BPL; /* whole words only */
	unsigned int sum = 0;

	if (e->have_prefix)
		return;
	e->have_prefix = true;

	e->prefix[0] = 0;
	for (unsigned int w = 0; w < nwords; w++) {
		sum += popcount_word(e->bitmap[w]);
		e->prefix[w + 1] = (uint16_t)sum;
	}
}

/*
 * Occupied PTEs of (offset, order), without the swap bonus. The prefix is
 * made the first time a range below the PMD order needs it: often the
 * PMD range is the only one examined, and its count is one sum.
 */
HOT unsigned int occupied(struct engine *e, unsigned int offset,
			  unsigned int order)
{
	unsigned int w = offset / BPL;

	if (order >= LOG_BPL && !e->have_prefix) {
		if (order == e->g->pmd_order) {
			unsigned int sum = 0;

			for (unsigned int i = 0; i < e->g->pmd_nr / BPL; i++)
				sum += popcount_word(e->bitmap[i]);
			return sum;
		}
		prepare_prefix(e);
	}
	if (order >= LOG_BPL)
		return (unsigned int)e->prefix[w + (1u << (order - LOG_BPL))] -
		       e->prefix[w];
	return popcount_word((e->bitmap[w] >> (offset % BPL)) &
			     ((1UL << (1u << order)) - 1));
}

/*
 * What to do after an attempt at (offset, order) returned r, and what it
 * adds to the outcome; a value that is not a result stops the search, and
 * is kept with its range for the caller to hear of.
 */
HOT enum mthp_step_action triage(const struct mthp_model_desc *m,
				 struct outcome *out, unsigned int offset,
				 unsigned int order, int r)
{
	out->attempts++;
	if ((unsigned int)r >= MTHP_SCAN_RESULT_COUNT) {
		out->bad_result = true;
		out->bad_value = r;
		out->bad_offset = offset;
		out->bad_order = order;
		return MTHP_ACTION_STOP;
	}
	if (r == MTHP_SCAN_SUCCEED)
		out->collapsed += 1u << order;
	if (m->search == MTHP_SEARCH_ONE_PMD) {
		out->last_result = r; /* its one attempt is the run's result */
		return MTHP_ACTION_NEXT;
	}
	if (r == MTHP_SCAN_SUCCEED || r == MTHP_SCAN_PTE_MAPPED_HUGEPAGE)
		return MTHP_ACTION_NEXT;
	out->last_result = r;
	if (r == MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL)
		out->alloc_failed = true;
	return m->try_lower & (1ull << r) ? MTHP_ACTION_LOWER : MTHP_ACTION_STOP;
}

/*
 * Examine the range (offset, order): threshold, maybe one attempt. The
 * step is written out only when the caller asked for a record.
 */
HOT enum mthp_step_action examine(struct engine *e, unsigned int offset,
				  unsigned int order, unsigned int depth)
{
	uint32_t bit = 1u << order;
	enum mthp_step_kind kind = MTHP_STEP_DISABLED;
	enum mthp_step_action action = MTHP_ACTION_LOWER;
	unsigned int occ = 0;
	int r = -1;

	if (!(e->orders & bit))
		goto out;
	if (e->flagged & bit)
		e->res->invalid_none = true;
	if (e->stop & bit) {
		kind = MTHP_STEP_INVALID_NONE;
		action = MTHP_ACTION_STOP;
		goto out;
	}
	occ = occupied(e, offset, order) + e->bonus[order];
	if (occ < e->threshold[order]) {
		kind = MTHP_STEP_BELOW_THRESHOLD;
		goto out;
	}
	struct mthp_range range = { .offset = offset, .order = order };

	r = e->o->collapse(&range, e->o->data);
	action = triage(e->m, &e->out, offset, order, r);
	kind = e->out.bad_result ? MTHP_STEP_BAD_RESULT : MTHP_STEP_ATTEMPTED;
out:
	if (action == MTHP_ACTION_LOWER && !(e->lower & bit))
		action = MTHP_ACTION_NEXT;
	if (e->o->steps && e->res->nsteps < e->o->steps_cap)
		e->o->steps[e->res->nsteps] = (struct mthp_step){
			.offset = offset,
			.order = order,
			.occupied = occ,
			.threshold = kind == MTHP_STEP_DISABLED ||
					     kind == MTHP_STEP_INVALID_NONE
					     ? 0 : e->threshold[order],
			.kind = kind,
			.action = action,
			.result = r,
			.stack_depth = depth,
		};
	e->res->nsteps++;
	return action;
}

HOT void search_stack(struct engine *e)
{
	struct mthp_stack stack;
	unsigned int offset, order;

	stack.size = 0;
	stack.max = 0;
	stack.cap = mthp_model_stack_capacity(e->o->model, e->g);

	e->res->stack_capacity = stack.cap;
	stack_push(&stack, 0, e->g->pmd_order);
	while (stack_pop(&stack, &offset, &order)) {
		enum mthp_step_action a = examine(e, offset, order,
						  stack.size + 1);

		if (a == MTHP_ACTION_STOP)
			break;
		if (a == MTHP_ACTION_LOWER) {
			unsigned int half = 1u << (order - 1);

			/* right first, so the left half is examined first */
			stack_push(&stack, offset + half, order - 1);
			stack_push(&stack, offset, order - 1);
		}
	}
	e->res->max_stack_depth = stack.max;
}

/* The largest order a range starting at PTE o can have. */
HOT unsigned int top_order_at(unsigned int o, unsigned int pmd)
{
	unsigned int k = o ? (unsigned int)__builtin_ctz(o) : pmd;

	return k < pmd ? k : pmd;
}

HOT void search_walk(struct engine *e)
{
	const struct mthp_geometry *g = e->g;
	unsigned int offset = 0, order = g->pmd_order;

	while (offset < g->pmd_nr) {
		enum mthp_step_action a = examine(e, offset, order, 0);

		if (a == MTHP_ACTION_STOP)
			break;
		if (a == MTHP_ACTION_LOWER) {
			order--;
			continue;
		}
		offset += 1u << order;
		order = top_order_at(offset, g->pmd_order);
	}
}

/*
 * Bit o of any[] is set when some order's range starting at PTE o (an
 * enabled order, o aligned to it) has enough occupied PTEs to be
 * attempted; of high[], when one of an order above low has. Below a word, every range of a word is counted at once: the
 * steps of a SWAR popcount are exactly the counts of the ranges of order
 * 1, 2, 3 ... (fields of 2, 4, 8 ... bits), and adding 2^(W-1) - need to
 * each W-bit field sets its top bit exactly when the count reaches need.
 */
HOT void prepare_any(const struct engine *e, const unsigned int *need,
		     unsigned int low, unsigned long *any, unsigned long *high,
		     unsigned int nwords)
{
	const struct mthp_geometry *g = e->g;
	unsigned long keep = g->pmd_nr < BPL ? (1UL << g->pmd_nr) - 1 : ~0UL;
	/* per order below a word: the value that lifts a field to its top
	 * bit at need, in every field; 0 when no range of it can pass */
	unsigned long lift[LOG_BPL];

#define ONES(width) (~0UL / ((1UL << (width)) - 1)) /* 1 in every field */
#define LIFT(k)                                                           \
	((k) <= g->pmd_order && need[(k)] <= (1u << (k))                  \
		 ? ((1UL << ((1u << (k)) - 1)) - need[(k)]) * ONES(1u << (k)) \
		 : 0)
	lift[2] = LIFT(2);
	lift[3] = LIFT(3);
	lift[4] = LIFT(4);
	if (LOG_BPL > 5)
		lift[LOG_BPL - 1] = LIFT(LOG_BPL - 1);
	for (unsigned int w = 0; w < nwords; w++) {
		unsigned long x = e->bitmap[w] & keep, a = 0, h = 0;
		/* counts of 2-bit fields, then 4-bit, 8-bit ... */
		unsigned long c = x - ((x >> 1) & ONES(2));

#define STAGE(k)                                                          \
		c = (c & (ONES(1u << (k)) * ((1UL << (1u << ((k) - 1))) - 1))) + \
		    ((c >> (1u << ((k) - 1))) &                            \
		     (ONES(1u << (k)) * ((1UL << (1u << ((k) - 1))) - 1)));  \
		if (lift[k]) {                                             \
			unsigned long pass_ = ((c + lift[k]) &             \
				(ONES(1u << (k)) << ((1u << (k)) - 1))) >> ((1u << (k)) - 1); \
			if ((k) == low)                                    \
				a |= pass_;                                \
			else                                               \
				h |= pass_;                                \
		}
		STAGE(2)
		STAGE(3)
		STAGE(4)
#if ULONG_MAX > 0xffffffffUL
		STAGE(5)
#endif
#undef STAGE
		high[w] = h & keep;
		any[w] = (a | h) & keep;
	}
#undef LIFT
#undef ONES
	for (unsigned int k = LOG_BPL; k <= g->pmd_order; k++) {
		unsigned int span = 1u << (k - LOG_BPL);

		if (need[k] > 1u << k)
			continue;
		for (unsigned int w = 0; w < nwords; w += span)
			if ((unsigned int)e->prefix[w + span] - e->prefix[w] >= need[k]) {
				any[w] |= 1;
				if (k != low)
					high[w] |= 1;
			}
	}
}

/*
 * The ranges the walk examines, when it attempts nothing, at the offsets
 * below o: at each multiple of 2^low, every order from the largest the
 * offset is aligned to (at most the PMD order) down to low.
 */
HOT size_t walk_nodes_before(unsigned int o, unsigned int low,
			     unsigned int pmd)
{
	size_t n = 0;

	for (unsigned int j = low; j <= pmd; j++)
		n += (o + (1u << j) - 1) >> j;
	return n;
}

struct untraced {
	unsigned int low;        /* the lowest enabled order */
	unsigned int floor;      /* the lowest order the search examines */
	size_t skipped;          /* steps of the full search not taken */
	bool stopped;
	unsigned int stop_offset, stop_order; /* where it stopped */
	struct outcome out;      /* the engine's, kept here while it runs */
	/* the stack models' deepest stack (stack_depth_at()) */
	bool stack;
	unsigned int depth, depth_bound;
	unsigned int cursor;     /* end of the last range not split */
};

/*
 * The deepest stack of the stack-driven search, without the stack. When
 * the DFS pops a range, the stack holds one pending right half for each
 * ancestor whose left half the range is in: for (o, k) that is the number
 * of zero bits of o from bit k to bit PMD_ORDER - 1. A range that splits
 * pushes two more. So the deepest stack is 2 more than that count at the
 * split range that has it largest (1 when the PMD range does not split),
 * and that range is one whose left half does not split: a range of order
 * floor + 1 (the halves of order floor never split), or the parent of a
 * left half that was collapsed or that stopped the search.
 */
HOT unsigned int left_pending(unsigned int o, unsigned int k, unsigned int pmd)
{
	return pmd - k - (unsigned int)__builtin_popcount(o >> k);
}

/* The fewest one bits of a number in x..y (x <= y): x itself, or the
 * smallest number above x with bit i set and none below, for a bit i
 * that x lacks; any z > x is at least the one for its top bit unlike x. */
HOT unsigned int fewest_bits(unsigned int x, unsigned int y)
{
	unsigned int best = (unsigned int)__builtin_popcount(x);

	for (unsigned int i = 0; best && i < 16; i++)
		if (!((x >> i) & 1) && (((x >> i) | 1u) << i) <= y) {
			unsigned int c = (unsigned int)__builtin_popcount(x >> (i + 1)) + 1;

			if (c < best)
				best = c;
		}
	return best;
}

/* The ranges of order floor + 1 in cursor..end (end excluded) all split:
 * none was collapsed, none stopped the search, no ancestor did either. */
HOT void stack_depth_gap(struct untraced *u, unsigned int end, unsigned int pmd)
{
	unsigned int s = u->floor + 1;

	if (u->depth < u->depth_bound && s <= pmd && end > u->cursor) {
		unsigned int x = (u->cursor + (1u << s) - 1) >> s;
		unsigned int y = (end + (1u << s) - 1) >> s;

		if (x < y) {
			unsigned int d = pmd - s - fewest_bits(x, y - 1) + 2;

			if (d > u->depth)
				u->depth = d;
		}
	}
}

/* (o, k) was attempted and does not split: done with it, or stopped. */
HOT void stack_depth_at(struct untraced *u, unsigned int o, unsigned int k,
			bool stop, unsigned int pmd)
{
	if (!u->stack)
		return;
	if (k > u->floor || stop) {
		/* the ranges of order floor + 1 before it */
		stack_depth_gap(u, o, pmd);
		if (k > u->floor)
			u->cursor = o + (1u << k);
	}
	/* its parent split, if it is the parent's left half (at a stop of
	 * order floor, that is the range of order floor + 1 holding it) */
	if (k < pmd && !(o & (1u << k))) {
		unsigned int d = left_pending(o, k + 1, pmd) + 2;

		if (d > u->depth)
			u->depth = d;
	}
}

/*
 * One attempt at (o, k). Returns where the walk goes on: past the range
 * when it is done with it, o when it lowers (u->stopped when it stops).
 */
HOT unsigned int walk_attempt(const struct engine *e, struct untraced *u,
			      unsigned int o, unsigned int k)
{
	struct mthp_range range = { o, k };

	switch (triage(e->m, &u->out, o, k, e->o->collapse(&range, e->o->data))) {
	case MTHP_ACTION_STOP:
		u->stopped = true;
		u->stop_offset = o;
		u->stop_order = k;
		stack_depth_at(u, o, k, true, e->g->pmd_order);
		return 0;
	case MTHP_ACTION_NEXT:
		/* the ranges inside it are not examined */
		u->skipped += ((size_t)2 << (k - u->floor)) - 2;
		stack_depth_at(u, o, k, false, e->g->pmd_order);
		return o + (1u << k);
	case MTHP_ACTION_LOWER:
		break;
	}
	/* below the lowest enabled order nothing is attempted: the stack
	 * models' halves down to floor are counted, not examined */
	return k == u->low ? o + (1u << k) : o;
}

/*
 * The orders kmax down to kmin at offset o, as the walk examines them.
 * Returns where the walk goes on: past the range that ended the offset;
 * 0 when it stopped; ~0u when it is to go on below kmin.
 */
HOT unsigned int walk_offset(struct engine *e, struct untraced *u,
			     unsigned int o, unsigned int kmax, unsigned int kmin)
{
	for (unsigned int k = kmax;; k--) {
		if (occupied(e, o, k) >= e->need[k]) {
			unsigned int pos = walk_attempt(e, u, o, k);

			if (u->stopped)
				return 0;
			if (pos != o) /* o itself: it lowers */
				return pos;
		}
		if (k == u->low)
			return o + (1u << k);
		if (k == kmin)
			return ~0u;
	}
}

/*
 * Whether the search may jump. The stack DFS attempts the same ranges in
 * the same order as the walk (docs/MODELS.md section 6.4): it pops the
 * left half of a range right after the range, and the right half after
 * everything inside the left one, which is where the walk goes next. A
 * split below the lowest enabled order attempts nothing, so only the
 * steps differ, and they are counted down to the model's floor. A model
 * that gives up over max_ptes_none does so at its first sub-PMD range:
 * the plain search is short then (search()).
 */
static bool can_jump(const struct mthp_model_desc *m)
{
	return m->search == MTHP_SEARCH_WALK || m->search == MTHP_SEARCH_STACK;
}

/*
 * The search when nobody asked for a record of the steps (can_jump()):
 * the same attempts in the same order and the same counters, but only the
 * offsets where some range can be attempted are visited (any[]); the
 * steps of the rest are counted, not taken. A disabled order acts as one
 * no range reaches (its need is above any count).
 */
HOT void walk_untraced(struct engine *e, bool prepared)
{
	const struct mthp_geometry *g = e->g;
	const unsigned int nr = g->pmd_nr, pmd = g->pmd_order;
	const unsigned int nwords = nr / BPL ? nr / BPL : 1;
	struct untraced u = {
		.low = (unsigned int)__builtin_ctz(e->orders),
		.out = e->out,
		/* the orders that split are those of e->lower: floor + 1 up */
		.floor = (unsigned int)__builtin_ctz(e->lower) - 1,
		.stack = e->m->search == MTHP_SEARCH_STACK,
		.depth = 1,
	};
	unsigned long any[nwords], high[nwords];
	size_t steps;

	u.depth_bound = pmd - u.floor + 1; /* 1 when nothing splits */

	/* the PMD range first, before anything below it is worked out:
	 * often it is all there is */
	if (!prepared)
		prepare_orders(e, pmd, pmd);
	unsigned int pos = walk_offset(e, &u, 0, pmd, pmd);

	if (!prepared && (pos == ~0u || (pos && pos < nr)))
		prepare_orders(e, MTHP_MIN_ORDER, pmd - 1);
	if (pos == ~0u)
		pos = walk_offset(e, &u, 0, pmd - 1, u.low);
	if (pos && pos < nr) {
		if (pmd >= LOG_BPL)
			prepare_prefix(e);
		prepare_any(e, e->need, u.low, any, high, nwords);
		for (unsigned int w = pos / BPL; pos && w < nwords; w++) {
			unsigned long v = any[w];

			if (pos > w * BPL) /* only bits at pos and past it */
				v &= pos - w * BPL < BPL ? ~0UL << (pos - w * BPL) : 0;
			while (v) {
				unsigned int o = w * BPL + (unsigned int)__builtin_ctzl(v);

				/* where only the lowest order can pass (the
				 * commonest case) it is attempted straight away,
				 * and the walk moves on after it */
				if (!((high[w] >> (o % BPL)) & 1)) {
					pos = walk_attempt(e, &u, o, u.low);
					if (u.stopped) {
						pos = 0;
						break;
					}
					v &= v - 1; /* no other bit below pos in it */
					continue;
				}
				pos = walk_offset(e, &u, o, top_order_at(o, pmd), u.low);
				if (!pos || pos >= (w + 1) * BPL)
					break;
				v &= ~0UL << (pos - w * BPL);
			}
			if (pos > (w + 1) * BPL)
				w = pos / BPL - 1; /* a range past this word */
		}
	}
	if (u.stopped)
		steps = walk_nodes_before(u.stop_offset, u.floor, pmd) +
			top_order_at(u.stop_offset, pmd) - u.stop_order + 1 -
			u.skipped;
	else
		steps = walk_nodes_before(nr, u.floor, pmd) - u.skipped;
	if (u.stack) {
		if (!u.stopped)
			stack_depth_gap(&u, nr, pmd);
		e->res->max_stack_depth = u.depth;
		e->res->stack_capacity = mthp_model_stack_capacity(e->o->model, g);
	}
	e->res->nsteps = steps;
	e->out = u.out;
	if (e->flagged && steps > 1)
		e->res->invalid_none = true; /* a sub-PMD order was examined */
}

/* The search itself, built for each CPU variant where that helps. */
#ifdef MTHP_POPCOUNT_CLONES
__attribute__((target_clones("popcnt", "default")))
#endif
static void search(struct engine *e)
{
	/* a model that may give up over max_ptes_none: whether it does is
	 * known once its orders are worked out */
	bool prepared = e->m->invalid_none == MTHP_INVALID_NONE_STOP;

	if (prepared)
		prepare_orders(e, MTHP_MIN_ORDER, e->g->pmd_order);
	if (!e->o->steps && can_jump(e->m) && !e->stop) {
		/* else it prepares the orders as it needs them */
		walk_untraced(e, prepared);
		return;
	}
	if (!prepared)
		prepare_orders(e, MTHP_MIN_ORDER, e->g->pmd_order);
	switch (e->m->search) {
	case MTHP_SEARCH_ONE_PMD:
		examine(e, 0, e->g->pmd_order, 0);
		break;
	case MTHP_SEARCH_STACK:
		search_stack(e);
		break;
	case MTHP_SEARCH_WALK:
		search_walk(e);
		break;
	}
}

static int run_result(const struct engine *e)
{
	const struct outcome *out = &e->out;

	switch (e->m->run) {
	case MTHP_RUN_ATTEMPT:
		/* below the limit the mainline scan would have said so */
		return out->attempts ? out->last_result : MTHP_SCAN_EXCEED_NONE_PTE;
	case MTHP_RUN_COLLAPSED:
		break;
	case MTHP_RUN_WALK:
		if (out->collapsed)
			return MTHP_SCAN_SUCCEED;
		if (out->alloc_failed)
			return MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL;
		return out->last_result; /* SCAN_FAIL when none was remembered */
	}
	return out->collapsed ? MTHP_SCAN_SUCCEED : MTHP_SCAN_FAIL;
}

MTHP_EXPORT size_t mthp_collapse_max_steps(const struct mthp_geometry *g)
{
	if (!mthp_geometry_valid(g))
		return 0;
	/* nodes of the binary tree from the PMD order down to order 2 */
	return ((size_t)2 << (g->pmd_order - MTHP_MIN_ORDER)) - 1;
}

/*
 * Copies the caller's options into a full struct: fields past the caller's
 * sz keep their defaults (zero); a larger sz is accepted only when every
 * byte the library does not know is zero (libbpf's rule).
 */
static bool opts_copy(const struct mthp_collapse_opts *in,
		      struct mthp_collapse_opts *out)
{
	size_t sz = in->sz;

	memset(out, 0, sizeof(*out));
	if (!mthp_sz_ok(in, sz, sizeof(in->sz), sizeof(*out)))
		return false;
	memcpy(out, in, sz < sizeof(*out) ? sz : sizeof(*out));
	out->sz = sizeof(*out);
	return true;
}

/* What mthp_collapse() refuses in its options, for a valid geometry: 0,
 * or -EINVAL with the reason said through the log hook. */
static int check_opts(const struct mthp_geometry *g,
		      const struct mthp_collapse_opts *o)
{
	if (!mthp_model_desc(o->model))
		return mthp_refuse("mthp_collapse: opts->model %d is not a model",
				   (int)o->model);
	if (!o->collapse)
		return mthp_refuse("mthp_collapse: opts->collapse is NULL: the engine needs a callback");
	if ((unsigned int)o->mode > MTHP_MODE_MADVISE)
		return mthp_refuse("mthp_collapse: opts->mode %d is neither khugepaged (%d) nor madvise (%d)",
				   (int)o->mode, MTHP_MODE_KHUGEPAGED, MTHP_MODE_MADVISE);
	if (o->max_ptes_none >= g->pmd_nr)
		return mthp_refuse("mthp_collapse: opts->max_ptes_none %u is out of range (0..%u)",
				   o->max_ptes_none, g->pmd_nr - 1);
	if (o->unmapped > g->pmd_nr)
		return mthp_refuse("mthp_collapse: opts->unmapped %u is more than the %u PTEs of a table",
				   o->unmapped, g->pmd_nr);
	/* no order below 2 or above the PMD order */
	if (o->orders & ~mthp_orders_upto(g->pmd_order))
		return mthp_refuse("mthp_collapse: opts->orders 0x%x holds orders %s has not (2..%u)",
				   o->orders, g->name, g->pmd_order);
	return 0;
}

/*
 * The callback returned what is not a result: its own negative errno
 * (the backend failed) comes back as it is; anything else is -EPROTO.
 * Either way the log hook hears which range and what came back.
 */
static int callback_failed(const struct outcome *out, struct mthp_collapse_result *res)
{
	int v = out->bad_value;
	bool own = v < 0 && v > -4096;
	char msg[200];

	res->result = MTHP_SCAN_FAIL;
	snprintf(msg, sizeof(msg),
		 own ? "mthp_collapse: the callback returned %d (%s) for the order-%u range at PTE %u: the search stopped there"
		     : "mthp_collapse: the callback returned %d%s for the order-%u range at PTE %u, which is not a SCAN_* result: the search stopped there",
		 v, own ? strerror(-v) : "", out->bad_order, out->bad_offset);
	mthp_say_refusal(msg);
	return own ? v : -EPROTO;
}


int mthp_collapse_checked(const struct mthp_geometry *g,
			  const unsigned long *bitmap,
			  const struct mthp_collapse_opts *opts,
			  struct mthp_collapse_result *res)
{
	MTHP_ASSUME(mthp_geometry_valid(g) && opts->sz == sizeof(*opts) &&
		    !check_opts(g, opts));
	const struct mthp_model_desc *m = mthp_model_desc(opts->model);
	uint32_t valid = mthp_orders_upto(g->pmd_order);
	/* MADV_COLLAPSE, and mainline before the series, build PMDs only */
	uint32_t considered = m->sub_pmd && opts->mode == MTHP_MODE_KHUGEPAGED
		? valid : 1u << g->pmd_order;
	struct engine e;

	/* the per-order arrays are filled up to the PMD order (by
	 * prepare_orders()), the prefix as far as the bitmap goes */
	e.g = g;
	e.o = opts;
	e.m = m;
	e.bitmap = bitmap;
	e.res = res;
	e.orders = opts->orders & considered;
	e.lower = e.stop = e.flagged = 0;
	e.out = (struct outcome){ .last_result = MTHP_SCAN_FAIL };
	e.have_prefix = false;
	if (!e.orders) {
		/* khugepaged would not have scanned this range at all */
		res->result = MTHP_SCAN_VMA_CHECK;
		return 0;
	}
	/* bit k: a range of order k may try the lower orders */
	e.lower = (m->split == MTHP_SPLIT_ABOVE_MIN
			   ? ~0u : ~0u << (__builtin_ctz(e.orders) + 1)) &
		  (~0u << (MTHP_MIN_ORDER + 1));
	search(&e);
	res->attempts = e.out.attempts;
	res->collapsed = e.out.collapsed;
	if (e.out.bad_result)
		return callback_failed(&e.out, res);
	res->result = run_result(&e);
	return 0;
}

MTHP_EXPORT int mthp_collapse(const struct mthp_geometry *g,
			      const unsigned long *bitmap, unsigned int nbits,
			      const struct mthp_collapse_opts *opts,
			      struct mthp_collapse_result *res)
{
	struct mthp_collapse_opts o;
	struct mthp_collapse_result r = { .sz = sizeof(r) };
	size_t need = offsetof(struct mthp_collapse_result, result) +
		      sizeof(res->result);

	/* everything is checked here, once; below, it is taken as valid */
	if (!g || !bitmap || !opts || !res)
		return mthp_refuse("mthp_collapse: %s is NULL",
				   !g ? "g" : !bitmap ? "bitmap" : !opts ? "opts" : "res");
	if (res->sz < need)
		return mthp_refuse("mthp_collapse: res->sz %zu cannot hold the result (at least %zu; MTHP_RESULT() sets it)",
				   res->sz, need);
	if (!opts_copy(opts, &o))
		return mthp_refuse("mthp_collapse: opts->sz %zu: %s", opts->sz,
				   opts->sz < sizeof(opts->sz)
					   ? "too small (MTHP_OPTS() sets it)"
					   : "larger than this library's options, with fields it does not know set");
	if (!mthp_geometry_valid(g))
		return mthp_refuse("mthp_collapse: the geometry is not valid (make it with mthp_geometry_lookup() or mthp_geometry_custom())");
	if (nbits < g->pmd_nr)
		return mthp_refuse("mthp_collapse: nbits %u: the bitmap is shorter than the %u PTEs of the table (%s)",
				   nbits, g->pmd_nr, g->name);
	int ret = check_opts(g, &o);

	if (ret)
		return ret;
	ret = mthp_collapse_checked(g, bitmap, &o, &r);

	/* never more than the caller declared, never its sz field */
	size_t sz = res->sz < sizeof(r) ? res->sz : sizeof(r);

	memcpy((char *)res + sizeof(r.sz), (char *)&r + sizeof(r.sz),
	       sz - sizeof(r.sz));
	return ret;
}

static int succeed(const struct mthp_range *r, void *data)
{
	(void)r;
	(void)data;
	return MTHP_SCAN_SUCCEED;
}

MTHP_EXPORT unsigned int mthp_model_deepest_stack(enum mthp_model m,
						  const struct mthp_geometry *g)
{
	static const unsigned long empty[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];
	struct mthp_collapse_opts o = {
		.sz = sizeof(o),
		.model = m,
		.collapse = succeed,
	};
	struct mthp_collapse_result res = { .sz = sizeof(res) };

	if (!mthp_model_desc(m) || !mthp_geometry_valid(g))
		return 0;
	/* nothing qualifies in an empty table, so every range is visited */
	o.orders = mthp_orders_upto(g->pmd_order);
	mthp_collapse_checked(g, empty, &o, &res);
	return res.max_stack_depth;
}

MTHP_EXPORT const char *mthp_version(void)
{
	return MTHP_VERSION_STRING;
}

static const char *const step_kind_names[] = {
	[MTHP_STEP_DISABLED] = "disabled",
	[MTHP_STEP_BELOW_THRESHOLD] = "below-threshold",
	[MTHP_STEP_ATTEMPTED] = "attempted",
	[MTHP_STEP_INVALID_NONE] = "invalid-max-ptes-none",
	[MTHP_STEP_BAD_RESULT] = "bad-callback-result",
};

MTHP_EXPORT const char *mthp_step_kind_name(enum mthp_step_kind k)
{
	return MTHP_NAME_OF(step_kind_names, k);
}

static const char *const action_names[] = {
	[MTHP_ACTION_NEXT] = "next",
	[MTHP_ACTION_LOWER] = "lower",
	[MTHP_ACTION_STOP] = "stop",
};

MTHP_EXPORT const char *mthp_step_action_name(enum mthp_step_action a)
{
	return MTHP_NAME_OF(action_names, a);
}
