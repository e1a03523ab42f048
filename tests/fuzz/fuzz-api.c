// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the library's exported calls given what a careless
 * caller gives - NULL pointers, counts without arrays, VMAs whose records
 * lie anywhere, visitors asked about VMAs in any order. The first byte
 * picks a call, the rest are its arguments. Checks: no crash, leak or
 * sanitizer report, and the documented answer for what is refused.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mthpcollapse/sim.h"
#include "mthpcollapse/space.h"
#include "mthpcollapse/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input, taken a field at a time (zeros once it runs out). */
struct in {
	const uint8_t *d;
	size_t n;
};

static uint64_t take(struct in *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v = v << 8 | (in->n ? *in->d : 0);
		if (in->n)
			in->d++, in->n--;
	}
	return v;
}

/* A count of at most 4, and an array of exactly that many or NULL. */
static void *array_or_null(struct in *in, size_t elem, size_t *count)
{
	*count = take(in, 1) % 5;
	if (take(in, 1) & 1)
		return NULL;
	uint8_t *a = calloc(*count ? *count : 1, elem);

	if (!a)
		abort();
	for (size_t i = 0; i < *count * elem; i++)
		a[i] = (uint8_t)take(in, 1);
	return a;
}

static const char snap[] = "geometry = x86_64\nvma 0x0-0x400000 none\n"
			   "pmd 0x0 table\nptes = P*500 .*12\npmd 0x200000 mapped\n"
			   "vma 0x800000-0xa00000 hugepage\npmd 0x800000 table\nptes = P*512\n"
			   "end 2 3\n";

static void space_calls(struct in *in)
{
	struct mthp_space sp, copy;
	struct mthp_parse_error e;
	struct mthp_space_totals t;
	struct mthp_space_visit_opts o = { .sz = sizeof(o), .young = 1 };
	FILE *f = fopen("/dev/null", "w");

	if (!f || mthp_space_read(snap, strlen(snap), &sp, &e))
		abort();
	struct mthp_space bad = sp;
	struct mthp_space_vma vmas[2] = { sp.vmas[0], sp.vmas[1] };
	struct mthp_space_pmd pmds[3] = { sp.pmds[0], sp.pmds[1], sp.pmds[2] };

	bad.vmas = take(in, 1) & 1 ? NULL : vmas;
	bad.nvmas = take(in, 1) % 3;
	bad.pmds = take(in, 1) & 1 ? NULL : pmds;
	bad.npmds = take(in, 1) % 4;
	for (int v = 0; v < 2; v++) {
		if (take(in, 1) & 1)
			vmas[v].first = (size_t)take(in, 8);
		if (take(in, 1) & 1)
			vmas[v].count = (size_t)take(in, 8);
	}
	for (int i = 0; i < 3; i++) {
		if (take(in, 1) & 1)
			pmds[i].pmd = (enum mthp_pmd_state)take(in, 1);
		if (take(in, 1) & 1)
			pmds[i].ptes = NULL;
	}
	/* whether it holds together, as the library's rules say */
	bool whole = (!bad.nvmas || bad.vmas) && (!bad.npmds || bad.pmds);

	for (size_t v = 0; whole && v < bad.nvmas; v++)
		whole = vmas[v].first <= bad.npmds && vmas[v].count <= bad.npmds - vmas[v].first;
	for (size_t i = 0; whole && i < bad.npmds; i++)
		whole = (unsigned int)pmds[i].pmd <= MTHP_PMD_MAPPED &&
			(pmds[i].pmd != MTHP_PMD_TABLE || pmds[i].ptes);
	int rc = mthp_space_copy(&copy, &bad);

	if (!whole && rc != -EINVAL)
		abort();
	if (!rc && mthp_space_visit(&copy, &o, NULL, &t))
		abort();
	mthp_space_free(&copy);
	int rw = mthp_space_write(&bad, f);

	if (!whole && rw != -EINVAL)
		abort();
	/* the visit changes the records: on the copy's own, not sp's */
	if (whole && mthp_space_copy(&copy, &bad))
		abort();
	if (whole && mthp_space_visit(&copy, &o, NULL, &t))
		abort();
	mthp_space_free(&copy);
	if (!whole && mthp_space_visit(&bad, &o, NULL, &t) != -EINVAL)
		abort();

	/* a visitor asked about VMAs in any order */
	struct mthp_space_visitor *v;

	if (mthp_space_visitor_new(&v, &sp, &o))
		abort();
	size_t done = 0;
	bool any_done = false;

	for (int k = 0; k < 6 && in->n; k++) {
		size_t vma = (size_t)take(in, 1) % 8;

		if (take(in, 1) & 1) {
			int r = mthp_space_visitor_vma_done(v, vma, take(in, 1) & 1 ? &t : NULL);

			if ((any_done && vma < done) != (r == -EINVAL))
				abort();
			if (!r) {
				done = vma + 1;
				any_done = true;
			}
		} else {
			struct mthp_space_pmd p = sp.pmds[2];
			struct mthp_pte ptes[512];

			memcpy(ptes, sp.pmds[2].ptes, sizeof(ptes));
			p.ptes = ptes;
			int r = mthp_space_visitor_pmd(v, &sp.vmas[1], vma, 2, &p);

			if ((any_done && vma < done) != (r == -EINVAL))
				abort();
		}
	}
	if (mthp_space_visitor_end(v, NULL, 0, &t))
		abort();
	mthp_space_visitor_free(v);
	mthp_space_free(&sp);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	size_t na, nb;

	switch (take(&in, 1) % 7) {
	case 0: {
		struct mthp_attempt *a = array_or_null(&in, sizeof(*a), &na);
		struct mthp_attempt *b = array_or_null(&in, sizeof(*b), &nb);
		long r = mthp_attempts_first_difference(a, na, b, nb);

		if (((na && !a) || (nb && !b)) != (r == -EINVAL))
			abort();
		if (r != -EINVAL && (r < -1 || r > (long)(na < nb ? na : nb)))
			abort();
		free(a);
		free(b);
		break;
	}
	case 1: {
		struct mthp_range *a = array_or_null(&in, sizeof(*a), &na);
		struct mthp_range *b = array_or_null(&in, sizeof(*b), &nb);
		bool eq = mthp_ranges_equal(a, na, b, nb);

		if (eq && (na != nb || (na && (!a || !b))))
			abort();
		free(a);
		free(b);
		break;
	}
	case 2: {
		struct mthp_pte p;
		uint16_t raw = (uint16_t)take(&in, 2);

		memcpy(&p, &raw, sizeof(p) < sizeof(raw) ? sizeof(p) : sizeof(raw));
		if (mthp_pte_state_char(take(&in, 1) & 1 ? NULL : &p) == 0)
			abort();
		break;
	}
	case 3: {
		struct mthp_space_totals t = { 0 }, a = { .scanned = 1 };
		unsigned int pick = (unsigned int)take(&in, 1) % 3;

		mthp_space_totals_add(pick == 0 ? NULL : &t, pick == 1 ? NULL : &a);
		if (t.scanned != (pick == 2))
			abort();
		break;
	}
	case 4: {
		struct mthp_verify_case c = { .answer = (enum mthp_verify_answer)(take(&in, 1) % 3) };
		struct mthp_range r = { (unsigned int)take(&in, 2), (unsigned int)take(&in, 1) % 10 };
		unsigned int pick = (unsigned int)take(&in, 1) % 3;
		int got = mthp_verify_answer(pick == 0 ? NULL : &r, pick == 1 ? NULL : &c);

		if ((pick < 2) != (got == -EINVAL))
			abort();
		break;
	}
	case 5: {
		struct mthp_scenario s, d;
		struct mthp_geometry g;
		size_t n;

		if (mthp_geometry_lookup("x86_64", &g, NULL, 0) || mthp_scenario_init(&s, &g))
			abort();
		struct mthp_fail_rule *rules = array_or_null(&in, sizeof(*rules), &n);

		s.fails = rules;
		s.nfails = n;
		int r = mthp_scenario_copy(&d, &s);

		if ((n && !rules) != (r == -EINVAL))
			abort();
		if (!r)
			mthp_scenario_free(&d);
		s.fails = NULL;
		s.nfails = 0;
		mthp_scenario_free(&s);
		free(rules);
		break;
	}
	case 6:
		space_calls(&in);
		break;
	}
	return 0;
}
