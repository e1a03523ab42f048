// SPDX-License-Identifier: MIT
/*
 * Page-table geometries: the named profiles and custom ones
 * (docs/MODELS.md section 2).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct profile {
	const char *name;
	unsigned int page_shift;
	unsigned int pmd_nr;
	unsigned int max_ptrs;
};

/* PMD order and size follow from these three numbers. */
static const struct profile profiles[] = {
	{ "x86_64", 12, 512, 512 },
	{ "x86-32-pae", 12, 512, 512 },
	{ "x86-32", 12, 1024, 1024 },
	{ "arm64-4k", 12, 512, 512 },
	{ "arm64-16k", 14, 2048, 2048 },
	{ "arm64-64k", 16, 8192, 8192 },
	{ "ppc64-radix-4k", 12, 512, 512 },
	{ "ppc64-hash-64k", 16, 256, 256 },
	/* one kernel binary, hash or radix at boot: arrays sized for hash */
	{ "ppc64-radix-64k", 16, 32, 256 },
	{ "riscv64", 12, 512, 512 },
	{ "s390x", 12, 256, 256 },
	{ "loongarch64-4k", 12, 512, 512 },
	{ "loongarch64-16k", 14, 2048, 2048 },
	{ "loongarch64-64k", 16, 8192, 8192 },
	{ "mips64-4k", 12, 512, 512 },
	{ "mips64-16k", 14, 2048, 2048 },
	{ "mips64-64k", 16, 8192, 8192 },
	{ "sparc64", 13, 1024, 1024 },
	{ "arm-lpae", 12, 512, 512 },
};

static int fail(int e, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int e, char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return e;
}

static bool is_pow2(unsigned int v)
{
	return v && !(v & (v - 1));
}

/*
 * The rules every geometry obeys; 0 or -EINVAL with err (when not NULL)
 * naming the bad value. No formatting happens unless there is an error:
 * mthp_collapse() runs this for every PMD range.
 */
static int geometry_rules(unsigned int page_shift, unsigned int pmd_nr,
		 unsigned int max_ptrs, char *err, size_t errlen)
{
	if (page_shift < 10 || page_shift > 20)
		return fail(-EINVAL, err, errlen,
			    "page shift %u is out of range (10..20)",
			    page_shift);
	if (!is_pow2(pmd_nr))
		return fail(-EINVAL, err, errlen,
			    "HPAGE_PMD_NR %u is not a power of two", pmd_nr);
	if (!is_pow2(max_ptrs))
		return fail(-EINVAL, err, errlen,
			    "MAX_PTRS_PER_PTE %u is not a power of two",
			    max_ptrs);
	if (pmd_nr > max_ptrs)
		return fail(-EINVAL, err, errlen,
			    "HPAGE_PMD_NR %u exceeds MAX_PTRS_PER_PTE %u",
			    pmd_nr, max_ptrs);
	unsigned int order = mthp_log2_floor(pmd_nr);

	if (order < MTHP_MIN_ORDER || order > MTHP_MAX_PMD_ORDER)
		return fail(-EINVAL, err, errlen,
			    "HPAGE_PMD_NR %u gives PMD order %u (must be %u..%u)",
			    pmd_nr, order, MTHP_MIN_ORDER, MTHP_MAX_PMD_ORDER);
	if (mthp_log2_floor(max_ptrs) > MTHP_MAX_PMD_ORDER)
		return fail(-EINVAL, err, errlen,
			    "MAX_PTRS_PER_PTE %u exceeds %u", max_ptrs,
			    MTHP_MAX_PTRS);
	return 0;
}

MTHP_EXPORT bool mthp_geometry_valid(const struct mthp_geometry *g)
{
	/* the rules of a custom geometry, and a consistent pmd_order */
	return g && mthp_sz_ok(g, g->sz, sizeof(*g), sizeof(*g)) &&
	       !geometry_rules(g->page_shift, g->pmd_nr, g->max_ptrs, NULL, 0) &&
	       g->pmd_order == mthp_log2_floor(g->pmd_nr);
}

static int custom_body(unsigned int page_shift, unsigned int pmd_nr,
		       unsigned int max_ptrs, struct mthp_geometry *out, char *err,
		       size_t errlen)
{
	if (!out)
		return fail(-EINVAL, err, errlen, "no geometry to fill in");
	int r = geometry_rules(page_shift, pmd_nr, max_ptrs, err, errlen);

	if (r)
		return r;
	unsigned int order = mthp_log2_floor(pmd_nr);

	memset(out, 0, sizeof(*out));
	out->sz = sizeof(*out);
	snprintf(out->name, sizeof(out->name), "custom:%u:%u:%u", page_shift,
		 pmd_nr, max_ptrs);
	out->page_shift = page_shift;
	out->pmd_nr = pmd_nr;
	out->max_ptrs = max_ptrs;
	out->pmd_order = order;
	return 0;
}

/* One field of a custom spec: decimal digits only, then ':' (after the
 * first two fields) or the end (after the last). */
static int custom_field(const char **p, const char *what, const char *next,
			unsigned int *v, char *err, size_t errlen)
{
	const char *s = *p;
	unsigned long n = 0;
	size_t i = 0;

	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		n = n * 10 + (unsigned long)(s[i] - '0');
		if (n > 1u << 20)
			return fail(-EINVAL, err, errlen,
				    "custom geometry: %s '%.20s' is too large",
				    what, s);
	}
	if (!i)
		return fail(-EINVAL, err, errlen,
			    "custom geometry: %s '%.20s' is not a number", what, s);
	bool last = !next;

	if (!last && !s[i])
		return fail(-EINVAL, err, errlen,
			    "custom geometry: missing %s after %s (want custom:PAGE_SHIFT:HPAGE_PMD_NR:MAX_PTRS_PER_PTE)",
			    next, what);
	if (last ? s[i] != 0 : s[i] != ':')
		return fail(-EINVAL, err, errlen,
			    last ? "custom geometry: unexpected '%.20s' after %s (want custom:PAGE_SHIFT:HPAGE_PMD_NR:MAX_PTRS_PER_PTE)"
				 : "custom geometry: '%.20s' after %s is not ':'",
			    s + i, what);
	*v = (unsigned int)n;
	*p = last ? s + i : s + i + 1;
	return 0;
}

static int parse_custom(const char *spec, struct mthp_geometry *out,
			char *err, size_t errlen)
{
	static const char *const what[3] = { "PAGE_SHIFT", "HPAGE_PMD_NR",
					     "MAX_PTRS_PER_PTE" };
	unsigned int v[3];
	const char *p = spec;

	for (int i = 0; i < 3; i++) {
		if (!*p)
			return fail(-EINVAL, err, errlen,
				    "custom geometry '%s': missing %s (want custom:PAGE_SHIFT:HPAGE_PMD_NR:MAX_PTRS_PER_PTE)",
				    spec, what[i]);
		int r = custom_field(&p, what[i], i < 2 ? what[i + 1] : NULL,
				     &v[i], err, errlen);

		if (r)
			return r;
	}
	return custom_body(v[0], v[1], v[2], out, err, errlen);
}

static int lookup_body(const char *name, struct mthp_geometry *out, char *err,
		       size_t errlen)
{
	if (!name || !out)
		return fail(-EINVAL, err, errlen, "no geometry given");
	if (!strncmp(name, "custom:", 7))
		return parse_custom(name + 7, out, err, errlen);
	if (!strcmp(name, "ppc64-hash-4k"))
		return fail(-ENOTSUP, err, errlen,
			    "geometry 'ppc64-hash-4k' has no transparent huge pages (the hash MMU with 4K pages cannot map a PMD leaf)");
	for (size_t i = 0; i < MTHP_ARRAY_SIZE(profiles); i++) {
		const struct profile *p = &profiles[i];

		if (strcmp(name, p->name))
			continue;
		int r = custom_body(p->page_shift, p->pmd_nr, p->max_ptrs, out, err,
				    errlen);
		if (!r)
			snprintf(out->name, sizeof(out->name), "%s", p->name);
		return r;
	}
	return fail(-ENOENT, err, errlen,
		    "unknown geometry '%.40s' (try 'mthpsim geometries')",
		    name);
}

/* A refusal's reason goes to the caller: to its buffer when it gave one,
 * else to the log hook, as every other call's does. */
static int said(int r, const char *msg, char *err, size_t errlen)
{
	if (!r)
		return 0;
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	else
		mthp_say_refusal(msg);
	return r;
}

MTHP_EXPORT int mthp_geometry_custom(unsigned int page_shift,
				     unsigned int pmd_nr, unsigned int max_ptrs,
				     struct mthp_geometry *out, char *err,
				     size_t errlen)
{
	char msg[256] = "";

	return said(custom_body(page_shift, pmd_nr, max_ptrs, out, msg, sizeof(msg)),
		    msg, err, errlen);
}

MTHP_EXPORT int mthp_geometry_lookup(const char *name,
				     struct mthp_geometry *out, char *err,
				     size_t errlen)
{
	char msg[256] = "";

	return said(lookup_body(name, out, msg, sizeof(msg)), msg, err, errlen);
}

MTHP_EXPORT size_t mthp_geometry_count(void)
{
	return MTHP_ARRAY_SIZE(profiles);
}

MTHP_EXPORT const char *mthp_geometry_name(size_t index)
{
	return index < MTHP_ARRAY_SIZE(profiles) ? profiles[index].name : NULL;
}

MTHP_EXPORT unsigned int
mthp_default_max_ptes_none(const struct mthp_geometry *g)
{
	return mthp_geometry_valid(g) ? g->pmd_nr - 1 : 0;
}

MTHP_EXPORT unsigned int
mthp_default_max_ptes_swap(const struct mthp_geometry *g)
{
	return mthp_geometry_valid(g) ? g->pmd_nr / 8 : 0;
}

MTHP_EXPORT unsigned int
mthp_default_max_ptes_shared(const struct mthp_geometry *g)
{
	return mthp_geometry_valid(g) ? g->pmd_nr / 2 : 0;
}
