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
