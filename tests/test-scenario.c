// SPDX-License-Identifier: MIT
/* Scenario files: every key, and every error with its line and column. */
#include "testlib.h"

#include <errno.h>
#include <stdlib.h>

#include "mthpcollapse/sim.h"

static int parse(const char *text, struct mthp_scenario *s,
		 struct mthp_parse_error *e)
{
	return mthp_scenario_parse(text, strlen(text), NULL, s, e);
}

static void every_key(void **state)
{
	struct mthp_scenario s;
	struct mthp_parse_error e;
	const char *text =
		"# a comment line\n"
		"geometry = ppc64-radix-64k\n"
		"model = v19-swapfix   # trailing comment\n"
		"mode = madvise\n"
		"max_ptes_none = 0\n"
		"max_ptes_swap = 3\n"
		"\tmax_ptes_shared=7\r\n"
		"enabled = madvise\n"
		"order.2 = always\n"
		"order.4 = inherit\n"
		"order.5 = never\n"
		"vma = hugepage uffd\n"
		"\n"
		"ptes = . z P p S s w W m u n L c r f a *16 PPPP.... P*8\n"
		"folio = 8 3\n"
		"fail = 0:5 SCAN_ALLOC_HUGE_PAGE_FAIL\n"
		"fail = 16:4 PAGE_LOCK\n"
		"pmd = table\n";

	/* "*16" alone has no state: an error; fix the map and retry */
	assert_int_equal(parse(text, &s, &e), -EINVAL);
	assert_int_equal(e.line, 14);
	mthp_scenario_free(&s);
	text = "geometry = ppc64-radix-64k\n"
	       "model = v19-swapfix   # trailing comment\n"
	       "mode = madvise\n"
	       "max_ptes_none = 0\n"
	       "max_ptes_swap = 3\n"
	       "\tmax_ptes_shared=7\r\n"
	       "enabled = madvise\n"
	       "order.2 = always\n"
	       "order.4 = inherit\n"
	       "order.5 = never\n"
	       "vma = hugepage uffd\n"
	       "ptes = . z P p S s w W m u n L c r f a PPPP.... P*8\n"
	       "folio = 16 3\n"
	       "fail = 0:5 SCAN_ALLOC_HUGE_PAGE_FAIL\n"
	       "fail = 16:4 PAGE_LOCK\n"
	       "pmd = table\n";
	assert_int_equal(parse(text, &s, &e), 0);
	assert_string_equal(s.geometry.name, "ppc64-radix-64k");
	assert_int_equal(s.model, MTHP_MODEL_V19_SWAPFIX);
	assert_int_equal(s.mode, MTHP_MODE_MADVISE);
	assert_int_equal(s.max_ptes_none, 0);
	assert_int_equal(s.max_ptes_swap, 3);
	assert_int_equal(s.max_ptes_shared, 7);
	assert_int_equal(s.thp.enabled, MTHP_THP_MADVISE);
	assert_int_equal(s.thp.order[2], MTHP_THP_ALWAYS);
	assert_int_equal(s.thp.order[3], MTHP_THP_NEVER);
	assert_int_equal(s.thp.order[4], MTHP_THP_INHERIT);
	assert_int_equal(s.thp.order[5], MTHP_THP_NEVER);
	assert_int_equal(s.vma_flags, MTHP_VMA_HUGEPAGE | MTHP_VMA_UFFD);
	assert_int_equal(s.pmd, MTHP_PMD_TABLE);
	/* the states, in the order written */
	const char *want = ".zPpSswWmunLcrfaPPPP....PPPPPPPP";

	for (unsigned int i = 0; i < 32; i++)
		assert_int_equal(mthp_pte_state_char(&s.ptes[i]), want[i]);
	assert_int_equal(s.ptes[6].kind, MTHP_PTE_SWAP);
	assert_int_equal(s.ptes[8].kind, MTHP_PTE_NON_SWAP);
	assert_int_equal(s.ptes[3].flags, 0); /* p: present, not young */
	assert_int_equal(s.ptes[4].flags, MTHP_PTE_SHARED | MTHP_PTE_YOUNG);
	/* folio 16 3 covers 16..23: the present ones map it */
	assert_int_equal(s.ptes[16].folio_order, 3);
	assert_int_equal(s.ptes[19].folio_order, 3); /* of the folio at 16 */
	assert_int_equal(s.ptes[20].folio_order, 0); /* '.' maps nothing */
	assert_int_equal(s.ptes[24].folio_order, 0);
	assert_int_equal(s.nfails, 2);
	assert_int_equal(s.fails[0].range.offset, 0);
	assert_int_equal(s.fails[0].range.order, 5);
	assert_int_equal(s.fails[0].result, MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL);
	assert_int_equal(s.fails[1].result, MTHP_SCAN_PAGE_LOCK);
	mthp_scenario_free(&s);
}

static void defaults(void **state)
{
	struct mthp_scenario s;

	assert_int_equal(parse("ptes = P*512", &s, NULL), 0);
	assert_string_equal(s.geometry.name, "x86_64");
	assert_int_equal(s.model, MTHP_MODEL_LATEST); /* no model line: latest */
	assert_int_equal(s.mode, MTHP_MODE_KHUGEPAGED);
	assert_int_equal(s.max_ptes_none, 511);
	assert_int_equal(s.max_ptes_swap, 64);
	assert_int_equal(s.max_ptes_shared, 256);
	assert_int_equal(s.thp.enabled, MTHP_THP_ALWAYS);
	assert_int_equal(s.thp.order[9], MTHP_THP_INHERIT);
	assert_int_equal(s.thp.order[2], MTHP_THP_NEVER);
	assert_int_equal(s.vma_flags, 0);
	assert_int_equal(s.nfails, 0);
	mthp_scenario_free(&s);
	/* no table: the map may be left out */
	assert_int_equal(parse("pmd = none", &s, NULL), 0);
	assert_int_equal(s.pmd, MTHP_PMD_NONE);
	mthp_scenario_free(&s);
	assert_int_equal(parse("pmd = mapped\nvma = none", &s, NULL), 0);
	assert_int_equal(s.pmd, MTHP_PMD_MAPPED);
	mthp_scenario_free(&s);
}

static void geometry_override(void **state)
{
	struct mthp_scenario s;
	struct mthp_parse_error e;
	struct mthp_geometry g = geo("s390x");

	const char *text = "geometry = x86_64\nptes = P*256";

	assert_int_equal(mthp_scenario_parse(text, strlen(text), &g, &s, &e), 0);
	assert_string_equal(s.geometry.name, "s390x");
	assert_int_equal(s.max_ptes_swap, 32);
	mthp_scenario_free(&s);
}

static const struct {
	const char *text;
	unsigned int line, col;
	const char *needle;
} bad[] = {
	{ "geometry = vax\nptes = P*512", 1, 12, "unknown geometry 'vax'" },
	{ "geometry = ppc64-hash-4k\nptes = P*256", 1, 12, "no transparent huge pages" },
	{ "geometry = custom:12:24:32", 1, 12, "24 is not a power of two" },
	{ "ptes = P*512\nfoo = 1", 2, 1, "unknown key 'foo'" },
	{ "ptes = P*512\nModel = v15", 2, 1, "unknown key 'Model'" },
	{ "model = v15\nmodel = v19\nptes = P*512", 2, 1,
	  "duplicate key 'model' (first set on line 1)" },
	{ "ptes = P*512\nptes = P*512", 2, 1, "duplicate key 'ptes'" },
	{ "ptes P*512", 1, 6, "expected '=' after key 'ptes'" },
	{ "  = 5", 1, 3, "expected a key" },
	{ "model =\nptes = P*512", 1, 8, "key 'model' has no value" },
	{ "model = v20\nptes = P*512", 1, 9, "model: unknown value 'v20'" },
	{ "mode = both\nptes = P*512", 1, 8, "mode: unknown value 'both'" },
	{ "enabled = inherit\nptes = P*512", 1, 11, "enabled: unknown value" },
	{ "pmd = maybe\nptes = P*512", 1, 7, "pmd: unknown value" },
	{ "ptes = P*511", 1, 8, "the map has 511 PTEs; x86_64 has 512" },
	{ "ptes = P*500 .*13", 1, 14, "runs past the 512 PTEs" },
	{ "ptes = P*511 Q", 1, 14, "unknown PTE state 'Q'" },
	{ "ptes = P*510 PQ", 1, 15, "unknown PTE state 'Q'" },
	{ "ptes = P*abc", 1, 10, "count 'abc' is not a number" },
	{ "ptes = P*0 P*512", 1, 10, "count 0 is out of range (1..512)" },
	{ "ptes = P*99999999999999999999", 1, 10, "out of range" },
	{ "ptes = P* P*512", 1, 10, "count is missing" },
	{ "ptes = PP*4 P*508", 1, 8, "a count follows a single state" },
	{ "ptes = P*-4", 1, 10, "is not a number" },
	{ "max_ptes_none = -1\nptes = P*512", 1, 17, "max_ptes_none '-1' is not a number" },
	{ "max_ptes_none = 512\nptes = P*512", 1, 17, "out of range (0..511)" },
	{ "max_ptes_swap = 1e3\nptes = P*512", 1, 17, "is not a number" },
	{ "order.12 = always\nptes = P*512", 1, 7, "order '12' is out of range (2..9)" },
	{ "order.1 = always\nptes = P*512", 1, 7, "order 1 is out of range (2..9)" },
	{ "order.x = always\nptes = P*512", 1, 7, "order 'x' is not a number" },
	{ "order.3 = sometimes\nptes = P*512", 1, 11, "order.3: unknown value" },
	{ "vma = hugepage bogus\nptes = P*512", 1, 16, "vma: unknown flag 'bogus'" },
	{ "ptes = P*512\nfolio = 3 2", 2, 9, "START 3 is not a multiple of 2^2" },
	{ "ptes = P*512\nfolio = 0 4\nfolio = 8 3", 3, 9,
	  "overlaps the folio on line 2 (PTE 8)" },
	{ "ptes = P*512\nfolio = 0 10", 2, 11, "ORDER '10' is out of range (0..9)" },
	{ "ptes = P*512\nfolio = 0", 2, 9, "folio: '0' is not START ORDER" },
	{ "ptes = P*512\nfolio = 0 2 7", 2, 13, "unexpected text" },
	{ "ptes = P*512\nfolio = 600 2", 2, 9, "START '600' is out of range" },
	{ "ptes = P*512\nfail = 0:9 SCAN_NOPE", 2, 12, "unknown result 'SCAN_NOPE'" },
	{ "ptes = P*512\nfail = 4:3 SCAN_FAIL", 2, 8, "OFFSET 4 is not aligned to order 3" },
	{ "ptes = P*512\nfail = 0:9", 2, 11, "missing RESULT" },
	{ "ptes = P*512\nfail = 0 9 SCAN_FAIL", 2, 8, "is not OFFSET:ORDER" },
	{ "ptes = P*512\nfail = 0:1 SCAN_FAIL", 2, 10, "ORDER 1 is out of range (2..9)" },
	{ "model = v15", 1, 12, "missing required key 'ptes'" },
	{ "", 1, 1, "missing required key 'ptes'" },
	{ "\xff\xfe = 3", 1, 1, "expected a key, found '\\xff\\xfe = 3'" },
	/* one key however it is spelled */
	{ "order.2 = always\norder.02 = never\nptes = P*512", 2, 1,
	  "duplicate key 'order.2' (first set on line 1, spelled differently)" },
	/* one size under its two names: 64 KiB is order 4 with 4K pages */
	{ "hugepages-64kB/enabled = always\norder.4 = never\nptes = P*512", 2, 1,
	  "order.4: the 64kB size (order 4) is already set on line 1" },
	{ "order.04 = never\nmax_ptes_none = 0\nhugepages-0064kB/enabled = always\nptes = P*512",
	  3, 1, "the 64kB size (order 4) is already set on line 1" },
	/* contradictions */
	{ "vma = hugepage nohugepage\nptes = P*512", 1, 16,
	  "hugepage and nohugepage contradict" },
	{ "ptes = P*512\nfail = 0:9 PAGE_LOCK\nfail = 0:9 PAGE_LRU", 3, 8,
	  "(0, order 9) already has a rule (SCAN_PAGE_LOCK)" },
	/* a rule makes an attempt fail; it cannot claim a collapse */
	{ "ptes = P*512\nfail = 0:9 SCAN_SUCCEED", 2, 12, "SCAN_SUCCEED is not a failure" },
	/* one number syntax: no sign, no blanks inside */
	{ "max_ptes_none = +5\nptes = P*512", 1, 17, "'+5' is not a number" },
	{ "ptes = P*+512", 1, 10, "count '+512' is not a number" },
	/* orders lists */
	{ "orders = 2,,4\nptes = P*512", 1, 12, "empty entry" },
	{ "orders = \nptes = P*512", 1, 10, "has no value" },
	{ "orders = 5-3\nptes = P*512", 1, 10, "range 5-3 is backwards" },
	{ "orders = 2-10\nptes = P*512", 1, 12, "order '10' is out of range (2..9)" },
};

static void errors_located(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mthp_scenario s;
		struct mthp_parse_error e;

		assert_int_equal(parse(bad[i].text, &s, &e), -EINVAL);
		if (e.line != bad[i].line || e.col != bad[i].col ||
		    !strstr(e.msg, bad[i].needle))
			fail_msg("case %zu: got %u:%u '%s', want %u:%u '%s'", i,
				 e.line, e.col, e.msg, bad[i].line, bad[i].col,
				 bad[i].needle);
		mthp_scenario_free(&s);
	}
}

static void limits(void **state)
{
	struct mthp_scenario s;
	struct mthp_parse_error e;
	char nul[] = "ptes = P*512\nmodel = v1\0x";

	assert_int_equal(mthp_scenario_parse(nul, sizeof(nul) - 1, NULL, &s, &e),
			 -EINVAL);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 11);
	assert_non_null(strstr(e.msg, "NUL byte"));
	mthp_scenario_free(&s);

	size_t big = MTHP_SCENARIO_MAX_LINE + 10;
	char *t = malloc(big + 1);

	assert_non_null(t);
	memset(t, ' ', big);
	t[big] = 0;
	assert_int_equal(mthp_scenario_parse(t, big, NULL, &s, &e), -EINVAL);
	assert_int_equal(e.line, 1);
	assert_non_null(strstr(e.msg, "longer than"));
	mthp_scenario_free(&s);
	free(t);

	big = MTHP_SCENARIO_MAX_BYTES + 1;
	t = calloc(big, 1);
	assert_non_null(t);
	assert_int_equal(mthp_scenario_parse(t, big, NULL, &s, &e), -EINVAL);
	assert_int_equal(e.line, 0);
	assert_non_null(strstr(e.msg, "limit"));
	mthp_scenario_free(&s);
	free(t);

	/* not NUL-terminated: the parser reads only len bytes */
	char raw[12];

	memcpy(raw, "pmd = none\n#", 12);
	assert_int_equal(mthp_scenario_parse(raw, 12, NULL, &s, &e), 0);
	mthp_scenario_free(&s);
}

/* A byte-order mark, tabs anywhere blanks go, '=' in fail rules. */
static void lenient_where_harmless(void **state)
{
	struct mthp_scenario s;
	struct mthp_parse_error e;
	const char *text = "\xef\xbb\xbfmodel = v15\nptes =\tP*4\t.*508\n"
			   "folio = 0\t2\nfail = 4:2=PAGE_LOCK\n";

	assert_int_equal(parse(text, &s, &e), 0);
	assert_int_equal(s.model, MTHP_MODEL_V15);
	assert_int_equal(s.ptes[3].folio_order, 2);
	assert_int_equal(s.fails[0].result, MTHP_SCAN_PAGE_LOCK);
	mthp_scenario_free(&s);
	/* the mark does not shift columns */
	assert_int_equal(parse("\xef\xbb\xbfmodel = v99\nptes = P*512", &s, &e),
			 -EINVAL);
	assert_int_equal(e.line, 1);
	assert_int_equal(e.col, 9);
	mthp_scenario_free(&s);
	/* orders: the listed sizes always, the rest never; order.K after it */
	assert_int_equal(parse("order.3 = madvise\norders = 2,4-5\nptes = P*512",
			       &s, &e), 0);
	assert_int_equal(s.thp.order[2], MTHP_THP_ALWAYS);
	assert_int_equal(s.thp.order[3], MTHP_THP_MADVISE);
	assert_int_equal(s.thp.order[5], MTHP_THP_ALWAYS);
	assert_int_equal(s.thp.order[9], MTHP_THP_NEVER);
	mthp_scenario_free(&s);
	/* the sysfs spelling is a single size too, whatever the line order */
	assert_int_equal(parse("hugepages-32kB/enabled = madvise\norders = 2,4-5\nptes = P*512",
			       &s, &e), 0);
	assert_int_equal(s.thp.order[3], MTHP_THP_MADVISE);
	assert_int_equal(s.thp.order[4], MTHP_THP_ALWAYS);
	mthp_scenario_free(&s);
}

/* The setter takes what a file line takes, with the same words. */
static void setter(void **state)
{
	struct mthp_scenario s, c;
	struct mthp_parse_error e;

	assert_int_equal(parse("ptes = P*512", &s, NULL), 0);
	assert_int_equal(mthp_scenario_set(&s, "max_ptes_none", "7", &e), 0);
	assert_int_equal(s.max_ptes_none, 7);
	assert_int_equal(mthp_scenario_set(&s, "max_ptes_none", "512", &e), -EINVAL);
	assert_int_equal(e.code, -EINVAL);
	assert_int_equal(e.line, 0);
	assert_int_equal(e.col, 1);
	assert_non_null(strstr(e.msg, "max_ptes_none '512' is out of range (0..511)"));
	assert_int_equal(s.max_ptes_none, 7); /* unchanged */
	assert_int_equal(mthp_scenario_set(&s, "order.04", "always", &e), 0);
	assert_int_equal(s.thp.order[4], MTHP_THP_ALWAYS);
	assert_int_equal(mthp_scenario_set(&s, "order.10", "always", &e), -EINVAL);
	assert_int_equal(e.col, 0); /* the key is wrong, not the value */
	assert_non_null(strstr(e.msg, "order '10' is out of range (2..9)"));
	assert_int_equal(mthp_scenario_set(&s, "model", "v19-swapfix", &e), 0);
	assert_int_equal(s.model, MTHP_MODEL_LATEST);
	assert_int_equal(mthp_scenario_set(&s, "vma", "uffd hugepage", &e), 0);
	assert_int_equal(s.vma_flags, MTHP_VMA_UFFD | MTHP_VMA_HUGEPAGE);
	assert_int_equal(mthp_scenario_set(&s, "fail", "8:3=SCAN_PTE_UFFD", &e), 0);
	assert_int_equal(mthp_scenario_set(&s, "fail", "8:3 PAGE_LOCK", &e), -EINVAL);
	assert_int_equal(s.nfails, 1);
	assert_int_equal(mthp_scenario_set(&s, "ptes", "X*8 .*504", &e), 0);
	assert_int_equal(s.ptes[7].kind, MTHP_PTE_PRESENT);
	assert_int_equal(s.ptes[8].kind, MTHP_PTE_NONE);
	assert_int_equal(mthp_scenario_set(&s, "geometry", "s390x", &e), -EINVAL);
	assert_int_equal(mthp_scenario_set(&s, "bogus", "1", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "unknown key 'bogus'"));
	assert_int_equal(mthp_scenario_set(&s, "mode", "  ", &e), -EINVAL);
	/* a copy is independent */
	assert_int_equal(mthp_scenario_copy(&c, &s), 0);
	c.ptes[0].kind = MTHP_PTE_SWAP;
	assert_int_equal(s.ptes[0].kind, MTHP_PTE_PRESENT);
	assert_int_equal(c.nfails, 1);
	assert_int_equal(c.max_ptes_none, 7);
	mthp_scenario_free(&c);
	mthp_scenario_free(&s);
	assert_int_equal(mthp_scenario_copy(&c, &s), -EINVAL); /* freed */
}

/* The map codec, both ways, and the number syntax. */
static void map_codec(void **state)
{
	struct mthp_geometry g = geo("ppc64-radix-64k");
	struct mthp_pte ptes[32];
	struct mthp_parse_error e;
	char buf[128];

	const char *m = "P*4 .. S s w*3 m z*2 p*18";

	assert_int_equal(mthp_map_parse(m, strlen(m), &g, ptes, 32, &e), 0);
	/* hand-written: runs of one state become STATE*N, singles stay */
	assert_int_equal(mthp_map_format(ptes, 32, buf, sizeof(buf)), 26);
	assert_string_equal(buf, "P*4 .*2 S s w*3 m z*2 p*18");
	/* too small: whole tokens only, the length needed still returned */
	assert_int_equal(mthp_map_format(ptes, 32, buf, 8), 26);
	assert_string_equal(buf, "P*4 .*2");
	assert_int_equal(mthp_map_parse("P*4 Q", 5, &g, ptes, 32, &e), -EINVAL);
	assert_int_equal(e.col, 5);
	assert_int_equal(mthp_map_parse("P*33", 4, &g, ptes, 32, &e), -EINVAL);
	assert_int_equal(mthp_map_parse("P*8\0P*24", 9, &g, ptes, 32, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "NUL"));

	unsigned long v;

	assert_int_equal(mthp_parse_number("42", 2, "n", 0, 50, &v, &e), 0);
	assert_int_equal(v, 42);
	assert_int_equal(mthp_parse_number(" 42", 3, "n", 0, 50, &v, &e), -EINVAL);
	assert_int_equal(mthp_parse_number("+4", 2, "n", 0, 50, &v, &e), -EINVAL);
	assert_int_equal(mthp_parse_number("", 0, "n", 0, 50, &v, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "n is missing"));
	assert_int_equal(mthp_parse_number("51", 2, "n", 0, 50, &v, &e), -EINVAL);
}

/* The VMA words are written as they are read: every allowed combination
 * goes through the setter's "vma" key and back to the same flags. */
static void vma_words_round_trip(void **state)
{
	struct mthp_geometry g = geo("x86_64");
	char buf[64];

	for (unsigned int f = 0; f < 8; f++) {
		struct mthp_scenario s;
		struct mthp_parse_error e;

		if ((f & MTHP_VMA_HUGEPAGE) && (f & MTHP_VMA_NOHUGEPAGE))
			continue;
		size_t n = mthp_vma_words(f, false, buf, sizeof(buf));

		assert_int_equal(n, strlen(buf));
		assert_int_equal(mthp_scenario_init(&s, &g), 0);
		assert_int_equal(mthp_scenario_set(&s, "vma", f ? buf : "none", &e), 0);
		assert_int_equal(s.vma_flags, f);
		mthp_scenario_free(&s);
	}
	/* by hand: the words in the table's order, each after a space */
	assert_int_equal(mthp_vma_words(MTHP_VMA_UFFD | MTHP_VMA_HUGEPAGE, true,
					buf, sizeof(buf)), 27);
	assert_string_equal(buf, " hugepage uffd thp_disabled");
	assert_int_equal(mthp_vma_words(0, false, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* too small: nothing half-written, the length it needs */
	assert_int_equal(mthp_vma_words(MTHP_VMA_NOHUGEPAGE, false, buf, 5), 11);
	assert_string_equal(buf, "");
}

/* A settings file: keys applied in order, the table's own passed over,
 * comments and blank lines too; the first bad line is located, with the
 * column of its value. */
static void settings_text(void **state)
{
	static const char good[] =
		"# my machine\n"
		"max_ptes_none = 64   # trailing comment\n"
		"\n"
		"enabled = always [madvise] never\n"
		"ptes = P*512\n"
		"geometry = arm64-64k\n"
		"order.4 = always\n";
	static const char wrong[] = "max_ptes_swap = 8\nmax_ptes_none =   lots\n";
	struct mthp_geometry g;
	struct mthp_scenario s;
	struct mthp_parse_error e;

	(void)state;
	assert_int_equal(mthp_geometry_lookup("x86_64", &g, NULL, 0), 0);
	assert_int_equal(mthp_scenario_init(&s, &g), 0);
	assert_int_equal(mthp_scenario_apply_settings(&s, good, sizeof(good) - 1, &e), 0);
	assert_int_equal(s.max_ptes_none, 64);
	assert_int_equal(s.thp.enabled, MTHP_THP_MADVISE);
	assert_int_equal(s.thp.order[4], MTHP_THP_ALWAYS);
	assert_int_equal(mthp_scenario_present(&s), 0);   /* ptes passed over */
	assert_string_equal(s.geometry.name, "x86_64");  /* so is the geometry */
	assert_int_equal(mthp_scenario_apply_settings(&s, wrong, sizeof(wrong) - 1, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 19); /* the value's first byte: "lots" */
	assert_int_equal(s.max_ptes_swap, 8); /* the lines before it applied */
	assert_int_equal(mthp_scenario_apply_settings(&s, "no equals here\n", 15, &e), -EINVAL);
	assert_int_equal(e.line, 1);
	mthp_scenario_free(&s);
}

/*
 * Fail rules with '*': the most specific rule decides. Rules: every
 * order-5 attempt SCAN_PAGE_LRU; every attempt at 0 SCAN_PAGE_LOCK;
 * (0, 5) itself SCAN_PAGE_COUNT; all others SCAN_CGROUP_CHARGE_FAIL.
 */
static void fail_patterns(void **state)
{
	static const char text[] =
		"geometry = x86_64\nptes = P*512\n"
		"fail = *:5 PAGE_LRU\nfail = 0:* PAGE_LOCK\n"
		"fail = 0:5 PAGE_COUNT\nfail = *:* CGROUP_CHARGE_FAIL\n";
	struct mthp_scenario s;
	struct mthp_parse_error e;
	const struct {
		struct mthp_range r;
		int want;
	} q[] = {
		{ { 0, 5 }, MTHP_SCAN_PAGE_COUNT },
		{ { 32, 5 }, MTHP_SCAN_PAGE_LRU },
		{ { 0, 6 }, MTHP_SCAN_PAGE_LOCK },
		{ { 64, 6 }, MTHP_SCAN_CGROUP_CHARGE_FAIL },
	};

	(void)state;
	assert_int_equal(mthp_scenario_parse(text, sizeof(text) - 1, NULL, &s, &e), 0);
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		const struct mthp_fail_rule *f = mthp_fail_rule_for(&s, &q[i].r);

		assert_non_null(f);
		assert_int_equal(f->result, q[i].want);
	}
	mthp_scenario_free(&s);
	/* one rule per pattern; a pattern's order still in range */
	static const char twice[] =
		"geometry = x86_64\nptes = P*512\nfail = *:5 PAGE_LRU\nfail = *:5 PAGE_LOCK\n";
	static const char high[] = "geometry = x86_64\nptes = P*512\nfail = *:10 PAGE_LRU\n";

	assert_int_equal(mthp_scenario_parse(twice, sizeof(twice) - 1, NULL, &s, &e), -EINVAL);
	assert_int_equal(e.line, 4);
	assert_non_null(strstr(e.msg, "*:5 already has a rule (SCAN_PAGE_LRU)"));
	mthp_scenario_free(&s);
	assert_int_equal(mthp_scenario_parse(high, sizeof(high) - 1, NULL, &s, &e), -EINVAL);
	assert_int_equal(e.line, 3);
	assert_int_equal(e.col, 10); /* the ORDER: "10" */
	mthp_scenario_free(&s);
}

/* Results and outcomes in words. */
static void words(void **state)
{
	(void)state;
	assert_string_equal(mthp_scan_result_words(MTHP_SCAN_EXCEED_SHARED_PTE),
			    "too many shared pages (an mTHP takes none)");
	assert_null(mthp_scan_result_words(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settings_text),
		cmocka_unit_test(words),
		cmocka_unit_test(fail_patterns),
		cmocka_unit_test(every_key),
		cmocka_unit_test(defaults),
		cmocka_unit_test(geometry_override),
		cmocka_unit_test(errors_located),
		cmocka_unit_test(limits),
		cmocka_unit_test(lenient_where_harmless),
		cmocka_unit_test(setter),
		cmocka_unit_test(map_codec),
		cmocka_unit_test(vma_words_round_trip),
	};

	return cmocka_run_group_tests_name("scenario", tests, NULL, NULL);
}
