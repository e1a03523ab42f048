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
};

/*
 * Reads the snapshot text format (mthpsim-scenario(5)), or a scenario
 * file as a one-PMD snapshot. Returns 0, or -EINVAL with *err located
 * (line, column); -ENOMEM. Free with mthp_space_free(), even on failure.
 */
int mthp_space_read(const char *text, size_t len, struct mthp_space *sp,
		    struct mthp_parse_error *err);
/* Writes sp in the text format; 0, or -EIO when f failed. */
int mthp_space_write(const struct mthp_space *sp, FILE *f);
/*
 * Snapshots a live process (pid 0: the calling one) under the running
 * kernel's settings (root NULL: /sys/kernel/mm/transparent_hugepage).
 * The process is not stopped: a page may change while it is read. Without
 * CAP_SYS_ADMIN there are no PFNs, so folio extents and the zero page are
 * recorded as unknown. Returns 0; -ESRCH (no such process), -EACCES,
 * -EPERM, or another -errno with *err naming the file.
 */
int mthp_space_snapshot(pid_t pid, const char *root, struct mthp_space *sp,
			struct mthp_parse_error *err);
void mthp_space_free(struct mthp_space *sp);

#ifdef __cplusplus
}
#endif

#endif
