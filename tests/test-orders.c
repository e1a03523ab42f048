// SPDX-License-Identifier: MIT
/* Which orders are enabled (docs/MODELS.md section 3). */
#include "testlib.h"

#include <errno.h>

static struct mthp_thp_settings settings(const struct mthp_geometry *g)
{
	struct mthp_thp_settings s;

	mthp_thp_settings_default(&s, g);
	return s;
}

#define K MTHP_MODE_KHUGEPAGED
#define V15 MTHP_MODEL_V15

static void kernel_defaults(void **state)
{
	struct mthp_geometry g = geo("x86_64");
	struct mthp_thp_settings s = settings(&g);

	assert_int_equal(s.enabled, MTHP_THP_ALWAYS);
	assert_int_equal(s.order[9], MTHP_THP_INHERIT);
	assert_int_equal(s.order[4], MTHP_THP_NEVER);
	/* PMD inherits "always": PMD only */
	assert_int_equal(mthp_enabled_orders(&g, V15, K, &s, 0), 1u << 9);
	s.enabled = MTHP_THP_MADVISE;
	assert_int_equal(mthp_enabled_orders(&g, V15, K, &s, 0), 0);
	assert_int_equal(mthp_enabled_orders(&g, V15, K, &s, MTHP_VMA_HUGEPAGE),
			 1u << 9);
	s.enabled = MTHP_THP_NEVER;
	assert_int_equal(mthp_enabled_orders(&g, V15, K, &s, MTHP_VMA_HUGEPAGE),
			 0);
}

static void per_size_settings(void **state)
{
	struct mthp_geometry g = geo("x86_64");
	struct mthp_thp_settings s = settings(&g);

	s.enabled = MTHP_THP_NEVER;
	s.order[2] = MTHP_THP_ALWAYS;
	s.order[4] = MTHP_THP_MADVISE;
	s.order[6] = MTHP_THP_INHERIT;
	assert_int_equal(mthp_enabled_orders(&g, V15, K, &s, 0), 1u << 2);
	assert_int_equal(mthp_enabled_orders(&g, V15, K, &s, MTHP_VMA_HUGEPAGE),
			 (1u << 2) | (1u << 4));
	s.enabled = MTHP_THP_MADVISE;
	assert_int_equal(mthp_enabled_orders(&g, V15, K, &s, MTHP_VMA_HUGEPAGE),
			 (1u << 2) | (1u << 4) | (1u << 6) | (1u << 9));
	s.enabled = MTHP_THP_ALWAYS;
	assert_int_equal(mthp_enabled_orders(&g, V15, K, &s, 0),
			 (1u << 2) | (1u << 6) | (1u << 9));
	/* nohugepage enables nothing, whatever else is set */
	assert_int_equal(mthp_enabled_orders(&g, V15, K, &s,
					     MTHP_VMA_NOHUGEPAGE |
						     MTHP_VMA_HUGEPAGE),
			 0);
	/* baseline looks at the PMD order alone */
	assert_int_equal(mthp_enabled_orders(&g, MTHP_MODEL_BASELINE, K, &s, 0),
			 1u << 9);
	s.order[9] = MTHP_THP_NEVER;
	assert_int_equal(mthp_enabled_orders(&g, MTHP_MODEL_BASELINE, K, &s, 0),
			 0);
}

/* MADV_COLLAPSE: the PMD order alone, whatever sysfs says; nothing at all
 * on a nohugepage VMA (refused before the forced-collapse exemption). */
static void madvise_mode_pmd_only(void **state)
{
	struct mthp_geometry g = geo("arm64-64k");
	struct mthp_thp_settings s = settings(&g);

	s.enabled = MTHP_THP_NEVER;
	for (int k = 2; k <= 13; k++)
		s.order[k] = MTHP_THP_ALWAYS;
	for (int m = 0; m < MTHP_MODEL_COUNT; m++)
		assert_int_equal(mthp_enabled_orders(&g, (enum mthp_model)m,
						     MTHP_MODE_MADVISE, &s, 0),
				 1u << 13);
	for (int m = 0; m < MTHP_MODEL_COUNT; m++) {
		assert_int_equal(mthp_enabled_orders(&g, (enum mthp_model)m,
						     MTHP_MODE_MADVISE, &s,
						     MTHP_VMA_NOHUGEPAGE),
				 0);
		/* hugepage does not outweigh it */
		assert_int_equal(mthp_enabled_orders(&g, (enum mthp_model)m,
						     MTHP_MODE_MADVISE, &s,
						     MTHP_VMA_NOHUGEPAGE |
							     MTHP_VMA_HUGEPAGE),
				 0);
	}
}

/* bits 2 .. PMD order, written out by hand for three geometries */
static void all_orders(void **state)
{
	struct mthp_geometry x = geo("x86_64"), p = geo("ppc64-radix-64k");
	struct mthp_geometry a = geo("arm64-64k");

	assert_int_equal(mthp_orders_all(&x), 0x3fc);
	assert_int_equal(mthp_orders_all(&p), 0x3c);
	assert_int_equal(mthp_orders_all(&a), 0x3ffc);
}

static void setting_names(void **state)
{
	enum mthp_thp_setting v;

	assert_int_equal(mthp_thp_setting_from_name("inherit", &v), 0);
	assert_int_equal(v, MTHP_THP_INHERIT);
	assert_int_equal(mthp_thp_setting_from_name("sometimes", &v), -22);
	assert_string_equal(mthp_thp_setting_name(MTHP_THP_MADVISE), "madvise");
}

/* Linux 6.1 has no per-size settings: the top-level enabled alone says
 * whether the PMD order is (docs/MODELS.md, "Models and releases"). */
static void no_size_controls_before_6_8(void **state)
{
	struct mthp_geometry g = geo("x86_64");
	struct mthp_thp_settings s = settings(&g);
	const enum mthp_model b61 = MTHP_MODEL_BASELINE_6_1;

	s.order[9] = MTHP_THP_NEVER;
	assert_int_equal(mthp_enabled_orders(&g, b61, K, &s, 0), 1u << 9);
	assert_int_equal(mthp_enabled_orders(&g, MTHP_MODEL_BASELINE_6_12, K, &s, 0), 0);
	s.order[9] = MTHP_THP_INHERIT;
	s.enabled = MTHP_THP_MADVISE;
	assert_int_equal(mthp_enabled_orders(&g, b61, K, &s, 0), 0);
	assert_int_equal(mthp_enabled_orders(&g, b61, K, &s, MTHP_VMA_HUGEPAGE), 1u << 9);
	s.order[9] = MTHP_THP_ALWAYS;
	assert_int_equal(mthp_enabled_orders(&g, b61, K, &s, 0), 0);
	assert_int_equal(mthp_enabled_orders(&g, b61, K, &s, MTHP_VMA_NOHUGEPAGE), 0);
}

/* Which model stands for a kernel, from its release and what it shows. */
static void model_for_kernel(void **state)
{
	static const struct {
		const char *release;
		unsigned int features;
		enum mthp_model want;
	} c[] = {
		{ "6.1.0-50-cloud-amd64", 0, MTHP_MODEL_BASELINE_6_1 },
		{ "6.1.176", MTHP_KERNEL_NO_SIZE_CONTROLS, MTHP_MODEL_BASELINE_6_1 },
		{ "6.12.117+deb13-cloud-amd64", 0, MTHP_MODEL_BASELINE_6_12 },
		{ "6.12.117", MTHP_KERNEL_NO_SIZE_CONTROLS, MTHP_MODEL_BASELINE_6_1 },
		{ "6.18.44-fc-v1272", 0, MTHP_MODEL_BASELINE },
		{ "6.19.14+deb13-cloud-amd64", MTHP_KERNEL_SIZE_CONTROLS, MTHP_MODEL_BASELINE },
		{ "7.1.13", 0, MTHP_MODEL_BASELINE },
		{ "7.2.13+deb14-cloud-amd64", 0, MTHP_MODEL_LATEST },
		{ "7.3-rc7", 0, MTHP_MODEL_LATEST },
		{ "7.3.4", MTHP_KERNEL_NO_COLLAPSE_STATS, MTHP_MODEL_BASELINE },
		{ "6.19.14", MTHP_KERNEL_COLLAPSE_STATS, MTHP_MODEL_LATEST },
	};
	enum mthp_model m;
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(mthp_model_for_kernel(c[i].release, c[i].features, &m, &why), 0);
		if (m != c[i].want)
			fail_msg("%s: %s, want %s", c[i].release, mthp_model_name(m),
				 mthp_model_name(c[i].want));
		assert_non_null(why);
	}
	assert_int_equal(mthp_model_for_kernel("linux", 0, &m, NULL), -EINVAL);
	assert_int_equal(mthp_model_for_kernel("7", 0, &m, NULL), -EINVAL);
	assert_int_equal(mthp_model_for_kernel(NULL, 0, &m, NULL), -EINVAL);
	assert_int_equal(mthp_model_for_kernel("7.3", 0, NULL, NULL), -EINVAL);
	assert_non_null(mthp_model_releases(MTHP_MODEL_BASELINE_6_12));
	assert_null(mthp_model_releases(MTHP_MODEL_V15));
}

/* MADV_COLLAPSE's errno for the last failure, per release. */
static void madvise_errno(void **state)
{
	assert_int_equal(mthp_madvise_errno(MTHP_MODEL_BASELINE, MTHP_SCAN_EXCEED_NONE_PTE), EBUSY);
	assert_int_equal(mthp_madvise_errno(MTHP_MODEL_BASELINE_6_12, MTHP_SCAN_EXCEED_NONE_PTE), EBUSY);
	assert_int_equal(mthp_madvise_errno(MTHP_MODEL_BASELINE_6_1, MTHP_SCAN_EXCEED_NONE_PTE), EINVAL);
	assert_int_equal(mthp_madvise_errno(MTHP_MODEL_LATEST, MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL), ENOMEM);
	assert_int_equal(mthp_madvise_errno(MTHP_MODEL_LATEST, MTHP_SCAN_PAGE_LOCK), EAGAIN);
	assert_int_equal(mthp_madvise_errno(MTHP_MODEL_LATEST, MTHP_SCAN_PMD_MAPPED), 0);
	assert_int_equal(mthp_madvise_errno(MTHP_MODEL_LATEST, MTHP_SCAN_PAGE_ANON), EINVAL);
	assert_int_equal(mthp_madvise_errno(MTHP_MODEL_LATEST, MTHP_SCAN_RESULT_COUNT), -EINVAL);
	assert_int_equal(mthp_madvise_errno(MTHP_MODEL_COUNT, MTHP_SCAN_FAIL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kernel_defaults),
		cmocka_unit_test(per_size_settings),
		cmocka_unit_test(madvise_mode_pmd_only),
		cmocka_unit_test(all_orders),
		cmocka_unit_test(setting_names),
		cmocka_unit_test(no_size_controls_before_6_8),
		cmocka_unit_test(model_for_kernel),
		cmocka_unit_test(madvise_errno),
	};

	return cmocka_run_group_tests_name("orders", tests, NULL, NULL);
}
