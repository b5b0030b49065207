#!/usr/bin/env python3
"""bench-disk.py - disk throughput under TCG: MiB/s written and read through
the kernel's disk layer and virtio-blk driver, per config and request size.

Each point boots the kernel with the `disk_bench` ktest (kernel/tests/
ktest_disk.c) on a fresh sparse image: it writes, then reads, --mib MiB from
sector 0 in requests of P pages, timing each pass with the TSC, which it
converts with a rate measured against its own 100 Hz clock.  Modes: sync
(one request at a time: disk_read/disk_write) and async (the ktest keeps
many disk_strategy requests in flight), where the kernel has them.
A benchmark: it prints numbers and never fails on them.
Usage: tools/bench-disk.py [--mib 32] [--pages 1,64] [-n 3] [--configs i386,amd64]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import vmkitpath  # noqa: F401,E402  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import configs, kdata  # noqa: E402
from vmkit.qemu import Disk, qemu_argv  # noqa: E402  (the one QEMU command line)

NONCE = "bench"


def boot(config: str, image: str, mib: int, pages: int) -> dict[tuple[str, str], float]:
    """{(mode, op): MiB/s} from one boot."""
    kernel = os.path.join(ROOT, "build", config, "kernel.elf")
    with open(image, "wb") as f:
        f.truncate(mib << 20)
    argv = qemu_argv(kernel, config, disks=[Disk(image)], append="test=disk_bench nonce=%s "
                     "disk.bench_mib=%d disk.bench_pages=%d" % (NONCE, mib, pages))
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    raw = [ln.split(" ", 3)[3].rsplit(" #", 1)[0] for ln in p.stdout.splitlines()
           if ln.startswith("KDATA %s disk_bench " % NONCE)]
    if p.returncode != 33 or not raw:
        sys.exit("bench-disk: %s failed (status %s):\n%s" % (config, p.returncode, p.stdout[-1500:]))
    lines = kdata.parse("disk_bench", raw)
    rate = next(x["rate"] for x in lines if x.kind == "rate")
    return {(x["mode"], x["op"]): x["bytes"] / (1 << 20) / (x["cycles"] / rate / 1000.0)
            for x in lines if x.kind == "bench"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mib", type=int, default=32, help="MiB per pass (default 32)")
    ap.add_argument("--pages", default="1,64", help="pages per request (default 1,64)")
    ap.add_argument("-n", type=int, default=3, help="boots per point (median)")
    ap.add_argument("--configs", default=",".join(configs.table().graded()))
    args = ap.parse_args()
    print("%-9s %6s %6s %-6s %12s %12s" % ("config", "MiB", "pages", "mode", "write MiB/s", "read MiB/s"))
    with tempfile.TemporaryDirectory(prefix="vmkit-bench-disk-") as tmp:
        image = os.path.join(tmp, "disk.img")
        for config in args.configs.split(","):
            subprocess.run(["make", "-s", "-C", ROOT, "CONFIG=" + config, "kernel"], check=True,
                           stdout=subprocess.DEVNULL)
            for pages in (int(p) for p in args.pages.split(",")):
                runs = [boot(config, image, args.mib, pages) for _ in range(args.n)]
                for mode in sorted({m for m, _ in runs[0]}):
                    w = statistics.median(r[(mode, "write")] for r in runs)
                    rd = statistics.median(r[(mode, "read")] for r in runs)
                    print("%-9s %6d %6d %-6s %12.1f %12.1f" % (config, args.mib, pages, mode, w, rd),
                          flush=True)


if __name__ == "__main__":
    main()
