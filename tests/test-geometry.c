// SPDX-License-Identifier: MIT
/* Geometry profiles (docs/MODELS.md section 2, typed in from its table). */
#include "testlib.h"

#include <errno.h>

static const struct {
	const char *name;
	unsigned int page_kb, nr, max, order, pmd_kb;
} table[] = {
	{ "x86_64", 4, 512, 512, 9, 2048 },
	{ "x86-32-pae", 4, 512, 512, 9, 2048 },
	{ "x86-32", 4, 1024, 1024, 10, 4096 },
	{ "arm64-4k", 4, 512, 512, 9, 2048 },
	{ "arm64-16k", 16, 2048, 2048, 11, 32768 },
	{ "arm64-64k", 64, 8192, 8192, 13, 524288 },
	{ "ppc64-radix-4k", 4, 512, 512, 9, 2048 },
	{ "ppc64-hash-64k", 64, 256, 256, 8, 16384 },
	{ "ppc64-radix-64k", 64, 32, 256, 5, 2048 },
	{ "riscv64", 4, 512, 512, 9, 2048 },
	{ "s390x", 4, 256, 256, 8, 1024 },
	{ "loongarch64-4k", 4, 512, 512, 9, 2048 },
	{ "loongarch64-16k", 16, 2048, 2048, 11, 32768 },
	{ "loongarch64-64k", 64, 8192, 8192, 13, 524288 },
	{ "mips64-4k", 4, 512, 512, 9, 2048 },
	{ "mips64-16k", 16, 2048, 2048, 11, 32768 },
	{ "mips64-64k", 64, 8192, 8192, 13, 524288 },
	{ "sparc64", 8, 1024, 1024, 10, 8192 },
	{ "arm-lpae", 4, 512, 512, 9, 2048 },
};

static void every_profile(void **state)
{
	size_t n = sizeof(table) / sizeof(table[0]);

	assert_int_equal(mthp_geometry_count(), n);
	for (size_t i = 0; i < n; i++) {
		struct mthp_geometry g = geo(table[i].name);

		assert_string_equal(g.name, table[i].name);
		assert_int_equal((1u << g.page_shift) / 1024, table[i].page_kb);
		assert_int_equal(g.pmd_nr, table[i].nr);
		assert_int_equal(g.max_ptrs, table[i].max);
		assert_int_equal(g.pmd_order, table[i].order);
		assert_int_equal((g.pmd_nr << g.page_shift) / 1024,
				 table[i].pmd_kb);
		assert_int_equal(mthp_default_max_ptes_none(&g), table[i].nr - 1);
		assert_int_equal(mthp_default_max_ptes_swap(&g), table[i].nr / 8);
		assert_int_equal(mthp_default_max_ptes_shared(&g),
				 table[i].nr / 2);
		/* the listing names every profile, in the table's order */
		assert_string_equal(mthp_geometry_name(i), table[i].name);
	}
	assert_null(mthp_geometry_name(n));
	struct mthp_geometry x = geo("x86_64");

	assert_int_equal(mthp_default_max_ptes_swap(&x), 64);
	assert_int_equal(mthp_default_max_ptes_shared(&x), 256);
}

static void ppc64_hash_4k_refused(void **state)
{
	struct mthp_geometry g;
	char err[200] = "";

	assert_int_equal(mthp_geometry_lookup("ppc64-hash-4k", &g, err,
					      sizeof(err)),
			 -ENOTSUP);
	assert_non_null(strstr(err, "no transparent huge pages"));
}

static void unknown_name(void **state)
{
	struct mthp_geometry g;
	char err[200] = "";

	assert_int_equal(mthp_geometry_lookup("vax", &g, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "'vax'"));
	assert_int_equal(mthp_geometry_lookup("X86_64", &g, NULL, 0), -ENOENT);
	assert_int_equal(mthp_geometry_lookup(NULL, &g, NULL, 0), -EINVAL);
}

static void custom_ok(void **state)
{
	struct mthp_geometry g;

	assert_int_equal(mthp_geometry_lookup("custom:12:16:16", &g, NULL, 0), 0);
	assert_int_equal(g.pmd_nr, 16);
	assert_int_equal(g.pmd_order, 4);
	assert_string_equal(g.name, "custom:12:16:16");
	assert_int_equal(mthp_geometry_lookup("custom:16:32:256", &g, NULL, 0), 0);
	assert_int_equal(g.max_ptrs, 256);
	/* the limits: order 2 and order 15 */
	assert_int_equal(mthp_geometry_lookup("custom:12:4:4", &g, NULL, 0), 0);
	assert_int_equal(g.pmd_order, 2);
	assert_int_equal(mthp_geometry_lookup("custom:12:32768:32768", &g,
					      NULL, 0),
			 0);
	assert_int_equal(g.pmd_order, 15);
}

/* Each refusal names the bad value. */
static void custom_refused(void **state)
{
	static const struct {
		const char *spec, *needle;
	} bad[] = {
		{ "custom:12:24:32", "HPAGE_PMD_NR 24 is not a power of two" },
		{ "custom:12:16:24", "MAX_PTRS_PER_PTE 24 is not a power" },
		{ "custom:12:64:32", "HPAGE_PMD_NR 64 exceeds MAX_PTRS_PER_PTE 32" },
		{ "custom:12:2:2", "PMD order 1" },
		{ "custom:12:65536:65536", "PMD order 16" },
		{ "custom:12:16:65536", "MAX_PTRS_PER_PTE 65536" },
		{ "custom:12:0:16", "HPAGE_PMD_NR 0" },
		{ "custom:4:16:16", "page shift 4" },
		{ "custom:12:16", "missing MAX_PTRS_PER_PTE" },
		{ "custom:", "missing PAGE_SHIFT" },
		{ "custom:12:x:16", "HPAGE_PMD_NR 'x:16' is not a number" },
		{ "custom:12:16:16:1", "unexpected ':1' after MAX_PTRS_PER_PTE" },
		{ "custom:12:512:512:", "unexpected ':' after MAX_PTRS_PER_PTE" },
		{ "custom:12:+512:512", "HPAGE_PMD_NR '+512:512' is not a number" },
		{ "custom:12:-16:16", "is not a number" },
		{ "custom:12:99999999999999999999:16", "HPAGE_PMD_NR '99999999999999999999' is too large" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mthp_geometry g;
		char err[200] = "";

		assert_int_equal(mthp_geometry_lookup(bad[i].spec, &g, err,
						      sizeof(err)),
				 -EINVAL);
		if (!strstr(err, bad[i].needle))
			fail_msg("%s: got '%s', want '%s'", bad[i].spec, err,
				 bad[i].needle);
	}
}

static void names_round_trip(void **state)
{
	for (int m = 0; m < MTHP_MODEL_COUNT; m++) {
		enum mthp_model got;

		assert_int_equal(mthp_model_from_name(
					 mthp_model_name((enum mthp_model)m), &got),
				 0);
		assert_int_equal(got, m);
		assert_non_null(mthp_model_summary((enum mthp_model)m));
	}
	enum mthp_model mm;

	assert_int_equal(mthp_model_from_name("v20", &mm), -EINVAL);
	assert_null(mthp_model_name(MTHP_MODEL_COUNT));
	assert_string_equal(mthp_model_name(MTHP_MODEL_DEFAULT), "latest");

	for (int r = 0; r < MTHP_SCAN_RESULT_COUNT; r++) {
		enum mthp_scan_result got;

		assert_int_equal(mthp_scan_result_from_name(
					 mthp_scan_result_name(r), &got),
				 0);
		assert_int_equal(got, r);
	}
	enum mthp_scan_result rr;

	assert_int_equal(mthp_scan_result_from_name("EXCEED_NONE_PTE", &rr), 0);
	assert_int_equal(rr, MTHP_SCAN_EXCEED_NONE_PTE);
	assert_int_equal(mthp_scan_result_from_name("SCAN_NOPE", &rr), -EINVAL);
	assert_null(mthp_scan_result_name(-1));
	assert_null(mthp_scan_result_name(MTHP_SCAN_RESULT_COUNT));
	assert_string_equal(mthp_scan_result_name(MTHP_SCAN_SUCCEED),
			    "SCAN_SUCCEED");
	/* docs/MODELS.md section 12: the order: SUCCEED second, then
	 * INVALID_PTES_NONE and PAGE_RO appended, in that order */
	assert_int_equal(MTHP_SCAN_SUCCEED, 1);
	assert_int_equal(MTHP_SCAN_INVALID_PTES_NONE, 32);
	assert_int_equal(MTHP_SCAN_PAGE_RO, MTHP_SCAN_RESULT_COUNT - 1);

	enum mthp_mode mo;

	assert_int_equal(mthp_mode_from_name("madvise", &mo), 0);
	assert_int_equal(mo, MTHP_MODE_MADVISE);
	assert_int_equal(mthp_mode_from_name("both", &mo), -EINVAL);
}

static char heard[256];
static unsigned int heard_n;

static void hear(enum mthp_log_level level, const char *msg, void *ctx)
{
	(void)level;
	(void)ctx;
	snprintf(heard, sizeof(heard), "%s", msg);
	heard_n++;
}

/* Without a buffer, a refusal's reason reaches the log hook, as every
 * other call's does; with one, it goes there only; a valid geometry and
 * mthp_geometry_valid() (a question) say nothing. */
static void refusals_reach_the_log_hook(void **state)
{
	struct mthp_geometry g;
	char why[128];

	(void)state;
	/* a hook and its context saved, and put back whole at the end */
	int mine = 7;
	void *saved_ctx = &mine;

	mthp_set_log(NULL, NULL);
	assert_null(mthp_get_log(NULL));
	mthp_set_log(hear, &mine);
	assert_true(mthp_get_log(&saved_ctx) == hear && saved_ctx == &mine);
	heard_n = 0;
	assert_int_equal(mthp_geometry_lookup("vax", &g, NULL, 0), -ENOENT);
	assert_int_equal(heard_n, 1);
	assert_non_null(strstr(heard, "'vax'"));
	assert_int_equal(mthp_geometry_lookup("ppc64-hash-4k", &g, NULL, 0), -ENOTSUP);
	assert_non_null(strstr(heard, "ppc64-hash-4k"));
	assert_int_equal(mthp_geometry_custom(12, 500, 512, &g, NULL, 0), -EINVAL);
	assert_non_null(strstr(heard, "500"));
	assert_int_equal(heard_n, 3);
	assert_int_equal(mthp_geometry_lookup("custom:12:512:1024x", &g, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "unexpected 'x' after MAX_PTRS_PER_PTE"));
	assert_int_equal(heard_n, 3);
	assert_int_equal(mthp_geometry_lookup("arm64-16k", &g, NULL, 0), 0);
	g.pmd_nr = 3;
	assert_false(mthp_geometry_valid(&g));
	assert_int_equal(heard_n, 3);
	mthp_set_log(NULL, NULL);
	mthp_set_log(hear, saved_ctx);
	void *back = NULL;

	assert_true(mthp_get_log(&back) == hear && back == &mine);
	mthp_set_log(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_profile),
		cmocka_unit_test(ppc64_hash_4k_refused),
		cmocka_unit_test(unknown_name),
		cmocka_unit_test(custom_ok),
		cmocka_unit_test(custom_refused),
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(refusals_reach_the_log_hook),
	};

	return cmocka_run_group_tests_name("geometry", tests, NULL, NULL);
}
