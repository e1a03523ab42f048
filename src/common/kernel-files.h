/* SPDX-License-Identifier: MIT */
/*
 * Reading the kernel's small files, for every layer and client: where the
 * THP settings are, one small file read whole, the bracketed word of a
 * sysfs choice, and a "Key: value" line of a /proc file.
 */
#ifndef MTHP_KERNEL_FILES_H
#define MTHP_KERNEL_FILES_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The THP settings' sysfs directory. */
#define MTHP_THP_SYSFS "/sys/kernel/mm/transparent_hugepage"

/* The size in kB of a folio of order k with pages of 2^page_shift bytes:
 * the <size> of sysfs's hugepages-<size>kB. */
static inline unsigned long mthp_order_kb(unsigned int page_shift, unsigned int k)
{
	return (1ul << (page_shift - 10)) << k;
}

/* One small file into buf (size bytes, NUL-terminated), trailing blanks
 * and newlines dropped: 0, or -errno (-ENOENT when it is not there). */
static inline int mthp_read_small(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	size_t n = fread(buf, 1, size - 1, f);
	int e = ferror(f) ? -EIO : 0;

	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return e;
}

/*
 * A sysfs choice as cat prints it, "always [madvise] never": the
 * bracketed word (its start, its length in *len) when v (vlen bytes) has
 * exactly one bracketed word; NULL otherwise.
 */
static inline const char *mthp_bracketed(const char *v, size_t vlen, size_t *len)
{
	const char *open = memchr(v, '[', vlen);
	const char *close = open ? memchr(open, ']', vlen - (size_t)(open - v)) : NULL;

	if (!open || !close || memchr(close + 1, '[', vlen - (size_t)(close + 1 - v)))
		return NULL;
	*len = (size_t)(close - open - 1);
	return open + 1;
}

/* The number after key on its line of a /proc file ("MemAvailable:" in
 * /proc/meminfo, "Anonymous:" in smaps_rollup); 0 when the file or the
 * line is missing. */
static inline unsigned long mthp_proc_kb(const char *path, const char *key)
{
	char line[256];
	size_t len = strlen(key);
	unsigned long kb = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len)) {
			kb = strtoul(line + len, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

#endif
