/* SPDX-License-Identifier: MIT */
/*
 * kcheck's driver (check.c): what one case is, what a side did with it,
 * and the state of a check, which the child process that runs the
 * file's code shares with the parent. For the kcheck layer and the CLI.
 */
#ifndef MTHP_KCHECK_CHECK_H
#define MTHP_KCHECK_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kcheck.h"
#include "rng.h"

/* The answers attempts get: a pattern over the attempt's position. */
enum pattern { P_SUCCEED, P_TRY_LOWER, P_ALLOC, P_LRU, P_LAZYFREE,
	       P_MAPPED, P_STOP, P_COUNT };

struct input {
	const struct mthp_geometry *g;
	unsigned long *map;
	uint32_t orders;
	bool khugepaged, uffd;
	unsigned int none, unmapped;
	enum pattern pattern;
};

#define MAX_SEEN 20000
struct kc_outcome {
	struct mthp_range att[MAX_SEEN];
	int res[MAX_SEEN];
	size_t n;
	long ret;              /* the function's return value */
	char ret_name[48];     /* when it returns a result ("": it does not) */
	int ret_result;        /* that result, as the library's (-1: none) */
	unsigned int warnings;  /* WARN_ON_ONCE and kin that fired */
	unsigned int bugs;      /* a BUG_ON fired: the call stopped there */
	int bug_line;
	bool runaway;          /* more attempts than ranges: stopped */
};

/* One side: a kernel unit, or a model of the library. */
struct side {
	struct kc_unit *u;
	enum mthp_model model;
	char name[1100];
};

/* What stopped the file's code (the case that did it is in cur). */
enum failure { F_NONE, F_SIGNAL, F_TIMEOUT, F_EXIT, F_SHORT };

/* What the child process that runs the file's code tells its parent,
 * through memory they share. */
struct kc_watch {
	volatile unsigned long count; /* cases done */
	volatile int cur_side;        /* the side running now */
	volatile bool started;        /* a case has been begun */
	volatile bool finished;       /* every case of the pass was run */
	enum failure failure;         /* what stopped the file's code */
	int failure_value;            /* the signal, or the exit status */
	char said[1024];              /* what the child wrote on stderr */
	char why[1536];               /* kc_isolate()'s refusal, in words */
};

/* In the child that runs the file's code: an error of kcheck's own ends
 * it (exit status 3), saying what on its standard error, which the
 * parent keeps in the watch's said. */
_Noreturn void kc_internal(const char *what);

/*
 * Runs body(arg) in a child process that loads units[0] and units[1]
 * (either may be NULL) and watches it: a case (w->count not moving) that
 * takes longer than timeout seconds is stopped, and so is a crash; either
 * is recorded in w. tick (may be NULL) is called while it runs. Returns
 * 0; KC_BAD_INPUT when the code does not load, 1 when the child failed
 * before its first case, KC_ERROR when no child could be had: each with
 * why in w->why.
 */
int kc_isolate(struct kc_unit *const units[2], struct kc_watch *w,
	       void (*body)(void *arg), void *arg, unsigned int timeout,
	       void (*tick)(void *arg));

/*
 * The state of a check. It lives in memory shared with the child process
 * that runs the file's code, which writes the counts, the first
 * difference and the case it is on; the parent reads them, also after
 * the child crashed or was killed.
 */
struct kc_state {
	struct side a, b;
	bool json;
	unsigned long cases, differ, skipped;
	bool found;
	struct input first;      /* the first difference */
	unsigned long first_map[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];
	struct mthp_geometry first_g;
	struct kc_outcome oa, ob, fa, fb;
	struct rng rng;          /* the random tables, across geometries */
	/* the case being run */
	struct input cur;
	unsigned long cur_map[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];
	struct mthp_geometry cur_g;
	struct kc_watch w;
};

/* What each pattern means, in words. */
extern const char *const pattern_words[P_COUNT];

/* The process running the file's code, while one runs (for a signal
 * handler to kill). */
extern volatile pid_t kc_child_pid;

/* Builds both sides' units for kg (the compiler's located messages to
 * msg): 0, KC_BAD_INPUT or KC_ERROR. */
int kc_compile_both(struct kc_state *k, const struct kc_geometry *kg,
		    const char *include_dir, const char *public_dir, FILE *msg);

/*
 * Runs the cases of one geometry (every small table up to bitmaps, or
 * per_geometry random ones) in a child process and watches it: a case
 * that takes longer than timeout seconds is stopped, and so is a crash;
 * either is recorded in k->failure with the case in k->cur. progress
 * (may be NULL) hears of the small tables done. Returns 0, or an exit
 * status: KC_BAD_INPUT when the code does not load, 1 when the child
 * failed before its first case.
 */
int kc_run_isolated(struct kc_state *k, const struct kc_geometry *kg,
		    unsigned int bitmaps, unsigned int per_geometry,
		    unsigned int timeout,
		    void (*progress)(unsigned long long done, unsigned long long total));

/* What stopped the file's code, in words ("was killed by signal 11"). */
const char *kc_failure_words(const struct kc_watch *w, unsigned int timeout,
			     char *buf, size_t len);

#endif
