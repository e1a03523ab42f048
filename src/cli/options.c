// SPDX-License-Identifier: MIT
/* Parsing of the options the mthpsim commands share. */
#include <stdlib.h>
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_geometry(const char *opt, const char *arg, struct mthp_geometry *g)
{
	char msg[200];

	if (mthp_geometry_lookup(arg, g, msg, sizeof(msg)))
		errx(EXIT_INPUT, "%s: %s", opt, msg);
}

enum mthp_model cli_model(const char *opt, const char *arg)
{
	enum mthp_model m;
	char names[200] = "";

	if (!mthp_model_from_name(arg, &m))
		return m;
	for (int i = 0; i < MTHP_MODEL_COUNT; i++) {
		strlcat(names, i ? ", " : "", sizeof(names));
		strlcat(names, mthp_model_name((enum mthp_model)i), sizeof(names));
	}
	errx(EXIT_INPUT, "%s: unknown model '%s' (one of: %s)", opt, arg, names);
}

enum mthp_mode cli_mode(const char *opt, const char *arg)
{
	enum mthp_mode m;

	if (mthp_mode_from_name(arg, &m))
		errx(EXIT_INPUT, "%s: unknown mode '%s' (khugepaged or madvise)",
		     opt, arg);
	return m;
}

unsigned int cli_uint(const char *opt, const char *arg, unsigned int max)
{
	const char *why = NULL;
	long long v = strtonum(arg, 0, max, &why);

	if (why)
		errx(EXIT_INPUT, "%s: '%s' is %s (allowed 0..%u)", opt, arg, why,
		     max);
	return (unsigned int)v;
}

enum mthp_scan_result cli_result(const char *opt, const char *arg)
{
	enum mthp_scan_result r;

	if (mthp_scan_result_from_name(arg, &r))
		errx(EXIT_INPUT, "%s: '%s' is not a SCAN_* result name", opt, arg);
	return r;
}

/* One order number of an --orders list. */
static unsigned int order_number(const char *opt, const char *s, size_t len,
				 const struct mthp_geometry *g)
{
	char buf[16];
	const char *why = NULL;

	if (!len || len >= sizeof(buf))
		errx(EXIT_INPUT, "%s: empty or overlong order in the list", opt);
	memcpy(buf, s, len);
	buf[len] = 0;
	long long v = strtonum(buf, MTHP_MIN_ORDER, g->pmd_order, &why);

	if (why)
		errx(EXIT_INPUT,
		     "%s: order '%s' is %s (%s allows orders %u..%u)", opt, buf,
		     why, g->name, MTHP_MIN_ORDER, g->pmd_order);
	return (unsigned int)v;
}

uint32_t cli_orders(const char *opt, const char *arg,
		    const struct mthp_geometry *g)
{
	uint32_t all = mthp_orders_all(g);
	uint32_t orders = 0;

	if (!strcmp(arg, "all"))
		return all;
	if (!strcmp(arg, "pmd"))
		return 1u << g->pmd_order;
	if (!strcmp(arg, "none"))
		return 0;
	for (const char *p = arg; *p;) {
		size_t len = strcspn(p, ",");
		const char *dash = memchr(p, '-', len);
		unsigned int lo, hi;

		if (dash) {
			lo = order_number(opt, p, (size_t)(dash - p), g);
			hi = order_number(opt, dash + 1, len - (size_t)(dash - p) - 1, g);
			if (lo > hi)
				errx(EXIT_INPUT, "%s: range %u-%u is backwards",
				     opt, lo, hi);
		} else {
			lo = hi = order_number(opt, p, len, g);
		}
		for (unsigned int k = lo; k <= hi; k++)
			orders |= 1u << k;
		p += len;
		if (*p == ',' && !*++p)
			errx(EXIT_INPUT, "%s: trailing comma", opt);
	}
	return orders;
}

void format_orders(char *buf, size_t len, uint32_t orders)
{
	buf[0] = 0;
	if (!orders) {
		strlcpy(buf, "none", len);
		return;
	}
	for (unsigned int k = 0; k < 32;) {
		if (!(orders & (1u << k))) {
			k++;
			continue;
		}
		unsigned int hi = k;

		while (hi + 1 < 32 && (orders & (1u << (hi + 1))))
			hi++;
		char part[16];

		if (hi == k)
			snprintf(part, sizeof(part), "%s%u", buf[0] ? "," : "", k);
		else
			snprintf(part, sizeof(part), "%s%u-%u", buf[0] ? "," : "",
				 k, hi);
		strlcat(buf, part, len);
		k = hi + 1;
	}
}
