// SPDX-License-Identifier: MIT
/*
 * Scenario files: `key = value` lines describing one PMD range and the
 * settings to simulate it under. Each key is parsed and checked in one
 * place, set_key(), which serves the file parser and mthp_scenario_set()
 * (the command line's overrides) alike, so a setting has one syntax, one
 * range and one wording wherever it comes from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-files.h"
#include "sim-internal.h"
#include "mthpcollapse/sim.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

size_t mthp_next_word(const char *v, size_t vlen, size_t *pos, size_t *off)
{
	size_t i = *pos;

	while (i < vlen && is_space(v[i]))
		i++;
	*off = i;
	while (i < vlen && !is_space(v[i]))
		i++;
	*pos = i;
	return i - *off;
}

static bool key_is(const char *key, size_t klen, const char *k)
{
	return klen == strlen(k) && !memcmp(key, k, klen);
}

/* Copies a value into a NUL-terminated buffer; too long is an error. */
static int value(const struct mthp_place *pl, const char *v, size_t vlen,
		 char *buf, size_t size)
{
	char b[64];

	if (vlen >= size)
		return mthp_place_error(pl, 0, "value '%s' is too long",
					mthp_show(v, vlen, b, sizeof(b)));
	memcpy(buf, v, vlen);
	buf[vlen] = 0;
	return 0;
}

/* ---- one key each ---- */

static int lookup_top(const char *s, int *out)
{
	enum mthp_thp_setting v;

	/* "inherit" is a per-size setting only */
	if (mthp_thp_setting_from_name(s, &v) || v == MTHP_THP_INHERIT)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int lookup_setting(const char *s, int *out)
{
	enum mthp_thp_setting v;

	if (mthp_thp_setting_from_name(s, &v))
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int lookup_model(const char *s, int *out)
{
	enum mthp_model m;

	if (mthp_model_from_name(s, &m))
		return -EINVAL;
	*out = (int)m;
	return 0;
}

static int lookup_mode(const char *s, int *out)
{
	enum mthp_mode m;

	if (mthp_mode_from_name(s, &m))
		return -EINVAL;
	*out = (int)m;
	return 0;
}

static const char *const pmd_names[] = { "table", "none", "mapped" };

static int lookup_pmd(const char *s, int *out)
{
	long i = MTHP_NAME_FIND(pmd_names, s);

	if (i < 0)
		return -EINVAL;
	*out = (int)i;
	return 0;
}

/*
 * A sysfs file's contents as cat prints them, "always [madvise] never":
 * the bracketed word is the setting. Anything else is left as it is.
 */
static void bracketed(const char **v, size_t *vlen, size_t *off)
{
	size_t len;
	const char *word = mthp_bracketed(*v, *vlen, &len);

	if (!word)
		return;
	*off = (size_t)(word - *v);
	*vlen = len;
	*v = word;
}

static int set_named(const struct mthp_place *pl, const char *key,
		     const char *v, size_t vlen,
		     int (*lookup)(const char *, int *), int *out,
		     const char *choices)
{
	char buf[64], b[64];
	size_t off = 0;
	int x;

	bracketed(&v, &vlen, &off);
	if (vlen >= sizeof(buf) || value(pl, v, vlen, buf, sizeof(buf)) ||
	    lookup(buf, &x))
		return mthp_place_error(pl, off, "%s: unknown value '%s' (%s)", key,
					mthp_show(v, vlen, b, sizeof(b)), choices);
	*out = x;
	return 0;
}

static int set_sysctl(const struct mthp_place *pl, const char *key,
		      const char *v, size_t vlen, unsigned int nr,
		      unsigned int *out)
{
	unsigned long x;
	int r = mthp_place_number(pl, 0, v, vlen, key, 0, nr - 1, &x);

	if (!r)
		*out = (unsigned int)x;
	return r;
}

/* The VMA flag words, read by mthp_place_vma() and written by
 * mthp_vma_words(); "none" stands for no flag. */
static const struct {
	const char *word;
	unsigned int flag;
} vma_words[] = { { "hugepage", MTHP_VMA_HUGEPAGE },
		  { "nohugepage", MTHP_VMA_NOHUGEPAGE },
		  { "uffd", MTHP_VMA_UFFD },
		  { "none", 0 } };

MTHP_EXPORT size_t mthp_vma_words(unsigned int flags, bool thp_disabled,
				  char *buf, size_t len)
{
	size_t need = 0;

	if (buf && len)
		buf[0] = 0;
	for (size_t k = 0; k <= MTHP_ARRAY_SIZE(vma_words); k++) {
		const char *w = k < MTHP_ARRAY_SIZE(vma_words) ? vma_words[k].word
							      : "thp_disabled";
		bool on = k < MTHP_ARRAY_SIZE(vma_words)
				  ? vma_words[k].flag && (flags & vma_words[k].flag)
				  : thp_disabled;
		size_t wl = strlen(w);

		if (!on)
			continue;
		if (buf && need + 1 + wl < len) {
			buf[need] = ' ';
			memcpy(buf + need + 1, w, wl + 1);
		}
		need += 1 + wl;
	}
	return need;
}

int mthp_place_vma(const struct mthp_place *pl, const char *v, size_t vlen,
		   unsigned int *out, bool *thp_disabled)
{
	const size_t nwords = MTHP_ARRAY_SIZE(vma_words);
	unsigned int flags = 0;

	if (thp_disabled)
		*thp_disabled = false;
	for (size_t i = 0, off, wl; (wl = mthp_next_word(v, vlen, &i, &off));) {
		const char *w = v + off;
		size_t k = 0;
		char b[64];

		while (k < nwords && (strlen(vma_words[k].word) != wl ||
				      memcmp(w, vma_words[k].word, wl)))
			k++;
		if (k < nwords)
			flags |= vma_words[k].flag;
		else if (thp_disabled && wl == 12 && !memcmp(w, "thp_disabled", 12))
			*thp_disabled = true;
		else
			return mthp_place_error(pl, off,
				"vma: unknown flag '%s' (hugepage, nohugepage, uffd%s, none)",
				mthp_show(w, wl, b, sizeof(b)),
				thp_disabled ? ", thp_disabled" : "");
		if ((flags & MTHP_VMA_HUGEPAGE) && (flags & MTHP_VMA_NOHUGEPAGE))
			return mthp_place_error(pl, off,
				"vma: hugepage and nohugepage contradict each other (a VMA has one or the other)");
	}
	*out = flags;
	return 0;
}

/* "all", "pmd", "none" or a list such as "2,4-9"; *out gets the mask. */
static int orders_list(const struct mthp_place *pl, const char *v, size_t vlen,
		       const struct mthp_geometry *g, uint32_t *out)
{
	uint32_t orders = 0;

	if (key_is(v, vlen, "all")) {
		*out = mthp_orders_all(g);
		return 0;
	}
	if (key_is(v, vlen, "pmd")) {
		*out = 1u << g->pmd_order;
		return 0;
	}
	if (key_is(v, vlen, "none")) {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i <= vlen;) {
		size_t j = i;

		while (j < vlen && v[j] != ',')
			j++;
		const char *dash = memchr(v + i, '-', j - i);
		unsigned long lo, hi;
		int r;

		if (j == i)
			return mthp_place_error(pl, i,
				"orders: empty entry in the list (want e.g. 2,4-9, all, pmd or none)");
		if (dash) {
			size_t d = (size_t)(dash - v);

			r = mthp_place_number(pl, i, v + i, d - i, "order",
					      MTHP_MIN_ORDER, g->pmd_order, &lo);
			if (!r)
				r = mthp_place_number(pl, d + 1, v + d + 1,
						      j - d - 1, "order",
						      MTHP_MIN_ORDER,
						      g->pmd_order, &hi);
			if (!r && lo > hi)
				r = mthp_place_error(pl, i,
					"orders: range %lu-%lu is backwards", lo, hi);
		} else {
			r = mthp_place_number(pl, i, v + i, j - i, "order",
					      MTHP_MIN_ORDER, g->pmd_order, &lo);
			hi = lo;
		}
		if (r)
			return r;
		for (unsigned long k = lo; k <= hi; k++)
			orders |= 1u << k;
		i = j + 1;
	}
	*out = orders;
	return 0;
}

/* Every size listed is "always", every other "never". */
static int set_orders(const struct mthp_place *pl, struct mthp_scenario *s,
		      const char *v, size_t vlen)
{
	uint32_t orders = 0;
	int r = orders_list(pl, v, vlen, &s->geometry, &orders);

	if (r)
		return r;
	for (unsigned int k = MTHP_MIN_ORDER; k <= s->geometry.pmd_order; k++)
		s->thp.order[k] = orders & (1u << k) ? MTHP_THP_ALWAYS
						     : MTHP_THP_NEVER;
	return 0;
}

/* The K of "order.K": a number from 2 to the PMD order. */
static int order_key(const struct mthp_place *kpl, const char *key,
		     size_t klen, const struct mthp_geometry *g,
		     unsigned long *k)
{
	return mthp_place_number(kpl, 6, key + 6, klen - 6, "order",
				 MTHP_MIN_ORDER, g->pmd_order, k);
}

/* The order of "hugepages-<size>kB/enabled": a size of this geometry. */
static int size_key(const struct mthp_place *kpl, const char *key,
		    size_t klen, const struct mthp_geometry *g,
		    unsigned long *k)
{
	unsigned long kb, page_kb = (1ul << g->page_shift) >> 10;
	int r = mthp_place_number(kpl, 10, key + 10, klen - 20, "size in kB", 1,
				  1ul << 30, &kb);

	if (r)
		return r;
	for (*k = MTHP_MIN_ORDER; *k <= g->pmd_order; ++*k)
		if ((page_kb << *k) == kb)
			return 0;
	return mthp_place_error(kpl, 10,
		"%.*s: %lukB is not an anonymous THP size of %s (%lukB to %lukB)",
		(int)klen, key, kb, g->name, page_kb << MTHP_MIN_ORDER,
		page_kb << g->pmd_order);
}

/*
 * Two numbers: A, then SEP, then B, which runs to the next blank, '=' or
 * the end. *end is where B ended.
 */
static int pair(const struct mthp_place *pl, const char *key, const char *v,
		size_t vlen, char sep, const char *what1, unsigned long hi1,
		const char *what2, unsigned long lo2, unsigned long hi2,
		unsigned long *a, unsigned long *b, size_t *end)
{
	size_t l1 = 0;
	char buf[64];

	*end = vlen;
	if (sep == ' ') {
		while (l1 < vlen && !is_space(v[l1]))
			l1++;
	} else {
		const char *s = memchr(v, sep, vlen);

		l1 = s ? (size_t)(s - v) : vlen;
	}
	if (l1 == vlen)
		return mthp_place_error(pl, 0, "%s: '%s' is not %s%s%s", key,
					mthp_show(v, vlen, buf, sizeof(buf)), what1,
					sep == ' ' ? " " : ":", what2);
	size_t i = l1 + 1;

	while (i < vlen && is_space(v[i]))
		i++;
	size_t j = i;

	while (j < vlen && !is_space(v[j]) && v[j] != '=')
		j++;
	int r = mthp_place_number(pl, 0, v, l1, what1, 0, hi1, a);

	if (!r)
		r = mthp_place_number(pl, i, v + i, j - i, what2, lo2, hi2, b);
	*end = j;
	return r;
}

/* folio = START ORDER. owner (file parsing) tracks which line holds each
 * PTE's folio, so overlaps name the other line. */
static int set_folio(const struct mthp_place *pl, struct mthp_scenario *s,
		     const char *v, size_t vlen, unsigned int *owner)
{
	const struct mthp_geometry *g = &s->geometry;
	unsigned long start, order;
	size_t end;
	int r = pair(pl, "folio", v, vlen, ' ', "START", g->pmd_nr - 1, "ORDER",
		     0, g->pmd_order, &start, &order, &end);

	if (r)
		return r;
	while (end < vlen && is_space(v[end]))
		end++;
	if (end != vlen)
		return mthp_place_error(pl, end,
					"folio: unexpected text after START ORDER");
	if (start & ((1ul << order) - 1))
		return mthp_place_error(pl, 0,
					"folio: START %lu is not a multiple of 2^%lu",
					start, order);
	if (start + (1ul << order) > g->pmd_nr)
		return mthp_place_error(pl, 0,
					"folio: %lu..%lu is outside the %u-PTE table",
					start, start + (1ul << order) - 1, g->pmd_nr);
	for (unsigned long k = start; owner && k < start + (1ul << order); k++)
		if (owner[k])
			return mthp_place_error(pl, 0,
				"folio: overlaps the folio on line %u (PTE %lu)",
				owner[k], k);
	unsigned int first, bad;

	switch (mthp_folio_conflict(s, (unsigned int)start, (unsigned int)order,
				    &first, &bad)) {
	case MTHP_FOLIO_OVERLAPS:
		return mthp_place_error(pl, 0,
			"folio: overlaps another folio (PTE %u)", bad);
	case MTHP_FOLIO_SHARED_DISAGREES: {
		bool sh = s->ptes[bad].flags & MTHP_PTE_SHARED;

		return mthp_place_error(pl, 0,
			"folio: PTE %u is %s but PTE %u is %s; sharing belongs to the folio, so all its present PTEs agree",
			bad, sh ? "shared" : "exclusive", first,
			sh ? "exclusive" : "shared");
	}
	default:
		break;
	}
	for (unsigned long k = start; owner && k < start + (1ul << order); k++)
		owner[k] = pl->line;
	return mthp_scenario_set_folio(s, (unsigned int)start,
				       (unsigned int)order);
}

/* One side of a fail rule's OFFSET:ORDER: a number in lo..hi, or '*'
 * (MTHP_FAIL_ANY). */
static int fail_part(const struct mthp_place *pl, size_t at, const char *v, size_t len,
		     const char *what, unsigned long lo, unsigned long hi,
		     unsigned long *out)
{
	if (len == 1 && v[0] == '*') {
		*out = MTHP_FAIL_ANY;
		return 0;
	}
	return mthp_place_number(pl, at, v, len, what, lo, hi, out);
}

/* fail = OFFSET:ORDER RESULT (or OFFSET:ORDER=RESULT); '*' for either */
static int set_fail(const struct mthp_place *pl, struct mthp_scenario *s,
		    const char *v, size_t vlen)
{
	const struct mthp_geometry *g = &s->geometry;
	unsigned long off, order;
	size_t end;
	char name[64], b[64];
	enum mthp_scan_result res;
	const char *colon = memchr(v, ':', vlen);

	if (!colon)
		return mthp_place_error(pl, 0, "fail: '%s' is not OFFSET:ORDER",
					mthp_show(v, vlen, b, sizeof(b)));
	size_t l1 = (size_t)(colon - v), i = l1 + 1;

	while (i < vlen && is_space(v[i]))
		i++;
	end = i;
	while (end < vlen && !is_space(v[end]) && v[end] != '=')
		end++;
	int r = fail_part(pl, 0, v, l1, "OFFSET", 0, g->pmd_nr - 1, &off);

	if (!r)
		r = fail_part(pl, i, v + i, end - i, "ORDER", MTHP_MIN_ORDER, g->pmd_order,
			      &order);
	if (r)
		return r;
	if (off != MTHP_FAIL_ANY && order != MTHP_FAIL_ANY && off & ((1ul << order) - 1))
		return mthp_place_error(pl, 0,
					"fail: OFFSET %lu is not aligned to order %lu",
					off, order);
	while (end < vlen && (is_space(v[end]) || v[end] == '='))
		end++;
	size_t nl = vlen - end;

	if (!nl)
		return mthp_place_error(pl, end,
					"fail: missing RESULT after OFFSET:ORDER");
	if (nl >= sizeof(name) ||
	    (memcpy(name, v + end, nl), name[nl] = 0,
	     mthp_scan_result_from_name(name, &res)))
		return mthp_place_error(pl, end,
					"fail: unknown result '%s' (a SCAN_* name)",
					mthp_show(v + end, nl, b, sizeof(b)));
	if (res == MTHP_SCAN_SUCCEED)
		return mthp_place_error(pl, end,
			"fail: SCAN_SUCCEED is not a failure (a rule makes an attempt fail; the mock collapses by itself)");
	for (size_t k = 0; k < s->nfails; k++)
		if (s->fails[k].range.offset == off &&
		    s->fails[k].range.order == order) {
			char a[16], o[16];

			if (off != MTHP_FAIL_ANY && order != MTHP_FAIL_ANY)
				return mthp_place_error(pl, 0,
					"fail: (%lu, order %lu) already has a rule (%s); one rule per range",
					off, order, mthp_scan_result_name(s->fails[k].result));
			snprintf(a, sizeof(a), off == MTHP_FAIL_ANY ? "*" : "%lu", off);
			snprintf(o, sizeof(o), order == MTHP_FAIL_ANY ? "*" : "%lu", order);
			return mthp_place_error(pl, 0,
				"fail: %s:%s already has a rule (%s); one rule per pattern",
				a, o, mthp_scan_result_name(s->fails[k].result));
		}
	if (s->nfails == MTHP_MAX_FAIL_RULES)
		return mthp_place_error(pl, 0, "fail: more than %d rules",
					MTHP_MAX_FAIL_RULES);
	/* room by doubling: 8, 16, 32 ... as the count reaches each */
	if (s->nfails == 0 || (s->nfails >= 8 && !(s->nfails & (s->nfails - 1)))) {
		size_t cap = s->nfails < 8 ? 8 : 2 * s->nfails;
		struct mthp_fail_rule *f = realloc(s->fails, cap * sizeof(*f));

		if (!f)
			return mthp_place_error(pl, 0, "fail: out of memory");
		s->fails = f;
	}
	s->fails[s->nfails++] = (struct mthp_fail_rule){
		{ (unsigned int)off, (unsigned int)order }, res };
	return 0;
}

/* The sysfs spelling of a per-size key: hugepages-<size>kB/enabled. */
static bool sysfs_size_key(const char *key, size_t klen)
{
	return klen > 18 && !memcmp(key, "hugepages-", 10) &&
	       !memcmp(key + klen - 10, "kB/enabled", 10);
}

static const char model_choices[] =
	"latest (or v19-swapfix), baseline, scaled, v15, v16, v17, v18, v19";

/*
 * Sets one key. kpl places the key (for errors in "order.K"), vpl the
 * value. When parsing a file, owner holds the line that set each slot:
 * each PTE for folio keys, each order for per-size keys.
 */
static int set_key(struct mthp_scenario *s, const char *key, size_t klen,
		   const struct mthp_place *kpl, const char *v, size_t vlen,
		   const struct mthp_place *vpl, unsigned int *owner)
{
	const struct mthp_geometry *g = &s->geometry;
	int x, r;

	if (key_is(key, klen, "model")) {
		r = set_named(vpl, "model", v, vlen, lookup_model, &x, model_choices);
		if (!r)
			s->model = (enum mthp_model)x;
		return r;
	}
	if (key_is(key, klen, "mode")) {
		r = set_named(vpl, "mode", v, vlen, lookup_mode, &x,
			      "khugepaged, madvise");
		if (!r)
			s->mode = (enum mthp_mode)x;
		return r;
	}
	if (key_is(key, klen, "enabled")) {
		r = set_named(vpl, "enabled", v, vlen, lookup_top, &x,
			      "always, madvise, never");
		if (!r)
			s->thp.enabled = (enum mthp_thp_setting)x;
		return r;
	}
	if (key_is(key, klen, "pmd")) {
		r = set_named(vpl, "pmd", v, vlen, lookup_pmd, &x,
			      "table, none, mapped");
		if (!r)
			s->pmd = (enum mthp_pmd_state)x;
		return r;
	}
	if (key_is(key, klen, "max_ptes_none"))
		return set_sysctl(vpl, "max_ptes_none", v, vlen, g->pmd_nr,
				  &s->max_ptes_none);
	if (key_is(key, klen, "max_ptes_swap"))
		return set_sysctl(vpl, "max_ptes_swap", v, vlen, g->pmd_nr,
				  &s->max_ptes_swap);
	if (key_is(key, klen, "max_ptes_shared"))
		return set_sysctl(vpl, "max_ptes_shared", v, vlen, g->pmd_nr,
				  &s->max_ptes_shared);
	if (key_is(key, klen, "orders"))
		return set_orders(vpl, s, v, vlen);
	/* a per-size setting: order.K, or its sysfs spelling
	 * hugepages-<size>kB/enabled */
	bool sysfs = sysfs_size_key(key, klen);

	if (sysfs || (klen > 6 && !memcmp(key, "order.", 6))) {
		unsigned long k;
		char b[64];

		r = sysfs ? size_key(kpl, key, klen, g, &k)
			  : order_key(kpl, key, klen, g, &k);
		if (r)
			return r;
		/* in a file, one size set twice under two spellings */
		if (owner && owner[k])
			return mthp_place_error(kpl, 0,
				"%.*s: the %lukB size (order %lu) is already set on line %u",
				(int)klen, key, (1ul << (g->page_shift + k)) >> 10, k,
				owner[k]);
		if (owner)
			owner[k] = kpl->line;
		if (set_named(vpl, "order", v, vlen, lookup_setting, &x, ""))
			return mthp_place_error(vpl, 0,
				"%.*s: unknown value '%s' (always, inherit, madvise, never)",
				(int)klen, key, mthp_show(v, vlen, b, sizeof(b)));
		s->thp.order[k] = (enum mthp_thp_setting)x;
		return 0;
	}
	if (key_is(key, klen, "vma"))
		return mthp_place_vma(vpl, v, vlen, &s->vma_flags, NULL);
	if (key_is(key, klen, "ptes"))
		return mthp_place_map(vpl, v, vlen, g, s->ptes);
	if (key_is(key, klen, "folio"))
		return set_folio(vpl, s, v, vlen, owner);
	if (key_is(key, klen, "fail"))
		return set_fail(vpl, s, v, vlen);
	if (key_is(key, klen, "geometry"))
		return mthp_place_error(kpl, 0,
			"geometry: set when the scenario is made (mthp_scenario_init(), or the parser's forced geometry)");
	char b[64];

	return mthp_place_error(kpl, 0, "unknown key '%s'",
				mthp_show(key, klen, b, sizeof(b)));
}

MTHP_EXPORT int mthp_scenario_set(struct mthp_scenario *s, const char *key,
				  const char *val, struct mthp_parse_error *err)
{
	struct mthp_parse_error dummy;
	struct mthp_place kpl = { err ? err : &dummy, 0, 0 };
	struct mthp_place vpl = { kpl.err, 0, 1 };

	memset(kpl.err, 0, sizeof(*kpl.err));
	if (!s || !s->ptes || !key || !val ||
	    !mthp_geometry_valid(&s->geometry))
		return mthp_place_error(&kpl, 0, "no scenario, key or value");
	size_t vlen = strlen(val);

	while (vlen && is_space(val[vlen - 1]))
		vlen--;
	if (!vlen)
		return mthp_place_error(&vpl, 0, "%s: the value is empty", key);
	return set_key(s, key, strlen(key), &kpl, val, vlen, &vpl, NULL);
}

/* ---- the file parser ---- */

#define MAX_ENTRIES 1024

struct entry {
	const char *key, *val; /* not NUL-terminated */
	size_t klen, vlen;
	unsigned int line, kcol, vcol;
	char canon[16];        /* "order.K" with K without leading zeros */
	bool used;
};

struct head_key {
	const char *key;
	mthp_head_key_fn fn;
	void *ctx;
};

struct parser {
	struct entry e[MAX_ENTRIES];
	size_t n;
	unsigned int lines, last_len;
	struct mthp_scenario *s;
	struct mthp_parse_error *err;
	/* a snapshot's head (mthp_scenario_parse_head()): no table, and
	 * the lines of its own key go to its function; NULL for a scenario */
	const struct head_key *head;
};

#define perr(p, line, col, ...) \
	mthp_error((p)->err, -EINVAL, (line), (col), __VA_ARGS__)

static bool key_char(char c)
{
	/* '-' and '/' for the sysfs spelling, hugepages-64kB/enabled */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
	       c == '/';
}

/* "order.004" and "order.4" are one key: the name duplicates compare. */
static void canonical(struct entry *e)
{
	size_t i = 6;

	if (e->klen <= 6 || memcmp(e->key, "order.", 6))
		return;
	while (i + 1 < e->klen && e->key[i] == '0')
		i++;
	if (e->klen - i + 6 < sizeof(e->canon))
		snprintf(e->canon, sizeof(e->canon), "order.%.*s",
			 (int)(e->klen - i), e->key + i);
}

static const char *ename(const struct entry *e, size_t *len)
{
	*len = e->canon[0] ? strlen(e->canon) : e->klen;
	return e->canon[0] ? e->canon : e->key;
}

/* Splits the text into entries; checks sizes, characters, duplicates. */
static int split_lines(struct parser *p, const char *text, size_t len)
{
	unsigned int line = 0;
	size_t pos = 0;

	if (len > MTHP_SCENARIO_MAX_BYTES)
		return perr(p, 0, 0, "the file is %zu bytes; the limit is %u",
			    len, MTHP_SCENARIO_MAX_BYTES);
	/* a UTF-8 byte-order mark is not part of the first line */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;

		pos += ll + 1;
		line++;
		p->lines = line;
		p->last_len = (unsigned int)ll;
		if (ll > MTHP_SCENARIO_MAX_LINE)
			return perr(p, line, MTHP_SCENARIO_MAX_LINE + 1,
				    "line is longer than %u bytes",
				    MTHP_SCENARIO_MAX_LINE);
		const char *nul = memchr(l, 0, ll);

		if (nul)
			return perr(p, line, (unsigned int)(nul - l) + 1,
				    "NUL byte in the file");
		const char *hash = memchr(l, '#', ll);

		if (hash)
			ll = (size_t)(hash - l);
		size_t i = 0;

		while (i < ll && is_space(l[i]))
			i++;
		if (i == ll)
			continue;
		size_t k0 = i;

		while (i < ll && key_char(l[i]))
			i++;
		size_t klen = i - k0;

		while (i < ll && is_space(l[i]))
			i++;
		if (!klen || i == ll || l[i] != '=') {
			char b[64];

			if (!klen)
				return perr(p, line, (unsigned int)k0 + 1,
					    "expected a key, found '%s'",
					    mthp_show(l + k0, ll - k0, b, sizeof(b)));
			return perr(p, line, (unsigned int)i + 1,
				    "expected '=' after key '%.*s'",
				    (int)klen, l + k0);
		}
		i++;
		while (i < ll && is_space(l[i]))
			i++;
		size_t vend = ll;

		while (vend > i && is_space(l[vend - 1]))
			vend--;
		if (vend == i)
			return perr(p, line, (unsigned int)i + 1,
				    "key '%.*s' has no value", (int)klen, l + k0);
		if (p->n == MAX_ENTRIES)
			return perr(p, line, 1, "more than %d settings",
				    MAX_ENTRIES);
		struct entry *e = &p->e[p->n++];

		*e = (struct entry){
			.key = l + k0, .klen = klen, .val = l + i,
			.vlen = vend - i, .line = line,
			.kcol = (unsigned int)k0 + 1, .vcol = (unsigned int)i + 1,
		};
		canonical(e);
	}
	return 0;
}

static bool repeatable(const struct entry *e)
{
	return key_is(e->key, e->klen, "folio") || key_is(e->key, e->klen, "fail");
}

static int check_duplicates(struct parser *p)
{
	for (size_t i = 0; i < p->n; i++) {
		size_t li, lj;
		const char *ni = ename(&p->e[i], &li);

		if (repeatable(&p->e[i]))
			continue;
		for (size_t j = 0; j < i; j++) {
			const char *nj = ename(&p->e[j], &lj);

			if (li == lj && !memcmp(ni, nj, li))
				return perr(p, p->e[i].line, p->e[i].kcol,
					    "duplicate key '%.*s' (first set on line %u%s)",
					    (int)li, ni, p->e[j].line,
					    p->e[j].klen != p->e[i].klen
						    ? ", spelled differently" : "");
		}
	}
	return 0;
}

/* Applies every entry whose key satisfies match, in file order. */
static int apply(struct parser *p, bool (*match)(const struct entry *),
		 unsigned int *owner)
{
	for (size_t i = 0; i < p->n; i++) {
		struct entry *e = &p->e[i];

		if (e->used || !match(e))
			continue;
		e->used = true;
		struct mthp_place kpl = { p->err, e->line, e->kcol };
		struct mthp_place vpl = { p->err, e->line, e->vcol };
		int r = set_key(p->s, e->key, e->klen, &kpl, e->val, e->vlen,
				&vpl, owner);

		if (r)
			return r;
	}
	return 0;
}

#define MATCH(fn, cond)                                 \
	static bool fn(const struct entry *e)           \
	{                                               \
		return cond;                            \
	}
/* one size, in either spelling: applied after the list of sizes */
MATCH(m_order_k, (e->klen > 6 && !memcmp(e->key, "order.", 6)) ||
	sysfs_size_key(e->key, e->klen))
MATCH(m_orders, key_is(e->key, e->klen, "orders"))
MATCH(m_settings, !key_is(e->key, e->klen, "geometry") && !m_orders(e) &&
	!m_order_k(e) && !key_is(e->key, e->klen, "ptes") && !repeatable(e))
MATCH(m_ptes, key_is(e->key, e->klen, "ptes"))
MATCH(m_folio, key_is(e->key, e->klen, "folio"))
MATCH(m_fail, key_is(e->key, e->klen, "fail"))

static int parse_geometry(struct parser *p, const struct mthp_geometry *force)
{
	struct mthp_geometry g;
	struct entry *e = NULL;
	char name[64], msg[200];

	for (size_t i = 0; i < p->n; i++)
		if (key_is(p->e[i].key, p->e[i].klen, "geometry"))
			e = &p->e[i];
	if (e)
		e->used = true; /* consumed even when overridden */
	if (force) {
		if (!mthp_geometry_valid(force))
			return perr(p, 0, 0, "the forced geometry is not valid");
		g = *force;
	} else if (e) {
		struct mthp_place pl = { p->err, e->line, e->vcol };
		int r = value(&pl, e->val, e->vlen, name, sizeof(name));

		if (r)
			return r;
		if (mthp_geometry_lookup(name, &g, msg, sizeof(msg)))
			return perr(p, e->line, e->vcol, "%s", msg);
	} else {
		mthp_geometry_lookup("x86_64", &g, NULL, 0);
	}
	if (mthp_scenario_init(p->s, &g))
		return perr(p, 0, 0, "out of memory");
	return 0;
}

/* A snapshot's head: its own key's lines handed on, no table lines. */
static int head_lines(struct parser *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct entry *e = &p->e[i];
		struct mthp_place vpl = { p->err, e->line, e->vcol };

		if (key_is(e->key, e->klen, "ptes") || key_is(e->key, e->klen, "folio"))
			return perr(p, e->line, e->kcol,
				    "%.*s: belongs after a 'pmd ADDR table' line",
				    (int)e->klen, e->key);
		if (!key_is(e->key, e->klen, p->head->key))
			continue;
		e->used = true;
		int r = p->head->fn(p->head->ctx, &vpl, e->val, e->vlen);

		if (r)
			return r;
	}
	return 0;
}

static int parse_all(struct parser *p, const struct mthp_geometry *force)
{
	int r = check_duplicates(p);

	if (!r)
		r = parse_geometry(p, force);
	if (!r && p->head)
		r = head_lines(p);
	if (r)
		return r;
	/* settings, then the list of sizes before single sizes, then the
	 * table, its folios and the injected failures */
	unsigned int size_owner[MTHP_MAX_PMD_ORDER + 1] = { 0 };

	if ((r = apply(p, m_settings, NULL)) || (r = apply(p, m_orders, NULL)) ||
	    (r = apply(p, m_order_k, size_owner)))
		return r;
	if (p->head)
		return apply(p, m_fail, NULL);
	bool has_ptes = false;

	for (size_t i = 0; i < p->n; i++)
		has_ptes |= key_is(p->e[i].key, p->e[i].klen, "ptes");
	if (!has_ptes && p->s->pmd == MTHP_PMD_TABLE)
		return perr(p, p->lines ? p->lines : 1, p->last_len + 1,
			    "missing required key 'ptes' (the PTE map) at the end of the file");
	unsigned int *owner = calloc(p->s->geometry.pmd_nr, sizeof(*owner));

	if (!owner)
		return perr(p, 0, 0, "out of memory");
	r = apply(p, m_ptes, NULL);
	if (!r)
		r = apply(p, m_folio, owner);
	free(owner);
	if (!r)
		r = apply(p, m_fail, NULL);
	return r;
}

/* The parser's entries are too many for the stack: it lives on the heap.
 * head: the snapshot-head settings (NULL for a scenario file). */
static int parse(struct mthp_scenario *s, struct mthp_parse_error *err,
		 const char *text, size_t len,
		 const struct mthp_geometry *geometry, const struct head_key *head)
{
	struct parser *p = calloc(1, sizeof(*p));
	int r;

	if (!p) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return err->code = -ENOMEM;
	}
	p->head = head;
	p->s = s;
	p->err = err;
	r = split_lines(p, text, len);
	if (!r)
		r = parse_all(p, geometry);
	free(p);
	return r;
}

MTHP_EXPORT int mthp_scenario_parse(const char *text, size_t len,
				    const struct mthp_geometry *geometry,
				    struct mthp_scenario *s,
				    struct mthp_parse_error *err)
{
	struct mthp_parse_error dummy;

	if (!mthp_begin(s, sizeof(*s), &err, &dummy))
		return -EINVAL;
	if (!text && len)
		return err->code = -EINVAL;
	return parse(s, err, text, len, geometry, NULL);
}

int mthp_scenario_parse_head(const char *text, size_t len,
			     struct mthp_scenario *s, const char *key,
			     mthp_head_key_fn fn, void *ctx,
			     struct mthp_parse_error *err)
{
	const struct head_key h = { key, fn, ctx };
	struct mthp_parse_error dummy;

	if (!mthp_begin(s, sizeof(*s), &err, &dummy))
		return -EINVAL;
	return parse(s, err, text, len, NULL, &h);
}

/*
 * A settings file: scenario keys, one per line, '#' to the end of a line
 * a comment. The table and what belongs to it (ptes, folio, fail, pmd) and
 * the geometry are the scenario's own and are passed over.
 */
MTHP_EXPORT int mthp_scenario_apply_settings(struct mthp_scenario *s, const char *text,
					     size_t len, struct mthp_parse_error *err)
{
	static const char *const own[] = { "geometry", "ptes", "folio", "fail", "pmd" };
	struct mthp_parse_error dummy;
	unsigned int line = 0;

	err = err ? err : &dummy;
	memset(err, 0, sizeof(*err));
	if (!s || !s->ptes || (!text && len) || !mthp_geometry_valid(&s->geometry))
		return mthp_error(err, -EINVAL, 0, 0, "no scenario, or no text");
	for (const char *l = text, *end = text + len; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t ll = nl ? (size_t)(nl - l) : (size_t)(end - l);
		char buf[512];

		line++;
		if (ll >= sizeof(buf) || memchr(l, 0, ll))
			return mthp_error(err, -EINVAL, line, 1, "line too long, or a NUL byte");
		memcpy(buf, l, ll);
		buf[ll] = 0;
		l += ll + 1;
		char *hash = strchr(buf, '#');

		if (hash)
			*hash = 0;
		char *eq = strchr(buf, '=');

		if (!eq) {
			if (strspn(buf, " \t\r") != strlen(buf))
				return mthp_error(err, -EINVAL, line, 1, "expected 'key = value'");
			continue;
		}
		char *k = buf + strspn(buf, " \t"), *v = eq + 1, *kend = eq;
		bool skip = false;

		while (kend > k && (kend[-1] == ' ' || kend[-1] == '\t'))
			kend--;
		*kend = 0;
		v += strspn(v, " \t");
		for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
			skip |= !strcmp(k, own[i]);
		if (skip)
			continue;
		struct mthp_parse_error e;

		if (mthp_scenario_set(s, k, v, &e))
			return mthp_error(err, -EINVAL, line,
					  e.col ? (unsigned int)(v - buf) + e.col
						: (unsigned int)(k - buf) + 1,
					  "%s", e.msg);
	}
	return 0;
}
