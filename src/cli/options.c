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

/* A name the library checks, refused in the library's words. */
static void library_word(const char *opt, const char *key, const char *arg)
{
	struct mthp_scenario s;
	struct mthp_geometry g;
	struct mthp_parse_error e;

	if (mthp_geometry_lookup("x86_64", &g, NULL, 0) ||
	    mthp_scenario_init(&s, &g))
		err(1, "out of memory");
	int r = mthp_scenario_set(&s, key, arg, &e);

	mthp_scenario_free(&s);
	if (r)
		errx(EXIT_INPUT, "%s %s: %s", opt, arg, e.msg);
}

enum mthp_model cli_model(const char *opt, const char *arg)
{
	enum mthp_model m;

	if (mthp_model_from_name(arg, &m)) {
		library_word(opt, "model", arg);
		errx(EXIT_INPUT, "%s %s: not a model", opt, arg);
	}
	return m;
}

/* The one number syntax of every input (the library's): digits only. */
unsigned int cli_uint(const char *opt, const char *arg, unsigned int max)
{
	struct mthp_parse_error e;
	unsigned long v;

	if (mthp_parse_number(arg, strlen(arg), "value", 0, max, &v, &e))
		errx(EXIT_INPUT, "%s: %s", opt, e.msg);
	return (unsigned int)v;
}

enum mthp_scan_result cli_result(const char *opt, const char *arg)
{
	enum mthp_scan_result r;

	if (mthp_scan_result_from_name(arg, &r))
		errx(EXIT_INPUT, "%s: '%s' is not a SCAN_* result name", opt, arg);
	return r;
}

void cli_format_orders(char *buf, size_t len, uint32_t orders)
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
