// SPDX-License-Identifier: MIT
/*
 * Address-space snapshots: this test's own memory, faulted in known
 * patterns, read back through /proc; the text format both ways; and its
 * located errors. Expected PTE maps are the patterns themselves.
 */
#include "testlib.h"

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mthpcollapse/space.h"

static char *region; /* three PMD-aligned PMD ranges */
static size_t pmd_size;

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
	pmd_size = (size_t)sp.settings.geometry.pmd_nr << sp.settings.geometry.page_shift;
	mthp_space_free(&sp);

	/* three PMD ranges, aligned, 4K pages only: khugepaged and the
	 * fault path leave a MADV_NOHUGEPAGE VMA alone */
	char *raw = mmap(NULL, 4 * pmd_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(raw != MAP_FAILED);
	region = (char *)(((unsigned long)raw + pmd_size - 1) & ~(pmd_size - 1));
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
	if (sp.unknown & MTHP_UNKNOWN_ZERO) {
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
	 * Present before = after: 100 + 32 (+ 0 zero pages).
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
	unsigned long pages = 100 + 32 + ((sp.unknown & MTHP_UNKNOWN_ZERO) ? 10 : 0);

	assert_int_equal(per[vi].present_before, pages);
	assert_int_equal(per[vi].present_after, pages);
	assert_int_equal(per[vi].huge_after[4], 6 * 16);
	mthp_space_free(&back);
	free(text);
	mthp_space_free(&sp);
	munmap(raw, 4 * pmd_size);
}

/* A hand-written snapshot, and a scenario as a one-PMD snapshot. */
static void text_format(void **state)
{
	static const char snap[] =
		"geometry = ppc64-radix-64k\n"
		"hugepages-256kB/enabled = always\n"
		"unknown = young\n"
		"vma 0x10000000-0x10600000 hugepage\n"
		"pmd 0x10000000 table\n"
		"ptes = P*16 S*4 w .*11\n"
		"folio = 0 4\n"
		"pmd 0x10200000 mapped\n"
		"vma 0x20000000-0x20200000 nohugepage thp_disabled\n"
		"pmd 0x20000000 none\n";
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
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mthp_space sp;
		struct mthp_parse_error e;

		assert_int_equal(mthp_space_read(bad[i].text, strlen(bad[i].text), &sp, &e),
				 -EINVAL);
		if (e.line != bad[i].line || e.col != bad[i].col ||
		    !strstr(e.msg, bad[i].needle))
			fail_msg("case %zu: got %u:%u '%s', want %u:%u '%s'", i,
				 e.line, e.col, e.msg, bad[i].line, bad[i].col,
				 bad[i].needle);
		mthp_space_free(&sp);
	}
	struct mthp_space sp;
	struct mthp_parse_error e;

	/* a process that is not there */
	assert_int_equal(mthp_space_snapshot(4194304, NULL, &sp, &e) == -ESRCH ||
			 mthp_space_snapshot(4194304, NULL, &sp, &e) == -ENOENT, 1);
	mthp_space_free(&sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(live_self),
		cmocka_unit_test(text_format),
		cmocka_unit_test(located_errors),
	};

	return cmocka_run_group_tests_name("space", tests, NULL, NULL);
}
