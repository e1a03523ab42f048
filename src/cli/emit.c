// SPDX-License-Identifier: MIT
/*
 * One emitter per concept, shared by every command: the settings a run
 * used, the attempts, the collapses, the statistics. Each JSON key is
 * spelled here once, with the kernel's or sysfs's name where one exists.
 */
#include <string.h>

#include "cli.h"
#include "json.h"
#include "kernel-files.h"

unsigned long cli_size_kb(const struct mthp_geometry *g, unsigned int order)
{
	return mthp_order_kb(g->page_shift, order);
}

static const char *const pmd_state_names[] = { "table", "none", "mapped" };

void cli_print_settings(FILE *f, const char *what, const struct mthp_scenario *s,
		    uint32_t enabled)
{
	char model[48];

	snprintf(model, sizeof(model), "model %s", mthp_model_name(s->model));
	cli_print_settings_as(f, what, model, s, enabled);
}

void cli_print_settings_as(FILE *f, const char *what, const char *models,
			   const struct mthp_scenario *s, uint32_t enabled)
{
	const struct mthp_geometry *g = &s->geometry;
	char orders[64], vma[48];

	cli_format_orders(orders, sizeof(orders), enabled);
	mthp_vma_words(s->vma_flags, false, vma, sizeof(vma));
	fprintf(f, "%s%s%s, %s mode\n", what ? what : "", what ? ": " : "",
		models, mthp_mode_name(s->mode));
	fprintf(f, "geometry %s: %u PTEs of %luK, PMD order %u (%luK); MAX_PTRS_PER_PTE %u\n",
		g->name, g->pmd_nr, cli_size_kb(g, 0), g->pmd_order,
		cli_size_kb(g, g->pmd_order), g->max_ptrs);
	fprintf(f, "max_ptes_none %u, max_ptes_swap %u, max_ptes_shared %u; orders enabled: %s; VMA:%s\n",
		s->max_ptes_none, s->max_ptes_swap, s->max_ptes_shared, orders,
		vma[0] ? vma : " none");
}

void json_settings(struct json *j, const struct mthp_scenario *s,
		   uint32_t enabled)
{
	const struct mthp_geometry *g = &s->geometry;
	char name[48], vma[48];

	json_key(j, "settings");
	json_begin_object(j);
	json_kstring(j, "geometry", g->name);
	json_kuint(j, "page_size", 1ul << g->page_shift);
	json_kuint(j, "hpage_pmd_nr", g->pmd_nr);
	json_kuint(j, "max_ptrs_per_pte", g->max_ptrs);
	json_kuint(j, "hpage_pmd_order", g->pmd_order);
	json_kstring(j, "model", mthp_model_name(s->model));
	json_kstring(j, "mode", mthp_mode_name(s->mode));
	json_kuint(j, "max_ptes_none", s->max_ptes_none);
	json_kuint(j, "max_ptes_swap", s->max_ptes_swap);
	json_kuint(j, "max_ptes_shared", s->max_ptes_shared);
	json_kstring(j, "enabled", mthp_thp_setting_name(s->thp.enabled));
	for (unsigned int k = MTHP_MIN_ORDER; k <= g->pmd_order; k++) {
		snprintf(name, sizeof(name), "hugepages-%lukB", cli_size_kb(g, k));
		json_kstring(j, name, mthp_thp_setting_name(s->thp.order[k]));
	}
	json_key(j, "vma");
	json_begin_array(j);
	mthp_vma_words(s->vma_flags, false, vma, sizeof(vma));
	for (char *w = strtok(vma, " "); w; w = strtok(NULL, " "))
		json_string(j, w);
	json_end_array(j);
	json_kstring(j, "pmd", pmd_state_names[s->pmd]);
	json_end_object(j);
	json_key(j, "enabled_orders");
	json_begin_array(j);
	for (unsigned int k = 0; k <= g->pmd_order; k++)
		if (enabled & (1u << k))
			json_uint(j, k);
	json_end_array(j);
}

void json_header(struct json *j, const char *command,
		 const struct mthp_scenario *s, uint32_t enabled)
{
	json_kstring(j, "command", command);
	json_kstring(j, "model", mthp_model_name(s->model));
	json_kstring(j, "geometry", s->geometry.name);
	json_kstring(j, "mode", mthp_mode_name(s->mode));
	json_settings(j, s, enabled);
}

void json_attempts(struct json *j, const struct mthp_attempt *a, size_t n)
{
	json_key(j, "attempts");
	json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(j);
		json_kuint(j, "offset", a[i].offset);
		json_kuint(j, "order", a[i].order);
		json_kuint(j, "occupied", a[i].occupied);
		json_kstring(j, "result", mthp_scan_result_name(a[i].result));
		json_end_object(j);
	}
	json_end_array(j);
}

void json_collapses(struct json *j, const struct mthp_range *c, size_t n)
{
	json_key(j, "collapses");
	json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(j);
		json_kuint(j, "offset", c[i].offset);
		json_kuint(j, "order", c[i].order);
		json_end_object(j);
	}
	json_end_array(j);
}

void cli_print_attempts(FILE *f, const struct mthp_geometry *g,
		    const struct mthp_attempt *a, size_t n)
{
	fprintf(f, "\nattempts:\n");
	if (!n)
		fprintf(f, "  none\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %zu. offset %u, order %u (%lukB), %u occupied: %s - %s\n",
			i + 1, a[i].offset, a[i].order, cli_size_kb(g, a[i].order),
			a[i].occupied, mthp_scan_result_name(a[i].result),
			mthp_scan_result_words(a[i].result));
}

void json_stats(struct json *j, const struct mthp_scenario *s,
		const struct mthp_sim_result *r)
{
	const struct mthp_geometry *g = &s->geometry;

	json_key(j, "stats");
	json_begin_object(j);
	for (unsigned int k = 0; k <= g->pmd_order; k++) {
		bool any = false;
		char name[48];

		for (int st = 0; st < MTHP_STAT_COUNT; st++)
			any |= r->stats[k][st] != 0;
		if (!any)
			continue;
		snprintf(name, sizeof(name), "hugepages-%lukB", cli_size_kb(g, k));
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
}

void cli_print_stats(const struct mthp_scenario *s, const struct mthp_sim_result *r)
{
	bool any = false;

	printf("\nstatistics (hugepages-<size>kB/stats/):\n");
	for (unsigned int k = 0; k <= s->geometry.pmd_order; k++) {
		bool shown = false;

		for (int st = 0; st < MTHP_STAT_COUNT; st++) {
			if (!r->stats[k][st])
				continue;
			if (!shown)
				printf("  hugepages-%lukB:", cli_size_kb(&s->geometry, k));
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
