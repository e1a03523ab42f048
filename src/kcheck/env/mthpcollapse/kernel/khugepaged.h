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
#include <string.h>

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
/*
 * The _FOLIO and _PAGE forms assert what a folio or page the code was
 * handed must be: one that fires says the case made a folio the file's
 * callers rule out (a page that is not anonymous in an anonymous VMA), so
 * kcheck does not compare that case (kc_assumed()); the _VMA and _MM forms
 * are findings like the plain ones.
 */
void kc_assumed(const char *file, int line, const char *cond, int fatal);
#define KC_ASSUME_(c, fatal)                                                \
	({ bool kc_c_ = !!(c); if (kc_c_) kc_assumed(__FILE__, __LINE__, #c, fatal); kc_c_; })
#define VM_WARN_ON_FOLIO(c, x) ((void)(x), (void)KC_ASSUME_(c, 0))
#define VM_WARN_ON_ONCE_FOLIO(c, x) ((void)(x), (void)KC_ASSUME_(c, 0))
#define VM_WARN_ON_ONCE_PAGE(c, x) ((void)(x), (void)KC_ASSUME_(c, 0))
#define VM_BUG_ON_FOLIO(c, x) do { (void)(x); (void)KC_ASSUME_(c, 1); } while (0)
#define VM_BUG_ON_PAGE(c, x) do { (void)(x); (void)KC_ASSUME_(c, 1); } while (0)
#define VM_BUG_ON_VMA(c, x) do { (void)(x); BUG_ON(c); } while (0)
#define VM_BUG_ON_MM(c, x) do { (void)(x); BUG_ON(c); } while (0)
#define BUG() kc_bug(__FILE__, __LINE__, "BUG()")
/* messages are not findings: dropped */
#define pr_warn_once(...) ((void)0)
#define pr_warn(...) ((void)0)
#define pr_info(...) ((void)0)
#define pr_debug(...) ((void)0)
#define pr_err(...) ((void)0)

/*
 * ---- One scan's world: the page table, the folios and the VMA ----
 *
 * FAKES (working stand-ins that answer from the case kcheck runs): the
 * PTE table of the range, one entry per PTE of the case (kind, flags and
 * the order of the folio it maps, as the library's mock page table has
 * them); the pages and folios behind the present entries; the VMA.
 * pte_offset_map_lock() hands out the table, ptep_get() reads an entry,
 * and the pte_*, vm_normal_page(), page_folio() and folio_* queries answer
 * from the entry. A folio is seen through the PTE it was reached from:
 * locked, pinned, off-LRU and lazyfree are states of the entry, as the
 * mock has them. A shared folio is mapped by one other process, which maps
 * only the folio's first page: folio_maybe_mapped_shared() is true for
 * every page of it, page_mapcount() is 2 for its first page alone.
 * RECORDED: count_vm_event(), count_mthp_stat() and the scan's trace
 * point go to kcheck, which compares them with the model's.
 * CONSTANT: one NUMA node, no node reclaim, no swap cache, every present
 * page writable, no young bit but the PTE's own.
 */
enum { KC_PTE_NONE, KC_PTE_ZERO, KC_PTE_PRESENT, KC_PTE_SWAP, KC_PTE_NON_SWAP };
/* the flags, as the library's MTHP_PTE_* */
#define KC_PTE_YOUNG (1u << 0)
#define KC_PTE_SHARED (1u << 1)
#define KC_PTE_UFFD_WP (1u << 2)
#define KC_PTE_NO_PAGE (1u << 3)
#define KC_PTE_LOCKED (1u << 4)
#define KC_PTE_PINNED (1u << 5)
#define KC_PTE_NOT_LRU (1u << 6)
#define KC_PTE_LAZYFREE (1u << 7)
#define KC_PTE_NOT_ANON (1u << 8)
struct kc_fake_pte {
	uint8_t kind, order;
	uint16_t flags;
};
typedef struct {
	struct kc_fake_pte e;
	unsigned int kc_idx;
} pte_t;
typedef struct { int kc_unused; } pmd_t;
struct page { unsigned int kc_idx; };
struct folio { struct page page; };
extern pte_t kc_table[MAX_PTRS_PER_PTE];
extern struct page kc_pages[MAX_PTRS_PER_PTE];
extern struct folio kc_folios[MAX_PTRS_PER_PTE];
/* what kcheck's entry point provides for the fakes */
unsigned long kc_allowable_orders(unsigned long orders);
void kc_count_vm_event(int item, long n);
void kc_count_mthp_stat(int order, int item, long n);
void kc_scan_traced(long referenced, long none_or_zero, long status, long unmapped);
pte_t *kc_pte_map(unsigned long addr);

#define KC_ZERO_PFN 0x10UL
#define KC_PFN_BASE 0x1000UL
#define pte_offset_map_lock(mm, pmd, addr, ptlp) \
	((void)(mm), (void)(pmd), (void)(ptlp), kc_pte_map(addr))
#define pte_offset_map_nolock(mm, pmd, addr, ptlp) \
	pte_offset_map_lock(mm, pmd, addr, ptlp)
#define pte_offset_map_rw_nolock(mm, pmd, addr, pmdv, ptlp) \
	((void)(pmdv), pte_offset_map_lock(mm, pmd, addr, ptlp))
#define pte_offset_map(pmd, addr) ((void)(pmd), kc_pte_map(addr))
#define pte_unmap_unlock(pte, ptl) ((void)(pte), (void)(ptl))
#define pte_unmap(pte) ((void)(pte))
#define ptep_get(p) (*(p))
#define ptep_get_lockless(p) (*(p))
#define pte_none(p) ((p).e.kind == KC_PTE_NONE)
#define pte_present(p) ((p).e.kind == KC_PTE_PRESENT || (p).e.kind == KC_PTE_ZERO)
#define is_swap_pte(p) (!pte_none(p) && !pte_present(p))
#define pte_swp_uffd_wp(p) (!pte_present(p) && ((p).e.flags & KC_PTE_UFFD_WP) != 0)
#define pte_swp_uffd_wp_any(p) pte_swp_uffd_wp(p)
#define pte_uffd_wp(p) (pte_present(p) && ((p).e.flags & KC_PTE_UFFD_WP) != 0)
/* the mm tree's names for the two above: uffd-wp, or any uffd marking */
#define pte_uffd(p) pte_uffd_wp(p)
#define pte_swp_uffd_any(p) pte_swp_uffd_wp(p)
/* a page shared with another process after fork() is write-protected in
 * both (copy on write); every other present page has been written */
#define pte_write(p) ((p).e.kind == KC_PTE_PRESENT && !((p).e.flags & KC_PTE_SHARED))
#define pte_young(p) (pte_present(p) && ((p).e.flags & KC_PTE_YOUNG) != 0)
#define pte_dirty(p) (pte_present(p) && !((p).e.flags & KC_PTE_LAZYFREE))
#define pte_pfn(p) ((p).e.kind == KC_PTE_ZERO ? KC_ZERO_PFN : KC_PFN_BASE + (p).kc_idx)
#define is_zero_pfn(pfn) ((pfn) == KC_ZERO_PFN)
#define my_zero_pfn(addr) ((void)(addr), KC_ZERO_PFN)
static inline struct page *kc_normal_page(pte_t p)
{
	if (p.e.kind != KC_PTE_PRESENT || (p.e.flags & KC_PTE_NO_PAGE))
		return NULL;
	return &kc_pages[p.kc_idx];
}
#define vm_normal_page(vma, addr, p) ((void)(vma), (void)(addr), kc_normal_page(p))
#define page_folio(pg) (&kc_folios[(pg)->kc_idx])
#define vm_normal_folio(vma, addr, p) \
	(kc_normal_page(p) ? page_folio(kc_normal_page(p)) : (struct folio *)NULL)
#define pfn_folio(pfn) (&kc_folios[(pfn) - KC_PFN_BASE])
#define folio_pfn(f) (KC_PFN_BASE + (f)->page.kc_idx)
#define page_to_pfn(pg) (KC_PFN_BASE + (pg)->kc_idx)
#define folio_page(f, n) (&kc_pages[(f)->page.kc_idx + (n)])
#define folio_is_zone_device(f) ((void)(f), false)
#define kc_entry_of(f) (kc_table[(f)->page.kc_idx].e)
#define folio_order(f) ((unsigned int)kc_entry_of(f).order)
#define folio_nr_pages(f) (1L << folio_order(f))
#define folio_test_large(f) (folio_order(f) > 0)
#define folio_test_anon(f) (!(kc_entry_of(f).flags & KC_PTE_NOT_ANON))
#define folio_test_lru(f) (!(kc_entry_of(f).flags & KC_PTE_NOT_LRU))
#define folio_test_locked(f) ((kc_entry_of(f).flags & KC_PTE_LOCKED) != 0)
#define folio_test_swapcache(f) ((void)(f), false)
#define folio_test_swapbacked(f) (!(kc_entry_of(f).flags & KC_PTE_LAZYFREE))
#define folio_test_lazyfree(f) (folio_test_anon(f) && !folio_test_swapbacked(f))
#define folio_test_dirty(f) (!(kc_entry_of(f).flags & KC_PTE_LAZYFREE))
#define folio_test_young(f) ((void)(f), false)
#define folio_test_referenced(f) ((void)(f), false)
#define folio_test_ksm(f) ((void)(f), false)
#define folio_maybe_mapped_shared(f) ((kc_entry_of(f).flags & KC_PTE_SHARED) != 0)
#define folio_likely_mapped_shared(f) folio_maybe_mapped_shared(f)
#define folio_mapcount(f) ((int)folio_nr_pages(f) + (folio_maybe_mapped_shared(f) ? 1 : 0))
#define folio_expected_ref_count(f) folio_mapcount(f)
#define folio_ref_count(f) \
	(folio_mapcount(f) + ((kc_entry_of(f).flags & KC_PTE_PINNED) ? 1 : 0))
static inline int kc_page_mapcount(unsigned int i)
{
	struct kc_fake_pte e = kc_table[i].e;

	if (!(e.flags & KC_PTE_SHARED))
		return 1;
	return (i & ((1u << e.order) - 1)) == 0 ? 2 : 1;
}
#define page_mapcount(pg) kc_page_mapcount((pg)->kc_idx)
#define folio_precise_page_mapcount(f, pg) ((void)(f), page_mapcount(pg))
#define folio_nid(f) ((void)(f), 0)
#define folio_test_private(f) ((void)(f), false)
#define folio_test_writeback(f) ((void)(f), false)
#define folio_maybe_dma_pinned(f) ((kc_entry_of(f).flags & KC_PTE_PINNED) != 0)
/* Linux 6.1 asks the same questions of the page (the folio's head) */
#define kc_head(pg) (&kc_folios[(pg)->kc_idx])
#define compound_head(pg) (&kc_pages[(pg)->kc_idx])
#define compound_order(pg) folio_order(kc_head(pg))
#define compound_nr(pg) folio_nr_pages(kc_head(pg))
#define PageCompound(pg) folio_test_large(kc_head(pg))
#define PageTransCompound(pg) folio_test_large(kc_head(pg))
#define PageAnon(pg) folio_test_anon(kc_head(pg))
#define PageLRU(pg) folio_test_lru(kc_head(pg))
#define PageLocked(pg) folio_test_locked(kc_head(pg))
#define PageSwapCache(pg) ((void)(pg), false)
#define PageSwapBacked(pg) folio_test_swapbacked(kc_head(pg))
#define PageReferenced(pg) ((void)(pg), false)
#define page_is_young(pg) ((void)(pg), false)
#define page_has_private(pg) ((void)(pg), false)
#define total_mapcount(pg) folio_mapcount(kc_head(pg))
#define page_count(pg) folio_ref_count(kc_head(pg))
#define page_maybe_dma_pinned(pg) folio_maybe_dma_pinned(kc_head(pg))
#define is_zone_device_page(pg) ((void)(pg), false)
#define page_to_nid(pg) ((void)(pg), 0)
#define mmu_notifier_test_young(mm, addr) ((void)(mm), (void)(addr), false)
/* one node, no node reclaim */
#define node_reclaim_mode 0
#define node_reclaim_enabled() false
#define node_distance(a, b) ((a) == (b) ? 10 : 20)
#define node_reclaim_distance 30
#define nodes_clear(mask) memset(&(mask), 0, sizeof(mask))
#define node_set(node, mask) ((void)(node), (void)(mask))
#define node_isset(node, mask) ((void)(node), (void)(mask), true)
#define cond_resched() ((void)0)
#define lru_add_drain() ((void)0)
#define mmap_read_lock(mm) ((void)(mm))
#define mmap_read_unlock(mm) ((void)(mm))
/* which orders the VMA allows: the case's */
#define VM_HUGEPAGE 0x20000000UL
#define VM_NOHUGEPAGE 0x40000000UL
/* flags the case's VMA never has: it is private, anonymous, not droppable */
#define VM_SHARED 0x00000008UL
#define VM_DROPPABLE (1UL << 40)
/* how hard an allocation tries: the words exist, nothing allocates here */
typedef unsigned int gfp_t;
#define GFP_KERNEL 0x1u
#define GFP_TRANSHUGE_LIGHT 0x2u
#define GFP_TRANSHUGE 0x3u
#define TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG 6
#define transparent_hugepage_flags 0UL
#define vma_is_anonymous(vma) ((void)(vma), true)
#define PMD_ORDER HPAGE_PMD_ORDER
#define THP_ORDERS_ALL_ANON ((BIT(HPAGE_PMD_ORDER + 1) - 1) & ~(BIT(0) | BIT(1)))
enum tva_type { TVA_SMAPS, TVA_PAGEFAULT, TVA_KHUGEPAGED, TVA_FORCED_COLLAPSE };
#define TVA_ENFORCE_SYSFS 1
#define thp_vma_allowable_orders(vma, vm_flags, type, orders) \
	((void)(vma), (void)(vm_flags), (void)(type), kc_allowable_orders(orders))
#define thp_vma_allowable_order(vma, vm_flags, type, order) \
	(kc_allowable_orders(thp_vma_allowable_orders(vma, vm_flags, type, BIT(order))) != 0)
/* the events and statistics the scan counts, in the library's order */
enum vm_event_item { THP_COLLAPSE_ALLOC, THP_COLLAPSE_ALLOC_FAILED,
	THP_SCAN_EXCEED_NONE_PTE, THP_SCAN_EXCEED_SWAP_PTE,
	THP_SCAN_EXCEED_SHARED_PTE };
enum mthp_stat_item { MTHP_STAT_COLLAPSE_ALLOC, MTHP_STAT_COLLAPSE_ALLOC_FAILED,
	MTHP_STAT_COLLAPSE_EXCEED_NONE, MTHP_STAT_COLLAPSE_EXCEED_SWAP,
	MTHP_STAT_COLLAPSE_EXCEED_SHARED };
#define count_vm_event(item) kc_count_vm_event((item), 1)
#define count_vm_events(item, n) kc_count_vm_event((item), (n))
#define count_mthp_stat(order, item) kc_count_mthp_stat((order), (item), 1)
/* the scan's trace point, in mainline's two shapes: (mm, folio,
 * referenced, none_or_zero, status, unmapped) and, before 6.14, with the
 * page and a writable flag after mm */
#define KC_NARGS_(a1, a2, a3, a4, a5, a6, a7, n, ...) n
#define KC_NARGS(...) KC_NARGS_(__VA_ARGS__, 7, 6, 5, 4, 3, 2, 1, 0)
#define KC_CAT_(a, b) a##b
#define KC_CAT(a, b) KC_CAT_(a, b)
#define KC_SCAN_TRACE_6(mm, f, ref, none, st, unm) \
	((void)(mm), (void)(f),                                             \
	 kc_scan_traced((long)(ref), (long)(none), (long)(st), (long)(unm)))
#define KC_SCAN_TRACE_7(mm, pg, w, ref, none, st, unm) \
	((void)(mm), (void)(pg), (void)(w),                                 \
	 kc_scan_traced((long)(ref), (long)(none), (long)(st), (long)(unm)))
/* a trace point kcheck does not record: its arguments are evaluated and
 * dropped, as a kernel without tracing would still have them used */
static inline void kc_trace_dropped(int n, ...) { (void)n; }
#define trace_mm_khugepaged_scan_pmd(...) \
	KC_CAT(KC_SCAN_TRACE_, KC_NARGS(__VA_ARGS__))(__VA_ARGS__)


#endif
