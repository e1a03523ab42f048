/* SPDX-License-Identifier: MIT */
/*
 * An address space: the anonymous private VMAs of a process and, for each
 * PMD range wholly inside one, its PTEs in the scenario alphabet - read
 * from a live process (/proc/PID/smaps, pagemap, status, /proc/kpageflags)
 * or from the snapshot text format, which a scenario file also is (a
 * snapshot of one PMD range).
 */
#ifndef MTHPCOLLAPSE_SPACE_H
#define MTHPCOLLAPSE_SPACE_H

#include <stdio.h>
#include <sys/types.h>

#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a snapshot could not know; every later output says so. */
#define MTHP_UNKNOWN_YOUNG (1u << 0) /* the PTE young bit: no file shows it */
#define MTHP_UNKNOWN_FOLIO (1u << 1) /* folio extents: no PFNs (not root) */
#define MTHP_UNKNOWN_ZERO  (1u << 2) /* the shared zero page: no PFNs */
/* a snapshot of format 1 (snapshot = 1): it has no end line, so a copy
 * cut short at a line's end cannot be told from a whole one */
#define MTHP_UNKNOWN_END   (1u << 3)
/* The snapshot format the writer writes: snapshot = 2, and an end line
 * with the number of VMAs and PMD records. */
#define MTHP_SNAPSHOT_FORMAT 2

struct mthp_space_pmd {
	unsigned long addr;        /* PMD-aligned */
	enum mthp_pmd_state pmd;   /* table, none (no PTE table), mapped */
	struct mthp_pte *ptes;     /* HPAGE_PMD_NR entries for a table */
};

struct mthp_space_vma {
	unsigned long start, end;
	unsigned int flags;        /* MTHP_VMA_* */
	bool thp_disabled;         /* the process's PR_SET_THP_DISABLE */
	size_t first, count;       /* its PMD ranges: pmds[first ..] */
};

struct mthp_space {
	/* the geometry and THP settings; its own table is not used */
	struct mthp_scenario settings;
	unsigned int unknown;      /* MTHP_UNKNOWN_* */
	long pid;                  /* 0 when not read from a process */
	char comm[32];
	struct mthp_space_vma *vmas;
	size_t nvmas;
	struct mthp_space_pmd *pmds;
	size_t npmds;
	/* the library's: where the PMD records' PTEs live (in blocks of many
	 * ranges, so a held x86_64 range costs its 1 KiB of PTEs and its
	 * record, nothing more) */
	void *store;
};

/*
 * Reads the snapshot text format (mthpsim-scenario(5)), or a scenario
 * file as a one-PMD snapshot. Returns 0, or -EINVAL with *err located
 * (line, column); -ENOMEM. Free with mthp_space_free(), even on failure.
 */
int mthp_space_read(const char *text, size_t len, struct mthp_space *sp,
		    struct mthp_parse_error *err);
/* Writes sp in the text format; 0, -EIO when f failed, or -EINVAL for a
 * space that does not hold together (a count without its array, a VMA's
 * records outside pmds, a table record without PTEs) - as
 * mthp_space_copy() and mthp_space_visit() refuse it. */
int mthp_space_write(const struct mthp_space *sp, FILE *f);
/*
 * Snapshots a live process (pid 0: the calling one) under the running
 * kernel's settings (root NULL: /sys/kernel/mm/transparent_hugepage).
 * The process is not stopped: a page may change while it is read. Only
 * PMD ranges holding a present or swapped page are listed (found with
 * PAGEMAP_SCAN where the kernel has it, else by reading each range). Without
 * CAP_SYS_ADMIN there are no PFNs, so folio extents and the zero page are
 * recorded as unknown. Returns 0; -ESRCH (no such process, or it exited
 * while read), -ENODATA (a kernel thread: no user memory), -EACCES,
 * -EPERM, or another -errno with *err naming the file.
 */
int mthp_space_snapshot(pid_t pid, const char *root, struct mthp_space *sp,
			struct mthp_parse_error *err);
/*
 * The same for the one PMD range at addr (aligned to the PMD size) and
 * the VMA that holds it, without reading the rest of the process: sp
 * has that VMA (none when no anonymous VMA holds the whole range) and the
 * range's record when it holds a present or swapped page. Returns as
 * mthp_space_snapshot().
 */
int mthp_space_snapshot_range(pid_t pid, const char *root, unsigned long addr,
			      struct mthp_space *sp, struct mthp_parse_error *err);
/*
 * Called for each PMD range of a streamed snapshot as soon as its record
 * is complete: vma is its VMA's number (sp->vmas[vma]), index its number
 * among all the ranges. The record and its PTEs are the reader's, valid
 * only during the call (the next record reuses them); the call may
 * change them. A non-zero return stops the read, which returns it.
 */
typedef int (*mthp_space_pmd_fn)(void *ctx, struct mthp_space *sp,
				 size_t vma, size_t index,
				 struct mthp_space_pmd *pmd);
/*
 * Reads a snapshot from f like mthp_space_read(), without holding it:
 * each PMD record goes to each() and is forgotten, so memory stays the
 * same whatever the size (and there is no 64 MiB limit). sp gets the
 * settings and every VMA (first and count number the ranges as they
 * came) but keeps no PMD records - except a scenario file's one range,
 * which is kept. Returns 0, each()'s non-zero return, -EINVAL with *err
 * located, -EIO or -ENOMEM. Free sp with mthp_space_free(), even on
 * failure.
 */
int mthp_space_read_stream(FILE *f, struct mthp_space *sp,
			   mthp_space_pmd_fn each, void *ctx,
			   struct mthp_parse_error *err);
/*
 * A streamed read that holds no VMA either (0.8): memory stays the same
 * whatever the number of VMAs and ranges. pmd() gets each PMD range as
 * mthp_space_pmd_fn does, with its VMA (vm) and the VMA's number;
 * vma_end() (may be NULL) each VMA after its last range - the last one
 * only once the end line has shown the snapshot whole - after which the
 * VMA is forgotten: sp->vmas holds at most the VMA being read. A
 * non-zero return of either stops the read, which returns it.
 */
struct mthp_space_stream {
	size_t sz; /* sizeof(struct mthp_space_stream) */
	int (*pmd)(void *ctx, struct mthp_space *sp, const struct mthp_space_vma *vm,
		   size_t vma, size_t index, struct mthp_space_pmd *pmd);
	int (*vma_end)(void *ctx, struct mthp_space *sp,
		       const struct mthp_space_vma *vm, size_t vma);
	void *ctx;
};
int mthp_space_read_vmas(FILE *f, struct mthp_space *sp,
			 const struct mthp_space_stream *ops,
			 struct mthp_parse_error *err);
/* mthp_space_write() in parts, for writing as one reads: the settings,
 * then each VMA's line followed by its PMD records. 0, -EINVAL or -EIO. */
int mthp_space_write_head(const struct mthp_space *sp, FILE *f);
/* The end line, after the last record: how many VMAs and PMD records were
 * written. A reader refuses a snapshot without it as cut short. */
int mthp_space_write_end(size_t nvmas, size_t npmds, FILE *f);
int mthp_space_write_vma(const struct mthp_space_vma *vm, FILE *f);
int mthp_space_write_pmd(const struct mthp_space *sp,
			 const struct mthp_space_pmd *pmd, FILE *f);
/* A deep copy of src into dst (which it overwrites), for visiting one
 * space under several settings; 0, -EINVAL, -ENOMEM. Free dst with
 * mthp_space_free(), even on failure. */
int mthp_space_copy(struct mthp_space *dst, const struct mthp_space *src);
void mthp_space_free(struct mthp_space *sp);

/* What became of one PMD range in a visit. A range of a VMA that gets
 * no THP size is not eligible whatever its page table holds: khugepaged
 * checks the VMA first. */
enum mthp_space_outcome {
	MTHP_OUTCOME_NOT_ELIGIBLE, /* its VMA gets no THP size at all */
	MTHP_OUTCOME_NO_TABLE,     /* no page table: nothing to scan */
	MTHP_OUTCOME_ALREADY_HUGE, /* already mapped by a PMD */
	MTHP_OUTCOME_LEFT,         /* scanned; nothing collapsed */
	MTHP_OUTCOME_MTHP,         /* collapsed to mTHP (see the order) */
	MTHP_OUTCOME_PMD,          /* collapsed to a PMD */
	MTHP_OUTCOME_COUNT
};
/* An outcome in words ("collapsed to a PMD"), NULL for one out of range. */
const char *mthp_space_outcome_words(enum mthp_space_outcome o);

#define MTHP_SPACE_MAX_ROUNDS 64

/* Counters of a visit, per VMA or in total; in PMD ranges and PTEs. */
struct mthp_space_totals {
	unsigned long pmd_ranges, scanned, not_eligible, already_huge, no_table;
	unsigned long collapses[MTHP_MAX_PMD_ORDER + 1];
	/* PTEs mapping an anonymous page (a PMD mapping: HPAGE_PMD_NR) */
	unsigned long present_before, present_after;
	/* PTEs mapped by folios of each order >= 2, before and after */
	unsigned long huge_before[MTHP_MAX_PMD_ORDER + 1];
	unsigned long huge_after[MTHP_MAX_PMD_ORDER + 1];
	/* why a scanned range collapsed nothing: its run's result */
	unsigned long results[MTHP_SCAN_RESULT_COUNT];
	unsigned int rounds;       /* visits made (with rounds: until none changes) */
	/* after each visit (index 0: before the first): PTEs present, and
	 * PTEs in folios of order >= 2 (a PMD mapping counts) */
	unsigned long present_round[MTHP_SPACE_MAX_ROUNDS + 1];
	unsigned long huge_round[MTHP_SPACE_MAX_ROUNDS + 1];
};

/* Adds the counters of a to t (the visits of several spaces, a machine's
 * processes); rounds becomes the larger of the two. Nothing when either
 * is NULL. */
void mthp_space_totals_add(struct mthp_space_totals *t,
			   const struct mthp_space_totals *a);

struct mthp_space_visit_opts {
	size_t sz;                 /* sizeof(struct mthp_space_visit_opts) */
	enum mthp_model model;     /* 0: latest */
	int young;                 /* where it is unknown: 1 all young, -1 none, 0 as recorded */
	unsigned int rounds;       /* 0 or 1: one visit; N: until nothing changes, at most N (64) */
	/* called for each PMD range after its last visit, if not NULL */
	void (*each)(void *ctx, size_t vma, size_t pmd,
		     enum mthp_space_outcome outcome, unsigned int order);
	void *ctx;
};

/*
 * khugepaged's visit of every PMD range of sp, in address order, under
 * sp->settings and opts: scan, decide and attempt as mthp_simulate() does,
 * the VMA's flags and THP switch deciding which orders apply. sp changes
 * as the collapses do. per_vma (sp->nvmas entries) may be NULL.
 * 0, -EINVAL or -ENOMEM.
 */
int mthp_space_visit(struct mthp_space *sp,
		     const struct mthp_space_visit_opts *opts,
		     struct mthp_space_totals *per_vma,
		     struct mthp_space_totals *total);

/*
 * The same visit a range at a time, for a space that is streamed rather
 * than held: a visitor takes sp's settings (sp->settings and
 * sp->unknown; sp may then go) and opts, then the ranges in address
 * order, VMA by VMA (vm: the range's VMA, vma: its number), changing each
 * as its collapses do; _end() gives the totals per VMA (nvmas entries, at
 * least as many as the VMA numbers seen; NULL for none) and in all.
 * mthp_space_visit() is exactly this over a held space. 0, -EINVAL (an
 * invalid record or VMA flags) or -ENOMEM.
 */
struct mthp_space_visitor;
int mthp_space_visitor_new(struct mthp_space_visitor **v,
			   const struct mthp_space *sp,
			   const struct mthp_space_visit_opts *opts);
int mthp_space_visitor_pmd(struct mthp_space_visitor *v,
			   const struct mthp_space_vma *vm, size_t vma,
			   size_t index, struct mthp_space_pmd *pmd);
int mthp_space_visitor_end(struct mthp_space_visitor *v,
			   struct mthp_space_totals *per_vma, size_t nvmas,
			   struct mthp_space_totals *total);
/*
 * VMA number vma has had its last range (0.8): its totals into *t (may
 * be NULL), then forgotten - and every VMA numbered below it with them -
 * so a visitor of a stream holds one VMA at a time. _end() counts them in
 * the total and leaves their per_vma entries zero. VMA numbers after it
 * may come; ones up to it no longer can (-EINVAL).
 */
int mthp_space_visitor_vma_done(struct mthp_space_visitor *v, size_t vma,
				struct mthp_space_totals *t);
void mthp_space_visitor_free(struct mthp_space_visitor *v);

#ifdef __cplusplus
}
#endif

#endif
