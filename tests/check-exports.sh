#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared library exports exactly the symbols its version script names:
# every name in the map is defined and exported, every exported name is in
# the map, and all of them carry the mthp_ prefix.
set -eu
lib=$1
map=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# version nodes show as absolute symbols (type A); they are not API
nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' |
	sort -u >"$tmp/exported"
sed -n 's/^[[:space:]]*\(mthp_[A-Za-z0-9_]*\);.*/\1/p' "$map" | sort -u >"$tmp/mapped"
status=0
if ! [ -s "$tmp/exported" ]; then
	echo "no symbols exported at all" >&2
	exit 1
fi
bad=$(grep -v '^mthp_' "$tmp/exported" || true)
if [ -n "$bad" ]; then
	echo "exported without the mthp_ prefix:" >&2
	echo "$bad" >&2
	status=1
fi
if grep -q '^[[:space:]]*mthp_[A-Za-z0-9_]*\*' "$map"; then
	echo "$map: wildcards are not allowed; name every symbol" >&2
	status=1
fi
extra=$(comm -23 "$tmp/exported" "$tmp/mapped")
missing=$(comm -13 "$tmp/exported" "$tmp/mapped")
if [ -n "$extra" ]; then
	echo "exported but not in $map:" >&2
	echo "$extra" >&2
	status=1
fi
if [ -n "$missing" ]; then
	echo "in $map but not exported (not defined, or not marked MTHP_EXPORT):" >&2
	echo "$missing" >&2
	status=1
fi
[ $status -eq 0 ] && echo "ok: $(wc -l <"$tmp/exported") symbols, all mthp_*, equal to the map"
exit $status
