/* SPDX-License-Identifier: MIT */
/* Shared by the library's own files; never installed. */
#ifndef MTHP_INTERNAL_H
#define MTHP_INTERNAL_H

#include "mthpcollapse/mthpcollapse.h"

/* The library is built with hidden visibility; this marks the API. */
#define MTHP_EXPORT __attribute__((visibility("default")))

#define MTHP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
