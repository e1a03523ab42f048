// SPDX-License-Identifier: MIT
/*
 * mthpsim predict: khugepaged's visit over a whole address space - a
 * snapshot file or a live process - under its settings or others, with
 * totals per VMA, side-by-side comparisons and an SVG picture.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "predict.h"
#include "mthpcollapse/space.h"

static void usage_predict(FILE *f)
{
	fprintf(f,
"usage: mthpsim predict [options] SNAPSHOT|PID|self\n"
"       mthpsim predict [options] --all | --cgroup PATH [--jobs N]\n"
"\n"
"Runs khugepaged's visit (scan, decide, attempt) over every PMD range of\n"
"an address space - a snapshot file ('-' for standard input; a scenario\n"
"file is one PMD range) or a running process, snapshotted first - in\n"
"address order, and reports per VMA and in total: PMD ranges, scanned,\n"
"not eligible, already huge, collapses by size, pages present before and\n"
"after, huge-page coverage by size, and what kept ranges from collapsing.\n"
"The settings are the snapshot's (the running kernel's for a process),\n"
"changed by the options below.\n"
"\n"
"  --young all|none     the young bit, which no snapshot knows (default all)\n"
"  --rounds             visit again until nothing changes (at most 64)\n"
"  --compare SETTINGS   also under these settings, e.g. max_ptes_none=0 or\n"
"                       max_ptes_none=511,orders=4-9 (repeatable): a column each\n"
"  --svg FILE           a picture of the address space, one cell per PMD range\n"
"  --all                every process of the machine: a row each (PID,\n"
"                       command, PMD ranges, collapses by size, anonymous\n"
"                       memory before and after, huge coverage), the ones\n"
"                       the settings change most first, and the total\n"
"  --cgroup PATH        the same for the processes of a cgroup v2 group and\n"
"                       the groups below it (PATH absolute or under\n"
"                       where cgroup v2 is mounted)\n"
"  --jobs N             processes read at once with --all/--cgroup (default:\n"
"                       the online CPUs, at most 8)\n");
	sim_options_help(f);
}

/* What became of each PMD range under the first column's settings. */
struct cells {
	unsigned char *out;    /* per PMD range: enum mthp_space_outcome */
	unsigned char *order;  /* the largest order collapsed there */
	unsigned long *addr;
	size_t n, cap;         /* ranges so far; room */
	size_t total;          /* ranges in all when known (0: streamed) */
};


static void json_unknown(struct json *j, unsigned int unknown)
{
	static const char *const w[] = { "young", "folio", "zero", "end" };

	json_key(j, "unknown");
	json_begin_array(j);
	for (unsigned int u = 0; u < 4; u++)
		if (unknown & (1u << u))
			json_string(j, w[u]);
	json_end_array(j);
}

static void print_total_line(FILE *f, int width, const char *label,
			     const struct mthp_space *sp,
			     const struct mthp_space_totals *t)
{
	const struct mthp_geometry *g = &sp->settings.geometry;
	char coll[160] = "";

	for (unsigned int o = g->pmd_order + 1; o-- > MTHP_MIN_ORDER;)
		if (t->collapses[o]) {
			char part[32];

			snprintf(part, sizeof(part), "%s%lu x %lukB", coll[0] ? ", " : "",
				 t->collapses[o], cli_size_kb(g, o));
			strlcat(coll, part, sizeof(coll));
		}
	fprintf(f, "%-*s %6lu %7lu %8lu %8lu %6lu  %-24s %lu -> %lu\n", width, label,
	       t->pmd_ranges, t->scanned, t->no_table, t->not_eligible,
	       t->already_huge, coll[0] ? coll : "none", t->present_before,
	       t->present_after);
}

/*
 * One item of a list printed on one line, "a; b; c": *sep starts as " "
 * (before the first) and becomes "; ". list_end() ends the line, with
 * empty when there was no item.
 */
__attribute__((format(printf, 2, 3)))
static void list_item(const char **sep, const char *fmt, ...)
{
	va_list ap;

	fputs(*sep, stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	*sep = "; ";
}

static void list_end(const char *sep, const char *empty)
{
	if (*sep == ' ') /* no item */
		printf(" %s", empty);
	putchar('\n');
}

/* "0xSTART-0xEND" and the VMA's flag words; returns its length. */
static int vma_label(const struct mthp_space_vma *vma, char *buf, size_t size)
{
	char flags[64];

	mthp_vma_words(vma->flags, vma->thp_disabled, flags, sizeof(flags));
	return snprintf(buf, size, "0x%lx-0x%lx%s", vma->start, vma->end, flags);
}

/*
 * Copies what rows holds (from its start) to standard output. Text rows
 * are "LABEL<tab>the rest", and the label is padded to width here, when
 * the widest is known.
 */
static void copy_rows(FILE *rows, int width)
{
	char buf[8192];
	size_t n;

	if (fflush(rows) || fseek(rows, 0, SEEK_SET))
		err(1, "predict: the report's rows");
	if (width) {
		char *line = NULL;
		size_t cap = 0;

		while (getline(&line, &cap, rows) > 0) {
			char *tab = strchr(line, '\t');

			if (tab)
				*tab = 0;
			printf("%-*s%s", width, line, tab ? tab + 1 : "\n");
		}
		free(line);
	} else {
		while ((n = fread(buf, 1, sizeof(buf), rows)) > 0)
			fwrite(buf, 1, n, stdout);
	}
	if (ferror(rows))
		err(1, "predict: the report's rows");
}

struct predict;
static void print_not_eligible(const struct predict *p);

static void print_report(const struct mthp_space *sp, const char *what, FILE *rows,
			 int width, const struct mthp_space_totals *t, int young,
			 const struct predict *p)
{
	const struct mthp_geometry *g = &sp->settings.geometry;
	unsigned long page_kb = (1ul << g->page_shift) >> 10;

	cli_print_settings(stdout, what, &sp->settings,
		       mthp_enabled_orders(g, sp->settings.model, MTHP_MODE_KHUGEPAGED,
					   &sp->settings.thp, 0));
	if (sp->unknown) {
		const char *sep = " ";

		printf("not known:");
		if (sp->unknown & MTHP_UNKNOWN_YOUNG)
			list_item(&sep, "the young bit (taken as %s: --young)",
				  young < 0 ? "none young" : young > 0 ? "all young" : "recorded");
		if (sp->unknown & MTHP_UNKNOWN_FOLIO)
			list_item(&sep, "folio sizes (no PFNs: every page its own folio)");
		if (sp->unknown & MTHP_UNKNOWN_ZERO)
			list_item(&sep, "the zero page (no PFNs: read as a shared page)");
		if (sp->unknown & MTHP_UNKNOWN_END)
			list_item(&sep, "whether the snapshot is whole (format 1 has no end line)");
		printf("\n");
	}
	printf("\n%-*s %6s %7s %8s %8s %6s  %-24s %s\n", width, "VMA", "PMDs",
	       "scanned", "no-table", "not-elig", "huge", "collapses",
	       "present PTEs before -> after");
	copy_rows(rows, width);
	print_total_line(stdout, width, "total", sp, t);
	print_not_eligible(p);
	unsigned long added = (t->present_after - t->present_before) * page_kb;

	printf("\nmemory added: %lu KiB (%.1f%% of the %lu KiB these VMAs map)\n",
	       added, t->present_before ? 100.0 * (double)(t->present_after - t->present_before) /
						  (double)t->present_before : 0.0,
	       t->present_before * page_kb);
	printf("mapped by huge folios, before -> after:");
	const char *sep = " ";

	for (unsigned int o = MTHP_MIN_ORDER; o <= g->pmd_order; o++)
		if (t->huge_before[o] || t->huge_after[o])
			list_item(&sep, "%lukB %lu -> %lu KiB", cli_size_kb(g, o),
				  t->huge_before[o] * page_kb, t->huge_after[o] * page_kb);
	list_end(sep, "none");
	printf("what kept scanned ranges from collapsing:");
	sep = " ";
	for (int r = 0; r < MTHP_SCAN_RESULT_COUNT; r++)
		if (t->results[r])
			list_item(&sep, "%s %lu", mthp_scan_result_name(r), t->results[r]);
	list_end(sep, t->scanned ? "nothing" : "no range was scanned");
	if (t->rounds > 1)
		printf("visits until nothing changed: %u\n", t->rounds);
}

/* ---- the picture ---- */

static const char *const colour[MTHP_OUTCOME_COUNT] = {
	[MTHP_OUTCOME_NOT_ELIGIBLE] = "#ffffff",
	[MTHP_OUTCOME_NO_TABLE] = "#f2f2f2",
	[MTHP_OUTCOME_ALREADY_HUGE] = "#1f4e79",
	[MTHP_OUTCOME_LEFT] = "#bfbfbf",
	[MTHP_OUTCOME_MTHP] = "#9acd32",
	[MTHP_OUTCOME_PMD] = "#e66101",
};

static void svg_cell_colour(char *buf, size_t len, const struct mthp_geometry *g,
			    unsigned int out, unsigned int order)
{
	if (out != MTHP_OUTCOME_MTHP || g->pmd_order <= MTHP_MIN_ORDER + 1) {
		snprintf(buf, len, "%s", colour[out]);
		return;
	}
	/* light green for order 2, darker toward the PMD order */
	double f = (double)(order - MTHP_MIN_ORDER) / (double)(g->pmd_order - 1 - MTHP_MIN_ORDER);
	int rr = (int)(200 - 150 * f), gg = (int)(230 - 90 * f), bb = (int)(120 - 90 * f);

	snprintf(buf, len, "#%02x%02x%02x", rr, gg, bb);
}

/* The picture's measures. */
enum { SVG_CELL = 10, SVG_PER_ROW = 64, SVG_LEFT = 20, SVG_LABEL_H = 16 };

/* A VMA's label, then a cell per PMD range: y is where it starts, and
 * the next VMA's y is returned. */
static int svg_vma(FILE *f, const struct mthp_geometry *g, const struct mthp_space_vma *vm,
		   const struct cells *c, int y)
{
	char label[96], fill[16];

	vma_label(vm, label, sizeof(label));
	y += SVG_LABEL_H;
	fprintf(f, "<text x=\"%d\" y=\"%d\">VMA %s (%zu PMD ranges)</text>\n",
		SVG_LEFT, y - 4, label, vm->count);
	fprintf(f, "<g class=\"vma\" data-start=\"0x%lx\">\n", vm->start);
	for (size_t i = 0; i < vm->count; i++) {
		size_t k = vm->first + i;

		svg_cell_colour(fill, sizeof(fill), g, c->out[k], c->order[k]);
		fprintf(f, "<rect class=\"pmd\" data-outcome=\"%u\" data-order=\"%u\" x=\"%d\" y=\"%d\" "
			   "width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#808080\" stroke-width=\"0.5\">"
			   "<title>0x%lx: %s</title></rect>\n",
			c->out[k], c->order[k], SVG_LEFT + (int)(i % SVG_PER_ROW) * SVG_CELL,
			y + (int)(i / SVG_PER_ROW) * SVG_CELL, SVG_CELL - 1, SVG_CELL - 1, fill,
			c->addr[k], mthp_space_outcome_words(c->out[k]));
	}
	fprintf(f, "</g>\n");
	return y + (int)((vm->count + SVG_PER_ROW - 1) / SVG_PER_ROW) * SVG_CELL + 8;
}

/* The legend of the outcomes' colours; returns the y after it. */
static int svg_legend(FILE *f, const struct mthp_geometry *g, int y)
{
	char fill[16];

	for (unsigned int o = 0; o < MTHP_OUTCOME_COUNT; o++) {
		svg_cell_colour(fill, sizeof(fill), g, o, g->pmd_order - 1);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\" stroke=\"#808080\"/>"
			   "<text x=\"%d\" y=\"%d\">%s%s</text>\n",
			SVG_LEFT, y + (int)o * 16, fill, SVG_LEFT + 16, y + (int)o * 16 + 9,
			mthp_space_outcome_words(o),
			o == MTHP_OUTCOME_MTHP ? " (darker: larger)" : "");
	}
	return y + MTHP_OUTCOME_COUNT * 16 + 16;
}

/* With --rounds: present PTEs and PTEs in huge folios, visit by visit;
 * returns the y after the chart. */
static int svg_rounds(FILE *f, const struct mthp_space_totals *t, int y)
{
	const int w = 400, h = 120, x0 = SVG_LEFT + 40;
	unsigned long top = 1;

	for (unsigned int n = 0; n <= t->rounds; n++)
		if (t->present_round[n] > top)
			top = t->present_round[n];
	fprintf(f, "<g class=\"rounds\" data-rounds=\"%u\">\n", t->rounds);
	fprintf(f, "<text x=\"%d\" y=\"%d\">per visit: present PTEs (black), PTEs in huge folios (green); up to %lu</text>\n",
		SVG_LEFT, y, top);
	y += 8;
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#808080\"/>\n",
		x0, y, w, h);
	for (int series = 0; series < 2; series++) {
		fprintf(f, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
			series ? "huge" : "present", series ? "#2e8b57" : "#000000");
		for (unsigned int n = 0; n <= t->rounds; n++) {
			unsigned long v = series ? t->huge_round[n] : t->present_round[n];

			fprintf(f, "%s%d,%d", n ? " " : "",
				x0 + (int)((long)w * n / t->rounds),
				y + h - (int)((long)h * (long)v / (long)top));
		}
		fprintf(f, "\"/>\n");
	}
	fprintf(f, "</g>\n");
	return y + h + 24;
}

static int write_svg(const char *path, const struct mthp_space *sp,
		     const struct cells *c, const struct mthp_space_totals *t,
		     const char *title)
{
	const struct mthp_geometry *g = &sp->settings.geometry;
	FILE *f = fopen(path, "w");
	int y = 40, height = 40;

	if (!f)
		err(EXIT_INPUT, "--svg %s", path); /* a path that cannot be made */
	/* the height: a label and rows of cells per VMA, then the legend */
	for (size_t v = 0; v < sp->nvmas; v++)
		height += SVG_LABEL_H +
			  (int)((sp->vmas[v].count + SVG_PER_ROW - 1) / SVG_PER_ROW) * SVG_CELL + 8;
	height += 30 + MTHP_OUTCOME_COUNT * 16 + 40 + (t->rounds > 1 ? 160 : 0);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "font-family=\"sans-serif\" font-size=\"12\">\n",
		SVG_LEFT * 2 + SVG_PER_ROW * SVG_CELL + 260, height);
	fprintf(f, "<title>mthpsim predict</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");
	fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"14\">", SVG_LEFT);
	for (const char *p = title; *p; p++)
		fprintf(f, *p == '<' ? "&lt;" : *p == '&' ? "&amp;" : *p == '>' ? "&gt;" : "%c", *p);
	fprintf(f, "</text>\n");
	for (size_t v = 0; v < sp->nvmas; v++)
		y = svg_vma(f, g, &sp->vmas[v], c, y);
	y = svg_legend(f, g, y + 20);
	if (t->rounds > 1)
		y = svg_rounds(f, t, y);
	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"totals\" data-pmd-ranges=\"%lu\" "
		   "data-scanned=\"%lu\" data-present-before=\"%lu\" data-present-after=\"%lu\">"
		   "%lu PMD ranges, %lu scanned, %lu already huge; present PTEs %lu -&gt; %lu</text>\n",
		SVG_LEFT, y, t->pmd_ranges, t->scanned, t->present_before, t->present_after,
		t->pmd_ranges, t->scanned, t->already_huge, t->present_before,
		t->present_after);
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}

/* A process, snapshotted now; false when arg does not name one. */
static bool load_process(const char *arg, struct mthp_space *sp)
{
	struct mthp_parse_error e;
	unsigned long pid = 0;
	bool is_pid = !strcmp(arg, "self") ||
		      (strspn(arg, "0123456789") == strlen(arg) && *arg);

	if (!is_pid)
		return false;
	if (strcmp(arg, "self") &&
	    mthp_parse_number(arg, strlen(arg), "PID", 1, 4194304, &pid, &e))
		errx(EXIT_INPUT, "predict: %s", e.msg);
	int r = mthp_space_snapshot((pid_t)pid, NULL, sp, &e);

	if (r == -ESRCH)
		errx(EXIT_INPUT, "predict: no process %s (%s)", arg, e.msg);
	if (r)
		errx(EXIT_INPUT, "predict: %s", e.msg);
	return true;
}

/* What predict of one space reports, gathered as the visit goes. */
struct predict {
	const struct sim_opts *so;
	const char *const *compare;
	size_t ncols;
	struct cells cells;             /* --svg: each range's outcome */
	struct mthp_space drawn;        /* --svg: the VMAs, for the picture */
	bool draw, json;
	/* a row per VMA as each ends (text, or JSON objects), kept in a file
	 * until the report is written whole: memory does not grow with them */
	FILE *rows;
	struct json jrows;
	int width;                      /* the widest VMA label so far */
	/* why ranges were not eligible: each reason, its ranges and VMAs */
	struct { char why[300]; unsigned long ranges, vmas; } inelig[8];
	size_t ninelig;
};

/* Why the not-eligible ranges were not: a line per reason. */
static void print_not_eligible(const struct predict *p)
{
	for (size_t i = 0; i < p->ninelig; i++)
		printf("not eligible: %lu PMD range%s in %lu VMA%s: %s\n", p->inelig[i].ranges,
		       p->inelig[i].ranges == 1 ? "" : "s", p->inelig[i].vmas,
		       p->inelig[i].vmas == 1 ? "" : "s", p->inelig[i].why);
}

/* The VMA's not-eligible ranges, counted under their reason. */
static const char *note_not_eligible(struct predict *p, const struct mthp_space *sp,
				     const struct mthp_space_vma *vm,
				     const struct mthp_space_totals *t)
{
	char why[300];
	size_t i = 0;

	mp_not_eligible_why(&sp->settings, vm->flags, vm->thp_disabled, why, sizeof(why));
	while (i < p->ninelig && strcmp(p->inelig[i].why, why))
		i++;
	if (i == p->ninelig && i < sizeof(p->inelig) / sizeof(p->inelig[0]))
		snprintf(p->inelig[p->ninelig++].why, sizeof(why), "%s", why);
	if (i < p->ninelig) {
		p->inelig[i].ranges += t->not_eligible;
		p->inelig[i].vmas++;
		return p->inelig[i].why;
	}
	return "";
}

/* --svg: a range's outcome in the first column. */
static void each(void *ctx, size_t vma, size_t pmd,
		 enum mthp_space_outcome outcome, unsigned int order)
{
	struct predict *p = ctx;
	struct cells *c = &p->cells;

	(void)vma;
	c->out[pmd] = (unsigned char)outcome;
	c->order[pmd] = (unsigned char)order;
}

/* Column 0: the options; the others: a --compare each, on top. */
static int predict_settings(void *ctx, size_t col, struct mthp_scenario *s,
			    char *why, size_t len)
{
	struct predict *p = ctx;

	(void)why;
	(void)len;
	if (col)
		predict_apply_compare(p->compare[col - 1], s);
	else
		sim_apply(p->so, s);
	return 0;
}

static void predict_range(void *ctx, size_t index, unsigned long addr, size_t total)
{
	struct predict *p = ctx;
	struct cells *c = &p->cells;

	if (!(index & 1023))
		cli_progress("predict", index, total ? total : index);
	if (!p->draw)
		return;
	if (index >= c->cap) {
		c->cap = c->cap ? 2 * c->cap : 4096;
		c->out = realloc(c->out, c->cap);
		c->order = realloc(c->order, c->cap);
		c->addr = realloc(c->addr, c->cap * sizeof(*c->addr));
		if (!c->out || !c->order || !c->addr)
			err(1, "out of memory");
	}
	c->addr[index] = addr;
	c->n = index + 1;
}

static void predict_json_vma(struct predict *p, const struct mthp_space *sp,
			     const struct mthp_space_vma *vm,
			     const struct mthp_space_totals *t)
{
	char a[32], flags[64];

	json_begin_object(&p->jrows);
	snprintf(a, sizeof(a), "0x%lx", vm->start);
	json_kstring(&p->jrows, "start", a);
	snprintf(a, sizeof(a), "0x%lx", vm->end);
	json_kstring(&p->jrows, "end", a);
	mthp_vma_words(vm->flags, vm->thp_disabled, flags, sizeof(flags));
	json_key(&p->jrows, "flags");
	json_begin_array(&p->jrows);
	for (char *w = strtok(flags, " "); w; w = strtok(NULL, " "))
		json_string(&p->jrows, w);
	json_end_array(&p->jrows);
	predict_json_totals(&p->jrows, &sp->settings.geometry, t);
	if (t->not_eligible)
		json_kstring(&p->jrows, "not_eligible_because", note_not_eligible(p, sp, vm, t));
	json_unknown(&p->jrows, sp->unknown);
	json_end_object(&p->jrows);
}

/* A VMA after its last range: its row written, the VMA forgotten (kept
 * for the picture with --svg). */
static int predict_vma_done(void *ctx, const struct mthp_space *sp,
			    const struct mthp_space_vma *vm,
			    const struct mthp_space_totals *t)
{
	struct predict *p = ctx;

	if (p->draw) {
		struct mthp_space_vma *n = realloc(p->drawn.vmas,
						   (p->drawn.nvmas + 1) * sizeof(*n));

		if (!n)
			err(1, "out of memory");
		p->drawn.vmas = n;
		n[p->drawn.nvmas++] = *vm;
	}
	if (p->json) {
		predict_json_vma(p, sp, vm, t);
	} else {
		char label[96];
		int n = vma_label(vm, label, sizeof(label));

		if (n > p->width)
			p->width = n;
		fprintf(p->rows, "%s\t", label);
		print_total_line(p->rows, 0, "", sp, t);
		if (t->not_eligible)
			note_not_eligible(p, sp, vm, t);
	}
	return ferror(p->rows) ? -EIO : 0;
}

/* What the command line asks of predict. */
struct predict_args {
	struct sim_opts so;
	const char *compare[16], *svg, *cgroup;
	size_t ncompare;
	int young;
	unsigned int rounds, jobs;
	bool all;
};

enum { O_ALL = O_OWN, O_CGROUP, O_JOBS, O_YOUNG, O_ROUNDS, O_COMPARE, O_SVG };

static const struct option predict_longopts[] = {
	SIM_LONGOPTS,
	{ "all", no_argument, NULL, O_ALL },
	{ "cgroup", required_argument, NULL, O_CGROUP },
	{ "jobs", required_argument, NULL, O_JOBS },
	{ "young", required_argument, NULL, O_YOUNG },
	{ "rounds", no_argument, NULL, O_ROUNDS },
	{ "compare", required_argument, NULL, O_COMPARE },
	{ "svg", required_argument, NULL, O_SVG },
	{ NULL, 0, NULL, 0 },
};

static void predict_option(struct predict_args *a, int c, const char *arg)
{
	struct mthp_parse_error e;
	unsigned long n;

	switch (c) {
	case O_ALL: a->all = true; break;
	case O_CGROUP: a->cgroup = arg; break;
	case O_JOBS:
		if (mthp_parse_number(arg, strlen(arg), "--jobs", 1, 64, &n, &e))
			errx(EXIT_INPUT, "%s", e.msg);
		a->jobs = (unsigned int)n;
		break;
	case O_YOUNG:
		if (!strcmp(arg, "all"))
			a->young = 1;
		else if (!strcmp(arg, "none"))
			a->young = -1;
		else
			errx(EXIT_INPUT, "--young: '%s' is not all or none", arg);
		break;
	case O_ROUNDS: a->rounds = 64; break;
	case O_COMPARE:
		if (a->ncompare == 16)
			errx(EXIT_INPUT, "--compare: at most 16");
		a->compare[a->ncompare++] = arg;
		break;
	case O_SVG: a->svg = arg; break;
	case 'h':
	case O_HELP: usage_predict(stdout); exit(0);
	default: usage_predict(stderr); exit(EXIT_INPUT);
	}
}

/* --all or --cgroup: the machine's processes, or a group's. */
static int predict_many(struct predict_args *a, int argc, char **argv)
{
	if (a->all && a->cgroup)
		errx(EXIT_INPUT, "predict: --all and --cgroup: one or the other");
	if (optind != argc)
		errx(EXIT_INPUT, "predict: %s takes no SNAPSHOT or PID ('%s')",
		     a->all ? "--all" : "--cgroup", argv[optind]);
	if (a->svg)
		errx(EXIT_INPUT, "predict: --svg draws one address space, not %s",
		     a->all ? "--all" : "--cgroup");
	if (!a->jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		a->jobs = n < 1 ? 1 : n > 8 ? 8 : (unsigned int)n;
	}
	return predict_all(&a->so, a->compare, a->ncompare, a->young, a->rounds,
			   a->cgroup, a->jobs);
}

/* The space visited in every column: a process held, or a file streamed. */
static void predict_visit(struct predict_args *a, struct predict *p, const char *arg,
			  struct mthp_space *base, struct mthp_space_totals *totals)
{
	struct mp_space_opts o = {
		.ncols = p->ncols, .young = a->young, .rounds = a->rounds,
		.settings = predict_settings, .each = p->draw ? each : NULL,
		.range = predict_range, .vma_done = predict_vma_done, .ctx = p,
	};
	char why[600];
	int r;

	if (load_process(arg, base)) {
		p->cells.total = base->npmds;
		r = mp_predict_held(base, &o, totals, why, sizeof(why));
		if (r)
			errx(r == -ENOMEM || r == -EIO ? 1 : EXIT_INPUT, "%s", why);
		return;
	}
	FILE *f = !strcmp(arg, "-") ? stdin : fopen(arg, "r");
	struct mthp_parse_error e = { 0 };

	if (!f)
		err(EXIT_INPUT, "%s", arg);
	r = mp_predict_stream(f, base, &o, totals, &e, why, sizeof(why));
	if (f != stdin)
		fclose(f);
	if (r && why[0])
		errx(r == -ENOMEM || r == -EIO ? 1 : EXIT_INPUT, "%s", why);
	if (r == -EINVAL && e.line)
		errx(EXIT_INPUT, "%s:%u:%u: %s", cli_input_name(arg), e.line, e.col, e.msg);
	if (r == -EINVAL && e.msg[0])
		errx(EXIT_INPUT, "%s: %s", cli_input_name(arg), e.msg);
	if (r)
		errx(r == -ENOMEM || r == -EIO ? 1 : EXIT_INPUT, "%s: %s", cli_input_name(arg),
		     e.msg[0] ? e.msg : strerror(-r));
}

static void predict_json(const struct predict_args *a, const struct predict *p,
			 const struct mthp_space *base, const struct mthp_space_totals *totals)
{
	const struct mthp_geometry *g = &base->settings.geometry;
	struct json j;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_header(&j, "predict", &base->settings,
		    mthp_enabled_orders(g, base->settings.model, MTHP_MODE_KHUGEPAGED,
					&base->settings.thp, 0));
	if (base->pid)
		json_kuint(&j, "pid", (unsigned long long)base->pid);
	json_kstring(&j, "young", a->young > 0 ? "all" : "none");
	json_key(&j, "vmas");
	json_raw(&j, ""); /* the array, written ahead */
	copy_rows(p->rows, 0);
	json_key(&j, "total");
	json_begin_object(&j);
	predict_json_totals(&j, g, &totals[0]);
	json_unknown(&j, base->unknown);
	json_end_object(&j);
	predict_json_compare(&j, g, a->compare, p->ncols, totals);
	json_end_object(&j);
}

/* The --compare columns' totals beside the first's. */
static void print_compared(const struct predict_args *a, const struct mthp_space *base,
			   const struct mthp_space_totals *totals, size_t ncols)
{
	static const char *const rows[] = { "scanned", "collapses", "present after",
					    "KiB added" };
	unsigned long page_kb = (1ul << base->settings.geometry.page_shift) >> 10;

	int w[17] = { 18 };

	/* a column as wide as its settings, which are never cut */
	for (size_t col = 1; col < ncols; col++)
		w[col] = strlen(a->compare[col - 1]) > 18 ? (int)strlen(a->compare[col - 1]) : 18;
	printf("\n%-28s", "compared (totals)");
	printf(" %-*s", w[0], "as above");
	for (size_t col = 1; col < ncols; col++)
		printf(" %-*s", w[col], a->compare[col - 1]);
	printf("\n");
	for (size_t r = 0; r < 4; r++) {
		printf("%-28s", rows[r]);
		for (size_t col = 0; col < ncols; col++) {
			const struct mthp_space_totals *t = &totals[col];
			unsigned long v = 0;

			if (r == 0)
				v = t->scanned;
			for (unsigned int o = 0; r == 1 && o <= MTHP_MAX_PMD_ORDER; o++)
				v += t->collapses[o];
			if (r == 2)
				v = t->present_after;
			if (r == 3)
				v = (t->present_after - t->present_before) * page_kb;
			printf(" %-*lu", w[col], v);
		}
		printf("\n");
	}
}

static void predict_report(const struct predict_args *a, struct predict *p,
			   const char *arg, struct mthp_space *base,
			   const struct mthp_space_totals *totals)
{
	char title[200];

	if (base->pid)
		snprintf(title, sizeof(title), "process %ld (%s)", base->pid, base->comm);
	else
		snprintf(title, sizeof(title), "%s", cli_input_name(arg));
	if (a->svg) {
		p->drawn.settings = base->settings;
		int r = write_svg(a->svg, &p->drawn, &p->cells, &totals[0], title);

		p->drawn.settings = (struct mthp_scenario){ 0 };
		if (r) {
			errno = -r;
			cli_output_failed(a->svg); /* a write that failed: exit 1 */
		}
	}
	if (!p->json)
		print_report(base, title, p->rows, p->width, &totals[0], a->young, p);
	cli_progress_done();
	if (p->json)
		predict_json(a, p, base, totals);
	else if (a->ncompare)
		print_compared(a, base, totals, p->ncols);
}

int cmd_predict(int argc, char **argv)
{
	struct predict_args a = { .young = 1, .rounds = 1 };
	int c;

	while ((c = getopt_long(argc, argv, "h", predict_longopts, NULL)) != -1) {
		if (c == O_GEOMETRY)
			errx(EXIT_INPUT, "predict: --geometry: a snapshot has its machine's geometry");
		if (!sim_option(c, optarg, &a.so))
			predict_option(&a, c, optarg);
	}
	if (a.all || a.cgroup)
		return predict_many(&a, argc, argv);
	if (a.jobs)
		errx(EXIT_INPUT, "predict: --jobs goes with --all or --cgroup");
	if (optind != argc - 1) {
		usage_predict(stderr);
		errx(EXIT_INPUT, "predict: expected one SNAPSHOT or PID, got %d",
		     argc - optind);
	}
	struct mthp_space base;
	struct predict p = { .so = &a.so, .compare = a.compare, .ncols = 1 + a.ncompare,
			     .draw = a.svg != NULL, .json = a.so.json, .width = 36 };
	struct mthp_space_totals *totals = calloc(p.ncols, sizeof(*totals));

	if (!totals)
		err(1, "out of memory");
	p.rows = tmpfile();
	if (!p.rows)
		err(1, "predict: a temporary file for the report's rows");
	if (p.json) {
		json_init_value(&p.jrows, p.rows, 1);
		json_begin_array(&p.jrows);
	}
	predict_visit(&a, &p, argv[optind], &base, totals);
	if (p.json)
		json_end_array(&p.jrows);
	predict_report(&a, &p, argv[optind], &base, totals);
	free(totals);
	free(p.drawn.vmas);
	fclose(p.rows);
	free(p.cells.out);
	free(p.cells.order);
	free(p.cells.addr);
	mthp_space_free(&base);
	return 0;
}
