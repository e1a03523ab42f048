// SPDX-License-Identifier: MIT
/*
 * mthpsim decide: the decision engine alone, on a PTE map given on the
 * command line, with every attempt succeeding unless --fail says
 * otherwise. The map and the settings are a scenario's, so decide takes
 * what run takes, with the same defaults.
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

struct decide {
	struct mthp_scenario s;
	int otherwise; /* what attempts no --fail rule names return */
};

static void usage_decide(FILE *f)
{
	fprintf(f,
"usage: mthpsim decide [options] MAP\n"
"\n"
"Runs the collapse decision engine alone on one PMD range. MAP is a PTE\n"
"map as in a scenario file's 'ptes' key (e.g. 'P*300 . P*211'; X is read\n"
"as P), or '@FILE' to read it from FILE ('@-': standard input; '#' starts\n"
"a comment there). The occupied PTEs are those the scan would mark: P p S\n"
"s X, and L c r; w W m count as unmapped. No scan runs and nothing is\n"
"checked per PTE: every attempt succeeds unless --fail or --all-fail\n"
"says otherwise.\n"
"\n"
"  --unmapped N         the scan's unmapped count (default: w, W, m in MAP)\n"
"  --all-fail RESULT    what attempts no --fail rule names return\n");
	sim_options_help(f);
}

static int decide_cb(const struct mthp_range *r, void *data)
{
	const struct decide *d = data;
	const struct mthp_fail_rule *f = mthp_fail_rule_for(&d->s, r);

	return f ? f->result : d->otherwise;
}

/* The map from '@FILE': comments blanked, errors as FILE:LINE:COL. */
static void map_file(struct mthp_scenario *s, const char *path)
{
	size_t len;
	char *text = cli_read_input(path, &len);
	struct mthp_parse_error e;
	bool comment = false;
	const char *nul = memchr(text, 0, len);

	if (nul) {
		unsigned int line = 1, col = 1;

		for (const char *c = text; c < nul; c++, col++)
			if (*c == '\n')
				line++, col = 0;
		free(text);
		errx(EXIT_INPUT, "%s:%u:%u: a NUL byte; not a text map", cli_input_name(path), line, col);
	}
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '#')
			comment = true;
		else if (text[i] == '\n')
			comment = false;
		if (comment)
			text[i] = ' ';
	}
	if (mthp_map_parse(text, len, &s->geometry, s->ptes, s->geometry.pmd_nr, &e)) {
		unsigned int line = 1, col = e.col;

		for (size_t i = 0; e.col && i + 1 < e.col && i < len; i++) {
			if (text[i] == '\n') {
				line++;
				col = e.col - (unsigned int)i - 1;
			}
		}
		free(text);
		errx(EXIT_INPUT, "%s:%u:%u: %s", cli_input_name(path), line, col,
		     e.msg);
	}
	free(text);
}

/* What the scan would set in the bitmap, and count as unmapped. */
static unsigned int occupancy(const struct mthp_scenario *s,
			      unsigned long *map)
{
	unsigned int unmapped = 0;

	for (unsigned int i = 0; i < s->geometry.pmd_nr; i++) {
		const struct mthp_pte *p = &s->ptes[i];

		if (p->kind == MTHP_PTE_SWAP || p->kind == MTHP_PTE_NON_SWAP)
			unmapped++;
		if (p->kind == MTHP_PTE_PRESENT &&
		    !(p->flags & (MTHP_PTE_UFFD_WP | MTHP_PTE_NO_PAGE |
				  MTHP_PTE_NOT_ANON | MTHP_PTE_LAZYFREE)))
			mthp_bitmap_set(map, i, 1);
	}
	return unmapped;
}

/* What one decision took and gave, for the report. */
struct decide_run {
	unsigned long *map;
	size_t cap, nsteps, nattempts, ncollapses;
	struct mthp_step *steps;
	struct mthp_attempt *attempts;
	struct mthp_range *collapses;
	unsigned int occupied, unmapped;
	uint32_t enabled;
	struct mthp_collapse_result res;
};

enum { O_UNMAPPED = O_OWN, O_ALL_FAIL };

static const struct option decide_longopts[] = {
	SIM_LONGOPTS,
	{ "unmapped", required_argument, NULL, O_UNMAPPED },
	{ "all-fail", required_argument, NULL, O_ALL_FAIL },
	{ NULL, 0, NULL, 0 },
};

/* The options into so and d; the MAP argument back. */
static const char *decide_args(int argc, char **argv, struct sim_opts *so,
			       struct decide *d, const char **unmapped_arg)
{
	int c;

	while ((c = getopt_long(argc, argv, "h", decide_longopts, NULL)) != -1) {
		if (sim_option(c, optarg, so))
			continue;
		switch (c) {
		case O_UNMAPPED: *unmapped_arg = optarg; break;
		case O_ALL_FAIL:
			d->otherwise = cli_result("--all-fail", optarg);
			break;
		case 'h':
		case O_HELP: usage_decide(stdout); exit(0);
		default: usage_decide(stderr); exit(EXIT_INPUT);
		}
	}
	if (optind != argc - 1) {
		usage_decide(stderr);
		errx(EXIT_INPUT, "decide: expected one MAP argument, got %d",
		     argc - optind);
	}
	return argv[optind];
}

/* The engine over the scenario's occupancy, its steps kept. */
static void decide_run(struct decide *d, const char *unmapped_arg, struct decide_run *x)
{
	const struct mthp_geometry *gp = &d->s.geometry;

	x->map = calloc(mthp_bitmap_longs(gp->max_ptrs), sizeof(unsigned long));
	x->cap = mthp_collapse_max_steps(gp);
	x->steps = calloc(x->cap, sizeof(*x->steps));
	x->attempts = calloc(x->cap, sizeof(*x->attempts));
	x->collapses = calloc(x->cap, sizeof(*x->collapses));
	if (!x->map || !x->steps || !x->attempts || !x->collapses)
		err(1, "calloc");
	x->unmapped = occupancy(&d->s, x->map);
	x->occupied = mthp_bitmap_weight(x->map, gp->pmd_nr);
	if (unmapped_arg) {
		x->unmapped = cli_uint("--unmapped", unmapped_arg, gp->pmd_nr);
		if (x->occupied + x->unmapped > gp->pmd_nr)
			errx(EXIT_INPUT,
			     "--unmapped %u: the map has %u occupied PTEs, so at most %u of the %u can be unmapped",
			     x->unmapped, x->occupied, gp->pmd_nr - x->occupied, gp->pmd_nr);
	}
	x->enabled = mthp_enabled_orders(gp, d->s.model, d->s.mode, &d->s.thp,
					 d->s.vma_flags);
	MTHP_OPTS(o, .model = d->s.model, .mode = d->s.mode, .orders = x->enabled,
		  .max_ptes_none = d->s.max_ptes_none, .unmapped = x->unmapped,
		  .uffd = d->s.vma_flags & MTHP_VMA_UFFD, .collapse = decide_cb,
		  .data = d, .steps = x->steps, .steps_cap = x->cap);
	MTHP_RESULT(res);
	int r = mthp_collapse(gp, x->map, gp->max_ptrs, &o, &res);

	if (r)
		errx(1, "decide: the engine refused the input (%s)", strerror(-r));
	x->res = res;
	x->nsteps = res.nsteps < x->cap ? res.nsteps : x->cap;
	x->nattempts = mthp_steps_split(x->steps, x->nsteps, x->attempts, x->collapses,
					&x->ncollapses);
}

static void decide_json(const struct decide *d, const struct decide_run *x)
{
	const struct mthp_geometry *gp = &d->s.geometry;
	struct json j;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_header(&j, "decide", &d->s, x->enabled);
	json_kuint(&j, "occupied", x->occupied);
	json_kuint(&j, "unmapped", x->unmapped);
	json_steps(&j, x->steps, x->nsteps);
	json_attempts(&j, x->attempts, x->nattempts);
	json_collapses(&j, x->collapses, x->ncollapses);
	json_kuint(&j, "collapsed", x->res.collapsed);
	json_key(&j, "stack");
	json_begin_object(&j);
	json_kuint(&j, "capacity", x->res.stack_capacity);
	json_kuint(&j, "deepest", x->res.max_stack_depth);
	json_kuint(&j, "bound", mthp_stack_depth_bound(gp));
	json_end_object(&j);
	json_kbool(&j, "invalid_max_ptes_none", x->res.invalid_none);
	json_kstring(&j, "result", mthp_scan_result_name(x->res.result));
	json_end_object(&j);
}

static void decide_text(const struct decide *d, const struct decide_run *x)
{
	const struct mthp_geometry *gp = &d->s.geometry;

	cli_print_settings(stdout, NULL, &d->s, x->enabled);
	printf("occupied %u of %u PTEs, %u unmapped\n\n", x->occupied,
	       gp->pmd_nr, x->unmapped);
	printf("PTE table; collapsed ranges beneath, filled with their order:\n");
	cli_draw_scenario(stdout, &d->s, x->collapses, x->ncollapses);
	printf("\nranges examined, in order:\n");
	cli_print_steps(stdout, x->steps, x->nsteps);
	cli_print_attempts(stdout, gp, x->attempts, x->nattempts);
	printf("\ncollapsed %u PTEs in %zu range%s; result %s\n",
	       x->res.collapsed, x->ncollapses, x->ncollapses == 1 ? "" : "s",
	       mthp_scan_result_name(x->res.result));
	if (x->res.stack_capacity)
		printf("stack: deepest %u entries, %u reserved by %s, bound %u\n",
		       x->res.max_stack_depth, x->res.stack_capacity,
		       mthp_model_name(d->s.model), mthp_stack_depth_bound(gp));
	if (x->res.invalid_none)
		printf("note: max_ptes_none %u is neither 0 nor %u\n",
		       d->s.max_ptes_none, gp->pmd_nr - 1);
}

int cmd_decide(int argc, char **argv)
{
	struct sim_opts so = { 0 };
	struct decide d = { .otherwise = MTHP_SCAN_SUCCEED };
	const char *unmapped_arg = NULL;
	const char *arg = decide_args(argc, argv, &so, &d, &unmapped_arg);
	struct mthp_geometry g;
	struct mthp_parse_error e;
	struct decide_run x = { 0 };

	sim_geometry(&so, &g);
	if (mthp_scenario_init(&d.s, &g))
		err(1, "out of memory");
	if (arg[0] == '@') {
		map_file(&d.s, arg + 1);
	} else if (mthp_scenario_set(&d.s, "ptes", arg, &e)) {
		errx(EXIT_INPUT, "MAP:1:%u: %s", e.col, e.msg);
	}
	sim_apply(&so, &d.s);
	decide_run(&d, unmapped_arg, &x);
	if (so.json)
		decide_json(&d, &x);
	else
		decide_text(&d, &x);
	free(x.map);
	free(x.steps);
	free(x.attempts);
	free(x.collapses);
	mthp_scenario_free(&d.s);
	return 0;
}
