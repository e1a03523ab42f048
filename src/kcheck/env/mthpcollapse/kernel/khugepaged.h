/* SPDX-License-Identifier: MIT */
/*
 * The kernel environment `mthpsim kcheck` compiles kernel code against: the
 * types, helpers and constants a function of mm/khugepaged.c uses, spelled
 * as the kernel spells them, in userspace.
 *
 * The geometry comes from the compiler's command line: PAGE_SHIFT and
 * MAX_PTRS_PER_PTE always as constants, as in every kernel; the PMD order
 * either as a constant (HPAGE_PMD_ORDER, as on x86_64 or arm64) or, as on
 * ppc64 book3s64, as the boot-time value of a variable
 * (KC_PTE_INDEX_SIZE_AT_BOOT): there one kernel picks the hash or the
 * radix MMU at boot, so PTRS_PER_PTE, HPAGE_PMD_ORDER and HPAGE_PMD_NR are
 * not compile-time constants, and code that sizes an array with them
 * builds here no more than it builds for ppc64.
 *
 * The helpers the kernel evaluates at compile time for constant arguments
 * (ilog2, roundup_pow_of_two, BIT, GENMASK, min, ...) are constant
 * expressions here too.
 *
 * Every kernel name is a macro here, so a definition the checked file
 * brings itself (kcheck puts an #undef before each) takes precedence.
 * Names the C library may define already are defined only when it did
 * not. What the code may do that the kernel would warn about
 * (WARN_ON_ONCE, VM_WARN_ON_ONCE) is recorded through kc_warned(), what
 * it would crash on (BUG_ON, VM_BUG_ON, BUG) through kc_bug(); kcheck
 * reports both as findings.
 */
#ifndef MTHPCOLLAPSE_KERNEL_KHUGEPAGED_H
#define MTHPCOLLAPSE_KERNEL_KHUGEPAGED_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mthpcollapse/kernel/spellings.h>

#if !defined(MAX_PTRS_PER_PTE) || !defined(PAGE_SHIFT) || \
	(!defined(HPAGE_PMD_ORDER) && !defined(KC_PTE_INDEX_SIZE_AT_BOOT))
#error "kcheck defines PAGE_SHIFT, MAX_PTRS_PER_PTE and HPAGE_PMD_ORDER or KC_PTE_INDEX_SIZE_AT_BOOT"
#endif
#ifdef KC_PTE_INDEX_SIZE_AT_BOOT
/* ppc64 book3s64: the MMU chosen at boot sets the PTEs per table */
extern unsigned long __pte_index_size;
#define PTE_INDEX_SIZE __pte_index_size
#define PTRS_PER_PTE (1 << PTE_INDEX_SIZE)
#define HPAGE_PMD_ORDER (PTE_INDEX_SIZE)
#define HPAGE_PMD_NR (1 << HPAGE_PMD_ORDER)
#else
#define PTRS_PER_PTE (1 << HPAGE_PMD_ORDER)
#define HPAGE_PMD_NR (1 << HPAGE_PMD_ORDER)
#endif
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

/* compiler and annotations; the C library defines some of these names */
#define __read_mostly
#define __ro_after_init
#define __initdata
#define __init
#define __exit
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#ifndef __maybe_unused
#define __maybe_unused __attribute__((__unused__))
#endif
#ifndef __must_check
#define __must_check __attribute__((__warn_unused_result__))
#endif
#ifndef noinline
#define noinline __attribute__((__noinline__))
#endif
/* lock annotations, for sparse in the kernel: nothing here */
#define __releases(x)
#define __acquires(x)
#define __must_hold(x)
#define __cond_acquires(x)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define fallthrough __attribute__((__fallthrough__))
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define BUILD_BUG_ON(c) _Static_assert(!(c), "BUILD_BUG_ON: " #c)
/* the kernel's static_assert takes the message as optional */
#undef static_assert
#define static_assert(expr, ...) _Static_assert(expr, "" __VA_ARGS__)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* locks: one thread here, so they only have to exist */
struct mutex { int kc_unused; };
typedef struct { int kc_unused; } spinlock_t;
typedef struct { int kc_unused; } wait_queue_head_t;
#define DEFINE_MUTEX(name) struct mutex name
#define DEFINE_SPINLOCK(name) spinlock_t name
#define DECLARE_WAIT_QUEUE_HEAD(name) wait_queue_head_t name
#define mutex_lock(m) ((void)(m))
#define mutex_unlock(m) ((void)(m))
#define spin_lock(l) ((void)(l))
#define spin_unlock(l) ((void)(l))
#define lockdep_assert_held(l) ((void)(l))
#define mmap_assert_locked(mm) ((void)(mm))
/* guard(mutex)(&lock); and scoped_guard(spinlock, &lock) { ... } */
#define guard(type) (void)
#define scoped_guard(type, ...)                                             \
	for (int kc_scoped_ = ((void)(__VA_ARGS__), 1); kc_scoped_; kc_scoped_ = 0)

/* arithmetic: constant expressions for constant arguments */
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp(v, lo, hi) min(max(v, lo), hi)
#define ALIGN(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define is_power_of_2(n) ((n) != 0 && ((n) & ((n) - 1)) == 0)
#define rounddown_pow_of_two(n) (1UL << ilog2(n))
#define roundup_pow_of_two(n) ((n) <= 1 ? 1UL : 1UL << (ilog2((n) - 1) + 1))
#define order_base_2(n) ((n) > 1 ? ilog2((n) - 1) + 1 : 0)
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

/* warnings the code raises are findings, and so are crashes */
void kc_warned(const char *file, int line, const char *cond);
void kc_bug(const char *file, int line, const char *cond);
#define WARN_ON_ONCE(c)                                                     \
	({ bool kc_c_ = !!(c); if (kc_c_) kc_warned(__FILE__, __LINE__, #c); kc_c_; })
#define WARN_ON(c) WARN_ON_ONCE(c)
#define VM_WARN_ON_ONCE(c) ((void)WARN_ON_ONCE(c))
#define VM_WARN_ON(c) ((void)WARN_ON_ONCE(c))
#define BUG_ON(c)                                                           \
	do { if (c) kc_bug(__FILE__, __LINE__, #c); } while (0)
#define VM_BUG_ON(c) BUG_ON(c)
#define BUG() kc_bug(__FILE__, __LINE__, "BUG()")
/* messages are not findings: dropped */
#define pr_warn_once(...) ((void)0)
#define pr_warn(...) ((void)0)
#define pr_info(...) ((void)0)
#define pr_debug(...) ((void)0)
#define pr_err(...) ((void)0)

#endif
