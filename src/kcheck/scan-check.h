/* SPDX-License-Identifier: MIT */
/* kcheck of the scan (scan-check.c), for the kcheck run (run.c). */
#ifndef MTHP_KCHECK_SCAN_H
#define MTHP_KCHECK_SCAN_H

#include <stdbool.h>

#include "mthpcollapse/sim.h"
#include "kcheck.h"
#include "check.h"
#include "oracle.h"

/* What one geometry's pass runs. */
struct scan_opts {
	struct kc_unit *units[2];  /* NULL: that side is the model */
	const char *names[2];      /* what the report calls each side */
	enum mthp_model model;     /* the model, and the mock's attempt */
	const char *geometry;      /* the pass's geometry */
	unsigned int random;       /* random scenarios on it */
	const char *const *file_names; /* scenario files of this geometry */
	const char *const *file_texts;
	size_t nfiles;
	unsigned int timeout;
};

/* The state of the check, shared with the child that runs the file's code. */
struct scan_check {
	struct kc_watch w;
	struct rng rng;
	unsigned long cases, differ, skipped, not_scanned, assumed;
	char skip_example[48];       /* a result the file lacks */
	char assumed_where[320];     /* a folio assertion a case broke */
	bool found;
	char first_name[256];        /* which scenario */
	char first_what[4096];       /* what differs, in words */
	char first_text[GEN_MAX_TEXT + 64];  /* the reproducer */
	char cur_name[256];          /* the scenario being run */
	char cur_text[GEN_MAX_TEXT];
	char fail_text[GEN_MAX_TEXT + 64];   /* the reproducer of a failure */
};

/* The check's state, in memory shared with the child (made at the first
 * call): NULL when that memory cannot be had. */
struct scan_check *kcheck_scan_state(void);
/* One geometry's pass in a contained child: 0, or an exit status. */
int kcheck_scan_geometry(struct scan_opts *o);
/* After a failure: the reproducer of the scenario it stopped on, in
 * fail_text. */
void kcheck_scan_failed_scenario(enum mthp_model m);
/* A reproducer's text into a new file in dir, its name in path: 0 or -1. */
int kcheck_scan_save(const char *dir, const char *text, char *path, size_t len);

#endif
