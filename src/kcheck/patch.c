// SPDX-License-Identifier: MIT
/*
 * The patch reader: unified diffs as git and diff -u write them, one or
 * many to a file (git format-patch, an mbox of a series). A hunk applies
 * where its old lines match exactly, at its line or the nearest other, as
 * patch(1) does without fuzz. Whatever the patch holds - malformed hunks,
 * binary diffs, NUL bytes, nothing at all - is an error naming the patch
 * and where, never a crash: its fuzz target (tests/fuzz/fuzz-patch.c)
 * holds it to that.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oom.h"
#include "source.h"

/* ---- lines of a text ---- */

struct line {
	const char *s;
	size_t len; /* without the newline */
	bool nl;    /* ends with a newline */
};

struct lines {
	struct line *v;
	size_t n, cap;
};

static void push_line(struct lines *l, const char *s, size_t len, bool nl)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			kc_oom();
	}
	l->v[l->n++] = (struct line){ s, len, nl };
}

static void split_lines(const char *t, size_t len, struct lines *l)
{
	for (size_t i = 0; i < len;) {
		const char *e = memchr(t + i, '\n', len - i);
		size_t ll = e ? (size_t)(e - (t + i)) : len - i;

		push_line(l, t + i, ll, e != NULL);
		i += ll + (e ? 1 : 0);
	}
}

static bool starts(const struct line *l, const char *p)
{
	size_t n = strlen(p);

	return l->len >= n && !memcmp(l->s, p, n);
}

/* ---- one hunk ---- */

struct hunk {
	unsigned long old_start, old_count, new_start, new_count;
	struct lines old, new;
	char header[96];
};

/* Reads "@@ -a,b +c,d @@" and the hunk's lines from p[*i]; false when
 * the header or the body is malformed. */
static bool read_hunk(const struct lines *p, size_t *i, struct hunk *h)
{
	const struct line *hl = &p->v[*i];
	char buf[128];
	unsigned long a, b = 1, c, d = 1;
	int used = 0;

	/* nothing to free on any way out until the lines are read */
	memset(h, 0, sizeof(*h));
	snprintf(buf, sizeof(buf), "%.*s", (int)(hl->len < 127 ? hl->len : 127), hl->s);
	if (sscanf(buf, "@@ -%lu,%lu +%lu,%lu @@%n", &a, &b, &c, &d, &used) != 4) {
		b = d = 1;
		if (sscanf(buf, "@@ -%lu +%lu,%lu @@%n", &a, &c, &d, &used) != 3 &&
		    sscanf(buf, "@@ -%lu,%lu +%lu @@%n", &a, &b, &c, &used) != 3 &&
		    sscanf(buf, "@@ -%lu +%lu @@%n", &a, &c, &used) != 2) {
			/* the line as it is, for the message */
			snprintf(h->header, sizeof(h->header), "%.*s",
				 (int)strcspn(buf, "\r"), buf);
			return false;
		}
	}
	memset(h, 0, sizeof(*h));
	h->old_start = a;
	h->old_count = b;
	h->new_start = c;
	h->new_count = d;
	snprintf(h->header, sizeof(h->header), "@@ -%lu,%lu +%lu,%lu @@", a, b, c, d);
	(*i)++;
	unsigned long o = 0, n = 0;
	char last = 0;

	while (*i < p->n && (o < b || n < d || (*i < p->n && starts(&p->v[*i], "\\")))) {
		const struct line *l = &p->v[*i];
		char k = l->len ? l->s[0] : ' '; /* an empty line is context */

		if (k == '\\') {
			/* "\ No newline at end of file": of the line before */
			if ((last == ' ' || last == '-') && h->old.n)
				h->old.v[h->old.n - 1].nl = false;
			if ((last == ' ' || last == '+') && h->new.n)
				h->new.v[h->new.n - 1].nl = false;
			(*i)++;
			continue;
		}
		if (k != ' ' && k != '-' && k != '+')
			return false;
		const char *s = l->len ? l->s + 1 : l->s;
		size_t len = l->len ? l->len - 1 : 0;

		if (k != '+') {
			push_line(&h->old, s, len, true);
			o++;
		}
		if (k != '-') {
			push_line(&h->new, s, len, true);
			n++;
		}
		last = k;
		(*i)++;
	}
	return o == b && n == d;
}

static bool matches_at(const struct lines *t, size_t at, const struct lines *old)
{
	if (at + old->n > t->n)
		return false;
	for (size_t k = 0; k < old->n; k++)
		if (t->v[at + k].len != old->v[k].len ||
		    memcmp(t->v[at + k].s, old->v[k].s, old->v[k].len))
			return false;
	return true;
}

/* Applies h to t where its old lines are, nearest to line want. */
static bool apply_hunk(struct lines *t, const struct hunk *h, size_t want)
{
	size_t at = (size_t)-1;

	if (want > t->n)
		want = t->n;
	for (size_t d = 0; d <= t->n && at == (size_t)-1; d++) {
		if (want >= d && matches_at(t, want - d, &h->old))
			at = want - d;
		else if (d && want + d <= t->n && matches_at(t, want + d, &h->old))
			at = want + d;
	}
	if (at == (size_t)-1)
		return false;
	size_t n = t->n - h->old.n + h->new.n;
	struct line *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		kc_oom();
	/* (an empty text or hunk side has no array at all) */
	if (at)
		memcpy(v, t->v, at * sizeof(*v));
	if (h->new.n)
		memcpy(v + at, h->new.v, h->new.n * sizeof(*v));
	if (t->n - at - h->old.n)
		memcpy(v + at + h->new.n, t->v + at + h->old.n,
		       (t->n - at - h->old.n) * sizeof(*v));
	/* the last line keeps its own newline unless the hunk said */
	free(t->v);
	t->v = v;
	t->n = t->cap = n;
	return true;
}

/* ---- patches and messages ---- */

/* The path a ---/+++ line names, without a/ or b/ and any date. */
static void diff_path(const struct line *l, char *out, size_t size)
{
	const char *s = l->s + 4;
	size_t len = l->len - 4;
	size_t k = 0;

	while (k < len && s[k] != '\t')
		k++;
	while (k && s[k - 1] == ' ')
		k--;
	if (k > 2 && (s[0] == 'a' || s[0] == 'b') && s[1] == '/')
		s += 2, k -= 2;
	snprintf(out, size, "%.*s", (int)k, s);
}

/* A path that ends in the tree's file target (mm/khugepaged.c), maybe
 * after a tree's own prefix (linux/mm/khugepaged.c from diff -u of
 * trees). */
static bool is_target(const char *p, const char *target)
{
	size_t n = strlen(p), m = strlen(target);

	return n >= m && !strcmp(p + n - m, target) &&
	       (n == m || p[n - m - 1] == '/');
}

/* The message's subject, for errors. */
static void subject_of(const struct lines *p, size_t from, size_t to,
		       char *out, size_t size)
{
	*out = 0;
	for (size_t i = from; i < to; i++) {
		if (!starts(&p->v[i], "Subject: "))
			continue;
		snprintf(out, size, "%.*s", (int)(p->v[i].len - 9), p->v[i].s + 9);
		/* a folded header goes on in lines that start with a blank */
		for (size_t k = i + 1; k < to && p->v[k].len &&
				       (p->v[k].s[0] == ' ' || p->v[k].s[0] == '\t');
		     k++) {
			size_t o = strlen(out);

			snprintf(out + o, size - o, " %.*s", (int)(p->v[k].len - 1),
				 p->v[k].s + 1);
		}
		return;
	}
}

static bool line_has(const struct line *l, const char *w)
{
	size_t n = strlen(w);

	for (size_t i = 0; i + n <= l->len; i++)
		if (!memcmp(l->s + i, w, n))
			return true;
	return false;
}

/* A message whose body is not plain text (its headers say so). */
static bool encoded(const struct lines *p, size_t from, size_t to,
		    const char **how)
{
	for (size_t i = from; i < to && p->v[i].len; i++) {
		const struct line *l = &p->v[i];

		if (!starts(l, "Content-Transfer-Encoding:"))
			continue;
		if (line_has(l, "base64"))
			*how = "base64";
		else if (line_has(l, "quoted-printable"))
			*how = "quoted-printable";
		else
			continue;
		return true;
	}
	return false;
}

static char *join(const struct lines *t, size_t *len)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->v[i].len + t->v[i].nl;
	char *s = malloc(n + 1), *p = s;

	if (!s)
		kc_oom();
	for (size_t i = 0; i < t->n; i++) {
		memcpy(p, t->v[i].s, t->v[i].len);
		p += t->v[i].len;
		if (t->v[i].nl)
			*p++ = '\n';
	}
	*p = 0;
	*len = n;
	return s;
}

static int patch_apply_body(char **text, size_t *len, const char *patch,
		   size_t patch_len, const char *name, const char *target,
		   char *err, size_t errlen)
{
	struct lines p = { 0 }, t = { 0 };
	size_t nmsg = 0, ndiffs = 0;
	int changed = 0, ret = -1;

	const char *nul = memchr(patch, 0, patch_len);

	if (nul) {
		size_t line = 1;

		for (const char *c = patch; c < nul; c++)
			line += *c == '\n';
		snprintf(err, errlen, "%s:%zu: a NUL byte; not a text patch", name, line);
		return -1;
	}
	split_lines(patch, patch_len, &p);
	split_lines(*text, *len, &t);
	/* messages: an mbox separates them with "From " lines */
	size_t *msg = calloc(p.n + 2, sizeof(*msg));

	if (!msg)
		kc_oom();
	msg[nmsg++] = 0;
	for (size_t i = 1; i < p.n; i++)
		if (starts(&p.v[i], "From ") && !p.v[i - 1].len)
			msg[nmsg++] = i;
	msg[nmsg] = p.n;
	for (size_t m = 0; m < nmsg; m++) {
		char subj[200], where[300];
		const char *how;
		bool touched = false;

		subject_of(&p, msg[m], msg[m + 1], subj, sizeof(subj));
		if (nmsg > 1)
			snprintf(where, sizeof(where), "%s: message %zu of %zu%s%s%s",
				 name, m + 1, nmsg, *subj ? " (\"" : "", subj,
				 *subj ? "\")" : "");
		else
			snprintf(where, sizeof(where), "%s%s%s%s", name,
				 *subj ? " (\"" : "", subj, *subj ? "\")" : "");
		if (encoded(&p, msg[m], msg[m + 1], &how)) {
			snprintf(err, errlen,
				 "%s: the message is %s-encoded; save the patch as plain text (git format-patch, or the raw message as the list archive serves it)",
				 where, how);
			goto out;
		}
		for (size_t i = msg[m]; i < msg[m + 1]; i++) {
			if (starts(&p.v[i], "Binary files ") && line_has(&p.v[i], target)) {
				snprintf(err, errlen, "%s:%zu: a binary diff of %s; kcheck applies text hunks only",
					 where, i + 1, target);
				goto out;
			}
			if (i + 1 == msg[m + 1] || !starts(&p.v[i], "--- ") ||
			    !starts(&p.v[i + 1], "+++ "))
				continue;
			char oldp[512], newp[512];

			diff_path(&p.v[i], oldp, sizeof(oldp));
			diff_path(&p.v[i + 1], newp, sizeof(newp));
			ndiffs++;
			i += 2;
			bool ours = is_target(newp, target) ||
				    (!strcmp(newp, "/dev/null") && is_target(oldp, target));
			long delta = 0;

			if (ours && i < msg[m + 1] && starts(&p.v[i], "GIT binary patch")) {
				snprintf(err, errlen, "%s:%zu: a binary diff of %s; kcheck applies text hunks only",
					 where, i + 1, target);
				goto out;
			}
			for (unsigned int hn = 1; i < msg[m + 1] && starts(&p.v[i], "@@ "); hn++) {
				struct hunk h;

				if (!read_hunk(&p, &i, &h)) {
					snprintf(err, errlen, "%s: hunk %u of %s is malformed (%s)",
						 where, hn, newp, h.header[0] ? h.header : "no @@ header");
					free(h.old.v);
					free(h.new.v);
					goto out;
				}
				if (ours) {
					/* where the hunk's old lines start, in
					 * the text as earlier hunks left it */
					long want = (long)h.old_start - (h.old_count ? 1 : 0) + delta;

					if (!apply_hunk(&t, &h, want < 0 ? 0 : (size_t)want)) {
						snprintf(err, errlen,
							 "%s: hunk %u (%s) does not apply to %s",
							 where, hn, h.header, target);
						free(h.old.v);
						free(h.new.v);
						goto out;
					}
					delta += (long)h.new_count - (long)h.old_count;
					touched = true;
				}
				free(h.old.v);
				free(h.new.v);
			}
			i--;
		}
		changed += touched;
	}
	if (!ndiffs) {
		snprintf(err, errlen, "%s: not a patch (no '--- ' and '+++ ' lines of a unified diff)",
			 name);
		goto out;
	}
	size_t nl;
	char *s = join(&t, &nl);

	free(*text);
	*text = s;
	*len = nl;
	ret = changed;
out:
	free(msg);
	free(p.v);
	free(t.v);
	return ret;
}

int kc_patch_apply(char **text, size_t *len, const char *patch,
		   size_t patch_len, const char *name, const char *target,
		   char *err, size_t errlen)
{
	int r;

	KC_GUARDED(r, patch_apply_body(text, len, patch, patch_len, name, target, err, errlen),
		   r = kc_out_of_memory(err, errlen));
	return r;
}
