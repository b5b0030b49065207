"""tools/vmbench.py: one boot of a ktest for the VM benchmarks (bench-pageout.py,
bench-pagecache.py): the kernel's KDATA lines, typed by vmkit.kdata, and the
requests QEMU's virtio-blk device served (its own trace, not the kernel's word).

A benchmark prints numbers and never fails on them; a boot that does not end
in the ktest's PASS stops the benchmark with the end of the kernel's output.
"""
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import kdata
from vmkit.qemu import Disk, qemu_argv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NONCE = "bench"
TRACE = ["virtio_blk_handle_read", "virtio_blk_handle_write"]
_REQ = re.compile(r"virtio_blk_handle_(read|write)\b.*?\bsector (\d+) nsectors (\d+)")
SPP = 8                                 # 512-byte sectors per page


@dataclass
class Boot:
    """What one boot gave: KDATA lines, and QEMU's requests (op, sector, sectors)."""
    lines: list[kdata.Line]
    requests: list[tuple[str, int, int]] = field(default_factory=list)

    def one(self, kind: str) -> kdata.Line:
        got = [x for x in self.lines if x.kind == kind]
        if len(got) != 1:
            sys.exit("vmbench: want one %r line, got %d" % (kind, len(got)))
        return got[0]

    def pages(self, op: str, sectors: range | None = None) -> int:
        """Pages QEMU served for `op` requests (only those starting in `sectors`)."""
        return sum(n for o, s, n in self.requests
                   if o == op and (sectors is None or s in sectors)) // SPP

    def count(self, op: str, sectors: range | None = None) -> int:
        """Requests QEMU served for `op` (only those starting in `sectors`)."""
        return sum(1 for o, s, _ in self.requests if o == op and (sectors is None or s in sectors))


def build(configs: Sequence[str]) -> None:
    for config in configs:
        subprocess.run(["make", "-s", "-C", ROOT, "CONFIG=" + config, "kernel"], check=True,
                       stdout=subprocess.DEVNULL)


def boot(config: str, test: str, args: Mapping[str, int | str], mem: str,
         disks: Sequence[str] = (), seed: int = 1, timeout: float = 300) -> Boot:
    """Boot `test` with key=value boot options; once more if it fails (said on stderr:
    a figure never hides a failure), then stop the benchmark with the kernel's output."""
    first = _boot(config, test, args, mem, disks, seed, timeout)
    if isinstance(first, Boot):
        return first
    print("vmbench: %s %s seed %d failed once, booting it again:\n%s"
          % (config, test, seed, first[-600:]), file=sys.stderr)
    again = _boot(config, test, args, mem, disks, seed, timeout)
    if isinstance(again, Boot):
        return again
    sys.exit(again)


def _boot(config: str, test: str, args: Mapping[str, int | str], mem: str,
          disks: Sequence[str], seed: int, timeout: float) -> Boot | str:
    """One boot: what it gave, or why it failed."""
    kernel = os.path.join(ROOT, "build", config, "kernel.elf")
    append = " ".join(["test=" + test, "nonce=" + NONCE, "seed=%d" % seed] +
                      ["%s=%s" % kv for kv in args.items()])
    fd, log = tempfile.mkstemp(prefix="vmkit-bench-", suffix=".log")
    os.close(fd)
    try:
        argv = qemu_argv(kernel, config, mem=mem, append=append,
                         disks=[Disk(d) for d in disks], trifault_log=log, trace=TRACE)
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
        with open(log, errors="replace") as f:
            qlog = f.read()
    finally:
        os.unlink(log)
    out = p.stdout.decode(errors="replace")
    tag = "KDATA %s %s " % (NONCE, test)
    raw = [ln.split(" ", 3)[3].rsplit(" #", 1)[0] for ln in out.splitlines() if ln.startswith(tag)]
    if p.returncode != 33 or not raw or not re.search(r"\b%s PASS\b" % re.escape(test), out):
        return ("vmbench: %s %s (%s) did not pass (QEMU status %d):\n%s"
                % (config, test, append, p.returncode, out[-2000:]))
    reqs = [(m.group(1), int(m.group(2)), int(m.group(3))) for m in _REQ.finditer(qlog)]
    return Boot(kdata.parse(test, raw), reqs)
