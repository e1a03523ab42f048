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
#include "oracle.h"

#define MAX_MODELS 8

static void usage_diff(FILE *f)
{
	fprintf(f,
"usage: mthpsim diff [options] [FILE|DIR ...]\n"
"\n"
"Runs each scenario under every model named and reports those whose\n"
"attempts, collapses or result differ from the first model's.\n"
"\n"
"options:\n"
"  --models A,B,...     models to compare (default v15,v19)\n"
"  --random N           also generate N scenarios\n"
"  --seed S             seed for --random (default 1)\n"
"  --geometry NAME      geometry of the generated scenarios (default x86_64)\n"
"  --write DIR          write the generated scenarios to DIR/random-N.scn\n"
"  --show N             draw the first N differences in full (default 3)\n"
"  --json               print JSON instead\n");
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

	printf("\n%s: %s and %s differ\n", name, ma, mb);
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
	draw_scenario(stdout, s, a->collapses, a->ncollapses);
	printf("  collapses under %s:\n", mb);
	draw_scenario(stdout, s, b->collapses, b->ncollapses);
}

static void json_difference(struct diff *d, const char *name,
			    const struct outcome *o, size_t m, long first)
{
	json_begin_object(&d->j);
	json_kstring(&d->j, "scenario", name);
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

/* One scenario under every model. */
static void compare(struct diff *d, const char *name, const char *text,
		    size_t len)
{
	struct mthp_scenario s;
	struct mthp_parse_error e;
	struct outcome o[MAX_MODELS];
	bool any = false;

	if (mthp_scenario_parse(text, len, NULL, &s, &e))
		errx(EXIT_INPUT, "%s:%u:%u: %s", name, e.line, e.col, e.msg);
	if (!d->r.steps || s.geometry.pmd_order > d->r_order) {
		mthp_sim_result_free(&d->r);
		if (mthp_sim_result_init(&d->r, &s.geometry))
			err(1, "out of memory");
		d->r_order = s.geometry.pmd_order;
	}
	for (size_t m = 0; m < d->nmodels; m++)
		run_model(&s, d->models[m], &d->r, &o[m]);
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
			json_difference(d, name, o, m, first);
		else
			describe(d, name, &s, o, m, first);
	}
	for (size_t m = 0; m < d->nmodels; m++)
		outcome_free(&o[m]);
	mthp_scenario_free(&s);
}

static void compare_file(struct diff *d, const char *path)
{
	size_t len;
	char *text = read_input(path, &len);

	compare(d, path, text, len);
	free(text);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void compare_path(struct diff *d, const char *path)
{
	struct stat st;

	if (stat(path, &st))
		err(EXIT_INPUT, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		compare_file(d, path);
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
		if (!names || asprintf(&names[n], "%s/%s", path, de->d_name) < 0)
			err(1, "malloc");
		n++;
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		compare_file(d, names[i]);
		free(names[i]);
	}
	free(names);
}

int cmd_diff(int argc, char **argv)
{
	enum { O_MODELS = 256, O_RANDOM, O_SEED, O_GEOMETRY, O_WRITE, O_SHOW,
	       O_JSON, O_HELP };
	static const struct option longopts[] = {
		{ "models", required_argument, NULL, O_MODELS },
		{ "random", required_argument, NULL, O_RANDOM },
		{ "seed", required_argument, NULL, O_SEED },
		{ "geometry", required_argument, NULL, O_GEOMETRY },
		{ "write", required_argument, NULL, O_WRITE },
		{ "show", required_argument, NULL, O_SHOW },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static struct diff d;
	const char *models = "v15,v19", *geometry = "x86_64", *write = NULL;
	unsigned int random = 0, seed = 1;
	int c;

	d.show = 3;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_MODELS: models = optarg; break;
		case O_RANDOM: random = cli_uint("--random", optarg, 10000000); break;
		case O_SEED: seed = cli_uint("--seed", optarg, 4000000000u); break;
		case O_GEOMETRY: geometry = optarg; break;
		case O_WRITE: write = optarg; break;
		case O_SHOW: d.show = cli_uint("--show", optarg, 1000); break;
		case O_JSON: d.json = true; break;
		case O_HELP: usage_diff(stdout); return 0;
		default: usage_diff(stderr); return EXIT_INPUT;
		}
	}
	d.nmodels = parse_models(models, d.models, MAX_MODELS, 2);
	if (!random && optind == argc) {
		usage_diff(stderr);
		errx(EXIT_INPUT, "diff: give scenario files, a directory, or --random N");
	}
	struct mthp_geometry g;

	cli_geometry("--geometry", geometry, &g);
	if (write && mkdir(write, 0777) && errno != EEXIST)
		err(EXIT_INPUT, "--write %s", write);
	if (d.json) {
		json_init(&d.j, stdout);
		json_begin_object(&d.j);
		json_kstring(&d.j, "command", "diff");
		json_key(&d.j, "models");
		json_begin_array(&d.j);
		for (size_t m = 0; m < d.nmodels; m++)
			json_string(&d.j, mthp_model_name(d.models[m]));
		json_end_array(&d.j);
		json_key(&d.j, "differences");
		json_begin_array(&d.j);
	}
	for (int i = optind; i < argc; i++)
		compare_path(&d, argv[i]);

	struct rng r = { seed };
	char *text = malloc(GEN_MAX_TEXT);

	if (!text)
		err(1, "malloc");
	for (unsigned int i = 0; i < random; i++) {
		char name[64];

		gen_scenario(&r, &g, text, GEN_MAX_TEXT);
		snprintf(name, sizeof(name), "random-%u", i + 1);
		if (write) {
			char *path;
			FILE *f;

			if (asprintf(&path, "%s/%s.scn", write, name) < 0)
				err(1, "malloc");
			f = fopen(path, "w");
			if (!f || fprintf(f, "# mthpsim diff --random, seed %u\n%s",
					  seed, text) < 0 || fclose(f))
				err(1, "%s", path);
			free(path);
		}
		compare(&d, name, text, strlen(text));
	}
	free(text);
	mthp_sim_result_free(&d.r);

	char names[128] = "";

	for (size_t m = 0; m < d.nmodels; m++) {
		strlcat(names, m ? "," : "", sizeof(names));
		strlcat(names, mthp_model_name(d.models[m]), sizeof(names));
	}
	if (d.json) {
		json_end_array(&d.j);
		json_kuint(&d.j, "scenarios", d.scenarios);
		json_kuint(&d.j, "differ", d.differ);
		json_kuint(&d.j, "attempts_differ", d.d_attempts);
		json_kuint(&d.j, "collapses_differ", d.d_collapses);
		json_kuint(&d.j, "results_differ", d.d_result);
		json_end_object(&d.j);
	} else {
		printf("%sdiff %s: %zu scenarios, %zu differ (attempts %zu, collapses %zu, results %zu)\n",
		       d.differ ? "\n" : "", names, d.scenarios, d.differ,
		       d.d_attempts, d.d_collapses, d.d_result);
	}
	return 0;
}
