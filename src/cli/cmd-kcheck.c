// SPDX-License-Identifier: MIT
/*
 * mthpsim kcheck: a kernel source file's own mthp_collapse(), compiled
 * with the system compiler against kcheck's kernel environment, run beside
 * a model of the library (or beside a second file's) on the same inputs,
 * attempt by attempt.
 */
#define _GNU_SOURCE /* nftw() */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "coverage.h"
#include "cli.h"
#include "json.h"
#include "rng.h"
#include "../kcheck/kcheck.h"
#include "../kcheck/source.h"
#include "../kcheck/check.h"
#include "kcheck-scan.h"

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

static void print_outcome(const struct side *s, const struct kc_outcome *o)
{
	printf("  %s:", s->name);
	if (!o->n)
		printf(" no attempt");
	for (size_t i = 0; i < o->n && i < 24; i++)
		printf(" (%u,%u)%s", o->att[i].offset, o->att[i].order,
		       o->res[i] == MTHP_SCAN_SUCCEED ? "" : "!");
	if (o->n > 24)
		printf(" ... (%zu in all)", o->n);
	if (o->runaway)
		printf("; did not finish: more attempts than the table has ranges");
	if (o->warnings)
		printf("; a WARN_ON_ONCE/VM_WARN_ON_ONCE fired %u time%s", o->warnings,
		       o->warnings == 1 ? "" : "s");
	if (o->bugs)
		printf("; a BUG_ON/VM_BUG_ON/BUG at line %d ended the call (the kernel would crash)",
		       o->bug_line);
	if (o->ret_name[0])
		printf("; returns %s", o->ret_name);
	if (s->u && s->u->returns_count)
		printf("; returns %ld", o->ret);
	if (!s->u)
		printf(" (collapsed %ld)", o->ret);
	printf("\n");
}

/* The case's table in the scenario alphabet; the caller frees it. */
static char *table_text(const struct input *in)
{
	const struct mthp_geometry *g = in->g;
	struct mthp_pte *ptes = calloc(g->pmd_nr, sizeof(*ptes));
	char *map = malloc(g->pmd_nr * 8 + 1);

	if (!ptes || !map)
		err(1, "malloc");
	for (unsigned int i = 0; i < g->pmd_nr; i++) {
		ptes[i].kind = mthp_test_bit(i, in->map) ? MTHP_PTE_PRESENT : MTHP_PTE_NONE;
		ptes[i].flags = ptes[i].kind == MTHP_PTE_PRESENT ? MTHP_PTE_YOUNG : 0;
	}
	mthp_map_format(ptes, g->pmd_nr, map, g->pmd_nr * 8 + 1);
	free(ptes);
	return map;
}

static void print_case(const struct input *in)
{
	const struct mthp_geometry *g = in->g;
	char *map = table_text(in), orders[64];

	format_orders(orders, sizeof(orders), in->orders);
	printf("  geometry %s, %s mode, orders %s, max_ptes_none %u, unmapped %u%s\n",
	       g->name, in->khugepaged ? "khugepaged" : "madvise", orders, in->none,
	       in->unmapped, in->uffd ? ", uffd-armed VMA" : "");
	printf("  attempts: %s\n", pattern_words[in->pattern]);
	printf("  table: %s\n", map);
	free(map);
}

static void print_first(const struct check *k)
{
	const struct input *in = &k->first;
	const struct mthp_geometry *g = in->g;
	char *map = table_text(in), orders[64];

	format_orders(orders, sizeof(orders), in->orders);
	printf("\nfirst difference (the smallest table first):\n");
	print_case(in);
	printf("  attempts in order ((offset,order), ! = did not collapse):\n");
	print_outcome(&k->a, &k->fa);
	print_outcome(&k->b, &k->fb);
	const struct side *m = !k->a.u ? &k->a : !k->b.u ? &k->b : NULL;
	const struct kc_outcome *mo = !k->a.u ? &k->fa : &k->fb;

	if (m) {
		printf("  the model's side again: %s decide --geometry %s --model %s --orders %s --max-ptes-none %u --unmapped %u%s%s",
		       getprogname(), g->name, mthp_model_name(m->model), orders,
		       in->none, in->unmapped,
		       in->khugepaged ? "" : " --mode madvise",
		       in->uffd ? " --vma uffd" : "");
		for (size_t i = 0; i < mo->n; i++)
			if (mo->res[i] != MTHP_SCAN_SUCCEED)
				printf(" --fail %u:%u=%s", mo->att[i].offset,
				       mo->att[i].order, mthp_scan_result_name(mo->res[i]));
		printf(" '%s'\n", map);
	}
	free(map);
}

static bool holds(const char *dir, const char *file)
{
	struct stat st;
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return !stat(path, &st);
}

/*
 * Where the kernel environment is (MTHP_KERNEL_ENV, the source tree this
 * mthpsim was built from, or where it was installed: a directory holding
 * mthpcollapse/kernel/khugepaged.h), and the public headers it includes
 * (the same directory when it holds them, else the matching include
 * directory).
 */
static void env_dirs(const char **env, const char **pub)
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
		if (!holds(*pub, spell))
			errx(1, "kcheck: <%s> was not found beside the kernel environment in %s (install libmthpcollapse)",
			     spell, d);
		return;
	}
	errx(1, "kcheck: the kernel environment <mthpcollapse/kernel/khugepaged.h> was not found (install mthpsim, or set MTHP_KERNEL_ENV to the directory that holds it)");
}

/* What kcheck's kernel environment supplies, read once. */
static struct kc_env kc_environment;
/* The jail's root (NULL: --unconfined), for every unit. */
static const char *kcheck_jail_root;

/* A unit's directory, where the jailed compiler writes: the jail's user
 * (nobody, when kcheck is root) must be able to. */
static void unit_dir_for_jail(const char *dir)
{
	if (kcheck_jail_root && !geteuid() && chown(dir, 65534, 65534))
		err(1, "%s", dir);
}

static void usage_kcheck(FILE *f)
{
	fprintf(f,
"usage: mthpsim kcheck [options] SOURCE [--patch P]... [--against SOURCE [--against-patch P]...]\n"
"\n"
"Holds a kernel source file's own mthp_collapse() against a model: kcheck\n"
"extracts the function and what it needs from the file (mm/khugepaged.c\n"
"with some revision of the mTHP collapse series), compiles it unmodified\n"
"with $CC (else cc) against kcheck's kernel environment, stubs\n"
"collapse_huge_page() to record each attempt and answer it, and runs it\n"
"beside the model on the same inputs: every bitmap of custom:12:16:16\n"
"with every enabled-order set, max_ptes_none 0, 15 and 7 and a fixed set of\n"
"attempt results, then random bitmaps on every named geometry; khugepaged\n"
"and MADV_COLLAPSE, uffd on and off. It compares every attempt, in order,\n"
"and the function's return value. With --against it compares two sources\n"
"(a patch's before and after) instead. The file's code runs in a child\n"
"process, as the user nobody when kcheck runs as root; a case that hangs\n"
"or crashes stops the check and is reported.\n"
"\n"
"A file with a scan function (collapse_scan_pmd(), hpage_collapse_scan_pmd())\n"
"has it checked too: the scan runs over a fake page table built from each\n"
"scenario, its collapse_huge_page() is the library's mock attempt, and the\n"
"attempts, the run's result, the scan's trace point, the bitmap and the\n"
"statistics are compared with the model's (latest for the series' shape,\n"
"baseline for mainline's, unless --model says). The first difference is\n"
"saved as a scenario file that 'mthpsim run' plays.\n"
"\n"
"A SOURCE is a file; a kernel tree (its mm/khugepaged.c); or TREE@REV, the\n"
"file at any git revision of the tree (a tag, a branch, a commit, HEAD~3).\n"
"Patches (git format-patch files, an mbox of a series, unified diffs) are\n"
"applied in order to a scratch copy, their hunks for mm/khugepaged.c only;\n"
"the tree is never changed.\n"
"\n"
"  --model NAME         the model to compare with (default latest)\n"
"  --function NAME      the function: mthp_collapse, or the scan\n"
"                       (collapse_scan_pmd, hpage_collapse_scan_pmd); default\n"
"                       each of the two the file has\n"
"  --scenario PATH      the scan's scenario files (a .scn file, or a\n"
"                       directory of them; repeatable; default the examples)\n"
"  --geometry NAME      random checks on this geometry only (repeatable)\n"
"  --random N           random cases per geometry (default 400)\n"
"  --seed S             their seed (default 1)\n"
"  --bitmaps N          only the first N of the 65536 small tables (quick checks)\n"
"  --patch P            apply P to SOURCE first (repeatable, in order)\n"
"  --against SOURCE     compare with SOURCE, not with a model\n"
"  --against-patch P    apply P to the --against SOURCE (repeatable)\n"
"  --explain            list what was taken from the file, what from the\n"
"                       environment, what was stubbed and what kcheck sets\n"
"  --Werror             the compiler's warnings about the file fail the check\n"
"  --timeout S          a case's limit, in seconds (default 5)\n"
"  --json               print JSON\n"
"  -h, --help           this help\n"
"\n"
"Warnings the compiler gives about the file's own lines are printed after\n"
"the verdict. Exit status: 0 when nothing differs; 1 when something does\n"
"(or a WARN_ON_ONCE fired, a BUG_ON ended a call, a case hung or\n"
"crashed); 2 for bad input, a file without the function, a patch that\n"
"does not apply, code that needs what the environment does not have, no\n"
"case checked, or (--Werror) a warning.\n");
}

static void json_outcome(struct json *j, const char *key, const struct side *s,
			 const struct kc_outcome *o)
{
	json_key(j, key);
	json_begin_object(j);
	json_kstring(j, "side", s->name);
	json_key(j, "attempts");
	json_begin_array(j);
	for (size_t i = 0; i < o->n; i++) {
		json_begin_object(j);
		json_kuint(j, "offset", o->att[i].offset);
		json_kuint(j, "order", o->att[i].order);
		json_kstring(j, "result", mthp_scan_result_name(o->res[i]));
		json_end_object(j);
	}
	json_end_array(j);
	if (o->ret_name[0])
		json_kstring(j, "returns", o->ret_name);
	else
		json_kuint(j, "returns", (unsigned long long)o->ret);
	json_kuint(j, "warnings", o->warnings);
	json_kbool(j, "bug", o->bugs != 0);
	if (o->bugs)
		json_kuint(j, "bug_line", (unsigned long long)o->bug_line);
	json_kbool(j, "finished", !o->runaway);
	json_end_object(j);
}


static void on_signal(int sig)
{
	kc_interrupted = sig;
	if (kc_child_pid > 0)
		kill(kc_child_pid, SIGKILL);
}

static void remove_tree(const char *dir);

/* The scratch directory, removed by whatever ends kcheck - an error's
 * exit() included - in the process that made it (not a child). */
static char scratch_dir[600];
static pid_t scratch_owner;

static void remove_scratch_at_exit(void)
{
	if (scratch_dir[0] && getpid() == scratch_owner)
		remove_tree(scratch_dir);
	scratch_dir[0] = 0;
}

/* After SIGINT, SIGTERM or SIGHUP: the scratch directory goes, then
 * the signal takes its course. */
static _Noreturn void interrupted_exit(const char *scratch)
{
	int sig = kc_interrupted;

	progress_done();
	remove_tree(scratch);
	scratch_dir[0] = 0;
	mthp_coverage_dump();
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static void kcheck_progress(unsigned long long done, unsigned long long total)
{
	progress("kcheck", done, total);
}

/* The settings of one case, as members of the current object. */
static void json_case(struct json *j, const struct input *in)
{
	char orders[64];

	json_kstring(j, "geometry", in->g->name);
	json_kstring(j, "mode", in->khugepaged ? "khugepaged" : "madvise");
	format_orders(orders, sizeof(orders), in->orders);
	json_kstring(j, "orders", orders);
	json_kuint(j, "max_ptes_none", in->none);
	json_kuint(j, "unmapped", in->unmapped);
	json_kbool(j, "uffd", in->uffd);
	json_kstring(j, "pattern", pattern_words[in->pattern]);
}

static void json_failure(struct json *j, const struct check *k,
			 unsigned int timeout)
{
	const struct input *in = &k->cur;
	char what[160], *map = table_text(in);

	json_key(j, "failure");
	json_begin_object(j);
	json_kstring(j, "side", k->w.cur_side ? k->b.name : k->a.name);
	json_kstring(j, "what", k->w.failure == F_SIGNAL ? "signal" :
			       k->w.failure == F_TIMEOUT ? "timeout" : "exit");
	json_kuint(j, "value", (unsigned long long)k->w.failure_value);
	json_kstring(j, "text", kc_failure_words(&k->w, timeout, what, sizeof(what)));
	json_case(j, in);
	json_kstring(j, "table", map);
	json_end_object(j);
	free(map);
}

static void print_failure(const struct check *k, unsigned int timeout)
{
	const struct side *s = k->w.cur_side ? &k->b : &k->a;
	char what[160];

	if (!k->w.failure)
		return;
	kc_failure_words(&k->w, timeout, what, sizeof(what));
	printf("\n%s's code %s on this case (the check stopped there):\n", s->name, what);
	print_case(&k->cur);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The scratch directory and what kcheck compiled into it. */
static void remove_tree(const char *dir)
{
	if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS))
		warnx("kcheck: could not remove %s", dir);
}

static void json_source(struct json *j, const char *key,
			const struct kc_source *s)
{
	json_key(j, key);
	json_begin_object(j);
	json_kstring(j, "given", s->spec);
	json_kstring(j, "file", s->display);
	json_key(j, "patches");
	json_begin_array(j);
	for (size_t i = 0; i < s->npatches; i++)
		json_string(j, s->patches[i]);
	json_end_array(j);
	json_kuint(j, "patches_applied", s->applied);
	json_end_object(j);
}

static void print_explain(const struct kc_unit *u, const struct kc_source *s,
			  const char *inc, const char *pub)
{
	struct kc_explained e;

	kc_explain(u, &e);
	printf("\nwhat kcheck compiled for %s:\n", s->name);
	printf("  from the file, unmodified (kind, name, line):\n");
	for (size_t i = 0; i < e.ntaken; i++)
		printf("    %-11s %-36s %s%s%u%s\n", e.taken[i].kind, e.taken[i].name,
		       e.taken[i].file ? e.taken[i].file : "",
		       e.taken[i].file ? ":" : "", e.taken[i].line,
		       e.taken[i].conditional ? "  (inside #if: the compiler keeps one branch)" : "");
	printf("  stubbed by kcheck:\n");
	if (!u->nstubs)
		printf("    nothing\n");
	for (size_t i = 0; i < u->nstubs; i++) {
		if (!strcmp(u->stubs[i], "collapse_huge_page"))
			printf("    collapse_huge_page(): with the file's own signature, '%s'; records each attempt (address and order) and returns the answer kcheck chose\n",
			       u->stub_header);
		else if (!strcmp(u->stubs[i], "find_pmd_or_thp_or_none"))
			printf("    find_pmd_or_thp_or_none(): with the file's own signature; answers from the scenario's pmd (a PTE table, none, or a PMD mapping)\n");
		else
			printf("    %s(): a trace point; its arguments are evaluated, nothing is recorded\n", u->stubs[i]);
	}
	printf("  from kcheck's kernel environment (%s/mthpcollapse/kernel/khugepaged.h, and %s/mthpcollapse/kernel/spellings.h):\n    ",
	       inc, pub);
	for (size_t i = 0; i < e.nenv; i++)
		printf("%s%s", e.env[i], i + 1 < e.nenv ? ", " : "\n");
	if (!e.nenv)
		printf("nothing\n");
	printf("  set by kcheck for each case:\n");
	for (size_t i = 0; i < u->ninputs; i++)
		printf("    %s\n", u->inputs[i]);
	kc_explained_free(&e);
}

/* An array of n strings kept stride bytes apart from first. */
static void json_strings(struct json *j, const char *key, const char *first,
			 size_t stride, size_t n)
{
	json_key(j, key);
	json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		json_string(j, first + i * stride);
	json_end_array(j);
}

static void json_explain(struct json *j, const struct kc_unit *u,
			 const struct kc_source *s, const char *inc,
			 const char *pub)
{
	struct kc_explained e;

	kc_explain(u, &e);
	json_begin_object(j);
	json_kstring(j, "side", s->name);
	json_key(j, "from_file");
	json_begin_array(j);
	for (size_t i = 0; i < e.ntaken; i++) {
		json_begin_object(j);
		json_kstring(j, "kind", e.taken[i].kind);
		json_kstring(j, "name", e.taken[i].name);
		if (e.taken[i].file)
			json_kstring(j, "file", e.taken[i].file);
		json_kuint(j, "line", e.taken[i].line);
		json_kbool(j, "conditional", e.taken[i].conditional);
		json_end_object(j);
	}
	json_end_array(j);
	json_strings(j, "stubbed", u->stubs[0], sizeof(u->stubs[0]), u->nstubs);
	if (u->stub_header[0])
		json_kstring(j, "collapse_huge_page_signature", u->stub_header);
	json_strings(j, "from_environment", (const char *)e.env, sizeof(e.env[0]), e.nenv);
	json_strings(j, "set_per_case", u->inputs[0], sizeof(u->inputs[0]), u->ninputs);
	json_end_object(j);
	kc_explained_free(&e);
}

/* After the verdict: the compiler's warnings about the files' own
 * lines, then (--explain) what each build took from where. */
static void print_units(struct kc_unit *const units[2], const struct kc_source src[2],
			bool werror, bool explain, const char *inc, const char *pub)
{
	size_t nwarn = 0;

	for (int i = 0; i < 2; i++)
		nwarn += units[i] ? units[i]->nwarnings : 0;
	if (nwarn) {
		printf("\nthe compiler's warnings about the file%s (%s):\n",
		       units[1] ? "s" : "",
		       werror ? "--Werror: they fail the check"
			      : "they do not change the verdict; --Werror makes them");
		for (int i = 0; i < 2; i++)
			for (size_t w = 0; units[i] && w < units[i]->nwarnings; w++)
				printf("  %s\n", units[i]->warnings[w]);
	}
	for (int i = 0; explain && i < 2; i++)
		if (units[i])
			print_explain(units[i], &src[i], inc, pub);
}

/* The compiler's warnings about the files, and (explain) what was
 * compiled of each. */
static void json_units(struct json *j, struct kc_unit *const units[2],
		       const struct kc_source *src, bool explain,
		       const char *inc, const char *pub)
{
	json_key(j, "warnings");
	json_begin_array(j);
	for (int i = 0; i < 2; i++)
		for (size_t w = 0; units[i] && w < units[i]->nwarnings; w++)
			json_string(j, units[i]->warnings[w]);
	json_end_array(j);
	if (explain) {
		json_key(j, "explain");
		json_begin_array(j);
		for (int i = 0; i < 2; i++)
			if (units[i])
				json_explain(j, units[i], &src[i], inc, pub);
		json_end_array(j);
	}
}

#ifndef MTHP_EXAMPLES_SRC
#define MTHP_EXAMPLES_SRC ""
#endif

/* Scenario files: each PATH a file, or a directory of *.scn files. Each
 * is read and checked now (a file that does not parse is bad input). */
static size_t read_scenarios(const char *const *paths, size_t n, char ***names,
			     char ***texts, bool quiet_missing)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char **files = NULL;
		size_t nf = 0;

		if (stat(paths[i], &st)) {
			if (quiet_missing)
				continue;
			errx(EXIT_INPUT, "--scenario %s: %s", paths[i], strerror(errno));
		}
		if (S_ISDIR(st.st_mode)) {
			struct dirent **ents;
			int ne = scandir(paths[i], &ents, NULL, alphasort);

			if (ne < 0)
				errx(EXIT_INPUT, "--scenario %s: %s", paths[i], strerror(errno));
			for (int e = 0; e < ne; e++) {
				size_t l = strlen(ents[e]->d_name);

				if (l > 4 && !strcmp(ents[e]->d_name + l - 4, ".scn")) {
					files = realloc(files, (nf + 1) * sizeof(*files));
					if (!files || asprintf(&files[nf], "%s/%s", paths[i], ents[e]->d_name) < 0)
						err(1, "malloc");
					/* a FIFO or a device would be waited on */
					if (stat(files[nf], &st) || !S_ISREG(st.st_mode))
						errx(EXIT_INPUT, "--scenario %s: not a regular file", files[nf]);
					nf++;
				}
				free(ents[e]);
			}
			free(ents);
		} else {
			files = malloc(sizeof(*files));
			if (!files || !(files[0] = strdup(paths[i])))
				err(1, "malloc");
			nf = 1;
		}
		for (size_t f = 0; f < nf; f++) {
			size_t len;
			char *text = read_input(files[f], &len);
			struct mthp_scenario sc;
			struct mthp_parse_error e;

			int bad = mthp_scenario_parse(text, len, NULL, &sc, &e);

			mthp_scenario_free(&sc);
			/* kept as a string: the reproducer is its text */
			bool nul = !bad && memchr(text, 0, len);

			free(nul || bad ? text : NULL);
			if (bad)
				errx(EXIT_INPUT, "%s:%u:%u: %s", files[f], e.line, e.col, e.msg);
			if (nul)
				errx(EXIT_INPUT, "%s: holds a NUL byte, which a scenario file does not", files[f]);
			char *z = realloc(text, len + 1);

			if (!z)
				err(1, "malloc");
			text = z;
			text[len] = 0;
			*names = realloc(*names, (count + 1) * sizeof(**names));
			*texts = realloc(*texts, (count + 1) * sizeof(**texts));
			if (!*names || !*texts)
				err(1, "malloc");
			(*names)[count] = files[f];
			(*texts)[count] = text;
			count++;
		}
		free(files);
	}
	return count;
}

/* The scan check's scenario files, read once before any check: the
 * user's (given), else the bundled examples. */
struct scenario_files {
	char **names, **texts;
	size_t n;
	bool given;
};

static void read_scenario_files(struct scenario_files *f, const char *const *paths,
				size_t n)
{
	const char *ex = MTHP_EXAMPLES_SRC;

	*f = (struct scenario_files){ .given = n > 0 };
	if (n)
		f->n = read_scenarios(paths, n, &f->names, &f->texts, false);
	else if (*ex)
		f->n = read_scenarios(&ex, 1, &f->names, &f->texts, true);
}

static void free_scenario_files(struct scenario_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->names[i]);
		free(f->texts[i]);
	}
	free(f->names);
	free(f->texts);
}

/* A reproducer in the text report: where it was saved, then its lines. */
static void print_scenario(const char *path, const char *text)
{
	printf("  the scenario (the model's side: %s run FILE):\n", getprogname());
	if (path[0])
		printf("  saved as %s\n", path);
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		int l = eol ? (int)(eol - p) : (int)strlen(p);

		if (l > 0 && p[0] != '#')
			printf("    %.*s\n", l, p);
		p += l + (eol ? 1 : 0);
	}
}

/*
 * The model that stands for a source's kernel: from the release its
 * tree's Makefile gives and whether its file has the series (its own
 * mthp_collapse()); without a release, from the shape alone. The reason,
 * in words, goes to because.
 */
static enum mthp_model kcheck_model_for(const struct kc_source *s, bool series,
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

/*
 * The scan check: the file's scan function (and, through it, its own
 * mthp_collapse()) against the model's scan, engine and attempt, over
 * scenario files and random scenarios on every named geometry.
 */
static int scan_check(struct kc_source *src, const char *against,
		      const char *scan_fn, const enum mthp_model *model,
		      const char *const *geos, size_t ngeos,
		      unsigned int per_geometry, unsigned int seed,
		      unsigned int timeout, bool json, bool explain, bool werror,
		      const struct scenario_files *files, const char *inc,
		      const char *pub, const char *tmpl, bool after_engine,
		      struct json *outer)
{
	static struct kc_unit su[2];
	struct kc_unit *units[2] = { &su[0], against ? &su[1] : NULL };
	char msg[1024];
	struct scan_check *sc = kcheck_scan_state();

	for (int i = 0; i < 2; i++) {
		if (!units[i])
			continue;
		snprintf(units[i]->dir, sizeof(units[i]->dir), "%s/%c", tmpl, 's' + i);
		if (mkdir(units[i]->dir, 0711))
			err(1, "%s", units[i]->dir);
		unit_dir_for_jail(units[i]->dir);
		units[i]->scan = true;
		units[i]->env = &kc_environment;
		units[i]->jail_root = kcheck_jail_root;
		const char *fn = scan_fn;
		char other[96] = "";
		struct kc_file kf;

		if (i == 1) {
			/* the other side's scan may have another name */
			if (kc_file_load(&kf, src[1].path, msg, sizeof(msg))) {
				warnx("%s", msg);
				return EXIT_INPUT;
			}
			fn = kc_find(&kf, scan_fn, KC_FUNCTION) ? scan_fn : kc_find_scan(&kf);
			snprintf(other, sizeof(other), "%s", fn ? fn : "");
			kc_file_free(&kf);
			fn = *other ? other : NULL;
			if (!fn) {
				warnx("%s: no scan function to compare with %s's %s()",
				      src[1].display, src[0].display, scan_fn);
				return EXIT_INPUT;
			}
		}
		int r = kc_generate(units[i], src[i].path, src[i].display, fn, msg, sizeof(msg));

		if (r) {
			warnx("%s", msg);
			return r == KC_BAD_INPUT ? EXIT_INPUT : 1;
		}
	}
	/* the shape says the model, unless one was named */
	char because[200];
	enum mthp_model m = model ? *model : kcheck_model_for(&src[0], su[0].calls_engine,
							      because, sizeof(because));
	char names[2][1100];

	snprintf(names[0], sizeof(names[0]), "%s", src[0].name);
	if (against)
		snprintf(names[1], sizeof(names[1]), "%s", src[1].name);
	else
		snprintf(names[1], sizeof(names[1]), "model %s", mthp_model_name(m));

	char *const *fnames = files->names, *const *ftexts = files->texts;
	size_t nfiles = files->n;

	sc->rng = (struct rng){ seed };
	int status = 0;
	size_t nsuite = 0;

	for (size_t gi = 0; gi < mthp_geometry_count() && !status && !sc->w.failure &&
			    !kc_interrupted; gi++) {
		struct mthp_geometry g;
		bool chosen = !ngeos;

		mthp_geometry_lookup(mthp_geometry_name(gi), &g, NULL, 0);
		for (size_t n = 0; n < ngeos; n++)
			chosen |= !strcmp(geos[n], g.name);
		if (!chosen)
			continue;
		struct kc_geometry kg = { "", g.page_shift, g.pmd_nr, g.max_ptrs,
					  g.pmd_order,
					  !strncmp(g.name, "ppc64-", 6) || g.pmd_nr != g.max_ptrs };

		snprintf(kg.tag, sizeof(kg.tag), "%s", g.name);
		for (int i = 0; i < 2 && !status; i++)
			if (units[i]) {
				int r = kc_compile(units[i], &kg, inc, pub, stderr);

				if (r)
					status = kc_interrupted ? 1 : r == KC_BAD_INPUT ? EXIT_INPUT : 1;
			}
		if (status)
			break;
		/* the files of this geometry, and (by default) ktest's suites,
		 * whose layouts were played on a real kernel */
		const char *fn[512], *ft[512];
		size_t nf = 0;
		char **kn = NULL, **kt = NULL;
		size_t nk = files->given ? 0 : ktest_suite_scenarios(&g, &kn, &kt);

		for (size_t i = 0; i < nk && nf < 256; i++) {
			fn[nf] = kn[i];
			ft[nf++] = kt[i];
		}
		nsuite += nk;

		for (size_t i = 0; i < nfiles && nf < 256; i++) {
			struct mthp_scenario t;
			struct mthp_parse_error e;

			if (!mthp_scenario_parse(ftexts[i], strlen(ftexts[i]), NULL, &t, &e) &&
			    !strcmp(t.geometry.name, g.name)) {
				fn[nf] = fnames[i];
				ft[nf++] = ftexts[i];
			}
			mthp_scenario_free(&t);
		}
		struct scan_opts o = {
			.units = { units[0], units[1] },
			.names = { names[0], names[1] },
			.model = m, .geometry = g.name, .random = per_geometry,
			.file_names = fn, .file_texts = ft, .nfiles = nf,
			.timeout = timeout,
		};
		int r = kcheck_scan_geometry(&o);

		for (size_t i = 0; i < nk; i++) {
			free(kn[i]);
			free(kt[i]);
		}
		free(kn);
		free(kt);
		if (r)
			status = r;
		progress("kcheck scan", gi + 1, mthp_geometry_count());
	}
	progress_done();
	if (kc_interrupted)
		interrupted_exit(tmpl);
	if (!status && !sc->w.failure && !sc->cases) {
		warnx("kcheck: no scenario was checked (--random 0 and no scenario file, or every one needs a result the file lacks): nothing to compare");
		status = EXIT_INPUT;
	}
	char diff_path[700] = "", fail_path[700] = "";
	const char *td = getenv("TMPDIR");

	td = td && *td ? td : "/tmp";
	if (!status && sc->found &&
	    kcheck_scan_save(td, sc->first_text, diff_path, sizeof(diff_path)))
		warn("kcheck: writing the scenario of the first difference");
	if (!status && sc->w.failure) {
		kcheck_scan_failed_scenario(m);
		if (kcheck_scan_save(td, sc->fail_text, fail_path, sizeof(fail_path)))
			warn("kcheck: writing the scenario the check stopped on");
	}
	const char *shape = su[0].calls_engine
		? "the series' shape: fills the occupancy bitmap and calls mthp_collapse()"
		: "mainline's shape before the series: calls collapse_huge_page() itself";
	size_t nwarn = su[0].nwarnings + su[1].nwarnings;

	if (!status && json) {
		struct json own, *jp = outer ? outer : &own;
#define j (*jp)
		if (outer) {
			json_key(&j, "scan");
		} else {
			json_init(&j, stdout);
		}
		json_begin_object(&j);
		json_kstring(&j, "command", "kcheck");
		json_kstring(&j, "check", "scan");
		json_key(&j, "settings");
		json_begin_object(&j);
		json_kstring(&j, "file", src[0].name);
		json_source(&j, "source", &src[0]);
		json_kstring(&j, "function", scan_fn);
		json_kstring(&j, "shape", su[0].calls_engine ? "series" : "baseline");
		if (against) {
			json_kstring(&j, "against", src[1].name);
			json_source(&j, "against_source", &src[1]);
		}
		json_kstring(&j, "model", mthp_model_name(m));
		json_kstring(&j, "model_because", model ? "--model" : because);
		json_kstring(&j, "release", src[0].release);
		json_kuint(&j, "random_per_geometry", per_geometry);
		json_kuint(&j, "seed", seed);
		json_kuint(&j, "scenario_files", nfiles);
		json_kuint(&j, "ktest_scenarios", nsuite);
		json_end_object(&j);
		json_kuint(&j, "cases", sc->cases);
		json_kuint(&j, "skipped", sc->skipped);
		json_kuint(&j, "not_scanned", sc->not_scanned);
		json_kuint(&j, "assumption_broken", sc->assumed);
		if (sc->assumed)
			json_kstring(&j, "assumption_where", sc->assumed_where);
		json_kuint(&j, "differ", sc->differ);
		if (sc->found) {
			json_key(&j, "first_difference");
			json_begin_object(&j);
			json_kstring(&j, "scenario", sc->first_name);
			json_kstring(&j, "what", sc->first_what);
			json_kstring(&j, "scenario_file", diff_path);
			json_kstring(&j, "scenario_text", sc->first_text);
			json_end_object(&j);
		}
		if (sc->w.failure) {
			char what[160];

			json_key(&j, "failure");
			json_begin_object(&j);
			json_kstring(&j, "side", names[sc->w.cur_side]);
			json_kstring(&j, "text", kc_failure_words(&sc->w, timeout, what, sizeof(what)));
			json_kstring(&j, "scenario", sc->cur_name);
			json_kstring(&j, "scenario_file", fail_path);
			json_kstring(&j, "scenario_text", sc->fail_text);
			json_end_object(&j);
		}
		json_units(&j, units, src, explain, inc, pub);
		json_end_object(&j);
#undef j
	} else if (!status) {
		printf("%skcheck: %s: %s\n", after_engine ? "\n" : "", src[0].name, su[0].shape);
		printf("  %s\n", shape);
		if (against)
			printf("against %s: %s\n", src[1].name, su[1].shape);
		else
			printf("  against model %s (%s)\n", mthp_model_name(m),
			       model ? "--model" : because);
		printf("%lu scenarios (%zu scenario file%s, %zu of ktest's suites over the geometries, %u random per geometry), %lu differ\n",
		       sc->cases, nfiles, nfiles == 1 ? "" : "s", nsuite, per_geometry,
		       sc->differ);
		if (against && !sc->differ && !sc->w.failure)
			printf("  the two sides decide alike on every scenario\n");
		if (sc->skipped)
			printf("  %lu skipped: they need a result the file does not have (%s)\n",
			       sc->skipped, sc->skip_example);
		if (sc->not_scanned)
			printf("  %lu not run: no order is enabled, so the kernel does not scan them\n",
			       sc->not_scanned);
		if (sc->assumed)
			printf("  %lu not compared: the file asserts (VM_WARN_ON_FOLIO and kin) that no folio it meets is what they made one - %s\n",
			       sc->assumed, sc->assumed_where);
		if (sc->found) {
			printf("\nfirst difference, in %s:\n", sc->first_name);
			fputs("  ", stdout);
			for (const char *p = sc->first_what; *p; p++) {
				putchar(*p);
				if (*p == '\n' && p[1])
					fputs("  ", stdout);
			}
			if (sc->first_what[0] && sc->first_what[strlen(sc->first_what) - 1] != '\n')
				putchar('\n');
			print_scenario(diff_path, sc->first_text);
		}
		if (sc->w.failure) {
			char what[160];

			printf("\n%s's code %s on %s (the check stopped there)\n",
			       names[sc->w.cur_side],
			       kc_failure_words(&sc->w, timeout, what, sizeof(what)),
			       sc->cur_name);
			print_scenario(fail_path, sc->fail_text);
		}
		print_units(units, src, werror, explain, inc, pub);
	}
	if (!status)
		status = sc->differ || sc->w.failure ? 1 : 0;
	if (werror && nwarn && status != 1)
		status = EXIT_INPUT;
	kc_unit_free(&su[0]);
	kc_unit_free(&su[1]);
	return status;
}

int cmd_kcheck(int argc, char **argv)
{
	enum { O_FUNCTION = O_OWN, O_AGAINST, O_RANDOM, O_SEED, O_BITMAPS,
	       O_WERROR, O_PATCH, O_AGAINST_PATCH, O_EXPLAIN, O_TIMEOUT,
	       O_SCENARIO, O_UNCONFINED };
	static const struct option longopts[] = {
		{ "unconfined", no_argument, NULL, O_UNCONFINED },
		{ "model", required_argument, NULL, O_MODEL },
		{ "geometry", required_argument, NULL, O_GEOMETRY },
		{ "function", required_argument, NULL, O_FUNCTION },
		{ "against", required_argument, NULL, O_AGAINST },
		{ "random", required_argument, NULL, O_RANDOM },
		{ "seed", required_argument, NULL, O_SEED },
		{ "bitmaps", required_argument, NULL, O_BITMAPS },
		{ "Werror", no_argument, NULL, O_WERROR },
		{ "patch", required_argument, NULL, O_PATCH },
		{ "against-patch", required_argument, NULL, O_AGAINST_PATCH },
		{ "explain", no_argument, NULL, O_EXPLAIN },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "scenario", required_argument, NULL, O_SCENARIO },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct check *k = mmap(NULL, sizeof(*k), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	static struct kc_unit ua, ub;
	const char *function = NULL, *against = NULL;
	const char *scenarios[64];
	size_t nscenarios = 0;
	bool model_given = false;
	const char *geos[32];
	size_t ngeos = 0;
	unsigned int per_geometry = 400, seed = 1, bitmaps = 1u << 16, timeout = 5;
	static struct kc_source src[2];
	bool werror = false, explain = false, unconfined = false;
	int c;

	if (k == MAP_FAILED)
		err(1, "kcheck: memory shared with the process that runs the file's code");
	k->a.model = k->b.model = MTHP_MODEL_DEFAULT;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_MODEL:
			k->b.model = cli_model("--model", optarg);
			model_given = true;
			break;
		case O_SCENARIO:
			if (nscenarios == 64)
				errx(EXIT_INPUT, "--scenario: at most 64");
			scenarios[nscenarios++] = optarg;
			break;
		case O_GEOMETRY:
			if (ngeos == 32)
				errx(EXIT_INPUT, "--geometry: at most 32");
			geos[ngeos++] = optarg;
			break;
		case O_FUNCTION: function = optarg; break;
		case O_AGAINST: against = optarg; break;
		case O_RANDOM: per_geometry = cli_uint("--random", optarg, 1000000); break;
		case O_SEED: seed = cli_uint("--seed", optarg, 4000000000u); break;
		case O_BITMAPS: bitmaps = cli_uint("--bitmaps", optarg, 1u << 16); break;
		case O_JSON: k->json = true; break;
		case O_WERROR: werror = true; break;
		case O_EXPLAIN: explain = true; break;
		case O_UNCONFINED: unconfined = true; break;
		case O_TIMEOUT:
			timeout = cli_uint("--timeout", optarg, 86400);
			if (!timeout)
				errx(EXIT_INPUT, "--timeout 0: a case needs at least one second (1 to 86400)");
			break;
		case O_PATCH:
		case O_AGAINST_PATCH: {
			struct kc_source *sp = &src[c == O_PATCH ? 0 : 1];

			if (sp->npatches == KC_MAX_PATCHES)
				errx(EXIT_INPUT, "--patch: at most %d per side", KC_MAX_PATCHES);
			sp->patches[sp->npatches++] = optarg;
			break;
		}
		case 'h':
		case O_HELP: usage_kcheck(stdout); return 0;
		default: usage_kcheck(stderr); return EXIT_INPUT;
		}
	}
	if (optind != argc - 1) {
		usage_kcheck(stderr);
		errx(EXIT_INPUT, "kcheck: expected one FILE, got %d", argc - optind);
	}
	for (size_t i = 0; i < ngeos; i++) {
		struct mthp_geometry g;

		cli_geometry("--geometry", geos[i], &g);
	}
	if (src[1].npatches && !against)
		errx(EXIT_INPUT, "--against-patch: there is no --against side to apply it to");
	/* the scenario files are the user's input too: read now, so a bad
	 * one is said before the first check has run */
	struct scenario_files files;

	read_scenario_files(&files, scenarios, nscenarios);
	const char *inc, *pub;
	char msg[1024];

	env_dirs(&inc, &pub);
	if (kc_env_load(&kc_environment, inc, pub, msg, sizeof(msg)))
		errx(1, "kcheck: reading the kernel environment: %s", msg);
	ua.env = ub.env = &kc_environment;
	const char *tmpdir = getenv("TMPDIR");
	char tmpl[600];

	snprintf(tmpl, sizeof(tmpl), "%s/mthpsim-kcheck-XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	/* the jail, or why there is none */
	static char jail_root[700];
	char why[300];

	if (!unconfined && kc_jail_available(why, sizeof(why)))
		errx(EXIT_INPUT, "kcheck: the file's code cannot be contained on this machine: %s. "
		     "--unconfined compiles and runs it anyway, with your rights", why);
	if (!mkdtemp(tmpl))
		err(1, "kcheck: a scratch directory in %s", tmpdir && *tmpdir ? tmpdir : "/tmp");
	snprintf(scratch_dir, sizeof(scratch_dir), "%s", tmpl);
	scratch_owner = getpid();
	atexit(remove_scratch_at_exit);
	/* a child that is not root may load from it, and may not write */
	chmod(tmpl, 0711);
	snprintf(jail_root, sizeof(jail_root), "%s/jail", tmpl);
	if (!unconfined && mkdir(jail_root, 0755))
		err(1, "%s", jail_root);
	ua.jail_root = ub.jail_root = unconfined ? NULL : jail_root;
	kcheck_jail_root = ua.jail_root;
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	struct kc_unit *units[2] = { &ua, against ? &ub : NULL };
	int status = 0;

	src[0].spec = argv[optind];
	src[1].spec = against;
	for (int i = 0; i < 2 && !status; i++) {
		if (!units[i])
			continue;
		snprintf(units[i]->dir, sizeof(units[i]->dir), "%s/%c", tmpl, 'a' + i);
		if (mkdir(units[i]->dir, 0711))
			err(1, "%s", units[i]->dir);
		unit_dir_for_jail(units[i]->dir);
		if (kc_source_resolve(&src[i], units[i]->dir, msg, sizeof(msg))) {
			warnx("%s", msg);
			status = EXIT_INPUT;
			break;
		}
	}
	/* what to check: the engine, the scan, or (by default) each the
	 * first file has */
	bool do_engine = false, do_scan = false, nested = false;
	const char *scan_fn = NULL;
	struct json j;

	if (!status) {
		struct kc_file kf;

		if (kc_file_load(&kf, src[0].path, msg, sizeof(msg))) {
			warnx("%s", msg);
			status = EXIT_INPUT;
		} else {
			const char *found = kc_find_scan(&kf);
			bool named_scan = false;

			for (size_t i = 0; function && kc_scan_names[i]; i++)
				named_scan |= !strcmp(function, kc_scan_names[i]);
			if (!function) {
				do_engine = kc_find(&kf, "mthp_collapse", KC_FUNCTION) != NULL;
				do_scan = found != NULL;
				scan_fn = found;
				if (!do_engine && !do_scan) {
					warnx("%s: no definition of mthp_collapse() and no scan function (collapse_scan_pmd(), hpage_collapse_scan_pmd(), or one that maps the PTE table and calls a collapse); name one with --function",
					      src[0].display);
					status = EXIT_INPUT;
				}
			} else if (named_scan || (found && !strcmp(function, found))) {
				do_scan = true;
				scan_fn = function;
			} else {
				do_engine = true;
			}
			kc_file_free(&kf);
		}
	}
	for (int i = 0; i < 2 && !status && do_engine; i++) {
		if (!units[i])
			continue;
		int r = kc_generate(units[i], src[i].path, src[i].display,
				    function ? function : "mthp_collapse", msg, sizeof(msg));

		if (r) {
			warnx("%s", msg);
			status = r == KC_BAD_INPUT ? EXIT_INPUT : 1;
		}
	}
	if (!do_engine)
		goto scan_part;
	k->a.u = &ua;
	snprintf(k->a.name, sizeof(k->a.name), "%s", src[0].name);
	if (against) {
		k->b.u = &ub;
		snprintf(k->b.name, sizeof(k->b.name), "%s", src[1].name);
	} else {
		snprintf(k->b.name, sizeof(k->b.name), "model %s", mthp_model_name(k->b.model));
	}

	/* the exhaustive part, then random tables, smallest first */
	struct kc_geometry kgs[40];
	size_t nkg = 0;

	kgs[nkg++] = (struct kc_geometry){ "custom-12-16-16", 12, 16, 16, 4, false };
	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		struct mthp_geometry g;
		bool chosen = !ngeos;

		mthp_geometry_lookup(mthp_geometry_name(i), &g, NULL, 0);
		for (size_t n = 0; n < ngeos; n++)
			chosen |= !strcmp(geos[n], g.name);
		if (!chosen)
			continue;
		/* ppc64 book3s64 takes its table size from the MMU it boots
		 * with; so does any geometry whose table is below the maximum */
		kgs[nkg] = (struct kc_geometry){ "", g.page_shift, g.pmd_nr,
						 g.max_ptrs, g.pmd_order,
						 !strncmp(g.name, "ppc64-", 6) ||
						 g.pmd_nr != g.max_ptrs };
		snprintf(kgs[nkg].tag, sizeof(kgs[nkg].tag), "%s", g.name);
		nkg++;
	}
	/* smallest table first */
	for (size_t i = 1; i < nkg; i++)
		for (size_t jj = i; jj > 1 && kgs[jj].pmd_nr < kgs[jj - 1].pmd_nr; jj--) {
			struct kc_geometry t = kgs[jj];

			kgs[jj] = kgs[jj - 1];
			kgs[jj - 1] = t;
		}
	k->rng = (struct rng){ seed };
	for (size_t gi = 0; gi < nkg && !status && !k->w.failure && !kc_interrupted; gi++) {
		int r = kc_compile_both(k, &kgs[gi], inc, pub);

		if (r) {
			status = r == KC_BAD_INPUT ? EXIT_INPUT : 1;
			break;
		}
		r = kc_run_isolated(k, &kgs[gi], gi == 0 ? bitmaps : 0,
				    gi == 0 ? 0 : per_geometry, timeout, kcheck_progress);
		if (r) {
			status = r;
			break;
		}
		progress("kcheck", gi + 1, nkg);
	}
	progress_done();
	if (kc_interrupted)
		interrupted_exit(tmpl);
	if (!status && !k->w.failure && !k->cases) {
		warnx("kcheck: no case was checked (--bitmaps 0 and --random 0, or every case needs a result the file lacks): nothing to compare");
		status = EXIT_INPUT;
	}
	if (!status) {
		/* the file's own warnings count only when asked */
		size_t nwarn = ua.nwarnings + ub.nwarnings;

		if (k->json) {
			json_init(&j, stdout);
			nested = do_scan;
			json_begin_object(&j);
			json_kstring(&j, "command", "kcheck");
			json_key(&j, "settings");
			json_begin_object(&j);
			json_kstring(&j, "file", src[0].name);
			json_source(&j, "source", &src[0]);
			json_kstring(&j, "function", function ? function : "mthp_collapse");
			json_kstring(&j, "shape", ua.shape);
			if (against) {
				json_kstring(&j, "against", src[1].name);
				json_source(&j, "against_source", &src[1]);
			} else {
				json_kstring(&j, "model", mthp_model_name(k->b.model));
			}
			json_kuint(&j, "random_per_geometry", per_geometry);
			json_kuint(&j, "seed", seed);
			json_kbool(&j, "werror", werror);
			json_end_object(&j);
			json_kuint(&j, "cases", k->cases);
			json_kuint(&j, "skipped", k->skipped);
			json_kuint(&j, "differ", k->differ);
			if (k->found) {
				json_key(&j, "first_difference");
				json_begin_object(&j);
				json_case(&j, &k->first);
				json_kuint(&j, "bitmap", k->first.map[0]);
				json_outcome(&j, "a", &k->a, &k->fa);
				json_outcome(&j, "b", &k->b, &k->fb);
				json_end_object(&j);
			}
			if (k->w.failure)
				json_failure(&j, k, timeout);
			json_units(&j, units, src, explain, inc, pub);
			/* the scan's check, if it runs, goes inside: "scan" */
			if (!nested)
				json_end_object(&j);
		} else {
			printf("kcheck: %s: %s\n", src[0].name, ua.shape);
			if (against)
				printf("against %s: %s\n", src[1].name, ub.shape);
			printf("%lu cases (%lu skipped: a result the file does not have), %lu differ\n",
			       k->cases, k->skipped, k->differ);
			if (against && !k->differ && !k->w.failure)
				printf("  the two sides decide alike on every case\n");
			if (k->found)
				print_first(k);
			print_failure(k, timeout);
			print_units(units, src, werror, explain, inc, pub);
		}
		status = k->differ || k->w.failure ? 1 : 0;
		if (werror && nwarn)
			status = EXIT_INPUT;
	}
scan_part:
	if (do_scan && status != EXIT_INPUT) {
		int r = scan_check(src, against, scan_fn, model_given ? &k->b.model : NULL,
				   geos, ngeos, per_geometry, seed, timeout, k->json,
				   explain, werror, &files, inc, pub, tmpl,
				   do_engine, nested ? &j : NULL);

		if (r > status)
			status = r;
	}
	if (nested)
		json_end_object(&j);
	kc_unit_free(&ua);
	kc_unit_free(&ub);
	kc_env_free(&kc_environment);
	free_scenario_files(&files);
	remove_tree(tmpl);
	scratch_dir[0] = 0;
	return status;
}
