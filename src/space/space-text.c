// SPDX-License-Identifier: MIT
/*
 * The snapshot text format (mthpsim-scenario(5)): the writer, and one
 * line-at-a-time reader behind both the read of a text in memory and the
 * streamed read of a file, which hands each PMD record on as soon as it
 * is complete and holds only that one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "space-internal.h"
#include "models.h"
#include "mthpcollapse/space.h"

#define MAX_LINE 65536u /* bytes, with the newline */

static const char *const unknown_words[] = { "young", "folio", "zero" };
static const char *const pmd_states[] = { "table", "none", "mapped" };

/* ---- the writer ---- */

MTHP_EXPORT int mthp_space_write_head(const struct mthp_space *sp, FILE *f)
{
	const struct mthp_scenario *s;
	const struct mthp_geometry *g;

	if (!sp || !f || !mthp_geometry_valid(&sp->settings.geometry))
		return mthp_refuse("mthp_space_write_head: no space or stream, or a geometry the library does not accept");
	s = &sp->settings;
	g = &s->geometry;
	unsigned long page_kb = (1ul << g->page_shift) >> 10;

	fprintf(f, "# mthpsim snapshot");
	if (sp->pid)
		fprintf(f, " of process %ld (%s); the process was not stopped, so pages may have changed while it was read",
			sp->pid, sp->comm);
	fprintf(f, "\nsnapshot = %d\ngeometry = %s\nmodel = %s\nenabled = %s\n",
		MTHP_SNAPSHOT_FORMAT, g->name, mthp_model_name(s->model),
		mthp_thp_setting_name(s->thp.enabled));
	for (unsigned int k = MTHP_MIN_ORDER; k <= g->pmd_order; k++)
		fprintf(f, "hugepages-%lukB/enabled = %s\n", page_kb << k,
			mthp_thp_setting_name(s->thp.order[k]));
	fprintf(f, "max_ptes_none = %u\nmax_ptes_swap = %u\nmax_ptes_shared = %u\n",
		s->max_ptes_none, s->max_ptes_swap, s->max_ptes_shared);
	fprintf(f, "unknown =");
	for (unsigned int u = 0; u < 3; u++)
		if (sp->unknown & (1u << u))
			fprintf(f, " %s", unknown_words[u]);
	fprintf(f, "%s\n", sp->unknown & 7u ? "" : " none");
	return ferror(f) ? -EIO : 0;
}

MTHP_EXPORT int mthp_space_write_vma(const struct mthp_space_vma *vm, FILE *f)
{
	if (!vm || !f)
		return mthp_refuse("mthp_space_write_vma: no VMA or stream");
	char words[64];

	mthp_vma_words(vm->flags, vm->thp_disabled, words, sizeof(words));
	fprintf(f, "\nvma 0x%lx-0x%lx%s\n", vm->start, vm->end,
		words[0] ? words : " none");
	return ferror(f) ? -EIO : 0;
}

MTHP_EXPORT int mthp_space_write_pmd(const struct mthp_space *sp,
				     const struct mthp_space_pmd *p, FILE *f)
{
	const struct mthp_geometry *g;

	if (!sp || !p || !f || !mthp_geometry_valid(&sp->settings.geometry) ||
	    (unsigned int)p->pmd > MTHP_PMD_MAPPED ||
	    (p->pmd == MTHP_PMD_TABLE && !p->ptes))
		return mthp_refuse("mthp_space_write_pmd: no space, stream or record, or a record that is not one (its state, or a table without PTEs)");
	g = &sp->settings.geometry;
	fprintf(f, "pmd 0x%lx %s\n", p->addr, pmd_states[p->pmd]);
	if (p->pmd != MTHP_PMD_TABLE)
		return ferror(f) ? -EIO : 0;
	/* a state and a count per run: at most 8 bytes a PTE */
	char map[8 * MTHP_MAX_PTRS + 1];

	mthp_map_format(p->ptes, g->pmd_nr, map, sizeof(map));
	fputs("ptes = ", f);
	fputs(map, f);
	fputc('\n', f);
	/* each folio once, at its first present PTE */
	for (unsigned int k = 0, done = 0; k < g->pmd_nr; k++) {
		unsigned int o = p->ptes[k].folio_order;
		unsigned int start = k & ~((1u << o) - 1);

		if (o && k >= done && p->ptes[k].kind == MTHP_PTE_PRESENT) {
			fprintf(f, "folio = %u %u\n", start, o);
			done = start + (1u << o);
		}
	}
	return ferror(f) ? -EIO : 0;
}

MTHP_EXPORT int mthp_space_write_end(size_t nvmas, size_t npmds, FILE *f)
{
	if (!f)
		return mthp_refuse("mthp_space_write_end: no stream");
	fprintf(f, "\nend %zu %zu\n", nvmas, npmds);
	return ferror(f) ? -EIO : 0;
}

MTHP_EXPORT int mthp_space_write(const struct mthp_space *sp, FILE *f)
{
	if (!mthp_space_consistent(sp))
		return mthp_refuse("mthp_space_write: the space is not consistent (its VMAs and PMD records)");
	int r = mthp_space_write_head(sp, f);
	size_t n = 0;

	for (size_t v = 0; !r && v < sp->nvmas; v++) {
		const struct mthp_space_vma *vm = &sp->vmas[v];

		r = mthp_space_write_vma(vm, f);
		for (size_t i = vm->first; !r && i < vm->first + vm->count; i++, n++)
			r = mthp_space_write_pmd(sp, &sp->pmds[i], f);
	}
	return r ? r : mthp_space_write_end(sp->nvmas, n, f);
}

/* ---- the reader ---- */

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

	if (mthp_space_add_vma(sp, 0, size, s.vma_flags, false, 0))
		return -ENOMEM;
	struct mthp_space_pmd *p = mthp_space_add_pmd(sp, 0, s.pmd);

	if (!p)
		return -ENOMEM;
	if (p->ptes)
		memcpy(p->ptes, s.ptes, s.geometry.pmd_nr * sizeof(*s.ptes));
	return 0;
}

/* Where a read is, line by line. */
struct reader {
	struct mthp_space *sp;
	struct mthp_parse_error *err;
	const char *head;              /* the lines before the first vma */
	size_t headlen;
	unsigned int line;
	bool settings_open;            /* no vma line yet */
	struct mthp_space_pmd *cur;    /* the record the ptes/folio lines fill */
	/* streamed: the one record, handed on when the next line starts
	 * another or the input ends */
	mthp_space_pmd_fn each;
	void *ctx;
	/* streamed with no VMA held either (mthp_space_read_vmas()) */
	const struct mthp_space_stream *ops;
	size_t nvmas;                  /* VMAs so far */
	unsigned long last_end;        /* where the last VMA ended */
	bool pending;
	size_t index;                  /* PMD records so far */
	int version;                   /* snapshot = N; 0: not declared */
	bool ended;                    /* the end line was read */
	bool ptes_seen;                /* the current table record has its ptes */
	unsigned int cur_line;         /* where the current record started */
	struct mthp_space_pmd one;
	struct mthp_pte *ptes;
};

/* Streamed: hands the record just completed on; its result, or 0. */
static int hand_on(struct reader *r)
{
	if (!r->each || !r->pending)
		return 0;
	r->pending = false;
	if (r->ops)
		return r->ops->pmd(r->ops->ctx, r->sp, &r->sp->vmas[r->sp->nvmas - 1],
				   r->nvmas - 1, r->index - 1, &r->one);
	return r->each(r->ctx, r->sp, r->sp->nvmas - 1, r->index - 1, &r->one);
}

/* With no VMA held: the VMA just completed handed on, then forgotten. */
static int vma_done(struct reader *r)
{
	int e = 0;

	if (!r->ops || !r->sp->nvmas)
		return 0;
	if (r->ops->vma_end)
		e = r->ops->vma_end(r->ops->ctx, r->sp, &r->sp->vmas[0], r->nvmas - 1);
	r->sp->nvmas = 0;
	return e;
}

/* A new PMD record of the last VMA: kept (read) or the one (streamed). */
static struct mthp_space_pmd *new_pmd(struct reader *r, unsigned long addr,
				      enum mthp_pmd_state st)
{
	struct mthp_space *sp = r->sp;
	unsigned int nr = sp->settings.geometry.pmd_nr;

	if (!r->each) {
		r->index++;
		return mthp_space_add_pmd(sp, addr, st);
	}
	if (!r->ptes && !(r->ptes = malloc(nr * sizeof(*r->ptes))))
		return NULL;
	r->one = (struct mthp_space_pmd){ addr, st, NULL };
	if (st == MTHP_PMD_TABLE) {
		memset(r->ptes, 0, nr * sizeof(*r->ptes));
		r->one.ptes = r->ptes;
	}
	sp->vmas[sp->nvmas - 1].count++;
	r->index++;
	r->pending = true;
	return &r->one;
}

/* unknown = young folio zero | none (the head's own key) */
static int unknown_value(void *ctx, const struct mthp_place *pl,
			 const char *v, size_t vlen)
{
	struct mthp_space *sp = ctx;

	for (size_t i = 0, off, ul; (ul = mthp_next_word(v, vlen, &i, &off));) {
		const char *u = v + off;
		unsigned int k = 0;

		while (k < 3 && (strlen(unknown_words[k]) != ul ||
				 strncmp(u, unknown_words[k], ul)))
			k++;
		if (k < 3)
			sp->unknown |= 1u << k;
		else if (!(ul == 4 && !strncmp(u, "none", 4)))
			return mthp_place_error(pl, off,
				"unknown: '%.*s' is not young, folio, zero or none",
				(int)(ul < 20 ? ul : 20), u);
	}
	return 0;
}

/* The head's "snapshot = N" line: the format's version, taken out of a
 * copy of the head (which is otherwise read by the scenario rules). */
static int take_version(struct reader *r, char *head, size_t len)
{
	unsigned int line = 0;

	for (size_t pos = 0; pos < len;) {
		char *l = head + pos, *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;
		size_t b = strspn(l, " \t");

		line++;
		pos += ll + 1;
		if (ll - b < 8 || strncmp(l + b, "snapshot", 8) ||
		    (l[b + 8] != ' ' && l[b + 8] != '\t' && l[b + 8] != '='))
			continue;
		char *v = l + b + 8 + strspn(l + b + 8, " \t");

		if (*v != '=')
			continue;
		v++;
		v += strspn(v, " \t");
		if (r->version)
			return perr(r->err, line, (unsigned int)b + 1, "snapshot: given twice");
		if ((*v != '1' && *v != '2') || (v[1] != ' ' && v[1] != '\t' &&
						  v[1] != '\r' && v[1] != '\n' && v[1] != '#'))
			return perr(r->err, line, (unsigned int)(v - l) + 1,
				    "snapshot: format 1 or 2 (this program writes %d)",
				    MTHP_SNAPSHOT_FORMAT);
		r->version = *v - '0';
		l[b] = '#'; /* the rest of the line is a comment now */
	}
	return 0;
}

/* The settings, from the head, once: when the first vma line comes. */
static int settings_made(struct reader *r)
{
	if (r->sp->settings.ptes)
		return 0;
	char *copy = malloc(r->headlen + 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, r->head, r->headlen);
	copy[r->headlen] = 0;
	int e = take_version(r, copy, r->headlen);

	/* format 1 has no end line: a cut cannot be seen */
	if (r->version == 1)
		r->sp->unknown |= MTHP_UNKNOWN_END;
	if (!e)
		e = mthp_scenario_parse_head(copy, r->headlen, &r->sp->settings,
					     "unknown", unknown_value, r->sp, r->err);
	free(copy);
	return e;
}

/* A table record is whole when its ptes line came. */
static int record_done(struct reader *r)
{
	if (r->cur && r->cur->pmd == MTHP_PMD_TABLE && !r->ptes_seen)
		return perr(r->err, r->cur_line, 1,
			    "pmd: a table record without its 'ptes' line");
	return 0;
}

/* end VMAS PMDS: the snapshot is whole, and holds that many. */
static int end_line(struct reader *r, char *buf, char *w)
{
	unsigned long nv, np;
	char extra;
	int e = record_done(r);

	if (!e && r->settings_open) {
		/* a snapshot without a VMA: the settings end here */
		e = settings_made(r);
		r->settings_open = false;
	}
	if (e)
		return e;
	if (sscanf(w, "%lu %lu %c", &nv, &np, &extra) != 2)
		return perr(r->err, r->line, (unsigned int)(w - buf) + 1,
			    "end: want the number of VMAs and of PMD records");
	if (nv != r->nvmas || np != r->index)
		return perr(r->err, r->line, (unsigned int)(w - buf) + 1,
			    "end: says %lu VMAs and %lu PMD records; the snapshot holds %zu and %zu - records are missing",
			    nv, np, r->nvmas, r->index);
	r->ended = true;
	r->cur = NULL;
	return 0;
}

/* vma START-END FLAGS... (w: after "vma "). */
static int vma_line(struct reader *r, char *buf, char *w)
{
	struct mthp_space *sp = r->sp;
	char *range = w + strspn(w, " \t");
	size_t rl = strcspn(range, " \t");
	char *dash = memchr(range, '-', rl);
	unsigned long start, end;
	unsigned int flags = 0;
	bool disabled = false;
	int e = record_done(r);

	if (!e)
		e = hand_on(r);
	if (!e)
		e = vma_done(r);
	if (e)
		return e;
	if (r->settings_open) {
		if ((e = settings_made(r)))
			return e;
		r->settings_open = false;
	}
	if (!dash || hex(range, (size_t)(dash - range), &start) ||
	    hex(dash + 1, rl - (size_t)(dash + 1 - range), &end) || end <= start)
		return perr(r->err, r->line, (unsigned int)(range - buf) + 1,
			    "vma: want 0xSTART-0xEND, START below END");
	char *words = range + rl;
	struct mthp_place pl = { r->err, r->line, (unsigned int)(words - buf) + 1 };

	if (mthp_place_vma(&pl, words, strlen(words), &flags, &disabled))
		return -EINVAL;
	if (r->nvmas && start < r->last_end)
		return perr(r->err, r->line, (unsigned int)(range - buf) + 1,
			    "vma: overlaps or comes before the previous one");
	if (mthp_space_add_vma(sp, start, end, flags, disabled, r->index))
		return -ENOMEM;
	r->nvmas++;
	r->last_end = end;
	r->cur = NULL;
	return 0;
}

/* pmd ADDR STATE (w: after "pmd "; b: where the line's word starts). */
static int pmd_line(struct reader *r, char *buf, char *w, size_t b)
{
	struct mthp_space *sp = r->sp;

	if (!sp->nvmas)
		return perr(r->err, r->line, (unsigned int)b + 1, "pmd: before any vma line");
	char *a = w + strspn(w, " \t");
	size_t al = strcspn(a, " \t");
	char *st = a + al + strspn(a + al, " \t");
	unsigned long addr;
	const struct mthp_geometry *sg = &sp->settings.geometry;
	unsigned long size = (unsigned long)sg->pmd_nr << sg->page_shift;
	const struct mthp_space_vma *vm = &sp->vmas[sp->nvmas - 1];
	enum mthp_pmd_state state;
	int e;

	if (hex(a, al, &addr) || addr & (size - 1))
		return perr(r->err, r->line, (unsigned int)(a - buf) + 1,
			    "pmd: want a 0x address aligned to %lu bytes", size);
	/* addr + size may not fit an unsigned long: compare what is left
	 * (and only when addr is below the end, or nothing is) */
	if (addr < vm->start || addr >= vm->end || size > vm->end - addr)
		return perr(r->err, r->line, (unsigned int)(a - buf) + 1,
			    "pmd: the %lu bytes at 0x%lx are not inside the vma (0x%lx-0x%lx)",
			    size, addr, vm->start, vm->end);
	if (vm->count && r->cur && addr <= r->cur->addr)
		return perr(r->err, r->line, (unsigned int)(a - buf) + 1,
			    "pmd: addresses go up within a vma");
	if ((e = record_done(r)))
		return e;
	st[strcspn(st, " \t\r")] = 0;
	long k = MTHP_NAME_FIND(pmd_states, st);

	if (k < 0)
		return perr(r->err, r->line, (unsigned int)(st - buf) + 1,
			    "pmd: unknown state '%.20s' (table, none, mapped)", st);
	state = (enum mthp_pmd_state)k;
	e = hand_on(r);
	if (e)
		return e;
	r->cur = new_pmd(r, addr, state);
	r->ptes_seen = false;
	r->cur_line = r->line;
	return r->cur ? 0 : -ENOMEM;
}


/* One line of a snapshot, NUL-terminated and writable; no newline. */
static int read_line(struct reader *r, char *buf)
{
	struct mthp_space *sp = r->sp;
	char *hash = strchr(buf, '#');

	r->line++;
	if (hash)
		*hash = 0;
	size_t b = strspn(buf, " \t\r");

	if (!buf[b])
		return 0;
	char *w = buf + b;

	if (r->ended)
		return perr(r->err, r->line, (unsigned int)b + 1,
			    "after the end line: only blank lines and comments");
	if (!strncmp(w, "end ", 4) && w[4 + strspn(w + 4, " \t")] != '=')
		return end_line(r, buf, w + 4 + strspn(w + 4, " \t"));
	if (!strncmp(w, "vma ", 4) && w[4 + strspn(w + 4, " \t")] != '=')
		return vma_line(r, buf, w + 4);
	if (!strncmp(w, "pmd ", 4) && w[4 + strspn(w + 4, " \t")] != '=')
		return pmd_line(r, buf, w + 4, b);
	char *v = strchr(w, '=');

	if (!v)
		return perr(r->err, r->line, (unsigned int)b + 1,
			    "expected 'key = value', 'vma ...' or 'pmd ...'");
	char *kend = v;

	while (kend > w && (kend[-1] == ' ' || kend[-1] == '\t'))
		kend--;
	*kend = 0;
	v++;
	v += strspn(v, " \t");
	unsigned int vcol = (unsigned int)(v - buf) + 1;
	struct mthp_parse_error e;

	if (r->settings_open)
		return 0; /* a setting: read with the others (settings_made()) */
	/* the PTEs and folios of the last pmd line */
	if (!r->cur || r->cur->pmd != MTHP_PMD_TABLE)
		return perr(r->err, r->line, (unsigned int)b + 1,
			    "%s: belongs after a 'pmd ADDR table' line", w);
	if (strcmp(w, "ptes") && strcmp(w, "folio"))
		return perr(r->err, r->line, (unsigned int)b + 1,
			    "unknown key '%.32s' in a pmd record (ptes, folio)", w);
	if (!strcmp(w, "ptes")) {
		/* the common line, straight to the map parser */
		size_t vlen = strlen(v);
		struct mthp_place pl = { r->err, r->line, vcol };

		while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t' ||
				v[vlen - 1] == '\r'))
			vlen--;
		if (!vlen)
			return perr(r->err, r->line, vcol, "ptes: the value is empty");
		if (r->ptes_seen)
			return perr(r->err, r->line, (unsigned int)b + 1,
				    "ptes: given twice for one pmd record");
		r->ptes_seen = true;
		return mthp_place_map(&pl, v, vlen, &sp->settings.geometry,
				      r->cur->ptes);
	}
	struct mthp_scenario one = sp->settings;

	one.ptes = r->cur->ptes;
	one.fails = NULL;
	one.nfails = 0;
	if (mthp_scenario_set(&one, w, v, &e))
		return perr(r->err, r->line,
			    e.col ? vcol + e.col - 1 : (unsigned int)b + 1, "%s", e.msg);
	return 0;
}

/* The end of the input. */
static int read_end(struct reader *r)
{
	int e = record_done(r);

	if (!e)
		e = hand_on(r);
	if (!e)
		e = settings_made(r);
	/* the last VMA is handed on only when the snapshot is known whole */
	if (!e && (r->ended || r->version == 1))
		e = vma_done(r);
	if (e || r->ended)
		return e;
	if (r->version == 1)
		return 0; /* said in sp->unknown */
	return perr(r->err, r->line, 1,
		    "the snapshot ends without its 'end' line: it was cut short (a snapshot written before format %d has none: put 'snapshot = 1' at its head to read it as such)",
		    MTHP_SNAPSHOT_FORMAT);
}

static void reader_init(struct reader *r, struct mthp_space *sp,
			struct mthp_parse_error *err)
{
	memset(r, 0, sizeof(*r));
	r->sp = sp;
	r->err = err;
	r->settings_open = true;
}

/* Where the text's first "vma 0x..." record line starts; len when it has
 * none: a scenario, not a snapshot (a scenario's "vma = ..." is a key). */
/* A line that starts a snapshot's records: "vma 0x...", or the end line
 * of a snapshot without a VMA ("end 0 0"). */
static bool starts_records(const char *l, size_t ll)
{
	return (ll >= 6 && !memcmp(l, "vma 0x", 6)) ||
	       (ll >= 5 && !memcmp(l, "end ", 4) && l[4] >= '0' && l[4] <= '9');
}

static size_t first_vma_record(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((i == 0 || text[i - 1] == '\n') && starts_records(text + i, len - i))
			return i;
	return len;
}

/* Every line of text through the reader. */
static int read_lines(struct reader *r, const char *text, size_t len)
{
	char *buf = malloc(MAX_LINE);
	int e = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t pos = 0; !e && pos < len;) {
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - l) : len - pos;

		pos += ll + 1;
		if (ll >= MAX_LINE)
			e = perr(r->err, r->line + 1, 1, "line is longer than %u bytes",
				 MAX_LINE - 1);
		else if (memchr(l, 0, ll))
			e = perr(r->err, r->line + 1, 1, "NUL byte");
		else {
			memcpy(buf, l, ll);
			buf[ll] = 0;
			e = read_line(r, buf);
		}
	}
	free(buf);
	return e;
}

MTHP_EXPORT int mthp_space_read(const char *text, size_t len,
				struct mthp_space *sp,
				struct mthp_parse_error *err)
{
	struct mthp_parse_error dummy;
	struct reader r;

	if (!mthp_begin(sp, sizeof(*sp), &err, &dummy))
		return -EINVAL;
	if (!text || len > (64u << 20))
		return perr(err, 0, 0, "no text, or more than 64 MiB");
	size_t head = first_vma_record(text, len);

	if (head == len)
		return read_scenario(text, len, sp, err);
	reader_init(&r, sp, err);
	r.head = text;
	r.headlen = head;
	int e = read_lines(&r, text, len);

	return e ? e : read_end(&r);
}

/*
 * Lines of a stream through one fixed buffer: a line longer than
 * MAX_LINE is refused before anything grows, and each byte is copied at
 * most twice (read, and moved down once when the buffer wraps).
 */
struct lines_in {
	FILE *f;
	char *b;
	size_t start, end;
	bool eof;
};

#define LINES_IN_CAP (2 * MAX_LINE)

/* 1: a line at *l, *ll bytes, newline dropped; 0: the end; -E2BIG: a
 * line longer than MAX_LINE - 1; -EIO: a read error. */
static int next_line(struct lines_in *in, char **l, size_t *ll)
{
	for (;;) {
		char *s = in->b + in->start;
		char *nl = memchr(s, '\n', in->end - in->start);

		if (nl || (in->eof && in->end > in->start)) {
			*l = s;
			*ll = nl ? (size_t)(nl - s) : in->end - in->start;
			in->start += *ll + (nl ? 1 : 0);
			if (*ll >= MAX_LINE)
				return -E2BIG;
			(*l)[*ll] = 0; /* the newline's place, or room past the end */
			return 1;
		}
		if (in->eof)
			return 0;
		if (in->end - in->start >= MAX_LINE)
			return -E2BIG;
		memmove(in->b, s, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
		size_t got = fread(in->b + in->end, 1, LINES_IN_CAP - 1 - in->end, in->f);

		in->end += got;
		if (!got) {
			if (ferror(in->f))
				return -EIO;
			in->eof = true;
		}
	}
}

static int read_streamed(FILE *f, struct mthp_space *sp, mthp_space_pmd_fn each,
			 void *ctx, const struct mthp_space_stream *ops,
			 struct mthp_parse_error *err)
{
	struct reader r;
	struct lines_in in = { .f = f };
	char *line, *head = NULL;
	size_t ll, headlen = 0, headcap = 0;
	bool streaming = false;
	int e = 0;

	if (!(in.b = malloc(LINES_IN_CAP)))
		return -ENOMEM;
	reader_init(&r, sp, err);
	r.each = each;
	r.ctx = ctx;
	r.ops = ops;
	/*
	 * Until the first vma record the lines are kept: a text without one
	 * is a scenario, read whole (scenarios are at most 1 MiB); with one,
	 * they are the snapshot's settings, read before it.
	 */
	for (unsigned int n = 1;; n++) {
		int got = next_line(&in, &line, &ll);

		if (got == 0)
			break;
		if (got == -EIO) {
			e = mthp_error(err, -EIO, 0, 0, "read error: %s",
				       strerror(errno ? errno : EIO));
			break;
		}
		if (got == -E2BIG) {
			e = perr(err, n, 1, "line is longer than %u bytes", MAX_LINE - 1);
			break;
		}
		if (!streaming) {
			if (headlen + ll + 1 > MTHP_SCENARIO_MAX_BYTES) {
				e = perr(err, 0, 0, "no vma record in the first %u bytes: neither a snapshot nor a scenario",
					 MTHP_SCENARIO_MAX_BYTES);
				break;
			}
			if (headlen + ll + 1 > headcap) {
				/* doubling: each byte copied a bounded number of times */
				size_t nc = headcap ? 2 * headcap : 4096;
				char *h;

				while (nc < headlen + ll + 1)
					nc *= 2;
				if (!(h = realloc(head, nc))) {
					e = -ENOMEM;
					break;
				}
				head = h;
				headcap = nc;
			}
			memcpy(head + headlen, line, ll);
			head[headlen + ll] = '\n';
			headlen += ll + 1;
			if (!starts_records(line, ll))
				continue;
			streaming = true;
			r.head = head;
			r.headlen = headlen - ll - 1; /* before the vma line */
			e = read_lines(&r, head, headlen);
			if (e)
				break;
			continue;
		}
		if (memchr(line, 0, ll))
			e = perr(err, r.line + 1, 1, "NUL byte");
		else
			e = read_line(&r, line);
		if (e)
			break;
	}
	if (!e && streaming)
		e = read_end(&r);
	else if (!e) {
		/* a scenario: one PMD record, handed on like the others */
		e = read_scenario(head ? head : "", headlen, sp, err);
		if (!e) {
			struct mthp_space_pmd one = sp->pmds[0];

			e = ops ? ops->pmd(ops->ctx, sp, &sp->vmas[0], 0, 0, &one)
				: each(ctx, sp, 0, 0, &one);
			sp->pmds[0] = one;
		}
		if (!e && ops && ops->vma_end)
			e = ops->vma_end(ops->ctx, sp, &sp->vmas[0], 0);
	}
	free(in.b);
	free(head);
	free(r.ptes);
	return e;
}

MTHP_EXPORT int mthp_space_read_stream(FILE *f, struct mthp_space *sp,
				       mthp_space_pmd_fn each, void *ctx,
				       struct mthp_parse_error *err)
{
	struct mthp_parse_error dummy;

	if (!mthp_begin(sp, sizeof(*sp), &err, &dummy))
		return -EINVAL;
	if (!f || !each)
		return perr(err, 0, 0, "no input, or nothing to hand the records to");
	return read_streamed(f, sp, each, ctx, NULL, err);
}

/* The reader's each() when ops hand the records on: never called. */
static int no_each(void *ctx, struct mthp_space *sp, size_t vma, size_t index,
		   struct mthp_space_pmd *pmd)
{
	(void)ctx, (void)sp, (void)vma, (void)index, (void)pmd;
	return -EINVAL;
}

MTHP_EXPORT int mthp_space_read_vmas(FILE *f, struct mthp_space *sp,
				     const struct mthp_space_stream *ops,
				     struct mthp_parse_error *err)
{
	struct mthp_parse_error dummy;

	if (!mthp_begin(sp, sizeof(*sp), &err, &dummy))
		return -EINVAL;
	if (!f || !ops || ops->sz < offsetof(struct mthp_space_stream, ctx) + sizeof(ops->ctx) ||
	    !ops->pmd)
		return perr(err, 0, 0, "no input, or nothing to hand the records to");
	return read_streamed(f, sp, no_each, NULL, ops, err);
}
