// SPDX-License-Identifier: MIT
/*
 * mthpsim rounds: khugepaged's visits, one after another, on the evolving
 * table, until a visit collapses nothing. Shows creep (docs/MODELS.md section 9).
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "oracle-cli.h"

struct rounds_out {
	bool json;
	struct json j;
	uint32_t orders_created;
};

static void usage_rounds(FILE *f)
{
	fprintf(f,
"usage: mthpsim rounds [options] FILE\n"
"\n"
"Repeats scan, decide and attempt on the table FILE describes, each visit\n"
"seeing what the previous ones collapsed, until a visit collapses nothing\n"
"(converged) or --max visits have collapsed something.\n"
"\n"
"FILE may be '-' for standard input.\n"
"\n"
"  --max N              at most N visits that collapse (default 64)\n");
	sim_options_help(f);
}

static void each_round(void *ctx, unsigned int round,
		       const struct mthp_scenario *s,
		       const struct mthp_sim_result *r)
{
	struct rounds_out *o = ctx;

	for (size_t i = 0; i < r->ncollapses; i++)
		o->orders_created |= 1u << r->collapses[i].order;
	if (o->json) {
		json_begin_object(&o->j);
		json_kuint(&o->j, "round", round);
		json_collapses(&o->j, r->collapses, r->ncollapses);
		json_kuint(&o->j, "present", mthp_scenario_present(s));
		json_end_object(&o->j);
		return;
	}
	printf("\nround %u: %zu collapse%s", round, r->ncollapses,
	       r->ncollapses == 1 ? "" : "s");
	for (size_t i = 0; i < r->ncollapses && i < 8; i++)
		printf("%s(%u, order %u)", i ? " " : ": ", r->collapses[i].offset,
		       r->collapses[i].order);
	if (r->ncollapses > 8)
		printf(" ...");
	printf("; %u pages present\n", mthp_scenario_present(s));
	cli_draw_scenario(stdout, s, r->collapses, r->ncollapses);
}

int cmd_rounds(int argc, char **argv)
{
	struct sim_opts so = { 0 };
	struct rounds_out o = { 0 };
	struct mthp_scenario s;
	unsigned int max = 64;
	enum { O_MAX = O_OWN };
	const struct option longopts[] = {
		SIM_LONGOPTS,
		{ "max", required_argument, NULL, O_MAX },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (sim_option(c, optarg, &so))
			continue;
		switch (c) {
		case O_MAX: max = cli_uint("--max", optarg, 100000); break;
		case 'h':
		case O_HELP: usage_rounds(stdout); return 0;
		default: usage_rounds(stderr); return EXIT_INPUT;
		}
	}
	o.json = so.json;
	if (optind != argc - 1) {
		usage_rounds(stderr);
		errx(EXIT_INPUT, "rounds: expected one FILE, got %d", argc - optind);
	}
	sim_load(argv[optind], &so, &s);
	uint32_t enabled = mthp_enabled_orders(&s.geometry, s.model, s.mode,
					       &s.thp, s.vma_flags);
	unsigned int initial = mthp_scenario_present(&s);
	bool converged;

	if (o.json) {
		json_init(&o.j, stdout);
		json_begin_object(&o.j);
		json_header(&o.j, "rounds", &s, enabled);
		json_key(&o.j, "rounds");
		json_begin_array(&o.j);
	} else {
		cli_print_settings(stdout, cli_input_name(argv[optind]), &s, enabled);
		printf("%u pages present\n", initial);
	}
	unsigned int n = cli_run_rounds(&s, max, each_round, &o, &converged);
	unsigned int final = mthp_scenario_present(&s);

	if (o.json) {
		json_end_array(&o.j);
		json_kbool(&o.j, "converged", converged);
		json_kuint(&o.j, "present_initial", initial);
		json_kuint(&o.j, "present_final", final);
		json_end_object(&o.j);
	} else {
		char orders[64];
		unsigned long kb = (unsigned long)(final - initial) << s.geometry.page_shift >> 10;

		cli_format_orders(orders, sizeof(orders), o.orders_created);
		printf("\nrounds: %u round%s collapsed something; %s; pages present %u -> %u (+%u, %lu KiB added); orders created: %s\n",
		       n, n == 1 ? "" : "s",
		       converged ? "converged" : "stopped at --max, still changing",
		       initial, final, final - initial, kb, orders);
	}
	mthp_scenario_free(&s);
	return 0;
}
