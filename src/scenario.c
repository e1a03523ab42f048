// SPDX-License-Identifier: MIT
/*
 * Scenario files: `key = value` lines describing one PMD range and the
 * settings to simulate it under. Every error names its line and column.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mthpcollapse/sim.h"

#define MAX_ENTRIES 1024

struct entry {
	const char *key, *val; /* not NUL-terminated */
	size_t klen, vlen;
	unsigned int line, kcol, vcol;
	bool used;
};

struct parser {
	struct entry e[MAX_ENTRIES];
	size_t n;
	struct mthp_scenario *s;
	struct mthp_parse_error *err;
};

static int perr(struct parser *p, unsigned int line, unsigned int col,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int perr(struct parser *p, unsigned int line, unsigned int col,
		const char *fmt, ...)
{
	va_list ap;

	p->err->line = line;
	p->err->col = col;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A printable copy of (at most 32 bytes of) a value, for messages. */
static const char *show(const char *v, size_t len, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < size && i < 32; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
	}
	if (len > 32 && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

/* Splits the text into entries; checks sizes, characters, duplicates. */
static int split_lines(struct parser *p, const char *text, size_t len)
{
	unsigned int line = 0;
	size_t pos = 0;

	if (len > MTHP_SCENARIO_MAX_BYTES)
		return perr(p, 0, 0, "file is %zu bytes; the limit is %u", len,
			    MTHP_SCENARIO_MAX_BYTES);
	while (pos < len) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;

		pos += ll + 1;
		line++;
		if (ll > MTHP_SCENARIO_MAX_LINE)
			return perr(p, line, MTHP_SCENARIO_MAX_LINE + 1,
				    "line is longer than %u bytes",
				    MTHP_SCENARIO_MAX_LINE);
		const char *hash = memchr(l, '#', ll);

		if (hash)
			ll = (size_t)(hash - l);
		for (size_t i = 0; i < ll; i++)
			if (l[i] == 0)
				return perr(p, line, (unsigned int)i + 1,
					    "NUL byte in the file");
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
					    show(l + k0, ll - k0, b, sizeof(b)));
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
		p->e[p->n++] = (struct entry){
			.key = l + k0, .klen = klen, .val = l + i,
			.vlen = vend - i, .line = line,
			.kcol = (unsigned int)k0 + 1, .vcol = (unsigned int)i + 1,
		};
	}
	return 0;
}

static bool key_is(const struct entry *e, const char *k)
{
	return e->klen == strlen(k) && !memcmp(e->key, k, e->klen);
}

static bool repeatable(const struct entry *e)
{
	return key_is(e, "folio") || key_is(e, "fail");
}

static int check_duplicates(struct parser *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (repeatable(&p->e[i]))
			continue;
		for (size_t j = 0; j < i; j++)
			if (p->e[j].klen == p->e[i].klen &&
			    !memcmp(p->e[j].key, p->e[i].key, p->e[i].klen))
				return perr(p, p->e[i].line, p->e[i].kcol,
					    "duplicate key '%.*s' (first set on line %u)",
					    (int)p->e[i].klen, p->e[i].key,
					    p->e[j].line);
	}
	return 0;
}

static struct entry *find(struct parser *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++) {
		if (key_is(&p->e[i], key)) {
			p->e[i].used = true;
			return &p->e[i];
		}
	}
	return NULL;
}

/* Copies a value into a NUL-terminated buffer; too long is an error. */
static int value(struct parser *p, const struct entry *e, char *buf,
		 size_t size)
{
	char b[64];

	if (e->vlen >= size)
		return perr(p, e->line, e->vcol, "value '%s' is too long",
			    show(e->val, e->vlen, b, sizeof(b)));
	memcpy(buf, e->val, e->vlen);
	buf[e->vlen] = 0;
	return 0;
}

/* A decimal number in [lo, hi] at (line, col). */
static int number(struct parser *p, const char *s, size_t len,
		  unsigned int line, unsigned int col, const char *what,
		  unsigned long lo, unsigned long hi, unsigned long *out)
{
	unsigned long v = 0;
	char b[64];

	if (!len)
		return perr(p, line, col, "%s is missing", what);
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return perr(p, line, col, "%s '%s' is not a number",
				    what, show(s, len, b, sizeof(b)));
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > hi)
			return perr(p, line, col,
				    "%s '%s' is out of range (%lu..%lu)", what,
				    show(s, len, b, sizeof(b)), lo, hi);
	}
	if (v < lo)
		return perr(p, line, col, "%s %lu is out of range (%lu..%lu)",
			    what, v, lo, hi);
	*out = v;
	return 0;
}

static int parse_geometry(struct parser *p, const struct mthp_geometry *force)
{
	struct mthp_geometry g;
	const struct entry *e = find(p, "geometry");
	char name[64], msg[200];

	if (force) {
		g = *force;
	} else if (e) {
		int r = value(p, e, name, sizeof(name));

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

static int parse_named(struct parser *p, const char *key,
		       int (*lookup)(const char *, void *), void *out,
		       const char *choices)
{
	const struct entry *e = find(p, key);
	char buf[64];

	if (!e)
		return 0;
	if (value(p, e, buf, sizeof(buf)) || lookup(buf, out))
		return perr(p, e->line, e->vcol, "%s: unknown value '%s' (%s)",
			    key, show(e->val, e->vlen, buf, sizeof(buf)),
			    choices);
	return 0;
}

static int lookup_model(const char *s, void *out)
{
	return mthp_model_from_name(s, out);
}

static int lookup_mode(const char *s, void *out)
{
	return mthp_mode_from_name(s, out);
}

static int lookup_top(const char *s, void *out)
{
	enum mthp_thp_setting v;

	/* "inherit" is a per-size setting only */
	if (mthp_thp_setting_from_name(s, &v) || v == MTHP_THP_INHERIT)
		return -EINVAL;
	*(enum mthp_thp_setting *)out = v;
	return 0;
}

static int lookup_setting(const char *s, void *out)
{
	return mthp_thp_setting_from_name(s, out);
}

static int lookup_pmd(const char *s, void *out)
{
	static const char *const names[] = { "table", "none", "mapped" };

	for (int i = 0; i < 3; i++) {
		if (!strcmp(s, names[i])) {
			*(enum mthp_pmd_state *)out = (enum mthp_pmd_state)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_sysctl(struct parser *p, const char *key, unsigned int *out)
{
	const struct entry *e = find(p, key);
	unsigned long v;

	if (!e)
		return 0;
	int r = number(p, e->val, e->vlen, e->line, e->vcol, key, 0,
		       p->s->geometry.pmd_nr - 1, &v);

	*out = (unsigned int)v;
	return r;
}

/* order.K = setting, for every K the file names. */
static int parse_orders(struct parser *p)
{
	const struct mthp_geometry *g = &p->s->geometry;

	for (size_t i = 0; i < p->n; i++) {
		struct entry *e = &p->e[i];
		unsigned long k;

		if (e->klen < 7 || memcmp(e->key, "order.", 6))
			continue;
		e->used = true;
		int r = number(p, e->key + 6, e->klen - 6, e->line, e->kcol + 6,
			       "order", MTHP_MIN_ORDER, g->pmd_order, &k);
		if (r)
			return r;
		char buf[64];

		if (value(p, e, buf, sizeof(buf)) ||
		    lookup_setting(buf, &p->s->thp.order[k]))
			return perr(p, e->line, e->vcol,
				    "order.%lu: unknown value '%s' (always, inherit, madvise, never)",
				    k, show(e->val, e->vlen, buf, sizeof(buf)));
	}
	return 0;
}

static int parse_vma(struct parser *p)
{
	const struct entry *e = find(p, "vma");

	if (!e)
		return 0;
	for (size_t i = 0; i < e->vlen;) {
		while (i < e->vlen && is_space(e->val[i]))
			i++;
		size_t w = i;

		while (i < e->vlen && !is_space(e->val[i]))
			i++;
		const char *word = e->val + w;
		size_t wl = i - w;
		char b[64];

		if (wl == 8 && !memcmp(word, "hugepage", 8))
			p->s->vma_flags |= MTHP_VMA_HUGEPAGE;
		else if (wl == 10 && !memcmp(word, "nohugepage", 10))
			p->s->vma_flags |= MTHP_VMA_NOHUGEPAGE;
		else if (wl == 4 && !memcmp(word, "uffd", 4))
			p->s->vma_flags |= MTHP_VMA_UFFD;
		else if (!(wl == 4 && !memcmp(word, "none", 4)))
			return perr(p, e->line, e->vcol + (unsigned int)w,
				    "vma: unknown flag '%s' (hugepage, nohugepage, uffd, none)",
				    show(word, wl, b, sizeof(b)));
	}
	return 0;
}

/* The PTE map: tokens STATE*COUNT, or runs of state characters. */
static int parse_ptes(struct parser *p)
{
	const struct entry *e = find(p, "ptes");
	const struct mthp_geometry *g = &p->s->geometry;
	unsigned int pos = 0;

	if (!e) {
		if (p->s->pmd != MTHP_PMD_TABLE)
			return 0; /* no table to describe */
		return perr(p, 0, 0, "missing required key 'ptes' (the PTE map)");
	}
	for (size_t i = 0; i < e->vlen;) {
		while (i < e->vlen && is_space(e->val[i]))
			i++;
		if (i == e->vlen)
			break;
		size_t t = i;

		while (i < e->vlen && !is_space(e->val[i]))
			i++;
		const char *tok = e->val + t;
		size_t tl = i - t;
		unsigned int col = e->vcol + (unsigned int)t;
		const char *star = memchr(tok, '*', tl);
		size_t nstates = star ? (size_t)(star - tok) : tl;
		unsigned long count = 1;
		char b[64];

		if (star) {
			if (nstates != 1)
				return perr(p, e->line, col,
					    "'%s': a count follows a single state (STATE*COUNT)",
					    show(tok, tl, b, sizeof(b)));
			int r = number(p, star + 1, tl - 2, e->line, col + 2,
				       "count", 1, g->pmd_nr, &count);
			if (r)
				return r;
		}
		for (size_t c = 0; c < nstates; c++) {
			struct mthp_pte pte = { 0 };

			if (mthp_pte_from_char(tok[c], &pte))
				return perr(p, e->line, col + (unsigned int)c,
					    "unknown PTE state '%s' (see the state table in README.md)",
					    show(tok + c, 1, b, sizeof(b)));
			if (pos + count > g->pmd_nr)
				return perr(p, e->line, col,
					    "the map runs past the %u PTEs of %s",
					    g->pmd_nr, g->name);
			for (unsigned long k = 0; k < count; k++, pos++) {
				pte.folio_start = pos;
				p->s->ptes[pos] = pte;
			}
		}
	}
	if (pos != g->pmd_nr)
		return perr(p, e->line, e->vcol,
			    "the map has %u PTEs; %s has %u per table", pos,
			    g->name, g->pmd_nr);
	return 0;
}

/*
 * Two numbers: the first ends at sep, the second runs to the next blank
 * (or the end). *end is where the second ended.
 */
static int pair(struct parser *p, const struct entry *e, char sep,
		const char *what1, unsigned long hi1, const char *what2,
		unsigned long lo2, unsigned long hi2, unsigned long *a,
		unsigned long *b, size_t *end)
{
	const char *s = memchr(e->val, sep, e->vlen);
	char buf[64];

	if (!s)
		return perr(p, e->line, e->vcol, "%.*s: '%s' is not %s%c%s",
			    (int)e->klen, e->key,
			    show(e->val, e->vlen, buf, sizeof(buf)), what1, sep,
			    what2);
	size_t l1 = (size_t)(s - e->val);
	size_t i = l1 + 1;

	while (i < e->vlen && is_space(e->val[i]))
		i++;
	size_t j = i;

	while (j < e->vlen && !is_space(e->val[j]))
		j++;
	int r = number(p, e->val, l1, e->line, e->vcol, what1, 0, hi1, a);

	if (!r)
		r = number(p, e->val + i, j - i, e->line,
			   e->vcol + (unsigned int)i, what2, lo2, hi2, b);
	*end = j;
	return r;
}

static int parse_folios(struct parser *p, unsigned int *owner_line)
{
	const struct mthp_geometry *g = &p->s->geometry;

	for (size_t i = 0; i < p->n; i++) {
		struct entry *e = &p->e[i];
		unsigned long start, order;
		size_t end;

		if (!key_is(e, "folio"))
			continue;
		e->used = true;
		int r = pair(p, e, ' ', "START", g->pmd_nr - 1, "ORDER", 0,
			     g->pmd_order, &start, &order, &end);
		if (r)
			return r;
		while (end < e->vlen && is_space(e->val[end]))
			end++;
		if (end != e->vlen)
			return perr(p, e->line, e->vcol + (unsigned int)end,
				    "folio: unexpected text after START ORDER");
		if (start & ((1ul << order) - 1))
			return perr(p, e->line, e->vcol,
				    "folio: START %lu is not a multiple of 2^%lu",
				    start, order);
		if (start + (1ul << order) > g->pmd_nr)
			return perr(p, e->line, e->vcol,
				    "folio: %lu..%lu is outside the %u-PTE table",
				    start, start + (1ul << order) - 1, g->pmd_nr);
		for (unsigned long k = start; k < start + (1ul << order); k++)
			if (owner_line[k])
				return perr(p, e->line, e->vcol,
					    "folio: overlaps the folio on line %u (PTE %lu)",
					    owner_line[k], k);
		unsigned int first, bad;

		if (mthp_folio_conflict(p->s, (unsigned int)start,
					(unsigned int)order, &first, &bad)) {
			bool sh = p->s->ptes[bad].flags & MTHP_PTE_SHARED;

			return perr(p, e->line, e->vcol,
				    "folio: PTE %u is %s but PTE %u is %s; sharing belongs to the folio, so all its present PTEs agree",
				    bad, sh ? "shared" : "exclusive", first,
				    sh ? "exclusive" : "shared");
		}
		for (unsigned long k = start; k < start + (1ul << order); k++)
			owner_line[k] = e->line;
		mthp_scenario_set_folio(p->s, (unsigned int)start,
					(unsigned int)order);
	}
	return 0;
}

static int parse_fails(struct parser *p)
{
	const struct mthp_geometry *g = &p->s->geometry;

	for (size_t i = 0; i < p->n; i++) {
		struct entry *e = &p->e[i];
		unsigned long off, order;
		size_t end;
		char name[64], b[64];

		if (!key_is(e, "fail"))
			continue;
		e->used = true;
		int r = pair(p, e, ':', "OFFSET", g->pmd_nr - 1, "ORDER",
			     MTHP_MIN_ORDER, g->pmd_order, &off, &order, &end);
		if (r)
			return r;
		if (off & ((1ul << order) - 1))
			return perr(p, e->line, e->vcol,
				    "fail: OFFSET %lu is not aligned to order %lu",
				    off, order);
		while (end < e->vlen && is_space(e->val[end]))
			end++;
		size_t nl = e->vlen - end;
		enum mthp_scan_result res;

		if (!nl)
			return perr(p, e->line, e->vcol + (unsigned int)end,
				    "fail: missing RESULT after OFFSET:ORDER");
		if (nl >= sizeof(name) ||
		    (memcpy(name, e->val + end, nl), name[nl] = 0,
		     mthp_scan_result_from_name(name, &res)))
			return perr(p, e->line, e->vcol + (unsigned int)end,
				    "fail: unknown result '%s' (a SCAN_* name)",
				    show(e->val + end, nl, b, sizeof(b)));
		if (p->s->nfails == MTHP_MAX_FAIL_RULES)
			return perr(p, e->line, e->kcol,
				    "fail: more than %d rules", MTHP_MAX_FAIL_RULES);
		p->s->fails[p->s->nfails++] = (struct mthp_fail_rule){
			{ (unsigned int)off, (unsigned int)order }, res };
	}
	return 0;
}

static int parse_all(struct parser *p, const struct mthp_geometry *force)
{
	struct mthp_scenario *s;
	int r;

	r = check_duplicates(p);
	if (!r)
		r = parse_geometry(p, force);
	if (r)
		return r;
	s = p->s;
	if ((r = parse_named(p, "model", lookup_model, &s->model,
			     "baseline, scaled, v15, v16, v17, v18, v19, latest (or v19-swapfix)")) ||
	    (r = parse_named(p, "mode", lookup_mode, &s->mode,
			     "khugepaged, madvise")) ||
	    (r = parse_named(p, "enabled", lookup_top, &s->thp.enabled,
			     "always, madvise, never")) ||
	    (r = parse_named(p, "pmd", lookup_pmd, &s->pmd,
			     "table, none, mapped")) ||
	    (r = parse_sysctl(p, "max_ptes_none", &s->max_ptes_none)) ||
	    (r = parse_sysctl(p, "max_ptes_swap", &s->max_ptes_swap)) ||
	    (r = parse_sysctl(p, "max_ptes_shared", &s->max_ptes_shared)) ||
	    (r = parse_orders(p)) || (r = parse_vma(p)) || (r = parse_ptes(p)))
		return r;
	unsigned int *owner = calloc(s->geometry.pmd_nr, sizeof(*owner));

	if (!owner)
		return perr(p, 0, 0, "out of memory");
	r = parse_folios(p, owner);
	free(owner);
	if (!r)
		r = parse_fails(p);
	if (r)
		return r;
	find(p, "geometry"); /* consumed even when overridden */
	for (size_t i = 0; i < p->n; i++) {
		struct entry *e = &p->e[i];
		char b[64];

		if (!e->used)
			return perr(p, e->line, e->kcol, "unknown key '%s'",
				    show(e->key, e->klen, b, sizeof(b)));
	}
	return 0;
}

MTHP_EXPORT int mthp_scenario_parse(const char *text, size_t len,
				    const struct mthp_geometry *geometry,
				    struct mthp_scenario *s,
				    struct mthp_parse_error *err)
{
	struct parser *p = calloc(1, sizeof(*p));
	struct mthp_parse_error dummy;
	int r;

	memset(s, 0, sizeof(*s));
	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (!p) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	p->s = s;
	p->err = err;
	r = split_lines(p, text, len);
	if (!r)
		r = parse_all(p, geometry);
	free(p);
	return r;
}
