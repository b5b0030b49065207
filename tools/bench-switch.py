#!/usr/bin/env python3
"""bench-switch.py - the cost of a context switch, in CPU cycles.

Boots the `switch_bench` ktest (kernel/tests/ktest_thread.c): two threads
yield to each other 2 x 20000 times; the kernel reads cpu_ticks() (the TSC)
around the loop and prints the cycles per switch and cpu_tickrate(), the TSC
rate it measured against the clock.  Prints, per config, the median of N
boots in cycles and in nanoseconds.  A benchmark, not a test: it never
fails on the numbers.  Under TCG the TSC follows the host's clock, so the
cycles are host time, not a real CPU's.
Usage: tools/bench-switch.py [-n 5] [--configs i386,amd64 (default: the graded ones)]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import vmkitpath  # noqa: F401,E402  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import configs  # noqa: E402
from vmkit.qemu import qemu_argv  # noqa: E402  (the one QEMU command line)

LINE = re.compile(r"KDATA bench switch_bench switch n=(\d+) switches=(\d+) cycles=(\d+) tickrate=(\d+)")


def bench_once(config: str) -> tuple[int, int]:
    """(cycles per switch, TSC ticks per second) from one boot."""
    kernel = os.path.join(ROOT, "build", config, "kernel.elf")
    argv = qemu_argv(kernel, config, append="test=switch_bench nonce=bench")
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    out = p.stdout.decode(errors="replace")
    m = LINE.search(out)
    if p.returncode != 33 or m is None:
        sys.exit(f"bench-switch: {config}: QEMU exited {p.returncode}, no result line:\n" + out[-2000:])
    return int(m.group(3)), int(m.group(4))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=5)
    ap.add_argument("--configs", default=",".join(configs.table().graded()))
    args = ap.parse_args()
    for config in args.configs.split(","):
        subprocess.run(["make", "-s", "-C", ROOT, f"CONFIG={config}", "kernel"], check=True,
                       stdout=subprocess.DEVNULL)
    print(f"{'config':<10} {'cycles/switch':>14} {'ns/switch':>10} {'TSC MHz':>9}  (median of {args.n})")
    for config in args.configs.split(","):
        runs = [bench_once(config) for _ in range(args.n)]
        cycles = statistics.median(c for c, _ in runs)
        rate = statistics.median(r for _, r in runs)
        ns = cycles * 1e9 / rate if rate else float("nan")
        print(f"{config:<10} {cycles:>14.0f} {ns:>10.1f} {rate / 1e6:>9.0f}")


if __name__ == "__main__":
    main()
