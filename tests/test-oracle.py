#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The oracle commands: verify, diff, rounds, report. Printed as TAP.

argv: mthpsim, mthpsim-testing (with the broken model), source root.
"""
import json
import os
import shlex
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mthptest import report, run, test  # noqa: E402

MTHPSIM, TESTING, SRCDIR = sys.argv[1:4]
EX = os.path.join(SRCDIR, "examples")


@test
def verify_holds():
    code, out, err = run(MTHPSIM, "verify")
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[-1].startswith("verify: all 4 claims hold"), lines[-1]
    oks = [l for l in lines if l.startswith("  [ok]")]
    assert len(oks) == 4, out
    for l in oks:  # every claim was checked on something
        assert int(l.rsplit(": ", 1)[1].split()[0]) > 0, l


@test
def verify_catches_broken_model():
    code, out, err = run(TESTING, "verify", "--models", "v15,v19-broken")
    assert code == 1, (code, out, err)
    assert "[FAILED] the stack search and the walk" in out
    assert "[FAILED] collapses are disjoint" in out
    assert "claims FAILED" in out.splitlines()[-1]
    # the counterexample commands reproduce the difference
    cmds = [l.strip() for l in out.splitlines()
            if l.strip().startswith("mthpsim-testing decide")]
    assert len(cmds) >= 2, out
    runs = {}
    for c in cmds[:2]:
        args = shlex.split(c)[1:]
        code, o, e = run(TESTING, *args, "--json")
        assert code == 0, e
        d = json.loads(o)
        runs[d["model"]] = [(a["offset"], a["order"]) for a in d["attempts"]]
    assert runs["v15"] != runs["v19-broken"], runs
    # the shrinker found a small case: at most one occupied PTE
    assert cmds[0].split("decide", 1)[1].count("P") <= 1, cmds[0]


@test
def verify_bad_arguments():
    assert run(MTHPSIM, "verify", "--models", "v15")[0] == 2
    assert run(MTHPSIM, "verify", "--models", "v15,v99")[0] == 2
    assert run(MTHPSIM, "verify", "extra")[0] == 2


@test
def diff_catches_broken_model():
    code, out, err = run(TESTING, "diff", "--models", "v19,v19-broken",
                         "--random", "200", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["scenarios"] == 200 and d["differ"] > 0, d["differ"]
    assert d["models"] == ["v19", "v19-broken"]


@test
def diff_same_model_never_differs():
    code, out, err = run(MTHPSIM, "diff", "--models", "v19,v19",
                         "--random", "100")
    assert code == 0, err
    assert out.strip().endswith(
        "diff v19,v19: 100 scenarios, 0 differ (attempts 0, collapses 0, results 0)"), out


@test
def diff_swap_accounting_examples():
    # the three swap-accounting files hold the same table: baseline swaps
    # in and collapses, v15 never attempts; latest (v19-swapfix) agrees with baseline
    files = [os.path.join(EX, f"swap-accounting-{m}.scn")
             for m in ("v15", "baseline", "latest")]
    code, out, err = run(MTHPSIM, "diff", "--models", "baseline,v15",
                         "--json", *files)
    d = json.loads(out)
    assert (d["scenarios"], d["differ"]) == (3, 3), d
    for x in d["differences"]:
        assert x["attempts_differ"] and x["collapses_differ"]
        assert x["results"] == {"baseline": "SCAN_SUCCEED", "v15": "SCAN_FAIL"}
    code, out, err = run(MTHPSIM, "diff", "--models", "baseline,v19-swapfix",
                         *files)
    assert "3 scenarios, 0 differ" in out, out


@test
def diff_directory_and_readable_drawing():
    code, out, err = run(MTHPSIM, "diff", "--models", "v15,v19", EX)
    assert code == 0, err
    n = len([f for f in os.listdir(EX) if f.endswith(".scn")])
    assert f"diff v15,v19: {n} scenarios" in out, out
    # creep-scaled-256 (max_ptes_none 256): scaled collapses (0,2) while
    # v19 treats 256 as 0 below PMD order and collapses nothing
    code, out, err = run(MTHPSIM, "diff", "--models", "scaled,v19",
                         os.path.join(EX, "creep-scaled-256.scn"))
    assert "scaled and v19 differ" in out, out
    assert "collapses under scaled" in out and "[22]" in out, out
    # each difference's settings name the two models compared, not the
    # scenario's own model line; a directory given with its slash names
    # its files without a doubled one
    code, out, err = run(MTHPSIM, "diff", "--models", "v15,v18,v19", EX + "/")
    lines = out.splitlines()
    heads = [i for i, l in enumerate(lines) if l.endswith(" differ")]
    assert heads, out
    for i in heads:
        a, b = lines[i].split(": ", 1)[1][:-len(" differ")].split(" and ")
        assert lines[i + 1].startswith(f"models {a} and {b}, "), lines[i:i + 2]
    assert "//" not in out and "model latest" not in out, out


@test
def diff_random_reproducible_and_written():
    with tempfile.TemporaryDirectory() as tmp:
        a = run(MTHPSIM, "diff", "--random", "50", "--seed", "7", "--json",
                "--write", tmp)
        b = run(MTHPSIM, "diff", "--random", "50", "--seed", "7", "--json")
        assert a[0] == 0 and a[1] == b[1]
        files = sorted(os.listdir(tmp))
        assert len(files) == 50 and files[0].startswith("random-")
        # the written files replay to the same counts
        c = json.loads(run(MTHPSIM, "diff", "--json", tmp)[1])
        d = json.loads(a[1])
        for k in ("scenarios", "differ", "attempts_differ", "results_differ"):
            assert c[k] == d[k], (k, c[k], d[k])


@test
def diff_bad_arguments():
    assert run(MTHPSIM, "diff")[0] == 2
    assert run(MTHPSIM, "diff", "--models", "v15", "--random", "1")[0] == 2
    assert run(MTHPSIM, "diff", "--random", "x")[0] == 2
    code, out, err = run(MTHPSIM, "diff", "/nonexistent")
    assert code == 2 and "/nonexistent" in err


def rounds(*args):
    code, out, err = run(MTHPSIM, "rounds", "--json", *args)
    assert code == 0, err
    return json.loads(out)


@test
def rounds_creep_256():
    # scaled, 256: order k allows 2^(k-1) none, so the two pages make the
    # order-2 block qualify; each collapse makes the next order qualify
    d = rounds(os.path.join(EX, "creep-scaled-256.scn"))
    assert d["converged"] is True
    assert (d["present_initial"], d["present_final"]) == (2, 512)
    assert [r["round"] for r in d["rounds"]] == list(range(1, 9))
    for n, r in enumerate(d["rounds"], 1):
        assert r["collapses"] == [{"offset": 0, "order": n + 1}], r
        assert r["present"] == 2 ** (n + 1), r


@test
def rounds_creep_255_stops():
    d = rounds(os.path.join(EX, "creep-scaled-255.scn"))
    assert d["rounds"] == [{"round": 1, "present": 4,
                            "collapses": [{"offset": 0, "order": 2}]}]
    assert d["converged"] and d["present_final"] == 4


@test
def rounds_series_never_creeps():
    for f in ("creep-scaled-256.scn", "creep-scaled-255.scn",
              "single-page-511.scn", "none0-second-window.scn"):
        for m in ("v15", "v16", "v17", "v18", "v19", "latest"):
            d = rounds("--model", m, os.path.join(EX, f))
            assert len(d["rounds"]) <= 1, (f, m, d["rounds"])
            assert d["converged"]


@test
def rounds_max_and_injected_failures():
    d = rounds("--max", "3", os.path.join(EX, "creep-scaled-256.scn"))
    assert len(d["rounds"]) == 3 and d["converged"] is False
    assert d["present_final"] == 16
    # a failure injected at (0,2) applies in every round: nothing grows
    with open(os.path.join(EX, "creep-scaled-256.scn")) as f:
        text = f.read() + "fail = 0:2 SCAN_ALLOC_HUGE_PAGE_FAIL\n"
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as t:
        t.write(text)
    try:
        d = rounds(t.name)
        assert d["rounds"] == [] and d["converged"], d
    finally:
        os.unlink(t.name)
    code, out, err = run(MTHPSIM, "rounds", os.path.join(EX, "creep-scaled-256.scn"))
    assert "round 8: 1 collapse: (0, order 9); 512 pages present" in out, out
    assert out.strip().endswith("orders created: 2-9"), out
    assert run(MTHPSIM, "rounds")[0] == 2


@test
def report_is_current():
    code, out, err = run(MTHPSIM, "report")
    assert code == 0, err
    with open(os.path.join(SRCDIR, "docs", "FINDINGS.md")) as f:
        committed = f.read()
    assert out == committed, \
        "docs/FINDINGS.md is stale: regenerate with mthpsim report > docs/FINDINGS.md"
    assert "| latest | yes |" in out and "| v15 | no |" in out
    assert "| scaled | 256 | 2 | 8 | 2-9 | 2 -> 512 |" in out


report()
