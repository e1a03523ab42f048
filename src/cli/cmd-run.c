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
"FILE may be '-' for standard input. The format is in README.md.\n"
"\n"
"options (each overrides the file):\n"
"  --model NAME         kernel model\n"
"  --geometry NAME      page-table geometry (the PTE map must fit it)\n"
"  --mode MODE          khugepaged or madvise\n"
"  --max-ptes-none N    --max-ptes-swap N    --max-ptes-shared N\n"
"  --enabled SETTING    top-level THP setting: always, madvise, never\n"
"  --order K=SETTING    one size's setting, e.g. --order 4=always (repeatable)\n"
"  --json               print JSON instead of the readable report\n"
"\n"
"Exit status: 0 when the simulation ran, whatever it decided; 2 for bad\n"
"input, with FILE:LINE:COL in the message.\n");
}

static unsigned long size_kb(const struct mthp_geometry *g, unsigned int order)
{
	return ((1ul << order) << g->page_shift) >> 10;
}

static void print_stats(const struct mthp_scenario *s,
			const struct mthp_sim_result *r)
{
	bool any = false;

	printf("\nstatistics (hugepages-<size>kB/stats/):\n");
	for (unsigned int k = 0; k <= s->geometry.pmd_order; k++) {
		bool shown = false;

		for (int st = 0; st < MTHP_STAT_COUNT; st++) {
			if (!r->stats[k][st])
				continue;
			if (!shown)
				printf("  hugepages-%lukB:", size_kb(&s->geometry, k));
			printf(" %s %lu", mthp_stat_name((enum mthp_stat)st),
			       r->stats[k][st]);
			shown = any = true;
		}
		if (shown)
			printf("\n");
	}
	if (!mthp_model_has_size_stats(s->model))
		printf("  (none: model %s predates the per-size counters)\n",
		       mthp_model_name(s->model));
	else if (!any)
		printf("  (all zero)\n");
	any = false;
	printf("/proc/vmstat events:");
	for (int v = 0; v < MTHP_VMSTAT_COUNT; v++) {
		if (!r->vmstat[v])
			continue;
		printf(" %s %lu", mthp_vmstat_name((enum mthp_vmstat)v),
		       r->vmstat[v]);
		any = true;
	}
	printf("%s\n", any ? "" : " (all zero)");
}

static void print_text(const char *path, const struct mthp_scenario *before,
		       const struct mthp_scenario *s,
		       const struct mthp_sim_result *r)
{
	const struct mthp_geometry *g = &s->geometry;
	char orders[64];

	format_orders(orders, sizeof(orders), r->enabled_orders);
	printf("%s: model %s, %s mode\n", path, mthp_model_name(s->model),
	       mthp_mode_name(s->mode));
	printf("geometry %s: %u PTEs of %luK, PMD order %u (%luK); MAX_PTRS_PER_PTE %u\n",
	       g->name, g->pmd_nr, size_kb(g, 0), g->pmd_order,
	       size_kb(g, g->pmd_order), g->max_ptrs);
	printf("max_ptes_none %u, max_ptes_swap %u, max_ptes_shared %u; orders enabled: %s%s%s%s\n",
	       s->max_ptes_none, s->max_ptes_swap, s->max_ptes_shared, orders,
	       s->vma_flags & MTHP_VMA_HUGEPAGE ? "; VMA hugepage" : "",
	       s->vma_flags & MTHP_VMA_NOHUGEPAGE ? "; VMA nohugepage" : "",
	       s->vma_flags & MTHP_VMA_UFFD ? "; VMA uffd-armed" : "");

	if (before->pmd == MTHP_PMD_TABLE) {
		printf("\nthe PTE table before the visit; ranges collapsed beneath, filled with their order:\n");
		printf("  (P/p present young/old, S/s shared, w swap, . none, z zero page; README lists all)\n");
		draw_scenario(stdout, before, r->collapses, r->ncollapses);
	} else {
		printf("\nPMD: %s\n", before->pmd == MTHP_PMD_NONE
				     ? "no PTE table" : "already mapped by a PMD");
	}

	printf("\nscan: %s", mthp_scan_result_name(r->scan.result));
	if (r->scan.result != MTHP_SCAN_SUCCEED)
		printf(" (%s)", result_words(r->scan.result));
	if (r->scan.ran)
		printf("\n  none_or_zero %u, unmapped %u, shared %u, referenced %u, occupied %u\n",
		       r->scan.none_or_zero, r->scan.unmapped, r->scan.shared,
		       r->scan.referenced, r->scan.occupied);
	else
		printf("\n  (the table was not scanned)\n");

	if (r->scan.result == MTHP_SCAN_SUCCEED) {
		printf("\nranges examined, in order:\n");
		print_steps(stdout, r->steps,
			    r->engine.nsteps < r->cap ? r->engine.nsteps : r->cap);
		printf("\nattempts:\n");
		if (!r->nattempts)
			printf("  none\n");
		for (size_t i = 0; i < r->nattempts; i++) {
			const struct mthp_attempt *a = &r->attempts[i];

			printf("  %zu. offset %u, order %u (%lukB), %u occupied: %s - %s\n",
			       i + 1, a->offset, a->order, size_kb(g, a->order),
			       a->occupied, mthp_scan_result_name(a->result),
			       result_words(a->result));
		}
	}
	print_stats(s, r);

	unsigned int p0 = mthp_scenario_present(before), p1 = mthp_scenario_present(s);

	printf("\nresult: %s - %s", mthp_scan_result_name(r->result),
	       result_words(r->result));
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
	const struct mthp_geometry *g = &s->geometry;

	json_kstring(j, "model", mthp_model_name(s->model));
	json_kstring(j, "geometry", g->name);
	json_kstring(j, "mode", mthp_mode_name(s->mode));
	json_key(j, "enabled_orders");
	json_begin_array(j);
	for (unsigned int k = 0; k <= g->pmd_order; k++)
		if (r->enabled_orders & (1u << k))
			json_uint(j, k);
	json_end_array(j);
	json_scan(j, &r->scan);
	json_key(j, "attempts");
	json_begin_array(j);
	for (size_t i = 0; i < r->nattempts; i++) {
		json_begin_object(j);
		json_kuint(j, "offset", r->attempts[i].offset);
		json_kuint(j, "order", r->attempts[i].order);
		json_kuint(j, "occupied", r->attempts[i].occupied);
		json_kstring(j, "result", mthp_scan_result_name(r->attempts[i].result));
		json_end_object(j);
	}
	json_end_array(j);
	json_key(j, "collapses");
	json_begin_array(j);
	for (size_t i = 0; i < r->ncollapses; i++) {
		json_begin_object(j);
		json_kuint(j, "offset", r->collapses[i].offset);
		json_kuint(j, "order", r->collapses[i].order);
		json_end_object(j);
	}
	json_end_array(j);
	json_kstring(j, "result", mthp_scan_result_name(r->result));
	json_kuint(j, "present_before", mthp_scenario_present(before));
	json_kuint(j, "present_after", mthp_scenario_present(s));
	json_steps(j, r->steps, r->engine.nsteps < r->cap ? r->engine.nsteps : r->cap);
	json_key(j, "stats");
	json_begin_object(j);
	for (unsigned int k = 0; k <= g->pmd_order; k++) {
		bool any = false;
		char name[48];

		for (int st = 0; st < MTHP_STAT_COUNT; st++)
			any |= r->stats[k][st] != 0;
		if (!any)
			continue;
		snprintf(name, sizeof(name), "hugepages-%lukB", size_kb(g, k));
		json_key(j, name);
		json_begin_object(j);
		for (int st = 0; st < MTHP_STAT_COUNT; st++)
			json_kuint(j, mthp_stat_name((enum mthp_stat)st), r->stats[k][st]);
		json_end_object(j);
	}
	json_end_object(j);
	json_key(j, "vmstat");
	json_begin_object(j);
	for (int v = 0; v < MTHP_VMSTAT_COUNT; v++)
		if (r->vmstat[v])
			json_kuint(j, mthp_vmstat_name((enum mthp_vmstat)v),
				   r->vmstat[v]);
	json_end_object(j);
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
	struct scenario_overrides ov = { 0 };
	struct mthp_scenario s, before;
	struct mthp_sim_result r;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "", scenario_longopts, NULL)) != -1) {
		if (scenario_options(c, optarg, &ov))
			continue;
		if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			usage_run(stdout);
			return 0;
		} else {
			usage_run(stderr);
			return EXIT_INPUT;
		}
	}
	if (optind != argc - 1) {
		usage_run(stderr);
		errx(EXIT_INPUT, "run: expected one FILE, got %d", argc - optind);
	}
	load_with_overrides(argv[optind], &ov, &s);
	scenario_copy(&before, &s);
	if (mthp_sim_result_init(&r, &s.geometry))
		err(1, "out of memory");
	int e = mthp_simulate(&s, &r);

	if (e)
		errx(1, "run: the simulation refused the scenario (%s)", strerror(-e));
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_object(&j);
		json_kstring(&j, "command", "run");
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
