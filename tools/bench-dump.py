#!/usr/bin/env python3
"""bench-dump.py - minidump sizes and times: a freshly booted kernel dumps
(the `dump_pattern` ktest, kernel/tests/ktest_dump.c) to a fresh image, and
the dump is read back with vmkit.minidump: its size against RAM (FreeBSD's
figure: 48 MB from 8 GB, 0.59%) and the time the kernel took to write it
under TCG (the TSC, converted with the kernel's own clock-measured rate).
A benchmark: it prints numbers and never fails on them (test_dump.py holds
the bound).  Usage: tools/bench-dump.py [--configs i386,i386-pae,amd64] [--mem 128M,6G]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import vmkitpath  # noqa: F401,E402  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import configs, minidump  # noqa: E402
from vmkit.qemu import Disk, qemu_argv  # noqa: E402  (the one QEMU command line)


def boot(config: str, mem: str, image: str) -> tuple[minidump.Header, float]:
    """The dump's header and the boot's wall time."""
    kernel = os.path.join(ROOT, "build", config, "kernel.elf")
    with open(image, "wb") as f:
        f.truncate(0)
        f.truncate(256 << 20)
    argv = qemu_argv(kernel, config, mem=mem, disks=[Disk(image)],
                     append="test=dump_pattern nonce=bench")
    t0 = time.monotonic()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - t0
    if p.returncode != 33:
        sys.exit("bench-dump: %s %s failed (status %s):\n%s"
                 % (config, mem, p.returncode, p.stdout[-1500:]))
    return minidump.Minidump.open(image).hdr, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configs", default=",".join(configs.table().graded()))
    ap.add_argument("--mem", default="128M,6G")
    args = ap.parse_args()
    print("%-9s %5s %10s %6s %10s %8s %9s %8s %8s" % ("config", "-m", "RAM MiB", "pages", "dump KiB",
                                                   "% RAM", "dump ms", "MiB/s", "boot s"))
    with tempfile.TemporaryDirectory(prefix="vmkit-bench-dump-") as tmp:
        image = os.path.join(tmp, "dump.img")
        for config in args.configs.split(","):
            subprocess.run(["make", "-s", "-C", ROOT, "CONFIG=" + config, "kernel"], check=True,
                           stdout=subprocess.DEVNULL)
            for mem in args.mem.split(","):
                h, wall = boot(config, mem, image)
                ms = h.dumptime * 1000.0 / h.tickrate if h.tickrate else float("nan")
                print("%-9s %5s %10d %6d %10d %8.3f %9.0f %8.1f %8.1f"
                      % (config, mem, h.physmem >> 20, h.pageswritten, h.dumpsize >> 10,
                         100.0 * h.dumpsize / h.physmem, ms,
                         (h.dumpsize / (1 << 20)) / (ms / 1000.0) if ms == ms else float("nan"),
                         wall), flush=True)


if __name__ == "__main__":
    main()
