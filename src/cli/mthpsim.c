// SPDX-License-Identifier: MIT
/* mthpsim: the command-line face of libmthpcollapse. */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "oracle.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: mthpsim COMMAND [options]\n"
"\n"
"Reproduces the Linux khugepaged (m)THP collapse decisions in userspace.\n"
"\n"
"commands:\n"
"  run FILE         simulate one khugepaged visit of a scenario file\n"
"  decide MAP       run the decision engine on an occupancy map\n"
"  diff             compare models over scenarios (files or --random N)\n"
"  verify           check the engine's claims and invariants\n"
"  rounds FILE      repeat visits until nothing changes (creep)\n"
"  report           write the findings report (docs/FINDINGS.md)\n"
"  geometries       list the page-table geometries, with stack figures\n"
"  models           list the kernel models\n"
"\n"
"'mthpsim COMMAND --help' describes each command's options.\n");
}

int cmd_geometries(int argc, char **argv)
{
	bool json = argc > 1 && !strcmp(argv[1], "--json");
	struct json j;

	if (argc > 1 && !json)
		errx(EXIT_INPUT, "geometries: unknown argument '%s' (only --json)",
		     argv[1]);
	if (json) {
		json_init(&j, stdout);
		json_begin_array(&j);
	} else {
		printf("%-17s %5s %6s %6s %5s %9s %9s %9s %7s %5s\n", "name", "page",
		       "PTEs", "max", "order", "PMD size", "v15 stack",
		       "v17 stack", "deepest", "bound");
	}
	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		struct mthp_geometry g;

		if (mthp_geometry_lookup(mthp_geometry_name(i), &g, NULL, 0))
			continue;
		unsigned long pmd_kb = (unsigned long)g.pmd_nr << g.page_shift >> 10;
		unsigned int c15 = mthp_model_stack_capacity(MTHP_MODEL_V15, &g);
		unsigned int c17 = mthp_model_stack_capacity(MTHP_MODEL_V17, &g);

		if (json) {
			json_begin_object(&j);
			json_kstring(&j, "name", g.name);
			json_kuint(&j, "page_size", 1ul << g.page_shift);
			json_kuint(&j, "hpage_pmd_nr", g.pmd_nr);
			json_kuint(&j, "max_ptrs_per_pte", g.max_ptrs);
			json_kuint(&j, "pmd_order", g.pmd_order);
			json_kuint(&j, "pmd_size", (unsigned long)g.pmd_nr << g.page_shift);
			json_kuint(&j, "stack_v15", c15);
			json_kuint(&j, "stack_v17", c17);
			json_kuint(&j, "stack_deepest", deepest_stack(&g, MTHP_MODEL_V15));
			json_kuint(&j, "stack_bound", mthp_stack_depth_bound(&g));
			json_end_object(&j);
			continue;
		}
		printf("%-17s %4luK %6u %6u %5u %8luM %9u %9u %7u %5u\n", g.name,
		       (1ul << g.page_shift) >> 10, g.pmd_nr, g.max_ptrs,
		       g.pmd_order, pmd_kb >> 10, c15, c17, deepest_stack(&g, MTHP_MODEL_V15),
		       mthp_stack_depth_bound(&g));
	}
	if (json)
		json_end_array(&j);
	else
		printf("\nAlso: custom:PAGE_SHIFT:HPAGE_PMD_NR:MAX_PTRS_PER_PTE, e.g. custom:12:16:16.\n"
		       "ppc64-hash-4k is refused: it has no transparent huge pages.\n");
	return 0;
}

int cmd_models(int argc, char **argv)
{
	if (argc > 1)
		errx(EXIT_INPUT, "models: unexpected argument '%s'", argv[1]);
	for (int m = 0; m < MTHP_MODEL_COUNT; m++) {
		const char *alias = mthp_model_alias((enum mthp_model)m);

		printf("%-12s %s", mthp_model_name((enum mthp_model)m),
		       mthp_model_summary((enum mthp_model)m));
		if (alias)
			printf(" (also: %s)", alias);
		printf("%s\n", m == MTHP_MODEL_DEFAULT ? " (default)" : "");
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "run", cmd_run },
		{ "decide", cmd_decide },
		{ "diff", cmd_diff },
		{ "verify", cmd_verify },
		{ "rounds", cmd_rounds },
		{ "report", cmd_report },
		{ "geometries", cmd_geometries },
		{ "models", cmd_models },
	};

	if (argc < 2) {
		usage(stderr);
		return EXIT_INPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	usage(stderr);
	errx(EXIT_INPUT, "unknown command '%s'", argv[1]);
}
