#!/usr/bin/env python3
"""bench-boot.py - how long the reference kernel takes to boot and exit.

Prints the median (and min/max) wall time of N boots, from QEMU's process
start to its exit, for each config and memory size, twice: with the trivial
`boot` ktest (which runs before the VM system starts, so the kernel exits
without building the page array) and with `vm_boot` (which runs after
vm_page_startup(), so it includes the page array and the buddy queues).  A benchmark, not a test: it prints numbers and never fails on
them.  Usage: tools/bench-boot.py [-n 10] [--configs i386,i386-pae (default: the graded ones)] [--mems 128M,6G]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import vmkitpath  # noqa: F401,E402  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import configs  # noqa: E402
from vmkit.qemu import qemu_argv  # noqa: E402  (the one QEMU command line)


def boot_once(config: str, mem: str, test: str) -> float:
    kernel = os.path.join(ROOT, "build", config, "kernel.elf")
    argv = qemu_argv(kernel, config, mem=mem, append="test=%s nonce=bench" % test)
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    dt = time.perf_counter() - t0
    if p.returncode != 33:
        sys.exit(f"bench-boot: {config} {mem}: QEMU exited {p.returncode}:\n"
                 + p.stdout.decode(errors="replace")[-2000:])
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--configs", default=",".join(configs.table().graded()))
    ap.add_argument("--mems", default="128M,6G")
    args = ap.parse_args()
    for config in args.configs.split(","):
        subprocess.run(["make", "-s", "-C", ROOT, f"CONFIG={config}", "kernel"], check=True,
                       stdout=subprocess.DEVNULL)
    print(f"{'config':<10} {'mem':>5} {'ktest':<8} {'median ms':>10} {'min':>7} {'max':>7}  (n={args.n})")
    for config in args.configs.split(","):
        for mem in args.mems.split(","):
            for test in ("boot", "vm_boot"):
                times = [boot_once(config, mem, test) * 1000 for _ in range(args.n)]
                print(f"{config:<10} {mem:>5} {test:<8} {statistics.median(times):>10.1f} "
                      f"{min(times):>7.1f} {max(times):>7.1f}")


if __name__ == "__main__":
    main()
