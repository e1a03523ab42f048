#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mthpsim kcheck on the kernels people run: the distribution's own source
packages (linux-source-6.1, -6.12, -7.2, -7.3), fetched at test time into
a cache outside the source tree (tests/debian_archive.py) - no kernel
source is in this repository. Each tree checks clean against the model
that stands for its release; one-spot mutants of the real 7.3 file, made
here by replacing one line each, are caught with a scenario file that
mthpsim run plays; and two releases in a git tree are compared with
--against. A tree that cannot be fetched fails the test, saying why.
Printed as TAP."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mthptest import record, report, run as run_prog, test  # noqa: E402
import debian_archive  # noqa: E402

MTHPSIM = os.path.abspath(sys.argv[1])
TMP = tempfile.mkdtemp(prefix="kcheck-realtrees-")
# kcheck writes the scenario of a difference into $TMPDIR: this test's
# directory, which goes at the end, so nothing is left in /tmp
os.environ["TMPDIR"] = TMP
ARCHIVE = debian_archive.Archive()
TREES = {}

# the model that stands for each release (docs/MODELS.md, "Models and
# releases"): the series merged for 7.2
WANT_MODEL = {"6.1": "baseline-6.1", "6.12": "baseline-6.12",
              "7.2": "latest", "7.3": "latest"}
# MTHPSIM_SOURCE_SERIES=7.3 checks that tree alone (the mutants and the
# git tree need 7.2 and 7.3)
_only = [x for x in os.environ.get("MTHPSIM_SOURCE_SERIES", "").split(",") if x]
if _only:
    WANT_MODEL = {k: v for k, v in WANT_MODEL.items() if k in _only}


def tree(series):
    if series not in TREES:
        TREES[series] = debian_archive.kernel_source(ARCHIVE, series)
    return TREES[series]


def kcheck(*args, timeout=900):
    return run_prog(MTHPSIM, "kcheck", *args, timeout=timeout)


@test
def the_archive_is_reachable():
    # every later test needs it: a machine that cannot fetch fails here
    # first, with apt's own words
    ARCHIVE.setup()
    for s in WANT_MODEL:
        tree(s)


def check_release(series):
    t = tree(series)
    code, out, err = kcheck("--json", t)
    assert code == 0, (series, code, err[-2000:], out[-3000:])
    d = json.loads(out)
    series_shape = series.startswith("7.")
    # 7.x: mthp_collapse() and the scan; 6.x: the scan alone
    if series_shape:
        assert d["settings"]["function"] == "mthp_collapse", d["settings"]
        assert d["cases"] > 40_000_000 and d["differ"] == 0, d
        scan = d["scan"]
    else:
        scan = d
    assert scan["check"] == "scan" and scan["differ"] == 0, scan
    assert scan["cases"] > 5000, scan
    assert scan["settings"]["model"] == WANT_MODEL[series], scan["settings"]
    assert scan["settings"]["release"].startswith(series + "."), scan["settings"]
    assert "Makefile" in scan["settings"]["model_because"], scan["settings"]


for _s in WANT_MODEL:
    record("linux_%s_checks_clean" % _s.replace(".", "_"), check_release, _s)


def mutant_tree(name, old, new, count=1):
    """A copy of the 7.3 tree's mm/ and Makefile with one change to
    mm/khugepaged.c: old, which must be there exactly count times, made
    new."""
    src = tree("7.3")
    dst = os.path.join(TMP, name)
    shutil.copytree(os.path.join(src, "mm"), os.path.join(dst, "mm"))
    shutil.copy(os.path.join(src, "Makefile"), dst)
    path = os.path.join(dst, "mm", "khugepaged.c")
    text = open(path).read()
    assert text.count(old) == count, (name, "the 7.3 file no longer has", old, text.count(old))
    open(path, "w").write(text.replace(old, new))
    return dst


# One change each, to the real 7.3 file; what must catch it is said.
MUTANTS = {
    # the mTHP allowance at max_ptes_none 511 one PTE too strict
    # (collapse_max_ptes_none(): 2^k - 1 becomes 2^k - 2)
    "per-order-limit": ("\t\treturn (1 << order) - 1;", "\t\treturn (1 << order) - 2;"),
    # one swap entry fewer than max_ptes_swap allows
    "swap-count": ("if (++unmapped > max_ptes_swap) {", "if (++unmapped >= max_ptes_swap) {"),
    # khugepaged no longer asks for a young page
    "young-requirement": ("\t\t   (!referenced ||\n", "\t\t   (0 ||\n"),
    # a PTE of the zero page is no longer counted as none
    "zero-page": ("\treturn pte_present(pte) && is_zero_pfn(pte_pfn(pte));",
                  "\treturn false;"),
}


def mutant_caught(name):
    old, new = MUTANTS[name]
    t = mutant_tree(name, old, new)
    code, out, err = kcheck("--json", "--function", "collapse_scan_pmd",
                            "--geometry", "x86_64", "--random", "400", t)
    assert code == 1, (name, code, err[-1500:], out[-1500:])
    d = json.loads(out)
    assert d["differ"] > 0 and "first_difference" in d, d
    f = d["first_difference"]
    path = f["scenario_file"]
    try:
        assert os.path.exists(path), f
        # the model's side of it: mthpsim run plays the saved scenario
        code, rout, rerr = run_prog(MTHPSIM, "run", "--json", path)
        assert code == 0, (name, rerr)
        r = json.loads(rout)
        assert r["model"] == "latest", r
    finally:
        if os.path.exists(path):
            os.unlink(path)


for _m in MUTANTS if "7.3" in WANT_MODEL else []:
    record("mutant_%s_caught" % _m.replace("-", "_"), mutant_caught, _m)


def two_releases_in_a_git_tree():
    # v7.2 and v7.3 as two commits of one repository, kcheck of one
    # against the other: what changed in the decisions - nothing
    repo = os.path.join(TMP, "git")
    os.makedirs(os.path.join(repo, "mm"))
    git = ["git", "-C", repo, "-c", "user.email=kcheck@test", "-c", "user.name=kcheck"]
    subprocess.run(git + ["init", "-q"], check=True)
    for series in ("7.2", "7.3"):
        t = tree(series)
        for f in os.listdir(os.path.join(repo, "mm")):
            os.unlink(os.path.join(repo, "mm", f))
        for f in os.listdir(os.path.join(t, "mm")):
            shutil.copy(os.path.join(t, "mm", f), os.path.join(repo, "mm"))
        shutil.copy(os.path.join(t, "Makefile"), repo)
        subprocess.run(git + ["add", "-A"], check=True)
        subprocess.run(git + ["commit", "-qm", "v" + series], check=True)
        subprocess.run(git + ["tag", "v" + series], check=True)
    code, out, err = kcheck("--bitmaps", "8192", "--random", "100",
                            repo + "@v7.2", "--against", repo + "@v7.3")
    assert code == 0, (code, err[-1500:], out[-2000:])
    assert "the two sides decide alike" in out, out
    assert out.count("0 differ") == 2, out
    # and the report names each side as given
    assert repo + "@v7.2" in out and repo + "@v7.3" in out, out


if "7.2" in WANT_MODEL and "7.3" in WANT_MODEL:
    record("two_releases_in_a_git_tree", two_releases_in_a_git_tree)

try:
    report()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
