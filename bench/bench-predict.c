// SPDX-License-Identifier: MIT
/*
 * mthpsim predict at the scale of a whole address space: a 1 TiB x86_64
 * snapshot (524,288 PMD ranges in 64 VMAs of 16 GiB) generated from a
 * seed, with runs of present, none, zero-page, swapped and shared PTEs
 * and some 64 KiB folios, as a heap looks; some ranges have no PTE table,
 * some are mapped by a PMD already. Three passes, interleaved and
 * repeated (bench.h), in CPU seconds of this thread:
 *
 *   write    generate and write the snapshot text (mthp_space_write_*)
 *   read     stream it back (mthp_space_read_stream()), visiting nothing
 *   predict  stream it back and visit every range under its settings
 *            (mthp_space_visitor_*), as mthpsim predict does with a file
 *
 * "visit" is predict's time less read's, repetition by repetition: the
 * visits alone (timing each of half a million calls would cost more
 * than some of them).
 *
 * Then the memory: what the streamed passes kept (peak RSS), and what a
 * caller that holds the whole space pays per PMD range.
 *
 * Usage: bench-predict [REPETITIONS] (default 5). Needs about 70 MB in
 * $TMPDIR (default /tmp) for the snapshot.
 *        bench-predict --write FILE: only writes the snapshot, e.g. for
 *        timing "mthpsim predict FILE" as a whole.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "rng.h"
#include "mthpcollapse/space.h"

#define VMAS 64
#define RANGES_PER_VMA 8192 /* 16 GiB of 2 MiB ranges */
#define BASE 0x7f0000000000ul

/* One PMD range of a heap-like space, from the generator's state. */
static void gen_range(struct rng *r, struct mthp_space_pmd *p,
		      struct mthp_pte *ptes, unsigned int nr)
{
	unsigned int roll = rng_below(r, 100);

	p->ptes = NULL;
	if (roll < 4) {
		p->pmd = MTHP_PMD_NONE;
		return;
	}
	if (roll < 9) {
		p->pmd = MTHP_PMD_MAPPED;
		return;
	}
	p->pmd = MTHP_PMD_TABLE;
	p->ptes = ptes;
	memset(ptes, 0, nr * sizeof(*ptes));
	/* a range is mostly touched, mostly sparse, or in between */
	unsigned int dense = rng_below(r, 3);

	for (unsigned int pos = 0; pos < nr;) {
		unsigned int len = 1 + rng_below(r, rng_below(r, 8) ? 48 : 256);
		unsigned int k = rng_below(r, 100);
		struct mthp_pte pte = { 0 };

		if (len > nr - pos)
			len = nr - pos;
		if (k < 40 + 20 * dense) {
			pte.kind = MTHP_PTE_PRESENT;
			pte.flags = rng_below(r, 4) ? MTHP_PTE_YOUNG : 0;
		} else if (k < 88) {
			pte.kind = MTHP_PTE_NONE;
		} else if (k < 91) {
			pte.kind = MTHP_PTE_ZERO;
		} else if (k < 95) {
			pte.kind = MTHP_PTE_SWAP;
		} else {
			pte.kind = MTHP_PTE_PRESENT;
			pte.flags = MTHP_PTE_SHARED | MTHP_PTE_YOUNG;
		}
		for (unsigned int i = 0; i < len; i++)
			ptes[pos + i] = pte;
		/* now and then its 16-PTE blocks are 64 KiB folios */
		if (pte.kind == MTHP_PTE_PRESENT && rng_below(r, 4) == 0)
			for (unsigned int b = (pos + 15) & ~15u; b + 16 <= pos + len; b += 16)
				for (unsigned int i = b; i < b + 16; i++)
					ptes[i].folio_order = 4;
		pos += len;
	}
}

/* The settings of the space: the kernel's defaults, mTHP sizes on. */
static int make_settings(struct mthp_space *sp)
{
	struct mthp_geometry g;
	struct mthp_parse_error e;

	memset(sp, 0, sizeof(*sp));
	if (mthp_geometry_lookup("x86_64", &g, NULL, 0) ||
	    mthp_scenario_init(&sp->settings, &g))
		return -1;
	/* 16K to 1M inherit, the PMD size too: khugepaged tries every size */
	if (mthp_scenario_set(&sp->settings, "orders", "2-9", &e))
		return -1;
	sp->unknown = MTHP_UNKNOWN_YOUNG;
	return 0;
}

static struct mthp_space_vma vma_of(unsigned int v)
{
	unsigned long size = (unsigned long)RANGES_PER_VMA << 21;

	return (struct mthp_space_vma){
		.start = BASE + v * size,
		.end = BASE + (v + 1) * size,
		.flags = v % 16 == 5 ? MTHP_VMA_NOHUGEPAGE
			 : v % 8 == 3 ? MTHP_VMA_HUGEPAGE : 0,
		.first = (size_t)v * RANGES_PER_VMA,
		.count = RANGES_PER_VMA,
	};
}

struct run {
	const char *path;
	struct mthp_space settings;
	struct mthp_pte ptes[512];
	struct mthp_space_visitor *visitor;
	unsigned long ranges;
	struct mthp_space_totals total;
};

static int write_pass(struct run *x)
{
	FILE *f = fopen(x->path, "w");
	struct rng r = { 2026 };
	int e;

	if (!f)
		return -errno;
	e = mthp_space_write_head(&x->settings, f);
	for (unsigned int v = 0; !e && v < VMAS; v++) {
		struct mthp_space_vma vm = vma_of(v);

		e = mthp_space_write_vma(&vm, f);
		for (unsigned int i = 0; !e && i < RANGES_PER_VMA; i++) {
			struct mthp_space_pmd p = { .addr = vm.start + ((unsigned long)i << 21) };

			gen_range(&r, &p, x->ptes, 512);
			e = mthp_space_write_pmd(&x->settings, &p, f);
		}
	}
	if (!e) /* format 2: a snapshot ends with its counts */
		e = mthp_space_write_end(VMAS, (size_t)VMAS * RANGES_PER_VMA, f);
	if (fclose(f) && !e)
		e = -EIO;
	return e;
}

static int count_only(void *ctx, struct mthp_space *sp, size_t vma,
		      size_t index, struct mthp_space_pmd *p)
{
	struct run *x = ctx;

	(void)sp;
	(void)vma;
	(void)index;
	(void)p;
	x->ranges++;
	return 0;
}

static int visit_one(void *ctx, struct mthp_space *sp, size_t vma,
		     size_t index, struct mthp_space_pmd *p)
{
	struct run *x = ctx;
	int e;

	if (!x->visitor) {
		/* the settings are complete once the first range comes */
		struct mthp_space_visit_opts o = { .sz = sizeof(o),
						   .model = sp->settings.model,
						   .young = 1 };

		e = mthp_space_visitor_new(&x->visitor, sp, &o);
		if (e)
			return e;
	}
	e = mthp_space_visitor_pmd(x->visitor, &sp->vmas[vma], vma, index, p);
	x->ranges++;
	return e;
}

static int read_pass(struct run *x, bool visit)
{
	FILE *f = fopen(x->path, "r");
	struct mthp_space sp;
	struct mthp_parse_error err;
	int e;

	if (!f)
		return -errno;
	x->ranges = 0;
	x->visitor = NULL;
	e = mthp_space_read_stream(f, &sp, visit ? visit_one : count_only, x, &err);
	fclose(f);
	if (e)
		fprintf(stderr, "bench-predict: %s:%u:%u: %s\n", x->path, err.line,
			err.col, err.msg);
	if (!e && visit)
		e = mthp_space_visitor_end(x->visitor, NULL, 0, &x->total);
	mthp_space_visitor_free(x->visitor);
	mthp_space_free(&sp);
	if (!e && x->ranges != (unsigned long)VMAS * RANGES_PER_VMA)
		e = -EPROTO;
	return e;
}

enum { WRITE, READ, PREDICT, PASSES };

static int pass(void *ctx, unsigned int v)
{
	struct run *x = ctx;

	switch (v) {
	case WRITE:
		return write_pass(x);
	case READ:
		return read_pass(x, false);
	default:
		return read_pass(x, true);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write")) {
		struct run w = { .path = argv[2] };
		int e = make_settings(&w.settings) ? -EINVAL : write_pass(&w);

		if (e)
			fprintf(stderr, "bench-predict: %s: %s\n", argv[2], strerror(-e));
		mthp_space_free(&w.settings);
		return e ? 1 : 0;
	}
	unsigned int reps = bench_reps(argc, argv, 5);
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096];
	struct run x = { 0 };
	struct bench_series s[PASSES] = {
		{ .name = "write" }, { .name = "read" }, { .name = "predict" },
	};
	struct bench_series vs = { .name = "visit" };

	snprintf(path, sizeof(path), "%s/bench-predict-%ld.snapshot", tmp, (long)getpid());
	x.path = path;
	if (make_settings(&x.settings))
		return 1;
	int e = bench_interleave(s, PASSES, reps, pass, &x);

	/* this program's own high-water mark (VmHWM; getrusage() would
	 * count the parent's memory from before exec, e.g. meson's) */
	long hwm_kb = -1;
	FILE *st = fopen("/proc/self/status", "r");
	char line[256];

	while (st && fgets(line, sizeof(line), st))
		if (!strncmp(line, "VmHWM:", 6))
			hwm_kb = atol(line + 6);
	if (st)
		fclose(st);
	/* a caller that holds the whole space: what the library allocates
	 * for it, per PMD range (the text is read in first, not counted) */
	FILE *f = fopen(path, "r");
	long size = 0;
	double held = -1;
	char *text = NULL;

	if (f) {
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		rewind(f);
		text = malloc((size_t)size);
		if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
			free(text);
			text = NULL;
		}
		fclose(f);
	}
	unlink(path);
	if (text) {
		struct mthp_space sp;
		struct mthp_parse_error err;
		struct mallinfo2 before = mallinfo2(), after;

		if (!mthp_space_read(text, (size_t)size, &sp, &err) && sp.npmds) {
			after = mallinfo2();
			held = (double)((after.uordblks + after.hblkhd) -
					(before.uordblks + before.hblkhd)) / (double)sp.npmds;
		}
		mthp_space_free(&sp);
		free(text);
	}
	if (e) {
		fprintf(stderr, "bench-predict: a pass failed: %s\n", strerror(-e));
		return 1;
	}
	for (unsigned int i = 0; i < s[PREDICT].n; i++)
		vs.t[vs.n++] = s[PREDICT].t[i] - s[READ].t[i];
	bench_summarise(&vs);
	printf("1 TiB x86_64 snapshot: %u VMAs, %lu PMD ranges, %.1f MB of text; "
	       "CPU seconds, min (median) of %u interleaved repetitions\n",
	       VMAS, (unsigned long)VMAS * RANGES_PER_VMA, (double)size / 1e6, reps);
	for (unsigned int v = 0; v < PASSES; v++)
		printf("  %-8s %7.3f (%7.3f)\n", s[v].name, s[v].min, s[v].median);
	printf("  %-8s %7.3f (%7.3f)   (predict less read)\n", vs.name, vs.min, vs.median);
	const struct mthp_space_totals *t = &x.total;
	unsigned long coll = 0;

	for (unsigned int k = 0; k <= MTHP_MAX_PMD_ORDER; k++)
		coll += t->collapses[k];
	printf("  the visit: %lu ranges, %lu scanned, %lu collapses; present PTEs %lu -> %lu\n",
	       t->pmd_ranges, t->scanned, coll, t->present_before, t->present_after);
	printf("  peak RSS of the streamed passes: %.1f MB\n", (double)hwm_kb / 1024);
	printf("  held whole (mthp_space_read()): %.0f bytes per PMD range (its PTEs: %zu)\n",
	       held, 512 * sizeof(struct mthp_pte));
	printf("predict-1TiB: read %.2f s, visit %.2f s, total %.2f s\n",
	       s[READ].median, vs.median, s[PREDICT].median);
	return 0;
}
