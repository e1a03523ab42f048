#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The layers keep to their order: every #include in src/ and include/
names a header of its own layer or of a layer below it; and no layer
below the CLI ends the process or prints - it returns a code and a
reason to its caller.

Layers, lowest first: common (header-only helpers for every layer and
client), engine, sim, space (the library), predict, oracle, kernel, kcheck (the
tools' layers, clients of the library), cli (last, their thin client). A
library layer's private headers (src/engine, src/sim, src/space) are for
the library alone: the tools and the CLI reach the library through the
public headers only.

Below the CLI, these are refused: exit(), the err()/warn() families,
abort(), printf(), puts(), putchar(), perror(), and any write to stdout
or stderr (fprintf(stderr, ...) and kin). A child process's _exit() and
its dprintf() to a descriptor its parent reads are allowed.

Usage: check-layers.py SRCDIR      check the project's tree
       check-layers.py --self-test show that an upward include fails
Prints one line per offending include, FILE:LINE: ..., and exits 1.
"""
import os
import re
import sys
import tempfile

LAYERS = ["common", "engine", "sim", "space", "predict", "oracle", "kernel", "kcheck", "cli"]
LIBRARY = {"engine", "sim", "space"}
# The public headers, by the layer whose API they are.
PUBLIC = {
    "mthpcollapse/mthpcollapse.h": "engine",
    "mthpcollapse/bitmap.h": "engine",
    "mthpcollapse/kcompat.h": "engine",
    "mthpcollapse/verify.h": "engine",
    "mthpcollapse/sim.h": "sim",
    "mthpcollapse/space.h": "space",
    # the kernel's spellings of the bitmap helpers, shared by kcompat.h
    "mthpcollapse/kernel/spellings.h": "engine",
}
# The kernel environment kcheck compiles a kernel file against.
PUBLIC_PREFIX = {"mthpcollapse/kernel/": "kcheck"}
TOP_FILES = {"meson.build", "libmthpcollapse.map"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
# what a layer below the CLI must not call
ENDS_OR_PRINTS = re.compile(
    r'(?<![\w.>])(exit|_Exit|quick_exit|errx?|verrx?|warnx?|vwarnx?|abort|printf|'
    r'vprintf|puts|putchar|perror)\s*\(')
TO_STD = re.compile(
    r'(?<![\w.>])(fv?printf|fputs|fputc|putc|fwrite)\s*\((?:[^;]*,\s*)?std(out|err)\b')


def strip_comments_and_strings(text):
    """The code of a C file without its comments and literals, with its
    lines where they were."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def calls_below_cli(layer, path, root):
    """The exits and prints of a file below the CLI."""
    if layer == "cli":
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        code = strip_comments_and_strings(f.read())
    problems = []
    for lineno, line in enumerate(code.split("\n"), 1):
        for rx in (ENDS_OR_PRINTS, TO_STD):
            for m in rx.finditer(line):
                problems.append(f"{os.path.relpath(path, root)}:{lineno}: the {layer} "
                                f"layer calls {m.group(1)}(): below the CLI a call "
                                "returns a code and a reason, and never ends the "
                                "process or prints")
    return problems


def public_layer(name):
    if name in PUBLIC:
        return PUBLIC[name]
    for prefix, layer in PUBLIC_PREFIX.items():
        if name.startswith(prefix):
            return layer
    return None


def header_layer(root, path):
    """The layer a header file of the tree belongs to, and whether it is
    public; (None, False) when it is not the project's."""
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    if rel.startswith("include/"):
        return public_layer(rel[len("include/"):]), True
    parts = rel.split("/")
    if len(parts) >= 3 and parts[0] == "src" and parts[1] in LAYERS:
        return parts[1], False
    return None, False


def resolve(root, src_dir, quoted, name, layer):
    """The file an include names, found as the compiler would: beside the
    including file (quoted form), then the public include directory, then
    the private folders the layer's build lets it see."""
    cands = []
    if quoted:
        cands.append(os.path.join(src_dir, name))
    cands.append(os.path.join(root, "include", name))
    for other in LAYERS:
        cands.append(os.path.join(root, "src", other, name))
    for c in cands:
        if os.path.isfile(c):
            return os.path.normpath(c)
    return None


def check(root):
    problems = []
    src = os.path.join(root, "src")
    for entry in sorted(os.listdir(src)):
        full = os.path.join(src, entry)
        if os.path.isdir(full) and entry not in LAYERS:
            problems.append(f"src/{entry}/: not a layer ({', '.join(LAYERS)})")
        elif os.path.isfile(full) and entry not in TOP_FILES:
            problems.append(f"src/{entry}: a source file outside the layer folders")
    files = []
    for layer in LAYERS:
        d = os.path.join(src, layer)
        for dirpath, _, names in os.walk(d):
            files += [(layer, os.path.join(dirpath, n)) for n in sorted(names)
                      if n.endswith((".c", ".h"))]
    for dirpath, _, names in os.walk(os.path.join(root, "include")):
        for n in sorted(names):
            p = os.path.join(dirpath, n)
            layer, _ = header_layer(root, p)
            if n.endswith(".h") and layer:
                files.append((layer, p))
            elif n.endswith(".h"):
                problems.append(f"{os.path.relpath(p, root)}: a public header "
                                "of no layer (add it to PUBLIC in this check)")
    for layer, path in files:
        if not path.startswith(os.path.join(root, "include")) and \
                os.sep + "env" + os.sep not in path:
            problems += calls_below_cli(layer, path, root)
        rank = LAYERS.index(layer)
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                quoted, name = m.group(1) == '"', m.group(2)
                target = resolve(root, os.path.dirname(path), quoted, name, layer)
                if target is None:
                    continue  # a system header
                tlayer, public = header_layer(root, target)
                if tlayer is None:
                    continue
                where = f"{os.path.relpath(path, root)}:{lineno}"
                trel = os.path.relpath(target, root)
                if LAYERS.index(tlayer) > rank:
                    problems.append(f"{where}: the {layer} layer includes "
                                    f"{trel}, of the higher {tlayer} layer")
                elif (tlayer in LIBRARY and not public and
                      layer not in LIBRARY):
                    problems.append(f"{where}: {layer} includes the library's "
                                    f"private {trel}; use the public headers")
    return problems


def self_test():
    """A tree with one upward include must fail, and its clean twin pass;
    so must a lower layer that exits or prints."""
    ok = True
    with tempfile.TemporaryDirectory() as t:
        for d in ["include/mthpcollapse", "src/engine", "src/sim", "src/cli",
                  "src/kcheck"]:
            os.makedirs(os.path.join(t, d))
        files = {
            "include/mthpcollapse/mthpcollapse.h": "",
            "include/mthpcollapse/sim.h": '#include "mthpcollapse.h"\n',
            "src/engine/internal.h": '#include "mthpcollapse/mthpcollapse.h"\n',
            "src/engine/engine.c": '#include "internal.h"\n',
            "src/sim/sim-internal.h": '#include "internal.h"\n',
            "src/sim/mock.c": '#include "sim-internal.h"\n',
            "src/cli/main.c": '#include "mthpcollapse/sim.h"\n'
                              'int main(void) { printf("x"); exit(0); }\n',
            "src/kcheck/run.c": '/* exit(1) in a comment */\n'
                                'static const char *s = "abort()";\n'
                                'void child(void) { dprintf(2, "x"); _exit(3); }\n',
        }
        for name, text in files.items():
            with open(os.path.join(t, name), "w") as f:
                f.write(text)
        clean = check(t)
        with open(os.path.join(t, "src/engine/engine.c"), "a") as f:
            f.write('#include "sim-internal.h"\n')
        with open(os.path.join(t, "src/cli/main.c"), "a") as f:
            f.write('#include "../engine/internal.h"\n')
        with open(os.path.join(t, "include/mthpcollapse/mthpcollapse.h"), "a") as f:
            f.write("#include <mthpcollapse/sim.h>\n")
        broken = check(t)
        one = not clean and len(broken) == 3
        for p in clean + broken:
            print("# " + p)
        print(("ok" if one else "not ok") +
              " 1 - an upward include and a private one are refused")
        ok &= one
        with open(os.path.join(t, "src/kcheck/run.c"), "a") as f:
            f.write('int f(void) { errx(1, "no"); }\n'
                    'void g(void) { fprintf(stderr, "x"); abort(); }\n'
                    'void h(void) { fputs("y", stdout); exit(2); }\n')
        ends = [p for p in check(t) if "never ends the process" in p]
        two = len(ends) == 5 and all("src/kcheck/run.c" in p for p in ends)
        for p in ends:
            print("# " + p)
        print(("ok" if two else "not ok") +
              " 2 - a lower layer that exits, aborts or prints is refused; the CLI may")
        ok &= two
    print("1..2")
    return 0 if ok else 1


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    if not problems:
        print("every include keeps to the layers: " + " < ".join(LAYERS) +
              "; nothing below the CLI exits or prints")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
