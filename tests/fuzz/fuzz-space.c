// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the snapshot text format (mthpsim predict's input),
 * read both ways - held (mthp_space_read()) and streamed
 * (mthp_space_read_stream() from a memory FILE) - and visited both ways
 * (mthp_space_visit() and a visitor fed by the stream). Checks: the two
 * reads accept and refuse the same texts, with the same message and
 * place; a refused text leaves a terminated message; the stream hands on
 * exactly the held records, in order; the two visits give the same
 * totals; what mthp_space_write() writes reads back to the same records.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mthpcollapse/space.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_pmd(const struct mthp_space_pmd *a,
		     const struct mthp_space_pmd *b, unsigned int nr)
{
	if (a->addr != b->addr || a->pmd != b->pmd || !a->ptes != !b->ptes)
		return false;
	for (unsigned int i = 0; a->ptes && i < nr; i++)
		if (a->ptes[i].kind != b->ptes[i].kind ||
		    a->ptes[i].flags != b->ptes[i].flags ||
		    a->ptes[i].folio_order != b->ptes[i].folio_order)
			return false;
	return true;
}

struct streamed {
	const struct mthp_space *held;
	size_t n;
	struct mthp_space_visitor *v;
	struct mthp_space_visit_opts o;
};

static int each(void *ctx, struct mthp_space *sp, size_t vma, size_t index,
		struct mthp_space_pmd *p)
{
	struct streamed *s = ctx;
	const struct mthp_space *h = s->held;

	/* the records come in order, each the held one */
	if (index != s->n || index >= h->npmds || vma >= sp->nvmas ||
	    index < sp->vmas[vma].first ||
	    index >= sp->vmas[vma].first + sp->vmas[vma].count ||
	    !same_pmd(p, &h->pmds[index], h->settings.geometry.pmd_nr))
		abort();
	s->n++;
	if (!s->v && mthp_space_visitor_new(&s->v, sp, &s->o))
		abort();
	return mthp_space_visitor_pmd(s->v, &sp->vmas[vma], vma, index, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mthp_space held, streamed, back;
	struct mthp_parse_error eh, es, eb;
	struct streamed st = { .held = &held };
	const char *text = (const char *)data;

	if (size > (1u << 20))
		return 0;
	int rh = mthp_space_read(text, size, &held, &eh);
	FILE *f = fmemopen((void *)data, size, "r");

	if (!f) {
		mthp_space_free(&held);
		return 0;
	}
	st.o = (struct mthp_space_visit_opts){ .sz = sizeof(st.o), .young = 1,
					       .rounds = size % 3 ? 1 : 64 };
	if (!rh)
		st.o.model = held.settings.model;
	/* records it hands on before a refusal are complete ones the held
	 * read kept too, so each() compares them either way */
	int rs = mthp_space_read_stream(f, &streamed, each, &st, &es);

	fclose(f);
	if (rh) {
		if (!memchr(eh.msg, 0, sizeof(eh.msg)))
			abort();
		/* the same refusal, at the same place */
		if (rh != -EINVAL || rs != rh || es.line != eh.line ||
		    es.col != eh.col || strcmp(es.msg, eh.msg))
			abort();
		goto out;
	}
	if (rs || st.n != held.npmds)
		abort();
	/* the same visit, held and streamed */
	struct mthp_space_totals th, ts;
	struct mthp_space copy;

	if (mthp_space_copy(&copy, &held) || mthp_space_visit(&copy, &st.o, NULL, &th))
		abort();
	mthp_space_free(&copy);
	if (!st.v && mthp_space_visitor_new(&st.v, &streamed, &st.o))
		abort();
	if (mthp_space_visitor_end(st.v, NULL, 0, &ts) || memcmp(&th, &ts, sizeof(th)))
		abort();
	/* written, then read back: the same records */
	char *out = NULL;
	size_t outlen = 0;
	FILE *w = open_memstream(&out, &outlen);

	if (!w)
		abort();
	if (mthp_space_write(&held, w))
		abort();
	fclose(w);
	if (mthp_space_read(out, outlen, &back, &eb) || back.npmds != held.npmds ||
	    back.nvmas != held.nvmas)
		abort();
	for (size_t i = 0; i < held.npmds; i++)
		if (!same_pmd(&back.pmds[i], &held.pmds[i], held.settings.geometry.pmd_nr))
			abort();
	mthp_space_free(&back);
	free(out);
out:
	mthp_space_visitor_free(st.v);
	mthp_space_free(&streamed);
	mthp_space_free(&held);
	return 0;
}
