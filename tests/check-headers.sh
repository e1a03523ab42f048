#!/bin/sh
# SPDX-License-Identifier: MIT
# Compiles each public header alone, as strict C99 and as C++.
set -eu
inc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc=${CC:-cc}
cxx=${CXX:-c++}
for h in mthpcollapse.h bitmap.h kcompat.h verify.h sim.h space.h kernel/spellings.h; do
	printf '#include <mthpcollapse/%s>\nint main(void) { return 0; }\n' "$h" > "$tmp/t.c"
	"$cc" -std=c99 -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o"
	if command -v "$cxx" >/dev/null 2>&1; then
		cp "$tmp/t.c" "$tmp/t.cc"
		"$cxx" -pedantic -Wall -Wextra -Werror -I"$inc" -c "$tmp/t.cc" -o "$tmp/t.o"
	else
		echo "no C++ compiler ($cxx): C++ check not run" >&2
		exit 1
	fi
	echo "ok: $h"
done
