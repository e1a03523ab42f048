// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: any bytes through the scenario parser; whatever parses
 * is then simulated twice (a second khugepaged visit), so the scan, the
 * engine and the mock see fuzzed tables too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mthpcollapse/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mthp_scenario s;
	struct mthp_parse_error e;
	struct mthp_sim_result r;

	if (mthp_scenario_parse((const char *)data, size, NULL, &s, &e) == 0) {
		if (mthp_sim_result_init(&r, &s.geometry) == 0) {
			mthp_simulate(&s, &r);
			mthp_simulate(&s, &r);
			mthp_sim_result_free(&r);
		}
	} else if (!memchr(e.msg, 0, sizeof(e.msg))) {
		abort(); /* the message must always be terminated */
	}
	mthp_scenario_free(&s);
	return 0;
}
