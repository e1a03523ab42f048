/* SPDX-License-Identifier: MIT */
/* The oracle commands' shared option readers, and the oracle layer's
 * calls checked: an internal error is said and ends the command. */
#ifndef MTHPSIM_ORACLE_CLI_H
#define MTHPSIM_ORACLE_CLI_H

#include "cli.h"
#include "oracle.h"

/* "v15,v19" -> models; exits 2 on a bad name or fewer than min. */
size_t cli_parse_models(const char *arg, enum mthp_model *out, size_t max,
		    size_t min);

/* mthp_simulate_rounds() on a scenario the CLI parsed: the number of
 * visits that collapsed; exits on an internal error. */
unsigned int cli_run_rounds(struct mthp_scenario *s, unsigned int max,
			mthp_round_fn each, void *ctx, bool *converged);

void oracle_run_model(const struct mthp_scenario *s, enum mthp_model m,
		      struct mthp_sim_result *r, struct outcome *out);
void oracle_gen_scenario(struct rng *r, const struct mthp_geometry *g,
			 char *buf, size_t len);

#endif
