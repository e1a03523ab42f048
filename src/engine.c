// SPDX-License-Identifier: MIT
/*
 * The decision engine (counterpart: mthp_collapse() and, before v19,
 * collapse_scan_bitmap()). It reads only the occupancy bitmap and the
 * model table, calls back for each attempt, and allocates nothing.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
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

struct engine {
	const struct mthp_geometry *g;
	const struct mthp_collapse_opts *o;
	const struct mthp_model_desc *m;
	const unsigned long *bitmap;
	struct mthp_collapse_result *res;
	uint32_t orders;  /* enabled and considered by the model */
	int last_result;  /* the last failure remembered (v19, baseline) */
	bool attempted;
	bool alloc_failed;
	bool bad_result;
};

/*
 * None PTEs a range of this order may hold (docs/MODELS.md sections 4
 * and 6). Returns false when the model gives up on mTHP for the whole PMD
 * instead.
 */
static bool allowance(struct engine *e, unsigned int order,
		      unsigned int *allow)
{
	const struct mthp_geometry *g = e->g;
	unsigned int v = e->o->max_ptes_none;

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
	return mthp_none_allowance(e->m, g, order, v, allow,
				   &e->res->invalid_none);
}

static bool lower_possible(const struct engine *e, unsigned int order)
{
	if (order <= MTHP_MIN_ORDER)
		return false;
	if (e->m->split == MTHP_SPLIT_ABOVE_MIN)
		return true;
	return e->orders & ((1u << order) - 1);
}

static void record(struct engine *e, const struct mthp_step *st)
{
	const struct mthp_collapse_opts *o = e->o;

	if (o->steps && e->res->nsteps < o->steps_cap)
		o->steps[e->res->nsteps] = *st;
	e->res->nsteps++;
}

/* What to do after an attempt returned r. */
static enum mthp_step_action triage(struct engine *e, unsigned int order,
				    int r)
{
	if (r == MTHP_SCAN_SUCCEED)
		e->res->collapsed += 1u << order;
	if (e->m->search == MTHP_SEARCH_ONE_PMD) {
		e->last_result = r; /* its one attempt is the run's result */
		return MTHP_ACTION_NEXT;
	}
	if (r == MTHP_SCAN_SUCCEED)
		return MTHP_ACTION_NEXT;
	if (r == MTHP_SCAN_PTE_MAPPED_HUGEPAGE)
		return MTHP_ACTION_NEXT;
	e->last_result = r;
	if (r == MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL)
		e->alloc_failed = true;
	if (e->m->try_lower & (1ull << r))
		return MTHP_ACTION_LOWER;
	return MTHP_ACTION_STOP;
}

/* Examine the range (offset, order): threshold, maybe one attempt. */
static enum mthp_step_action examine(struct engine *e, unsigned int offset,
				     unsigned int order, unsigned int depth)
{
	const struct mthp_geometry *g = e->g;
	struct mthp_step st = {
		.offset = offset,
		.order = order,
		.result = -1,
		.stack_depth = depth,
		.kind = MTHP_STEP_DISABLED,
		.action = MTHP_ACTION_LOWER,
	};
	unsigned int allow = 0;

	if (!(e->orders & (1u << order)))
		goto out;
	if (!allowance(e, order, &allow)) {
		st.kind = MTHP_STEP_INVALID_NONE;
		st.action = MTHP_ACTION_STOP;
		goto out;
	}
	unsigned int size = 1u << order;

	st.threshold = allow >= size ? 0 : size - allow;
	st.threshold -= st.threshold < e->m->threshold_slack ? st.threshold
							      : e->m->threshold_slack;
	st.occupied = mthp_pte_count_present(e->bitmap, offset, order);
	if (order == g->pmd_order && e->m->unmapped_occupied_at_pmd &&
	    e->o->mode == MTHP_MODE_KHUGEPAGED)
		st.occupied += e->o->unmapped;
	if (st.occupied < st.threshold) {
		st.kind = MTHP_STEP_BELOW_THRESHOLD;
		goto out;
	}
	struct mthp_range range = { .offset = offset, .order = order };
	int r = e->o->collapse(&range, e->o->data);

	e->res->attempts++;
	e->attempted = true;
	st.result = r;
	if (!mthp_scan_result_name(r)) {
		st.kind = MTHP_STEP_BAD_RESULT;
		st.action = MTHP_ACTION_STOP;
		e->bad_result = true;
		goto out;
	}
	st.kind = MTHP_STEP_ATTEMPTED;
	st.action = triage(e, order, r);
out:
	if (st.action == MTHP_ACTION_LOWER && !lower_possible(e, order))
		st.action = MTHP_ACTION_NEXT;
	record(e, &st);
	return st.action;
}

static void search_stack(struct engine *e)
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

static void search_walk(struct engine *e)
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
		order = offset ? (unsigned int)__builtin_ctz(offset) : 0;
		if (order > g->pmd_order)
			order = g->pmd_order;
	}
}

static int run_result(const struct engine *e)
{
	switch (e->m->run) {
	case MTHP_RUN_ATTEMPT:
		/* below the limit the mainline scan would have said so */
		return e->attempted ? e->last_result
				    : MTHP_SCAN_EXCEED_NONE_PTE;
	case MTHP_RUN_COLLAPSED:
		break;
	case MTHP_RUN_WALK:
		if (e->res->collapsed)
			return MTHP_SCAN_SUCCEED;
		if (e->alloc_failed)
			return MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL;
		return e->last_result; /* SCAN_FAIL when none was remembered */
	}
	return e->res->collapsed ? MTHP_SCAN_SUCCEED : MTHP_SCAN_FAIL;
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
	if (sz < sizeof(in->sz))
		return false;
	for (size_t i = sizeof(*out); i < sz; i++)
		if (((const unsigned char *)in)[i])
			return false;
	memcpy(out, in, sz < sizeof(*out) ? sz : sizeof(*out));
	out->sz = sizeof(*out);
	return true;
}

static int collapse(const struct mthp_geometry *g, const unsigned long *bitmap,
		    const struct mthp_collapse_opts *opts,
		    struct mthp_collapse_result *res)
{
	const struct mthp_model_desc *m = mthp_model_desc(opts->model);

	if (!m || !opts->collapse || (unsigned int)opts->mode > MTHP_MODE_MADVISE ||
	    opts->max_ptes_none >= g->pmd_nr || opts->unmapped > g->pmd_nr)
		return -EINVAL;

	uint32_t valid = mthp_orders_all(g);

	if (opts->orders & ~valid)
		return -EINVAL; /* an order below 2 or above the PMD order */
	/* MADV_COLLAPSE, and mainline before the series, build PMDs only */
	uint32_t considered = m->sub_pmd && opts->mode == MTHP_MODE_KHUGEPAGED
		? valid : 1u << g->pmd_order;
	struct engine e = {
		.g = g,
		.o = opts,
		.m = m,
		.bitmap = bitmap,
		.res = res,
		.orders = opts->orders & considered,
		.last_result = MTHP_SCAN_FAIL,
	};

	if (!e.orders) {
		/* khugepaged would not have scanned this range at all */
		res->result = MTHP_SCAN_VMA_CHECK;
		return 0;
	}
	switch (m->search) {
	case MTHP_SEARCH_ONE_PMD:
		examine(&e, 0, g->pmd_order, 0);
		break;
	case MTHP_SEARCH_STACK:
		search_stack(&e);
		break;
	case MTHP_SEARCH_WALK:
		search_walk(&e);
		break;
	}
	if (e.bad_result) {
		res->result = MTHP_SCAN_FAIL;
		return -EPROTO;
	}
	res->result = run_result(&e);
	return 0;
}

MTHP_EXPORT int mthp_collapse(const struct mthp_geometry *g,
			      const unsigned long *bitmap,
			      const struct mthp_collapse_opts *opts,
			      struct mthp_collapse_result *res)
{
	struct mthp_collapse_opts o;
	struct mthp_collapse_result r = { .sz = sizeof(r) };
	size_t need = offsetof(struct mthp_collapse_result, result) +
		      sizeof(res->result);

	if (!g || !bitmap || !opts || !res || res->sz < need ||
	    !opts_copy(opts, &o) || !mthp_geometry_valid(g))
		return -EINVAL;
	int ret = collapse(g, bitmap, &o, &r);

	if (ret == -EINVAL)
		return ret;
	/* never more than the caller declared, never its sz field */
	size_t sz = res->sz < sizeof(r) ? res->sz : sizeof(r);

	memcpy((char *)res + sizeof(r.sz), (char *)&r + sizeof(r.sz),
	       sz - sizeof(r.sz));
	return ret;
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
