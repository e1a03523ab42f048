/* SPDX-License-Identifier: MIT */
/* A scratch directory and all it holds, removed (symbolic links are not
 * followed). Needs _GNU_SOURCE or _XOPEN_SOURCE 500 for nftw(). */
#ifndef MTHP_REMOVE_TREE_H
#define MTHP_REMOVE_TREE_H

#include <ftw.h>
#include <stdio.h>

static inline int mthp_remove_entry_(const char *path, const struct stat *st,
				     int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* 0, or -1 when something could not be removed. */
static inline int mthp_remove_tree(const char *dir)
{
	return nftw(dir, mthp_remove_entry_, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

#endif
