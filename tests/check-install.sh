#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs this build into a staging directory and uses it as a user
# would: the installed mthpsim runs without LD_LIBRARY_PATH, and
# examples/harness.c builds and runs against the installed headers,
# library and pkg-config file, the way the README shows; so does
# examples/tools.c against the tools' library.
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset LD_LIBRARY_PATH
meson install -C "$build" --destdir "$tmp/root" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; echo "install failed" >&2; exit 1; }
bin=$(find "$tmp/root" -path '*/bin/mthpsim' -type f | head -1)
[ -n "$bin" ] || { echo "no mthpsim installed" >&2; exit 1; }
want=$(sed -n 's/^#define MTHP_VERSION_STRING "\(.*\)"/\1/p' "$src/include/mthpcollapse/mthpcollapse.h")
got=$("$bin" --version) || { echo "the installed mthpsim does not run" >&2; exit 1; }
case "$got" in
*"$want"*) ;;
*) echo "installed mthpsim --version said '$got', want $want" >&2; exit 1 ;;
esac
# the harness, as the README says to build it; a staged install moves
# the prefix under the staging directory, which pkg-config is told
pc=$(find "$tmp/root" -name mthpcollapse.pc | head -1)
export PKG_CONFIG_PATH="$(dirname "$pc")"
prefix=$(pkg-config --variable=prefix mthpcollapse)
pkgconf="pkg-config --define-variable=prefix=$tmp/root$prefix"
libdir=$($pkgconf --variable=libdir mthpcollapse)
# a library built with the sanitizers wants them in the program too
san=
if readelf -d "$libdir/libmthpcollapse.so" 2>/dev/null | grep -q 'libasan'; then
	san="-fsanitize=address,undefined"
fi
${CC:-cc} $san -o "$tmp/harness" "$src/examples/harness.c" \
	$($pkgconf --cflags --libs mthpcollapse) -Wl,-rpath,"$libdir" ||
	{ echo "examples/harness.c does not build against the installed library" >&2; exit 1; }
first=$("$tmp/harness" | head -1)
case "$first" in
"libmthpcollapse $want, x86_64, model latest:"*) ;;
*) echo "the installed harness printed '$first'" >&2; exit 1 ;;
esac
# examples/tools.c (kcheck and ktest as calls) builds against the
# installed tools' library and its installed-internal headers
# a coverage build's archive wants gcov's runtime in the program
cov=
if nm "$libdir/libmthpcollapse-tools.a" 2>/dev/null | grep -q '__gcov_init'; then
	cov=--coverage
fi
${CC:-cc} $san $cov -o "$tmp/tools" "$src/examples/tools.c" \
	$($pkgconf --cflags --libs mthpcollapse-tools) -Wl,-rpath,"$libdir" ||
	{ echo "examples/tools.c does not build against the installed tools' library" >&2; exit 1; }
"$tmp/tools" 2>"$tmp/usage" && { echo "the installed tools example took no arguments" >&2; exit 1; }
grep -q 'usage: .*KHUGEPAGED.C' "$tmp/usage" ||
	{ echo "the installed tools example did not run" >&2; exit 1; }
# kcheck's environment is its data, not one of the library's headers
find "$tmp/root" -path '*/share/mthpcollapse/env/mthpcollapse/kernel/khugepaged.h' | grep -q . ||
	{ echo "kcheck's environment is not installed in the data directory" >&2; exit 1; }
if find "$tmp/root" -path '*/include/mthpcollapse/kernel/khugepaged.h' | grep -q .; then
	echo "kcheck's environment is installed among the public headers" >&2
	exit 1
fi
# the other architectures' mthpsim, where the build made them, where the
# installed ktest --kernel looks for them
for g in "$build"/guest/mthpsim-*; do
	[ -e "$g" ] || continue
	find "$tmp/root" -path "*/libexec/mthpcollapse/$(basename "$g")" | grep -q . ||
		{ echo "$(basename "$g") is not installed in libexec/mthpcollapse" >&2; exit 1; }
done
# the library's manual, where the build made one (scdoc found): man 3
# finds every name the library exports, and renders it without a warning
if [ -e "$build/man/mthpcollapse.3" ]; then
	command -v man >/dev/null || { echo "no man here to read the manual with (apt-get install man-db)" >&2; exit 1; }
	mandir=$(dirname "$(find "$tmp/root" -path '*/man3/mthpcollapse.3' | head -1)")
	mandir=$(dirname "$mandir")
	names=$(nm -D --defined-only "$libdir/libmthpcollapse.so" |
		awk '$3 ~ /^mthp_/ { sub(/@.*/, "", $3); print $3 }' | sort -u)
	[ -n "$names" ] || { echo "no exported name read from the library" >&2; exit 1; }
	for n in $names; do
		man -M "$mandir" -w 3 "$n" >/dev/null 2>&1 ||
			{ echo "man 3 $n finds no page" >&2; exit 1; }
		w=$(MANWIDTH=80 man -M "$mandir" --warnings 3 "$n" 2>&1 >/dev/null)
		[ -z "$w" ] || { echo "man 3 $n: $w" >&2; exit 1; }
	done
	for page in mthpsim.1 mthpsim-scenario.5; do
		w=$(MANWIDTH=80 man -M "$mandir" --warnings "${page##*.}" "${page%.*}" 2>&1 >/dev/null)
		[ -z "$w" ] || { echo "man $page: $w" >&2; exit 1; }
	done
fi
echo "ok: installed mthpsim --version: $got; the harness and the tools example built and ran against the install"
