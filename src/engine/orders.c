// SPDX-License-Identifier: MIT
/* Which orders khugepaged may collapse to (docs/MODELS.md, section 3). */
#include <errno.h>
#include <string.h>

#include "models.h"

static const char *const setting_names[] = {
	[MTHP_THP_NEVER] = "never",
	[MTHP_THP_ALWAYS] = "always",
	[MTHP_THP_MADVISE] = "madvise",
	[MTHP_THP_INHERIT] = "inherit",
};

MTHP_EXPORT const char *mthp_thp_setting_name(enum mthp_thp_setting s)
{
	return MTHP_NAME_OF(setting_names, s);
}

MTHP_EXPORT int mthp_thp_setting_from_name(const char *name,
					   enum mthp_thp_setting *out)
{
	long s = MTHP_NAME_FIND(setting_names, name);

	if (s < 0 || !out)
		return -EINVAL;
	*out = (enum mthp_thp_setting)s;
	return 0;
}

MTHP_EXPORT void mthp_thp_settings_default(struct mthp_thp_settings *s,
					   const struct mthp_geometry *g)
{
	if (!s)
		return;
	memset(s, 0, sizeof(*s));
	s->sz = sizeof(*s);
	s->enabled = MTHP_THP_ALWAYS;
	for (unsigned int k = 0; k <= MTHP_MAX_PMD_ORDER; k++)
		s->order[k] = MTHP_THP_NEVER;
	if (mthp_geometry_valid(g))
		s->order[g->pmd_order] = MTHP_THP_INHERIT;
}

MTHP_EXPORT uint32_t mthp_orders_all(const struct mthp_geometry *g)
{
	if (!mthp_geometry_valid(g))
		return 0;
	return mthp_orders_upto(g->pmd_order);
}

static bool setting_allows(enum mthp_thp_setting s, bool hugepage_vma)
{
	switch (s) {
	case MTHP_THP_ALWAYS:
		return true;
	case MTHP_THP_MADVISE:
		return hugepage_vma;
	case MTHP_THP_NEVER:
	case MTHP_THP_INHERIT:
		break;
	}
	return false;
}

MTHP_EXPORT uint32_t mthp_enabled_orders(const struct mthp_geometry *g,
					 enum mthp_model m, enum mthp_mode mode,
					 const struct mthp_thp_settings *s,
					 unsigned int vma_flags)
{
	if (!mthp_model_desc(m) || !s || !mthp_geometry_valid(g) ||
	    !mthp_sz_ok(s, s->sz, sizeof(*s), sizeof(*s)) ||
	    (mode != MTHP_MODE_KHUGEPAGED && mode != MTHP_MODE_MADVISE))
		return 0;
	return mthp_enabled_orders_checked(g, m, mode, s, vma_flags);
}

uint32_t mthp_enabled_orders_checked(const struct mthp_geometry *g,
				     enum mthp_model m, enum mthp_mode mode,
				     const struct mthp_thp_settings *s,
				     unsigned int vma_flags)
{
	const struct mthp_model_desc *d = mthp_model_desc(m);
	bool hugepage = vma_flags & MTHP_VMA_HUGEPAGE;
	uint32_t orders = 0;

	MTHP_ASSUME(d && mthp_geometry_valid(g));
	/* VM_NOHUGEPAGE refuses even MADV_COLLAPSE: the kernel tests it
	 * before the forced-collapse exemption (vma_thp_disabled()) */
	if (vma_flags & MTHP_VMA_NOHUGEPAGE)
		return 0;
	/* MADV_COLLAPSE ignores sysfs and only ever builds a PMD folio */
	if (mode == MTHP_MODE_MADVISE)
		return 1u << g->pmd_order;
	/* before per-size settings (6.8), the top-level one alone decided */
	if (d->no_size_controls)
		return setting_allows(s->enabled, hugepage) ? 1u << g->pmd_order : 0;
	unsigned int lowest = d->sub_pmd ? MTHP_MIN_ORDER : g->pmd_order;

	for (unsigned int k = lowest; k <= g->pmd_order; k++) {
		enum mthp_thp_setting v = s->order[k];

		if (v == MTHP_THP_INHERIT ? setting_allows(s->enabled, hugepage)
					  : setting_allows(v, hugepage))
			orders |= 1u << k;
	}
	return orders;
}
