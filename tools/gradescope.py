#!/usr/bin/python3
"""tools/gradescope.py: build lab NN's Gradescope autograder bundle (`make gradescope LAB=NN`).

  tools/gradescope.py --lab 00 [--out build/gradescope/lab00.zip]

The zip, in Gradescope's autograder format (unpacked in /autograder/source):
  setup.sh          installs the packages (tools/autograder/setup.sh: the
                    Ubuntu 22.04 names and what differs from Debian 12)
  run_autograder    grades /autograder/submission into
                    /autograder/results/results.json (tools/autograder/run.py)
  vmkit/            the trusted tree: lab NN's student tree (tools/mklab.py:
                    lab NN and later labs stripped, no selftests, no other
                    lab's tests) plus lab NN's hidden tests, the hidden
                    tests' helper modules and tools/autograder/run.py; no
                    build products, no VCS.
Students never see the bundle; only the edit files are taken from their
submission (tools/autograder/run.py). An instructors' tool: it needs
tools/mklab.py, which lab trees do not have.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
import vmkitpath  # noqa: E402,F401  (grader/ on sys.path)
from vmkit import ROOT, manifest  # noqa: E402

AUTOGRADER = os.path.join(HERE, "autograder")
RUNNER = ["tools/autograder/run.py"]       # not in lab trees (tools/mklab.py): added
HIDDEN = "grader/hidden"


def hidden_files(lab: manifest.Lab) -> list[str]:
    """The hidden-test files lab's grading needs: its own, and the helper
    modules of grader/hidden (anything not a test_*.py file)."""
    d = os.path.join(ROOT, HIDDEN)
    helpers = sorted("%s/%s" % (HIDDEN, n) for n in os.listdir(d)
                     if n.endswith(".py") and not n.startswith("test_"))
    return helpers + sorted(lab.hidden_tests)


def build(lab_spec: str, out: str) -> list[str]:
    """Write the bundle of lab_spec to out; returns its member names."""
    try:
        import mklab
    except ImportError:
        raise SystemExit("gradescope: an instructors' tool: tools/mklab.py is not in lab trees")
    lab = manifest.find_lab(ROOT, lab_spec)
    with tempfile.TemporaryDirectory(prefix="vmkit-gradescope-") as tmp:
        tree = os.path.join(tmp, "vmkit")
        errs = mklab.generate(ROOT, lab.id, tree)
        if errs:
            raise SystemExit("gradescope: lab %s's tree: %s" % (lab.id, "\n".join(errs)))
        for rel in hidden_files(lab) + RUNNER:
            os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, rel), os.path.join(tree, rel))
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        names = []
        tmpzip = out + ".tmp"
        with zipfile.ZipFile(tmpzip, "w", zipfile.ZIP_DEFLATED) as z:
            for n in ("setup.sh", "run_autograder"):
                _add(z, os.path.join(AUTOGRADER, n), n)
                names.append(n)
            for dp, dns, fns in os.walk(tree):
                dns[:] = sorted(d for d in dns if d not in ("build", ".git", "__pycache__"))
                for fn in sorted(fns):
                    p = os.path.join(dp, fn)
                    if os.path.islink(p):
                        continue
                    rel = os.path.relpath(p, tmp)
                    _add(z, p, rel)
                    names.append(rel)
        os.replace(tmpzip, out)
    return names


def _add(z: zipfile.ZipFile, path: str, name: str) -> None:
    """Add a file keeping its mode (run_autograder, setup.sh, tools/qemu must stay executable)."""
    info = zipfile.ZipInfo.from_file(path, name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(path, "rb") as f:
        z.writestr(info, f.read())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gradescope.py", description="Build a Gradescope autograder zip.")
    p.add_argument("--lab", required=True, help="lab id (00 or 00-warmup)")
    p.add_argument("--out", default=None, help="zip path (default build/gradescope/labNN.zip)")
    a = p.parse_args(argv)
    try:
        lab = manifest.find_lab(ROOT, a.lab)
    except manifest.ManifestError as e:
        p.error(str(e))
    out = a.out or os.path.join(ROOT, "build", "gradescope", "lab%s.zip" % lab.id)
    names = build(lab.id, out)
    print("gradescope: wrote %s (%d files, %d KiB): upload it as the autograder of lab %s"
          % (os.path.relpath(out), len(names), (os.path.getsize(out) + 1023) // 1024, lab.id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
