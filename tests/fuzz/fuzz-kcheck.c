// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: kcheck's extractor, which splits a kernel C file the
 * user gives into items and takes a function's closure. Checks: every
 * item lies inside the text, in order, its line within the file; a
 * function's closure and signature read without crashing; a refusal
 * leaves a terminated message; the scan function found, if any, is one
 * the file defines.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const stop[] = { "collapse_huge_page", NULL };
	struct kc_file f;
	char err[256];

	if (size > (1u << 20))
		return 0;
	err[0] = 0;
	memset(err + 1, 'x', sizeof(err) - 1);
	if (kc_file_parse(&f, "fuzz.c", (const char *)data, size, err, sizeof(err))) {
		if (!memchr(err, 0, sizeof(err)) || !err[0])
			abort();
		return 0;
	}
	unsigned int lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	size_t prev = 0;

	for (size_t i = 0; i < f.nitems; i++) {
		const struct kc_item *it = &f.items[i];

		if (it->start > it->end || it->end > f.len || it->start < prev ||
		    it->line < 1 || it->line > lines)
			abort();
		prev = it->start;
		for (size_t c = 0; c < it->nconds; c++)
			if (it->conds[c].group >= f.ngroups ||
			    it->conds[c].branch >= f.groups[it->conds[c].group].n)
				abort();
	}
	/* the closure of every function, and each one's signature */
	for (size_t i = 0; i < f.nitems; i++) {
		const struct kc_item *it = &f.items[i];
		char ret[128];
		struct kc_param params[16];
		size_t np;

		if (it->kind != KC_FUNCTION || !it->ndefines)
			continue;
		if (kc_signature(&f, it, ret, sizeof(ret), params, 16, &np) == 0 &&
		    np > 16)
			abort();
		if (kc_header_len(&f, it) > it->end - it->start)
			abort();
		if (!kc_closure(&f, it->defines[0], stop, NULL, NULL))
			abort();
		for (size_t k = 0; k < f.nitems; k++)
			f.items[k].wanted = false;
	}
	/* the scan, found by name or role, is a function of the file */
	const char *scan = kc_find_scan(&f);

	if (scan && !kc_find(&f, scan, KC_FUNCTION))
		abort();
	kc_file_free(&f);
	return 0;
}
