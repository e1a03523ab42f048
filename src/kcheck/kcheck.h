/* SPDX-License-Identifier: MIT */
/* mthpsim kcheck: a kernel file's function beside a model, or beside
 * another file's. */
#ifndef MTHP_KCHECK_H
#define MTHP_KCHECK_H

#include <stdbool.h>
#include <stdio.h>

#include "mthpcollapse/mthpcollapse.h"
#include "extract.h"

enum { KC_OK = 0, KC_DIFFER = 1, KC_BAD_INPUT = 2, KC_ERROR = 3 };

/* What the generated entry point takes (the same layout on both sides). */
struct kc_case {
	const unsigned long *bitmap;
	unsigned long orders;
	int khugepaged, uffd, referenced;
	unsigned int max_ptes_none, unmapped;
	int (*answer)(void *ctx, unsigned int offset, unsigned int order);
	void *ctx;
};
typedef long (*kc_run_fn)(const struct kc_case *c, unsigned int *warnings);

struct kc_geometry {
	char tag[48];
	unsigned int page_shift, pmd_nr, max_ptrs, pmd_order;
};

/* One kernel file, extracted, generated and (per geometry) loaded. */
struct kc_unit {
	struct kc_file file;
	char dir[256];     /* scratch directory */
	char c_path[300];
	char shape[256];   /* "enum scan_result mthp_collapse(mm, ...)" */
	bool returns_result, returns_count, uses_vma;
	void *handle;
	kc_run_fn run;
	const char *(*result_name)(long v);
	long (*result_value)(const char *name);
	long to_kernel[MTHP_SCAN_RESULT_COUNT]; /* -1: not in the file */
};

int kc_generate(struct kc_unit *u, const char *path, const char *function,
		char *err, size_t errlen);
/* 0; KC_BAD_INPUT with located messages on msg; KC_ERROR. */
int kc_compile(struct kc_unit *u, const struct kc_geometry *g,
	       const char *include_dir, FILE *msg);
void kc_unload(struct kc_unit *u);

#endif
