#!/usr/bin/env python3
"""bench-direct.py - what the DIRECT pool buys on a machine with a direct map.

Boots each config (default: the graded ones) with the ktest direct_cluster (kernel/tests/ktest_direct.c: malloc churn, page-table growth
and user page allocations, interleaved), once with the pool and once with
vm.direct_pool=0 (object-less pages from DEFAULT), and prints how many kernel
pages there are, and how many distinct 2 MiB and 1 GiB direct-map regions
they lie in: the 2 MiB TLB entries the kernel's pages need, against one 4 KiB
entry per page without large pages.  Where DIRECT is an alias of DEFAULT
(i386, i386-pae) both runs allocate alike: the comparison is amd64's.  A benchmark, not a test: it prints
numbers and never fails on them.
Usage: tools/bench-direct.py [--configs amd64] [--mems 1G,6G] [--seeds 1,2]
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import vmkitpath  # noqa: F401,E402  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import configs  # noqa: E402
from vmkit.qemu import qemu_argv  # noqa: E402  (the one QEMU command line)

FIGURES = re.compile(r"direct_cluster PASS direct_pool=(\d+) kernel_pages=(\d+) regions_2m=(\d+) "
                     r"regions_1g=(\d+) user_pages=(\d+)")


def run_once(config: str, mem: str, seed: int, pool: int) -> tuple[int, int, int, int]:
    kernel = os.path.join(ROOT, "build", config, "kernel.elf")
    argv = qemu_argv(kernel, config, mem=mem,
                     append="test=direct_cluster nonce=bench seed=%d vm.direct_pool=%d" % (seed, pool))
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode(errors="replace")
    m = FIGURES.search(out)
    if p.returncode != 33 or m is None:
        sys.exit("bench-direct: %s %s: QEMU exited %d without the figures:\n%s"
                 % (config, mem, p.returncode, out[-2000:]))
    return int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--configs", default=",".join(configs.table().graded()))
    ap.add_argument("--mems", default="1G,6G")
    ap.add_argument("--seeds", default="1,2")
    args = ap.parse_args()
    names = [c for c in args.configs.split(",") if c]
    for config in names:
        subprocess.run(["make", "-s", "-C", ROOT, "CONFIG=%s" % config, "kernel"], check=True,
                       stdout=subprocess.DEVNULL)
    print("%-8s %5s %5s %-11s %12s %10s %10s %10s" % ("config", "mem", "seed", "DIRECT pool",
                                                     "kernel pages", "2M regions", "1G regions",
                                                     "user pages"))
    for config in names:
        for mem in args.mems.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                for pool in (1, 0):
                    k, r2, r1, u = run_once(config, mem, seed, pool)
                    print("%-8s %5s %5d %-11s %12d %10d %10d %10d" % (config, mem, seed,
                                                                      "on" if pool else "off (=0)",
                                                                      k, r2, r1, u))


if __name__ == "__main__":
    main()
