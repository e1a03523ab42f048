// SPDX-License-Identifier: MIT
/*
 * kcheck as one call (run.h): the source resolved into a scratch
 * directory, the engine's check over small and random tables, then the
 * scan's over scenario files and random scenarios, geometry by geometry,
 * each in a contained child process. The report is the caller's to
 * print.
 */
#define _GNU_SOURCE /* nftw(), asprintf() */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract.h"
#include "remove-tree.h"
#include "ktest.h"
#include "run.h"

#ifndef MTHP_KERNEL_ENV_SRC
#define MTHP_KERNEL_ENV_SRC ""
#endif
#ifndef MTHP_KERNEL_ENV_INSTALLED
#define MTHP_KERNEL_ENV_INSTALLED ""
#endif
#ifndef MTHP_PUBLIC_INCLUDE_SRC
#define MTHP_PUBLIC_INCLUDE_SRC ""
#endif
#ifndef MTHP_PUBLIC_INCLUDE_INSTALLED
#define MTHP_PUBLIC_INCLUDE_INSTALLED ""
#endif
#ifndef MTHP_EXAMPLES_SRC
#define MTHP_EXAMPLES_SRC ""
#endif

void kc_options_init(struct kc_options *o)
{
	*o = (struct kc_options){
		.model = MTHP_MODEL_DEFAULT, .random = 400, .seed = 1,
		.bitmaps = 1u << 16, .timeout = 5,
	};
}

static int refuse(struct kc_report *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The check ends with status; why says the reason. */
static int refuse(struct kc_report *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	r->status = status;
	return status;
}

static bool holds(const char *dir, const char *file)
{
	struct stat st;
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return !stat(path, &st);
}

int kc_env_dirs(const char **env, const char **pub, char *why, size_t len)
{
	static const char *const dirs[] = { NULL, MTHP_KERNEL_ENV_SRC,
					    MTHP_KERNEL_ENV_INSTALLED };
	static const char *const pubs[] = { NULL, MTHP_PUBLIC_INCLUDE_SRC,
					    MTHP_PUBLIC_INCLUDE_INSTALLED };
	const char *spell = "mthpcollapse/kernel/spellings.h";

	for (size_t i = 0; i < 3; i++) {
		const char *d = i ? dirs[i] : getenv("MTHP_KERNEL_ENV");

		if (!d || !*d || !holds(d, "mthpcollapse/kernel/khugepaged.h"))
			continue;
		*env = d;
		*pub = holds(d, spell) ? d : i ? pubs[i] : pubs[2];
		if (!i && !holds(*pub, spell))
			*pub = pubs[1];
		if (!holds(*pub, spell)) {
			snprintf(why, len, "kcheck: <%s> was not found beside the kernel environment in %s (install libmthpcollapse)",
				 spell, d);
			return KC_ERROR;
		}
		return 0;
	}
	snprintf(why, len, "kcheck: the kernel environment <mthpcollapse/kernel/khugepaged.h> was not found (install mthpsim, or set MTHP_KERNEL_ENV to the directory that holds it)");
	return KC_ERROR;
}

/* ---- scenario files ---- */

static int add_file(struct kc_scenario_files *f, char *name, char *text)
{
	char **n = realloc(f->names, (f->n + 1) * sizeof(*n));

	if (n)
		f->names = n;
	char **t = n ? realloc(f->texts, (f->n + 1) * sizeof(*t)) : NULL;

	if (t)
		f->texts = t;
	if (!n || !t)
		return -ENOMEM;
	f->names[f->n] = name;
	f->texts[f->n++] = text;
	return 0;
}

/* One scenario file, read and parsed. */
static int read_one(struct kc_scenario_files *f, char *path, char *why, size_t len)
{
	size_t n;
	char err[300];
	char *text = kc_read_file(path, KC_MAX_SOURCE, &n, err, sizeof(err));

	if (!text) {
		snprintf(why, len, "--scenario %s", err);
		free(path);
		return KC_BAD_INPUT;
	}
	struct mthp_scenario sc;
	struct mthp_parse_error e;
	int bad = mthp_scenario_parse(text, n, NULL, &sc, &e);

	mthp_scenario_free(&sc);
	if (bad)
		snprintf(why, len, "%s:%u:%u: %s", path, e.line, e.col, e.msg);
	else if (memchr(text, 0, n))
		snprintf(why, len, "%s: holds a NUL byte, which a scenario file does not", path);
	else if (!add_file(f, path, text))
		return 0;
	else
		snprintf(why, len, "kcheck: out of memory");
	int status = bad || memchr(text, 0, n) ? KC_BAD_INPUT : KC_ERROR;

	free(path);
	free(text);
	return status;
}

/* The *.scn files of a directory, in order. */
static int read_dir(struct kc_scenario_files *f, const char *dir, char *why, size_t len)
{
	struct dirent **ents;
	int ne = scandir(dir, &ents, NULL, alphasort), status = 0;

	if (ne < 0) {
		snprintf(why, len, "--scenario %s: %s", dir, strerror(errno));
		return KC_BAD_INPUT;
	}
	for (int e = 0; e < ne; e++) {
		size_t l = strlen(ents[e]->d_name);
		char *path;
		struct stat st;

		if (!status && l > 4 && !strcmp(ents[e]->d_name + l - 4, ".scn")) {
			/* "dir/" and "dir" name the files alike */
			if (asprintf(&path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
				     ents[e]->d_name) < 0) {
				snprintf(why, len, "kcheck: out of memory");
				status = KC_ERROR;
			} else if (stat(path, &st) || !S_ISREG(st.st_mode)) {
				/* a FIFO or a device would be waited on */
				snprintf(why, len, "--scenario %s: not a regular file", path);
				free(path);
				status = KC_BAD_INPUT;
			} else {
				status = read_one(f, path, why, len);
			}
		}
		free(ents[e]);
	}
	free(ents);
	return status;
}

int kc_read_scenario_files(struct kc_scenario_files *f, const char *const *paths,
			   size_t n, const char *examples, char *why, size_t len)
{
	const char *ex = examples ? examples : MTHP_EXAMPLES_SRC;

	*f = (struct kc_scenario_files){ .given = n > 0 };
	for (size_t i = 0; i < (n ? n : 1); i++) {
		const char *p = n ? paths[i] : ex;
		struct stat st;
		int status;

		if (!n && (!*p || stat(p, &st)))
			return 0; /* no examples where they were looked for */
		if (stat(p, &st)) {
			snprintf(why, len, "--scenario %s: %s", p, strerror(errno));
			status = KC_BAD_INPUT;
		} else if (S_ISDIR(st.st_mode)) {
			status = read_dir(f, p, why, len);
		} else {
			char *path = strdup(p);

			status = path ? read_one(f, path, why, len) : KC_ERROR;
			if (!path)
				snprintf(why, len, "kcheck: out of memory");
		}
		if (status) {
			kc_scenario_files_free(f);
			return status;
		}
	}
	return 0;
}

void kc_scenario_files_free(struct kc_scenario_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->names[i]);
		free(f->texts[i]);
	}
	free(f->names);
	free(f->texts);
	*f = (struct kc_scenario_files){ 0 };
}

/* ---- the scratch directory ---- */



/* A unit's directory, where the jailed compiler writes: the jail's user
 * (nobody, when kcheck is root) must be able to. */
static int unit_dir(struct kc_report *r, struct kc_unit *u, const char *scratch,
		    char letter)
{
	snprintf(u->dir, sizeof(u->dir), "%s/%c", scratch, letter);
	if (mkdir(u->dir, 0711) ||
	    (u->jail_root && !geteuid() && chown(u->dir, 65534, 65534)))
		return refuse(r, KC_ERROR, "kcheck: %s: %s", u->dir, strerror(errno));
	return 0;
}

/* ---- progress ---- */

static const struct kc_options *kc_progress_opts;

static void tell(const char *what, unsigned long long done, unsigned long long total)
{
	if (kc_progress_opts && kc_progress_opts->progress)
		kc_progress_opts->progress(kc_progress_opts->ctx, what, done, total);
}

static void engine_progress(unsigned long long done, unsigned long long total)
{
	tell("kcheck", done, total);
}

/* ---- what to check ---- */

/* The engine, the scan, or (by default) each the first file has. */
static int choose(const struct kc_options *o, struct kc_report *r)
{
	struct kc_file kf;
	char msg[1024];

	if (kc_file_load(&kf, r->src[0].path, msg, sizeof(msg)))
		return refuse(r, KC_BAD_INPUT, "%s", msg);
	const char *found = kc_find_scan(&kf);
	bool named_scan = false;
	static char scan_fn[96];

	for (size_t i = 0; o->function && kc_scan_names[i]; i++)
		named_scan |= !strcmp(o->function, kc_scan_names[i]);
	if (!o->function) {
		r->engine = kc_find(&kf, "mthp_collapse", KC_FUNCTION) != NULL;
		r->scan = found != NULL;
		snprintf(scan_fn, sizeof(scan_fn), "%s", found ? found : "");
	} else if (named_scan || (found && !strcmp(o->function, found))) {
		r->scan = true;
		snprintf(scan_fn, sizeof(scan_fn), "%s", o->function);
	} else {
		r->engine = true;
	}
	r->scan_function = scan_fn;
	kc_file_free(&kf);
	if (!r->engine && !r->scan)
		return refuse(r, KC_BAD_INPUT,
			      "%s: no definition of mthp_collapse() and no scan function (collapse_scan_pmd(), hpage_collapse_scan_pmd(), or one that maps the PTE table and calls a collapse); name one with --function",
			      r->src[0].display);
	return 0;
}

/* The geometries of a pass: o's, else every named one. */
static bool chosen(const struct kc_options *o, const char *name)
{
	bool yes = !o->ngeometries;

	for (size_t n = 0; n < o->ngeometries; n++)
		yes |= !strcmp(o->geometries[n], name);
	return yes;
}

static struct kc_geometry kc_geometry_of(const struct mthp_geometry *g)
{
	/* ppc64 book3s64 takes its table size from the MMU it boots with;
	 * so does any geometry whose table is below the maximum */
	struct kc_geometry kg = { "", g->page_shift, g->pmd_nr, g->max_ptrs,
				  g->pmd_order,
				  !strncmp(g->name, "ppc64-", 6) ||
				  g->pmd_nr != g->max_ptrs };

	snprintf(kg.tag, sizeof(kg.tag), "%s", g->name);
	return kg;
}

/* ---- the engine's check ---- */

static int engine_check(const struct kc_options *o, struct kc_report *r)
{
	struct kc_state *k = r->k;
	struct kc_unit *units[2] = { &r->ua, o->against ? &r->ub : NULL };
	char msg[1024];

	for (int i = 0; i < 2; i++) {
		if (!units[i])
			continue;
		int e = kc_generate(units[i], r->src[i].path, r->src[i].display,
				    o->function ? o->function : "mthp_collapse", msg, sizeof(msg));

		if (e)
			return refuse(r, e == KC_BAD_INPUT ? KC_BAD_INPUT : KC_ERROR, "%s", msg);
	}
	k->a.u = &r->ua;
	snprintf(k->a.name, sizeof(k->a.name), "%s", r->src[0].name);
	if (o->against) {
		k->b.u = &r->ub;
		snprintf(k->b.name, sizeof(k->b.name), "%s", r->src[1].name);
	} else {
		snprintf(k->b.name, sizeof(k->b.name), "model %s", mthp_model_name(k->b.model));
	}
	/* the exhaustive part, then random tables, smallest first */
	struct kc_geometry kgs[40];
	size_t nkg = 0;

	kgs[nkg++] = (struct kc_geometry){ "custom-12-16-16", 12, 16, 16, 4, false };
	for (size_t i = 0; i < mthp_geometry_count() && nkg < 40; i++) {
		struct mthp_geometry g;

		if (!mthp_geometry_lookup(mthp_geometry_name(i), &g, NULL, 0) &&
		    chosen(o, g.name))
			kgs[nkg++] = kc_geometry_of(&g);
	}
	for (size_t i = 1; i < nkg; i++)
		for (size_t j = i; j > 1 && kgs[j].pmd_nr < kgs[j - 1].pmd_nr; j--) {
			struct kc_geometry t = kgs[j];

			kgs[j] = kgs[j - 1];
			kgs[j - 1] = t;
		}
	k->rng = (struct rng){ o->seed };
	for (size_t gi = 0; gi < nkg && !k->w.failure && !kc_interrupted; gi++) {
		int e = kc_compile_both(k, &kgs[gi], r->inc, r->pub, o->msg);

		if (e) {
			/* the compiler's messages went to o->msg */
			r->why[0] = 0;
			return r->status = e == KC_BAD_INPUT ? KC_BAD_INPUT : KC_ERROR;
		}
		e = kc_run_isolated(k, &kgs[gi], gi == 0 ? o->bitmaps : 0,
				    gi == 0 ? 0 : o->random, o->timeout, engine_progress);
		if (e)
			return refuse(r, e == KC_BAD_INPUT ? KC_BAD_INPUT : KC_ERROR,
				      "%s", k->w.why);
		tell("kcheck", gi + 1, nkg);
	}
	if (kc_interrupted)
		return 0;
	if (!k->w.failure && !k->cases)
		return refuse(r, KC_BAD_INPUT,
			      "kcheck: no case was checked (--bitmaps 0 and --random 0, or every case needs a result the file lacks): nothing to compare");
	r->engine_done = true;
	return k->differ || k->w.failure ? KC_DIFFER : KC_OK;
}

/* ---- the scan's check ---- */

/*
 * The model that stands for a source's kernel: from the release its
 * tree's Makefile gives and whether its file has the series (its own
 * mthp_collapse()); without a release, from the shape alone. The reason,
 * in words, goes to because.
 */
static enum mthp_model model_for(const struct kc_source *s, bool series,
				 char *because, size_t len)
{
	enum mthp_model m;
	const char *why;

	if (s->release[0] &&
	    !mthp_model_for_kernel(s->release, series ? MTHP_KERNEL_COLLAPSE_STATS
						      : MTHP_KERNEL_NO_COLLAPSE_STATS,
				   &m, &why)) {
		snprintf(because, len, "Linux %s, from the tree's Makefile%s; --model names another",
			 s->release, series ? ", and the series' shape" : "");
		return m;
	}
	snprintf(because, len, "from the shape; --model names another");
	return series ? MTHP_MODEL_DEFAULT : MTHP_MODEL_BASELINE;
}

/* Both sides' scan units generated. */
static int scan_units(struct kc_report *r, struct kc_unit *const units[2],
		      const char *scratch)
{
	char msg[1024];

	for (int i = 0; i < 2; i++) {
		if (!units[i])
			continue;
		units[i]->scan = true;
		units[i]->env = &r->env;
		units[i]->jail_root = r->ua.jail_root;
		if (unit_dir(r, units[i], scratch, (char)('s' + i)))
			return r->status;
		const char *fn = r->scan_function;
		char other[96] = "";
		struct kc_file kf;

		if (i == 1) {
			/* the other side's scan may have another name */
			if (kc_file_load(&kf, r->src[1].path, msg, sizeof(msg)))
				return refuse(r, KC_BAD_INPUT, "%s", msg);
			fn = kc_find(&kf, fn, KC_FUNCTION) ? fn : kc_find_scan(&kf);
			snprintf(other, sizeof(other), "%s", fn ? fn : "");
			kc_file_free(&kf);
			if (!*other)
				return refuse(r, KC_BAD_INPUT, "%s: no scan function to compare with %s's %s()",
					      r->src[1].display, r->src[0].display, r->scan_function);
			fn = other;
		}
		int e = kc_generate(units[i], r->src[i].path, r->src[i].display, fn, msg, sizeof(msg));

		if (e)
			return refuse(r, e == KC_BAD_INPUT ? KC_BAD_INPUT : KC_ERROR, "%s", msg);
	}
	return 0;
}

/* One geometry's pass: the files of it, and (by default) ktest's suites,
 * whose layouts were played on a real kernel. */
static int scan_geometry(const struct kc_options *o, struct kc_report *r,
			 struct kc_unit *const units[2],
			 const struct kc_scenario_files *files,
			 const struct mthp_geometry *g)
{
	const char *fn[512], *ft[512];
	size_t nf = 0;
	char **kn = NULL, **kt = NULL;
	long nk = files->given ? 0 : kt_suite_scenarios(g, &kn, &kt);

	if (nk < 0)
		return refuse(r, KC_ERROR, "kcheck: out of memory");
	for (long i = 0; i < nk && nf < 256; i++) {
		fn[nf] = kn[i];
		ft[nf++] = kt[i];
	}
	r->suite_scenarios += (size_t)nk;
	for (size_t i = 0; i < files->n && nf < 256; i++) {
		struct mthp_scenario t;
		struct mthp_parse_error e;

		if (!mthp_scenario_parse(files->texts[i], strlen(files->texts[i]), NULL, &t, &e) &&
		    !strcmp(t.geometry.name, g->name)) {
			fn[nf] = files->names[i];
			ft[nf++] = files->texts[i];
		}
		mthp_scenario_free(&t);
	}
	struct scan_opts so = {
		.units = { units[0], units[1] },
		.names = { r->scan_names[0], r->scan_names[1] },
		.model = r->scan_model, .geometry = g->name, .random = o->random,
		.file_names = fn, .file_texts = ft, .nfiles = nf,
		.timeout = o->timeout,
	};
	int e = kcheck_scan_geometry(&so);

	for (long i = 0; i < nk; i++) {
		free(kn[i]);
		free(kt[i]);
	}
	free(kn);
	free(kt);
	if (e)
		return refuse(r, e == KC_BAD_INPUT ? KC_BAD_INPUT : KC_ERROR, "%s",
			      r->sc->w.why);
	return 0;
}

static int scan_check(const struct kc_options *o, struct kc_report *r,
		      const struct kc_scenario_files *files, const char *scratch)
{
	struct kc_unit *units[2] = { &r->su[0], o->against ? &r->su[1] : NULL };
	struct scan_check *sc = r->sc = kcheck_scan_state();

	if (!sc)
		return refuse(r, KC_ERROR, "kcheck: memory shared with the process that runs the file's code: %s",
			      strerror(errno));
	if (scan_units(r, units, scratch))
		return r->status;
	/* the shape says the model, unless one was named */
	r->scan_model = o->model_given ? o->model
				       : model_for(&r->src[0], r->su[0].calls_engine,
						   r->scan_because, sizeof(r->scan_because));
	snprintf(r->scan_names[0], sizeof(r->scan_names[0]), "%s", r->src[0].name);
	if (o->against)
		snprintf(r->scan_names[1], sizeof(r->scan_names[1]), "%s", r->src[1].name);
	else
		snprintf(r->scan_names[1], sizeof(r->scan_names[1]), "model %s",
			 mthp_model_name(r->scan_model));
	r->scenario_files = files->n;
	sc->rng = (struct rng){ o->seed };
	for (size_t gi = 0; gi < mthp_geometry_count() && !sc->w.failure &&
			    !kc_interrupted; gi++) {
		struct mthp_geometry g;

		if (mthp_geometry_lookup(mthp_geometry_name(gi), &g, NULL, 0) ||
		    !chosen(o, g.name))
			continue;
		struct kc_geometry kg = kc_geometry_of(&g);

		for (int i = 0; i < 2; i++)
			if (units[i]) {
				int e = kc_compile(units[i], &kg, r->inc, r->pub, o->msg);

				if (e) {
					/* the compiler's messages went to o->msg */
					r->why[0] = 0;
					return r->status = kc_interrupted || e != KC_BAD_INPUT
						? KC_ERROR : KC_BAD_INPUT;
				}
			}
		if (scan_geometry(o, r, units, files, &g))
			return r->status;
		tell("kcheck scan", gi + 1, mthp_geometry_count());
	}
	if (kc_interrupted)
		return 0;
	if (!sc->w.failure && !sc->cases)
		return refuse(r, KC_BAD_INPUT,
			      "kcheck: no scenario was checked (--random 0 and no scenario file, or every one needs a result the file lacks): nothing to compare");
	const char *td = o->tmpdir ? o->tmpdir : getenv("TMPDIR");

	td = td && *td ? td : "/tmp";
	if (sc->found)
		r->diff_unsaved = kcheck_scan_save(td, sc->first_text, r->diff_path,
						   sizeof(r->diff_path)) != 0;
	if (sc->w.failure) {
		kcheck_scan_failed_scenario(r->scan_model);
		r->fail_unsaved = kcheck_scan_save(td, sc->fail_text, r->fail_path,
						   sizeof(r->fail_path)) != 0;
	}
	r->scan_done = true;
	return sc->differ || sc->w.failure ? KC_DIFFER : KC_OK;
}

/* ---- the whole check ---- */

/* The scratch directory (and its jail) made, the sources resolved. */
static int prepare(const struct kc_options *o, struct kc_report *r, char *scratch,
		   size_t len)
{
	const char *tmpdir = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
	char why[300];
	static char jail_root[700];

	tmpdir = tmpdir && *tmpdir ? tmpdir : "/tmp";
	if (!o->unconfined && kc_jail_available(why, sizeof(why)))
		return refuse(r, KC_BAD_INPUT,
			      "kcheck: the file's code cannot be contained on this machine: %s. --unconfined compiles and runs it anyway, with your rights",
			      why);
	snprintf(scratch, len, "%s/mthpsim-kcheck-XXXXXX", tmpdir);
	if (!mkdtemp(scratch)) {
		refuse(r, KC_ERROR, "kcheck: a scratch directory in %s: %s", tmpdir,
		       strerror(errno));
		scratch[0] = 0;
		return KC_ERROR;
	}
	/* a child that is not root may load from it, and may not write */
	chmod(scratch, 0711);
	snprintf(jail_root, sizeof(jail_root), "%s/jail", scratch);
	if (!o->unconfined && mkdir(jail_root, 0755))
		return refuse(r, KC_ERROR, "kcheck: %s: %s", jail_root, strerror(errno));
	r->ua.jail_root = r->ub.jail_root = o->unconfined ? NULL : jail_root;
	struct kc_unit *units[2] = { &r->ua, o->against ? &r->ub : NULL };

	r->src[0].spec = o->source;
	r->src[1].spec = o->against;
	memcpy(r->src[0].patches, o->patches, sizeof(o->patches));
	r->src[0].npatches = o->npatches;
	memcpy(r->src[1].patches, o->against_patches, sizeof(o->against_patches));
	r->src[1].npatches = o->nagainst_patches;
	for (int i = 0; i < 2; i++) {
		char msg[1024];

		if (!units[i])
			continue;
		if (unit_dir(r, units[i], scratch, (char)('a' + i)))
			return r->status;
		if (kc_source_resolve(&r->src[i], units[i]->dir, msg, sizeof(msg)))
			return refuse(r, KC_BAD_INPUT, "%s", msg);
	}
	return 0;
}

int kc_check(const struct kc_options *o, struct kc_report *r)
{
	struct kc_scenario_files files = { 0 };
	char scratch[640] = "";

	memset(r, 0, sizeof(*r));
	r->against = o->against != NULL;
	if (o->nagainst_patches && !o->against)
		return refuse(r, KC_BAD_INPUT, "--against-patch: there is no --against side to apply it to");
	if (!o->timeout)
		return refuse(r, KC_BAD_INPUT, "--timeout 0: a case needs at least one second (1 to 86400)");
	for (size_t i = 0; i < o->ngeometries; i++) {
		struct mthp_geometry g;

		if (mthp_geometry_lookup(o->geometries[i], &g, NULL, 0))
			return refuse(r, KC_BAD_INPUT, "--geometry %s: not a named geometry (mthpsim geometries lists them)",
				      o->geometries[i]);
	}
	r->k = mmap(NULL, sizeof(*r->k), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->k == MAP_FAILED) {
		r->k = NULL;
		return refuse(r, KC_ERROR, "kcheck: memory shared with the process that runs the file's code: %s",
			      strerror(errno));
	}
	r->k->a.model = MTHP_MODEL_DEFAULT;
	r->k->b.model = o->model;
	/* the scenario files are the user's input too: read first, so a bad
	 * one is said before the first check has run */
	int status = kc_read_scenario_files(&files, o->scenarios, o->nscenarios,
					    o->examples, r->why, sizeof(r->why));

	if (status)
		return r->status = status;
	kc_progress_opts = o;
	status = kc_env_dirs(&r->inc, &r->pub, r->why, sizeof(r->why));
	char msg[1024];

	if (!status && kc_env_load(&r->env, r->inc, r->pub, msg, sizeof(msg)))
		status = refuse(r, KC_ERROR, "kcheck: reading the kernel environment: %s", msg);
	r->ua.env = r->ub.env = &r->env;
	if (status)
		r->status = status;
	else
		status = prepare(o, r, scratch, sizeof(scratch));
	if (!status)
		status = choose(o, r);
	int es = 0, ss = 0;

	if (!status && r->engine)
		es = engine_check(o, r);
	if (es == KC_DIFFER || es == KC_OK)
		es = o->werror && r->ua.nwarnings + r->ub.nwarnings && r->engine_done
			? KC_BAD_INPUT : es;
	if (!status && r->scan && es != KC_BAD_INPUT && es != KC_ERROR && !kc_interrupted) {
		ss = scan_check(o, r, &files, scratch);
		if (ss != KC_BAD_INPUT && ss != KC_ERROR && o->werror &&
		    r->su[0].nwarnings + r->su[1].nwarnings && ss != KC_DIFFER)
			ss = KC_BAD_INPUT;
	}
	if (!status)
		status = es > ss ? es : ss;
	r->status = status;
	r->interrupted = kc_interrupted;
	kc_progress_opts = NULL;
	kc_scenario_files_free(&files);
	if (scratch[0])
		mthp_remove_tree(scratch);
	return r->status;
}

void kc_report_free(struct kc_report *r)
{
	kc_unit_free(&r->ua);
	kc_unit_free(&r->ub);
	kc_unit_free(&r->su[0]);
	kc_unit_free(&r->su[1]);
	kc_env_free(&r->env);
	if (r->k)
		munmap(r->k, sizeof(*r->k));
	r->k = NULL;
}
