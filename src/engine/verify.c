// SPDX-License-Identifier: MIT
/*
 * The engine's claims, checked by running the engine itself over every
 * small bitmap and many random ones (docs/MODELS.md section 6.4 for the
 * equivalence; section 6 for the rest). A failed claim keeps the
 * smallest input that still fails it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "rng.h"
#include "mthpcollapse/verify.h"

/* A result every model's try-lower list holds. */
#define TRY_LOWER MTHP_SCAN_EXCEED_NONE_PTE
/* Enough for every range of the largest geometry (2 * 8192 / 4 - 1). */
#define VERIFY_STEPS (1u << 13)

struct run {
	struct mthp_collapse_result res;
	struct mthp_step steps[VERIFY_STEPS];
};

MTHP_EXPORT int mthp_verify_answer(const struct mthp_range *r, void *data)
{
	const struct mthp_verify_case *in = data;
	uint32_t h;

	if (!r || !in)
		return mthp_refuse("mthp_verify_answer: no range, or no data");
	switch (in->answer) {
	case MTHP_VERIFY_SUCCEED:
		return MTHP_SCAN_SUCCEED;
	case MTHP_VERIFY_FAIL:
		return TRY_LOWER;
	case MTHP_VERIFY_MIXED:
		break;
	}
	h = (r->offset * 2654435761u) ^ (r->order * 0x9e3779b9u) ^ in->salt;
	h ^= h >> 15;
	return (h * 0x2c1b3c6du) >> 31 ? MTHP_SCAN_SUCCEED : TRY_LOWER;
}

/* The state of one mthp_verify() call: two runs to compare, the models. */
struct verify {
	enum mthp_model pair[2];
	enum mthp_model models[MTHP_MODEL_TABLE_SIZE + 2];
	size_t nmodels;
	struct mthp_verify_result *res;
	struct run ra, rb;
	struct mthp_verify_case poisoned;
	MTHP_DECLARE_BITMAP(seen, MTHP_MAX_PTRS);
};

static void engine(const struct mthp_verify_case *in, enum mthp_model m,
		   struct run *out)
{
	struct mthp_collapse_opts o = {
		.sz = sizeof(o),
		.model = m,
		.orders = in->orders,
		.max_ptes_none = in->max_ptes_none,
		.collapse = mthp_verify_answer,
		.data = (void *)in,
		.steps = out->steps,
		.steps_cap = VERIFY_STEPS,
	};

	out->res = (struct mthp_collapse_result){ .sz = sizeof(out->res) };
	/* every input below is valid by construction */
	mthp_collapse_checked(&in->geometry, in->bitmap, &o, &out->res);
}

static bool is_attempt(const struct mthp_step *s)
{
	return s->kind == MTHP_STEP_ATTEMPTED;
}

typedef bool (*claim_fn)(struct verify *v, const struct mthp_verify_case *in,
			 enum mthp_model a, enum mthp_model b, char *why,
			 size_t len);

/* The walk attempts what the stack search attempts, in the same order. */
static bool same_attempts(struct verify *v, const struct mthp_verify_case *in,
			  enum mthp_model a, enum mthp_model b, char *why,
			  size_t len)
{
	struct run *ra = &v->ra, *rb = &v->rb;
	size_t i = 0, j = 0;

	engine(in, a, ra);
	engine(in, b, rb);
	for (;; i++, j++) {
		while (i < ra->res.nsteps && !is_attempt(&ra->steps[i]))
			i++;
		while (j < rb->res.nsteps && !is_attempt(&rb->steps[j]))
			j++;
		bool ea = i == ra->res.nsteps, eb = j == rb->res.nsteps;

		if (ea && eb)
			return true;
		if (!ea && !eb && ra->steps[i].offset == rb->steps[j].offset &&
		    ra->steps[i].order == rb->steps[j].order)
			continue;
		char xa[48] = "nothing more", xb[48] = "nothing more";

		if (!ea)
			snprintf(xa, sizeof(xa), "(%u, order %u)",
				 ra->steps[i].offset, ra->steps[i].order);
		if (!eb)
			snprintf(xb, sizeof(xb), "(%u, order %u)",
				 rb->steps[j].offset, rb->steps[j].order);
		snprintf(why, len, "%s attempts %s where %s attempts %s",
			 mthp_model_name(a), xa, mthp_model_name(b), xb);
		return false;
	}
}

/* The occupied PTEs a khugepaged range needs: max_ptes_none is 0 or max. */
static unsigned int threshold(const struct mthp_verify_case *in,
			      unsigned int order)
{
	return in->max_ptes_none ? 1 : 1u << order;
}

/* With max_ptes_none = HPAGE_PMD_NR - 1, a collapse of (offset, order)
 * comes after an attempt at every enabled range above it. */
static bool highest_tried(const struct run *r, const struct mthp_geometry *g,
			  uint32_t enabled, const struct mthp_step *s,
			  unsigned int *off, unsigned int *order)
{
	for (unsigned int j = s->order + 1; j <= g->pmd_order; j++) {
		bool tried = false;

		*off = s->offset & ~((1u << j) - 1);
		*order = j;
		if (!(enabled & (1u << j)))
			continue;
		for (size_t t = 0; t < r->res.nsteps && !tried; t++)
			tried = is_attempt(&r->steps[t]) &&
				r->steps[t].offset == *off &&
				r->steps[t].order == j;
		if (!tried)
			return false;
	}
	return true;
}

/* Disjoint, aligned, of enabled orders, over the threshold, highest. */
static bool collapses_sound(struct verify *v, const struct mthp_verify_case *in,
			    enum mthp_model m, enum mthp_model unused,
			    char *why, size_t len)
{
	const struct mthp_geometry *g = &in->geometry;
	uint32_t enabled = mthp_model_sub_pmd(m) ? in->orders
						  : in->orders & (1u << g->pmd_order);
	const char *name = mthp_model_name(m);
	struct run *r = &v->ra;

	(void)unused;
	engine(in, m, r);
	mthp_bitmap_zero(v->seen, g->pmd_nr);
	for (size_t i = 0; i < r->res.nsteps; i++) {
		const struct mthp_step *s = &r->steps[i];
		unsigned int n = 1u << s->order, off, order;

		if (!is_attempt(s) || s->result != MTHP_SCAN_SUCCEED)
			continue;
		unsigned int occ = mthp_pte_count_present(in->bitmap, s->offset,
							   s->order);

		if (s->offset & (n - 1) || s->offset + n > g->pmd_nr) {
			snprintf(why, len, "%s collapsed misaligned (%u, order %u)",
				 name, s->offset, s->order);
			return false;
		}
		if (!(enabled & (1u << s->order))) {
			snprintf(why, len, "%s collapsed (%u, order %u), an order not enabled",
				 name, s->offset, s->order);
			return false;
		}
		if (occ < threshold(in, s->order)) {
			snprintf(why, len,
				 "%s collapsed (%u, order %u) with %u occupied PTEs; max_ptes_none %u needs %u",
				 name, s->offset, s->order, occ,
				 in->max_ptes_none, threshold(in, s->order));
			return false;
		}
		if (mthp_bitmap_weight_range(v->seen, s->offset, n)) {
			snprintf(why, len, "%s collapsed (%u, order %u) twice over",
				 name, s->offset, s->order);
			return false;
		}
		mthp_bitmap_set(v->seen, s->offset, n);
		if (in->max_ptes_none == g->pmd_nr - 1 &&
		    !highest_tried(r, g, enabled, s, &off, &order)) {
			snprintf(why, len,
				 "%s collapsed (%u, order %u) without attempting the enabled (%u, order %u) holding it",
				 name, s->offset, s->order, off, order);
			return false;
		}
	}
	return true;
}

/* The stack never holds more than PMD_ORDER - 2 + 1 entries. */
static bool stack_bounded(struct verify *v, const struct mthp_verify_case *in,
			  enum mthp_model m, enum mthp_model unused, char *why,
			  size_t len)
{
	unsigned int bound = mthp_stack_depth_bound(&in->geometry);
	const struct mthp_collapse_result *r = &v->ra.res;

	(void)unused;
	engine(in, m, &v->ra);
	if (r->max_stack_depth <= bound &&
	    (!r->stack_capacity || r->stack_capacity >= bound))
		return true;
	snprintf(why, len, "%s: stack depth %u, capacity %u, bound %u",
		 mthp_model_name(m), r->max_stack_depth, r->stack_capacity, bound);
	return false;
}

/* Bits HPAGE_PMD_NR .. MAX_PTRS_PER_PTE-1 change no decision. */
static bool poison_inert(struct verify *v, const struct mthp_verify_case *in,
			 enum mthp_model m, enum mthp_model unused, char *why,
			 size_t len)
{
	struct mthp_verify_case *p = &v->poisoned;
	const struct run *ra = &v->ra, *rb = &v->rb;

	(void)unused;
	*p = *in;
	mthp_bitmap_set(p->bitmap, p->geometry.pmd_nr,
			p->geometry.max_ptrs - p->geometry.pmd_nr);
	engine(in, m, &v->ra);
	engine(p, m, &v->rb);
	bool same = ra->res.nsteps == rb->res.nsteps &&
		    ra->res.result == rb->res.result;

	for (size_t i = 0; same && i < ra->res.nsteps; i++)
		same = ra->steps[i].offset == rb->steps[i].offset &&
		       ra->steps[i].order == rb->steps[i].order &&
		       ra->steps[i].kind == rb->steps[i].kind &&
		       ra->steps[i].result == rb->steps[i].result;
	if (!same)
		snprintf(why, len, "%s decides differently once bits %u..%u are set",
			 mthp_model_name(m), p->geometry.pmd_nr,
			 p->geometry.max_ptrs - 1);
	return same;
}

/* The claims: what each checks, and on which inputs. */
static const struct claim {
	const char *key;
	const char *text;
	claim_fn fn;
	bool pairwise;     /* compares the stack model with the walk model */
	bool needs_stack;  /* only for models that have a stack */
	bool needs_poison; /* only where MAX_PTRS_PER_PTE > HPAGE_PMD_NR */
	bool reserves;     /* also holds every model's reserve to the bound */
	int skip_answer;   /* an answer pattern the claim says nothing of */
} claims[MTHP_CLAIM_COUNT] = {
	[MTHP_CLAIM_EQUIVALENCE] = {
		"equivalence",
		"the stack search and the walk attempt the same ranges in the same order",
		same_attempts, .pairwise = true,
		/* about runs where every attempt succeeds or every one fails */
		.skip_answer = MTHP_VERIFY_MIXED },
	[MTHP_CLAIM_COLLAPSES] = {
		"collapses",
		"collapses are disjoint, aligned, of enabled orders, over the threshold, from the highest order",
		collapses_sound, .skip_answer = MTHP_VERIFY_FAIL },
	[MTHP_CLAIM_STACK_BOUND] = {
		"stack_bound",
		"the stack never exceeds PMD_ORDER - 1 entries and every reserve holds that",
		stack_bounded, .needs_stack = true, .reserves = true,
		.skip_answer = -1 },
	[MTHP_CLAIM_POISON] = {
		"poison",
		"bits past HPAGE_PMD_NR change no decision",
		poison_inert, .needs_poison = true, .skip_answer = -1 },
};

/* Greedily drops occupied PTEs and enabled orders while the claim fails. */
static void shrink(struct verify *v, size_t k, enum mthp_model a,
		   enum mthp_model b)
{
	struct mthp_claim_report *rep = &v->res->claims[k];
	struct mthp_verify_case *in = &rep->counter;
	claim_fn fn = claims[k].fn;
	char why[256];

	for (bool progress = true; progress;) {
		progress = false;
		for (unsigned int i = 0; i < in->geometry.pmd_nr; i++) {
			if (!mthp_test_bit(i, in->bitmap))
				continue;
			mthp_clear_bit(i, in->bitmap);
			if (!fn(v, in, a, b, why, sizeof(why))) {
				progress = true;
				continue;
			}
			mthp_set_bit(i, in->bitmap);
		}
		for (unsigned int o = 0; o < 32; o++) {
			if (!(in->orders & (1u << o)))
				continue;
			in->orders &= ~(1u << o);
			if (in->orders && !fn(v, in, a, b, why, sizeof(why))) {
				progress = true;
				continue;
			}
			in->orders |= 1u << o;
		}
	}
	fn(v, in, a, b, rep->why, sizeof(rep->why));
}

static void check(struct verify *v, size_t k, const struct mthp_verify_case *in)
{
	const struct claim *c = &claims[k];
	struct mthp_claim_report *rep = &v->res->claims[k];
	char why[256];

	if (!rep->holds)
		return;
	for (size_t i = 0; i < (c->pairwise ? 1 : v->nmodels); i++) {
		enum mthp_model a = c->pairwise ? v->pair[0] : v->models[i];
		enum mthp_model b = v->pair[1];

		if (c->needs_stack && !mthp_model_stack_capacity(a, &in->geometry))
			continue; /* no stack to bound */
		rep->cases++;
		if (c->fn(v, in, a, b, why, sizeof(why)))
			continue;
		rep->holds = false;
		rep->has_counter = true;
		rep->counter = *in;
		rep->counter.model = a;
		shrink(v, k, a, b);
		return;
	}
}

/* Every claim, every (max_ptes_none, answer) of one bitmap and order set. */
static void check_modes(struct verify *v, struct mthp_verify_case *in)
{
	const unsigned int nones[2] = { 0, in->geometry.pmd_nr - 1 };

	for (int n = 0; n < 2; n++) {
		in->max_ptes_none = nones[n];
		for (int a = MTHP_VERIFY_SUCCEED; a <= MTHP_VERIFY_MIXED; a++) {
			in->answer = (enum mthp_verify_answer)a;
			for (size_t k = 0; k < MTHP_CLAIM_COUNT; k++)
				if (a != claims[k].skip_answer &&
				    !(claims[k].needs_poison &&
				      in->geometry.max_ptrs == in->geometry.pmd_nr))
					check(v, k, in);
		}
	}
}

static void exhaustive(struct verify *v, struct mthp_verify_case *in,
		       const char *name)
{
	mthp_geometry_lookup(name, &in->geometry, NULL, 0);
	uint32_t all = mthp_orders_all(&in->geometry);

	for (unsigned long bits = 0; bits < (1ul << in->geometry.pmd_nr); bits++) {
		mthp_bitmap_zero(in->bitmap, in->geometry.max_ptrs);
		in->bitmap[0] = bits;
		in->salt = (uint32_t)bits;
		/* every non-empty subset of the orders */
		for (uint32_t sub = all; sub; sub = (sub - 1) & all) {
			in->orders = sub;
			check_modes(v, in);
		}
	}
}

static void random_runs(struct verify *v, struct mthp_verify_case *in,
			struct rng *r, const char *name, unsigned int count)
{
	mthp_geometry_lookup(name, &in->geometry, NULL, 0);
	const unsigned int nr = in->geometry.pmd_nr;
	uint32_t all = mthp_orders_all(&in->geometry);

	for (unsigned int i = 0; i < count; i++) {
		mthp_bitmap_zero(in->bitmap, in->geometry.max_ptrs);
		/* runs of occupied and empty PTEs of varied lengths */
		for (unsigned int pos = 0; pos < nr;) {
			unsigned int n = 1 + rng_below(r, nr / 8 + 1);

			if (n > nr - pos)
				n = nr - pos;
			if (rng_below(r, 2))
				mthp_bitmap_set(in->bitmap, pos, n);
			pos += n;
		}
		do
			in->orders = (uint32_t)rng_next(r) & all;
		while (!in->orders);
		in->salt = (uint32_t)rng_next(r);
		check_modes(v, in);
	}
}

/* Every model's reserve against the bound, on every geometry. */
static void reserves(struct verify *v)
{
	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		struct mthp_geometry g;

		mthp_geometry_lookup(mthp_geometry_name(i), &g, NULL, 0);
		unsigned int bound = mthp_stack_depth_bound(&g);

		for (size_t m = 0; m < v->nmodels; m++) {
			unsigned int cap = mthp_model_stack_capacity(v->models[m], &g);

			for (size_t k = 0; k < MTHP_CLAIM_COUNT; k++) {
				struct mthp_claim_report *rep = &v->res->claims[k];

				if (!claims[k].reserves)
					continue;
				rep->cases++;
				if (!cap || cap >= bound || !rep->holds)
					continue;
				rep->holds = false;
				snprintf(rep->why, sizeof(rep->why),
					 "%s reserves %u entries on %s; the bound is %u",
					 mthp_model_name(v->models[m]), cap, g.name,
					 bound);
			}
		}
	}
}

MTHP_EXPORT int mthp_verify(const struct mthp_verify_opts *opts,
			    struct mthp_verify_result *res)
{
	struct mthp_verify_opts o = { 0 };
	struct verify *v;
	struct mthp_verify_case *in;

	if (!opts || !res || opts->sz < sizeof(opts->sz) ||
	    res->sz != sizeof(*res))
		return mthp_refuse("mthp_verify: no opts or res, or a res->sz that is not this library's (build them with MTHP_VERIFY_OPTS() and { .sz = sizeof(res) })");
	for (size_t i = sizeof(o); i < opts->sz; i++)
		if (((const unsigned char *)opts)[i])
			return mthp_refuse("mthp_verify: opts has bytes set past the fields this library knows (opts->sz %zu)", opts->sz); /* a field this library does not know */
	memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (o.stack_model == MTHP_MODEL_LATEST && o.walk_model == MTHP_MODEL_LATEST) {
		o.stack_model = MTHP_MODEL_V15;
		o.walk_model = MTHP_MODEL_V19;
	}
	if (!mthp_model_desc(o.stack_model) || !mthp_model_desc(o.walk_model))
		return mthp_refuse("mthp_verify: stack_model %d or walk_model %d is not a model", (int)o.stack_model, (int)o.walk_model);

	/* two runs of 8192 steps and a case: too much for a stack */
	v = calloc(1, sizeof(*v));
	in = calloc(1, sizeof(*in));
	if (!v || !in) {
		free(v);
		free(in);
		return -ENOMEM;
	}
	memset(res, 0, sizeof(*res));
	res->sz = sizeof(*res);
	v->res = res;
	v->pair[0] = o.stack_model;
	v->pair[1] = o.walk_model;
	/* the invariants: every model, and the two named when they are not
	 * among them (a test build's model) */
	for (int m = 0; m < MTHP_MODEL_COUNT; m++)
		v->models[v->nmodels++] = (enum mthp_model)m;
	for (int i = 0; i < 2; i++)
		if (v->pair[i] >= MTHP_MODEL_COUNT)
			v->models[v->nmodels++] = v->pair[i];
	for (size_t k = 0; k < MTHP_CLAIM_COUNT; k++)
		res->claims[k] = (struct mthp_claim_report){
			.key = claims[k].key, .text = claims[k].text, .holds = true };

	size_t total = 2 + mthp_geometry_count(), done = 0;
	struct rng r = { o.seed };
	unsigned int per = o.random_per_geometry ? o.random_per_geometry : 150;

	exhaustive(v, in, "custom:12:16:16");
	if (o.progress)
		o.progress(o.ctx, ++done, total);
	exhaustive(v, in, "custom:12:8:64"); /* small, with bits to poison */
	if (o.progress)
		o.progress(o.ctx, ++done, total);
	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		random_runs(v, in, &r, mthp_geometry_name(i), per);
		if (o.progress)
			o.progress(o.ctx, ++done, total);
	}
	reserves(v);
	res->models = v->nmodels;
	free(v);
	free(in);
	res->holds = true;
	for (size_t k = 0; k < MTHP_CLAIM_COUNT; k++) {
		res->cases += res->claims[k].cases;
		res->holds &= res->claims[k].holds;
	}
	return 0;
}
