// SPDX-License-Identifier: MIT
/*
 * mthpsim diff: the same scenarios under two or more models; report every
 * scenario whose attempts, collapses or result differ.
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "oracle-cli.h"

#define MAX_MODELS 8

static void usage_diff(FILE *f)
{
	fprintf(f,
"usage: mthpsim diff [options] [FILE|DIR|- ...]\n"
"\n"
"Runs each scenario under every model named and reports those whose\n"
"attempts, collapses or result differ from the first model's. A DIR\n"
"stands for its *.scn files; '-' reads one scenario from standard input.\n"
"Every input is read and checked before anything is printed.\n"
"\n"
"  --models A,B,...     models to compare (default v15,v19)\n"
"  --random N           also generate N scenarios (geometry: --geometry)\n"
"  --seed S             seed for --random (default 1)\n"
"  --write DIR          write the generated scenarios to DIR/random-N.scn\n"
"  --show N             draw the first N differences in full (default 3)\n"
"The settings below apply to every scenario (--model is --models' job).\n");
	sim_options_help(f);
}

struct diff {
	enum mthp_model models[MAX_MODELS];
	size_t nmodels;
	bool json;
	unsigned int show, shown;
	size_t scenarios, differ, d_attempts, d_collapses, d_result;
	struct json j;
	struct mthp_sim_result r;
	unsigned int r_order; /* r is sized for PMD orders up to this */
};

static void describe(struct diff *d, const char *name,
		     const struct mthp_scenario *s, const struct outcome *o,
		     size_t m, long first)
{
	const struct outcome *a = &o[0], *b = &o[m];
	const char *ma = mthp_model_name(d->models[0]);
	const char *mb = mthp_model_name(d->models[m]);

	char models[96];

	printf("\n%s: %s and %s differ\n", name, ma, mb);
	snprintf(models, sizeof(models), "models %s and %s", ma, mb);
	/* the scenario's own model line would name neither */
	cli_print_settings_as(stdout, NULL, models, s,
			      mthp_enabled_orders(&s->geometry, d->models[m], s->mode,
						  &s->thp, s->vma_flags));
	if (first >= 0) {
		printf("  first different attempt, #%ld:\n", first + 1);
		for (int w = 0; w < 2; w++) {
			const struct outcome *x = w ? b : a;

			if ((size_t)first < x->nattempts)
				printf("    %-12s (%u, order %u) %s\n", w ? mb : ma,
				       x->attempts[first].offset,
				       x->attempts[first].order,
				       mthp_scan_result_name(x->attempts[first].result));
			else
				printf("    %-12s (no attempt)\n", w ? mb : ma);
		}
	}
	printf("  result: %s %s, %s %s\n", ma, mthp_scan_result_name(a->result),
	       mb, mthp_scan_result_name(b->result));
	if (d->shown++ >= d->show || s->pmd != MTHP_PMD_TABLE)
		return;
	printf("  collapses under %s:\n", ma);
	cli_draw_scenario(stdout, s, a->collapses, a->ncollapses);
	printf("  collapses under %s:\n", mb);
	cli_draw_scenario(stdout, s, b->collapses, b->ncollapses);
}

static void json_difference(struct diff *d, const char *name,
			    const struct mthp_scenario *s,
			    const struct outcome *o, size_t m, long first)
{
	json_begin_object(&d->j);
	json_kstring(&d->j, "scenario", name);
	json_settings(&d->j, s, mthp_enabled_orders(&s->geometry, s->model,
						    s->mode, &s->thp,
						    s->vma_flags));
	json_kstring(&d->j, "model", mthp_model_name(d->models[m]));
	json_kbool(&d->j, "attempts_differ", first >= 0);
	json_kbool(&d->j, "collapses_differ", !same_collapses(&o[0], &o[m]));
	json_kbool(&d->j, "result_differs", o[0].result != o[m].result);
	json_key(&d->j, "results");
	json_begin_object(&d->j);
	json_kstring(&d->j, mthp_model_name(d->models[0]),
		     mthp_scan_result_name(o[0].result));
	json_kstring(&d->j, mthp_model_name(d->models[m]),
		     mthp_scan_result_name(o[m].result));
	json_end_object(&d->j);
	if (first >= 0)
		json_kuint(&d->j, "first_different_attempt", (unsigned long)first);
	json_end_object(&d->j);
}

/* One scenario under every model; s is freed. */
static void compare(struct diff *d, const char *name, struct mthp_scenario s)
{
	struct outcome o[MAX_MODELS];
	bool any = false;
	if (!d->r.steps || s.geometry.pmd_order > d->r_order) {
		mthp_sim_result_free(&d->r);
		if (mthp_sim_result_init(&d->r, &s.geometry))
			err(1, "out of memory");
		d->r_order = s.geometry.pmd_order;
	}
	for (size_t m = 0; m < d->nmodels; m++)
		oracle_run_model(&s, d->models[m], &d->r, &o[m]);
	d->scenarios++;
	for (size_t m = 1; m < d->nmodels; m++) {
		long first = first_attempt_difference(&o[0], &o[m]);
		bool cd = !same_collapses(&o[0], &o[m]);
		bool rd = o[0].result != o[m].result;

		if (first < 0 && !cd && !rd)
			continue;
		if (!any) {
			d->differ++;
			any = true;
		}
		d->d_attempts += first >= 0;
		d->d_collapses += cd;
		d->d_result += rd;
		if (d->json)
			json_difference(d, name, &s, o, m, first);
		else
			describe(d, name, &s, o, m, first);
	}
	for (size_t m = 0; m < d->nmodels; m++)
		outcome_free(&o[m]);
	mthp_scenario_free(&s);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The inputs, all loaded before anything is printed. */
struct inputs {
	char **names;
	struct mthp_scenario *s;
	size_t n;
};

static void add_input(struct inputs *in, const char *path,
		      const struct sim_opts *so)
{
	in->names = realloc(in->names, (in->n + 1) * sizeof(*in->names));
	in->s = realloc(in->s, (in->n + 1) * sizeof(*in->s));
	if (!in->names || !in->s || !(in->names[in->n] = strdup(cli_input_name(path))))
		err(1, "malloc");
	sim_load(path, so, &in->s[in->n]);
	in->n++;
}

static void add_path(struct inputs *in, const char *path,
		     const struct sim_opts *so)
{
	struct stat st;

	if (!strcmp(path, "-")) {
		add_input(in, path, so);
		return;
	}
	if (stat(path, &st))
		err(EXIT_INPUT, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		add_input(in, path, so);
		return;
	}
	DIR *dir = opendir(path);
	char **names = NULL;
	size_t n = 0;

	if (!dir)
		err(EXIT_INPUT, "%s", path);
	for (struct dirent *de; (de = readdir(dir));) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 4, ".scn"))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names || asprintf(&names[n], "%s%s%s", path,
						  path[strlen(path) - 1] == '/' ? "" : "/",
						  de->d_name) < 0)
			err(1, "malloc");
		/* a FIFO or a device would be waited on */
		struct stat est;

		if (stat(names[n], &est) || !S_ISREG(est.st_mode))
			errx(EXIT_INPUT, "%s: not a regular file", names[n]);
		n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		add_input(in, names[i], so);
		free(names[i]);
	}
	free(names);
}

/* What the command line asks of diff. */
struct diff_args {
	struct sim_opts so;
	const char *models, *write;
	unsigned int random, seed;
};

enum { O_MODELS = O_OWN, O_RANDOM, O_SEED, O_WRITE, O_SHOW };

static const struct option diff_longopts[] = {
	SIM_LONGOPTS,
	{ "models", required_argument, NULL, O_MODELS },
	{ "random", required_argument, NULL, O_RANDOM },
	{ "seed", required_argument, NULL, O_SEED },
	{ "write", required_argument, NULL, O_WRITE },
	{ "show", required_argument, NULL, O_SHOW },
	{ NULL, 0, NULL, 0 },
};

static void diff_options(int argc, char **argv, struct diff_args *a, struct diff *d)
{
	int c;

	while ((c = getopt_long(argc, argv, "h", diff_longopts, NULL)) != -1) {
		if (c == O_MODEL)
			errx(EXIT_INPUT, "diff: --model: use --models A,B,... to name the models");
		if (sim_option(c, optarg, &a->so))
			continue;
		switch (c) {
		case O_MODELS: a->models = optarg; break;
		case O_RANDOM: a->random = cli_uint("--random", optarg, 10000000); break;
		case O_SEED: a->seed = cli_uint("--seed", optarg, 4000000000u); break;
		case O_WRITE: a->write = optarg; break;
		case O_SHOW: d->show = cli_uint("--show", optarg, 1000); break;
		case 'h':
		case O_HELP: usage_diff(stdout); exit(0);
		default: usage_diff(stderr); exit(EXIT_INPUT);
		}
	}
	if (!a->random && optind == argc) {
		usage_diff(stderr);
		errx(EXIT_INPUT, "diff: give scenario files, a directory, or --random N");
	}
}

/* A random scenario's text kept in the --write directory. */
static void diff_write(const struct diff_args *a, const char *name, const char *text)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s.scn", a->write, name) < 0)
		err(1, "malloc");
	f = fopen(path, "w");
	if (!f || fprintf(f, "# mthpsim diff --random, seed %u\n%s", a->seed, text) < 0 ||
	    fclose(f))
		err(1, "%s", path);
	free(path);
}

/* The random scenarios, each compared as it is made. */
static void diff_random(const struct diff_args *a, const struct mthp_geometry *g,
			struct diff *d)
{
	struct rng r = { a->seed };
	char *text = malloc(GEN_MAX_TEXT);

	if (!text)
		err(1, "malloc");
	for (unsigned int i = 0; i < a->random; i++) {
		char name[64];
		struct mthp_scenario s;
		struct mthp_parse_error e;

		oracle_gen_scenario(&r, g, text, GEN_MAX_TEXT);
		snprintf(name, sizeof(name), "random-%u", i + 1);
		if (a->write)
			diff_write(a, name, text);
		if (mthp_scenario_parse(text, strlen(text), g, &s, &e))
			errx(1, "internal error: generated scenario %s did not parse: %u:%u: %s",
			     name, e.line, e.col, e.msg);
		sim_apply(&a->so, &s);
		compare(d, name, s);
		cli_progress("diff", i + 1, a->random);
	}
	free(text);
	cli_progress_done();
}

static void diff_begin_json(struct diff *d)
{
	json_init(&d->j, stdout);
	json_begin_object(&d->j);
	json_kstring(&d->j, "command", "diff");
	json_key(&d->j, "models");
	json_begin_array(&d->j);
	for (size_t m = 0; m < d->nmodels; m++)
		json_string(&d->j, mthp_model_name(d->models[m]));
	json_end_array(&d->j);
	json_key(&d->j, "differences");
	json_begin_array(&d->j);
}

static void diff_end(struct diff *d)
{
	char names[128] = "";

	for (size_t m = 0; m < d->nmodels; m++) {
		strlcat(names, m ? "," : "", sizeof(names));
		strlcat(names, mthp_model_name(d->models[m]), sizeof(names));
	}
	if (d->json) {
		json_end_array(&d->j);
		json_kuint(&d->j, "scenarios", d->scenarios);
		json_kuint(&d->j, "differ", d->differ);
		json_kuint(&d->j, "attempts_differ", d->d_attempts);
		json_kuint(&d->j, "collapses_differ", d->d_collapses);
		json_kuint(&d->j, "results_differ", d->d_result);
		json_end_object(&d->j);
	} else {
		printf("%sdiff %s: %zu scenarios, %zu differ (attempts %zu, collapses %zu, results %zu)\n",
		       d->differ ? "\n" : "", names, d->scenarios, d->differ,
		       d->d_attempts, d->d_collapses, d->d_result);
	}
}

int cmd_diff(int argc, char **argv)
{
	static struct diff d;
	struct diff_args a = { .models = "v15,v19", .seed = 1 };
	struct inputs in = { 0 };
	struct mthp_geometry g;
	struct stat st;

	d.show = 3;
	diff_options(argc, argv, &a, &d);
	d.json = a.so.json;
	d.nmodels = cli_parse_models(a.models, d.models, MAX_MODELS, 2);
	sim_geometry(&a.so, &g);
	if (a.write && mkdir(a.write, 0777) && errno != EEXIST)
		err(EXIT_INPUT, "--write %s", a.write);
	if (a.write && (stat(a.write, &st) || !S_ISDIR(st.st_mode)))
		errx(EXIT_INPUT, "--write %s: not a directory", a.write);
	for (int i = optind; i < argc; i++)
		add_path(&in, argv[i], &a.so);
	if (d.json)
		diff_begin_json(&d);
	for (size_t i = 0; i < in.n; i++) {
		compare(&d, in.names[i], in.s[i]);
		free(in.names[i]);
	}
	free(in.names);
	free(in.s);
	diff_random(&a, &g, &d);
	mthp_sim_result_free(&d.r);
	diff_end(&d);
	return 0;
}
