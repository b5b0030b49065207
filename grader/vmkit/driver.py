"""Run the grader's pytest against a tree's kernel and collect raw outcomes.
Used by tools/grade.py and tools/stripcheck.py (stdlib only; pytest runs in a
child process under a Python that has it)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

from . import GRADER_DIR, ROOT, runner


def pytest_python() -> str:
    """A Python with pytest: this one if it has it, else Debian's."""
    try:
        import pytest  # noqa: F401
        return sys.executable
    except ImportError:
        return "/usr/bin/python3"


def has_xdist(py: str) -> bool:
    return subprocess.run([py, "-c", "import xdist"], capture_output=True).returncode == 0


OK_STATUSES = (0, 1)        # pytest: all passed / some failed; anything else is the grader's fault


def run_pytest(files: Sequence[str], tree: str | None = None, lab: str | None = None,
               hidden: bool = False, seed: int | None = None, configs: Sequence[str] | None = None,
               jobs: int = 1, select: str | None = None, quiet: bool = False,
               log_path: str | None = None, timeout: float | None = None,
               env: Mapping[str, str] | None = None,
               progress: Callable[[dict[str, Any]], None] | None = None
               ) -> tuple[dict[str, Any], int, float]:
    """Run pytest on `files` (paths relative to the grader's root).

    Returns (report dict, pytest exit status, elapsed seconds). The report has
    the plugin's per-test outcomes; `select` is a -k expression. pytest runs
    in its own session (its xdist workers with it), dies with this process
    (PR_SET_PDEATHSIG) and is killed, group and all, when this returns or is
    interrupted. When pytest did not end normally (killed, interrupted,
    internal or usage error, no report) the report has "grader_error": a
    reason, and its outcomes must not be taken as a student's score.
    `progress`, if given, is called (in this thread's stead, from another)
    with each test's raw outcome as soon as the test is over.
    """
    py = pytest_python()
    rdir = tempfile.mkdtemp(prefix="vmkit-pytest-")
    rpt = os.path.join(rdir, "report.json")
    argv = [py, "-m", "pytest", "-c", os.path.join(GRADER_DIR, "pyproject.toml"),
            "--rootdir", GRADER_DIR, "--vmkit-report", rpt]
    argv += [os.path.join(ROOT, f) for f in files]
    if tree:
        argv += ["--vmkit-tree", os.path.abspath(tree)]
    if lab:
        argv += ["--vmkit-lab", lab]
    if hidden:
        argv.append("--vmkit-hidden")
    if seed is not None:
        argv += ["--vmkit-seed", str(seed)]
    if configs:
        argv += ["--vmkit-config", ",".join(configs)]
    if select:
        argv += ["-k", select]
    tail = None
    if progress is not None:
        tail = _Tail(os.path.join(rdir, "progress.jsonl"), progress)
        argv += ["--vmkit-progress", tail.path]
    if jobs and jobs > 1 and has_xdist(py):
        argv += ["-p", "xdist", "-n", str(jobs)]
    argv.append("-q")
    env = dict(env or os.environ, PYTHONDONTWRITEBYTECODE="1")
    start = time.monotonic()
    out: int | IO[str] | None = subprocess.DEVNULL if quiet else None
    logf = None
    if log_path:
        os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
        out = logf = open(log_path, "w")
    try:
        if tail is not None:
            tail.start()
        rc = _supervise(argv, env, out, timeout)
    finally:
        if tail is not None:
            tail.stop()
        if logf is not None:
            logf.close()
    elapsed = time.monotonic() - start
    try:
        with open(rpt) as f:
            report = json.load(f)
    except (OSError, ValueError):
        report = {"tests": [], "collect_errors": []}
    finally:
        shutil.rmtree(rdir, ignore_errors=True)
    if rc not in OK_STATUSES or "tests" not in report:
        why = ("was killed by signal %d" % -rc) if rc < 0 else \
            ("timed out after %ss" % timeout) if rc == TIMED_OUT else "exited with status %d" % rc
        written = "" if report.get("seed") is not None else " without writing its report"
        report["grader_error"] = "pytest %s%s" % (why, written)
        for e in report.get("collect_errors", []):
            report["grader_error"] += "\n" + e["message"][-1500:]
    return report, rc, elapsed


TIMED_OUT = -1000


class _Tail:
    """Follows the plugin's --vmkit-progress file (JSON lines, appended as
    tests end) and hands each whole line to a callback, until stopped."""

    def __init__(self, path: str, callback: Callable[[dict[str, Any]], None]) -> None:
        self.path, self.callback = path, callback
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.pos = 0
        self.partial = b""

    def start(self) -> None:
        open(self.path, "wb").close()
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        self.thread.join()
        self._poll()                 # what the last tests wrote

    def _run(self) -> None:
        while not self.done.wait(0.1):
            self._poll()

    def _poll(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return
        self.pos += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        for ln in lines:
            try:
                rec = json.loads(ln)
            except ValueError:
                continue
            if isinstance(rec, dict):
                self.callback(rec)


def _supervise(argv: Sequence[str], env: Mapping[str, str], out: int | IO[str] | None,
               timeout: float | None) -> int:
    """Run pytest in a new session that dies with us; kill the session's group
    (its xdist workers included) however this ends. Returns the status."""
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT if out is not None else None,
                            start_new_session=True, preexec_fn=runner._child_setup)
    runner._live_groups.add(proc.pid)
    try:
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return TIMED_OUT
    finally:
        runner._kill_group(proc.pid)     # workers left behind, or everything on an interrupt
        proc.wait()
        runner._live_groups.discard(proc.pid)


def copy_tree(src: str, dest: str) -> str:
    """Copy a submission for grading, without its build/ and VCS directories."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    shutil.copytree(src, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("build", ".git", "__pycache__", ".pytest_cache"))
    return dest
