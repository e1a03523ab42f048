#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/harness.c, built by meson, prints the decisions worked by hand
# from docs/MODELS.md section 6.2 (the walk, max_ptes_none 0, every size
# enabled, PTE 170 of 512 empty): the largest full aligned ranges around
# the hole, in address order - 128 at 0, 32 at 128, 8 at 160, then the
# order-2 block 168..171 holds the hole, 4 at 172, 16 at 176, 64 at 192,
# 256 at 256: 508 PTEs in 7 attempts. The second visit finds each range
# already a folio that big (SCAN_PTE_MAPPED_HUGEPAGE, which the walk
# does not remember), so the run says SCAN_FAIL.
set -eu
harness=$1
version=$2
want="libmthpcollapse $version, x86_64, model latest: 512 PTEs, PTE 170 empty
visit 1:
  collapse 128 PTEs at 0 (order 7)
  collapse 32 PTEs at 128 (order 5)
  collapse 8 PTEs at 160 (order 3)
  collapse 4 PTEs at 172 (order 2)
  collapse 16 PTEs at 176 (order 4)
  collapse 64 PTEs at 192 (order 6)
  collapse 256 PTEs at 256 (order 8)
  SCAN_SUCCEED after 7 attempts; 508 PTEs collapsed in all
visit 2:
  SCAN_FAIL after 7 attempts; 508 PTEs collapsed in all"
got=$("$harness")
[ "$got" = "$want" ] || { printf 'harness printed:\n%s\nwant:\n%s\n' "$got" "$want" >&2; exit 1; }
echo "ok: the harness's decisions are the ones worked by hand"
