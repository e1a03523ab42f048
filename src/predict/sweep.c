// SPDX-License-Identifier: MIT
/*
 * predict over many processes (predict.h): every process of the machine,
 * or of a cgroup v2 group and the groups below it, read by a few worker
 * threads, each holding one snapshot at a time, so the memory held is
 * bounded by the workers whatever the machine's size.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel-files.h"
#include "predict.h"

struct pool {
	const struct mthp_scenario *settings; /* a column each, made once */
	size_t ncols;
	int young;
	unsigned int rounds;
	struct mp_proc *procs;
	size_t nprocs;
	size_t next;                        /* the next process to take */
	size_t done;
	pthread_mutex_t lock;
};

static int pid_add(struct mp_pids *l, long pid)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		long *p = realloc(l->v, cap * sizeof(*l->v));

		if (!p)
			return -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = pid;
	return 0;
}

static int out_of_memory(char *why, size_t len)
{
	snprintf(why, len, "predict: out of memory");
	return -ENOMEM;
}

int mp_pids_all(struct mp_pids *l, char *why, size_t len)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int e = 0;

	*l = (struct mp_pids){ 0 };
	if (!d) {
		snprintf(why, len, "predict --all: /proc: %s", strerror(errno));
		return MP_BAD_INPUT;
	}
	while (!e && (de = readdir(d)))
		if (de->d_name[0] && strspn(de->d_name, "0123456789") == strlen(de->d_name))
			e = pid_add(l, atol(de->d_name));
	closedir(d);
	return e ? out_of_memory(why, len) : 0;
}

/* Appends the processes of group dir and of every group below it. */
static int list_cgroup(const char *dir, struct mp_pids *l, char *why, size_t len)
{
	char path[4096];
	FILE *f;
	int e = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= sizeof(path)) {
		snprintf(why, len, "predict --cgroup: %s: the path is too long", dir);
		return MP_BAD_INPUT;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(why, len, "predict --cgroup: %s: %s", path, strerror(errno));
		return MP_BAD_INPUT;
	}
	for (long pid; !e && fscanf(f, "%ld", &pid) == 1;)
		e = pid_add(l, pid);
	fclose(f);
	if (e)
		return out_of_memory(why, len);

	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return 0;
	while (!e && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < sizeof(path))
			e = list_cgroup(path, l, why, len);
	}
	closedir(d);
	return e;
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

int mp_pids_cgroup(const char *arg, struct mp_pids *l, char *why, size_t len)
{
	char root[4096], dir[8200], probe[8300];

	*l = (struct mp_pids){ 0 };
	cgroup2_root(root, sizeof(root));
	if (arg[0] == '/')
		snprintf(dir, sizeof(dir), "%s", arg);
	else
		snprintf(dir, sizeof(dir), "%s/%s", root, arg);
	snprintf(probe, sizeof(probe), "%s/cgroup.procs", dir);
	if (access(probe, R_OK)) {
		snprintf(why, len, "predict --cgroup %s: %s: %s (a cgroup v2 group is a directory with a cgroup.procs file under %s)",
			 arg, probe, strerror(errno), root);
		return MP_BAD_INPUT;
	}
	int e = list_cgroup(dir, l, why, len);

	if (e)
		mp_pids_free(l);
	return e;
}

void mp_pids_free(struct mp_pids *l)
{
	free(l->v);
	*l = (struct mp_pids){ 0 };
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
	return mthp_proc_kb(path, "Anonymous:");
}

static void read_one(struct pool *pl, struct mp_proc *p)
{
	struct mthp_space sp, copy;
	struct mthp_parse_error e = { 0 };
	int r = mthp_space_snapshot((pid_t)p->pid, NULL, &sp, &e);

	snprintf(p->comm, sizeof(p->comm), "%s", sp.comm);
	if (r == -ESRCH) {
		p->fate = MP_EXITED;
	} else if (r == -ENODATA) {
		p->fate = MP_KERNEL;
	} else if (r) {
		p->fate = MP_UNREADABLE;
		snprintf(p->why, sizeof(p->why), "%s", e.msg[0] ? e.msg : strerror(-r));
	} else {
		p->fate = MP_NO_ANON;
		p->anon_kb = anon_kib(p->pid);
		if (p->anon_kb || sp.npmds) {
			p->totals = calloc(pl->ncols, sizeof(*p->totals));
			if (!p->totals) {
				p->fate = MP_UNREADABLE;
				snprintf(p->why, sizeof(p->why), "out of memory");
				mthp_space_free(&sp);
				return;
			}
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
				p->fate = MP_UNREADABLE;
				snprintf(p->why, sizeof(p->why), "the visit failed: %s", strerror(-r));
			} else {
				p->fate = MP_ROW;
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

unsigned long mp_added_kib(const struct mthp_geometry *g,
			   const struct mthp_space_totals *t)
{
	return (t->present_after - t->present_before) * ((1ul << g->page_shift) >> 10);
}

/* What the settings change most first: memory added, then collapses. */
static int by_change(const void *a, const void *b)
{
	const struct mp_proc *x = a, *y = b;

	if ((x->fate == MP_ROW) != (y->fate == MP_ROW))
		return x->fate == MP_ROW ? -1 : 1;
	if (x->fate == MP_ROW && x->added_kb != y->added_kb)
		return x->added_kb > y->added_kb ? -1 : 1;
	if (x->fate == MP_ROW && x->collapses != y->collapses)
		return x->collapses > y->collapses ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}


int mp_sweep_run(const struct mp_sweep *o, const long *pids, size_t n,
		 struct mp_result *r)
{
	struct pool pl = {
		.settings = o->settings, .ncols = o->ncols, .young = o->young,
		.rounds = o->rounds, .nprocs = n,
	};
	unsigned int jobs = o->jobs < 1 ? 1 : o->jobs > MP_MAX_JOBS ? MP_MAX_JOBS : o->jobs;
	pthread_t th[MP_MAX_JOBS];
	unsigned int started = 0;

	*r = (struct mp_result){ 0 };
	pl.procs = calloc(n ? n : 1, sizeof(*pl.procs));
	r->sum = calloc(o->ncols, sizeof(*r->sum));
	if (!pl.procs || !r->sum) {
		free(pl.procs);
		free(r->sum);
		r->sum = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		pl.procs[i].pid = pids[i];
	pthread_mutex_init(&pl.lock, NULL);
	if (jobs > n)
		jobs = n ? (unsigned int)n : 1;
	for (; started < jobs; started++)
		if (pthread_create(&th[started], NULL, worker, &pl))
			break;
	if (!started)
		worker(&pl); /* no thread could be made: this one does it all */
	for (;;) {
		pthread_mutex_lock(&pl.lock);
		size_t done = pl.done;

		pthread_mutex_unlock(&pl.lock);
		if (done >= n)
			break;
		if (o->progress)
			o->progress(o->ctx, done, n);
		usleep(50000);
	}
	for (unsigned int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&pl.lock);
	/* the rows summed and ordered */
	const struct mthp_geometry *g = &o->settings[0].geometry;

	for (size_t i = 0; i < n; i++) {
		struct mp_proc *p = &pl.procs[i];

		r->count[p->fate]++;
		if (p->fate != MP_ROW)
			continue;
		p->added_kb = mp_added_kib(g, &p->totals[0]);
		for (unsigned int k = 0; k <= MTHP_MAX_PMD_ORDER; k++)
			p->collapses += p->totals[0].collapses[k];
		r->anon_kb += p->anon_kb;
		for (size_t col = 0; col < o->ncols; col++)
			mthp_space_totals_add(&r->sum[col], &p->totals[col]);
	}
	qsort(pl.procs, n, sizeof(*pl.procs), by_change);
	r->procs = pl.procs;
	r->nprocs = n;
	return 0;
}

void mp_result_free(struct mp_result *r)
{
	for (size_t i = 0; i < r->nprocs; i++)
		free(r->procs[i].totals);
	free(r->procs);
	free(r->sum);
	*r = (struct mp_result){ 0 };
}
