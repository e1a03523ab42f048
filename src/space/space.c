// SPDX-License-Identifier: MIT
/*
 * Address spaces held in memory: their storage and a deep copy. A live
 * process is read in proc.c, the THP settings in sysfs.c, the text format
 * in space-text.c, the visit in space-visit.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "space-internal.h"
#include "models.h"
#include "mthpcollapse/space.h"

/* ---- storage ---- */

/* A block of PTE arrays; the newest block is first. */
struct pte_block {
	struct pte_block *next;
	size_t used, cap; /* in PTEs */
	struct mthp_pte ptes[];
};

#define RANGES_PER_BLOCK 256

static struct mthp_pte *pte_alloc(struct mthp_space *sp, unsigned int nr)
{
	struct pte_block *b = sp->store;

	if (!b || b->cap - b->used < nr) {
		size_t cap = (size_t)nr * RANGES_PER_BLOCK;

		b = malloc(sizeof(*b) + cap * sizeof(b->ptes[0]));
		if (!b)
			return NULL;
		b->next = sp->store;
		b->used = 0;
		b->cap = cap;
		sp->store = b;
	}
	struct mthp_pte *p = b->ptes + b->used;

	b->used += nr;
	memset(p, 0, nr * sizeof(*p));
	return p;
}

/* Gives back the PTEs of the record added last, if they were the last
 * taken (their room is reused by the next record). */
static void pte_unalloc(struct mthp_space *sp, struct mthp_pte *p,
			unsigned int nr)
{
	struct pte_block *b = sp->store;

	if (p && b && p + nr == b->ptes + b->used)
		b->used -= nr;
}

MTHP_EXPORT void mthp_space_free(struct mthp_space *sp)
{
	if (!sp)
		return;
	for (struct pte_block *b = sp->store, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(sp->pmds);
	free(sp->vmas);
	mthp_scenario_free(&sp->settings);
	memset(sp, 0, sizeof(*sp));
}

/*
 * Room for one more of n elements: the arrays grow by doubling, at the
 * counts 0, 16, 32, 64, ... - so the capacity follows from the count and
 * a process of half a million PMD ranges is not copied half a million
 * times.
 */
static void *grow(void *a, size_t n, size_t elem)
{
	/* room for 16 from the first, then doubled at each power of two (a
	 * count taken back to 0 reuses its room) */
	if (n >= 16 ? (n & (n - 1)) != 0 : a != NULL)
		return a;
	return realloc(a, (n < 16 ? 16 : 2 * n) * elem);
}

int mthp_space_add_vma(struct mthp_space *sp, unsigned long start,
		       unsigned long end, unsigned int flags, bool disabled,
		       size_t first)
{
	struct mthp_space_vma *v = grow(sp->vmas, sp->nvmas, sizeof(*v));

	if (!v)
		return -ENOMEM;
	sp->vmas = v;
	v[sp->nvmas++] = (struct mthp_space_vma){ start, end, flags, disabled,
						  first, 0 };
	return 0;
}

/* The capacity grow() keeps for n elements. */
static size_t capacity(size_t n)
{
	size_t c = 16;

	while (c < n)
		c *= 2;
	return c;
}

bool mthp_space_consistent(const struct mthp_space *sp)
{
	if (!sp || (sp->nvmas && !sp->vmas) || (sp->npmds && !sp->pmds))
		return false;
	for (size_t v = 0; v < sp->nvmas; v++)
		if (sp->vmas[v].first > sp->npmds ||
		    sp->vmas[v].count > sp->npmds - sp->vmas[v].first)
			return false;
	for (size_t i = 0; i < sp->npmds; i++)
		if ((unsigned int)sp->pmds[i].pmd > MTHP_PMD_MAPPED ||
		    (sp->pmds[i].pmd == MTHP_PMD_TABLE && !sp->pmds[i].ptes))
			return false;
	return true;
}

MTHP_EXPORT int mthp_space_copy(struct mthp_space *dst,
				const struct mthp_space *src)
{
	unsigned int nr;
	int r;

	if (!dst)
		return mthp_refuse("mthp_space_copy: no destination");
	memset(dst, 0, sizeof(*dst));
	if (!mthp_space_consistent(src))
		return mthp_refuse("mthp_space_copy: the source space is not consistent");
	r = mthp_scenario_copy(&dst->settings, &src->settings);
	if (r)
		return r;
	nr = src->settings.geometry.pmd_nr;
	dst->unknown = src->unknown;
	dst->pid = src->pid;
	memcpy(dst->comm, src->comm, sizeof(dst->comm));
	dst->vmas = malloc(capacity(src->nvmas) * sizeof(*dst->vmas));
	dst->pmds = malloc(capacity(src->npmds) * sizeof(*dst->pmds));
	if (!dst->vmas || !dst->pmds)
		goto nomem;
	if (src->nvmas) /* (vmas may be NULL without any) */
		memcpy(dst->vmas, src->vmas, src->nvmas * sizeof(*dst->vmas));
	dst->nvmas = src->nvmas;
	for (size_t i = 0; i < src->npmds; i++) {
		struct mthp_space_pmd *p = &dst->pmds[i];

		*p = src->pmds[i];
		if (p->ptes) {
			p->ptes = pte_alloc(dst, nr);
			if (!p->ptes)
				goto nomem;
			memcpy(p->ptes, src->pmds[i].ptes, nr * sizeof(*p->ptes));
		}
		dst->npmds = i + 1;
	}
	return 0;
nomem:
	mthp_space_free(dst);
	return -ENOMEM;
}

struct mthp_space_pmd *mthp_space_add_pmd(struct mthp_space *sp,
					  unsigned long addr,
					  enum mthp_pmd_state st)
{
	struct mthp_space_pmd *p = grow(sp->pmds, sp->npmds, sizeof(*p));
	unsigned int nr = sp->settings.geometry.pmd_nr;

	if (!p)
		return NULL;
	sp->pmds = p;
	p = &p[sp->npmds];
	*p = (struct mthp_space_pmd){ addr, st, NULL };
	if (st == MTHP_PMD_TABLE) {
		p->ptes = pte_alloc(sp, nr);
		if (!p->ptes)
			return NULL;
	}
	sp->npmds++;
	sp->vmas[sp->nvmas - 1].count++;
	return &sp->pmds[sp->npmds - 1];
}

void mthp_space_drop_ptes(struct mthp_space *sp, struct mthp_space_pmd *p)
{
	pte_unalloc(sp, p->ptes, sp->settings.geometry.pmd_nr);
	p->ptes = NULL;
}

void mthp_space_drop_last_pmd(struct mthp_space *sp)
{
	mthp_space_drop_ptes(sp, &sp->pmds[sp->npmds - 1]);
	sp->npmds--;
	sp->vmas[sp->nvmas - 1].count--;
}
