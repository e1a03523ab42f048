// SPDX-License-Identifier: MIT
/* Splitting a kernel C file into top-level items, and closures over them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "oom.h"
#include "extract.h"

enum tok_kind { T_IDENT, T_NUMBER, T_STRING, T_PUNCT, T_DIRECTIVE, T_END };

struct tok {
	enum tok_kind kind;
	size_t start, len;
	unsigned int line, col;
};

struct lexer {
	const char *s;
	size_t len, pos;
	unsigned int line, col;
};

static bool ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

static void advance(struct lexer *lx, size_t n)
{
	for (size_t i = 0; i < n && lx->pos < lx->len; i++, lx->pos++) {
		if (lx->s[lx->pos] == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
	}
}

/* Skips blanks and comments; returns whether a line began since bol. */
static void skip_space(struct lexer *lx)
{
	while (lx->pos < lx->len) {
		const char *p = lx->s + lx->pos;

		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\f' || *p == '\v') {
			advance(lx, 1);
		} else if (p[0] == '/' && lx->pos + 1 < lx->len && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");

			advance(lx, e ? (size_t)(e - p) + 2 : lx->len - lx->pos);
		} else if (p[0] == '/' && lx->pos + 1 < lx->len && p[1] == '/') {
			while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
				advance(lx, 1);
		} else if (p[0] == '\\' && lx->pos + 1 < lx->len && p[1] == '\n') {
			advance(lx, 2);
		} else {
			break;
		}
	}
}

static bool at_line_start(const struct lexer *lx)
{
	for (size_t i = lx->pos; i > 0; i--) {
		char c = lx->s[i - 1];

		if (c == '\n')
			return true;
		if (c != ' ' && c != '\t')
			return false;
	}
	return true;
}

static struct tok next(struct lexer *lx)
{
	skip_space(lx);
	struct tok t = { T_END, lx->pos, 0, lx->line, lx->col };

	if (lx->pos >= lx->len)
		return t;
	const char *p = lx->s + lx->pos;
	size_t n = 1;

	if (*p == '#' && at_line_start(lx)) {
		/* a directive runs to the end of the line, with continuations */
		t.kind = T_DIRECTIVE;
		while (lx->pos + n < lx->len && p[n] != '\n') {
			if (p[n] == '\\' && lx->pos + n + 1 < lx->len && p[n + 1] == '\n')
				n++;
			else if (p[n] == '/' && p[n + 1] == '*') {
				const char *e = strstr(p + n + 2, "*/");

				n = e ? (size_t)(e - p) + 1 : lx->len - lx->pos - 1;
			}
			n++;
		}
	} else if (ident_start(*p)) {
		t.kind = T_IDENT;
		while (lx->pos + n < lx->len && ident_char(p[n]))
			n++;
	} else if (*p >= '0' && *p <= '9') {
		t.kind = T_NUMBER;
		while (lx->pos + n < lx->len && (ident_char(p[n]) || p[n] == '.'))
			n++;
	} else if (*p == '"' || *p == '\'') {
		t.kind = T_STRING;
		while (lx->pos + n < lx->len && p[n] != *p) {
			if (p[n] == '\\')
				n++;
			n++;
		}
		n++;
	} else {
		t.kind = T_PUNCT;
	}
	if (lx->pos + n > lx->len)
		n = lx->len - lx->pos;
	t.len = n;
	advance(lx, n);
	return t;
}

static bool is(const struct kc_file *f, const struct tok *t, const char *s)
{
	return t->len == strlen(s) && !memcmp(f->text + t->start, s, t->len);
}

static char *dup_tok(const struct kc_file *f, const struct tok *t,
		     const char *prefix)
{
	size_t pl = prefix ? strlen(prefix) : 0;
	char *s = malloc(pl + t->len + 1);

	if (!s)
		kc_oom();
	if (pl)
		memcpy(s, prefix, pl);
	memcpy(s + pl, f->text + t->start, t->len);
	s[pl + t->len] = 0;
	return s;
}

static void add_name(char ***v, size_t *n, char *s)
{
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	if (!*v)
		kc_oom();
	(*v)[(*n)++] = s;
}

static void add_use(struct kc_item *it, char *s, const struct tok *t)
{
	add_name(&it->uses, &it->nuses, s);
	it->use_lines = realloc(it->use_lines, it->nuses * sizeof(unsigned int));
	it->use_cols = realloc(it->use_cols, it->nuses * sizeof(unsigned int));
	if (!it->use_lines || !it->use_cols)
		kc_oom();
	it->use_lines[it->nuses - 1] = t->line;
	it->use_cols[it->nuses - 1] = t->col;
}

/* Words that are never the name a declaration defines. */
static bool keyword(const struct kc_file *f, const struct tok *t)
{
	static const char *const kw[] = {
		"static", "inline", "const", "volatile", "unsigned", "signed",
		"int", "long", "short", "char", "bool", "void", "float",
		"double", "extern", "struct", "union", "enum", "typedef",
		"register", "restrict", "return", "if", "else", "for", "while",
		"do", "switch", "case", "default", "break", "continue", "goto",
		"sizeof", "__attribute__",
	};

	if (t->kind != T_IDENT)
		return true;
	if (t->len > 2 && f->text[t->start] == '_' && f->text[t->start + 1] == '_')
		return true; /* __read_mostly, __init and other annotations */
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (is(f, t, kw[i]))
			return true;
	return false;
}

/* Whether the word before a declaration's first '(' names a function:
 * not a C keyword, and not one of the annotations that take arguments
 * (__attribute__((...)), __printf(1, 2), __acquires(lock), ...). A name
 * that starts with two underscores otherwise is a function's
 * (__collapse_huge_page_isolate(), __anon_vma_prepare()). */
static bool function_name(const struct kc_file *f, const struct tok *t)
{
	static const char *const annotations[] = {
		"__attribute__", "__attribute", "__printf", "__scanf", "__acquires",
		"__releases", "__must_hold", "__cond_acquires", "__cond_releases",
		"__section", "__aligned", "__alloc_size", "__assume_aligned",
		"__counted_by", "__diagnose_as", "__malloc", "__realloc_size",
		"__no_sanitize_or_inline", "__ret_warn_on", "__builtin_expect",
		"__typeof__", "__typeof", "typeof", "__alignof__", "_Alignas",
		"__has_attribute",
	};

	if (t->kind != T_IDENT)
		return false;
	for (size_t i = 0; i < sizeof(annotations) / sizeof(annotations[0]); i++)
		if (is(f, t, annotations[i]))
			return false;
	if (t->len > 2 && f->text[t->start] == '_' && f->text[t->start + 1] == '_')
		return true;
	return !keyword(f, t);
}

static void drop_use(struct kc_item *it, const char *name)
{
	for (size_t u = 0; u < it->nuses; u++) {
		if (!strcmp(it->uses[u], name)) {
			free(it->uses[u]);
			it->uses[u] = strdup("");
			return;
		}
	}
}

/*
 * A macro invoked at file scope, with no type before it: DEFINE_MUTEX(x);
 * static DECLARE_WAIT_QUEUE_HEAD(x); static_assert(...);
 * EXPORT_SYMBOL(f); A DEFINE_ or DECLARE_ macro (or LIST_HEAD) makes an
 * object named by its first argument; the others define nothing. True
 * when the item is one.
 */
static bool macro_invocation(struct kc_file *f, struct kc_item *it,
			     const struct tok *tv, size_t n, size_t first_paren,
			     bool is_typedef)
{
	if (first_paren == (size_t)-1 || !first_paren || is_typedef ||
	    tv[first_paren - 1].kind != T_IDENT ||
	    !is(f, &tv[n - 1], ";"))
		return false;
	for (size_t k = 0; k + 1 < first_paren; k++)
		if (!is(f, &tv[k], "static") && !is(f, &tv[k], "extern"))
			return false; /* a type: a declaration */
	const struct tok *m = &tv[first_paren - 1];
	const char *ms = f->text + m->start;

	it->kind = KC_OTHER;
	if ((m->len > 7 && !memcmp(ms, "DEFINE_", 7)) ||
	    (m->len > 8 && !memcmp(ms, "DECLARE_", 8)) || is(f, m, "LIST_HEAD")) {
		if (first_paren + 1 < n && tv[first_paren + 1].kind == T_IDENT) {
			char *name = dup_tok(f, &tv[first_paren + 1], NULL);

			drop_use(it, name);
			add_name(&it->defines, &it->ndefines, name);
			it->kind = KC_VARIABLE;
		}
	}
	return true;
}

/* Names defined and used by the tokens of one item. */
static void analyse(struct kc_file *f, struct kc_item *it, struct tok *tv,
		    size_t n)
{
	int paren = 0, brace = 0;
	size_t name_at = (size_t)-1, first_paren = (size_t)-1;
	bool is_typedef = false, has_body = false;

	for (size_t i = 0; i < n; i++) {
		struct tok *t = &tv[i];

		if (t->kind == T_PUNCT) {
			char c = f->text[t->start];

			if (c == '(') {
				if (!paren && !brace && first_paren == (size_t)-1)
					first_paren = i;
				paren++;
			} else if (c == ')') {
				paren--;
			} else if (c == '{') {
				if (!brace && !paren && i && first_paren != (size_t)-1 &&
				    it->kind != KC_TYPE)
					has_body = true;
				brace++;
			} else if (c == '}') {
				brace--;
			} else if (!paren && !brace && (c == '=' || c == ';' ||
							c == '[' || c == ',') &&
				   name_at == (size_t)-1) {
				/* the declarator before it */
				for (size_t k = i; k-- > 0;)
					if (!keyword(f, &tv[k])) {
						name_at = k;
						break;
					}
			}
			continue;
		}
		if (t->kind != T_IDENT)
			continue;
		if (is(f, t, "typedef") && !brace)
			is_typedef = true;
		/* struct/union/enum TAG: a definition when a '{' follows */
		if ((is(f, t, "struct") || is(f, t, "union") || is(f, t, "enum")) &&
		    i + 1 < n && tv[i + 1].kind == T_IDENT) {
			char prefix[16];

			snprintf(prefix, sizeof(prefix), "%.*s ", (int)t->len,
				 f->text + t->start);
			char *tag = dup_tok(f, &tv[i + 1], prefix);

			if (!brace && !paren && i + 2 < n && is(f, &tv[i + 2], "{")) {
				add_name(&it->defines, &it->ndefines, tag);
				if (it->kind == KC_OTHER)
					it->kind = KC_TYPE;
			} else {
				add_use(it, tag, &tv[i + 1]);
			}
			i++;
			continue;
		}
		/* enumerators: NAME followed by ',', '=' or '}' in an enum body */
		if (brace == 1 && it->kind == KC_TYPE && it->ndefines &&
		    !strncmp(it->defines[0], "enum ", 5) && i + 1 < n &&
		    (is(f, &tv[i + 1], ",") || is(f, &tv[i + 1], "=") ||
		     is(f, &tv[i + 1], "}")) &&
		    (is(f, &tv[i - 1], "{") || is(f, &tv[i - 1], ","))) {
			add_name(&it->defines, &it->ndefines, dup_tok(f, t, NULL));
			continue;
		}
		add_use(it, dup_tok(f, t, NULL), t);
	}
	if (it->kind == KC_TYPE && !is_typedef)
		return;
	if (macro_invocation(f, it, tv, n, first_paren, is_typedef))
		return;
	if (first_paren != (size_t)-1 && !is_typedef && first_paren > 0 &&
	    tv[first_paren - 1].kind == T_IDENT && function_name(f, &tv[first_paren - 1])) {
		it->kind = has_body ? KC_FUNCTION : KC_PROTO;
		name_at = first_paren - 1;
	} else if (is_typedef) {
		it->kind = KC_TYPE;
		/* the last name before the final ';' */
		for (size_t k = n; k-- > 0;)
			if (!keyword(f, &tv[k]) && tv[k].kind == T_IDENT) {
				name_at = k;
				break;
			}
	} else if (name_at != (size_t)-1) {
		it->kind = KC_VARIABLE;
	}
	if (name_at == (size_t)-1 || tv[name_at].kind != T_IDENT)
		return;
	char *name = dup_tok(f, &tv[name_at], NULL);

	add_name(&it->defines, &it->ndefines, name);
	/* the defined name is not a use of itself */
	drop_use(it, name);
}

static struct kc_item *new_item(struct kc_file *f, enum kc_item_kind kind,
				size_t start, unsigned int line)
{
	f->items = realloc(f->items, (f->nitems + 1) * sizeof(*f->items));
	if (!f->items)
		kc_oom();
	struct kc_item *it = &f->items[f->nitems++];

	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->start = start;
	it->line = line;
	return it;
}

/* The open #if groups at the point the lexer has reached. */
struct cond_stack {
	size_t group[64];
	size_t depth;
};

static void add_directive(struct kc_group *g, const struct tok *t)
{
	g->start = realloc(g->start, (g->n + 1) * sizeof(*g->start));
	g->end = realloc(g->end, (g->n + 1) * sizeof(*g->end));
	g->line = realloc(g->line, (g->n + 1) * sizeof(*g->line));
	g->path = realloc(g->path, (g->n + 1) * sizeof(*g->path));
	if (!g->start || !g->end || !g->line || !g->path)
		kc_oom();
	g->path[g->n] = NULL;
	g->start[g->n] = t->start;
	g->end[g->n] = t->start + t->len;
	g->line[g->n++] = t->line;
}

/* An item made now sits in the groups open now, each at its branch. */
static void set_conds(struct kc_file *f, struct kc_item *it,
		      const struct cond_stack *cs)
{
	if (!cs->depth)
		return;
	it->conds = calloc(cs->depth, sizeof(*it->conds));
	if (!it->conds)
		kc_oom();
	for (size_t i = 0; i < cs->depth; i++)
		it->conds[i] = (struct kc_cond){ cs->group[i],
						 f->groups[cs->group[i]].n - 1 };
	it->nconds = cs->depth;
}

/* #if, #ifdef, #ifndef open a group, #elif and #else add a branch,
 * #endif closes it; deeper than the stack holds is not followed. */
static void track_cond(struct kc_file *f, const struct tok *t,
		       const struct tok *w, struct cond_stack *cs)
{
	if (is(f, w, "if") || is(f, w, "ifdef") || is(f, w, "ifndef")) {
		f->groups = realloc(f->groups, (f->ngroups + 1) * sizeof(*f->groups));
		if (!f->groups)
			kc_oom();
		memset(&f->groups[f->ngroups], 0, sizeof(*f->groups));
		add_directive(&f->groups[f->ngroups], t);
		if (cs->depth < 64)
			cs->group[cs->depth++] = f->ngroups;
		f->ngroups++;
	} else if ((is(f, w, "elif") || is(f, w, "else")) && cs->depth) {
		add_directive(&f->groups[cs->group[cs->depth - 1]], t);
	} else if (is(f, w, "endif") && cs->depth) {
		cs->depth--;
	}
}

static void directive(struct kc_file *f, const struct tok *t,
		      struct cond_stack *cs)
{
	struct kc_item *it = new_item(f, KC_DIRECTIVE, t->start, t->line);
	struct lexer lx = { f->text, t->start + t->len, t->start + 1, t->line,
			    t->col + 1 };
	struct tok w = next(&lx);

	it->end = t->start + t->len;
	set_conds(f, it, cs);
	if (w.kind == T_IDENT)
		track_cond(f, t, &w, cs);
	if (w.kind != T_IDENT || !is(f, &w, "define"))
		return;
	it->kind = KC_DEFINE;
	struct tok name = next(&lx);

	if (name.kind != T_IDENT)
		return;
	add_name(&it->defines, &it->ndefines, dup_tok(f, &name, NULL));
	for (struct tok u = next(&lx); u.kind != T_END; u = next(&lx))
		if (u.kind == T_IDENT)
			add_use(it, dup_tok(f, &u, NULL), &u);
}

static int kc_file_split(struct kc_file *f, const char *path, char *err,
			 size_t errlen);

/* A whole file of at most 64 MiB, NUL-terminated; 0 or -errno. */
static int read_source(const char *path, char **text, size_t *len, char *err,
		       size_t errlen)
{
	FILE *in = fopen(path, "rb");
	struct stat st;

	*text = NULL;
	*len = 0;
	if (!in) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!fstat(fileno(in), &st) && S_ISDIR(st.st_mode)) {
		fclose(in);
		snprintf(err, errlen, "%s: a directory, not a C file", path);
		return -EISDIR;
	}
	/* a limit checked before the buffer grows: 64 MiB, read at most
	 * one byte past it to know */
	const size_t limit = 64u << 20;
	size_t cap = 1 << 16, n = 0;
	char *t = malloc(cap + 1);

	for (size_t got; t && (got = fread(t + n, 1, cap - n, in));) {
		n += got;
		if (n > limit) {
			fclose(in);
			free(t);
			snprintf(err, errlen, "%s: larger than 64 MiB; not a kernel C file", path);
			return -EFBIG;
		}
		if (n == cap) {
			cap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
			t = realloc(t, cap + 1);
		}
	}
	fclose(in);
	if (!t)
		kc_oom();
	t[n] = 0;
	if (memchr(t, 0, n)) {
		free(t);
		snprintf(err, errlen, "%s: a NUL byte; not a C source file", path);
		return -EINVAL;
	}
	*text = t;
	*len = n;
	return 0;
}

/* The text being put together: a file with its headers in place. */
struct splice {
	char *text;
	size_t len, cap;
	unsigned int lines; /* newlines so far */
	struct kc_segment *segs;
	size_t nsegs;
	char *done[64];     /* the files read, so each is read once */
	size_t ndone;
	char *err;
	size_t errlen;
};

static void splice_append(struct splice *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? 2 * b->cap : 1 << 16;
		b->text = realloc(b->text, b->cap);
		if (!b->text)
			kc_oom();
	}
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = 0;
	for (size_t i = 0; i < n; i++)
		b->lines += s[i] == '\n';
}

static void splice_segment(struct splice *b, const char *display,
			   unsigned int line, bool header)
{
	b->segs = realloc(b->segs, (b->nsegs + 1) * sizeof(*b->segs));
	if (!b->segs)
		kc_oom();
	b->segs[b->nsegs++] = (struct kc_segment){ b->len, b->lines + 1, line,
						   strdup(display), header };
	if (!b->segs[b->nsegs - 1].path)
		kc_oom();
}

/* The name of an #include "name" line, or false. */
static bool quoted_include(const char *l, size_t n, char *name, size_t size)
{
	size_t i = 0;

	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i == n || l[i++] != '#')
		return false;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (n - i < 7 || memcmp(l + i, "include", 7))
		return false;
	i += 7;
	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i == n || l[i++] != '"')
		return false;
	size_t e = i;

	while (e < n && l[e] != '"')
		e++;
	if (e == n || e == i || e - i >= size)
		return false;
	memcpy(name, l + i, e - i);
	name[e - i] = 0;
	return true;
}

/* dir_of("a/b/c.c") is "a/b/"; "TREE@REV:mm/x.c" gives "TREE@REV:mm/". */
static void dir_of(const char *p, char *out, size_t size)
{
	const char *slash = strrchr(p, '/');
	size_t n = slash ? (size_t)(slash - p) + 1 : 0;

	snprintf(out, size, "%.*s", (int)n, p);
}

static bool already_read(struct splice *b, const char *path)
{
	char *real = realpath(path, NULL);

	if (!real)
		return true; /* not a file that can be read */
	for (size_t i = 0; i < b->ndone; i++)
		if (!strcmp(b->done[i], real)) {
			free(real);
			return true;
		}
	if (b->ndone == sizeof(b->done) / sizeof(b->done[0])) {
		free(real);
		return true;
	}
	b->done[b->ndone++] = real;
	return false;
}

/* Whether hpath, a header named from a file in dir, is a file inside
 * dir: no absolute name, no "..", no link leading out. kcheck may run
 * as root; a header outside the tree is left to the compiler, which runs
 * jailed and cannot read it. */
static bool inside(const char *dir, const char *name, const char *hpath)
{
	char *d, *h;
	bool in;

	if (name[0] == '/' || !strcmp(name, "..") || !strncmp(name, "../", 3) ||
	    strstr(name, "/../") || (strlen(name) >= 3 && !strcmp(name + strlen(name) - 3, "/..")))
		return false;
	d = realpath(*dir ? dir : ".", NULL);
	h = realpath(hpath, NULL);
	in = d && h && (!strcmp(d, "/") || (!strncmp(h, d, strlen(d)) && h[strlen(d)] == '/'));
	free(d);
	free(h);
	return in;
}

/* The file's lines into b, each #include "name" of a header beside it
 * replaced by that header's lines (read once, 8 deep at most). */
static int splice_file(struct splice *b, const char *path, const char *display,
		       const char *text, size_t len, bool header, int depth)
{
	unsigned int line = 1;

	splice_segment(b, display, 1, header);
	for (size_t i = 0; i < len;) {
		const char *e = memchr(text + i, '\n', len - i);
		size_t ll = e ? (size_t)(e - (text + i)) : len - i, step = ll + (e ? 1 : 0);
		char name[256], hpath[1300], hdisp[1300], dir[1024];
		struct stat st;

		if (depth < 8 && quoted_include(text + i, ll, name, sizeof(name))) {
			dir_of(path, dir, sizeof(dir));
			snprintf(hpath, sizeof(hpath), "%s%s", dir, name);
			if (inside(dir, name, hpath) && !stat(hpath, &st) && S_ISREG(st.st_mode) &&
			    !already_read(b, hpath)) {
				char *ht;
				size_t hl;
				int r = read_source(hpath, &ht, &hl, b->err, b->errlen);

				if (r)
					return r;
				dir_of(display, dir, sizeof(dir));
				snprintf(hdisp, sizeof(hdisp), "%s%s", dir, name);
				r = splice_file(b, hpath, hdisp, ht, hl, true, depth + 1);
				free(ht);
				if (r)
					return r;
				if (b->len && b->text[b->len - 1] != '\n')
					splice_append(b, "\n", 1);
				i += step;
				line++;
				splice_segment(b, display, line, header);
				continue;
			}
		}
		splice_append(b, text + i, step);
		i += step;
		line++;
	}
	return 0;
}

static int file_open(struct kc_file *f, const char *path, const char *display,
		     bool headers, char *err, size_t errlen);

static int file_load_body(struct kc_file *f, const char *path, char *err, size_t errlen)
{
	return file_open(f, path, path, false, err, errlen);
}

static int file_open_body(struct kc_file *f, const char *path, const char *display,
		 char *err, size_t errlen)
{
	return file_open(f, path, display, true, err, errlen);
}

static int file_open(struct kc_file *f, const char *path, const char *display,
		     bool headers, char *err, size_t errlen)
{
	struct splice b = { .err = err, .errlen = errlen };
	char *text;
	size_t len;
	int r;

	memset(f, 0, sizeof(*f));
	r = read_source(path, &text, &len, err, errlen);
	if (r)
		return r;
	already_read(&b, path);
	r = splice_file(&b, path, display, text, len, false, headers ? 0 : 8);
	free(text);
	for (size_t i = 0; i < b.ndone; i++)
		free(b.done[i]);
	if (!r && !b.text)
		splice_append(&b, "", 0);
	f->text = b.text;
	f->len = b.len;
	f->segs = b.segs;
	f->nsegs = b.nsegs;
	if (r) {
		kc_file_free(f);
		return r;
	}
	return kc_file_split(f, display, err, errlen);
}

static int file_parse_body(struct kc_file *f, const char *name, const char *text,
		  size_t len, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	if (memchr(text, 0, len)) {
		snprintf(err, errlen, "%s: a NUL byte; not a C source file", name);
		return -EINVAL;
	}
	if (!(f->text = malloc(len + 1)))
		kc_oom();
	memcpy(f->text, text, len);
	f->text[len] = 0;
	f->len = len;
	return kc_file_split(f, name, err, errlen);
}

/* The segment a place in the text belongs to. */
static const struct kc_segment *segment_at(const struct kc_file *f, size_t at)
{
	const struct kc_segment *sg = &f->segs[0];

	for (size_t i = 1; i < f->nsegs && f->segs[i].start <= at; i++)
		sg = &f->segs[i];
	return sg;
}

static unsigned int own_line(const struct kc_segment *sg, unsigned int text_line)
{
	return sg->line + (text_line - sg->text_line);
}

/* A header's include guard: "#ifndef X" whose one branch opens with
 * "#define X" (the items inside are the header's, not conditional). */
static bool include_guard(const struct kc_file *f, const struct kc_group *g)
{
	char name[128], def[160];
	const char *t = f->text + g->start[0];

	if (g->n != 1 || sscanf(t, "#ifndef %127s", name) != 1 ||
	    !segment_at(f, g->start[0])->header)
		return false;
	snprintf(def, sizeof(def), "#define %s", name);
	const char *next = strchr(t, '\n');

	while (next && (next[1] == '\n' || next[1] == ' '))
		next++;
	return next && !strncmp(next + 1, def, strlen(def));
}

/* Lines of the text turned into lines of the files they come from. */
static void own_lines(struct kc_file *f)
{
	for (size_t i = 0; i < f->nitems; i++) {
		struct kc_item *it = &f->items[i];
		size_t n = 0;

		for (size_t c = 0; c < it->nconds; c++)
			if (!include_guard(f, &f->groups[it->conds[c].group]))
				it->conds[n++] = it->conds[c];
		it->nconds = n;
	}
	for (size_t i = 0; i < f->nitems; i++) {
		struct kc_item *it = &f->items[i];
		const struct kc_segment *sg = segment_at(f, it->start);

		it->path = sg->path;
		it->from_header = sg->header;
		it->line = own_line(sg, it->line);
		for (size_t k = 0; k < it->nuses; k++)
			it->use_lines[k] = own_line(sg, it->use_lines[k]);
	}
	for (size_t g = 0; g < f->ngroups; g++)
		for (size_t b = 0; b < f->groups[g].n; b++) {
			const struct kc_segment *sg = segment_at(f, f->groups[g].start[b]);

			f->groups[g].path[b] = sg->path;
			f->groups[g].line[b] = own_line(sg, f->groups[g].line[b]);
		}
}

bool kc_file_says(const struct kc_file *f, const char *line)
{
	for (size_t i = 0; i < f->nsegs; i++) {
		size_t pl = strlen(f->segs[i].path);

		if (!strncmp(line, f->segs[i].path, pl) && line[pl] == ':')
			return true;
	}
	return false;
}

size_t kc_file_headers(const struct kc_file *f, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nsegs; i++) {
		bool seen = !f->segs[i].header;

		for (size_t k = 0; k < n && !seen; k++)
			seen = !strcmp(names[k], f->segs[i].path);
		if (!seen && n < max)
			names[n++] = f->segs[i].path;
	}
	return n;
}

static int kc_file_split(struct kc_file *f, const char *path, char *err,
			 size_t errlen)
{
	f->path = strdup(path);
	if (!f->path)
		kc_oom();
	if (!f->nsegs) {
		f->segs = calloc(1, sizeof(*f->segs));
		if (!f->segs || !(f->segs[0].path = strdup(path)))
			kc_oom();
		f->segs[0].text_line = f->segs[0].line = 1;
		f->nsegs = 1;
	}

	struct lexer lx = { f->text, f->len, 0, 1, 1 };
	struct tok *tv = NULL;
	size_t n = 0, cap_t = 0;
	int depth = 0;
	bool paren_first = false, brace_seen = false;
	size_t start = 0;
	unsigned int start_line = 1;
	struct cond_stack cs = { .depth = 0 };

	for (struct tok t = next(&lx); t.kind != T_END; t = next(&lx)) {
		if (t.kind == T_DIRECTIVE) {
			if (!n)
				directive(f, &t, &cs);
			continue; /* inside an item: part of it, not extracted */
		}
		if (!n) {
			start = t.start;
			start_line = t.line;
		}
		if (n == cap_t) {
			cap_t = cap_t ? cap_t * 2 : 256;
			tv = realloc(tv, cap_t * sizeof(*tv));
			if (!tv)
				kc_oom();
		}
		tv[n++] = t;
		if (t.kind != T_PUNCT)
			continue;
		char c = f->text[t.start];

		if (c == '(' && !depth && !brace_seen)
			paren_first = true;
		if (c == '{' && !depth)
			brace_seen = true;
		if (c == '{' || c == '(' || c == '[') {
			depth++;
			continue;
		}
		if (c == '}' || c == ')' || c == ']')
			depth--;
		/* a declaration ends at ';'; a function definition at the '}'
		 * of its body - a body that follows a parameter list, unlike a
		 * struct's or an initializer's, which go on to a ';' */
		if (depth || !(c == ';' || (c == '}' && paren_first)))
			continue;
		struct kc_item *it = new_item(f, KC_OTHER, start, start_line);

		it->end = t.start + t.len;
		set_conds(f, it, &cs);
		analyse(f, it, tv, n);
		n = 0;
		depth = 0;
		paren_first = brace_seen = false;
	}
	if (n) {
		/* an item that never ends: a '{' or '(' without its match */
		const struct kc_segment *sg = segment_at(f, tv[0].start);
		unsigned int l = own_line(sg, tv[0].line);

		free(tv);
		snprintf(err, errlen,
			 "%s:%u: the declaration or definition that starts here never ends (%s): the file's braces or parentheses do not balance",
			 sg->path, l, depth > 0 ? "more opened than closed" : "no ';' or '}' after it");
		kc_file_free(f);
		return -EINVAL;
	}
	free(tv);
	own_lines(f);
	return 0;
}

void kc_file_free(struct kc_file *f)
{
	for (size_t i = 0; i < f->nitems; i++) {
		struct kc_item *it = &f->items[i];

		for (size_t k = 0; k < it->ndefines; k++)
			free(it->defines[k]);
		for (size_t k = 0; k < it->nuses; k++)
			free(it->uses[k]);
		free(it->defines);
		free(it->uses);
		free(it->use_lines);
		free(it->use_cols);
		free(it->conds);
	}
	for (size_t i = 0; i < f->ngroups; i++) {
		free(f->groups[i].start);
		free(f->groups[i].end);
		free(f->groups[i].line);
		free(f->groups[i].path);
	}
	for (size_t i = 0; i < f->nsegs; i++)
		free(f->segs[i].path);
	free(f->segs);
	free(f->groups);
	free(f->items);
	free(f->text);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

struct kc_item *kc_find(const struct kc_file *f, const char *name, int kind)
{
	struct kc_item *proto = NULL;

	for (size_t i = 0; i < f->nitems; i++) {
		struct kc_item *it = &f->items[i];

		if (kind >= 0 && it->kind != (enum kc_item_kind)kind)
			continue;
		for (size_t k = 0; k < it->ndefines; k++) {
			if (strcmp(it->defines[k], name))
				continue;
			if (it->kind != KC_PROTO)
				return it; /* a definition before a declaration */
			if (!proto)
				proto = it;
		}
	}
	return proto;
}

static bool stopped(const char *name, const char *const *stop)
{
	for (size_t i = 0; stop && stop[i]; i++)
		if (!strcmp(name, stop[i]))
			return true;
	return false;
}

struct closure {
	const char *const *stop;
	bool (*supplied)(const char *name, const void *ctx);
	const void *ctx;
};

static void want(struct kc_file *f, struct kc_item *it, const struct closure *c)
{
	if (it->wanted)
		return;
	it->wanted = true;
	for (size_t u = 0; u < it->nuses; u++) {
		const char *name = it->uses[u];

		if (!*name || stopped(name, c->stop))
			continue;
		for (size_t i = 0; i < f->nitems; i++) {
			struct kc_item *d = &f->items[i];

			if (d->wanted || d->kind == KC_DIRECTIVE)
				continue;
			for (size_t k = 0; k < d->ndefines; k++) {
				if (strcmp(d->defines[k], name))
					continue;
				/* a prototype is enough where a definition is
				 * stubbed; otherwise the definition */
				if (d->kind == KC_PROTO && kc_find(f, name, KC_FUNCTION))
					break;
				/* the environment stands in for the kernel's
				 * headers, internal.h and the like */
				if (d->from_header && c->supplied &&
				    c->supplied(name, c->ctx))
					break;
				/* a header's variables are the kernel's globals,
				 * declared extern: the environment's business */
				if (d->from_header && (d->kind == KC_VARIABLE ||
						       d->kind == KC_OTHER))
					break;
				want(f, d, c);
				break;
			}
		}
	}
}

struct kc_item *kc_closure(struct kc_file *f, const char *target,
			   const char *const *stop,
			   bool (*supplied)(const char *name, const void *ctx),
			   const void *ctx)
{
	struct kc_item *t = kc_find(f, target, KC_FUNCTION);
	struct closure c = { stop, supplied, ctx };

	if (t)
		want(f, t, &c);
	return t;
}

size_t kc_header_len(const struct kc_file *f, const struct kc_item *it)
{
	const char *b = memchr(f->text + it->start, '{', it->end - it->start);
	const char *semi = memchr(f->text + it->start, ';', it->end - it->start);

	if (it->kind == KC_PROTO && semi)
		return (size_t)(semi - (f->text + it->start));
	return b ? (size_t)(b - (f->text + it->start)) : it->end - it->start;
}

static void trim_copy(char *dst, size_t size, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t' || *s == '\n'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
		len--;
	size_t o = 0;

	/* blanks folded to one space, for messages and matching */
	for (size_t i = 0; i < len && o + 1 < size; i++) {
		char c = s[i] == '\n' || s[i] == '\t' ? ' ' : s[i];

		if (c == ' ' && o && dst[o - 1] == ' ')
			continue;
		dst[o++] = c;
	}
	dst[o] = 0;
}

int kc_signature(const struct kc_file *f, const struct kc_item *it,
		 char *ret, size_t retlen, struct kc_param *params, size_t max,
		 size_t *n)
{
	const char *h = f->text + it->start;
	size_t hl = kc_header_len(f, it);
	const char *open = memchr(h, '(', hl);

	if (!open || !it->ndefines)
		return -1;
	/* the return type: the text before the name */
	const char *name = open;

	while (name > h && (name[-1] == ' ' || name[-1] == '\t' || name[-1] == '\n'))
		name--;
	while (name > h && ident_char(name[-1]))
		name--;
	trim_copy(ret, retlen, h, (size_t)(name - h));
	*n = 0;
	const char *p = open + 1, *end = h + hl;
	int depth = 0;
	const char *a = p;

	for (; p < end; p++) {
		if (*p == '(') {
			depth++;
		} else if (*p == ')' && depth) {
			depth--;
		} else if ((*p == ',' && !depth) || (*p == ')' && !depth)) {
			char buf[256];

			trim_copy(buf, sizeof(buf), a, (size_t)(p - a));
			if (*buf && strcmp(buf, "void")) {
				if (*n == max)
					return -1;
				size_t bl = strlen(buf), k = bl;

				while (k && ident_char(buf[k - 1]))
					k--;
				snprintf(params[*n].name, sizeof(params[*n].name), "%.63s", buf + k);
				while (k && buf[k - 1] == ' ')
					k--;
				buf[k] = 0;
				snprintf(params[*n].type, sizeof(params[*n].type), "%.127s", buf);
				(*n)++;
			}
			a = p + 1;
			if (*p == ')')
				break;
		}
	}
	return 0;
}

const char *const kc_scan_names[] = { "collapse_scan_pmd", "hpage_collapse_scan_pmd",
				      "khugepaged_scan_pmd", NULL };

bool kc_item_uses(const struct kc_item *it, const char *name)
{
	for (size_t k = 0; k < it->nuses; k++)
		if (!strcmp(it->uses[k], name))
			return true;
	return false;
}

const char *kc_find_scan(const struct kc_file *f)
{
	for (size_t i = 0; kc_scan_names[i]; i++)
		if (kc_find(f, kc_scan_names[i], KC_FUNCTION))
			return kc_scan_names[i];
	/* a name of its own: the function that maps one PMD's PTE table
	 * and calls a collapse */
	for (size_t i = 0; i < f->nitems; i++) {
		const struct kc_item *it = &f->items[i];

		if (it->kind == KC_FUNCTION && it->ndefines &&
		    kc_item_uses(it, "pte_offset_map_lock") &&
		    (kc_item_uses(it, "mthp_collapse") ||
		     kc_item_uses(it, "collapse_huge_page")) &&
		    strcmp(it->defines[0], "collapse_huge_page"))
			return it->defines[0];
	}
	return NULL;
}

int kc_file_load(struct kc_file *f, const char *path, char *err, size_t errlen)
{
	int r;

	KC_GUARDED(r, file_load_body(f, path, err, errlen),
		   r = kc_out_of_memory(err, errlen));
	return r;
}

int kc_file_open(struct kc_file *f, const char *path, const char *display,
		 char *err, size_t errlen)
{
	int r;

	KC_GUARDED(r, file_open_body(f, path, display, err, errlen),
		   r = kc_out_of_memory(err, errlen));
	return r;
}

int kc_file_parse(struct kc_file *f, const char *name, const char *text,
		  size_t len, char *err, size_t errlen)
{
	int r;

	KC_GUARDED(r, file_parse_body(f, name, text, len, err, errlen),
		   r = kc_out_of_memory(err, errlen));
	return r;
}
