// SPDX-License-Identifier: MIT
/*
 * A side's mm/khugepaged.c from a file, a tree, a git revision, and
 * patches applied to a scratch copy. The patch reader knows unified diffs
 * as git and diff -u write them, one or many to a file (git format-patch,
 * an mbox of a series); it applies a hunk where its old lines match
 * exactly, at its line or the nearest other, as patch(1) does without
 * fuzz.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kcheck.h"
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
			abort();
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
		    sscanf(buf, "@@ -%lu +%lu @@%n", &a, &c, &used) != 2)
			return false;
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
		abort();
	memcpy(v, t->v, at * sizeof(*v));
	memcpy(v + at, h->new.v, h->new.n * sizeof(*v));
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
		abort();
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

int kc_patch_apply(char **text, size_t *len, const char *patch,
		   size_t patch_len, const char *name, const char *target,
		   char *err, size_t errlen)
{
	struct lines p = { 0 }, t = { 0 };
	size_t nmsg = 0, ndiffs = 0;
	int changed = 0, ret = -1;

	split_lines(patch, patch_len, &p);
	split_lines(*text, *len, &t);
	/* messages: an mbox separates them with "From " lines */
	size_t *msg = calloc(p.n + 2, sizeof(*msg));

	if (!msg)
		abort();
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
		for (size_t i = msg[m]; i + 1 < msg[m + 1]; i++) {
			if (!starts(&p.v[i], "--- ") || !starts(&p.v[i + 1], "+++ "))
				continue;
			char oldp[512], newp[512];

			diff_path(&p.v[i], oldp, sizeof(oldp));
			diff_path(&p.v[i + 1], newp, sizeof(newp));
			ndiffs++;
			i += 2;
			bool ours = is_target(newp, target) ||
				    (!strcmp(newp, "/dev/null") && is_target(oldp, target));
			long delta = 0;

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

/* ---- files, trees, revisions ---- */

char *kc_read_file(const char *path, size_t limit, size_t *len, char *err,
		   size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path,
			 !f ? strerror(errno) : "not a regular file");
		if (f)
			fclose(f);
		return NULL;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *s = malloc(cap + 1);

	for (size_t got; s && (got = fread(s + n, 1, cap - n, f)) > 0;) {
		n += got;
		if (n > limit) {
			fclose(f);
			free(s);
			snprintf(err, errlen, "%s: larger than %zu MiB", path, limit >> 20);
			return NULL;
		}
		if (n == cap) {
			cap *= 2;
			s = realloc(s, cap + 1);
		}
	}
	fclose(f);
	if (!s)
		abort();
	s[n] = 0;
	*len = n;
	return s;
}

int kc_run(char *const argv[], const char *out, const char *errlog)
{
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int fe = errlog ? open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)
			: fd;

	if (fd < 0 || fe < 0) {
		if (fd >= 0)
			close(fd);
		if (fe >= 0 && fe != fd)
			close(fe);
		return -1;
	}
	pid_t pid = fork();

	if (!pid) {
		dup2(fd, STDOUT_FILENO);
		dup2(fe, STDERR_FILENO);
		/* messages in plain ASCII quotes, which kcheck reads */
		setenv("LC_ALL", "C", 1);
		execvp(argv[0], argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(fd);
	if (fe != fd)
		close(fe);
	if (pid < 0)
		return -1;
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
		if (kc_interrupted)
			kill(pid, SIGKILL); /* and reap it */
	}
	return st;
}

static int write_all(const char *path, const char *s, size_t len, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(s, 1, len, f) != len || fclose(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* git -C tree show rev:path > out; its own words on failure. */
static int git_show(const char *tree, const char *rev, const char *path,
		    const char *out, const char *log, char *err, size_t errlen)
{
	char obj[600];

	snprintf(obj, sizeof(obj), "%s:%s", rev, path);
	/* "--" ends the options: a revision that starts with '-' is a
	 * revision, never an option of git's */
	char *argv[] = { "git", "-C", (char *)tree, "show", "--end-of-options", obj, NULL };
	int st = kc_run(argv, out, log);

	if (st != -1 && WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		snprintf(err, errlen, "%s@%s: git was not found (kcheck reads a revision with 'git show')",
			 tree, rev);
		return -1;
	}
	size_t n = 0;
	char *msg = kc_read_file(log, 1 << 20, &n, err, errlen), *nl;

	if (msg && (nl = strchr(msg, '\n')))
		*nl = 0;
	snprintf(err, errlen, "%s@%s: git show %s: %s", tree, rev, obj,
		 msg && *msg ? msg : "failed");
	free(msg);
	return -1;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* The names of the #include "name" lines of a text, up to max. */
static size_t local_includes(const char *t, char names[][128], size_t max)
{
	size_t n = 0;

	for (const char *l = t; l && *l && n < max; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *p = l;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '#')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "include", 7))
			continue;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '"')
			continue;
		size_t k = strcspn(p, "\"\n");

		if (p[k] != '"' || !k || k >= 128 || memchr(p, '/', k))
			continue;
		memcpy(names[n], p, k);
		names[n++][k] = 0;
	}
	return n;
}

/* "7.3.4" from a kernel Makefile's VERSION, PATCHLEVEL, SUBLEVEL and
 * EXTRAVERSION lines; "" when it is not one. */
static void makefile_release(const char *path, char *out, size_t len)
{
	char err[64], *t;
	size_t n;
	long v = -1, p = -1, sub = -1;
	char extra[32] = "";

	out[0] = 0;
	if (!(t = kc_read_file(path, 1 << 20, &n, err, sizeof(err))))
		return;
	for (char *l = t; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (sscanf(l, "VERSION = %ld", &v) == 1 || sscanf(l, "PATCHLEVEL = %ld", &p) == 1 ||
		    sscanf(l, "SUBLEVEL = %ld", &sub) == 1)
			continue;
		if (!strncmp(l, "EXTRAVERSION =", 14)) {
			const char *e = l + 14;

			while (*e == ' ')
				e++;
			snprintf(extra, sizeof(extra), "%.*s", (int)strcspn(e, " \n"), e);
		}
		if (v >= 0 && p >= 0 && sub >= 0 && strncmp(l, "VERSION", 7) &&
		    strncmp(l, "PATCHLEVEL", 10) && strncmp(l, "SUBLEVEL", 8) &&
		    strncmp(l, "EXTRAVERSION", 12) && *l != '#')
			break;
	}
	free(t);
	if (v > 0 && p >= 0 && sub >= 0)
		snprintf(out, len, "%ld.%ld.%ld%s", v % 1000, p % 1000, sub % 100000, extra);
	else if (v > 0 && p >= 0)
		snprintf(out, len, "%ld.%ld%s", v % 1000, p % 1000, extra);
}

int kc_source_resolve(struct kc_source *s, const char *scratch, char *err,
		      size_t errlen)
{
	struct stat st;
	char base[1024], dir[720], makefile[760] = "";

	s->release[0] = 0;
	if (!stat(s->spec, &st) && S_ISREG(st.st_mode)) {
		snprintf(base, sizeof(base), "%s", s->spec);
		snprintf(s->display, sizeof(s->display), "%s", s->spec);
		/* mm/khugepaged.c of a tree: the tree's Makefile is above */
		const char *slash = strrchr(s->spec, '/');

		snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - s->spec) : 1,
			 slash ? s->spec : ".");
		snprintf(makefile, sizeof(makefile), "%s/../Makefile", dir);
	} else if (is_dir(s->spec)) {
		snprintf(base, sizeof(base), "%s/%s", s->spec, KC_TREE_FILE);
		if (stat(base, &st) || !S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: a directory without %s: name a kernel tree, or the file itself",
				 s->spec, KC_TREE_FILE);
			return -1;
		}
		snprintf(s->display, sizeof(s->display), "%s", base);
		snprintf(dir, sizeof(dir), "%s/mm", s->spec);
		snprintf(makefile, sizeof(makefile), "%s/Makefile", s->spec);
	} else {
		/* TREE@REV: the first '@' after which the tree is a directory */
		const char *at = NULL;
		char tree[600];

		for (const char *p = strchr(s->spec, '@'); p; p = strchr(p + 1, '@')) {
			snprintf(tree, sizeof(tree), "%.*s", (int)(p - s->spec), s->spec);
			if (p[1] && is_dir(tree)) {
				at = p;
				break;
			}
		}
		if (!at) {
			snprintf(err, errlen, "%s: %s (a file, a kernel tree, or TREE@REV)",
				 s->spec, strerror(errno ? errno : ENOENT));
			return -1;
		}
		char log[760], path[900], names[32][128];

		/* the revision's file, its headers and its Makefile, laid
		 * out as in the tree */
		snprintf(dir, sizeof(dir), "%s/rev/mm", scratch);
		snprintf(path, sizeof(path), "%s/rev", scratch);
		if (mkdir(path, 0711) || mkdir(dir, 0711)) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			return -1;
		}
		snprintf(base, sizeof(base), "%s/khugepaged.c", dir);
		snprintf(log, sizeof(log), "%s/git.log", scratch);
		if (git_show(tree, at + 1, KC_TREE_FILE, base, log, err, errlen))
			return -1;
		size_t len;
		char *text = kc_read_file(base, KC_MAX_SOURCE, &len, err, errlen);

		if (!text)
			return -1;
		size_t nh = local_includes(text, names, 32);

		free(text);
		for (size_t i = 0; i < nh; i++) {
			char rel[160], e2[300];

			snprintf(rel, sizeof(rel), "mm/%s", names[i]);
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			/* a header the revision does not have is left out,
			 * as the tree would */
			if (git_show(tree, at + 1, rel, path, log, e2, sizeof(e2)))
				unlink(path);
		}
		snprintf(makefile, sizeof(makefile), "%s/rev/Makefile", scratch);
		if (git_show(tree, at + 1, "Makefile", makefile, log, err, errlen))
			makefile[0] = 0;
		err[0] = 0;
		snprintf(s->display, sizeof(s->display), "%s:%s", s->spec, KC_TREE_FILE);
	}
	if (makefile[0] && is_file(makefile))
		makefile_release(makefile, s->release, sizeof(s->release));
	snprintf(s->name, sizeof(s->name), "%s", s->spec);
	snprintf(s->path, sizeof(s->path), "%s", base);
	s->applied = 0;
	if (!s->npatches)
		return 0;

	/* patches: the file and the headers it includes, applied to copies
	 * laid out as in the tree */
	size_t len;
	char *text = kc_read_file(base, KC_MAX_SOURCE, &len, err, errlen);
	char **patch = calloc(s->npatches, sizeof(*patch));
	size_t *plen = calloc(s->npatches, sizeof(*plen));
	char out[700], names[32][128];
	int r = -1, *changed = NULL;

	if (!text || !patch || !plen)
		goto done;
	for (size_t i = 0; i < s->npatches; i++)
		if (!(patch[i] = kc_read_file(s->patches[i], KC_MAX_SOURCE, &plen[i], err, errlen)))
			goto done;
	/* what each patch changed: of the file, or of a header (a message
	 * that changes both is counted once) */
	changed = calloc(s->npatches, sizeof(*changed));
	if (!changed)
		goto done;
	for (size_t i = 0; i < s->npatches; i++) {
		int n = kc_patch_apply(&text, &len, patch[i], plen[i], s->patches[i],
				       KC_TREE_FILE, err, errlen);

		if (n < 0)
			goto done;
		changed[i] = n;
	}
	snprintf(out, sizeof(out), "%s/patched", scratch);
	if (mkdir(out, 0711) || (snprintf(out, sizeof(out), "%s/patched/mm", scratch),
				 mkdir(out, 0711))) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		goto done;
	}
	snprintf(s->path, sizeof(s->path), "%s/khugepaged.c", out);
	if (write_all(s->path, text, len, err, errlen))
		goto done;
	size_t nh = local_includes(text, names, 32);

	for (size_t h = 0; h < nh; h++) {
		char from[900], rel[160], *ht;
		size_t hl = 0;
		int touched = 0;

		snprintf(from, sizeof(from), "%s/%s", dir, names[h]);
		snprintf(rel, sizeof(rel), "mm/%s", names[h]);
		bool exists = is_file(from);

		ht = exists ? kc_read_file(from, KC_MAX_SOURCE, &hl, err, errlen) : strdup("");
		if (!ht)
			goto done;
		for (size_t i = 0; i < s->npatches; i++) {
			int n = kc_patch_apply(&ht, &hl, patch[i], plen[i], s->patches[i],
					       rel, err, errlen);

			if (n < 0) {
				free(ht);
				goto done;
			}
			touched += n;
			if (n > changed[i])
				changed[i] = n;
		}
		snprintf(from, sizeof(from), "%s/%s", out, names[h]);
		if ((exists || touched) && write_all(from, ht, hl, err, errlen)) {
			free(ht);
			goto done;
		}
		free(ht);
	}
	for (size_t i = 0; i < s->npatches; i++)
		s->applied += (unsigned int)changed[i];
	size_t o = strlen(s->name);

	snprintf(s->name + o, sizeof(s->name) - o, " + %u patch%s", s->applied,
		 s->applied == 1 ? "" : "es");
	o = strlen(s->display);
	snprintf(s->display + o, sizeof(s->display) - o, " + %u patch%s",
		 s->applied, s->applied == 1 ? "" : "es");
	r = 0;
done:
	free(changed);
	for (size_t i = 0; patch && i < s->npatches; i++)
		free(patch[i]);
	free(patch);
	free(plen);
	free(text);
	return r;
}
