#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The manual covers the program: every command mthpsim lists has its
entry in mthpsim(1), every option its --help names is there too, and every
key the scenario parser knows is in mthpsim-scenario(5) - and every key the
page documents is one the parser takes. Printed as TAP."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mthptest import report, run, test  # noqa: E402

MTHPSIM, SRCDIR = sys.argv[1], sys.argv[2]


def page(name):
    with open(os.path.join(SRCDIR, "man", name)) as f:
        return f.read()


def commands():
    code, out, _ = run(MTHPSIM, "--help")
    assert code == 0
    block = out.split("commands:", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


@test
def every_command_in_mthpsim_1():
    man = page("mthpsim.1.scd")
    cmds = commands()
    assert len(cmds) >= 8, cmds
    for c in cmds + ["help"]:
        assert f"*mthpsim {c}*" in man, c


@test
def every_option_in_mthpsim_1():
    man = page("mthpsim.1.scd")
    for c in commands():
        code, out, _ = run(MTHPSIM, c, "--help")
        for opt in set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", out)):
            assert f"*{opt}*" in man, (c, opt)


def parser_keys():
    with open(os.path.join(SRCDIR, "src", "sim", "scenario.c")) as f:
        src = f.read()
    body = src.split("static int set_key(", 1)[1].split("\nMTHP_EXPORT", 1)[0]
    keys = set(re.findall(r'key_is\(key, klen, "([a-z_.]+)"\)', body))
    if '"order."' in body:
        keys.add("order.K")
    return keys


@test
def every_parser_key_in_the_scenario_page():
    man = page("mthpsim-scenario.5.scd")
    keys = parser_keys()
    assert {"ptes", "fail", "folio", "model", "order.K"} <= keys, keys
    for k in keys:
        want = "*order.*_K_" if k == "order.K" else f"*{k}*"
        assert want in man, k


@test
def every_documented_key_is_parsed():
    man = page("mthpsim-scenario.5.scd")
    keys_section = man.split("# KEYS", 1)[1].split("\n# ", 1)[0]
    documented = re.findall(r"^\*([a-z_.]+)\*", keys_section, re.M)
    documented += re.findall(r", \*([a-z_]+)\* =", keys_section)
    assert len(documented) >= 13, documented
    for k in documented:
        key = k + "2" if k == "order." else k
        # a value the key refuses gives its own error; an unknown key says so
        code, out, err = run(MTHPSIM, "run", "-",
                             stdin=f"{key} = ?\nptes = P*512\n")
        assert "unknown key" not in err, (k, err)


report()
