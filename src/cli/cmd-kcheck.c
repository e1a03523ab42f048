// SPDX-License-Identifier: MIT
/*
 * mthpsim kcheck: a kernel source file's own mthp_collapse(), compiled
 * with the system compiler against kcheck's kernel environment, run beside
 * a model of the library (or beside a second file's) on the same inputs,
 * attempt by attempt.
 */
#include <err.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coverage.h"
#include "cli.h"
#include "json.h"
#include "run.h"

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

	cli_format_orders(orders, sizeof(orders), in->orders);
	printf("  geometry %s, %s mode, orders %s, max_ptes_none %u, unmapped %u%s\n",
	       g->name, in->khugepaged ? "khugepaged" : "madvise", orders, in->none,
	       in->unmapped, in->uffd ? ", uffd-armed VMA" : "");
	printf("  attempts: %s\n", pattern_words[in->pattern]);
	printf("  table: %s\n", map);
	free(map);
}

static void print_first(const struct kc_state *k)
{
	const struct input *in = &k->first;
	const struct mthp_geometry *g = in->g;
	char *map = table_text(in), orders[64];

	cli_format_orders(orders, sizeof(orders), in->orders);
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

/* The settings of one case, as members of the current object. */
static void json_case(struct json *j, const struct input *in)
{
	char orders[64];

	json_kstring(j, "geometry", in->g->name);
	json_kstring(j, "mode", in->khugepaged ? "khugepaged" : "madvise");
	cli_format_orders(orders, sizeof(orders), in->orders);
	json_kstring(j, "orders", orders);
	json_kuint(j, "max_ptes_none", in->none);
	json_kuint(j, "unmapped", in->unmapped);
	json_kbool(j, "uffd", in->uffd);
	json_kstring(j, "pattern", pattern_words[in->pattern]);
}

static void json_failure(struct json *j, const struct kc_state *k,
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

static void print_failure(const struct kc_state *k, unsigned int timeout)
{
	const struct side *s = k->w.cur_side ? &k->b : &k->a;
	char what[160];

	if (!k->w.failure)
		return;
	kc_failure_words(&k->w, timeout, what, sizeof(what));
	printf("\n%s's code %s on this case (the check stopped there):\n", s->name, what);
	print_case(&k->cur);
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


/* ---- the report ---- */

/* The engine's check, as JSON; the scan's goes inside it ("scan") when
 * both ran, so the object is left open for it. */
static void json_engine(struct json *j, const struct kc_options *o,
			const struct kc_report *r, bool explain)
{
	const struct kc_state *k = r->k;
	struct kc_unit *const units[2] = { (struct kc_unit *)&r->ua,
					   r->against ? (struct kc_unit *)&r->ub : NULL };

	json_begin_object(j);
	json_kstring(j, "command", "kcheck");
	json_key(j, "settings");
	json_begin_object(j);
	json_kstring(j, "file", r->src[0].name);
	json_source(j, "source", &r->src[0]);
	json_kstring(j, "function", o->function ? o->function : "mthp_collapse");
	json_kstring(j, "shape", r->ua.shape);
	if (r->against) {
		json_kstring(j, "against", r->src[1].name);
		json_source(j, "against_source", &r->src[1]);
	} else {
		json_kstring(j, "model", mthp_model_name(k->b.model));
	}
	json_kuint(j, "random_per_geometry", o->random);
	json_kuint(j, "seed", o->seed);
	json_kbool(j, "werror", o->werror);
	json_end_object(j);
	json_kuint(j, "cases", k->cases);
	json_kuint(j, "skipped", k->skipped);
	json_kuint(j, "differ", k->differ);
	if (k->found) {
		json_key(j, "first_difference");
		json_begin_object(j);
		json_case(j, &k->first);
		json_kuint(j, "bitmap", k->first.map[0]);
		json_outcome(j, "a", &k->a, &k->fa);
		json_outcome(j, "b", &k->b, &k->fb);
		json_end_object(j);
	}
	if (k->w.failure)
		json_failure(j, k, o->timeout);
	json_units(j, units, r->src, explain, r->inc, r->pub);
}

static void print_engine(const struct kc_options *o, const struct kc_report *r,
			 bool explain)
{
	const struct kc_state *k = r->k;
	struct kc_unit *const units[2] = { (struct kc_unit *)&r->ua,
					   r->against ? (struct kc_unit *)&r->ub : NULL };

	printf("kcheck: %s: %s\n", r->src[0].name, r->ua.shape);
	if (r->against)
		printf("against %s: %s\n", r->src[1].name, r->ub.shape);
	printf("%lu cases (%lu skipped: a result the file does not have), %lu differ\n",
	       k->cases, k->skipped, k->differ);
	if (r->against && !k->differ && !k->w.failure)
		printf("  the two sides decide alike on every case\n");
	if (k->found)
		print_first(k);
	print_failure(k, o->timeout);
	print_units(units, r->src, o->werror, explain, r->inc, r->pub);
}

static void json_scan_settings(struct json *j, const struct kc_options *o,
			       const struct kc_report *r)
{
	json_key(j, "settings");
	json_begin_object(j);
	json_kstring(j, "file", r->src[0].name);
	json_source(j, "source", &r->src[0]);
	json_kstring(j, "function", r->scan_function);
	json_kstring(j, "shape", r->su[0].calls_engine ? "series" : "baseline");
	if (r->against) {
		json_kstring(j, "against", r->src[1].name);
		json_source(j, "against_source", &r->src[1]);
	}
	json_kstring(j, "model", mthp_model_name(r->scan_model));
	json_kstring(j, "model_because", o->model_given ? "--model" : r->scan_because);
	json_kstring(j, "release", r->src[0].release);
	json_kuint(j, "random_per_geometry", o->random);
	json_kuint(j, "seed", o->seed);
	json_kuint(j, "scenario_files", r->scenario_files);
	json_kuint(j, "ktest_scenarios", r->suite_scenarios);
	json_end_object(j);
}

static void json_scan(struct json *j, const struct kc_options *o,
		      const struct kc_report *r, bool explain)
{
	const struct scan_check *sc = r->sc;
	struct kc_unit *const units[2] = { (struct kc_unit *)&r->su[0],
					   r->against ? (struct kc_unit *)&r->su[1] : NULL };

	json_begin_object(j);
	json_kstring(j, "command", "kcheck");
	json_kstring(j, "check", "scan");
	json_scan_settings(j, o, r);
	json_kuint(j, "cases", sc->cases);
	json_kuint(j, "skipped", sc->skipped);
	json_kuint(j, "not_scanned", sc->not_scanned);
	json_kuint(j, "assumption_broken", sc->assumed);
	if (sc->assumed)
		json_kstring(j, "assumption_where", sc->assumed_where);
	json_kuint(j, "differ", sc->differ);
	if (sc->found) {
		json_key(j, "first_difference");
		json_begin_object(j);
		json_kstring(j, "scenario", sc->first_name);
		json_kstring(j, "what", sc->first_what);
		json_kstring(j, "scenario_file", r->diff_path);
		json_kstring(j, "scenario_text", sc->first_text);
		json_end_object(j);
	}
	if (sc->w.failure) {
		char what[160];

		json_key(j, "failure");
		json_begin_object(j);
		json_kstring(j, "side", r->scan_names[sc->w.cur_side]);
		json_kstring(j, "text", kc_failure_words(&sc->w, o->timeout, what, sizeof(what)));
		json_kstring(j, "scenario", sc->cur_name);
		json_kstring(j, "scenario_file", r->fail_path);
		json_kstring(j, "scenario_text", sc->fail_text);
		json_end_object(j);
	}
	json_units(j, units, r->src, explain, r->inc, r->pub);
	json_end_object(j);
}

/* The scan's counts, and the scenarios set aside. */
static void print_scan_counts(const struct kc_options *o, const struct kc_report *r)
{
	const struct scan_check *sc = r->sc;
	size_t nfiles = r->scenario_files;

	printf("%lu scenarios (%zu scenario file%s, %zu of ktest's suites over the geometries, %u random per geometry), %lu differ\n",
	       sc->cases, nfiles, nfiles == 1 ? "" : "s", r->suite_scenarios, o->random,
	       sc->differ);
	if (r->against && !sc->differ && !sc->w.failure)
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
}

static void print_scan(const struct kc_options *o, const struct kc_report *r,
		       bool explain)
{
	const struct scan_check *sc = r->sc;
	struct kc_unit *const units[2] = { (struct kc_unit *)&r->su[0],
					   r->against ? (struct kc_unit *)&r->su[1] : NULL };

	printf("%skcheck: %s: %s\n", r->engine_done ? "\n" : "", r->src[0].name,
	       r->su[0].shape);
	printf("  %s\n", r->su[0].calls_engine
	       ? "the series' shape: fills the occupancy bitmap and calls mthp_collapse()"
	       : "mainline's shape before the series: calls collapse_huge_page() itself");
	if (r->against)
		printf("against %s: %s\n", r->src[1].name, r->su[1].shape);
	else
		printf("  against model %s (%s)\n", mthp_model_name(r->scan_model),
		       o->model_given ? "--model" : r->scan_because);
	print_scan_counts(o, r);
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
		print_scenario(r->diff_path, sc->first_text);
	}
	if (sc->w.failure) {
		char what[160];

		printf("\n%s's code %s on %s (the check stopped there)\n",
		       r->scan_names[sc->w.cur_side],
		       kc_failure_words(&sc->w, o->timeout, what, sizeof(what)),
		       sc->cur_name);
		print_scenario(r->fail_path, sc->fail_text);
	}
	print_units(units, r->src, o->werror, explain, r->inc, r->pub);
}

/* ---- the command ---- */

static void kcheck_on_signal(int sig)
{
	kc_interrupted = sig;
	if (kc_child_pid > 0)
		kill(kc_child_pid, SIGKILL);
}

static void kcheck_progress(void *ctx, const char *what, unsigned long long done,
			    unsigned long long total)
{
	(void)ctx;
	cli_progress(what, done, total);
}

enum { O_FUNCTION = O_OWN, O_AGAINST, O_RANDOM, O_SEED, O_BITMAPS,
       O_WERROR, O_PATCH, O_AGAINST_PATCH, O_EXPLAIN, O_TIMEOUT,
       O_SCENARIO, O_UNCONFINED };

static const struct option kcheck_longopts[] = {
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

/* What the command line asks for, beside the check's own options. */
struct kcheck_args {
	struct kc_options o;
	const char *scenarios[64], *geos[32];
	bool json, explain;
};

/* Takes one option; -1 for help (0 asked, 2 for misuse), else 0. */
static int kcheck_option(struct kcheck_args *a, int c, const char *arg)
{
	struct kc_options *o = &a->o;
	struct mthp_geometry g;

	switch (c) {
	case O_MODEL: o->model = cli_model("--model", arg); o->model_given = true; break;
	case O_SCENARIO:
		if (o->nscenarios == 64)
			errx(EXIT_INPUT, "--scenario: at most 64");
		a->scenarios[o->nscenarios++] = arg;
		break;
	case O_GEOMETRY:
		if (o->ngeometries == 32)
			errx(EXIT_INPUT, "--geometry: at most 32");
		cli_geometry("--geometry", arg, &g);
		a->geos[o->ngeometries++] = arg;
		break;
	case O_FUNCTION: o->function = arg; break;
	case O_AGAINST: o->against = arg; break;
	case O_RANDOM: o->random = cli_uint("--random", arg, 1000000); break;
	case O_SEED: o->seed = cli_uint("--seed", arg, 4000000000u); break;
	case O_BITMAPS: o->bitmaps = cli_uint("--bitmaps", arg, 1u << 16); break;
	case O_JSON: a->json = true; break;
	case O_WERROR: o->werror = true; break;
	case O_EXPLAIN: a->explain = true; break;
	case O_UNCONFINED: o->unconfined = true; break;
	case O_TIMEOUT:
		o->timeout = cli_uint("--timeout", arg, 86400);
		if (!o->timeout)
			errx(EXIT_INPUT, "--timeout 0: a case needs at least one second (1 to 86400)");
		break;
	case O_PATCH:
		if (o->npatches == KC_MAX_PATCHES)
			errx(EXIT_INPUT, "--patch: at most %d per side", KC_MAX_PATCHES);
		o->patches[o->npatches++] = arg;
		break;
	case O_AGAINST_PATCH:
		if (o->nagainst_patches == KC_MAX_PATCHES)
			errx(EXIT_INPUT, "--patch: at most %d per side", KC_MAX_PATCHES);
		o->against_patches[o->nagainst_patches++] = arg;
		break;
	case 'h':
	case O_HELP: usage_kcheck(stdout); return -1;
	default: usage_kcheck(stderr); return EXIT_INPUT;
	}
	return 0;
}

/* After SIGINT, SIGTERM or SIGHUP (the scratch directory is gone): the
 * signal takes its course. */
static _Noreturn void kcheck_interrupted(int sig)
{
	cli_progress_done();
	mthp_coverage_dump();
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static void kcheck_report(const struct kcheck_args *a, const struct kc_report *r)
{
	struct json j;

	if (a->json) {
		json_init(&j, stdout);
		if (r->engine_done)
			json_engine(&j, &a->o, r, a->explain);
		if (r->engine_done && r->scan_done)
			json_key(&j, "scan");
		if (r->scan_done)
			json_scan(&j, &a->o, r, a->explain);
		if (r->engine_done)
			json_end_object(&j);
		return;
	}
	if (r->engine_done)
		print_engine(&a->o, r, a->explain);
	if (r->scan_done)
		print_scan(&a->o, r, a->explain);
}

int cmd_kcheck(int argc, char **argv)
{
	static struct kcheck_args a;
	static struct kc_report r;
	int c, status;

	kc_options_init(&a.o);
	a.o.scenarios = a.scenarios;
	a.o.geometries = a.geos;
	a.o.msg = stderr;
	a.o.progress = kcheck_progress;
	while ((c = getopt_long(argc, argv, "h", kcheck_longopts, NULL)) != -1)
		if ((status = kcheck_option(&a, c, optarg)))
			return status < 0 ? 0 : status;
	if (optind != argc - 1) {
		usage_kcheck(stderr);
		errx(EXIT_INPUT, "kcheck: expected one FILE, got %d", argc - optind);
	}
	if (a.o.nagainst_patches && !a.o.against)
		errx(EXIT_INPUT, "--against-patch: there is no --against side to apply it to");
	a.o.source = argv[optind];
	struct sigaction sa = { .sa_handler = kcheck_on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	status = kc_check(&a.o, &r);
	cli_progress_done();
	if (r.interrupted)
		kcheck_interrupted(r.interrupted);
	if (status == KC_OK || status == KC_DIFFER || r.engine_done || r.scan_done)
		kcheck_report(&a, &r);
	if (r.why[0])
		warnx("%s", r.why);
	kc_report_free(&r);
	return status == KC_ERROR ? 1 : status;
}
