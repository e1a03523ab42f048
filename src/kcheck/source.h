/* SPDX-License-Identifier: MIT */
/*
 * Where a side's mm/khugepaged.c comes from, as kernel developers hold
 * it: a file; a kernel tree (its mm/khugepaged.c); TREE@REV (the file at
 * a git revision of the tree); and any of those with patches applied (a
 * git format-patch file, an mbox of a series, a plain unified diff) - to
 * a scratch copy, never to the user's tree.
 */
#ifndef MTHP_KCHECK_SOURCE_H
#define MTHP_KCHECK_SOURCE_H

#include <stddef.h>

#define KC_MAX_PATCHES 64

struct kc_source {
	const char *spec;                     /* FILE, TREE or TREE@REV */
	const char *patches[KC_MAX_PATCHES];  /* in the order given */
	size_t npatches;
	unsigned int applied;  /* patches (messages) that changed the file */
	char name[1024];       /* as the user gave it: "linux@v7.1 + 3 patches" */
	char display[1024];    /* what messages call the file */
	char path[1024];       /* the file to read */
	char release[48];      /* the tree's Makefile's ("7.3.4"), or "" */
};

/* The path of khugepaged.c inside a kernel tree. */
#define KC_TREE_FILE "mm/khugepaged.c"

/*
 * Finds the file s->spec names and applies s->patches to a copy of it in
 * scratch (a directory kcheck owns). 0, or -1 with a message in err
 * naming what could not be read or which patch and hunk do not apply.
 */
int kc_source_resolve(struct kc_source *s, const char *scratch, char *err,
		      size_t errlen);

/*
 * Applies the hunks for target (a path in the tree: KC_TREE_FILE, or a
 * header beside it) in the patch text (one patch, or an mbox of several)
 * to *text (*len bytes, reallocated). Returns how many of its messages
 * changed the file, or -1 with err naming the patch (name), the message
 * and the hunk that did not apply.
 */
int kc_patch_apply(char **text, size_t *len, const char *patch,
		   size_t patch_len, const char *name, const char *target,
		   char *err, size_t errlen);

#endif
