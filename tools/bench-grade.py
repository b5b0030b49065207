#!/usr/bin/env python3
"""bench-grade.py - how long grading and the whole test suite take.

Prints the wall time of `make grade LAB=00` (and of each other lab) and of
`make test`, on this machine (2 cores here).  A benchmark: it prints numbers
and never fails on them; a failing command is reported with its status.
Usage: tools/bench-grade.py [--no-test]
"""
import argparse
import glob
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import vmkitpath  # noqa: F401,E402  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import configs  # noqa: E402


def timed(cmd: list[str]) -> tuple[float, int]:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, p.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-test", action="store_true", help="skip timing `make test`")
    args = ap.parse_args()
    for name in configs.table().graded():
        subprocess.run(["make", "-s", "-C", ROOT, "kernel", "CONFIG=" + name], stdout=subprocess.DEVNULL)
    print("%-28s %9s  %s" % ("command", "seconds", "status"))
    labs = sorted(os.path.basename(d)[:2] for d in glob.glob(os.path.join(ROOT, "labs", "[0-9][0-9]-*")))
    for lab in labs:
        dt, rc = timed(["make", "-s", "grade", "LAB=" + lab])
        print("%-28s %9.1f  %s" % ("make grade LAB=" + lab, dt, rc))
    if not args.no_test:
        dt, rc = timed(["make", "-s", "test"])
        print("%-28s %9.1f  %s" % ("make test", dt, rc))


if __name__ == "__main__":
    main()
