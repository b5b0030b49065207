"""Self-tests: tools/publish-lab.sh makes a lab's student tree a fresh git
repository of one commit, with nothing of the instructors' in it."""
import os
import subprocess

from vmkit import ROOT

PUBLISH = os.path.join(ROOT, "tools", "publish-lab.sh")


def git(d, *args):
    return subprocess.run(["git", "-C", str(d)] + list(args), capture_output=True, text=True,
                          check=True).stdout


def test_publish_lab(tmp_path):
    d = tmp_path / "lab00"
    p = subprocess.run([PUBLISH, "00", str(d)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert git(d, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(d, "log", "--format=%an|%s").strip() == "vmkit course staff|Lab 00: warm-up — the kernel command line"
    assert git(d, "status", "--porcelain") == ""             # everything committed
    files = git(d, "ls-files").split()
    assert "Makefile" in files and "labs/00-warmup/lab.toml" in files
    assert not [f for f in files if f.startswith(("grader/hidden", "grader/selftest", "labs/01", "labs/02"))
                or f in ("tools/mklab.py", "labs/README.md", "tools/publish-lab.sh")], files
    assert b"BEGIN LAB" not in subprocess.run(["git", "-C", str(d), "grep", "-c", "BEGIN LAB"],
                                              capture_output=True).stdout


def test_publish_refuses_a_used_dir(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "mine").write_text("keep\n")
    p = subprocess.run([PUBLISH, "00", str(tmp_path / "x")], capture_output=True, text=True)
    assert p.returncode == 2 and "not empty" in p.stderr
    assert (tmp_path / "x" / "mine").read_text() == "keep\n"
    p = subprocess.run([PUBLISH, "00"], capture_output=True, text=True)
    assert p.returncode == 2 and "usage" in p.stderr
