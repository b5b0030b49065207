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

from . import GRADER_DIR, ROOT


def pytest_python():
    """A Python with pytest: this one if it has it, else Debian's."""
    try:
        import pytest  # noqa: F401
        return sys.executable
    except ImportError:
        return "/usr/bin/python3"


def has_xdist(py):
    return subprocess.run([py, "-c", "import xdist"], capture_output=True).returncode == 0


def run_pytest(files, tree=None, lab=None, hidden=False, seed=None, configs=None,
               jobs=1, select=None, quiet=False, log_path=None, timeout=None):
    """Run pytest on `files` (paths relative to the grader's root).

    Returns (report dict, pytest exit status, elapsed seconds). The report has
    the plugin's per-test outcomes; `select` is a -k expression.
    """
    py = pytest_python()
    fd, rpt = tempfile.mkstemp(prefix="vmkit-report-", suffix=".json")
    os.close(fd)
    argv = [py, "-m", "pytest", "-c", os.path.join(GRADER_DIR, "pytest.ini"),
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
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    start = time.monotonic()
    out = subprocess.DEVNULL if quiet else None
    if log_path:
        os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
        out = open(log_path, "w")
    try:
        rc = subprocess.run(argv, cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT if out is not None else None, timeout=timeout).returncode
    finally:
        if log_path:
            out.close()
    elapsed = time.monotonic() - start
    try:
        with open(rpt) as f:
            report = json.load(f)
    except (OSError, ValueError):
        report = {"tests": [], "collect_errors": [
            {"nodeid": "", "message": "pytest exited with status %d before writing a report" % rc}]}
    finally:
        os.unlink(rpt)
    return report, rc, elapsed


def copy_tree(src, dest):
    """Copy a submission for grading, without its build/ and VCS directories."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    shutil.copytree(src, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("build", ".git", "__pycache__", ".pytest_cache"))
    return dest
