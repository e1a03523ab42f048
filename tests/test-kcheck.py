#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mthpsim kcheck on the project's own kernel-idiom fixtures (tests/kcheck:
written for this project, not kernel code) and their mutants. The first
difference each mutant must show is worked by hand from docs/MODELS.md;
see the comments. Printed as TAP. Needs a C compiler (cc, or $CC)."""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mthptest import report, run as run_prog, test  # noqa: E402

MTHPSIM, SRCDIR = sys.argv[1], sys.argv[2]
K = os.path.join(SRCDIR, "tests", "kcheck")
TMP = tempfile.mkdtemp(prefix="kcheck-mutants-")

# The mutants: a fixture with one change each, stated here.
MUTANTS = {
    # the threshold one PTE too strict
    "mutant-walk-threshold.c": ("khugepaged-walk.c",
        "if (occupied < span - min_t(unsigned int, allowed, span))",
        "if (occupied <= span - min_t(unsigned int, allowed, span))"),
    # SCAN_PAGE_LAZYFREE no longer tries lower orders
    "mutant-walk-trylower.c": ("khugepaged-walk.c",
        "\t\tcase SCAN_PTE_UFFD_WP:\n\t\tcase SCAN_PAGE_LAZYFREE:\n",
        "\t\tcase SCAN_PTE_UFFD_WP:\n"),
    # the right half is examined first
    "mutant-stack-right-first.c": ("khugepaged-stack.c",
        "\t\t\tpush_range(stack, &size, r.offset + span / 2, r.order - 1);\n"
        "\t\t\tpush_range(stack, &size, r.offset, r.order - 1);",
        "\t\t\tpush_range(stack, &size, r.offset, r.order - 1);\n"
        "\t\t\tpush_range(stack, &size, r.offset + span / 2, r.order - 1);"),
    # a helper neither the file nor the environment has (line 140, col 14)
    "error-missing-helper.c": ("khugepaged-walk.c",
        "\t\toccupied = bitmap_weight_from(cc->mthp_present_ptes, offset,\n"
        "\t\t\t\t\t      offset + span);",
        "\t\toccupied = count_occupied_fancy(cc->mthp_present_ptes, offset,\n"
        "\t\t\t\t\t\tspan);"),
}
for name, (base, old, new) in MUTANTS.items():
    with open(os.path.join(K, base)) as f:
        text = f.read()
    assert text.count(old) == 1, (name, "the fixture changed: update the mutant")
    with open(os.path.join(TMP, name), "w") as f:
        f.write(text.replace(old, new))
# the first 4096 small tables hold every first difference below; a few
# random tables per named geometry
QUICK = ["--bitmaps", "4096", "--random", "20"]


def kcheck(*args):
    return run_prog(MTHPSIM, "kcheck", *args, timeout=600)


def kjson(*args):
    code, out, err = kcheck("--json", *QUICK, *args)
    assert code in (0, 1), (code, err)
    return code, json.loads(out)


if not shutil.which(os.environ.get("CC", "cc")):
    print("1..0 # SKIP no C compiler for kcheck")
    sys.exit(0)


@test
def fixtures_agree_with_their_models():
    for f, model, shape in (("khugepaged-walk.c", "latest", "enum scan_result"),
                            ("khugepaged-stack.c", "v15", "static int")):
        code, d = kjson("--model", model, os.path.join(K, f))
        assert code == 0 and d["differ"] == 0, (f, d)
        assert d["cases"] > 1000000, d["cases"]
        assert d["settings"]["shape"].startswith("static " + shape) or \
            d["settings"]["shape"].startswith(shape), d["settings"]["shape"]


@test
def threshold_mutant():
    # one PTE too strict: the first table is the empty one, and the first
    # setting where the threshold is exactly met is MADV_COLLAPSE at PMD
    # order (allowance HPAGE_PMD_NR: threshold 0, 0 occupied): latest
    # attempts (0,4), the mutant nothing
    code, d = kjson(os.path.join(TMP, "mutant-walk-threshold.c"))
    assert code == 1 and d["differ"] > 0
    f = d["first_difference"]
    assert (f["bitmap"], f["mode"], f["orders"]) == (0, "madvise", "4"), f
    assert f["a"]["attempts"] == [] and \
        [(x["offset"], x["order"]) for x in f["b"]["attempts"]] == [(0, 4)], f


@test
def try_lower_mutant():
    # SCAN_PAGE_LAZYFREE stops instead of trying lower: table PTE 0 only,
    # orders 2-4, max_ptes_none 15 (threshold 1 at every order), the first
    # attempt answered LAZYFREE: latest goes on to (0,3), the mutant stops
    code, d = kjson(os.path.join(TMP, "mutant-walk-trylower.c"))
    assert code == 1
    f = d["first_difference"]
    assert (f["bitmap"], f["mode"], f["orders"], f["max_ptes_none"]) == \
        (1, "khugepaged", "2-4", 15), f
    assert "SCAN_PAGE_LAZYFREE" in f["pattern"]
    assert [(x["offset"], x["order"]) for x in f["a"]["attempts"]] == [(0, 4)]
    assert [(x["offset"], x["order"]) for x in f["b"]["attempts"]] == \
        [(0, 4), (0, 3)]
    assert f["a"]["returns"] == "SCAN_PAGE_LAZYFREE"
    assert f["b"]["returns"] == "SCAN_SUCCEED"


@test
def right_half_first_mutant():
    # the first table with something in both halves of a split: PTEs 0 and
    # 4 (bitmap 0x11); every attempt failing with a try-lower result, v15
    # visits (0,2) before (4,2), the mutant the other way round
    code, d = kjson("--model", "v15", os.path.join(TMP, "mutant-stack-right-first.c"))
    assert code == 1
    f = d["first_difference"]
    assert (f["bitmap"], f["max_ptes_none"]) == (0x11, 15), f
    assert [(x["offset"], x["order"]) for x in f["a"]["attempts"]] == \
        [(0, 4), (0, 3), (4, 2), (0, 2)]
    assert [(x["offset"], x["order"]) for x in f["b"]["attempts"]] == \
        [(0, 4), (0, 3), (0, 2), (4, 2)]


@test
def readable_first_difference_and_decide():
    code, out, err = kcheck(*QUICK, os.path.join(TMP, "mutant-walk-trylower.c"))
    assert code == 1, err
    assert "first difference" in out and "table: P .*15" in out, out
    line = [l for l in out.splitlines() if "the model's side again:" in l][0]
    cmd = line.split("again: ", 1)[1].split(" ", 1)[1]
    import shlex
    args = shlex.split(cmd)
    assert args[0] == "decide", args
    code, o, e = run_prog(MTHPSIM, *args, "--json")
    assert code == 0, e
    dd = json.loads(o)
    assert [(a["offset"], a["order"]) for a in dd["attempts"]] == [(0, 4), (0, 3)]


@test
def against_explained_by_the_models():
    # stack (v15) against walk (latest): the first difference is MADV_COLLAPSE
    # on an empty table: v15 allows 511 empty PTEs (threshold 1), later
    # revisions HPAGE_PMD_NR (threshold 0) - what decide says for each model
    code, d = kjson(os.path.join(K, "khugepaged-stack.c"), "--against",
                    os.path.join(K, "khugepaged-walk.c"))
    assert code == 1 and d["differ"] > 0
    f = d["first_difference"]
    assert (f["bitmap"], f["mode"]) == (0, "madvise"), f
    for model, side in (("v15", "a"), ("latest", "b")):
        code, o, e = run_prog(MTHPSIM, "decide", "--json", "--geometry",
                              "custom:12:16:16", "--model", model,
                              "--mode", "madvise", ".*16")
        got = [(a["offset"], a["order"]) for a in json.loads(o)["attempts"]]
        want = [(x["offset"], x["order"]) for x in f[side]["attempts"]]
        assert got == want, (model, got, want)


@test
def missing_helper_is_located():
    code, out, err = kcheck(*QUICK, os.path.join(TMP, "error-missing-helper.c"))
    assert code == 2, (code, err)
    assert "error-missing-helper.c:140:14: 'count_occupied_fancy' is used here" in err, err


@test
def missing_function_and_file():
    code, out, err = kcheck("--function", "no_such_fn", os.path.join(K, "khugepaged-walk.c"))
    assert code == 2 and "no definition of a function 'no_such_fn'" in err, err
    code, out, err = kcheck("/nonexistent/khugepaged.c")
    assert code == 2 and "/nonexistent/khugepaged.c" in err, err
    code, out, err = kcheck()
    assert code == 2


shutil.rmtree(TMP)
report()
