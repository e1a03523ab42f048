# SPDX-License-Identifier: MIT
"""What the Python test scripts share: running a program, and reporting
one TAP line per test function (a failing test is reported, not fatal)."""
import os
import re
import subprocess
import sys

results = []
# MTHP_TEST_ONLY=REGEX runs only the test functions whose names match (a
# developer's shortcut; the others are not reported)
ONLY = os.environ.get("MTHP_TEST_ONLY")


def run(prog, *args, stdin=None, timeout=600):
    """Runs prog with args; returns (exit code, stdout, stderr)."""
    p = subprocess.run([prog, *args], input=stdin, capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def test(fn):
    """Decorator: runs fn now and records its outcome."""
    if ONLY and not re.search(ONLY, fn.__name__):
        return fn
    try:
        fn()
        results.append((fn.__name__, None))
    except Exception as e:  # one TAP line per test, and go on
        results.append((fn.__name__, repr(e)))
    return fn


def record(name, fn, *args):
    """Like test, for a case that is not a function of its own."""
    if ONLY and not re.search(ONLY, name):
        return
    try:
        fn(*args)
        results.append((name, None))
    except Exception as e:
        results.append((name, repr(e)))


def report():
    for i, (name, error) in enumerate(results, 1):
        print(f"{'ok' if error is None else 'not ok'} {i} - {name}")
        if error:
            print("# " + error.replace("\n", "\n# "))
    print(f"1..{len(results)}")
    sys.exit(0)
