#!/usr/bin/python3
"""tools/grade.py: grade a vmkit lab (students: `make grade`; instructors too).

  tools/grade.py                       grade this tree's lab (the only one in labs/)
  tools/grade.py --lab 00 --seed 42    replay a run with its seed
  tools/grade.py --all --hidden        every lab, hidden tests included
  tools/grade.py --lab 00 --tree DIR   grade the kernel of another tree (trusted: its
                                       Makefile runs with your privileges)
  tools/grade.py --lab 00 --submissions SUB... [--csv scores.csv]
                                       grade submissions (dirs or archives, or one
                                       directory holding them); one results.json each
  tools/grade.py --lab 02 --tests split_pattern --config i386    only these tests

Submissions are hostile: only the lab's `edit` files are taken from each (by
content, no symlinks), into a fresh student tree of the lab generated from
this one, in a work directory outside it, built by this tree's Makefile
(grader/vmkit/submission.py says what is checked). Students see no grader
paths and only compiler messages located in their own files; the whole logs
are in the instructor's per-submission directory.

Children (pytest, its workers, make, QEMU) run in process groups killed when
grade.py ends, is interrupted (SIGINT, SIGTERM, SIGHUP) or is killed (they get
PR_SET_PDEATHSIG). Temporary files live in one /tmp/vmkit-run-* directory,
removed on exit (a killed run's is removed by the next run).

Prints a table and writes Gradescope results.json (default build/grade/results.json).
Exit status 0 only if every graded test passed; 3 if the grader itself failed
(pytest killed or crashed: results.json then says GRADER ERROR, not a score).
Run with /usr/bin/python3 (Debian's python3-pytest; python3-pytest-xdist for -j).
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import threading
from collections.abc import Callable, Mapping, Sequence
from types import FrameType
from typing import IO, Any

HERE = os.path.dirname(os.path.abspath(__file__))
import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import ROOT, configs, driver, manifest, results, runner, submission

EXIT_GRADER_ERROR = 3


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    p = argparse.ArgumentParser(prog="grade.py", description="Grade vmkit labs.")
    p.add_argument("--lab", help="lab id (00 or 00-warmup); default: the tree's only lab")
    p.add_argument("--all", action="store_true", help="grade every lab")
    p.add_argument("--seed", type=int, default=None, help="session seed (default $VMKIT_SEED or random)")
    p.add_argument("--config", action="append", default=[],
                   help="only these configs (repeatable or comma-separated)")
    p.add_argument("--json", default=None, help="results.json path (default build/grade/results.json)")
    p.add_argument("--hidden", action="store_true", help="include hidden tests (instructors)")
    p.add_argument("-j", "--jobs", type=int, default=2, help="parallel QEMU boots (default 2)")
    p.add_argument("--tree", default=None, help="grade the kernel of this tree (default: this one)")
    p.add_argument("--submissions", nargs="+", default=None, metavar="SUB",
                   help="grade these submissions (trees, archives, or one directory of them)")
    p.add_argument("--csv", default=None, help="with --submissions: write scores here")
    p.add_argument("--out", default=None,
                   help="with --submissions: output directory (default build/grade/submissions)")
    p.add_argument("--tests", action="append", default=[], metavar="NAME,...",
                   help="only these tests of the lab (manifest names; repeatable or comma-separated)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show pytest's own output (make grade V=1) instead of one line per test")
    a = p.parse_args(argv)
    a.tests = [t for x in a.tests for t in x.split(",") if t]
    a.configs = [c for x in a.config for c in x.split(",") if c]
    try:
        known = configs.table().names()       # conf/configs.toml
    except configs.ConfigError as e:
        p.error(str(e))
    for c in a.configs:
        if c not in known:
            p.error("unknown config %r (known: %s)" % (c, ", ".join(known)))
    if a.seed is None:
        env = os.environ.get("VMKIT_SEED", "")
        a.seed = int(env) if env.isdigit() else secrets.randbelow(2 ** 32)
    return p, a


def pick_labs(p: argparse.ArgumentParser, a: argparse.Namespace) -> list[manifest.Lab]:
    try:
        labs = manifest.load_all(ROOT)
        if a.all:
            if not labs:
                p.error("no labs in %s" % os.path.join(ROOT, "labs"))
            return list(labs.values())
        if a.lab:
            return [manifest.find_lab(ROOT, a.lab)]
        if len(labs) == 1:
            return list(labs.values())
        listing = "\n".join("  %s  %s" % (l.dirname, l.title) for l in labs.values()) or "  (none)"
        p.error("this tree has %d labs; choose one with --lab NN (or --all):\n%s" % (len(labs), listing))
    except manifest.ManifestError as e:
        p.error(str(e))


def check_tests(p: argparse.ArgumentParser, a: argparse.Namespace, labs: Sequence[manifest.Lab]) -> None:
    known = {t.name for lab in labs for t in lab.selected(a.hidden)}
    bad = [t for t in a.tests if t not in known]
    if bad:
        p.error("unknown test(s) %s (known%s: %s)" % (", ".join(bad), "" if a.hidden else
                " without --hidden", ", ".join(sorted(known))))


def grade_tree(labs: Sequence[manifest.Lab], a: argparse.Namespace, tree: str | None = None,
               quiet: bool = False, log_path: str | None = None,
               env: Mapping[str, str] | None = None,
               progress: Callable[[dict[str, Any]], None] | None = None) -> results.Results:
    files = []
    for lab in labs:
        for f in lab.test_files(a.hidden):
            if os.path.isfile(os.path.join(ROOT, f)):
                files.append(f)
            else:      # e.g. --hidden in a student tree: those tests score 0 as NOT RUN
                print("grade: warning: %s is not in this tree; its tests are not run" % f,
                      file=sys.stderr)
    lab_arg = labs[0].id if len(labs) == 1 else None
    select = " or ".join("test_" + t for t in a.tests) or None
    report, rc, elapsed = driver.run_pytest(
        files, tree=tree, lab=lab_arg, hidden=a.hidden, seed=a.seed, configs=a.configs,
        jobs=a.jobs, select=select, quiet=quiet, log_path=log_path, env=env, progress=progress)
    return results.score(labs, report, a.hidden, a.configs, elapsed, tests=a.tests)


# ---------------------------------------------------------------- the run directory
RUN_PREFIX = "vmkit-run-"


def sweep_stale_runs(tmp: str) -> None:
    """Remove run directories of grade.py runs that were killed (their pid is gone)."""
    for n in os.listdir(tmp):
        d = os.path.join(tmp, n)
        if not n.startswith(RUN_PREFIX) or os.path.islink(d) or not os.path.isdir(d):
            continue
        try:
            if os.lstat(d).st_uid != os.getuid():
                continue
            with open(os.path.join(d, "pid")) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
            continue                      # still running
        except ProcessLookupError:
            pass
        except (OSError, ValueError):
            continue
        shutil.rmtree(d, ignore_errors=True)


class RunDir:
    """One temporary directory per run, for every temporary file of it (TMPDIR
    of the children too); removed on exit."""

    def __enter__(self) -> str:
        tmp = tempfile.gettempdir()
        self.path = tempfile.mkdtemp(prefix=RUN_PREFIX, dir=tmp)
        with open(os.path.join(self.path, "pid"), "w") as f:
            f.write("%d\n" % os.getpid())
        os.environ["TMPDIR"] = self.path
        tempfile.tempdir = self.path
        return self.path

    def __exit__(self, *exc: object) -> None:
        runner.kill_live_groups()
        remove_dir_of_dying(self.path)


def remove_dir_of_dying(path: str, patience: float = 5.0) -> None:
    """rmtree a directory that just-killed processes may still be writing in:
    an entry made between rmtree's listing and its rmdir leaves the directory
    behind, so try again until it is gone (once it is, nothing can be made in it)."""
    end = time.monotonic() + patience
    while True:
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path) or time.monotonic() > end:
            return
        time.sleep(0.05)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)       # unwinds: children killed, run dir removed


# ---------------------------------------------------------------- submissions
def looks_like_tree(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "Makefile")) or os.path.isdir(os.path.join(path, "kernel"))


def expand_submissions(paths: Sequence[str]) -> list[str]:
    if len(paths) == 1 and os.path.isdir(paths[0]) and not looks_like_tree(paths[0]):
        kids = sorted(os.path.join(paths[0], n) for n in os.listdir(paths[0]) if not n.startswith("."))
        if kids and any(os.path.isdir(k) or k.endswith(submission.ARCHIVES) for k in kids):
            return kids
    return list(paths)


def submission_name(sub: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", os.path.basename(os.path.normpath(sub)))
    for ext in submission.ARCHIVES:
        if name.endswith(ext):
            name = name[:-len(ext)]
    return name.lstrip(".") or "submission"


class GraderError(Exception):
    pass


def _configs(lab: manifest.Lab, a: argparse.Namespace) -> list[str]:
    return sorted({c for t in lab.selected(a.hidden) for c in t.configs
                   if (not a.configs or c in a.configs) and (not a.tests or t.name in a.tests)})


# Never copied from a lab tree into a submission's work tree: the hidden tests
# (a Gradescope bundle's tree has them; a build could read them, see
# submission.check_sources) and what is not source.
BASE_SKIP = ("grader/hidden", "build", ".git", "__pycache__", ".pytest_cache")


def base_tree(lab: manifest.Lab, dest: str) -> None:
    """A fresh student tree of `lab` at dest, the base a submission's edit
    files go into. In the instructors' reference tree mklab generates it; in
    a lab tree of this very lab (a Gradescope bundle, tools/gradescope.py) it
    is a copy of this tree without the hidden tests."""
    try:
        import mklab      # tools/, beside this script: instructors' trees only
    except ImportError:
        labs = manifest.load_all(ROOT)
        if list(labs) != [lab.id]:
            raise GraderError("--submissions needs the instructors' reference tree "
                              "or a tree of lab %s alone (tools/mklab.py is not in lab trees)"
                              % lab.id) from None
        skip = {os.path.join(ROOT, s) for s in BASE_SKIP}
        shutil.copytree(ROOT, dest, symlinks=True,
                        ignore=lambda d, names: [n for n in names if os.path.join(d, n) in skip
                                                 or n in BASE_SKIP[2:]])
        return
    errs = mklab.generate(ROOT, lab.id, dest)
    if errs:
        raise GraderError("cannot generate the lab %s tree: %s" % (lab.id, "; ".join(errs)[:500]))


def grade_one(lab: manifest.Lab, a: argparse.Namespace, sub: str, work: str, out: str,
              log: IO[str]) -> tuple[results.Results | None, str | None, list[str]]:
    """Grade one submission in work (removed by the caller); instructor's files
    go to out. Returns (results dict or None, why it failed or None, the edit
    files missing from the submission)."""
    def note(msg: str) -> None:
        log.write(msg.rstrip() + "\n")
        log.flush()
    note("submission: %s" % os.path.abspath(sub))
    if submission.is_archive(sub):
        src = submission.unpack(sub, os.path.join(work, "unpacked"))
    elif os.path.isdir(sub) and not os.path.islink(sub):
        src = sub
    else:
        raise submission.Refused("not a directory or an archive (%s)" % ", ".join(submission.ARCHIVES))
    tree = os.path.join(work, "tree")
    base_tree(lab, tree)
    missing, ignored = submission.install(src, tree, lab.edit)
    note("edit files taken: %s" % (", ".join(f for f in lab.edit if f not in missing) or "none"))
    if missing:
        note("missing (the lab's stub is graded instead): %s" % ", ".join(missing))
    if ignored:
        note("ignored (%d files; only the lab's edit files are graded): %s%s"
             % (len(ignored), ", ".join(ignored[:30]), " ..." if len(ignored) > 30 else ""))
    present = [f for f in lab.edit if f not in missing]
    problems = []
    for rel in present:
        with open(os.path.join(tree, rel), encoding="utf-8", errors="replace") as f:
            problems += submission.lexical_problems(rel, f.read())
    if problems:
        raise submission.Refused("\n".join(problems))
    cfgs = _configs(lab, a)
    for cfg in cfgs:
        try:
            problems += submission.check_sources(tree, cfg, present)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            raise GraderError("source check: %s" % e)
    if problems:
        raise submission.Refused("\n".join(problems))
    for cfg in cfgs:
        b = runner.build_kernel(tree, cfg, session="submission")
        note("\n---- build, config %s: %s ----\n%s" % (cfg, "ok" if b.ok else "FAILED", b.output))
        if not b.ok:
            return None, "BUILD FAILED (config %s):\n%s" % (
                cfg, submission.student_diagnostics(b.output, lab.edit, tree)), missing
    env = dict(os.environ, VMKIT_NO_BUILD="1")       # the kernels just built, nothing else
    res = grade_tree([lab], a, tree=tree, quiet=True, log_path=os.path.join(out, "pytest.log"), env=env)
    logs = os.path.join(tree, "build", "grade", "logs")
    if os.path.isdir(logs):
        shutil.copytree(logs, os.path.join(out, "logs"), dirs_exist_ok=True)
    return res, None, missing


def grade_submissions(labs: Sequence[manifest.Lab], a: argparse.Namespace, rundir: str) -> int:
    if len(labs) != 1:
        print("grade: --submissions grades one lab: choose it with --lab NN", file=sys.stderr)
        return 2
    lab = labs[0]
    outdir = os.path.abspath(a.out or os.path.join(ROOT, "build", "grade", "submissions"))
    rows, errors = [], 0
    for sub in expand_submissions(a.submissions):
        name = submission_name(sub)
        out = os.path.join(outdir, name)
        res, status = grade_submission(lab, a, sub, out, rundir)
        if status.startswith("grader error"):
            errors += 1
        rows.append((name, res["score"], res["max_score"], status[:200]))
        print("%-30s %6g / %-6g %s" % rows[-1], flush=True)
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["submission", "score", "max_score", "status"])
            w.writerows(rows)
        print("scores: %s" % a.csv)
    print("results: %s/<submission>/results.json, with grade.log, pytest.log, logs/ (seed %d)"
          % (outdir, a.seed))
    if errors:
        print("grade: %d submission(s) hit a grader error: regrade them" % errors, file=sys.stderr)
        return EXIT_GRADER_ERROR
    return 0


def grade_submission(lab: manifest.Lab, a: argparse.Namespace, sub: str, out: str,
                     rundir: str) -> tuple[results.Results, str]:
    """Grade one submission; its results.json, grade.log, pytest.log and logs/
    go to out (made afresh). Returns (results, a one-line status)."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    work = tempfile.mkdtemp(prefix="sub-", dir=rundir)
    status = "graded"
    with open(os.path.join(out, "grade.log"), "w") as log:
        try:
            graded, failed, missing = grade_one(lab, a, sub, work, out, log)
            if graded is None:
                why = failed or "grader bug: no results and no reason"
                res = results.zero([lab], why, a.hidden, a.configs, a.tests)
                status = why.splitlines()[0]
            elif results.is_grader_error(graded):
                res = graded
                status = "grader error: %s" % res["extra_data"]["grader_error"].splitlines()[0]
            else:
                res = graded
                if missing:
                    status = "graded; missing %s (its stub was graded)" % ", ".join(missing)
        except submission.Refused as e:
            res = results.zero([lab], "SUBMISSION NOT GRADED (0 points): %s" % e,
                               a.hidden, a.configs, a.tests)
            status = "not graded: %s" % str(e).splitlines()[0]
        except GraderError as e:
            res = results.grader_error_results([lab], str(e), a.hidden, a.configs, a.tests)
            status = "grader error: %s" % str(e).splitlines()[0]
        log.write("\nstatus: %s\n" % status)
        tree = os.path.join(work, "tree")
        res = results.scrub(res, {tree: "", work: "<work>", rundir: "<work>", ROOT: "<grader>"})
        shutil.rmtree(work, ignore_errors=True)
    results.write(res, os.path.join(out, "results.json"))
    return res, status


def main(argv: Sequence[str] | None = None) -> int:
    sweep_stale_runs(tempfile.gettempdir())
    p, a = parse_args(argv)
    labs = pick_labs(p, a)
    check_tests(p, a, labs)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    with RunDir() as rundir:
        if a.submissions:
            return grade_submissions(labs, a, rundir)
        return grade_here(p, a, labs)


def grade_here(p: argparse.ArgumentParser, a: argparse.Namespace, labs: Sequence[manifest.Lab]) -> int:
    tree = os.path.abspath(a.tree) if a.tree else None
    if tree and not os.path.isfile(os.path.join(tree, "Makefile")):
        p.error("--tree %s: not a vmkit tree: no Makefile" % a.tree)
    print("vmkit grade: %s, seed %d%s (replay: make grade SEED=%d)"
          % (", ".join(l.dirname for l in labs), a.seed,
             ", tree %s (trusted: its Makefile runs as you; use --submissions for "
             "students' work)" % tree if tree else "", a.seed), flush=True)
    grade_dir = os.path.join(tree or ROOT, "build", "grade")
    if a.verbose:
        res = grade_tree(labs, a, tree=tree)
    else:
        view = StudentView(labs, a)
        log = os.path.join(grade_dir, "pytest.log")
        print("running %d tests (%d at a time); pytest's own output: %s (V=1 shows it here)"
              % (len(view.rows), max(1, a.jobs), os.path.relpath(log)), flush=True)
        res = grade_tree(labs, a, tree=tree, log_path=log, progress=view.finished)
        view.rest(res)
        view.first_failure(res)
    path = a.json or os.path.join(grade_dir, "results.json")
    results.write(res, path)
    print()
    print(results.table(res))
    print("results: %s" % os.path.relpath(path))
    if results.is_grader_error(res):
        print("grade: GRADER ERROR: %s" % res["extra_data"]["grader_error"], file=sys.stderr)
        return EXIT_GRADER_ERROR
    return 0 if results.all_passed(res) else 1


# ---------------------------------------------------------------- what a student reads
class StudentView:
    """make grade's default output, read top to bottom as xv6's is: one line
    per test and config as it finishes, with [n/N]; then the first failure in
    full with the command that replays it; then (grade_here) the points
    table. pytest's own output goes to build/grade/pytest.log."""

    def __init__(self, labs: Sequence[manifest.Lab], a: argparse.Namespace) -> None:
        self.a = a
        self.many = len(labs) > 1
        self.rows: dict[tuple[str, str, str], float] = {}      # (lab, test, config) -> points
        for lab in labs:
            for lt in lab.selected(a.hidden):
                if a.tests and lt.name not in a.tests:
                    continue
                for cfg in lt.configs:
                    if not a.configs or cfg in a.configs:
                        self.rows[(lab.id, lt.name, cfg)] = lt.max_score(cfg)
        self.shown: set[tuple[str, str, str]] = set()
        self.lock = threading.Lock()
        self.width = max((len(self._name(k)) for k in self.rows), default=10)

    def _name(self, key: tuple[str, str, str]) -> str:
        lab, test, cfg = key
        return "%s%s [%s]" % (lab + " " if self.many else "", test, cfg)

    def _line(self, key: tuple[str, str, str], passed: bool, secs: float | None, why: str) -> None:
        with self.lock:
            self.shown.add(key)
            n, total = len(self.shown), len(self.rows)
            pts = self.rows[key]
            head = why.strip().splitlines()[0] if why.strip() else ""
            if len(head) > 100:
                head = head[:97] + "..."
            print("[%*d/%d] %-*s  %s %s/%s%s%s" % (
                len(str(total)), n, total, self.width, self._name(key),
                "PASS" if passed else "FAIL", "%g" % round(pts if passed else 0, 4), "%g" % round(pts, 4),
                "  (%.1f s)" % secs if secs is not None else "",
                "  " + head if head and not passed else ""), flush=True)

    def finished(self, rec: dict[str, Any]) -> None:
        """driver.run_pytest's progress callback: one test is over."""
        key = (rec.get("lab"), rec.get("test"), rec.get("config"))
        if key not in self.rows or key in self.shown:
            return
        assert isinstance(key[0], str) and isinstance(key[1], str) and isinstance(key[2], str)
        k = (key[0], key[1], key[2])
        self._line(k, rec.get("outcome") == "passed", float(rec.get("duration") or 0),
                   rec.get("message") or str(rec.get("outcome")))

    def rest(self, res: results.Results) -> None:
        """A line for each test that reported nothing while running (not run)."""
        for t in res["tests"]:
            ed = t.get("extra_data", {})
            key = (ed.get("lab"), ed.get("test"), ed.get("config"))
            if key in self.rows and key not in self.shown:
                self._line(key, t["status"] == "passed", None, t["output"])

    def first_failure(self, res: results.Results) -> None:
        failed = [t for t in res["tests"] if t["status"] != "passed"]
        if not failed or results.is_grader_error(res):
            return
        t = failed[0]
        ed = t.get("extra_data", {})
        print("\n---- first failure (%d of %d tests failed): %s ----"
              % (len(failed), len(res["tests"]), self._name((ed.get("lab", ""), ed.get("test", ""),
                                                              ed.get("config", "")))))
        print(t["output"].rstrip())
        print("\n  replay: make grade%s SEED=%d TESTS=%s GRADE_CONFIG=%s"
              % (" LAB=%s" % ed.get("lab") if self.many else "", self.a.seed,
                 ed.get("test"), ed.get("config")))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("grade: interrupted", file=sys.stderr)
        sys.exit(130)
