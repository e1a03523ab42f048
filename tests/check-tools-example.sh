#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/tools.c runs kcheck and ktest through the tools' layers, as a
# program of the user's would. On the project's walk fixture (a file that
# decides as the model does, docs/MODELS.md section 6) nothing differs, and
# ktest's "full" case (every PTE present: MADV_COLLAPSE maps the PMD, the
# model says the same) agrees on the running kernel. The fixture with its
# threshold one PTE too strict must differ (exit 1), so the check can fail.
set -eu
tools=$1
srcdir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"

status=0
"$tools" "$srcdir/tests/kcheck/khugepaged-walk.c" full >"$tmp/out" 2>"$tmp/err" || status=$?
cat "$tmp/out"
if [ "$status" = 2 ] && grep -q '^ktest full .*SKIP' "$tmp/out"; then
	echo "the running kernel cannot play the case here:" >&2
	cat "$tmp/out" "$tmp/err" >&2
	exit 77
fi
[ "$status" = 0 ] || { echo "exit $status, want 0" >&2; cat "$tmp/err" >&2; exit 1; }
grep -q '^kcheck .*khugepaged-walk.c: mthp_collapse(): [1-9][0-9]* cases, 0 differ (model latest)$' "$tmp/out"
grep -q '^kcheck .*khugepaged-walk.c: collapse_scan_pmd(): [1-9][0-9]* scenarios, 0 differ' "$tmp/out"
grep -q '^ktest full on .*: AGREE - kernel PMD-mapped (0), model PMD-mapped (0)$' "$tmp/out"

# the mutant: one PTE too strict, so some case differs
sed 's/if (occupied < span - min_t(unsigned int, allowed, span))/if (occupied <= span - min_t(unsigned int, allowed, span))/' \
	"$srcdir/tests/kcheck/khugepaged-walk.c" >"$tmp/mutant.c"
! cmp -s "$tmp/mutant.c" "$srcdir/tests/kcheck/khugepaged-walk.c"
status=0
"$tools" "$tmp/mutant.c" full >"$tmp/out" 2>"$tmp/err" || status=$?
cat "$tmp/out"
[ "$status" = 1 ] || { echo "mutant: exit $status, want 1" >&2; cat "$tmp/err" >&2; exit 1; }
grep -q 'mthp_collapse(): [0-9]* cases, [1-9][0-9]* differ' "$tmp/out"
echo "the tools example: kcheck and ktest through the library"
