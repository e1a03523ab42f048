// SPDX-License-Identifier: MIT
/*
 * The PTE map codec: run-length text ("P*300 . P*211", "PPpp..") to PTEs
 * and back, and the one number syntax every input uses. Scenario files,
 * the command line and the tests all go through here.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim-internal.h"
#include "mthpcollapse/sim.h"

__attribute__((format(printf, 5, 0)))
static int verror(struct mthp_parse_error *err, int code, unsigned int line,
		  unsigned int col, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		err->line = line;
		err->col = col;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return code;
}

int mthp_error(struct mthp_parse_error *err, int code, unsigned int line,
	       unsigned int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(err, code, line, col, fmt, ap);
	va_end(ap);
	return code;
}

int mthp_place_error(const struct mthp_place *pl, size_t off,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(pl->err, -EINVAL, pl->line,
	       pl->col ? pl->col + (unsigned int)off : 0, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *mthp_show(const char *v, size_t len, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < size && i < 32; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
	}
	if (len > 32 && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

int mthp_place_number(const struct mthp_place *pl, size_t off, const char *s,
		      size_t len, const char *what, unsigned long lo,
		      unsigned long hi, unsigned long *out)
{
	unsigned long v = 0;
	char b[64];

	if (!len)
		return mthp_place_error(pl, off, "%s is missing", what);
	/* digits only: no sign, no blanks, no base prefix */
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return mthp_place_error(pl, off, "%s '%s' is not a number",
						what, mthp_show(s, len, b, sizeof(b)));
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > hi)
			return mthp_place_error(pl, off,
						"%s '%s' is out of range (%lu..%lu)",
						what, mthp_show(s, len, b, sizeof(b)),
						lo, hi);
	}
	if (v < lo)
		return mthp_place_error(pl, off, "%s %lu is out of range (%lu..%lu)",
					what, v, lo, hi);
	*out = v;
	return 0;
}

MTHP_EXPORT int mthp_parse_number(const char *text, size_t len,
				  const char *what, unsigned long lo,
				  unsigned long hi, unsigned long *out,
				  struct mthp_parse_error *err)
{
	struct mthp_parse_error dummy;
	struct mthp_place pl = { err ? err : &dummy, 0, 1 };

	memset(pl.err, 0, sizeof(*pl.err));
	if (!text || !out)
		return mthp_place_error(&pl, 0, "no number given");
	if (memchr(text, 0, len))
		return mthp_place_error(&pl, 0, "NUL byte in %s", what ? what : "number");
	return mthp_place_number(&pl, 0, text, len, what ? what : "number", lo,
				 hi, out);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int mthp_place_map(const struct mthp_place *pl, const char *text, size_t len,
		   const struct mthp_geometry *g, struct mthp_pte *ptes)
{
	unsigned int pos = 0;

	for (size_t i = 0; i < len;) {
		while (i < len && blank(text[i]))
			i++;
		if (i == len)
			break;
		size_t t = i;

		while (i < len && !blank(text[i]))
			i++;
		const char *tok = text + t;
		size_t tl = i - t;
		const char *star = memchr(tok, '*', tl);
		size_t nstates = star ? (size_t)(star - tok) : tl;
		unsigned long count = 1;
		char b[64];

		if (star) {
			if (nstates != 1)
				return mthp_place_error(pl, t,
					"'%s': a count follows a single state (STATE*COUNT)",
					mthp_show(tok, tl, b, sizeof(b)));
			int r = mthp_place_number(pl, t + 2, star + 1, tl - 2,
						  "count", 1, g->pmd_nr, &count);
			if (r)
				return r;
		}
		for (size_t c = 0; c < nstates; c++) {
			struct mthp_pte pte = { 0 };

			if (mthp_pte_from_char(tok[c], &pte))
				return mthp_place_error(pl, t + c,
					"unknown PTE state '%s' (the states: mthpsim-scenario(5))",
					mthp_show(tok + c, 1, b, sizeof(b)));
			if (pos + count > g->pmd_nr)
				return mthp_place_error(pl, t,
					"the map runs past the %u PTEs of %s",
					g->pmd_nr, g->name);
			for (unsigned long k = 0; k < count; k++, pos++)
				ptes[pos] = pte;
		}
	}
	if (pos != g->pmd_nr)
		return mthp_place_error(pl, 0, "the map has %u PTEs; %s has %u per table",
					pos, g->name, g->pmd_nr);
	return 0;
}

MTHP_EXPORT int mthp_map_parse(const char *text, size_t len,
			       const struct mthp_geometry *g,
			       struct mthp_pte *ptes, size_t nptes,
			       struct mthp_parse_error *err)
{
	struct mthp_parse_error dummy;
	struct mthp_place pl = { err ? err : &dummy, 0, 1 };

	memset(pl.err, 0, sizeof(*pl.err));
	if (!text || !ptes || !mthp_geometry_valid(g))
		return mthp_place_error(&pl, 0, "no map, no table or an invalid geometry");
	if (nptes < g->pmd_nr)
		return mthp_place_error(&pl, 0, "the table holds %zu PTEs; %s needs %u",
					nptes, g->name, g->pmd_nr);
	const char *nul = memchr(text, 0, len);

	if (nul)
		return mthp_place_error(&pl, (size_t)(nul - text), "NUL byte in the map");
	return mthp_place_map(&pl, text, len, g, ptes);
}

MTHP_EXPORT size_t mthp_map_format(const struct mthp_pte *ptes, unsigned int n,
				   char *buf, size_t size)
{
	size_t need = 0;

	if (buf && size)
		buf[0] = 0;
	for (unsigned int i = 0; ptes && i < n;) {
		char c = mthp_pte_state_char(&ptes[i]);
		unsigned int run = 1;
		char tok[24];

		/* the same kind and flags draw the same; others may too ('?') */
		while (i + run < n &&
		       ((ptes[i + run].kind == ptes[i].kind &&
			 ptes[i + run].flags == ptes[i].flags) ||
			mthp_pte_state_char(&ptes[i + run]) == c))
			run++;
		size_t l = 0;

		/* " C" or " C*RUN" (no space first) */
		if (i)
			tok[l++] = ' ';
		tok[l++] = c;
		if (run > 1) {
			char digits[12];
			size_t nd = 0;

			tok[l++] = '*';
			for (unsigned int v = run; v; v /= 10)
				digits[nd++] = (char)('0' + v % 10);
			while (nd)
				tok[l++] = digits[--nd];
		}
		tok[l] = 0;
		if (buf && need + l < size)
			memcpy(buf + need, tok, l + 1);
		need += l;
		i += run;
	}
	return need;
}
