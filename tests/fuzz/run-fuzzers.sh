#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs each fuzz target for SECONDS with a seed corpus from examples/.
# Fails on any crash, leak or sanitizer report.
set -euo pipefail
build=${1:?usage: run-fuzzers.sh BUILDDIR SECONDS}
seconds=${2:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$src"/examples/*.scn "$corpus"/
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
"$build/tests/fuzz/fuzz-scenario" -max_total_time="$seconds" -max_len=16384 \
	-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$corpus" 2>&1 |
	tail -n 25
echo "fuzz-scenario: no crash, leak or sanitizer report in ${seconds}s"
