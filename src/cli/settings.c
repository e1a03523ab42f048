// SPDX-License-Identifier: MIT
/*
 * The options every simulating command shares (run, rounds, diff, decide),
 * and loading scenarios with them. Each option is a scenario key set
 * through mthp_scenario_set(), so it takes exactly what a file line takes
 * and is refused in the same words.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct option sim_longopts[] = {
	SIM_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

void sim_options_help(FILE *f)
{
	fprintf(f,
"settings (each overrides a scenario file's key of the same name; defaults\n"
"are the kernel's: top-level enabled=always, the PMD size inherit, every\n"
"other size never, max_ptes_none HPAGE_PMD_NR-1, swap /8, shared /2):\n"
"  --geometry NAME      page-table geometry (default x86_64; 'mthpsim geometries')\n"
"  --model NAME         kernel model (default latest; 'mthpsim models')\n"
"  --mode MODE          khugepaged (default) or madvise (MADV_COLLAPSE)\n"
"  --max-ptes-none N    --max-ptes-swap N    --max-ptes-shared N\n"
"  --enabled SETTING    top-level THP setting: always, madvise, never\n"
"  --orders LIST        sizes set to always, the others never: 2,4-9, all, pmd, none\n"
"  --order K=SETTING    one size: always, inherit, madvise, never (repeatable)\n"
"  --vma FLAGS          VMA flags: hugepage, nohugepage, uffd, none (e.g. 'uffd hugepage')\n"
"  --settings live|FILE the running kernel's THP settings (sysfs), or the\n"
"                       settings in FILE ('mthpsim settings' writes one);\n"
"                       applied first, the other options after\n"
"  --fail OFFSET:ORDER=RESULT\n"
"                       the attempt at that range returns RESULT (repeatable);\n"
"                       '*' for either side: '*:5=PAGE_LOCK' every order-5\n"
"                       attempt, '*:*=PAGE_LOCK' every attempt\n"
"  --json               print JSON instead of the readable report\n"
"  -h, --help           this help\n");
}

static void add(struct sim_opts *o, const char *opt, const char *key,
		const char *value)
{
	if (o->nset == sizeof(o->set) / sizeof(o->set[0]))
		errx(EXIT_INPUT, "%s: too many setting options (at most %zu)", opt,
		     sizeof(o->set) / sizeof(o->set[0]));
	o->set[o->nset].opt = opt;
	strlcpy(o->set[o->nset].key, key, sizeof(o->set[o->nset].key));
	o->set[o->nset].value = value;
	o->nset++;
}

int sim_option(int c, const char *arg, struct sim_opts *o)
{
	switch (c) {
	case O_GEOMETRY: o->geometry = arg; return 1;
	case O_SETTINGS: o->settings = arg; return 1;
	case O_MODEL: add(o, "--model", "model", arg); return 1;
	case O_MODE: add(o, "--mode", "mode", arg); return 1;
	case O_NONE: add(o, "--max-ptes-none", "max_ptes_none", arg); return 1;
	case O_SWAP: add(o, "--max-ptes-swap", "max_ptes_swap", arg); return 1;
	case O_SHARED: add(o, "--max-ptes-shared", "max_ptes_shared", arg); return 1;
	case O_ENABLED: add(o, "--enabled", "enabled", arg); return 1;
	case O_ORDERS: add(o, "--orders", "orders", arg); return 1;
	case O_VMA: add(o, "--vma", "vma", arg); return 1;
	case O_FAIL: add(o, "--fail", "fail", arg); return 1;
	case O_ORDER: {
		const char *eq = strchr(arg, '=');
		char key[32];

		if (!eq || eq == arg || (size_t)(eq - arg) > 16)
			errx(EXIT_INPUT, "--order: '%s' is not K=SETTING (e.g. 4=always)",
			     arg);
		snprintf(key, sizeof(key), "order.%.*s", (int)(eq - arg), arg);
		add(o, "--order", key, eq + 1);
		return 1;
	}
	case O_JSON: o->json = true; return 1;
	}
	return 0;
}

/*
 * A settings file: scenario keys, one per line (the PTE table and its
 * folios and fail rules, and the geometry, are the scenario's own and are
 * passed over). Errors are FILE:LINE:COL.
 */
static void apply_settings_file(const char *path, struct mthp_scenario *s)
{
	size_t len;
	char *text = cli_read_input(path, &len);
	struct mthp_parse_error e;
	int r = mthp_scenario_apply_settings(s, text, len, &e);

	free(text);
	if (r)
		errx(EXIT_INPUT, "%s:%u:%u: %s", cli_input_name(path), e.line, e.col, e.msg);
}

void sim_apply(const struct sim_opts *o, struct mthp_scenario *s)
{
	if (o->settings && !strcmp(o->settings, "live")) {
		struct mthp_parse_error e;

		if (mthp_live_settings(NULL, s, &e))
			errx(EXIT_INPUT, "--settings live: %s", e.msg);
	} else if (o->settings) {
		apply_settings_file(o->settings, s);
	}
	for (size_t i = 0; i < o->nset; i++) {
		struct mthp_parse_error e;

		if (mthp_scenario_set(s, o->set[i].key, o->set[i].value, &e))
			errx(EXIT_INPUT, "%s %s: %s", o->set[i].opt, o->set[i].value,
			     e.msg);
	}
}

void sim_geometry(const struct sim_opts *o, struct mthp_geometry *g)
{
	cli_geometry("--geometry", o->geometry ? o->geometry : "x86_64", g);
}

void sim_load(const char *path, const struct sim_opts *o,
	      struct mthp_scenario *s)
{
	struct mthp_geometry g;

	if (o->geometry)
		sim_geometry(o, &g);
	cli_load_scenario(path, o->geometry ? &g : NULL, s);
	sim_apply(o, s);
}
