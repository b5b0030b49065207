#!/usr/bin/env python3
"""bench-pageout.py - the page daemon's CPU per MiB it reclaims, per config and workload.

Each point boots a seeded pressure ktest at small memory (-m --mem) and reads
its `cpu` line: the cpu_ticks() the daemon spent inside its passes
(cnt.v_pdcycles, vm_pageout.c; `vmstat` shows the running total) and the
pages it freed or cached over the workload.  Workloads:

  pager  pageout_pressure: a dirty object larger than RAM on the test's own
         pager (kernel/tests/ktest_pageout.c): every page laundered, then cached;
         that pager's put checks every word of each page, in the daemon's
         thread, so this row is mostly the test pager's cost
  swap   swap_pressure: the same workload on anonymous memory with a swap disk
  file   file_pressure: a file larger than RAM read and copied to another
         (kernel/tests/ktest_file.c): clean pages cached, dirty ones laundered
  reread file_reread: a file of free memory's size read three times: clean
         pages only; run with the cache queue (cached) and vm.pageout_nocache=1

Cycles are the guest's TSC under QEMU's TCG: they compare configs and
workloads with one another, not with hardware.  "switched" counts passes in
which the daemon was switched out (a time slice ended, a lock was contended):
their cycles include other threads', so with it non-zero the figure is an
upper bound, and "unswitched /MiB" (their cycles left out) a lower one.  Median of -n boots (seeds 1..n).  A benchmark: it prints numbers
and never fails on them.

Usage: tools/bench-pageout.py [--configs i386,amd64] [--mem 12M] [-n 3] [--workloads pager,swap,file,reread]
"""
import argparse
import os
import random
import statistics
import tempfile
from collections.abc import Callable

import vmbench
import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import configs, flatfs

PAGE = 4096
PRESSURE_PAGES = 3584          # as grader/tests/test_pageout.py: 14 MiB at -m 12M
PRESSURE_STEPS = 1024
SWAP_MIB = 16


def pager(config: str, mem: str, tmp: str, seed: int) -> vmbench.Boot:
    return vmbench.boot(config, "pageout_pressure", {"pageout.pages": PRESSURE_PAGES,
                                                     "pageout.steps": PRESSURE_STEPS}, mem,
                        seed=seed)


def swap(config: str, mem: str, tmp: str, seed: int) -> vmbench.Boot:
    img = os.path.join(tmp, "swap.img")
    with open(img, "wb") as f:
        f.truncate(SWAP_MIB << 20)
    return vmbench.boot(config, "swap_pressure", {"pageout.pages": PRESSURE_PAGES,
                                                  "pageout.steps": PRESSURE_STEPS, "swapdev": 0},
                        mem, [img], seed=seed)


def file(config: str, mem: str, tmp: str, seed: int) -> vmbench.Boot:
    img = os.path.join(tmp, "fs.img")
    big = random.Random(seed).randbytes(PRESSURE_PAGES * PAGE)
    with open(img, "wb") as f:
        f.write(flatfs.make([("big", big, None), ("out", b"", PRESSURE_PAGES)], entries=4))
    return vmbench.boot(config, "file_pressure", {"fsdev": 0, "file.chunk": 8}, mem, [img],
                        seed=seed)


def reread(nocache: bool) -> Callable[[str, str, str, int], vmbench.Boot]:
    def run(config: str, mem: str, tmp: str, seed: int) -> vmbench.Boot:
        img = os.path.join(tmp, "fs.img")
        with open(img, "wb") as f:
            f.write(flatfs.make([("big", b"x", None)], entries=4))
        free = vmbench.boot(config, "file_reread", {"fsdev": 0, "file.passes": 1}, mem,
                            [img]).one("params")["free"]
        with open(img, "wb") as f:
            f.write(flatfs.make([("big", random.Random(seed).randbytes(free * PAGE), None)],
                                entries=4))
        return vmbench.boot(config, "file_reread", {"fsdev": 0, "file.passes": 3,
                                                    "vm.pageout_nocache": int(nocache)},
                            mem, [img], seed=seed)
    return run


WORKLOADS: dict[str, list[tuple[str, Callable[[str, str, str, int], vmbench.Boot]]]] = {
    "pager": [("pager", pager)], "swap": [("swap", swap)], "file": [("file", file)],
    "reread": [("reread cached", reread(False)), ("reread freed", reread(True))],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--configs", default=",".join(configs.table().graded()))
    ap.add_argument("--mem", default="12M", help="QEMU -m (default 12M)")
    ap.add_argument("-n", type=int, default=3, help="boots per point (median; default 3)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    args = ap.parse_args()
    names = [c for c in args.configs.split(",") if c]
    vmbench.build(names)
    print("%-9s %-14s %9s %6s %9s %14s %9s %16s" % (
        "config", "workload", "reclaimed", "MiB", "Mcycles", "cycles per MiB", "switched",
        "unswitched /MiB"))
    with tempfile.TemporaryDirectory(prefix="vmkit-bench-pageout-") as tmp:
        for config in names:
            for w in args.workloads.split(","):
                for label, fn in WORKLOADS[w]:
                    cpus = [fn(config, args.mem, tmp, seed).one("cpu")
                            for seed in range(1, args.n + 1)]
                    per = [c["cycles"] * 256 / max(1, c["reclaimed"]) for c in cpus]
                    low = [(c["cycles"] - c["swcycles"]) * 256 / max(1, c["reclaimed"])
                           for c in cpus]
                    mid = sorted(range(len(cpus)), key=lambda i: per[i])[len(cpus) // 2]
                    c = cpus[mid]
                    print("%-9s %-14s %9d %6.1f %9.1f %14.0f %9s %16.0f" % (
                        config, label, c["reclaimed"], c["reclaimed"] / 256, c["cycles"] / 1e6,
                        statistics.median(per), "/".join(str(x["switched"]) for x in cpus),
                        statistics.median(low)), flush=True)
    print("reclaimed: pages the daemon freed or cached; Mcycles: its cpu_ticks() in passes "
          "(the median boot's);\ncycles per MiB: the median of the boots; switched: passes "
          "switched out, per boot (their\ncycles include other threads'); unswitched /MiB: "
          "the other passes' cycles only, per MiB of\nall reclaimed (a lower bound: what "
          "the switched passes did themselves is left out).")


if __name__ == "__main__":
    main()
