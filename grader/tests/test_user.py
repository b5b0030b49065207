"""User programs (user/, run by kernel/tests/ktest_user.c; `make test` runs these).

Each test boots the kernel with `test=user user.prog=NAME user.args=a,b,...`:
the kernel runs the program as a process, records every line it writes as
KDATA, and reports its exit status, the fault kinds and the free + cached
pages before and after.  The arguments come from the grader's seed, and
the grader recomputes what the program must print (forktest's sums with
the same LCG as user/include/ulib.h) and how it must end; the kernel's own
PASS only says it started the program and got every page back.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Any

import pytest

from vmkit import configs, flatfs, kdata
from vmkit.qemu import Disk
from vmkit.runner import RunResult

ALL = configs.table().graded()
M32 = 0xFFFFFFFF


def lcg_next(s: int) -> tuple[int, int]:
    """user/include/ulib.h's lcg_next: (new state, value)."""
    s = (s * 1103515245 + 12345) & M32
    return s, s >> 8


def forktest_expected(seed: int, n: int) -> tuple[list[str], int]:
    """forktest's child lines (any order) and its last line, from the seed."""
    s, table = seed, []
    for _ in range(1024):
        s, v = lcg_next(s)
        table.append(v)
    lines, total = [], 0
    for c in range(n):
        t = list(table)
        cs = (seed ^ (((c + 1) * 0x9E3779B9) & M32)) & M32
        v = 0
        for _ in range(64):
            cs, r = lcg_next(cs)
            i = r % 1024
            t[i] = (t[i] + c + 1) & M32
            v = (v + t[i]) & M32
        lines.append("forktest: child %d sum %d" % (c, v))
        total += v % 251
    return lines, total


def lcg_bytes(seed: int, n: int) -> bytes:
    """The low bytes of lcg_next's values: what filetest writes."""
    out = bytearray()
    s = seed
    for _ in range(n):
        s, v = lcg_next(s)
        out.append(v & 0xFF)
    return bytes(out)


def run_user(vm: Any, prog: str, args: list[str], disks: list[Disk] | None = None,
             mem: str | None = None, extra: dict[str, object] | None = None,
             trace: list[str] | None = None, fs: bool | None = None,
             ) -> tuple[RunResult, list[str], dict[str, kdata.Line]]:
    """Run prog under the `user` ktest: the result, the output lines, the other KDATA lines by kind.
    With disks the flat file system is mounted first (fs=False: not, a swap disk); extra is
    more of the command line, trace QEMU's trace events."""
    kw: dict[str, object] = {"user.prog": prog}
    if args:
        kw["user.args"] = ",".join(args)
    if disks and fs is not False:
        kw["user.fs"] = "yes"
    kw.update(extra or {})
    r = vm.run_pass(["user"], kw, disks=disks or [], mem=mem, **({"trace": trace} if trace else {}))
    lines = vm.kdata(r, "user")
    out = [ln["text"] for ln in lines if ln.kind == "out"]
    rest = {ln.kind: ln for ln in lines if ln.kind != "out"}
    for kind in ("exit", "faults", "pages"):
        vm.check(kind in rest, r, "user: no `%s` KDATA line" % kind)
    pages = rest["pages"]
    vm.check(pages["before"] == pages["after"], r, "user %s: free + cached pages %d before, %d after "
             "the program and its children were reaped: %d leaked"
             % (prog, pages["before"], pages["after"], pages["before"] - pages["after"]))
    vm.check(pages["procs"] == 0, r, "user %s: %d processes left" % (prog, pages["procs"]))
    return r, out, rest


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_user_echo(vm):
    """execve's arguments reach main: echo prints the seeded words and exits with their count."""
    words = ["w%d" % vm.rng.randrange(10 ** 6) for _ in range(1 + vm.rng.randrange(8))]
    r, out, rest = run_user(vm, "echo", words)
    vm.check(out == [" ".join(words)], r, "echo %s printed %r" % (" ".join(words), out))
    vm.check(rest["exit"]["status"] == len(words), r, "echo exited with %d, want %d"
             % (rest["exit"]["status"], len(words)))


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_user_forktest(vm):
    """fork and copy-on-write: each child's sum over its private copy of a seeded
    table, the sum of their exit statuses, the parent's table untouched, at
    least one copy-on-write fault per child, and every page back after."""
    seed = vm.rng.randrange(2 ** 32)
    n = 1 + vm.rng.randrange(6)
    r, out, rest = run_user(vm, "forktest", [str(seed), str(n)])
    child_lines, total = forktest_expected(seed, n)
    want_last = "forktest: %d children, status sum %d" % (n, total)
    vm.check(sorted(out[:-1]) == sorted(child_lines), r,
             "forktest %d %d: the children printed %r, want (in any order) %r"
             % (seed, n, out[:-1], child_lines))
    vm.check(out[-1:] == [want_last], r, "forktest: last line %r, want %r" % (out[-1:], want_last))
    vm.check(rest["exit"]["status"] == 0, r, "forktest exited with %d" % rest["exit"]["status"])
    f = rest["faults"]
    vm.check(f["cow"] + f["optim"] >= n, r, "forktest: %d copy-on-write copies and %d moves for %d "
             "children that each wrote a shared page" % (f["cow"], f["optim"], n))


BADPTR_CASES = 36


@pytest.mark.vmkit(configs=ALL, timeout=90)
def test_user_badptr(vm):
    """Every bad pointer is EFAULT (or the right error), every fatal fault kills only
    the program (with its message), and the kernel lives on with every page back."""
    r, out, rest = run_user(vm, "badptr", [])
    bad = [ln for ln in out[:-1] if not ln.endswith(" ok")]
    vm.check(not bad, r, "badptr: %d cases failed: %s" % (len(bad), "; ".join(bad[:5])))
    want = "badptr: %d passed, 0 failed" % BADPTR_CASES
    vm.check(out[-1:] == [want], r, "badptr: last line %r, want %r" % (out[-1:], want))
    vm.check(rest["exit"]["status"] == 0, r, "badptr exited with %d" % rest["exit"]["status"])
    kills = re.findall(r"^pid \d+ \(badptr\): (segmentation fault at 0x[0-9a-f]+|[a-z ]+), pc 0x[0-9a-f]+\r?$",
                       r.log, re.M)
    vm.check("segmentation fault at 0x0" in kills, r,
             "badptr: no `pid N (badptr): segmentation fault at 0x0, pc 0x...` line for the NULL load")
    vm.check(len(kills) == 7, r, "badptr: %d kill messages, want 7: %r" % (len(kills), kills))


@pytest.mark.vmkit(configs=ALL, timeout=120)
def test_user_usertests(vm):
    """usertests runs everything and says so on its last line."""
    r, out, rest = run_user(vm, "usertests", [])
    vm.check(out[-1:] == ["usertests: 6 passed, 0 failed"], r,
             "usertests: last line %r; failures: %r" % (out[-1:], [ln for ln in out if "FAILED" in ln]))
    vm.check(rest["exit"]["status"] == 0, r, "usertests exited with %d" % rest["exit"]["status"])


@pytest.mark.vmkit(configs=ALL, timeout=90)
def test_user_files(vm, tmp_path: Path):
    """open/write/fsync/read/close on a flat file system file: the bytes on the
    disk image after QEMU exits are the seeded ones, the CRC the program read
    back is theirs, a forked child reads through its own offset, and the bad
    buffers and descriptors are errors."""
    seed = vm.rng.randrange(2 ** 32)
    length = vm.rng.randrange(1, 6 * 4096)
    old = vm.rng.randbytes(vm.rng.randrange(1, 7 * 4096))
    img = tmp_path / "fs.img"
    img.write_bytes(flatfs.make([("other", b"keep", 1), ("data", old, 7)], entries=8))
    r, out, rest = run_user(vm, "filetest", ["data", str(seed), str(length)], [Disk(str(img))])
    want = lcg_bytes(seed, length)
    first4 = "%08x" % int.from_bytes(want[:4].ljust(4, b"\0"), "little")
    expected = ["filetest: wrote %d bytes, read back %d, crc %08x" % (length, length, zlib.crc32(want)),
                "filetest: child read %s" % first4, "filetest: parent read %s" % first4, "filetest: ok"]
    vm.check(out == expected, r, "filetest data %d %d printed %r, want %r" % (seed, length, out, expected))
    vm.check(rest["exit"]["status"] == 0, r, "filetest exited with %d" % rest["exit"]["status"])
    fs = flatfs.read_image(img)
    got = fs.read("data")
    vm.check(got == want, r, "after exit the image's `data` is %d bytes (want %d)%s" % (
        len(got), len(want), "" if len(got) != len(want) else ", first difference at byte %d"
        % next((i for i in range(len(got)) if got[i] != want[i]), -1)))
    vm.check(fs.read("other") == b"keep", r, "after exit the image's `other` changed")


ENOMEM = 12


@pytest.mark.vmkit(configs=ALL, timeout=120)
def test_user_forkbomb(vm):
    """Fork until the kernel says no, in 16 MiB: fork fails with ENOMEM (or a
    process that cannot get a page is killed, `out of memory`), never a panic;
    every child is reaped and every page comes back."""
    r, out, rest = run_user(vm, "forkbomb", [], mem="16M")
    status = rest["exit"]["status"]
    vm.check(status in (0, 128 + 9), r, "forkbomb exited with %d: want 0, or 137 if it was "
             "killed for want of memory" % status)
    if status == 0:
        m = re.fullmatch(r"forkbomb: (\d+) children, then error (\d+)", out[0] if out else "")
        vm.check(m is not None and int(m.group(2)) == ENOMEM and int(m.group(1)) > 0, r,
                 "forkbomb: first line %r, want `forkbomb: N children, then error %d`"
                 % (out[:1], ENOMEM))
        assert m is not None
        vm.check(out[1:] == ["forkbomb: reaped %s" % m.group(1)], r,
                 "forkbomb: %r after %s children" % (out[1:], m.group(1)))
    vm.check(not re.search(r"segmentation fault", r.log), r,
             "forkbomb: a process was killed with `segmentation fault`, not `out of memory`")


READ_TRACE = ["virtio_blk_handle_read"]
_READ_LINE = re.compile(r"virtio_blk_handle_read\b.*?\bsector (\d+) nsectors (\d+)")
FILERD_MEM = "16M"                      # 4096 pages, the kernel's included
FILERD_BLOCKS = 6144                    # 24 MiB: half as big again as all of memory


@pytest.mark.vmkit(configs=ALL, timeout=180)
def test_user_filerd(vm, tmp_path: Path):
    """A file half as big again as memory, read twice in order and at 256 seeded
    offsets: every CRC is the image's, and QEMU's own read trace shows the second
    pass could not come from the cache (at least the part that does not fit in
    memory was read again) - the page cache and the cache queue under a user program."""
    seed = vm.rng.randrange(2 ** 32)
    data = vm.rng.randbytes(FILERD_BLOCKS * 4096 - vm.rng.randrange(4096))
    img = tmp_path / "fs.img"
    img.write_bytes(flatfs.make([("big", data, None)], entries=4))
    r, out, rest = run_user(vm, "filerd", ["big", str(seed)], [Disk(str(img))], mem=FILERD_MEM,
                            trace=READ_TRACE)
    s, rcrc = seed, 0
    for _ in range(256):
        s, v = lcg_next(s)
        off = 16 * (v % (len(data) // 16))
        rcrc = zlib.crc32(data[off:off + 512], rcrc)
    crc = zlib.crc32(data)
    expected = ["filerd: pass 1 %d bytes crc %08x" % (len(data), crc),
                "filerd: pass 2 %d bytes crc %08x" % (len(data), crc),
                "filerd: random 256 crc %08x" % rcrc]
    vm.check(out == expected, r, "filerd big %d printed %r, want %r" % (seed, out, expected))
    vm.check(rest["exit"]["status"] == 0, r, "filerd exited with %d" % rest["exit"]["status"])
    e = flatfs.read_image(img).find("big")
    span = range(e.first * 8, (e.first + e.nblocks) * 8)
    pages = sum(int(m.group(2)) for m in _READ_LINE.finditer(r.qemu_log)
                if int(m.group(1)) in span) // 8
    least = FILERD_BLOCKS + (FILERD_BLOCKS - 4096)
    vm.check(least <= pages <= 3 * FILERD_BLOCKS + 256, r, "filerd: QEMU read %d pages of the "
             "file; two passes over %d pages in 4096 pages of memory read at least %d (and the "
             "random pass at most 256 more than three passes)" % (pages, FILERD_BLOCKS, least))


MEMHOG_MEM = "16M"


def memhog_sum(seed: int, pages: int) -> int:
    s, total = seed, 0
    for _ in range(pages):
        s, v = lcg_next(s)
        total = (total + v) & M32
    return total


@pytest.mark.parametrize("case", ["fits", "swap", "noswap"])
@pytest.mark.vmkit(configs=ALL, timeout=180)
def test_user_memhog(vm, tmp_path: Path, case: str):
    """memhog touches and checks back seeded memory in 16 MiB of RAM: 4 MiB fits;
    24 MiB with a 32 MiB swap disk pages and every word comes back; 24 MiB without
    swap kills the program (`out of memory`, 137) or mmap says ENOMEM (status 1),
    never a panic; every page comes back after (run_user)."""
    seed = vm.rng.randrange(2 ** 32)
    mib = 4 if case == "fits" else 24
    disks: list[Disk] = []
    extra: dict[str, object] = {}
    if case == "swap":
        img = tmp_path / "swap.img"
        img.write_bytes(bytes(32 << 20))
        disks, extra = [Disk(str(img))], {"swapdev": 0}
    r, out, rest = run_user(vm, "memhog", [str(mib), str(seed)], disks, mem=MEMHOG_MEM,
                            extra=extra, fs=False)
    status = rest["exit"]["status"]
    if case == "noswap":
        vm.check(status in (137, 1), r, "memhog %d without swap exited with %d: want 137 "
                 "(killed, out of memory) or 1 (mmap failed)" % (mib, status))
        vm.check(status != 137 or re.search(r"pid \d+ \(memhog\): out of memory", r.log) is not None,
                 r, "memhog: status 137 without a `pid N (memhog): out of memory` line")
        return
    want = "memhog: %d pages, 0 bad, sum %08x" % (mib * 256, memhog_sum(seed, mib * 256))
    vm.check(out == [want], r, "memhog %d %d printed %r, want %r" % (mib, seed, out, [want]))
    vm.check(status == 0, r, "memhog exited with %d" % status)


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_user_form(vm):
    """`test=user:echo,a,b` is `test=user user.prog=echo user.args=a,b` (issue 14's form)."""
    words = ["f%d" % vm.rng.randrange(10 ** 6) for _ in range(1 + vm.rng.randrange(5))]
    r = vm.expect_pass(vm.run("user:" + ",".join(["echo"] + words)), "user")
    lines = vm.kdata(r, "user")
    out = [ln["text"] for ln in lines if ln.kind == "out"]
    exits = [ln for ln in lines if ln.kind == "exit"]
    vm.check(out == [" ".join(words)], r, "test=user:echo,%s printed %r" % (",".join(words), out))
    vm.check(len(exits) == 1 and exits[0]["status"] == len(words), r,
             "test=user:echo,...: exit %r, want status %d" % (exits, len(words)))


FORK_MANY = 200


@pytest.mark.vmkit(configs=ALL, timeout=120)
def test_user_fork_many(vm):
    """200 processes at once in 64 MiB on every config: i386-PAE's page-directory-
    pointer tables once came from a static pool of 64, so its 64th child could not fork."""
    r, out, rest = run_user(vm, "forkbomb", [str(FORK_MANY)], mem="64M")
    want = ["forkbomb: %d children, then error 0" % FORK_MANY, "forkbomb: reaped %d" % FORK_MANY]
    vm.check(out == want, r, "forkbomb %d in 64 MiB printed %r, want %r" % (FORK_MANY, out, want))
    vm.check(rest["exit"]["status"] == 0, r, "forkbomb exited with %d" % rest["exit"]["status"])


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_proc_wait_reuse(vm):
    """A dead child's thread record is its parent's to free: kthread_create,
    which frees dead kernel threads, must leave it until the wait, and the
    wait must not wait for anyone else (forktest's rare hang: a parent read a
    freed record that had been handed out again)."""
    vm.run_pass(["proc_wait_reuse"])
