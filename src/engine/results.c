// SPDX-License-Identifier: MIT
/* Names of the SCAN_* results. */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define MTHP_SCAN_NAME_(n, v) [v] = "SCAN_" #n,
static const char *const result_names[MTHP_SCAN_RESULT_COUNT] = {
	MTHP_SCAN_RESULT_LIST(MTHP_SCAN_NAME_)
};
#undef MTHP_SCAN_NAME_

const char *mthp_name_of(const char *const *names, size_t n, long v)
{
	return v >= 0 && (size_t)v < n ? names[v] : NULL;
}

long mthp_name_find(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; name && i < n; i++)
		if (names[i] && !strcmp(name, names[i]))
			return (long)i;
	return -1;
}

MTHP_EXPORT const char *mthp_scan_result_name(int r)
{
	return MTHP_NAME_OF(result_names, r);
}

/*
 * The kernel's other spellings of a result: mm renamed SCAN_PTE_UFFD_WP
 * SCAN_PTE_UFFD (July 2026), and mainline before the series had two
 * results, SCAN_PMD_NULL and SCAN_PMD_NONE, where it now has
 * SCAN_NO_PTE_TABLE (docs/MODELS.md section 12). Read, never printed.
 */
static const struct {
	const char *name;
	enum mthp_scan_result r;
} renames[] = {
	{ "SCAN_PTE_UFFD", MTHP_SCAN_PTE_UFFD_WP },
	{ "SCAN_PMD_NONE", MTHP_SCAN_NO_PTE_TABLE },
	{ "SCAN_PMD_NULL", MTHP_SCAN_NO_PTE_TABLE },
};

MTHP_EXPORT int mthp_scan_result_from_name(const char *name,
					   enum mthp_scan_result *out)
{
	if (!name || !out)
		return mthp_refuse("mthp_scan_result_from_name: %s is NULL",
				   !name ? "name" : "out");
	for (int r = 0; r < MTHP_SCAN_RESULT_COUNT; r++) {
		const char *n = result_names[r];
		/* both "SCAN_FAIL" and the bare "FAIL" are accepted */
		if (!strcmp(name, n) || !strcmp(name, n + strlen("SCAN_"))) {
			*out = (enum mthp_scan_result)r;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(renames) / sizeof(renames[0]); i++)
		if (!strcmp(name, renames[i].name) ||
		    !strcmp(name, renames[i].name + strlen("SCAN_"))) {
			*out = renames[i].r;
			return 0;
		}
	return -EINVAL;
}

MTHP_EXPORT const char *mthp_scan_result_spelling(int r, unsigned int i)
{
	if (!mthp_scan_result_name(r))
		return NULL;
	if (i == 0)
		return result_names[r];
	for (size_t k = 0; k < sizeof(renames) / sizeof(renames[0]); k++)
		if ((int)renames[k].r == r && --i == 0)
			return renames[k].name;
	return NULL;
}

/* Each result in words, for readable reports. */
static const struct {
	int result;
	const char *words;
} phrases[] = {
	{ MTHP_SCAN_SUCCEED, "collapsed" },
	{ MTHP_SCAN_FAIL, "nothing was collapsed" },
	{ MTHP_SCAN_NO_PTE_TABLE, "there is no page table here to collapse" },
	{ MTHP_SCAN_PMD_MAPPED, "the range is already mapped by a PMD" },
	{ MTHP_SCAN_EXCEED_NONE_PTE, "too many empty (none or zero-page) PTEs" },
	{ MTHP_SCAN_EXCEED_SWAP_PTE, "too many swapped-out PTEs (an mTHP takes none)" },
	{ MTHP_SCAN_EXCEED_SHARED_PTE, "too many shared pages (an mTHP takes none)" },
	{ MTHP_SCAN_PTE_NON_PRESENT, "a PTE in the range is not present" },
	{ MTHP_SCAN_PTE_UFFD_WP, "a PTE is userfaultfd write-protected" },
	{ MTHP_SCAN_PTE_MAPPED_HUGEPAGE, "already backed by a folio this large" },
	{ MTHP_SCAN_LACK_REFERENCED_PAGE, "too few recently used (young) pages" },
	{ MTHP_SCAN_PAGE_NULL, "a PTE maps no normal page" },
	{ MTHP_SCAN_PAGE_COUNT, "a page has unexpected extra references" },
	{ MTHP_SCAN_PAGE_LRU, "a page is not on the LRU" },
	{ MTHP_SCAN_PAGE_LOCK, "a page is locked" },
	{ MTHP_SCAN_PAGE_ANON, "a page is not anonymous" },
	{ MTHP_SCAN_PAGE_LAZYFREE, "a page is lazily freed (MADV_FREE)" },
	{ MTHP_SCAN_VMA_CHECK, "no THP size is enabled for this VMA: not scanned" },
	{ MTHP_SCAN_DEL_PAGE_LRU, "a page could not be isolated from the LRU" },
	{ MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL, "the huge page could not be allocated" },
	{ MTHP_SCAN_CGROUP_CHARGE_FAIL, "the memory cgroup charge failed" },
	{ MTHP_SCAN_INVALID_PTES_NONE, "max_ptes_none is neither 0 nor HPAGE_PMD_NR-1" },
	{ MTHP_SCAN_PAGE_RO, "no page in the table but the zero page (mainline)" },
};

MTHP_EXPORT const char *mthp_scan_result_words(int result)
{
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].result == result)
			return phrases[i].words;
	return mthp_scan_result_name(result);
}
