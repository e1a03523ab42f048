// SPDX-License-Identifier: MIT
/*
 * mthpsim decide: run the decision engine on an occupancy map given on the
 * command line, with every attempt succeeding unless --fail says otherwise.
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

#define MAX_FAILS 64

struct fail_rule {
	struct mthp_range range;
	enum mthp_scan_result result;
};

struct decide {
	struct mthp_geometry g;
	struct mthp_collapse_opts o;
	struct fail_rule fails[MAX_FAILS];
	size_t nfails;
	int otherwise; /* what attempts no --fail rule names return */
	unsigned long *map;
	char *cells; /* one character per PTE, for the drawing */
};

static void usage_decide(FILE *f)
{
	fprintf(f,
"usage: mthpsim decide [options] MAP\n"
"\n"
"Runs the collapse decision engine on one PMD range's occupancy map.\n"
"MAP is a list of tokens X (occupied PTE) or . (none), each optionally\n"
"followed by *COUNT, adding up to HPAGE_PMD_NR; '@FILE' reads it from a\n"
"file ('#' starts a comment there). Example: 'X*300 . X*211'.\n"
"\n"
"options:\n"
"  --geometry NAME      page-table geometry (default x86_64; 'mthpsim geometries')\n"
"  --model NAME         kernel model (default v15; 'mthpsim models')\n"
"  --mode MODE          khugepaged (default) or madvise\n"
"  --max-ptes-none N    the sysctl, 0..HPAGE_PMD_NR-1 (default HPAGE_PMD_NR-1)\n"
"  --orders LIST        enabled orders: all (default), pmd, none, or e.g. 2,4-9\n"
"  --unmapped N         swap PTEs the scan saw (counted by latest, baseline)\n"
"  --uffd               the VMA is armed for userfaultfd\n"
"  --fail OFF:ORDER:RESULT\n"
"                       the attempt at (OFF, ORDER) returns RESULT (repeatable)\n"
"  --all-fail RESULT    every other attempt returns RESULT (default: they succeed)\n"
"  --json               print JSON instead of the readable report\n");
}

/* Reads '@FILE' into a string, comments and line breaks turned to blanks. */
static char *read_map_file(const char *path)
{
	size_t len;
	char *text = read_input(path, &len);
	bool comment = false;

	text = realloc(text, len + 1);
	if (!text)
		err(1, "realloc");
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '#')
			comment = true;
		else if (text[i] == '\n')
			comment = false;
		if (comment || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')
			text[i] = ' ';
	}
	text[len] = 0;
	return text;
}

/* Parses MAP into d->map and d->cells; errors name the token. */
static void parse_map(struct decide *d, const char *text, const char *where)
{
	unsigned int pos = 0, tok = 0;
	const char *p = text;

	while (*p) {
		if (*p == ' ') {
			p++;
			continue;
		}
		size_t len = strcspn(p, " ");
		char token[64];
		unsigned long count = 1;

		tok++;
		snprintf(token, sizeof(token), "%.*s", (int)(len < 40 ? len : 40), p);
		if (*p != 'X' && *p != '.')
			errx(EXIT_INPUT, "%s: token %u '%s': unknown state '%c' (X occupied, . none)",
			     where, tok, token, *p);
		if (len > 1) {
			const char *why = NULL;
			char num[32];

			if (p[1] != '*' || len - 2 >= sizeof(num) || len == 2)
				errx(EXIT_INPUT, "%s: token %u '%s': want STATE or STATE*COUNT",
				     where, tok, token);
			memcpy(num, p + 2, len - 2);
			num[len - 2] = 0;
			count = (unsigned long)strtonum(num, 1, d->g.pmd_nr, &why);
			if (why)
				errx(EXIT_INPUT, "%s: token %u '%s': count is %s (1..%u)",
				     where, tok, token, why, d->g.pmd_nr);
		}
		if (pos + count > d->g.pmd_nr)
			errx(EXIT_INPUT, "%s: token %u '%s' runs past the %u PTEs of %s",
			     where, tok, token, d->g.pmd_nr, d->g.name);
		if (*p == 'X')
			mthp_bitmap_set(d->map, pos, (unsigned int)count);
		memset(d->cells + pos, *p, count);
		pos += (unsigned int)count;
		p += len;
	}
	if (pos != d->g.pmd_nr)
		errx(EXIT_INPUT, "%s: map covers %u PTEs, %s has %u", where, pos,
		     d->g.name, d->g.pmd_nr);
}

static void parse_fail(struct decide *d, const char *arg)
{
	char buf[128];
	char *order, *result;

	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		errx(EXIT_INPUT, "--fail: '%.40s...' is too long", arg);
	order = strchr(buf, ':');
	result = order ? strchr(order + 1, ':') : NULL;
	if (!result)
		errx(EXIT_INPUT, "--fail: '%s' is not OFFSET:ORDER:RESULT", arg);
	*order++ = 0;
	*result++ = 0;
	struct fail_rule *r = &d->fails[d->nfails++];

	r->range.order = cli_uint("--fail ORDER", order, d->g.pmd_order);
	if (r->range.order < MTHP_MIN_ORDER)
		errx(EXIT_INPUT, "--fail: order %u is below %u", r->range.order,
		     MTHP_MIN_ORDER);
	r->range.offset = cli_uint("--fail OFFSET", buf, d->g.pmd_nr - 1);
	if (r->range.offset & ((1u << r->range.order) - 1))
		errx(EXIT_INPUT, "--fail: offset %u is not aligned to order %u",
		     r->range.offset, r->range.order);
	r->result = cli_result("--fail RESULT", result);
}

static int decide_cb(const struct mthp_range *r, void *data)
{
	const struct decide *d = data;

	for (size_t i = 0; i < d->nfails; i++)
		if (d->fails[i].range.offset == r->offset &&
		    d->fails[i].range.order == r->order)
			return d->fails[i].result;
	return d->otherwise;
}

static void print_text(const struct decide *d, const struct mthp_step *steps,
		       const struct mthp_collapse_result *res)
{
	const struct mthp_geometry *g = &d->g;
	struct mthp_range ranges[1024];
	size_t nr = 0, shown = res->nsteps;
	char orders[64];

	format_orders(orders, sizeof(orders), d->o.orders);
	printf("model %s (%s)\n", mthp_model_name(d->o.model),
	       mthp_model_summary(d->o.model));
	printf("geometry %s: %u PTEs per table (MAX_PTRS_PER_PTE %u), PMD order %u\n",
	       g->name, g->pmd_nr, g->max_ptrs, g->pmd_order);
	printf("mode %s, max_ptes_none %u, orders enabled %s%s\n",
	       mthp_mode_name(d->o.mode), d->o.max_ptes_none, orders,
	       d->o.uffd ? ", uffd-armed VMA" : "");
	printf("occupied %u of %u PTEs", mthp_bitmap_weight(d->map, g->pmd_nr),
	       g->pmd_nr);
	if (d->o.unmapped)
		printf(", %u swapped", d->o.unmapped);
	printf("\n\n");

	for (size_t i = 0; i < shown; i++)
		if (steps[i].kind == MTHP_STEP_ATTEMPTED &&
		    steps[i].result == MTHP_SCAN_SUCCEED && nr < 1024)
			ranges[nr++] = (struct mthp_range){ steps[i].offset,
							    steps[i].order };
	printf("PTE table (X occupied, . none); collapsed ranges beneath, filled with their order:\n");
	draw_table(stdout, g->pmd_nr, d->cells, ranges, nr);

	printf("\nranges examined, in order:\n");
	print_steps(stdout, steps, shown);
	printf("\ncollapsed %u PTEs in %zu range%s", res->collapsed, nr,
	       nr == 1 ? "" : "s");
	for (size_t i = 0; i < nr; i++)
		printf("%s(%u, order %u)", i ? " " : ": ", ranges[i].offset,
		       ranges[i].order);
	printf("\n%u attempt%s; result %s\n", res->attempts,
	       res->attempts == 1 ? "" : "s", mthp_scan_result_name(res->result));
	if (res->stack_capacity)
		printf("stack: deepest %u entries, %u reserved by %s, bound %u\n",
		       res->max_stack_depth, res->stack_capacity,
		       mthp_model_name(d->o.model), mthp_stack_depth_bound(g));
	if (res->invalid_none)
		printf("note: max_ptes_none %u is neither 0 nor %u\n",
		       d->o.max_ptes_none, g->pmd_nr - 1);
}

static void print_json(const struct decide *d, const struct mthp_step *steps,
		       const struct mthp_collapse_result *res)
{
	const struct mthp_geometry *g = &d->g;
	struct json j;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_kstring(&j, "command", "decide");
	json_kstring(&j, "model", mthp_model_name(d->o.model));
	json_kstring(&j, "geometry", g->name);
	json_kuint(&j, "pmd_nr", g->pmd_nr);
	json_kuint(&j, "max_ptrs_per_pte", g->max_ptrs);
	json_kuint(&j, "pmd_order", g->pmd_order);
	json_kstring(&j, "mode", mthp_mode_name(d->o.mode));
	json_kuint(&j, "max_ptes_none", d->o.max_ptes_none);
	json_key(&j, "orders");
	json_begin_array(&j);
	for (unsigned int k = 0; k <= g->pmd_order; k++)
		if (d->o.orders & (1u << k))
			json_uint(&j, k);
	json_end_array(&j);
	json_kuint(&j, "occupied", mthp_bitmap_weight(d->map, g->pmd_nr));
	json_steps(&j, steps, res->nsteps);
	json_key(&j, "attempts");
	json_begin_array(&j);
	for (size_t i = 0; i < res->nsteps; i++) {
		const struct mthp_step *s = &steps[i];

		if (s->kind != MTHP_STEP_ATTEMPTED)
			continue;
		json_begin_object(&j);
		json_kuint(&j, "offset", s->offset);
		json_kuint(&j, "order", s->order);
		json_kuint(&j, "occupied", s->occupied);
		json_kstring(&j, "result", mthp_scan_result_name(s->result));
		json_end_object(&j);
	}
	json_end_array(&j);
	json_key(&j, "collapses");
	json_begin_array(&j);
	for (size_t i = 0; i < res->nsteps; i++) {
		const struct mthp_step *s = &steps[i];

		if (s->kind != MTHP_STEP_ATTEMPTED || s->result != MTHP_SCAN_SUCCEED)
			continue;
		json_begin_object(&j);
		json_kuint(&j, "offset", s->offset);
		json_kuint(&j, "order", s->order);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_kuint(&j, "collapsed", res->collapsed);
	json_key(&j, "stack");
	json_begin_object(&j);
	json_kuint(&j, "capacity", res->stack_capacity);
	json_kuint(&j, "deepest", res->max_stack_depth);
	json_kuint(&j, "bound", mthp_stack_depth_bound(g));
	json_end_object(&j);
	json_kbool(&j, "invalid_max_ptes_none", res->invalid_none);
	json_kstring(&j, "result", mthp_scan_result_name(res->result));
	json_end_object(&j);
}

int cmd_decide(int argc, char **argv)
{
	enum { O_GEOMETRY = 256, O_MODEL, O_MODE, O_NONE, O_ORDERS, O_UNMAPPED,
	       O_UFFD, O_FAIL, O_ALL_FAIL, O_JSON, O_HELP };
	static const struct option longopts[] = {
		{ "geometry", required_argument, NULL, O_GEOMETRY },
		{ "model", required_argument, NULL, O_MODEL },
		{ "mode", required_argument, NULL, O_MODE },
		{ "max-ptes-none", required_argument, NULL, O_NONE },
		{ "orders", required_argument, NULL, O_ORDERS },
		{ "unmapped", required_argument, NULL, O_UNMAPPED },
		{ "uffd", no_argument, NULL, O_UFFD },
		{ "fail", required_argument, NULL, O_FAIL },
		{ "all-fail", required_argument, NULL, O_ALL_FAIL },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	static struct decide d;
	const char *geometry = "x86_64", *orders = "all", *none = NULL;
	const char *unmapped = NULL;
	const char *fails[MAX_FAILS];
	size_t nfails = 0;
	bool json = false;
	int c;

	d.o.sz = sizeof(d.o);
	d.o.model = MTHP_MODEL_DEFAULT;
	d.otherwise = MTHP_SCAN_SUCCEED;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_GEOMETRY: geometry = optarg; break;
		case O_MODEL: d.o.model = cli_model("--model", optarg); break;
		case O_MODE: d.o.mode = cli_mode("--mode", optarg); break;
		case O_NONE: none = optarg; break;
		case O_ORDERS: orders = optarg; break;
		case O_UNMAPPED: unmapped = optarg; break;
		case O_UFFD: d.o.uffd = true; break;
		case O_FAIL:
			if (nfails == MAX_FAILS)
				errx(EXIT_INPUT, "--fail: at most %d rules", MAX_FAILS);
			fails[nfails++] = optarg;
			break;
		case O_ALL_FAIL:
			d.otherwise = cli_result("--all-fail", optarg);
			break;
		case O_JSON: json = true; break;
		case O_HELP: usage_decide(stdout); return 0;
		default: usage_decide(stderr); return EXIT_INPUT;
		}
	}
	if (optind != argc - 1) {
		usage_decide(stderr);
		errx(EXIT_INPUT, "decide: expected one MAP argument, got %d",
		     argc - optind);
	}
	/* the geometry first: the other limits depend on it */
	cli_geometry("--geometry", geometry, &d.g);
	d.o.max_ptes_none = none ? cli_uint("--max-ptes-none", none, d.g.pmd_nr - 1)
				 : mthp_default_max_ptes_none(&d.g);
	d.o.orders = cli_orders("--orders", orders, &d.g);
	if (unmapped)
		d.o.unmapped = cli_uint("--unmapped", unmapped, d.g.pmd_nr);
	for (size_t i = 0; i < nfails; i++)
		parse_fail(&d, fails[i]);

	d.map = calloc(mthp_bitmap_longs(d.g.max_ptrs), sizeof(unsigned long));
	d.cells = calloc(d.g.pmd_nr + 1, 1);
	if (!d.map || !d.cells)
		err(1, "calloc");
	const char *arg = argv[optind];

	if (arg[0] == '@') {
		char *text = read_map_file(arg + 1);

		parse_map(&d, text, arg + 1);
		free(text);
	} else {
		parse_map(&d, arg, "MAP");
	}

	size_t cap = mthp_collapse_max_steps(&d.g);
	struct mthp_step *steps = calloc(cap, sizeof(*steps));
	MTHP_RESULT(res);

	if (!steps)
		err(1, "calloc");
	d.o.steps = steps;
	d.o.steps_cap = cap;
	d.o.collapse = decide_cb;
	d.o.data = &d;
	int r = mthp_collapse(&d.g, d.map, &d.o, &res);

	if (r)
		errx(1, "decide: the engine refused the input (%s)", strerror(-r));
	if (json)
		print_json(&d, steps, &res);
	else
		print_text(&d, steps, &res);
	free(steps);
	free(d.map);
	free(d.cells);
	return 0;
}
