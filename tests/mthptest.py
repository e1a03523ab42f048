# SPDX-License-Identifier: MIT
"""What the Python test scripts share: running a program, and reporting
one TAP line per test function as it ends (a failing test is reported, not
fatal)."""
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


def _said(name, error):
    """A test's TAP line, printed as soon as it is known: a long run shows
    its progress (meson prints each line of a verbose TAP test as it
    comes); the plan follows the last."""
    results.append((name, error))
    print(f"{'ok' if error is None else 'not ok'} {len(results)} - {name}")
    if error:
        print("# " + error.replace("\n", "\n# "))
    sys.stdout.flush()


def test(fn):
    """Decorator: runs fn now and reports its outcome."""
    if ONLY and not re.search(ONLY, fn.__name__):
        return fn
    try:
        fn()
        _said(fn.__name__, None)
    except Exception as e:  # one TAP line per test, and go on
        _said(fn.__name__, repr(e))
    return fn


def record(name, fn, *args):
    """Like test, for a case that is not a function of its own."""
    if ONLY and not re.search(ONLY, name):
        return
    try:
        fn(*args)
        _said(name, None)
    except Exception as e:
        _said(name, repr(e))


def report():
    print(f"1..{len(results)}")
    sys.exit(0)
