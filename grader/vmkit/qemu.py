"""The one place the QEMU command line for vmkit kernels is built.

qemu_argv() is used by the grader's runner and by tools/qemu (the interactive
launcher behind `make run` / `make gdb`); main() is that launcher's CLI.  The
binary, -cpu and default -m of each config come from conf/configs.toml
(configs.py).  Stdlib only: tools/qemu runs with any Python 3.11.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import sys
from collections.abc import Sequence

from . import configs

DEBUG_EXIT = "isa-debug-exit,iobase=0xf4,iosize=0x04"

# QEMU exit statuses (grader/PROTOCOL.md): (value << 1) | 1 through isa-debug-exit
STATUS_PASS = 33
STATUS_FAIL = 35
STATUS_PANIC = 37
STATUS_HALT = 65         # monitor `halt` (0x20); QEMU's own errors exit with 1
STATUS_TRIPLE = 0        # -no-reboot after a triple fault (with "Triple fault" in -D log)
STATUS_QEMU_ERROR = 1    # QEMU refused to start (bad -m, missing file...); it says why on stderr

# The least guest RAM tools/qemu boots with.  The kernel itself needs its
# image plus boot tables from 1 MiB (about 5 MiB of -m on i386, 6 MiB on PAE;
# below that it says so and exits, and at 1 MiB the BIOS hangs before the
# kernel runs); 8 MiB leaves room for the page array and malloc's growth.
MIN_MEM_MIB = 8
_SIZE = re.compile(r"(\d+(?:\.\d+)?)([kKmMgGtT]?)[bB]?")
_SCALE = {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}


@dataclasses.dataclass(frozen=True)
class Disk:
    """A raw disk image to attach: a virtio-blk drive, read-only if QEMU is to refuse writes."""
    path: str
    readonly: bool = False

    def drive(self) -> str:
        """QEMU's -drive value (the kernel's virtio-blk driver, kernel/dev/virtio_blk.c)."""
        if "," in str(self.path):
            raise ValueError("disk path may not contain a comma: %r" % (self.path,))
        return "file=%s,format=raw,if=virtio%s" % (self.path, ",readonly=on" if self.readonly else "")


DiskSpec = str | Disk      # a bare path is a read-write Disk


def as_disk(d: DiskSpec) -> Disk:
    return d if isinstance(d, Disk) else Disk(str(d))


def mem_mib(mem: str | int) -> float | None:
    """QEMU's -m size in MiB (a bare number is MiB, as QEMU reads it), or None if malformed."""
    m = _SIZE.fullmatch(str(mem).strip())
    if m is None:
        return None
    return float(m.group(1)) * _SCALE[(m.group(2) or "m").lower()]


def config_row(config: str) -> configs.Config:
    """The table's row for config; ValueError naming the known ones if there is none."""
    try:
        return configs.table().get(config)
    except configs.ConfigError as e:
        raise ValueError(str(e)) from None


def gdb_port(uid: int | None = None) -> int:
    """Default GDB port: 25000 + (uid % 5000), so users of one machine differ."""
    if uid is None:
        uid = os.getuid()
    return 25000 + (uid % 5000)


def qemu_argv(kernel: str, config: str, mem: str | None = None, cpu: str | None = None, append: str = "",
              disks: Sequence[DiskSpec] = (), gdb: int | None = None, interactive: bool = False,
              trifault_log: str | None = None, trace: Sequence[str] = ()) -> list[str]:
    """argv for booting `kernel` (an ELF path) built for `config`.

    mem, cpu: QEMU's -m and -cpu (default: the config's, conf/configs.toml).
    disks: raw images (paths or Disk), attached as virtio-blk drives in order:
      the kernel's disk0, disk1...
    trace: QEMU trace events (e.g. virtio_blk_handle_read) logged to trifault_log.
    gdb: a TCP port; QEMU then waits (-S) for GDB on 127.0.0.1:port.
    interactive: for a person at a terminal: the serial port shares stdio
      with QEMU's monitor (mon:stdio), so Ctrl-A X quits and Ctrl-A C
      reaches the QEMU monitor. Graders use plain stdio.
    trifault_log: file for `-d cpu_reset` output, where QEMU notes triple faults.
    """
    row = config_row(config)
    argv = [row.qemu, "-kernel", str(kernel)]
    if append:
        argv += ["-append", append]
    argv += ["-display", "none", "-serial", "mon:stdio" if interactive else "stdio", "-no-reboot",
             "-device", DEBUG_EXIT, "-m", str(mem or row.mem), "-cpu", cpu or row.cpu]
    if trace and not trifault_log:
        raise ValueError("trace events need a log file (trifault_log)")
    for d in disks:
        argv += ["-drive", as_disk(d).drive()]
    if trifault_log:
        argv += ["-d", "cpu_reset", "-D", str(trifault_log)]
        for ev in trace:
            argv += ["-trace", ev]
    if gdb is not None:
        argv += ["-S", "-gdb", "tcp:127.0.0.1:%d" % int(gdb)]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="qemu", description="Boot a vmkit kernel interactively (serial on this terminal).")
    try:
        table = configs.table()
    except configs.ConfigError as e:
        print("qemu: %s" % e, file=sys.stderr)
        return 2
    p.add_argument("--config", default=table.default, choices=table.names(),
                   help="kernel config (default %s; conf/configs.toml)" % table.default)
    p.add_argument("--kernel", help="kernel ELF (default build/CONFIG/kernel.elf)")
    p.add_argument("--mem", default=None, help="guest RAM, e.g. 128M or 6G (default: the config's)")
    p.add_argument("--cpu", default=None, help="QEMU -cpu (default: the config's)")
    p.add_argument("--append", default="", help="kernel command line")
    p.add_argument("--disk", action="append", default=[],
                   help="raw disk image, a virtio-blk drive (repeatable; disk0 first)")
    p.add_argument("--disk-ro", action="append", default=[],
                   help="raw disk image attached read-only (after the --disk ones)")
    p.add_argument("--gdb", nargs="?", type=int, const=-1, default=None, metavar="PORT",
                   help="wait for GDB on 127.0.0.1:PORT (default port %d)" % gdb_port())
    p.add_argument("--print-gdb-port", action="store_true", help="print the default GDB port and exit")
    p.add_argument("--dry-run", action="store_true", help="print the QEMU command and exit")
    a = p.parse_args(argv)
    if a.print_gdb_port:
        print(gdb_port())
        return 0
    row = table.get(a.config)
    mem = a.mem or row.mem
    mib = mem_mib(mem)
    if mib is None:
        print("qemu: --mem %r is not a size (examples: 128M, 6G)" % mem, file=sys.stderr)
        return 2
    if mib < MIN_MEM_MIB:
        print("qemu: --mem %s is too little: vmkit needs at least %dM" % (mem, MIN_MEM_MIB),
              file=sys.stderr)
        return 2
    kernel = a.kernel or os.path.join("build", a.config, "kernel.elf")
    gdb = None if a.gdb is None else (gdb_port() if a.gdb < 0 else a.gdb)
    try:
        cmd = qemu_argv(kernel, a.config, mem=mem, cpu=a.cpu, append=a.append,
                        disks=[Disk(d) for d in a.disk] + [Disk(d, readonly=True) for d in a.disk_ro], gdb=gdb, interactive=sys.stdin.isatty())
    except ValueError as e:
        p.error(str(e))
    if a.dry_run:
        import shlex
        print(shlex.join(cmd))
        return 0
    if not os.path.exists(kernel):
        print("qemu: no kernel at %s (build it with `make CONFIG=%s kernel`)" % (kernel, a.config),
              file=sys.stderr)
        return 2
    if shutil.which(cmd[0]) is None:
        print("qemu: %s is not installed (Debian: apt-get install qemu-system-x86)" % cmd[0],
              file=sys.stderr)
        return 2
    if gdb is not None:
        print("qemu: waiting for GDB on 127.0.0.1:%d (in gdb: target remote :%d)" % (gdb, gdb),
              file=sys.stderr)
    # Run QEMU as a child (not exec) so its exit status can be mapped: only
    # the monitor's halt and "all tests passed" are successes.  QEMU's own
    # errors (status 1: -m refused, no such file...) stay failures; QEMU has
    # printed why on stderr, which is the terminal's.
    import subprocess
    try:
        rc = subprocess.call(cmd)
    except KeyboardInterrupt:
        rc = 130
    if rc in (STATUS_HALT, STATUS_PASS):
        return 0
    if rc == STATUS_QEMU_ERROR:
        print("qemu: QEMU failed (status 1; its message is above)", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
