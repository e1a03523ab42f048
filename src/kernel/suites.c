// SPDX-License-Identifier: MIT
/*
 * ktest's built-in suites: MADV_COLLAPSE's and khugepaged's cases, each a
 * table in runs whose lengths follow the kernel's HPAGE_PMD_NR, turned
 * into a scenario for a geometry. kcheck's scan check plays them too.
 */
#define _GNU_SOURCE /* open_memstream(), asprintf() */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktest.h"

/*
 * A table in runs whose lengths follow the running kernel's HPAGE_PMD_NR:
 * "P*1/2 .*rest" is the first half present and the rest none; a count is
 * a number of PTEs, a fraction a share of the table, "rest" what is left.
 */
static const struct kt_builtin suite[] = {
	{ "full", "every PTE present: collapses", "P*rest", "", false, 0, 0 },
	{ "half", "the first half present, the rest none", "P*1/2 .*rest", "", false, 0, 0 },
	{ "one-page", "one present page, the rest none", "P*1 .*rest", "", false, 0, 0 },
	{ "last-page", "only the last page present", ".*rest P*1", "", false, 0, 0 },
	{ "quarter-end", "the last quarter present", ".*3/4 P*rest", "", false, 0, 0 },
	{ "hole-none-0", "one hole with max_ptes_none 0: MADV_COLLAPSE ignores the limit",
	  "P*rest .*1", "max_ptes_none = 0\n", false, 0, 0 },
	{ "half-none-0", "half empty with max_ptes_none 0", ".*1/2 P*rest",
	  "max_ptes_none = 0\n", false, 0, 0 },
	{ "old-pages", "present pages never touched again (young or not: MADV_COLLAPSE does not ask)",
	  "p*rest", "", false, 0, 0 },
	{ "zero-only", "every PTE the zero page (read faults)", "z*rest", "", false, 0, 0 },
	{ "zero-one-present", "zero pages and one written page", "z*rest P*1", "", false, 0, 0 },
	{ "zero-half", "half zero pages, half written", "z*1/2 P*rest", "", false, 0, 0 },
	{ "zero-none", "zero pages and none, nothing written", "z*1/4 .*rest", "", false, 0, 0 },
	{ "shared-all", "every page shared with a forked process", "S*rest", "", false, 0, 0 },
	{ "shared-most", "three quarters shared, max_ptes_shared 0: MADV_COLLAPSE ignores the limit",
	  "S*3/4 P*rest", "max_ptes_shared = 0\n", false, 0, 0 },
	{ "shared-one", "one shared page among written ones", "S*1 P*rest", "", false, 0, 0 },
	{ "shared-half-none", "half shared, half none", "S*1/2 .*rest", "", false, 0, 0 },
	{ "mixed", "a quarter each: written, zero, shared, none",
	  "P*1/4 z*1/4 S*1/4 .*rest", "", false, 0, 0 },
	{ "no-table", "nothing ever touched: no page table", NULL, "pmd = none\n", false, 0, 0 },
	{ "pmd-mapped", "already a PMD mapping: success, nothing to do", NULL,
	  "pmd = mapped\n", false, 0, 0 },
	{ "vma-hugepage", "MADV_HUGEPAGE on the VMA", "P*1/2 .*rest",
	  "vma = hugepage\n", false, 0, 0 },
	{ "vma-nohugepage", "MADV_NOHUGEPAGE on the VMA: refused", "P*rest",
	  "vma = nohugepage\n", false, 0, 0 },
	{ "thp-disabled", "the process has PR_SET_THP_DISABLE: refused", "P*rest",
	  "", true, 0, 0 },
	{ "swap-some", "an eighth swapped out (where swap exists)", "w*1/8 P*rest",
	  "", false, 0, 0 },
	{ "uffd-full", "a userfaultfd-armed VMA, every PTE present", "P*rest",
	  "vma = uffd\n", false, 0, 0 },
	{ "uffd-hole", "a userfaultfd-armed VMA with one hole", "P*rest .*1",
	  "vma = uffd\n", false, 0, 0 },
	{ "mthp-folios", "the first half already order-4 folios (64K on 4K pages)",
	  "P*rest", "", false, 4, 2 },
	{ "mthp-folios-holes", "order-2 folios over the first half, part of them unmapped",
	  "P*1/4 .*1/8 P*rest", "", false, 2, 2 },
};

#define SUITE_N (sizeof(suite) / sizeof(suite[0]))

/* For khugepaged: the sysctls, the enabled settings and the VMA flags. */
static const struct kt_builtin ksuite[] = {
	{ "k-none0-full", "max_ptes_none 0, every PTE present: collapses", "P*rest",
	  "max_ptes_none = 0\n", false, 0, 0 },
	{ "k-none0-hole", "max_ptes_none 0 and one hole: not collapsed", "P*rest .*1",
	  "max_ptes_none = 0\n", false, 0, 0 },
	{ "k-mid-at", "max_ptes_none HPAGE_PMD_NR/2 - 1 with as many holes: collapses",
	  "P*1/2 P*1 .*rest", "max_ptes_none = @HALF_1@\n", false, 0, 0 },
	{ "k-mid-over", "max_ptes_none HPAGE_PMD_NR/2 - 1, one hole more: not collapsed",
	  "P*1/2 .*rest", "max_ptes_none = @HALF_1@\n", false, 0, 0 },
	{ "k-max-one", "max_ptes_none HPAGE_PMD_NR - 1, one page present: collapses",
	  "P*1 .*rest", "max_ptes_none = @MAX@\n", false, 0, 0 },
	{ "k-shared-at", "shared pages at max_ptes_shared (the default, HPAGE_PMD_NR/2)",
	  "S*1/2 P*rest", "", false, 0, 0 },
	{ "k-shared-over", "one shared page over max_ptes_shared", "S*1/2 S*1 P*rest",
	  "", false, 0, 0 },
	{ "k-shared-0", "one shared page with max_ptes_shared 0", "S*1 P*rest",
	  "max_ptes_shared = 0\n", false, 0, 0 },
	{ "k-swap-at", "swap entries at max_ptes_swap (where swap exists)", "w*1/8 P*rest",
	  "", false, 0, 0 },
	{ "k-enabled-never", "enabled never: not collapsed", "P*rest",
	  "enabled = never\n", false, 0, 0 },
	{ "k-madvise-plain", "enabled madvise, a VMA without MADV_HUGEPAGE", "P*rest",
	  "enabled = madvise\n", false, 0, 0 },
	{ "k-madvise-hugepage", "enabled madvise, MADV_HUGEPAGE", "P*rest",
	  "enabled = madvise\nvma = hugepage\n", false, 0, 0 },
	{ "k-always", "enabled always, no VMA flag", "P*1/2 .*rest",
	  "enabled = always\n", false, 0, 0 },
	{ "k-nohugepage", "enabled always, MADV_NOHUGEPAGE: not collapsed", "P*rest",
	  "enabled = always\nvma = nohugepage\n", false, 0, 0 },
	{ "k-thp-disabled", "PR_SET_THP_DISABLE: not collapsed", "P*rest", "", true, 0, 0 },
	{ "k-pmd-size-never", "the PMD size set to never, top level always", "P*rest",
	  "enabled = always\norder.@PMD@ = never\n", false, 0, 0 },
	{ "k-mthp-none0", "every size on, max_ptes_none 0, a quarter present",
	  "P*1/4 .*rest", "orders = all\nmax_ptes_none = 0\n", false, 0, 0 },
	{ "k-mthp-max", "every size on, max_ptes_none HPAGE_PMD_NR - 1, a quarter present",
	  "P*1/4 .*rest", "orders = all\nmax_ptes_none = @MAX@\n", false, 0, 0 },
	{ "k-pmd-mapped", "already a PMD mapping", NULL, "pmd = mapped\n", false, 0, 0 },
	{ "k-uffd-hole", "a userfaultfd-armed VMA with one hole, max_ptes_none at its maximum",
	  "P*rest .*1", "vma = uffd\nmax_ptes_none = @MAX@\n", false, 0, 0 },
	{ "k-uffd-full", "a userfaultfd-armed VMA, every PTE present", "P*rest",
	  "vma = uffd\n", false, 0, 0 },
	{ "k-folios-enabled", "order-4 folios over the first half, that size enabled",
	  "P*rest", "order.4 = always\n", false, 4, 2 },
	{ "k-folios-disabled", "order-4 folios over the first half, that size never",
	  "P*rest", "order.4 = never\n", false, 4, 2 },
	{ "k-none-mid-mthp", "every size on, max_ptes_none HPAGE_PMD_NR/2 - 1, half present",
	  "P*1/2 .*rest", "orders = all\nmax_ptes_none = @HALF_1@\n", false, 0, 0 },
	/* what the mTHP collapse series decides, range by range */
	{ "k-mthp-scattered", "every size on, max_ptes_none 0, full ranges of four sizes apart",
	  "P*1/8 .*1/8 P*1/16 .*1/16 P*1/32 .*1/32 P*1/64 .*rest",
	  "orders = all\nmax_ptes_none = 0\n", false, 0, 0 },
	{ "k-mthp-max-no-pmd", "every size but the PMD's, max_ptes_none HPAGE_PMD_NR - 1: scaled per order",
	  "P*1/16 .*rest", "orders = all\norder.@PMD@ = never\nmax_ptes_none = @MAX@\n",
	  false, 0, 0 },
	{ "k-mthp-mid-no-pmd", "every size but the PMD's, max_ptes_none HPAGE_PMD_NR/2 - 1: acts as 0",
	  "P*1/4 .*1/8 P*rest", "orders = all\norder.@PMD@ = never\nmax_ptes_none = @HALF_1@\n",
	  false, 0, 0 },
	{ "k-mthp-shared", "sizes below the PMD, a quarter shared: an mTHP takes no shared page",
	  "S*1/4 P*rest", "orders = all\norder.@PMD@ = never\nmax_ptes_none = 0\n", false, 0, 0 },
	{ "k-mthp-swap", "sizes below the PMD, an eighth swapped out: an mTHP reads nothing back",
	  "w*1/8 P*rest", "orders = all\norder.@PMD@ = never\nmax_ptes_none = 0\n", false, 0, 0 },
	{ "k-mthp-zero", "sizes below the PMD, max_ptes_none 0, zero pages over the first quarter",
	  "z*1/4 P*rest", "orders = all\norder.@PMD@ = never\nmax_ptes_none = 0\n", false, 0, 0 },
	{ "k-mthp-uffd", "a userfaultfd-armed VMA, every size on, max_ptes_none at its maximum, half present",
	  "P*1/2 .*rest", "orders = all\nvma = uffd\nmax_ptes_none = @MAX@\n", false, 0, 0 },
};

#define KSUITE_N (sizeof(ksuite) / sizeof(ksuite[0]))

/* The runs of a built-in case as a scenario's ptes value for nr PTEs. */
static int expand_runs(const char *runs, unsigned int nr, char *out, size_t len)
{
	char buf[256];
	unsigned int sum = 0, count[16];
	char state[16];
	int nruns = 0, rest = -1;

	snprintf(buf, sizeof(buf), "%s", runs);
	for (char *save, *tok = strtok_r(buf, " ", &save); tok && nruns < 16;
	     tok = strtok_r(NULL, " ", &save), nruns++) {
		char *star = strchr(tok, '*');
		unsigned int a, b;

		if (!star)
			return -1;
		state[nruns] = tok[0];
		if (!strcmp(star + 1, "rest")) {
			rest = nruns;
			count[nruns] = 0;
		} else if (sscanf(star + 1, "%u/%u", &a, &b) == 2 && b) {
			count[nruns] = (unsigned int)((unsigned long)nr * a / b);
		} else {
			count[nruns] = (unsigned int)strtoul(star + 1, NULL, 10);
		}
		sum += count[nruns];
	}
	if (sum > nr || (rest < 0 && sum != nr))
		return -1;
	if (rest >= 0)
		count[rest] = nr - sum;
	size_t at = 0;

	out[0] = 0;
	for (int i = 0; i < nruns; i++)
		if (count[i])
			at += (size_t)snprintf(out + at, len - at, "%c*%u ", state[i],
					       count[i]);
	return 0;
}

/* A built-in case's scenario text for g (without its mode), allocated:
 * its folio lines grow with the table (2048 of them for arm64 64K).
 * NULL: out of memory, or runs that do not fit the table (errno says). */
static char *builtin_text(const struct kt_builtin *b, const struct mthp_geometry *g)
{
	char ptes[512] = "";

	if (b->runs && expand_runs(b->runs, g->pmd_nr, ptes, sizeof(ptes))) {
		errno = EINVAL;
		return NULL;
	}
	char settings[256] = "";

	/* @MAX@, @HALF_1@ and @PMD@ follow the running kernel's table */
	for (const char *p = b->settings; *p;) {
		size_t at = strlen(settings);

		if (!strncmp(p, "@MAX@", 5)) {
			snprintf(settings + at, sizeof(settings) - at, "%u", g->pmd_nr - 1);
			p += 5;
		} else if (!strncmp(p, "@HALF_1@", 8)) {
			snprintf(settings + at, sizeof(settings) - at, "%u", g->pmd_nr / 2 - 1);
			p += 8;
		} else if (!strncmp(p, "@PMD@", 5)) {
			snprintf(settings + at, sizeof(settings) - at, "%u", g->pmd_order);
			p += 5;
		} else if (at + 1 < sizeof(settings)) {
			settings[at] = *p++;
			settings[at + 1] = 0;
		} else {
			break;
		}
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s%s%s%s", settings, b->runs ? "ptes = " : "", ptes, b->runs ? "\n" : "");
	for (unsigned int i = 0; b->folio_order && i < g->pmd_nr / b->folio_share;
	     i += 1u << b->folio_order)
		fprintf(f, "folio = %u %u\n", i, b->folio_order);
	if (fclose(f)) {
		free(text);
		errno = ENOMEM;
		return NULL;
	}
	return text;
}

int kt_builtin_case(const struct kt_builtin *b, const struct mthp_geometry *g,
		    struct kt_case *c)
{
	char *text = builtin_text(b, g);
	struct mthp_parse_error e;

	if (!text)
		return -errno;
	int r = mthp_scenario_parse(text, strlen(text), g, &c->s, &e);

	free(text);
	if (r)
		return r;
	snprintf(c->name, sizeof(c->name), "%s", b->name);
	c->about = b->about;
	c->thp_disabled = b->thp_disabled;
	return 0;
}

long kt_suite_scenarios(const struct mthp_geometry *g, char ***names,
			char ***texts)
{
	const struct kt_builtin *suites[2] = { suite, ksuite };
	size_t ns[2] = { sizeof(suite) / sizeof(suite[0]),
			 sizeof(ksuite) / sizeof(ksuite[0]) };
	size_t n = 0;

	*names = calloc(ns[0] + ns[1], sizeof(**names));
	*texts = calloc(ns[0] + ns[1], sizeof(**texts));
	if (!*names || !*texts)
		goto fail;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < ns[k]; i++) {
			/* a process with THP disabled is never scanned */
			if (suites[k][i].thp_disabled)
				continue;
			char name[96], *text = builtin_text(&suites[k][i], g);

			if (!text)
				goto fail;
			snprintf(name, sizeof(name), "ktest %s%s", k ? "--khugepaged " : "",
				 suites[k][i].name);
			(*names)[n] = strdup(name);
			if (!(*names)[n] || asprintf(&(*texts)[n], "geometry = %s\n%s%s", g->name,
						     k ? "" : "mode = madvise\n", text) < 0) {
				(*texts)[n] = NULL;
				free(text);
				n++;
				goto fail;
			}
			free(text);
			n++;
		}
	return (long)n;
fail:
	for (size_t i = 0; i < n && *names && *texts; i++) {
		free((*names)[i]);
		free((*texts)[i]);
	}
	free(*names);
	free(*texts);
	*names = *texts = NULL;
	return -ENOMEM;
}

const struct kt_builtin *kt_suite(bool khugepaged, size_t *n)
{
	*n = khugepaged ? KSUITE_N : SUITE_N;
	return khugepaged ? ksuite : suite;
}

