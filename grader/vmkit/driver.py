"""Run the grader's pytest against a tree's kernel and collect raw outcomes.
Used by tools/grade.py and tools/stripcheck.py (stdlib only; pytest runs in a
child process under a Python that has it)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from . import GRADER_DIR, ROOT, runner


def pytest_python():
    """A Python with pytest: this one if it has it, else Debian's."""
    try:
        import pytest  # noqa: F401
        return sys.executable
    except ImportError:
        return "/usr/bin/python3"


def has_xdist(py):
    return subprocess.run([py, "-c", "import xdist"], capture_output=True).returncode == 0


OK_STATUSES = (0, 1)        # pytest: all passed / some failed; anything else is the grader's fault


def run_pytest(files, tree=None, lab=None, hidden=False, seed=None, configs=None,
               jobs=1, select=None, quiet=False, log_path=None, timeout=None, env=None):
    """Run pytest on `files` (paths relative to the grader's root).

    Returns (report dict, pytest exit status, elapsed seconds). The report has
    the plugin's per-test outcomes; `select` is a -k expression. pytest runs
    in its own session (its xdist workers with it), dies with this process
    (PR_SET_PDEATHSIG) and is killed, group and all, when this returns or is
    interrupted. When pytest did not end normally (killed, interrupted,
    internal or usage error, no report) the report has "grader_error": a
    reason, and its outcomes must not be taken as a student's score.
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
    if jobs and jobs > 1 and has_xdist(py):
        argv += ["-p", "xdist", "-n", str(jobs)]
    argv.append("-q")
    env = dict(env or os.environ, PYTHONDONTWRITEBYTECODE="1")
    start = time.monotonic()
    out = subprocess.DEVNULL if quiet else None
    if log_path:
        os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
        out = open(log_path, "w")
    try:
        rc = _supervise(argv, env, out, timeout)
    finally:
        if log_path:
            out.close()
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


def _supervise(argv, env, out, timeout):
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


def copy_tree(src, dest):
    """Copy a submission for grading, without its build/ and VCS directories."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    shutil.copytree(src, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("build", ".git", "__pycache__", ".pytest_cache"))
    return dest
