// SPDX-License-Identifier: MIT
/* The models: docs/MODELS.md section 4 as a table, one row per revision. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"

#define R(n) (1ull << MTHP_SCAN_##n)
/* Results after which the search tries lower orders. */
#define TRY_LOWER_COMMON                                                  \
	(R(LACK_REFERENCED_PAGE) | R(EXCEED_NONE_PTE) | R(EXCEED_SWAP_PTE) | \
	 R(EXCEED_SHARED_PTE) | R(PAGE_LOCK) | R(PAGE_COUNT) | R(PAGE_NULL) | \
	 R(DEL_PAGE_LRU) | R(PTE_NON_PRESENT) | R(PTE_UFFD_WP) |             \
	 R(ALLOC_HUGE_PAGE_FAIL))
#define LIST_A (TRY_LOWER_COMMON | R(PAGE_LRU))
#define LIST_B (TRY_LOWER_COMMON | R(PAGE_LAZYFREE))

static const struct mthp_model_desc models[MTHP_MODEL_TABLE_SIZE] = {
	[MTHP_MODEL_BASELINE] = {
		.name = "baseline",
		.summary = "mainline before the series: one PMD attempt",
		.search = MTHP_SEARCH_ONE_PMD,
		.sub_pmd = false,
		.invalid_none = MTHP_INVALID_NONE_SCALE, /* never sub-PMD */
		.madvise = MTHP_MADV_UNLIMITED,
		.stack = MTHP_STACK_NONE,
		.split = MTHP_SPLIT_ABOVE_MIN,
		.try_lower = 0,
		/* the mainline scan counted swap against none: same test */
		.unmapped_occupied_at_pmd = true,
		.run = MTHP_RUN_ATTEMPT,
		.scan_none = MTHP_SCAN_NONE_BASELINE,
		.scan_uffd_fails_at_none = true,
		.isolate_invalid_none_result = MTHP_SCAN_FAIL,
		.stats = MTHP_STATS_NONE,
		.first_release = 618, .last_release = 701,
		.releases = "6.18 to 7.1 (mainline without the series)",
	},
	[MTHP_MODEL_BASELINE_6_12] = {
		.name = "baseline-6.12",
		.summary = "mainline as of Linux 6.12: one PMD attempt, a writable PTE required",
		.search = MTHP_SEARCH_ONE_PMD,
		.sub_pmd = false,
		.invalid_none = MTHP_INVALID_NONE_SCALE, /* never sub-PMD */
		.madvise = MTHP_MADV_UNLIMITED,
		.stack = MTHP_STACK_NONE,
		.split = MTHP_SPLIT_ABOVE_MIN,
		.try_lower = 0,
		.unmapped_occupied_at_pmd = true,
		.run = MTHP_RUN_ATTEMPT,
		.scan_none = MTHP_SCAN_NONE_BASELINE,
		.scan_uffd_fails_at_none = true,
		.isolate_invalid_none_result = MTHP_SCAN_FAIL,
		.stats = MTHP_STATS_NONE,
		.writable_check = true,
		.no_lazyfree_check = true,
		.first_release = 608, .last_release = 617,
		.releases = "6.12 (6.8 to 6.17: per-size controls, the writable check)",
	},
	[MTHP_MODEL_BASELINE_6_1] = {
		.name = "baseline-6.1",
		.summary = "mainline as of Linux 6.1: baseline-6.12 without per-size settings",
		.search = MTHP_SEARCH_ONE_PMD,
		.sub_pmd = false,
		.invalid_none = MTHP_INVALID_NONE_SCALE, /* never sub-PMD */
		.madvise = MTHP_MADV_UNLIMITED,
		.stack = MTHP_STACK_NONE,
		.split = MTHP_SPLIT_ABOVE_MIN,
		.try_lower = 0,
		.unmapped_occupied_at_pmd = true,
		.run = MTHP_RUN_ATTEMPT,
		.scan_none = MTHP_SCAN_NONE_BASELINE,
		.scan_uffd_fails_at_none = true,
		.isolate_invalid_none_result = MTHP_SCAN_FAIL,
		.stats = MTHP_STATS_NONE,
		.no_size_controls = true,
		.writable_check = true,
		.no_lazyfree_check = true,
		.exceed_none_einval = true,
		.shared_per_page = true,
		.first_release = 1, .last_release = 607,
		.releases = "6.1 (and before 6.8: no per-size controls)",
	},
	[MTHP_MODEL_SCALED] = {
		.name = "scaled",
		.summary = "pre-v15 what-if: max_ptes_none scaled by order (creeps)",
		.search = MTHP_SEARCH_STACK,
		.sub_pmd = true,
		.invalid_none = MTHP_INVALID_NONE_SCALE,
		.madvise = MTHP_MADV_PMD_NR_MINUS_1,
		.stack = MTHP_STACK_POW2,
		.split = MTHP_SPLIT_ABOVE_MIN,
		.try_lower = LIST_A,
		.run = MTHP_RUN_COLLAPSED,
		.scan_none = MTHP_SCAN_NONE_V15,
		.scan_uffd_fails_at_none = true,
		.isolate_invalid_none_result = MTHP_SCAN_FAIL,
		.stats = MTHP_STATS_NO_SCAN_PMD,
	},
	[MTHP_MODEL_V15] = {
		.name = "v15",
		.summary = "the seed: stack DFS, invalid max_ptes_none stops mTHP",
		.search = MTHP_SEARCH_STACK,
		.sub_pmd = true,
		.invalid_none = MTHP_INVALID_NONE_STOP,
		.madvise = MTHP_MADV_PMD_NR_MINUS_1,
		.stack = MTHP_STACK_POW2,
		.split = MTHP_SPLIT_ABOVE_MIN,
		.try_lower = LIST_A,
		.run = MTHP_RUN_COLLAPSED,
		.scan_none = MTHP_SCAN_NONE_V15,
		.scan_uffd_fails_at_none = true,
		.isolate_invalid_none_result = MTHP_SCAN_FAIL,
		.stats = MTHP_STATS_NO_SCAN_PMD,
	},
	[MTHP_MODEL_V16] = {
		.name = "v16",
		.summary = "stack DFS; madvise allowance HPAGE_PMD_NR",
		.search = MTHP_SEARCH_STACK,
		.sub_pmd = true,
		.invalid_none = MTHP_INVALID_NONE_STOP,
		.madvise = MTHP_MADV_PMD_NR,
		.stack = MTHP_STACK_POW2,
		.split = MTHP_SPLIT_ABOVE_MIN,
		.try_lower = LIST_A,
		.run = MTHP_RUN_COLLAPSED,
		.scan_none = MTHP_SCAN_NONE_V16,
		.isolate_invalid_none_result = MTHP_SCAN_FAIL,
		.stats = MTHP_STATS_ALL,
	},
	[MTHP_MODEL_V17] = {
		.name = "v17",
		.summary = "stack DFS; stack cut to its height, list B",
		.search = MTHP_SEARCH_STACK,
		.sub_pmd = true,
		.invalid_none = MTHP_INVALID_NONE_STOP,
		.madvise = MTHP_MADV_PMD_NR,
		.stack = MTHP_STACK_HEIGHT,
		.split = MTHP_SPLIT_ABOVE_MIN,
		.try_lower = LIST_B,
		.run = MTHP_RUN_COLLAPSED,
		.scan_none = MTHP_SCAN_NONE_V16,
		.isolate_invalid_none_result = MTHP_SCAN_INVALID_PTES_NONE,
		.stats = MTHP_STATS_ALL,
	},
	[MTHP_MODEL_V18] = {
		.name = "v18",
		.summary = "stack DFS; invalid max_ptes_none acts as 0, uffd allows 0",
		.search = MTHP_SEARCH_STACK,
		.sub_pmd = true,
		.invalid_none = MTHP_INVALID_NONE_ZERO,
		.madvise = MTHP_MADV_PMD_NR,
		.uffd_threshold_zero = true,
		.stack = MTHP_STACK_HEIGHT,
		.split = MTHP_SPLIT_LOWER_ENABLED,
		.try_lower = LIST_B,
		.run = MTHP_RUN_COLLAPSED,
		.scan_none = MTHP_SCAN_NONE_V16,
		.isolate_invalid_none_result = MTHP_SCAN_FAIL,
		.stats = MTHP_STATS_ALL,
	},
	[MTHP_MODEL_V19] = {
		.name = "v19",
		.summary = "the merged shape: linear forward walk, no stack",
		.search = MTHP_SEARCH_WALK,
		.sub_pmd = true,
		.invalid_none = MTHP_INVALID_NONE_ZERO,
		.madvise = MTHP_MADV_PMD_NR,
		.stack = MTHP_STACK_NONE,
		.split = MTHP_SPLIT_LOWER_ENABLED,
		.try_lower = LIST_B,
		.run = MTHP_RUN_WALK,
		.scan_none = MTHP_SCAN_NONE_V16,
		.isolate_invalid_none_result = MTHP_SCAN_FAIL,
		.stats = MTHP_STATS_ALL,
	},
	[MTHP_MODEL_V19_SWAPFIX] = {
		.name = "latest",
		.alias = "v19-swapfix",
		.summary = "mm tree, June 2026: v19 + swap PTEs occupied at PMD order",
		.search = MTHP_SEARCH_WALK,
		.sub_pmd = true,
		.invalid_none = MTHP_INVALID_NONE_ZERO,
		.madvise = MTHP_MADV_PMD_NR,
		.stack = MTHP_STACK_NONE,
		.split = MTHP_SPLIT_LOWER_ENABLED,
		.try_lower = LIST_B,
		.unmapped_occupied_at_pmd = true,
		.run = MTHP_RUN_WALK,
		.scan_none = MTHP_SCAN_NONE_V16,
		.isolate_invalid_none_result = MTHP_SCAN_FAIL,
		.stats = MTHP_STATS_ALL,
		.first_release = 702, .last_release = 0,
		.releases = "7.2, 7.3 and later (the series merged)",
	},
#ifdef MTHP_TESTING
	[MTHP_MODEL_TEST_BROKEN] = {
		.name = "v19-broken",
		.summary = "TEST ONLY: v19 with a threshold one PTE too lenient",
		.search = MTHP_SEARCH_WALK,
		.sub_pmd = true,
		.invalid_none = MTHP_INVALID_NONE_ZERO,
		.madvise = MTHP_MADV_PMD_NR,
		.stack = MTHP_STACK_NONE,
		.split = MTHP_SPLIT_LOWER_ENABLED,
		.try_lower = LIST_B,
		.run = MTHP_RUN_WALK,
		.scan_none = MTHP_SCAN_NONE_V16,
		.isolate_invalid_none_result = MTHP_SCAN_FAIL,
		.stats = MTHP_STATS_ALL,
		.threshold_slack = 1,
	},
#endif
};

const struct mthp_model_desc *mthp_model_desc(enum mthp_model m)
{
	return (unsigned int)m < MTHP_MODEL_TABLE_SIZE ? &models[m] : NULL;
}

MTHP_EXPORT const char *mthp_model_name(enum mthp_model m)
{
	const struct mthp_model_desc *d = mthp_model_desc(m);

	return d ? d->name : NULL;
}

MTHP_EXPORT const char *mthp_model_summary(enum mthp_model m)
{
	const struct mthp_model_desc *d = mthp_model_desc(m);

	return d ? d->summary : NULL;
}

MTHP_EXPORT const char *mthp_model_releases(enum mthp_model m)
{
	const struct mthp_model_desc *d = mthp_model_desc(m);

	return d ? d->releases : NULL;
}

/* "7.3.4+deb13", "6.12.117", "7.3-rc7", "7.3~rc7": 100 * major + minor. */
static int release_number(const char *r, unsigned int *out)
{
	unsigned long major, minor;
	char *end;

	if (!r || *r < '0' || *r > '9')
		return -EINVAL;
	major = strtoul(r, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	minor = strtoul(end + 1, &end, 10);
	if (major == 0 || major > 99 || minor > 99)
		return -EINVAL;
	*out = (unsigned int)(100 * major + minor);
	return 0;
}

MTHP_EXPORT int mthp_model_for_kernel(const char *release, unsigned int features,
				      enum mthp_model *out, const char **why)
{
	unsigned int n;
	const char *said;

	if (!out)
		return mthp_refuse("mthp_model_for_kernel: out is NULL");
	if (release_number(release, &n))
		return mthp_refuse("mthp_model_for_kernel: release '%s' is not MAJOR.MINOR[...]",
				   release ? release : "(null)");
	if (features & MTHP_KERNEL_COLLAPSE_STATS) {
		*out = MTHP_MODEL_LATEST;
		said = "it has the series' per-size collapse counters";
	} else if (features & MTHP_KERNEL_NO_SIZE_CONTROLS) {
		*out = MTHP_MODEL_BASELINE_6_1;
		said = "it has no per-size hugepages-<size>kB/enabled";
	} else {
		*out = MTHP_MODEL_LATEST;
		said = "its release";
		for (int m = 0; m < MTHP_MODEL_COUNT; m++) {
			const struct mthp_model_desc *d = &models[m];

			if (d->first_release && n >= d->first_release &&
			    (!d->last_release || n <= d->last_release)) {
				*out = (enum mthp_model)m;
				break;
			}
		}
		/* a release of the series' era whose kernel lacks it */
		if (*out == MTHP_MODEL_LATEST &&
		    (features & MTHP_KERNEL_NO_COLLAPSE_STATS)) {
			*out = MTHP_MODEL_BASELINE;
			said = "its release, but without the series' collapse counters";
		}
	}
	if (why)
		*why = said;
	return 0;
}

MTHP_EXPORT int mthp_madvise_errno(enum mthp_model m, int result)
{
	const struct mthp_model_desc *d = mthp_model_desc(m);

	if (!d || !mthp_scan_result_name(result))
		return mthp_refuse("mthp_madvise_errno: model %d or result %d is not the library's", (int)m, result);
	switch (result) {
	case MTHP_SCAN_SUCCEED:
	case MTHP_SCAN_PMD_MAPPED:
		return 0;
	case MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL:
		return ENOMEM;
	case MTHP_SCAN_EXCEED_NONE_PTE:
		return d->exceed_none_einval ? EINVAL : EBUSY;
	case MTHP_SCAN_CGROUP_CHARGE_FAIL:
		return EBUSY;
	case MTHP_SCAN_PAGE_COUNT:
	case MTHP_SCAN_PAGE_LOCK:
	case MTHP_SCAN_PAGE_LRU:
	case MTHP_SCAN_DEL_PAGE_LRU:
	case MTHP_SCAN_PAGE_FILLED:
	case MTHP_SCAN_PAGE_HAS_PRIVATE:
	case MTHP_SCAN_PAGE_DIRTY_OR_WRITEBACK:
		return EAGAIN;
	default:
		return EINVAL;
	}
}

MTHP_EXPORT const char *mthp_model_alias(enum mthp_model m)
{
	const struct mthp_model_desc *d = mthp_model_desc(m);

	return d ? d->alias : NULL;
}

MTHP_EXPORT bool mthp_model_sub_pmd(enum mthp_model m)
{
	const struct mthp_model_desc *d = mthp_model_desc(m);

	return d && d->sub_pmd;
}

MTHP_EXPORT bool mthp_model_has_size_stats(enum mthp_model m)
{
	const struct mthp_model_desc *d = mthp_model_desc(m);

	return d && d->stats != MTHP_STATS_NONE;
}

MTHP_EXPORT int mthp_model_from_name(const char *name, enum mthp_model *out)
{
	for (int m = 0; name && m < MTHP_MODEL_TABLE_SIZE; m++) {
		if (!strcmp(name, models[m].name) ||
		    (models[m].alias && !strcmp(name, models[m].alias))) {
			*out = (enum mthp_model)m;
			return 0;
		}
	}
	return -EINVAL;
}

MTHP_EXPORT unsigned int mthp_stack_depth_bound(const struct mthp_geometry *g)
{
	if (!mthp_geometry_valid(g))
		return 0;
	/* one pending right half per level below PMD, plus the current one */
	return g->pmd_order - MTHP_MIN_ORDER + 1;
}

MTHP_EXPORT unsigned int mthp_model_stack_capacity(enum mthp_model m,
						   const struct mthp_geometry *g)
{
	const struct mthp_model_desc *d = mthp_model_desc(m);

	if (!d || !mthp_geometry_valid(g))
		return 0;
	unsigned int h = mthp_ilog2(g->max_ptrs) - MTHP_MIN_ORDER;

	switch (d->stack) {
	case MTHP_STACK_POW2:
		return 1u << h;
	case MTHP_STACK_HEIGHT:
		return h + 1;
	case MTHP_STACK_NONE:
		break;
	}
	return 0;
}

static const char *const mode_names[] = {
	[MTHP_MODE_KHUGEPAGED] = "khugepaged",
	[MTHP_MODE_MADVISE] = "madvise",
};

MTHP_EXPORT const char *mthp_mode_name(enum mthp_mode m)
{
	return MTHP_NAME_OF(mode_names, m);
}

MTHP_EXPORT int mthp_mode_from_name(const char *name, enum mthp_mode *out)
{
	long m = MTHP_NAME_FIND(mode_names, name);

	if (m < 0 || !out)
		return -EINVAL;
	*out = (enum mthp_mode)m;
	return 0;
}
