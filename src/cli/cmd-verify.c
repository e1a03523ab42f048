// SPDX-License-Identifier: MIT
/*
 * mthpsim verify: checks the claims reviewers made of the series and the
 * engine's invariants, by running the engine itself. Exits 0 when every
 * claim holds, 1 (with a minimal counterexample) when one does not.
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "oracle-cli.h"
#include "mthpcollapse/verify.h"

/* Run-length form of a bitmap (P occupied, . none), for mthpsim decide. */
static void print_map(const struct mthp_verify_case *in)
{
	static struct mthp_pte ptes[MTHP_MAX_PTRS];
	static char text[MTHP_MAX_PTRS * 8];

	for (unsigned int i = 0; i < in->geometry.pmd_nr; i++)
		ptes[i] = (struct mthp_pte){
			.kind = mthp_test_bit(i, in->bitmap) ? MTHP_PTE_PRESENT
							     : MTHP_PTE_NONE,
			.flags = mthp_test_bit(i, in->bitmap) ? MTHP_PTE_YOUNG : 0 };
	mthp_map_format(ptes, in->geometry.pmd_nr, text, sizeof(text));
	printf("'%s'", text);
}

/* The ranges the case's answer fails under model m, as --fail options. */
static void print_fails(const struct mthp_verify_case *in, enum mthp_model m)
{
	static struct mthp_step steps[1u << 13];
	MTHP_OPTS(o, .model = m, .orders = in->orders,
		  .max_ptes_none = in->max_ptes_none,
		  .collapse = mthp_verify_answer, .data = (void *)in,
		  .steps = steps, .steps_cap = sizeof(steps) / sizeof(steps[0]));
	MTHP_RESULT(res);

	if (mthp_collapse(&in->geometry, in->bitmap, MTHP_MAX_PTRS, &o, &res))
		return;
	for (size_t i = 0; i < res.nsteps; i++)
		if (steps[i].kind == MTHP_STEP_ATTEMPTED &&
		    steps[i].result != MTHP_SCAN_SUCCEED)
			printf(" --fail %u:%u=%s", steps[i].offset, steps[i].order,
			       mthp_scan_result_name(steps[i].result));
}

static void print_counterexample(const struct mthp_claim_report *c,
				 bool pairwise, enum mthp_model other)
{
	const struct mthp_verify_case *in = &c->counter;
	char orders[64];

	cli_format_orders(orders, sizeof(orders), in->orders);
	printf("    %s\n    counterexample (run each line to see):\n", c->why);
	for (int w = 0; w < (pairwise ? 2 : 1); w++) {
		enum mthp_model m = w ? other : in->model;

		printf("      %s decide --geometry %s --model %s --orders %s --max-ptes-none %u",
		       getprogname(), in->geometry.name, mthp_model_name(m),
		       orders, in->max_ptes_none);
		if (in->answer == MTHP_VERIFY_FAIL)
			printf(" --all-fail %s",
			       mthp_scan_result_name(MTHP_SCAN_EXCEED_NONE_PTE));
		if (in->answer == MTHP_VERIFY_MIXED)
			print_fails(in, m);
		printf(" ");
		print_map(in);
		printf("\n");
	}
}

static void show_progress(void *ctx, size_t done, size_t total)
{
	(void)ctx;
	cli_progress("verify", done, total);
}

static void usage_verify(FILE *f)
{
	fprintf(f,
"usage: mthpsim verify [--models STACK,WALK] [--seed S] [--exhaustive] [--json]\n"
"\n"
"Checks, by running the engine:\n"
"  1. the stack search (default v15) and the walk (default v19) attempt the\n"
"     same ranges in the same order, when every attempt succeeds and when\n"
"     every attempt fails with a try-lower result: every bitmap of\n"
"     custom:12:16:16 with every order set, and random bitmaps on every\n"
"     named geometry, for max_ptes_none 0 and HPAGE_PMD_NR-1;\n"
"  2. every model's collapses are disjoint, aligned, of enabled orders, meet\n"
"     the threshold, and (max_ptes_none = HPAGE_PMD_NR-1) come from the\n"
"     highest enabled order holding an occupied PTE;\n"
"  3. the stack never exceeds PMD_ORDER - 1 entries, within every reserve;\n"
"  4. bits past HPAGE_PMD_NR never change a decision.\n"
"Exit 0 when all hold; 1 with a minimal counterexample otherwise.\n"
"--exhaustive checks 50 times as many random bitmaps. A progress line goes\n"
"to standard error when it is a terminal.\n");
}

/* What verify was asked, and what it found. */
struct verify_run {
	enum mthp_model models[2];
	unsigned int seed, per_geometry;
	bool json, exhaustive;
	struct mthp_verify_result res;
	size_t failed;
};

enum { O_MODELS = O_OWN, O_SEED, O_EXHAUSTIVE };

static const struct option verify_longopts[] = {
	{ "models", required_argument, NULL, O_MODELS },
	{ "seed", required_argument, NULL, O_SEED },
	{ "exhaustive", no_argument, NULL, O_EXHAUSTIVE },
	{ "json", no_argument, NULL, O_JSON },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

static void verify_options(int argc, char **argv, struct verify_run *v)
{
	const char *pair = "v15,v19";
	int c;

	while ((c = getopt_long(argc, argv, "h", verify_longopts, NULL)) != -1) {
		switch (c) {
		case O_MODELS: pair = optarg; break;
		case O_SEED: v->seed = cli_uint("--seed", optarg, 4000000000u); break;
		case O_EXHAUSTIVE: v->per_geometry = 150 * 50; v->exhaustive = true; break;
		case O_JSON: v->json = true; break;
		case 'h':
		case O_HELP: usage_verify(stdout); exit(0);
		default: usage_verify(stderr); exit(EXIT_INPUT);
		}
	}
	if (optind != argc)
		errx(EXIT_INPUT, "verify: unexpected argument '%s'", argv[optind]);
	if (cli_parse_models(pair, v->models, 2, 2) != 2)
		errx(EXIT_INPUT, "--models: name exactly two models");
}

static void verify_json(const struct verify_run *v)
{
	struct json j;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_kstring(&j, "command", "verify");
	json_key(&j, "settings");
	json_begin_object(&j);
	json_key(&j, "models");
	json_begin_array(&j);
	json_string(&j, mthp_model_name(v->models[0]));
	json_string(&j, mthp_model_name(v->models[1]));
	json_end_array(&j);
	json_kuint(&j, "seed", v->seed);
	json_kbool(&j, "exhaustive", v->exhaustive);
	json_kuint(&j, "random_per_geometry", v->per_geometry);
	json_end_object(&j);
	json_key(&j, "claims");
	json_begin_array(&j);
	for (size_t i = 0; i < MTHP_CLAIM_COUNT; i++) {
		const struct mthp_claim_report *cl = &v->res.claims[i];

		json_begin_object(&j);
		json_kstring(&j, "claim", cl->key);
		json_kstring(&j, "text", cl->text);
		json_kuint(&j, "cases", cl->cases);
		json_kbool(&j, "holds", cl->holds);
		if (!cl->holds)
			json_kstring(&j, "why", cl->why);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_kuint(&j, "cases", v->res.cases);
	json_kbool(&j, "holds", v->res.holds);
	json_end_object(&j);
}

static void verify_text(const struct verify_run *v)
{
	/* the equivalence compares the two models; the rest each model */
	const bool pairwise[MTHP_CLAIM_COUNT] = { [MTHP_CLAIM_EQUIVALENCE] = true };

	for (size_t i = 0; i < MTHP_CLAIM_COUNT; i++) {
		const struct mthp_claim_report *cl = &v->res.claims[i];

		printf("  [%s] %s: %lu cases\n", cl->holds ? "ok" : "FAILED",
		       cl->text, cl->cases);
		if (cl->has_counter)
			print_counterexample(cl, pairwise[i], v->models[1]);
		else if (!cl->holds)
			printf("    %s\n", cl->why);
	}
	if (v->failed)
		printf("verify: %zu of %d claims FAILED (%lu cases)\n", v->failed,
		       MTHP_CLAIM_COUNT, v->res.cases);
	else
		printf("verify: all %d claims hold (%lu cases)\n", MTHP_CLAIM_COUNT,
		       v->res.cases);
}

int cmd_verify(int argc, char **argv)
{
	struct verify_run v = { .seed = 1, .per_geometry = 150,
				.res = { .sz = sizeof(v.res) } };

	verify_options(argc, argv, &v);
	MTHP_VERIFY_OPTS(vo, .stack_model = v.models[0],
			 .walk_model = v.models[1], .seed = v.seed,
			 .random_per_geometry = v.per_geometry,
			 .progress = show_progress);

	cli_progress("verify", 0, 2 + mthp_geometry_count());
	int e = mthp_verify(&vo, &v.res);

	cli_progress_done();
	if (e)
		errx(EXIT_INPUT, "verify: %s", strerror(-e));
	if (!v.json)
		printf("verify: %s vs %s; invariants over %zu models\n",
		       mthp_model_name(v.models[0]),
		       mthp_model_name(v.models[1]), v.res.models);
	for (size_t i = 0; i < MTHP_CLAIM_COUNT; i++)
		v.failed += !v.res.claims[i].holds;
	if (v.json)
		verify_json(&v);
	else
		verify_text(&v);
	return v.failed ? 1 : 0;
}
