// SPDX-License-Identifier: MIT
/*
 * kcheck of the scan: a kernel file's own collapse_scan_pmd()
 * (hpage_collapse_scan_pmd() before the series), compiled against the
 * kernel environment's fake page table, run over whole scenarios beside
 * the model's scan, engine and attempt. The file's collapse_huge_page()
 * is the library's mock attempt, on the kernel side's own copy of the
 * scenario; the file's mthp_collapse(), when it has one, is its own.
 * Compared per scenario: the attempts in order (offset, order, result),
 * the run's result, the scan's trace point (referenced, none_or_zero,
 * unmapped, status), the occupancy bitmap, the per-size statistics, the
 * /proc/vmstat events and the attempts' trace events.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "oracle.h"
#include "scan-check.h"

/* The library's PTE flags are what the environment's fakes read. */
_Static_assert(MTHP_PTE_YOUNG == 1u && MTHP_PTE_SHARED == 2u &&
	       MTHP_PTE_UFFD_WP == 4u && MTHP_PTE_NO_PAGE == 8u &&
	       MTHP_PTE_LOCKED == 16u && MTHP_PTE_PINNED == 32u &&
	       MTHP_PTE_NOT_LRU == 64u && MTHP_PTE_LAZYFREE == 128u &&
	       MTHP_PTE_NOT_ANON == 256u, "kernel/khugepaged.h's KC_PTE_* flags");
_Static_assert(MTHP_PTE_NONE == 0 && MTHP_PTE_ZERO == 1 && MTHP_PTE_PRESENT == 2 &&
	       MTHP_PTE_SWAP == 3 && MTHP_PTE_NON_SWAP == 4,
	       "kernel/khugepaged.h's KC_PTE_* kinds");

/* What one side did with one scenario. */
struct side_run {
	struct mthp_sim_result r;   /* attempts, stats, vmstat, events */
	struct mthp_attempt *att;
	size_t natt, cap;
	int result;                 /* the run's, as a library result (-1: none) */
	char result_name[48];
	unsigned int ntraces;       /* the scan's trace point */
	long t_ref, t_none, t_unmapped, t_status;
	bool has_bitmap;
	unsigned long bitmap[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];
	unsigned int warnings, bugs, assumed;
	int bug_line, assumed_line;
	bool runaway, unrepresentable;
	char unrep_name[48];
};

struct side_ctx {
	struct side_run *run;
	struct mthp_scenario *s;   /* this side's copy */
	const struct kc_unit *u;
	jmp_buf out;
};

static struct scan_check *sc;

/* the attempts of one run looked at for results the file lacks */
#define MAX_ATTEMPTS_CHECKED 256


static int fake_attempt(void *ctx, unsigned int offset, unsigned int order,
			int referenced, int unmapped)
{
	struct side_ctx *c = ctx;
	struct side_run *o = c->run;
	struct mthp_range rg = { offset, order };

	(void)referenced;
	if (o->natt >= o->cap) {
		o->runaway = true;
		longjmp(c->out, 1);
	}
	int r = mthp_mock_attempt(c->s, &rg, unmapped < 0 ? 0 : (unsigned int)unmapped,
				  &o->r);

	if (r < 0)
		r = MTHP_SCAN_FAIL; /* not a range of this table: recorded as such */
	o->att[o->natt++] = (struct mthp_attempt){ offset, order, 0, r };
	if (c->u->to_kernel[r] < 0) {
		o->unrepresentable = true;
		snprintf(o->unrep_name, sizeof(o->unrep_name), "%s", mthp_scan_result_name(r));
		return (int)c->u->to_kernel[MTHP_SCAN_FAIL];
	}
	return (int)c->u->to_kernel[r];
}

static void fake_vm_event(void *ctx, int item, long n)
{
	struct side_ctx *c = ctx;

	if (item >= 0 && item < MTHP_VMSTAT_COUNT)
		c->run->r.vmstat[item] += (unsigned long)n;
}

static void fake_mthp_stat(void *ctx, int order, int item, long n)
{
	struct side_ctx *c = ctx;

	if (order >= 0 && order <= (int)MTHP_MAX_PMD_ORDER && item >= 0 &&
	    item < MTHP_STAT_COUNT)
		c->run->r.stats[order][item] += (unsigned long)n;
}

static void fake_traced(void *ctx, long ref, long none, long st, long unm)
{
	struct side_ctx *c = ctx;
	struct side_run *o = c->run;

	o->ntraces++;
	o->t_ref = ref;
	o->t_none = none;
	o->t_unmapped = unm;
	o->t_status = kc_result_of(c->u, st);
}

static void reset(struct side_run *o)
{
	struct mthp_sim_result keep = o->r;

	memset(keep.stats, 0, sizeof(keep.stats));
	memset(keep.vmstat, 0, sizeof(keep.vmstat));
	keep.nevents = 0;
	struct mthp_attempt *att = o->att;
	size_t cap = o->cap;

	memset(o, 0, sizeof(*o));
	o->r = keep;
	o->att = att;
	o->cap = cap;
	o->result = -1;
}

/* The file's scan over a copy of s. */
static void run_kernel(const struct kc_unit *u, const struct mthp_scenario *s,
		       uint32_t enabled, struct side_run *o)
{
	static struct side_ctx c;
	static struct mthp_scenario copy;
	static struct kc_fake_pte fake[MTHP_MAX_PTRS];
	const struct mthp_geometry *g = &s->geometry;

	reset(o);
	if (mthp_scenario_copy(&copy, s))
		kc_internal("copying a scenario");
	for (unsigned int i = 0; i < g->pmd_nr; i++)
		fake[i] = (struct kc_fake_pte){ s->ptes[i].kind, s->ptes[i].folio_order,
						s->ptes[i].flags };
	c.run = o;
	c.s = &copy;
	c.u = u;
	struct kc_scan_case kc = {
		.ptes = fake,
		.pmd = s->pmd == MTHP_PMD_TABLE ? 0 : s->pmd == MTHP_PMD_NONE ? 1 : 2,
		.khugepaged = s->mode == MTHP_MODE_KHUGEPAGED,
		.uffd = (s->vma_flags & MTHP_VMA_UFFD) != 0,
		.vm_flags = ((s->vma_flags & MTHP_VMA_HUGEPAGE) ? 0x20000000UL : 0) |
			    ((s->vma_flags & MTHP_VMA_NOHUGEPAGE) ? 0x40000000UL : 0),
		.max_ptes_none = s->max_ptes_none,
		.max_ptes_swap = s->max_ptes_swap,
		.max_ptes_shared = s->max_ptes_shared,
		.orders = enabled,
		.attempt = fake_attempt,
		.vm_event = fake_vm_event,
		.mthp_stat = fake_mthp_stat,
		.traced = fake_traced,
		.ctx = &c,
		.bitmap = o->bitmap,
	};
	struct kc_findings f = { 0 };

	if (!setjmp(c.out)) {
		long ret = u->scan_run(&kc, &f);

		o->warnings = f.warnings;
		o->bugs = f.bugs;
		o->bug_line = f.bug_line;
		o->assumed = f.assumed;
		o->assumed_line = f.assumed_line;
		o->has_bitmap = kc.has_bitmap;
		if (!f.bugs) {
			const char *n = u->returns_result ? u->result_name(ret) : NULL;

			o->result = u->returns_result ? kc_result_of(u, ret) : -1;
			snprintf(o->result_name, sizeof(o->result_name), "%s",
				 n ? n : u->returns_result ? "(not a result)" : "");
		}
	}
	mthp_scenario_free(&copy);
}

/* The model's scan, engine and attempts over a copy of s. */
static void run_model_side(const struct mthp_scenario *s, uint32_t enabled,
			   struct side_run *o)
{
	static struct mthp_scenario copy;
	struct mthp_scan_info info;

	reset(o);
	if (mthp_scenario_copy(&copy, s))
		kc_internal("copying a scenario");
	if (mthp_simulate(&copy, &o->r))
		kc_internal("the simulation refused a checked scenario");
	mthp_scenario_free(&copy);
	o->result = o->r.result;
	snprintf(o->result_name, sizeof(o->result_name), "%s",
		 mthp_scan_result_name(o->r.result));
	for (size_t i = 0; i < o->r.nattempts && o->natt < o->cap; i++)
		o->att[o->natt++] = o->r.attempts[i];
	/* the tracepoint the kernel fires on its way out: the scan's counts,
	 * the run's result */
	o->ntraces = 1;
	o->t_ref = o->r.scan.referenced;
	o->t_none = o->r.scan.none_or_zero;
	o->t_unmapped = o->r.scan.unmapped;
	o->t_status = o->r.result;
	if (o->r.scan.ran && o->r.scan.result == MTHP_SCAN_SUCCEED) {
		mthp_scan(s, enabled, o->bitmap, MTHP_MAX_PTRS, &info);
		o->has_bitmap = true;
	}
	/* the scan's own event is the tracepoint, compared above */
	size_t n = 0;

	for (size_t i = 0; i < o->r.nevents; i++)
		if (o->r.events[i].type != MTHP_EVENT_SCAN)
			o->r.events[n++] = o->r.events[i];
	o->r.nevents = n;
}

static void say(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	size_t at = strlen(buf);
	va_list ap;

	if (at >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + at, len - at, fmt, ap);
	va_end(ap);
}

static const char *rname(int r)
{
	return r < 0 ? "(none)" : mthp_scan_result_name(r);
}

/* The first thing the sides disagree on, in words; false when none. */
static bool differ(const struct mthp_scenario *s, const struct side_run *a,
		   const char *an, const struct side_run *b, const char *bn,
		   char *w, size_t len)
{
	const struct mthp_geometry *g = &s->geometry;
	const struct side_run *sd[2] = { a, b };
	const char *nm[2] = { an, bn };

	w[0] = 0;
	for (int i = 0; i < 2; i++) {
		if (sd[i]->bugs) {
			say(w, len, "%s: a BUG_ON/VM_BUG_ON/BUG at line %d ended the call (the kernel would crash)",
			    nm[i], sd[i]->bug_line);
			return true;
		}
		if (sd[i]->warnings) {
			say(w, len, "%s: a WARN_ON_ONCE/VM_WARN_ON_ONCE fired %u time%s",
			    nm[i], sd[i]->warnings, sd[i]->warnings == 1 ? "" : "s");
			return true;
		}
		if (sd[i]->runaway) {
			say(w, len, "%s: did not finish: more attempts than the table has ranges",
			    nm[i]);
			return true;
		}
	}
	for (size_t i = 0; i < a->natt || i < b->natt; i++) {
		const struct mthp_attempt *x = i < a->natt ? &a->att[i] : NULL;
		const struct mthp_attempt *y = i < b->natt ? &b->att[i] : NULL;

		if (x && y && x->offset == y->offset && x->order == y->order &&
		    x->result == y->result)
			continue;
		say(w, len, "attempt %zu:\n", i + 1);
		for (int k = 0; k < 2; k++) {
			const struct mthp_attempt *z = k ? y : x;

			if (z)
				say(w, len, "    %s: (%u,%u) %s\n", nm[k], z->offset, z->order,
				    mthp_scan_result_name(z->result));
			else
				say(w, len, "    %s: no attempt (%zu in all)\n", nm[k],
				    sd[k]->natt);
		}
		return true;
	}
	if (a->result != b->result || strcmp(a->result_name, b->result_name)) {
		if (a->result != b->result) {
			say(w, len, "the run's result:\n    %s: %s\n    %s: %s\n", an,
			    a->result_name[0] ? a->result_name : "(none)", bn,
			    b->result_name[0] ? b->result_name : "(none)");
			return true;
		}
	}
	if (a->ntraces != b->ntraces) {
		say(w, len, "the scan's trace point mm_khugepaged_scan_pmd fired:\n    %s: %u times\n    %s: %u times\n",
		    an, a->ntraces, bn, b->ntraces);
		return true;
	}
	if (a->ntraces && (a->t_ref != b->t_ref || a->t_none != b->t_none ||
			   a->t_unmapped != b->t_unmapped || a->t_status != b->t_status)) {
		say(w, len, "mm_khugepaged_scan_pmd (the scan's counts, the run's status):\n");
		for (int k = 0; k < 2; k++)
			say(w, len, "    %s: referenced %ld, none_or_zero %ld, unmapped %ld, status %s\n",
			    nm[k], sd[k]->t_ref, sd[k]->t_none, sd[k]->t_unmapped,
			    rname((int)sd[k]->t_status));
		return true;
	}
	if (a->has_bitmap && b->has_bitmap && b->r.scan.result == MTHP_SCAN_SUCCEED)
		for (unsigned int i = 0; i < g->pmd_nr; i++)
			if (mthp_test_bit(i, a->bitmap) != mthp_test_bit(i, b->bitmap)) {
				say(w, len, "the occupancy bitmap after the scan, PTE %u:\n    %s: %s\n    %s: %s\n",
				    i, an, mthp_test_bit(i, a->bitmap) ? "occupied" : "not occupied",
				    bn, mthp_test_bit(i, b->bitmap) ? "occupied" : "not occupied");
				return true;
			}
	for (unsigned int k = 0; k <= g->pmd_order; k++)
		for (int st = 0; st < MTHP_STAT_COUNT; st++)
			if (a->r.stats[k][st] != b->r.stats[k][st]) {
				say(w, len, "hugepages-%lukB/stats/%s:\n    %s: %lu\n    %s: %lu\n",
				    (1ul << (g->page_shift + k)) >> 10, mthp_stat_name(st),
				    an, a->r.stats[k][st], bn, b->r.stats[k][st]);
				return true;
			}
	for (int v = 0; v < MTHP_VMSTAT_COUNT; v++)
		if (a->r.vmstat[v] != b->r.vmstat[v]) {
			say(w, len, "/proc/vmstat %s:\n    %s: %lu\n    %s: %lu\n",
			    mthp_vmstat_name(v), an, a->r.vmstat[v], bn, b->r.vmstat[v]);
			return true;
		}
	for (size_t i = 0; i < a->r.nevents || i < b->r.nevents; i++) {
		const struct mthp_event *x = i < a->r.nevents ? &a->r.events[i] : NULL;
		const struct mthp_event *y = i < b->r.nevents ? &b->r.events[i] : NULL;

		if (x && y && x->type == y->type && x->offset == y->offset &&
		    x->order == y->order && x->status == y->status)
			continue;
		say(w, len, "trace event %zu of the attempts:\n", i + 1);
		for (int k = 0; k < 2; k++) {
			const struct mthp_event *z = k ? y : x;

			if (z)
				say(w, len, "    %s: %s (%u,%u) %s\n", nm[k], mthp_event_name(z->type),
				    z->offset, z->order, mthp_scan_result_name(z->status));
			else
				say(w, len, "    %s: none\n", nm[k]);
		}
		return true;
	}
	return false;
}

/* The scenario's text for the reproducer: its model line replaced. */
static void reproducer(const char *text, enum mthp_model m, char *out, size_t len)
{
	snprintf(out, len, "model = %s\n", mthp_model_name(m));
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) + 1 : strlen(p);
		const char *q = p;

		while (*q == ' ' || *q == '\t')
			q++;
		bool model_line = !strncmp(q, "model", 5) &&
				  (q[5] == ' ' || q[5] == '\t' || q[5] == '=');

		if (!model_line && strlen(out) + l < len)
			strncat(out, p, l);
		p += l;
	}
	if (out[0] && out[strlen(out) - 1] != '\n' && strlen(out) + 1 < len)
		strcat(out, "\n");
}

static struct side_run runs[2];

/* Marks the model's run unrepresentable when a result it gave (the
 * run's, an attempt's) is not in the file's enum scan_result. */
static void model_representable(const struct kc_unit *u, struct side_run *m)
{
	int seen[1 + MAX_ATTEMPTS_CHECKED];
	size_t n = 0;

	seen[n++] = m->result;
	for (size_t i = 0; i < m->natt && n < sizeof(seen) / sizeof(seen[0]); i++)
		seen[n++] = m->att[i].result;
	for (size_t i = 0; i < n && !m->unrepresentable; i++)
		if (seen[i] >= 0 && u->to_kernel[seen[i]] < 0) {
			m->unrepresentable = true;
			snprintf(m->unrep_name, sizeof(m->unrep_name), "%s",
				 mthp_scan_result_name(seen[i]));
		}
}

/* One scenario on both sides. */
static void one_scenario(struct scan_opts *o, const char *name, const char *text)
{
	struct mthp_scenario s;
	struct mthp_parse_error e;

	if (mthp_scenario_parse(text, strlen(text), NULL, &s, &e)) {
		mthp_scenario_free(&s);
		return; /* checked by the parent */
	}
	if (strcmp(s.geometry.name, o->geometry)) {
		mthp_scenario_free(&s);
		return;
	}
	s.model = o->model;
	uint32_t enabled = mthp_enabled_orders(&s.geometry, s.model, s.mode, &s.thp,
					       s.vma_flags);

	if (!enabled) {
		/* khugepaged and MADV_COLLAPSE do not scan such a range */
		sc->not_scanned++;
		mthp_scenario_free(&s);
		return;
	}
	snprintf(sc->cur_name, sizeof(sc->cur_name), "%s", name);
	snprintf(sc->cur_text, sizeof(sc->cur_text), "%s", text);
	sc->w.started = true;
	for (int k = 0; k < 2; k++) {
		sc->w.cur_side = k;
		if (o->units[k])
			run_kernel(o->units[k], &s, enabled, &runs[k]);
		else
			run_model_side(&s, enabled, &runs[k]);
	}
	sc->w.count++;
	/* a case the file asserts cannot happen is not compared */
	for (int k = 0; k < 2; k++)
		if (runs[k].assumed) {
			sc->assumed++;
			if (!sc->assumed_where[0])
				snprintf(sc->assumed_where, sizeof(sc->assumed_where),
					 "%s, line %d, in %s", o->names[k],
					 runs[k].assumed_line, name);
			mthp_scenario_free(&s);
			return;
		}
	/* what the model did must be something the file can say */
	for (int k = 0; k < 2; k++)
		if (!o->units[k] && o->units[!k])
			model_representable(o->units[!k], &runs[k]);
	if (runs[0].unrepresentable || runs[1].unrepresentable) {
		sc->skipped++;
		snprintf(sc->skip_example, sizeof(sc->skip_example), "%s",
			 runs[0].unrepresentable ? runs[0].unrep_name : runs[1].unrep_name);
		mthp_scenario_free(&s);
		return;
	}
	sc->cases++;
	char what[sizeof(sc->first_what)];

	if (differ(&s, &runs[0], o->names[0], &runs[1], o->names[1], what, sizeof(what))) {
		sc->differ++;
		if (!sc->found) {
			sc->found = true;
			snprintf(sc->first_what, sizeof(sc->first_what), "%s", what);
			snprintf(sc->first_name, sizeof(sc->first_name), "%s", name);
			reproducer(text, o->model, sc->first_text, sizeof(sc->first_text));
		}
	}
	mthp_scenario_free(&s);
}

/* The present PTEs of a scenario's map made old (P to p, S to s). */
static void all_old(char *text)
{
	char *p = strstr(text, "\nptes =");

	if (!p)
		return;
	for (p += 7; *p && *p != '\n'; p++)
		if (*p == 'P' || *p == 'S')
			*p = (char)(*p + ('a' - 'A'));
}

static void body(void *arg)
{
	struct scan_opts *o = arg;
	struct mthp_geometry g;
	static char text[GEN_MAX_TEXT];
	char name[128];

	if (mthp_geometry_lookup(o->geometry, &g, NULL, 0))
		kc_internal("an unknown geometry");
	for (int k = 0; k < 2; k++) {
		runs[k].cap = mthp_collapse_max_steps(&g);
		runs[k].att = calloc(runs[k].cap, sizeof(*runs[k].att));
		if (!runs[k].att || mthp_sim_result_init(&runs[k].r, &g))
			kc_internal("out of memory");
	}
	for (size_t i = 0; i < o->nfiles; i++)
		one_scenario(o, o->file_names[i], o->file_texts[i]);
	for (unsigned int n = 0; n < o->random; n++) {
		if (gen_scenario(&sc->rng, &g, text, sizeof(text)))
			kc_internal("generating a random scenario");
		/* one in eight with no young page at all: the referenced rule */
		if (rng_below(&sc->rng, 8) == 0)
			all_old(text);
		snprintf(name, sizeof(name), "random scenario %u of %s", n + 1, g.name);
		one_scenario(o, name, text);
	}
	for (int k = 0; k < 2; k++) {
		free(runs[k].att);
		mthp_sim_result_free(&runs[k].r);
	}
}

struct scan_check *kcheck_scan_state(void)
{
	if (!sc) {
		sc = mmap(NULL, sizeof(*sc), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (sc == MAP_FAILED) {
			sc = NULL;
			return NULL;
		}
		memset(sc, 0, sizeof(*sc));
	}
	return sc;
}

int kcheck_scan_geometry(struct scan_opts *o)
{
	struct kc_unit *const us[2] = { o->units[0], o->units[1] };

	return kc_isolate(us, &kcheck_scan_state()->w, body, o, o->timeout, NULL);
}

void kcheck_scan_failed_scenario(enum mthp_model m)
{
	reproducer(sc->cur_text, m, sc->fail_text, sizeof(sc->fail_text));
}

int kcheck_scan_save(const char *dir, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/mthpsim-kcheck-XXXXXX.scn", dir);
	int fd = mkstemps(path, 4);

	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	bool ok = write(fd, text, n) == (ssize_t)n;

	if (close(fd) || !ok)
		return -1;
	return 0;
}
