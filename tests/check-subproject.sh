#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds tests/subproject-parent with this source tree as its subproject,
# runs its harness, and checks what 'meson install' puts in place: the
# harness, the library, its headers and its .pc file - no mthpsim, no
# manual, no tests.
set -eu
src=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/tests/subproject-parent" "$tmp/parent"
ln -s "$src" "$tmp/parent/subprojects/libmthpcollapse"
cd "$tmp/parent"
# the parent's own environment, not the one meson test runs us in
env -u MESON_TESTTHREADS meson setup build --prefix=/usr >"$tmp/setup.log" 2>&1 ||
	{ cat "$tmp/setup.log" >&2; echo "parent: meson setup failed" >&2; exit 1; }
ninja -C build >"$tmp/build.log" 2>&1 ||
	{ cat "$tmp/build.log" >&2; echo "parent: build failed" >&2; exit 1; }
out=$(build/harness)
want="$(sed -n 's/^#define MTHP_VERSION_STRING "\(.*\)"/\1/p' "$src/include/mthpcollapse/mthpcollapse.h") SCAN_SUCCEED 512"
[ "$out" = "$want" ] || { echo "harness printed '$out', want '$want'" >&2; exit 1; }
DESTDIR="$tmp/root" meson install -C build --no-rebuild >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; echo "parent: install failed" >&2; exit 1; }
installed=$(cd "$tmp/root" && find . -type f -o -type l | sort)
for f in $installed; do
	case "$f" in
	./usr/bin/harness | ./usr/lib*/libmthpcollapse.so* | \
	./usr/include/mthpcollapse/*.h | ./usr/lib*/pkgconfig/mthpcollapse.pc) ;;
	*) echo "installed by the subproject but should not be: $f" >&2; exit 1 ;;
	esac
done
echo "$installed" | grep -q 'include/mthpcollapse/mthpcollapse.h' ||
	{ echo "headers not installed" >&2; exit 1; }
echo "$installed" | grep -q 'pkgconfig/mthpcollapse.pc' ||
	{ echo "no .pc file installed" >&2; exit 1; }
echo "ok: subproject built, harness printed '$out', installed only the library"
