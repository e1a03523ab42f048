// SPDX-License-Identifier: MIT
/*
 * The tools' layers driven as a program would, without the CLI: the
 * oracle's scenarios and model runs, ktest's built-in suites, and kcheck's
 * run refusing what it cannot check with a reason instead of ending the
 * process. Expected values are worked from the scenario rules by hand.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "oracle.h"
#include "predict.h"
#include "ktest.h"
#include "run.h"

/* Every random scenario parses, for every named geometry, and one seed
 * gives one text. */
static void random_scenarios_parse(void **state)
{
	static char a[GEN_MAX_TEXT], b[GEN_MAX_TEXT];

	(void)state;
	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		struct mthp_geometry g;

		assert_int_equal(mthp_geometry_lookup(mthp_geometry_name(i), &g, NULL, 0), 0);
		struct rng r1 = { 7 + (uint32_t)i }, r2 = { 7 + (uint32_t)i };

		for (int n = 0; n < 20; n++) {
			struct mthp_scenario s;
			struct mthp_parse_error e;

			assert_int_equal(gen_scenario(&r1, &g, a, sizeof(a)), 0);
			assert_int_equal(gen_scenario(&r2, &g, b, sizeof(b)), 0);
			assert_string_equal(a, b);
			if (mthp_scenario_parse(a, strlen(a), NULL, &s, &e))
				fail_msg("%s: %u:%u: %s\n%s", g.name, e.line, e.col, e.msg, a);
			assert_string_equal(s.geometry.name, g.name);
			mthp_scenario_free(&s);
		}
	}
}

/* A buffer too short for a scenario is said, not overrun. */
static void short_buffer_is_enospc(void **state)
{
	char buf[24];
	struct mthp_geometry g;
	struct rng r = { 1 };

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(mthp_geometry_lookup("x86_64", &g, NULL, 0), 0);
	assert_int_equal(gen_scenario(&r, &g, buf, sizeof(buf) - 4), -ENOSPC);
	assert_memory_equal(buf + sizeof(buf) - 4, "xxxx", 4);
}

/*
 * Every PTE of an x86_64 table present and young, only order 4 (64K)
 * enabled, the PMD size never: each of the 32 order-4 ranges is full, so
 * the model collapses all 32, in address order.
 */
static void run_model_collapses_each_full_range(void **state)
{
	const char *text = "geometry = x86_64\norder.4 = always\norder.9 = never\nptes = P*512\n";
	struct mthp_scenario s;
	struct mthp_parse_error e;
	struct mthp_sim_result r;
	struct outcome o;

	(void)state;
	assert_int_equal(mthp_scenario_parse(text, strlen(text), NULL, &s, &e), 0);
	assert_int_equal(mthp_sim_result_init(&r, &s.geometry), 0);
	assert_int_equal(run_model(&s, MTHP_MODEL_LATEST, &r, &o), 0);
	assert_int_equal(o.result, MTHP_SCAN_SUCCEED);
	assert_int_equal(o.ncollapses, 32);
	for (unsigned int i = 0; i < 32; i++) {
		assert_int_equal(o.collapses[i].offset, i * 16);
		assert_int_equal(o.collapses[i].order, 4);
	}
	assert_int_equal(o.present_after, 512);
	outcome_free(&o);
	mthp_sim_result_free(&r);
	mthp_scenario_free(&s);
}

/* ktest's suites as scenarios: every case but the two that keep THP
 * disabled (never scanned), each parsing for the geometry. */
static void suites_as_scenarios(void **state)
{
	struct mthp_geometry g;
	char **names, **texts;
	size_t nm, nk;

	(void)state;
	kt_suite(false, &nm);
	kt_suite(true, &nk);
	assert_int_equal(mthp_geometry_lookup("arm64-16k", &g, NULL, 0), 0);
	long n = kt_suite_scenarios(&g, &names, &texts);

	assert_int_equal(n, (long)(nm + nk - 2));
	for (long i = 0; i < n; i++) {
		struct mthp_scenario s;
		struct mthp_parse_error e;

		assert_int_equal(strncmp(names[i], "ktest ", 6), 0);
		if (mthp_scenario_parse(texts[i], strlen(texts[i]), NULL, &s, &e))
			fail_msg("%s: %s", names[i], e.msg);
		assert_int_equal(s.geometry.pmd_nr, 2048);
		mthp_scenario_free(&s);
		free(names[i]);
		free(texts[i]);
	}
	free(names);
	free(texts);
}

/* "half": the first half present, the rest none - 256 of 512 on x86_64,
 * 4096 of 8192 on arm64 64K. */
static void builtin_half_follows_the_table(void **state)
{
	size_t n, i = 0;
	const struct kt_builtin *b = kt_suite(false, &n);
	const char *geos[2] = { "x86_64", "arm64-64k" };
	unsigned int want[2] = { 256, 4096 };

	(void)state;
	while (i < n && strcmp(b[i].name, "half"))
		i++;
	assert_true(i < n);
	for (int k = 0; k < 2; k++) {
		struct mthp_geometry g;
		struct kt_case c = { 0 };

		assert_int_equal(mthp_geometry_lookup(geos[k], &g, NULL, 0), 0);
		assert_int_equal(kt_builtin_case(&b[i], &g, &c), 0);
		assert_int_equal(mthp_scenario_present(&c.s), want[k]);
		assert_int_equal(c.s.ptes[0].kind, MTHP_PTE_PRESENT);
		assert_int_equal(c.s.ptes[g.pmd_nr - 1].kind, MTHP_PTE_NONE);
		mthp_scenario_free(&c.s);
	}
}

static char tmpdir[] = "/tmp/test-tools-XXXXXX";

static void put_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A scenario file that does not parse is located (file:line:col); one
 * that is not there is named; a directory gives its *.scn files. */
static void scenario_files_refused_with_where(void **state)
{
	struct kc_scenario_files f;
	char why[600], bad[300], dir[300];
	const char *paths[1];

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	put_file("good.scn", "geometry = x86_64\nptes = P*512\n");
	put_file("also.scn", "geometry = x86_64\nptes = .*512\n");
	put_file("bad.txt", "geometry = x86_64\nptes = P*512\nmax_ptes_none = lots\n");
	snprintf(bad, sizeof(bad), "%s/bad.txt", tmpdir);
	paths[0] = bad;
	assert_int_equal(kc_read_scenario_files(&f, paths, 1, NULL, why, sizeof(why)),
			 KC_BAD_INPUT);
	char where[320];

	snprintf(where, sizeof(where), "%s:3:", bad);
	assert_int_equal(strncmp(why, where, strlen(where)), 0);
	assert_int_equal(f.n, 0);

	paths[0] = "/nonexistent/x.scn";
	assert_int_equal(kc_read_scenario_files(&f, paths, 1, NULL, why, sizeof(why)),
			 KC_BAD_INPUT);
	assert_non_null(strstr(why, "/nonexistent/x.scn"));

	snprintf(dir, sizeof(dir), "%s", tmpdir);
	paths[0] = dir;
	assert_int_equal(kc_read_scenario_files(&f, paths, 1, NULL, why, sizeof(why)), 0);
	assert_int_equal(f.n, 2); /* also.scn, good.scn: not bad.txt */
	assert_non_null(strstr(f.names[0], "also.scn"));
	assert_true(f.given);
	kc_scenario_files_free(&f);
}

/* kcheck refuses a source that is not there, and an option that leaves
 * nothing to check, with a reason - and this process goes on. */
static void kcheck_refuses_with_a_reason(void **state)
{
	static struct kc_report r;
	struct kc_options o;

	(void)state;
	kc_options_init(&o);
	o.source = "/nonexistent/khugepaged.c";
	o.unconfined = true;
	o.tmpdir = tmpdir;
	assert_int_equal(kc_check(&o, &r), KC_BAD_INPUT);
	assert_non_null(strstr(r.why, "/nonexistent/khugepaged.c"));
	assert_false(r.engine_done);
	assert_false(r.scan_done);
	kc_report_free(&r);

	o.timeout = 0;
	assert_int_equal(kc_check(&o, &r), KC_BAD_INPUT);
	assert_non_null(strstr(r.why, "--timeout 0"));
	kc_report_free(&r);

	kc_options_init(&o);
	o.source = "/nonexistent/khugepaged.c";
	o.nagainst_patches = 1;
	o.against_patches[0] = "x.patch";
	assert_int_equal(kc_check(&o, &r), KC_BAD_INPUT);
	assert_non_null(strstr(r.why, "--against-patch"));
	kc_report_free(&r);

	/* the scratch directory did not outlive the call */
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "ls -d %s/mthpsim-kcheck-* 2>/dev/null | grep -q .", tmpdir);
	assert_int_not_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
}

/* Two VMAs by hand: the first (every size off but 64K and the PMD's,
 * max_ptes_none 0) has a range of 100 present pages then none, one
 * mapped by a PMD, one without a table and one full; the second is
 * MADV_NOHUGEPAGE. Range 0 gives its six full 64K windows (pages 0-95),
 * the full range one PMD; the second VMA is not eligible. With
 * max_ptes_none 511 both scanned ranges become PMDs: 412 pages added. */
static const char two_vmas[] =
	"geometry = x86_64\nenabled = always\nhugepages-64kB/enabled = always\n"
	"max_ptes_none = 0\nunknown = young\n"
	"vma 0x10000000-0x10800000 none\n"
	"pmd 0x10000000 table\nptes = P*100 .*412\n"
	"pmd 0x10200000 mapped\npmd 0x10400000 none\n"
	"pmd 0x10600000 table\nptes = P*512\n"
	"vma 0x20000000-0x20200000 nohugepage\n"
	"pmd 0x20000000 table\nptes = P*512\n"
	"end 2 5\n";

struct heard {
	unsigned int vmas, ranges;
	bool refuse;
};

static int column_settings(void *ctx, size_t col, struct mthp_scenario *s,
			   char *why, size_t len)
{
	struct heard *h = ctx;
	struct mthp_parse_error e;

	if (h->refuse && col == 1) {
		snprintf(why, len, "column %zu refused", col);
		return 1;
	}
	return col ? mthp_scenario_set(s, "max_ptes_none", "511", &e) : 0;
}

static void heard_range(void *ctx, size_t index, unsigned long addr, size_t total)
{
	struct heard *h = ctx;

	(void)index;
	(void)addr;
	(void)total;
	h->ranges++;
}

static int heard_vma(void *ctx, const struct mthp_space *sp,
		     const struct mthp_space_vma *vm, const struct mthp_space_totals *t)
{
	struct heard *h = ctx;

	(void)sp;
	(void)vm;
	(void)t;
	h->vmas++;
	return 0;
}

static void predict_stream_in_columns(void **state)
{
	struct heard h = { 0 };
	struct mp_space_opts o = {
		.ncols = 2, .young = 1, .rounds = 1, .settings = column_settings,
		.range = heard_range, .vma_done = heard_vma, .ctx = &h,
	};
	struct mthp_space_totals t[2];
	struct mthp_space base;
	struct mthp_parse_error e;
	char why[300];
	FILE *f = fmemopen((void *)two_vmas, sizeof(two_vmas) - 1, "r");

	(void)state;
	assert_non_null(f);
	assert_int_equal(mp_predict_stream(f, &base, &o, t, &e, why, sizeof(why)), 0);
	fclose(f);
	assert_int_equal(h.vmas, 2);
	assert_int_equal(h.ranges, 5);
	assert_int_equal(t[0].pmd_ranges, 5);
	assert_int_equal(t[0].scanned, 2);
	assert_int_equal(t[0].already_huge, 1);
	assert_int_equal(t[0].no_table, 1);
	assert_int_equal(t[0].not_eligible, 1);
	assert_int_equal(t[0].collapses[4], 6);
	assert_int_equal(t[0].collapses[9], 1);
	assert_int_equal(t[0].present_after, t[0].present_before);
	assert_int_equal(t[1].collapses[9], 2);
	assert_int_equal((t[1].present_after - t[1].present_before) * 4, 1648);
	mthp_space_free(&base);

	/* a refused column: said, and no visit reported as done */
	h = (struct heard){ .refuse = true };
	f = fmemopen((void *)two_vmas, sizeof(two_vmas) - 1, "r");
	assert_int_equal(mp_predict_stream(f, &base, &o, t, &e, why, sizeof(why)),
			 MP_BAD_INPUT);
	fclose(f);
	assert_string_equal(why, "column 1 refused");
	mthp_space_free(&base);

	/* a snapshot that does not read: where, from the reader */
	static const char bad[] = "geometry = x86_64\nvma 0x10000000-0x10200000 none\npmd nowhere\n";

	f = fmemopen((void *)bad, sizeof(bad) - 1, "r");
	h = (struct heard){ 0 };
	assert_int_equal(mp_predict_stream(f, &base, &o, t, &e, why, sizeof(why)), -EINVAL);
	fclose(f);
	assert_int_equal(e.line, 3);
	assert_string_equal(why, "");
	mthp_space_free(&base);
}

/* The machine's PIDs hold this process; a group that is not one is said. */
static void predict_pids(void **state)
{
	struct mp_pids l;
	char why[600];
	bool me = false;

	(void)state;
	assert_int_equal(mp_pids_all(&l, why, sizeof(why)), 0);
	for (size_t i = 0; i < l.n; i++)
		me |= l.v[i] == (long)getpid();
	assert_true(me);
	mp_pids_free(&l);
	assert_int_equal(mp_pids_cgroup("/nonexistent/group", &l, why, sizeof(why)),
			 MP_BAD_INPUT);
	assert_non_null(strstr(why, "/nonexistent/group/cgroup.procs"));
	assert_null(l.v);
}

/* This process swept under the machine's settings: a row, with its
 * anonymous memory; a PID that is gone: exited. */
static void predict_sweep_of_this_process(void **state)
{
	struct mthp_scenario set;
	struct mthp_geometry live;
	struct mthp_parse_error e;
	struct mp_result r;
	long pids[2] = { (long)getpid(), 0x3fffffff };

	(void)state;
	if (mthp_live_geometry(NULL, &live, &e)) {
		print_message("# no THP on this machine (%s): skipped\n", e.msg);
		skip();
	}
	assert_int_equal(mthp_scenario_init(&set, &live), 0);
	assert_int_equal(mthp_live_settings(NULL, &set, &e), 0);
	struct mp_sweep o = { .settings = &set, .ncols = 1, .young = 1, .rounds = 1,
			      .jobs = 2 };

	assert_int_equal(mp_sweep_run(&o, pids, 2, &r), 0);
	assert_int_equal(r.nprocs, 2);
	assert_int_equal(r.count[MP_ROW], 1);
	assert_int_equal(r.count[MP_EXITED], 1);
	assert_int_equal(r.procs[0].pid, (long)getpid()); /* rows first */
	assert_true(r.procs[0].anon_kb > 0);
	assert_int_equal(r.procs[1].fate, MP_EXITED);
	mp_result_free(&r);
	mthp_scenario_free(&set);
}

/* Why a VMA is not eligible, each cause in words (worked from the
 * settings: madvise needs MADV_HUGEPAGE; never leaves nothing). */
static void not_eligible_words(void **state)
{
	struct mthp_geometry g;
	struct mthp_scenario s;
	char why[300];

	(void)state;
	assert_int_equal(mthp_geometry_lookup("x86_64", &g, NULL, 0), 0);
	assert_int_equal(mthp_scenario_init(&s, &g), 0);
	assert_string_equal(mp_not_eligible_why(&s, 0, true, why, sizeof(why)),
			    "the process turned THP off (PR_SET_THP_DISABLE)");
	assert_string_equal(mp_not_eligible_why(&s, MTHP_VMA_NOHUGEPAGE, false, why,
						sizeof(why)),
			    "MADV_NOHUGEPAGE on the VMA");
	s.thp.enabled = MTHP_THP_MADVISE;
	s.thp.order[4] = MTHP_THP_MADVISE;
	assert_string_equal(mp_not_eligible_why(&s, 0, false, why, sizeof(why)),
			    "the VMA has no MADV_HUGEPAGE, which enabled = madvise, hugepages-64kB/enabled = madvise needs");
	s.thp.enabled = MTHP_THP_NEVER;
	s.thp.order[4] = MTHP_THP_NEVER;
	assert_string_equal(mp_not_eligible_why(&s, 0, false, why, sizeof(why)),
			    "no THP size is enabled: enabled = never, hugepages-2048kB/enabled = inherit, every other size never");
	mthp_scenario_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_scenarios_parse),
		cmocka_unit_test(short_buffer_is_enospc),
		cmocka_unit_test(run_model_collapses_each_full_range),
		cmocka_unit_test(suites_as_scenarios),
		cmocka_unit_test(builtin_half_follows_the_table),
		cmocka_unit_test(scenario_files_refused_with_where),
		cmocka_unit_test(kcheck_refuses_with_a_reason),
		cmocka_unit_test(predict_stream_in_columns),
		cmocka_unit_test(predict_pids),
		cmocka_unit_test(predict_sweep_of_this_process),
		cmocka_unit_test(not_eligible_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
