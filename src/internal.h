/* SPDX-License-Identifier: MIT */
/* Shared by the library's own files; never installed. */
#ifndef MTHP_INTERNAL_H
#define MTHP_INTERNAL_H

#include "mthpcollapse/mthpcollapse.h"

/* The library is built with hidden visibility; this marks the API. */
#define MTHP_EXPORT __attribute__((visibility("default")))

#define MTHP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct mthp_pte;
/* The PTE a scenario state character stands for; 0 or -EINVAL. */
int mthp_pte_from_char(char c, struct mthp_pte *pte);

#endif
