// SPDX-License-Identifier: MIT
/*
 * The ABI promises of <mthpcollapse/mthpcollapse.h>: options and results
 * that can grow (libbpf's rule), zero meaning "default", the version.
 */
#include "testlib.h"

#include <errno.h>
#include <pthread.h>

#include "mthpcollapse/space.h"
#include "mthpcollapse/verify.h"

static unsigned int calls;

static int count_cb(const struct mthp_range *r, void *data)
{
	(void)r;
	(void)data;
	calls++;
	return MTHP_SCAN_SUCCEED;
}

static struct mthp_geometry x86;
static MTHP_DECLARE_BITMAP(full, MTHP_MAX_PTRS);

static int setup(void **state)
{
	x86 = geo("x86_64");
	mthp_bitmap_zero(full, x86.max_ptrs);
	mthp_bitmap_set(full, 0, x86.pmd_nr);
	calls = 0;
	return 0;
}

/* Zero everywhere but sz and the callback: latest, khugepaged, nothing
 * enabled - so nothing is attempted and the run says SCAN_VMA_CHECK. */
static void zero_means_default(void **state)
{
	MTHP_OPTS(o, .collapse = count_cb);
	MTHP_RESULT(r);

	assert_int_equal(o.model, MTHP_MODEL_LATEST);
	assert_int_equal(MTHP_MODEL_DEFAULT, MTHP_MODEL_LATEST);
	assert_string_equal(mthp_model_name((enum mthp_model)0), "latest");
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &o, &r), 0);
	assert_int_equal(r.result, MTHP_SCAN_VMA_CHECK);
	o.orders = 1u << 9;
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &o, &r), 0);
	assert_int_equal(r.result, MTHP_SCAN_SUCCEED);
	assert_int_equal(r.collapsed, 512);
	assert_int_equal(calls, 1);
}

/*
 * An older caller's smaller struct: everything past its sz takes the
 * default. Cut just before "steps": the record is not written although
 * the caller's memory past sz says where it would go.
 */
static void smaller_opts_take_defaults(void **state)
{
	static struct mthp_step steps[4];
	struct mthp_collapse_opts o = {
		.sz = offsetof(struct mthp_collapse_opts, steps),
		.orders = 1u << 9,
		.collapse = count_cb,
		.steps = steps,
		.steps_cap = 4,
	};
	MTHP_RESULT(r);

	memset(steps, 0xa5, sizeof(steps));
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &o, &r), 0);
	assert_int_equal(r.collapsed, 512);
	assert_int_equal(steps[0].offset, 0xa5a5a5a5u);
	/* cut before the callback: no callback, so -EINVAL */
	o.sz = offsetof(struct mthp_collapse_opts, collapse);
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &o, &r), -EINVAL);
	o.sz = sizeof(size_t) - 1;
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &o, &r), -EINVAL);
	o.sz = 0;
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &o, &r), -EINVAL);
}

/* A newer caller's larger struct: fine while the unknown tail is zero. */
static void larger_opts_need_zero_tail(void **state)
{
	struct {
		struct mthp_collapse_opts o;
		uint64_t future[2];
	} big;
	MTHP_RESULT(r);

	memset(&big, 0, sizeof(big));
	big.o.sz = sizeof(big);
	big.o.orders = 1u << 9;
	big.o.collapse = count_cb;
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &big.o, &r), 0);
	assert_int_equal(r.collapsed, 512);
	big.future[1] = 1;
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &big.o, &r), -EINVAL);
}

/* The result is written up to the caller's sz and no further. */
static void result_written_up_to_sz(void **state)
{
	MTHP_OPTS(o, .orders = 1u << 9, .collapse = count_cb);
	union {
		struct mthp_collapse_result r;
		unsigned char bytes[sizeof(struct mthp_collapse_result) + 16];
	} u;
	size_t cut = offsetof(struct mthp_collapse_result, attempts);

	memset(&u, 0x5a, sizeof(u));
	u.r.sz = cut;
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &o, &u.r), 0);
	assert_int_equal(u.r.sz, cut);
	assert_int_equal(u.r.result, MTHP_SCAN_SUCCEED);
	assert_int_equal(u.r.collapsed, 512);
	for (size_t i = cut; i < sizeof(u.bytes); i++)
		assert_int_equal(u.bytes[i], 0x5a);
	/* too small to hold the result code */
	u.r.sz = offsetof(struct mthp_collapse_result, result);
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &o, &u.r), -EINVAL);
	/* larger than the library knows: its own fields, nothing past them */
	memset(&u, 0x5a, sizeof(u));
	u.r.sz = sizeof(u.bytes);
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &o, &u.r), 0);
	assert_int_equal(u.r.attempts, 1);
	for (size_t i = sizeof(u.r); i < sizeof(u.bytes); i++)
		assert_int_equal(u.bytes[i], 0x5a);
}

/* What used to be undefined behaviour for inputs the API accepted. */
static void no_undefined_behaviour(void **state)
{
	struct mthp_geometry g = x86;
	struct mthp_thp_settings s;

	g.pmd_order = 0;  /* shift by 4294967294 in max_steps */
	assert_int_equal(mthp_collapse_max_steps(&g), 0);
	g = x86;
	g.max_ptrs = 1;   /* ilog2(1) - 2 in the capacity */
	assert_int_equal(mthp_model_stack_capacity(MTHP_MODEL_V15, &g), 0);
	g = x86;
	g.pmd_order = 40; /* 2u << 40 */
	assert_int_equal(mthp_orders_all(&g), 0);
	g = x86;
	g.pmd_order = 20; /* order[20] past the array */
	mthp_thp_settings_default(&s, &x86);
	assert_int_equal(mthp_enabled_orders(&g, MTHP_MODEL_LATEST,
					     MTHP_MODE_KHUGEPAGED, &s, 0), 0);
	assert_int_equal(mthp_enabled_orders(&x86, MTHP_MODEL_LATEST,
					     (enum mthp_mode)7, &s, 0), 0);
	assert_int_equal(mthp_pte_count_present(full, 0, 40), 0);
	/* and the engine refuses such a geometry before any callback */
	MTHP_OPTS(o, .orders = 1u << 9, .collapse = count_cb);
	MTHP_RESULT(r);

	g = x86;
	g.max_ptrs = 65536;
	assert_int_equal(mthp_collapse(&g, full, g.max_ptrs, &o, &r), -EINVAL);
	assert_int_equal(calls, 0);
}

/*
 * The search keeps its stack at the bound, so a callback that re-enters
 * mthp_collapse() costs little C stack per level: 24 nested v15 searches
 * on arm64-64k (v15 nominally reserves 2048 entries) in a thread with a
 * 256 KiB stack. With a 32 KiB stack object per call this overflowed.
 */
struct nest {
	struct mthp_geometry g;
	enum mthp_model model;
	unsigned int depth, deepest;
	bool entered[32]; /* each level re-enters once, on its first call */
	unsigned long *map;
};

static int nest_cb(const struct mthp_range *r, void *data)
{
	struct nest *n = data;

	(void)r;
	if (n->depth < 24 && !n->entered[n->depth]) {
		n->entered[n->depth] = true;
		MTHP_OPTS(o, .model = n->model, .orders = mthp_orders_all(&n->g),
			  .max_ptes_none = 0, .collapse = nest_cb, .data = n);
		MTHP_RESULT(res);

		n->depth++;
		if (n->depth > n->deepest)
			n->deepest = n->depth;
		mthp_collapse(&n->g, n->map, n->g.max_ptrs, &o, &res);
		n->depth--;
	}
	return MTHP_SCAN_EXCEED_NONE_PTE; /* try lower: the whole tree */
}

static void *nest_thread(void *arg)
{
	struct nest *n = arg;
	MTHP_OPTS(o, .model = n->model, .orders = mthp_orders_all(&n->g),
		  .max_ptes_none = 0, .collapse = nest_cb, .data = n);
	MTHP_RESULT(res);

	return (void *)(intptr_t)mthp_collapse(&n->g, n->map, n->g.max_ptrs, &o, &res);
}

/*
 * A callback that re-enters the engine, 24 levels deep, on a 256 KiB
 * thread stack, with the stack search (v15) and with the walk (latest,
 * without a step record: its per-word pass maps live on the stack).
 */
static void reentry_small_stack(void **state)
{
	static struct nest n;
	const enum mthp_model models[] = { MTHP_MODEL_V15, MTHP_MODEL_LATEST };

	for (size_t i = 0; i < 2; i++) {
		pthread_attr_t attr;
		pthread_t t;
		void *ret;

		memset(&n, 0, sizeof(n));
		n.model = models[i];
		n.g = geo("arm64-64k");
		n.map = calloc(mthp_bitmap_longs(n.g.max_ptrs), sizeof(unsigned long));
		assert_non_null(n.map);
		/* a few full order-2 blocks so the search attempts something */
		mthp_bitmap_set(n.map, 0, 64);
		assert_int_equal(pthread_attr_init(&attr), 0);
		assert_int_equal(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
		assert_int_equal(pthread_create(&t, &attr, nest_thread, &n), 0);
		assert_int_equal(pthread_join(t, &ret), 0);
		assert_int_equal((intptr_t)ret, 0);
		assert_int_equal(n.deepest, 24);
		pthread_attr_destroy(&attr);
		free(n.map);
	}
}

/* What a caller holding a whole address space pays per PTE. */
static void pte_is_two_bytes(void **state)
{
	struct mthp_pte p = { .kind = MTHP_PTE_NON_SWAP, .flags = 0x1ff,
			      .folio_order = 15 };

	assert_int_equal(sizeof(struct mthp_pte), 2);
	/* every field holds its largest value */
	assert_int_equal(p.kind, MTHP_PTE_NON_SWAP);
	assert_int_equal(p.flags, MTHP_PTE_NOT_ANON | (MTHP_PTE_NOT_ANON - 1));
	assert_int_equal(p.folio_order, MTHP_MAX_PMD_ORDER);
}

static void version(void **state)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", MTHP_VERSION_MAJOR,
		 MTHP_VERSION_MINOR, MTHP_VERSION_PATCH);
	assert_string_equal(MTHP_VERSION_STRING, want);
	assert_string_equal(mthp_version(), MTHP_VERSION_STRING);
}

/* Every refusal of mthp_collapse() says which argument and which value,
 * through the hook; without a hook the library is silent. */
static char said[256];
static int nsaid;

static void hear(enum mthp_log_level level, const char *msg, void *ctx)
{
	assert_int_equal(level, MTHP_LOG_WARN);
	assert_ptr_equal(ctx, &nsaid);
	snprintf(said, sizeof(said), "%s", msg);
	nsaid++;
}

static void refuse_n(const struct mthp_geometry *g, const unsigned long *map,
		     unsigned int nbits, const struct mthp_collapse_opts *o,
		     struct mthp_collapse_result *r, const char *words)
{
	said[0] = 0;
	nsaid = 0;
	assert_int_equal(mthp_collapse(g, map, nbits, o, r), -EINVAL);
	assert_int_equal(nsaid, 1);
	if (!strstr(said, words))
		fail_msg("said '%s', want '%s' in it", said, words);
	assert_int_equal(calls, 0);
}

static void refuse(const struct mthp_geometry *g, const unsigned long *map,
		   const struct mthp_collapse_opts *o,
		   struct mthp_collapse_result *r, const char *words)
{
	refuse_n(g, map, MTHP_MAX_PTRS, o, r, words);
}

static void refusals_say_why(void **state)
{
	MTHP_OPTS(o, .collapse = count_cb, .orders = 1u << 9);
	MTHP_RESULT(r);
	struct mthp_collapse_opts bad;
	struct mthp_collapse_result small = { .sz = 1 };
	struct mthp_geometry broken = x86;
	struct {
		struct mthp_collapse_opts o;
		uint64_t more;
	} big = { .o = o, .more = 7 };

	(void)state;
	assert_null(mthp_set_log(hear, &nsaid));
	refuse(NULL, full, &o, &r, "g is NULL");
	refuse(&x86, NULL, &o, &r, "bitmap is NULL");
	refuse(&x86, full, NULL, &r, "opts is NULL");
	refuse(&x86, full, &o, NULL, "res is NULL");
	refuse(&x86, full, &o, &small, "res->sz 1 cannot hold the result");
	bad = o;
	bad.sz = 2;
	refuse(&x86, full, &bad, &r, "opts->sz 2: too small");
	big.o.sz = sizeof(big);
	refuse(&x86, full, &big.o, &r, "fields it does not know set");
	broken.pmd_nr = 300;
	refuse(&broken, full, &o, &r, "the geometry is not valid");
	bad = o;
	bad.model = (enum mthp_model)77;
	refuse(&x86, full, &bad, &r, "opts->model 77 is not a model");
	bad = o;
	bad.collapse = NULL;
	refuse(&x86, full, &bad, &r, "opts->collapse is NULL");
	bad = o;
	bad.mode = (enum mthp_mode)5;
	refuse(&x86, full, &bad, &r, "opts->mode 5 is neither");
	bad = o;
	bad.max_ptes_none = 600;
	refuse(&x86, full, &bad, &r, "opts->max_ptes_none 600 is out of range (0..511)");
	bad = o;
	bad.unmapped = 513;
	refuse(&x86, full, &bad, &r, "opts->unmapped 513 is more than the 512 PTEs");
	bad = o;
	bad.orders = 0x3ff;
	refuse(&x86, full, &bad, &r, "opts->orders 0x3ff holds orders x86_64 has not (2..9)");
	refuse_n(&x86, full, 511, &o, &r, "nbits 511: the bitmap is shorter than the 512 PTEs of the table (x86_64)");
	broken = x86;
	broken.sz = 0;
	refuse(&broken, full, &o, &r, "the geometry is not valid");
	/* a good call says nothing; without the hook, nothing is said */
	nsaid = 0;
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &o, &r), 0);
	assert_int_equal(nsaid, 0);
	assert_ptr_equal(mthp_set_log(NULL, NULL), hear);
	bad.orders = 0x3ff;
	assert_int_equal(mthp_collapse(&x86, full, x86.max_ptrs, &bad, &r), -EINVAL);
	assert_int_equal(nsaid, 0);
}

/* A bitmap exactly as long as a table (fewer bits than MAX_PTRS_PER_PTE
 * on ppc64-radix-64k) is enough and is never read past; a shorter one is
 * refused with both lengths. Heap-allocated to its exact size so that the
 * sanitizer build catches a read past it. */
static void bitmap_length_is_honoured(void **state)
{
	MTHP_RESULT(r);

	(void)state;
	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		struct mthp_geometry g = geo(mthp_geometry_name(i));
		MTHP_OPTS(o, .collapse = count_cb, .orders = mthp_orders_all(&g));
		unsigned long *map = malloc(mthp_bitmap_longs(g.pmd_nr) *
					    sizeof(*map));

		assert_non_null(map);
		mthp_bitmap_fill(map, g.pmd_nr);
		calls = 0;
		/* every PTE occupied, every order on, every attempt succeeds:
		 * the PMD order is tried first and takes the whole range */
		assert_int_equal(mthp_collapse(&g, map, g.pmd_nr, &o, &r), 0);
		assert_int_equal(r.result, MTHP_SCAN_SUCCEED);
		assert_int_equal(r.collapsed, g.pmd_nr);
		assert_int_equal(calls, 1);
		free(map);
	}

	struct mthp_geometry a = geo("arm64-64k");
	unsigned long *small = malloc(mthp_bitmap_longs(512) * sizeof(*small));
	MTHP_OPTS(o, .collapse = count_cb, .orders = mthp_orders_all(&a));

	assert_non_null(small);
	mthp_bitmap_fill(small, 512);
	mthp_set_log(hear, &nsaid);
	calls = 0;
	refuse_n(&a, small, 512, &o, &r, "nbits 512: the bitmap is shorter than the 8192 PTEs of the table (arm64-64k)");
	mthp_set_log(NULL, NULL);
	free(small);
}

/* The result numbers are pinned: callers store and compile them in. The
 * table is the 0.4.0 header's numbering (the kernel's order before the
 * mTHP series), written out once by hand; it only ever grows. */
static void result_numbers_pinned(void **state)
{
	static const struct {
		const char *name;
		int value;
	} pinned[] = {
		{ "SCAN_FAIL", 0 }, { "SCAN_SUCCEED", 1 },
		{ "SCAN_NO_PTE_TABLE", 2 }, { "SCAN_PMD_MAPPED", 3 },
		{ "SCAN_EXCEED_NONE_PTE", 4 }, { "SCAN_EXCEED_SWAP_PTE", 5 },
		{ "SCAN_EXCEED_SHARED_PTE", 6 }, { "SCAN_PTE_NON_PRESENT", 7 },
		{ "SCAN_PTE_UFFD_WP", 8 }, { "SCAN_PTE_MAPPED_HUGEPAGE", 9 },
		{ "SCAN_LACK_REFERENCED_PAGE", 10 }, { "SCAN_PAGE_NULL", 11 },
		{ "SCAN_SCAN_ABORT", 12 }, { "SCAN_PAGE_COUNT", 13 },
		{ "SCAN_PAGE_LRU", 14 }, { "SCAN_PAGE_LOCK", 15 },
		{ "SCAN_PAGE_ANON", 16 }, { "SCAN_PAGE_LAZYFREE", 17 },
		{ "SCAN_PAGE_COMPOUND", 18 }, { "SCAN_ANY_PROCESS", 19 },
		{ "SCAN_VMA_NULL", 20 }, { "SCAN_VMA_CHECK", 21 },
		{ "SCAN_ADDRESS_RANGE", 22 }, { "SCAN_DEL_PAGE_LRU", 23 },
		{ "SCAN_ALLOC_HUGE_PAGE_FAIL", 24 },
		{ "SCAN_CGROUP_CHARGE_FAIL", 25 }, { "SCAN_TRUNCATED", 26 },
		{ "SCAN_PAGE_HAS_PRIVATE", 27 }, { "SCAN_STORE_FAILED", 28 },
		{ "SCAN_COPY_MC", 29 }, { "SCAN_PAGE_FILLED", 30 },
		{ "SCAN_PAGE_DIRTY_OR_WRITEBACK", 31 },
		{ "SCAN_INVALID_PTES_NONE", 32 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		enum mthp_scan_result v;

		assert_int_equal(mthp_scan_result_from_name(pinned[i].name, &v), 0);
		if ((int)v != pinned[i].value)
			fail_msg("%s is %d, pinned at %d", pinned[i].name,
				 (int)v, pinned[i].value);
		assert_string_equal(mthp_scan_result_name(pinned[i].value),
				    pinned[i].name);
	}
	/* and a few by their compiled-in names */
	assert_int_equal(MTHP_SCAN_SUCCEED, 1);
	assert_int_equal(MTHP_SCAN_EXCEED_NONE_PTE, 4);
	assert_int_equal(MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL, 24);
	assert_int_equal(MTHP_SCAN_INVALID_PTES_NONE, 32);
	assert_true(MTHP_SCAN_RESULT_COUNT >= 33);
}

/* Geometries and THP settings carry sz: a larger struct (a newer header)
 * is read when what the library does not know is zero, refused when not;
 * one without sz set is refused. */
static void geometry_and_settings_sz(void **state)
{
	struct {
		struct mthp_geometry g;
		uint64_t more;
	} big = { .g = x86, .more = 0 };
	struct {
		struct mthp_thp_settings s;
		uint64_t more;
	} bigs = { .more = 0 };
	struct mthp_thp_settings s;

	(void)state;
	assert_int_equal(x86.sz, sizeof(struct mthp_geometry));
	big.g.sz = sizeof(big);
	assert_true(mthp_geometry_valid(&big.g));
	big.more = 1;
	assert_false(mthp_geometry_valid(&big.g));
	big.g = x86;
	big.g.sz = sizeof(struct mthp_geometry) - 1;
	assert_false(mthp_geometry_valid(&big.g));

	mthp_thp_settings_default(&s, &x86);
	assert_int_equal(s.sz, sizeof(s));
	/* the kernel's defaults: top-level always, PMD size inherits */
	assert_int_equal(mthp_enabled_orders(&x86, MTHP_MODEL_LATEST,
					     MTHP_MODE_KHUGEPAGED, &s, 0),
			 1u << 9);
	bigs.s = s;
	bigs.s.sz = sizeof(bigs);
	assert_int_equal(mthp_enabled_orders(&x86, MTHP_MODEL_LATEST,
					     MTHP_MODE_KHUGEPAGED, &bigs.s, 0),
			 1u << 9);
	bigs.more = 3;
	assert_int_equal(mthp_enabled_orders(&x86, MTHP_MODEL_LATEST,
					     MTHP_MODE_KHUGEPAGED, &bigs.s, 0),
			 0);
	s.sz = 0;
	assert_int_equal(mthp_enabled_orders(&x86, MTHP_MODEL_LATEST,
					     MTHP_MODE_KHUGEPAGED, &s, 0),
			 0);
}

/*
 * What a caller can get wrong, refused as ARCHITECTURE.md promises: a
 * NULL where a value goes, a count without its array, a VMA whose
 * records lie outside the space - each the documented answer, no crash.
 */
static void inconsistent_arguments_refused(void **state)
{
	struct mthp_attempt at[3] = { { 0 } };
	struct mthp_range rg[3] = { { 0 } };
	struct mthp_space sp, copy;
	struct mthp_scenario sc, sc2;
	struct mthp_parse_error e;
	struct mthp_space_totals t = { .scanned = 7 };
	struct mthp_space_visit_opts vo = { .sz = sizeof(vo) };
	enum mthp_scan_result res;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	static const char snap[] = "geometry = x86_64\nvma 0x0-0x400000 none\n"
				   "pmd 0x0 table\nptes = P*512\npmd 0x200000 none\nend 1 2\n";

	(void)state;
	assert_int_equal(mthp_scan_result_from_name("SCAN_SUCCEED", NULL), -EINVAL);
	assert_int_equal(mthp_scan_result_from_name(NULL, &res), -EINVAL);
	assert_int_equal(mthp_pte_state_char(NULL), '?');
	assert_int_equal(mthp_attempts_first_difference(NULL, 3, NULL, 3), -EINVAL);
	assert_int_equal(mthp_attempts_first_difference(at, 3, NULL, 3), -EINVAL);
	assert_int_equal(mthp_attempts_first_difference(NULL, 0, NULL, 0), -1);
	assert_int_equal(mthp_attempts_first_difference(at, 3, at, 3), -1);
	assert_false(mthp_ranges_equal(NULL, 3, NULL, 3));
	assert_false(mthp_ranges_equal(rg, 3, NULL, 3));
	assert_true(mthp_ranges_equal(NULL, 0, NULL, 0));
	assert_true(mthp_ranges_equal(rg, 3, rg, 3));
	mthp_space_totals_add(NULL, &t);
	mthp_space_totals_add(&t, NULL);
	assert_int_equal(t.scanned, 7);
	assert_int_equal(mthp_verify_answer(NULL, NULL), -EINVAL);
	assert_int_equal(mthp_verify_answer(&rg[0], NULL), -EINVAL);

	/* a scenario's fail rules: a count without the array */
	assert_int_equal(mthp_scenario_init(&sc, &x86), 0);
	sc.nfails = 2;
	assert_int_equal(mthp_scenario_copy(&sc2, &sc), -EINVAL);
	sc.nfails = 0;
	mthp_scenario_free(&sc);

	/* a space: counts without arrays, a VMA's records outside it */
	assert_int_equal(mthp_space_read(snap, strlen(snap), &sp, &e), 0);
	struct mthp_space bad = sp;

	bad.vmas = NULL;
	assert_int_equal(mthp_space_copy(&copy, &bad), -EINVAL);
	mthp_space_free(&copy);
	assert_int_equal(mthp_space_write(&bad, f), -EINVAL);
	assert_int_equal(mthp_space_visit(&bad, &vo, NULL, &t), -EINVAL);
	bad = sp;
	bad.pmds = NULL;
	assert_int_equal(mthp_space_copy(&copy, &bad), -EINVAL);
	mthp_space_free(&copy);
	assert_int_equal(mthp_space_write(&bad, f), -EINVAL);
	assert_int_equal(mthp_space_visit(&bad, &vo, NULL, &t), -EINVAL);
	struct mthp_space_vma far = sp.vmas[0];

	bad = sp;
	bad.vmas = &far;
	far.first = 1;
	far.count = 2; /* records 1 and 2 of 2 */
	assert_int_equal(mthp_space_write(&bad, f), -EINVAL);
	assert_int_equal(mthp_space_visit(&bad, &vo, NULL, &t), -EINVAL);
	assert_int_equal(mthp_space_copy(&copy, &bad), -EINVAL);
	mthp_space_free(&copy);
	far.first = (size_t)-1;
	far.count = 2; /* first + count wraps */
	assert_int_equal(mthp_space_write(&bad, f), -EINVAL);
	assert_int_equal(mthp_space_visit(&bad, &vo, NULL, &t), -EINVAL);
	/* as it was, all of them take it */
	assert_int_equal(mthp_space_copy(&copy, &sp), 0);
	assert_int_equal(mthp_space_write(&sp, f), 0);
	assert_int_equal(mthp_space_visit(&copy, &vo, NULL, &t), 0);
	assert_int_equal(t.pmd_ranges, 2);
	mthp_space_free(&copy);
	mthp_space_free(&sp);
	fclose(f);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(inconsistent_arguments_refused, setup),
		cmocka_unit_test_setup(zero_means_default, setup),
		cmocka_unit_test_setup(smaller_opts_take_defaults, setup),
		cmocka_unit_test_setup(larger_opts_need_zero_tail, setup),
		cmocka_unit_test_setup(result_written_up_to_sz, setup),
		cmocka_unit_test_setup(no_undefined_behaviour, setup),
		cmocka_unit_test_setup(reentry_small_stack, setup),
		cmocka_unit_test_setup(version, setup),
		cmocka_unit_test_setup(pte_is_two_bytes, setup),
		cmocka_unit_test_setup(refusals_say_why, setup),
		cmocka_unit_test_setup(bitmap_length_is_honoured, setup),
		cmocka_unit_test_setup(result_numbers_pinned, setup),
		cmocka_unit_test_setup(geometry_and_settings_sz, setup),
	};

	return cmocka_run_group_tests_name("abi", tests, NULL, NULL);
}
