// SPDX-License-Identifier: MIT
/*
 * mthpsim predict --all / --cgroup PATH: khugepaged's visit over every
 * process of the machine (or of one cgroup v2 group and the groups below
 * it), a row per process and the machine's total. The sweep is the
 * predict layer's (src/predict); this file makes the settings and prints.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "predict.h"
#include "mthpcollapse/space.h"

/* "2048kB:3 64kB:10", largest first; "-" for none */
static void collapses_text(char *buf, size_t len, const struct mthp_geometry *g,
			   const struct mthp_space_totals *t)
{
	size_t at = 0;

	buf[0] = 0;
	for (unsigned int o = g->pmd_order + 1; o-- > MTHP_MIN_ORDER && at < len;)
		if (t->collapses[o])
			at += (size_t)snprintf(buf + at, len - at, "%s%lukB:%lu", at ? " " : "",
					       cli_size_kb(g, o), t->collapses[o]);
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* Huge coverage: the share of present PTEs in folios of order >= 2. */
static double coverage(const unsigned long *huge, unsigned long present)
{
	unsigned long h = 0;

	for (unsigned int o = MTHP_MIN_ORDER; o <= MTHP_MAX_PMD_ORDER; o++)
		h += huge[o];
	return present ? 100.0 * (double)h / (double)present : 0;
}

/* A --compare column's width: its settings, never cut, or 12. */
static int column_width(const char *settings)
{
	return strlen(settings) > 12 ? (int)strlen(settings) : 12;
}

static void print_row(const struct mthp_geometry *g, const char *pid, const char *comm,
		      unsigned long anon_kb, const struct mthp_space_totals *t,
		      size_t ncols, const struct mthp_space_totals *cols,
		      const char *const *compare)
{
	unsigned long kb = (1ul << g->page_shift) >> 10;
	unsigned long after_kb = anon_kb + mp_added_kib(g, t);
	char coll[96];

	collapses_text(coll, sizeof(coll), g, t);
	printf("%-8s %-16.16s %10lu %7lu %-22s %10lu %+9ld %5.1f%% -> %5.1f%%",
	       pid, comm, anon_kb, t->pmd_ranges, coll, after_kb, (long)mp_added_kib(g, t),
	       coverage(t->huge_before, anon_kb / kb), coverage(t->huge_after, after_kb / kb));
	for (size_t col = 1; col < ncols; col++)
		printf(" %+*ld", column_width(compare[col - 1]), (long)mp_added_kib(g, &cols[col]));
	printf("\n");
}

static void json_procs_of(struct json *j, const char *key, const struct mp_proc *procs,
			  size_t n, enum mp_fate fate)
{
	json_key(j, key);
	json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		if (procs[i].fate == fate) {
			json_begin_object(j);
			json_kuint(j, "pid", (unsigned long long)procs[i].pid);
			json_kstring(j, "comm", procs[i].comm);
			if (fate == MP_UNREADABLE)
				json_kstring(j, "reason", procs[i].why);
			json_end_object(j);
		}
	json_end_array(j);
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The columns' settings: the machine's, changed by the options, then
 * each --compare; made here, where a bad value can still end the command. */
static struct mthp_scenario *predict_settings(const struct sim_opts *so,
					      const char *const *compare, size_t ncols)
{
	struct mthp_scenario *settings = calloc(ncols, sizeof(*settings));
	struct mthp_parse_error e;
	struct mthp_geometry live;

	if (!settings)
		err(1, "out of memory");
	if (mthp_live_geometry(NULL, &live, &e))
		errx(EXIT_INPUT, "predict: %s", e.msg);
	if (mthp_scenario_init(&settings[0], &live))
		err(1, "out of memory");
	if (mthp_live_settings(NULL, &settings[0], &e))
		errx(EXIT_INPUT, "predict: %s", e.msg);
	sim_apply(so, &settings[0]);
	for (size_t col = 1; col < ncols; col++) {
		if (mthp_scenario_copy(&settings[col], &settings[0]))
			err(1, "out of memory");
		predict_apply_compare(compare[col - 1], &settings[col]);
	}
	return settings;
}

static void sweep_progress(void *ctx, size_t done, size_t total)
{
	(void)ctx;
	cli_progress("predict", done, total);
}

/* What a sweep needs to report. */
struct sweep_report {
	const struct mthp_scenario *settings;
	const char *const *compare;
	size_t ncols;
	const char *cgroup;
	int young;
	double wall;
	const struct mp_result *r;
};

static void json_sweep(const struct sweep_report *x)
{
	const struct mthp_geometry *g = &x->settings[0].geometry;
	const struct mp_result *r = x->r;
	struct json j;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_header(&j, "predict", &x->settings[0],
		    mthp_enabled_orders(g, x->settings[0].model, MTHP_MODE_KHUGEPAGED,
					&x->settings[0].thp, 0));
	json_kstring(&j, "scope", x->cgroup ? "cgroup" : "all");
	if (x->cgroup)
		json_kstring(&j, "cgroup", x->cgroup);
	json_kstring(&j, "young", x->young > 0 ? "all" : "none");
	json_key(&j, "processes");
	json_begin_array(&j);
	for (size_t i = 0; i < r->count[MP_ROW]; i++) {
		const struct mp_proc *p = &r->procs[i];

		json_begin_object(&j);
		json_kuint(&j, "pid", (unsigned long long)p->pid);
		json_kstring(&j, "comm", p->comm);
		json_kuint(&j, "anonymous_kib", p->anon_kb);
		predict_json_totals(&j, g, &p->totals[0]);
		json_key(&j, "compare");
		json_begin_array(&j);
		for (size_t col = 1; col < x->ncols; col++) {
			json_begin_object(&j);
			json_kstring(&j, "settings", x->compare[col - 1]);
			predict_json_totals(&j, g, &p->totals[col]);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "total");
	json_begin_object(&j);
	json_kuint(&j, "processes", r->count[MP_ROW]);
	json_kuint(&j, "anonymous_kib", r->anon_kb);
	predict_json_totals(&j, g, &r->sum[0]);
	json_end_object(&j);
	predict_json_compare(&j, g, x->compare, x->ncols, r->sum);
	json_key(&j, "skipped");
	json_begin_object(&j);
	json_kuint(&j, "kernel_threads", r->count[MP_KERNEL]);
	json_kuint(&j, "without_anonymous_memory", r->count[MP_NO_ANON]);
	json_procs_of(&j, "exited", r->procs, r->nprocs, MP_EXITED);
	json_procs_of(&j, "unreadable", r->procs, r->nprocs, MP_UNREADABLE);
	json_end_object(&j);
	json_end_object(&j);
}

/* "not listed: ...": the processes that are not rows, and why. */
static void print_not_listed(const struct mp_result *r)
{
	printf("\nnot listed: %zu kernel threads, %zu processes without anonymous memory",
	       r->count[MP_KERNEL], r->count[MP_NO_ANON]);
	for (enum mp_fate f = MP_EXITED; f <= MP_UNREADABLE; f++) {
		const char *sep = "";

		if (!r->count[f])
			continue;
		printf("; %zu %s (", r->count[f],
		       f == MP_EXITED ? "exited while read" : "could not be read");
		for (size_t i = 0; i < r->nprocs; i++)
			if (r->procs[i].fate == f) {
				/* a process gone before its name was read has none */
				printf("%s%ld%s%s%s%s", sep, r->procs[i].pid,
				       r->procs[i].comm[0] ? " " : "", r->procs[i].comm,
				       f == MP_UNREADABLE ? ": " : "",
				       f == MP_UNREADABLE ? r->procs[i].why : "");
				sep = ", ";
			}
		printf(")");
	}
	printf("\n");
}

static void print_sweep(const struct sweep_report *x)
{
	const struct mthp_geometry *g = &x->settings[0].geometry;
	const struct mp_result *r = x->r;
	size_t rows = r->count[MP_ROW];
	char label[32];

	cli_print_settings(stdout, "settings", &x->settings[0],
			   mthp_enabled_orders(g, x->settings[0].model, MTHP_MODE_KHUGEPAGED,
					       &x->settings[0].thp, 0));
	printf("\n%s: %zu process%s with anonymous memory (of %zu read), %.2f s\n\n",
	       x->cgroup ? x->cgroup : "the machine", rows, rows == 1 ? "" : "es",
	       r->nprocs, x->wall);
	printf("%-8s %-16s %10s %7s %-22s %10s %9s %-17s", "PID", "COMMAND", "ANON KiB",
	       "PMDS", "COLLAPSES", "AFTER KiB", "ADDED KiB", "HUGE BEFORE->AFTER");
	for (size_t col = 1; col < x->ncols; col++)
		printf(" %*s", column_width(x->compare[col - 1]), x->compare[col - 1]);
	printf("\n");
	for (size_t i = 0; i < rows; i++) {
		char pid[24];

		snprintf(pid, sizeof(pid), "%ld", r->procs[i].pid);
		print_row(g, pid, r->procs[i].comm, r->procs[i].anon_kb,
			  &r->procs[i].totals[0], x->ncols, r->procs[i].totals, x->compare);
	}
	snprintf(label, sizeof(label), "%zu process%s", rows, rows == 1 ? "" : "es");
	print_row(g, "total", label, r->anon_kb, &r->sum[0], x->ncols, r->sum, x->compare);
	print_not_listed(r);
}

int predict_all(const struct sim_opts *so, const char *const *compare,
		size_t ncompare, int young, unsigned int rounds,
		const char *cgroup, unsigned int jobs)
{
	double t0 = wall_now();
	size_t ncols = 1 + ncompare;
	struct mthp_scenario *settings = predict_settings(so, compare, ncols);
	struct mp_pids pids;
	struct mp_result r;
	char why[8600];
	int e = cgroup ? mp_pids_cgroup(cgroup, &pids, why, sizeof(why))
		       : mp_pids_all(&pids, why, sizeof(why));

	if (e)
		errx(e == MP_BAD_INPUT ? EXIT_INPUT : 1, "%s", why);
	struct mp_sweep o = {
		.settings = settings, .ncols = ncols, .young = young, .rounds = rounds,
		.jobs = jobs, .progress = sweep_progress,
	};

	if (mp_sweep_run(&o, pids.v, pids.n, &r))
		errx(1, "predict: out of memory");
	cli_progress_done();
	mp_pids_free(&pids);
	struct sweep_report x = {
		.settings = settings, .compare = compare, .ncols = ncols,
		.cgroup = cgroup, .young = young, .wall = wall_now() - t0, .r = &r,
	};

	if (so->json)
		json_sweep(&x);
	else
		print_sweep(&x);
	mp_result_free(&r);
	for (size_t col = 0; col < ncols; col++)
		mthp_scenario_free(&settings[col]);
	free(settings);
	return 0;
}
