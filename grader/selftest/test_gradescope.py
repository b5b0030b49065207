"""Self-tests: the Gradescope bundle (tools/gradescope.py) end to end on lab 00.

The zip is unpacked into a temporary autograder root and its run_autograder
grades submissions there (AUTOGRADER_ROOT): the reference files (full
score), the stubs (low), the stubs plus non-edit files that would raise the
score if they were used (as low), an edit file that is a symlink to a
correct file outside the submission (refused, 0), nothing (0 with a clear
message); every results.json must follow Gradescope's documented fields and
show no grader path and no hidden test's inputs."""
import json
import os
import shutil
import subprocess
import zipfile
from typing import Any

import pytest

import mklab
from vmkit import ROOT, manifest, results

PY = "/usr/bin/python3"
LAB = manifest.find_lab(ROOT, "00")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("gs") / "lab00.zip"
    p = subprocess.run([PY, os.path.join(ROOT, "tools", "gradescope.py"), "--lab", "00",
                        "--out", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    return str(out)


@pytest.fixture(scope="module")
def stubs(tmp_path_factory):
    d = tmp_path_factory.mktemp("stubs") / "tree"
    assert mklab.generate(ROOT, "00", str(d)) == []
    return str(d)


def autograde(bundle, root, fill):
    """Unpack the bundle as Gradescope does, let fill(submission dir) make the
    submission, run run_autograder; returns (results.json, its text)."""
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    for n in ("source/run_autograder", "source/setup.sh"):
        os.chmod(root / n, 0o755)        # zipfile drops modes (run_autograder restores the rest)
    sub = root / "submission"
    sub.mkdir()
    (root / "results").mkdir()
    fill(sub)
    p = subprocess.run([str(root / "source" / "run_autograder")], capture_output=True, text=True,
                       env=dict(os.environ, AUTOGRADER_ROOT=str(root), VMKIT_SEED="5"), timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    text = (root / "results" / "results.json").read_text()
    res = json.loads(text)
    assert results.gradescope_problems(res) == [], text
    assert str(root) not in text and ROOT not in text and "/tmp" not in text, text
    assert "hidden/test_lab00" not in text
    return res, text


def copy_edit(src, sub):
    for f in LAB.edit:
        (sub / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(src, f), sub / f)


def test_bundle_contents(bundle):
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        stub = z.read("vmkit/" + LAB.edit[0]).decode()
    assert {"setup.sh", "run_autograder", "vmkit/Makefile", "vmkit/tools/autograder/run.py"} <= names
    assert "vmkit/grader/hidden/test_lab00_hidden.py" in names
    assert not any("selftest" in n or n.endswith("mklab.py") or "test_lab01" in n
                   or "test_lab02" in n or n.startswith("vmkit/build/") for n in names), names
    assert "not implemented" in stub         # the stub, not the reference solution


def test_reference_scores_full(bundle, tmp_path):
    res, _ = autograde(bundle, tmp_path, lambda sub: copy_edit(ROOT, sub))
    assert res["score"] == 30 and all(t["status"] == "passed" for t in res["tests"])
    assert res["stdout_visibility"] == "hidden" and "seed 5" in res["output"]


def test_flat_upload_is_found(bundle, tmp_path):
    """Single files dropped at the top of the upload count (unique base names)."""
    def fill(sub):
        for f in LAB.edit:
            shutil.copy(os.path.join(ROOT, f), sub / os.path.basename(f))
    res, _ = autograde(bundle, tmp_path, fill)
    assert res["score"] == 30 and "taken from" in res["output"]


def cheat(sub):
    """Non-edit files that would give full marks if the grader used them:
    its own tests, passing whatever the kernel does."""
    for t in ("grader/tests/test_lab00.py", "grader/hidden/test_lab00_hidden.py"):
        (sub / t).parent.mkdir(parents=True, exist_ok=True)
        (sub / t).write_text("".join("def test_%s(vm):\n    pass\n" % x.name for x in LAB.tests))


def test_stubs_score_low_and_extra_files_change_nothing(bundle, stubs, tmp_path):
    res, text = autograde(bundle, tmp_path / "a", lambda sub: copy_edit(stubs, sub))
    assert res["score"] == 0 and len(res["tests"]) == sum(len(t.configs) for t in LAB.tests)
    failing = {t["name"]: t for t in res["tests"] if t["status"] == "failed"}
    vis = [t for t in failing.values() if t["visibility"] == "visible"]
    hid = [t for t in failing.values() if t["visibility"] != "visible"]
    assert vis and hid
    assert all("not implemented" in t["output"] and "last lines:" in t["output"]
               and "full serial log" not in t["output"] for t in vis)
    assert all(t["output"] == results.WITHHELD for t in hid)      # no hidden inputs
    def fill(sub):
        copy_edit(stubs, sub)
        cheat(sub)
    res2, _ = autograde(bundle, tmp_path / "c", fill)
    assert res2["score"] == res["score"] == 0
    assert [t["status"] for t in res2["tests"]] == [t["status"] for t in res["tests"]]
    heads = [t["output"].split("\n")[0] for t in res["tests"]]      # the nonces differ
    assert [t["output"].split("\n")[0] for t in res2["tests"]] == heads


def test_symlink_is_refused(bundle, tmp_path):
    outside = tmp_path / "outside"
    copy_edit(ROOT, outside)                  # a correct solution, outside the submission
    def fill(sub):
        copy_edit(ROOT, sub)
        os.remove(sub / LAB.edit[0])
        os.symlink(outside / LAB.edit[0], sub / LAB.edit[0])
    res, _ = autograde(bundle, tmp_path / "root", fill)
    assert res["score"] == 0 and "symbolic link" in res["output"]
    assert all("SUBMISSION NOT GRADED" in t["output"] for t in res["tests"])


def test_empty_submission_scores_zero_with_reason(bundle, tmp_path):
    res, _ = autograde(bundle, tmp_path, lambda sub: None)
    assert res["score"] == 0 and "none of lab 00's files" in res["output"]
    assert all(t["status"] == "failed" and LAB.edit[0] in t["output"] for t in res["tests"])


def test_format_check_can_fail():
    good: dict[str, Any] = {"score": 1, "execution_time": 1.0, "stdout_visibility": "hidden", "output": "",
            "tests": [{"name": "t", "score": 1, "max_score": 1, "status": "passed",
                       "output": "", "visibility": "visible"}]}
    assert results.gradescope_problems(good) == []
    for bad in ({**good, "score": "1"}, {**good, "stdout_visibility": "students"},
                {**good, "tests": [{**good["tests"][0], "status": "ok"}]},
                {**good, "tests": [{**good["tests"][0], "score": 2}]},
                {**good, "score": 3}, {**good, "bogus": 1}):
        assert results.gradescope_problems(bad), bad
