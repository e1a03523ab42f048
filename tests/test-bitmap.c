// SPDX-License-Identifier: MIT
/* Bitmap operations: word boundaries, sizes that are not multiples of 64. */
#include "testlib.h"

/* Reference: one bit at a time. */
static unsigned int slow_weight(const unsigned long *m, unsigned int start,
				unsigned int len)
{
	unsigned int n = 0;

	for (unsigned int i = start; i < start + len; i++)
		n += mthp_test_bit(i, m);
	return n;
}

static void set_clear_across_words(void **state)
{
	MTHP_DECLARE_BITMAP(m, 300);

	assert_int_equal(sizeof(m) / sizeof(m[0]), MTHP_BITS_TO_LONGS(300));
	assert_int_equal(mthp_bitmap_longs(300), (300 + MTHP_BITS_PER_LONG - 1) /
							 MTHP_BITS_PER_LONG);
	mthp_bitmap_zero(m, 300);
	assert_int_equal(mthp_bitmap_weight(m, 300), 0);
	mthp_bitmap_set(m, 60, 10); /* 60..69 straddles bit 64 */
	assert_int_equal(mthp_bitmap_weight(m, 300), 10);
	assert_false(mthp_test_bit(59, m));
	assert_true(mthp_test_bit(60, m));
	assert_true(mthp_test_bit(63, m));
	assert_true(mthp_test_bit(64, m));
	assert_true(mthp_test_bit(69, m));
	assert_false(mthp_test_bit(70, m));
	mthp_bitmap_clear(m, 62, 4); /* 62..65 */
	assert_int_equal(mthp_bitmap_weight(m, 300), 6);
	assert_false(mthp_test_bit(63, m));
	assert_false(mthp_test_bit(64, m));
	assert_true(mthp_test_bit(66, m));
	/* a long run over three words */
	mthp_bitmap_set(m, 10, 250);
	assert_int_equal(mthp_bitmap_weight(m, 300), 250);
	assert_int_equal(mthp_bitmap_weight_range(m, 0, 10), 0);
	assert_int_equal(mthp_bitmap_weight_range(m, 259, 41), 1);
	mthp_bitmap_set(m, 0, 0); /* empty range: no change */
	assert_int_equal(mthp_bitmap_weight(m, 300), 250);
}

static void single_bits(void **state)
{
	MTHP_DECLARE_BITMAP(m, 130);

	mthp_bitmap_zero(m, 130);
	mthp_set_bit(0, m);
	mthp_set_bit(63, m);
	mthp_set_bit(64, m);
	mthp_set_bit(129, m);
	assert_int_equal(mthp_bitmap_weight(m, 130), 4);
	assert_int_equal(mthp_bitmap_weight(m, 129), 3); /* 129 excluded */
	mthp_clear_bit(63, m);
	assert_false(mthp_test_bit(63, m));
	assert_int_equal(mthp_bitmap_weight(m, 130), 3);
}

/* fill sets exactly nbits: the tail of the last word stays clear. */
static void fill_tail(void **state)
{
	MTHP_DECLARE_BITMAP(m, 100);

	m[MTHP_BITS_TO_LONGS(100) - 1] = 0;
	mthp_bitmap_fill(m, 100);
	assert_int_equal(mthp_bitmap_weight(m, 100), 100);
	assert_int_equal(mthp_bitmap_weight(m, MTHP_BITS_TO_LONGS(100) *
						       MTHP_BITS_PER_LONG),
			 100);
	mthp_bitmap_zero(m, 100);
	assert_int_equal(mthp_bitmap_weight(m, 100), 0);
}

/* weight counts only nbits even when higher bits are set. */
static void weight_ignores_bits_past_size(void **state)
{
	MTHP_DECLARE_BITMAP(m, 256);

	mthp_bitmap_zero(m, 256);
	mthp_bitmap_set(m, 20, 200);
	assert_int_equal(mthp_bitmap_weight(m, 32), 12);
	assert_int_equal(mthp_bitmap_weight(m, 256), 200);
}

static void weight_and(void **state)
{
	MTHP_DECLARE_BITMAP(a, 200);
	MTHP_DECLARE_BITMAP(b, 200);

	mthp_bitmap_zero(a, 200);
	mthp_bitmap_zero(b, 200);
	mthp_bitmap_set(a, 50, 100); /* 50..149 */
	mthp_bitmap_set(b, 120, 80); /* 120..199 */
	assert_int_equal(mthp_bitmap_weight_and(a, b, 200), 30);
	assert_int_equal(mthp_bitmap_weight_and(a, b, 130), 10);
	assert_int_equal(mthp_bitmap_weight_and(a, a, 70), 20);
}

static void find_next(void **state)
{
	MTHP_DECLARE_BITMAP(m, 200);

	mthp_bitmap_zero(m, 200);
	assert_int_equal(mthp_find_next_bit(m, 200, 0), 200);
	mthp_set_bit(5, m);
	mthp_set_bit(64, m);
	mthp_set_bit(190, m);
	assert_int_equal(mthp_find_next_bit(m, 200, 0), 5);
	assert_int_equal(mthp_find_next_bit(m, 200, 5), 5);
	assert_int_equal(mthp_find_next_bit(m, 200, 6), 64);
	assert_int_equal(mthp_find_next_bit(m, 200, 65), 190);
	assert_int_equal(mthp_find_next_bit(m, 190, 65), 190); /* size */
	assert_int_equal(mthp_find_next_bit(m, 200, 191), 200);
	assert_int_equal(mthp_find_next_bit(m, 200, 500), 200);
}

/* pte_count_present on every (offset, order) of a 512-bit pattern. */
static void count_present_every_range(void **state)
{
	MTHP_DECLARE_BITMAP(m, 512);
	uint32_t x = 1;

	mthp_bitmap_zero(m, 512);
	for (unsigned int i = 0; i < 512; i++) {
		x = x * 1664525u + 1013904223u;
		if (x >> 31)
			mthp_set_bit(i, m);
	}
	for (unsigned int order = 0; order <= 9; order++)
		for (unsigned int off = 0; off < 512; off += 1u << order)
			assert_int_equal(mthp_pte_count_present(m, off, order),
					 slow_weight(m, off, 1u << order));
	/* odd starts and lengths, across words */
	for (unsigned int s = 0; s < 140; s += 7)
		for (unsigned int l = 0; l < 300; l += 13)
			assert_int_equal(mthp_bitmap_weight_range(m, s, l),
					 slow_weight(m, s, l));
}

static void ilog2_values(void **state)
{
	assert_int_equal(mthp_ilog2(1), 0);
	assert_int_equal(mthp_ilog2(2), 1);
	assert_int_equal(mthp_ilog2(3), 1);
	assert_int_equal(mthp_ilog2(512), 9);
	assert_int_equal(mthp_ilog2(8192), 13);
	assert_int_equal(mthp_ilog2(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_clear_across_words),
		cmocka_unit_test(single_bits),
		cmocka_unit_test(fill_tail),
		cmocka_unit_test(weight_ignores_bits_past_size),
		cmocka_unit_test(weight_and),
		cmocka_unit_test(find_next),
		cmocka_unit_test(count_present_every_range),
		cmocka_unit_test(ilog2_values),
	};

	return cmocka_run_group_tests_name("bitmap", tests, NULL, NULL);
}
