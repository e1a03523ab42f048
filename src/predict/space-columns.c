// SPDX-License-Identifier: MIT
/*
 * predict of one address space in columns (predict.h): the space held (a
 * process read now) or streamed (a snapshot file, a range at a time, each
 * VMA forgotten once it is reported), every range visited under each
 * column's settings as it comes. The caller makes the settings and hears
 * of each range and each finished VMA; the data never leaves this layer
 * between the reader and the visitors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-files.h"
#include "predict.h"

struct columns {
	const struct mp_space_opts *o;
	struct mthp_space_visitor **v;   /* a visitor per column, once set up */
	struct mthp_scenario *settings;  /* per column */
	struct mthp_pte *scratch;        /* a copy for the columns after the first */
	size_t total;                    /* ranges, when known (held) */
	char *why;
	size_t len;
	int status;                      /* a refusal of the settings */
};

static int refuse(struct columns *c, int status, const char *what)
{
	if (!c->why[0])
		snprintf(c->why, c->len, "predict: %s", what);
	c->status = status;
	return -ECANCELED;
}

/* The columns' settings and visitors, once the space's settings are known. */
static int start(struct columns *c, struct mthp_space *sp)
{
	const struct mp_space_opts *o = c->o;

	c->v = calloc(o->ncols, sizeof(*c->v));
	c->settings = calloc(o->ncols, sizeof(*c->settings));
	c->scratch = calloc(sp->settings.geometry.pmd_nr, sizeof(*c->scratch));
	if (!c->v || !c->settings || !c->scratch)
		return refuse(c, -ENOMEM, "out of memory");
	/* column 0 is the space's own settings as changed: what its report
	 * shows; the others start from them */
	if (o->settings && o->settings(o->ctx, 0, &sp->settings, c->why, c->len))
		return refuse(c, MP_BAD_INPUT, "a setting");
	for (size_t col = 0; col < o->ncols; col++) {
		if (mthp_scenario_copy(&c->settings[col], &sp->settings))
			return refuse(c, -ENOMEM, "out of memory");
		if (col && o->settings &&
		    o->settings(o->ctx, col, &c->settings[col], c->why, c->len))
			return refuse(c, MP_BAD_INPUT, "a setting");
		struct mthp_space one = *sp;

		one.settings = c->settings[col];
		struct mthp_space_visit_opts vo = {
			.sz = sizeof(vo), .model = one.settings.model, .young = o->young,
			.rounds = o->rounds, .each = col ? NULL : o->each, .ctx = o->ctx,
		};

		if (mthp_space_visitor_new(&c->v[col], &one, &vo))
			return refuse(c, MP_BAD_INPUT, "the visit refused the settings");
	}
	return 0;
}

static int range(void *ctx, struct mthp_space *sp, const struct mthp_space_vma *vm,
		 size_t vma, size_t index, struct mthp_space_pmd *pmd)
{
	struct columns *c = ctx;
	unsigned int nr;
	int e;

	if (!c->v && (e = start(c, sp)))
		return e;
	nr = sp->settings.geometry.pmd_nr;
	if (c->o->range)
		c->o->range(c->o->ctx, index, pmd->addr, c->total);
	/* a visit changes the PTEs it collapses: the later columns each
	 * visit a copy, the first the record itself, last */
	for (size_t col = c->o->ncols; col-- > 0;) {
		struct mthp_space_pmd one = *pmd;

		if (col && pmd->ptes) {
			memcpy(c->scratch, pmd->ptes, nr * sizeof(*c->scratch));
			one.ptes = c->scratch;
		}
		e = mthp_space_visitor_pmd(c->v[col], vm, vma, index, col ? &one : pmd);
		if (e)
			return e;
	}
	return 0;
}

static int vma_end(void *ctx, struct mthp_space *sp, const struct mthp_space_vma *vm,
		   size_t vma)
{
	struct columns *c = ctx;
	struct mthp_space_totals t;
	int e;

	if (!c->v && (e = start(c, sp)))
		return e;
	for (size_t col = 0; col < c->o->ncols; col++) {
		e = mthp_space_visitor_vma_done(c->v[col], vma, col ? NULL : &t);
		if (e)
			return e;
	}
	return c->o->vma_done ? c->o->vma_done(c->o->ctx, sp, vm, &t) : 0;
}

/* The totals, and the columns gone. */
static int finish(struct columns *c, struct mthp_space *sp, int e,
		  struct mthp_space_totals *totals)
{
	if (!e && !c->v) /* no PMD record or VMA at all */
		e = start(c, sp);
	for (size_t col = 0; !e && col < c->o->ncols; col++)
		e = mthp_space_visitor_end(c->v[col], NULL, 0, &totals[col]);
	for (size_t col = 0; c->v && col < c->o->ncols; col++) {
		mthp_space_visitor_free(c->v[col]);
		if (c->settings)
			mthp_scenario_free(&c->settings[col]);
	}
	free(c->v);
	free(c->settings);
	free(c->scratch);
	if (c->status)
		return c->status;
	if (e && !c->why[0])
		snprintf(c->why, c->len, "predict: the visit: %s", strerror(-e));
	return e;
}

int mp_predict_held(struct mthp_space *sp, const struct mp_space_opts *o,
		    struct mthp_space_totals *totals, char *why, size_t len)
{
	struct columns c = { .o = o, .total = sp->npmds, .why = why, .len = len };
	int e = 0;

	why[0] = 0;
	for (size_t v = 0; !e && v < sp->nvmas; v++) {
		const struct mthp_space_vma *vm = &sp->vmas[v];

		for (size_t i = vm->first; !e && i < vm->first + vm->count; i++)
			e = range(&c, sp, vm, v, i, &sp->pmds[i]);
		if (!e)
			e = vma_end(&c, sp, vm, v);
	}
	return finish(&c, sp, e, totals);
}

int mp_predict_stream(FILE *f, struct mthp_space *base, const struct mp_space_opts *o,
		      struct mthp_space_totals *totals, struct mthp_parse_error *err,
		      char *why, size_t len)
{
	struct columns c = { .o = o, .why = why, .len = len };
	struct mthp_space_stream ops = {
		.sz = sizeof(ops), .pmd = range, .vma_end = vma_end, .ctx = &c,
	};

	why[0] = 0;
	int e = mthp_space_read_vmas(f, base, &ops, err);

	if (e == -ECANCELED && c.status) /* a setting refused: said in why */
		e = 0;
	else if (e) /* the reader's own: err says where */
		c.status = e;
	return finish(&c, base, e, totals);
}

/* ", hugepages-64kB/enabled = madvise" for each size set to want. */
static void sizes_set_to(const struct mthp_scenario *s, enum mthp_thp_setting want,
			 char *buf, size_t len)
{
	const struct mthp_geometry *g = &s->geometry;

	for (unsigned int k = MTHP_MIN_ORDER; k <= g->pmd_order; k++) {
		size_t at = strlen(buf);

		if (s->thp.order[k] == want)
			snprintf(buf + at, len - at, ", hugepages-%lukB/enabled = %s",
				 mthp_order_kb(g->page_shift, k), mthp_thp_setting_name(want));
	}
}

const char *mp_not_eligible_why(const struct mthp_scenario *s, unsigned int vma_flags,
				bool thp_disabled, char *buf, size_t len)
{
	const struct mthp_geometry *g = &s->geometry;

	buf[0] = 0;
	if (thp_disabled) {
		snprintf(buf, len, "the process turned THP off (PR_SET_THP_DISABLE)");
	} else if (vma_flags & MTHP_VMA_NOHUGEPAGE) {
		snprintf(buf, len, "MADV_NOHUGEPAGE on the VMA");
	} else if (mthp_enabled_orders(g, s->model, MTHP_MODE_KHUGEPAGED, &s->thp,
				       vma_flags | MTHP_VMA_HUGEPAGE)) {
		/* the sizes there are want MADV_HUGEPAGE, which the VMA lacks */
		char sizes[400] = "";

		if (s->thp.enabled == MTHP_THP_MADVISE)
			snprintf(sizes, sizeof(sizes), ", enabled = madvise");
		sizes_set_to(s, MTHP_THP_MADVISE, sizes, sizeof(sizes));
		snprintf(buf, len, "the VMA has no MADV_HUGEPAGE, which %s needs",
			 sizes[0] ? sizes + 2 : "every enabled size");
	} else {
		char sizes[400] = "";

		sizes_set_to(s, MTHP_THP_INHERIT, sizes, sizeof(sizes));
		snprintf(buf, len, "no THP size is enabled: enabled = %s%s, every other size never",
			 mthp_thp_setting_name(s->thp.enabled), sizes);
	}
	return buf;
}
