// SPDX-License-Identifier: MIT
/*
 * mthpsim ktest, the process side: a child process that lays out one PMD
 * range of its own memory as a scenario's table says, reads it back, and
 * collapses it with MADV_COLLAPSE when told. Only the child's own memory
 * is touched; it dies with its parent.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coverage.h"
#include "ktest.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE 41
#endif

/* The builder's way out: _exit(), after writing a coverage build's counts
 * (which _exit() alone would lose). */
static _Noreturn void child_exit(int code)
{
	mthp_coverage_dump();
	_exit(code);
}

/* Waits to be killed (by its parent, or with it), after writing a
 * coverage build's counts: a SIGKILL leaves no chance to. */
static _Noreturn void wait_to_die(void)
{
	mthp_coverage_dump();
	for (;;)
		pause();
}

/* What the child says back: a stage and, on failure, why. */
struct reply {
	int ok;
	int err;              /* errno of MADV_COLLAPSE, or of a failed step */
	unsigned long addr;
	char msg[160];
};

static void say(int fd, const struct reply *r)
{
	if (write(fd, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		child_exit(3);
}

static _Noreturn void child_fail(int fd, int e, const char *what)
{
	struct reply r = { .ok = 0, .err = e };

	snprintf(r.msg, sizeof(r.msg), "%s: %s", what, strerror(e));
	say(fd, &r);
	child_exit(4);
}

static bool shared_pte(const struct mthp_pte *p)
{
	return p->kind == MTHP_PTE_PRESENT && (p->flags & MTHP_PTE_SHARED);
}

/* A process that may outlive mthpsim (a kept builder, its holder) lets go
 * of the caller's terminal and pipes: whoever reads mthpsim's output (a
 * pager, a test) waits for EOF on them. */
static void stdio_to_null(void)
{
	int null = open("/dev/null", O_RDWR);

	if (null < 0)
		return;
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
}

/*
 * The holder: a fork of the builder that keeps only the pages meant to be
 * shared (it drops its copy of every other page) and then waits to die
 * with the builder.
 */
static void fork_holder(const struct mthp_scenario *s, char *base,
			size_t page, int keep_fd, int *holder_pid)
{
	int ready[2];

	if (pipe(ready))
		child_fail(keep_fd, errno, "pipe");
	pid_t pid = fork();

	if (pid < 0)
		child_fail(keep_fd, errno, "fork (holder)");
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* no inherited pipe end may keep a reader waiting */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != ready[1])
				close(fd);
		stdio_to_null();
		for (unsigned int i = 0; i < s->geometry.pmd_nr; i++)
			if (!shared_pte(&s->ptes[i]))
				madvise(base + i * page, page, MADV_DONTNEED);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		wait_to_die();
	}
	close(ready[1]);
	char c;

	if (read(ready[0], &c, 1) != 1)
		child_fail(keep_fd, EIO, "the holder of the shared pages died");
	close(ready[0]);
	*holder_pid = pid;
}

static void fill(char *p, size_t page, unsigned int i)
{
	/* distinct data: no two pages alike, none all zero */
	for (size_t k = 0; k < page; k += sizeof(uint64_t))
		*(volatile uint64_t *)(p + k) = 0x6b74657374000000ull + i * 4096 + k;
}

/*
 * Registers the calling process's mm with khugepaged: MADV_HUGEPAGE alone
 * does not (seen on 6.18), a fault in an eligible VMA does. The VMA is the
 * process's own, apart from any range under test.
 */
static void register_mm(size_t pmd)
{
	/*
	 * A VMA that holds a whole aligned PMD range (older kernels register
	 * only such a VMA: 6.1's hugepage_vma_check() asks it of the VMA's
	 * last PMD), made of its own: a guard page on each side keeps it
	 * from merging with the case's VMA, whose flags it must not change.
	 */
	char *raw = mmap(NULL, 3 * pmd, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (raw == MAP_FAILED)
		return;
	char *d = (char *)(((uintptr_t)raw + pmd - 1) & ~(uintptr_t)(pmd - 1));

	if (mprotect(d, pmd, PROT_READ | PROT_WRITE))
		return;
	/*
	 * A page first, then MADV_HUGEPAGE: khugepaged takes an mm from
	 * madvise only when the VMA has an anon_vma already (7.x), and a
	 * fault registers it only on the PMD-size path - which a kernel
	 * with the PMD size off never takes, whatever sizes below it allow.
	 */
	d[0] = 1;
	madvise(d, pmd, MADV_HUGEPAGE);
}

/* Arms the range for userfaultfd (missing faults) after it is built, so
 * no fault of the build waits for a handler. The descriptor stays open
 * for the child's life. */
static void arm_uffd(char *base, size_t len, int reply_fd)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		child_fail(reply_fd, errno, "userfaultfd (vm.unprivileged_userfaultfd, or no CAP_SYS_PTRACE)");
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)base, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (ioctl(fd, UFFDIO_API, &api))
		child_fail(reply_fd, errno, "UFFDIO_API");
	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		child_fail(reply_fd, errno, "UFFDIO_REGISTER");
}

/* The folios of order 2 and up, faulted whole while the parent has only
 * their size enabled; then the PTEs the table leaves none inside them are
 * zapped, which leaves each folio whole and PTE-mapped. */
static void fault_folios(const struct mthp_scenario *s, char *base,
			 size_t page, int reply_fd)
{
	unsigned int nr = s->geometry.pmd_nr;

	if (prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0))
		child_fail(reply_fd, errno, "prctl(PR_SET_THP_DISABLE, 0)");
	for (unsigned int i = 0; i < nr; i++) {
		unsigned int k = s->ptes[i].folio_order;

		if (k && !(i & ((1u << k) - 1)))
			*(volatile char *)(base + i * page) = 1;
	}
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		child_fail(reply_fd, errno, "prctl(PR_SET_THP_DISABLE, 1)");
	for (unsigned int i = 0; i < nr; i++) {
		unsigned int k = s->ptes[i].folio_order;

		if (!k)
			continue;
		/* PTE i lies in the order-k folio at i & ~(2^k - 1) */
		for (unsigned int j = i & ~((1u << k) - 1); j < (i | ((1u << k) - 1)) + 1 && j < nr; j++)
			if (s->ptes[j].kind == MTHP_PTE_NONE)
				madvise(base + j * page, page, MADV_DONTNEED);
		i |= (1u << k) - 1;
	}
}

static bool in_folio(const struct mthp_scenario *s, unsigned int i)
{
	for (unsigned int k = 1; k < 16 && k < s->geometry.pmd_order; k++) {
		unsigned int start = i & ~((1u << k) - 1);

		for (unsigned int j = start; j < start + (1u << k) && j < s->geometry.pmd_nr; j++)
			if (s->ptes[j].kind == MTHP_PTE_PRESENT && s->ptes[j].folio_order == k)
				return true;
	}
	return false;
}

/* The builder: runs in the child; never returns. */
static _Noreturn void build(const struct kt_case *c, int cmd_fd, int reply_fd)
{
	const struct mthp_scenario *s = &c->s;
	size_t page = (size_t)1 << s->geometry.page_shift;
	size_t pmd = page * s->geometry.pmd_nr;
	int holder = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		child_exit(5);
	/* every fault below maps a small page: no THP, no huge zero page */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		child_fail(reply_fd, errno, "prctl(PR_SET_THP_DISABLE, 1)");
	char *raw = mmap(NULL, 2 * pmd, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (raw == MAP_FAILED)
		child_fail(reply_fd, errno, "mmap");
	/* keep exactly one aligned PMD range: the VMA is that range */
	uintptr_t a = ((uintptr_t)raw + pmd - 1) & ~(uintptr_t)(pmd - 1);
	char *base = (char *)a;

	if (base > raw)
		munmap(raw, (size_t)(base - raw));
	munmap(base + pmd, (size_t)(raw + 2 * pmd - (base + pmd)));
	if (s->vma_flags & MTHP_VMA_HUGEPAGE)
		if (madvise(base, pmd, MADV_HUGEPAGE))
			child_fail(reply_fd, errno, "madvise(MADV_HUGEPAGE)");
	if (s->vma_flags & MTHP_VMA_NOHUGEPAGE)
		if (madvise(base, pmd, MADV_NOHUGEPAGE))
			child_fail(reply_fd, errno, "madvise(MADV_NOHUGEPAGE)");

	if (s->pmd == MTHP_PMD_MAPPED) {
		for (unsigned int i = 0; i < s->geometry.pmd_nr; i++)
			fill(base + i * page, page, i);
		prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
		if (madvise(base, pmd, MADV_COLLAPSE))
			child_fail(reply_fd, errno, "MADV_COLLAPSE to make the PMD mapping");
	} else if (s->pmd == MTHP_PMD_TABLE) {
		bool shared = false, swap = false, folios = false;

		for (unsigned int i = 0; i < s->geometry.pmd_nr; i++) {
			const struct mthp_pte *p = &s->ptes[i];
			char *at = base + i * page;

			/* a folio's pages are faulted together, below */
			if (in_folio(s, i)) {
				folios = true;
				continue;
			}
			if (p->kind == MTHP_PTE_ZERO)
				(void)*(volatile char *)at;
			else if (p->kind == MTHP_PTE_PRESENT || p->kind == MTHP_PTE_SWAP)
				fill(at, page, i);
			shared |= shared_pte(p);
			swap |= p->kind == MTHP_PTE_SWAP;
		}
		if (folios) {
			fault_folios(s, base, page, reply_fd);
			for (unsigned int i = 0; i < s->geometry.pmd_nr; i++)
				if (s->ptes[i].kind == MTHP_PTE_PRESENT && s->ptes[i].folio_order)
					fill(base + i * page, page, i);
			for (unsigned int i = 0; i < s->geometry.pmd_nr; i++)
				shared |= shared_pte(&s->ptes[i]);
		}
		if (shared) {
			fork_holder(s, base, page, reply_fd, &holder);
			/* fork write-protected every page; write the unshared
			 * ones again, which makes their PTEs writable */
			for (unsigned int i = 0; i < s->geometry.pmd_nr; i++)
				if (s->ptes[i].kind == MTHP_PTE_PRESENT &&
				    !shared_pte(&s->ptes[i]))
					fill(base + i * page, page, i);
		}
		if (swap)
			for (unsigned int i = 0; i < s->geometry.pmd_nr; i++)
				if (s->ptes[i].kind == MTHP_PTE_SWAP)
					madvise(base + i * page, page, MADV_PAGEOUT);
	}
	if (s->vma_flags & MTHP_VMA_UFFD)
		arm_uffd(base, pmd, reply_fd);
	/* built, THP still off: read back before anything can collapse it */
	struct reply r = { .ok = 1, .addr = (unsigned long)a };

	say(reply_fd, &r);
	for (;;) {
		char cmd;

		if (read(cmd_fd, &cmd, 1) != 1)
			child_exit(0); /* the parent is gone */
		if (cmd == 'c' || cmd == 'k') {
			struct reply o = { .ok = 1, .addr = (unsigned long)a };

			/* THP back on, unless the case keeps it off */
			if (!c->thp_disabled && prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0))
				child_fail(reply_fd, errno, "prctl(PR_SET_THP_DISABLE, 0)");
			if (cmd == 'c') {
				int ret = madvise(base, pmd, MADV_COLLAPSE);

				o.err = ret ? errno : 0;
			} else {
				/* register the mm with khugepaged, which the
				 * faults (THP off) did not, in a VMA of its
				 * own so the range keeps its flags */
				register_mm(pmd);
			}
			say(reply_fd, &o);
		} else if (cmd == 'K') {
			/* kept for inspection: outlive the parent, until
			 * someone kills this process */
			struct reply o = { .ok = 1, .addr = (unsigned long)a };

			prctl(PR_SET_PDEATHSIG, 0);
			say(reply_fd, &o);
			close(cmd_fd);
			close(reply_fd);
			stdio_to_null();
			setsid();
			wait_to_die();
		} else {
			if (holder)
				kill(holder, SIGKILL);
			child_exit(0);
		}
	}
}

int kt_start(const struct kt_case *c, struct kt_child *ch, char *why,
	     size_t whylen)
{
	int cmd[2], reply[2];

	if (pipe(cmd)) {
		snprintf(why, whylen, "a pipe to the builder: %s", strerror(errno));
		return -1;
	}
	if (pipe(reply)) {
		snprintf(why, whylen, "a pipe from the builder: %s", strerror(errno));
		close(cmd[0]);
		close(cmd[1]);
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(why, whylen, "the builder process: %s", strerror(errno));
		close(cmd[0]);
		close(cmd[1]);
		close(reply[0]);
		close(reply[1]);
		return -1;
	}
	if (!pid) {
		close(cmd[1]);
		close(reply[0]);
		kt_lock_forget();
		build(c, cmd[0], reply[1]);
	}
	close(cmd[0]);
	close(reply[1]);
	ch->pid = pid;
	ch->cmd = cmd[1];
	ch->reply = reply[0];

	struct reply r;

	if (read(ch->reply, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
		snprintf(why, whylen, "the builder process died before the table was made");
		kt_stop(ch);
		return -1;
	}
	if (!r.ok) {
		snprintf(why, whylen, "%s", r.msg);
		kt_stop(ch);
		return -1;
	}
	ch->addr = r.addr;
	return 0;
}

int kt_act(struct kt_child *ch, bool khugepaged, int *err_out)
{
	struct reply r;

	if (write(ch->cmd, khugepaged ? "k" : "c", 1) != 1 ||
	    read(ch->reply, &r, sizeof(r)) != (ssize_t)sizeof(r))
		return -1;
	*err_out = r.err;
	return 0;
}

pid_t kt_pacer(const struct mthp_geometry *g)
{
	size_t pmd = (size_t)g->pmd_nr << g->page_shift;
	pid_t pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	register_mm(pmd);
	wait_to_die();
}

int kt_keep(struct kt_child *ch)
{
	struct reply r;

	if (write(ch->cmd, "K", 1) != 1 ||
	    read(ch->reply, &r, sizeof(r)) != (ssize_t)sizeof(r))
		return -1;
	close(ch->cmd);
	close(ch->reply);
	ch->pid = 0; /* no longer ours to end */
	return 0;
}

void kt_stop(struct kt_child *ch)
{
	if (ch->pid <= 0)
		return;
	if (write(ch->cmd, "q", 1) != 1)
		kill(ch->pid, SIGKILL);
	close(ch->cmd);
	close(ch->reply);
	waitpid(ch->pid, NULL, 0);
	ch->pid = 0;
}
