/* SPDX-License-Identifier: MIT */
/*
 * Kernel spellings for libmthpcollapse, so the body of a kernel patch's
 * mthp_collapse() compiles in userspace with only small edits. Include it
 * after anything else that might define these names; it is opt-in because
 * the names are not prefixed.
 *
 * HPAGE_PMD_NR and HPAGE_PMD_ORDER are runtime values here (as on ppc64):
 * define them yourself from a struct mthp_geometry before including this,
 * or use the geometry's fields directly.
 */
#ifndef MTHPCOLLAPSE_KCOMPAT_H
#define MTHPCOLLAPSE_KCOMPAT_H

#include "mthpcollapse.h"
#include "kernel/spellings.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SCAN_FAIL, SCAN_SUCCEED, ... as the kernel's enum scan_result; left out
 * where kernel code brings its own enum (mthpsim kcheck). */
#ifndef MTHP_KCOMPAT_NO_SCAN_RESULT
#define MTHP_KCOMPAT_SCAN_(n, v) SCAN_##n = v,
enum {
	MTHP_SCAN_RESULT_LIST(MTHP_KCOMPAT_SCAN_)
};
#undef MTHP_KCOMPAT_SCAN_
#endif

#ifdef __cplusplus
}
#endif

#endif /* MTHPCOLLAPSE_KCOMPAT_H */
