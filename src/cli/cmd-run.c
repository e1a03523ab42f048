// SPDX-License-Identifier: MIT
/* mthpsim run: simulate one khugepaged visit of a scenario file. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "mthpcollapse/sim.h"

static void usage_run(FILE *f)
{
	fprintf(f,
"usage: mthpsim run [options] FILE\n"
"\n"
"Simulates one khugepaged (or MADV_COLLAPSE) visit of the PMD range a\n"
"scenario file describes: the scan, the decisions, each collapse attempt.\n"
"FILE may be '-' for standard input; the format is mthpsim-scenario(5).\n"
"\n");
	sim_options_help(f);
	fprintf(f,
"\n"
"Exit status: 0 when the simulation ran, whatever it decided; 2 for bad\n"
"input, with FILE:LINE:COL in the message.\n");
}

static void print_text(const char *path, const struct mthp_scenario *before,
		       const struct mthp_scenario *s,
		       const struct mthp_sim_result *r)
{
	const struct mthp_geometry *g = &s->geometry;

	cli_print_settings(stdout, cli_input_name(path), before, r->enabled_orders);

	if (before->pmd == MTHP_PMD_TABLE) {
		printf("\nthe PTE table before the visit; ranges collapsed beneath, filled with their order:\n");
		printf("  (P/p present young/old, S/s shared, w swap, . none, z zero page; mthpsim-scenario(5) lists all)\n");
		cli_draw_scenario(stdout, before, r->collapses, r->ncollapses);
	} else {
		printf("\nPMD: %s\n", before->pmd == MTHP_PMD_NONE
				     ? "no PTE table" : "already mapped by a PMD");
	}

	printf("\nscan: %s", mthp_scan_result_name(r->scan.result));
	if (r->scan.result != MTHP_SCAN_SUCCEED)
		printf(" (%s)", mthp_scan_result_words(r->scan.result));
	if (r->scan.ran)
		printf("\n  none_or_zero %u, unmapped %u, shared %u, referenced %u, occupied %u\n",
		       r->scan.none_or_zero, r->scan.unmapped, r->scan.shared,
		       r->scan.referenced, r->scan.occupied);
	else
		printf("\n  (the table was not scanned)\n");

	if (r->scan.result == MTHP_SCAN_SUCCEED) {
		printf("\nranges examined, in order:\n");
		cli_print_steps(stdout, r->steps,
			    r->engine.nsteps < r->cap ? r->engine.nsteps : r->cap);
		cli_print_attempts(stdout, g, r->attempts, r->nattempts);
	}
	cli_print_stats(s, r);

	unsigned int p0 = mthp_scenario_present(before), p1 = mthp_scenario_present(s);

	printf("\nresult: %s - %s", mthp_scan_result_name(r->result),
	       mthp_scan_result_words(r->result));
	if (r->ncollapses)
		printf(": %zu range%s, %u PTEs", r->ncollapses,
		       r->ncollapses == 1 ? "" : "s", r->engine.collapsed);
	printf("\npages present: %u before, %u after (%+d)\n", p0, p1,
	       (int)p1 - (int)p0);
}

static void json_scan(struct json *j, const struct mthp_scan_info *scan)
{
	json_key(j, "scan");
	json_begin_object(j);
	json_kstring(j, "result", mthp_scan_result_name(scan->result));
	json_kbool(j, "ran", scan->ran);
	json_kuint(j, "none_or_zero", scan->none_or_zero);
	json_kuint(j, "unmapped", scan->unmapped);
	json_kuint(j, "shared", scan->shared);
	json_kuint(j, "referenced", scan->referenced);
	json_kuint(j, "occupied", scan->occupied);
	json_end_object(j);
}

void json_run(struct json *j, const struct mthp_scenario *before,
	      const struct mthp_scenario *s, const struct mthp_sim_result *r)
{
	json_header(j, "run", before, r->enabled_orders);
	json_scan(j, &r->scan);
	json_attempts(j, r->attempts, r->nattempts);
	json_collapses(j, r->collapses, r->ncollapses);
	json_kstring(j, "result", mthp_scan_result_name(r->result));
	json_kuint(j, "present_before", mthp_scenario_present(before));
	json_kuint(j, "present_after", mthp_scenario_present(s));
	json_steps(j, r->steps, r->engine.nsteps < r->cap ? r->engine.nsteps : r->cap);
	json_stats(j, s, r);
	json_key(j, "events");
	json_begin_array(j);
	for (size_t i = 0; i < r->nevents; i++) {
		const struct mthp_event *ev = &r->events[i];

		json_begin_object(j);
		json_kstring(j, "event", mthp_event_name(ev->type));
		json_kuint(j, "order", ev->order);
		if (ev->type != MTHP_EVENT_SCAN)
			json_kuint(j, "offset", ev->offset);
		json_kstring(j, "status", mthp_scan_result_name(ev->status));
		switch (ev->type) {
		case MTHP_EVENT_SCAN:
			json_kuint(j, "referenced", ev->referenced);
			json_kuint(j, "none_or_zero", ev->none_or_zero);
			json_kuint(j, "unmapped", ev->unmapped);
			break;
		case MTHP_EVENT_ISOLATE:
			json_kuint(j, "none_or_zero", ev->none_or_zero);
			json_kuint(j, "shared", ev->shared);
			json_kuint(j, "referenced", ev->referenced);
			break;
		case MTHP_EVENT_SWAPIN:
			json_kuint(j, "swapped_in", ev->swapped_in);
			break;
		case MTHP_EVENT_COLLAPSE:
			break;
		}
		json_end_object(j);
	}
	json_end_array(j);
}


int cmd_run(int argc, char **argv)
{
	struct sim_opts o = { 0 };
	struct mthp_scenario s, before;
	struct mthp_sim_result r;
	int c;

	while ((c = getopt_long(argc, argv, "h", sim_longopts, NULL)) != -1) {
		if (sim_option(c, optarg, &o))
			continue;
		if (c == O_HELP || c == 'h') {
			usage_run(stdout);
			return 0;
		}
		usage_run(stderr);
		return EXIT_INPUT;
	}
	if (optind != argc - 1) {
		usage_run(stderr);
		errx(EXIT_INPUT, "run: expected one FILE, got %d", argc - optind);
	}
	sim_load(argv[optind], &o, &s);
	bool json = o.json;

	cli_scenario_copy(&before, &s);
	if (mthp_sim_result_init(&r, &s.geometry))
		err(1, "out of memory");
	int e = mthp_simulate(&s, &r);

	if (e)
		errx(1, "run: the simulation refused the scenario (%s)", strerror(-e));
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_object(&j);
		json_run(&j, &before, &s, &r);
		json_end_object(&j);
	} else {
		print_text(argv[optind], &before, &s, &r);
	}
	mthp_sim_result_free(&r);
	mthp_scenario_free(&s);
	mthp_scenario_free(&before);
	return 0;
}
