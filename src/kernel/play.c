// SPDX-License-Identifier: MIT
/*
 * One ktest case on the running kernel: can it be built here, the table
 * built in a child process and read back, MADV_COLLAPSE or khugepaged's
 * full scans, the range read again, and the model's outcome beside it.
 * Returns what was seen; the caller reports it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kernel-files.h"
#include "ktest.h"
#include "mthpcollapse/space.h"

bool kt_have_swap(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int n = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n > 1; /* a header line, then one per device */
}

/*
 * The model that stands for the running kernel: from its release and what
 * its sysfs shows - per-size hugepages-<size>kB/enabled (6.8 on), and the
 * series' hugepages-<size>kB/stats/collapse_* counters. The reason, with
 * the release, goes to seen.
 */
enum mthp_model kt_kernel_model(char *seen, size_t len)
{
	const char *root = MTHP_THP_SYSFS;
	DIR *d = opendir(root);
	struct dirent *de;
	unsigned int features = 0;
	struct utsname u;
	enum mthp_model m = MTHP_MODEL_BASELINE;
	const char *why = "the release could not be read";

	while (d && (de = readdir(d))) {
		char path[512];

		if (strncmp(de->d_name, "hugepages-", 10))
			continue;
		snprintf(path, sizeof(path), "%s/%s/enabled", root, de->d_name);
		if (!access(path, F_OK))
			features |= MTHP_KERNEL_SIZE_CONTROLS;
		snprintf(path, sizeof(path), "%s/%s/stats/collapse_alloc", root,
			 de->d_name);
		if (!access(path, F_OK))
			features |= MTHP_KERNEL_COLLAPSE_STATS;
	}
	if (d)
		closedir(d);
	if (!(features & MTHP_KERNEL_SIZE_CONTROLS))
		features |= MTHP_KERNEL_NO_SIZE_CONTROLS;
	if (!(features & MTHP_KERNEL_COLLAPSE_STATS))
		features |= MTHP_KERNEL_NO_COLLAPSE_STATS;
	if (uname(&u) || mthp_model_for_kernel(u.release, features, &m, &why))
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(seen, len, "Linux %s: %s", u.release, why);
	return m;
}

/* thp_collapse_alloc and thp_collapse_alloc_failed from /proc/vmstat. */
static void vmstat_collapse(long *alloc, long *failed)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char line[128];

	*alloc = *failed = 0;
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "thp_collapse_alloc %ld", alloc);
		sscanf(line, "thp_collapse_alloc_failed %ld", failed);
	}
	if (f)
		fclose(f);
}

/* What the states of a table look like read back: the same kind, and
 * for a present page whether it is shared. Young is not readable. */
static char class_of(const struct mthp_pte *p)
{
	switch (p->kind) {
	case MTHP_PTE_NONE: return '.';
	case MTHP_PTE_ZERO: return 'z';
	case MTHP_PTE_SWAP: return 'w';
	case MTHP_PTE_PRESENT: return p->flags & MTHP_PTE_SHARED ? 'S' : 'P';
	default: return '?';
	}
}

/* The order of the case's existing large folios, 0 when it has none. */
unsigned int kt_folio_order(const struct mthp_scenario *s)
{
	for (unsigned int i = 0; s->pmd == MTHP_PMD_TABLE && i < s->geometry.pmd_nr; i++)
		if (s->ptes[i].kind == MTHP_PTE_PRESENT && s->ptes[i].folio_order)
			return s->ptes[i].folio_order;
	return 0;
}

/* For faulting folios of order k: that size always, every other never. */
static const char *folio_settings(const struct mthp_geometry *g, unsigned int k,
				  char *buf, size_t len)
{
	for (unsigned int o = MTHP_MIN_ORDER; o <= g->pmd_order; o++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "hugepages-%lukB/enabled", mthp_order_kb(g->page_shift, o));
		int r = kt_set(rel, o == k ? "always" : "never");

		if (r && r != -ENOENT) {
			snprintf(buf, len, "writing %s: %s", rel, strerror(-r));
			return buf;
		}
	}
	return NULL;
}

/* Why a case cannot be built here, or NULL; *cause says whose the
 * limit is: the scenario's (a state or a rule userspace cannot make),
 * the kernel's (it has no such setting), or this machine's (no swap
 * device, no root) - which a guest could have. */
static const char *unbuildable(const struct kt_case *c,
			       const struct mthp_geometry *live, bool swap,
			       char *buf, size_t len, const char **cause)
{
	const struct mthp_scenario *s = &c->s;

	*cause = "scenario";
	if (strcmp(s->geometry.name, live->name) ||
	    s->geometry.pmd_nr != live->pmd_nr) {
		snprintf(buf, len, "geometry %s; the running kernel's is %s",
			 s->geometry.name, live->name);
		return buf;
	}
	if (s->nfails)
		return "fail rules cannot be played on a kernel";
	if (s->pmd != MTHP_PMD_TABLE)
		return NULL;
	for (unsigned int i = 0; i < s->geometry.pmd_nr; i++) {
		const struct mthp_pte *p = &s->ptes[i];

		if (p->kind == MTHP_PTE_SWAP && !swap) {
			*cause = "machine";
			return "no swap device (/proc/swaps lists none): swap entries cannot be made";
		}
		if (class_of(p) == '?' ||
		    (p->kind == MTHP_PTE_PRESENT &&
		     (p->flags & ~(MTHP_PTE_YOUNG | MTHP_PTE_SHARED)))) {
			snprintf(buf, len, "PTE %u is '%c', a state userspace cannot make",
				 i, mthp_pte_state_char(p));
			return buf;
		}
		if (c->khugepaged && p->kind == MTHP_PTE_PRESENT &&
		    !(p->flags & MTHP_PTE_YOUNG)) {
			snprintf(buf, len, "PTE %u is '%c', not young: an old page needs page idle tracking, which this version does not use",
				 i, mthp_pte_state_char(p));
			return buf;
		}
	}
	/* folios: one order per case (the fault takes the largest enabled
	 * size that fits), of a size the kernel has, holding only present
	 * and none PTEs */
	unsigned int k = kt_folio_order(s);

	for (unsigned int i = 0; k && i < s->geometry.pmd_nr; i++) {
		const struct mthp_pte *p = &s->ptes[i];

		if (p->kind == MTHP_PTE_PRESENT && p->folio_order && p->folio_order != k) {
			snprintf(buf, len, "folios of orders %u and %u: one order per case is built",
				 k, p->folio_order);
			return buf;
		}
	}
	if (k) {
		char path[160];

		snprintf(path, sizeof(path), MTHP_THP_SYSFS "/hugepages-%lukB/enabled",
			 mthp_order_kb(s->geometry.page_shift, k));
		if (access(path, W_OK)) {
			snprintf(buf, len, "folios of order %u: %s is not there to fault them", k, path);
			*cause = errno == ENOENT ? "kernel" : "machine";
			return buf;
		}
		for (unsigned int i = 0; i < s->geometry.pmd_nr; i += 1u << k) {
			bool folio = false, other = false;

			for (unsigned int j = i; j < i + (1u << k); j++) {
				folio |= s->ptes[j].kind == MTHP_PTE_PRESENT && s->ptes[j].folio_order;
				other |= s->ptes[j].kind != MTHP_PTE_PRESENT &&
					 s->ptes[j].kind != MTHP_PTE_NONE;
			}
			if (folio && other) {
				snprintf(buf, len, "the folio at PTE %u holds a zero-page or swap PTE, which a fault cannot leave",
					 i);
				return buf;
			}
		}
	}
	return NULL;
}

/* The range as the kernel has it: 0, or -1 with why. ptes gets pmd_nr
 * entries (all none when the range holds nothing). */
static int read_range(pid_t pid, unsigned long addr, unsigned int nr,
		      enum mthp_pmd_state *pmd, struct mthp_pte *ptes,
		      char *why, size_t len)
{
	struct mthp_space sp;
	struct mthp_parse_error e;

	memset(ptes, 0, nr * sizeof(*ptes));
	*pmd = MTHP_PMD_NONE;
	if (mthp_space_snapshot_range(pid, NULL, addr, &sp, &e)) {
		snprintf(why, len, "reading the range back: %s", e.msg);
		mthp_space_free(&sp);
		return -1;
	}
	if (sp.unknown & (MTHP_UNKNOWN_ZERO | MTHP_UNKNOWN_FOLIO)) {
		snprintf(why, len, "no PFNs in /proc/PID/pagemap (not root): the zero page and folios cannot be told");
		mthp_space_free(&sp);
		return -1;
	}
	for (size_t i = 0; i < sp.npmds; i++) {
		if (sp.pmds[i].addr != addr)
			continue;
		*pmd = sp.pmds[i].pmd;
		if (sp.pmds[i].pmd == MTHP_PMD_TABLE)
			memcpy(ptes, sp.pmds[i].ptes, nr * sizeof(*ptes));
	}
	mthp_space_free(&sp);
	return 0;
}


/* A word of the kernel's command line that contains SUB (a boot parameter
 * such as one that forbids the zero page), copied to BUF; false if none. */
static bool boot_param_with(char *buf, size_t len, const char *sub)
{
	char line[4096];
	FILE *f = fopen("/proc/cmdline", "r");
	bool found = false;

	if (!f)
		return false;
	if (fgets(line, sizeof(line), f))
		for (char *w = strtok(line, " \n"); w && !found; w = strtok(NULL, " \n"))
			if (strstr(w, sub) && strlen(w) < len) {
				snprintf(buf, len, "%s", w);
				found = true;
			}
	fclose(f);
	return found;
}
/* Where the built table differs from the scenario's, or NULL. */
static const char *built_differs(const struct kt_case *c,
				 enum mthp_pmd_state pmd,
				 const struct mthp_pte *got, char *buf,
				 size_t len)
{
	const struct mthp_scenario *s = &c->s;
	unsigned int nr = s->geometry.pmd_nr;

	if (s->pmd == MTHP_PMD_MAPPED)
		return pmd == MTHP_PMD_MAPPED ? NULL
			: "asked for a PMD mapping; found a page table";
	if (pmd == MTHP_PMD_MAPPED)
		return "found a PMD mapping where a page table was asked for";
	for (unsigned int i = 0; s->pmd == MTHP_PMD_TABLE && i < nr; i++) {
		if (class_of(&s->ptes[i]) == class_of(&got[i]) &&
		    (s->ptes[i].kind != MTHP_PTE_PRESENT ||
		     s->ptes[i].folio_order == got[i].folio_order))
			continue;
		if (class_of(&s->ptes[i]) == class_of(&got[i])) {
			snprintf(buf, len, "PTE %u maps a folio of order %u; the scenario says order %u",
				 i, got[i].folio_order, s->ptes[i].folio_order);
			return buf;
		}
		if (s->ptes[i].kind == MTHP_PTE_ZERO && class_of(&got[i]) == 'P') {
			char param[64], why[80] = "the zero page forbidden?";

			if (boot_param_with(param, sizeof(param), "no_zero_page"))
				snprintf(why, sizeof(why), "'%s'", param);
			snprintf(buf, len, "PTE %u: this kernel maps a private page on a read fault, not the shared zero page (booted with %s)",
				 i, why);
			return buf;
		}
		char map[200];

		mthp_map_format(got + i, nr - i > 16 ? 16 : nr - i, map, sizeof(map));
		snprintf(buf, len, "PTE %u is '%c' in the scenario; found %s from there",
			 i, mthp_pte_state_char(&s->ptes[i]), map);
		return buf;
	}
	return NULL;
}

/* Full scans ktest waits for, past the first two, while the range still
 * changes: the visits the model makes past its first at most. */
#define KT_MORE_SCANS 6

static void kernel_ranges(const struct kt_case *c, enum mthp_pmd_state pmd,
			  const struct mthp_pte *got, struct kt_outcome *o);

/* The model's outcome for the case: under MADV_COLLAPSE one call, for
 * khugepaged its visits until nothing changes. */
static int model_outcome(const struct kt_case *c, enum mthp_model m,
			 struct kt_outcome *o)
{
	struct mthp_scenario s;
	struct mthp_sim_result r;
	int e = mthp_scenario_copy(&s, &c->s);

	if (e)
		return e;
	s.model = m;
	s.mode = c->khugepaged ? MTHP_MODE_KHUGEPAGED : MTHP_MODE_MADVISE;
	/* a process with THP disabled has no eligible VMA: as predict
	 * treats it */
	if (c->thp_disabled)
		s.vma_flags = (s.vma_flags & ~MTHP_VMA_HUGEPAGE) | MTHP_VMA_NOHUGEPAGE;
	e = mthp_sim_result_init(&r, &s.geometry);
	if (e) {
		mthp_scenario_free(&s);
		return e;
	}
	e = mthp_simulate(&s, &r);
	o->result = r.result;
	o->err = mthp_madvise_errno(m, r.result);
	/* khugepaged: its visits until one collapses nothing (as ktest waits
	 * for the kernel's), and what they made in all */
	for (int more = 0; !e && c->khugepaged && r.ncollapses && more < KT_MORE_SCANS; more++)
		e = mthp_simulate(&s, &r);
	o->collapsed = s.pmd == MTHP_PMD_MAPPED;
	o->vm_alloc = (long)r.vmstat[MTHP_VMSTAT_COLLAPSE_ALLOC];
	o->vm_failed = (long)r.vmstat[MTHP_VMSTAT_COLLAPSE_ALLOC_FAILED];
	if (c->khugepaged)
		kernel_ranges(c, s.pmd, s.ptes, o);
	mthp_sim_result_free(&r);
	mthp_scenario_free(&s);
	return e;
}

/* The ranges khugepaged made: a PMD mapping, or the folios of order 2 and
 * up that the table did not have before. */
static void kernel_ranges(const struct kt_case *c, enum mthp_pmd_state pmd,
			  const struct mthp_pte *got, struct kt_outcome *o)
{
	const struct mthp_scenario *s = &c->s;
	unsigned int nr = s->geometry.pmd_nr;

	o->nranges = 0;
	if (pmd == MTHP_PMD_MAPPED) {
		if (s->pmd != MTHP_PMD_MAPPED)
			o->ranges[o->nranges++] = (struct mthp_range){ 0, s->geometry.pmd_order };
		return;
	}
	for (unsigned int i = 0; i < nr;) {
		unsigned int k = got[i].kind == MTHP_PTE_PRESENT ? got[i].folio_order : 0;

		if (k >= MTHP_MIN_ORDER && !(i & ((1u << k) - 1)) &&
		    s->ptes[i].folio_order != k && o->nranges < 64) {
			o->ranges[o->nranges++] = (struct mthp_range){ i, k };
			i += 1u << k;
			continue;
		}
		i++;
	}
}

static bool same_ranges(const struct kt_outcome *a, const struct kt_outcome *b)
{
	return mthp_ranges_equal(a->ranges, a->nranges, b->ranges, b->nranges);
}

/* The case's settings, written for khugepaged; NULL or what failed. */
static const char *apply_settings(const struct kt_case *c, char *buf, size_t len)
{
	const struct mthp_scenario *s = &c->s;
	const struct mthp_geometry *g = &s->geometry;
	char v[32], rel[64];
	struct { const char *rel; unsigned int v; } nums[] = {
		{ "khugepaged/max_ptes_none", s->max_ptes_none },
		{ "khugepaged/max_ptes_swap", s->max_ptes_swap },
		{ "khugepaged/max_ptes_shared", s->max_ptes_shared },
		{ "khugepaged/pages_to_scan", g->pmd_nr * 8 },
		/* last: writing it wakes khugepaged */
		{ "khugepaged/scan_sleep_millisecs", 10 },
	};

	for (unsigned int k = MTHP_MIN_ORDER; k <= g->pmd_order; k++) {
		snprintf(rel, sizeof(rel), "hugepages-%lukB/enabled",
			 mthp_order_kb(g->page_shift, k));
		int r = kt_set(rel, mthp_thp_setting_name(s->thp.order[k]));

		if (r && r != -ENOENT) {
			snprintf(buf, len, "writing %s: %s", rel, strerror(-r));
			return buf;
		}
	}
	if (kt_set("enabled", mthp_thp_setting_name(s->thp.enabled))) {
		snprintf(buf, len, "writing enabled: %s", strerror(errno));
		return buf;
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		snprintf(v, sizeof(v), "%u", nums[i].v);
		int r = kt_set(nums[i].rel, v);

		if (r) {
			snprintf(buf, len, "writing %s: %s", nums[i].rel, strerror(-r));
			return buf;
		}
	}
	return NULL;
}

/* Whether the khugepaged thread exists: the kernel stops it when no size
 * is enabled (enabled never, or every hugepages-*kB/enabled never). */
static bool khugepaged_running(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d))) {
		char path[300], comm[32] = "";

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		FILE *f = fopen(path, "r");

		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "khugepaged\n"))
			found = true;
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

/* n increments of full_scans: with two, every registered mm, ours
 * included, has been visited since. NULL, or why not. A stopped
 * khugepaged visits nothing: that is the outcome, seen after a settling
 * moment. */
static const char *wait_scans(unsigned int n, unsigned int seconds)
{
	unsigned long start = kt_full_scans();

	usleep(100000);
	if (!khugepaged_running()) {
		usleep(400000);
		if (!khugepaged_running())
			return NULL;
	}
	for (unsigned int ms = 0; ms < seconds * 1000; ms += 20) {
		if (kt_full_scans() >= start + n)
			return NULL;
		usleep(20000);
	}
	return "timed out: khugepaged did not finish its full scans";
}

const char *kt_errno_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	default: return strerror(e);
	}
}

/* The case played; the outcomes, verdict and reason into p. */
static void play_case(const struct kt_case *c, enum mthp_model m,
		      const struct mthp_geometry *live, bool swap, struct kt_child *chp,
		      struct kt_play *p, struct mthp_pte *got, struct mthp_pte *prev)
{
	char *why = p->why;
	const size_t whylen = sizeof(p->why);
	const char *skip, *cause = "machine";
	struct kt_child ch = { 0 };
	struct kt_outcome k = { 0 }, mo = { 0 };
	enum kt_verdict v = KT_SKIP;
	unsigned int nr = c->s.geometry.pmd_nr;
	enum mthp_pmd_state pmd;

	skip = unbuildable(c, live, swap, why, whylen, &cause);
	if (skip)
		goto report;
	cause = "machine";
	if (c->khugepaged) {
		skip = apply_settings(c, why, whylen);
		if (skip)
			goto report;
	}
	unsigned int fk = kt_folio_order(&c->s);

	if (fk) {
		skip = folio_settings(&c->s.geometry, fk, why, whylen);
		if (skip)
			goto report;
	}
	int started = kt_start(c, &ch, why, whylen);

	if (fk) {
		/* the faults are done: the settings as the case has them */
		kt_guard_reset();
		if (c->khugepaged && !skip)
			skip = apply_settings(c, why + strlen(why), whylen - strlen(why));
		if (skip)
			goto report;
	}
	if (started) {
		snprintf(why + strlen(why), whylen - strlen(why), "%s",
			 " (could not build)");
		skip = why;
		goto report;
	}
	if (read_range(ch.pid, ch.addr, nr, &pmd, got, why, whylen)) {
		skip = why;
		goto report;
	}
	char diff[256];
	const char *bad = built_differs(c, pmd, got, diff, sizeof(diff));

	if (bad) {
		snprintf(why, whylen, "could not build: %s", bad);
		/* a read fault that maps a private page: the kernel's
		 * command line forbids the zero page */
		if (strstr(bad, "not the shared zero page"))
			cause = "kernel";
		skip = why;
		goto report;
	}
	long a0, f0;

	vmstat_collapse(&a0, &f0);
	if (kt_act(&ch, c->khugepaged, &k.err)) {
		skip = "the process holding the range died";
		goto report;
	}
	if (c->khugepaged) {
		skip = wait_scans(2, 30);
		if (skip)
			goto report;
	}
	if (read_range(ch.pid, ch.addr, nr, &pmd, got, why, whylen)) {
		skip = why;
		goto report;
	}
	/* khugepaged: then until a full scan changes nothing - a visit can
	 * leave work for the next (a folio the LRU batch still held) - as
	 * the model's visits run until they collapse nothing */
	for (int more = 0; c->khugepaged && more < KT_MORE_SCANS; more++) {
		enum mthp_pmd_state before = pmd;

		memcpy(prev, got, nr * sizeof(*got));
		if (wait_scans(1, 30) ||
		    read_range(ch.pid, ch.addr, nr, &pmd, got, why, whylen))
			break;
		if (pmd == before && !memcmp(prev, got, nr * sizeof(*got)))
			break;
	}
	k.collapsed = pmd == MTHP_PMD_MAPPED;
	vmstat_collapse(&k.vm_alloc, &k.vm_failed);
	k.vm_alloc -= a0;
	k.vm_failed -= f0;
	kernel_ranges(c, pmd, got, &k);
	int e = model_outcome(c, m, &mo);

	if (e) {
		snprintf(why, whylen, "the model refused the case: %s", strerror(-e));
		skip = why;
		cause = "scenario";
		goto report;
	}
	if (c->khugepaged)
		v = same_ranges(&k, &mo) ? KT_AGREE : KT_DIFFER;
	else
		v = k.collapsed == mo.collapsed && k.err == mo.err ? KT_AGREE : KT_DIFFER;
report:
	p->verdict = v;
	p->kernel = k;
	p->model = mo;
	if (v == KT_SKIP && skip != why)
		snprintf(why, whylen, "%s", skip);
	p->cause = v == KT_SKIP ? cause : NULL;
	*chp = ch;
}

int kt_play(const struct kt_case *c, enum mthp_model m,
	    const struct mthp_geometry *live, bool swap, bool keep,
	    struct kt_play *p)
{
	unsigned int nr = c->s.geometry.pmd_nr;
	struct mthp_pte *got = calloc(nr, sizeof(*got)), *prev = calloc(nr, sizeof(*prev));
	struct kt_child ch = { 0 };

	memset(p, 0, sizeof(*p));
	if (!got || !prev) {
		free(got);
		free(prev);
		return -ENOMEM;
	}
	play_case(c, m, live, swap, &ch, p, got, prev);
	if (p->verdict == KT_DIFFER && keep && ch.pid > 0) {
		pid_t kept = ch.pid;

		if (!kt_keep(&ch)) {
			p->kept = kept;
			p->kept_addr = ch.addr;
		}
	}
	kt_stop(&ch);
	free(got);
	free(prev);
	return 0;
}
