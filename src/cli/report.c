// SPDX-License-Identifier: MIT
/* Pieces of the readable and JSON reports that several commands share. */
#include <string.h>

#include "cli.h"
#include "json.h"

static const char *step_words(const struct mthp_step *s, char *buf, size_t len)
{
	switch (s->kind) {
	case MTHP_STEP_DISABLED:
		return "order not enabled";
	case MTHP_STEP_BELOW_THRESHOLD:
		return "below threshold";
	case MTHP_STEP_INVALID_NONE:
		return "max_ptes_none is neither 0 nor HPAGE_PMD_NR-1: mTHP stops";
	case MTHP_STEP_BAD_RESULT:
		return "callback returned a non-result";
	case MTHP_STEP_ATTEMPTED:
		snprintf(buf, len, "attempted: %s",
			 mthp_scan_result_name(s->result));
		return buf;
	}
	return "?";
}

void cli_print_steps(FILE *f, const struct mthp_step *steps, size_t n)
{
	char buf[96];
	size_t hidden = 0, empty = 0;

	fprintf(f, "  %4s %6s %5s %9s  %s\n", "#", "offset", "order", "occ/need",
		"what happened -> next");
	for (size_t i = 0; i < n; i++) {
		const struct mthp_step *s = &steps[i];
		char occ[24] = "-";

		/* the search passes through disabled orders on its way down;
		 * they decide nothing, so the readable list leaves them out */
		if (s->kind == MTHP_STEP_DISABLED) {
			hidden++;
			continue;
		}
		/* likewise ranges with nothing in them that did not qualify */
		if (s->kind == MTHP_STEP_BELOW_THRESHOLD && !s->occupied) {
			empty++;
			continue;
		}
		if (s->kind == MTHP_STEP_ATTEMPTED ||
		    s->kind == MTHP_STEP_BELOW_THRESHOLD ||
		    s->kind == MTHP_STEP_BAD_RESULT)
			snprintf(occ, sizeof(occ), "%u/%u", s->occupied,
				 s->threshold);
		fprintf(f, "  %4zu %6u %5u %9s  %s -> %s\n", i + 1, s->offset,
			s->order, occ, step_words(s, buf, sizeof(buf)),
			mthp_step_action_name(s->action));
	}
	if (hidden || empty)
		fprintf(f, "  (not listed: %zu range%s of orders not enabled, %zu empty range%s below threshold; --json lists every step)\n",
			hidden, hidden == 1 ? "" : "s", empty, empty == 1 ? "" : "s");
}

void json_steps(struct json *j, const struct mthp_step *steps, size_t n)
{
	json_key(j, "steps");
	json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		const struct mthp_step *s = &steps[i];

		json_begin_object(j);
		json_kuint(j, "offset", s->offset);
		json_kuint(j, "order", s->order);
		json_kstring(j, "kind", mthp_step_kind_name(s->kind));
		json_kuint(j, "occupied", s->occupied);
		json_kuint(j, "threshold", s->threshold);
		if (s->kind == MTHP_STEP_ATTEMPTED)
			json_kstring(j, "result", mthp_scan_result_name(s->result));
		json_kstring(j, "action", mthp_step_action_name(s->action));
		json_end_object(j);
	}
	json_end_array(j);
}

