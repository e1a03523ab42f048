// SPDX-License-Identifier: MIT
/* mthpsim: the command-line face of libmthpcollapse. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kernel-files.h"
#include "json.h"
#include "oracle-cli.h"
#include "mthpcollapse/space.h"

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
"  kcheck FILE      hold a kernel file's mthp_collapse() against a model\n"
"  settings         print the running kernel's THP settings as scenario keys\n"
"  snapshot PID     write a process's anonymous memory as a snapshot\n"
"  predict SNAP|PID what khugepaged would do to a whole process\n"
"  ktest [FILE...]  play scenarios on the running kernel, compare with the model\n"
"  geometries       list the page-table geometries, with stack figures\n"
"  models           list the kernel models\n"
"\n"
"'mthpsim help COMMAND' (or 'mthpsim COMMAND --help') describes each\n"
"command's options; mthpsim(1) and mthpsim-scenario(5) are the manual.\n"
"'mthpsim --version' prints the version.\n");
}

/* Only "--json" and "--help"/"-h" for the listing commands. */
static bool listing_args(int argc, char **argv, const char *usage, bool *json)
{
	*json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("%s", usage);
			return false;
		}
		if (json && !strcmp(argv[i], "--json")) {
			*json = true;
			continue;
		}
		fprintf(stderr, "%s", usage);
		errx(EXIT_INPUT, "%s: unknown argument '%s'", argv[0], argv[i]);
	}
	return true;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double progress_start, progress_last;
static bool progress_shown;

void cli_progress(const char *what, unsigned long long done,
	      unsigned long long total)
{
	double t = now();

	if (!progress_start)
		progress_start = progress_last = t;
	/* a terminal only, after a second, five times a second */
	if (!isatty(STDERR_FILENO) || t - progress_start < 1.0 ||
	    t - progress_last < 0.2)
		return;
	progress_last = t;
	progress_shown = true;
	fprintf(stderr, "\r%s: %llu of %llu (%.0f%%), %.0f s", what, done, total,
		total ? 100.0 * (double)done / (double)total : 100.0,
		t - progress_start);
}

void cli_progress_done(void)
{
	if (progress_shown)
		fprintf(stderr, "\r\033[K");
	progress_shown = false;
	progress_start = 0;
}

/* A write that failed (a full disk) is an error, not a silent truncation;
 * a closed pipe ends the program by SIGPIPE, as usual. */
static void check_stdout(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		warn("standard output");
		_exit(1);
	}
}

static void say_refusal(enum mthp_log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level == MTHP_LOG_WARN)
		warnx("%s", msg);
}

void cli_output_failed(const char *name)
{
	/* said once: the exit handler above would say it again */
	warn("%s", name);
	_exit(1);
}

int cmd_geometries(int argc, char **argv)
{
	bool json;
	struct json j;

	if (!listing_args(argc, argv,
			  "usage: mthpsim geometries [--json]\n\n"
			  "Lists the named page-table geometries with their stack figures.\n",
			  &json))
		return 0;
	if (json) {
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kstring(&j, "command", "geometries");
		json_key(&j, "geometries");
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
			json_kuint(&j, "stack_deepest", mthp_model_deepest_stack(MTHP_MODEL_V15, &g));
			json_kuint(&j, "stack_bound", mthp_stack_depth_bound(&g));
			json_end_object(&j);
			continue;
		}
		printf("%-17s %4luK %6u %6u %5u %8luM %9u %9u %7u %5u\n", g.name,
		       (1ul << g.page_shift) >> 10, g.pmd_nr, g.max_ptrs,
		       g.pmd_order, pmd_kb >> 10, c15, c17, mthp_model_deepest_stack(MTHP_MODEL_V15, &g),
		       mthp_stack_depth_bound(&g));
	}
	if (json) {
		json_end_array(&j);
		json_end_object(&j);
	} else {
		printf("\nAlso: custom:PAGE_SHIFT:HPAGE_PMD_NR:MAX_PTRS_PER_PTE, e.g. custom:12:16:16.\n"
		       "ppc64-hash-4k is refused: it has no transparent huge pages.\n");
	}
	return 0;
}

int cmd_settings(int argc, char **argv)
{
	enum { O_ROOT = O_OWN };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "root", required_argument, NULL, O_ROOT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_JSON: json = true; break;
		case O_ROOT: root = optarg; break;
		case 'h':
		case O_HELP:
			printf("usage: mthpsim settings [--json] [--root DIR]\n\n"
			       "Prints the running kernel's THP settings - enabled, every\n"
			       "hugepages-<size>kB/enabled, khugepaged/max_ptes_* - on this\n"
			       "machine's geometry, as scenario keys ('--settings FILE' reads\n"
			       "them back). --root reads another copy of\n"
			       "/sys/kernel/mm/transparent_hugepage.\n");
			return 0;
		default:
			fprintf(stderr, "usage: mthpsim settings [--json] [--root DIR]\n");
			return EXIT_INPUT;
		}
	}
	if (optind != argc)
		errx(EXIT_INPUT, "settings: unexpected argument '%s'", argv[optind]);
	struct mthp_geometry g;
	struct mthp_scenario s;
	struct mthp_parse_error e;

	if (mthp_live_geometry(root, &g, &e))
		errx(EXIT_INPUT, "settings: %s", e.msg);
	if (mthp_scenario_init(&s, &g))
		err(1, "out of memory");
	if (mthp_live_settings(root, &s, &e))
		errx(EXIT_INPUT, "settings: %s", e.msg);
	uint32_t enabled = mthp_enabled_orders(&g, s.model, s.mode, &s.thp, 0);

	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_object(&j);
		json_header(&j, "settings", &s, enabled);
		json_end_object(&j);
	} else {
		printf("# the running kernel's THP settings, from %s\n",
		       root ? root : MTHP_THP_SYSFS);
		printf("# orders khugepaged collapses to in a plain anonymous VMA: ");
		char orders[64];

		cli_format_orders(orders, sizeof(orders), enabled);
		printf("%s\n", orders);
		printf("geometry = %s\nenabled = %s\n", g.name,
		       mthp_thp_setting_name(s.thp.enabled));
		for (unsigned int k = MTHP_MIN_ORDER; k <= g.pmd_order; k++)
			printf("hugepages-%lukB/enabled = %s\n", cli_size_kb(&g, k),
			       mthp_thp_setting_name(s.thp.order[k]));
		printf("max_ptes_none = %u\nmax_ptes_swap = %u\nmax_ptes_shared = %u\n",
		       s.max_ptes_none, s.max_ptes_swap, s.max_ptes_shared);
	}
	mthp_scenario_free(&s);
	return 0;
}

int cmd_snapshot(int argc, char **argv)
{
	enum { O_OUTPUT = O_OWN };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage_text[] =
		"usage: mthpsim snapshot [-o FILE] PID|self\n\n"
		"Writes the anonymous private memory of a running process as a\n"
		"snapshot (mthpsim-scenario(5)): this machine's geometry and THP\n"
		"settings, each VMA with its flags, and each PMD range wholly inside\n"
		"one - already PMD-mapped, without a page table, or its PTEs and\n"
		"folios - from /proc/PID/smaps, pagemap and status and\n"
		"/proc/kpageflags. The process is not stopped. What cannot be known\n"
		"is recorded as unknown: the young bit always, folios and the zero\n"
		"page without CAP_SYS_ADMIN.\n";
	const char *output = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
		case O_OUTPUT: output = optarg; break;
		case 'h':
		case O_HELP: printf("%s", usage_text); return 0;
		default: fprintf(stderr, "%s", usage_text); return EXIT_INPUT;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s", usage_text);
		errx(EXIT_INPUT, "snapshot: expected one PID (or self), got %d",
		     argc - optind);
	}
	const char *arg = argv[optind];
	unsigned long pid = 0;
	struct mthp_parse_error e;

	if (strcmp(arg, "self") &&
	    mthp_parse_number(arg, strlen(arg), "PID", 1, 4194304, &pid, &e))
		errx(EXIT_INPUT, "snapshot: %s", e.msg);
	struct mthp_space sp;
	int r = mthp_space_snapshot((pid_t)pid, NULL, &sp, &e);

	if (r) {
		mthp_space_free(&sp);
		if (r == -ESRCH)
			errx(EXIT_INPUT, "snapshot: no process %s (%s)", arg, e.msg);
		errx(EXIT_INPUT, "snapshot: %s", e.msg);
	}
	if (output && !strcmp(output, "-"))
		output = NULL; /* "-o -": standard output, as "-" is standard input */
	FILE *f = output ? fopen(output, "w") : stdout;

	if (!f)
		err(EXIT_INPUT, "%s", output);
	if (mthp_space_write(&sp, f) || (output ? fclose(f) : fflush(f)))
		cli_output_failed(output ? output : "standard output");
	mthp_space_free(&sp);
	return 0;
}

int cmd_models(int argc, char **argv)
{
	bool json;
	struct json j;

	if (!listing_args(argc, argv,
			  "usage: mthpsim models [--json]\n\n"
			  "Lists the kernel models; docs/MODELS.md has their rules.\n",
			  &json))
		return 0;
	if (json) {
		json_init(&j, stdout);
		json_begin_object(&j);
		json_kstring(&j, "command", "models");
		json_key(&j, "models");
		json_begin_array(&j);
		for (int m = 0; m < MTHP_MODEL_COUNT; m++) {
			const char *alias = mthp_model_alias((enum mthp_model)m);

			json_begin_object(&j);
			json_kstring(&j, "name", mthp_model_name((enum mthp_model)m));
			if (alias)
				json_kstring(&j, "alias", alias);
			json_kstring(&j, "summary",
				     mthp_model_summary((enum mthp_model)m));
			json_kbool(&j, "default", m == MTHP_MODEL_DEFAULT);
			if (mthp_model_releases((enum mthp_model)m))
				json_kstring(&j, "releases",
					     mthp_model_releases((enum mthp_model)m));
			else
				json_key(&j, "releases"), json_null(&j);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
		return 0;
	}
	for (int m = 0; m < MTHP_MODEL_COUNT; m++) {
		const char *alias = mthp_model_alias((enum mthp_model)m);

		const char *rel = mthp_model_releases((enum mthp_model)m);

		printf("%-14s %s", mthp_model_name((enum mthp_model)m),
		       mthp_model_summary((enum mthp_model)m));
		if (alias)
			printf(" (also: %s)", alias);
		printf("%s\n", m == MTHP_MODEL_DEFAULT ? " (default)" : "");
		printf("%-14s stands for: %s\n", "",
		       rel ? rel : "no release: a posted revision of the series, or a what-if");
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
		{ "kcheck", cmd_kcheck },
		{ "settings", cmd_settings },
		{ "snapshot", cmd_snapshot },
		{ "predict", cmd_predict },
		{ "ktest", cmd_ktest },
		{ "geometries", cmd_geometries },
		{ "models", cmd_models },
	};

	atexit(check_stdout);
	/* the library's reasons for a refusal, in its own words */
	mthp_set_log(say_refusal, NULL);
	if (argc < 2) {
		usage(stderr);
		return EXIT_INPUT;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("mthpsim %s (libmthpcollapse %s)\n", MTHP_VERSION_STRING,
		       mthp_version());
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		/* mthpsim help CMD: CMD --help */
		char *args[] = { argv[2], (char *)"--help", NULL };

		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[2], cmds[i].name))
				return cmds[i].fn(2, args);
		usage(stderr);
		errx(EXIT_INPUT, "help: unknown command '%s'", argv[2]);
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	usage(stderr);
	errx(EXIT_INPUT, "unknown command '%s'", argv[1]);
}
