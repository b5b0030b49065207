"""Self-tests: what a student reads from `make grade` (tools/grade.py's
StudentView), on lab 00's stub tree: a line per test and config with [n/N],
the first failure in full with its replay command, the points table, and
none of pytest's furniture, which V=1 (--verbose) does show."""
import os
import re
import subprocess

import pytest

import mklab
from vmkit import ROOT, manifest

PY = "/usr/bin/python3"
FURNITURE = ("bringing up nodes", "[gw0]", "[gw1]", "FAILED grader/", "short test summary")


@pytest.fixture(scope="module")
def stub_tree(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("grade-output") / "lab00")
    assert mklab.generate(ROOT, "00", d) == []
    return d


def grade(tree, *args):
    p = subprocess.run([PY, os.path.join(ROOT, "tools", "grade.py"), "--lab", "00", "--tree", tree,
                        "--config", "i386", "--seed", "11", "-j", "2"] + list(args),
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    return p.returncode, p.stdout, p.stderr


def share(name: str) -> float:
    """A public lab 00 test's points on one config (split evenly over its configs)."""
    t = next(t for t in manifest.find_lab(ROOT, "00").tests if t.name == name)
    return t.points / len(t.configs)


TOTAL = "total: 0/%g points, 0 of 2 passed" % round(share("strtoull_bases") + share("kenv_roundtrip"), 4)


def test_default_output_is_for_students(stub_tree):
    rc, out, err = grade(stub_tree)
    assert rc == 1, out + err
    for f in FURNITURE:
        assert f not in out + err, (f, out)
    lines = re.findall(r"^\[(\d)/2\] (\w+) \[i386\] +FAIL 0/([\d.]+)  \(\d+\.\d s\)  (.*)$", out, re.M)
    assert sorted(n for n, _, _, _ in lines) == ["1", "2"], out
    assert {t for _, t, _, _ in lines} == {"strtoull_bases", "kenv_roundtrip"}
    assert all(float(p) == round(share(t), 4) for _, t, p, _ in lines), out
    assert all("not implemented" in why for _, _, _, why in lines)
    first = out.index("---- first failure (2 of 2 tests failed)")
    table = out.index(TOTAL)
    assert max(out.index(ln) for ln in out.splitlines() if ln.startswith("[")) < first < table
    body = out[first:table]
    assert "last lines:" in body and "full serial log: " in body and "command line: " in body
    assert re.search(r"replay: make grade SEED=11 TESTS=\w+ GRADE_CONFIG=i386", body)
    log = os.path.join(stub_tree, "build", "grade", "pytest.log")
    assert "build/grade/pytest.log" in out and os.path.getsize(log) > 0


def test_verbose_shows_pytest(stub_tree):
    """V=1: pytest's own output, the furniture included (so the check above can fail)."""
    rc, out, err = grade(stub_tree, "--verbose")
    assert rc == 1 and "bringing up nodes" in out + err and "[1/2]" not in out
    assert TOTAL in out
