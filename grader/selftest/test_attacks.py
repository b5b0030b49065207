"""Self-tests: attacks on the grader by a hostile kernel, each of which once
scored points, on real kernel trees (i386 only, to stay short).

- a lab 02 student tree whose vm_phys.c (the student's only file) rewrites
  `lab02.ops` to 0 in the kernel environment, so the workload does nothing
  and the stubs never run: it must score 0 on every workload test;
- an allocator that refuses every allocation above order 0 under test, so
  the workload logs only failures: it must lose the workload tests;
- `test=` naming no test must fail, not pass with nothing run.
"""
import json
import os
import re
import shutil
import subprocess

import pytest

from vmkit import ROOT, runner

PY = "/usr/bin/python3"
WORKLOAD_TESTS = ("workload_invariants", "restore_maximal", "counts_add_up",
                  "workload_replay", "long_workload")


def grade02(tree, tmp_path):
    js = str(tmp_path / "r.json")
    hidden = ["--hidden"] if os.path.isdir(os.path.join(ROOT, "grader", "hidden")) else []
    p = subprocess.run([PY, os.path.join(ROOT, "tools", "grade.py"), "--lab", "02", "--tree", tree,
                        "--config", "i386", "--seed", "11", "--json", js, "-j", "2"] + hidden,
                       capture_output=True, text=True, cwd=ROOT)
    with open(js) as f:
        return {t["extra_data"]["test"]: t for t in json.load(f)["tests"]}, p.stdout + p.stderr


def patch(path, old, new):
    with open(path) as f:
        text = f.read()
    assert old in text, "%s no longer has %r: update the attack" % (path, old)
    with open(path, "w") as f:
        f.write(text.replace(old, new, 1))


def test_zeroing_the_workload_scores_nothing(tmp_path):
    tree = str(tmp_path / "lab02")
    subprocess.run([PY, os.path.join(ROOT, "tools", "mklab.py"), "--lab", "02", "--dest", tree],
                   check=True, capture_output=True)
    vp = os.path.join(tree, "kernel", "vm", "vm_phys.c")
    patch(vp, "#include <sys/systm.h>\n", "#include <sys/systm.h>\n#include <sys/kenv.h>\n")
    patch(vp, "\tsparse_next = 0;\n",
          "\tsparse_next = 0;\n\t{ char *v = (char *)kenv_get(\"lab02.ops\");\n"
          "\t  if (v != NULL) { v[0] = '0'; v[1] = '\\0'; } }\n")
    tests, out = grade02(tree, tmp_path)
    for name in WORKLOAD_TESTS:
        if name in tests:
            assert tests[name]["score"] == 0, (name, out)
            assert "did not perform the workload the grader asked for" in tests[name]["output"], name


def test_refusing_big_blocks_loses_the_workload_tests(tmp_path):
    tree = str(tmp_path / "ref")
    ignore = shutil.ignore_patterns("build", ".git", "__pycache__")
    for d in ("kernel", "tools", "conf", "grader/vmkit"):     # what make needs
        shutil.copytree(os.path.join(ROOT, d), os.path.join(tree, d), ignore=ignore)
    shutil.copy(os.path.join(ROOT, "Makefile"), tree)
    vp = os.path.join(tree, "kernel", "vm", "vm_phys.c")
    patch(vp, "#include <sys/systm.h>\n", "#include <sys/systm.h>\n#include <sys/ktest.h>\n")
    with open(vp) as f:
        text = f.read()
    text, n = re.subn(r"(\nvm_phys_alloc_pages\(int pool, int order\)\n\{\n)",
                      r"\1\tif (order > 0 && ktest_nonce() != NULL)\n\t\treturn (NULL);\n", text)
    assert n == 1, "vm_phys_alloc_pages moved: update the attack"
    with open(vp, "w") as f:
        f.write(text)
    tests, out = grade02(tree, tmp_path)
    for name in ("workload_invariants", "restore_maximal", "counts_add_up"):
        assert tests[name]["score"] == 0, (name, out)
        assert "failed, but at least" in tests[name]["output"], name


@pytest.mark.parametrize("arg", ["", ","])
def test_an_empty_test_list_fails(arg):
    r = runner.Runner(ROOT, session="selftest-attacks")
    assert r.build("i386").ok
    res = r.boot("i386", [arg], timeout=20)
    assert res.cmdline.startswith("test=%s " % arg)
    assert res.kind == "ok" and res.status == runner.qemu.STATUS_FAIL, res.problem()
    assert res.end == (0, 1) and res.tests["(none)"][0] == "FAIL"
    assert "empty test list" in res.tests["(none)"][1]
