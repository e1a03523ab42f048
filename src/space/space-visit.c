// SPDX-License-Identifier: MIT
/*
 * khugepaged's visit of an address space, one PMD range at a time: a
 * visitor takes the ranges in address order, VMA by VMA, from a space in
 * memory (mthp_space_visit()) or from a streamed read, and keeps only
 * the totals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "space-internal.h"
#include "models.h"
#include "mthpcollapse/space.h"

/* What a visitor keeps of one VMA. */
struct vma_totals {
	struct mthp_space_totals t;
	/* PTEs present, and in huge folios, after a range's last visit,
	 * by the number of visits it had: carried on to later rounds */
	unsigned long tail_present[MTHP_SPACE_MAX_ROUNDS + 2];
	unsigned long tail_huge[MTHP_SPACE_MAX_ROUNDS + 2];
};

struct mthp_space_visitor {
	struct mthp_space_visit_opts o;
	struct mthp_scenario s;   /* the settings; ptes: each range's own */
	struct mthp_sim_result r;
	unsigned int max_rounds;
	int young;
	struct vma_totals *vmas;  /* VMA base + i at vmas[i] */
	size_t nvmas, cap;        /* VMA numbers seen (all of them), room */
	size_t base;              /* VMAs below it are done (vma_done()) */
	struct mthp_space_totals done; /* their totals */
	struct mthp_pte *none;    /* all none: the table of a range without one */
	/* the enabled orders of the last VMA flags asked about: the settings
	 * do not change during a visit, so a VMA's ranges ask once */
	unsigned int cached_flags;
	bool cached_disabled, cached;
	uint32_t cached_enabled;
};

/*
 * PTEs mapping an anonymous page (as mthp_scenario_present() counts
 * them), and PTEs in folios of each order >= 2 (added to huge); returns
 * the PTEs in huge folios. A PMD mapping is HPAGE_PMD_NR of them, no PTE
 * table none. 64 PTEs at a time where it can.
 */
static unsigned long measure(const struct mthp_scenario *s, unsigned long *huge,
			     unsigned long *present)
{
	const struct mthp_geometry *g = &s->geometry;
	const struct mthp_pte *ptes = s->ptes;
	unsigned long in_huge = 0, n = 0;
	unsigned int k = 0;

	if (s->pmd == MTHP_PMD_MAPPED) {
		*present = g->pmd_nr;
		huge[g->pmd_order] += g->pmd_nr;
		return g->pmd_nr;
	}
	*present = 0;
	if (s->pmd != MTHP_PMD_TABLE)
		return 0;
	for (; k + 64 <= g->pmd_nr; k += 64) {
		const struct mthp_pte *w = ptes + k;
		uint64_t pres = mthp_pte_kind64(w, MTHP_PTE_PRESENT);
		/* present in a folio of order 2 or more: 14 is its bits above 1 */
		uint64_t big = pres & ~mthp_pte_match64(w, PTE_KIND_BITS |
							PTE_RAW(.folio_order = 14),
							PTE_KIND(MTHP_PTE_PRESENT));

		n += mthp_popcount64(pres & ~mthp_pte_flags64(w, MTHP_PTE_NOT_ANON));
		for (uint64_t b = big; b; b &= b - 1) {
			huge[w[__builtin_ctzll(b)].folio_order]++;
			in_huge++;
		}
	}
	for (; k < g->pmd_nr; k++) {
		struct mthp_pte p = ptes[k];

		if (p.kind != MTHP_PTE_PRESENT)
			continue;
		n += !(p.flags & MTHP_PTE_NOT_ANON);
		if (p.folio_order >= MTHP_MIN_ORDER) {
			huge[p.folio_order]++;
			in_huge++;
		}
	}
	*present = n;
	return in_huge;
}

/*
 * Before a range is visited: every PTE's kind is one the format knows
 * (the only thing about a record the settings do not already answer
 * for), and the young bit nobody could read is set as the caller decides
 * (young > 0: every present PTE young, < 0: none). False for an invalid
 * PTE.
 */
static bool prepare_table(struct mthp_pte *ptes, unsigned int nr, int young)
{
	unsigned int k = 0;

	for (; k + 64 <= nr; k += 64) {
		struct mthp_pte *w = ptes + k;

		if (~(mthp_pte_none64(w) | mthp_pte_kind64(w, MTHP_PTE_PRESENT) |
		      mthp_pte_kind64(w, MTHP_PTE_SWAP) |
		      mthp_pte_kind64(w, MTHP_PTE_NON_SWAP)))
			return false;
		if (young > 0)
			mthp_pte_set64(w, PTE_KIND_BITS, PTE_KIND(MTHP_PTE_PRESENT),
				       PTE_FLAGS(MTHP_PTE_YOUNG));
		else if (young < 0)
			for (uint64_t b = mthp_pte_flags64(w, MTHP_PTE_YOUNG); b; b &= b - 1)
				w[__builtin_ctzll(b)].flags &= ~MTHP_PTE_YOUNG & 0x1ffu;
	}
	for (; k < nr; k++) {
		if (ptes[k].kind > MTHP_PTE_NON_SWAP)
			return false;
		if (ptes[k].kind == MTHP_PTE_PRESENT && young)
			ptes[k].flags = young > 0 ? ptes[k].flags | MTHP_PTE_YOUNG
						  : ptes[k].flags & ~MTHP_PTE_YOUNG & 0x1ffu;
	}
	return true;
}

/*
 * The visits of one scanned range, until one collapses nothing or
 * max_rounds. Counts into t; *last is how many visits it had, and huge,
 * *present and *in_huge what the last one left (measure()). Returns the
 * largest order collapsed (0: none), or -errno.
 */
static int visit_range(struct mthp_space_visitor *v, struct mthp_space_totals *t,
		       unsigned int *last, unsigned long *huge,
		       unsigned long *present, unsigned long *in_huge)
{
	struct mthp_scenario *s = &v->s;
	struct mthp_sim_result *r = &v->r;
	int top = 0;

	*last = 0;
	for (unsigned int n = 1; n <= v->max_rounds; n++) {
		int e = mthp_simulate_checked(s, r);

		if (e)
			return e;
		*last = n;
		memset(huge, 0, (MTHP_MAX_PMD_ORDER + 1) * sizeof(*huge));
		*in_huge = measure(s, huge, present);
		t->huge_round[n] += *in_huge;
		t->present_round[n] += *present;
		if (n > t->rounds)
			t->rounds = n;
		if (n == 1 && !r->ncollapses)
			t->results[r->result]++;
		for (size_t c = 0; c < r->ncollapses; c++) {
			t->collapses[r->collapses[c].order]++;
			if ((int)r->collapses[c].order > top)
				top = (int)r->collapses[c].order;
		}
		if (!r->ncollapses)
			break;
	}
	return top;
}

MTHP_EXPORT int mthp_space_visitor_new(struct mthp_space_visitor **out,
				       const struct mthp_space *sp,
				       const struct mthp_space_visit_opts *opts)
{
	struct mthp_space_visitor *v;

	if (!out)
		return mthp_refuse("mthp_space_visitor_new: nowhere to put the visitor");
	*out = NULL;
	if (!sp || !opts || opts->sz < offsetof(struct mthp_space_visit_opts, each) ||
	    !mthp_geometry_valid(&sp->settings.geometry) || !sp->settings.ptes ||
	    !mthp_model_desc(opts->model))
		return mthp_refuse("mthp_space_visitor_new: no space or options, options->sz not this library's, settings without PTEs, or a geometry or model the library does not accept");
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(&v->o, opts, opts->sz < sizeof(v->o) ? opts->sz : sizeof(v->o));
	v->s = sp->settings;
	v->s.model = v->o.model;
	/* the settings' mode: khugepaged's visit, or MADV_COLLAPSE on each
	 * range (no max_ptes_* limits, no young requirement, PMD order) */
	v->s.fails = NULL; /* the settings' rules are for one-range runs */
	v->s.nfails = 0;
	v->none = calloc(v->s.geometry.pmd_nr, sizeof(*v->none));
	v->s.ptes = v->none;
	if (!v->none || mthp_sim_result_init(&v->r, &v->s.geometry)) {
		free(v->none);
		free(v);
		return -ENOMEM;
	}
	if (!mthp_scenario_valid(&v->s)) {
		mthp_space_visitor_free(v);
		return -EINVAL;
	}
	v->max_rounds = v->o.rounds > MTHP_SPACE_MAX_ROUNDS ? MTHP_SPACE_MAX_ROUNDS
			: v->o.rounds > 1 ? v->o.rounds : 1;
	v->young = sp->unknown & MTHP_UNKNOWN_YOUNG ? v->o.young : 0;
	*out = v;
	return 0;
}

MTHP_EXPORT void mthp_space_visitor_free(struct mthp_space_visitor *v)
{
	if (!v)
		return;
	mthp_sim_result_free(&v->r);
	free(v->none);
	free(v->vmas);
	free(v);
}

/* Room for the totals of VMA number vma (at or above v->base). */
static int vma_room(struct mthp_space_visitor *v, size_t vma)
{
	size_t i = vma - v->base;

	if (i >= v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 16;

		while (cap <= i)
			cap *= 2;
		struct vma_totals *n = realloc(v->vmas, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		memset(n + v->cap, 0, (cap - v->cap) * sizeof(*n));
		v->vmas = n;
		v->cap = cap;
	}
	if (vma >= v->nvmas)
		v->nvmas = vma + 1;
	return 0;
}

MTHP_EXPORT int mthp_space_visitor_pmd(struct mthp_space_visitor *v,
				       const struct mthp_space_vma *vm,
				       size_t vma, size_t index,
				       struct mthp_space_pmd *p)
{
	if (!v || !vm || !p || (unsigned int)p->pmd > MTHP_PMD_MAPPED ||
	    (p->pmd == MTHP_PMD_TABLE && !p->ptes) || vma >= ((size_t)1 << 32) ||
	    vma < v->base)
		return mthp_refuse("mthp_space_visitor_pmd: no visitor, VMA or record, a record that is not one, or VMA %zu after later ones were done", vma);
	/* khugepaged would refuse the VMA; the space reader does too */
	if (vm->flags & ~(MTHP_VMA_HUGEPAGE | MTHP_VMA_NOHUGEPAGE | MTHP_VMA_UFFD) ||
	    (vm->flags & MTHP_VMA_HUGEPAGE && vm->flags & MTHP_VMA_NOHUGEPAGE))
		return mthp_refuse("mthp_space_visitor_pmd: VMA flags %#x are not ones khugepaged takes", vm->flags);
	if (vma_room(v, vma))
		return -ENOMEM;

	struct mthp_scenario *s = &v->s;
	const struct mthp_geometry *g = &s->geometry;
	struct vma_totals *vt = &v->vmas[vma - v->base];
	struct mthp_space_totals *t = &vt->t;
	enum mthp_space_outcome out = MTHP_OUTCOME_LEFT;
	unsigned long present, in_huge, huge[MTHP_MAX_PMD_ORDER + 1];
	unsigned int last = 0;
	int top = 0;

	s->vma_flags = vm->flags;
	s->pmd = p->pmd;
	s->ptes = p->ptes ? p->ptes : v->none;
	/* the settings were checked by _new(), the flags above, the PTEs
	 * here: the visits below take the range as valid */
	if (p->pmd == MTHP_PMD_TABLE && !prepare_table(p->ptes, g->pmd_nr, v->young))
		return mthp_refuse("mthp_space_visitor_pmd: the record's PTEs are not valid states");
	in_huge = measure(s, t->huge_before, &present);
	if (!v->cached || v->cached_flags != vm->flags ||
	    v->cached_disabled != vm->thp_disabled) {
		v->cached_enabled = vm->thp_disabled ? 0
			: mthp_enabled_orders_checked(g, s->model, s->mode, &s->thp,
						      s->vma_flags);
		v->cached_flags = vm->flags;
		v->cached_disabled = vm->thp_disabled;
		v->cached = true;
	}
	uint32_t enabled = v->cached_enabled;

	t->pmd_ranges++;
	t->present_before += present;
	t->present_round[0] += present;
	t->huge_round[0] += in_huge;
	memset(huge, 0, sizeof(huge));
	/* khugepaged asks whether the VMA may have THPs before it looks at
	 * any of its page tables */
	if (!enabled) {
		t->not_eligible++;
		out = MTHP_OUTCOME_NOT_ELIGIBLE;
	} else if (p->pmd == MTHP_PMD_MAPPED) {
		t->already_huge++;
		out = MTHP_OUTCOME_ALREADY_HUGE;
	} else if (p->pmd == MTHP_PMD_NONE) {
		t->no_table++;
		out = MTHP_OUTCOME_NO_TABLE;
	} else {
		t->scanned++;
		top = visit_range(v, t, &last, huge, &present, &in_huge);
		if (top < 0)
			return top;
		if (top)
			out = (unsigned int)top == g->pmd_order
				      ? MTHP_OUTCOME_PMD : MTHP_OUTCOME_MTHP;
		p->pmd = s->pmd; /* a PMD collapse maps the range */
	}
	if (!last) /* not visited: as it was */
		in_huge = measure(s, huge, &present);
	for (unsigned int k = 0; k <= MTHP_MAX_PMD_ORDER; k++)
		t->huge_after[k] += huge[k];
	t->present_after += present;
	vt->tail_present[last + 1] += present;
	vt->tail_huge[last + 1] += in_huge;
	if (v->o.each)
		v->o.each(v->o.ctx, vma, index, out, (unsigned int)top);
	return 0;
}

/* A VMA's totals made whole: after its last visit a range keeps its
 * value, carried on into the later rounds. Once per VMA. */
static void finish(struct vma_totals *vt)
{
	unsigned long carry_present = 0, carry_huge = 0;

	for (unsigned int n = 1; n <= MTHP_SPACE_MAX_ROUNDS; n++) {
		carry_present += vt->tail_present[n];
		carry_huge += vt->tail_huge[n];
		vt->t.present_round[n] += carry_present;
		vt->t.huge_round[n] += carry_huge;
	}
	memset(vt->tail_present, 0, sizeof(vt->tail_present));
	memset(vt->tail_huge, 0, sizeof(vt->tail_huge));
}

MTHP_EXPORT void mthp_space_totals_add(struct mthp_space_totals *t,
				      const struct mthp_space_totals *a)
{
	if (!t || !a)
		return;
	t->pmd_ranges += a->pmd_ranges;
	t->scanned += a->scanned;
	t->not_eligible += a->not_eligible;
	t->already_huge += a->already_huge;
	t->no_table += a->no_table;
	t->present_before += a->present_before;
	t->present_after += a->present_after;
	for (unsigned int k = 0; k <= MTHP_MAX_PMD_ORDER; k++) {
		t->collapses[k] += a->collapses[k];
		t->huge_before[k] += a->huge_before[k];
		t->huge_after[k] += a->huge_after[k];
	}
	for (int r = 0; r < MTHP_SCAN_RESULT_COUNT; r++)
		t->results[r] += a->results[r];
	for (unsigned int n = 0; n <= MTHP_SPACE_MAX_ROUNDS; n++) {
		t->present_round[n] += a->present_round[n];
		t->huge_round[n] += a->huge_round[n];
	}
	if (a->rounds > t->rounds)
		t->rounds = a->rounds;
}

MTHP_EXPORT int mthp_space_visitor_end(struct mthp_space_visitor *v,
				       struct mthp_space_totals *per_vma,
				       size_t nvmas,
				       struct mthp_space_totals *total)
{
	if (!v || !total || (per_vma && nvmas < v->nvmas))
		return mthp_refuse("mthp_space_visitor_end: no visitor or totals, or per_vma shorter than the VMAs seen");
	memset(total, 0, sizeof(*total));
	if (per_vma)
		memset(per_vma, 0, nvmas * sizeof(*per_vma));
	mthp_space_totals_add(total, &v->done);
	for (size_t i = v->base; i < v->nvmas; i++) {
		struct vma_totals *vt = &v->vmas[i - v->base];

		finish(vt);
		if (per_vma)
			per_vma[i] = vt->t;
		mthp_space_totals_add(total, &vt->t);
	}
	return 0;
}

MTHP_EXPORT int mthp_space_visitor_vma_done(struct mthp_space_visitor *v, size_t vma,
					    struct mthp_space_totals *t)
{
	if (!v || vma < v->base || vma >= ((size_t)1 << 32))
		return mthp_refuse("mthp_space_visitor_vma_done: no visitor, or VMA %zu already done", vma);
	if (vma_room(v, vma))
		return -ENOMEM;
	/* it and every VMA before it: into the done totals, forgotten */
	size_t n = vma - v->base + 1;

	for (size_t i = 0; i < n; i++) {
		finish(&v->vmas[i]);
		mthp_space_totals_add(&v->done, &v->vmas[i].t);
	}
	if (t)
		*t = v->vmas[n - 1].t;
	memmove(v->vmas, v->vmas + n, (v->nvmas - v->base - n) * sizeof(*v->vmas));
	memset(v->vmas + (v->nvmas - v->base - n), 0, n * sizeof(*v->vmas));
	v->base = vma + 1;
	return 0;
}

MTHP_EXPORT int mthp_space_visit(struct mthp_space *sp,
				 const struct mthp_space_visit_opts *opts,
				 struct mthp_space_totals *per_vma,
				 struct mthp_space_totals *total)
{
	struct mthp_space_visitor *v;
	int e;

	if (!total || !mthp_space_consistent(sp))
		return mthp_refuse("mthp_space_visit: no totals, or the space is not consistent");
	e = mthp_space_visitor_new(&v, sp, opts);
	if (e)
		return e;
	for (size_t i = 0; !e && i < sp->nvmas; i++) {
		const struct mthp_space_vma *vm = &sp->vmas[i];

		e = vma_room(v, i); /* a VMA without ranges still has a row */
		for (size_t k = vm->first; !e && k < vm->first + vm->count; k++)
			e = mthp_space_visitor_pmd(v, vm, i, k, &sp->pmds[k]);
	}
	if (!e)
		e = mthp_space_visitor_end(v, per_vma, sp->nvmas, total);
	mthp_space_visitor_free(v);
	return e;
}

MTHP_EXPORT const char *mthp_space_outcome_words(enum mthp_space_outcome o)
{
	static const char *const words[MTHP_OUTCOME_COUNT] = {
		[MTHP_OUTCOME_NOT_ELIGIBLE] = "not eligible",
		[MTHP_OUTCOME_NO_TABLE] = "no page table",
		[MTHP_OUTCOME_ALREADY_HUGE] = "already PMD-mapped",
		[MTHP_OUTCOME_LEFT] = "left as is",
		[MTHP_OUTCOME_MTHP] = "collapsed to mTHP",
		[MTHP_OUTCOME_PMD] = "collapsed to a PMD",
	};

	return (unsigned int)o < MTHP_OUTCOME_COUNT ? words[o] : NULL;
}
