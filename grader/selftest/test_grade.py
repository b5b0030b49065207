"""Self-tests: tools/grade.py end to end on fake trees (lab 00's real tests run
against the fake kernel, which implements strtoull and kenv), submissions
grading with malformed ones, results.json and the CSV."""
import csv
import json
import os
import shutil
import subprocess
import sys

import mklab
from selftest.fakes import make_fake_tree
from vmkit import ROOT, results, manifest

GRADE = [os.path.join(ROOT, "tools", "grade.py")]
PY = "/usr/bin/python3"


def grade(*args):
    p = subprocess.run([PY] + GRADE + list(args), capture_output=True, text=True, cwd=ROOT)
    return p.returncode, p.stdout + p.stderr


def test_bogus_lab_lists_labs():
    rc, out = grade("--lab", "bogus")
    assert rc == 2 and "unknown lab 'bogus'" in out and "00-warmup" in out


def test_grade_tree_all_pass(tmp_path):
    tree = make_fake_tree(tmp_path / "good")
    js = str(tmp_path / "r.json")
    rc, out = grade("--lab", "00", "--tree", tree, "--seed", "7", "--json", js, "--hidden", "-j", "2")
    assert rc == 0, out
    assert "seed 7" in out and "total: 30/30 points" in out
    r = json.load(open(js))
    assert r["score"] == 30 and all(t["status"] == "passed" for t in r["tests"])
    hidden = [t for t in r["tests"] if t["extra_data"]["test"] in ("strtoull_edges", "kenv_prefixes")]
    assert hidden and all(t["visibility"] == "after_published" for t in hidden)


def test_submissions(tmp_path):
    """Real lab 00 submissions: only the edit files count, from trees or archives."""
    lab = manifest.find_lab(ROOT, "00")
    stub = tmp_path / "stubtree"
    assert mklab.generate(ROOT, "00", str(stub)) == []
    subs = tmp_path / "subs"
    for f in lab.edit:
        (subs / "alice" / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(ROOT, f), subs / "alice" / f)
    (subs / "alice" / "Makefile").write_text("kernel:\n\tfalse\n")     # ignored
    shutil.copytree(stub, subs / "bob")                                    # the stubs
    shutil.copytree(subs / "alice", subs / "carol")
    with open(subs / "carol" / lab.edit[0], "a") as out:
        out.write("\nint vmkit_broken(void) { return undeclared_variable; }\n")
    (subs / "dave").mkdir()
    (subs / "dave" / "notes.txt").write_text("forgot everything\n")
    shutil.make_archive(str(subs / "erin"), "zip", str(subs), "alice")     # erin.zip: alice/...
    out_dir, csv_path = tmp_path / "out", tmp_path / "scores.csv"
    rc, out = grade("--lab", "00", "--submissions", str(subs), "--out", str(out_dir),
                    "--csv", str(csv_path), "--config", "i386", "--seed", "3", "-j", "1")
    assert rc == 0, out
    rows = {r["submission"]: r for r in csv.DictReader(open(csv_path))}
    assert set(rows) == {"alice", "bob", "carol", "dave", "erin"}
    mx = float(rows["alice"]["max_score"])
    assert mx > 0 and float(rows["alice"]["score"]) == mx == float(rows["erin"]["score"])
    assert float(rows["bob"]["score"]) == 0 and rows["bob"]["status"] == "graded"
    assert float(rows["carol"]["score"]) == 0 and "BUILD FAILED" in rows["carol"]["status"]
    assert float(rows["dave"]["score"]) == 0 and "missing kernel/libkern/subr_strtoul.c" in rows["dave"]["status"]
    carol = json.load(open(out_dir / "carol" / "results.json"))
    assert "kernel/libkern/subr_strtoul.c:" in carol["tests"][0]["output"]
    assert "undeclared_variable" in carol["tests"][0]["output"]
    assert "/tmp" not in json.dumps(carol) and ROOT not in json.dumps(carol)
    assert "undeclared_variable" in (out_dir / "carol" / "grade.log").read_text()
    assert "ignored (1 files" in (out_dir / "alice" / "grade.log").read_text()


def test_unknown_test_name_is_refused():
    rc, out = grade("--lab", "00", "--tests", "nosuch")
    assert rc == 2 and "unknown test(s) nosuch" in out and "strtoull_bases" in out


def test_tests_option_grades_only_those(tmp_path):
    tree = make_fake_tree(tmp_path / "good")
    js = str(tmp_path / "r.json")
    rc, out = grade("--lab", "00", "--tree", tree, "--json", js, "--tests", "strtoull_bases",
                    "--config", "i386")
    assert rc == 0, out
    r = json.load(open(js))
    assert [t["extra_data"]["test"] for t in r["tests"]] == ["strtoull_bases"]


def test_score_splits_points_and_reports_not_run():
    lab = manifest.find_lab(ROOT, "00")
    rep = {"seed": 1, "tests": [{"lab": "00", "test": "strtoull_bases", "config": "i386",
                                 "outcome": "passed", "message": ""}]}
    r = results.score([lab], rep)
    by = {(t["extra_data"]["test"], t["extra_data"]["config"]): t for t in r["tests"]}
    lt = lab.test("strtoull_bases")
    assert lt is not None
    per = round(lt.max_score("i386"), 4)        # 10 points over the lab's configs
    assert by[("strtoull_bases", "i386")]["score"] == per
    assert by[("strtoull_bases", "i386-pae")]["output"].startswith("NOT RUN")
    assert r["score"] == per and r["max_score"] == 20
    assert not results.all_passed(r) and "total: %g/20" % per in results.table(r)
