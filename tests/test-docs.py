#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every `console` block of the README and docs/GUIDE.md, run and compared,
so that no command or output they show goes stale.

A block is a fenced ```console block (indented or not). Its lines that
start with "$ " are commands, run with bash from a scratch directory that
holds the source tree's folders (examples, tests, ...) and "build" (this
build); `mthpsim` is this build's. The lines after a command, up to the
next one, are its output (standard output and error together), compared
line by line with trailing blanks dropped; a line "..." stands for any
lines, none included. A command must exit 0. A ```c NAME block is written
to NAME for the commands after it; `pkg-config ... mthpcollapse` finds this
build's library. The EXAMPLES of the manual pages (man/*.scd) are run the
same way, their output not shown and so not compared; a command with a
placeholder in capitals (TREE) is the reader's to fill in and is left.

argv: mthpsim, the source root, the build root. Printed as TAP.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mthptest import report, test  # noqa: E402

MTHPSIM, SRCDIR, BUILD = (os.path.abspath(a) for a in sys.argv[1:4])
FENCE = re.compile(r"^(\s*)```(\S*)\s*(\S*)\s*$")


def blocks(path):
    """(kind, name, first line number, lines) for each fenced block."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m or not m.group(2):
            i += 1
            continue
        indent, kind, name = m.group(1), m.group(2), m.group(3)
        body, j = [], i + 1
        while j < len(lines) and lines[j].strip() != "```":
            line = lines[j]
            body.append(line[len(indent):] if line.startswith(indent) else line)
            j += 1
        out.append((kind, name, i + 1, body))
        i = j + 1
    return out


def matches(want, got):
    """Whether the lines got fit want, "..." standing for any lines."""
    if not want:
        return not got
    if want[0] == "...":
        return any(matches(want[1:], got[k:]) for k in range(len(got) + 1))
    return bool(got) and want[0] == got[0] and matches(want[1:], got[1:])


def scratch():
    d = tempfile.mkdtemp(prefix="mthpsim-docs-")
    for entry in os.listdir(SRCDIR):
        if entry not in ("build",) and not entry.startswith("."):
            os.symlink(os.path.join(SRCDIR, entry), os.path.join(d, entry))
    os.symlink(BUILD, os.path.join(d, "build"))
    pc = os.path.join(d, ".pc")
    os.mkdir(pc)
    lib = os.path.join(BUILD, "src")
    # a library built with the sanitizers wants them in the program too
    dyn = subprocess.run(["readelf", "-d", os.path.join(lib, "libmthpcollapse.so")],
                         capture_output=True, text=True).stdout
    san = " -fsanitize=address,undefined" if "libasan" in dyn else ""
    with open(os.path.join(pc, "mthpcollapse.pc"), "w") as f:
        f.write("Name: mthpcollapse\nDescription: this build\nVersion: 0\n"
                f"Cflags: -I{SRCDIR}/include{san}\n"
                f"Libs: -L{lib} -lmthpcollapse -Wl,-rpath,{lib}{san}\n")
    return d, pc


def check(doc):
    path = os.path.join(SRCDIR, doc)
    d, pc = scratch()
    env = dict(os.environ, PKG_CONFIG_PATH=pc,
               PATH=os.path.dirname(MTHPSIM) + os.pathsep + os.environ["PATH"])
    ran = 0
    try:
        for kind, name, line, body in blocks(path):
            if kind == "c" and name:
                with open(os.path.join(d, name), "w") as f:
                    f.write("\n".join(body) + "\n")
                continue
            if kind != "console":
                continue
            cmds, cur = [], None
            for n, l in enumerate(body):
                if l.startswith("$ "):
                    cur = (line + 1 + n, l[2:], [])
                    cmds.append(cur)
                elif cur:
                    cur[2].append(l.rstrip())
            for where, cmd, want in cmds:
                while want and not want[-1]:
                    want.pop()
                p = subprocess.run(["bash", "-c", cmd], cwd=d, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=600)
                got = [l.rstrip() for l in p.stdout.split("\n")]
                while got and not got[-1]:
                    got.pop()
                assert p.returncode == 0, f"{doc}:{where}: '{cmd}' exited " \
                    f"{p.returncode}:\n" + "\n".join(got[-20:])
                if not matches(want, got):
                    diff = [f"{doc}:{where}: '{cmd}' printed something else:"]
                    for k in range(max(len(want), len(got))):
                        w = want[k] if k < len(want) else "<nothing>"
                        g = got[k] if k < len(got) else "<nothing>"
                        if w != g:
                            diff += [f"  line {k + 1}: want {w!r}", f"  line {k + 1}: got  {g!r}"]
                            break
                    raise AssertionError("\n".join(diff))
                ran += 1
    finally:
        subprocess.run(["rm", "-rf", d])
    print(f"# {doc}: {ran} commands run and compared")
    assert ran, f"{doc}: no console block"


@test
def readme():
    check("README.md")


@test
def guide():
    check(os.path.join("docs", "GUIDE.md"))


@test
def manual_examples():
    ran = 0
    d, pc = scratch()
    env = dict(os.environ, PKG_CONFIG_PATH=pc,
               PATH=os.path.dirname(MTHPSIM) + os.pathsep + os.environ["PATH"])
    try:
        for page in sorted(os.listdir(os.path.join(SRCDIR, "man"))):
            if not page.endswith(".scd"):
                continue
            path = os.path.join(SRCDIR, "man", page)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if "# EXAMPLES" not in text:
                continue
            section = text.split("# EXAMPLES", 1)[1].split("\n# ", 1)[0]
            for line in section.split("\n"):
                line = line.strip()
                if not line.startswith("$ ") or re.search(r"\b[A-Z]{3,}\b", line[2:]):
                    continue
                cmd = line[2:].replace("\\*", "*")
                p = subprocess.run(["bash", "-c", cmd + " >/dev/null"], cwd=d, env=env,
                                   text=True, stderr=subprocess.PIPE, timeout=600)
                assert p.returncode == 0, f"man/{page}: '{cmd}' exited {p.returncode}: {p.stderr}"
                ran += 1
    finally:
        subprocess.run(["rm", "-rf", d])
    print(f"# the manual pages' EXAMPLES: {ran} commands run")
    assert ran


@test
def the_comparison_can_fail():
    # a wildcard stands for lines, not for a difference inside one
    assert matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert matches(["...", "x"], ["x"])
    assert not matches(["a", "...", "d"], ["a", "b", "c", "e"])
    assert not matches(["a"], ["a", "b"])


report()
