#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The kernel matrix: mthpsim ktest --kernel on the distribution's own
kernel packages - 6.1, 6.12, 7.2 and 7.3, the series' merge, and 6.17 and
6.18 on either side of the last mainline change the models know (the
writable check went in 6.18), on x86_64; and the series on the other
geometries the distribution builds: ppc64le with 64K pages (radix, 32
PTEs a table), arm64 with 16K pages (2048) and with 4K - fetched at test
time into a cache outside the source tree (tests/debian_archive.py), with
a static busybox of each architecture; the static mthpsim for it comes
from the build (guest/). Each boots under QEMU with swap, plays both
suites on the guest's own geometry, and must agree with the model that
stands for its release: 0 differ, and no SKIP this machine or the guest
could have lifted. The table docs/MODELS.md shows under "The kernel matrix" is what
this test saw; MTHPSIM_UPDATE_DOCS=1 writes it there. The host's THP
settings are compared byte for byte before and after, and no QEMU may be
left. Printed as TAP."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mthptest import record, report, run as run_prog, test  # noqa: E402
import debian_archive  # noqa: E402

MTHPSIM, SRCDIR = os.path.abspath(sys.argv[1]), sys.argv[2]
OUT = sys.argv[3] if len(sys.argv) > 3 else None
ARCHIVE = debian_archive.Archive()
THP = "/sys/kernel/mm/transparent_hugepage"

# (series, the model that must stand for it (docs/MODELS.md), flavour,
# Debian architecture, the geometry the guest must report)
X86 = ("cloud-amd64", None, "x86_64")
MATRIX = [("6.1", "baseline-6.1") + X86, ("6.12", "baseline-6.12") + X86,
          ("6.17", "baseline-6.12") + X86, ("6.18", "baseline") + X86,
          ("7.2", "latest") + X86, ("7.3", "latest") + X86,
          ("7.2", "latest", "powerpc64le-64k", "ppc64el", "ppc64-radix-64k"),
          ("7.3", "latest", "arm64-16k", "arm64", "arm64-16k"),
          ("7.3", "latest", "cloud-arm64", "arm64", "arm64-4k")]
ARCH_ENV = {"arm64": "MTHPSIM_BUSYBOX_ARM64", "ppc64el": "MTHPSIM_BUSYBOX_PPC64LE"}
# MTHPSIM_KERNEL_SERIES=7.3,6.12 plays those x86_64 kernels alone (a
# coverage build's look at the guest runner), 7.3/arm64-16k another
# geometry's; the docs' table is then not compared
ONLY = [x for x in os.environ.get("MTHPSIM_KERNEL_SERIES", "").split(",") if x]
if ONLY:
    MATRIX = [row for row in MATRIX
              if (row[0] if row[3] is None else row[0] + "/" + row[4]) in ONLY]
ROWS = []
BEGIN, END = "<!-- kernel-matrix: begin -->", "<!-- kernel-matrix: end -->"


def thp_settings():
    """Every file under the host's THP directory, as its bytes."""
    out = {}
    for path in sorted(glob.glob(THP + "/**", recursive=True)):
        if os.path.isfile(path) and "/stats/" not in path and \
                not path.endswith(("full_scans", "pages_collapsed")):
            try:
                out[path] = open(path, "rb").read()
            except OSError:
                pass
    return out


def qemus():
    p = subprocess.run(["pgrep", "-f", "^qemu-system"], capture_output=True, text=True)
    return p.stdout.split()


BEFORE = thp_settings()
QEMU_BEFORE = qemus()


def fetch(row):
    """What a row boots: (release, image, modules, busybox or None)."""
    series, _, flavour, arch, _ = row
    got = debian_archive.kernel_image(ARCHIVE, series, flavour, arch)
    return got + ((debian_archive.static_busybox(ARCHIVE, arch) if arch else None),)


# The fetches (network) go on in a thread of their own, in the matrix's
# order, while the kernels fetched boot (the CPU): a cold cache costs the
# downloads once, not downloads and boots one after the other.
FETCHED = {}


def prefetch():
    ARCHIVE.setup()
    for row in MATRIX:
        try:
            FETCHED[row] = ("ok", fetch(row))
        except Exception as e:  # the row's test reports it
            FETCHED[row] = ("error", e)
        READY[row].set()


READY = {row: threading.Event() for row in MATRIX}
threading.Thread(target=prefetch, daemon=True).start()


def one_kernel(series, model, flavour, arch, geometry):
    row = (series, model, flavour, arch, geometry)
    READY[row].wait()
    how, got = FETCHED[row]
    if how == "error":
        raise got
    release, image, modules, busybox = got
    env = dict(os.environ)
    if arch:
        env[ARCH_ENV[arch]] = busybox
    p = subprocess.run([MTHPSIM, "ktest", "--kernel", image, "--modules", modules, "--json"],
                       capture_output=True, text=True, timeout=1500, env=env)
    code, out, err = p.returncode, p.stdout, p.stderr
    assert code in (0, 1), (series, code, err[-3000:])
    d = json.loads(out)
    k = d["kernel"]
    assert k["release"] == release, (k, release)
    # swap in the guest: the swap scenarios are played
    assert k["swap"], ("no swap device in the guest", k, err[-1000:])
    assert len(d["suites"]) == 2, d["suites"]
    problems = []
    for s in d["suites"]:
        mode = s["mode"]
        if s["geometry"] != geometry:
            problems.append("%s: the guest's geometry is %s, want %s" % (mode, s["geometry"], geometry))
        if s["model"] != model:
            problems.append("%s: model %s, want %s (%s)" % (mode, s["model"], model,
                                                           s["model_because"]))
        causes = {}
        for c in s["cases"]:
            if c["verdict"] == "DIFFER":
                problems.append("%s: %s differs: kernel %s, model %s" %
                                (mode, c["name"], c["kernel"], c["model"]))
            if c["verdict"] == "SKIP":
                causes[c["cause"]] = causes.get(c["cause"], 0) + 1
                if c["cause"] != "kernel":
                    problems.append("%s: %s skipped (%s): %s" %
                                    (mode, c["name"], c["cause"], c["reason"]))
        t = s["totals"]
        ROWS.append((series, release, s["geometry"], s["model"],
                     "MADV_COLLAPSE" if mode == "madvise" else "khugepaged",
                     t["agree"], t["differ"], t["skip"],
                     ", ".join("%s: %d" % (c, n) for c, n in sorted(causes.items()))))
    assert not problems, (series, problems)
    assert d["totals"]["differ"] == 0, d["totals"]


for _row in MATRIX:
    record("linux_%s_%s_agrees_with_%s" % (_row[0].replace(".", "_"), _row[4].replace("-", "_"),
                                          _row[1].replace("-", "_").replace(".", "_")),
           one_kernel, *_row)


# Two ktest runs at once, in a guest (they change its THP settings): the
# second refuses and names the first's PID, the first ends as it would
# alone, and the guest's settings are as they were before either.
TWO_RUNS = r"""
t=/sys/kernel/mm/transparent_hugepage
s() { for f in $t/enabled $t/khugepaged/* $t/hugepages-*/enabled; do
  case $f in *full_scans|*pages_collapsed) ;; *) echo "$f $(cat $f)";; esac; done; }
s >/tmp/s0
/bin/mthpsim ktest --khugepaged --case k-none0-full >/tmp/a 2>&1 &
first=$!
while [ ! -e /run/mthpsim-ktest.restore ] && kill -0 $first 2>/dev/null; do sleep 0.05; done
/bin/mthpsim ktest --khugepaged --case k-none0-full >/tmp/b 2>&1
echo "second: exit $?"
echo "first: PID $first"
cat /tmp/b
wait $first
echo "first: exit $?"
s >/tmp/s1
cmp -s /tmp/s0 /tmp/s1 && echo "settings: as before" || diff /tmp/s0 /tmp/s1
"""


@test
def two_ktest_runs_in_a_guest():
    series = "7.3" if any(r[0] == "7.3" for r in MATRIX) else MATRIX[0][0]
    release, image, modules = debian_archive.kernel_image(ARCHIVE, series)
    env = dict(os.environ, MTHPSIM_GUEST_COMMAND=TWO_RUNS)
    p = subprocess.run([MTHPSIM, "ktest", "--kernel", image, "--modules", modules,
                        "--khugepaged", "--case", "k-none0-full"],
                       capture_output=True, text=True, timeout=1500, env=env)
    said = p.stderr[p.stderr.find("MTHPSIM_GUEST_COMMAND"):]
    first = [l.split()[-1] for l in said.splitlines() if l.startswith("first: PID ")]
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    assert "second: exit 2" in said and first, said
    assert "another ktest run (PID %s)" % first[0] in said, said
    assert "first: exit 0" in said, said
    assert "settings: as before" in said, said


def failing_guest(setup, *extra):
    """ktest --kernel on the x86_64 7.3 kernel (or the matrix's first)
    with a command of ours run in the guest before the suites."""
    series = "7.3" if any(r[0] == "7.3" for r in MATRIX) else MATRIX[0][0]
    release, image, modules = debian_archive.kernel_image(ARCHIVE, series)
    env = dict(os.environ, MTHPSIM_GUEST_SETUP=setup)
    return subprocess.run([MTHPSIM, "ktest", "--kernel", image, "--modules", modules,
                           "--madvise", "--case", "full", *extra],
                          capture_output=True, text=True, timeout=600, env=env)


@test
def the_bundled_examples_in_a_guest():
    # scenario files the suites do not have, two of them with one name:
    # every example agrees with the kernel in both modes, but those made
    # for another geometry or with a state userspace cannot make
    series = "7.3" if any(r[0] == "7.3" for r in MATRIX) else MATRIX[0][0]
    release, image, modules = debian_archive.kernel_image(ARCHIVE, series)
    examples = sorted(glob.glob(os.path.join(SRCDIR, "examples", "*.scn")))
    with tempfile.TemporaryDirectory() as t:
        again = os.path.join(t, "uffd.scn")
        shutil.copy(os.path.join(SRCDIR, "examples", "uffd.scn"), again)
        # laid out as an installed kernel is (ROOT/boot/vmlinuz-RELEASE,
        # ROOT/lib/modules/RELEASE), with no --modules: found there
        os.makedirs(os.path.join(t, "boot"))
        os.makedirs(os.path.join(t, "lib", "modules"))
        installed = os.path.join(t, "boot", "vmlinuz-" + release)
        os.symlink(image, installed)
        os.symlink(modules, os.path.join(t, "lib", "modules", release))
        p = subprocess.run([MTHPSIM, "ktest", "--kernel", installed, "--json",
                            *examples, again],
                           capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    out = json.loads(p.stdout)
    assert out["kernel"]["swap"] == "zram0", out["kernel"]
    assert [s["mode"] for s in out["suites"]] == ["madvise", "khugepaged"], out["suites"]
    for suite in out["suites"]:
        cases = suite["cases"]
        assert len(cases) == len(examples) + 1, [c["name"] for c in cases]
        for c in cases:
            if c["verdict"] == "SKIP":
                assert c["cause"] == "scenario", c
                assert c["name"] in ("arm64-64k.scn", "ppc64-radix-64k.scn",
                                     "mthp-migration-entry.scn"), c
            else:
                assert c["verdict"] == "AGREE", c
        names = [c["name"] for c in cases]
        assert "uffd.scn" in names and any(n.endswith("-uffd.scn") for n in names), names


@test
def a_guest_that_panics_is_booted_twice_then_shown():
    # the manual: a guest that panics is tried once more, then exit 2 with
    # the console's last lines; the crash is the kernel's own (sysrq c)
    before = qemus()
    p = failing_guest("echo c >/proc/sysrq-trigger")
    assert p.returncode == 2, (p.returncode, p.stderr[-2000:])
    assert "the guest's console, its last lines:" in p.stderr, p.stderr[-2000:]
    # the tail of the crash's report, and the reason in the last line
    assert "RIP:" in p.stderr or "Kernel panic" in p.stderr, p.stderr[-2000:]
    last = p.stderr.splitlines()[-1]
    assert "panicked" in last and "(booted twice)" in last, p.stderr[-500:]
    assert p.stdout == "", p.stdout
    assert [q for q in qemus() if q not in before] == []


@test
def an_interrupted_boot_leaves_nothing():
    # SIGINT while the guest boots: QEMU goes with ktest, and the scratch
    # (the initramfs, the swap disk) with it; exit 2, saying so
    series = "7.3" if any(r[0] == "7.3" for r in MATRIX) else MATRIX[0][0]
    release, image, modules = debian_archive.kernel_image(ARCHIVE, series)
    before = qemus()
    p = subprocess.Popen([MTHPSIM, "ktest", "--kernel", image, "--modules", modules],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.time()
    while time.time() - started < 60 and not [q for q in qemus() if q not in before]:
        time.sleep(0.1)
    assert [q for q in qemus() if q not in before], "no QEMU started within 60 s"
    time.sleep(1)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 2 and err.rstrip().endswith(": interrupted"), (p.returncode, err)
    assert [q for q in qemus() if q not in before] == []


@test
def a_guest_that_hangs_is_stopped_at_its_timeout():
    before = qemus()
    p = failing_guest("sleep 100000", "--timeout", "25")
    assert p.returncode == 2, (p.returncode, p.stderr[-2000:])
    last = p.stderr.splitlines()[-1]
    assert "25 s" in last and "(booted twice)" in last, p.stderr[-1500:]
    assert [q for q in qemus() if q not in before] == []


def table():
    lines = ["| series | kernel tested | geometry | model | suite | agree | differ | skipped (why) |",
             "|---|---|---|---|---|---|---|---|"]
    for series, release, geometry, model, suite, a, d, s, why in ROWS:
        lines.append("| %s | %s | %s | `%s` | %s | %d | %d | %d%s |" %
                     (series, release, geometry, model, suite, a, d, s,
                      " (%s)" % why if s else ""))
    return "\n".join(lines)


def comparable(text):
    """The table's rows without the exact release (the archive moves on
    between point releases; what the series does must not)."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0] and cells[0][0].isdigit():
            rows.append(tuple(cells[:1] + cells[2:]))
    return rows


@test
def the_table_in_models_md_is_what_was_seen():
    assert len(ROWS) == 2 * len(MATRIX), ("every kernel ran", len(ROWS))
    new = table()
    if ONLY:
        return
    if OUT:
        with open(OUT, "w") as f:
            f.write(new + "\n")
    path = os.path.join(SRCDIR, "docs", "MODELS.md")
    doc = open(path).read()
    assert BEGIN in doc and END in doc, "docs/MODELS.md has no kernel matrix markers"
    head, rest = doc.split(BEGIN, 1)
    old, tail = rest.split(END, 1)
    if os.environ.get("MTHPSIM_UPDATE_DOCS") == "1":
        with open(path, "w") as f:
            f.write(head + BEGIN + "\n" + new + "\n" + END + tail)
        return
    assert comparable(old) == comparable(new), \
        "docs/MODELS.md's kernel matrix is not what this run saw; run this test " \
        "with MTHPSIM_UPDATE_DOCS=1 to write it:\n" + new


@test
def the_host_is_left_as_it_was():
    # the guests changed their own settings, never the host's
    assert thp_settings() == BEFORE, "the host's THP settings changed"
    left = [p for p in qemus() if p not in QEMU_BEFORE]
    assert not left, ("QEMU processes left", left)
    scratch = [d for d in glob.glob(os.path.join(os.environ.get("TMPDIR", "/tmp"), "mthpsim-ktest-*"))]
    assert not scratch, ("scratch left", scratch)


report()
