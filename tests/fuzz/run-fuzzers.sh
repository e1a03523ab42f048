#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs each fuzz target for SECONDS, from its seed corpus in
# tests/fuzz/corpus/TARGET (and, for simulate, the examples). New inputs go
# to a scratch copy, not to the repository. Fails on any crash, leak,
# sanitizer report or broken invariant; a crashing input is left in the
# current directory (crash-*) - add it to the target's corpus.
set -euo pipefail
build=${1:?usage: run-fuzzers.sh BUILDDIR SECONDS}
seconds=${2:-30}
src=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
for t in collapse simulate parsers space api kcheck patch; do
	mkdir -p "$scratch/$t"
	if [ "$t" = kcheck ]; then
		cp "$src"/tests/kcheck/*.c "$scratch/$t"/ # the fixtures are its seeds
	else
		cp "$src/tests/fuzz/corpus/$t"/* "$scratch/$t"/
	fi
	if [ "$t" = simulate ]; then
		for f in "$src"/examples/*.scn; do
			{ printf '\0'; cat "$f"; } >"$scratch/$t/$(basename "$f")"
		done
	fi
	"$build/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -max_len=16384 \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		"$scratch/$t" >"$scratch/$t.log" 2>&1 || {
		tail -n 60 "$scratch/$t.log"
		echo "fuzz-$t: FAILED" >&2
		exit 1
	}
	grep -E '^(stat::number_of_executed_units|stat::new_units_added)|cov: ' \
		"$scratch/$t.log" | tail -n 3
	echo "fuzz-$t: no crash, leak, sanitizer report or broken invariant in ${seconds}s"
done
