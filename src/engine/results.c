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

MTHP_EXPORT int mthp_scan_result_from_name(const char *name,
					   enum mthp_scan_result *out)
{
	if (!name)
		return -EINVAL;
	for (int r = 0; r < MTHP_SCAN_RESULT_COUNT; r++) {
		const char *n = result_names[r];
		/* both "SCAN_FAIL" and the bare "FAIL" are accepted */
		if (!strcmp(name, n) || !strcmp(name, n + strlen("SCAN_"))) {
			*out = (enum mthp_scan_result)r;
			return 0;
		}
	}
	/* mm renamed SCAN_PTE_UFFD_WP in July 2026; both are read, the
	 * series' spelling is the one printed */
	if (!strcmp(name, "SCAN_PTE_UFFD") || !strcmp(name, "PTE_UFFD")) {
		*out = MTHP_SCAN_PTE_UFFD_WP;
		return 0;
	}
	return -EINVAL;
}
