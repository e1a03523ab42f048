/* SPDX-License-Identifier: MIT */
/*
 * The simulator: a mock page table for one PMD range, the scan that fills
 * the occupancy bitmap (counterpart: collapse_scan_pmd()), the collapse
 * attempt the engine calls back (counterpart: collapse_huge_page()), the
 * per-order statistics and trace events, and the scenario file format.
 */
#ifndef MTHPCOLLAPSE_SIM_H
#define MTHPCOLLAPSE_SIM_H

#include "mthpcollapse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the mock page table ---- */

enum mthp_pte_kind {
	MTHP_PTE_NONE,     /* empty */
	MTHP_PTE_ZERO,     /* maps the shared zero page: counts as none */
	MTHP_PTE_PRESENT,  /* maps a page; see the flags */
	MTHP_PTE_SWAP,     /* swap entry */
	MTHP_PTE_NON_SWAP  /* migration entry, marker: not present, not swap */
};

/* Flags of a PTE, or of the folio it maps. */
#define MTHP_PTE_YOUNG    (1u << 0) /* accessed: "referenced" */
#define MTHP_PTE_SHARED   (1u << 1) /* folio maybe mapped by another mm */
#define MTHP_PTE_UFFD_WP  (1u << 2) /* userfaultfd write-protected */
#define MTHP_PTE_NO_PAGE  (1u << 3) /* special mapping: no normal page */
#define MTHP_PTE_LOCKED   (1u << 4) /* folio locked */
#define MTHP_PTE_PINNED   (1u << 5) /* unexpected extra references */
#define MTHP_PTE_NOT_LRU  (1u << 6) /* folio not on an LRU list */
#define MTHP_PTE_LAZYFREE (1u << 7) /* clean lazyfree (MADV_FREE) folio */
#define MTHP_PTE_NOT_ANON (1u << 8) /* not an anonymous page */

/*
 * One PTE in two bytes. A folio is naturally aligned, so its order alone
 * says where it starts: PTE i of an order-k folio belongs to the folio at
 * i & ~(2^k - 1).
 */
struct mthp_pte {
	uint16_t kind : 3;        /* enum mthp_pte_kind */
	uint16_t flags : 9;       /* MTHP_PTE_* */
	uint16_t folio_order : 4; /* order of the folio a present PTE maps */
};

enum mthp_pmd_state {
	MTHP_PMD_TABLE,  /* a PTE table: scan it */
	MTHP_PMD_NONE,   /* no PTE table at all */
	MTHP_PMD_MAPPED  /* already mapped by a PMD */
};

struct mthp_fail_rule {
	struct mthp_range range;
	int result; /* returned by the attempt at range, before anything else */
};

/*
 * A fail rule's offset or order that matches any: (MTHP_FAIL_ANY, 5)
 * makes every order-5 attempt fail, (0, MTHP_FAIL_ANY) every attempt at
 * offset 0, both every attempt. The most specific rule wins: the range's
 * own, then its order's, then its offset's, then the one for all.
 */
#define MTHP_FAIL_ANY 0xffffffffu
struct mthp_scenario;
/* The rule that decides the attempt at r, or NULL when none does. */
const struct mthp_fail_rule *mthp_fail_rule_for(const struct mthp_scenario *s,
						const struct mthp_range *r);

#define MTHP_MAX_FAIL_RULES 256

/* Everything one simulation needs: settings and the page table. */
struct mthp_scenario {
	struct mthp_geometry geometry;
	enum mthp_model model;
	enum mthp_mode mode;
	unsigned int max_ptes_none, max_ptes_swap, max_ptes_shared;
	struct mthp_thp_settings thp;
	unsigned int vma_flags; /* MTHP_VMA_* */
	enum mthp_pmd_state pmd;
	struct mthp_pte *ptes;  /* geometry.pmd_nr entries */
	/* nfails rules (at most MTHP_MAX_FAIL_RULES), owned like ptes:
	 * mthp_scenario_set() grows the array, mthp_scenario_copy() copies it,
	 * mthp_scenario_free() frees it */
	struct mthp_fail_rule *fails;
	size_t nfails;
};

/* Kernel defaults for g, every PTE none. 0 or -ENOMEM. */
int mthp_scenario_init(struct mthp_scenario *s, const struct mthp_geometry *g);
void mthp_scenario_free(struct mthp_scenario *s);
/*
 * Marks the present PTEs of (start, order) as one folio; 0 or -EINVAL
 * (misaligned, out of the table, order above PMD, a present PTE already in
 * another large folio, or present PTEs that disagree on being shared:
 * sharedness belongs to the folio, so all its PTEs agree).
 */
int mthp_scenario_set_folio(struct mthp_scenario *s, unsigned int start,
			    unsigned int order);
/*
 * The words a file gives VMA flags (MTHP_VMA_*), and thp_disabled when
 * set, each after a space (" hugepage uffd"); "" for none. Writes at most
 * len bytes with the NUL, like snprintf(), and returns the length it
 * needs.
 */
size_t mthp_vma_words(unsigned int flags, bool thp_disabled, char *buf,
		      size_t len);
/* PTEs that map an anonymous page: not none, zero page or swapped out. */
unsigned int mthp_scenario_present(const struct mthp_scenario *s);

/* ---- scenario files (the format: README.md, mthpsim-scenario(5)) ---- */

#define MTHP_SCENARIO_MAX_BYTES (1u << 20) /* whole file */
#define MTHP_SCENARIO_MAX_LINE 65536u      /* one line */

/*
 * Why input was refused, as data: code is the negative errno the call
 * returned; line and col are 1-based (line 0: the text did not come from a
 * file; col 0: no place); msg says what, in words.
 */
struct mthp_parse_error {
	int code;
	unsigned int line, col;
	char msg[240];
};

/*
 * Parses scenario text into *s (which it initialises; free it with
 * mthp_scenario_free() even on failure). geometry, when not NULL,
 * overrides the file's. Returns 0, or -EINVAL with *err filled in.
 */
int mthp_scenario_parse(const char *text, size_t len,
			const struct mthp_geometry *geometry,
			struct mthp_scenario *s, struct mthp_parse_error *err);

/* The one-character PTE states of the format ('.', 'z', 'P', ...); '?'
 * for a combination the format has no letter for, and for NULL. */
char mthp_pte_state_char(const struct mthp_pte *pte);

/*
 * Sets one scenario key from its text, exactly as a file line
 * "key = value" would: the same syntax, checks and messages. Keys: model,
 * mode, max_ptes_none, max_ptes_swap, max_ptes_shared, enabled, orders,
 * order.K, vma, pmd, ptes, folio, fail (folio and fail add one more each;
 * the others replace). geometry cannot be set (it sizes the table: give it
 * to mthp_scenario_init() or mthp_scenario_parse()). Returns 0, or -EINVAL
 * with *err filled in (line 0; col counts from 1 in value, 0 when the key
 * itself is wrong). s is unchanged on error but for "fail" and "folio",
 * which add nothing.
 */
int mthp_scenario_set(struct mthp_scenario *s, const char *key,
		      const char *value, struct mthp_parse_error *err);
/*
 * Applies a settings file's text (len bytes) to s: scenario keys, one
 * "key = value" per line, '#' starting a comment; geometry, ptes, folio,
 * fail and pmd (the table's own) are passed over. 0, or -EINVAL with
 * *err's line, column and words at the first line that does not apply
 * (the lines before it are applied).
 */
int mthp_scenario_apply_settings(struct mthp_scenario *s, const char *text,
				 size_t len, struct mthp_parse_error *err);

/*
 * Copies src into dst (which must not be initialised, or must have been
 * freed): the settings, the fail rules and a PTE table of its own. Free it
 * with mthp_scenario_free(). 0, -EINVAL or -ENOMEM.
 */
int mthp_scenario_copy(struct mthp_scenario *dst,
		       const struct mthp_scenario *src);

/*
 * The PTE map codec. mthp_map_parse() reads run-length text (tokens STATE
 * or STATE*COUNT or runs of states like "PPpp..", blank-separated; 'X' is
 * accepted for 'P') of exactly g->pmd_nr PTEs into ptes[0 .. pmd_nr - 1];
 * ptes holds nptes entries, at least g->pmd_nr (fewer is refused).
 * 0, or -EINVAL with *err (col counts from 1 in text). mthp_map_format()
 * writes the map of ptes[0 .. n - 1] into buf as snprintf() would and
 * returns the length it needs; it only writes whole tokens.
 */
int mthp_map_parse(const char *text, size_t len, const struct mthp_geometry *g,
		   struct mthp_pte *ptes, size_t nptes,
		   struct mthp_parse_error *err);
size_t mthp_map_format(const struct mthp_pte *ptes, unsigned int n, char *buf,
		       size_t size);

/*
 * The one number syntax of every input: decimal digits only (no sign,
 * blank, base prefix or exponent), in [lo, hi]. what names the number in
 * the message. 0, or -EINVAL with *err (col counts from 1 in text).
 */
int mthp_parse_number(const char *text, size_t len, const char *what,
		      unsigned long lo, unsigned long hi, unsigned long *out,
		      struct mthp_parse_error *err);

/* ---- one simulated khugepaged (or MADV_COLLAPSE) visit ---- */

struct mthp_scan_info {
	bool ran;     /* false: the range was not scanned (see result) */
	int result;   /* SCAN_SUCCEED or why the scan failed */
	unsigned int none_or_zero, unmapped, shared, referenced, occupied;
};

enum mthp_event_type {
	MTHP_EVENT_SCAN,     /* mm_khugepaged_scan_pmd */
	MTHP_EVENT_COLLAPSE, /* mm_collapse_huge_page */
	MTHP_EVENT_SWAPIN,   /* mm_collapse_huge_page_swapin */
	MTHP_EVENT_ISOLATE   /* mm_collapse_huge_page_isolate */
};
const char *mthp_event_name(enum mthp_event_type t);

struct mthp_event {
	enum mthp_event_type type;
	unsigned int offset, order;
	int status;
	/* what the event's tracepoint reports; unused fields are 0 */
	unsigned int referenced, none_or_zero, unmapped, shared, swapped_in;
};

enum mthp_stat {
	MTHP_STAT_COLLAPSE_ALLOC,
	MTHP_STAT_COLLAPSE_ALLOC_FAILED,
	MTHP_STAT_COLLAPSE_EXCEED_NONE_PTE,
	MTHP_STAT_COLLAPSE_EXCEED_SWAP_PTE,
	MTHP_STAT_COLLAPSE_EXCEED_SHARED_PTE,
	MTHP_STAT_COUNT
};
/* The kernel's file name: "collapse_alloc", ... */
const char *mthp_stat_name(enum mthp_stat s);

/* The /proc/vmstat THP collapse events; every model counts them, at the
 * PMD size only. */
enum mthp_vmstat {
	MTHP_VMSTAT_COLLAPSE_ALLOC,
	MTHP_VMSTAT_COLLAPSE_ALLOC_FAILED,
	MTHP_VMSTAT_SCAN_EXCEED_NONE_PTE,
	MTHP_VMSTAT_SCAN_EXCEED_SWAP_PTE,
	MTHP_VMSTAT_SCAN_EXCEED_SHARE_PTE,
	MTHP_VMSTAT_COUNT
};
/* The kernel's spelling: "thp_collapse_alloc", ..., "thp_scan_exceed_share_pte". */
const char *mthp_vmstat_name(enum mthp_vmstat v);

struct mthp_attempt {
	unsigned int offset, order, occupied;
	int result;
};

struct mthp_sim_result {
	uint32_t enabled_orders;
	struct mthp_scan_info scan;
	struct mthp_collapse_result engine;
	int result; /* the run's: the scan's failure, else the engine's */
	struct mthp_step *steps;
	struct mthp_attempt *attempts;
	size_t nattempts;
	struct mthp_range *collapses;
	size_t ncollapses;
	struct mthp_event *events;
	size_t nevents;
	/* per size, as hugepages-<size>kB/stats/; all zero for a model that
	 * predates them (baseline) */
	unsigned long stats[MTHP_MAX_PMD_ORDER + 1][MTHP_STAT_COUNT];
	unsigned long vmstat[MTHP_VMSTAT_COUNT]; /* as /proc/vmstat */
	size_t cap; /* of steps, attempts and collapses */
	size_t events_cap;
};

/*
 * The attempts among n engine steps, and the successful ones among those:
 * attempts and collapses hold n entries each (the caller's). Returns the
 * attempts; *ncollapses (when not NULL) gets the collapses.
 */
size_t mthp_steps_split(const struct mthp_step *steps, size_t n,
			struct mthp_attempt *attempts,
			struct mthp_range *collapses, size_t *ncollapses);

/* Sizes the arrays for geometry g. 0 or -ENOMEM. */
int mthp_sim_result_init(struct mthp_sim_result *r,
			 const struct mthp_geometry *g);
void mthp_sim_result_free(struct mthp_sim_result *r);

/*
 * Scan the scenario's table, decide, and attempt collapses through the
 * mock. Collapses change s->ptes (and s->pmd), so calling it again
 * simulates khugepaged's next visit. Statistics accumulate in r across
 * calls; everything else in r is reset. Returns 0 or -EINVAL.
 */
int mthp_simulate(struct mthp_scenario *s, struct mthp_sim_result *r);

/*
 * One collapse attempt at rg on the mock page table, exactly as
 * mthp_simulate() makes them for its engine (docs/MODELS.md section 7),
 * for a caller that runs a scan of its own - kcheck runs a kernel file's
 * scan this way: s's fail rules, swap-in when unmapped (the scan's count
 * of non-present entries) is not 0, isolate, and on success the new folio
 * in s. Its statistics are added to r->stats and r->vmstat and its trace
 * events appended to r->events (r from mthp_sim_result_init(); nothing
 * else of r is touched). Returns the attempt's SCAN_* result, or -EINVAL
 * for a NULL argument, an invalid scenario, a range that is not naturally
 * aligned with an order of 2..PMD, or a scenario whose pmd is not a table.
 */
int mthp_mock_attempt(struct mthp_scenario *s, const struct mthp_range *rg,
		      unsigned int unmapped, struct mthp_sim_result *r);

/*
 * Visits repeated (scan, decide, attempt) until one collapses nothing or
 * leaves the table as it was - the fixed point - or max visits collapsed
 * something; docs/MODELS.md section 9 (creep). each, when not NULL, sees
 * the scenario and the result after every visit that collapsed. Returns
 * the number of such visits, or -errno (-EINVAL for a scenario
 * mthp_simulate() refuses); *converged (may be NULL) says whether the
 * fixed point was reached.
 */
typedef void (*mthp_round_fn)(void *ctx, unsigned int round,
			      const struct mthp_scenario *s,
			      const struct mthp_sim_result *r);
int mthp_simulate_rounds(struct mthp_scenario *s, unsigned int max,
			 mthp_round_fn each, void *ctx, bool *converged);

/*
 * Two runs compared, as mthpsim diff compares models: the index of the
 * first attempt that differs in range or result (-1 when the lists are
 * the same; the shorter list's length when one is a prefix of the
 * other; -EINVAL for a count without its array), and whether two lists
 * of ranges are the same (false for a count without its array).
 */
long mthp_attempts_first_difference(const struct mthp_attempt *a, size_t na,
				    const struct mthp_attempt *b, size_t nb);
bool mthp_ranges_equal(const struct mthp_range *a, size_t na,
		       const struct mthp_range *b, size_t nb);

/*
 * The scan alone, filling bitmap, which holds nbits bits: at least
 * s->geometry.max_ptrs, every one of which it writes. 0, or -EINVAL (said
 * through the log hook) for a NULL pointer, an invalid scenario, a short
 * bitmap or orders the geometry has not.
 */
int mthp_scan(const struct mthp_scenario *s, uint32_t enabled_orders,
	      unsigned long *bitmap, unsigned int nbits,
	      struct mthp_scan_info *info);

/* ---- the running machine ---- */

/*
 * The running machine's geometry: the page size and
 * root/hpage_pmd_size (root NULL: /sys/kernel/mm/transparent_hugepage);
 * a named profile of this architecture when one has that shape, else a
 * custom one. 0, or -errno with *err naming the file.
 */
int mthp_live_geometry(const char *root, struct mthp_geometry *g,
		       struct mthp_parse_error *err);
/*
 * Applies the running kernel's THP settings to s: root/enabled, every
 * root/hugepages-<size>kB/enabled of an order 2 .. PMD of s's geometry
 * (a size the kernel lacks keeps its default) and
 * root/khugepaged/max_ptes_{none,swap,shared}, each through
 * mthp_scenario_set(). 0, or -errno / -EINVAL with *err naming the file.
 */
int mthp_live_settings(const char *root, struct mthp_scenario *s,
		       struct mthp_parse_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MTHPCOLLAPSE_SIM_H */
