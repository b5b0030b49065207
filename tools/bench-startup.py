#!/usr/bin/env python3
"""bench-startup.py - what the page array costs, dense vs sparse.

For each config and page-array mode it boots the kernel at the given memory
sizes and prints, from the kernel's own report:
  - vm_page_array size (entries and bytes),
  - vm_page_startup() time, measured in the kernel with the TSC and
    converted with a TSC rate the kernel measures against its 100 Hz clock,
  - the same per page, which stays flat if start-up is linear in pages.
A benchmark: it prints numbers and never fails on them.
Usage: tools/bench-startup.py [--mems 128M,1G,3583M,6G] [-n 3]
"""
import argparse
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import vmkitpath  # noqa: F401,E402  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import configs  # noqa: E402
from vmkit.qemu import qemu_argv  # noqa: E402

VARIANTS = [(c, mode) for c in configs.table().graded() for mode in ("dense", "sparse")]


def build(config: str, mode: str) -> str:
    subprocess.run(["make", "-s", "-C", ROOT, "CONFIG=" + config, "VM_PHYSSEG=" + mode, "kernel"],
                   check=True, stdout=subprocess.DEVNULL)
    return os.path.join(ROOT, "build", "%s-%s" % (config, mode), "kernel.elf")


def boot(kernel: str, config: str, mem: str) -> dict[str, int]:
    argv = qemu_argv(kernel, config, mem=mem, append="test=startup_time,page_array nonce=b")
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    data: dict[str, int] = {}
    for line in p.stdout.splitlines():
        w = line.split()
        if line.startswith("KDATA b startup_time"):
            data.update(pages=int(w[4]), cycles=int(w[6]), rate=int(w[8]))
        elif line.startswith("KDATA b page_array sizeof"):
            data["size"] = int(w[4])
    if p.returncode != 33 or "cycles" not in data:
        sys.exit("bench-startup: %s at %s failed (status %s):\n%s" % (kernel, mem, p.returncode, p.stdout[-1500:]))
    return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mems", default="128M,1G,3583M,6G")
    ap.add_argument("-n", type=int, default=3, help="boots per point (median)")
    args = ap.parse_args()
    print("%-9s %-6s %6s %10s %10s %12s %9s" % ("config", "mode", "mem", "entries", "array KiB",
                                               "startup ms", "ns/page"))
    for config, mode in VARIANTS:
        kernel = build(config, mode)
        for mem in args.mems.split(","):
            runs = [boot(kernel, config, mem) for _ in range(args.n)]
            d = runs[0]
            ms = statistics.median(r["cycles"] / r["rate"] for r in runs)
            print("%-9s %-6s %6s %10d %10d %12.1f %9.1f" % (
                config, mode, mem, d["pages"], d["pages"] * d["size"] // 1024, ms,
                ms * 1e6 / d["pages"]))


if __name__ == "__main__":
    main()
