#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of the mthpsim command, printed as TAP.

Expected ranges are worked by hand from docs/MODELS.md section 6 (see the
comments); they are not copied from the program's output.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mthptest import record, report, run as run_prog, test  # noqa: E402

MTHPSIM = sys.argv[1]
SRCDIR = sys.argv[2] if len(sys.argv) > 2 else "."
EX = os.path.join(SRCDIR, "examples")
COMMANDS = ("run", "decide", "diff", "verify", "rounds", "report",
            "geometries", "models")


def run(*args, stdin=None):
    return run_prog(MTHPSIM, *args, stdin=stdin, timeout=120)


def decide_json(*args):
    code, out, err = run("decide", "--json", *args)
    assert code == 0, f"exit {code}: {err}"
    return json.loads(out)


def ranges(doc, key):
    return [(r["offset"], r["order"]) for r in doc[key]]


# One hole at PTE 300, max_ptes_none 0, every order on: the ranges that
# contain 300 split; the others are full. 512 - 4 PTEs collapse (the
# order-2 block 300..303 stays).
HOLE = [(0, 8), (256, 5), (288, 3), (296, 2), (304, 4), (320, 6), (384, 7)]


@test
def hole_every_series_model():
    for model in ("v15", "v16", "v17", "v18", "v19", "v19-swapfix"):
        d = decide_json("--model", model, "--orders", "all",
                        "--max-ptes-none", "0", "P*300 . P*211")
        assert ranges(d, "collapses") == HOLE, (model, d["collapses"])
        assert ranges(d, "attempts") == HOLE
        assert d["collapsed"] == 508
        assert d["result"] == "SCAN_SUCCEED"
        # v19-swapfix is another name for latest
        assert d["model"] == ("latest" if model == "v19-swapfix" else model)
        assert d["settings"]["geometry"] == "x86_64"


@test
def x_is_p():
    a = decide_json("--orders", "all", "--max-ptes-none", "0", "X*300 . X*211")
    b = decide_json("--orders", "all", "--max-ptes-none", "0", "P*300 . P*211")
    assert a["attempts"] == b["attempts"] and a["result"] == b["result"]


@test
def defaults_are_the_kernels():
    # no --orders: the kernel default, the PMD size alone (inherit from
    # enabled=always), as in run. One page, max_ptes_none 511: (0,9).
    d = decide_json("P .*511")
    assert d["enabled_orders"] == [9]
    assert ranges(d, "collapses") == [(0, 9)]
    assert d["attempts"][0]["occupied"] == 1
    code, out, _ = run("run", "--json", "-", stdin="ptes = P .*511\n")
    r = json.loads(out)
    assert r["enabled_orders"] == d["enabled_orders"]
    assert r["settings"] == d["settings"]


@test
def decide_counts_unmapped_from_the_map():
    # 511 present + 1 swapped, max_ptes_none 0, PMD only: latest counts
    # the swap entry (511 + 1 = 512), v19 does not (511 < 512)
    d = decide_json("--max-ptes-none", "0", "P*511 w")
    assert d["unmapped"] == 1 and ranges(d, "attempts") == [(0, 9)]
    d = decide_json("--model", "v19", "--max-ptes-none", "0", "P*511 w")
    assert d["attempts"] == []


@test
def no_truncation_arm64_64k():
    # 8192 PTEs, order 2 only, max_ptes_none 0: 2048 order-2 collapses
    d = decide_json("--geometry", "arm64-64k", "--orders", "2",
                    "--max-ptes-none", "0", "P*8192")
    assert len(d["collapses"]) == 2048 and d["collapsed"] == 8192
    assert ranges(d, "collapses") == [(o, 2) for o in range(0, 8192, 4)]
    code, out, err = run("decide", "--geometry", "arm64-64k", "--orders", "2",
                         "--max-ptes-none", "0", "P*8192")
    assert "collapsed 8192 PTEs in 2048 ranges" in out, out[-300:]


@test
def try_lower_after_alloc_failure():
    d = decide_json("--orders", "all",
                    "--fail", "0:9=SCAN_ALLOC_HUGE_PAGE_FAIL", "P*512")
    assert ranges(d, "attempts") == [(0, 9), (0, 8), (256, 8)]
    assert [a["result"] for a in d["attempts"]] == [
        "SCAN_ALLOC_HUGE_PAGE_FAIL", "SCAN_SUCCEED", "SCAN_SUCCEED"]
    assert ranges(d, "collapses") == [(0, 8), (256, 8)]


@test
def stop_result_ends_search():
    # SCAN_PMD_MAPPED is in neither try-lower list: the PMD is abandoned
    d = decide_json("--model", "v15", "--orders", "all",
                    "--fail", "0:9=PMD_MAPPED", "P*512")
    assert ranges(d, "attempts") == [(0, 9)]
    assert d["result"] == "SCAN_FAIL"
    d = decide_json("--model", "v19", "--orders", "all",
                    "--fail", "0:9=PMD_MAPPED", "P*512")
    assert d["result"] == "SCAN_PMD_MAPPED"


@test
def v19_run_result_alloc_failure():
    d = decide_json("--model", "v19", "--orders", "8,9",
                    "--fail", "0:9=SCAN_ALLOC_HUGE_PAGE_FAIL",
                    "--fail", "0:8=SCAN_EXCEED_SHARED_PTE",
                    "--fail", "256:8=SCAN_PAGE_LOCK", "P*512")
    assert ranges(d, "attempts") == [(0, 9), (0, 8), (256, 8)]
    assert d["result"] == "SCAN_ALLOC_HUGE_PAGE_FAIL"


@test
def intermediate_value_per_model():
    # 100 leading pages, max_ptes_none 256: v15 stops at order 8;
    # v18 treats 256 as 0 below PMD order: (0,6), (64,5), (96,2).
    base = ("--orders", "all", "--max-ptes-none", "256", "P*100 .*412")
    d = decide_json("--model", "v15", *base)
    assert d["attempts"] == [] and d["invalid_max_ptes_none"]
    assert d["steps"][-1]["kind"] == "invalid-max-ptes-none"
    d = decide_json("--model", "v18", *base)
    assert ranges(d, "collapses") == [(0, 6), (64, 5), (96, 2)]
    d = decide_json("--model", "scaled", *base)
    assert ranges(d, "collapses") == [(0, 7)]


@test
def madvise_mode():
    d = decide_json("--mode", "madvise", "--model", "v15", ".*512")
    assert d["attempts"] == []
    d = decide_json("--mode", "madvise", "--model", "v16", ".*512")
    assert ranges(d, "attempts") == [(0, 9)]
    # a nohugepage VMA refuses MADV_COLLAPSE too
    d = decide_json("--mode", "madvise", "--vma", "nohugepage", "P*512")
    assert d["attempts"] == [] and d["result"] == "SCAN_VMA_CHECK"


@test
def swap_accounting():
    # 511 present + 1 swapped, max_ptes_none 0, PMD only
    for model, want in (("baseline", [(0, 9)]), ("v15", []), ("v19", []),
                        ("latest", [(0, 9)])):
        d = decide_json("--model", model, "--max-ptes-none", "0",
                        "--unmapped", "1", "P*511 .")
        assert ranges(d, "attempts") == want, (model, d["attempts"])


@test
def ppc64_radix_64k():
    # 32 PTEs: (0,5) has 20 < 32; (0,4) is full; (16,2) is full.
    d = decide_json("--model", "v15", "--geometry", "ppc64-radix-64k",
                    "--orders", "all", "--max-ptes-none", "0", "P*20 .*12")
    assert ranges(d, "collapses") == [(0, 4), (16, 2)]
    assert d["settings"]["max_ptrs_per_pte"] == 256
    assert d["settings"]["hpage_pmd_order"] == 5
    assert d["stack"] == {"capacity": 64, "deepest": 3, "bound": 4}


@test
def map_file_and_stdin():
    with tempfile.NamedTemporaryFile("w", suffix=".map", delete=False) as f:
        f.write("# a comment\nP*300 .  # the hole\nP*211\n")
    try:
        d = decide_json("--orders", "all", "--max-ptes-none", "0", "@" + f.name)
        assert ranges(d, "collapses") == HOLE
    finally:
        os.unlink(f.name)
    code, out, err = run("decide", "--json", "--orders", "all",
                         "--max-ptes-none", "0", "@-",
                         stdin="P*300 .\nP*211\n")
    assert code == 0 and ranges(json.loads(out), "collapses") == HOLE, err
    code, out, err = run("decide", "@-", stdin="P*300\n. Q P*210\n")
    assert code == 2 and "<stdin>:2:3: unknown PTE state 'Q'" in err, err
    code, out, err = run("decide", "@/nonexistent/map")
    assert code == 2 and "/nonexistent/map" in err
    # a NUL byte, even in a comment, is not a text map: its line and column
    with tempfile.NamedTemporaryFile("wb", suffix=".map", delete=False) as f:
        f.write(b"P*300 .\n# a comment \0 with a NUL\nP*211\n")
    try:
        code, out, err = run("decide", "@" + f.name)
        assert code == 2 and f.name + ":2:13: a NUL byte" in err, (code, err)
    finally:
        os.unlink(f.name)


@test
def a_fifo_among_scenarios_is_refused():
    # a directory's *.scn that is a FIFO would be waited on for ever
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "a.scn"), "w") as f:
            f.write("ptes = P*512\n")
        os.mkfifo(os.path.join(d, "b.scn"))
        code, out, err = run("diff", d)
        assert code == 2 and os.path.join(d, "b.scn") + ": not a regular file" in err, err


@test
def readable_report():
    code, out, err = run("decide", "--orders", "all", "--max-ptes-none", "0",
                         "P*300 . P*211")
    assert code == 0, err
    # no --model: the default, latest
    assert "model latest" in out and "geometry x86_64" in out
    assert "[22]" in out  # the order-2 collapse at 296 drawn as a bracket
    assert "result SCAN_SUCCEED" in out
    assert "below threshold" in out


@test
def bad_input_exit_2():
    cases = [
        (["--geometry", "vax", "P*512"], "--geometry"),
        (["--geometry", "ppc64-hash-4k", "P*512"], "no transparent huge pages"),
        (["--geometry", "custom:12:24:32", "P*24"], "24 is not a power of two"),
        (["--model", "v20", "P*512"], "--model v20: model: unknown value"),
        (["--mode", "both", "P*512"], "--mode"),
        (["--max-ptes-none", "512", "P*512"], "out of range (0..511)"),
        (["--max-ptes-none", "-3", "P*512"], "'-3' is not a number"),
        (["--max-ptes-none", " 5", "P*512"], "' 5' is not a number"),
        (["--max-ptes-none", "+5", "P*512"], "'+5' is not a number"),
        (["--max-ptes-none", "ten", "P*512"], "--max-ptes-none"),
        (["--orders", "1", "P*512"], "order 1 is out of range (2..9)"),
        (["--orders", "2-12", "P*512"], "--orders"),
        (["--orders", "5-3", "P*512"], "backwards"),
        (["--orders", "2,", "P*512"], "empty entry"),
        (["--orders", "", "P*512"], "--orders"),
        (["--order", "4", "P*512"], "not K=SETTING"),
        (["--order", "4=often", "P*512"], "order.4: unknown value 'often'"),
        (["--vma", "hugepage nohugepage", "P*512"], "contradict"),
        (["--fail", "3:2=SCAN_FAIL", "P*512"], "not aligned"),
        (["--fail", "0:9", "P*512"], "missing RESULT"),
        (["--fail", "0:9=SCAN_BOGUS", "P*512"], "SCAN_BOGUS"),
        (["--fail", "0:9=SCAN_SUCCEED", "P*512"], "not a failure"),
        (["--fail", "0:9=PAGE_LOCK", "--fail", "0:9=PAGE_LRU", "P*512"],
         "already has a rule"),
        (["--unmapped", "600", "P*512"], "--unmapped"),
        (["--unmapped", "1", "P*512"], "at most 0 of the 512"),
        (["P*511"], "MAP:1:1: the map has 511 PTEs"),
        (["P*513"], "MAP:1:3: count '513' is out of range"),
        (["P*0 P*512"], "MAP:1:3: count 0"),
        (["P*256 Q*256"], "MAP:1:7: unknown PTE state 'Q'"),
        (["P*256 P*"], "MAP:1:9: count is missing"),
        (["P**4"], "MAP:1:3: count '*4' is not a number"),
        (["P*+512"], "MAP:1:3: count '+512' is not a number"),
        (["\x01\x02garbage"], "MAP:1:1: unknown PTE state"),
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
def every_command_helps():
    for c in COMMANDS:
        for flag in ("-h", "--help"):
            code, out, err = run(c, flag)
            assert code == 0 and "usage: mthpsim " + c in out, (c, flag, err)
        code, out, err = run("help", c)
        assert code == 0 and "usage: mthpsim " + c in out, (c, err)
    code, out, err = run("help")
    assert code == 0 and "commands:" in out
    code, out, err = run("help", "nope")
    assert code == 2 and "unknown command 'nope'" in err
    code, out, err = run("--version")
    assert code == 0 and out.startswith("mthpsim 0."), out
    for c in ("geometries", "models"):
        code, out, err = run(c, "--bogus")
        assert code == 2 and "--bogus" in err, (c, err)


@test
def stdin_everywhere():
    scn = "max_ptes_none = 0\nptes = P*511 .\n"
    for c in ("run", "rounds"):
        code, out, err = run(c, "--json", "-", stdin=scn)
        assert code == 0, (c, err)
    code, out, err = run("diff", "--json", "-", stdin=scn)
    assert code == 0 and json.loads(out)["scenarios"] == 1, err
    code, out, err = run("run", "-", stdin="ptes = P*511\n")
    assert code == 2 and "<stdin>:1:8:" in err


@test
def write_errors_fail():
    if not os.path.exists("/dev/full"):
        return
    for args in (("report",), ("models",), ("run", os.path.join(EX, "uffd.scn"))):
        with open("/dev/full", "w") as full:
            import subprocess
            p = subprocess.run([MTHPSIM, *args], stdout=full,
                               stderr=subprocess.PIPE, text=True, timeout=120)
        assert p.returncode != 0 and "standard output" in p.stderr, \
            (args, p.returncode, p.stderr)


@test
def one_vocabulary():
    # the same table and settings, given the same way to every simulating
    # command, carry the same settings object and the same keys
    scn = "max_ptes_none = 0\norders = 2-9\nptes = P*300 . P*211\n"
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as f:
        f.write(scn)
    try:
        docs = {
            "decide": decide_json("--max-ptes-none", "0", "--orders", "2-9",
                                  "P*300 . P*211"),
            "run": json.loads(run("run", "--json", f.name)[1]),
            "rounds": json.loads(run("rounds", "--json", f.name)[1]),
        }
        code, out, err = run("diff", "--json", "--models", "v15,v19",
                             "--fail", "0:8=PAGE_LOCK", f.name)
        docs["diff"] = json.loads(out)
    finally:
        os.unlink(f.name)
    for name, d in docs.items():
        assert d["command"] == name, (name, d.get("command"))
    want = docs["run"]["settings"]
    for name in ("decide", "rounds"):
        assert docs[name]["settings"] == want, (name, docs[name]["settings"])
        assert docs[name]["enabled_orders"] == list(range(2, 10))
    for key in ("geometry", "hpage_pmd_nr", "max_ptrs_per_pte",
                "hpage_pmd_order", "model", "mode", "max_ptes_none",
                "max_ptes_swap", "max_ptes_shared", "enabled",
                "hugepages-16kB", "hugepages-2048kB", "vma", "pmd"):
        assert key in want, key
    # the decisions agree: decide and run collapse the same ranges
    assert docs["decide"]["collapses"] == docs["run"]["collapses"]
    assert docs["rounds"]["rounds"][0]["collapses"] == docs["run"]["collapses"]
    # a difference carries the settings its scenario ran with
    for x in docs["diff"]["differences"]:
        assert x["settings"]["max_ptes_none"] == 0
    code, out, err = run("verify", "--json")
    v = json.loads(out)
    assert v["command"] == "verify" and v["settings"]["models"] == ["v15", "v19"]
    assert v["holds"] and len(v["claims"]) == 4


@test
def reproducers_refused():
    # each used to be accepted, or to report something that did not happen
    code, out, err = run("decide", "--unmapped", "512", "X*512")
    assert code == 2 and "at most 0 of the 512" in err, err
    for c in (["diff", "--models", "v15,,v19", os.path.join(EX, "uffd.scn")],
              ["verify", "--models", "v15,,v19"]):
        code, out, err = run(*c)
        assert code == 2 and "empty entry" in err, (c, err)
    code, out, err = run("decide", "@-", stdin="P*256\0 P*256\n")
    assert code == 2 and "NUL" in err, err
    for c in ("run", "rounds"):
        code, out, err = run(c, "-", stdin="ptes = P*4 .*508\nfail = 0:9 SCAN_SUCCEED\n")
        assert code == 2 and "<stdin>:2:12: fail: SCAN_SUCCEED is not a failure" in err, (c, err)
    code, out, err = run("decide", "--geometry", "custom:12:512:512:", "P*512")
    assert code == 2 and "unexpected ':'" in err, err
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "a.scn"), "w") as f:
            f.write("ptes = P*512\n")
        with open(os.path.join(d, "b.scn"), "w") as f:
            f.write("ptes = P*511\n")
        # every input is checked before any output: no half-written JSON
        code, out, err = run("diff", "--json", d)
        assert code == 2 and out == "" and "b.scn:1:8:" in err, (out, err)
        # --write to something that is not a directory is bad input
        code, out, err = run("diff", "--random", "1", "--write",
                             os.path.join(d, "a.scn"))
        assert code == 2 and "not a directory" in err, (code, err)
        # names come out as UTF-8; bytes that are not UTF-8 as U+FFFD
        name = os.path.join(d, "\u00e9.scn")
        with open(name, "w") as f:
            f.write("max_ptes_none = 0\nptes = P*300 . P*211\n")
        code, out, err = run("diff", "--json", "--models", "v15,baseline",
                             "--orders", "all", name)
        assert code == 0 and "\u00e9.scn" in json.loads(out)["differences"][0]["scenario"]
        bad = os.path.join(d.encode(), b"x\xff.scn")
        with open(bad, "w") as f:
            f.write("max_ptes_none = 0\nptes = P*300 . P*211\n")
        import subprocess
        p = subprocess.run([MTHPSIM, "diff", "--json", "--models", "v15,baseline",
                            "--orders", "all", bad],
                           capture_output=True, timeout=60)
        doc = json.loads(p.stdout.decode("utf-8"))
        assert doc["differences"][0]["scenario"].endswith("x\ufffd.scn")


@test
def geometries_listing():
    code, out, err = run("geometries", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["command"] == "geometries"
    g = {x["name"]: x for x in doc["geometries"]}
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
    code, out, err = run("models", "--json")
    doc = json.loads(out)
    assert doc["command"] == "models"
    assert [x["name"] for x in doc["models"] if x["default"]] == ["latest"]


@test
def every_model_every_geometry_json():
    code, out, _ = run("geometries", "--json")
    for geo in json.loads(out)["geometries"]:
        nr = geo["hpage_pmd_nr"]
        for model in ("baseline", "scaled", "v15", "v16", "v17", "v18",
                      "v19", "latest"):
            d = decide_json("--geometry", geo["name"], "--model", model,
                            "--orders", "all", f"P*{nr}")
            assert ranges(d, "collapses") == [(0, geo["pmd_order"])]


@test
def every_json_output_is_an_object_naming_its_command():
    scn = os.path.join(EX, "none0-second-window.scn")
    with tempfile.TemporaryDirectory() as t:
        snap = os.path.join(t, "one.snap")
        with open(snap, "w") as f:
            f.write("geometry = x86_64\nvma 0x200000-0x400000 hugepage\n"
                    "pmd 0x200000 table\nptes = P*512\nend 1 1\n")
        calls = [("run", scn), ("decide", "P*512"), ("rounds", scn),
                 ("diff", "--models", "v15,v19", scn), ("verify",),
                 ("predict", snap),
                 ("kcheck", os.path.join(SRCDIR, "tests", "kcheck",
                                         "khugepaged-walk.c"),
                  "--bitmaps", "1", "--random", "1"),
                 ("models",), ("geometries",)]
        if os.path.exists("/sys/kernel/mm/transparent_hugepage/enabled"):
            calls.append(("settings",))
        for call in calls:
            code, out, err = run(*call, "--json")
            doc = json.loads(out)
            assert isinstance(doc, dict) and doc["command"] == call[0], \
                (call, out[:200], err)



def fake_image(d, name, at, magic):
    """A file that is a kernel image's header and nothing more: the magic
    the image's architecture is told by, at its offset."""
    image = os.path.join(d, name)
    with open(image, "wb") as f:
        head = bytearray(4096)
        head[at:at + len(magic)] = magic
        f.write(head)
    return image


@test
def ktest_kernel_checks_what_goes_into_the_guest():
    # an arm64 kernel (its Image header: the magic at 0x38) and no guest
    # programs fit for it: each refusal names the file and what is wrong,
    # exit 2, before anything boots
    with tempfile.TemporaryDirectory() as t:
        image = fake_image(t, "Image", 0x38, b"ARM\x64")
        guest = os.path.join(t, "guest")
        os.makedirs(guest)
        env = dict(os.environ, MTHPSIM_GUEST_DIR=guest)
        p = subprocess.run([MTHPSIM, "ktest", "--kernel", image], env=env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "mthpsim-arm64" in p.stderr, p.stderr
        # this machine's own programs, for the wrong machine
        shutil.copy(MTHPSIM, os.path.join(guest, "mthpsim-arm64"))
        shutil.copy(MTHPSIM, os.path.join(guest, "busybox-arm64"))
        p = subprocess.run([MTHPSIM, "ktest", "--kernel", image], env=env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "is built for x86_64, the guest is arm64" in p.stderr, \
            p.stderr
        env["MTHPSIM_BUSYBOX_ARM64"] = os.path.join(t, "no-busybox")
        p = subprocess.run([MTHPSIM, "ktest", "--kernel", image], env=env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "no-busybox" in p.stderr and \
            "MTHPSIM_BUSYBOX_ARM64" in p.stderr, p.stderr
        # an image that is none of the three
        with open(image, "wb") as f:
            f.write(b"\0" * 4096)
        p = subprocess.run([MTHPSIM, "ktest", "--kernel", image], env=env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "not a kernel image this knows" in p.stderr, p.stderr
    # --case with --kernel names its suite
    p = subprocess.run([MTHPSIM, "ktest", "--kernel", "/nonexistent", "--case", "full"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "--madvise or --khugepaged" in p.stderr, p.stderr


@test
def ktest_options_that_do_not_go_together():
    # each refused before a setting is read or a guest is made: exit 2,
    # the option named; nothing printed on standard output
    cases = [
        (["--kernel", "/nonexistent", "--madvise", "--case", "no-such-case"],
         "--case no-such-case: the MADV_COLLAPSE suite has no such case"),
        (["--kernel", "/nonexistent", "--khugepaged", "--case", "k-none0-full", "x.scn"],
         "give it or files, not both"),
        (["--kernel", "/nonexistent", "--list"], "--list is for the running kernel"),
        (["--kernel", "/nonexistent", "--restore"], "--restore is for the running kernel"),
        (["--kernel", "/nonexistent", "--timeout", "0"], "--timeout 0"),
        (["--kernel", "/nonexistent", "--timeout", "x"], "--timeout"),
        (["--modules", "/tmp"], "--modules goes with --kernel"),
        (["--accel", "tcg"], "--accel goes with --kernel"),
        (["--madvise"], "--madvise goes with --kernel"),
        (["--restore", "x.scn"], "--restore takes no scenario"),
        (["--no-such-option"], "usage"),
        (["--case"] * 1 + ["full"] + ["--case", "full"] * 64, "--case: at most 64"),
    ]
    for args, said in cases:
        p = subprocess.run([MTHPSIM, "ktest", *args], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert said.lower() in p.stderr.lower(), (args, p.stderr)
        assert p.stdout == "", (args, p.stdout)
    # --accel names one of the two
    with tempfile.TemporaryDirectory() as t:
        image = fake_image(t, "bzImage", 0x202, b"HdrS")
        p = subprocess.run([MTHPSIM, "ktest", "--kernel", image, "--accel", "xen"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "--accel xen: kvm or tcg" in p.stderr, p.stderr


report()
