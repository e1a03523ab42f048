// SPDX-License-Identifier: MIT
/*
 * mthpsim predict --all / --cgroup PATH: khugepaged's visit over every
 * process of the machine (or of one cgroup v2 group and the groups below
 * it), a row per process and the machine's total. The processes are read
 * by a few worker threads, each holding one snapshot at a time, so the
 * memory held is bounded by the workers whatever the machine's size.
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "mthpcollapse/space.h"

#define MAX_JOBS 64

enum fate {
	ROW,          /* a process with anonymous memory: a row */
	NO_ANON,      /* a user process without anonymous memory */
	KERNEL,       /* a kernel thread */
	EXITED,       /* gone before or while it was read */
	UNREADABLE,   /* permissions, or another error reading it */
};

struct proc {
	long pid;
	enum fate fate;
	char comm[32];
	char why[256];                      /* UNREADABLE */
	unsigned long anon_kb;              /* smaps_rollup's Anonymous */
	struct mthp_space_totals *totals;   /* a column each, ROW only */
	unsigned long added_kb, collapses;  /* column 0's, to sort by */
};

struct pool {
	const struct mthp_scenario *settings; /* a column each, made once */
	size_t ncols;
	int young;
	unsigned int rounds;
	struct proc *procs;
	size_t nprocs;
	size_t next;                        /* the next process to take */
	size_t done;
	pthread_mutex_t lock;
};

struct pid_list {
	long *v;
	size_t n, cap;
};

static void pid_add(struct pid_list *l, long pid)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		long *p = realloc(l->v, l->cap * sizeof(*l->v));

		if (!p)
			err(1, "out of memory");
		l->v = p;
	}
	l->v[l->n++] = pid;
}

/* The PIDs of /proc. */
static void list_all(struct pid_list *l)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		err(EXIT_INPUT, "predict --all: /proc");
	while ((de = readdir(d)))
		if (de->d_name[0] && strspn(de->d_name, "0123456789") == strlen(de->d_name))
			pid_add(l, atol(de->d_name));
	closedir(d);
}

/* Appends the processes of group dir and of every group below it. */
static void list_cgroup(const char *dir, struct pid_list *l)
{
	char path[4096];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= sizeof(path))
		errx(EXIT_INPUT, "predict --cgroup: %s: the path is too long", dir);
	f = fopen(path, "r");
	if (!f)
		err(EXIT_INPUT, "predict --cgroup: %s", path);
	for (long pid; fscanf(f, "%ld", &pid) == 1;)
		pid_add(l, pid);
	fclose(f);

	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < sizeof(path))
			list_cgroup(path, l);
	}
	closedir(d);
}

/* Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on most
 * machines, /sys/fs/cgroup/unified on a hybrid (v1 and v2) one. */
static void cgroup2_root(char *buf, size_t len)
{
	char dev[256], dir[4096], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");

	snprintf(buf, len, "/sys/fs/cgroup");
	if (!f)
		return;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3)
		if (!strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", dir);
			break;
		}
	fclose(f);
}

/* A cgroup v2 group by its path: absolute, or under the v2 mount. */
static void list_group(const char *arg, struct pid_list *l)
{
	char root[4096], dir[8200], probe[8300];

	cgroup2_root(root, sizeof(root));
	if (arg[0] == '/')
		snprintf(dir, sizeof(dir), "%s", arg);
	else
		snprintf(dir, sizeof(dir), "%s/%s", root, arg);
	snprintf(probe, sizeof(probe), "%s/cgroup.procs", dir);
	if (access(probe, R_OK))
		errx(EXIT_INPUT, "predict --cgroup %s: %s: %s (a cgroup v2 group is a directory with a cgroup.procs file under %s)",
		     arg, probe, strerror(errno), root);
	list_cgroup(dir, l);
}

/* The visit of one process's snapshot under a column's settings. */
static int visit_column(struct pool *pl, struct mthp_space *sp, size_t col,
			struct mthp_space_totals *t)
{
	struct mthp_space_visit_opts o = {
		.sz = sizeof(o), .model = pl->settings[col].model,
		.young = pl->young, .rounds = pl->rounds,
	};
	struct mthp_scenario own = sp->settings;
	int r;

	sp->settings = pl->settings[col]; /* lent for the visit */
	r = mthp_space_visit(sp, &o, NULL, t);
	sp->settings = own;
	return r;
}

/* Anonymous memory of the process (KiB), all of it: the snapshot holds
 * only the PMD ranges wholly inside a VMA. */
static unsigned long anon_kib(long pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup", pid);
	return cli_proc_kb(path, "Anonymous:");
}

static void read_one(struct pool *pl, struct proc *p)
{
	struct mthp_space sp, copy;
	struct mthp_parse_error e = { 0 };
	int r = mthp_space_snapshot((pid_t)p->pid, NULL, &sp, &e);

	snprintf(p->comm, sizeof(p->comm), "%s", sp.comm);
	if (r == -ESRCH) {
		p->fate = EXITED;
	} else if (r == -ENODATA) {
		p->fate = KERNEL;
	} else if (r) {
		p->fate = UNREADABLE;
		snprintf(p->why, sizeof(p->why), "%s", e.msg[0] ? e.msg : strerror(-r));
	} else {
		p->fate = NO_ANON;
		p->anon_kb = anon_kib(p->pid);
		if (p->anon_kb || sp.npmds) {
			p->totals = calloc(pl->ncols, sizeof(*p->totals));
			if (!p->totals)
				err(1, "out of memory");
			/* the other columns visit copies: a visit changes the
			 * ranges it collapses */
			for (size_t col = 1; col < pl->ncols && !r; col++) {
				r = mthp_space_copy(&copy, &sp);
				if (!r)
					r = visit_column(pl, &copy, col, &p->totals[col]);
				mthp_space_free(&copy);
			}
			if (!r)
				r = visit_column(pl, &sp, 0, &p->totals[0]);
			if (r) {
				p->fate = UNREADABLE;
				snprintf(p->why, sizeof(p->why), "the visit failed: %s", strerror(-r));
			} else {
				p->fate = ROW;
			}
		}
	}
	mthp_space_free(&sp);
}

static void *worker(void *arg)
{
	struct pool *pl = arg;

	for (;;) {
		pthread_mutex_lock(&pl->lock);
		size_t i = pl->next++;

		pthread_mutex_unlock(&pl->lock);
		if (i >= pl->nprocs)
			return NULL;
		read_one(pl, &pl->procs[i]);
		pthread_mutex_lock(&pl->lock);
		pl->done++;
		pthread_mutex_unlock(&pl->lock);
	}
}

static unsigned long added_kib(const struct mthp_geometry *g,
			       const struct mthp_space_totals *t)
{
	return (t->present_after - t->present_before) * ((1ul << g->page_shift) >> 10);
}

/* What the settings change most first: memory added, then collapses. */
static int by_change(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	if ((x->fate == ROW) != (y->fate == ROW))
		return x->fate == ROW ? -1 : 1;
	if (x->fate == ROW && x->added_kb != y->added_kb)
		return x->added_kb > y->added_kb ? -1 : 1;
	if (x->fate == ROW && x->collapses != y->collapses)
		return x->collapses > y->collapses ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

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

static void print_row(const struct mthp_geometry *g, const char *pid, const char *comm,
		      unsigned long anon_kb, const struct mthp_space_totals *t,
		      size_t ncols, const struct mthp_space_totals *cols)
{
	unsigned long kb = (1ul << g->page_shift) >> 10;
	unsigned long after_kb = anon_kb + added_kib(g, t);
	char coll[96];

	collapses_text(coll, sizeof(coll), g, t);
	printf("%-8s %-16.16s %10lu %7lu %-22s %10lu %+9ld %5.1f%% -> %5.1f%%",
	       pid, comm, anon_kb, t->pmd_ranges, coll, after_kb, (long)added_kib(g, t),
	       coverage(t->huge_before, anon_kb / kb), coverage(t->huge_after, after_kb / kb));
	for (size_t col = 1; col < ncols; col++)
		printf(" %+12ld", (long)added_kib(g, &cols[col]));
	printf("\n");
}

static void json_procs_of(struct json *j, const char *key, const struct proc *procs,
			  size_t n, enum fate fate)
{
	json_key(j, key);
	json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		if (procs[i].fate == fate) {
			json_begin_object(j);
			json_kuint(j, "pid", (unsigned long long)procs[i].pid);
			json_kstring(j, "comm", procs[i].comm);
			if (fate == UNREADABLE)
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

int predict_all(const struct sim_opts *so, const char *const *compare,
		size_t ncompare, int young, unsigned int rounds,
		const char *cgroup, unsigned int jobs)
{
	double t0 = wall_now();
	size_t ncols = 1 + ncompare, npids;
	struct mthp_scenario *settings = calloc(ncols, sizeof(*settings));
	struct mthp_parse_error e;

	if (!settings)
		err(1, "out of memory");
	/* the machine's settings, changed by the options and each --compare,
	 * made once here, where a bad value can still end the command */
	struct mthp_geometry live;

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

	struct pid_list pids = { 0 };

	if (cgroup)
		list_group(cgroup, &pids);
	else
		list_all(&pids);
	npids = pids.n;
	struct pool pl = {
		.settings = settings, .ncols = ncols, .young = young, .rounds = rounds,
		.nprocs = npids,
	};
	pl.procs = calloc(npids ? npids : 1, sizeof(*pl.procs));
	if (!pl.procs)
		err(1, "out of memory");
	for (size_t i = 0; i < npids; i++)
		pl.procs[i].pid = pids.v[i];
	free(pids.v);
	pthread_mutex_init(&pl.lock, NULL);

	pthread_t th[MAX_JOBS];
	unsigned int started = 0;

	if (jobs > npids)
		jobs = npids ? (unsigned int)npids : 1;
	for (; started < jobs; started++)
		if (pthread_create(&th[started], NULL, worker, &pl))
			break;
	if (!started)
		worker(&pl); /* no thread could be made: this one does it all */
	for (;;) {
		pthread_mutex_lock(&pl.lock);
		size_t done = pl.done;

		pthread_mutex_unlock(&pl.lock);
		if (done >= npids)
			break;
		cli_progress("predict", done, npids);
		usleep(50000);
	}
	for (unsigned int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	cli_progress_done();
	pthread_mutex_destroy(&pl.lock);

	const struct mthp_geometry *g = &settings[0].geometry;
	struct mthp_space_totals *sum = calloc(ncols, sizeof(*sum));
	size_t count[UNREADABLE + 1] = { 0 };
	unsigned long anon_sum = 0;

	if (!sum)
		err(1, "out of memory");
	for (size_t i = 0; i < npids; i++) {
		struct proc *p = &pl.procs[i];

		count[p->fate]++;
		if (p->fate != ROW)
			continue;
		p->added_kb = added_kib(g, &p->totals[0]);
		for (unsigned int o = 0; o <= MTHP_MAX_PMD_ORDER; o++)
			p->collapses += p->totals[0].collapses[o];
		anon_sum += p->anon_kb;
		for (size_t col = 0; col < ncols; col++)
			mthp_space_totals_add(&sum[col], &p->totals[col]);
	}
	qsort(pl.procs, npids, sizeof(*pl.procs), by_change);
	double wall = wall_now() - t0;
	const char *scope = cgroup ? cgroup : "the machine";

	if (so->json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_object(&j);
		json_header(&j, "predict", &settings[0],
			    mthp_enabled_orders(g, settings[0].model, MTHP_MODE_KHUGEPAGED,
						&settings[0].thp, 0));
		json_kstring(&j, "scope", cgroup ? "cgroup" : "all");
		if (cgroup)
			json_kstring(&j, "cgroup", cgroup);
		json_kstring(&j, "young", young > 0 ? "all" : "none");
		json_key(&j, "processes");
		json_begin_array(&j);
		for (size_t i = 0; i < count[ROW]; i++) {
			const struct proc *p = &pl.procs[i];

			json_begin_object(&j);
			json_kuint(&j, "pid", (unsigned long long)p->pid);
			json_kstring(&j, "comm", p->comm);
			json_kuint(&j, "anonymous_kib", p->anon_kb);
			predict_json_totals(&j, g, &p->totals[0]);
			json_key(&j, "compare");
			json_begin_array(&j);
			for (size_t col = 1; col < ncols; col++) {
				json_begin_object(&j);
				json_kstring(&j, "settings", compare[col - 1]);
				predict_json_totals(&j, g, &p->totals[col]);
				json_end_object(&j);
			}
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_key(&j, "total");
		json_begin_object(&j);
		json_kuint(&j, "processes", count[ROW]);
		json_kuint(&j, "anonymous_kib", anon_sum);
		predict_json_totals(&j, g, &sum[0]);
		json_end_object(&j);
		predict_json_compare(&j, g, compare, ncols, sum);
		json_key(&j, "skipped");
		json_begin_object(&j);
		json_kuint(&j, "kernel_threads", count[KERNEL]);
		json_kuint(&j, "without_anonymous_memory", count[NO_ANON]);
		json_procs_of(&j, "exited", pl.procs, npids, EXITED);
		json_procs_of(&j, "unreadable", pl.procs, npids, UNREADABLE);
		json_end_object(&j);
		json_end_object(&j);
	} else {
		cli_print_settings(stdout, "settings", &settings[0],
			       mthp_enabled_orders(g, settings[0].model, MTHP_MODE_KHUGEPAGED,
						   &settings[0].thp, 0));
		printf("\n%s: %zu process%s with anonymous memory (of %zu read), %.2f s\n\n",
		       scope, count[ROW], count[ROW] == 1 ? "" : "es", npids, wall);
		printf("%-8s %-16s %10s %7s %-22s %10s %9s %-17s", "PID", "COMMAND", "ANON KiB",
		       "PMDS", "COLLAPSES", "AFTER KiB", "ADDED KiB", "HUGE BEFORE->AFTER");
		for (size_t col = 1; col < ncols; col++)
			printf(" %12.12s", compare[col - 1]);
		printf("\n");
		for (size_t i = 0; i < count[ROW]; i++) {
			char pid[24];

			snprintf(pid, sizeof(pid), "%ld", pl.procs[i].pid);
			print_row(g, pid, pl.procs[i].comm, pl.procs[i].anon_kb,
				  &pl.procs[i].totals[0], ncols, pl.procs[i].totals);
		}
		char label[32];

		snprintf(label, sizeof(label), "%zu process%s", count[ROW],
			 count[ROW] == 1 ? "" : "es");
		print_row(g, "total", label, anon_sum, &sum[0], ncols, sum);
		printf("\nnot listed: %zu kernel threads, %zu processes without anonymous memory",
		       count[KERNEL], count[NO_ANON]);
		for (enum fate f = EXITED; f <= UNREADABLE; f++) {
			const char *sep = "";

			if (!count[f])
				continue;
			printf("; %zu %s (", count[f],
			       f == EXITED ? "exited while read" : "could not be read");
			for (size_t i = 0; i < npids; i++)
				if (pl.procs[i].fate == f) {
					printf("%s%ld %s%s%s", sep, pl.procs[i].pid, pl.procs[i].comm,
					       f == UNREADABLE ? ": " : "",
					       f == UNREADABLE ? pl.procs[i].why : "");
					sep = ", ";
				}
			printf(")");
		}
		printf("\n");
	}
	for (size_t i = 0; i < npids; i++)
		free(pl.procs[i].totals);
	free(pl.procs);
	free(sum);
	for (size_t col = 0; col < ncols; col++)
		mthp_scenario_free(&settings[col]);
	free(settings);
	return 0;
}
