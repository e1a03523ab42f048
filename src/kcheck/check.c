// SPDX-License-Identifier: MIT
/*
 * kcheck's driver: the cases (every small table, random ones per
 * geometry), each run on both sides - the file's function, through the
 * unit kcheck built, and a model of the library or a second file's - and
 * compared attempt by attempt; the file's code in a contained child
 * process, watched for hangs and crashes.
 */
#define _GNU_SOURCE /* pipe2(), closefrom() */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "coverage.h"
#include "check.h"

const char *const pattern_words[P_COUNT] = {
	"every attempt succeeds",
	"every attempt fails with SCAN_EXCEED_NONE_PTE (try lower)",
	"the first attempt fails with SCAN_ALLOC_HUGE_PAGE_FAIL, the rest succeed",
	"the first attempt fails with SCAN_PAGE_LRU, the rest succeed",
	"the first attempt fails with SCAN_PAGE_LAZYFREE, the rest succeed",
	"the first attempt says SCAN_PTE_MAPPED_HUGEPAGE, the rest succeed",
	"the first attempt fails with SCAN_PMD_MAPPED (stop), the rest succeed",
};
static const int pattern_first[] = {
	MTHP_SCAN_SUCCEED, MTHP_SCAN_EXCEED_NONE_PTE, MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL,
	MTHP_SCAN_PAGE_LRU, MTHP_SCAN_PAGE_LAZYFREE, MTHP_SCAN_PTE_MAPPED_HUGEPAGE,
	MTHP_SCAN_PMD_MAPPED,
};

static int answer_for(enum pattern p, size_t k)
{
	if (p == P_TRY_LOWER)
		return MTHP_SCAN_EXCEED_NONE_PTE;
	return k == 0 ? pattern_first[p] : MTHP_SCAN_SUCCEED;
}







struct run_ctx {
	struct kc_outcome *o;
	const struct input *in;
	const struct side *s;
	size_t cap;
	jmp_buf out;
};

static int kernel_answer(void *ctx, unsigned int offset, unsigned int order,
			 int referenced, int unmapped)
{
	(void)referenced;
	(void)unmapped;
	struct run_ctx *c = ctx;
	struct kc_outcome *o = c->o;

	if (o->n >= c->cap) {
		o->runaway = true;
		longjmp(c->out, 1);
	}
	int r = answer_for(c->in->pattern, o->n);

	o->att[o->n] = (struct mthp_range){ offset, order };
	o->res[o->n++] = r;
	return (int)c->s->u->to_kernel[r];
}

static int model_answer(const struct mthp_range *rg, void *ctx)
{
	struct run_ctx *c = ctx;
	struct kc_outcome *o = c->o;
	int r = answer_for(c->in->pattern, o->n);

	if (o->n < MAX_SEEN) {
		o->att[o->n] = *rg;
		o->res[o->n++] = r;
	}
	return r;
}

static void run_side(const struct side *s, const struct input *in,
		     struct kc_outcome *o)
{
	static struct run_ctx c;

	o->n = 0;
	o->runaway = false;
	o->warnings = o->bugs = 0;
	o->ret_name[0] = 0;
	o->ret_result = -1;
	c = (struct run_ctx){ .o = o, .in = in, .s = s,
			      .cap = mthp_collapse_max_steps(in->g) };
	if (s->u) {
		struct kc_case kcase = {
			.bitmap = in->map, .orders = in->orders,
			.khugepaged = in->khugepaged, .uffd = in->uffd,
			.referenced = (int)in->g->pmd_nr,
			.max_ptes_none = in->none, .unmapped = in->unmapped,
			.answer = kernel_answer, .ctx = &c,
		};

		if (setjmp(c.out))
			return;
		struct kc_findings fnd = { 0 };

		o->ret = s->u->run(&kcase, &fnd);
		o->warnings = fnd.warnings;
		o->bugs = fnd.bugs;
		o->bug_line = fnd.bug_line;
		const char *n = s->u->returns_result ? s->u->result_name(o->ret) : NULL;

		snprintf(o->ret_name, sizeof(o->ret_name), "%s",
			 n ? n : s->u->returns_result ? "(not a result)" : "");
		if (s->u->returns_result)
			o->ret_result = kc_result_of(s->u, o->ret);
		return;
	}
	MTHP_OPTS(opts, .model = s->model,
		  .mode = in->khugepaged ? MTHP_MODE_KHUGEPAGED : MTHP_MODE_MADVISE,
		  .orders = in->orders, .max_ptes_none = in->none,
		  .unmapped = in->unmapped, .uffd = in->uffd,
		  .collapse = model_answer, .data = &c);
	MTHP_RESULT(res);

	if (mthp_collapse(in->g, in->map, in->g->max_ptrs, &opts, &res))
		kc_internal("the engine refused a kcheck input");
	o->ret = res.collapsed;
	o->ret_result = res.result;
	snprintf(o->ret_name, sizeof(o->ret_name), "%s",
		 mthp_scan_result_name(res.result));
}

/* What each side returns is compared in the form the kernel side has. */
static bool same(const struct side *a, const struct kc_outcome *x,
		 const struct side *b, const struct kc_outcome *y)
{
	if (x->n != y->n || x->runaway || y->runaway || x->warnings ||
	    y->warnings || x->bugs || y->bugs)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (x->att[i].offset != y->att[i].offset ||
		    x->att[i].order != y->att[i].order)
			return false;
	const struct kc_unit *ua = a->u, *ub = b->u;
	bool ra = ua ? ua->returns_result : true, rb = ub ? ub->returns_result : true;
	bool ca = ua ? ua->returns_count : true, cb = ub ? ub->returns_count : true;

	/* by meaning: SCAN_PTE_UFFD in one file is SCAN_PTE_UFFD_WP in the
	 * other, or in the model */
	if (ra && rb)
		return x->ret_result >= 0 && x->ret_result == y->ret_result;
	if (ca && cb)
		return x->ret == y->ret;
	return true; /* different shapes: the attempts are what compares */
}





static bool pattern_usable(const struct kc_state *k, enum pattern p)
{
	const struct kc_unit *us[2] = { k->a.u, k->b.u };

	for (int i = 0; i < 2; i++)
		if (us[i] && us[i]->to_kernel[pattern_first[p]] < 0)
			return false;
	return true;
}

/* Whether a side's result exists in the other side's file: a model
 * result the file cannot return is not a difference (the case is
 * skipped, and counted). */
static bool representable(const struct side *model, const struct kc_outcome *o,
			  const struct side *file)
{
	return model->u || !file->u || o->ret_result < 0 ||
	       file->u->to_kernel[o->ret_result] >= 0;
}

static void one(struct kc_state *k, const struct input *in)
{
	if (!pattern_usable(k, in->pattern)) {
		k->skipped++;
		return;
	}
	/* the parent names this case if the file's code never returns */
	k->cur = *in;
	k->cur_g = *in->g;
	memcpy(k->cur_map, in->map, mthp_bitmap_longs(in->g->max_ptrs) * sizeof(long));
	k->cur.map = k->cur_map;
	k->cur.g = &k->cur_g;
	k->w.cur_side = 0;
	k->w.started = true;
	run_side(&k->a, in, &k->oa);
	k->w.cur_side = 1;
	run_side(&k->b, in, &k->ob);
	k->w.count++;
	if (!representable(&k->a, &k->oa, &k->b) ||
	    !representable(&k->b, &k->ob, &k->a)) {
		k->skipped++;
		return;
	}
	k->cases++;
	if (same(&k->a, &k->oa, &k->b, &k->ob))
		return;
	k->differ++;
	if (k->found)
		return;
	k->found = true;
	k->first = *in;
	k->first_g = *in->g;
	memcpy(k->first_map, in->map, mthp_bitmap_longs(in->g->max_ptrs) * sizeof(long));
	k->first.map = k->first_map;
	k->first.g = &k->first_g;
	k->fa = k->oa;
	k->fb = k->ob;
}

static void settings_loops(struct kc_state *k, struct input *in,
			   const unsigned int *nones, size_t nnones)
{
	uint32_t all = mthp_orders_all(in->g), pmd = 1u << in->g->pmd_order;

	/* no swap entry first, then one beside the occupied PTEs where there
	 * is room: a difference is found at the fewest entries it needs */
	for (in->unmapped = 0; in->unmapped < 2 &&
	     mthp_bitmap_weight(in->map, in->g->pmd_nr) + in->unmapped <= in->g->pmd_nr;
	     in->unmapped++)
	for (int mode = 0; mode < 2; mode++) {
		in->khugepaged = mode == 0;
		for (int uffd = 0; uffd < 2; uffd++) {
			in->uffd = uffd;
			/* the caller passes what the VMA allows: in madvise
			 * mode the PMD order alone */
			for (uint32_t sub = in->khugepaged ? all : pmd; sub;
			     sub = in->khugepaged ? (sub - 1) & all : 0) {
				in->orders = sub;
				for (size_t n = 0; n < nnones; n++) {
					in->none = nones[n];
					for (int p = 0; p < P_COUNT; p++) {
						in->pattern = (enum pattern)p;
						one(k, in);
					}
				}
			}
		}
	}
}

static struct mthp_geometry geometry_of(const struct kc_geometry *kg)
{
	struct mthp_geometry g;

	if (mthp_geometry_custom(kg->page_shift, kg->pmd_nr, kg->max_ptrs, &g, NULL, 0))
		kc_internal("a geometry the library refuses");
	/* a named profile keeps its name; the exhaustive one is custom: */
	if (strncmp(kg->tag, "custom", 6))
		snprintf(g.name, sizeof(g.name), "%.39s", kg->tag);
	return g;
}

/* ---- the file's code in a child process ---- */

void kc_internal(const char *what)
{
	dprintf(2, "kcheck: internal error: %s\n", what);
	_exit(3);
}

volatile pid_t kc_child_pid;

int kc_compile_both(struct kc_state *k, const struct kc_geometry *kg,
		    const char *include_dir, const char *public_dir, FILE *msg)
{
	struct kc_unit *us[2] = { k->a.u, k->b.u };

	for (int i = 0; i < 2; i++) {
		if (!us[i])
			continue;
		int r = kc_compile(us[i], kg, include_dir, public_dir, msg);

		if (r)
			return kc_interrupted ? KC_ERROR : r;
	}
	return 0;
}

/* The cases of one geometry: every small table (bitmaps of them), or
 * per_geometry random ones. */
static void run_cases(struct kc_state *k, const struct kc_geometry *kg,
		      unsigned int bitmaps, unsigned int per_geometry)
{
	struct mthp_geometry g = geometry_of(kg);
	unsigned long *map = calloc(mthp_bitmap_longs(MTHP_MAX_PTRS), sizeof(long));
	struct input in = { .g = &g, .map = map };
	struct rng *rng = &k->rng;

	if (!map)
		kc_internal("out of memory");
	if (bitmaps) {
		unsigned int nones[3] = { 0, 15, 7 };

		for (unsigned long bits = 0; bits < bitmaps; bits++) {
			map[0] = bits;
			settings_loops(k, &in, nones, 3);
		}
	}
	uint32_t all = mthp_orders_all(&g);

	for (unsigned int n = 0; n < per_geometry; n++) {
		mthp_bitmap_zero(map, g.max_ptrs);
		for (unsigned int pos = 0; pos < g.pmd_nr;) {
			unsigned int len = 1 + rng_below(rng, g.pmd_nr / 8 + 1);

			if (len > g.pmd_nr - pos)
				len = g.pmd_nr - pos;
			if (rng_below(rng, 2))
				mthp_bitmap_set(map, pos, len);
			pos += len;
		}
		in.khugepaged = rng_below(rng, 4) != 0;
		in.uffd = rng_below(rng, 4) == 0;
		in.orders = in.khugepaged ? ((uint32_t)rng_next(rng) & all)
					  : 1u << g.pmd_order;
		if (!in.orders)
			in.orders = 1u << g.pmd_order;
		unsigned int x = rng_below(rng, 4);

		in.none = x == 0 ? 0 : x == 1 ? g.pmd_nr - 1
				     : rng_below(rng, g.pmd_nr);
		in.unmapped = rng_below(rng, 3) ? 0 : rng_below(rng, 4);
		if (in.unmapped + mthp_bitmap_weight(map, g.pmd_nr) > g.pmd_nr)
			in.unmapped = 0;
		in.pattern = (enum pattern)rng_below(rng, P_COUNT);
		one(k, &in);
	}
	free(map);
}

struct cases_arg {
	struct kc_state *k;
	const struct kc_geometry *kg;
	unsigned int bitmaps, per_geometry;
	void (*progress)(unsigned long long done, unsigned long long total);
	unsigned long last;
};

static void cases_body(void *arg)
{
	struct cases_arg *c = arg;

	run_cases(c->k, c->kg, c->bitmaps, c->per_geometry);
}

static void cases_tick(void *arg)
{
	struct cases_arg *c = arg;

	if (c->k->w.count != c->last && c->bitmaps && c->progress) {
		c->last = c->k->w.count;
		c->progress(c->k->cur_map[0], 1ull << 16);
	}
}

int kc_run_isolated(struct kc_state *k, const struct kc_geometry *kg,
		    unsigned int bitmaps, unsigned int per_geometry,
		    unsigned int timeout,
		    void (*progress)(unsigned long long done, unsigned long long total))
{
	struct kc_unit *const us[2] = { k->a.u, k->b.u };
	struct cases_arg c = { k, kg, bitmaps, per_geometry, progress, k->w.count };

	return kc_isolate(us, &k->w, cases_body, &c, timeout, cases_tick);
}

/* The memory the child may map: what it has now and 4 GiB more (the
 * address sanitizer reserves far more than that: no bound under it). */
static unsigned long memory_bound(void)
{
#ifdef __SANITIZE_ADDRESS__
	return 0;
#else
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;

	if (f) {
		if (fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages ? pages * (unsigned long)sysconf(_SC_PAGESIZE) + (4ul << 30) : 0;
#endif
}

/*
 * The child: its standard streams to /dev/null and (standard error) a pipe
 * the parent reads, nothing else of kcheck's open but the units' objects,
 * then the jail (or, unconfined, only no core dumps and no new
 * privileges), then the units loaded - which runs the file's code - and
 * the body.
 */
static _Noreturn void child(struct kc_unit *const units[2], struct kc_watch *w,
			    void (*body)(void *arg), void *arg, int err_fd)
{
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	const char *root = units[0] ? units[0]->jail_root : units[1]->jail_root;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 || dup2(nul, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0)
		_exit(KC_ERROR);
	/* the objects at fds 3 and 4, loaded through the open file: the
	 * jail's root has no path to them */
	for (int i = 0; i < 2; i++) {
		if (!units[i])
			continue;
		int fd = open(units[i]->so_path, O_RDONLY);

		if (fd < 0 || dup2(fd, 3 + i) < 0) {
			dprintf(2, "kcheck: %s: %s\n", units[i]->so_path, strerror(errno));
			_exit(KC_ERROR);
		}
		snprintf(units[i]->so_path, sizeof(units[i]->so_path), "/proc/self/fd/%d", 3 + i);
	}
	closefrom(5);
	struct rlimit core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &core);
	if (root) {
		struct kc_jail j = { .root = root, .as_bytes = memory_bound() };
		char why[400];

#ifdef MTHP_COVERAGE
		/* a coverage build writes its counts into the build tree at
		 * the end, as the user that owns them */
		j.also_rw = MTHP_COVERAGE;
		j.keep_user = true;
#endif
		if (kc_jail_enter(&j, why, sizeof(why))) {
			dprintf(2, "kcheck: %s\n", why);
			_exit(KC_ERROR);
		}
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	for (int i = 0; i < 2; i++) {
		int r = units[i] ? kc_load(units[i], stderr) : 0;

		if (r)
			_exit(r == KC_BAD_INPUT ? KC_BAD_INPUT : KC_ERROR);
	}
	body(arg);
	w->finished = true;
	fflush(NULL);
	mthp_coverage_dump(); /* _exit() would lose the child's counts */
	_exit(0);
}

/* What the child wrote on standard error, kept (the first KiB). */
static void drain(int fd, struct kc_watch *w)
{
	char buf[512];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size_t have = strlen(w->said);

		if (have + 1 < sizeof(w->said))
			snprintf(w->said + have, sizeof(w->said) - have, "%.*s", (int)n, buf);
	}
}

int kc_isolate(struct kc_unit *const units[2], struct kc_watch *w,
	       void (*body)(void *arg), void *arg, unsigned int timeout,
	       void (*tick)(void *arg))
{
	int p[2];

	fflush(NULL);
	w->finished = false;
	w->said[0] = 0;
	w->why[0] = 0;
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(w->why, sizeof(w->why), "kcheck: a pipe to the process that runs the file's code: %s",
			 strerror(errno));
		return KC_ERROR;
	}
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(w->why, sizeof(w->why), "kcheck: the process that runs the file's code: %s",
			 strerror(errno));
		close(p[0]);
		close(p[1]);
		return KC_ERROR;
	}
	if (!pid) {
		close(p[0]);
		child(units, w, body, arg, p[1]);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	kc_child_pid = pid;
	unsigned long last = w->count;
	struct timespec tick_len = { 0, 50 * 1000 * 1000 }, seen, now;
	int st = 0;

	clock_gettime(CLOCK_MONOTONIC, &seen);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		drain(p[0], w);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			/* not our child any more: nothing left to watch */
			kill(pid, SIGKILL);
			snprintf(w->why, sizeof(w->why), "kcheck: waiting for the process that runs the file's code: %s",
				 strerror(errno));
			kc_child_pid = 0;
			close(p[0]);
			return KC_ERROR;
		}
		if (kc_interrupted) {
			kill(pid, SIGKILL);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (w->count != last) {
			last = w->count;
			seen = now;
			if (tick)
				tick(arg);
		} else if (now.tv_sec - seen.tv_sec >= (time_t)timeout) {
			kill(pid, SIGKILL);
			w->failure = F_TIMEOUT;
			w->failure_value = (int)timeout;
			waitpid(pid, &st, 0);
			break;
		}
		nanosleep(&tick_len, NULL);
	}
	kc_child_pid = 0;
	drain(p[0], w);
	close(p[0]);
	if (kc_interrupted)
		return 0;
	if (w->failure && !w->started) {
		snprintf(w->why, sizeof(w->why),
			 "kcheck: the file's code did not return within %u s while it was loaded, before the first case (a constructor in the file?)",
			 timeout);
		w->failure = F_NONE;
		return 1;
	}
	if (w->failure)
		return 0;
	if (WIFSIGNALED(st) && !w->started) {
		snprintf(w->why, sizeof(w->why),
			 "kcheck: the process that runs the file's code was killed by signal %d (%s) before the first case (a constructor in the file?)",
			 WTERMSIG(st), strsignal(WTERMSIG(st)));
		return 1;
	}
	if (WIFSIGNALED(st)) {
		w->failure = F_SIGNAL;
		w->failure_value = WTERMSIG(st);
		return 0;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == KC_BAD_INPUT && !w->started) {
		/* the code did not load: the child said why */
		snprintf(w->why, sizeof(w->why), "%s", w->said);
		return KC_BAD_INPUT;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) && !w->started) {
		snprintf(w->why, sizeof(w->why),
			 "%skcheck: the process that runs the file's code stopped before the first case (exit status %d)",
			 w->said, WEXITSTATUS(st));
		return 1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st)) {
		w->failure = F_EXIT;
		w->failure_value = WEXITSTATUS(st);
	} else if (!w->finished) {
		/* an exit(0) of the file's code in the middle: the cases it
		 * did not reach are not a pass */
		w->failure = F_SHORT;
		w->failure_value = 0;
	}
	return 0;
}

const char *kc_failure_words(const struct kc_watch *w, unsigned int timeout,
			     char *buf, size_t len)
{
	switch (w->failure) {
	case F_SIGNAL:
		snprintf(buf, len, "was killed by signal %d (%s)", w->failure_value,
			 strsignal(w->failure_value));
		break;
	case F_TIMEOUT:
		snprintf(buf, len, "did not return within %u s (--timeout)", timeout);
		break;
	case F_EXIT:
		snprintf(buf, len, "ended the process (exit status %d)", w->failure_value);
		break;
	case F_SHORT:
		snprintf(buf, len, "ended the process (exit status 0) before the check had run every case");
		break;
	case F_NONE:
		snprintf(buf, len, "returned");
		break;
	}
	return buf;
}
