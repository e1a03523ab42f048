/* SPDX-License-Identifier: MIT */
/*
 * The kernel environment `mthpsim kcheck` compiles kernel code against: the
 * types, helpers and constants a function of mm/khugepaged.c uses, spelled
 * as the kernel spells them, in userspace. kcheck defines, on the compiler
 * command line, the geometry's constants (HPAGE_PMD_ORDER, HPAGE_PMD_NR,
 * MAX_PTRS_PER_PTE, PAGE_SHIFT) - compile-time constants, as in the
 * kernel, since arrays are sized from them.
 *
 * Every kernel name is a macro here, so a definition the checked file
 * brings itself (kcheck puts an #undef before each) takes precedence.
 * What the code may do that the kernel would warn about (WARN_ON_ONCE,
 * VM_WARN_ON_ONCE, VM_BUG_ON, BUG_ON) is recorded through kc_warned(),
 * which kcheck reports as a finding.
 */
#ifndef MTHPCOLLAPSE_KERNEL_KHUGEPAGED_H
#define MTHPCOLLAPSE_KERNEL_KHUGEPAGED_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spellings.h"

#if !defined(HPAGE_PMD_ORDER) || !defined(MAX_PTRS_PER_PTE) || !defined(PAGE_SHIFT)
#error "kcheck defines HPAGE_PMD_ORDER, MAX_PTRS_PER_PTE and PAGE_SHIFT"
#endif
#ifndef HPAGE_PMD_NR
#define HPAGE_PMD_NR (1 << HPAGE_PMD_ORDER)
#endif
#define PTRS_PER_PTE HPAGE_PMD_NR
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define HPAGE_PMD_SHIFT (PAGE_SHIFT + HPAGE_PMD_ORDER)
#define HPAGE_PMD_SIZE (1UL << HPAGE_PMD_SHIFT)
#define HPAGE_PMD_MASK (~(HPAGE_PMD_SIZE - 1))

/* types */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef unsigned long vm_flags_t;
typedef struct { unsigned long bits[1]; } nodemask_t;
#define MAX_NUMNODES 1
#define NUMA_NO_NODE (-1)
struct mm_struct { int kc_unused; };
struct page;
struct folio;
/* what kcheck sets for the code to read */
struct vm_area_struct {
	struct mm_struct *vm_mm;
	unsigned long vm_start, vm_end;
	vm_flags_t vm_flags;
	bool kc_uffd_armed;
};
#define userfaultfd_armed(vma) ((vma)->kc_uffd_armed)

/* compiler and annotations */
#define __read_mostly
#define __always_inline inline
#define __maybe_unused __attribute__((unused))
#define __must_check
#define noinline __attribute__((noinline))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define fallthrough __attribute__((__fallthrough__))
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define BUILD_BUG_ON(c) _Static_assert(!(c), "BUILD_BUG_ON: " #c)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* arithmetic */
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define ALIGN(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define is_power_of_2(n) ((n) != 0 && ((n) & ((n) - 1)) == 0)
#define fls_long(x) ((x) ? (int)(sizeof(long) * 8) - __builtin_clzl(x) : 0)
#define highest_order(orders) (fls_long(orders) - 1)
#define next_order(orders, prev) \
	((*(orders) &= ~BIT(prev)) ? highest_order(*(orders)) : 0)
#define is_pmd_order(order) ((order) == HPAGE_PMD_ORDER)

/* bitmaps beyond spellings.h */
#define bitmap_copy(dst, src, nbits) \
	__builtin_memcpy((dst), (src), MTHP_BITS_TO_LONGS(nbits) * sizeof(long))
#define kc_find_next_zero_bit(map, size, off)                               \
	({ unsigned long kc_o_ = (off);                                     \
	   while (kc_o_ < (size) && mthp_test_bit(kc_o_, (map)))           \
		kc_o_++;                                                    \
	   kc_o_; })
#define find_next_zero_bit(map, size, off) kc_find_next_zero_bit(map, size, off)

/* warnings the code raises are findings */
void kc_warned(const char *file, int line, const char *cond);
#define WARN_ON_ONCE(c)                                                     \
	({ bool kc_c_ = !!(c); if (kc_c_) kc_warned(__FILE__, __LINE__, #c); kc_c_; })
#define WARN_ON(c) WARN_ON_ONCE(c)
#define VM_WARN_ON_ONCE(c) ((void)WARN_ON_ONCE(c))
#define VM_WARN_ON(c) ((void)WARN_ON_ONCE(c))
#define VM_BUG_ON(c) ((void)WARN_ON_ONCE(c))
#define BUG_ON(c) ((void)WARN_ON_ONCE(c))
#define BUG() kc_warned(__FILE__, __LINE__, "BUG()")
/* messages are not findings: dropped */
#define pr_warn_once(...) ((void)0)
#define pr_warn(...) ((void)0)
#define pr_info(...) ((void)0)
#define pr_debug(...) ((void)0)
#define pr_err(...) ((void)0)

#endif
