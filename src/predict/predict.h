/* SPDX-License-Identifier: MIT */
/*
 * predict over many processes (sweep.c): the PIDs of the machine or of a
 * cgroup v2 group and the groups below it, each process read and visited
 * under a column of settings each by a few worker threads, one snapshot
 * per worker at a time, and the rows summed and ordered. A client of the
 * library's public API; returns codes and reasons, never prints.
 */
#ifndef MTHP_PREDICT_H
#define MTHP_PREDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "mthpcollapse/space.h"

/* Bad input (a group that is not one): the status a CLI exits with. */
#define MP_BAD_INPUT 2
/* The most worker threads a sweep starts. */
#define MP_MAX_JOBS 64

/* What became of a process. */
enum mp_fate {
	MP_ROW,          /* a process with anonymous memory: a row */
	MP_NO_ANON,      /* a user process without anonymous memory */
	MP_KERNEL,       /* a kernel thread */
	MP_EXITED,       /* gone before or while it was read */
	MP_UNREADABLE,   /* permissions, or another error reading it */
	MP_FATES
};

struct mp_proc {
	long pid;
	enum mp_fate fate;
	char comm[32];
	char why[256];                      /* MP_UNREADABLE */
	unsigned long anon_kb;              /* smaps_rollup's Anonymous */
	struct mthp_space_totals *totals;   /* a column each, MP_ROW only */
	unsigned long added_kb, collapses;  /* column 0's, to order by */
};

struct mp_pids {
	long *v;
	size_t n, cap;
};

/* The PIDs of /proc: 0, or MP_BAD_INPUT with why. */
int mp_pids_all(struct mp_pids *l, char *why, size_t len);
/* The PIDs of a cgroup v2 group (a path: absolute, or under the v2
 * mount) and of every group below it: 0, or MP_BAD_INPUT with why. */
int mp_pids_cgroup(const char *group, struct mp_pids *l, char *why, size_t len);
void mp_pids_free(struct mp_pids *l);

/* What a sweep runs: each process visited under settings[0..ncols). */
struct mp_sweep {
	const struct mthp_scenario *settings;
	size_t ncols;
	int young;
	unsigned int rounds;
	unsigned int jobs;          /* worker threads (1 to MP_MAX_JOBS) */
	/* hears how many processes are done, about every 50 ms (may be NULL) */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *ctx;
};

/* What a sweep found, processes ordered by what column 0 changes most
 * (memory added, then collapses), rows first. */
struct mp_result {
	struct mp_proc *procs;
	size_t nprocs;
	size_t count[MP_FATES];
	unsigned long anon_kb;              /* the rows' anonymous memory */
	struct mthp_space_totals *sum;      /* the rows' totals, a column each */
};

/* Sweeps pids: 0, or -ENOMEM. */
int mp_sweep_run(const struct mp_sweep *o, const long *pids, size_t n,
		 struct mp_result *r);
void mp_result_free(struct mp_result *r);

/* The KiB the visit added to a process's memory. */
unsigned long mp_added_kib(const struct mthp_geometry *g,
			   const struct mthp_space_totals *t);

/* ---- one address space, in columns (space-columns.c) ---- */

/*
 * Why khugepaged does not look at a VMA under settings s, in words: the
 * process's PR_SET_THP_DISABLE, MADV_NOHUGEPAGE, sizes enabled only with
 * MADV_HUGEPAGE that the VMA lacks (naming those settings), or no size
 * enabled at all. For a VMA whose ranges were not eligible; returns buf.
 */
const char *mp_not_eligible_why(const struct mthp_scenario *s, unsigned int vma_flags,
				bool thp_disabled, char *buf, size_t len);

struct mp_space_opts {
	size_t ncols;               /* column 0: the space's settings as changed */
	int young;
	unsigned int rounds;
	/* the settings changed as the caller wants: column 0's are the
	 * space's own, each later column's a copy of column 0's; 0, or
	 * non-zero with why (may be NULL) */
	int (*settings)(void *ctx, size_t col, struct mthp_scenario *s, char *why,
			size_t len);
	/* each range's outcome in column 0 (may be NULL) */
	void (*each)(void *ctx, size_t vma, size_t pmd, enum mthp_space_outcome outcome,
		     unsigned int order);
	/* a range as it comes: its index and address, and the ranges in all
	 * when known (0 for a stream) (may be NULL) */
	void (*range)(void *ctx, size_t index, unsigned long addr, size_t total);
	/* a VMA after its last range, with its totals in column 0: 0, or a
	 * negative errno that stops the visit (may be NULL) */
	int (*vma_done)(void *ctx, const struct mthp_space *sp,
			const struct mthp_space_vma *vm, const struct mthp_space_totals *t);
	void *ctx;
};

/*
 * Visits the held space sp in o->ncols columns, the totals of each into
 * totals[col]; sp's settings become column 0's. 0; MP_BAD_INPUT when the
 * settings callback refused (why says so); a negative errno with why.
 */
int mp_predict_held(struct mthp_space *sp, const struct mp_space_opts *o,
		    struct mthp_space_totals *totals, char *why, size_t len);
/*
 * The same over a snapshot read from f a range at a time (base gets the
 * settings and what is kept of the VMAs). A snapshot that does not read
 * returns the reader's code (-EINVAL with err's line, column and words;
 * -ENOMEM; -EIO) and why stays empty.
 */
int mp_predict_stream(FILE *f, struct mthp_space *base, const struct mp_space_opts *o,
		      struct mthp_space_totals *totals, struct mthp_parse_error *err,
		      char *why, size_t len);

#endif
