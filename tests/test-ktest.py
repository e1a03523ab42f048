# SPDX-License-Identifier: MIT
"""mthpsim ktest on the running kernel: the cases that change no setting
must agree with the model wherever they can be built, and the THP
settings must be as they were afterwards.

What changes this machine's THP settings - the khugepaged suite, the
cases that fault large folios, and ktest's guard of the settings under
SIGINT, SIGTERM and SIGKILL - runs only with MTHP_TEST_SYSFS=1 (CI, on a
machine it throws away); the kernels test plays all of it in guest
kernels instead. Exit 77 (skipped) where it cannot run: not root, or no
THP in the kernel. Whatever happens, the settings this script saw at its
start are written back at its end."""
import glob
import json
import platform
import os
import signal
import subprocess
import sys
import tempfile
import time

MTHPSIM = sys.argv[1]
SRCDIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THP = "/sys/kernel/mm/transparent_hugepage"
SYSFS = os.environ.get("MTHP_TEST_SYSFS") == "1"
# counters move by themselves; every other readable file must not change
MOVING = ("full_scans", "pages_collapsed", "/stats/")


def settings():
    out = {}
    for path in sorted(glob.glob(THP + "/**", recursive=True)):
        if os.path.isdir(path) or any(m in path for m in MOVING):
            continue
        try:
            with open(path) as f:
                out[path] = f.read()
        except OSError:
            pass
    return out


def bracketed(text):
    return text[text.index("[") + 1:text.index("]")] if "[" in text else text.strip()


def put_back(saved):
    for path, text in saved.items():
        try:
            with open(path, "w") as f:
                f.write(bracketed(text))
        except OSError:
            pass


# the restore file and the lock beside it, in a directory of the test's
# own unless a test names another: nothing left in /run
SCRATCH = tempfile.mkdtemp(prefix="mthpsim-ktest-test-")


def ktest(*args, env=None):
    if env is None:
        env = dict(os.environ, MTHPSIM_KTEST_RESTORE=os.path.join(SCRATCH, "restore"))
    p = subprocess.run([MTHPSIM, "ktest", *args], capture_output=True,
                       text=True, timeout=600, env=env)
    return p.returncode, p.stdout, p.stderr


failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + (f": {detail}" if detail and not cond else ""))
    if not cond:
        failures.append(name)


def same_settings(name, before):
    after = settings()
    changed = [p for p in before if before[p] != after.get(p)]
    check(name, not changed, "changed: " + ", ".join(
        f"{p} {before[p].strip()!r} -> {after.get(p, '').strip()!r}" for p in changed))


def suite(before, args, what):
    rc, out, err = ktest("--json", *args)
    check(f"{what}: exit 0", rc == 0, f"exit {rc}; {err.strip()}")
    if rc not in (0, 1):
        return None
    r = json.loads(out)
    t = r["totals"]
    print(f"# {what}: model {r['model']} ({r['model_because']}): "
          f"{t['agree']} agree, {t['differ']} differ, {t['skip']} skipped")
    for c in r["cases"]:
        if c["verdict"] == "SKIP":
            print(f"#   skip {c['name']}: {c['reason']}")
    check(f"{what}: nothing differs", t["differ"] == 0,
          ", ".join(c["name"] for c in r["cases"] if c["verdict"] == "DIFFER"))
    check(f"{what}: every skip says why",
          all(c.get("reason") for c in r["cases"] if c["verdict"] == "SKIP"))
    # the cases any kernel can build: written pages, no swap, no zero page
    check(f"{what}: most cases could be built", t["agree"] >= 12,
          f"only {t['agree']} agree")
    same_settings(f"{what}: THP settings as before", before)
    return r


def interrupted(before, sig, restore_after):
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, MTHPSIM_KTEST_RESTORE=os.path.join(d, "restore"))
        p = subprocess.Popen([MTHPSIM, "ktest", "--khugepaged"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # the restore file exists from before the first write; then give
        # the run a moment to be in the middle of a case
        for _ in range(500):
            if os.path.exists(env["MTHPSIM_KTEST_RESTORE"]) or p.poll() is not None:
                break
            time.sleep(0.01)
        time.sleep(0.3)
        p.send_signal(sig)
        p.wait(timeout=60)
        name = signal.Signals(sig).name
        check(f"{name}: the run ended by the signal", p.returncode == -sig,
              f"exit {p.returncode}")
        if restore_after:
            rc, out, err = ktest("--restore", env=env)
            check(f"{name}: ktest --restore puts them back", rc == 0 and "restored" in out,
                  f"exit {rc}: {out} {err}")
        check(f"{name}: no restore file left",
              not os.path.exists(env["MTHPSIM_KTEST_RESTORE"]))
        same_settings(f"{name}: THP settings as before", before)


def hostile_restore_files(before):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "restore")
        env = dict(os.environ, MTHPSIM_KTEST_RESTORE=path)
        for text, words in [
            (f"{THP}/khugepaged/max_ptes_none\t7\nno tab here\n", ":2:1: not a 'PATH<tab>VALUE' line"),
            ("/etc/hostname\tevil\n", ":1:1: '/etc/hostname' = 'evil' is not a THP setting"),
            (f"{THP}/../../../../etc/hostname\tx\n", "is not a THP setting"),
            (f"{THP}/enabled\talways; reboot\n", "is not a THP setting"),
        ]:
            with open(path, "w") as f:
                f.write(text)
            rc, out, err = ktest("--restore", env=env)
            check(f"restore file refused ({words})", rc == 2 and path + ":" in err and words in err,
                  f"exit {rc}: {err.strip()}")
        same_settings("hostile restore files changed nothing", before)


def one_run_at_a_time(before):
    """A run holding the lock (played here by this script): a second run
    refuses and names its PID, and puts back nothing of its restore
    file - which records today's value, so a run that did would still
    change nothing."""
    import fcntl
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, MTHPSIM_KTEST_RESTORE=os.path.join(d, "restore"))
        with open(os.path.join(d, "restore"), "w") as f:
            f.write(f"{THP}/khugepaged/max_ptes_none\t"
                    f"{bracketed(before[THP + '/khugepaged/max_ptes_none'])}\n")
        with open(os.path.join(d, "restore.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            lock.write(f"{os.getpid()}\n")
            lock.flush()
            for args in ([], ["--restore"], ["--khugepaged", "--case", "k-none0-full"]):
                rc, out, err = ktest(*args, env=env)
                check(f"ktest {' '.join(args)} beside a live run: refused, naming its PID",
                      rc == 2 and f"PID {os.getpid()}" in err and "--wait" in err,
                      f"exit {rc}: {err.strip()}")
            check("the live run's restore file is left alone",
                  os.path.exists(os.path.join(d, "restore")))
            # --wait waits: still waiting while the lock is held
            p = subprocess.Popen([MTHPSIM, "ktest", "--wait", "--restore"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(1)
            check("--wait waits for the live run", p.poll() is None)
        out, err = p.communicate(timeout=60)
        check("--wait: then it runs", p.returncode == 0 and "restored" in out,
              f"exit {p.returncode}: {out} {err}")
    same_settings("beside a live run: THP settings as before", before)


def settings_free_cases():
    """The MADV_COLLAPSE suite's cases that write no setting: all but
    those that fault large folios (a size is set to always for that)."""
    rc, out, err = ktest("--list")
    return [l.split()[0] for l in out.splitlines()
            if l.strip() and "folio" not in l.split()[0]]


def listing_and_keep(before):
    for args, first in [([], "full"), (["--khugepaged"], "k-none0-full")]:
        rc, out, err = ktest("--list", *args)
        names = [l.split()[0] for l in out.splitlines() if l.strip()]
        check(f"--list {' '.join(args)}: the suite, named", rc == 0 and
              names[0] == first and len(names) >= 20, f"exit {rc}: {names[:3]}")
    rc, out, err = ktest("--restore")
    check("--restore with nothing to restore says so", rc == 0 and "nothing to restore" in out,
          f"exit {rc}: {out}")
    # a scenario file of one's own, text report; under a model that
    # collapses below the PMD order a baseline kernel differs, and --keep
    # leaves the process holding the range
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as f:
        f.write("orders = all\nmax_ptes_none = 0\nptes = P*128 .*384\n")
    try:
        rc, out, err = ktest(f.name)
        check("own scenario, MADV_COLLAPSE: AGREE", rc == 0 and out.count("AGREE") == 1,
              f"exit {rc}: {out} {err}")
        rc, out, err = ktest("--model", "latest", "--keep", "--case", "half",
                             "--case", "full")
        check("--case: the cases named", rc == 0 and out.count("AGREE") == 2,
              f"exit {rc}: {out}")
        rc, out, err = ktest("--case", "no-such-case")
        check("--case of no case: exit 2, saying so", rc == 2 and "no such case" in err,
              f"exit {rc}: {err}")
        if SYSFS:
            rc, out, err = ktest("--khugepaged", "--model", "latest", "--keep", f.name)
            kept = [w for w in err.split() if w.isdigit()]
            check("--keep: a DIFFER's process is left running and named",
                  rc == 1 and "keeps the range" in err and kept and os.path.exists("/proc/" + kept[0]),
                  f"exit {rc}: {err}")
            if kept:
                os.kill(int(kept[0]), signal.SIGKILL)
        same_settings("after --keep: THP settings as before", before)
    finally:
        os.unlink(f.name)


def unbuildable_cases_are_skipped(before):
    """Cases ktest cannot build on a machine are SKIP, each saying why, in
    the words its rules give (the PTE or folio named); the folio cases
    set a size's control while they are checked, so with MTHP_TEST_SYSFS=1."""
    d = tempfile.mkdtemp(prefix="mthpsim-skip-", dir=SCRATCH)
    files = {
        os.path.join(SRCDIR, "examples", "arm64-64k.scn"):
            "geometry arm64-64k; the running kernel's is x86_64",
        os.path.join(SRCDIR, "examples", "mthp-migration-entry.scn"):
            "PTE 20 is 'm', a state userspace cannot make",
    }
    if SYSFS:
        for name, text, why in [
            ("two-orders.scn", "ptes = P*64 .*448\nfolio = 0 4\nfolio = 32 3\n",
             "folios of orders 4 and 3: one order per case is built"),
            ("zero-in-folio.scn", "ptes = P*15 z .*496\nfolio = 0 4\n",
             "the folio at PTE 0 holds a zero-page or swap PTE, which a fault cannot leave"),
        ]:
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
            files[os.path.join(d, name)] = why
    rc, out, err = ktest("--json", *files)
    cases = json.loads(out)["cases"] if rc in (0, 1) else []
    check("unbuildable cases: exit 0, each skipped", rc == 0 and len(cases) == len(files) and
          all(c["verdict"] == "SKIP" for c in cases), f"exit {rc}: {err.strip()} {cases}")
    for c, (path, why) in zip(cases, files.items()):
        check(f"skip {os.path.basename(path)}: says why", c.get("reason") == why,
              f"{c.get('reason')!r}")
    same_settings("after the skipped cases: THP settings as before", before)


def bad_scenario():
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as f:
        f.write("max_ptes_none = 0\nptes = P*100 Q\n")
    try:
        rc, out, err = ktest(f.name)
        check("a bad scenario: exit 2 at FILE:LINE:COL", rc == 2 and f"{f.name}:2:" in err,
              f"exit {rc}: {err.strip()}")
    finally:
        os.unlink(f.name)


def main():
    if os.geteuid() != 0:
        print("SKIP: ktest needs root (PFNs in pagemap, THP settings)")
        sys.exit(77)
    if not os.path.exists(THP + "/hpage_pmd_size"):
        print("SKIP: this kernel has no transparent huge pages")
        sys.exit(77)
    before = settings()
    if SYSFS:
        print("# MTHP_TEST_SYSFS=1: the khugepaged suite, the folio cases and the signal"
              " tests change this machine's THP settings for seconds at a time, and put"
              " them back")
    else:
        print("# this machine's THP settings are not changed: the khugepaged suite and the"
              " folio cases run in guests (the kernels test), or here with MTHP_TEST_SYSFS=1")
    try:
        if SYSFS:
            r = suite(before, [], "MADV_COLLAPSE suite")
            suite(before, ["--khugepaged"], "khugepaged suite")
        else:
            args = []
            for name in settings_free_cases():
                args += ["--case", name]
            r = suite(before, args, "MADV_COLLAPSE suite, the cases that set nothing")
        if r and r["model"] == "baseline" and SYSFS:
            # a model that collapses below the PMD order must be caught on
            # a kernel that does not: the comparison can fail
            rc, out, err = ktest("--khugepaged", "--model", "latest")
            check("--model latest on a baseline kernel: DIFFER, exit 1",
                  rc == 1 and "DIFFER  k-mthp-none0" in out, f"exit {rc}")
            same_settings("after the DIFFER run: THP settings as before", before)
        if SYSFS:
            interrupted(before, signal.SIGINT, False)
            interrupted(before, signal.SIGTERM, False)
            interrupted(before, signal.SIGKILL, True)
        hostile_restore_files(before)
        one_run_at_a_time(before)
        bad_scenario()
        if platform.machine() == "x86_64":
            unbuildable_cases_are_skipped(before)
        if r and r["model"] == "baseline":
            listing_and_keep(before)
    finally:
        put_back(before)
        import shutil
        shutil.rmtree(SCRATCH, ignore_errors=True)
    sys.exit(1 if failures else 0)


main()
