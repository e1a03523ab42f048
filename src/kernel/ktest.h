/* SPDX-License-Identifier: MIT */
/* mthpsim ktest: scenarios played on the running kernel. */
#ifndef MTHPSIM_KTEST_H
#define MTHPSIM_KTEST_H

#include <stdbool.h>
#include <sys/types.h>

#include "mthpcollapse/sim.h"

/* Bad input (a malformed restore file): the CLI's exit status for it. */
#define KT_EXIT_INPUT 2

/* One scenario to play: its table and settings, and how to build it. */
struct kt_case {
	char name[64];
	const char *about;      /* a built-in case: what it checks */
	struct mthp_scenario s;
	bool thp_disabled;      /* the process keeps PR_SET_THP_DISABLE */
	bool khugepaged;        /* played with khugepaged, not MADV_COLLAPSE */
};

/*
 * A built-in case: a table in runs whose lengths follow the kernel's
 * HPAGE_PMD_NR ("P*1/2 .*rest": the first half present, the rest none; a
 * count is a number of PTEs, a fraction a share of the table, "rest"
 * what is left), and its settings (@MAX@, @HALF_1@ and @PMD@ stand for
 * HPAGE_PMD_NR - 1, HPAGE_PMD_NR/2 - 1 and the PMD order).
 */
struct kt_builtin {
	const char *name, *about;
	const char *runs;   /* NULL: no table (see settings) */
	const char *settings;
	bool thp_disabled;
	/* existing folios of this order over the first 1/folio_share of
	 * the table (0: none) */
	unsigned int folio_order, folio_share;
};

/* The MADV_COLLAPSE suite, or khugepaged's; n is its length. */
const struct kt_builtin *kt_suite(bool khugepaged, size_t *n);
/* A built-in case as a scenario for g: 0, or a negative errno. */
int kt_builtin_case(const struct kt_builtin *b, const struct mthp_geometry *g,
		    struct kt_case *c);
/*
 * Both suites as scenario texts for g, named "ktest NAME" and "ktest
 * --khugepaged NAME" (cases that keep THP disabled are left out: they
 * are never scanned); the caller frees each string and both arrays.
 * Returns how many, or -ENOMEM.
 */
long kt_suite_scenarios(const struct mthp_geometry *g, char ***names,
			char ***texts);

/* The process that holds the range. */
struct kt_child {
	pid_t pid;
	int cmd, reply;
	unsigned long addr;     /* the PMD range's start */
};

/* Forks the builder and waits until the range is laid out: 0, or -1 with
 * why (the child's own words) - the case could not be built. */
int kt_start(const struct kt_case *c, struct kt_child *ch, char *why,
	     size_t whylen);
/* Turns THP back on in the child (unless the case keeps it off), then
 * MADV_COLLAPSE on the range (*err its errno, 0 for success) or, for
 * khugepaged, registers the mm. 0, or -1 when the child is gone. */
int kt_act(struct kt_child *ch, bool khugepaged, int *err);
/* A process that keeps one MADV_HUGEPAGE VMA registered with khugepaged
 * for the run, so that full passes go on when a case's own mm is not
 * (or no longer) registered. It dies with its parent. */
pid_t kt_pacer(const struct mthp_geometry *g);
/* Leaves the child running after ktest exits, for inspection: 0, or -1
 * when it is gone. */
int kt_keep(struct kt_child *ch);
/* Ends the child (and the holder of shared pages). */
void kt_stop(struct kt_child *ch);

/* ---- one case on the running kernel (play.c) ---- */

/* What one side did with a case. */
struct kt_outcome {
	bool collapsed;   /* the range is mapped by a PMD afterwards */
	int err;          /* MADV_COLLAPSE's errno, 0 for success */
	int result;       /* the model's SCAN_* result (model side only) */
	/* khugepaged: the ranges collapsed, PMD or smaller */
	struct mthp_range ranges[64];
	size_t nranges;
	/* /proc/vmstat thp_collapse_alloc and _failed: the change over the
	 * case (machine-wide: other processes may add to it), or the
	 * model's count */
	long vm_alloc, vm_failed;
};

enum kt_verdict { KT_AGREE, KT_DIFFER, KT_SKIP };

/* A case played: the verdict, both outcomes, or why it was skipped. */
struct kt_play {
	enum kt_verdict verdict;
	struct kt_outcome kernel, model;
	char why[320];        /* KT_SKIP: the reason */
	const char *cause;    /* KT_SKIP: "scenario", "kernel" or "machine" */
	pid_t kept;           /* keep: the process left holding the range */
	unsigned long kept_addr;
};

/*
 * Plays c on the running kernel (its geometry live, swap whether a swap
 * device exists) and holds the outcome to model m: built in a child,
 * read back from pagemap, collapsed by MADV_COLLAPSE or (c->khugepaged,
 * settings written under the guard) by khugepaged's full scans, read
 * again. keep leaves the process of a DIFFER case running. 0, or -ENOMEM.
 */
int kt_play(const struct kt_case *c, enum mthp_model m,
	    const struct mthp_geometry *live, bool swap, bool keep,
	    struct kt_play *p);
/* Whether /proc/swaps lists a device. */
bool kt_have_swap(void);
/* The model that stands for the running kernel (its release and sysfs);
 * the reason, with the release, in seen. */
enum mthp_model kt_kernel_model(char *seen, size_t len);
/* The order of the case's existing large folios, 0 when it has none. */
unsigned int kt_folio_order(const struct mthp_scenario *s);
/* "EBUSY" and kin for MADV_COLLAPSE's errnos, "0" for success. */
const char *kt_errno_name(int e);

/* ---- settings (ktest-settings.c) ---- */

/* The restore file: $MTHPSIM_KTEST_RESTORE, else /run/mthpsim-ktest.restore. */
const char *kt_restore_file(void);
/* Makes this the only ktest run that changes settings on the machine: a
 * lock (the restore file's name and ".lock", holding the holder's PID)
 * kept until the process ends. Another run holding it: KT_EXIT_INPUT with
 * why naming its PID, or, with wait, waits for it (waiting, when not
 * NULL, hears of it first). 0 once held. */
int kt_lock(bool wait, void (*waiting)(long pid, const char *path), char *why,
	    size_t len);
/* In a child process: closes its copy of the lock, which a child kept
 * running (--keep) would otherwise hold after ktest ends. */
void kt_lock_forget(void);
/* Puts back what a restore file records and removes it: the number of
 * settings put back (0: there was none; why says a setting that could
 * not be written, if one could not). A malformed file (why says where,
 * file:line:col) or one that cannot be read: -KT_EXIT_INPUT, nothing
 * written; one that cannot be removed: -1. */
int kt_restore_pending(char *why, size_t len);
/* Records every setting ktest may change (in the restore file, synced)
 * and guards them: SIGINT, SIGTERM, SIGHUP and SIGQUIT put them back.
 * 0, or KT_EXIT_INPUT with why when the record cannot be written. */
int kt_guard_begin(char *why, size_t len);
/* Puts them back and removes the restore file. */
void kt_guard_end(void);
/* Puts the recorded values back, and stays on guard. */
void kt_guard_reset(void);
/* Writes a file under the THP directory: 0, or -errno. */
int kt_set(const char *rel, const char *value);
/* khugepaged/full_scans. */
unsigned long kt_full_scans(void);

#endif
