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
#include "oracle.h"

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
"options: --max N (default 64), --json, and run's overrides (--model,\n"
"--geometry, --mode, --max-ptes-none, --max-ptes-swap, --max-ptes-shared,\n"
"--enabled, --order K=SETTING)\n");
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
		json_key(&o->j, "collapses");
		json_begin_array(&o->j);
		for (size_t i = 0; i < r->ncollapses; i++) {
			json_begin_object(&o->j);
			json_kuint(&o->j, "offset", r->collapses[i].offset);
			json_kuint(&o->j, "order", r->collapses[i].order);
			json_end_object(&o->j);
		}
		json_end_array(&o->j);
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
	draw_scenario(stdout, s, r->collapses, r->ncollapses);
}

int cmd_rounds(int argc, char **argv)
{
	struct scenario_overrides ov = { 0 };
	struct rounds_out o = { 0 };
	struct mthp_scenario s;
	unsigned int max = 64;
	const struct option longopts[] = {
		scenario_longopts[0], scenario_longopts[1], scenario_longopts[2],
		scenario_longopts[3], scenario_longopts[4], scenario_longopts[5],
		scenario_longopts[6], scenario_longopts[7],
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "max", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (scenario_options(c, optarg, &ov))
			continue;
		switch (c) {
		case 'j': o.json = true; break;
		case 'x': max = cli_uint("--max", optarg, 100000); break;
		case 'h': usage_rounds(stdout); return 0;
		default: usage_rounds(stderr); return EXIT_INPUT;
		}
	}
	if (optind != argc - 1) {
		usage_rounds(stderr);
		errx(EXIT_INPUT, "rounds: expected one FILE, got %d", argc - optind);
	}
	load_with_overrides(argv[optind], &ov, &s);
	unsigned int initial = mthp_scenario_present(&s);
	bool converged;

	if (o.json) {
		json_init(&o.j, stdout);
		json_begin_object(&o.j);
		json_kstring(&o.j, "command", "rounds");
		json_kstring(&o.j, "model", mthp_model_name(s.model));
		json_kstring(&o.j, "geometry", s.geometry.name);
		json_key(&o.j, "rounds");
		json_begin_array(&o.j);
	} else {
		printf("%s: model %s, geometry %s, max_ptes_none %u; %u pages present\n",
		       argv[optind], mthp_model_name(s.model), s.geometry.name,
		       s.max_ptes_none, initial);
	}
	unsigned int n = run_rounds(&s, max, each_round, &o, &converged);
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

		format_orders(orders, sizeof(orders), o.orders_created);
		printf("\nrounds: %u round%s collapsed something; %s; pages present %u -> %u (+%u, %lu KiB added); orders created: %s\n",
		       n, n == 1 ? "" : "s",
		       converged ? "converged" : "stopped at --max, still changing",
		       initial, final, final - initial, kb, orders);
	}
	mthp_scenario_free(&s);
	return 0;
}
