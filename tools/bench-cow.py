#!/usr/bin/env python3
"""bench-cow.py - what copy-on-write saves: fork of a process with 16 MiB touched, COW vs eager.

Boots the `user` ktest (kernel/tests/ktest_user.c) with user/forkbench.c: a
process with a 16 MiB heap (every page written) forks N times (the child
exits at once, the parent waits); the program times the rounds with the TSC.
Once as the kernel is (copy-on-write), once with vm.fork_eager=1 (every page
copied at fork: vm_object_copy, lab 04's stub behaviour).  Pages copied per
round are the kernel's counters (copy-on-write copies + pages eager forks
copied) of the run minus those of a run with no forks, over N.  A round
also pays for the process itself (pmap, kernel stack, exit, wait: an empty
process's round, "empty"), the same for both; the last ratio compares what
sharing or copying the 16 MiB costs on top of that (`(noise)` when the
COW round is within 5% of the empty one: its extra cost does not show).  Prints, per config, the
median of R boots and the ratios.  A benchmark, not a test: it
never fails on the numbers.  Under TCG the TSC follows the host's clock, so
the cycles are host time, not a real CPU's.
Usage: tools/bench-cow.py [-n 3] [--mib 16] [--forks 10] [--configs i386,amd64]
"""
from __future__ import annotations

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

OUT = re.compile(r"KDATA bench user out forkbench: fork cycles=(\d+) syscall cycles=\d+ heap=(\d+)")
FAULTS = re.compile(r"KDATA bench user faults zfod=\d+ cow=(\d+) optim=\d+ forkpages=(\d+)")


def boot(config: str, mib: int, forks: int, eager: bool) -> tuple[int, int]:
    """(cycles per fork round, pages copied in all) from one boot."""
    kernel = os.path.join(ROOT, "build", config, "kernel.elf")
    append = "test=user nonce=bench user.prog=forkbench user.args=%d,%d,0%s" % (
        mib, forks, " vm.fork_eager=1" if eager else "")
    p = subprocess.run(qemu_argv(kernel, config, append=append), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    out = p.stdout.decode(errors="replace")
    m, f = OUT.search(out), FAULTS.search(out)
    if p.returncode != 33 or m is None or f is None:
        sys.exit(f"bench-cow: {config}: QEMU exited {p.returncode}, no result line:\n" + out[-2000:])
    return int(m.group(1)), int(f.group(1)) + int(f.group(2))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("--mib", type=int, default=16)
    ap.add_argument("--forks", type=int, default=10)
    ap.add_argument("--configs", default=",".join(configs.table().graded()))
    args = ap.parse_args()
    for config in args.configs.split(","):
        subprocess.run(["make", "-s", "-C", ROOT, f"CONFIG={config}", "kernel"], check=True,
                       stdout=subprocess.DEVNULL)
    print(f"fork + exit + wait of a process with {args.mib} MiB touched, {args.forks} rounds; "
          f"median of {args.n} boots")
    print(f"{'config':<10} {'COW cycles':>12} {'eager cycles':>13} {'x faster':>9} "
          f"{'COW pages':>10} {'eager pages':>12} {'x fewer':>8} {'empty cycles':>13} "
          f"{'x over empty':>13}")
    for config in args.configs.split(","):
        empty = statistics.median(boot(config, 0, args.forks, False)[0] for _ in range(args.n))
        row = []
        for eager in (False, True):
            base = boot(config, args.mib, 0, eager)[1]
            runs = [boot(config, args.mib, args.forks, eager) for _ in range(args.n)]
            row.append((statistics.median(r[0] for r in runs),
                        statistics.median((r[1] - base) / args.forks for r in runs)))
        (cc, cp), (ec, ep) = row
        # COW's round within noise of an empty process's: its extra cost is not measurable here
        over = f"{(ec - empty) / (cc - empty):>13.1f}" if cc - empty > 0.05 * empty else f"{'(noise)':>13}"
        print(f"{config:<10} {cc:>12.0f} {ec:>13.0f} {ec / max(cc, 1):>9.1f} {cp:>10.1f} "
              f"{ep:>12.1f} {ep / max(cp, 1):>8.0f} {empty:>13.0f} {over}")


if __name__ == "__main__":
    main()
