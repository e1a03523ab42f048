/* SPDX-License-Identifier: MIT */
/*
 * kcheck as one call: a kernel source (a file, a tree, TREE@REV, with
 * patches) resolved, its mthp_collapse() and its scan extracted,
 * compiled and run beside a model or a second source, and what was found
 * handed back for the caller to report. Nothing is printed and nothing
 * exits: every refusal comes back as a status with its reason.
 */
#ifndef MTHP_KCHECK_RUN_H
#define MTHP_KCHECK_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "kcheck.h"
#include "source.h"
#include "check.h"
#include "scan-check.h"

/* What to check, and how. kc_options_init() sets the defaults. */
struct kc_options {
	const char *source;         /* FILE, TREE or TREE@REV */
	const char *patches[KC_MAX_PATCHES];
	size_t npatches;
	const char *against;        /* NULL: compare with a model */
	const char *against_patches[KC_MAX_PATCHES];
	size_t nagainst_patches;
	const char *function;       /* NULL: each of the two the file has */
	bool model_given;           /* model was named (else: from the tree) */
	enum mthp_model model;
	const char *const *geometries; /* NULL/0: every named geometry */
	size_t ngeometries;
	unsigned int random;        /* random cases per geometry (400) */
	unsigned int seed;          /* their seed (1) */
	unsigned int bitmaps;       /* small tables checked (65536) */
	unsigned int timeout;       /* a case's limit in seconds (5) */
	/* the scan's scenario files (files, or directories of *.scn);
	 * none: the bundled examples, where they are found */
	const char *const *scenarios;
	size_t nscenarios;
	const char *examples;       /* that directory (NULL: the built-in path) */
	bool werror;                /* the compiler's warnings fail the check */
	bool unconfined;            /* no jail for the file's code */
	/* the kernel environment's directory and the public headers' (NULL:
	 * $MTHP_KERNEL_ENV, the source tree, the installed copy) */
	const char *env_dir, *public_dir;
	const char *tmpdir;         /* scratch and reproducers (NULL: $TMPDIR, /tmp) */
	FILE *msg;                  /* the compiler's located messages (NULL: dropped) */
	/* hears how far a check is (may be NULL); what is "kcheck" or
	 * "kcheck scan" */
	void (*progress)(void *ctx, const char *what, unsigned long long done,
			 unsigned long long total);
	void *ctx;
};

void kc_options_init(struct kc_options *o);

/* What a check found. kc_report_free() releases it. */
struct kc_report {
	int status;            /* KC_OK, KC_DIFFER, KC_BAD_INPUT or KC_ERROR */
	int interrupted;       /* kc_interrupted's signal when it stopped the check */
	char why[2048];        /* for KC_BAD_INPUT and KC_ERROR: the reason */
	const char *inc, *pub; /* the environment compiled against */
	struct kc_env env;
	struct kc_source src[2];
	bool against;
	/* the engine's check: ran, and reported (status 0 or 1 before
	 * --Werror) */
	bool engine, engine_done;
	struct kc_state *k;       /* its state (shared with the child) */
	struct kc_unit ua, ub;
	/* the scan's check */
	bool scan, scan_done;
	const char *scan_function;
	struct scan_check *sc;
	struct kc_unit su[2];
	enum mthp_model scan_model;
	char scan_because[200];        /* why that model ("" when named) */
	char scan_names[2][1100];      /* what the report calls each side */
	size_t scenario_files;         /* the files checked */
	size_t suite_scenarios;        /* ktest's cases over the geometries */
	char diff_path[700];           /* the first difference's scenario file */
	char fail_path[700];           /* the scenario the check stopped on */
	bool diff_unsaved, fail_unsaved; /* those could not be written */
	const char *unit_shape_series; /* the scan's shape in words */
};

/*
 * Runs the check o describes into r (which the caller provides; it is
 * big). Returns r->status: KC_OK when nothing differs, KC_DIFFER when
 * something does (or the file's code failed a case), KC_BAD_INPUT for
 * input that cannot be checked, KC_ERROR for an error of this machine;
 * the last two with r->why. A signal noted in kc_interrupted stops it
 * (r->interrupted). The scratch directory is gone when it returns.
 */
int kc_check(const struct kc_options *o, struct kc_report *r);
void kc_report_free(struct kc_report *r);

/* Where the kernel environment is (see struct kc_options): 0, or
 * KC_ERROR with why. */
int kc_env_dirs(const char **env, const char **pub, char *why, size_t len);

/* The scan check's scenario files, read and parsed: 0, or KC_BAD_INPUT
 * with why naming the file (file:line:col) and what is wrong. */
struct kc_scenario_files {
	char **names, **texts;
	size_t n;
	bool given;
};
int kc_read_scenario_files(struct kc_scenario_files *f, const char *const *paths,
			   size_t n, const char *examples, char *why, size_t len);
void kc_scenario_files_free(struct kc_scenario_files *f);

#endif
