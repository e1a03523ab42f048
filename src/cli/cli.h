/* SPDX-License-Identifier: MIT */
/* Shared by the mthpsim commands. */
#ifndef MTHPSIM_CLI_H
#define MTHPSIM_CLI_H

#include <stdio.h>

#include "mthpcollapse/mthpcollapse.h"

/* Input errors exit with this status, after a message naming the input. */
#define EXIT_INPUT 2

/* A write to name failed (a full disk): said once, exit 1. */
_Noreturn void cli_output_failed(const char *name);

int cmd_decide(int argc, char **argv);
int cmd_geometries(int argc, char **argv);
int cmd_models(int argc, char **argv);

/* Option parsers: on bad input they print what and where, then exit 2. */
void cli_geometry(const char *opt, const char *arg, struct mthp_geometry *g);
enum mthp_model cli_model(const char *opt, const char *arg);
unsigned int cli_uint(const char *opt, const char *arg, unsigned int max);
enum mthp_scan_result cli_result(const char *opt, const char *arg);

/* "2-9", "2,4,9", "none". */
void cli_format_orders(char *buf, size_t len, uint32_t orders);

/*
 * Draws one character per PTE (cells[i]), 64 to a row with the offset in
 * the margin; beneath each row, the given ranges as brackets filled with
 * their order. Large tables are shown with one character per group of PTEs.
 */
void cli_draw_table(FILE *f, unsigned int nr, const char *cells,
		const struct mthp_range *ranges, size_t nranges);

struct json;
/* The table of steps the engine took, and the same as JSON "steps". */
void cli_print_steps(FILE *f, const struct mthp_step *steps, size_t n);
void json_steps(struct json *j, const struct mthp_step *steps, size_t n);

int cmd_run(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_rounds(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_kcheck(int argc, char **argv);
int cmd_settings(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_ktest(int argc, char **argv);

/* Scenario loading shared by run and the commands that replay scenarios. */
#include <getopt.h>

#include "mthpcollapse/sim.h"

/* The options of every simulating command (run, rounds, diff, decide). */
enum {
	O_GEOMETRY = 1000, O_MODEL, O_MODE, O_NONE, O_SWAP, O_SHARED,
	O_ENABLED, O_ORDERS, O_ORDER, O_VMA, O_FAIL, O_JSON, O_HELP, O_SETTINGS,
	O_OWN /* a command's own options number from here */
};
#define SIM_LONGOPTS                                                      \
	{ "geometry", required_argument, NULL, O_GEOMETRY },              \
	{ "model", required_argument, NULL, O_MODEL },                    \
	{ "mode", required_argument, NULL, O_MODE },                      \
	{ "max-ptes-none", required_argument, NULL, O_NONE },             \
	{ "max-ptes-swap", required_argument, NULL, O_SWAP },             \
	{ "max-ptes-shared", required_argument, NULL, O_SHARED },         \
	{ "enabled", required_argument, NULL, O_ENABLED },                \
	{ "orders", required_argument, NULL, O_ORDERS },                  \
	{ "order", required_argument, NULL, O_ORDER },                    \
	{ "vma", required_argument, NULL, O_VMA },                        \
	{ "fail", required_argument, NULL, O_FAIL },                      \
	{ "json", no_argument, NULL, O_JSON },                            \
	{ "help", no_argument, NULL, O_HELP },                            \
	{ "settings", required_argument, NULL, O_SETTINGS }
extern const struct option sim_longopts[];

struct sim_opts {
	const char *geometry;
	const char *settings; /* --settings live|FILE, applied first */
	struct {
		const char *opt;   /* as typed: --max-ptes-none */
		char key[24];      /* the scenario key: max_ptes_none */
		const char *value;
	} set[128];
	size_t nset;
	bool json;
};
/* Takes option c if it is one of SIM_LONGOPTS (but --help); 1 if taken. */
int sim_option(int c, const char *arg, struct sim_opts *o);
/* Applies the settings in the order given; exits 2 naming the option. */
void sim_apply(const struct sim_opts *o, struct mthp_scenario *s);
void sim_geometry(const struct sim_opts *o, struct mthp_geometry *g);
/* Loads FILE ('-': standard input) with the options applied. */
void sim_load(const char *path, const struct sim_opts *o,
	      struct mthp_scenario *s);
void sim_options_help(FILE *f);

void cli_load_scenario(const char *path, const struct mthp_geometry *force,
		   struct mthp_scenario *s);
char *cli_read_input(const char *path, size_t *len);
/* "<stdin>" for "-" */
const char *cli_input_name(const char *path);
void cli_scenario_copy(struct mthp_scenario *dst, const struct mthp_scenario *s);
/* cli_draw_table() of a scenario's PTE states (a PMD mapping draws as P). */
void cli_draw_scenario(FILE *f, const struct mthp_scenario *s,
		   const struct mthp_range *ranges, size_t n);
void json_run(struct json *j, const struct mthp_scenario *before,
	      const struct mthp_scenario *s, const struct mthp_sim_result *r);

/* ---- emitters (emit.c): one per concept, every key spelled once ---- */
unsigned long cli_size_kb(const struct mthp_geometry *g, unsigned int order);
/* Three lines: model and mode, geometry, sysctls, orders and VMA. */
void cli_print_settings(FILE *f, const char *what, const struct mthp_scenario *s,
		    uint32_t enabled);
/* The same with its first line naming models ("models v15 and v19") in
 * place of the scenario's own. */
void cli_print_settings_as(FILE *f, const char *what, const char *models,
			   const struct mthp_scenario *s, uint32_t enabled);
/* "settings": {...} and "enabled_orders": [...] */
void json_settings(struct json *j, const struct mthp_scenario *s,
		   uint32_t enabled);
/* "command", "model", "geometry", "mode", then json_settings() */
void json_header(struct json *j, const char *command,
		 const struct mthp_scenario *s, uint32_t enabled);
void json_attempts(struct json *j, const struct mthp_attempt *a, size_t n);
void json_collapses(struct json *j, const struct mthp_range *c, size_t n);
void cli_print_attempts(FILE *f, const struct mthp_geometry *g,
		    const struct mthp_attempt *a, size_t n);
/* "stats" (per size) and "vmstat" */
void json_stats(struct json *j, const struct mthp_scenario *s,
		const struct mthp_sim_result *r);
void cli_print_stats(const struct mthp_scenario *s, const struct mthp_sim_result *r);


/* ---- predict (cmd-predict.c, cmd-predict-all.c) ---- */
struct mthp_space_totals;
/* --compare "k=v,k=v" onto s; exits 2 naming the setting */
void predict_apply_compare(const char *spec, struct mthp_scenario *s);
void predict_json_totals(struct json *j, const struct mthp_geometry *g,
			 const struct mthp_space_totals *t);
/* "compare": [{"settings", "total"}...] for columns 1.. */
void predict_json_compare(struct json *j, const struct mthp_geometry *g,
			  const char *const *compare, size_t ncols,
			  const struct mthp_space_totals *totals);
/* --all (cgroup NULL) or --cgroup: every process, a row each */
int predict_all(const struct sim_opts *so, const char *const *compare,
		size_t ncompare, int young, unsigned int rounds,
		const char *cgroup, unsigned int jobs);

/* ---- behaviour every command shares (mthpsim.c) ---- */
/* A progress line on standard error, only when it is a terminal and the
 * work has taken over a second; cli_progress_done() clears it. */
void cli_progress(const char *what, unsigned long long done,
	      unsigned long long total);
void cli_progress_done(void);

/*
 * ktest's built-in suites (MADV_COLLAPSE, then khugepaged) as scenario
 * texts for g, named "ktest NAME" and "ktest --khugepaged NAME"; the
 * caller frees each string and both arrays. Returns how many.
 */
size_t ktest_suite_scenarios(const struct mthp_geometry *g, char ***names,
			     char ***texts);

#endif
