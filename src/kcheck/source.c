// SPDX-License-Identifier: MIT
/*
 * A side's mm/khugepaged.c from a file, a tree, a git revision, and
 * patches applied to a scratch copy (patch.c reads them).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kcheck.h"
#include "source.h"

/* ---- files, trees, revisions ---- */

static char *read_file_body(const char *path, size_t limit, size_t *len, char *err,
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
		kc_oom();
	s[n] = 0;
	*len = n;
	return s;
}

int kc_run(char *const argv[], const char *out, const char *errlog)
{
	return kc_run_jailed(argv, out, errlog, NULL);
}

int kc_run_jailed(char *const argv[], const char *out, const char *errlog,
		  const struct kc_jail *j)
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
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 ||
		    dup2(fd, STDOUT_FILENO) < 0 || dup2(fe, STDERR_FILENO) < 0)
			_exit(126);
		/* nothing of kcheck's open but the three */
		closefrom(3);
		if (j) {
			char why[400];

			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGHUP, SIG_DFL);
			if (kc_jail_enter(j, why, sizeof(why))) {
				dprintf(2, "kcheck: %s\n", why);
				_exit(126);
			}
		}
		/* messages in plain ASCII quotes, which kcheck reads */
		setenv("LC_ALL", "C", 1);
		if (j && j->as_bytes && strchr(argv[0], '/')) {
			/* the last thing before the exec: nothing maps memory
			 * between the bound and the program it bounds */
			struct rlimit as = { j->as_bytes, j->as_bytes };

			setrlimit(RLIMIT_AS, &as);
			execv(argv[0], argv);
			_exit(errno == ENOENT ? 127 : 126);
		}
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

	/* no revision starts with '-'; git would take it for an option */
	if (rev[0] == '-' || !rev[0]) {
		snprintf(err, errlen, "%s@%s: '%s' is not a revision (a tag, a branch, a commit)",
			 tree, rev, rev);
		return -1;
	}
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

static int source_resolve_body(struct kc_source *s, const char *scratch, char *err,
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

char *kc_read_file(const char *path, size_t limit, size_t *len, char *err,
		   size_t errlen)
{
	char *r;

	KC_GUARDED(r, read_file_body(path, limit, len, err, errlen),
		   r = (kc_out_of_memory(err, errlen), NULL));
	return r;
}

int kc_source_resolve(struct kc_source *s, const char *scratch, char *err,
		      size_t errlen)
{
	int r;

	KC_GUARDED(r, source_resolve_body(s, scratch, err, errlen),
		   r = kc_out_of_memory(err, errlen));
	return r;
}

