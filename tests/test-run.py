#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end: scenarios through `mthpsim run --json`, printed as TAP.

Every expectation is worked by hand from docs/MODELS.md sections 5-7 (the bundled
examples say how in their comments); none is copied from program output.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mthptest import record, report, run as run_prog, test  # noqa: E402

MTHPSIM, SRCDIR = sys.argv[1], sys.argv[2]
EX = os.path.join(SRCDIR, "examples")
S, OK = "SCAN_", "SCAN_SUCCEED"
ALL = "".join(f"order.{k} = always\n" for k in range(2, 9))


def run(args, stdin=None):
    return run_prog(MTHPSIM, "run", *args, stdin=stdin, timeout=120)


def attempts(d):
    return [(a["offset"], a["order"], a["result"]) for a in d["attempts"]]


def collapses(d):
    return [(c["offset"], c["order"]) for c in d["collapses"]]


# (name, file or inline text, expected attempts, result, present before/after)
CASES = [
    ("single-page-511", "@single-page-511.scn", [(0, 9, OK)], OK, (1, 512)),
    ("half-empty-at-limit", "@half-empty-at-limit.scn", [(0, 9, OK)], OK,
     (256, 512)),
    ("half-empty-over-limit", "@half-empty-over-limit.scn", [],
     S + "EXCEED_NONE_PTE", (256, 256)),
    ("swap-at-limit", "@swap-at-limit.scn", [(0, 9, OK)], OK, (448, 512)),
    ("swap-over-limit", "@swap-over-limit.scn", [], S + "EXCEED_SWAP_PTE",
     (447, 447)),
    ("shared-at-limit", "@shared-at-limit.scn", [(0, 9, OK)], OK, (512, 512)),
    ("shared-over-limit", "@shared-over-limit.scn", [],
     S + "EXCEED_SHARED_PTE", (512, 512)),
    ("one-mthp-order", "@one-mthp-order.scn",
     [(o, 4, OK) for o in range(0, 512, 16)], OK, (512, 512)),
    ("none0-second-window", "@none0-second-window.scn",
     [(0, 2, OK), (8, 3, OK), (16, 4, OK), (32, 5, OK), (64, 6, OK),
      (128, 7, OK), (256, 8, OK)], OK, (511, 511)),
    ("existing-folio", "@existing-folio.scn",
     [(0, 4, S + "PTE_MAPPED_HUGEPAGE")], "SCAN_FAIL", (16, 16)),
    ("swap-accounting-v15", "@swap-accounting-v15.scn", [], "SCAN_FAIL",
     (511, 511)),
    ("swap-accounting-baseline", "@swap-accounting-baseline.scn",
     [(0, 9, OK)], OK, (511, 512)),
    ("swap-accounting-latest", "@swap-accounting-latest.scn",
     [(0, 9, OK)], OK, (511, 512)),
    ("ppc64-radix-64k", "@ppc64-radix-64k.scn", [(0, 4, OK), (16, 2, OK)],
     OK, (20, 20)),
    ("arm64-64k", "@arm64-64k.scn",
     [(0, 5, OK), (32, 5, OK), (64, 5, OK), (96, 2, OK)], OK, (100, 100)),
    # the PMD's isolate takes PTEs 0..3 before the first none; put back,
    # they wait in the LRU batch and every smaller range fails on them
    ("uffd", "@uffd.scn",
     [(0, 9, S + "EXCEED_NONE_PTE")] + [(0, k, S + "PAGE_COUNT") for k in range(8, 1, -1)],
     S + "PAGE_COUNT", (4, 4)),
    # selftests-like situations (tools/testing/selftests/mm/khugepaged.c)
    ("collapse_full", "ptes = P*512", [(0, 9, OK)], OK, (512, 512)),
    ("collapse_empty", "ptes = .*512", [], S + "EXCEED_NONE_PTE", (0, 0)),
    ("collapse_swapin_single_pte", "ptes = w P*511", [(0, 9, OK)], OK,
     (511, 512)),
    ("collapse_max_ptes_none", "max_ptes_none = 8\nptes = P*503 .*9", [],
     S + "EXCEED_NONE_PTE", (503, 503)),
    ("collapse_max_ptes_none_at", "max_ptes_none = 9\nptes = P*503 .*9",
     [(0, 9, OK)], OK, (503, 512)),
    ("no_pte_table", "pmd = none", [], S + "NO_PTE_TABLE", (0, 0)),
    ("pmd_mapped", "pmd = mapped", [], S + "PMD_MAPPED", (512, 512)),
    ("thp_never", "enabled = never\nptes = P*512", [], S + "VMA_CHECK",
     (512, 512)),
    ("thp_madvise_plain_vma", "enabled = madvise\nptes = P*512", [],
     S + "VMA_CHECK", (512, 512)),
    ("thp_madvise_hugepage_vma",
     "enabled = madvise\nvma = hugepage\nptes = P*512", [(0, 9, OK)], OK,
     (512, 512)),
    ("madv_collapse_old_pages", "mode = madvise\nptes = p*512", [(0, 9, OK)],
     OK, (512, 512)),
    ("no_young_page", "ptes = p*512", [], S + "LACK_REFERENCED_PAGE",
     (512, 512)),
    # v15: 256 is neither 0 nor 511; (0,9) needs 256 and has 100, then the
    # first enabled sub-PMD range stops the search.
    ("v15_invalid_none",
     "model = v15\n" + ALL + "max_ptes_none = 256\nptes = P*100 .*412", [],
     "SCAN_FAIL", (100, 100)),
    # v18 treats 256 as 0 below PMD order
    ("v18_invalid_none_as_0",
     "model = v18\n" + ALL + "max_ptes_none = 256\nptes = P*100 .*412",
     [(0, 6, OK), (64, 5, OK), (96, 2, OK)], OK, (100, 100)),
    ("v19_alloc_failure",
     "model = v19\nptes = P*512\nfail = 0:9 SCAN_ALLOC_HUGE_PAGE_FAIL",
     [(0, 9, S + "ALLOC_HUGE_PAGE_FAIL")], S + "ALLOC_HUGE_PAGE_FAIL",
     (512, 512)),
    # mTHP refuses shared pages: (0,8) took PTEs 0..3 before the shared
    # one, and from the LRU batch they fail the smaller ranges at 0; the
    # order-2 block holding PTE 4 stays as it was
    ("mthp_shared", ALL + "order.9 = never\nptes = P*4 S P*507",
     [(0, 8, S + "EXCEED_SHARED_PTE")] + [(0, k, S + "PAGE_COUNT") for k in range(7, 1, -1)] +
     [(4, 2, S + "EXCEED_SHARED_PTE"), (8, 3, OK), (16, 4, OK),
      (32, 5, OK), (64, 6, OK), (128, 7, OK), (256, 8, OK)], OK, (512, 512)),
    # MADV_COLLAPSE on a nohugepage VMA: refused before the scan
    ("madvise-nohugepage", "@madvise-nohugepage.scn", [], S + "VMA_CHECK",
     (512, 512)),
    # below PMD order the migration entry at 20 refuses (16,4) at swap-in
    ("mthp-migration-entry", "@mthp-migration-entry.scn",
     [(o, 4, S + "EXCEED_SWAP_PTE" if o == 16 else OK)
      for o in range(0, 512, 16)], OK, (511, 511)),
    ("stats-v15-scan", "@stats-v15-scan.scn", [], S + "EXCEED_SWAP_PTE",
     (509, 509)),
]

def check_case(name, src, want, result, present):
    if src.startswith("@"):
        path = os.path.join(EX, src[1:])
        code, out, err = run(["--json", path])
        # the same file through standard input gives the same answer
        with open(path) as f:
            code2, out2, _ = run(["--json", "-"], stdin=f.read())
        assert code2 == 0 and json.loads(out2)["attempts"] == \
            json.loads(out)["attempts"]
    else:
        code, out, err = run(["--json", "-"], stdin=src)
    assert code == 0, f"exit {code}: {err}"
    d = json.loads(out)
    assert attempts(d) == want, f"attempts {attempts(d)}"
    assert collapses(d) == [(o, k) for o, k, r in want if r == OK]
    assert d["result"] == result, d["result"]
    # the readable report states the PTEs collapsed
    want_ptes = sum(2 ** k for o, k, r in want if r == OK)
    if want_ptes:
        code, text, err = run([os.path.join(EX, src[1:])] if src.startswith("@")
                              else ["-"], stdin=None if src.startswith("@") else src)
        n = len([1 for x in want if x[2] == OK])
        assert f": {n} range{'s' if n > 1 else ''}, {want_ptes} PTEs" in text, text[-300:]
    assert (d["present_before"], d["present_after"]) == present, \
        (d["present_before"], d["present_after"])
    for key in ("model", "geometry", "scan", "attempts", "collapses",
                "result"):
        assert key in d
    for key in ("result", "none_or_zero", "unmapped", "shared",
                "referenced", "occupied"):
        assert key in d["scan"]


for case in CASES:
    record(case[0], check_case, *case)


def scan_fields_and_stats():
    code, out, _ = run(["--json", os.path.join(EX, "swap-at-limit.scn")])
    d = json.loads(out)
    assert d["scan"] == {"result": OK, "ran": True, "none_or_zero": 0,
                         "unmapped": 64, "shared": 0, "referenced": 448,
                         "occupied": 448}
    assert d["stats"]["hugepages-2048kB"]["collapse_alloc"] == 1
    ev = [(e["event"], e["status"]) for e in d["events"]]
    assert ev == [("mm_khugepaged_scan_pmd", OK),
                  ("mm_collapse_huge_page_swapin", OK),
                  ("mm_collapse_huge_page_isolate", OK),
                  ("mm_collapse_huge_page", OK)], ev
    assert d["events"][1]["swapped_in"] == 64
    code, out, _ = run(["--json", os.path.join(EX, "half-empty-over-limit.scn")])
    d = json.loads(out)
    assert d["stats"]["hugepages-2048kB"]["collapse_exceed_none_pte"] == 1
    assert d["scan"]["none_or_zero"] == 256


def fidelity_json():
    """The five behaviours of docs/MODELS.md that changed, through --json."""
    # 1. MADV_COLLAPSE + nohugepage: every model scans nothing
    f = os.path.join(EX, "madvise-nohugepage.scn")
    for m in ("baseline", "scaled", "v15", "v16", "v17", "v18", "v19",
              "latest"):
        code, out, err = run(["--json", "--model", m, f])
        d = json.loads(out)
        assert code == 0 and d["result"] == S + "VMA_CHECK", (m, d["result"])
        assert d["scan"]["ran"] is False and d["attempts"] == [], m
        assert d["enabled_orders"] == [], (m, d["enabled_orders"])
    # 2. swap-in below PMD order: the per-size counter of 64K counts it
    code, out, _ = run(["--json", os.path.join(EX, "mthp-migration-entry.scn")])
    d = json.loads(out)
    st = d["stats"]["hugepages-64kB"]
    assert st["collapse_exceed_swap_pte"] == 1 and st["collapse_alloc"] == 32
    assert d["vmstat"] == {}
    # 3. a folio whose PTEs disagree on sharing is refused, located
    code, out, err = run(["-"], stdin="ptes = P S P*510\nfolio = 0 1\n")
    assert code == 2 and "<stdin>:2:9: folio: PTE 1 is shared but PTE 0" \
        in err, err
    # 4. statistics per revision: baseline none, v15 no scan-phase counter,
    # v16+ the PMD size; vmstat in all
    f = os.path.join(EX, "stats-v15-scan.scn")
    for m, per_size in (("baseline", None), ("v15", None), ("v16", 1),
                        ("latest", 1)):
        code, out, _ = run(["--json", "--model", m, f])
        d = json.loads(out)
        assert d["vmstat"] == {"thp_scan_exceed_swap_pte": 1}, (m, d["vmstat"])
        if per_size is None:
            assert d["stats"] == {}, (m, d["stats"])
        else:
            assert d["stats"]["hugepages-2048kB"][
                "collapse_exceed_swap_pte"] == 1, m
    code, out, _ = run(["--json", os.path.join(EX,
                                               "swap-accounting-baseline.scn")])
    d = json.loads(out)
    assert d["stats"] == {} and d["vmstat"] == {"thp_collapse_alloc": 1}
    # 5. latest is the default and v19-swapfix its other name
    code, out, _ = run(["--json", "-"], stdin="ptes = P*512\n")
    assert json.loads(out)["model"] == "latest"
    code, out, _ = run(["--json", "--model", "v19-swapfix", "-"],
                       stdin="ptes = P*512\n")
    assert json.loads(out)["model"] == "latest"
    # 6. SCAN_PTE_UFFD, mm's later name, is read; the series' name printed
    code, out, err = run(["--json", "-"], stdin="ptes = P*512\n"
                         "fail = 0:9 SCAN_PTE_UFFD\n")
    d = json.loads(out)
    assert code == 0 and attempts(d) == [(0, 9, S + "PTE_UFFD_WP")], err


def overrides():
    f = os.path.join(EX, "swap-accounting-v15.scn")
    for model, n in (("v15", 0), ("baseline", 1), ("v19-swapfix", 1),
                     ("latest", 1)):
        code, out, _ = run(["--json", "--model", model, f])
        assert len(json.loads(out)["attempts"]) == n, model
    code, out, _ = run(["--json", "--max-ptes-none", "1", f])
    assert attempts(json.loads(out)) == [(0, 9, OK)]
    code, out, _ = run(["--json", "--mode", "madvise",
                        os.path.join(EX, "shared-over-limit.scn")])
    assert json.loads(out)["result"] == OK
    # sysfs overrides: turn the PMD size off and order 4 on (hand-worked:
    # 511 present + 1 swapped, max_ptes_none 0: the order-4 block holding
    # the swap entry has 15 occupied of 16 and is not attempted; the 31
    # others are full and collapse)
    code, out, err = run(["--json", "--order", "9=never", "--order", "4=always", f])
    d = json.loads(out)
    assert code == 0, err
    assert attempts(d) == [(o, 4, OK) for o in range(0, 496, 16)], attempts(d)
    last = [st for st in d["steps"] if (st["offset"], st["order"]) == (496, 4)]
    assert last and last[0]["kind"] == "below-threshold" and \
        last[0]["occupied"] == 15, last
    code, out, err = run(["--json", "--enabled", "never", f])
    assert json.loads(out)["result"] == "SCAN_VMA_CHECK"
    for bad in (["--enabled", "inherit"], ["--order", "4"],
                ["--order", "1=always"], ["--order", "4=often"],
                ["--order", "10=always"]):
        code, out, err = run([*bad, f])
        assert code == 2 and bad[0] in err, (bad, err)
    # a geometry override needs a map of the new length
    code, out, err = run(["--geometry", "s390x", f])
    assert code == 2 and "swap-accounting-v15.scn:9:10: count" in err, err


def fail_patterns():
    # a harness's rule "every order-8 attempt fails" as one --fail: the
    # whole x86_64 table present, v19, every size, max_ptes_none 511. The
    # PMD's allocation fails (0:9), a result that tries the lower orders;
    # each order-8 half fails by the pattern and tries order 7; the four
    # order-7 quarters collapse (docs/MODELS.md: the walk, try-lower)
    scn = "geometry = x86_64\nmodel = v19\norders = all\nmax_ptes_none = 511\nptes = P*512\n"
    ALLOC = "SCAN_ALLOC_HUGE_PAGE_FAIL"
    code, out, err = run(["--json", "--fail", "*:8=ALLOC_HUGE_PAGE_FAIL",
                          "--fail", "0:9=ALLOC_HUGE_PAGE_FAIL", "-"], stdin=scn)
    assert code == 0, err
    d = json.loads(out)
    assert attempts(d) == [(0, 9, ALLOC), (0, 8, ALLOC), (0, 7, OK), (128, 7, OK),
                           (256, 8, ALLOC), (256, 7, OK), (384, 7, OK)], attempts(d)
    # every attempt: the PMD fails and tries lower, and so on down to
    # order 2, whose failure ends each branch: nothing collapses
    code, out, err = run(["--json", "--fail", "*:*=ALLOC_HUGE_PAGE_FAIL", "-"], stdin=scn)
    d = json.loads(out)
    assert code == 0 and collapses(d) == [] and \
        all(a[2] == ALLOC for a in attempts(d)), (err, attempts(d)[:4])
    code, out, err = run(["--fail", "*:1=PAGE_LOCK", "-"], stdin=scn)
    assert code == 2 and "ORDER" in err, err


def readable_report():
    code, out, err = run([os.path.join(EX, "none0-second-window.scn")])
    assert code == 0, err
    assert "model latest" in out and "geometry x86_64" in out  # default
    assert "PPPP.PPP" in out           # the table, with the hole at 4
    assert "[22]    [333333]" in out   # brackets beneath, filled with order
    assert "scan: SCAN_SUCCEED" in out
    assert "statistics" in out and "collapse_alloc" in out
    assert "result: SCAN_SUCCEED - collapsed" in out


def bad_files():
    cases = [
        ("model = v20\nptes = P*512\n", ":1:9: model: unknown value 'v20'"),
        ("ptes = P*511\n", ":1:8: the map has 511 PTEs"),
        ("ptes = P*51", ":1:8: the map has 51 PTEs"),        # truncated
        ("ptes = P*512\nmodel", ":2:6: expected '='"),       # truncated
        ("\x00\x01\x02", ":1:1: NUL byte"),
        ("\xff\xfe\xfd\n", ":1:1: expected a key"),
        ("ptes = P*4294967297", ":1:10: count"),
        ("ptes = P*-5 P*517", ":1:10: count '-5' is not a number"),
        ("max_ptes_swap = -1\nptes = P*512", ":1:17:"),
        ("ptes = P*512\nfolio = 1 1", ":2:9: folio: START 1"),
        ("ptes = P*512\nfail = 0:9 SCAN_WHATEVER", ":2:12: fail: unknown"),
        ("ptes = P*512\nptes = P*512", ":2:1: duplicate key 'ptes'"),
        ("", ":1:1: missing required key 'ptes'"),
    ]
    for text, needle in cases:
        code, out, err = run(["-"], stdin=text)
        assert code == 2, (text, code, err)
        assert "<stdin>" + needle in err, (text, err)
    code, out, err = run(["/nonexistent.scn"])
    assert code == 2 and "/nonexistent.scn" in err
    code, out, err = run([])
    assert code == 2
    big = "# " + "x" * (1 << 20) + "\n"
    code, out, err = run(["-"], stdin=big)
    assert code == 2 and "1048576" in err and "limit" in err, err



for fn in (scan_fields_and_stats, fidelity_json, overrides, fail_patterns,
           readable_report, bad_files):
    test(fn)
report()
