#!/usr/bin/env python3
"""bench-user.py - what processes cost: fork, page faults per fork, a system call.

Boots the `user` ktest (kernel/tests/ktest_user.c) with user/forkbench.c:
a process with a 16 MiB heap (every page touched) forks N times (the child
exits at once, the parent waits), then makes M getpid calls; the program
times both with the TSC.  A second run with no forks gives the baseline of
the fault counts, so the faults per fork + exit + wait are the difference
over N (zero fills, copy-on-write copies and moves).  Prints, per config,
the median of R boots: cycles per fork round, faults per round, cycles per
system call round trip.  A benchmark, not a test: it never fails on the
numbers.  Under TCG the TSC follows the host's clock, so the cycles are host
time, not a real CPU's.

Fork modes: `cow` (the default: vmspace_fork shares pages copy-on-write);
--eager adds a row per config booted with vm.fork_eager=1 (lab 04's eager
copy fallback, when the kernel has it), so the two latencies sit side by side.

Last, the user side's size: lines (wc -l) of user/ and of the kernel's
user-side files (USER_KERNEL_FILES: processes, exec, system calls, traps,
address spaces and faults).
Usage: tools/bench-user.py [-n 3] [--mib 16] [--forks 20] [--calls 20000] [--configs i386,amd64] [--eager]
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

OUT = re.compile(r"KDATA bench user out forkbench: fork cycles=(\d+) syscall cycles=(\d+) heap=(\d+)")
FAULTS = re.compile(r"KDATA bench user faults zfod=(\d+) cow=(\d+) optim=(\d+)")


USER_KERNEL_FILES = [
    "kernel/kern/kern_proc.c", "kernel/kern/kern_exec.c", "kernel/kern/kern_exec.h",
    "kernel/kern/kern_syscall.c", "kernel/kern/kern_descrip.c", "kernel/kern/kern_descrip.h",
    "kernel/kern/subr_trap.c", "kernel/include/sys/proc.h", "kernel/include/sys/syscall.h",
    "kernel/vm/vm_map.c", "kernel/vm/vm_map.h", "kernel/vm/vm_fault.c",
    "kernel/arch/i386/trap.c", "kernel/arch/i386/vm_machdep.c",
    "kernel/arch/amd64/trap.c", "kernel/arch/amd64/vm_machdep.c",
    "kernel/tests/ktest_user.c",
]


def line_counts() -> list[tuple[str, int, int]]:
    """(what, files, lines) for user/ (its .c .h .S .ld) and USER_KERNEL_FILES."""
    user = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(ROOT, "user"))
                  for f in fs if f.endswith((".c", ".h", ".S", ".ld")))
    kern = [os.path.join(ROOT, f) for f in USER_KERNEL_FILES if os.path.exists(os.path.join(ROOT, f))]
    rows = []
    for what, files in (("user/", user), ("kernel, user side", kern)):
        n = 0
        for f in files:
            with open(f, encoding="utf-8", errors="replace") as fh:
                n += sum(1 for _ in fh)
        rows.append((what, len(files), n))
    return rows


def boot(config: str, mib: int, forks: int, calls: int,
         extra: str = "") -> tuple[int, int, tuple[int, int, int]]:
    """(cycles per fork round, cycles per syscall, (zfod, cow, optim)) from one boot."""
    kernel = os.path.join(ROOT, "build", config, "kernel.elf")
    append = "test=user nonce=bench user.prog=forkbench user.args=%d,%d,%d%s" % (
        mib, forks, calls, extra)
    p = subprocess.run(qemu_argv(kernel, config, append=append), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = p.stdout.decode(errors="replace")
    m, f = OUT.search(out), FAULTS.search(out)
    if p.returncode != 33 or m is None or f is None:
        sys.exit(f"bench-user: {config}: QEMU exited {p.returncode}, no result line:\n" + out[-2000:])
    return int(m.group(1)), int(m.group(2)), (int(f.group(1)), int(f.group(2)), int(f.group(3)))


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("-n", type=int, default=3)
    ap.add_argument("--mib", type=int, default=16)
    ap.add_argument("--forks", type=int, default=20)
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--configs", default=",".join(configs.table().graded()))
    ap.add_argument("--eager", action="store_true",
                    help="also boot with vm.fork_eager=1 (lab 04's eager fork), a row each")
    args = ap.parse_args()
    modes = [("cow", "")] + ([("eager", " vm.fork_eager=1")] if args.eager else [])
    for config in args.configs.split(","):
        subprocess.run(["make", "-s", "-C", ROOT, f"CONFIG={config}", "kernel"], check=True,
                       stdout=subprocess.DEVNULL)
    print(f"{args.mib} MiB heap, {args.forks} forks, {args.calls} getpid calls; median of {args.n} boots")
    print("(cycles/fork: fork + the child's exit + wait of the %d MiB process; faults/fork: "
          "page faults per round by kind; cycles/syscall: a getpid round trip)" % args.mib)
    print(f"{'config':<10} {'fork':<6} {'cycles/fork':>12} {'faults/fork':>12} {'(zfod cow move)':>16} "
          f"{'cycles/syscall':>15}")
    for config in args.configs.split(","):
        for mode, extra in modes:
            base = boot(config, args.mib, 0, 0, extra)[2]
            runs = [boot(config, args.mib, args.forks, args.calls, extra) for _ in range(args.n)]
            fork_c = statistics.median(r[0] for r in runs)
            call_c = statistics.median(r[1] for r in runs)
            kinds = [(r[2][i] - base[i]) / args.forks for r in runs for i in range(3)]
            per = [statistics.median(kinds[i::3]) for i in range(3)]
            print(f"{config:<10} {mode:<6} {fork_c:>12.0f} {sum(per):>12.1f} "
                  f"{'%.1f %.1f %.1f' % tuple(per):>16} {call_c:>15.0f}")
    print()
    for what, files, lines in line_counts():
        print(f"lines: {what:<18} {lines:>6} in {files} files")


if __name__ == "__main__":
    main()
