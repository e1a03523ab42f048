// SPDX-License-Identifier: MIT
/*
 * The running kernel's THP settings, read from sysfs: the top-level and
 * per-size enabled files and khugepaged's max_ptes_*. Every value goes
 * through mthp_scenario_set(), so sysfs and scenario files share one
 * syntax (the bracketed form cat prints included).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kernel-files.h"
#include "space-internal.h"
#include "mthpcollapse/sim.h"

/* sysfs errors name a file, not a line */
#define err_at(err, code, ...) mthp_error((err), (code), 0, 0, __VA_ARGS__)

MTHP_EXPORT int mthp_live_geometry(const char *root, struct mthp_geometry *g,
				   struct mthp_parse_error *err)
{
	char path[512], buf[64], name[48];
	unsigned long pmd_size;
	long page = sysconf(_SC_PAGESIZE);
	struct utsname u;

	if (!root)
		root = MTHP_THP_SYSFS;
	if (!g)
		return err_at(err, -EINVAL, "no geometry to fill in");
	snprintf(path, sizeof(path), "%s/hpage_pmd_size", root);
	int r = mthp_read_small(path, buf, sizeof(buf));

	if (r)
		return err_at(err, r, "%.160s: %.70s", path, strerror(-r));
	if (mthp_parse_number(buf, strlen(buf), "hpage_pmd_size", 1, 1ul << 40,
			      &pmd_size, NULL) || page <= 0 ||
	    pmd_size % (unsigned long)page)
		return err_at(err, -EINVAL, "%.160s: '%.40s' is not a PMD size", path, buf);
	unsigned int shift = mthp_ilog2((unsigned long)page);
	unsigned long nr = pmd_size / (unsigned long)page;

	/* a named profile of this architecture, when one has this shape: the
	 * page size and HPAGE_PMD_NR pick it (ppc64's radix and hash MMUs
	 * differ in the second), and with it MAX_PTRS_PER_PTE, which no file
	 * of the running kernel says */
	static const struct { const char *machine, *prefix; } arch[] = {
		{ "x86_64", "x86_64" }, { "i686", "x86-32" }, { "i586", "x86-32" },
		{ "aarch64", "arm64" }, { "ppc64le", "ppc64-" }, { "ppc64", "ppc64-" },
		{ "riscv64", "riscv64" }, { "s390x", "s390x" },
		{ "loongarch64", "loongarch64" }, { "mips64", "mips64" },
		{ "sparc64", "sparc64" }, { "armv7l", "arm-lpae" },
	};
	const char *prefix = NULL;

	if (!uname(&u))
		for (size_t k = 0; k < sizeof(arch) / sizeof(arch[0]) && !prefix; k++)
			if (!strcmp(u.machine, arch[k].machine))
				prefix = arch[k].prefix;
	if (prefix) {
		for (size_t i = 0; i < mthp_geometry_count(); i++) {
			struct mthp_geometry p;
			const char *n = mthp_geometry_name(i);

			if (strncmp(n, prefix, strlen(prefix)))
				continue;
			if (!mthp_geometry_lookup(n, &p, NULL, 0) &&
			    p.page_shift == shift && p.pmd_nr == nr) {
				*g = p;
				return 0;
			}
		}
	}
	snprintf(name, sizeof(name), "custom:%u:%lu:%lu", shift, nr, nr);
	if (mthp_geometry_lookup(name, g, err ? err->msg : NULL,
				 err ? sizeof(err->msg) : 0))
		return err_at(err, -EINVAL, "%.160s: %.70s", path, "a geometry the library cannot take");
	return 0;
}

MTHP_EXPORT int mthp_live_settings(const char *root, struct mthp_scenario *s,
				   struct mthp_parse_error *err)
{
	char path[512], buf[256], key[64];
	struct mthp_parse_error e;
	static const char *const sysctls[] = { "max_ptes_none", "max_ptes_swap",
						"max_ptes_shared" };

	if (!root)
		root = MTHP_THP_SYSFS;
	if (!s || !s->ptes || !mthp_geometry_valid(&s->geometry))
		return err_at(err, -EINVAL, "no scenario");
	const struct mthp_geometry *g = &s->geometry;

	snprintf(path, sizeof(path), "%s/enabled", root);
	int r = mthp_read_small(path, buf, sizeof(buf));

	if (r)
		return err_at(err, r, "%.160s: %.70s", path, strerror(-r));
	if (mthp_scenario_set(s, "enabled", buf, &e))
		return err_at(err, -EINVAL, "%.160s: %.70s", path, e.msg);
	for (unsigned int k = MTHP_MIN_ORDER; k <= g->pmd_order; k++) {
		unsigned long kb = ((1ul << g->page_shift) >> 10) << k;

		snprintf(key, sizeof(key), "hugepages-%lukB/enabled", kb);
		snprintf(path, sizeof(path), "%s/%s", root, key);
		r = mthp_read_small(path, buf, sizeof(buf));
		if (r == -ENOENT)
			continue; /* a kernel without this size: the default */
		if (r)
			return err_at(err, r, "%.160s: %.70s", path, strerror(-r));
		if (mthp_scenario_set(s, key, buf, &e))
			return err_at(err, -EINVAL, "%.160s: %.70s", path, e.msg);
	}
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/khugepaged/%s", root, sysctls[i]);
		r = mthp_read_small(path, buf, sizeof(buf));
		if (r)
			return err_at(err, r, "%.160s: %.70s", path, strerror(-r));
		if (mthp_scenario_set(s, sysctls[i], buf, &e))
			return err_at(err, -EINVAL, "%.160s: %.70s", path, e.msg);
	}
	return 0;
}
