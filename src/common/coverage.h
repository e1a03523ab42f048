/* SPDX-License-Identifier: MIT */
/*
 * A coverage build's counts, written now: for a process about to end in
 * a way that skips the write at exit - _exit(), a signal of its own, or a
 * SIGKILL it waits for - and whose counts (a forked process starts from
 * zero) would be lost. Nothing in any other build.
 */
#ifndef MTHP_COVERAGE_H
#define MTHP_COVERAGE_H

#ifdef MTHP_COVERAGE
void __gcov_dump(void);

static inline void mthp_coverage_dump(void)
{
	__gcov_dump();
}
#else
static inline void mthp_coverage_dump(void)
{
}
#endif

#endif
