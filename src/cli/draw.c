// SPDX-License-Identifier: MIT
/* Text drawings of a PTE table and of the ranges collapsed in it. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ROW 64u     /* characters per row */
#define MAX_CELLS 512u

static char order_glyph(unsigned int order)
{
	return "0123456789abcdef"[order & 15];
}

void cli_draw_table(FILE *f, unsigned int nr, const char *cells,
		const struct mthp_range *ranges, size_t nranges)
{
	unsigned int group = nr > MAX_CELLS ? nr / MAX_CELLS : 1;
	unsigned int ncell = nr / group;
	char *row = malloc(ncell + 1), *under = malloc(ncell + 1);

	if (!row || !under) {
		free(row);
		free(under);
		return;
	}
	for (unsigned int c = 0; c < ncell; c++) {
		const char *p = cells + (size_t)c * group;
		bool same = true;

		for (unsigned int i = 1; i < group && same; i++)
			same = p[i] == p[0];
		row[c] = same ? p[0] : '+';
	}
	memset(under, ' ', ncell);
	for (size_t i = 0; i < nranges; i++) {
		unsigned int first = ranges[i].offset / group;
		unsigned int n = (1u << ranges[i].order) / group;

		if (n <= 1) {
			under[first] = order_glyph(ranges[i].order);
			continue;
		}
		memset(under + first, order_glyph(ranges[i].order), n);
		under[first] = '[';
		under[first + n - 1] = ']';
	}
	if (group > 1)
		fprintf(f, "  (each character stands for %u PTEs; '+' marks a mix)\n",
			group);
	for (unsigned int c = 0; c < ncell; c += ROW) {
		unsigned int w = ncell - c < ROW ? ncell - c : ROW;
		bool any = false;

		fprintf(f, "  %5u  %.*s\n", c * group, (int)w, row + c);
		for (unsigned int i = 0; i < w; i++)
			any |= under[c + i] != ' ';
		if (any) {
			int end = (int)w;

			while (end > 0 && under[c + (unsigned int)end - 1] == ' ')
				end--;
			fprintf(f, "         %.*s\n", end, under + c);
		}
	}
	free(row);
	free(under);
}
