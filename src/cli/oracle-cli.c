// SPDX-License-Identifier: MIT
/* The oracle commands' option readers and their checked calls. */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "oracle-cli.h"

size_t cli_parse_models(const char *arg, enum mthp_model *out, size_t max,
		    size_t min)
{
	char buf[256];
	size_t n = 0;

	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		errx(EXIT_INPUT, "--models: list too long");
	/* strtok would pass over an empty entry ("v15,,v19"); refuse it */
	for (char *t = buf, *end; t; t = end) {
		end = strchr(t, ',');
		if (end)
			*end++ = 0;
		if (!*t)
			errx(EXIT_INPUT, "--models: empty entry in '%s'", arg);
		if (n == max)
			errx(EXIT_INPUT, "--models: at most %zu models", max);
		out[n++] = cli_model("--models", t);
	}
	if (n < min)
		errx(EXIT_INPUT, "--models: name at least %zu models, e.g. v15,v19",
		     min);
	return n;
}

unsigned int cli_run_rounds(struct mthp_scenario *s, unsigned int max,
			mthp_round_fn each, void *ctx, bool *converged)
{
	int n = mthp_simulate_rounds(s, max, each, ctx, converged);

	if (n < 0)
		errx(1, "internal error: a parsed scenario was refused (%s)",
		     strerror(-n));
	return (unsigned int)n;
}


void oracle_run_model(const struct mthp_scenario *s, enum mthp_model m,
		      struct mthp_sim_result *r, struct outcome *out)
{
	int e = run_model(s, m, r, out);

	if (e)
		errx(1, "internal error: the simulation refused a parsed scenario (%s)",
		     strerror(-e));
}

void oracle_gen_scenario(struct rng *r, const struct mthp_geometry *g,
			 char *buf, size_t len)
{
	int e = gen_scenario(r, g, buf, len);

	if (e)
		errx(1, "internal error: generating a scenario (%s)", strerror(-e));
}
