// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the parsers mthpsim's command line uses, which are
 * the library's - the PTE map codec (MAP, @FILE), the settings setter
 * (--orders, --order K=, --fail, --vma, --max-ptes-*), the number syntax
 * and geometry names. The first byte picks one, the rest is its text.
 * Checks: messages are terminated; a map that parses formats back to text
 * that parses to the same PTEs; a number that parses is digits only and
 * within its bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mthpcollapse/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mthp_pte a[MTHP_MAX_PTRS], b[MTHP_MAX_PTRS];
static char text[MTHP_MAX_PTRS * 8];

static void terminated(const struct mthp_parse_error *e)
{
	if (!memchr(e->msg, 0, sizeof(e->msg)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"orders", "order.4", "order.09", "fail", "vma", "max_ptes_none",
		"max_ptes_swap", "model", "mode", "enabled", "pmd", "folio",
	};
	struct mthp_parse_error e;
	struct mthp_geometry g;

	if (size < 2)
		return 0;
	const char *t = (const char *)data + 2;
	size_t len = size - 2;

	mthp_geometry_lookup(mthp_geometry_name(data[1] % mthp_geometry_count()),
			     &g, NULL, 0);
	switch (data[0] % 4) {
	case 0: /* a map */
		if (mthp_map_parse(t, len, &g, a, MTHP_MAX_PTRS, &e)) {
			terminated(&e);
			break;
		}
		if (mthp_map_format(a, g.pmd_nr, text, sizeof(text)) >= sizeof(text) ||
		    mthp_map_parse(text, strlen(text), &g, b, MTHP_MAX_PTRS, &e))
			abort();
		for (unsigned int i = 0; i < g.pmd_nr; i++)
			if (a[i].kind != b[i].kind || a[i].flags != b[i].flags)
				abort();
		break;
	case 1: { /* a setting, as a command-line option gives it */
		struct mthp_scenario s;
		char *v = malloc(len + 1);

		if (!v || mthp_scenario_init(&s, &g))
			abort();
		memcpy(v, t, len);
		v[len] = 0;
		if (mthp_scenario_set(&s, keys[data[1] % 12], v, &e))
			terminated(&e);
		free(v);
		mthp_scenario_free(&s);
		break;
	}
	case 2: { /* a number */
		unsigned long n, hi = 1ul << (data[1] % 40);

		if (mthp_parse_number(t, len, "n", 0, hi, &n, &e)) {
			terminated(&e);
			break;
		}
		if (!len || n > hi)
			abort();
		for (size_t i = 0; i < len; i++)
			if (t[i] < '0' || t[i] > '9')
				abort();
		break;
	}
	default: { /* a geometry name */
		char name[128], err[160];
		size_t l = len < sizeof(name) - 1 ? len : sizeof(name) - 1;
		struct mthp_geometry out;

		memcpy(name, t, l);
		name[l] = 0;
		if (!mthp_geometry_lookup(name, &out, err, sizeof(err)) &&
		    !mthp_geometry_valid(&out))
			abort();
		break;
	}
	}
	return 0;
}
