// SPDX-License-Identifier: MIT
/*
 * mthp_verify(): the engine's claims checked by the library. The expected
 * counterexample is worked by hand from docs/MODELS.md sections 3 and 6.
 */
#include <errno.h>

#include "testlib.h"
#include "mthpcollapse/verify.h"

static void the_series_claims_hold(void **state)
{
	MTHP_VERIFY_OPTS(o, .seed = 1, .random_per_geometry = 2);
	struct mthp_verify_result r = { .sz = sizeof(r) };

	/* both models left 0: the pair the reviewers compared, v15 and v19 */
	assert_int_equal(mthp_verify(&o, &r), 0);
	assert_true(r.holds);
	assert_int_equal(r.models, MTHP_MODEL_COUNT);
	for (int k = 0; k < MTHP_CLAIM_COUNT; k++) {
		assert_true(r.claims[k].holds);
		assert_false(r.claims[k].has_counter);
		assert_true(r.claims[k].cases > 0);
	}
	assert_string_equal(r.claims[MTHP_CLAIM_EQUIVALENCE].key, "equivalence");
	assert_string_equal(r.claims[MTHP_CLAIM_POISON].key, "poison");
}

/*
 * v15 against baseline, which only ever tries the PMD: on custom:12:16:16
 * (PMD order 4) the first input where they differ is PTE 0 occupied,
 * orders 2..4, max_ptes_none 15, every attempt failing: v15 tries (0,4),
 * then (0,3), then (0,2); baseline tries (0,4) alone. Shrinking keeps PTE
 * 0 (with none occupied nothing is tried), drops order 2 (still
 * (0,4),(0,3) against (0,4)), keeps order 4 (orders 3..4 differ; order 4
 * alone does not) and then drops it: with order 3 alone v15 splits the
 * disabled PMD and tries (0,3) while baseline has no order to try.
 */
static void a_pmd_only_walk_is_not_the_stack(void **state)
{
	MTHP_VERIFY_OPTS(o, .stack_model = MTHP_MODEL_V15,
			 .walk_model = MTHP_MODEL_BASELINE,
			 .random_per_geometry = 1);
	struct mthp_verify_result r = { .sz = sizeof(r) };

	assert_int_equal(mthp_verify(&o, &r), 0);
	assert_false(r.holds);
	const struct mthp_claim_report *c = &r.claims[MTHP_CLAIM_EQUIVALENCE];

	assert_false(c->holds);
	assert_true(c->has_counter);
	assert_string_equal(c->counter.geometry.name, "custom:12:16:16");
	assert_int_equal(c->counter.bitmap[0], 1);
	assert_int_equal(c->counter.orders, 1u << 3);
	assert_int_equal(c->counter.max_ptes_none, 15);
	assert_int_equal(c->counter.answer, MTHP_VERIFY_FAIL);
	assert_int_equal(c->counter.model, MTHP_MODEL_V15);
	assert_string_equal(c->why,
			    "v15 attempts (0, order 3) where baseline attempts nothing more");
	/* the invariants are every model's own: they still hold */
	assert_true(r.claims[MTHP_CLAIM_COLLAPSES].holds);
	assert_true(r.claims[MTHP_CLAIM_STACK_BOUND].holds);
	assert_true(r.claims[MTHP_CLAIM_POISON].holds);
}

static void the_answers(void **state)
{
	struct mthp_verify_case in = { .answer = MTHP_VERIFY_SUCCEED };
	struct mthp_range rg = { 4, 2 };
	unsigned int fails = 0;

	assert_int_equal(mthp_verify_answer(&rg, &in), MTHP_SCAN_SUCCEED);
	in.answer = MTHP_VERIFY_FAIL;
	assert_int_equal(mthp_verify_answer(&rg, &in), MTHP_SCAN_EXCEED_NONE_PTE);
	/* mixed: a fixed answer per range and salt, each of the two */
	in.answer = MTHP_VERIFY_MIXED;
	for (unsigned int off = 0; off < 512; off += 4) {
		struct mthp_range x = { off, 2 };
		int a = mthp_verify_answer(&x, &in);

		assert_int_equal(a, mthp_verify_answer(&x, &in));
		assert_true(a == MTHP_SCAN_SUCCEED || a == MTHP_SCAN_EXCEED_NONE_PTE);
		fails += a != MTHP_SCAN_SUCCEED;
	}
	assert_true(fails > 16 && fails < 112);
}

static void bad_calls(void **state)
{
	MTHP_VERIFY_OPTS(o);
	struct mthp_verify_result r = { .sz = sizeof(r) };
	struct {
		struct mthp_verify_opts o;
		uint64_t more;
	} big = { .o = { .sz = sizeof(big) }, .more = 1 };

	assert_int_equal(mthp_verify(NULL, &r), -EINVAL);
	assert_int_equal(mthp_verify(&o, NULL), -EINVAL);
	r.sz = 8;
	assert_int_equal(mthp_verify(&o, &r), -EINVAL);
	r.sz = sizeof(r);
	o.walk_model = (enum mthp_model)99;
	assert_int_equal(mthp_verify(&o, &r), -EINVAL);
	/* a larger struct is refused while a field this library does not
	 * know is set */
	assert_int_equal(mthp_verify(&big.o, &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_answers),
		cmocka_unit_test(bad_calls),
		cmocka_unit_test(the_series_claims_hold),
		cmocka_unit_test(a_pmd_only_walk_is_not_the_stack),
	};

	return cmocka_run_group_tests_name("verify", tests, NULL, NULL);
}
