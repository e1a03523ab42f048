#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the static mthpsim for another architecture's guest: a build of
# its own (BUILDDIR) from SRCDIR with CROSSFILE, the command alone, then
# copied to OUTPUT. Run by guest/meson.build on every build of the host
# tree; the inner ninja does nothing when nothing changed.
set -eu
src=$1 cross=$2 dir=$3 out=$4
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "$src" --cross-file "$cross" -Dstatic_cli=true \
		-Dbuildtype=release -Dtests=disabled -Dbench=disabled -Dman=disabled \
		-Dguests=disabled -Dfuzz=disabled >"$dir.log" 2>&1 || {
		cat "$dir.log" >&2
		rm -rf "$dir"
		exit 1
	}
fi
ninja -C "$dir" src/cli/mthpsim >"$dir.ninja.log" 2>&1 || {
	cat "$dir.ninja.log" >&2
	exit 1
}
cp "$dir/src/cli/mthpsim" "$out.tmp"
mv "$out.tmp" "$out"
