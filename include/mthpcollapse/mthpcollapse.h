/* SPDX-License-Identifier: MIT */
/*
 * libmthpcollapse: the khugepaged mTHP collapse decision engine, in userspace.
 *
 * Every public name starts with mthp_ or MTHP_. Functions return 0 or a
 * negative errno; they never print and never exit. Kernel spellings of the
 * same names live in <mthpcollapse/kcompat.h>.
 */
#ifndef MTHPCOLLAPSE_H
#define MTHPCOLLAPSE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitmap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version of these headers; mthp_version() gives the library's. */
#define MTHP_VERSION_MAJOR 0
#define MTHP_VERSION_MINOR 8
#define MTHP_VERSION_PATCH 0
#define MTHP_VERSION_STRING "0.8.0"

/* ------------------------------------------------------------------ */
/* Result codes: the kernel's enum scan_result, with pinned numbers. */

/*
 * X-macro so the enum, the name table and kcompat.h share one list.
 * The numbers are the library's own and never change: they began as the
 * kernel's order before the mTHP collapse series, but the kernel renames,
 * inserts and removes results between revisions, and a caller's stored or
 * compiled-in values must keep their meaning. A new result gets the next
 * free number, at the end. Where a kernel's own numbers matter (mthpsim
 * kcheck), results are matched by name.
 */
#define MTHP_SCAN_RESULT_LIST(X) \
	X(FAIL, 0) \
	X(SUCCEED, 1) \
	X(NO_PTE_TABLE, 2) \
	X(PMD_MAPPED, 3) \
	X(EXCEED_NONE_PTE, 4) \
	X(EXCEED_SWAP_PTE, 5) \
	X(EXCEED_SHARED_PTE, 6) \
	X(PTE_NON_PRESENT, 7) \
	X(PTE_UFFD_WP, 8) \
	X(PTE_MAPPED_HUGEPAGE, 9) \
	X(LACK_REFERENCED_PAGE, 10) \
	X(PAGE_NULL, 11) \
	X(SCAN_ABORT, 12) \
	X(PAGE_COUNT, 13) \
	X(PAGE_LRU, 14) \
	X(PAGE_LOCK, 15) \
	X(PAGE_ANON, 16) \
	X(PAGE_LAZYFREE, 17) \
	X(PAGE_COMPOUND, 18) \
	X(ANY_PROCESS, 19) \
	X(VMA_NULL, 20) \
	X(VMA_CHECK, 21) \
	X(ADDRESS_RANGE, 22) \
	X(DEL_PAGE_LRU, 23) \
	X(ALLOC_HUGE_PAGE_FAIL, 24) \
	X(CGROUP_CHARGE_FAIL, 25) \
	X(TRUNCATED, 26) \
	X(PAGE_HAS_PRIVATE, 27) \
	X(STORE_FAILED, 28) \
	X(COPY_MC, 29) \
	X(PAGE_FILLED, 30) \
	X(PAGE_DIRTY_OR_WRITEBACK, 31) \
	X(INVALID_PTES_NONE, 32) \
	X(PAGE_RO, 33)

#define MTHP_SCAN_ENUM_(n, v) MTHP_SCAN_##n = v,
enum mthp_scan_result {
	MTHP_SCAN_RESULT_LIST(MTHP_SCAN_ENUM_)
	/* one past the highest number; grows with new results */
	MTHP_SCAN_RESULT_COUNT = 34
};
#undef MTHP_SCAN_ENUM_

/* "SCAN_SUCCEED" etc., or NULL when r is not a result. */
const char *mthp_scan_result_name(int r);
/* The result in words for a readable report ("too many shared pages (an
 * mTHP takes none)"); its name for a result without words; NULL when r
 * is not a result. */
const char *mthp_scan_result_words(int r);
/* Accepts "SCAN_X" (and "X"), and the kernel's other spellings (see
 * mthp_scan_result_spelling()); 0 or -EINVAL. */
int mthp_scan_result_from_name(const char *name, enum mthp_scan_result *out);
/*
 * The i-th spelling a kernel gives result r: 0 is the name the library
 * prints (mthp_scan_result_name()), then each other name a kernel release
 * or the mm tree has used for the same meaning (SCAN_PTE_UFFD for
 * SCAN_PTE_UFFD_WP; SCAN_PMD_NULL and SCAN_PMD_NONE for
 * SCAN_NO_PTE_TABLE); NULL past the last. Since 0.8.
 */
const char *mthp_scan_result_spelling(int r, unsigned int i);

/* ------------------------------------------------------------------ */
/* Geometry: the page-table shape of one architecture configuration. */

#define MTHP_MIN_ORDER 2u   /* KHUGEPAGED_MIN_MTHP_ORDER */
#define MTHP_MAX_PMD_ORDER 15u /* offsets fit the kernel's u16 */

/*
 * Geometries and THP settings may grow, at the end. Both carry sz, the
 * size the caller was compiled with: the functions that fill them in
 * (mthp_geometry_lookup(), mthp_thp_settings_default(), ...) set it, and
 * the functions that read them refuse one whose sz is smaller than the
 * first layout with sz (this one), or larger with bytes the library does
 * not know set - so a struct built from an older or newer header is read
 * safely or refused, never misread. Make them with those functions, or
 * copy one that was.
 */
struct mthp_geometry {
	size_t sz; /* sizeof(struct mthp_geometry); the library sets it */
	char name[40];
	unsigned int page_shift;
	unsigned int pmd_nr;    /* HPAGE_PMD_NR == PTRS_PER_PTE */
	unsigned int max_ptrs;  /* MAX_PTRS_PER_PTE: bits every bitmap holds */
	unsigned int pmd_order; /* HPAGE_PMD_ORDER */
};

/*
 * Look a geometry up by profile name, or parse "custom:SHIFT:NR:MAX"
 * (three decimal numbers, nothing after). Returns 0 and fills *out;
 * -ENOENT (unknown name), -ENOTSUP (a profile without THP) or -EINVAL (a
 * bad custom value, or NULL name or out), leaving *out as it may be. The
 * reason, a sentence naming the bad value, goes to err (errlen bytes of
 * it) when err is not NULL, else to the mthp_set_log() hook.
 */
int mthp_geometry_lookup(const char *name, struct mthp_geometry *out,
			 char *err, size_t errlen);
/* A custom geometry from its three numbers; 0 or -EINVAL, as above. */
int mthp_geometry_custom(unsigned int page_shift, unsigned int pmd_nr,
			 unsigned int max_ptrs, struct mthp_geometry *out,
			 char *err, size_t errlen);
/*
 * Whether g is a geometry the library can work on: a g->sz as above, page
 * shift 10..20,
 * HPAGE_PMD_NR and MAX_PTRS_PER_PTE powers of two with NR <= MAX <= 2^15,
 * PMD order 2..15 and equal to log2(NR). Every function that takes a
 * geometry checks it this way and refuses (-EINVAL, 0 or NULL, as its
 * comment says) one that fails.
 */
bool mthp_geometry_valid(const struct mthp_geometry *g);
/* The named profiles, index 0 .. mthp_geometry_count() - 1; the name is
 * static (never freed), NULL past the end. */
size_t mthp_geometry_count(void);
const char *mthp_geometry_name(size_t index);

/* The khugepaged sysctl defaults for this geometry (HPAGE_PMD_NR - 1,
 * / 8, / 2); 0 for an invalid one. */
unsigned int mthp_default_max_ptes_none(const struct mthp_geometry *g);
unsigned int mthp_default_max_ptes_swap(const struct mthp_geometry *g);
unsigned int mthp_default_max_ptes_shared(const struct mthp_geometry *g);

/* The largest bitmap any geometry needs: 2^MTHP_MAX_PMD_ORDER bits. */
#define MTHP_MAX_PTRS (1u << MTHP_MAX_PMD_ORDER)

/* ------------------------------------------------------------------ */
/* Models: which kernel revision's rules to follow. */

/*
 * Zero is "latest", the default: a zero-initialised options struct runs
 * the newest state of the mm tree the library knows. The other values name
 * one kernel revision each and keep their meaning.
 */
enum mthp_model {
	MTHP_MODEL_LATEST,   /* mm, June 2026: v19 + PMD swap accounting fix */
	MTHP_MODEL_BASELINE, /* mainline before the series */
	MTHP_MODEL_SCALED,   /* a what-if: v15 with max_ptes_none scaled */
	MTHP_MODEL_V15,
	MTHP_MODEL_V16,
	MTHP_MODEL_V17,
	MTHP_MODEL_V18,
	MTHP_MODEL_V19,
	/* mainline as Linux 6.12 has it: a scan that meets no writable PTE
	 * fails (SCAN_PAGE_RO), no lazyfree check (0.8) */
	MTHP_MODEL_BASELINE_6_12,
	/* mainline as Linux 6.1 has it: 6.12's rules, no per-size
	 * hugepages-<size>kB/enabled, and MADV_COLLAPSE answers EINVAL for
	 * SCAN_EXCEED_NONE_PTE (0.8) */
	MTHP_MODEL_BASELINE_6_1,
	MTHP_MODEL_COUNT
};
/* What "latest" is today; the name v19-swapfix is accepted for it. */
#define MTHP_MODEL_V19_SWAPFIX MTHP_MODEL_LATEST
#define MTHP_MODEL_DEFAULT MTHP_MODEL_LATEST

/* The model's name ("latest", "v15", ...), or NULL for a non-model. */
const char *mthp_model_name(enum mthp_model m);
/* Accepts every name and alias ("v19-swapfix" for "latest"); 0 or -EINVAL. */
int mthp_model_from_name(const char *name, enum mthp_model *out);
/* Another name the model answers to, or NULL. */
const char *mthp_model_alias(enum mthp_model m);
/* Whether the model collapses below the PMD order at all (every model of
 * the series does; mainline before it did not). */
bool mthp_model_sub_pmd(enum mthp_model m);
/* Whether the model's kernel has the per-size hugepages-<size>kB/stats/
 * collapse counters (the series added them; mainline before it did not). */
bool mthp_model_has_size_stats(enum mthp_model m);
/* One line describing the model (static), or NULL for a non-model. */
const char *mthp_model_summary(enum mthp_model m);
/* The kernel releases the model stands for, in words ("7.2, 7.3 and
 * later"), or NULL for a model of a posted revision only. Since 0.8. */
const char *mthp_model_releases(enum mthp_model m);

/*
 * What a kernel release and what it shows say about which model stands
 * for it (docs/MODELS.md, "Models and releases"): release is "7.3.4",
 * "6.12.117+deb13-cloud-amd64" or "7.3-rc7"; features is a set of
 * MTHP_KERNEL_* for what the kernel is seen to have, or
 * MTHP_KERNEL_UNKNOWN when only the release is known. The series'
 * collapse counters (or a file with mthp_collapse()) say latest whatever
 * the release. 0, or -EINVAL for a release that does not parse. why, if
 * not NULL, gets a static phrase saying what decided. Since 0.8.
 */
enum {
	MTHP_KERNEL_UNKNOWN = 0,
	MTHP_KERNEL_SIZE_CONTROLS = 1 << 0, /* hugepages-<size>kB/enabled */
	MTHP_KERNEL_COLLAPSE_STATS = 1 << 1, /* hugepages-<size>kB/stats/collapse_* */
	MTHP_KERNEL_NO_SIZE_CONTROLS = 1 << 2, /* seen not to have them */
	MTHP_KERNEL_NO_COLLAPSE_STATS = 1 << 3, /* seen not to have them */
};
int mthp_model_for_kernel(const char *release, unsigned int features,
			  enum mthp_model *out, const char **why);

/*
 * The errno MADV_COLLAPSE returns when result is the last failure, as
 * the kernel the model stands for maps it (0 for SCAN_SUCCEED and
 * SCAN_PMD_MAPPED); -EINVAL for a result or model that is none. Since 0.8.
 */
int mthp_madvise_errno(enum mthp_model m, int result);
/* Entries the model reserves for its search stack on g: 0 when it has no
 * stack, m is not a model or g is not valid. */
unsigned int mthp_model_stack_capacity(enum mthp_model m,
				       const struct mthp_geometry *g);
/* The deepest the stack can get on g: PMD_ORDER - 2 + 1; 0 for an
 * invalid geometry. */
unsigned int mthp_stack_depth_bound(const struct mthp_geometry *g);
/* The deepest model m's stack gets on g, measured by running it where it
 * visits every range (every order enabled, an empty table); 0 for a model
 * without a stack, a non-model or an invalid geometry. */
unsigned int mthp_model_deepest_stack(enum mthp_model m,
				      const struct mthp_geometry *g);

enum mthp_mode {
	MTHP_MODE_KHUGEPAGED, /* the daemon: limits and sysfs apply */
	MTHP_MODE_MADVISE     /* MADV_COLLAPSE: PMD order only, no limits */
};
/* "khugepaged", "madvise" (static), NULL for a non-mode; the reverse
 * returns 0, or -EINVAL for an unknown name or a NULL pointer. The other
 * *_name() / *_from_name() pairs below behave the same way. */
const char *mthp_mode_name(enum mthp_mode m);
int mthp_mode_from_name(const char *name, enum mthp_mode *out);

/* ------------------------------------------------------------------ */
/* Which orders are enabled (docs/MODELS.md, "Which orders are enabled"). */

enum mthp_thp_setting {
	MTHP_THP_NEVER,
	MTHP_THP_ALWAYS,
	MTHP_THP_MADVISE,
	MTHP_THP_INHERIT /* per-size only */
};
const char *mthp_thp_setting_name(enum mthp_thp_setting s);
int mthp_thp_setting_from_name(const char *name, enum mthp_thp_setting *out);

#define MTHP_VMA_HUGEPAGE   (1u << 0) /* MADV_HUGEPAGE */
#define MTHP_VMA_NOHUGEPAGE (1u << 1) /* MADV_NOHUGEPAGE */
#define MTHP_VMA_UFFD       (1u << 2) /* userfaultfd armed */

struct mthp_thp_settings {
	size_t sz; /* sizeof(struct mthp_thp_settings); the library sets it */
	enum mthp_thp_setting enabled;                  /* top level */
	enum mthp_thp_setting order[MTHP_MAX_PMD_ORDER + 1]; /* per size */
};
/* Kernel defaults, sz included: top "always"; PMD size "inherit", others
 * "never" (no PMD entry for an invalid g; nothing for a NULL s). */
void mthp_thp_settings_default(struct mthp_thp_settings *s,
			       const struct mthp_geometry *g);
/* Every order khugepaged can collapse to on g: bits 2 .. PMD order; 0 for
 * an invalid geometry. */
uint32_t mthp_orders_all(const struct mthp_geometry *g);
/* Bit k set when order k may be collapsed to, under settings s and the
 * VMA flags (MTHP_VMA_*), as docs/MODELS.md section 3 says; 0 when
 * nothing is, and for an invalid geometry, model or mode or a NULL s. */
uint32_t mthp_enabled_orders(const struct mthp_geometry *g, enum mthp_model m,
			     enum mthp_mode mode,
			     const struct mthp_thp_settings *s,
			     unsigned int vma_flags);

/* ------------------------------------------------------------------ */
/* The decision engine (counterpart: mthp_collapse()). */

struct mthp_range {
	unsigned int offset; /* in PTEs from the start of the PMD range */
	unsigned int order;
};

/* Attempt one collapse; return an enum mthp_scan_result. */
typedef int (*mthp_collapse_fn)(const struct mthp_range *range, void *data);

enum mthp_step_kind {
	MTHP_STEP_DISABLED,        /* order not enabled */
	MTHP_STEP_BELOW_THRESHOLD, /* too few occupied PTEs */
	MTHP_STEP_ATTEMPTED,       /* callback called; see result */
	MTHP_STEP_INVALID_NONE,    /* max_ptes_none invalid: search stopped */
	MTHP_STEP_BAD_RESULT       /* callback returned a non-result: stopped */
};
const char *mthp_step_kind_name(enum mthp_step_kind k);

/* What the engine did next with the range. */
enum mthp_step_action {
	MTHP_ACTION_NEXT,  /* done with it (collapsed, or nothing lower to try) */
	MTHP_ACTION_LOWER, /* split / try the next lower order */
	MTHP_ACTION_STOP   /* abandoned the whole PMD */
};
const char *mthp_step_action_name(enum mthp_step_action a);

struct mthp_step {
	unsigned int offset;
	unsigned int order;
	unsigned int occupied;  /* as the threshold saw it */
	unsigned int threshold; /* occupied PTEs needed */
	enum mthp_step_kind kind;
	enum mthp_step_action action;
	int result;               /* callback result, when attempted */
	unsigned int stack_depth; /* entries on the stack after this step */
};

/*
 * Options of one mthp_collapse() call. They grow at the end, the way
 * libbpf's do: set sz to the size of the struct you compiled against
 * (MTHP_OPTS() does). A library newer than your header gives the fields
 * past your sz their defaults (zero); a library older than your header
 * accepts your larger struct as long as the fields it does not know are
 * zero. Zero is the default of every field: model 0 is "latest", mode 0 is
 * khugepaged.
 */
struct mthp_collapse_opts {
	size_t sz;                  /* sizeof(struct mthp_collapse_opts) */
	enum mthp_model model;
	enum mthp_mode mode;
	uint32_t orders;            /* enabled orders, bit k = order k */
	unsigned int max_ptes_none; /* the sysctl snapshot */
	unsigned int unmapped;      /* the scan's swap count (latest) */
	bool uffd;                  /* VMA armed for userfaultfd (v18) */
	mthp_collapse_fn collapse;  /* required */
	void *data;                 /* passed to collapse, never read */
	struct mthp_step *steps;    /* optional record, steps_cap entries */
	size_t steps_cap;
};

/* Declares and initialises options: MTHP_OPTS(o, .collapse = cb, ...). */
#define MTHP_OPTS(name, ...)                                              \
	struct mthp_collapse_opts name = {                                \
		.sz = sizeof(struct mthp_collapse_opts), __VA_ARGS__      \
	}

/*
 * What one call did. Set sz before the call (MTHP_RESULT() does): the
 * library writes at most sz bytes, so a caller compiled against an older,
 * smaller struct keeps its memory; fields past sz are simply not reported.
 */
struct mthp_collapse_result {
	size_t sz;                /* sizeof(struct mthp_collapse_result) */
	int result;               /* the run's SCAN_* result */
	unsigned int collapsed;   /* PTEs collapsed */
	unsigned int attempts;    /* callback calls */
	size_t nsteps;            /* steps taken (may exceed steps_cap) */
	unsigned int max_stack_depth;
	unsigned int stack_capacity;
	bool invalid_none;        /* max_ptes_none was neither 0 nor max */
};

#define MTHP_RESULT(name)                                                 \
	struct mthp_collapse_result name = {                              \
		.sz = sizeof(struct mthp_collapse_result)                 \
	}

/* Upper bound on steps for one run: every (offset, order >= 2) range.
 * 0 for an invalid geometry. */
size_t mthp_collapse_max_steps(const struct mthp_geometry *g);

/*
 * Decide and attempt collapses for one PMD range (counterpart:
 * mthp_collapse() in mm/khugepaged.c). bitmap holds nbits bits (the
 * kernel's are g->max_ptrs long), of which the first g->pmd_nr are read:
 * nbits below g->pmd_nr is refused, and nothing past nbits is ever read. The callback is called for each
 * attempt, in the kernel's order, and must return a SCAN_* result; it may
 * call mthp_collapse() itself. Nothing is allocated; the pointers are only
 * used during the call.
 *
 * Returns 0; -EINVAL for bad arguments, with nothing attempted (a NULL
 * pointer, nbits below g->pmd_nr, an invalid geometry, model or mode, an opts->sz below
 * sizeof(size_t) or larger with non-zero unknown fields, a res->sz that
 * cannot hold the result code, max_ptes_none or unmapped out of range,
 * orders outside 2..PMD order, no callback). When the callback returns
 * what is not a result the search stops there and *res describes what
 * happened up to then (result SCAN_FAIL): a negative errno of its own
 * (-ENOMEM from a backend) is returned as it is, anything else as
 * -EPROTO; the log hook hears which range and what the callback returned.
 */
int mthp_collapse(const struct mthp_geometry *g, const unsigned long *bitmap,
		  unsigned int nbits, const struct mthp_collapse_opts *opts,
		  struct mthp_collapse_result *res);

/* The library's version, "MAJOR.MINOR.PATCH", as built. */
const char *mthp_version(void);

/*
 * Why a call was refused: the library says it through a hook, as
 * libbpf_set_print() does - silent until one is set. The message names
 * the argument and its value ("mthp_collapse: opts->max_ptes_none 600 is
 * out of range (0..511)"), without a newline. mthp_set_log() sets fn
 * (NULL: silent again) with ctx for it, and returns the previous hook;
 * setting it is thread-safe, and fn may be called from any thread that
 * calls the library.
 */
enum mthp_log_level {
	MTHP_LOG_WARN,  /* a call refused: what and why */
	MTHP_LOG_INFO,
	MTHP_LOG_DEBUG,
};
typedef void (*mthp_log_fn)(enum mthp_log_level level, const char *msg,
			    void *ctx);
mthp_log_fn mthp_set_log(mthp_log_fn fn, void *ctx);
/* The hook set now, and (when ctx is not NULL) its context: what a
 * caller saves before mthp_set_log() to put both back after. Since 0.8. */
mthp_log_fn mthp_get_log(void **ctx);

#ifdef __cplusplus
}
#endif

#endif /* MTHPCOLLAPSE_H */
