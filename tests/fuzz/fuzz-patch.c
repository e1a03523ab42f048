// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: kcheck's patch reader, which applies the patches a
 * user names (a format-patch file, an mbox of a series, a diff) to a
 * scratch copy of a file. The input is the file's text, a NUL, then the
 * patch (no NUL: a small file of its own). Checks: a refusal leaves the
 * text as it was and a terminated message naming the patch; success
 * leaves a terminated text of the length it reports, and says how many
 * messages changed it - no more than the patch has.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char small[] = "a\nb\nc\nd\ne\nf\n";
	const char *cut = memchr(data, 0, size);
	const char *patch = cut ? cut + 1 : (const char *)data;
	size_t plen = cut ? size - (size_t)(patch - (const char *)data) : size;
	size_t len = cut ? (size_t)(cut - (const char *)data) : sizeof(small) - 1;
	char *text = malloc(len + 1), *before = malloc(len + 1), err[200];

	if (!text || !before)
		abort();
	memcpy(text, cut ? (const char *)data : small, len);
	text[len] = 0;
	memcpy(before, text, len + 1);
	err[0] = 0;
	memset(err + 1, 'x', sizeof(err) - 1);
	int r = kc_patch_apply(&text, &len, patch, plen, "fuzz.patch",
			       size & 1 ? "mm/collapse.h" : KC_TREE_FILE, err, sizeof(err));

	if (r < 0) {
		if (!memchr(err, 0, sizeof(err)) || strncmp(err, "fuzz.patch", 10) ||
		    memcmp(text, before, len + 1))
			abort();
	} else {
		size_t messages = 1;

		for (size_t i = 0; i + 5 < plen; i++)
			messages += patch[i] == '\n' && !memcmp(patch + i + 1, "From ", 5);
		if (text[len] || (size_t)r > messages)
			abort();
	}
	free(text);
	free(before);
	return 0;
}
