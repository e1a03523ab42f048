/* SPDX-License-Identifier: MIT */
/*
 * The per-model differences, as data. The engine, the scan and the mock
 * read this table; none of them compares model names.
 */
#ifndef MTHP_MODELS_H
#define MTHP_MODELS_H

#include "internal.h"

enum mthp_search {
	MTHP_SEARCH_ONE_PMD, /* baseline: one PMD attempt */
	MTHP_SEARCH_STACK,   /* scaled, v15..v18: stack-driven DFS */
	MTHP_SEARCH_WALK     /* v19: linear forward walk */
};

/* Sub-PMD allowance when max_ptes_none is neither 0 nor HPAGE_PMD_NR-1. */
enum mthp_invalid_none {
	MTHP_INVALID_NONE_SCALE, /* v >> (PMD_ORDER - k), the pre-v15 idea */
	MTHP_INVALID_NONE_STOP,  /* give up on mTHP for this PMD */
	MTHP_INVALID_NONE_ZERO   /* behave as 0 and warn */
};

/* Allowance of none PTEs at the threshold in madvise mode. */
enum mthp_madvise_allowance {
	MTHP_MADV_UNLIMITED,
	MTHP_MADV_PMD_NR_MINUS_1,
	MTHP_MADV_PMD_NR
};

enum mthp_stack_formula {
	MTHP_STACK_NONE,
	MTHP_STACK_POW2,  /* 2^(log2(MAX_PTRS_PER_PTE) - 2): v15, v16 */
	MTHP_STACK_HEIGHT /* log2(MAX_PTRS_PER_PTE) - 2 + 1: v17, v18 */
};

enum mthp_split_rule {
	MTHP_SPLIT_ABOVE_MIN,     /* order > 2 */
	MTHP_SPLIT_LOWER_ENABLED  /* some enabled order below this one */
};

enum mthp_run_rule {
	MTHP_RUN_ATTEMPT,      /* baseline: the single attempt's result */
	MTHP_RUN_COLLAPSED,    /* collapsed ? SUCCEED : FAIL */
	MTHP_RUN_WALK          /* v19: docs/MODELS.md section 6.3 */
};

/*
 * Which per-size hugepages-<size>kB/stats/collapse_* counters exist: the
 * series added them (patches 02 and 08), and in v15 the scan phase did not
 * yet count at the PMD size. The /proc/vmstat events exist in every model.
 */
enum mthp_stats_rule {
	MTHP_STATS_NONE,        /* mainline before the series */
	MTHP_STATS_NO_SCAN_PMD, /* v15: attempts count, the scan does not */
	MTHP_STATS_ALL          /* v16 on: the scan counts at the PMD size */
};

/* Scan-phase none limit (docs/MODELS.md section 5). */
enum mthp_scan_none_rule {
	MTHP_SCAN_NONE_BASELINE, /* sysctl, or unlimited for madvise */
	MTHP_SCAN_NONE_V15,      /* sysctl if only PMD enabled, else max */
	MTHP_SCAN_NONE_V16       /* helper value, max if any mTHP enabled */
};

struct mthp_model_desc {
	const char *name;
	const char *alias; /* another name it answers to, or NULL */
	const char *summary;
	enum mthp_search search;
	bool sub_pmd; /* considers orders 2..PMD, not only the PMD order */
	enum mthp_invalid_none invalid_none;
	enum mthp_madvise_allowance madvise;
	bool uffd_threshold_zero;
	enum mthp_stack_formula stack;
	enum mthp_split_rule split;
	uint64_t try_lower; /* bit r set: result r tries lower orders */
	bool unmapped_occupied_at_pmd;
	enum mthp_run_rule run;
	/* scan and collapse attempt (the mock backend) */
	enum mthp_scan_none_rule scan_none;
	bool scan_uffd_fails_at_none;
	int isolate_invalid_none_result; /* when the allowance says stop */
	/*
	 * Mainline's own history before the series (docs/MODELS.md, "Models
	 * and releases"): what 6.1 and 6.12 do that later kernels do not.
	 */
	bool no_size_controls;   /* 6.1: no hugepages-<size>kB/enabled */
	bool writable_check;     /* scan and isolate need a writable PTE */
	bool no_lazyfree_check;  /* clean lazyfree folios are taken */
	bool exceed_none_einval; /* MADV_COLLAPSE: EINVAL, not EBUSY */
	/* 6.1: a page is shared when it is mapped twice (page_mapcount()),
	 * not when its folio may be: in the mock, the first page of a
	 * shared folio alone (docs/MODELS.md section 1) */
	bool shared_per_page;
	/* the releases it stands for, 100 * major + minor (last 0: no end;
	 * both 0: a posted revision, no release) */
	unsigned int first_release, last_release;
	const char *releases;
	enum mthp_stats_rule stats;
	/* tests only: attempt with this many occupied PTEs fewer than the
	 * threshold asks, a deliberate bug the oracle tools must catch */
	unsigned int threshold_slack;
};

#ifdef MTHP_TESTING
/* A deliberately broken model, built into the test binaries only. */
#define MTHP_MODEL_TEST_BROKEN ((enum mthp_model)MTHP_MODEL_COUNT)
#define MTHP_MODEL_TABLE_SIZE (MTHP_MODEL_COUNT + 1)
#else
#define MTHP_MODEL_TABLE_SIZE MTHP_MODEL_COUNT
#endif

const struct mthp_model_desc *mthp_model_desc(enum mthp_model m);

/*
 * None PTEs a khugepaged range of this order may hold, from the sysctl v
 * (counterpart: collapse_max_ptes_none()). At PMD order that is v itself.
 * Below it: 0 and HPAGE_PMD_NR-1 keep their meaning; any other value is
 * scaled, acts as 0, or returns false ("stop"), as the model says.
 * *invalid is set when v is neither 0 nor HPAGE_PMD_NR-1 below PMD order.
 */
static inline bool mthp_none_allowance(const struct mthp_model_desc *m,
				       const struct mthp_geometry *g,
				       unsigned int order, unsigned int v,
				       unsigned int *allow, bool *invalid)
{
	if (order == g->pmd_order || m->invalid_none == MTHP_INVALID_NONE_SCALE) {
		*allow = v >> (g->pmd_order - order);
		return true;
	}
	if (v == 0 || v == g->pmd_nr - 1) {
		*allow = v ? (1u << order) - 1 : 0;
		return true;
	}
	*invalid = true;
	*allow = 0;
	return m->invalid_none != MTHP_INVALID_NONE_STOP;
}

#endif
