/* SPDX-License-Identifier: MIT */
/* Shared by the mthpsim commands. */
#ifndef MTHPSIM_CLI_H
#define MTHPSIM_CLI_H

#include <stdio.h>

#include "mthpcollapse/mthpcollapse.h"

/* Input errors exit with this status, after a message naming the input. */
#define EXIT_INPUT 2

int cmd_decide(int argc, char **argv);
int cmd_geometries(int argc, char **argv);
int cmd_models(int argc, char **argv);

/* Option parsers: on bad input they print what and where, then exit 2. */
void cli_geometry(const char *opt, const char *arg, struct mthp_geometry *g);
enum mthp_model cli_model(const char *opt, const char *arg);
enum mthp_mode cli_mode(const char *opt, const char *arg);
unsigned int cli_uint(const char *opt, const char *arg, unsigned int max);
/* "all", "pmd", "none", or a list such as "2,4-6,9". */
uint32_t cli_orders(const char *opt, const char *arg,
		    const struct mthp_geometry *g);
enum mthp_scan_result cli_result(const char *opt, const char *arg);

/* "2-9", "2,4,9", "none". */
void format_orders(char *buf, size_t len, uint32_t orders);

/*
 * Draws one character per PTE (cells[i]), 64 to a row with the offset in
 * the margin; beneath each row, the given ranges as brackets filled with
 * their order. Large tables are shown with one character per group of PTEs.
 */
void draw_table(FILE *f, unsigned int nr, const char *cells,
		const struct mthp_range *ranges, size_t nranges);

struct json;
/* The table of steps the engine took, and the same as JSON "steps". */
void print_steps(FILE *f, const struct mthp_step *steps, size_t n);
void json_steps(struct json *j, const struct mthp_step *steps, size_t n);
/* A result in words, for the readable reports. */
const char *result_words(int result);

int cmd_run(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_rounds(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Scenario loading shared by run and the commands that replay scenarios. */
#include <getopt.h>

#include "mthpcollapse/sim.h"
struct scenario_overrides {
	const char *model, *geometry, *mode, *none, *swap, *shared, *enabled;
	const char *order[16]; /* "K=SETTING", in the order given */
	size_t norder;
};
extern const struct option scenario_longopts[];
int scenario_options(int c, const char *arg, struct scenario_overrides *ov);
void load_with_overrides(const char *path, const struct scenario_overrides *ov,
			 struct mthp_scenario *s);
void load_scenario(const char *path, const struct mthp_geometry *force,
		   struct mthp_scenario *s);
char *read_input(const char *path, size_t *len);
void scenario_copy(struct mthp_scenario *dst, const struct mthp_scenario *s);
/* draw_table() of a scenario's PTE states (a PMD mapping draws as P). */
void draw_scenario(FILE *f, const struct mthp_scenario *s,
		   const struct mthp_range *ranges, size_t n);
void json_run(struct json *j, const struct mthp_scenario *before,
	      const struct mthp_scenario *s, const struct mthp_sim_result *r);

#endif
