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
