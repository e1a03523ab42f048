#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mthpsim kcheck on the project's own kernel-idiom fixtures (tests/kcheck:
written for this project, not kernel code) and their mutants. The first
difference each mutant must show is worked by hand from docs/MODELS.md;
see the comments. Printed as TAP. Needs a C compiler (cc, or $CC)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mthptest import report, run as run_prog, test  # noqa: E402

MTHPSIM, SRCDIR = sys.argv[1], sys.argv[2]
K = os.path.join(SRCDIR, "tests", "kcheck")
TMP = tempfile.mkdtemp(prefix="kcheck-mutants-")
# kcheck writes the scenario of a difference into $TMPDIR: this test's
# directory, which goes at the end, so nothing is left in /tmp
os.environ["TMPDIR"] = TMP

# The mutants: a fixture with one change each, stated here.
MUTANTS = {
    # the threshold one PTE too strict
    "mutant-walk-threshold.c": ("khugepaged-walk.c",
        "if (occupied < span - min_t(unsigned int, allowed, span))",
        "if (occupied <= span - min_t(unsigned int, allowed, span))"),
    # SCAN_PAGE_LAZYFREE no longer tries lower orders
    "mutant-walk-trylower.c": ("khugepaged-walk.c",
        "\t\tcase SCAN_PTE_UFFD_WP:\n\t\tcase SCAN_PAGE_LAZYFREE:\n",
        "\t\tcase SCAN_PTE_UFFD_WP:\n"),
    # the v15-shaped file's threshold one PTE too strict
    "mutant-stack-threshold.c": ("khugepaged-stack.c",
        "if (mthp_range_weight(cc, r.offset, span) < span - allowed)",
        "if (mthp_range_weight(cc, r.offset, span) <= span - allowed)"),
    # the right half is examined first
    "mutant-stack-right-first.c": ("khugepaged-stack.c",
        "\t\t\tpush_mthp_range(cc, &top, r.offset + span / 2, r.order - 1);\n"
        "\t\t\tpush_mthp_range(cc, &top, r.offset, r.order - 1);",
        "\t\t\tpush_mthp_range(cc, &top, r.offset, r.order - 1);\n"
        "\t\t\tpush_mthp_range(cc, &top, r.offset + span / 2, r.order - 1);"),
    # a helper neither the file nor the environment has (its line and
    # column are found in the fixture below)
    "error-missing-helper.c": ("khugepaged-walk.c",
        "\t\toccupied = bitmap_weight_from(cc->mthp_present_ptes, offset,\n"
        "\t\t\t\t\t      offset + span);",
        "\t\toccupied = count_occupied_fancy(cc->mthp_present_ptes, offset,\n"
        "\t\t\t\t\t\tspan);"),
    # the constant-expression helpers the kernel has, at file scope: the
    # same stack size spelled with roundup_pow_of_two, and compile-time
    # checks with order_base_2, BIT_ULL and GENMASK; decisions unchanged
    "constants-stack.c": ("khugepaged-stack.c",
        "#define MTHP_STACK_SIZE\t(1UL << (ilog2(MAX_PTRS_PER_PTE) - KHUGEPAGED_MIN_MTHP_ORDER))",
        "#define MTHP_STACK_SIZE\t(roundup_pow_of_two(MAX_PTRS_PER_PTE) >> KHUGEPAGED_MIN_MTHP_ORDER)\n"
        "static_assert(order_base_2(MAX_PTRS_PER_PTE) == ilog2(MAX_PTRS_PER_PTE));\n"
        "static_assert(BIT_ULL(ilog2(MAX_PTRS_PER_PTE)) == MAX_PTRS_PER_PTE);\n"
        "static_assert(GENMASK(ilog2(MAX_PTRS_PER_PTE) - 1, 0) == MAX_PTRS_PER_PTE - 1);\n"
        "static_assert(rounddown_pow_of_two(MAX_PTRS_PER_PTE + 1) == MAX_PTRS_PER_PTE);\n"
        "static_assert(min_t(unsigned long, MTHP_STACK_SIZE, 1) == 1, \"a message\");"),
    # an array sized with HPAGE_PMD_NR at file scope: a constant on
    # x86_64 and arm64, a boot-time value on ppc64 book3s64
    "pmd-nr-array.c": ("khugepaged-walk.c",
        "DECLARE_BITMAP(mthp_present_ptes, MAX_PTRS_PER_PTE);",
        "DECLARE_BITMAP(mthp_present_ptes, HPAGE_PMD_NR);"),
    # a variable the compiler warns about, in the function checked
    "warning-unused.c": ("khugepaged-walk.c",
        "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n\tint never_used;\n"),
    # a BUG_ON that fires once something has collapsed
    "bug-on-collapse.c": ("khugepaged-stack.c",
        "\t\tcase SCAN_SUCCEED:\n\t\t\tcollapsed += span;\n",
        "\t\tcase SCAN_SUCCEED:\n\t\t\tBUG_ON(collapsed);\n\t\t\tcollapsed += span;\n"),
    # hostile code: an endless loop, a NULL store, a shell command, each
    # on the first case whose only enabled order is 3
    # the scan's mutants (docs/MODELS.md section 5): the swap limit one
    # entry too strict
    "scan-swap-limit.c": ("khugepaged-walk.c",
        "if (++unmapped > collapse_max_ptes_swap(cc)) {",
        "if (++unmapped >= collapse_max_ptes_swap(cc)) {"),
    # sharing judged by the page's own mapcount, not by the folio
    "scan-shared-per-pte.c": ("khugepaged-walk.c",
        "if (folio_maybe_mapped_shared(folio) &&",
        "if (page_mapcount(page) > 1 &&"),
    # khugepaged no longer needs a young page
    "scan-no-young.c": ("khugepaged-walk.c",
        "(!referenced || (unmapped && referenced < HPAGE_PMD_NR / 2)))",
        "(unmapped && referenced < HPAGE_PMD_NR / 2))"),
    # a PTE of the zero page counted as a present page
    "scan-zero-present.c": ("khugepaged-walk.c",
        "\treturn pte_present(pte) && is_zero_pfn(pte_pfn(pte));",
        "\treturn false;"),
    # mainline's shape, its swap limit one entry too strict
    "scan-baseline-swap-limit.c": ("khugepaged-baseline.c",
        "if (++unmapped > collapse_max_ptes_swap(cc)) {",
        "if (++unmapped >= collapse_max_ptes_swap(cc)) {"),
    # the swap limit's /proc/vmstat count forgotten (its mTHP stat kept)
    "scan-no-vmstat.c": ("khugepaged-walk.c",
        "\t\t\t\tcount_vm_event(THP_SCAN_EXCEED_SWAP_PTE);\n", ""),
    # a uffd-wp PTE returns at once: past the unlock and the trace point
    "scan-uffd-return.c": ("khugepaged-walk.c",
        "\t\tif (pte_uffd_wp(pteval)) {\n\t\t\tresult = SCAN_PTE_UFFD_WP;\n\t\t\tgoto out_unmap;",
        "\t\tif (pte_uffd_wp(pteval)) {\n\t\t\treturn SCAN_PTE_UFFD_WP;"),
    # an assertion that khugepaged never meets a swap entry
    "scan-warn.c": ("khugepaged-walk.c",
        "\t\tif (!pte_present(pteval)) {\n",
        "\t\tif (!pte_present(pteval)) {\n\t\t\tWARN_ON_ONCE(cc->is_khugepaged);\n"),
    # a hole counted as occupied in the bitmap (the count stays right)
    "scan-hole-occupied.c": ("khugepaged-walk.c",
        "\t\t\t\tgoto out_unmap;\n\t\t\t}\n\t\t\tcontinue;\n\t\t}\n\t\tif (!pte_present(pteval)) {\n",
        "\t\t\t\tgoto out_unmap;\n\t\t\t}\n\t\t\t__set_bit(i, cc->mthp_present_ptes);\n"
        "\t\t\tcontinue;\n\t\t}\n\t\tif (!pte_present(pteval)) {\n"),
    # hostile code in the scan, on the first table with a locked folio
    "scan-hostile-segv.c": ("khugepaged-walk.c",
        "\t\tif (folio_test_locked(folio)) {\n",
        "\t\tif (folio_test_locked(folio)) {\n\t\t\t*(volatile int *)0 = 1;\n"),
    "scan-hostile-loop.c": ("khugepaged-walk.c",
        "\t\tif (folio_test_locked(folio)) {\n",
        "\t\tif (folio_test_locked(folio)) {\n\t\t\tfor (;;)\n\t\t\t\t;\n"),
    "hostile-loop.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n\tif (enabled_orders == 0x8)\n"
        "\t\tfor (;;)\n\t\t\t;\n"),
    "hostile-segv.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n\tif (enabled_orders == 0x8)\n"
        "\t\t*(volatile int *)0 = 1;\n"),
    "hostile-system.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n\tif (enabled_orders == 0x8)\n"
        "\t\tkc_system(KC_TOUCH);\n"),
    # hostile code against the jail (mthpsim(1), CONTAINMENT): a terminal
    # to type into, an exit that ends the check early, processes left
    # behind and no bound on their number, output forged on kcheck's
    # streams, and, at compile time, a root-only file and standard input
    "hostile-tty.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n\tif (enabled_orders == 0x8) {\n"
        # the seventh field of /proc/self/stat, after the name's ')': the
        # controlling terminal's device number, 0 for none
        "\t\tchar st[512], *p = st;\n\t\tint fd = kc_open(\"/proc/self/stat\", 0), spaces = 0;\n"
        "\t\tlong n = fd < 0 ? 0 : kc_read(fd, st, sizeof(st) - 1);\n"
        "\t\tst[n > 0 ? n : 0] = 0;\n\t\tkc_close(fd);\n"
        "\t\tfor (char *q = st; *q; q++)\n\t\t\tif (*q == ')')\n\t\t\t\tp = q;\n"
        "\t\twhile (*p && spaces < 5)\n\t\t\tspaces += *p++ == ' ';\n"
        "\t\tif (n <= 0 || *p != '0' || kc_open(\"/dev/tty\", 2) >= 0 ||\n"
        "\t\t    kc_isatty(0) || kc_isatty(1) || kc_isatty(2))\n"
        "\t\t\t*(volatile int *)0 = 1;\n\t}\n"),
    "hostile-exit.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n\tif (enabled_orders == 0x8)\n"
        "\t\tkc_exit(0);\n"),
    "hostile-fork.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n\tstatic int forked;\n"
        "\tif (enabled_orders == 0x8 && !forked) {\n"
        "\t\tint refused = 0;\n\t\tforked = 1;\n"
        "\t\tfor (int i = 0; i < 200; i++) {\n"
        "\t\t\tint pid = kc_fork();\n"
        "\t\t\tif (pid == 0) {\n"
        "\t\t\t\tkc_prctl(15, KC_NAME);\n\t\t\t\tkc_setsid();\n"
        "\t\t\t\tfor (;;)\n\t\t\t\t\tkc_pause();\n\t\t\t}\n"
        "\t\t\trefused |= pid < 0;\n\t\t}\n"
        "\t\tif (!refused)\n\t\t\t*(volatile int *)0 = 1;\n\t}\n"),
    "hostile-stdout.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n\tif (enabled_orders == 0x8) {\n"
        "\t\tkc_write(1, \"{\\\"forged\\\": 1}\\n\", 14);\n"
        "\t\tkc_write(2, \"forged\\n\", 7);\n\t}\n"),
    "hostile-include-secret.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n#include KC_SECRET\n"),
    "hostile-incbin-secret.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n\t__asm__ volatile(\".pushsection .rodata\\n\"\n"
        "\t\t\".incbin \\\"\" KC_SECRET \"\\\"\\n.popsection\");\n"),
    "hostile-include-stdin.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = false;\n#include \"/dev/stdin\"\n"),
    # a macro whose expansion grows tenfold a level: a compile that runs
    # long and out of memory
    "hostile-macro-bomb.c": ("khugepaged-walk.c", "\tbool alloc_failed = false;\n",
        "\tbool alloc_failed = KB8 == 0;\n"),
    # a body cut short: its braces never balance
    "broken-braces.c": ("khugepaged-walk.c", "\t\t\tgoto next;\n\t\tcase SCAN_PTE_MAPPED_HUGEPAGE:",
        "\t\t\tgoto next;\n\t\t{ case SCAN_PTE_MAPPED_HUGEPAGE:"),
}
# what the hostile files call, declared after the file's includes (the
# kernel environment has no libc headers)
LIBC = ("int system(const char *); int open(const char *, int, ...); int isatty(int);\n"
        "int close(int); void exit(int); int fork(void);\n"
        "int prctl(int, ...); int setsid(void); int pause(void);\n"
        "long write(int, const void *, unsigned long); long read(int, void *, unsigned long);\n")
for fn in ("system", "open", "isatty", "close", "exit", "fork", "prctl",
           "setsid", "pause", "write", "read"):
    LIBC += f"#define kc_{fn} {fn}\n"
# a name no other process has, for the processes hostile-fork.c leaves
ORPHAN = "kcorph" + os.path.basename(TMP)[-6:]
SECRET = os.path.join(TMP, "secret")
SECRET_TEXT = "kc_root_only_" + os.path.basename(TMP)[-6:]
with open(os.open(SECRET, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
    f.write(SECRET_TEXT + "\n")
BOMB = "#define KB0 1\n" + "".join(
    f"#define KB{i} " + "+".join([f"KB{i - 1}"] * 10) + "\n" for i in range(1, 9))
for name, (base, old, new) in MUTANTS.items():
    with open(os.path.join(K, base)) as f:
        text = f.read()
    assert text.count(old) == 1, (name, "the fixture changed: update the mutant")
    text = text.replace(old, new).replace(
        "KC_TOUCH", '"touch ' + os.path.join(TMP, "pwned") + '"').replace(
        "KC_NAME", '"' + ORPHAN + '"').replace("KC_SECRET", '"' + SECRET + '"')
    if name.startswith("hostile-"):
        text = text.replace('#include "internal.h"\n',
                            '#include "internal.h"\n' + LIBC + BOMB)
    with open(os.path.join(TMP, name), "w") as f:
        f.write(text)
# the first 256 small tables hold every first difference below; a few
# random tables on each geometry the tests cover
GEOMETRIES = ("x86_64", "arm64-64k", "ppc64-radix-64k")
QUICK = ["--bitmaps", "256", "--random", "10"]
for g in GEOMETRIES:
    QUICK += ["--geometry", g]


def kcheck(*args):
    return run_prog(MTHPSIM, "kcheck", *args, timeout=600)


def kjson(*args):
    code, out, err = kcheck("--json", *QUICK, *args)
    assert code in (0, 1), (code, err)
    return code, json.loads(out)


def no_environment_lines(out, err):
    # nothing kcheck prints is located in its own environment
    for text in (out, err):
        for bad in ("khugepaged.h", "spellings.h", "bitmap.h", "<kcheck"):
            assert bad not in text, (bad, text)


if not shutil.which(os.environ.get("CC", "cc")):
    print("1..0 # SKIP no C compiler for kcheck")
    sys.exit(0)


@test
def fixtures_agree_with_their_models():
    for f, model, shape in (("khugepaged-walk.c", "latest", "enum scan_result"),
                            ("khugepaged-stack.c", "v15", "static int")):
        code, d = kjson("--model", model, os.path.join(K, f))
        assert code == 0 and d["differ"] == 0, (f, d)
        assert d["cases"] > 80000, d["cases"]  # 256 small tables x their settings
        assert d["settings"]["shape"].startswith("static " + shape) or \
            d["settings"]["shape"].startswith(shape), d["settings"]["shape"]


@test
def threshold_mutant():
    # one PTE too strict: the first table is the empty one, and the first
    # setting where the threshold is exactly met is MADV_COLLAPSE at PMD
    # order (allowance HPAGE_PMD_NR: threshold 0, 0 occupied): latest
    # attempts (0,4), the mutant nothing
    code, d = kjson(os.path.join(TMP, "mutant-walk-threshold.c"))
    assert code == 1 and d["differ"] > 0
    f = d["first_difference"]
    assert (f["bitmap"], f["mode"], f["orders"]) == (0, "madvise", "4"), f
    assert f["a"]["attempts"] == [] and \
        [(x["offset"], x["order"]) for x in f["b"]["attempts"]] == [(0, 4)], f


@test
def try_lower_mutant():
    # SCAN_PAGE_LAZYFREE stops instead of trying lower: table PTE 0 only,
    # orders 2-4, max_ptes_none 15 (threshold 1 at every order), the first
    # attempt answered LAZYFREE: latest goes on to (0,3), the mutant stops
    code, d = kjson(os.path.join(TMP, "mutant-walk-trylower.c"))
    assert code == 1
    f = d["first_difference"]
    assert (f["bitmap"], f["mode"], f["orders"], f["max_ptes_none"]) == \
        (1, "khugepaged", "2-4", 15), f
    assert "SCAN_PAGE_LAZYFREE" in f["pattern"]
    assert [(x["offset"], x["order"]) for x in f["a"]["attempts"]] == [(0, 4)]
    assert [(x["offset"], x["order"]) for x in f["b"]["attempts"]] == \
        [(0, 4), (0, 3)]
    assert f["a"]["returns"] == "SCAN_PAGE_LAZYFREE"
    assert f["b"]["returns"] == "SCAN_SUCCEED"


@test
def stack_threshold_mutant():
    # v15, one PTE too strict: a range is attempted only above its
    # threshold. The first table where a threshold is exactly met: PTE 0
    # alone (bitmap 1), khugepaged, orders 2-4 (the first order set),
    # max_ptes_none 15 = HPAGE_PMD_NR - 1, so the PMD needs 16 - 15 = 1
    # occupied PTE: v15 attempts (0,4); the mutant splits, and below the
    # PMD every order allows 2^k - 1 empty PTEs, so it needs 1 and splits
    # again, down to order 2: nothing attempted. (max_ptes_none 0, tried
    # first, needs full ranges; MADV_COLLAPSE on the empty table needs 1.)
    code, d = kjson("--model", "v15", os.path.join(TMP, "mutant-stack-threshold.c"))
    assert code == 1 and d["differ"] > 0
    f = d["first_difference"]
    assert (f["bitmap"], f["mode"], f["orders"], f["max_ptes_none"]) == \
        (1, "khugepaged", "2-4", 15), f
    assert f["a"]["attempts"] == [], f
    assert [(x["offset"], x["order"]) for x in f["b"]["attempts"]] == [(0, 4)], f


@test
def right_half_first_mutant():
    # the first table with something in both halves of a split: PTEs 0 and
    # 4 (bitmap 0x11); every attempt failing with a try-lower result, v15
    # visits (0,2) before (4,2), the mutant the other way round
    code, d = kjson("--model", "v15", os.path.join(TMP, "mutant-stack-right-first.c"))
    assert code == 1
    f = d["first_difference"]
    assert (f["bitmap"], f["max_ptes_none"]) == (0x11, 15), f
    assert [(x["offset"], x["order"]) for x in f["a"]["attempts"]] == \
        [(0, 4), (0, 3), (4, 2), (0, 2)]
    assert [(x["offset"], x["order"]) for x in f["b"]["attempts"]] == \
        [(0, 4), (0, 3), (0, 2), (4, 2)]


@test
def readable_first_difference_and_decide():
    code, out, err = kcheck(*QUICK, os.path.join(TMP, "mutant-walk-trylower.c"))
    assert code == 1, err
    assert "first difference" in out and "table: P .*15" in out, out
    line = [l for l in out.splitlines() if "the model's side again:" in l][0]
    cmd = line.split("again: ", 1)[1].split(" ", 1)[1]
    import shlex
    args = shlex.split(cmd)
    assert args[0] == "decide", args
    code, o, e = run_prog(MTHPSIM, *args, "--json")
    assert code == 0, e
    dd = json.loads(o)
    assert [(a["offset"], a["order"]) for a in dd["attempts"]] == [(0, 4), (0, 3)]


@test
def against_explained_by_the_models():
    # stack (v15) against walk (latest): the first difference is MADV_COLLAPSE
    # on an empty table: v15 allows 511 empty PTEs (threshold 1), later
    # revisions HPAGE_PMD_NR (threshold 0) - what decide says for each model
    code, d = kjson(os.path.join(K, "khugepaged-stack.c"), "--against",
                    os.path.join(K, "khugepaged-walk.c"))
    assert code == 1 and d["differ"] > 0
    f = d["first_difference"]
    assert (f["bitmap"], f["mode"]) == (0, "madvise"), f
    for model, side in (("v15", "a"), ("latest", "b")):
        code, o, e = run_prog(MTHPSIM, "decide", "--json", "--geometry",
                              "custom:12:16:16", "--model", model,
                              "--mode", "madvise", ".*16")
        got = [(a["offset"], a["order"]) for a in json.loads(o)["attempts"]]
        want = [(x["offset"], x["order"]) for x in f[side]["attempts"]]
        assert got == want, (model, got, want)


@test
def missing_helper_is_located():
    with open(os.path.join(TMP, "error-missing-helper.c")) as f:
        lines = f.read().splitlines()
    line = [i for i, l in enumerate(lines, 1) if "count_occupied_fancy" in l][0]
    col = lines[line - 1].index("count_occupied_fancy") + 1
    code, out, err = kcheck(*QUICK, os.path.join(TMP, "error-missing-helper.c"))
    assert code == 2, (code, err)
    assert f"error-missing-helper.c:{line}:{col}: 'count_occupied_fancy' is used here" in err, err
    no_environment_lines(out, err)


@test
def missing_function_and_file():
    code, out, err = kcheck("--function", "no_such_fn", os.path.join(K, "khugepaged-walk.c"))
    assert code == 2 and "no definition of a function 'no_such_fn'" in err, err
    code, out, err = kcheck("/nonexistent/khugepaged.c")
    assert code == 2 and "/nonexistent/khugepaged.c" in err, err
    code, out, err = kcheck()
    assert code == 2


@test
def real_shape_fixtures_clean_on_three_geometries():
    # the v15 shape keeps its stack in the file-scope struct
    # collapse_control, sized with ilog2(MAX_PTRS_PER_PTE)
    for f, model in (("khugepaged-stack.c", "v15"),
                     ("khugepaged-walk.c", "latest"),
                     (os.path.join(TMP, "constants-stack.c"), "v15")):
        code, out, err = kcheck("--bitmaps", "1024", "--random", "50",
                                "--model", model,
                                *[x for g in GEOMETRIES for x in ("--geometry", g)],
                                os.path.join(K, f))
        assert code == 0, (f, out, err)
        assert " 0 differ" in out and err == "", (f, out, err)
        assert "warning" not in out, out
        no_environment_lines(out, err)


@test
def pmd_nr_is_a_boot_time_value_on_ppc64():
    f = os.path.join(TMP, "pmd-nr-array.c")
    for g in ("x86_64", "arm64-64k"):
        code, out, err = kcheck("--bitmaps", "64", "--random", "5",
                                "--geometry", g, f)
        assert code == 0, (g, err)
    code, out, err = kcheck("--bitmaps", "64", "--random", "5", "--geometry",
                            "ppc64-radix-64k", f)
    assert code == 2, (code, out, err)
    with open(f) as fh:
        line = [i for i, l in enumerate(fh.read().splitlines(), 1)
                if "HPAGE_PMD_NR);" in l][0]
    assert f"pmd-nr-array.c:{line}:" in err and "variably modified" in err, err
    assert "not compile-time constants" in err and "ppc64-radix-64k" in err, err
    no_environment_lines(out, err)


@test
def warnings_after_the_verdict():
    f = os.path.join(TMP, "warning-unused.c")
    with open(f) as fh:
        line = [i for i, l in enumerate(fh.read().splitlines(), 1)
                if "never_used" in l][0]
    code, out, err = kcheck(*QUICK, f)
    assert code == 0, (code, out, err)
    verdict = out.index(" differ")
    at = out.index(f"warning-unused.c:{line}:")
    assert at > verdict and "never_used" in out[at:], out
    no_environment_lines(out, err)
    code, d = kjson(f)
    assert any("never_used" in w for w in d["warnings"]), d["warnings"]
    code, out, err = kcheck(*QUICK, "--Werror", f)
    assert code == 2, (code, out, err)


@test
def bug_on_is_a_crash_not_a_warning():
    # the BUG_ON fires on a second successful collapse, which a table can
    # give under v15 (two ranges below the PMD): the call ends there, the
    # model's goes on, so the first case where it fires differs; the
    # report names the file's line and calls it a BUG, not a warning
    code, d = kjson("--model", "v15", os.path.join(TMP, "bug-on-collapse.c"))
    assert code == 1, d
    f = d["first_difference"]
    assert f["a"]["bug"] is True and f["b"]["bug"] is False, f
    with open(os.path.join(TMP, "bug-on-collapse.c")) as fh:
        line = [i for i, l in enumerate(fh.read().splitlines(), 1)
                if "BUG_ON(collapsed)" in l][0]
    assert f["a"]["bug_line"] == line, f
    assert f["a"]["warnings"] == 0
    code, out, err = kcheck(*QUICK, "--model", "v15",
                            os.path.join(TMP, "bug-on-collapse.c"))
    assert f"BUG_ON/VM_BUG_ON/BUG at line {line} ended the call" in out, out


@test
def explain_names_what_was_compiled():
    code, d = kjson("--model", "v15", "--explain",
                    os.path.join(K, "khugepaged-stack.c"))
    assert code == 0, d
    e = d["explain"][0]
    with open(os.path.join(K, "khugepaged-stack.c")) as fh:
        lines = fh.read().splitlines()
    taken = {(t["kind"], t["name"]): t["line"] for t in e["from_file"]}
    want = [i for i, l in enumerate(lines, 1)
            if l.startswith("static int mthp_collapse(")][0]
    assert taken[("function", "mthp_collapse")] == want, taken
    assert ("type", "struct collapse_control") in taken
    assert ("variable", "khugepaged_mutex") in taken
    assert ("macro", "MTHP_STACK_SIZE") in taken
    # the NUMA pair is taken twice, each inside its #if branch
    numa = [t for t in e["from_file"] if t["name"] == "collapse_find_target_node"]
    assert numa == [] or all(t["conditional"] for t in numa), numa
    assert "collapse_huge_page" in e["stubbed"]
    assert "trace_mm_mthp_collapse_range" in e["stubbed"]
    assert "__releases(&mm->mmap_lock)" in e["collapse_huge_page_signature"]
    for name in ("DECLARE_BITMAP", "HPAGE_PMD_ORDER", "READ_ONCE", "guard"):
        assert name in e["from_environment"], e["from_environment"]
    assert any("khugepaged_max_ptes_none" in x for x in e["set_per_case"])
    code, out, err = kcheck("--bitmaps", "16", "--random", "1", "--geometry",
                            "x86_64", "--model", "v15", "--explain",
                            os.path.join(K, "khugepaged-stack.c"))
    assert code == 0 and "what kcheck compiled for" in out and \
        "stubbed by kcheck:" in out, out


def git(tree, *args):
    p = subprocess.run(["git", "-C", tree, *args], capture_output=True,
                       text=True)
    assert p.returncode == 0, (args, p.stderr)
    return p.stdout


def new_tree(name):
    """An empty git work tree in TMP with its mm/, and its khugepaged.c's path."""
    tree = os.path.join(TMP, name)
    os.makedirs(os.path.join(tree, "mm"))
    git(tree, "init", "-q")
    git(tree, "config", "user.email", "kcheck@example.org")
    git(tree, "config", "user.name", "kcheck test")
    return tree, os.path.join(tree, "mm", "khugepaged.c")


SCAN_QUICK = ["--random", "40"]


def scan_json(*args):
    code, out, err = kcheck("--json", "--function", "collapse_scan_pmd",
                            *SCAN_QUICK, *args)
    assert code in (0, 1), (code, err)
    d = json.loads(out)
    assert d["check"] == "scan", d
    return code, d


def table_of(text):
    """The PTE letters of a scenario's ptes line, one per PTE."""
    for line in text.splitlines():
        if line.replace(" ", "").startswith("ptes="):
            out = ""
            for tok in line.split("=", 1)[1].split():
                if "*" in tok:
                    c, n = tok.split("*")
                    out += c * int(n)
                else:
                    out += tok
            return out
    raise AssertionError("no ptes line: " + text)


def setting(text, key, default):
    for line in text.splitlines():
        k, _, v = line.partition("=")
        if k.strip() == key:
            return v.strip()
    return default


@test
def scan_fixtures_clean_on_every_geometry():
    # each shape's fixture against the model the shape picks, on every
    # named geometry (the default), over the examples and random tables
    for f, fn, shape, model, given in (
            ("khugepaged-walk.c", "collapse_scan_pmd", "series", "latest", []),
            ("khugepaged-stack.c", "collapse_scan_pmd", "series", "v15",
             ["--model", "v15"]),
            ("khugepaged-baseline.c", "hpage_collapse_scan_pmd", "baseline",
             "baseline", [])):
        code, out, err = kcheck("--json", "--function", fn, *SCAN_QUICK,
                                *given, os.path.join(K, f))
        assert code == 0, (f, code, out, err)
        d = json.loads(out)
        assert d["settings"]["shape"] == shape and d["settings"]["model"] == model, d["settings"]
        assert d["differ"] == 0 and d["cases"] > 7 * 30, d
        assert d["settings"]["scenario_files"] >= 20, d["settings"]
        # ktest's two suites, on each of the named geometries
        assert d["settings"]["ktest_scenarios"] >= 40 * 7, d["settings"]
    # the v15-shaped scan is not latest's: a zero-only table in madvise
    # mode passes latest's scan (no limit) and fails v15's (511 holes);
    # latest then attempts the PMD, which a VMA with no anon_vma refuses
    code, d = scan_json(os.path.join(K, "khugepaged-stack.c"))
    assert code == 1 and d["differ"] > 0, d
    f = d["first_difference"]
    os.unlink(f["scenario_file"])
    assert setting(f["scenario_text"], "mode", "") == "madvise", f
    assert set(table_of(f["scenario_text"])) <= set(".z"), f
    assert "no attempt" in f["what"] and "(0,9) SCAN_PAGE_ANON" in f["what"], f
    # --scenario: a directory of .scn files (and no ktest suite)
    code, d = scan_json("--scenario", os.path.join(SRCDIR, "examples"),
                        "--random", "0", os.path.join(K, "khugepaged-walk.c"))
    assert code == 0 and d["settings"]["ktest_scenarios"] == 0, d["settings"]
    assert d["settings"]["scenario_files"] >= 20 and d["cases"] >= 19, d
    # by default a file with both is checked both ways
    code, out, err = kcheck(*QUICK, os.path.join(K, "khugepaged-walk.c"))
    assert code == 0, (out, err)
    assert "mthp_collapse(" in out and "collapse_scan_pmd(" in out, out
    assert "the series' shape" in out, out


def check_scan_mutant(name, fn="collapse_scan_pmd"):
    code, out, err = kcheck("--json", "--function", fn, *SCAN_QUICK,
                            "--random", "200", os.path.join(TMP, name))
    assert code == 1, (name, code, err)
    d = json.loads(out)
    f = d["first_difference"]
    assert d["differ"] > 0 and f["what"], d
    # the scenario file plays the model's side
    path = f["scenario_file"]
    with open(path) as fh:
        text = fh.read()
    assert text == f["scenario_text"]
    code, rout, rerr = run_prog(MTHPSIM, "run", "--json", path)
    assert code == 0, rerr
    os.unlink(path)
    return d, text, json.loads(rout)


@test
def scan_mutants_are_caught():
    # the swap limit: the mutant refuses at max_ptes_swap entries, the
    # model only past it, so the scenario holds at least that many
    d, text, run = check_scan_mutant("scan-swap-limit.c")
    limit = int(setting(text, "max_ptes_swap", "64"))
    assert sum(table_of(text).count(c) for c in "wWm") >= limit, text
    assert setting(text, "mode", "khugepaged") == "khugepaged", text
    # sharing per page: only a shared folio of more than one page has
    # pages the other process does not map
    d, text, run = check_scan_mutant("scan-shared-per-pte.c")
    t = table_of(text)
    big = [tuple(map(int, line.split("=")[1].split()))
           for line in text.splitlines() if line.startswith("folio =")]
    assert any(o > 0 and any(c in "Ss" for c in t[s:s + (1 << o)])
               for s, o in big), text
    # the young rule: the difference needs a scan that saw no young page
    d, text, run = check_scan_mutant("scan-no-young.c")
    assert not any(c in "PS" for c in table_of(text)), text
    assert setting(text, "mode", "khugepaged") == "khugepaged", text
    # the zero page as present: the table has zero-page PTEs
    d, text, run = check_scan_mutant("scan-zero-present.c")
    assert "z" in table_of(text), text
    # and in mainline's shape
    d, text, run = check_scan_mutant("scan-baseline-swap-limit.c",
                                     "hpage_collapse_scan_pmd")
    assert d["settings"]["model"] == "baseline", d["settings"]
    assert run["model"] == "baseline", run.keys()
    limit = int(setting(text, "max_ptes_swap", "64"))
    assert sum(table_of(text).count(c) for c in "wWm") >= limit, text


@test
def scan_counts_traces_and_warnings_are_compared():
    # the attempts and the result agree, the count does not: a swap
    # refusal adds one to thp_scan_exceed_swap_pte in the model only
    d, text, run = check_scan_mutant("scan-no-vmstat.c")
    what = d["first_difference"]["what"]
    assert what.startswith("/proc/vmstat thp_scan_exceed_swap_pte:"), what
    assert what.splitlines()[1].endswith(": 0") and what.splitlines()[2].endswith(": 1"), what
    limit = int(setting(text, "max_ptes_swap", "64"))
    assert sum(table_of(text).count(c) for c in "wWm") > limit, text
    # a return past the trace point: the model traces every scan once
    d, text, run = check_scan_mutant("scan-uffd-return.c")
    what = d["first_difference"]["what"]
    assert what.startswith("the scan's trace point mm_khugepaged_scan_pmd fired:"), what
    assert "0 times" in what.splitlines()[1] and "1 times" in what.splitlines()[2], what
    assert "u" in table_of(text), text
    # a wrong assertion is a difference of its own, named before the rest
    d, text, run = check_scan_mutant("scan-warn.c")
    what = d["first_difference"]["what"]
    assert "scan-warn.c: a WARN_ON_ONCE/VM_WARN_ON_ONCE fired" in what, what
    assert setting(text, "mode", "khugepaged") == "khugepaged", text
    assert any(c in "wWm" for c in table_of(text)), text


@test
def scan_bitmap_is_compared():
    # one hole, then 511 young pages, the PMD size alone: both scans pass
    # (one hole is within max_ptes_none 511) and both try (0,9), which
    # succeeds; only the bitmap says PTE 0 is occupied
    scn = os.path.join(TMP, "one-hole.scn")
    with open(scn, "w") as f:
        f.write("geometry = x86_64\norder.9 = always\nptes = .*1 P*511\n")
    code, out, err = kcheck("--json", "--function", "collapse_scan_pmd", "--random", "0",
                            "--scenario", scn, os.path.join(TMP, "scan-hole-occupied.c"))
    assert code == 1, (code, err)
    d = json.loads(out)
    assert d["cases"] == 1 and d["differ"] == 1, d
    what = d["first_difference"]["what"].splitlines()
    assert what[0] == "the occupancy bitmap after the scan, PTE 0:", what
    assert what[1].endswith(": occupied") and what[2].endswith(": not occupied"), what
    os.unlink(d["first_difference"]["scenario_file"])


def check_scan_failure(name, *args):
    code, out, err = kcheck("--json", "--function", "collapse_scan_pmd",
                            *SCAN_QUICK, *args, os.path.join(TMP, name))
    assert code == 1, (name, code, err)
    f = json.loads(out)["failure"]
    # the scenario it stopped on is saved, and plays on the model's side
    with open(f["scenario_file"]) as fh:
        assert fh.read() == f["scenario_text"]
    assert "L" in table_of(f["scenario_text"]), f
    code, rout, rerr = run_prog(MTHPSIM, "run", f["scenario_file"])
    assert code == 0, rerr
    os.unlink(f["scenario_file"])
    return f


@test
def scan_crash_and_endless_loop_are_findings_with_their_scenario():
    f = check_scan_failure("scan-hostile-segv.c")
    # SIGSEGV, or SIGABRT where the address sanitizer catches it first
    assert f["text"].startswith("was killed by signal"), f
    f = check_scan_failure("scan-hostile-loop.c", "--timeout", "1")
    assert f["text"] == "did not return within 1 s (--timeout)", f
    code, out, err = kcheck("--function", "collapse_scan_pmd", *SCAN_QUICK,
                            os.path.join(TMP, "scan-hostile-segv.c"))
    assert code == 1 and "(the check stopped there)" in out, (out, err)
    path = out.split("saved as ")[-1].split()[0]
    assert os.path.exists(path), out
    os.unlink(path)


@test
def scan_against_another_file():
    walk = os.path.join(K, "khugepaged-walk.c")
    # the young rule dropped: they part only on a khugepaged scan that
    # saw no young page
    code, out, err = kcheck("--json", "--function", "collapse_scan_pmd", *SCAN_QUICK,
                            "--random", "200", walk, "--against",
                            os.path.join(TMP, "scan-no-young.c"))
    assert code == 1, (code, err)
    d = json.loads(out)
    assert d["settings"]["against"].endswith("scan-no-young.c"), d["settings"]
    text = d["first_difference"]["scenario_text"]
    assert not any(c in "PS" for c in table_of(text)), text
    assert setting(text, "mode", "khugepaged") == "khugepaged", text
    os.unlink(d["first_difference"]["scenario_file"])
    # mainline's scan against the series' (each found by its own name):
    # the first of the bundled tables where they part is ktest's
    # uffd-hole (MADV_COLLAPSE, a uffd-armed VMA, one hole): both refuse it
    # at the hole, SCAN_EXCEED_NONE_PTE, and the series counts that in the
    # PMD size's collapse_exceed_none_pte, a per-size counter mainline
    # does not have (docs/MODELS.md section 8)
    code, out, err = kcheck("--random", "0", os.path.join(K, "khugepaged-baseline.c"),
                            "--against", walk)
    assert code == 1, (code, err)
    assert "first difference, in ktest uffd-hole:" in out, out
    first = out.split("first difference, in ktest uffd-hole:")[1]
    assert "hugepages-2048kB/stats/collapse_exceed_none_pte:" in first, first
    assert "khugepaged-baseline.c: 0" in first and "khugepaged-walk.c: 1" in first, first
    assert "hpage_collapse_scan_pmd(" in out and "collapse_scan_pmd(" in out, out
    os.unlink(out.split("saved as ")[1].split()[0])


@test
def scan_check_refuses_what_it_cannot_run():
    walk = os.path.join(K, "khugepaged-walk.c")
    neither = os.path.join(TMP, "neither.c")
    with open(neither, "w") as f:
        f.write("int khugepaged_pages_to_scan;\n")
    code, out, err = kcheck(neither)
    assert code == 2 and "no definition of mthp_collapse() and no scan function" in err, err
    code, out, err = kcheck("--against-patch", neither, walk)
    assert code == 2 and "no --against side" in err, err
    # each list option has its bound, said before anything is compiled
    for opt, n, words in (("--scenario", 65, "--scenario: at most 64"),
                          ("--geometry", 33, "--geometry: at most 32")):
        args = []
        for _ in range(n):
            args += [opt, "x86_64" if opt == "--geometry" else neither]
        code, out, err = kcheck(*args, walk)
        assert code == 2 and words in err and out == "", (opt, code, err)
    # the compiler's warnings fail the scan's check too under --Werror
    code, out, err = kcheck("--function", "collapse_scan_pmd", "--random", "2",
                            "--Werror", os.path.join(TMP, "warning-unused.c"))
    assert code == 2 and "never_used" in out and "0 differ" in out, (code, out, err)


@test
def scan_text_report_names_the_scenario_file():
    code, out, err = kcheck("--function", "collapse_scan_pmd", *SCAN_QUICK,
                            "--random", "200", os.path.join(TMP, "scan-zero-present.c"))
    assert code == 1, (out, err)
    assert "first difference, in " in out and "saved as " in out, out
    path = out.split("saved as ")[1].split()[0]
    assert os.path.exists(path), path
    os.unlink(path)
    no_environment_lines(out, err)


@test
def scan_of_trees_revisions_and_patches():
    tree, ours = new_tree("linux-scan")
    shutil.copy(os.path.join(K, "khugepaged-walk.c"), ours)
    git(tree, "add", ".")
    git(tree, "commit", "-qm", "base")
    git(tree, "tag", "base")
    shutil.copy(os.path.join(TMP, "scan-swap-limit.c"), ours)
    git(tree, "commit", "-qam", "mm: khugepaged: a stricter swap limit")
    patch = os.path.join(TMP, "swap.patch")
    with open(patch, "w") as f:
        f.write(git(tree, "format-patch", "--stdout", "base..HEAD"))
    git(tree, "checkout", "-q", "base")
    code, d = scan_json(tree)
    assert code == 0 and d["differ"] == 0, d
    code, d = scan_json(tree + "@base")
    assert code == 0 and d["differ"] == 0, d
    code, d = scan_json(tree + "@master") if "master" in git(tree, "branch") \
        else scan_json(tree + "@main")
    assert code == 1 and d["differ"] > 0, d
    code, d = scan_json(tree + "@base", "--patch", patch)
    assert code == 1 and d["differ"] > 0, d
    assert d["settings"]["source"]["patches_applied"] == 1
    # before against after
    code, d = scan_json(tree + "@base", "--against", tree + "@base",
                        "--against-patch", patch)
    assert code == 1 and d["differ"] > 0 and d["settings"]["against"], d
    assert git(tree, "status", "--porcelain") == ""


@test
def scan_bad_scenario_file_is_located():
    bad = os.path.join(TMP, "bad.scn")
    with open(bad, "w") as f:
        f.write("max_ptes_none = 5\nptes = P*10\n")
    code, out, err = kcheck("--function", "collapse_scan_pmd", "--scenario", bad,
                            os.path.join(K, "khugepaged-walk.c"))
    assert code == 2 and bad + ":2:" in err, (code, err)
    code, out, err = kcheck("--function", "collapse_scan_pmd", "--scenario",
                            "/nonexistent.scn", os.path.join(K, "khugepaged-walk.c"))
    assert code == 2 and "/nonexistent.scn" in err, (code, err)
    # with both checks (the default), refused before either runs: no
    # report of the first on standard output
    code, out, err = kcheck("--scenario", bad, os.path.join(K, "khugepaged-walk.c"))
    assert code == 2 and bad + ":2:" in err and out == "", (code, out, err)



def summary(d):
    f = d.get("first_difference")
    return (d["cases"], d["differ"],
            f and (f["bitmap"], f["mode"], f["orders"],
                   [(x["offset"], x["order"]) for x in f["a"]["attempts"]],
                   [(x["offset"], x["order"]) for x in f["b"]["attempts"]]))


@test
def trees_revisions_and_patches_agree_with_files():
    if not shutil.which("git"):
        raise AssertionError("git is needed for this test")
    tree, ours = new_tree("linux")
    # base: the v15 shape; then two commits, as a series: the walk with
    # its threshold one PTE too strict, and the fix; another file too
    shutil.copy(os.path.join(K, "khugepaged-stack.c"), ours)
    with open(os.path.join(tree, "README"), "w") as f:
        f.write("a tree\n")
    git(tree, "add", ".")
    git(tree, "commit", "-qm", "base")
    git(tree, "tag", "base")
    shutil.copy(os.path.join(TMP, "mutant-walk-threshold.c"), ours)
    with open(os.path.join(tree, "README"), "a") as f:
        f.write("the walk\n")
    git(tree, "commit", "-qam", "mm: khugepaged: a forward walk")
    shutil.copy(os.path.join(K, "khugepaged-walk.c"), ours)
    git(tree, "commit", "-qam", "mm: khugepaged: fix the threshold")
    git(tree, "checkout", "-qb", "topic")
    pdir = os.path.join(TMP, "patches")
    git(tree, "format-patch", "-q", "-o", pdir, "base..topic")
    mbox = os.path.join(TMP, "series.mbox")
    with open(mbox, "w") as f:
        f.write(git(tree, "format-patch", "--stdout", "base..topic"))
    p1, p2 = sorted(os.path.join(pdir, x) for x in os.listdir(pdir))

    # the file at each revision against the model
    walk = summary(kjson(os.path.join(K, "khugepaged-walk.c"))[1])
    assert walk[1] == 0
    for side in (tree, tree + "@topic", tree + "@HEAD", tree + "@topic~0"):
        code, d = kjson(side)
        assert summary(d) == walk, (side, summary(d), walk)
    code, d = kjson(tree + "@base", "--patch", mbox)
    assert summary(d) == walk and d["settings"]["file"] == tree + "@base + 2 patches", d["settings"]
    assert d["settings"]["source"]["patches_applied"] == 2
    code, d = kjson(tree + "@base", "--patch", p1, "--patch", p2)
    assert summary(d) == walk, summary(d)
    # the middle of the series is the threshold mutant
    mutant = summary(kjson(os.path.join(TMP, "mutant-walk-threshold.c"))[1])
    assert mutant[1] > 0
    for side, extra in ((tree + "@topic~1", []), (tree + "@base", ["--patch", p1])):
        code, d = kjson(side, *extra)
        assert summary(d) == mutant, (side, summary(d), mutant)
    # before against after: the same as the two files
    files = summary(kjson(os.path.join(K, "khugepaged-stack.c"), "--against",
                          os.path.join(K, "khugepaged-walk.c"))[1])
    for a, b, extra in ((tree + "@base", tree + "@topic", []),
                        (tree + "@base", tree + "@base", ["--against-patch", mbox])):
        code, d = kjson(a, "--against", b, *extra)
        assert summary(d) == files, (a, b, summary(d), files)
    # the user's tree is left as it was
    assert git(tree, "status", "--porcelain") == ""
    # a series that does not apply names the patch and the hunk
    code, out, err = kcheck(tree + "@topic", "--patch", mbox)
    assert code == 2, (code, err)
    assert "series.mbox: message 1 of 2" in err and "a forward walk" in err, err
    assert "hunk 1 (@@ -" in err and "does not apply to mm/khugepaged.c" in err, err
    code, out, err = kcheck(tree + "@no-such-branch")
    assert code == 2 and "no-such-branch" in err, err
    # a revision that git would read as its option writes nothing
    written = os.path.join(TMP, "written-by-git")
    code, out, err = kcheck(tree + "@--output=" + written)
    assert code == 2 and "is not a revision" in err, err
    assert not os.path.exists(written)


@test
def patches_as_the_list_sends_them():
    import difflib
    import re
    walk_c = os.path.join(K, "khugepaged-walk.c")
    with open(walk_c) as f:
        old = f.read().splitlines(True)
    with open(os.path.join(TMP, "mutant-walk-threshold.c")) as f:
        new = f.read().splitlines(True)
    hunks = "".join(difflib.unified_diff(old, new, "a/mm/khugepaged.c",
                                         "b/mm/khugepaged.c"))
    quick = ["--function", "mthp_collapse", "--bitmaps", "64", "--random", "2",
             "--geometry", "x86_64"]
    mutant = summary(kjson(*quick, os.path.join(TMP, "mutant-walk-threshold.c"))[1])
    assert mutant[1] > 0, mutant

    def patch(name, text):
        path = os.path.join(TMP, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    # written against a file with four more lines above: found 4 lines up
    drift = re.sub(r"@@ -(\d+),(\d+) \+(\d+),(\d+) @@",
                   lambda m: "@@ -%d,%s +%d,%s @@" % (int(m[1]) + 4, m[2],
                                                   int(m[3]) + 4, m[4]), hunks)
    assert drift != hunks
    code, d = kjson(*quick, walk_c, "--patch", patch("drift.patch", drift))
    assert summary(d) == mutant, (summary(d), mutant)
    # a last line added without its newline, as diff marks it
    n = len(old)
    tail = ("--- a/mm/khugepaged.c\n+++ b/mm/khugepaged.c\n"
            "@@ -%d,1 +%d,2 @@\n %s+/* the end */\n"
            "\\ No newline at end of file\n" % (n, n, old[-1]))
    code, d = kjson(*quick, walk_c, "--patch", patch("tail.patch", tail))
    assert code == 0 and d["differ"] == 0 and d["cases"] > 0, d
    assert d["settings"]["source"]["patches_applied"] == 1, d["settings"]
    # what cannot be applied is named, exit 2, nothing checked
    mail = ("From: a <a@example.org>\nSubject: [PATCH] mm: a change\n"
            "Content-Transfer-Encoding: base64\n\nLS0tIGEvbW0va2h1Z2VwYWdlZC5j\n")
    short = hunks.split("\n@@", 1)[0] + "\n@@ -300,9 +300,9 @@\n context\n"
    for name, text, words in (
            ("mail.eml", mail, "(\"[PATCH] mm: a change\"): the message is base64-encoded"),
            ("short.patch", short, "hunk 1 of mm/khugepaged.c is malformed (@@ -300,9 +300,9 @@)"),
            ("notes.txt", "nothing but words\n",
             "not a patch (no '--- ' and '+++ ' lines of a unified diff)")):
        code, out, err = kcheck(*quick, walk_c, "--patch", patch(name, text))
        assert code == 2 and os.path.join(TMP, name) in err, (name, code, err)
        assert words in err, (name, err)
        assert out == "", out
    code, out, err = kcheck(*quick, walk_c, "--patch", TMP)
    assert code == 2 and TMP + ":" in err, err


@test
def hostile_patches_are_refused_and_leave_nothing():
    # malformed, empty, binary, NUL-bearing and huge patches: each exit 2
    # naming the patch (and its line or hunk), no crash, no scratch left
    walk_c = os.path.join(K, "khugepaged-walk.c")
    head = "--- a/mm/khugepaged.c\n+++ b/mm/khugepaged.c\n"
    cases = [
        ("bogus.patch", (head + "@@ bogus @@\n").encode(),
         "hunk 1 of mm/khugepaged.c is malformed (@@ bogus @@)"),
        ("header-only.patch", b"@@ bogus @@\n", "not a patch"),
        ("empty.patch", b"", "not a patch"),
        ("git-binary.patch", ("diff --git a/mm/khugepaged.c b/mm/khugepaged.c\n" + head +
                              "GIT binary patch\nliteral 3\nKcmZ\n").encode(),
         ":4: a binary diff of mm/khugepaged.c"),
        ("binary.patch", b"diff --git a/mm/khugepaged.c b/mm/khugepaged.c\n"
                         b"Binary files a/mm/khugepaged.c and b/mm/khugepaged.c differ\n",
         ":2: a binary diff of mm/khugepaged.c"),
        ("nul.patch", (head + "@@ -1,1 +1,1 @@\n-a").encode() + b"\0b\n+c\n",
         ":4: a NUL byte; not a text patch"),
        ("overlong-count.patch", (head + "@@ -1,999999999999 +1,1 @@\n a\n").encode(),
         "hunk 1 of mm/khugepaged.c is malformed"),
    ]
    scratch = os.path.join(TMP, "scratch-patches")
    os.makedirs(scratch)
    env = dict(os.environ, TMPDIR=scratch)
    for name, data, words in cases:
        path = os.path.join(TMP, name)
        with open(path, "wb") as f:
            f.write(data)
        p = subprocess.run([MTHPSIM, "kcheck", "--bitmaps", "4", "--random", "0",
                            walk_c, "--patch", path], capture_output=True, text=True,
                           timeout=120, env=env)
        assert p.returncode == 2, (name, p.returncode, p.stderr)
        assert path in p.stderr and words in p.stderr, (name, p.stderr)
        assert os.listdir(scratch) == [], (name, os.listdir(scratch))
    huge = os.path.join(TMP, "huge.patch")
    with open(huge, "wb") as f:
        f.truncate((64 << 20) + 1)
    p = subprocess.run([MTHPSIM, "kcheck", walk_c, "--patch", huge], capture_output=True,
                       text=True, timeout=120, env=env)
    assert p.returncode == 2 and "huge.patch: larger than 64 MiB" in p.stderr, p.stderr
    assert os.listdir(scratch) == [], os.listdir(scratch)
    os.remove(huge)


@test
def a_path_with_quotes():
    d = os.path.join(TMP, "it's \"here\"")
    os.makedirs(d)
    f = os.path.join(d, "khugepaged.c")
    shutil.copy(os.path.join(TMP, "warning-unused.c"), f)
    code, out, err = kcheck("--bitmaps", "64", "--random", "2",
                            "--geometry", "x86_64", f)
    assert code == 0, (code, out, err)
    assert f + ":" in out, out


# the case each hostile file stops on: the first with order 3 alone -
# the empty table, khugepaged mode, no uffd, the order sets counted down
# from 2-4 (0x1c): 0x1c, 0x18, 0x14, 0x10, 0x0c, 0x08
HOSTILE_CASE = "geometry custom:12:16:16, khugepaged mode, orders 3, max_ptes_none 0"


@test
def endless_loop_is_stopped_and_named():
    code, out, err = kcheck("--timeout", "1", "--bitmaps", "16", "--random", "1",
                            "--geometry", "x86_64", os.path.join(TMP, "hostile-loop.c"))
    assert code == 1, (code, out, err)
    assert "did not return within 1 s (--timeout)" in out, out
    assert HOSTILE_CASE in out and "table: .*16" in out, out
    code, d = kjson("--timeout", "1", os.path.join(TMP, "hostile-loop.c"))
    assert d["failure"]["what"] == "timeout" and d["failure"]["orders"] == "3", d


@test
def crash_is_a_finding_with_its_case():
    code, out, err = kcheck("--bitmaps", "16", "--random", "1", "--geometry",
                            "x86_64", os.path.join(TMP, "hostile-segv.c"))
    assert code == 1, (code, out, err)
    # SIGSEGV, or SIGABRT where the address sanitizer catches it first
    assert "was killed by signal" in out and HOSTILE_CASE in out, out


@test
def the_files_code_runs_without_root():
    pwned = os.path.join(TMP, "pwned")
    code, out, err = kcheck("--bitmaps", "16", "--random", "1", "--geometry",
                            "x86_64", os.path.join(TMP, "hostile-system.c"))
    assert code == 0, (code, out, err)
    # the shell it started ran as nobody: TMP is root's, 0700 (a
    # coverage build, which .ci/run marks, keeps root to write its counts)
    if os.geteuid() == 0 and not os.environ.get("MTHP_COVERAGE_BUILD"):
        assert not os.path.exists(pwned), "the file's code ran as root"


def under_a_terminal(*args, timeout=600):
    """kcheck started as a shell would start it: in a session of its own
    with a terminal as its controlling terminal and standard input."""
    import pty
    import termios
    import fcntl
    master, slave = pty.openpty()

    def take_terminal():
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    try:
        p = subprocess.run([MTHPSIM, "kcheck", *args], stdin=slave,
                           capture_output=True, text=True, timeout=timeout,
                           preexec_fn=take_terminal)
    finally:
        os.close(slave)
        os.close(master)
    return p.returncode, p.stdout, p.stderr


def named(comm, wait=5.0):
    """The PIDs of processes called comm, after up to wait seconds for
    them to go."""
    import time
    end = time.monotonic() + wait
    while True:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == comm:
                        found.append(int(pid))
            except OSError:
                pass
        if not found or time.monotonic() > end:
            return found
        time.sleep(0.1)


COVERAGE = bool(os.environ.get("MTHP_COVERAGE_BUILD"))
ONE = ["--bitmaps", "16", "--random", "1", "--geometry", "x86_64"]


@test
def the_files_code_has_no_terminal():
    # it crashes if it finds one: a controlling terminal, a terminal on a
    # standard stream, or kcheck's session
    code, out, err = under_a_terminal(*ONE, os.path.join(TMP, "hostile-tty.c"))
    assert code == 0, (code, out, err)
    assert "0 differ" in out, out
    # the probe: unconfined, it finds the terminal
    code, out, err = under_a_terminal(*ONE, "--unconfined", os.path.join(TMP, "hostile-tty.c"))
    assert code == 1 and "killed by signal" in out, (code, out, err)


@test
def an_exit_in_the_middle_is_not_a_pass():
    code, out, err = kcheck(*ONE, os.path.join(TMP, "hostile-exit.c"))
    assert code == 1, (code, out, err)
    assert "before the check had run every case" in out, out
    assert HOSTILE_CASE in out, out
    code, d = kjson(os.path.join(TMP, "hostile-exit.c"))
    assert code == 1 and d["failure"]["what"] == "exit", d
    assert d["failure"]["orders"] == "3", d


@test
def processes_it_starts_are_bounded_and_do_not_outlive_it():
    # 200 forks, each child renamed and in a session of its own: the jail
    # refuses some (its process limit; else the code crashes, a finding),
    # and kills the rest at the end
    code, out, err = kcheck(*ONE, os.path.join(TMP, "hostile-fork.c"))
    left = named(ORPHAN)
    for pid in left:
        os.kill(pid, 9)
    assert not left, f"{len(left)} processes left running"
    # a coverage build keeps root in the jail, and root has no process
    # limit: there the code's crash is the expected finding
    assert code == (1 if COVERAGE and os.geteuid() == 0 else 0), (code, out, err)


@test
def the_files_output_is_not_kcheck_output():
    code, d = kjson(os.path.join(TMP, "hostile-stdout.c"))
    assert code == 0 and "forged" not in d, d
    code, out, err = kcheck(*ONE, os.path.join(TMP, "hostile-stdout.c"))
    assert code == 0 and "forged" not in out + err, (code, out, err)


@test
def the_compiler_reads_nothing_outside_the_tree():
    # a root-only file named by #include and by .incbin: the compile fails,
    # and its content is nowhere in what kcheck says
    for f in ("hostile-include-secret.c", "hostile-incbin-secret.c"):
        code, out, err = kcheck(*ONE, os.path.join(TMP, f))
        assert SECRET_TEXT not in out + err, (f, out, err)
        assert code == 2, (f, code, err)
        assert "No such file or directory" in err or "file not found" in err, (f, err)
    # a header that leads out of the tree is not spliced in either
    tree = os.path.join(TMP, "escape", "mm")
    os.makedirs(tree)
    with open(os.path.join(K, "khugepaged-walk.c")) as f:
        text = f.read()
    with open(os.path.join(tree, "khugepaged.c"), "w") as f:
        f.write(text.replace("\tbool alloc_failed = false;\n",
                             "\tbool alloc_failed = false;\n#include \"../../secret\"\n"
                             "#include \"leak.h\"\n"))
    os.symlink(SECRET, os.path.join(tree, "leak.h"))
    code, out, err = kcheck(*ONE, os.path.join(tree, "khugepaged.c"))
    assert SECRET_TEXT not in out + err, (out, err)
    assert code == 2, (code, out, err)


@test
def standard_input_is_not_the_compilers():
    code, out, err = under_a_terminal(*ONE, os.path.join(TMP, "hostile-include-stdin.c"),
                                      timeout=120)
    assert code == 2 and "/dev/stdin: No such file" in err, (code, err)


@test
def a_compile_out_of_memory_says_so():
    code, out, err = kcheck(*ONE, os.path.join(TMP, "hostile-macro-bomb.c"))
    assert code == 2, (code, out, err)
    assert "memory" in err, err


@test
def a_signal_during_the_compile_leaves_nothing():
    import time
    tmpdir = os.path.join(TMP, "scratch-compile")
    os.makedirs(tmpdir)
    p = subprocess.Popen([MTHPSIM, "kcheck", *ONE, os.path.join(TMP, "hostile-macro-bomb.c")],
                         env=dict(os.environ, TMPDIR=tmpdir),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def compilers():
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if tmpdir.encode() in f.read():
                        found.append(int(pid))
            except OSError:
                pass
        return found
    for _ in range(200):  # until the compiler is at work
        time.sleep(0.05)
        if compilers():
            break
    assert compilers(), "no compiler was seen"
    time.sleep(0.5)
    p.send_signal(15)
    p.communicate(timeout=30)
    assert p.returncode in (-15, 143), p.returncode
    for _ in range(50):
        if not compilers():
            break
        time.sleep(0.1)
    left = compilers()
    for pid in left:
        os.kill(pid, 9)
    assert not left, "processes left: " + str(left)
    assert os.listdir(tmpdir) == [], os.listdir(tmpdir)


@test
def interrupted_leaves_no_scratch():
    tmpdir = os.path.join(TMP, "scratch")
    os.makedirs(tmpdir)
    env = dict(os.environ, TMPDIR=tmpdir)
    p = subprocess.Popen([MTHPSIM, "kcheck", "--timeout", "60",
                          os.path.join(TMP, "hostile-loop.c")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    import time
    for _ in range(100):  # until the file's code is running
        time.sleep(0.1)
        if os.listdir(tmpdir) and any(
                f.endswith(".so") for _, _, fs in os.walk(tmpdir) for f in fs):
            break
    time.sleep(0.5)
    p.send_signal(2)
    p.communicate(timeout=30)
    assert p.returncode in (-2, 130), p.returncode
    assert os.listdir(tmpdir) == [], os.listdir(tmpdir)


@test
def nothing_checked_is_not_a_pass():
    code, out, err = kcheck("--bitmaps", "0", "--random", "0",
                            os.path.join(K, "khugepaged-walk.c"))
    assert code == 2 and "no case was checked" in err, (code, err)


@test
def broken_files_say_what_is_wrong():
    f = os.path.join(TMP, "broken-braces.c")
    code, out, err = kcheck(f)
    assert code == 2 and "never ends" in err and "do not balance" in err, err
    code, out, err = kcheck(K)
    assert code == 2 and "a directory without mm/khugepaged.c" in err, err
    # a timeout of 0 would stop every case: refused, saying the bounds
    code, out, err = kcheck("--timeout", "0", os.path.join(K, "khugepaged-walk.c"))
    assert code == 2 and "--timeout 0: a case needs at least one second" in err, err
    big = os.path.join(TMP, "big.c")
    with open(big, "wb") as fh:
        fh.truncate((64 << 20) + 1)
    code, out, err = kcheck(big)
    assert code == 2 and "larger than 64 MiB" in err, err
    os.remove(big)


@test
def options_that_leave_nothing_to_check():
    walk = os.path.join(K, "khugepaged-walk.c")
    # no case at all is not a pass: exit 2, saying why
    code, out, err = kcheck("--bitmaps", "0", "--random", "0", walk)
    assert code == 2 and "no case was checked" in err, (code, err)
    empty = os.path.join(TMP, "no-scenarios")
    os.makedirs(empty, exist_ok=True)
    code, out, err = kcheck("--function", "collapse_scan_pmd", "--random", "0",
                            "--scenario", empty, walk)
    assert code == 2 and "no scenario was checked" in err, (code, err)
    code, out, err = kcheck(*["--patch", "/dev/null"] * 65, walk)
    assert code == 2 and "--patch: at most 64 per side" in err, err
    code, out, err = kcheck("--no-such-option", walk)
    assert code == 2 and "usage" in err.lower(), err
    # a file against itself: alike, in both checks, and the same seed
    # gives the same cases
    runs = []
    for _ in range(2):
        code, out, err = kcheck("--bitmaps", "16", "--random", "2", "--geometry", "x86_64",
                                "--seed", "7", walk, "--against", walk)
        assert code == 0, (code, err)
        assert "the two sides decide alike on every case" in out, out
        assert "the two sides decide alike on every scenario" in out, out
        runs.append(out)
    assert runs[0] == runs[1], runs


@test
def a_compiler_that_is_not_there_is_named():
    # CC is the user's value: blank or not on PATH is bad input (exit 2),
    # said once, never a difference (exit 1)
    walk = os.path.join(K, "khugepaged-walk.c")
    for cc, said in ((" ", "kcheck: CC is blank"),
                     ("no-such-cc-" + os.path.basename(TMP),
                      "kcheck: the C compiler 'no-such-cc-%s' was not found (set CC)" %
                      os.path.basename(TMP))):
        p = subprocess.run([os.path.abspath(MTHPSIM), "kcheck", *ONE, walk],
                           env=dict(os.environ, CC=cc), capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 2, (cc, p.returncode, p.stderr)
        assert p.stderr.count(said) == 1 and p.stdout == "", (cc, p.stdout, p.stderr)


@test
def environment_path_is_not_a_shell_word():
    env_dir = os.path.join(TMP, "env';touch pwned-env;'x")
    shutil.copytree(os.path.join(SRCDIR, "include"), env_dir)
    shutil.copytree(os.path.join(SRCDIR, "src", "kcheck", "env"), env_dir,
                    dirs_exist_ok=True)
    p = subprocess.run([os.path.abspath(MTHPSIM), "kcheck", "--bitmaps", "16", "--random", "1",
                        "--geometry", "x86_64", os.path.join(K, "khugepaged-walk.c")],
                       env=dict(os.environ, MTHP_KERNEL_ENV=env_dir), cwd=TMP,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert not os.path.exists(os.path.join(TMP, "pwned-env"))


# ---- the mm tree's shapes, on this project's walk fixture ----
#
# The mm development tree moved the series' code around after it merged: an
# mm/collapse.h beside khugepaged.c with the scan results, the COLLAPSE_*
# limits and struct collapse_control; the bitmap renamed eligible_ptes;
# SCAN_PTE_UFFD_WP renamed SCAN_PTE_UFFD; and a struct collapse_policy in
# cc->policy, filled by khugepaged and MADV_COLLAPSE each their own way,
# that the limit helpers read instead of cc->is_khugepaged. The tree below
# is the walk fixture (this project's) put in that shape; collapse.h is
# written here.

COLLAPSE_H = """// SPDX-License-Identifier: MIT
/* The collapse header of a tree in the mm tree's shape: a test fixture. */
#ifndef MM_COLLAPSE_FIXTURE_H
#define MM_COLLAPSE_FIXTURE_H

#include <linux/mm.h>

#define COLLAPSE_MAX_PTES_LIMIT\t(HPAGE_PMD_NR - 1)
#define COLLAPSE_MIN_MTHP_ORDER\t2

@ENUM@
/* what a collapse may do, set by who asks for it */
struct collapse_policy {
\tunsigned int max_ptes_none;
\tunsigned int max_ptes_swap;
\tunsigned int max_ptes_shared;
\tbool strict_sub_pmd;
\tbool skip_lazyfree;
\tbool require_referenced;
\tbool install_pmd;
\tbool writeback_dirty;
\tgfp_t gfp;
\tenum tva_type tva_type;@EXTRA@
};

struct collapse_control {
\tstruct collapse_policy policy;
\tu32 node_load[MAX_NUMNODES];
\tnodemask_t alloc_nmask;
\tDECLARE_BITMAP(eligible_ptes, MAX_PTRS_PER_PTE);
};

#endif
"""

FILLERS = """
/* khugepaged's own settings, and the strict rules below the PMD size */
static void collapse_policy_khugepaged(struct collapse_policy *p)
{
\tp->max_ptes_none = READ_ONCE(khugepaged_max_ptes_none);
\tp->max_ptes_swap = READ_ONCE(khugepaged_max_ptes_swap);
\tp->max_ptes_shared = READ_ONCE(khugepaged_max_ptes_shared);
\tp->strict_sub_pmd = true;
\tp->skip_lazyfree = true;
\tp->require_referenced = true;
\tp->install_pmd = false;
\tp->writeback_dirty = false;
\tp->gfp = GFP_TRANSHUGE_LIGHT;
\tp->tva_type = TVA_KHUGEPAGED;
}

/* a user asked: no limits */
static void collapse_policy_madvise(struct collapse_policy *p)
{
\tp->max_ptes_none = HPAGE_PMD_NR;
\tp->max_ptes_swap = HPAGE_PMD_NR;
\tp->max_ptes_shared = HPAGE_PMD_NR;
\tp->strict_sub_pmd = false;
\tp->skip_lazyfree = false;
\tp->require_referenced = false;
\tp->install_pmd = true;
\tp->writeback_dirty = true;
\tp->gfp = GFP_TRANSHUGE;
\tp->tva_type = TVA_FORCED_COLLAPSE;
}
"""


def cut_block(text, start):
    i = text.index(start)
    j = text.index("};\n", i) + 3
    return text[:i] + text[j:], text[i:j]


def mm_tree(name, fillers=True, extra_field="", edit=None):
    """The walk fixture as a tree of the mm tree's shape; edit(text) may
    change its khugepaged.c."""
    text = open(os.path.join(K, "khugepaged-walk.c")).read()
    text, enum = cut_block(text, "enum scan_result {")
    text, _ = cut_block(text, "struct collapse_control {")
    enum = enum.replace("SCAN_PTE_UFFD_WP", "SCAN_PTE_UFFD")
    reps = [
        ('#include "internal.h"', '#include "collapse.h"\n#include "internal.h"'),
        ("#define KHUGEPAGED_MIN_MTHP_ORDER\t2\n#define KHUGEPAGED_MAX_PTES_LIMIT\t(HPAGE_PMD_NR - 1)\n", ""),
        ("struct collapse_control khugepaged_collapse_control = {\n\t.is_khugepaged = true,\n};",
         "struct collapse_control khugepaged_collapse_control;" + (FILLERS if fillers else "")),
        ("unsigned int limit = READ_ONCE(khugepaged_max_ptes_none);",
         "unsigned int limit = cc->policy.max_ptes_none;"),
        ("\tif (!cc->is_khugepaged)\n\t\treturn HPAGE_PMD_NR;\n\tif (is_pmd_order(order))\n\t\treturn limit;",
         "\tif (is_pmd_order(order) || !cc->policy.strict_sub_pmd)\n\t\treturn limit;"),
        ("return cc->is_khugepaged ? khugepaged_max_ptes_swap : HPAGE_PMD_NR;",
         "return cc->policy.max_ptes_swap;"),
        ("return cc->is_khugepaged ? khugepaged_max_ptes_shared : HPAGE_PMD_NR;",
         "return cc->policy.max_ptes_shared;"),
        ("\tif (!cc->is_khugepaged)\n\t\treturn BIT(HPAGE_PMD_ORDER);",
         "\tif (cc->policy.tva_type != TVA_KHUGEPAGED)\n\t\treturn BIT(HPAGE_PMD_ORDER);"),
        ("if (cc->is_khugepaged && !pte_dirty(pteval) &&",
         "if (cc->policy.skip_lazyfree && !pte_dirty(pteval) &&"),
        ("\t\tif (cc->is_khugepaged &&\n\t\t    (pte_young(pteval)",
         "\t\tif (cc->policy.require_referenced &&\n\t\t    (pte_young(pteval)"),
        ("\tif (cc->is_khugepaged &&\n\t    (!referenced ||",
         "\tif (cc->policy.require_referenced &&\n\t    (!referenced ||"),
    ]
    for old, new in reps:
        assert text.count(old) == 1, ("the walk fixture changed: no", old)
        text = text.replace(old, new)
    text = text.replace("cc->is_khugepaged", "(cc->policy.tva_type == TVA_KHUGEPAGED)")
    text = text.replace("SCAN_PTE_UFFD_WP", "SCAN_PTE_UFFD").replace(
        "mthp_present_ptes", "eligible_ptes").replace(
        "KHUGEPAGED_MIN_MTHP_ORDER", "COLLAPSE_MIN_MTHP_ORDER").replace(
        "KHUGEPAGED_MAX_PTES_LIMIT", "COLLAPSE_MAX_PTES_LIMIT")
    if edit:
        text = edit(text)
    d = os.path.join(TMP, name)
    os.makedirs(os.path.join(d, "mm"))
    with open(os.path.join(d, "mm", "khugepaged.c"), "w") as f:
        f.write(text)
    with open(os.path.join(d, "mm", "collapse.h"), "w") as f:
        f.write(COLLAPSE_H.replace("@ENUM@", enum).replace("@EXTRA@", extra_field))
    with open(os.path.join(d, "Makefile"), "w") as f:
        f.write("VERSION = 7\nPATCHLEVEL = 4\nSUBLEVEL = 0\nEXTRAVERSION = -rc2\n")
    return d


@test
def mm_tree_with_collapse_h_and_a_policy():
    t = mm_tree("mm-policy")
    code, out, err = kcheck(*QUICK, "--explain", t)
    assert code == 0, (code, out[-3000:], err)
    assert out.count("0 differ") == 2, out
    # the header's items, with its path and line; the fillers called
    assert os.path.join(t, "mm", "collapse.h") + ":" in out, out
    assert "struct collapse_policy" in out and "struct collapse_control" in out, out
    assert "cc->policy: filled by the file's collapse_policy_khugepaged() in khugepaged mode, " \
           "its collapse_policy_madvise() for MADV_COLLAPSE" in out, out
    assert "against model latest (Linux 7.4.0-rc2, from the tree's Makefile" in out, out
    # the scan's SCAN_PTE_UFFD is the library's SCAN_PTE_UFFD_WP
    code, d = kjson(*QUICK, t)
    assert code == 0 and d["differ"] == 0 and d["scan"]["differ"] == 0, d


@test
def mm_tree_policy_mutant_is_caught():
    # khugepaged's filler no longer holds sub-PMD ranges to the strict rule
    t = mm_tree("mm-policy-mutant", edit=lambda x: x.replace(
        "\tp->strict_sub_pmd = true;", "\tp->strict_sub_pmd = false;"))
    code, d = kjson(*QUICK, t)
    assert code == 1 and d["differ"] > 0, d
    # a header changed by a patch, at a revision of a git tree: the
    # smallest order of a collapse raised to 3 changes decisions too
    repo = mm_tree("mm-policy-git")
    git = ["git", "-C", repo, "-c", "user.email=k@test", "-c", "user.name=k"]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "base"], check=True)
    h = os.path.join(repo, "mm", "collapse.h")
    text = open(h).read()
    open(h, "w").write(text.replace("#define COLLAPSE_MIN_MTHP_ORDER\t2", "#define COLLAPSE_MIN_MTHP_ORDER\t3"))
    patch = os.path.join(TMP, "min-order.patch")
    with open(patch, "w") as f:
        f.write(subprocess.run(git + ["diff"], capture_output=True, text=True, check=True).stdout)
    subprocess.run(git + ["checkout", "-q", "--", "."], check=True)
    code, d = kjson(*QUICK, repo + "@HEAD")
    assert code == 0 and d["differ"] == 0, d
    code, d = kjson(*QUICK, repo + "@HEAD", "--patch", patch)
    assert code == 1 and d["differ"] > 0, d
    assert d["settings"]["source"]["patches_applied"] == 1, d["settings"]


@test
def mm_tree_policy_without_fillers():
    # no function fills the policy: each field by what its name says
    t = mm_tree("mm-policy-nofill", fillers=False)
    code, out, err = kcheck(*QUICK, "--explain", t)
    assert code == 0 and out.count("0 differ") == 2, (code, out[-2000:], err)
    assert "the file has no function that fills it" in out, out
    # a field whose meaning kcheck cannot know: refused, located
    t = mm_tree("mm-policy-unknown", fillers=False, extra_field="\n\tbool frob;")
    code, out, err = kcheck(*QUICK, t)
    assert code == 2, (code, out, err)
    assert os.path.join(t, "mm", "collapse.h") + ":" in err and "'frob'" in err, err


shutil.rmtree(TMP)
report()
