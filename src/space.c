// SPDX-License-Identifier: MIT
/*
 * Address-space snapshots: the text format (reader and writer) and a live
 * process read through /proc (smaps for the VMAs and their flags, status
 * for the THP switch, pagemap per page, kpageflags per PFN when visible).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "models.h"
#include "mthpcollapse/space.h"

MTHP_EXPORT void mthp_space_free(struct mthp_space *sp)
{
	if (!sp)
		return;
	for (size_t i = 0; i < sp->npmds; i++)
		free(sp->pmds[i].ptes);
	free(sp->pmds);
	free(sp->vmas);
	mthp_scenario_free(&sp->settings);
	memset(sp, 0, sizeof(*sp));
}

/*
 * Room for one more of n elements: the arrays grow by doubling, at the
 * counts 0, 16, 32, 64, ... - so the capacity follows from the count and
 * a process of half a million PMD ranges is not copied half a million
 * times.
 */
static void *grow(void *a, size_t n, size_t elem)
{
	if (n >= 16 && (n & (n - 1)))
		return a;
	return realloc(a, (n < 16 ? 16 : 2 * n) * elem);
}

static int add_vma(struct mthp_space *sp, unsigned long start,
		   unsigned long end, unsigned int flags, bool disabled)
{
	struct mthp_space_vma *v = grow(sp->vmas, sp->nvmas, sizeof(*v));

	if (!v)
		return -ENOMEM;
	sp->vmas = v;
	v[sp->nvmas++] = (struct mthp_space_vma){ start, end, flags, disabled,
						  sp->npmds, 0 };
	return 0;
}

/* The capacity grow() keeps for n elements. */
static size_t capacity(size_t n)
{
	size_t c = 16;

	while (c < n)
		c *= 2;
	return c;
}

MTHP_EXPORT int mthp_space_copy(struct mthp_space *dst,
				const struct mthp_space *src)
{
	unsigned int nr;
	int r;

	if (!dst)
		return -EINVAL;
	memset(dst, 0, sizeof(*dst));
	if (!src)
		return -EINVAL;
	r = mthp_scenario_copy(&dst->settings, &src->settings);
	if (r)
		return r;
	nr = src->settings.geometry.pmd_nr;
	dst->unknown = src->unknown;
	dst->pid = src->pid;
	memcpy(dst->comm, src->comm, sizeof(dst->comm));
	dst->vmas = malloc(capacity(src->nvmas) * sizeof(*dst->vmas));
	dst->pmds = malloc(capacity(src->npmds) * sizeof(*dst->pmds));
	if (!dst->vmas || !dst->pmds)
		goto nomem;
	memcpy(dst->vmas, src->vmas, src->nvmas * sizeof(*dst->vmas));
	dst->nvmas = src->nvmas;
	for (size_t i = 0; i < src->npmds; i++) {
		struct mthp_space_pmd *p = &dst->pmds[i];

		*p = src->pmds[i];
		if (p->ptes) {
			p->ptes = malloc(nr * sizeof(*p->ptes));
			if (!p->ptes)
				goto nomem;
			memcpy(p->ptes, src->pmds[i].ptes, nr * sizeof(*p->ptes));
		}
		dst->npmds = i + 1;
	}
	return 0;
nomem:
	mthp_space_free(dst);
	return -ENOMEM;
}

/* A PMD record of the last VMA; ptes allocated (all none) for a table. */
static struct mthp_space_pmd *add_pmd(struct mthp_space *sp, unsigned long addr,
				      enum mthp_pmd_state st)
{
	struct mthp_space_pmd *p = grow(sp->pmds, sp->npmds, sizeof(*p));
	unsigned int nr = sp->settings.geometry.pmd_nr;

	if (!p)
		return NULL;
	sp->pmds = p;
	p = &p[sp->npmds];
	*p = (struct mthp_space_pmd){ addr, st, NULL };
	if (st == MTHP_PMD_TABLE) {
		p->ptes = calloc(nr, sizeof(*p->ptes));
		if (!p->ptes)
			return NULL;
	}
	sp->npmds++;
	sp->vmas[sp->nvmas - 1].count++;
	return &sp->pmds[sp->npmds - 1];
}

/* ---- the text format ---- */

static const char *const unknown_words[] = { "young", "folio", "zero" };

static void vma_words(FILE *f, const struct mthp_space_vma *v)
{
	bool any = false;

	if (v->flags & MTHP_VMA_HUGEPAGE)
		any = fputs(" hugepage", f) >= 0;
	if (v->flags & MTHP_VMA_NOHUGEPAGE)
		any = fputs(" nohugepage", f) >= 0;
	if (v->flags & MTHP_VMA_UFFD)
		any = fputs(" uffd", f) >= 0;
	if (v->thp_disabled)
		any = fputs(" thp_disabled", f) >= 0;
	if (!any)
		fputs(" none", f);
}

MTHP_EXPORT int mthp_space_write(const struct mthp_space *sp, FILE *f)
{
	const struct mthp_scenario *s = &sp->settings;
	const struct mthp_geometry *g = &s->geometry;
	unsigned long page_kb = (1ul << g->page_shift) >> 10;
	char *map = malloc((size_t)g->pmd_nr * 8 + 1);

	if (!map)
		return -ENOMEM;
	fprintf(f, "# mthpsim snapshot");
	if (sp->pid)
		fprintf(f, " of process %ld (%s); the process was not stopped, so pages may have changed while it was read",
			sp->pid, sp->comm);
	fprintf(f, "\ngeometry = %s\nmodel = %s\nenabled = %s\n", g->name,
		mthp_model_name(s->model), mthp_thp_setting_name(s->thp.enabled));
	for (unsigned int k = MTHP_MIN_ORDER; k <= g->pmd_order; k++)
		fprintf(f, "hugepages-%lukB/enabled = %s\n", page_kb << k,
			mthp_thp_setting_name(s->thp.order[k]));
	fprintf(f, "max_ptes_none = %u\nmax_ptes_swap = %u\nmax_ptes_shared = %u\n",
		s->max_ptes_none, s->max_ptes_swap, s->max_ptes_shared);
	fprintf(f, "unknown =");
	for (unsigned int u = 0; u < 3; u++)
		if (sp->unknown & (1u << u))
			fprintf(f, " %s", unknown_words[u]);
	fprintf(f, "%s\n", sp->unknown ? "" : " none");
	for (size_t v = 0; v < sp->nvmas; v++) {
		const struct mthp_space_vma *vm = &sp->vmas[v];

		fprintf(f, "\nvma 0x%lx-0x%lx", vm->start, vm->end);
		vma_words(f, vm);
		fputc('\n', f);
		for (size_t i = vm->first; i < vm->first + vm->count; i++) {
			const struct mthp_space_pmd *p = &sp->pmds[i];
			static const char *const st[] = { "table", "none", "mapped" };

			fprintf(f, "pmd 0x%lx %s\n", p->addr, st[p->pmd]);
			if (p->pmd != MTHP_PMD_TABLE)
				continue;
			mthp_map_format(p->ptes, g->pmd_nr, map, (size_t)g->pmd_nr * 8 + 1);
			fprintf(f, "ptes = %s\n", map);
			/* each folio once, at its first present PTE */
			for (unsigned int k = 0, done = 0; k < g->pmd_nr; k++) {
				unsigned int o = p->ptes[k].folio_order;
				unsigned int start = k & ~((1u << o) - 1);

				if (o && k >= done && p->ptes[k].kind == MTHP_PTE_PRESENT) {
					fprintf(f, "folio = %u %u\n", start, o);
					done = start + (1u << o);
				}
			}
		}
	}
	free(map);
	return ferror(f) ? -EIO : 0;
}

#define perr(e, line, col, ...) mthp_error((e), -EINVAL, (line), (col), __VA_ARGS__)

/* A hex address "0x..." at s (len bytes); 0 or -1. */
static int hex(const char *s, size_t len, unsigned long *out)
{
	unsigned long v = 0;

	if (len < 3 || s[0] != '0' || s[1] != 'x' || len > 18)
		return -1;
	for (size_t i = 2; i < len; i++) {
		char c = s[i];
		unsigned int d = c >= '0' && c <= '9' ? (unsigned int)(c - '0')
			       : c >= 'a' && c <= 'f' ? (unsigned int)(c - 'a' + 10)
							: 16;
		if (d == 16)
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* A scenario without vma lines: one VMA, one PMD range at address 0. */
static int read_scenario(const char *text, size_t len, struct mthp_space *sp,
			 struct mthp_parse_error *err)
{
	struct mthp_scenario s;
	int r = mthp_scenario_parse(text, len, NULL, &s, err);

	if (r) {
		mthp_scenario_free(&s);
		return r;
	}
	sp->settings = s;
	unsigned long size = (unsigned long)s.geometry.pmd_nr << s.geometry.page_shift;

	if (add_vma(sp, 0, size, s.vma_flags, false))
		return -ENOMEM;
	struct mthp_space_pmd *p = add_pmd(sp, 0, s.pmd);

	if (!p)
		return -ENOMEM;
	if (p->ptes)
		memcpy(p->ptes, s.ptes, s.geometry.pmd_nr * sizeof(*s.ptes));
	return 0;
}

MTHP_EXPORT int mthp_space_read(const char *text, size_t len,
				struct mthp_space *sp,
				struct mthp_parse_error *err)
{
	struct mthp_parse_error dummy;
	struct mthp_geometry g;
	unsigned int line = 0;
	bool is_space = false;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (!sp)
		return -EINVAL;
	memset(sp, 0, sizeof(*sp));
	if (!text || len > (64u << 20))
		return perr(err, 0, 0, "no text, or more than 64 MiB");
	/* a snapshot has "vma 0x..." records; a scenario's "vma = ..." is a key */
	for (size_t i = 0; i + 6 <= len; i++)
		if (!memcmp(text + i, "vma 0x", 6) && (i == 0 || text[i - 1] == '\n'))
			is_space = true;
	if (!is_space)
		return read_scenario(text, len, sp, err);
	mthp_geometry_lookup("x86_64", &g, NULL, 0);
	bool settings_open = true;
	struct mthp_space_pmd *cur = NULL;

	for (size_t pos = 0; pos < len;) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;
		char buf[1 << 16], *v;

		pos += ll + 1;
		line++;
		if (ll >= sizeof(buf))
			return perr(err, line, 1, "line is longer than %zu bytes", sizeof(buf) - 1);
		if (memchr(l, 0, ll))
			return perr(err, line, 1, "NUL byte");
		memcpy(buf, l, ll);
		buf[ll] = 0;
		char *hash = strchr(buf, '#');

		if (hash)
			*hash = 0;
		size_t b = strspn(buf, " \t\r");

		if (!buf[b])
			continue;
		char *w = buf + b;

		if (!strncmp(w, "vma ", 4) && w[4 + strspn(w + 4, " \t")] != '=') {
			/* vma START-END FLAGS... */
			if (settings_open) {
				if (!sp->settings.ptes && mthp_scenario_init(&sp->settings, &g))
					return -ENOMEM;
				settings_open = false;
			}
			char *range = w + 4 + strspn(w + 4, " \t");
			size_t rl = strcspn(range, " \t");
			char *dash = memchr(range, '-', rl);
			unsigned long start, end;
			unsigned int flags = 0;
			bool disabled = false;

			if (!dash || hex(range, (size_t)(dash - range), &start) ||
			    hex(dash + 1, rl - (size_t)(dash + 1 - range), &end) || end <= start)
				return perr(err, line, (unsigned int)(range - buf) + 1,
					    "vma: want 0xSTART-0xEND, START below END");
			char *words = range + rl;
			struct mthp_place pl = { err, line, (unsigned int)(words - buf) + 1 };

			if (mthp_place_vma(&pl, words, strlen(words), &flags, &disabled))
				return -EINVAL;
			if (sp->nvmas && start < sp->vmas[sp->nvmas - 1].end)
				return perr(err, line, (unsigned int)(range - buf) + 1,
					    "vma: overlaps or comes before the previous one");
			if (add_vma(sp, start, end, flags, disabled))
				return -ENOMEM;
			cur = NULL;
			continue;
		}
		if (!strncmp(w, "pmd ", 4) && w[4 + strspn(w + 4, " \t")] != '=') {
			if (!sp->nvmas)
				return perr(err, line, (unsigned int)b + 1, "pmd: before any vma line");
			char *a = w + 4 + strspn(w + 4, " \t");
			size_t al = strcspn(a, " \t");
			char *st = a + al + strspn(a + al, " \t");
			unsigned long addr;
			const struct mthp_geometry *sg = &sp->settings.geometry;
			unsigned long size = (unsigned long)sg->pmd_nr << sg->page_shift;
			const struct mthp_space_vma *vm = &sp->vmas[sp->nvmas - 1];
			enum mthp_pmd_state state;

			if (hex(a, al, &addr) || addr & (size - 1))
				return perr(err, line, (unsigned int)(a - buf) + 1,
					    "pmd: want a 0x address aligned to %lu bytes", size);
			if (addr < vm->start || addr + size > vm->end)
				return perr(err, line, (unsigned int)(a - buf) + 1,
					    "pmd: 0x%lx..0x%lx is not inside the vma", addr, addr + size);
			if (vm->count && addr <= sp->pmds[sp->npmds - 1].addr)
				return perr(err, line, (unsigned int)(a - buf) + 1,
					    "pmd: addresses go up within a vma");
			st[strcspn(st, " \t\r")] = 0;
			if (!strcmp(st, "table"))
				state = MTHP_PMD_TABLE;
			else if (!strcmp(st, "none"))
				state = MTHP_PMD_NONE;
			else if (!strcmp(st, "mapped"))
				state = MTHP_PMD_MAPPED;
			else
				return perr(err, line, (unsigned int)(st - buf) + 1,
					    "pmd: unknown state '%.20s' (table, none, mapped)", st);
			cur = add_pmd(sp, addr, state);
			if (!cur)
				return -ENOMEM;
			continue;
		}
		v = strchr(w, '=');
		if (!v)
			return perr(err, line, (unsigned int)b + 1, "expected 'key = value', 'vma ...' or 'pmd ...'");
		char *kend = v;

		while (kend > w && (kend[-1] == ' ' || kend[-1] == '\t'))
			kend--;
		*kend = 0;
		v++;
		v += strspn(v, " \t");
		unsigned int vcol = (unsigned int)(v - buf) + 1;
		struct mthp_parse_error e;

		if (settings_open) {
			if (!strcmp(w, "geometry")) {
				char m[200];

				if (sp->settings.ptes)
					return perr(err, line, (unsigned int)b + 1, "geometry: must come first");
				v[strcspn(v, " \t\r")] = 0;
				if (mthp_geometry_lookup(v, &g, m, sizeof(m)))
					return perr(err, line, vcol, "%s", m);
				continue;
			}
			if (!sp->settings.ptes && mthp_scenario_init(&sp->settings, &g))
				return -ENOMEM;
			if (!strcmp(w, "unknown")) {
				for (char *u = v; *u;) {
					u += strspn(u, " \t\r");
					size_t ul = strcspn(u, " \t\r");
					unsigned int k = 0;

					if (!ul)
						break;
					while (k < 3 && (strlen(unknown_words[k]) != ul ||
							 strncmp(u, unknown_words[k], ul)))
						k++;
					if (k < 3)
						sp->unknown |= 1u << k;
					else if (!(ul == 4 && !strncmp(u, "none", 4)))
						return perr(err, line, (unsigned int)(u - buf) + 1,
							    "unknown: '%.*s' is not young, folio, zero or none",
							    (int)(ul < 20 ? ul : 20), u);
					u += ul;
				}
				continue;
			}
			if (mthp_scenario_set(&sp->settings, w, v, &e))
				return perr(err, line, e.col ? vcol + e.col - 1 : (unsigned int)b + 1,
					    "%s", e.msg);
			continue;
		}
		/* the PTEs and folios of the last pmd line */
		if (!cur || cur->pmd != MTHP_PMD_TABLE)
			return perr(err, line, (unsigned int)b + 1,
				    "%s: belongs after a 'pmd ADDR table' line", w);
		struct mthp_scenario one = sp->settings;

		one.ptes = cur->ptes;
		one.nfails = 0;
		if ((!strcmp(w, "ptes") || !strcmp(w, "folio")) &&
		    !mthp_scenario_set(&one, w, v, &e))
			continue;
		if (strcmp(w, "ptes") && strcmp(w, "folio"))
			return perr(err, line, (unsigned int)b + 1,
				    "unknown key '%.32s' in a pmd record (ptes, folio)", w);
		return perr(err, line, e.col ? vcol + e.col - 1 : (unsigned int)b + 1, "%s", e.msg);
	}
	if (!sp->settings.ptes && mthp_scenario_init(&sp->settings, &g))
		return -ENOMEM;
	return 0;
}

/* ---- a live process ---- */

#define PM_PFN_MASK ((1ull << 55) - 1)
#define PM_EXCLUSIVE (1ull << 56)
#define PM_UFFD_WP (1ull << 57)
#define PM_SWAP (1ull << 62)
#define PM_PRESENT (1ull << 63)
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_ZERO_PAGE 24

static int sys_err(struct mthp_parse_error *e, int code, const char *path)
{
	return mthp_error(e, code, 0, 0, "%.180s: %s", path, strerror(-code));
}

static uint64_t kflags(int fd, uint64_t pfn, bool *ok)
{
	uint64_t v = 0;

	if (pread(fd, &v, 8, (off_t)(pfn * 8)) != 8)
		*ok = false;
	return v;
}

/* The PTEs of one PMD range from pagemap (and kpageflags, kfd >= 0). */
static int read_range(struct mthp_space *sp, int pfd, int kfd,
		      struct mthp_space_pmd *p, uint64_t *pm, bool *empty,
		      bool *pfn_seen)
{
	const struct mthp_geometry *g = &sp->settings.geometry;
	unsigned int nr = g->pmd_nr;
	size_t bytes = (size_t)nr * 8;

	if (pread(pfd, pm, bytes, (off_t)((p->addr >> g->page_shift) * 8)) != (ssize_t)bytes)
		return -EIO;
	*empty = true;
	for (unsigned int i = 0; i < nr; i++) {
		struct mthp_pte *t = &p->ptes[i];
		uint64_t e = pm[i];

		*t = (struct mthp_pte){ 0 };
		if (e & PM_PRESENT) {
			*empty = false;
			t->kind = MTHP_PTE_PRESENT;
			/* young is never exposed: recorded young, and unknown */
			t->flags = MTHP_PTE_YOUNG;
			if (!(e & PM_EXCLUSIVE))
				t->flags |= MTHP_PTE_SHARED;
			if (e & PM_UFFD_WP)
				t->flags |= MTHP_PTE_UFFD_WP;
			bool ok = true;
			uint64_t pfn = e & PM_PFN_MASK;

			*pfn_seen |= pfn != 0;
			if (kfd >= 0 && pfn &&
			    kflags(kfd, pfn, &ok) & (1ull << KPF_ZERO_PAGE) && ok)
				*t = (struct mthp_pte){ .kind = MTHP_PTE_ZERO };
		} else if (e & PM_SWAP) {
			*empty = false;
			t->kind = MTHP_PTE_SWAP;
			if (e & PM_UFFD_WP)
				t->flags |= MTHP_PTE_UFFD_WP;
		}
	}
	if (kfd < 0)
		return 0;
	/* folios: a compound head whose tails the next PTEs map in order */
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t pfn = pm[i] & PM_PFN_MASK;
		bool ok = true;

		if (p->ptes[i].kind != MTHP_PTE_PRESENT || !pfn ||
		    !(kflags(kfd, pfn, &ok) & (1ull << KPF_COMPOUND_HEAD)) || !ok)
			continue;
		unsigned int n = 1;

		while (n < nr && (kflags(kfd, pfn + n, &ok) & (1ull << KPF_COMPOUND_TAIL)) && ok)
			n++;
		unsigned int order = mthp_ilog2(n);

		if (n != 1u << order || !order || i & (n - 1) || i + n > nr)
			continue;
		bool mapped_in_order = true;

		for (unsigned int k = 1; k < n && mapped_in_order; k++)
			mapped_in_order = (pm[i + k] & PM_PRESENT) &&
					  (pm[i + k] & PM_PFN_MASK) == pfn + k;
		if (order == g->pmd_order && mapped_in_order) {
			p->pmd = MTHP_PMD_MAPPED; /* a PMD-size folio mapping the range */
			free(p->ptes);
			p->ptes = NULL;
			return 0;
		}
		if (mapped_in_order) {
			struct mthp_scenario one = sp->settings;

			one.ptes = p->ptes;
			mthp_scenario_set_folio(&one, i, order);
		}
	}
	return 0;
}

/*
 * PAGEMAP_SCAN (Linux 6.7): the populated stretches of [start, end), so
 * that a huge, mostly empty VMA costs one call instead of a read per PMD
 * range. The layout is the kernel's uapi (linux/fs.h), spelled out here
 * because older distribution headers lack it.
 */
struct kc_page_region {
	uint64_t start, end, categories;
};
struct kc_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};
#define KC_PAGEMAP_SCAN _IOWR('f', 16, struct kc_pm_scan_arg)
#define KC_PAGE_IS_PRESENT (1 << 3)
#define KC_PAGE_IS_SWAPPED (1 << 4)

/*
 * Calls visit(addr) for each PMD range of [first, end) that holds a
 * present or swapped page. Returns 0, or -1 when the kernel has no
 * PAGEMAP_SCAN (the caller then reads every range).
 */
static int populated_ranges(int pfd, unsigned long first, unsigned long end,
			    unsigned long size, int (*visit)(void *, unsigned long),
			    void *ctx)
{
	struct kc_page_region vec[256];
	unsigned long at = first, last = 0;
	bool any = false;

	while (at < end) {
		struct kc_pm_scan_arg arg = {
			.size = sizeof(arg), .start = at, .end = end,
			.vec = (uint64_t)(uintptr_t)vec, .vec_len = 256,
			.category_anyof_mask = KC_PAGE_IS_PRESENT | KC_PAGE_IS_SWAPPED,
			.return_mask = KC_PAGE_IS_PRESENT | KC_PAGE_IS_SWAPPED,
		};
		long n = ioctl(pfd, KC_PAGEMAP_SCAN, &arg);

		if (n < 0)
			return -1;
		for (long i = 0; i < n; i++) {
			for (unsigned long a = vec[i].start & ~(size - 1);
			     a < vec[i].end && a + size <= end; a += size) {
				if (a < first || (any && a <= last))
					continue;
				any = true;
				last = a;
				int r = visit(ctx, a);

				if (r)
					return r;
			}
		}
		if (arg.walk_end <= at)
			break;
		at = arg.walk_end;
	}
	return 0;
}

struct snap_ctx {
	struct mthp_space *sp;
	int pfd, kfd;
	uint64_t *pm;
	bool *pfn_seen;
};

/* Records the PMD range at addr if anything is there. */
static int snap_range(void *c, unsigned long addr)
{
	struct snap_ctx *x = c;
	struct mthp_space_pmd *p = add_pmd(x->sp, addr, MTHP_PMD_TABLE);
	bool empty;

	if (!p)
		return -ENOMEM;
	if (read_range(x->sp, x->pfd, x->kfd, p, x->pm, &empty, x->pfn_seen) ||
	    (empty && p->pmd == MTHP_PMD_TABLE)) {
		/* gone while we read, or nothing in it: not listed */
		free(p->ptes);
		x->sp->npmds--;
		x->sp->vmas[x->sp->nvmas - 1].count--;
	}
	return 0;
}

static unsigned int smaps_flags(const char *line)
{
	unsigned int f = 0;

	for (const char *w = line; *w;) {
		w += strspn(w, " \t\n");
		size_t l = strcspn(w, " \t\n");

		if (l == 2 && !strncmp(w, "hg", 2))
			f |= MTHP_VMA_HUGEPAGE;
		else if (l == 2 && !strncmp(w, "nh", 2))
			f |= MTHP_VMA_NOHUGEPAGE;
		else if (l == 2 && (!strncmp(w, "um", 2) || !strncmp(w, "uw", 2) ||
				    !strncmp(w, "ui", 2)))
			f |= MTHP_VMA_UFFD;
		w += l;
	}
	return f;
}

MTHP_EXPORT int mthp_space_snapshot(pid_t pid, const char *root,
				    struct mthp_space *sp,
				    struct mthp_parse_error *err)
{
	struct mthp_parse_error dummy;
	char path[128], line[512];
	struct mthp_geometry g;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (!sp)
		return -EINVAL;
	memset(sp, 0, sizeof(*sp));
	int r = mthp_live_geometry(root, &g, err);

	if (r)
		return r;
	if (mthp_scenario_init(&sp->settings, &g))
		return -ENOMEM;
	r = mthp_live_settings(root, &sp->settings, err);
	if (r)
		return r;
	sp->pid = pid ? pid : getpid();
	snprintf(path, sizeof(path), "/proc/%ld/comm", sp->pid);
	FILE *f = fopen(path, "r");

	if (!f)
		return sys_err(err, errno == ENOENT ? -ESRCH : -errno, path);
	if (fgets(sp->comm, sizeof(sp->comm), f))
		sp->comm[strcspn(sp->comm, "\n")] = 0;
	fclose(f);
	/* the process's THP switch (PR_SET_THP_DISABLE) */
	bool disabled = false;

	snprintf(path, sizeof(path), "/proc/%ld/status", sp->pid);
	f = fopen(path, "r");
	if (!f)
		return sys_err(err, errno == ENOENT ? -ESRCH : -errno, path);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "THP_enabled:", 12))
			disabled = atoi(line + 12) == 0;
	fclose(f);

	snprintf(path, sizeof(path), "/proc/%ld/pagemap", sp->pid);
	int pfd = open(path, O_RDONLY | O_CLOEXEC);

	if (pfd < 0)
		return sys_err(err, errno == ENOENT ? -ESRCH : -errno, path);
	int kfd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	uint64_t *pm = malloc((size_t)g.pmd_nr * 8);

	sp->unknown = MTHP_UNKNOWN_YOUNG;
	snprintf(path, sizeof(path), "/proc/%ld/smaps", sp->pid);
	f = fopen(path, "r");
	if (!f || !pm) {
		r = !pm ? -ENOMEM : sys_err(err, errno == ENOENT ? -ESRCH : -errno, path);
		goto out;
	}
	unsigned long size = (unsigned long)g.pmd_nr << g.page_shift;
	unsigned long start = 0, end = 0;
	bool anon = false, have = false, pfn_seen = false;

	while (true) {
		bool more = fgets(line, sizeof(line), f) != NULL;
		unsigned long s0, e0;
		char perms[8] = "";
		int n = 0;

		if (more && sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &s0, &e0, perms, &n) == 3) {
			have = true;
			start = s0;
			end = e0;
			/* anonymous private: no file, or the heap and the stack */
			const char *name = line + n;

			name += strspn(name, " \t");
			anon = perms[3] == 'p' && (!*name || *name == '\n' ||
						   !strncmp(name, "[heap]", 6) ||
						   !strncmp(name, "[stack]", 7));
			continue;
		}
		if (more && strncmp(line, "VmFlags:", 8))
			continue;
		if (!have)
			break;
		/* the process is not stopped: smaps may show a VMA that changed
		 * while it was read twice; the later, overlapping view is left out */
		if (anon && sp->nvmas && start < sp->vmas[sp->nvmas - 1].end)
			anon = false;
		if (anon) {
			unsigned long first = (start + size - 1) & ~(size - 1);

			if ((r = add_vma(sp, start, end, smaps_flags(line + 8), disabled)))
				goto out;
			struct snap_ctx x = { sp, pfd, kfd, pm, &pfn_seen };
			unsigned long last = end & ~(size - 1);

			r = first < last ? populated_ranges(pfd, first, last, size,
							    snap_range, &x) : 0;
			/* before Linux 6.7: every range, one read each */
			for (unsigned long a = first; r == -1 && a + size <= end &&
			     a + size > a; a += size)
				if ((r = snap_range(&x, a)) != 0)
					goto out;
			if (r && r != -1)
				goto out;
			r = 0;
		}
		have = false;
		if (!more)
			break;
	}
	/* without PFNs (no CAP_SYS_ADMIN) folios and the zero page are unknown */
	if (kfd < 0 || !pfn_seen)
		sp->unknown |= MTHP_UNKNOWN_FOLIO | MTHP_UNKNOWN_ZERO;
	r = 0;
out:
	if (f)
		fclose(f);
	free(pm);
	close(pfd);
	if (kfd >= 0)
		close(kfd);
	return r;
}

/* ---- a visit of the whole space ---- */

/* PTEs present, and PTEs in folios of each order >= 2 (added to huge);
 * returns the PTEs in huge folios. A PMD mapping is HPAGE_PMD_NR of them. */
static unsigned long measure(const struct mthp_scenario *s, unsigned long *huge,
			     unsigned long *present)
{
	const struct mthp_geometry *g = &s->geometry;
	unsigned long in_huge = 0;

	*present = mthp_scenario_present(s);
	if (s->pmd == MTHP_PMD_MAPPED) {
		huge[g->pmd_order] += g->pmd_nr;
		return g->pmd_nr;
	}
	for (unsigned int i = 0; s->pmd == MTHP_PMD_TABLE && i < g->pmd_nr; i++)
		if (s->ptes[i].kind == MTHP_PTE_PRESENT &&
		    s->ptes[i].folio_order >= MTHP_MIN_ORDER) {
			huge[s->ptes[i].folio_order]++;
			in_huge++;
		}
	return in_huge;
}

/* The young bit nobody could read, as the caller decides. */
static void set_young(struct mthp_space_pmd *p, unsigned int nr, int young)
{
	for (unsigned int k = 0; young && p->ptes && k < nr; k++) {
		if (p->ptes[k].kind != MTHP_PTE_PRESENT)
			continue;
		if (young > 0)
			p->ptes[k].flags |= MTHP_PTE_YOUNG;
		else
			p->ptes[k].flags &= (uint16_t)~MTHP_PTE_YOUNG;
	}
}

/*
 * The visits of one scanned range, until one collapses nothing or
 * max_rounds. Counts into t; after the last visit its present and huge
 * PTEs go to tail[last + 1], which the caller carries on to later rounds.
 * Returns the largest order collapsed (0: none), or -errno.
 */
static int visit_range(struct mthp_scenario *s, struct mthp_sim_result *r,
		       unsigned int max_rounds, struct mthp_space_totals *t,
		       unsigned int *last)
{
	unsigned long present;
	int top = 0;

	*last = 0;
	for (unsigned int n = 1; n <= max_rounds; n++) {
		unsigned long h[MTHP_MAX_PMD_ORDER + 1] = { 0 }; /* scratch */
		int e = mthp_simulate(s, r);

		if (e)
			return e;
		*last = n;
		t->huge_round[n] += measure(s, h, &present);
		t->present_round[n] += present;
		if (n > t->rounds)
			t->rounds = n;
		if (n == 1 && !r->ncollapses)
			t->results[r->result]++;
		for (size_t c = 0; c < r->ncollapses; c++) {
			t->collapses[r->collapses[c].order]++;
			if ((int)r->collapses[c].order > top)
				top = (int)r->collapses[c].order;
		}
		if (!r->ncollapses)
			break;
	}
	return top;
}

static void add_totals(struct mthp_space_totals *t,
		       const struct mthp_space_totals *a)
{
	t->pmd_ranges += a->pmd_ranges;
	t->scanned += a->scanned;
	t->not_eligible += a->not_eligible;
	t->already_huge += a->already_huge;
	t->no_table += a->no_table;
	t->present_before += a->present_before;
	t->present_after += a->present_after;
	for (unsigned int k = 0; k <= MTHP_MAX_PMD_ORDER; k++) {
		t->collapses[k] += a->collapses[k];
		t->huge_before[k] += a->huge_before[k];
		t->huge_after[k] += a->huge_after[k];
	}
	for (int r = 0; r < MTHP_SCAN_RESULT_COUNT; r++)
		t->results[r] += a->results[r];
	for (unsigned int n = 0; n <= MTHP_SPACE_MAX_ROUNDS; n++) {
		t->present_round[n] += a->present_round[n];
		t->huge_round[n] += a->huge_round[n];
	}
	if (a->rounds > t->rounds)
		t->rounds = a->rounds;
}

MTHP_EXPORT int mthp_space_visit(struct mthp_space *sp,
				 const struct mthp_space_visit_opts *opts,
				 struct mthp_space_totals *per_vma,
				 struct mthp_space_totals *total)
{
	struct mthp_space_visit_opts o = { 0 };

	if (!sp || !opts || !total || opts->sz < offsetof(struct mthp_space_visit_opts, each) ||
	    !mthp_geometry_valid(&sp->settings.geometry) || !sp->settings.ptes)
		return -EINVAL;
	memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	const struct mthp_geometry *g = &sp->settings.geometry;
	struct mthp_sim_result r;
	struct mthp_scenario s = sp->settings;

	s.model = o.model;
	s.mode = MTHP_MODE_KHUGEPAGED;
	s.nfails = 0;
	if (!mthp_model_desc(s.model) || mthp_sim_result_init(&r, g))
		return -EINVAL;
	memset(total, 0, sizeof(*total));
	unsigned int max_rounds = o.rounds > MTHP_SPACE_MAX_ROUNDS ? MTHP_SPACE_MAX_ROUNDS
				  : o.rounds > 1 ? o.rounds : 1;
	int young = sp->unknown & MTHP_UNKNOWN_YOUNG ? o.young : 0;
	int ret = 0;

	for (size_t v = 0; v < sp->nvmas; v++) {
		const struct mthp_space_vma *vm = &sp->vmas[v];
		struct mthp_space_totals t = { 0 };
		/* after its last visit a range keeps its value: carried on */
		unsigned long tail_present[MTHP_SPACE_MAX_ROUNDS + 2] = { 0 };
		unsigned long tail_huge[MTHP_SPACE_MAX_ROUNDS + 2] = { 0 };

		s.vma_flags = vm->flags;
		uint32_t enabled = vm->thp_disabled ? 0
			: mthp_enabled_orders(g, s.model, s.mode, &s.thp, s.vma_flags);

		for (size_t i = vm->first; i < vm->first + vm->count; i++) {
			struct mthp_space_pmd *p = &sp->pmds[i];
			enum mthp_space_outcome out = MTHP_OUTCOME_LEFT;
			unsigned long present, in_huge;
			unsigned int last = 0;
			int top = 0;

			t.pmd_ranges++;
			set_young(p, g->pmd_nr, young);
			s.pmd = p->pmd;
			s.ptes = p->ptes ? p->ptes : sp->settings.ptes;
			in_huge = measure(&s, t.huge_before, &present);
			t.present_before += present;
			t.present_round[0] += present;
			t.huge_round[0] += in_huge;
			/* khugepaged asks whether the VMA may have THPs before
			 * it looks at any of its page tables */
			if (!enabled) {
				t.not_eligible++;
				out = MTHP_OUTCOME_NOT_ELIGIBLE;
			} else if (p->pmd == MTHP_PMD_MAPPED) {
				t.already_huge++;
				out = MTHP_OUTCOME_ALREADY_HUGE;
			} else if (p->pmd == MTHP_PMD_NONE) {
				t.no_table++;
				out = MTHP_OUTCOME_NO_TABLE;
			} else {
				t.scanned++;
				top = visit_range(&s, &r, max_rounds, &t, &last);
				if (top < 0) {
					ret = top;
					goto out;
				}
				if (top)
					out = (unsigned int)top == g->pmd_order
						      ? MTHP_OUTCOME_PMD : MTHP_OUTCOME_MTHP;
				p->pmd = s.pmd; /* a PMD collapse maps the range */
			}
			in_huge = measure(&s, t.huge_after, &present);
			t.present_after += present;
			tail_present[last + 1] += present;
			tail_huge[last + 1] += in_huge;
			if (o.each)
				o.each(o.ctx, v, i, out, (unsigned int)top);
		}
		unsigned long carry_present = 0, carry_huge = 0;

		for (unsigned int n = 1; n <= MTHP_SPACE_MAX_ROUNDS; n++) {
			carry_present += tail_present[n];
			carry_huge += tail_huge[n];
			t.present_round[n] += carry_present;
			t.huge_round[n] += carry_huge;
		}
		if (per_vma)
			per_vma[v] = t;
		add_totals(total, &t);
	}
out:
	mthp_sim_result_free(&r);
	return ret;
}
