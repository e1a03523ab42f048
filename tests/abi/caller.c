// SPDX-License-Identifier: MIT
/*
 * A caller built against a released header layout, run against the library
 * of this tree: the structs it passes (geometry, THP settings, options,
 * result, all with the sizes of that release) and the numbers it compiled
 * in must still mean what they meant. tests/abi/<release>/include holds each
 * release's public headers as they were released; they are never edited.
 * The expected values are worked by hand from docs/MODELS.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mthpcollapse/mthpcollapse.h>

static int failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                    \
			failures++;                                        \
		}                                                          \
	} while (0)

static unsigned int calls;

static int succeed(const struct mthp_range *r, void *data)
{
	(void)data;
	calls++;
	/* the one attempt: the lower half, at order 8 */
	CHECK(r->offset == 0 && r->order == 8);
	return MTHP_SCAN_SUCCEED;
}

int main(void)
{
	struct mthp_geometry g;
	struct mthp_thp_settings s;
	MTHP_DECLARE_BITMAP(map, 512);

	printf("header %s, library %s\n", MTHP_VERSION_STRING, mthp_version());
	CHECK(mthp_geometry_lookup("x86_64", &g, NULL, 0) == 0);
	CHECK(g.sz == sizeof(g) && g.pmd_nr == 512 && g.pmd_order == 9);
	mthp_thp_settings_default(&s, &g);
	CHECK(s.sz == sizeof(s));
	CHECK(mthp_enabled_orders(&g, MTHP_MODEL_LATEST, MTHP_MODE_KHUGEPAGED,
				  &s, 0) == 1u << 9);

	/* the lower half occupied, max_ptes_none 0, every order: the PMD
	 * range is short of its 512, its lower half has all 256 and
	 * collapses, the upper half and its parts have none */
	mthp_bitmap_zero(map, 512);
	mthp_bitmap_set(map, 0, 256);
	MTHP_OPTS(o, .orders = mthp_orders_all(&g), .max_ptes_none = 0,
		  .collapse = succeed);
	MTHP_RESULT(r);

	CHECK(mthp_collapse(&g, map, 512, &o, &r) == 0);
	CHECK(r.result == MTHP_SCAN_SUCCEED && r.collapsed == 256 &&
	      r.attempts == 1 && calls == 1);
	/* numbers compiled in keep their names */
	CHECK(!strcmp(mthp_scan_result_name(MTHP_SCAN_EXCEED_NONE_PTE),
		      "SCAN_EXCEED_NONE_PTE"));
	CHECK(!strcmp(mthp_scan_result_name(MTHP_SCAN_ALLOC_HUGE_PAGE_FAIL),
		      "SCAN_ALLOC_HUGE_PAGE_FAIL"));
	/* a short bitmap is refused */
	CHECK(mthp_collapse(&g, map, 256, &o, &r) == -EINVAL);
	if (failures)
		return 1;
	printf("ok\n");
	return 0;
}
