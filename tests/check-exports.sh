#!/bin/sh
# SPDX-License-Identifier: MIT
# Fails if the shared library exports a global symbol without the mthp_ prefix.
set -eu
lib=$1
# version nodes show as absolute symbols (type A); they are not API
bad=$(nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' | grep -v '^mthp_' || true)
count=$(nm -D --defined-only "$lib" | awk '$2 != "A"' | wc -l)
if [ -n "$bad" ]; then
	echo "exported without the mthp_ prefix:" >&2
	echo "$bad" >&2
	exit 1
fi
[ "$count" -gt 0 ] || { echo "no symbols exported at all" >&2; exit 1; }
echo "ok: $count symbols, all mthp_*"
