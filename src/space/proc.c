// SPDX-License-Identifier: MIT
/*
 * A live process read through /proc: smaps for the VMAs and their flags,
 * status for the THP switch, pagemap per page, kpageflags per PFN when
 * visible - the whole process, or one PMD range and its VMA.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "space-internal.h"
#include "models.h"
#include "mthpcollapse/space.h"

/* ---- a live process ---- */

#define PM_PFN_MASK ((1ull << 55) - 1)
#define PM_EXCLUSIVE (1ull << 56)
#define PM_UFFD_WP (1ull << 57)
#define PM_SWAP (1ull << 62)
#define PM_PRESENT (1ull << 63)
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_ZERO_PAGE 24

static int sys_err(struct mthp_parse_error *e, int code, const char *path)
{
	return mthp_error(e, code, 0, 0, "%.180s: %s", path, strerror(-code));
}

static uint64_t kflags(int fd, uint64_t pfn, bool *ok)
{
	uint64_t v = 0;

	if (pread(fd, &v, 8, (off_t)(pfn * 8)) != 8)
		*ok = false;
	return v;
}

/* The PTEs of one PMD range from pagemap (and kpageflags, kfd >= 0). */
static int read_range(struct mthp_space *sp, int pfd, int kfd,
		      struct mthp_space_pmd *p, uint64_t *pm, bool *empty,
		      bool *pfn_hidden)
{
	const struct mthp_geometry *g = &sp->settings.geometry;
	unsigned int nr = g->pmd_nr;
	size_t bytes = (size_t)nr * 8;

	if (pread(pfd, pm, bytes, (off_t)((p->addr >> g->page_shift) * 8)) != (ssize_t)bytes)
		return -EIO;
	*empty = true;
	for (unsigned int i = 0; i < nr; i++) {
		struct mthp_pte *t = &p->ptes[i];
		uint64_t e = pm[i];

		*t = (struct mthp_pte){ 0 };
		if (e & PM_PRESENT) {
			*empty = false;
			t->kind = MTHP_PTE_PRESENT;
			/* young is never exposed: recorded young, and unknown */
			t->flags = MTHP_PTE_YOUNG;
			if (!(e & PM_EXCLUSIVE))
				t->flags |= MTHP_PTE_SHARED;
			if (e & PM_UFFD_WP)
				t->flags |= MTHP_PTE_UFFD_WP;
			bool ok = true;
			uint64_t pfn = e & PM_PFN_MASK;

			*pfn_hidden |= pfn == 0; /* zeroed without CAP_SYS_ADMIN */
			if (kfd >= 0 && pfn &&
			    kflags(kfd, pfn, &ok) & (1ull << KPF_ZERO_PAGE) && ok)
				*t = (struct mthp_pte){ .kind = MTHP_PTE_ZERO };
		} else if (e & PM_SWAP) {
			*empty = false;
			t->kind = MTHP_PTE_SWAP;
			if (e & PM_UFFD_WP)
				t->flags |= MTHP_PTE_UFFD_WP;
		}
	}
	if (kfd < 0)
		return 0;
	/*
	 * Folios: the head of a present PTE's page (itself, or found back
	 * from a tail), and its size from the tails after it. A folio is
	 * recorded when every present PTE of its naturally aligned range
	 * maps its own page of it - also when some of its pages are no
	 * longer mapped (MADV_DONTNEED on a THP leaves the folio whole and
	 * PTE-mapped): the folio line keeps the pages it still maps.
	 */
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t pfn = pm[i] & PM_PFN_MASK;
		bool ok = true;

		if (p->ptes[i].kind != MTHP_PTE_PRESENT || !pfn || p->ptes[i].folio_order)
			continue;
		uint64_t fl = kflags(kfd, pfn, &ok), head = pfn;

		if (!ok || !(fl & ((1ull << KPF_COMPOUND_HEAD) | (1ull << KPF_COMPOUND_TAIL))))
			continue;
		/* back to the head: at most a PMD's worth of tails */
		for (unsigned int back = 0; ok && back < nr &&
		     (kflags(kfd, head, &ok) & (1ull << KPF_COMPOUND_TAIL)); back++)
			head--;
		if (!ok || !(kflags(kfd, head, &ok) & (1ull << KPF_COMPOUND_HEAD)) || !ok)
			continue;
		unsigned int n = 1;

		while (n < nr && (kflags(kfd, head + n, &ok) & (1ull << KPF_COMPOUND_TAIL)) && ok)
			n++;
		unsigned int order = mthp_ilog2(n);
		uint64_t off = pfn - head;

		if (n != 1u << order || !order || off >= n || off > i)
			continue;
		unsigned int start = i - (unsigned int)off;

		if (start & (n - 1) || start + n > nr)
			continue;
		bool fits = true, all = true;

		for (unsigned int k = 0; k < n && fits; k++) {
			uint64_t e = pm[start + k];

			if (!(e & PM_PRESENT)) {
				all = false; /* none or swapped: does not map it */
				continue;
			}
			fits = (e & PM_PFN_MASK) == head + k;
		}
		if (!fits)
			continue; /* a present PTE of the range maps something else */
		if (order == g->pmd_order && all) {
			/* every page of a PMD-size folio, in order: pagemap
			 * cannot tell a PMD mapping from this, and the kernel
			 * maps a whole PMD THP by its PMD */
			p->pmd = MTHP_PMD_MAPPED;
			mthp_space_drop_ptes(sp, p);
			return 0;
		}
		struct mthp_scenario one = sp->settings;

		one.ptes = p->ptes;
		mthp_scenario_set_folio(&one, start, order);
	}
	return 0;
}

/*
 * PAGEMAP_SCAN (Linux 6.7): the populated stretches of [start, end), so
 * that a huge, mostly empty VMA costs one call instead of a read per PMD
 * range. The layout is the kernel's uapi (linux/fs.h), spelled out here
 * because older distribution headers lack it.
 */
struct kc_page_region {
	uint64_t start, end, categories;
};
struct kc_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};
#define KC_PAGEMAP_SCAN _IOWR('f', 16, struct kc_pm_scan_arg)
#define KC_PAGE_IS_PRESENT (1 << 3)
#define KC_PAGE_IS_SWAPPED (1 << 4)

/*
 * Calls visit(addr) for each PMD range of [first, end) that holds a
 * present or swapped page. Returns 0, or -1 when the kernel has no
 * PAGEMAP_SCAN (the caller then reads every range).
 */
static int populated_ranges(int pfd, unsigned long first, unsigned long end,
			    unsigned long size, int (*visit)(void *, unsigned long),
			    void *ctx)
{
	struct kc_page_region vec[256];
	unsigned long at = first, last = 0;
	bool any = false;

	while (at < end) {
		struct kc_pm_scan_arg arg = {
			.size = sizeof(arg), .start = at, .end = end,
			.vec = (uint64_t)(uintptr_t)vec, .vec_len = 256,
			.category_anyof_mask = KC_PAGE_IS_PRESENT | KC_PAGE_IS_SWAPPED,
			.return_mask = KC_PAGE_IS_PRESENT | KC_PAGE_IS_SWAPPED,
		};
		long n = ioctl(pfd, KC_PAGEMAP_SCAN, &arg);

		if (n < 0)
			return -1;
		for (long i = 0; i < n; i++) {
			for (unsigned long a = vec[i].start & ~(size - 1);
			     a < vec[i].end && a + size <= end; a += size) {
				if (a < first || (any && a <= last))
					continue;
				any = true;
				last = a;
				int r = visit(ctx, a);

				if (r)
					return r;
			}
		}
		if (arg.walk_end <= at)
			break;
		at = arg.walk_end;
	}
	return 0;
}

struct snap_ctx {
	struct mthp_space *sp;
	int pfd, kfd;
	uint64_t *pm;
	bool *pfn_hidden;
	struct mthp_parse_error *err;
};

/* Records the PMD range at addr if anything is there. */
static int snap_range(void *c, unsigned long addr)
{
	struct snap_ctx *x = c;
	struct mthp_space_pmd *p = mthp_space_add_pmd(x->sp, addr, MTHP_PMD_TABLE);
	bool empty;

	if (!p)
		return -ENOMEM;
	if (read_range(x->sp, x->pfd, x->kfd, p, x->pm, &empty, x->pfn_hidden))
		/* the mm went away while it was read: no partial snapshot */
		return mthp_error(x->err, -ESRCH, 0, 0,
				  "process %ld exited while it was read (its pagemap at 0x%lx could not be read): the snapshot would be partial",
				  x->sp->pid, addr);
	if (empty && p->pmd == MTHP_PMD_TABLE)
		mthp_space_drop_last_pmd(x->sp); /* nothing in it: not listed */
	return 0;
}

/* When the process started (its /proc stat field 22), 0 when it is gone
 * or exiting: a PID reused by another process has another start. */
static unsigned long long start_time(long pid)
{
	char path[64], buf[1024];
	unsigned long long t = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	fclose(f);
	buf[n] = 0;
	/* after the command, which may hold spaces and parentheses: field 3
	 * the state, 9 the flags, 22 the start time */
	char *p = strrchr(buf, ')');
	char state = p && p[1] == ' ' ? p[2] : 'X';
	unsigned long flags = 0;

	for (int field = 2; p && field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (p && field == 8)
			flags = strtoul(p + 1, NULL, 10);
	}
	if (p)
		t = strtoull(p + 1, NULL, 10);
	/* a zombie, or a task on its way out (PF_EXITING): its memory is
	 * going or gone */
	if (state == 'Z' || state == 'X' || (flags & 0x4))
		return 0;
	return t;
}

static unsigned int smaps_flags(const char *line)
{
	unsigned int f = 0;

	for (const char *w = line; *w;) {
		w += strspn(w, " \t\n");
		size_t l = strcspn(w, " \t\n");

		if (l == 2 && !strncmp(w, "hg", 2))
			f |= MTHP_VMA_HUGEPAGE;
		else if (l == 2 && !strncmp(w, "nh", 2))
			f |= MTHP_VMA_NOHUGEPAGE;
		else if (l == 2 && (!strncmp(w, "um", 2) || !strncmp(w, "uw", 2) ||
				    !strncmp(w, "ui", 2)))
			f |= MTHP_VMA_UFFD;
		w += l;
	}
	return f;
}

static int snapshot(pid_t pid, const char *root, struct mthp_space *sp,
		    struct mthp_parse_error *err, bool one, unsigned long only);

MTHP_EXPORT int mthp_space_snapshot(pid_t pid, const char *root,
				   struct mthp_space *sp, struct mthp_parse_error *err)
{
	return snapshot(pid, root, sp, err, false, 0);
}

MTHP_EXPORT int mthp_space_snapshot_range(pid_t pid, const char *root,
					 unsigned long addr, struct mthp_space *sp,
					 struct mthp_parse_error *err)
{
	return snapshot(pid, root, sp, err, true, addr);
}

/* The whole process, or (one) the PMD range at only and its VMA alone. */
static int snapshot(pid_t pid, const char *root, struct mthp_space *sp,
		    struct mthp_parse_error *err, bool one, unsigned long only)
{
	struct mthp_parse_error dummy;
	char path[128], line[512];
	struct mthp_geometry g;

	if (!mthp_begin(sp, sizeof(*sp), &err, &dummy))
		return -EINVAL;
	int r = mthp_live_geometry(root, &g, err);

	if (r)
		return r;
	if (mthp_scenario_init(&sp->settings, &g))
		return -ENOMEM;
	r = mthp_live_settings(root, &sp->settings, err);
	if (r)
		return r;
	sp->pid = pid ? pid : getpid();
	snprintf(path, sizeof(path), "/proc/%ld/comm", sp->pid);
	FILE *f = fopen(path, "r");

	if (!f)
		return sys_err(err, errno == ENOENT ? -ESRCH : -errno, path);
	if (fgets(sp->comm, sizeof(sp->comm), f))
		sp->comm[strcspn(sp->comm, "\n")] = 0;
	fclose(f);
	/* the process's THP switch (PR_SET_THP_DISABLE) */
	bool disabled = false;

	snprintf(path, sizeof(path), "/proc/%ld/status", sp->pid);
	f = fopen(path, "r");
	if (!f)
		return sys_err(err, errno == ENOENT ? -ESRCH : -errno, path);
	bool user_memory = false;

	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "THP_enabled:", 12))
			disabled = atoi(line + 12) == 0;
		/* a kernel thread has no Vm* lines: no mm */
		if (!strncmp(line, "VmSize:", 7))
			user_memory = true;
	}
	fclose(f);
	if (!user_memory)
		return mthp_error(err, -ENODATA, 0, 0,
				  "process %ld (%s) is a kernel thread, or has exited: it has no user memory",
				  sp->pid, sp->comm);
	unsigned long long born = start_time(sp->pid);

	if (!born)
		return mthp_error(err, -ESRCH, 0, 0, "process %ld: exited", sp->pid);

	snprintf(path, sizeof(path), "/proc/%ld/pagemap", sp->pid);
	int pfd = open(path, O_RDONLY | O_CLOEXEC);

	if (pfd < 0)
		return sys_err(err, errno == ENOENT ? -ESRCH : -errno, path);
	int kfd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	uint64_t *pm = malloc((size_t)g.pmd_nr * 8);

	sp->unknown = MTHP_UNKNOWN_YOUNG;
	snprintf(path, sizeof(path), "/proc/%ld/smaps", sp->pid);
	f = fopen(path, "r");
	if (!f || !pm) {
		r = !pm ? -ENOMEM : sys_err(err, errno == ENOENT ? -ESRCH : -errno, path);
		goto out;
	}
	unsigned long size = (unsigned long)g.pmd_nr << g.page_shift;
	unsigned long start = 0, end = 0;
	bool anon = false, have = false, pfn_hidden = false;

	while (true) {
		bool more = fgets(line, sizeof(line), f) != NULL;
		unsigned long s0, e0;
		char perms[8] = "";
		int n = 0;

		if (more && sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &s0, &e0, perms, &n) == 3) {
			have = true;
			start = s0;
			end = e0;
			/* anonymous private: no file, or the heap and the stack */
			const char *name = line + n;

			name += strspn(name, " \t");
			anon = perms[3] == 'p' && (!*name || *name == '\n' ||
						   !strncmp(name, "[heap]", 6) ||
						   !strncmp(name, "[stack]", 7));
			continue;
		}
		if (more && strncmp(line, "VmFlags:", 8))
			continue;
		if (!have)
			break;
		/* the process is not stopped: smaps may show a VMA that changed
		 * while it was read twice; the later, overlapping view is left out */
		if (anon && sp->nvmas && start < sp->vmas[sp->nvmas - 1].end)
			anon = false;
		/* one range: its VMA alone, the range read whether or not the
		 * kernel reports it populated */
		if (one && (only & (size - 1) || only < start || only + size > end ||
			    only + size < only))
			anon = false;
		if (anon && one) {
			struct snap_ctx x = { sp, pfd, kfd, pm, &pfn_hidden, err };

			if ((r = mthp_space_add_vma(sp, start, end, smaps_flags(line + 8),
						    disabled, sp->npmds)) ||
			    (r = snap_range(&x, only)))
				goto out;
		} else if (anon) {
			unsigned long first = (start + size - 1) & ~(size - 1);

			if ((r = mthp_space_add_vma(sp, start, end, smaps_flags(line + 8),
						    disabled, sp->npmds)))
				goto out;
			struct snap_ctx x = { sp, pfd, kfd, pm, &pfn_hidden, err };
			unsigned long last = end & ~(size - 1);

			r = first < last ? populated_ranges(pfd, first, last, size,
							    snap_range, &x) : 0;
			/* before Linux 6.7: every range, one read each */
			for (unsigned long a = first; r == -1 && a + size <= end &&
			     a + size > a; a += size)
				if ((r = snap_range(&x, a)) != 0)
					goto out;
			if (r && r != -1)
				goto out;
			r = 0;
		}
		have = false;
		if (!more)
			break;
	}
	if (ferror(f)) {
		r = mthp_error(err, -ESRCH, 0, 0,
			       "process %ld exited while its smaps was read: the snapshot would be partial",
			       sp->pid);
		goto out;
	}
	/* the same process to the end: else what was read may be partial */
	if (start_time(sp->pid) != born) {
		r = mthp_error(err, -ESRCH, 0, 0,
			       "process %ld exited while it was read: the snapshot would be partial",
			       sp->pid);
		goto out;
	}
	/* without PFNs (no CAP_SYS_ADMIN) folios and the zero page are unknown */
	if (kfd < 0 || pfn_hidden)
		sp->unknown |= MTHP_UNKNOWN_FOLIO | MTHP_UNKNOWN_ZERO;
	r = 0;
out:
	if (f)
		fclose(f);
	free(pm);
	close(pfd);
	if (kfd >= 0)
		close(kfd);
	return r;
}
