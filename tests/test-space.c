// SPDX-License-Identifier: MIT
/*
 * Address-space snapshots: this test's own memory, faulted in known
 * patterns, read back through /proc; the text format both ways; and its
 * located errors. Expected PTE maps are the patterns themselves.
 */
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mthpcollapse/space.h"


static const struct mthp_space_pmd *find_pmd(const struct mthp_space *sp,
					     const void *addr)
{
	for (size_t i = 0; i < sp->npmds; i++)
		if (sp->pmds[i].addr == (unsigned long)addr)
			return &sp->pmds[i];
	return NULL;
}

static void map_of(const struct mthp_space *sp, const struct mthp_space_pmd *p,
		   char *buf, size_t size)
{
	assert_non_null(p);
	assert_int_equal(p->pmd, MTHP_PMD_TABLE);
	mthp_map_format(p->ptes, sp->settings.geometry.pmd_nr, buf, size);
}

#define THP_DIR "/sys/kernel/mm/transparent_hugepage/"

/* A number in a sysfs file; 0 when there is none. */
static unsigned long sysfs_number(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long v = 0;

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* n PMD ranges of fresh anonymous memory, aligned to pmd_size and mapped
 * alone (the rest of what was reserved to align them is given back);
 * munmap(start, n * pmd_size) frees them. */
static char *map_ranges(size_t pmd_size, unsigned int n)
{
	size_t len = (n + 1) * pmd_size;
	char *raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(raw != MAP_FAILED);
	char *a = (char *)(((uintptr_t)raw + pmd_size - 1) & ~(uintptr_t)(pmd_size - 1));

	if (a > raw)
		assert_int_equal(munmap(raw, (size_t)(a - raw)), 0);
	if (a + n * pmd_size < raw + len)
		assert_int_equal(munmap(a + n * pmd_size,
					(size_t)(raw + len - (a + n * pmd_size))), 0);
	return a;
}

/*
 * Whether the kernel gave this read-faulted page a private page of its own
 * rather than the shared zero page (some kernels forbid the zero page, as
 * s390 guests and a few vendor builds do): pagemap's "exclusively mapped"
 * bit, read here straight from /proc, apart from the library.
 */
static bool read_fault_private(const void *addr)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t e = 0;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &e, 8, (off_t)((uintptr_t)addr / page * 8)), 8);
	close(fd);
	assert_true(e >> 63);             /* present */
	return e >> 56 & 1;               /* exclusively mapped */
}

static void live_self(void **state)
{
	struct mthp_space sp;
	struct mthp_parse_error e;
	long page = sysconf(_SC_PAGESIZE);
	int r = mthp_space_snapshot(0, NULL, &sp, &e);

	if (r == -ENOENT || r == -EACCES) {
		/* no THP sysfs, or no /proc access here */
		printf("# skipped: %s\n", e.msg);
		mthp_space_free(&sp);
		return;
	}
	assert_int_equal(r, 0);
	size_t pmd_size = (size_t)sp.settings.geometry.pmd_nr << sp.settings.geometry.page_shift;

	mthp_space_free(&sp);

	/* three PMD ranges, aligned, 4K pages only: khugepaged and the
	 * fault path leave a MADV_NOHUGEPAGE VMA alone; a fourth after
	 * them, never touched */
	char *region = map_ranges(pmd_size, 4);

	assert_int_equal(madvise(region, 3 * pmd_size, MADV_NOHUGEPAGE), 0);
	char *a = region, *b = region + pmd_size, *c = region + 2 * pmd_size;
	volatile char sink = 0;

	for (int i = 0; i < 100; i++)
		a[i * page] = 1;              /* A: pages 0..99 written */
	for (int i = 0; i < 64; i += 2)
		b[i * page] = 1;              /* B: every other page of 64 */
	for (int i = 0; i < 10; i++)
		sink += c[i * page];          /* C: 10 pages read: the zero page */
	(void)sink;

	assert_int_equal(mthp_space_snapshot(0, NULL, &sp, &e), 0);
	assert_true(sp.pid == getpid());
	assert_true(sp.unknown & MTHP_UNKNOWN_YOUNG);
	/* the VMA that holds the region, with its flag */
	const struct mthp_space_vma *vma = NULL;

	for (size_t i = 0; i < sp.nvmas; i++)
		if (sp.vmas[i].start <= (unsigned long)a &&
		    sp.vmas[i].end >= (unsigned long)c + pmd_size)
			vma = &sp.vmas[i];
	assert_non_null(vma);
	assert_true(vma->flags & MTHP_VMA_NOHUGEPAGE);

	unsigned int nr = sp.settings.geometry.pmd_nr;
	char got[8192], want[8192];

	map_of(&sp, find_pmd(&sp, a), got, sizeof(got));
	snprintf(want, sizeof(want), "P*100 .*%u", nr - 100);
	assert_string_equal(got, want);
	map_of(&sp, find_pmd(&sp, b), got, sizeof(got));
	want[0] = 0;
	for (int i = 0; i < 64; i += 2)
		strcat(want, i ? " P ." : "P .");
	snprintf(want + strlen(want), sizeof(want) - strlen(want), "*%u", nr - 63);
	assert_string_equal(got, want);
	map_of(&sp, find_pmd(&sp, c), got, sizeof(got));
	bool c_private = read_fault_private(c);

	if (c_private) {
		printf("# this kernel maps a private page on a read fault, not the zero page\n");
		snprintf(want, sizeof(want), "P*10 .*%u", nr - 10);
	} else if (sp.unknown & MTHP_UNKNOWN_ZERO) {
		/* no PFNs: the zero page looks like a present shared page */
		printf("# no PFNs (not CAP_SYS_ADMIN): the zero page is unknown\n");
		snprintf(want, sizeof(want), "S*10 .*%u", nr - 10);
	} else {
		snprintf(want, sizeof(want), "z*10 .*%u", nr - 10);
	}
	assert_string_equal(got, want);
	/* the range past C was never touched: no page table */
	const struct mthp_space_pmd *d = find_pmd(&sp, c + pmd_size);

	if (d)
		assert_int_equal(d->pmd, MTHP_PMD_NONE);

	/* the text format both ways */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct mthp_space back;

	assert_int_equal(mthp_space_write(&sp, f), 0);
	fclose(f);
	assert_int_equal(mthp_space_read(text, len, &back, &e), 0);
	assert_int_equal(back.npmds, sp.npmds);
	assert_int_equal(back.nvmas, sp.nvmas);
	assert_int_equal(back.unknown, sp.unknown);
	for (size_t i = 0; i < sp.npmds; i++) {
		assert_int_equal(back.pmds[i].addr, sp.pmds[i].addr);
		assert_int_equal(back.pmds[i].pmd, sp.pmds[i].pmd);
		for (unsigned int k = 0; sp.pmds[i].ptes && k < nr; k++) {
			assert_int_equal(back.pmds[i].ptes[k].kind, sp.pmds[i].ptes[k].kind);
			assert_int_equal(back.pmds[i].ptes[k].flags, sp.pmds[i].ptes[k].flags);
			assert_int_equal(back.pmds[i].ptes[k].folio_order,
					 sp.pmds[i].ptes[k].folio_order);
		}
	}
	assert_int_equal(back.settings.thp.enabled, sp.settings.thp.enabled);

	/*
	 * What khugepaged would do to ranges A, B and C under settings not
	 * applied: enabled always, the 64K size and the PMD size, max_ptes_none
	 * 0, and the VMA without its MADV_NOHUGEPAGE. By hand: A (pages 0..99)
	 * has six full order-4 windows (0..95) and no full PMD; B (every other
	 * page) and C (zero pages, which count as none) have no full window.
	 * Present before = after: 100 + 32 (+ 0 zero pages; + 10 where the
	 * zero page is unknown or the kernel gave C private pages).
	 */
	struct mthp_space_totals per[256], tot;
	struct mthp_space_visit_opts vo = { .sz = sizeof(vo), .young = 1 };

	assert_true(back.nvmas <= 256);
	assert_int_equal(mthp_scenario_set(&back.settings, "enabled", "always", &e), 0);
	assert_int_equal(mthp_scenario_set(&back.settings, "orders", "4,9", &e), 0);
	assert_int_equal(mthp_scenario_set(&back.settings, "max_ptes_none", "0", &e), 0);
	size_t vi = (size_t)(vma - sp.vmas);

	back.vmas[vi].flags = 0;
	back.vmas[vi].thp_disabled = false;
	assert_int_equal(mthp_space_visit(&back, &vo, per, &tot), 0);
	assert_int_equal(per[vi].collapses[4], 6);
	assert_int_equal(per[vi].collapses[9], 0);
	unsigned long pages = 100 + 32 +
			      ((c_private || (sp.unknown & MTHP_UNKNOWN_ZERO)) ? 10 : 0);

	assert_int_equal(per[vi].present_before, pages);
	assert_int_equal(per[vi].present_after, pages);
	assert_int_equal(per[vi].huge_after[4], 6 * 16);
	mthp_space_free(&back);
	free(text);
	mthp_space_free(&sp);
	munmap(region, 4 * pmd_size);
}

/* AnonHugePages of the VMA of /proc/self/smaps that holds addr, in KiB;
 * -1 when the VMA or the line is not found. */
static long anon_huge_kib(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	long kib = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') <
		    strchr(line, ' ')) {
			in = lo <= (uintptr_t)addr && (uintptr_t)addr < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

/*
 * A PMD-size THP of this process's own, faulted in under MADV_HUGEPAGE,
 * read back as a PMD-mapped range (its PTEs are found to be one folio of
 * the PMD order in kpageflags). Whether the kernel gave one is read from
 * smaps, apart from the library; where it did not (THP never, no memory,
 * no PFNs) the test says why and checks nothing more.
 */
static void live_thp(void **state)
{
	struct mthp_space sp;
	struct mthp_parse_error e;
	size_t size = sysfs_number(THP_DIR "hpage_pmd_size");

	(void)state;
	if (!size) {
		printf("# skipped: no THP sysfs here\n");
		return;
	}
	char *a = map_ranges(size, 1);

	if (madvise(a, size, MADV_HUGEPAGE)) {
		printf("# skipped: MADV_HUGEPAGE refused (%s)\n", strerror(errno));
		munmap(a, size);
		return;
	}
	memset(a, 1, size);
	if (anon_huge_kib(a) < (long)(size >> 10)) {
		printf("# skipped: the kernel gave no THP here (THP never, or no memory)\n");
		munmap(a, size);
		return;
	}
	int r = mthp_space_snapshot(0, NULL, &sp, &e);

	if (r == -ENOENT || r == -EACCES) {
		printf("# skipped: %s\n", e.msg);
		munmap(a, size);
		return;
	}
	assert_int_equal(r, 0);
	if (sp.unknown & MTHP_UNKNOWN_FOLIO) {
		printf("# skipped: no PFNs (not CAP_SYS_ADMIN): folios are unknown\n");
		mthp_space_free(&sp);
		munmap(a, size);
		return;
	}
	const struct mthp_space_pmd *p = find_pmd(&sp, a);

	assert_non_null(p);
	assert_int_equal(p->pmd, MTHP_PMD_MAPPED);
	assert_null(p->ptes);
	mthp_space_free(&sp);

	/*
	 * One page dropped: the PMD mapping is split into PTEs, the folio
	 * stays one PMD-size folio that 511 PTEs still map. The snapshot
	 * records it with the pages it maps: a table, PTE 5 none, every
	 * present PTE in the folio of the PMD order starting at 0.
	 */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned int nr = (unsigned int)(size / page);

	/* khugepaged, woken when this VMA became eligible, would collapse
	 * the range back into a new THP (511 of 512 present): the VMA stops
	 * being eligible first, which leaves the folio as it is */
	assert_int_equal(madvise(a, size, MADV_NOHUGEPAGE), 0);
	assert_int_equal(madvise(a + 5 * page, page, MADV_DONTNEED), 0);
	r = mthp_space_snapshot(0, NULL, &sp, &e);
	assert_int_equal(r, 0);
	p = find_pmd(&sp, a);
	assert_non_null(p);
	if (p->pmd == MTHP_PMD_TABLE && p->ptes[0].folio_order == 0) {
		/* the kernel split the folio at once (it may, under memory
		 * pressure or with the THP shrinker): nothing partial to see */
		printf("# skipped: the folio was split when the page was dropped\n");
	} else {
		assert_int_equal(p->pmd, MTHP_PMD_TABLE);
		assert_int_equal(p->ptes[5].kind, MTHP_PTE_NONE);
		for (unsigned int i = 0; i < nr; i++) {
			if (i == 5)
				continue;
			assert_int_equal(p->ptes[i].kind, MTHP_PTE_PRESENT);
			assert_int_equal(p->ptes[i].folio_order, mthp_ilog2(nr));
		}
	}
	mthp_space_free(&sp);
	munmap(a, size);
}

/*
 * Multi-size THP, read live: needs a size enabled, so it changes the
 * machine's THP settings, and only when asked (MTHP_TEST_SYSFS=1, as CI
 * does on its throwaway machines; root). The 64K size is set always and
 * the PMD size never; teardown puts both back.
 */
#define MTHP_64K THP_DIR "hugepages-64kB/"

static char saved_64k[16], saved_pmd[16], pmd_enabled[96];

/* The bracketed word of a sysfs setting file into word; false if none. */
static bool sysfs_word(const char *path, char *word, size_t size)
{
	FILE *f = fopen(path, "r");
	char line[128] = "";
	bool ok = f && fgets(line, sizeof(line), f);

	if (f)
		fclose(f);
	char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;

	if (!ok || !b || (size_t)(b - a) > size)
		return false;
	snprintf(word, size, "%.*s", (int)(b - a - 1), a + 1);
	return true;
}

static bool sysfs_put(const char *path, const char *word)
{
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(word, f) >= 0;

	return f ? fclose(f) == 0 && ok : false;
}

static int mthp_restore(void **state)
{
	(void)state;
	if (saved_64k[0])
		sysfs_put(MTHP_64K "enabled", saved_64k);
	if (saved_pmd[0])
		sysfs_put(pmd_enabled, saved_pmd);
	saved_64k[0] = saved_pmd[0] = 0;
	return 0;
}

/*
 * 256 KiB written at the start of a PMD-aligned range under 64K always
 * and the PMD size never: the kernel's fault path gives 64K folios, so
 * by hand PTEs 0..63 are present, in four folios of order 4 (0, 16, 32,
 * 48), and the rest none. Whether the kernel did allocate 64K folios is
 * read from its own counter (hugepages-64kB/stats/anon_fault_alloc),
 * apart from the library.
 */
static void live_mthp(void **state)
{
	const char *ask = getenv("MTHP_TEST_SYSFS");
	size_t pmd_size;
	struct mthp_space sp;
	struct mthp_parse_error e;

	(void)state;
	if (!ask || strcmp(ask, "1") || geteuid() != 0 ||
	    sysconf(_SC_PAGESIZE) != 4096 || access(MTHP_64K "enabled", W_OK)) {
		printf("# skipped: changes the THP settings: needs MTHP_TEST_SYSFS=1, root, 4K pages and the 64K size\n");
		return;
	}
	pmd_size = sysfs_number(THP_DIR "hpage_pmd_size");
	snprintf(pmd_enabled, sizeof(pmd_enabled), THP_DIR "hugepages-%lukB/enabled",
		 pmd_size >> 10);
	assert_true(sysfs_word(MTHP_64K "enabled", saved_64k, sizeof(saved_64k)));
	assert_true(sysfs_word(pmd_enabled, saved_pmd, sizeof(saved_pmd)));
	assert_true(sysfs_put(MTHP_64K "enabled", "always"));
	assert_true(sysfs_put(pmd_enabled, "never"));

	unsigned long before = sysfs_number(MTHP_64K "stats/anon_fault_alloc");
	char *a = map_ranges(pmd_size, 1);

	memset(a, 1, 256 << 10);
	if (sysfs_number(MTHP_64K "stats/anon_fault_alloc") < before + 4) {
		printf("# skipped: the kernel gave no 64K folios here (no memory?)\n");
		munmap(a, pmd_size);
		return;
	}
	assert_int_equal(mthp_space_snapshot(0, NULL, &sp, &e), 0);
	assert_false(sp.unknown & MTHP_UNKNOWN_FOLIO);
	const struct mthp_space_pmd *p = find_pmd(&sp, a);
	char got[8192];

	map_of(&sp, p, got, sizeof(got));
	snprintf(got + strlen(got), sizeof(got) - strlen(got), " |");
	for (unsigned int i = 0; i < 64; i++) {
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%u",
			 i ? "," : " ", p->ptes[i].folio_order);
	}
	char want[8192];

	snprintf(want, sizeof(want), "P*64 .*%u |", sp.settings.geometry.pmd_nr - 64);
	for (unsigned int i = 0; i < 64; i++)
		strcat(want, i ? ",4" : " 4");
	assert_string_equal(got, want);
	assert_int_equal(p->ptes[64].folio_order, 0);
	mthp_space_free(&sp);
	munmap(a, pmd_size);
}

/* The start of the hand-written snapshots below: ppc64 64K, a
 * hugepage VMA with a PTE table and a PMD-mapped range. */
#define TWO_VMAS_HEAD \
	"geometry = ppc64-radix-64k\n" \
	"hugepages-256kB/enabled = always\n" \
	"unknown = young\n" \
	"vma 0x10000000-0x10600000 hugepage\n" \
	"pmd 0x10000000 table\n" \
	"ptes = P*16 S*4 w .*11\n" \
	"folio = 0 4\n" \
	"pmd 0x10200000 mapped\n"

/* A hand-written snapshot, and a scenario as a one-PMD snapshot. */
static void text_format(void **state)
{
	static const char snap[] =
		TWO_VMAS_HEAD
		"vma 0x20000000-0x20200000 nohugepage thp_disabled\n"
		"pmd 0x20000000 none\n"
		"end 2 3\n";
	struct mthp_space sp;
	struct mthp_parse_error e;

	assert_int_equal(mthp_space_read(snap, strlen(snap), &sp, &e), 0);
	assert_string_equal(sp.settings.geometry.name, "ppc64-radix-64k");
	assert_int_equal(sp.settings.thp.order[2], MTHP_THP_ALWAYS);
	assert_int_equal(sp.unknown, MTHP_UNKNOWN_YOUNG);
	assert_int_equal(sp.nvmas, 2);
	assert_int_equal(sp.npmds, 3);
	assert_int_equal(sp.vmas[0].flags, MTHP_VMA_HUGEPAGE);
	assert_int_equal(sp.vmas[0].count, 2);
	assert_true(sp.vmas[1].thp_disabled);
	assert_int_equal(sp.pmds[0].ptes[15].folio_order, 4);
	assert_int_equal(sp.pmds[0].ptes[20].kind, MTHP_PTE_SWAP);
	assert_int_equal(sp.pmds[1].pmd, MTHP_PMD_MAPPED);
	assert_int_equal(sp.pmds[2].pmd, MTHP_PMD_NONE);

	/*
	 * A copy is visited without touching the original. By hand, latest
	 * on ppc64 64K (32 PTEs, PMD order 5; defaults: max_ptes_none 31,
	 * swap 4, shared 16): the first range has 16 present, 4 shared, 1
	 * swapped and 11 none - within every limit - so the PMD collapse is
	 * tried first and succeeds (the swap entry is read back in). The
	 * mapped range is already huge; the last VMA is thp_disabled.
	 */
	struct mthp_space cp;
	struct mthp_space_totals tot;
	struct mthp_space_visit_opts vo = { .sz = sizeof(vo), .young = 1 };

	assert_int_equal(mthp_space_copy(&cp, &sp), 0);
	assert_int_equal(cp.nvmas, 2);
	assert_int_equal(cp.npmds, 3);
	assert_ptr_not_equal(cp.pmds[0].ptes, sp.pmds[0].ptes);
	assert_int_equal(mthp_space_visit(&cp, &vo, NULL, &tot), 0);
	assert_int_equal(tot.collapses[5], 1);
	assert_int_equal(tot.already_huge, 1);
	assert_int_equal(tot.not_eligible, 1);
	assert_int_equal(cp.pmds[0].pmd, MTHP_PMD_MAPPED);
	assert_int_equal(sp.pmds[0].pmd, MTHP_PMD_TABLE);
	assert_int_equal(sp.pmds[0].ptes[20].kind, MTHP_PTE_SWAP);
	mthp_space_free(&cp);
	assert_int_equal(mthp_space_copy(&cp, NULL), -EINVAL);
	mthp_space_free(&cp);
	mthp_space_free(&sp);

	const char *scn = "max_ptes_none = 0\nptes = P*511 w\n";

	assert_int_equal(mthp_space_read(scn, strlen(scn), &sp, &e), 0);
	assert_int_equal(sp.nvmas, 1);
	assert_int_equal(sp.npmds, 1);
	assert_int_equal(sp.settings.max_ptes_none, 0);
	assert_int_equal(sp.pmds[0].ptes[511].kind, MTHP_PTE_SWAP);
	mthp_space_free(&sp);
}

static int count_range(void *ctx, struct mthp_space *sp, size_t vma,
		       size_t index, struct mthp_space_pmd *p)
{
	(void)sp;
	(void)vma;
	(void)index;
	(void)p;
	(*(unsigned int *)ctx)++;
	return 0;
}

/* What a streamed read hands on, kept to compare with a held read. */
struct kept {
	struct mthp_space_pmd pmd[8];
	struct mthp_pte ptes[8][32];
	size_t vma[8], index[8];
	unsigned int n;
	struct mthp_space_visitor *v;
	struct mthp_space_visit_opts o;
};

static int keep_range(void *ctx, struct mthp_space *sp, size_t vma,
		      size_t index, struct mthp_space_pmd *p)
{
	struct kept *k = ctx;

	assert_true(k->n < 8);
	k->pmd[k->n] = *p;
	if (p->ptes) {
		memcpy(k->ptes[k->n], p->ptes, sizeof(k->ptes[0]));
		k->pmd[k->n].ptes = k->ptes[k->n];
	}
	k->vma[k->n] = vma;
	k->index[k->n++] = index;
	/* the settings are all there once the first range comes */
	if (!k->v)
		assert_int_equal(mthp_space_visitor_new(&k->v, sp, &k->o), 0);
	return mthp_space_visitor_pmd(k->v, &sp->vmas[vma], vma, index, p);
}

/*
 * The streamed read hands on exactly the records a held read keeps, in
 * order, and keeps none itself; a visitor fed by it gives the held
 * visit's totals; the write in parts is the write whole.
 */
static void streamed(void **state)
{
	static const char snap[] =
		TWO_VMAS_HEAD
		"pmd 0x10400000 table\n"
		"ptes = .*28 p*4\n"
		"vma 0x20000000-0x20200000 nohugepage thp_disabled\n"
		"pmd 0x20000000 none\n"
		"end 2 4\n";
	static struct kept k;
	struct mthp_space held, sp;
	struct mthp_parse_error e;
	FILE *f = fmemopen((void *)snap, strlen(snap), "r");

	k.o = (struct mthp_space_visit_opts){ .sz = sizeof(k.o), .young = 1 };
	assert_non_null(f);
	assert_int_equal(mthp_space_read_stream(f, &sp, keep_range, &k, &e), 0);
	fclose(f);
	assert_int_equal(mthp_space_read(snap, strlen(snap), &held, &e), 0);
	assert_int_equal(k.n, 4);
	assert_int_equal(held.npmds, 4);
	assert_int_equal(sp.npmds, 0); /* nothing kept */
	assert_int_equal(sp.nvmas, 2);
	for (unsigned int i = 0; i < 4; i++) {
		const struct mthp_space_pmd *h = &held.pmds[i];

		assert_int_equal(k.index[i], i);
		assert_int_equal(k.vma[i], i < 3 ? 0 : 1);
		assert_int_equal(k.pmd[i].addr, h->addr);
		assert_int_equal(k.pmd[i].pmd, h->pmd);
		assert_int_equal(!k.pmd[i].ptes, !h->ptes);
		for (unsigned int j = 0; h->ptes && j < 32; j++) {
			assert_int_equal(k.ptes[i][j].kind, h->ptes[j].kind);
			assert_int_equal(k.ptes[i][j].flags & ~MTHP_PTE_YOUNG,
					 h->ptes[j].flags & ~MTHP_PTE_YOUNG);
			assert_int_equal(k.ptes[i][j].folio_order, h->ptes[j].folio_order);
		}
	}
	assert_int_equal(sp.vmas[0].first, 0);
	assert_int_equal(sp.vmas[0].count, 3);
	assert_int_equal(sp.vmas[1].first, 3);
	assert_int_equal(sp.vmas[1].count, 1);

	/*
	 * The totals, by hand. Range 1 (16 P, 4 S, a swap, 11 none; ppc64
	 * 64K defaults: none 31, swap 4, shared 16): the PMD collapse, as in
	 * text_format. Range 2 is mapped. Range 3: 28 none, 4 old present
	 * made young (young = all): 28 <= 31, so the PMD collapse too. Range
	 * 4 is in a thp_disabled VMA: not eligible.
	 */
	struct mthp_space_totals streamed_t, held_t, per[2];

	assert_int_equal(mthp_space_visitor_end(k.v, per, 2, &streamed_t), 0);
	mthp_space_visitor_free(k.v);
	assert_int_equal(mthp_space_visit(&held, &k.o, NULL, &held_t), 0);
	assert_int_equal(memcmp(&streamed_t, &held_t, sizeof(held_t)), 0);
	assert_int_equal(held_t.collapses[5], 2);
	assert_int_equal(held_t.already_huge, 1);
	assert_int_equal(held_t.not_eligible, 1);
	assert_int_equal(per[0].scanned, 2);
	assert_int_equal(per[1].pmd_ranges, 1);
	/* present before: 16 + 4 (swap and none are not), then 32 (mapped),
	 * 4, and none; after: three PMD mappings of 32 */
	assert_int_equal(held_t.present_before, 20 + 32 + 4);
	assert_int_equal(held_t.present_after, 3 * 32);

	/* the write in parts is the write whole */
	char *whole = NULL, *parts = NULL;
	size_t wl = 0, pl = 0;
	FILE *a = open_memstream(&whole, &wl), *b = open_memstream(&parts, &pl);

	assert_int_equal(mthp_space_write(&held, a), 0);
	assert_int_equal(mthp_space_write_head(&held, b), 0);
	for (size_t v = 0; v < held.nvmas; v++) {
		assert_int_equal(mthp_space_write_vma(&held.vmas[v], b), 0);
		for (size_t i = held.vmas[v].first;
		     i < held.vmas[v].first + held.vmas[v].count; i++)
			assert_int_equal(mthp_space_write_pmd(&held, &held.pmds[i], b), 0);
	}
	assert_int_equal(mthp_space_write_end(held.nvmas, held.npmds, b), 0);
	fclose(a);
	fclose(b);
	assert_int_equal(wl, pl);
	assert_memory_equal(whole, parts, wl);
	free(whole);
	free(parts);
	mthp_space_free(&held);
	mthp_space_free(&sp);
}

/* What a read that holds no VMA hands on, and when. */
struct by_vma {
	struct mthp_space_visitor *v;
	struct mthp_space_visit_opts o;
	size_t ranges, ends, held_max;
	size_t vma_of_end[4];
	struct mthp_space_totals per[4];
	unsigned long starts[4];
};

static int by_vma_pmd(void *ctx, struct mthp_space *sp, const struct mthp_space_vma *vm,
		      size_t vma, size_t index, struct mthp_space_pmd *p)
{
	struct by_vma *b = ctx;

	assert_int_equal(index, b->ranges++);
	if (sp->nvmas > b->held_max)
		b->held_max = sp->nvmas;
	if (!b->v)
		assert_int_equal(mthp_space_visitor_new(&b->v, sp, &b->o), 0);
	return mthp_space_visitor_pmd(b->v, vm, vma, index, p);
}

static int by_vma_end(void *ctx, struct mthp_space *sp, const struct mthp_space_vma *vm,
		      size_t vma)
{
	struct by_vma *b = ctx;

	assert_true(b->ends < 4);
	if (!b->v)
		assert_int_equal(mthp_space_visitor_new(&b->v, sp, &b->o), 0);
	b->starts[b->ends] = vm->start;
	b->vma_of_end[b->ends] = vma;
	assert_int_equal(mthp_space_visitor_vma_done(b->v, vma, &b->per[b->ends]), 0);
	b->ends++;
	return 0;
}

/*
 * The read that holds no VMA: each VMA handed on after its last range,
 * the last only once the end line came, and at most one held at a time;
 * the visitor's totals VMA by VMA are the held visit's. A VMA done cannot
 * be visited again. A snapshot without a VMA reads, written or streamed.
 */
static void streamed_by_vma(void **state)
{
	static const char snap[] =
		TWO_VMAS_HEAD
		"pmd 0x10400000 table\n"
		"ptes = .*28 p*4\n"
		"vma 0x20000000-0x20200000 nohugepage thp_disabled\n"
		"pmd 0x20000000 none\n"
		"vma 0x30000000-0x30200000 none\n"
		"end 3 4\n";
	struct by_vma b = { .o = { .sz = sizeof(b.o), .young = 1 } };
	struct mthp_space_stream ops = { sizeof(ops), by_vma_pmd, by_vma_end, &b };
	struct mthp_space held, sp;
	struct mthp_parse_error e;
	FILE *f = fmemopen((void *)snap, strlen(snap), "r");

	(void)state;
	assert_non_null(f);
	assert_int_equal(mthp_space_read_vmas(f, &sp, &ops, &e), 0);
	fclose(f);
	assert_int_equal(b.ranges, 4);
	assert_int_equal(b.ends, 3);
	assert_int_equal(b.held_max, 1);
	assert_true(sp.nvmas <= 1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(b.vma_of_end[i], i);
	assert_int_equal(b.starts[1], 0x20000000);
	assert_int_equal(b.starts[2], 0x30000000);

	struct mthp_space_totals per[3], t, total;

	assert_int_equal(mthp_space_read(snap, strlen(snap), &held, &e), 0);
	assert_int_equal(mthp_space_visit(&held, &b.o, per, &t), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(memcmp(&per[i], &b.per[i], sizeof(per[i])), 0);
	/* the done VMAs count in the total; their per_vma rows are gone */
	assert_int_equal(mthp_space_visitor_end(b.v, NULL, 0, &total), 0);
	assert_int_equal(memcmp(&total, &t, sizeof(t)), 0);
	assert_int_equal(mthp_space_visitor_pmd(b.v, &held.vmas[0], 0, 0, &held.pmds[0]),
			 -EINVAL);
	assert_int_equal(mthp_space_visitor_vma_done(b.v, 1, NULL), -EINVAL);
	assert_int_equal(mthp_space_visitor_vma_done(NULL, 5, NULL), -EINVAL);
	mthp_space_visitor_free(b.v);
	mthp_space_free(&sp);

	/* cut short: the last VMA is never handed on */
	struct by_vma c = { .o = b.o };
	struct mthp_space_stream cops = { sizeof(cops), by_vma_pmd, by_vma_end, &c };

	f = fmemopen((void *)snap, strlen(snap) - strlen("end 3 4\n"), "r");
	assert_int_equal(mthp_space_read_vmas(f, &sp, &cops, &e), -EINVAL);
	fclose(f);
	assert_int_equal(c.ends, 2);
	mthp_space_visitor_free(c.v);
	mthp_space_free(&sp);
	struct mthp_space_stream none = { sizeof(none), NULL, NULL, NULL };

	assert_int_equal(mthp_space_read_vmas(stdin, &sp, &none, &e), -EINVAL);
	mthp_space_free(&sp);

	/* no VMA at all: what a snapshot writes is read back */
	struct mthp_space empty = held;
	char *text = NULL;
	size_t len = 0;
	FILE *w = open_memstream(&text, &len);

	empty.nvmas = 0;
	empty.npmds = 0;
	assert_int_equal(mthp_space_write(&empty, w), 0);
	fclose(w);
	assert_non_null(strstr(text, "\nend 0 0\n"));
	assert_int_equal(mthp_space_read(text, len, &sp, &e), 0);
	assert_int_equal(sp.nvmas, 0);
	assert_int_equal(sp.settings.geometry.pmd_nr, held.settings.geometry.pmd_nr);
	mthp_space_free(&sp);
	struct by_vma d = { .o = b.o };
	struct mthp_space_stream dops = { sizeof(dops), by_vma_pmd, by_vma_end, &d };

	f = fmemopen(text, len, "r");
	assert_int_equal(mthp_space_read_vmas(f, &sp, &dops, &e), 0);
	fclose(f);
	assert_int_equal(d.ends + d.ranges, 0);
	mthp_space_free(&sp);
	free(text);
	mthp_space_free(&held);
}

/* Format 1 declared: no end line needed, and the reader says what it
 * cannot know; undeclared, the same text is refused (see located_errors). */
static void format_one(void **state)
{
	static const char snap[] = "snapshot = 1\nvma 0x0-0x200000 none\n"
				   "pmd 0x0 table\nptes = P*512\n";
	struct mthp_space sp;
	struct mthp_parse_error e;

	(void)state;
	assert_int_equal(mthp_space_read(snap, strlen(snap), &sp, &e), 0);
	assert_int_equal(sp.npmds, 1);
	assert_true(sp.unknown & MTHP_UNKNOWN_END);
	mthp_space_free(&sp);
	assert_int_equal(mthp_space_read(snap + 13, strlen(snap + 13), &sp, &e), -EINVAL);
	mthp_space_free(&sp);
}

/* What a visitor refuses, and a stream with nobody to hand records to. */
static void visitor_refuses(void **state)
{
	static const char snap[] = "vma 0x0-0x200000 none\npmd 0x0 table\nptes = P*512\nend 1 1\n";
	struct mthp_space sp;
	struct mthp_parse_error e;
	struct mthp_space_visitor *v;
	struct mthp_space_visit_opts o = { .sz = sizeof(o) };

	assert_int_equal(mthp_space_read(snap, strlen(snap), &sp, &e), 0);
	assert_int_equal(mthp_space_visitor_new(&v, &sp, &o), 0);
	struct mthp_space_vma bad = sp.vmas[0];

	bad.flags = MTHP_VMA_HUGEPAGE | MTHP_VMA_NOHUGEPAGE;
	assert_int_equal(mthp_space_visitor_pmd(v, &bad, 0, 0, &sp.pmds[0]), -EINVAL);
	sp.pmds[0].ptes[7].kind = 6; /* no such kind */
	assert_int_equal(mthp_space_visitor_pmd(v, &sp.vmas[0], 0, 0, &sp.pmds[0]), -EINVAL);
	sp.pmds[0].ptes[7].kind = MTHP_PTE_PRESENT;
	struct mthp_space_pmd no_ptes = { 0, MTHP_PMD_TABLE, NULL };

	assert_int_equal(mthp_space_visitor_pmd(v, &sp.vmas[0], 0, 0, &no_ptes), -EINVAL);
	assert_int_equal(mthp_space_visitor_pmd(v, &sp.vmas[0], 0, 0, &sp.pmds[0]), 0);
	mthp_space_visitor_free(v);
	o.model = MTHP_MODEL_COUNT;
	assert_int_equal(mthp_space_visitor_new(&v, &sp, &o), -EINVAL);
	assert_null(v);
	mthp_space_free(&sp);
	assert_int_equal(mthp_space_read_stream(stdin, &sp, NULL, NULL, &e), -EINVAL);
	mthp_space_free(&sp);
}

static void located_errors(void **state)
{
	static const struct {
		const char *text;
		unsigned int line, col;
		const char *needle;
	} bad[] = {
		{ "vma 0x2000-0x1000 none\n", 1, 5, "START below END" },
		{ "vma 0x0-0x400000 bogus\n", 1, 18, "unknown flag 'bogus'" },
		/* the same words as a scenario's vma key, the same contradiction */
		{ "vma 0x0-0x400000 hugepage nohugepage\n", 1, 27, "contradict" },
		{ "vma 0x0-0x400000\npmd 0x1000 table\n", 2, 5, "aligned" },
		{ "vma 0x0-0x400000\npmd 0x400000 table\n", 2, 5, "not inside" },
		{ "vma 0x0-0x400000\npmd 0x0 maybe\n", 2, 9, "unknown state 'maybe'" },
		{ "vma 0x0-0x400000\npmd 0x0 table\nptes = P*511\n", 3, 8, "the map has 511 PTEs" },
		{ "vma 0x0-0x400000\nptes = P*512\n", 2, 1, "belongs after a 'pmd ADDR table' line" },
		{ "max_ptes_none = 600\nvma 0x0-0x400000\n", 1, 17, "out of range" },
		{ "unknown = colour\nvma 0x0-0x400000\n", 1, 11, "'colour' is not young" },
		{ "vma 0x0-0x400000\nvma 0x200000-0x600000\n", 2, 5, "overlaps" },
		/* the head's settings keep the scenario file's rules */
		{ "max_ptes_none = 3\nmax_ptes_none = 4\nvma 0x0-0x400000\n", 2, 1,
		  "duplicate key 'max_ptes_none' (first set on line 1)" },
		{ "hugepages-64kB/enabled = always\n# 64K again\norder.4 = never\nvma 0x0-0x400000\n",
		  3, 1, "the 64kB size (order 4) is already set on line 1" },
		{ "unknown = young\nunknown = zero\nvma 0x0-0x400000\n", 2, 1,
		  "duplicate key 'unknown'" },
		{ "unknown = young  zero colour\nvma 0x0-0x400000\n", 1, 23,
		  "'colour' is not young" },
		{ "folio = 0 4\nvma 0x0-0x400000\n", 1, 1,
		  "folio: belongs after a 'pmd ADDR table' line" },
		/* a snapshot cut short, or with a record cut short */
		{ "vma 0x0-0x400000 none\npmd 0x0 table\nptes = P*512\n", 3, 1,
		  "ends without its 'end' line" },
		{ "vma 0x0-0x400000 none\npmd 0x0 table\npmd 0x200000 none\nend 1 2\n", 2, 1,
		  "without its 'ptes' line" },
		{ "vma 0x0-0x400000 none\npmd 0x0 table\nend 1 1\n", 2, 1,
		  "without its 'ptes' line" },
		{ "vma 0x0-0x400000 none\npmd 0x0 none\nend 1 2\n", 3, 5,
		  "records are missing" },
		{ "vma 0x0-0x400000 none\nend 1 0\nvma 0x400000-0x600000 none\n", 3, 1,
		  "after the end line" },
		{ "snapshot = 3\nvma 0x0-0x400000 none\nend 1 0\n", 1, 12,
		  "format 1 or 2" },
		/* a range past the vma's end (its distance to the end wraps) */
		{ "vma 0x0-0x400000\npmd 0x800000 table\n", 2, 5, "not inside" },
		{ "snapshot = 2\nsnapshot = 2\nvma 0x0-0x400000\n", 2, 1, "snapshot: given twice" },
		{ "vma 0x0-0x400000 none\npmd 0x0 none\nend 1\n", 3, 5,
		  "end: want the number of VMAs and of PMD records" },
		{ "vma 0x0-0x400000 none\npmd 0x200000 none\npmd 0x0 none\n", 3, 5,
		  "addresses go up within a vma" },
		{ "vma 0x0-0x400000 none\npmd 0x0 none\nwhat\n", 3, 1,
		  "expected 'key = value', 'vma ...' or 'pmd ...'" },
		{ "vma 0x0-0x400000 none\npmd 0x0 table\ncolour = P\n", 3, 1,
		  "unknown key 'colour' in a pmd record" },
		{ "vma 0x0-0x400000 none\npmd 0x0 table\nptes =   \n", 3, 10,
		  "ptes: the value is empty" },
		{ "vma 0x0-0x400000 none\npmd 0x0 table\nptes = P*512\nptes = P*512\n", 4, 1,
		  "ptes: given twice" },
		/* a range at the top of the address space does not wrap */
		{ "vma 0xffffffffffe00000-0xffffffffffe01000 none\npmd 0xffffffffffe00000 table\n",
		  2, 5, "not inside" },
	};

	/* held, then streamed: the same place and words */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (int streamed = 0; streamed < 2; streamed++) {
			struct mthp_space sp;
			struct mthp_parse_error e;
			size_t len = strlen(bad[i].text);
			FILE *f = streamed ? fmemopen((void *)bad[i].text, len, "r") : NULL;
			unsigned int n = 0;
			int r = streamed ? mthp_space_read_stream(f, &sp, count_range, &n, &e)
					 : mthp_space_read(bad[i].text, len, &sp, &e);

			if (f)
				fclose(f);
			assert_int_equal(r, -EINVAL);
			if (e.line != bad[i].line || e.col != bad[i].col ||
			    !strstr(e.msg, bad[i].needle))
				fail_msg("%s case %zu: got %u:%u '%s', want %u:%u '%s'",
					 streamed ? "streamed" : "held", i, e.line, e.col,
					 e.msg, bad[i].line, bad[i].col, bad[i].needle);
			mthp_space_free(&sp);
		}
	struct mthp_space sp;
	struct mthp_parse_error e;

	/* a process that is not there */
	assert_int_equal(mthp_space_snapshot(4194304, NULL, &sp, &e) == -ESRCH ||
			 mthp_space_snapshot(4194304, NULL, &sp, &e) == -ENOENT, 1);
	mthp_space_free(&sp);
	/* a kernel thread (kthreadd is PID 2 outside a PID namespace): no
	 * user memory, said apart from the other failures */
	FILE *f = fopen("/proc/2/comm", "r");
	char comm[32] = "";

	if (f && fgets(comm, sizeof(comm), f) && !strcmp(comm, "kthreadd\n")) {
		assert_int_equal(mthp_space_snapshot(2, NULL, &sp, &e), -ENODATA);
		assert_non_null(strstr(e.msg, "kernel thread"));
		mthp_space_free(&sp);
	}
	if (f)
		fclose(f);
}

/*
 * A snapshot's settings follow the scenario file's rules, held and
 * streamed: geometry anywhere in the head, the list of sizes before a
 * single size whatever the line order. By hand, arm64-16k (16K pages,
 * PMD order 11): 64kB is order 2, set always after orders = 9 sets 9
 * always and every other size never.
 */
static void head_rules(void **state)
{
	static const char snap[] =
		"hugepages-64kB/enabled = always\n"
		"orders = 9\n"
		"geometry = arm64-16k\n"
		"unknown = young\n"
		"vma 0x0-0x2000000 none\n"
		"pmd 0x0 none\n"
		"end 1 1\n";

	(void)state;
	for (int streamed = 0; streamed < 2; streamed++) {
		struct mthp_space sp;
		struct mthp_parse_error e;
		FILE *f = streamed ? fmemopen((void *)snap, strlen(snap), "r") : NULL;
		unsigned int n = 0;
		int r = streamed ? mthp_space_read_stream(f, &sp, count_range, &n, &e)
				 : mthp_space_read(snap, strlen(snap), &sp, &e);

		if (f)
			fclose(f);
		assert_int_equal(r, 0);
		assert_string_equal(sp.settings.geometry.name, "arm64-16k");
		assert_int_equal(sp.settings.geometry.pmd_order, 11);
		assert_int_equal(sp.settings.thp.order[2], MTHP_THP_ALWAYS);
		assert_int_equal(sp.settings.thp.order[3], MTHP_THP_NEVER);
		assert_int_equal(sp.settings.thp.order[9], MTHP_THP_ALWAYS);
		assert_int_equal(sp.settings.thp.order[11], MTHP_THP_NEVER);
		assert_int_equal(sp.unknown, MTHP_UNKNOWN_YOUNG);
		assert_int_equal(streamed ? n : sp.npmds, 1);
		mthp_space_free(&sp);
	}
}


/* One range read alone: its VMA and its record, nothing else of the
 * process; a range no anonymous VMA holds whole gives an empty space. */
static void live_one_range(void **state)
{
	struct mthp_space sp;
	struct mthp_parse_error e;
	long page = sysconf(_SC_PAGESIZE);
	int r = mthp_space_snapshot_range(0, NULL, 0, &sp, &e);

	(void)state;
	if (r == -ENOENT || r == -EACCES) {
		printf("# skipped: %s\n", e.msg);
		mthp_space_free(&sp);
		return;
	}
	assert_int_equal(r, 0);
	assert_int_equal(sp.nvmas, 0); /* nothing maps address 0 */
	size_t pmd_size = (size_t)sp.settings.geometry.pmd_nr << sp.settings.geometry.page_shift;

	mthp_space_free(&sp);
	char *region = map_ranges(pmd_size, 2);

	assert_int_equal(madvise(region, 2 * pmd_size, MADV_NOHUGEPAGE), 0);
	for (int i = 0; i < 10; i++)
		region[i * page] = 1;              /* the first range: 10 pages */
	for (int i = 0; i < 20; i++)
		region[pmd_size + i * page] = 1;   /* the second: 20 */
	assert_int_equal(mthp_space_snapshot_range(0, NULL, (unsigned long)region + pmd_size,
						   &sp, &e), 0);
	assert_int_equal(sp.nvmas, 1);
	assert_true(sp.vmas[0].start <= (unsigned long)region &&
		    sp.vmas[0].end >= (unsigned long)region + 2 * pmd_size);
	assert_int_equal(sp.npmds, 1);
	assert_int_equal(sp.pmds[0].addr, (unsigned long)region + pmd_size);
	assert_int_equal(sp.pmds[0].pmd, MTHP_PMD_TABLE);
	unsigned int present = 0;

	for (unsigned int i = 0; i < sp.settings.geometry.pmd_nr; i++)
		present += sp.pmds[0].ptes[i].kind == MTHP_PTE_PRESENT;
	assert_int_equal(present, 20);
	mthp_space_free(&sp);
	/* not aligned to the PMD size: no range to read */
	assert_int_equal(mthp_space_snapshot_range(0, NULL, (unsigned long)region + page,
						   &sp, &e), 0);
	assert_int_equal(sp.npmds, 0);
	mthp_space_free(&sp);
	munmap(region, 2 * pmd_size);
}

static char misuse_heard[256];

static void misuse_hear(enum mthp_log_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)ctx;
	snprintf(misuse_heard, sizeof(misuse_heard), "%s", msg);
}

/* A call given what it cannot use says which call and what, through the
 * log hook, with its -EINVAL. */
static void misuse_says_why(void **state)
{
	struct mthp_space sp = { 0 };
	struct mthp_sim_result r;
	struct mthp_geometry g;
	struct mthp_scenario s;

	(void)state;
	mthp_set_log(misuse_hear, NULL);
	assert_int_equal(mthp_scenario_init(NULL, NULL), -EINVAL);
	assert_non_null(strstr(misuse_heard, "mthp_scenario_init: no scenario"));
	assert_int_equal(mthp_sim_result_init(&r, NULL), -EINVAL);
	assert_non_null(strstr(misuse_heard, "mthp_sim_result_init: the geometry"));
	assert_int_equal(mthp_space_copy(NULL, &sp), -EINVAL);
	assert_non_null(strstr(misuse_heard, "mthp_space_copy: no destination"));
	assert_int_equal(mthp_space_write_end(0, 0, NULL), -EINVAL);
	assert_non_null(strstr(misuse_heard, "mthp_space_write_end: no stream"));
	assert_int_equal(mthp_geometry_lookup("x86_64", &g, NULL, 0), 0);
	assert_int_equal(mthp_scenario_init(&s, &g), 0);
	assert_int_equal(mthp_scenario_set_folio(&s, 3, 2), -EINVAL);
	assert_non_null(strstr(misuse_heard, "order 2 at PTE 3 is not an aligned folio"));
	mthp_scenario_free(&s);
	mthp_set_log(NULL, NULL);
	assert_string_equal(mthp_space_outcome_words(MTHP_OUTCOME_PMD), "collapsed to a PMD");
	assert_null(mthp_space_outcome_words(MTHP_OUTCOME_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(misuse_says_why),
		cmocka_unit_test(live_one_range),
		cmocka_unit_test(live_self),
		cmocka_unit_test(live_thp),
		cmocka_unit_test_teardown(live_mthp, mthp_restore),
		cmocka_unit_test(text_format),
		cmocka_unit_test(head_rules),
		cmocka_unit_test(located_errors),
		cmocka_unit_test(streamed),
		cmocka_unit_test(streamed_by_vma),
		cmocka_unit_test(visitor_refuses),
		cmocka_unit_test(format_one),
	};

	return cmocka_run_group_tests_name("space", tests, NULL, NULL);
}
