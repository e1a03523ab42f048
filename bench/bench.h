/* SPDX-License-Identifier: MIT */
/*
 * The one way the benchmarks time things: CPU time of the calling thread,
 * every variant run once per repetition in turn (interleaved, so a slow
 * moment of the machine hits all of them), at least five repetitions, and
 * the minimum and median of each. Compared variants get identical inputs
 * and settings; ratios are of the same run.
 */
#ifndef MTHP_BENCH_H
#define MTHP_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_MAX_REPS 64
#define BENCH_MAX_VARIANTS 8

static inline double bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct bench_series {
	const char *name;
	double t[BENCH_MAX_REPS];
	unsigned int n;
	double min, median;
};

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static inline void bench_summarise(struct bench_series *s)
{
	double sorted[BENCH_MAX_REPS];

	for (unsigned int i = 0; i < s->n; i++)
		sorted[i] = s->t[i];
	qsort(sorted, s->n, sizeof(*sorted), bench_cmp);
	s->min = sorted[0];
	s->median = s->n % 2 ? sorted[s->n / 2]
			     : (sorted[s->n / 2 - 1] + sorted[s->n / 2]) / 2;
}

/*
 * Runs each of the n variants reps times, interleaved: variant 0, 1, ...,
 * n-1, then again. run(ctx, v) does one batch of variant v; its CPU time
 * is one sample. Returns 0, or what a failing batch returned.
 */
static inline int bench_interleave(struct bench_series *s, unsigned int n,
				   unsigned int reps,
				   int (*run)(void *ctx, unsigned int v),
				   void *ctx)
{
	if (reps > BENCH_MAX_REPS)
		reps = BENCH_MAX_REPS;
	for (unsigned int v = 0; v < n; v++)
		s[v].n = 0;
	for (unsigned int r = 0; r < reps; r++)
		for (unsigned int v = 0; v < n; v++) {
			double t0 = bench_cpu();
			int e = run(ctx, v);

			if (e)
				return e;
			s[v].t[s[v].n++] = bench_cpu() - t0;
		}
	for (unsigned int v = 0; v < n; v++)
		bench_summarise(&s[v]);
	return 0;
}

/* The repetitions asked for on the command line (at least 5). */
static inline unsigned int bench_reps(int argc, char **argv, unsigned int dflt)
{
	long r = argc > 1 ? atol(argv[1]) : (long)dflt;

	return r < 5 ? 5 : r > BENCH_MAX_REPS ? BENCH_MAX_REPS : (unsigned int)r;
}

#endif
