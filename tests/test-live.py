#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The running machine's THP settings: mthpsim settings on a sysfs tree
made by hand (the expected keys written out below) and on this machine,
and --settings live|FILE. Printed as TAP."""
import json
import mmap
import subprocess
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mthptest import report, run as run_prog, test  # noqa: E402

MTHPSIM, SRCDIR = sys.argv[1], sys.argv[2]
EX = os.path.join(SRCDIR, "examples")
SYS = "/sys/kernel/mm/transparent_hugepage"


def run(*args, stdin=None):
    return run_prog(MTHPSIM, *args, stdin=stdin, timeout=120)


def fake_sysfs(d, enabled, sizes, none=511, swap=64, shared=256, pmd=2097152):
    """A copy of the sysfs tree with the given contents, as cat shows them."""
    os.makedirs(os.path.join(d, "khugepaged"), exist_ok=True)
    with open(os.path.join(d, "enabled"), "w") as f:
        f.write(enabled + "\n")
    with open(os.path.join(d, "hpage_pmd_size"), "w") as f:
        f.write(f"{pmd}\n")
    for kb, v in sizes.items():
        os.makedirs(os.path.join(d, f"hugepages-{kb}kB"), exist_ok=True)
        with open(os.path.join(d, f"hugepages-{kb}kB", "enabled"), "w") as f:
            f.write(v + "\n")
    for k, v in (("max_ptes_none", none), ("max_ptes_swap", swap),
                 ("max_ptes_shared", shared)):
        with open(os.path.join(d, "khugepaged", k), "w") as f:
            f.write(f"{v}\n")


@test
def settings_from_a_tree():
    with tempfile.TemporaryDirectory() as d:
        fake_sysfs(d, "always [madvise] never",
                   {16: "always inherit madvise [never]",
                    64: "[always] inherit madvise never",
                    2048: "always [inherit] madvise never"}, none=0)
        code, out, err = run("settings", "--root", d)
        assert code == 0, err
        lines = [l for l in out.splitlines() if not l.startswith("#")]
        # hand-written: the sizes the tree lacks keep the kernel default
        assert lines[1:] == [
            "enabled = madvise",
            "hugepages-16kB/enabled = never",
            "hugepages-32kB/enabled = never",
            "hugepages-64kB/enabled = always",
            "hugepages-128kB/enabled = never",
            "hugepages-256kB/enabled = never",
            "hugepages-512kB/enabled = never",
            "hugepages-1024kB/enabled = never",
            "hugepages-2048kB/enabled = inherit",
            "max_ptes_none = 0",
            "max_ptes_swap = 64",
            "max_ptes_shared = 256",
        ], lines
        # a plain VMA: only 64K is always; the PMD size inherits madvise
        assert "collapses to in a plain anonymous VMA: 4" in out, out
        code, out, err = run("settings", "--json", "--root", d)
        s = json.loads(out)
        assert s["command"] == "settings" and s["enabled_orders"] == [4]
        assert s["settings"]["hugepages-64kB"] == "always"


@test
def settings_errors_name_the_file():
    with tempfile.TemporaryDirectory() as d:
        code, out, err = run("settings", "--root", d)
        assert code == 2 and os.path.join(d, "hpage_pmd_size") in err, err
        fake_sysfs(d, "always [sometimes] never", {})
        code, out, err = run("settings", "--root", d)
        assert code == 2 and os.path.join(d, "enabled") in err and \
            "unknown value 'sometimes'" in err, err
        fake_sysfs(d, "[always] madvise never", {}, none=4096)
        code, out, err = run("settings", "--root", d)
        assert code == 2 and "max_ptes_none" in err and "out of range" in err


@test
def settings_file_round_trip():
    # what settings prints, --settings reads back: same settings object
    with tempfile.TemporaryDirectory() as d:
        fake_sysfs(os.path.join(d, "sys"), "[always] madvise never",
                   {32: "[always] inherit madvise never"}, none=0)
        code, out, err = run("settings", "--root", os.path.join(d, "sys"))
        path = os.path.join(d, "machine.settings")
        with open(path, "w") as f:
            f.write(out)
        code, out, err = run("run", "--json", "--settings", path,
                             os.path.join(EX, "none0-second-window.scn"))
        assert code == 0, err
        r = json.loads(out)
        assert r["settings"]["max_ptes_none"] == 0
        assert r["enabled_orders"] == [3, 9], r["enabled_orders"]
        # and the options after it still win
        code, out, err = run("run", "--json", "--settings", path, "--orders",
                             "pmd", os.path.join(EX, "none0-second-window.scn"))
        assert json.loads(out)["enabled_orders"] == [9]
        # 15 lines: 2 comments, geometry, enabled, 8 sizes, 3 sysctls
        with open(path, "a") as f:
            f.write("max_ptes_swap = lots\n")
        code, out, err = run("run", "--settings", path,
                             os.path.join(EX, "uffd.scn"))
        assert code == 2 and "machine.settings:16:17: max_ptes_swap 'lots'" in err, err


@test
def this_machine():
    if not os.path.exists(os.path.join(SYS, "enabled")):
        print("# no /sys/kernel/mm/transparent_hugepage here: skipped")
        return
    code, out, err = run("settings")
    assert code == 0, err
    with open(os.path.join(SYS, "enabled")) as f:
        top = f.read().split("[")[1].split("]")[0]
    assert f"enabled = {top}" in out, out
    code, out, err = run("run", "--json", "--settings", "live",
                         os.path.join(EX, "uffd.scn"))
    assert code == 0 and json.loads(out)["settings"]["enabled"] == top


@test
def snapshot_command():
    if not os.path.exists(os.path.join(SYS, "enabled")):
        print("# no THP sysfs here: skipped")
        return
    with tempfile.TemporaryDirectory() as d:
        out_path = os.path.join(d, "self.snap")
        code, out, err = run("snapshot", "-o", out_path, "self")
        assert code == 0, err
        with open(out_path) as f:
            text = f.read()
        assert text.startswith("# mthpsim snapshot of process "), text[:80]
        assert "the process was not stopped" in text
        assert "\nunknown = young" in text and "\nvma 0x" in text
    for args, needle in ((["abc"], "PID 'abc' is not a number"),
                         (["4194304"], "no process 4194304"),
                         ([], "expected one PID"),
                         (["-o", "/nonexistent/dir/x", "self"], "/nonexistent/dir/x")):
        code, out, err = run("snapshot", *args)
        assert code == 2 and needle in err, (args, code, err)


@test
def moving_and_kernel_processes():
    if not os.path.exists(os.path.join(SYS, "enabled")):
        print("# no THP sysfs here: skipped")
        return
    # a kernel thread has no user memory: said so, not "no process"
    code, out, err = run("snapshot", "2")
    assert code == 2 and "kernel thread" in err, err
    # a process that exits while it is read: a whole snapshot or an
    # error, never a partial one passed as whole. The process writes 5
    # private mappings of 4 MiB (5120 pages) and exits, without unmapping
    # them, about when it is read.
    prog = ("import mmap, sys, time\n"
            "m = [mmap.mmap(-1, 4 << 20, flags=mmap.MAP_PRIVATE) for _ in range(5)]\n"
            "[x.write(b'x' * (4 << 20)) for x in m]\n"
            "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
            "time.sleep(float(sys.argv[1]))\n"
            "import os; os._exit(0)\n")  # exits with its mappings in place
    import re
    outcomes = {"whole": 0, "refused": 0}
    for i in range(30):
        p = subprocess.Popen([sys.executable, "-c", prog, str(0.01 * i)],
                             stdout=subprocess.PIPE)
        p.stdout.readline()
        code, out, err = run("snapshot", str(p.pid))
        p.wait()
        if code == 0:
            present = sum(int(n or 1) for n in re.findall(r"(?<![\w*])[Pp](?:\*(\d+))?", out))
            assert present >= 5 * 1024, (i, present)
            outcomes["whole"] += 1
        else:
            assert code == 2 and ("exited" in err or "no process" in err or
                                  "kernel thread" in err), (i, code, err)
            outcomes["refused"] += 1
    print(f"# 30 snapshots of exiting processes: {outcomes}")


SNAP_BODY = """geometry = x86_64
enabled = always
hugepages-64kB/enabled = always
max_ptes_none = 0
unknown = young
vma 0x10000000-0x10800000 none
pmd 0x10000000 table
ptes = P*100 .*412
pmd 0x10200000 mapped
pmd 0x10400000 none
pmd 0x10600000 table
ptes = P*512
vma 0x20000000-0x20200000 nohugepage
pmd 0x20000000 table
ptes = P*512
"""
# two VMAs, five PMD records: the end line says so (format 2)
SNAP = SNAP_BODY + "end 2 5\n"


@test
def predict_says_why_not_eligible():
    # enabled = madvise, the first VMA without MADV_HUGEPAGE (2 ranges),
    # the second MADV_NOHUGEPAGE (1): each reason named with its ranges;
    # with enabled never, the PMD size (inherit) has nothing to inherit
    snap = ("geometry = x86_64\nenabled = madvise\nmax_ptes_none = 0\n"
            "vma 0x10000000-0x10400000 none\n"
            "pmd 0x10000000 table\nptes = P*512\npmd 0x10200000 table\nptes = P*512\n"
            "vma 0x20000000-0x20200000 nohugepage\npmd 0x20000000 table\nptes = P*512\n"
            "end 2 3\n")
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "m.snap")
        with open(f, "w") as out:
            out.write(snap)
        code, out, err = run("predict", f)
        assert code == 0, err
        assert ("not eligible: 2 PMD ranges in 1 VMA: the VMA has no MADV_HUGEPAGE, "
                "which enabled = madvise needs") in out, out
        assert "not eligible: 1 PMD range in 1 VMA: MADV_NOHUGEPAGE on the VMA" in out, out
        assert "what kept scanned ranges from collapsing: no range was scanned" in out, out
        code, out, err = run("predict", "--enabled", "never", f)
        assert ("no THP size is enabled: enabled = never, hugepages-2048kB/enabled = "
                "inherit, every other size never") in out, out
        code, out, err = run("predict", "--json", f)
        why = [v.get("not_eligible_because") for v in json.loads(out)["vmas"]]
        assert why == ["the VMA has no MADV_HUGEPAGE, which enabled = madvise needs",
                       "MADV_NOHUGEPAGE on the VMA"], why


@test
def predict_hand_written():
    # by hand: VMA 1 gets orders 4 and 9. Range 0 (100 pages, max_ptes_none
    # 0): six full 64K windows (0..95); range 3 (full): one PMD collapse;
    # one range already mapped, one without a table. The nohugepage VMA is
    # not eligible. With max_ptes_none 511 both scanned ranges become PMDs:
    # 412 pages (1648 KiB) added.
    with tempfile.TemporaryDirectory() as d:
        snap = os.path.join(d, "t.snap")
        svg = os.path.join(d, "t.svg")
        with open(snap, "w") as f:
            f.write(SNAP)
        code, out, err = run("predict", "--json", "--svg", svg, "--compare",
                             "max_ptes_none=511", snap)
        assert code == 0, err
        p = json.loads(out)
        assert p["command"] == "predict" and p["model"] == "latest"
        v0, v1 = p["vmas"]
        assert (v0["start"], v0["end"], v0["flags"]) == ("0x10000000", "0x10800000", [])
        assert (v0["pmd_ranges"], v0["scanned"], v0["already_huge"],
                v0["no_table"], v0["not_eligible"]) == (4, 2, 1, 1, 0), v0
        assert v0["collapses"] == {"4": 6, "9": 1}, v0["collapses"]
        assert (v0["present_before"], v0["present_after"]) == (1124, 1124)
        assert v0["unknown"] == ["young"]
        assert v1["flags"] == ["nohugepage"] and v1["not_eligible"] == 1
        t = p["total"]
        assert t["pmd_ranges"] == 5 and t["huge_after"] == {"4": 96, "9": 1024}
        c = p["compare"][0]["total"]
        assert c["collapses"] == {"9": 2} and c["added_kib"] == 1648, c
        # the picture: valid XML, a cell per PMD range, the JSON's totals
        import xml.etree.ElementTree as ET
        root = ET.parse(svg).getroot()
        ns = "{http://www.w3.org/2000/svg}"
        cells = [r for r in root.iter(ns + "rect") if r.get("class") == "pmd"]
        assert len(cells) == t["pmd_ranges"]
        outcomes = sorted(int(r.get("data-outcome")) for r in cells)
        # not eligible 0, no table 1, already huge 2, mTHP 4, PMD 5
        assert outcomes == [0, 1, 2, 4, 5], outcomes
        tot = [x for x in root.iter(ns + "text") if x.get("class") == "totals"][0]
        assert int(tot.get("data-present-after")) == t["present_after"]
        assert int(tot.get("data-scanned")) == t["scanned"]
        # the text's comparison, worked the same way: with orders=4 alone,
        # range 0 gives its six full 64K windows and range 3 thirty-two
        # (38); nothing is added (pages before: 100 + 512 mapped + 512 +
        # the nohugepage VMA's 512 = 1636)
        code, out, err = run("predict", "--compare", "max_ptes_none=511", "--compare",
                             "orders=4", snap)
        assert code == 0, err
        rows = {line[:28].strip(): line[28:].split() for line in out.splitlines()
                if line[:28].strip() in ("scanned", "collapses", "present after", "KiB added")}
        assert rows == {"scanned": ["2", "2", "2"], "collapses": ["7", "2", "38"],
                        "present after": ["1636", "2048", "1636"],
                        "KiB added": ["0", "1648", "0"]}, out


@test
def predict_columns_line_up():
    # a VMA label longer than the first column's usual 36 characters: every
    # row's numbers end where the header's names end
    snap = SNAP.replace("vma 0x20000000-0x20200000 nohugepage",
                        "vma 0x7f0000000000-0x7f0000200000 nohugepage thp_disabled")
    snap = snap.replace("pmd 0x20000000", "pmd 0x7f0000000000")
    code, out, err = run("predict", "-", stdin=snap)
    assert code == 0, err
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith("VMA "))
    rows = lines[head + 1:head + 4]
    assert rows[1].startswith("0x7f0000000000-0x7f0000200000 nohugepage thp_disabled ")
    assert rows[2].startswith("total "), rows
    for name in ("PMDs", "scanned", "no-table", "not-elig", "huge"):
        end = lines[head].index(name) + len(name)
        for r in rows:
            assert r[end - 1].isdigit() and r[end] == " ", (name, r)
    # a --compare column as wide as its settings: named whole, its
    # numbers under it
    spec = "max_ptes_none=511,orders=all"
    code, out, err = run("predict", "--compare", spec, "-", stdin=snap)
    assert code == 0, err
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith("compared (totals)"))
    assert lines[head].rstrip().endswith(" " + spec), lines[head]
    col = lines[head].index(spec)
    for r in lines[head + 1:head + 5]:
        assert r[col - 1] == " " and r[col].isdigit(), r


@test
def predict_young_rounds_and_scenarios():
    with tempfile.TemporaryDirectory() as d:
        snap = os.path.join(d, "t.snap")
        with open(snap, "w") as f:
            f.write(SNAP)
        # none young: every scanned range fails for lack of referenced pages
        code, out, err = run("predict", "--json", "--young", "none", snap)
        t = json.loads(out)["total"]
        assert t["collapses"] == {} and t["results"] == {"SCAN_LACK_REFERENCED_PAGE": 2}, t
        # the same in words: the one mapped PMD stays the only huge folio
        code, out, err = run("predict", "--young", "none", snap)
        assert code == 0, err
        assert ("mapped by huge folios, before -> after: 2048kB 2048 -> 2048 KiB\n"
                "what kept scanned ranges from collapsing: "
                "SCAN_LACK_REFERENCED_PAGE 2\n") in out, out
        # all young (predict_hand_written): six 64K folios and one more PMD
        code, out, err = run("predict", snap)
        assert ("mapped by huge folios, before -> after: "
                "64kB 0 -> 384 KiB; 2048kB 2048 -> 4096 KiB\n") in out, out
    # a scenario is a one-PMD snapshot; the scaled model creeps: 2 touched
    # pages, one order a visit from 2 to 9 (docs/MODELS.md section 9):
    # eight visits collapse, the ninth finds nothing to do
    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "creep.svg")
        code, out, err = run("predict", "--json", "--rounds", "--model", "scaled",
                             "--svg", svg, os.path.join(EX, "creep-scaled-256.scn"))
        t = json.loads(out)["total"]
        assert code == 0 and t["rounds"] == 9 and t["present_after"] == 512, t
        assert t["collapses"] == {str(k): 1 for k in range(2, 10)}, t
        import xml.etree.ElementTree as ET
        root = ET.parse(svg).getroot()
        lines = [p for p in root.iter("{http://www.w3.org/2000/svg}polyline")]
        assert len(lines) == 2 and all(len(p.get("points").split()) == 10 for p in lines)
    code, out, err = run("predict", "--json", os.path.join(EX, "none0-second-window.scn"))
    t = json.loads(out)["total"]
    # the run example: (0,2) (8,3) ... (256,8), one collapse per order 2..8
    assert t["collapses"] == {str(k): 1 for k in range(2, 9)}, t


@test
def unknowns_are_said():
    # what a snapshot without PFNs could not know is said in what predict
    # prints and in its JSON, per VMA and in total
    snap = SNAP.replace("unknown = young", "unknown = young folio zero")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "nopfn.snap")
        with open(path, "w") as f:
            f.write(snap)
        code, out, err = run("predict", "--json", path)
        p = json.loads(out)
        assert p["total"]["unknown"] == ["young", "folio", "zero"]
        assert all(v["unknown"] == ["young", "folio", "zero"] for v in p["vmas"])
        code, out, err = run("predict", "--young", "none", path)
        assert "the young bit (taken as none young" in out, out
        assert "folio sizes (no PFNs" in out and "the zero page (no PFNs" in out
        code, out, err = run("predict", "--json", os.path.join(EX, "uffd.scn"))
        assert json.loads(out)["total"]["unknown"] == []


@test
def predict_errors():
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.snap")
        with open(bad, "w") as f:
            f.write("vma 0x0-0x400000 none\npmd 0x1000 table\n")
        snap = os.path.join(d, "t.snap")
        with open(snap, "w") as f:
            f.write(SNAP)
        for args, needle in ((["predict", bad], "bad.snap:2:5: pmd: want a 0x address"),
                             (["predict", "--geometry", "s390x", snap], "--geometry"),
                             (["predict", "--compare", "max_ptes_none", snap], "KEY=VALUE"),
                             (["predict", "--compare", "max_ptes_none=999", snap], "out of range"),
                             (["predict", "--young", "some", snap], "--young"),
                             (["predict", "4194304"], "no process")):
            code, out, err = run(*args)
            assert code == 2 and needle in err, (args, err)


@test
def hostile_streams():
    # a stream with no newline is refused at the line limit, not read on
    # without bound; a snapshot cut at a line's end is refused, and so is
    # a range at the top of the address space that would wrap
    with open("/dev/zero", "rb") as z:
        p = subprocess.run([MTHPSIM, "predict", "-"], stdin=z,
                           capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "longer than" in p.stderr, p.stderr
    cut = SNAP_BODY[:SNAP_BODY.index("vma 0x20000000")]
    code, out, err = run("predict", "-", stdin=cut)
    assert code == 2 and "without its 'end' line" in err, err
    wrap = ("geometry = x86_64\nvma 0xffffffffffe00000-0xffffffffffe01000 none\n"
            "pmd 0xffffffffffe00000 table\nptes = P*512\nend 1 1\n")
    code, out, err = run("predict", "-", stdin=wrap)
    assert code == 2 and "<stdin>:3:5:" in err and "not inside" in err, err
    for cmd in ("run", "decide"):
        code, out, err = run(cmd, "@/dev/null" if cmd == "decide" else "/dev/null")
        assert code == 2, (cmd, code, err)
    # a head of 800 KB of short lines is read in linear time (it was
    # grown once per line: minutes under the address sanitizer)
    head = "# a comment line of a head\n" * 30000 + "vma 0x0-0x200000 none\nend 1 0\n"
    p = subprocess.run([MTHPSIM, "predict", "-"], input=head, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr


@test
def predict_and_run_agree_in_both_modes():
    # predict on a one-range snapshot and run on the same table, in
    # khugepaged mode and in MADV_COLLAPSE mode (which ignores the
    # max_ptes_* limits: a range shared with another process collapses)
    tables = ("S*300 P*212", "S*512", "P*100 .*412", "p*512", "w*10 P*502",
              "P*511 .")
    for mode in ("khugepaged", "madvise"):
        for t in tables:
            code, out, err = run("run", "--json", "--mode", mode, "-",
                                 stdin=f"vma = hugepage\nptes = {t}\n")
            assert code == 0, err
            r = json.loads(out)
            snap = (f"geometry = x86_64\nvma 0x200000-0x400000 hugepage\n"
                    f"pmd 0x200000 table\nptes = {t}\nend 1 1\n")
            code, out, err = run("predict", "--json", "--mode", mode, "-",
                                 stdin=snap)
            assert code == 0, err
            total = json.loads(out)["total"]
            want = {}
            for c in r["collapses"]:
                want[str(c["order"])] = want.get(str(c["order"]), 0) + 1
            assert total["collapses"] == want, (mode, t, total, r["collapses"])
            if not r["collapses"]:
                assert total["results"] == {r["result"]: 1}, (mode, t, total, r["result"])


@test
def write_errors_are_1_and_said_once():
    if not os.path.exists("/dev/full"):
        print("# no /dev/full here: skipped")
        return
    with tempfile.TemporaryDirectory() as d:
        snap = os.path.join(d, "t.snap")
        with open(snap, "w") as f:
            f.write(SNAP)
        code, out, err = run("predict", "--svg", "/dev/full", snap)
        assert code == 1 and err.count("No space left") == 1, (code, err)
        with open("/dev/full", "w") as full:
            p = subprocess.run([MTHPSIM, "snapshot", "self"], stdout=full,
                               stderr=subprocess.PIPE, text=True, timeout=60)
        assert p.returncode == 1 and p.stderr.count("No space left") == 1, p.stderr
        # "-o -" is standard output, as "-" is standard input
        code, out, err = run("snapshot", "-o", "-", "self")
        assert code == 0 and out.startswith("# mthpsim snapshot"), err
        assert not os.path.exists(os.path.join(os.getcwd(), "-"))


@test
def predict_streams():
    # a file and standard input are read the same way, a record at a
    # time: the same report; an error after good records is located and
    # nothing is printed before it
    with tempfile.TemporaryDirectory() as d:
        snap = os.path.join(d, "t.snap")
        with open(snap, "w") as f:
            f.write(SNAP)
        code, from_file, err = run("predict", "--json", "--compare", "orders=9", snap)
        assert code == 0, err
        code, from_stdin, err = run("predict", "--json", "--compare", "orders=9", "-",
                                    stdin=SNAP)
        assert code == 0, err
        assert json.loads(from_file) == json.loads(from_stdin)
        # line 18 (SNAP_BODY has 15): the third VMA's first range, after five good ones
        late = SNAP_BODY + "vma 0x30000000-0x30200000 none\npmd 0x30000000 table\nptes = P*3\n"
        assert late.count("\n") == 18
        with open(snap, "w") as f:
            f.write(late)
        code, out, err = run("predict", snap)
        assert code == 2 and out == "", (code, out)
        assert "t.snap:18:8: the map has 3 PTEs" in err, err
        code, out, err = run("predict", os.path.join(d, "missing.snap"))
        assert code == 2 and "missing.snap" in err and out == "", err


def predict_peak_kib(nvmas, *args):
    """predict over a stream of nvmas VMAs (one 100-page range each) on
    standard input, written as it reads; its exit status, output, and
    peak resident memory in KiB."""
    import threading
    # an address sanitizer build keeps freed memory in quarantine (256 MiB
    # by default), which would look like growth: none here
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = dict(os.environ, ASAN_OPTIONS=(asan + ":" if asan else "") +
               "quarantine_size_mb=0:thread_local_quarantine_size_kb=0")
    p = subprocess.Popen([MTHPSIM, "predict", *args, "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

    def feed():
        p.stdin.write(b"geometry = x86_64\nenabled = always\nhugepages-64kB/enabled = always\n"
                      b"max_ptes_none = 0\nunknown = young\n")
        for i in range(nvmas):
            a = 0x10000000 + i * 0x400000
            p.stdin.write(b"vma 0x%x-0x%x none\npmd 0x%x table\nptes = P*100 .*412\n"
                          % (a, a + 0x200000, a))
        p.stdin.write(b"end %d %d\n" % (nvmas, nvmas))
        p.stdin.close()
    out = []
    t = threading.Thread(target=feed)
    r = threading.Thread(target=lambda: out.append(p.stdout.read()))
    t.start()
    r.start()
    err = p.stderr.read()
    t.join()
    r.join()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, out[0].decode(), err.decode(), usage.ru_maxrss


@test
def predict_memory_does_not_grow_with_vmas():
    # the manual: a snapshot is streamed, VMA by VMA, and memory does not
    # grow with their number - 100,000 VMAs in the memory of 1,000
    for args in ([], ["--json", "--compare", "max_ptes_none=511"]):
        code, out, err, small = predict_peak_kib(1000, *args)
        assert code == 0, err
        code, out, err, big = predict_peak_kib(100000, *args)
        assert code == 0, err
        if args:
            d = json.loads(out)
            assert len(d["vmas"]) == 100000, len(d["vmas"])
            # by hand: 100 present pages, max_ptes_none 0: six full 64K
            # windows (96 pages) per range
            assert d["total"]["collapses"] == {"4": 600000}, d["total"]["collapses"]
        else:
            assert out.count("\n0x") == 100000, out[-400:]
        assert big <= small + 1024, (args, small, big)


@test
def predict_this_process():
    if not os.path.exists(os.path.join(SYS, "enabled")):
        print("# no THP sysfs here: skipped")
        return
    with tempfile.TemporaryDirectory() as d:
        svg = os.path.join(d, "self.svg")
        code, out, err = run("predict", "--json", "--svg", svg, "self")
        assert code == 0, err
        p = json.loads(out)
        import xml.etree.ElementTree as ET
        root = ET.parse(svg).getroot()
        cells = [r for r in root.iter("{http://www.w3.org/2000/svg}rect")
                 if r.get("class") == "pmd"]
        assert len(cells) == p["total"]["pmd_ranges"]
        assert "young" in p["total"]["unknown"]


@test
def pfns_hidden_without_sys_admin():
    # pagemap shows PFNs only to CAP_SYS_ADMIN: without it folio sizes and
    # the zero page cannot be known, and predict says so; with it they can
    import mmap
    import shutil
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        print("# not root, or no setpriv: skipped")
        return
    if not os.path.exists(os.path.join(SYS, "enabled")):
        print("# no THP sysfs here: skipped")
        return
    # 8 MiB written page by page: at least one whole PMD range of present
    # PTEs (4K pages here: a PMD-mapped range counts the same)
    m = mmap.mmap(-1, 8 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    for i in range(0, 8 << 20, mmap.PAGESIZE):
        m[i] = 1
    pid = str(os.getpid())
    code, out, err = run("predict", "--json", pid)
    assert code == 0, err
    assert json.loads(out)["total"]["unknown"] == ["young"], out
    p = run_prog("setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin",
                 "--", MTHPSIM, "predict", "--json", pid)
    assert p[0] == 0, p[2]
    assert json.loads(p[1])["total"]["unknown"] == ["young", "folio", "zero"], p[1]
    m.close()


@test
def sysfs_spellings_in_scenarios():
    scn = ("enabled = always [madvise] never\n"
           "hugepages-64kB/enabled = [always] inherit madvise never\n"
           "ptes = P*512\n")
    code, out, err = run("run", "--json", "-", stdin=scn)
    d = json.loads(out)
    assert d["settings"]["enabled"] == "madvise"
    assert d["enabled_orders"] == [4]
    code, out, err = run("run", "-", stdin="hugepages-8kB/enabled = always\nptes = P*512\n")
    assert code == 2 and "<stdin>:1:11: hugepages-8kB/enabled: 8kB is not an anonymous THP size" in err, err

# tests/live-holder.c: a process holding 8 whole PMD ranges of small
# pages, in range i the first 64 * (i + 1) written, the rest none; its
# mapping is not MADV_HUGEPAGE, so under "enabled = madvise" khugepaged
# leaves it alone and what predict reads stays put while it runs.
HOLDER = sys.argv[3]


# A coverage build's counters are plain memory: two workers running the
# same code tear them and gcov then reports negative counts. There one
# worker reads every process (atomic counters would make every test of
# that build slower by half); the other builds run two.
JOBS = ["--jobs", "1"] if os.environ.get("MTHP_COVERAGE_BUILD") else ["--jobs", "2"]


def holder():
    p = subprocess.Popen([HOLDER], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def whole_machine_usable():
    if os.geteuid() != 0 or not os.path.exists(os.path.join(SYS, "enabled")):
        print("# predict --all: needs root and THP sysfs (PFNs, every process): skipped")
        return False
    if "[always]" in open(os.path.join(SYS, "enabled")).read() or mmap.PAGESIZE != 4096:
        print("# predict --all: THP enabled = always (faults map THPs) or not 4K pages: skipped")
        return False
    return True


@test
def predict_all_processes():
    if not whole_machine_usable():
        return
    p = holder()
    try:
        code, out, err = run("predict", "--all", "--json", "--enabled", "always",
                             "--compare", "max_ptes_none=255", *JOBS)
        assert code == 0, err
        d = json.loads(out)
        rows = {r["pid"]: r for r in d["processes"]}
        assert p.pid in rows, f"{p.pid} not among {sorted(rows)}"
        r = rows[p.pid]
        # worked by hand: with max_ptes_none 511 every range collapses to
        # a PMD; present 64 * (1 + ... + 8) = 2304 pages -> 8 * 512 = 4096
        assert r["pmd_ranges"] == 8 and r["collapses"] == {"9": 8}, r
        assert (r["present_before"], r["present_after"]) == (2304, 4096), r
        assert r["added_kib"] == (4096 - 2304) * 4, r
        assert r["anonymous_kib"] >= 2304 * 4, r
        # max_ptes_none 255: ranges with at least 257 pages, the 320, 384,
        # 448 and 512 ones, add 192 + 128 + 64 + 0 pages
        c = r["compare"][0]
        assert c["settings"] == "max_ptes_none=255" and c["collapses"] == {"9": 4}, c
        assert c["added_kib"] == (192 + 128 + 64) * 4, c
        # the ones the settings change most first; the total adds them up
        added = [x["added_kib"] for x in d["processes"]]
        assert added == sorted(added, reverse=True), added
        assert d["total"]["processes"] == len(d["processes"])
        assert d["total"]["added_kib"] == sum(added)
        assert d["skipped"]["kernel_threads"] >= 1, d["skipped"]
        # one process alone says the same
        code, out, err = run("predict", "--json", "--enabled", "always", str(p.pid))
        assert code == 0, err
        one = json.loads(out)["total"]
        for k in ("pmd_ranges", "collapses", "present_before", "present_after", "added_kib"):
            assert one[k] == r[k], (k, one[k], r[k])
        # the text report: a row for it, and the total line
        code, out, err = run("predict", "--all", "--enabled", "always", "--jobs", "1")
        assert code == 0, err
        line = [l for l in out.splitlines() if l.split()[:1] == [str(p.pid)]]
        assert line and "2048kB:8" in line[0] and "+7168" in line[0], out
        assert any(l.startswith("total") for l in out.splitlines()), out
        assert "kernel threads" in out, out
    finally:
        p.stdin.close()
        p.wait()


@test
def predict_cgroup():
    if not whole_machine_usable():
        return
    # the v2 hierarchy: /sys/fs/cgroup, or /sys/fs/cgroup/unified on a
    # machine that mounts v1 and v2 side by side
    roots = [l.split()[1] for l in open("/proc/self/mounts") if l.split()[2] == "cgroup2"]
    if not roots:
        print("# predict --cgroup: no cgroup v2 hierarchy mounted: skipped")
        return
    root = roots[0]
    name = f"mthpsim-test-{os.getpid()}"
    group = os.path.join(root, name)
    p = holder()
    try:
        os.mkdir(group)
        with open(os.path.join(group, "cgroup.procs"), "w") as f:
            f.write(str(p.pid))
        code, out, err = run("predict", "--cgroup", name, "--json", "--enabled", "always", *JOBS)
        assert code == 0, err
        d = json.loads(out)
        assert [r["pid"] for r in d["processes"]] == [p.pid], d["processes"]
        assert d["scope"] == "cgroup" and d["total"]["added_kib"] == 7168, d["total"]
        # the same group by its absolute path, in text
        code, out, err = run("predict", "--cgroup", group, "--enabled", "always", *JOBS)
        assert code == 0 and "+7168" in out and f"{group}: 1 process with anonymous memory" in out, out
    finally:
        p.stdin.close()
        p.wait()
        if os.path.isdir(group):
            os.rmdir(group)


@test
def predict_all_errors():
    code, out, err = run("predict", "--cgroup", "no/such/group")
    assert code == 2 and "no/such/group" in err and "cgroup.procs" in err, err
    code, out, err = run("predict", "--all", "self")
    assert code == 2 and "--all takes no SNAPSHOT or PID" in err, err
    code, out, err = run("predict", "--all", "--cgroup", "x")
    assert code == 2 and "one or the other" in err, err
    code, out, err = run("predict", "--jobs", "2", "self")
    assert code == 2 and "--jobs goes with --all" in err, err
    code, out, err = run("predict", "--all", "--jobs", "0")
    assert code == 2 and "--jobs" in err, err
    code, out, err = run("predict", "--all", "--compare", "max_ptes_none=9999")
    assert code == 2 and "max_ptes_none" in err, err


report()
