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
char *cli_read_input(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 1 << 16, n = 0;
	char *buf;

	if (!f)
		err(EXIT_INPUT, "%s", cli_input_name(path));
	buf = malloc(cap);
	if (!buf)
		err(1, "malloc");
	for (;;) {
		if (n == cap) {
			/* one byte past the limit is enough to know */
			cap = cap * 2 > MTHP_SCENARIO_MAX_BYTES + 1
				? MTHP_SCENARIO_MAX_BYTES + 1 : cap * 2;
			buf = realloc(buf, cap);
			if (!buf)
				err(1, "realloc");
		}
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n > MTHP_SCENARIO_MAX_BYTES) {
			free(buf);
			errx(EXIT_INPUT, "%s: larger than %u bytes, the limit of the format",
			     cli_input_name(path), MTHP_SCENARIO_MAX_BYTES);
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		err(EXIT_INPUT, "%s", cli_input_name(path));
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

const char *cli_input_name(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

/* Loads FILE into *s or exits 2 with FILE:LINE:COL: message. */
void cli_load_scenario(const char *path, const struct mthp_geometry *force,
		   struct mthp_scenario *s)
{
	size_t len;
	char *text = cli_read_input(path, &len);
	struct mthp_parse_error e;
	const char *name = cli_input_name(path);

	if (mthp_scenario_parse(text, len, force, s, &e)) {
		free(text);
		if (e.line)
			errx(EXIT_INPUT, "%s:%u:%u: %s", name, e.line, e.col, e.msg);
		errx(EXIT_INPUT, "%s: %s", name, e.msg);
	}
	free(text);
}

/* A copy of s whose PTE array is its own (for "before" drawings). */
void cli_scenario_copy(struct mthp_scenario *dst, const struct mthp_scenario *s)
{
	if (mthp_scenario_copy(dst, s))
		err(1, "copying a scenario");
}

void cli_draw_scenario(FILE *f, const struct mthp_scenario *s,
		   const struct mthp_range *ranges, size_t n)
{
	char *cells = malloc(s->geometry.pmd_nr);

	if (!cells)
		err(1, "malloc");
	/* a PMD mapping maps every page of the range */
	for (unsigned int i = 0; i < s->geometry.pmd_nr; i++)
		cells[i] = s->pmd == MTHP_PMD_MAPPED ? 'P'
						     : mthp_pte_state_char(&s->ptes[i]);
	cli_draw_table(f, s->geometry.pmd_nr, cells, ranges, n);
	free(cells);
}
