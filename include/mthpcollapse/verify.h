/* SPDX-License-Identifier: MIT */
/*
 * The engine's claims, checked by running it: the ones reviewers made of
 * the series (the forward walk attempts what the stack search attempts, in
 * the same order) and the engine's invariants. What `mthpsim verify`
 * prints; a harness can run the same checks, e.g. on a model of its own
 * build.
 */
#ifndef MTHPCOLLAPSE_VERIFY_H
#define MTHPCOLLAPSE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mthpcollapse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The claims, in the order they are reported. */
enum mthp_claim {
	/* the stack model and the walk model attempt the same ranges in the
	 * same order, when every attempt succeeds and when every attempt
	 * fails with a try-lower result */
	MTHP_CLAIM_EQUIVALENCE,
	/* every model's collapses are disjoint, aligned, of enabled orders,
	 * over the threshold, and (max_ptes_none = HPAGE_PMD_NR - 1) from the
	 * highest enabled order holding them */
	MTHP_CLAIM_COLLAPSES,
	/* the stack never holds more than PMD_ORDER - 1 entries, and every
	 * model's reserve holds that many on every geometry */
	MTHP_CLAIM_STACK_BOUND,
	/* bits HPAGE_PMD_NR .. MAX_PTRS_PER_PTE - 1 change no decision */
	MTHP_CLAIM_POISON,
};
#define MTHP_CLAIM_COUNT 4

/* How a case's callback answers. */
enum mthp_verify_answer {
	MTHP_VERIFY_SUCCEED, /* every attempt succeeds */
	MTHP_VERIFY_FAIL,    /* every attempt fails with SCAN_EXCEED_NONE_PTE,
			      * a result every model's try-lower list holds */
	MTHP_VERIFY_MIXED,   /* a fixed pseudo-random half of the ranges fail
			      * (by offset, order and salt) */
};

/* One engine input: what a claim was checked on. */
struct mthp_verify_case {
	struct mthp_geometry geometry;
	MTHP_DECLARE_BITMAP(bitmap, MTHP_MAX_PTRS);
	uint32_t orders;
	unsigned int max_ptes_none;
	enum mthp_verify_answer answer;
	uint32_t salt;
	enum mthp_model model; /* the model the claim failed for */
};

/*
 * The callback of a case (data: the struct mthp_verify_case): pass it to
 * mthp_collapse() to replay a counterexample. -EINVAL for a NULL range
 * or case.
 */
int mthp_verify_answer(const struct mthp_range *r, void *data);

struct mthp_claim_report {
	const char *key;  /* a short name: "equivalence", "collapses", ... */
	const char *text; /* the claim in a sentence */
	unsigned long cases;
	bool holds;
	/* when it does not hold: why, and (has_counter) the smallest input
	 * found that shows it - occupied PTEs and orders dropped while the
	 * claim still failed */
	bool has_counter;
	struct mthp_verify_case counter;
	char why[256];
};

struct mthp_verify_opts {
	size_t sz;
	/* the stack model and the walk model the equivalence compares; both
	 * 0 (MTHP_MODEL_LATEST, which has no stack): v15 and v19 */
	enum mthp_model stack_model, walk_model;
	uint64_t seed;                    /* of the random bitmaps */
	unsigned int random_per_geometry; /* 0: 150 */
	/* called after each geometry, when set */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *ctx;
};
#define MTHP_VERIFY_OPTS(name, ...)                                       \
	struct mthp_verify_opts name = {                                  \
		.sz = sizeof(struct mthp_verify_opts), __VA_ARGS__        \
	}

struct mthp_verify_result {
	size_t sz; /* set by the caller: sizeof(struct mthp_verify_result) */
	struct mthp_claim_report claims[MTHP_CLAIM_COUNT];
	unsigned long cases;
	bool holds;    /* every claim holds */
	size_t models; /* how many models the invariants were checked on */
};

/*
 * Checks every claim: every bitmap of custom:12:16:16 and custom:12:8:64
 * with every set of enabled orders, then random_per_geometry random
 * bitmaps on every named geometry; max_ptes_none 0 and HPAGE_PMD_NR - 1;
 * each answer pattern. The invariants are checked for every model and
 * for the two named. Returns 0 (res says whether the claims hold), or
 * -EINVAL for a model the library does not have or a bad sz.
 */
int mthp_verify(const struct mthp_verify_opts *opts,
		struct mthp_verify_result *res);

#ifdef __cplusplus
}
#endif

#endif
