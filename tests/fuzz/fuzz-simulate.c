// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: parse, then simulate. The first byte forces a
 * geometry (or not), the next lines are command-line style overrides
 * ("key=value", as mthpsim's settings options pass them to
 * mthp_scenario_set()), the rest is scenario text. Whatever parses is
 * visited three times (khugepaged's next visits). Checks: a refused
 * input leaves a terminated message; a visit never lowers the pages
 * present; every collapse lies in the table, aligned, of an enabled order.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mthpcollapse/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void terminated(const struct mthp_parse_error *e)
{
	if (!memchr(e->msg, 0, sizeof(e->msg)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mthp_scenario s;
	struct mthp_parse_error e;
	struct mthp_sim_result r;
	struct mthp_geometry g;
	const struct mthp_geometry *force = NULL;
	const char *p = (const char *)data, *end = p + size;

	if (!size)
		return 0;
	if (data[0] & 0x80 &&
	    !mthp_geometry_lookup(mthp_geometry_name(data[0] % mthp_geometry_count()),
				  &g, NULL, 0))
		force = &g;
	p++;
	/* up to four override lines "key=value\n" before a line "--\n" */
	char over[4][2][64];
	int nover = 0;
	const char *sep = memmem(p, (size_t)(end - p), "--\n", 3);

	if (sep) {
		for (const char *l = p; l < sep && nover < 4;) {
			const char *nl = memchr(l, '\n', (size_t)(sep - l));
			const char *eq = memchr(l, '=', (size_t)((nl ? nl : sep) - l));
			size_t ll = (size_t)((nl ? nl : sep) - l);

			if (eq && (size_t)(eq - l) < 63 && ll - (size_t)(eq - l) < 64) {
				memcpy(over[nover][0], l, (size_t)(eq - l));
				over[nover][0][eq - l] = 0;
				memcpy(over[nover][1], eq + 1, ll - (size_t)(eq - l) - 1);
				over[nover][1][ll - (size_t)(eq - l) - 1] = 0;
				nover++;
			}
			l = nl ? nl + 1 : sep;
		}
		p = sep + 3;
	}
	if (mthp_scenario_parse(p, (size_t)(end - p), force, &s, &e)) {
		terminated(&e);
		mthp_scenario_free(&s);
		return 0;
	}
	for (int i = 0; i < nover; i++)
		if (mthp_scenario_set(&s, over[i][0], over[i][1], &e))
			terminated(&e);
	if (mthp_sim_result_init(&r, &s.geometry)) {
		mthp_scenario_free(&s);
		return 0;
	}
	unsigned int nr = s.geometry.pmd_nr;

	for (int visit = 0; visit < 3; visit++) {
		unsigned int before = mthp_scenario_present(&s);

		if (mthp_simulate(&s, &r))
			abort(); /* a parsed and set scenario is always valid */
		if (mthp_scenario_present(&s) < before)
			abort();
		for (size_t i = 0; i < r.ncollapses; i++) {
			unsigned int len = 1u << r.collapses[i].order;

			if (r.collapses[i].offset & (len - 1) ||
			    r.collapses[i].offset + len > nr ||
			    !(r.enabled_orders & len))
				abort();
		}
	}
	mthp_sim_result_free(&r);
	mthp_scenario_free(&s);
	return 0;
}
