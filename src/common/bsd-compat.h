/* SPDX-License-Identifier: MIT */
/*
 * The three BSD calls the command uses - strlcpy(), strlcat() and
 * getprogname() - for a build without libbsd (a statically linked
 * mthpsim for another architecture's guest, where the distribution has
 * no static libbsd to link). Forced into every file of such a build
 * (-include), ahead of the file's own feature macros: so it includes no
 * system header, and uses the compiler's builtins.
 */
#ifndef MTHP_BSD_COMPAT_H
#define MTHP_BSD_COMPAT_H

/* Copies src into dst (size bytes, terminated); returns strlen(src). */
static inline __SIZE_TYPE__ mthp_strlcpy(char *dst, const char *src, __SIZE_TYPE__ size)
{
	__SIZE_TYPE__ n = __builtin_strlen(src);

	if (size) {
		__SIZE_TYPE__ k = n < size - 1 ? n : size - 1;

		__builtin_memcpy(dst, src, k);
		dst[k] = 0;
	}
	return n;
}

/* Appends src to dst (size bytes in all); returns the length it tried
 * to make. */
static inline __SIZE_TYPE__ mthp_strlcat(char *dst, const char *src, __SIZE_TYPE__ size)
{
	__SIZE_TYPE__ have = 0;

	while (have < size && dst[have])
		have++;
	if (have == size)
		return size + __builtin_strlen(src);
	return have + mthp_strlcpy(dst + have, src, size - have);
}

extern char *program_invocation_short_name; /* glibc's */

static inline const char *mthp_getprogname(void)
{
	return program_invocation_short_name;
}

#define strlcpy mthp_strlcpy
#define strlcat mthp_strlcat
#define getprogname mthp_getprogname

#endif
