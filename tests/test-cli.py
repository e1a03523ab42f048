#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of the mthpsim command, printed as TAP.

Expected ranges are worked by hand from docs/MODELS.md section 6 (see the
comments);
they are not copied from the program's output.
"""
import json
import os
import subprocess
import sys
import tempfile

MTHPSIM = sys.argv[1]
SRCDIR = sys.argv[2] if len(sys.argv) > 2 else "."
results = []


def run(*args, stdin=None):
    p = subprocess.run([MTHPSIM, *args], input=stdin, capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def decide_json(*args):
    code, out, err = run("decide", "--json", *args)
    assert code == 0, f"exit {code}: {err}"
    return json.loads(out)


def ranges(doc, key):
    return [(r["offset"], r["order"]) for r in doc[key]]


def test(fn):
    try:
        fn()
        results.append((fn.__name__, None))
    except Exception as e:  # report and go on: one TAP line per test
        results.append((fn.__name__, repr(e)))
    return fn


# One hole at PTE 300, max_ptes_none 0: the ranges that contain 300 split;
# the others are full. 512 - 4 PTEs collapse (the order-2 block 300..303).
HOLE = [(0, 8), (256, 5), (288, 3), (296, 2), (304, 4), (320, 6), (384, 7)]


@test
def hole_v15_and_v19():
    for model in ("v15", "v16", "v17", "v18", "v19", "v19-swapfix"):
        d = decide_json("--model", model, "--max-ptes-none", "0",
                        "X*300 . X*211")
        assert ranges(d, "collapses") == HOLE, (model, d["collapses"])
        assert ranges(d, "attempts") == HOLE
        assert d["collapsed"] == 508
        assert d["result"] == "SCAN_SUCCEED"
        # v19-swapfix is another name for latest
        assert d["model"] == ("latest" if model == "v19-swapfix" else model)
        assert d["geometry"] == "x86_64"


@test
def single_page_511():
    d = decide_json("X .*511")
    assert ranges(d, "collapses") == [(0, 9)]
    assert d["attempts"][0]["occupied"] == 1


@test
def try_lower_after_alloc_failure():
    d = decide_json("--fail", "0:9:SCAN_ALLOC_HUGE_PAGE_FAIL", "X*512")
    assert ranges(d, "attempts") == [(0, 9), (0, 8), (256, 8)]
    assert [a["result"] for a in d["attempts"]] == [
        "SCAN_ALLOC_HUGE_PAGE_FAIL", "SCAN_SUCCEED", "SCAN_SUCCEED"]
    assert ranges(d, "collapses") == [(0, 8), (256, 8)]


@test
def stop_result_ends_search():
    # SCAN_PMD_MAPPED is in neither try-lower list: the PMD is abandoned
    d = decide_json("--model", "v15", "--fail", "0:9:PMD_MAPPED", "X*512")
    assert ranges(d, "attempts") == [(0, 9)]
    assert d["result"] == "SCAN_FAIL"
    d = decide_json("--model", "v19", "--fail", "0:9:PMD_MAPPED", "X*512")
    assert d["result"] == "SCAN_PMD_MAPPED"


@test
def v19_run_result_alloc_failure():
    d = decide_json("--model", "v19", "--orders", "8,9",
                    "--fail", "0:9:SCAN_ALLOC_HUGE_PAGE_FAIL",
                    "--fail", "0:8:SCAN_EXCEED_SHARED_PTE",
                    "--fail", "256:8:SCAN_PAGE_LOCK", "X*512")
    assert ranges(d, "attempts") == [(0, 9), (0, 8), (256, 8)]
    assert d["result"] == "SCAN_ALLOC_HUGE_PAGE_FAIL"


@test
def intermediate_value_per_model():
    # 100 leading pages, max_ptes_none 256: v15 stops at order 8;
    # v18 treats 256 as 0 below PMD order: (0,6), (64,5), (96,2).
    d = decide_json("--model", "v15", "--max-ptes-none", "256", "X*100 .*412")
    assert d["attempts"] == [] and d["invalid_max_ptes_none"]
    assert d["steps"][-1]["kind"] == "invalid-max-ptes-none"
    d = decide_json("--model", "v18", "--max-ptes-none", "256", "X*100 .*412")
    assert ranges(d, "collapses") == [(0, 6), (64, 5), (96, 2)]
    d = decide_json("--model", "scaled", "--max-ptes-none", "256",
                    "X*100 .*412")
    assert ranges(d, "collapses") == [(0, 7)]


@test
def madvise_mode():
    d = decide_json("--mode", "madvise", "--model", "v15", ".*512")
    assert d["attempts"] == []
    d = decide_json("--mode", "madvise", "--model", "v16", ".*512")
    assert ranges(d, "attempts") == [(0, 9)]


@test
def swap_accounting():
    # 511 present + 1 swapped, max_ptes_none 0, PMD only
    for model, want in (("baseline", [(0, 9)]), ("v15", []), ("v19", []),
                        ("v19-swapfix", [(0, 9)])):
        d = decide_json("--model", model, "--orders", "pmd",
                        "--max-ptes-none", "0", "--unmapped", "1",
                        "X*511 .")
        assert ranges(d, "attempts") == want, (model, d["attempts"])


@test
def ppc64_radix_64k():
    # 32 PTEs: (0,5) has 20 < 32; (0,4) is full; (16,2) is full.
    d = decide_json("--model", "v15", "--geometry", "ppc64-radix-64k",
                    "--max-ptes-none", "0", "X*20 .*12")
    assert ranges(d, "collapses") == [(0, 4), (16, 2)]
    assert d["max_ptrs_per_pte"] == 256 and d["pmd_order"] == 5
    assert d["stack"] == {"capacity": 64, "deepest": 3, "bound": 4}


@test
def map_file():
    with tempfile.NamedTemporaryFile("w", suffix=".map", delete=False) as f:
        f.write("# a comment\nX*300 .  # the hole\nX*211\n")
    try:
        d = decide_json("--max-ptes-none", "0", "@" + f.name)
        assert ranges(d, "collapses") == HOLE
    finally:
        os.unlink(f.name)
    code, out, err = run("decide", "@/nonexistent/map")
    assert code == 2 and "/nonexistent/map" in err


@test
def readable_report():
    code, out, err = run("decide", "--max-ptes-none", "0", "X*300 . X*211")
    assert code == 0, err
    # no --model: the default, latest
    assert "model latest" in out and "geometry x86_64" in out
    assert "[22]" in out  # the order-2 collapse at 296 drawn as a bracket
    assert "result SCAN_SUCCEED" in out
    assert "below threshold" in out


@test
def bad_input_exit_2():
    cases = [
        (["--geometry", "vax", "X*512"], "--geometry"),
        (["--geometry", "ppc64-hash-4k", "X*512"], "no transparent huge pages"),
        (["--geometry", "custom:12:24:32", "X*24"], "24 is not a power of two"),
        (["--model", "v20", "X*512"], "--model"),
        (["--mode", "both", "X*512"], "--mode"),
        (["--max-ptes-none", "512", "X*512"], "--max-ptes-none"),
        (["--max-ptes-none", "-3", "X*512"], "--max-ptes-none"),
        (["--max-ptes-none", "ten", "X*512"], "--max-ptes-none"),
        (["--orders", "1", "X*512"], "--orders"),
        (["--orders", "2-12", "X*512"], "--orders"),
        (["--orders", "5-3", "X*512"], "backwards"),
        (["--orders", "2,", "X*512"], "trailing comma"),
        (["--fail", "3:2:SCAN_FAIL", "X*512"], "not aligned"),
        (["--fail", "0:9", "X*512"], "OFFSET:ORDER:RESULT"),
        (["--fail", "0:9:SCAN_BOGUS", "X*512"], "SCAN_BOGUS"),
        (["--unmapped", "600", "X*512"], "--unmapped"),
        (["X*511"], "511 PTEs"),
        (["X*513"], "token 1"),
        (["X*0 X*512"], "token 1"),
        (["X*256 Q*256"], "token 2"),
        (["X*256 X*"], "token 2"),
        (["X**4"], "token 1"),
        (["\x01\x02garbage"], "token 1"),
        ([], "MAP"),
    ]
    for args, needle in cases:
        code, out, err = run("decide", *args)
        assert code == 2, (args, code, err)
        assert needle in err, (args, err)
        assert "mthpsim" in err
    code, out, err = run("frobnicate")
    assert code == 2 and "frobnicate" in err


@test
def geometries_listing():
    code, out, err = run("geometries", "--json")
    assert code == 0
    g = {x["name"]: x for x in json.loads(out)}
    assert len(g) == 19
    for x in g.values():
        assert x["stack_deepest"] == x["stack_bound"] == x["pmd_order"] - 1
        assert x["stack_v17"] >= x["stack_bound"]
    assert g["x86_64"]["stack_v15"] == 128 and g["x86_64"]["stack_v17"] == 8
    assert g["arm64-64k"]["stack_v15"] == 2048
    assert g["ppc64-radix-64k"]["stack_v17"] == 7
    code, out, err = run("models")
    assert code == 0
    line = [x for x in out.splitlines() if x.startswith("latest ")]
    assert len(line) == 1 and "(default)" in line[0], out
    assert "(also: v19-swapfix)" in line[0]
    assert out.count("(default)") == 1


@test
def every_model_every_geometry_json():
    code, out, _ = run("geometries", "--json")
    for geo in json.loads(out):
        nr = geo["hpage_pmd_nr"]
        for model in ("baseline", "scaled", "v15", "v16", "v17", "v18",
                      "v19", "v19-swapfix"):
            d = decide_json("--geometry", geo["name"], "--model", model,
                            f"X*{nr}")
            assert ranges(d, "collapses") == [(0, geo["pmd_order"])]


for i, (name, error) in enumerate(results, 1):
    print(f"{'ok' if error is None else 'not ok'} {i} - {name}")
    if error:
        print("# " + error.replace("\n", "\n# "))
print(f"1..{len(results)}")
sys.exit(0)
