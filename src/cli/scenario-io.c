// SPDX-License-Identifier: MIT
/*
 * Loading scenarios for the commands: reading FILE or stdin, parsing with
 * located errors, the override options they share, copies and drawings.
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Reads a whole file (or stdin), refusing more than the format's limit. */
char *read_input(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, n = 0;
	char *buf;

	if (!f)
		err(EXIT_INPUT, "%s", path);
	buf = malloc(cap);
	if (!buf)
		err(1, "malloc");
	for (;;) {
		if (n == cap) {
			if (cap > MTHP_SCENARIO_MAX_BYTES)
				errx(EXIT_INPUT, "%s: larger than %u bytes",
				     path, MTHP_SCENARIO_MAX_BYTES);
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				err(1, "realloc");
		}
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		err(EXIT_INPUT, "%s", path);
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

/* Loads FILE into *s or exits 2 with FILE:LINE:COL: message. */
void load_scenario(const char *path, const struct mthp_geometry *force,
		   struct mthp_scenario *s)
{
	size_t len;
	char *text = read_input(path, &len);
	struct mthp_parse_error e;
	const char *name = strcmp(path, "-") ? path : "<stdin>";

	if (mthp_scenario_parse(text, len, force, s, &e)) {
		if (e.line)
			errx(EXIT_INPUT, "%s:%u:%u: %s", name, e.line, e.col, e.msg);
		errx(EXIT_INPUT, "%s: %s", name, e.msg);
	}
	free(text);
}

/* A copy of s whose PTE array is its own (for "before" drawings). */
void scenario_copy(struct mthp_scenario *dst, const struct mthp_scenario *s)
{
	*dst = *s;
	dst->ptes = malloc(s->geometry.pmd_nr * sizeof(*s->ptes));
	if (!dst->ptes)
		err(1, "malloc");
	memcpy(dst->ptes, s->ptes, s->geometry.pmd_nr * sizeof(*s->ptes));
}

/* Options common to run and the commands that replay scenarios. */
int scenario_options(int c, const char *arg, struct scenario_overrides *ov)
{
	switch (c) {
	case 'M': ov->model = arg; return 1;
	case 'G': ov->geometry = arg; return 1;
	case 'm': ov->mode = arg; return 1;
	case 'n': ov->none = arg; return 1;
	case 'w': ov->swap = arg; return 1;
	case 's': ov->shared = arg; return 1;
	case 'e': ov->enabled = arg; return 1;
	case 'o':
		if (ov->norder == sizeof(ov->order) / sizeof(ov->order[0]))
			errx(EXIT_INPUT, "--order: at most 16 of them");
		ov->order[ov->norder++] = arg;
		return 1;
	}
	return 0;
}

void load_with_overrides(const char *path, const struct scenario_overrides *ov,
			 struct mthp_scenario *s)
{
	struct mthp_geometry g;

	if (ov->geometry)
		cli_geometry("--geometry", ov->geometry, &g);
	load_scenario(path, ov->geometry ? &g : NULL, s);
	unsigned int max = s->geometry.pmd_nr - 1;

	if (ov->model)
		s->model = cli_model("--model", ov->model);
	if (ov->mode)
		s->mode = cli_mode("--mode", ov->mode);
	if (ov->none)
		s->max_ptes_none = cli_uint("--max-ptes-none", ov->none, max);
	if (ov->swap)
		s->max_ptes_swap = cli_uint("--max-ptes-swap", ov->swap, max);
	if (ov->shared)
		s->max_ptes_shared = cli_uint("--max-ptes-shared", ov->shared, max);
	if (ov->enabled && (mthp_thp_setting_from_name(ov->enabled, &s->thp.enabled) ||
			    s->thp.enabled == MTHP_THP_INHERIT))
		errx(EXIT_INPUT, "--enabled: '%s' is not always, madvise or never",
		     ov->enabled);
	for (size_t i = 0; i < ov->norder; i++) {
		char buf[32];
		char *eq;

		if (strlcpy(buf, ov->order[i], sizeof(buf)) >= sizeof(buf) ||
		    !(eq = strchr(buf, '=')))
			errx(EXIT_INPUT, "--order: '%s' is not K=SETTING (e.g. 4=always)",
			     ov->order[i]);
		*eq = 0;
		unsigned int k = cli_uint("--order K", buf, s->geometry.pmd_order);

		if (k < MTHP_MIN_ORDER)
			errx(EXIT_INPUT, "--order: order %u is below %u", k,
			     MTHP_MIN_ORDER);
		if (mthp_thp_setting_from_name(eq + 1, &s->thp.order[k]))
			errx(EXIT_INPUT, "--order: '%s' is not always, inherit, madvise or never",
			     eq + 1);
	}
}

const struct option scenario_longopts[] = {
	{ "model", required_argument, NULL, 'M' },
	{ "geometry", required_argument, NULL, 'G' },
	{ "mode", required_argument, NULL, 'm' },
	{ "max-ptes-none", required_argument, NULL, 'n' },
	{ "max-ptes-swap", required_argument, NULL, 'w' },
	{ "max-ptes-shared", required_argument, NULL, 's' },
	{ "enabled", required_argument, NULL, 'e' },
	{ "order", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void draw_scenario(FILE *f, const struct mthp_scenario *s,
		   const struct mthp_range *ranges, size_t n)
{
	char *cells = malloc(s->geometry.pmd_nr);

	if (!cells)
		err(1, "malloc");
	/* a PMD mapping maps every page of the range */
	for (unsigned int i = 0; i < s->geometry.pmd_nr; i++)
		cells[i] = s->pmd == MTHP_PMD_MAPPED ? 'P'
						     : mthp_pte_state_char(&s->ptes[i]);
	draw_table(f, s->geometry.pmd_nr, cells, ranges, n);
	free(cells);
}
