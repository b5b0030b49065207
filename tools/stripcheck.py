#!/usr/bin/python3
"""tools/stripcheck.py: check that each lab's stripping is right (instructors, CI).

For each lab (or --lab NN) it generates the student tree into
build/stripcheck/NN (fresh), builds and boots it, and checks that
  (a) every test the manifest marks `covers = true` FAILS there (a test that
      passes on the stub does not test the student's work: a defect); a test
      with `covers = ["marker", ...]` must also fail on a tree where only that
      marker is stubbed (build/stripcheck/NN-marker), and
  (b) every earlier lab's tests, hidden ones included, PASS there (the stub
      must not break what earlier labs built), and
  (c) the tree's own grader (what `make grade` runs there) works with only
      what the tree ships.
Exit status 0 only when there is no defect. Run with /usr/bin/python3.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
import mklab
import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import ROOT, driver, manifest, runner


def outcomes(lab: manifest.Lab,
             report: dict[str, Any]) -> Iterator[tuple[manifest.LabTest, str, dict[str, Any] | None]]:
    """(test, config, its record in the report or None) for each of lab's tests, hidden included."""
    by = {(r["test"], r["config"]): r for r in report["tests"] if r.get("lab") == lab.id}
    for lt in lab.selected(hidden=True):
        for cfg in lt.configs:
            yield lt, cfg, by.get((lt.name, cfg))


def own_grader_runs(lab: manifest.Lab, tree: str) -> list[str]:
    """The student's `make grade` is the tree's own tools/grade.py: it must
    run there (with only what the tree ships) and write results.json."""
    test = lab.selected(hidden=False)[0]
    cmd = [sys.executable, "tools/grade.py", "--config", test.configs[0], "--tests", test.name]
    p = subprocess.run(cmd, cwd=tree, capture_output=True, text=True, timeout=600)
    out = os.path.join(tree, "build", "grade", "results.json")
    if p.returncode not in (0, 1) or "Traceback" in p.stderr or not os.path.isfile(out):
        return ["lab %s: the tree's own grader does not run (`%s`, status %d):\n    %s"
                % (lab.id, " ".join(cmd[1:]), p.returncode, (p.stderr or p.stdout)[-600:])]
    return []


def check_lab(lab: manifest.Lab, labs: dict[str, manifest.Lab], a: argparse.Namespace,
              root: str) -> list[str]:
    """Every defect of lab's stripping (empty: none)."""
    defects: list[str] = []
    dest = os.path.join(root, "build", "stripcheck", lab.id)
    shutil.rmtree(dest, ignore_errors=True)
    errs = mklab.generate(root, lab.id, dest)
    if errs:
        return ["lab %s: generator failed:\n    %s" % (lab.id, "\n    ".join(errs))]
    configs = sorted({c for lb in labs.values() if lb.id <= lab.id
                      for t in lb.tests for c in t.configs})
    for cfg in configs:
        b = runner.build_kernel(dest, cfg)
        if not b.ok:
            return ["lab %s: the generated tree does not build:\n%s" % (lab.id, b.failure_text(20))]
    defects += own_grader_runs(lab, dest)
    files = lab.test_files(hidden=True)
    report, _, _ = driver.run_pytest(files, tree=dest, lab=lab.id, hidden=True, seed=a.seed,
                                     jobs=a.jobs, quiet=not a.verbose)
    for lt, cfg, rec in outcomes(lab, report):
        if not lt.covers:
            continue
        if rec is None:
            defects.append("lab %s: test %s [%s] (covers = true) did not run" % (lab.id, lt.name, cfg))
        elif rec["outcome"] == "passed":
            defects.append("lab %s: test %s [%s] PASSES on the stubbed tree, so it does not cover "
                           "the stripped code" % (lab.id, lt.name, cfg))
    for mk in lab.markers:
        tests = [t for t in lab.tests if mk in t.covers_markers]
        if not tests:
            continue
        d = dest + "-" + mk
        shutil.rmtree(d, ignore_errors=True)
        errs = mklab.generate(root, lab.id, d, only={mk})
        if errs:
            defects.append("lab %s: generator failed for marker %s: %s" % (lab.id, mk, errs[0]))
            continue
        report, _, _ = driver.run_pytest(files, tree=d, lab=lab.id, hidden=True, seed=a.seed,
                                         jobs=a.jobs, quiet=not a.verbose,
                                         select=" or ".join(t.function for t in tests))
        for lt, cfg, rec in outcomes(lab, report):
            if lt not in tests:
                continue
            if rec is None:
                defects.append("lab %s: test %s [%s] did not run with only marker %s stubbed"
                               % (lab.id, lt.name, cfg, mk))
            elif rec["outcome"] == "passed":
                defects.append("lab %s: test %s [%s] PASSES with only marker %s stubbed, but its "
                               "manifest says it covers %s" % (lab.id, lt.name, cfg, mk, mk))
    for earlier in labs.values():
        if earlier.id >= lab.id:
            continue
        report, _, _ = driver.run_pytest(earlier.test_files(hidden=True), tree=dest, lab=earlier.id,
                                         hidden=True, seed=a.seed, jobs=a.jobs, quiet=not a.verbose)
        for lt, cfg, rec in outcomes(earlier, report):
            if rec is None:
                why = "did not run"
            elif rec["outcome"] != "passed":
                first = rec["message"].strip().splitlines()[:1]
                why = first[0] if first else rec["outcome"]
            else:
                continue
            defects.append("lab %s: earlier lab %s's test %s [%s] fails on lab %s's tree: %s"
                           % (lab.id, earlier.id, lt.name, cfg, lab.id, why))
    return defects


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="stripcheck.py", description=__doc__.split("\n")[0])
    p.add_argument("--lab", help="check only this lab")
    p.add_argument("--seed", type=int, default=1, help="seed for the test runs (default 1)")
    p.add_argument("-j", "--jobs", type=int, default=2, help="parallel QEMU boots")
    p.add_argument("--root", default=ROOT, help="reference tree (default: this one)")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's output")
    a = p.parse_args(argv)
    root = os.path.abspath(a.root)
    try:
        labs = manifest.load_all(root)
        chosen = [manifest.find_lab(root, a.lab)] if a.lab else list(labs.values())
    except manifest.ManifestError as e:
        p.error(str(e))
    if not chosen:
        p.error("no labs under %s/labs" % root)
    all_defects: list[str] = []
    for lab in chosen:
        print("stripcheck: lab %s (%s) ..." % (lab.id, lab.title), flush=True)
        d = check_lab(lab, labs, a, root)
        for x in d:
            print("  DEFECT: " + x.replace("\n", "\n  "))
        if not d:
            print("  ok: covering tests fail on the stubs; earlier labs pass")
        all_defects += d
    print("stripcheck: %d lab(s), %d defect(s)" % (len(chosen), len(all_defects)))
    return 1 if all_defects else 0


if __name__ == "__main__":
    sys.exit(main())
