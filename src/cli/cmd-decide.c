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

	for (size_t i = 0; i < d->s.nfails; i++)
		if (d->s.fails[i].range.offset == r->offset &&
		    d->s.fails[i].range.order == r->order)
			return d->s.fails[i].result;
	return d->otherwise;
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

int cmd_decide(int argc, char **argv)
{
	enum { O_UNMAPPED = O_OWN, O_ALL_FAIL };
	static const struct option longopts[] = {
		SIM_LONGOPTS,
		{ "unmapped", required_argument, NULL, O_UNMAPPED },
		{ "all-fail", required_argument, NULL, O_ALL_FAIL },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_opts so = { 0 };
	struct decide d = { .otherwise = MTHP_SCAN_SUCCEED };
	const char *unmapped_arg = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (sim_option(c, optarg, &so))
			continue;
		switch (c) {
		case O_UNMAPPED: unmapped_arg = optarg; break;
		case O_ALL_FAIL:
			d.otherwise = cli_result("--all-fail", optarg);
			break;
		case 'h':
		case O_HELP: usage_decide(stdout); return 0;
		default: usage_decide(stderr); return EXIT_INPUT;
		}
	}
	if (optind != argc - 1) {
		usage_decide(stderr);
		errx(EXIT_INPUT, "decide: expected one MAP argument, got %d",
		     argc - optind);
	}
	struct mthp_geometry g;
	struct mthp_parse_error e;
	const char *arg = argv[optind];

	sim_geometry(&so, &g);
	if (mthp_scenario_init(&d.s, &g))
		err(1, "out of memory");
	if (arg[0] == '@') {
		map_file(&d.s, arg + 1);
	} else if (mthp_scenario_set(&d.s, "ptes", arg, &e)) {
		errx(EXIT_INPUT, "MAP:1:%u: %s", e.col, e.msg);
	}
	sim_apply(&so, &d.s);

	const struct mthp_geometry *gp = &d.s.geometry;
	unsigned long *map = calloc(mthp_bitmap_longs(gp->max_ptrs),
				    sizeof(unsigned long));
	size_t cap = mthp_collapse_max_steps(gp);
	struct mthp_step *steps = calloc(cap, sizeof(*steps));
	struct mthp_attempt *attempts = calloc(cap, sizeof(*attempts));
	struct mthp_range *collapses = calloc(cap, sizeof(*collapses));

	if (!map || !steps || !attempts || !collapses)
		err(1, "calloc");
	unsigned int unmapped = occupancy(&d.s, map);
	unsigned int occupied = mthp_bitmap_weight(map, gp->pmd_nr);

	if (unmapped_arg) {
		unmapped = cli_uint("--unmapped", unmapped_arg, gp->pmd_nr);
		if (occupied + unmapped > gp->pmd_nr)
			errx(EXIT_INPUT,
			     "--unmapped %u: the map has %u occupied PTEs, so at most %u of the %u can be unmapped",
			     unmapped, occupied, gp->pmd_nr - occupied, gp->pmd_nr);
	}
	uint32_t enabled = mthp_enabled_orders(gp, d.s.model, d.s.mode, &d.s.thp,
					       d.s.vma_flags);
	MTHP_OPTS(o, .model = d.s.model, .mode = d.s.mode, .orders = enabled,
		  .max_ptes_none = d.s.max_ptes_none, .unmapped = unmapped,
		  .uffd = d.s.vma_flags & MTHP_VMA_UFFD, .collapse = decide_cb,
		  .data = &d, .steps = steps, .steps_cap = cap);
	MTHP_RESULT(res);
	int r = mthp_collapse(gp, map, gp->max_ptrs, &o, &res);

	if (r)
		errx(1, "decide: the engine refused the input (%s)", strerror(-r));
	size_t nsteps = res.nsteps < cap ? res.nsteps : cap, ncollapses;
	size_t nattempts = mthp_steps_split(steps, nsteps, attempts, collapses,
				       &ncollapses);

	if (so.json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_object(&j);
		json_header(&j, "decide", &d.s, enabled);
		json_kuint(&j, "occupied", occupied);
		json_kuint(&j, "unmapped", unmapped);
		json_steps(&j, steps, nsteps);
		json_attempts(&j, attempts, nattempts);
		json_collapses(&j, collapses, ncollapses);
		json_kuint(&j, "collapsed", res.collapsed);
		json_key(&j, "stack");
		json_begin_object(&j);
		json_kuint(&j, "capacity", res.stack_capacity);
		json_kuint(&j, "deepest", res.max_stack_depth);
		json_kuint(&j, "bound", mthp_stack_depth_bound(gp));
		json_end_object(&j);
		json_kbool(&j, "invalid_max_ptes_none", res.invalid_none);
		json_kstring(&j, "result", mthp_scan_result_name(res.result));
		json_end_object(&j);
	} else {
		cli_print_settings(stdout, NULL, &d.s, enabled);
		printf("occupied %u of %u PTEs, %u unmapped\n\n", occupied,
		       gp->pmd_nr, unmapped);
		printf("PTE table; collapsed ranges beneath, filled with their order:\n");
		cli_draw_scenario(stdout, &d.s, collapses, ncollapses);
		printf("\nranges examined, in order:\n");
		cli_print_steps(stdout, steps, nsteps);
		cli_print_attempts(stdout, gp, attempts, nattempts);
		printf("\ncollapsed %u PTEs in %zu range%s; result %s\n",
		       res.collapsed, ncollapses, ncollapses == 1 ? "" : "s",
		       mthp_scan_result_name(res.result));
		if (res.stack_capacity)
			printf("stack: deepest %u entries, %u reserved by %s, bound %u\n",
			       res.max_stack_depth, res.stack_capacity,
			       mthp_model_name(d.s.model), mthp_stack_depth_bound(gp));
		if (res.invalid_none)
			printf("note: max_ptes_none %u is neither 0 nor %u\n",
			       d.s.max_ptes_none, gp->pmd_nr - 1);
	}
	free(map);
	free(steps);
	free(attempts);
	free(collapses);
	mthp_scenario_free(&d.s);
	return 0;
}
