// SPDX-License-Identifier: MIT
/*
 * mthpsim verify: checks the claims reviewers made of the series and the
 * engine's invariants, by running the engine itself. Exits 0 when every
 * claim holds, 1 (with a minimal counterexample) when one does not.
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "oracle.h"

enum cb_mode {
	CB_SUCCEED, /* every attempt succeeds */
	CB_FAIL,    /* every attempt fails with a result both lists retry */
	CB_MIXED    /* a fixed pseudo-random half of the ranges fail */
};
#define TRY_LOWER MTHP_SCAN_EXCEED_NONE_PTE

struct input {
	struct mthp_geometry g;
	unsigned long map[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];
	uint32_t orders;
	unsigned int none;
	enum cb_mode cb;
	uint32_t salt;
};

struct run {
	struct mthp_collapse_result res;
	struct mthp_step steps[1 << 13];
};

static int callback(const struct mthp_range *r, void *data)
{
	const struct input *in = data;
	uint32_t h;

	switch (in->cb) {
	case CB_SUCCEED:
		return MTHP_SCAN_SUCCEED;
	case CB_FAIL:
		return TRY_LOWER;
	case CB_MIXED:
		break;
	}
	h = (r->offset * 2654435761u) ^ (r->order * 0x9e3779b9u) ^ in->salt;
	h ^= h >> 15;
	return (h * 0x2c1b3c6du) >> 31 ? MTHP_SCAN_SUCCEED : TRY_LOWER;
}

static void engine(const struct input *in, enum mthp_model m, struct run *out)
{
	struct mthp_collapse_opts o = {
		.sz = sizeof(o),
		.model = m,
		.orders = in->orders,
		.max_ptes_none = in->none,
		.collapse = callback,
		.data = (void *)in,
		.steps = out->steps,
		.steps_cap = sizeof(out->steps) / sizeof(out->steps[0]),
	};

	out->res.sz = sizeof(out->res);
	if (mthp_collapse(&in->g, in->map, &o, &out->res))
		errx(1, "internal error: the engine refused a verify input");
}

/* ---- the claims ---- */

typedef bool (*claim_fn)(const struct input *in, enum mthp_model a,
			 enum mthp_model b, char *why, size_t len);

static bool is_attempt(const struct mthp_step *s)
{
	return s->kind == MTHP_STEP_ATTEMPTED;
}

static struct run ra, rb;

/* docs/MODELS.md section 6.4: the walk attempts what the stack DFS attempts, in order. */
static bool same_attempts(const struct input *in, enum mthp_model a,
			  enum mthp_model b, char *why, size_t len)
{
	size_t i = 0, j = 0;

	engine(in, a, &ra);
	engine(in, b, &rb);
	for (;;) {
		while (i < ra.res.nsteps && !is_attempt(&ra.steps[i]))
			i++;
		while (j < rb.res.nsteps && !is_attempt(&rb.steps[j]))
			j++;
		bool ea = i == ra.res.nsteps, eb = j == rb.res.nsteps;

		if (ea && eb)
			return true;
		if (ea || eb || ra.steps[i].offset != rb.steps[j].offset ||
		    ra.steps[i].order != rb.steps[j].order) {
			const struct mthp_step *sa = ea ? NULL : &ra.steps[i];
			const struct mthp_step *sb = eb ? NULL : &rb.steps[j];
			char xa[48] = "nothing more", xb[48] = "nothing more";

			if (sa)
				snprintf(xa, sizeof(xa), "(%u, order %u)",
					 sa->offset, sa->order);
			if (sb)
				snprintf(xb, sizeof(xb), "(%u, order %u)",
					 sb->offset, sb->order);
			snprintf(why, len, "%s attempts %s where %s attempts %s",
				 mthp_model_name(a), xa, mthp_model_name(b), xb);
			return false;
		}
		i++;
		j++;
	}
}

/* The occupied PTEs docs/MODELS.md section 6 requires for a khugepaged range, 0 or max. */
static unsigned int spec_threshold(const struct input *in, unsigned int order)
{
	return in->none ? 1 : 1u << order;
}

/* Disjoint, aligned, enabled, over the threshold; and, with max, the
 * largest enabled range holding a collapse was attempted. */
static bool collapses_sound(const struct input *in, enum mthp_model m,
			    enum mthp_model unused, char *why, size_t len)
{
	static unsigned long seen[MTHP_BITS_TO_LONGS(MTHP_MAX_PTRS)];
	const struct mthp_geometry *g = &in->g;
	bool pmd_only = !mthp_model_sub_pmd(m);
	uint32_t enabled = pmd_only ? in->orders & (1u << g->pmd_order) : in->orders;

	(void)unused;
	engine(in, m, &ra);
	mthp_bitmap_zero(seen, g->pmd_nr);
	for (size_t i = 0; i < ra.res.nsteps; i++) {
		const struct mthp_step *s = &ra.steps[i];
		unsigned int n = 1u << s->order;

		if (!is_attempt(s) || s->result != MTHP_SCAN_SUCCEED)
			continue;
		unsigned int occ = mthp_pte_count_present(in->map, s->offset, s->order);

		if (s->offset & (n - 1) || s->offset + n > g->pmd_nr) {
			snprintf(why, len, "%s collapsed misaligned (%u, order %u)",
				 mthp_model_name(m), s->offset, s->order);
			return false;
		}
		if (!(enabled & (1u << s->order))) {
			snprintf(why, len, "%s collapsed (%u, order %u), an order not enabled",
				 mthp_model_name(m), s->offset, s->order);
			return false;
		}
		if (occ < spec_threshold(in, s->order)) {
			snprintf(why, len,
				 "%s collapsed (%u, order %u) with %u occupied PTEs; max_ptes_none %u needs %u",
				 mthp_model_name(m), s->offset, s->order, occ,
				 in->none, spec_threshold(in, s->order));
			return false;
		}
		if (mthp_bitmap_weight_range(seen, s->offset, n)) {
			snprintf(why, len, "%s collapsed (%u, order %u) twice over",
				 mthp_model_name(m), s->offset, s->order);
			return false;
		}
		mthp_bitmap_set(seen, s->offset, n);
		if (in->none != g->pmd_nr - 1)
			continue;
		/* the "highest order" promise of max_ptes_none = 511 */
		for (unsigned int j = s->order + 1; j <= g->pmd_order; j++) {
			unsigned int off = s->offset & ~((1u << j) - 1);
			bool tried = false;

			if (!(enabled & (1u << j)))
				continue;
			for (size_t t = 0; t < ra.res.nsteps && !tried; t++)
				tried = is_attempt(&ra.steps[t]) &&
					ra.steps[t].offset == off &&
					ra.steps[t].order == j;
			if (!tried) {
				snprintf(why, len,
					 "%s collapsed (%u, order %u) without attempting the enabled (%u, order %u) holding it",
					 mthp_model_name(m), s->offset, s->order, off, j);
				return false;
			}
		}
	}
	return true;
}

/* The stack never holds more than PMD_ORDER - 2 + 1 entries. */
static bool stack_bounded(const struct input *in, enum mthp_model m,
			  enum mthp_model unused, char *why, size_t len)
{
	unsigned int bound = mthp_stack_depth_bound(&in->g);

	(void)unused;
	engine(in, m, &ra);
	if (ra.res.max_stack_depth > bound ||
	    (ra.res.stack_capacity && ra.res.stack_capacity < bound)) {
		snprintf(why, len, "%s: stack depth %u, capacity %u, bound %u",
			 mthp_model_name(m), ra.res.max_stack_depth,
			 ra.res.stack_capacity, bound);
		return false;
	}
	return true;
}

/* Bits HPAGE_PMD_NR .. MAX_PTRS_PER_PTE-1 change no decision. */
static bool poison_inert(const struct input *in, enum mthp_model m,
			 enum mthp_model unused, char *why, size_t len)
{
	static struct input p;

	(void)unused;
	p = *in;
	mthp_bitmap_set(p.map, p.g.pmd_nr, p.g.max_ptrs - p.g.pmd_nr);
	engine(in, m, &ra);
	engine(&p, m, &rb);
	bool same = ra.res.nsteps == rb.res.nsteps && ra.res.result == rb.res.result;

	for (size_t i = 0; same && i < ra.res.nsteps; i++)
		same = ra.steps[i].offset == rb.steps[i].offset &&
		       ra.steps[i].order == rb.steps[i].order &&
		       ra.steps[i].kind == rb.steps[i].kind &&
		       ra.steps[i].result == rb.steps[i].result;
	if (!same)
		snprintf(why, len, "%s decides differently once bits %u..%u are set",
			 mthp_model_name(m), p.g.pmd_nr, p.g.max_ptrs - 1);
	return same;
}

/* ---- running claims over inputs ---- */

struct claim {
	const char *key;  /* its name in --json */
	const char *text;
	claim_fn fn;
	bool pairwise;    /* compares the stack model with the walk model */
	bool needs_stack; /* only for models that have a stack */
	bool needs_poison;/* only where MAX_PTRS_PER_PTE > HPAGE_PMD_NR */
	bool reserves;    /* also checks every model's reserve per geometry */
	int skip_cb;      /* a callback mode the claim says nothing about */
	unsigned long cases;
	bool failed;
	struct input counter;
	enum mthp_model cm;
	char why[256];
};

struct verify {
	enum mthp_model pair[2];
	enum mthp_model models[MTHP_MODEL_COUNT + 2];
	size_t nmodels;
	struct claim *claims;
	size_t nclaims;
};

/* Greedily drops occupied PTEs and enabled orders while the claim fails. */
static void shrink(struct claim *c, enum mthp_model a, enum mthp_model b)
{
	struct input *in = &c->counter;
	char why[256];

	for (bool progress = true; progress;) {
		progress = false;
		for (unsigned int i = 0; i < in->g.pmd_nr; i++) {
			if (!mthp_test_bit(i, in->map))
				continue;
			mthp_clear_bit(i, in->map);
			if (!c->fn(in, a, b, why, sizeof(why))) {
				progress = true;
				continue;
			}
			mthp_set_bit(i, in->map);
		}
		for (unsigned int k = 0; k < 32; k++) {
			if (!(in->orders & (1u << k)))
				continue;
			in->orders &= ~(1u << k);
			if (in->orders && !c->fn(in, a, b, why, sizeof(why))) {
				progress = true;
				continue;
			}
			in->orders |= 1u << k;
		}
	}
	c->fn(in, a, b, c->why, sizeof(c->why));
}

static void check(struct verify *v, struct claim *c, const struct input *in)
{
	char why[256];

	if (c->failed)
		return;
	for (size_t i = 0; i < (c->pairwise ? 1 : v->nmodels); i++) {
		enum mthp_model a = c->pairwise ? v->pair[0] : v->models[i];
		enum mthp_model b = v->pair[1];

		if (c->needs_stack && !mthp_model_stack_capacity(a, &in->g))
			continue; /* no stack to bound */
		c->cases++;
		if (c->fn(in, a, b, why, sizeof(why)))
			continue;
		c->failed = true;
		c->counter = *in;
		c->cm = a;
		shrink(c, a, b);
		return;
	}
}

static void check_all(struct verify *v, const struct input *in)
{
	for (size_t i = 0; i < v->nclaims; i++) {
		struct claim *c = &v->claims[i];

		if ((int)in->cb == c->skip_cb ||
		    (c->needs_poison && in->g.max_ptrs == in->g.pmd_nr))
			continue;
		check(v, c, in);
	}
}

/* Every (none, callback) combination of one bitmap and order set. */
static void check_modes(struct verify *v, struct input *in)
{
	unsigned int nones[2] = { 0, in->g.pmd_nr - 1 };

	for (int n = 0; n < 2; n++) {
		in->none = nones[n];
		for (int cb = CB_SUCCEED; cb <= CB_MIXED; cb++) {
			in->cb = (enum cb_mode)cb;
			check_all(v, in);
		}
	}
}

static void exhaustive(struct verify *v, const char *name)
{
	static struct input in;

	if (mthp_geometry_lookup(name, &in.g, NULL, 0))
		errx(1, "internal error: geometry %s", name);
	uint32_t all = mthp_orders_all(&in.g);

	for (unsigned long bits = 0; bits < (1ul << in.g.pmd_nr); bits++) {
		mthp_bitmap_zero(in.map, in.g.max_ptrs);
		in.map[0] = bits;
		in.salt = (uint32_t)bits;
		/* every non-empty subset of the enabled orders */
		for (uint32_t sub = all; sub; sub = (sub - 1) & all) {
			in.orders = sub;
			check_modes(v, &in);
		}
	}
}

static void random_runs(struct verify *v, struct rng *r, const char *name,
			unsigned int count)
{
	static struct input in;

	if (mthp_geometry_lookup(name, &in.g, NULL, 0))
		errx(1, "internal error: geometry %s", name);
	uint32_t all = mthp_orders_all(&in.g);

	for (unsigned int i = 0; i < count; i++) {
		mthp_bitmap_zero(in.map, in.g.max_ptrs);
		/* runs of occupied and empty PTEs of varied lengths */
		for (unsigned int pos = 0; pos < in.g.pmd_nr;) {
			unsigned int n = 1 + rng_below(r, in.g.pmd_nr / 8 + 1);

			if (n > in.g.pmd_nr - pos)
				n = in.g.pmd_nr - pos;
			if (rng_below(r, 2))
				mthp_bitmap_set(in.map, pos, n);
			pos += n;
		}
		do
			in.orders = (uint32_t)rng_next(r) & all;
		while (!in.orders);
		in.salt = (uint32_t)rng_next(r);
		check_modes(v, &in);
	}
}

/* Run-length form of a bitmap (P occupied, . none), for mthpsim decide. */
static void print_map(const struct input *in)
{
	static struct mthp_pte ptes[MTHP_MAX_PTRS];
	static char text[MTHP_MAX_PTRS * 8];

	for (unsigned int i = 0; i < in->g.pmd_nr; i++)
		ptes[i] = (struct mthp_pte){
			.kind = mthp_test_bit(i, in->map) ? MTHP_PTE_PRESENT
							  : MTHP_PTE_NONE,
			.flags = mthp_test_bit(i, in->map) ? MTHP_PTE_YOUNG : 0 };
	mthp_map_format(ptes, in->g.pmd_nr, text, sizeof(text));
	printf("'%s'", text);
}

static void print_counterexample(const struct claim *c, enum mthp_model other)
{
	const struct input *in = &c->counter;
	char orders[64];

	format_orders(orders, sizeof(orders), in->orders);
	printf("    %s\n    counterexample (run each line to see):\n", c->why);
	for (int w = 0; w < (c->pairwise ? 2 : 1); w++) {
		enum mthp_model m = w ? other : c->cm;

		printf("      %s decide --geometry %s --model %s --orders %s --max-ptes-none %u",
		       getprogname(), in->g.name, mthp_model_name(m), orders, in->none);
		if (in->cb == CB_FAIL)
			printf(" --all-fail %s", mthp_scan_result_name(TRY_LOWER));
		if (in->cb == CB_MIXED) {
			/* name each range the callback failed */
			engine(in, m, &ra);
			for (size_t i = 0; i < ra.res.nsteps; i++)
				if (is_attempt(&ra.steps[i]) && ra.steps[i].result != MTHP_SCAN_SUCCEED)
					printf(" --fail %u:%u=%s", ra.steps[i].offset,
					       ra.steps[i].order,
					       mthp_scan_result_name(TRY_LOWER));
		}
		printf(" ");
		print_map(in);
		printf("\n");
	}
}

static void usage_verify(FILE *f)
{
	fprintf(f,
"usage: mthpsim verify [--models STACK,WALK] [--seed S] [--exhaustive] [--json]\n"
"\n"
"Checks, by running the engine:\n"
"  1. the stack search (default v15) and the walk (default v19) attempt the\n"
"     same ranges in the same order, when every attempt succeeds and when\n"
"     every attempt fails with a try-lower result: every bitmap of\n"
"     custom:12:16:16 with every order set, and random bitmaps on every\n"
"     named geometry, for max_ptes_none 0 and HPAGE_PMD_NR-1;\n"
"  2. every model's collapses are disjoint, aligned, of enabled orders, meet\n"
"     the threshold, and (max_ptes_none = HPAGE_PMD_NR-1) come from the\n"
"     highest enabled order holding an occupied PTE;\n"
"  3. the stack never exceeds PMD_ORDER - 1 entries, within every reserve;\n"
"  4. bits past HPAGE_PMD_NR never change a decision.\n"
"Exit 0 when all hold; 1 with a minimal counterexample otherwise.\n"
"--exhaustive checks 50 times as many random bitmaps. A progress line goes\n"
"to standard error when it is a terminal.\n");
}

int cmd_verify(int argc, char **argv)
{
	enum { O_MODELS = O_OWN, O_SEED, O_EXHAUSTIVE };
	static const struct option longopts[] = {
		{ "models", required_argument, NULL, O_MODELS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "exhaustive", no_argument, NULL, O_EXHAUSTIVE },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	/* the claims, one entry each: what it checks and on which inputs */
	static struct claim claims[] = {
		{ .key = "equivalence",
		  .text = "the stack search and the walk attempt the same ranges in the same order",
		  .fn = same_attempts, .pairwise = true,
		  /* about runs where every attempt succeeds or every one fails */
		  .skip_cb = CB_MIXED },
		{ .key = "collapses",
		  .text = "collapses are disjoint, aligned, of enabled orders, over the threshold, from the highest order",
		  .fn = collapses_sound, .skip_cb = CB_FAIL },
		{ .key = "stack_bound",
		  .text = "the stack never exceeds PMD_ORDER - 1 entries and every reserve holds that",
		  .fn = stack_bounded, .needs_stack = true, .reserves = true,
		  .skip_cb = -1 },
		{ .key = "poison",
		  .text = "bits past HPAGE_PMD_NR change no decision",
		  .fn = poison_inert, .needs_poison = true, .skip_cb = -1 },
	};
	static struct verify v = {
		.claims = claims, .nclaims = sizeof(claims) / sizeof(claims[0]) };
	const char *pair = "v15,v19";
	unsigned int seed = 1, per_geometry = 150;
	bool json = false, exhaustive_on = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_MODELS: pair = optarg; break;
		case O_SEED: seed = cli_uint("--seed", optarg, 4000000000u); break;
		case O_EXHAUSTIVE: per_geometry = 150 * 50; exhaustive_on = true; break;
		case O_JSON: json = true; break;
		case 'h':
		case O_HELP: usage_verify(stdout); return 0;
		default: usage_verify(stderr); return EXIT_INPUT;
		}
	}
	if (optind != argc)
		errx(EXIT_INPUT, "verify: unexpected argument '%s'", argv[optind]);
	if (parse_models(pair, v.pair, 2, 2) != 2)
		errx(EXIT_INPUT, "--models: name exactly two models");
	/* invariants: every model, plus the two named (one may be a test model) */
	for (int m = 0; m < MTHP_MODEL_COUNT; m++)
		v.models[v.nmodels++] = (enum mthp_model)m;
	for (int i = 0; i < 2; i++)
		if (v.pair[i] >= MTHP_MODEL_COUNT)
			v.models[v.nmodels++] = v.pair[i];

	FILE *out = json ? stderr : stdout; /* --json: stdout holds JSON only */

	if (!json)
		fprintf(out, "verify: %s vs %s; invariants over %zu models\n",
			mthp_model_name(v.pair[0]), mthp_model_name(v.pair[1]),
			v.nmodels);
	size_t steps = 2 + mthp_geometry_count(), step = 0;

	progress("verify", step, steps);
	exhaustive(&v, "custom:12:16:16");
	progress("verify", ++step, steps);
	exhaustive(&v, "custom:12:8:64"); /* small, with bits to poison */
	progress("verify", ++step, steps);
	struct rng r = { seed };

	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		random_runs(&v, &r, mthp_geometry_name(i), per_geometry);
		progress("verify", ++step, steps);
	}
	progress_done();
	/* every model's reserve against the bound, on every geometry */
	for (size_t i = 0; i < mthp_geometry_count(); i++) {
		struct mthp_geometry g;

		mthp_geometry_lookup(mthp_geometry_name(i), &g, NULL, 0);
		for (size_t m = 0; m < v.nmodels; m++) {
			unsigned int cap = mthp_model_stack_capacity(v.models[m], &g);

			for (size_t k = 0; k < v.nclaims; k++) {
				struct claim *cl = &claims[k];

				if (!cl->reserves)
					continue;
				cl->cases++;
				if (cap && cap < mthp_stack_depth_bound(&g) &&
				    !cl->failed) {
					cl->failed = true;
					snprintf(cl->why, sizeof(cl->why),
						 "%s reserves %u entries on %s; the bound is %u",
						 mthp_model_name(v.models[m]), cap,
						 g.name, mthp_stack_depth_bound(&g));
				}
			}
		}
	}

	unsigned long total = 0;
	size_t failed = 0;

	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_object(&j);
		json_kstring(&j, "command", "verify");
		json_key(&j, "settings");
		json_begin_object(&j);
		json_key(&j, "models");
		json_begin_array(&j);
		json_string(&j, mthp_model_name(v.pair[0]));
		json_string(&j, mthp_model_name(v.pair[1]));
		json_end_array(&j);
		json_kuint(&j, "seed", seed);
		json_kbool(&j, "exhaustive", exhaustive_on);
		json_kuint(&j, "random_per_geometry", per_geometry);
		json_end_object(&j);
		json_key(&j, "claims");
		json_begin_array(&j);
		for (size_t i = 0; i < v.nclaims; i++) {
			struct claim *cl = &claims[i];

			total += cl->cases;
			failed += cl->failed;
			json_begin_object(&j);
			json_kstring(&j, "claim", cl->key);
			json_kstring(&j, "text", cl->text);
			json_kuint(&j, "cases", cl->cases);
			json_kbool(&j, "holds", !cl->failed);
			if (cl->failed)
				json_kstring(&j, "why", cl->why);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_kuint(&j, "cases", total);
		json_kbool(&j, "holds", !failed);
		json_end_object(&j);
		return failed ? 1 : 0;
	}
	for (size_t i = 0; i < v.nclaims; i++) {
		struct claim *cl = &claims[i];

		total += cl->cases;
		failed += cl->failed;
		printf("  [%s] %s: %lu cases\n", cl->failed ? "FAILED" : "ok",
		       cl->text, cl->cases);
		if (cl->failed && cl->counter.g.pmd_nr)
			print_counterexample(cl, v.pair[1]);
		else if (cl->failed)
			printf("    %s\n", cl->why);
	}
	if (failed) {
		printf("verify: %zu of %zu claims FAILED (%lu cases)\n", failed,
		       v.nclaims, total);
		return 1;
	}
	printf("verify: all %zu claims hold (%lu cases)\n", v.nclaims, total);
	return 0;
}
