#!/usr/bin/python3
"""tools/autograder/run.py: grade one Gradescope submission (run_autograder calls it).

Runs in the bundle's trusted tree (tools/gradescope.py builds it: lab NN's
student tree, so no reference code of lab NN, plus lab NN's hidden tests).
Takes from $AUTOGRADER_ROOT/submission (default /autograder) ONLY the lab's
`edit` files, at their paths in the tree or, for a single-file upload, by
their base names at the top of the submission (by content; a symlink, a
special file or a file too big refuses the submission), grades them as
tools/grade.py --submissions does (a fresh copy of this tree without the
hidden tests, built by this tree's Makefile, hidden tests included) and
writes $AUTOGRADER_ROOT/results/results.json in Gradescope's format.

Students see each test's headline and serial-log tail (a hidden test: only
that it failed), never a grader path (results.scrub) nor this script's
output (stdout_visibility hidden). A results.json is written whatever
happens: a crash of the grader becomes a GRADER ERROR result with 0 points
and a message, which Gradescope shows and the instructor regrades.
"""
from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(HERE)
sys.path.insert(0, TOOLS)
import vmkitpath  # noqa: E402,F401  (grader/ on sys.path)
import grade  # noqa: E402  (tools/grade.py)
from vmkit import ROOT, manifest, results, submission  # noqa: E402


def autograder_root() -> str:
    return os.environ.get("AUTOGRADER_ROOT") or "/autograder"


def stage(lab: manifest.Lab, sub: str, dest: str) -> tuple[list[str], list[str]]:
    """Copy the lab's edit files found in `sub` to dest at their paths.
    Returns (found, notes). A file is looked for at its path, then (only if
    the submission does not hold it there) by its base name at the top,
    which is what a drag-and-drop upload of single files gives."""
    found, notes = [], []
    base_count: dict[str, int] = {}
    for rel in lab.edit:
        base_count[os.path.basename(rel)] = base_count.get(os.path.basename(rel), 0) + 1
    for rel in lab.edit:
        data = submission.read_edit_file(sub, rel)
        if data is None and base_count[os.path.basename(rel)] == 1:
            data = submission.read_edit_file(sub, os.path.basename(rel))
            if data is not None:
                notes.append("%s taken from %s at the top of the upload"
                             % (rel, os.path.basename(rel)))
        if data is None:
            continue
        path = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        found.append(rel)
    return found, notes


def run(ag: str, seed: int | None = None) -> results.Results:
    lab = next(iter(manifest.load_all(ROOT).values()))
    a = grade.parse_args(["--lab", lab.id, "--hidden"] +
                         (["--seed", str(seed)] if seed is not None else []))[1]
    sub = os.path.join(ag, "submission")
    with grade.RunDir() as rundir:
        staged = tempfile.mkdtemp(prefix="staged-", dir=rundir)
        try:
            if not os.path.isdir(sub) or os.path.islink(sub):
                raise submission.Refused("no submission directory")
            found, notes = stage(lab, sub, staged)
        except submission.Refused as e:
            return results.gradescope(results.zero(
                [lab], "SUBMISSION NOT GRADED (0 points): %s" % e, True))
        if not found:
            return results.gradescope(results.zero(
                [lab], "SUBMISSION NOT GRADED (0 points): none of lab %s's files is in your "
                "submission. Upload %s (at these paths, or the files themselves)."
                % (lab.id, ", ".join(lab.edit)), True))
        missing = [f for f in lab.edit if f not in found]
        if missing:
            notes.append("not in your submission (the lab's stub was graded instead): %s"
                         % ", ".join(missing))
        notes.append("graded from your submission: %s; other files are ignored" % ", ".join(found))
        out = os.path.join(rundir, "out")
        res, status = grade.grade_submission(lab, a, staged, out, rundir)
        print("vmkit autograder: lab %s, seed %d: %s; %s/%s points"
              % (lab.id, a.seed, status, res["score"], res["max_score"]))
        with open(os.path.join(out, "grade.log")) as f:
            print(f.read())        # the instructor's view (stdout is hidden from students)
        res = results.scrub(res, {staged: "", rundir: "<work>", ROOT: "<grader>"})
        return results.gradescope(res, "\n".join(notes))


def main() -> int:
    ag = autograder_root()
    env_seed = os.environ.get("VMKIT_SEED", "")
    seed = int(env_seed) if env_seed.isdigit() else secrets.randbelow(2 ** 32)
    start = time.monotonic()
    try:
        res = run(ag, seed)
    except Exception:          # whatever happens, Gradescope gets a results.json
        traceback.print_exc()
        res = {"score": 0, "execution_time": 0.0, "stdout_visibility": "hidden",
               "visibility": "visible",
               "output": "%s (not a judgement of your work; your instructor will regrade): "
                         "the autograder crashed" % results.GRADER_ERROR,
               "tests": [{"name": "autograder", "score": 0, "max_score": 0, "status": "failed",
                          "output": "GRADER ERROR", "visibility": "visible"}]}
    res["execution_time"] = round(time.monotonic() - start, 2)
    problems = results.gradescope_problems(res)
    if problems:
        print("run_autograder: results.json does not follow Gradescope's format: %s"
              % "; ".join(problems), file=sys.stderr)
    results.write(res, os.path.join(ag, "results", "results.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
