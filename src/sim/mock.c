// SPDX-License-Identifier: MIT
/* The mock page table: one PMD range's PTEs and the folios they map. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim-internal.h"
#include "models.h"
#include "mthpcollapse/sim.h"

MTHP_EXPORT int mthp_scenario_init(struct mthp_scenario *s,
				   const struct mthp_geometry *g)
{
	if (!s)
		return mthp_refuse("mthp_scenario_init: no scenario to fill in");
	memset(s, 0, sizeof(*s));
	if (!mthp_geometry_valid(g))
		return mthp_refuse("mthp_scenario_init: the geometry is not one the library accepts");
	s->geometry = *g;
	s->model = MTHP_MODEL_DEFAULT;
	s->mode = MTHP_MODE_KHUGEPAGED;
	s->max_ptes_none = mthp_default_max_ptes_none(g);
	s->max_ptes_swap = mthp_default_max_ptes_swap(g);
	s->max_ptes_shared = mthp_default_max_ptes_shared(g);
	mthp_thp_settings_default(&s->thp, g);
	s->pmd = MTHP_PMD_TABLE;
	s->ptes = calloc(g->pmd_nr, sizeof(*s->ptes));
	return s->ptes ? 0 : -ENOMEM;
}

MTHP_EXPORT int mthp_scenario_copy(struct mthp_scenario *dst,
				   const struct mthp_scenario *src)
{
	if (!dst || !src || !src->ptes || !mthp_geometry_valid(&src->geometry) ||
	    (src->nfails && !src->fails))
		return mthp_refuse("mthp_scenario_copy: no destination, or a source that mthp_scenario_init() did not make");
	*dst = *src;
	dst->fails = NULL;
	dst->ptes = malloc(src->geometry.pmd_nr * sizeof(*src->ptes));
	if (!dst->ptes)
		return -ENOMEM;
	memcpy(dst->ptes, src->ptes, src->geometry.pmd_nr * sizeof(*src->ptes));
	if (src->nfails) {
		dst->fails = malloc(src->nfails * sizeof(*src->fails));
		if (!dst->fails) {
			mthp_scenario_free(dst);
			return -ENOMEM;
		}
		memcpy(dst->fails, src->fails, src->nfails * sizeof(*src->fails));
	}
	return 0;
}

MTHP_EXPORT void mthp_scenario_free(struct mthp_scenario *s)
{
	if (!s)
		return;
	free(s->ptes);
	free(s->fails);
	s->ptes = NULL;
	s->fails = NULL;
	s->nfails = 0;
}

MTHP_EXPORT int mthp_scenario_set_folio(struct mthp_scenario *s,
					unsigned int start, unsigned int order)
{
	const struct mthp_geometry *g = &s->geometry;

	if (!s || !s->ptes || !mthp_geometry_valid(g) || order > g->pmd_order ||
	    start >= g->pmd_nr || start & ((1u << order) - 1))
		return mthp_refuse("mthp_scenario_set_folio: no scenario, or order %u at PTE %u is not an aligned folio inside the table", order, start);
	if (mthp_folio_conflict(s, start, order, NULL, NULL))
		return mthp_refuse("mthp_scenario_set_folio: the order-%u folio at PTE %u overlaps another folio", order, start);
	for (unsigned int i = start; i < start + (1u << order); i++) {
		struct mthp_pte *p = &s->ptes[i];

		if (p->kind != MTHP_PTE_PRESENT)
			continue; /* a none or swap PTE does not map it */
		p->folio_order = order & 15u;
	}
	return 0;
}

int mthp_folio_conflict(const struct mthp_scenario *s, unsigned int start,
			unsigned int order, unsigned int *first,
			unsigned int *bad)
{
	const struct mthp_pte *ref = NULL;
	unsigned int dummy;

	first = first ? first : &dummy;
	bad = bad ? bad : &dummy;
	for (unsigned int i = start; i < start + (1u << order); i++) {
		const struct mthp_pte *p = &s->ptes[i];

		if (p->kind != MTHP_PTE_PRESENT)
			continue;
		if (p->folio_order &&
		    (i & ~((1u << p->folio_order) - 1)) != start) {
			*bad = i;
			return MTHP_FOLIO_OVERLAPS;
		}
		if (!ref) {
			ref = p;
			*first = i;
		} else if ((ref->flags ^ p->flags) & MTHP_PTE_SHARED) {
			*bad = i;
			return MTHP_FOLIO_SHARED_DISAGREES;
		}
	}
	return 0;
}

MTHP_EXPORT unsigned int mthp_scenario_present(const struct mthp_scenario *s)
{
	unsigned int n = 0;

	if (!s || !s->ptes || !mthp_geometry_valid(&s->geometry))
		return 0;
	if (s->pmd == MTHP_PMD_MAPPED)
		return s->geometry.pmd_nr;
	if (s->pmd == MTHP_PMD_NONE)
		return 0;
	for (unsigned int i = 0; i < s->geometry.pmd_nr; i++)
		n += s->ptes[i].kind == MTHP_PTE_PRESENT &&
		     !(s->ptes[i].flags & MTHP_PTE_NOT_ANON);
	return n;
}

/* The format's state characters; the first match wins when drawing. */
static const struct {
	char c;
	uint8_t kind;
	uint16_t flags;
} states[] = {
	{ '.', MTHP_PTE_NONE, 0 },
	{ 'z', MTHP_PTE_ZERO, 0 },
	{ 'P', MTHP_PTE_PRESENT, MTHP_PTE_YOUNG },
	{ 'p', MTHP_PTE_PRESENT, 0 },
	{ 'S', MTHP_PTE_PRESENT, MTHP_PTE_SHARED | MTHP_PTE_YOUNG },
	{ 's', MTHP_PTE_PRESENT, MTHP_PTE_SHARED },
	{ 'w', MTHP_PTE_SWAP, 0 },
	{ 'W', MTHP_PTE_SWAP, MTHP_PTE_UFFD_WP },
	{ 'm', MTHP_PTE_NON_SWAP, 0 },
	{ 'u', MTHP_PTE_PRESENT, MTHP_PTE_UFFD_WP | MTHP_PTE_YOUNG },
	{ 'n', MTHP_PTE_PRESENT, MTHP_PTE_NO_PAGE | MTHP_PTE_YOUNG },
	{ 'L', MTHP_PTE_PRESENT, MTHP_PTE_LOCKED | MTHP_PTE_YOUNG },
	{ 'c', MTHP_PTE_PRESENT, MTHP_PTE_PINNED | MTHP_PTE_YOUNG },
	{ 'r', MTHP_PTE_PRESENT, MTHP_PTE_NOT_LRU | MTHP_PTE_YOUNG },
	{ 'f', MTHP_PTE_PRESENT, MTHP_PTE_LAZYFREE | MTHP_PTE_YOUNG },
	{ 'a', MTHP_PTE_PRESENT, MTHP_PTE_NOT_ANON | MTHP_PTE_YOUNG },
	{ 'X', MTHP_PTE_PRESENT, MTHP_PTE_YOUNG }, /* decide's old 'occupied' */
};

int mthp_pte_from_char(char c, struct mthp_pte *pte)
{
	/* the table's row for each character, plus one (0: none); a race
	 * to fill it writes the same values */
	static unsigned char row[256];
	static bool filled;

	if (!__atomic_load_n(&filled, __ATOMIC_ACQUIRE)) {
		for (size_t i = MTHP_ARRAY_SIZE(states); i-- > 0;)
			__atomic_store_n(&row[(unsigned char)states[i].c],
					 (unsigned char)(i + 1), __ATOMIC_RELAXED);
		__atomic_store_n(&filled, true, __ATOMIC_RELEASE);
	}
	unsigned int i = __atomic_load_n(&row[(unsigned char)c], __ATOMIC_RELAXED);

	if (!i)
		return -EINVAL;
	pte->kind = states[i - 1].kind & 7u;
	pte->flags = states[i - 1].flags & 0x1ffu;
	return 0;
}

bool mthp_scenario_valid(const struct mthp_scenario *s)
{
	const struct mthp_geometry *g = s ? &s->geometry : NULL;
	const unsigned int known = MTHP_VMA_HUGEPAGE | MTHP_VMA_NOHUGEPAGE |
				   MTHP_VMA_UFFD;

	if (!s || !s->ptes || !mthp_geometry_valid(g) ||
	    !mthp_model_desc(s->model) ||
	    (s->mode != MTHP_MODE_KHUGEPAGED && s->mode != MTHP_MODE_MADVISE) ||
	    (unsigned int)s->pmd > MTHP_PMD_MAPPED ||
	    (s->vma_flags & ~known) ||
	    ((s->vma_flags & MTHP_VMA_HUGEPAGE) &&
	     (s->vma_flags & MTHP_VMA_NOHUGEPAGE)) ||
	    s->max_ptes_none >= g->pmd_nr || s->max_ptes_swap >= g->pmd_nr ||
	    s->max_ptes_shared >= g->pmd_nr || s->nfails > MTHP_MAX_FAIL_RULES || (s->nfails && !s->fails) ||
	    (unsigned int)s->thp.enabled > MTHP_THP_MADVISE)
		return false;
	for (unsigned int k = 0; k <= MTHP_MAX_PMD_ORDER; k++)
		if ((unsigned int)s->thp.order[k] > MTHP_THP_INHERIT)
			return false;
	for (size_t i = 0; i < s->nfails; i++) {
		const struct mthp_fail_rule *f = &s->fails[i];

		/* a rule makes an attempt fail: a result, and not success;
		 * its offset and order each a value, or any */
		bool any_ord = f->range.order == MTHP_FAIL_ANY;
		bool any_off = f->range.offset == MTHP_FAIL_ANY;

		if ((!any_ord && (f->range.order < MTHP_MIN_ORDER ||
				  f->range.order > g->pmd_order)) ||
		    (!any_off && !any_ord && f->range.offset & ((1u << f->range.order) - 1)) ||
		    (!any_off && f->range.offset >= g->pmd_nr) || f->result < 0 ||
		    f->result >= MTHP_SCAN_RESULT_COUNT ||
		    f->result == MTHP_SCAN_SUCCEED)
			return false;
	}
	for (unsigned int i = 0; i < g->pmd_nr; i++)
		if (s->ptes[i].kind > MTHP_PTE_NON_SWAP)
			return false;
	return true;
}

MTHP_EXPORT char mthp_pte_state_char(const struct mthp_pte *pte)
{
	if (!pte)
		return '?';
	for (size_t i = 0; i < MTHP_ARRAY_SIZE(states); i++)
		if (states[i].kind == pte->kind && states[i].flags == pte->flags)
			return states[i].c;
	return '?'; /* a combination the format has no letter for */
}
