// SPDX-License-Identifier: MIT
/*
 * What predict for one process (cmd-predict.c) and for many
 * (cmd-predict-all.c) share: the totals as JSON, the --compare columns,
 * and reading a --compare setting.
 */
#include <err.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "mthpcollapse/space.h"

void predict_json_totals(struct json *j, const struct mthp_geometry *g,
			 const struct mthp_space_totals *t)
{
	char k[16];

	json_kuint(j, "pmd_ranges", t->pmd_ranges);
	json_kuint(j, "scanned", t->scanned);
	json_kuint(j, "not_eligible", t->not_eligible);
	json_kuint(j, "already_huge", t->already_huge);
	json_kuint(j, "no_table", t->no_table);
	json_key(j, "collapses");
	json_begin_object(j);
	for (unsigned int o = MTHP_MIN_ORDER; o <= g->pmd_order; o++)
		if (t->collapses[o]) {
			snprintf(k, sizeof(k), "%u", o);
			json_kuint(j, k, t->collapses[o]);
		}
	json_end_object(j);
	json_kuint(j, "present_before", t->present_before);
	json_kuint(j, "present_after", t->present_after);
	json_kuint(j, "added_kib", (t->present_after - t->present_before) *
				   ((1ul << g->page_shift) >> 10));
	for (int w = 0; w < 2; w++) {
		json_key(j, w ? "huge_after" : "huge_before");
		json_begin_object(j);
		for (unsigned int o = MTHP_MIN_ORDER; o <= g->pmd_order; o++) {
			unsigned long v = w ? t->huge_after[o] : t->huge_before[o];

			if (!v)
				continue;
			snprintf(k, sizeof(k), "%u", o);
			json_kuint(j, k, v);
		}
		json_end_object(j);
	}
	json_key(j, "results");
	json_begin_object(j);
	for (int r = 0; r < MTHP_SCAN_RESULT_COUNT; r++)
		if (t->results[r])
			json_kuint(j, mthp_scan_result_name(r), t->results[r]);
	json_end_object(j);
	json_kuint(j, "rounds", t->rounds);
}

void predict_json_compare(struct json *j, const struct mthp_geometry *g,
			  const char *const *compare, size_t ncols,
			  const struct mthp_space_totals *totals)
{
	json_key(j, "compare");
	json_begin_array(j);
	for (size_t col = 1; col < ncols; col++) {
		json_begin_object(j);
		json_kstring(j, "settings", compare[col - 1]);
		json_key(j, "total");
		json_begin_object(j);
		predict_json_totals(j, g, &totals[col]);
		json_end_object(j);
		json_end_object(j);
	}
	json_end_array(j);
}

/* --compare "k=v,k=v": each a settings key through the one setter. */
void predict_apply_compare(const char *spec, struct mthp_scenario *s)
{
	char buf[256];

	if (strlcpy(buf, spec, sizeof(buf)) >= sizeof(buf))
		errx(EXIT_INPUT, "--compare: '%.40s...' is too long", spec);
	for (char *kv = buf, *next; kv; kv = next) {
		next = strchr(kv, ',');
		if (next)
			*next++ = 0;
		char *eq = strchr(kv, '=');
		struct mthp_parse_error e;

		if (!eq || eq == kv)
			errx(EXIT_INPUT, "--compare %s: '%s' is not KEY=VALUE", spec, kv);
		*eq = 0;
		if (mthp_scenario_set(s, kv, eq + 1, &e))
			errx(EXIT_INPUT, "--compare %s: %s", spec, e.msg);
	}
}

