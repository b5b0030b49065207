"""Zero-copy send (kernel/kern/kern_send.c, vm_page_cowfault; user/sendtest.c).

Each test boots `test=user user.prog=sendtest` with a blank send disk the
grader made (`senddev=0`), and after QEMU exits reads the records the
kernel's consumer wrote to it: every record must hold exactly the bytes the
buffer held when it was sent, recomputed here from the seed, although the
program overwrote the buffer (and the kernel copied a status into it) while
each send was pending.  Then: every page back (free + cached, wirings), no
page still loaned (m->cow), and one loaned-page copy (v_cowfaults_loan) per
page written during a pending send.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vmkit import configs, kdata
from vmkit.qemu import Disk
from vmkit.runner import RunResult

ALL = configs.table().graded()
M32 = 0xFFFFFFFF
PAGE = 4096
MAGIC = b"VMKSEND1"
MAXLEN = 5 * PAGE                 # user/sendtest.c
KID_STATUS = 42
SEND_IMAGE = 1 << 20              # blank send disk: 256 pages, room for 36 sends of 7 pages
EFAULT, EINVAL, ENODEV = 14, 22, 19


def lcg_next(s: int) -> tuple[int, int]:
    """user/include/ulib.h's lcg_next: (new state, value)."""
    s = (s * 1103515245 + 12345) & M32
    return s, s >> 8


def sendtest_layout(seed: int) -> tuple[int, int]:
    """sendtest's buffer: (length, offset in its first page), from the seed."""
    s, v = lcg_next(seed)
    length = 1 + v % MAXLEN
    s, v = lcg_next(s)
    return length, v % PAGE


def pattern(seed: int, i: int, length: int) -> bytes:
    """sendtest's pattern i: the low bytes of lcg_next from seed ^ (i + 1) * 0x9e3779b9."""
    s = (seed ^ (((i + 1) * 0x9E3779B9) & M32)) & M32
    out = bytearray(length)
    for k in range(length):
        s, v = lcg_next(s)
        out[k] = v & 0xFF
    return bytes(out)


@dataclass(frozen=True)
class Record:
    """One send as kern_send.c wrote it: the header's fields and the bytes sent."""
    id: int
    pid: int
    length: int
    off: int
    npages: int
    data: bytes


def read_records(image: bytes) -> list[Record]:
    """The records on a send disk, in order, up to the first page without the magic."""
    out, pos = [], 0
    while pos + PAGE <= len(image) and image[pos:pos + 8] == MAGIC:
        rid, pid, length, off, npages = struct.unpack_from("<5I", image, pos + 8)
        if npages * PAGE > len(image) - pos - PAGE or off + length > npages * PAGE:
            raise ValueError("send record at byte %d: %d pages, bytes [%d, %d) do not fit"
                             % (pos, npages, off, off + length))
        body = image[pos + PAGE:pos + PAGE + npages * PAGE]
        out.append(Record(rid, pid, length, off, npages, body[off:off + length]))
        pos += PAGE + npages * PAGE
    return out


def run_send(vm: Any, args: list[str], disks: list[Disk], extra: dict[str, object] | None = None,
             mem: str | None = None) -> tuple[RunResult, list[str], dict[str, kdata.Line]]:
    """sendtest under the `user` ktest with senddev=0: the result, its output, the other KDATA lines."""
    kw: dict[str, object] = {"user.prog": "sendtest", "user.args": ",".join(args), "senddev": 0}
    kw.update(extra or {})
    r = vm.run_pass(["user"], kw, disks=disks, mem=mem)
    lines = vm.kdata(r, "user")
    out = [ln["text"] for ln in lines if ln.kind == "out"]
    rest = {ln.kind: ln for ln in lines if ln.kind != "out"}
    for kind in ("exit", "pages", "loans"):
        vm.check(kind in rest, r, "sendtest: no `%s` KDATA line" % kind)
    return r, out, rest


def check_sends(vm: Any, r: RunResult, img: Path, seed: int, n: int, out: list[str],
                rest: dict[str, kdata.Line]) -> None:
    """The disk holds pattern i in send i+1; the program and the kernel gave every page back."""
    length, off = sendtest_layout(seed)
    npages = (off + length + PAGE - 1) // PAGE
    want_line = "sendtest: len %d off %d, %d sends, sendwait %d, buffer ok" % (length, off, n, n)
    vm.check(out[-1:] == [want_line], r, "sendtest %d %d: last line %r, want %r"
             % (seed, n, out[-1:], want_line))
    vm.check(rest["exit"]["status"] == 0, r, "sendtest exited with %d" % rest["exit"]["status"])
    try:
        recs = read_records(img.read_bytes())
    except ValueError as e:
        vm.check(False, r, "send disk: %s" % e)
        return
    vm.check(len(recs) == n, r, "send disk: %d records after exit, want %d" % (len(recs), n))
    for i, rec in enumerate(recs):
        head = (rec.id, rec.pid, rec.length, rec.off, rec.npages)
        vm.check(head == (i + 1, rest["exit"]["pid"], length, off, npages), r,
                 "send record %d: (id, pid, len, off, pages) %r, want %r"
                 % (i, head, (i + 1, rest["exit"]["pid"], length, off, npages)))
        want = pattern(seed, i, length)
        if rec.data != want:
            k = next(k for k in range(length) if rec.data[k] != want[k])
            later = [j for j in range(i + 1, n + 1) if rec.data[k] == pattern(seed, j, length)[k]]
            vm.check(False, r, "send %d: byte %d (page %d of the buffer) on the disk is %#04x, want "
                     "%#04x as the buffer held it at send time%s" % (
                         i + 1, k, (off + k) // PAGE, rec.data[k], want[k],
                         " (it matches pattern %d, written after the send: the write reached the "
                         "page being sent)" % later[0] if later else ""))
    pages, loans = rest["pages"], rest["loans"]
    vm.check(pages["before"] == pages["after"], r, "sendtest: free + cached pages %d before, %d after: "
             "%d leaked" % (pages["before"], pages["after"], pages["before"] - pages["after"]))
    vm.check(pages["procs"] == 0, r, "sendtest: %d processes left" % pages["procs"])
    vm.check(loans["cow"] == 0, r, "sendtest: after exit %d pages still have m->cow != 0" % loans["cow"])
    vm.check(loans["wired_after"] == loans["wired_before"], r,
             "sendtest: %d wired pages before, %d after: the loans' wirings were not all dropped"
             % (loans["wired_before"], loans["wired_after"]))
    vm.check(loans["cowfaults"] == n * npages, r,
             "sendtest: %d loaned-page copies (v_cowfaults_loan), want %d: %d writes over the %d "
             "pages of a pending send" % (loans["cowfaults"], n * npages, n, npages))


def blank(tmp_path: Path, name: str, size: int) -> Path:
    p = tmp_path / name
    p.write_bytes(bytes(size))
    return p


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_send_cow(vm, tmp_path: Path):
    """send, write at once, send again: each record on the disk holds the buffer as
    it was at its send (user writes, and wait()'s copyout into the loaned page, get
    a copy); every page, wiring and loan is back after exit; one copy per page written."""
    seed = vm.rng.randrange(2 ** 32)
    n = 2 + vm.rng.randrange(7)
    img = blank(tmp_path, "send.img", SEND_IMAGE)
    r, out, rest = run_send(vm, [str(seed), str(n)], [Disk(str(img))])
    check_sends(vm, r, img, seed, n, out, rest)


@pytest.mark.vmkit(configs=ALL, timeout=120)
def test_send_pressure(vm, tmp_path: Path):
    """The same while memory is short: 16 MiB, a swap disk, and the program touching
    24 MiB between each send and its write, so the copies wait for memory (VM_WAIT);
    the bytes sent are still the ones the buffer held at send time."""
    seed = vm.rng.randrange(2 ** 32)
    n = 4 + vm.rng.randrange(5)
    img = blank(tmp_path, "send.img", SEND_IMAGE)
    swap = blank(tmp_path, "swap.img", 48 << 20)
    r, out, rest = run_send(vm, [str(seed), str(n), "hog", "24"], [Disk(str(img)), Disk(str(swap))],
                            {"swapdev": 1}, mem="16M")
    check_sends(vm, r, img, seed, n, out, rest)
    vm.check(rest["loans"]["vmwait"] > 0, r, "send_pressure: no VM_WAIT during the run: the "
             "memory shortage did not happen (the test proves nothing)")


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_send_errors(vm, tmp_path: Path):
    """Bad sends are errors, not panics: NULL, kernel and unmapped buffers (also one
    whose last page is unmapped) EFAULT, length 0 or too large EINVAL; every page
    of a refused send is unwired again; nothing is written to the disk."""
    img = blank(tmp_path, "send.img", SEND_IMAGE)
    r, out, rest = run_send(vm, ["0", "0", "errors", "x"], [Disk(str(img))])
    want = ["sendtest: null %d" % -EFAULT, "sendtest: kernel %d" % -EFAULT,
            "sendtest: unmapped %d" % -EFAULT, "sendtest: partly unmapped %d" % -EFAULT,
            "sendtest: empty %d" % -EINVAL, "sendtest: too long %d" % -EINVAL,
            "sendtest: sendwait 0"]
    vm.check(out == want, r, "sendtest errors printed %r, want %r" % (out, want))
    vm.check(rest["exit"]["status"] == 0, r, "sendtest exited with %d" % rest["exit"]["status"])
    vm.check(rest["loans"]["cow"] == 0 and rest["loans"]["wired_after"] == rest["loans"]["wired_before"],
             r, "sendtest errors: loans left: %r" % (rest["loans"],))
    vm.check(rest["pages"]["before"] == rest["pages"]["after"], r, "sendtest errors: pages leaked")
    vm.check(read_records(img.read_bytes()) == [] and not any(img.read_bytes()), r,
             "sendtest errors: a refused send wrote to the send disk")


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_send_nodev(vm, tmp_path: Path):
    """Without senddev= there is no send disk: send and sendwait are ENODEV (a disk
    attached but not named is never written)."""
    img = blank(tmp_path, "other.img", SEND_IMAGE)
    r, out, rest = run_send(vm, ["0", "0", "nodev", "x"], [Disk(str(img))], {"senddev": "none"})
    want = ["sendtest: send %d" % -ENODEV, "sendtest: sendwait %d" % -ENODEV]
    vm.check(out == want, r, "sendtest nodev printed %r, want %r" % (out, want))
    vm.check("send: " not in r.log or "send: disk" not in r.log, r, "senddev=none: a send disk was set up")
    vm.check(not any(img.read_bytes()), r, "senddev=none: the disk attached was written")


@pytest.mark.vmkit(configs=ALL, timeout=30)
def test_cowfault_maps(vm):
    """A write to a loaned page mapped by two address spaces: the writer gets a copy
    with the page's bytes, and NEITHER map keeps the loaned page (the other one
    would read stale bytes); the copy takes the wiring that is not the loan's (an
    mlock's), the loaned page keeps exactly the loan's."""
    r = vm.run_pass(["cowfault_maps"])
    d = {ln.kind: ln for ln in vm.kdata(r, "cowfault_maps")}
    maps, loan = d["maps"], d["loan"]
    vm.check(maps["first"] == "copy", r, "cowfault_maps: the writer maps %r after its write, want "
             "the copy" % maps["first"])
    vm.check(maps["second"] in ("none", "copy"), r, "cowfault_maps: the other address space still "
             "maps %r: vm_page_cowfault must remove every mapping of the loaned page, not only "
             "the faulting one" % maps["second"])
    vm.check(maps["copies"] == 1 and maps["data"], r, "cowfault_maps: %d copies, data %s (want 1, "
             "the page's bytes in the copy and untouched in the loaned page)"
             % (maps["copies"], maps["data"]))
    want = (False, 1, 1, 1)
    got = (loan["old_object"], loan["old_wired"], loan["old_cow"], loan["copy_wired"])
    vm.check(got == want, r, "cowfault_maps: loaned page (in an object, wired, cow) and copy's "
             "wirings %r, want %r: the loaned page leaves its object keeping exactly the loan's "
             "wirings" % (got, want))


SLEEP_WANT = {
    # case: (at, old_object, old_wired, old_cow, copies)
    "waited": ("copy", "none", 1, 1, 1),
    "renamed": ("none", "other", 1, 1, 0),
    "ended": ("old", "first", 0, 0, 0),
}


def run_cowfault_sleep(vm: Any, case: str) -> None:
    """One case of the cowfault_sleep ktest, checked against SLEEP_WANT."""
    r = vm.run_pass(["cowfault_sleep"], {"cowfault.case": case})
    d = vm.kdata(r, "cowfault_sleep")
    vm.check(len(d) == 1, r, "cowfault_sleep: %d KDATA lines" % len(d))
    s = d[0]
    vm.check(s["slept"], r, "cowfault_sleep %s: vm_page_cowfault never slept for memory although "
             "no NORMAL allocation could succeed" % case)
    vm.check(s["rv"] == 0, r, "cowfault_sleep %s: vm_page_cowfault returned %d" % (case, s["rv"]))
    got = (s["at"], s["old_object"], s["old_wired"], s["old_cow"], s["copies"])
    vm.check(got == SLEEP_WANT[case], r, "cowfault_sleep %s: (page at pindex 0, loaned page's "
             "object, its wirings, its loans, copies) %r, want %r" % (case, got, SLEEP_WANT[case]))
    vm.check(s["at"] == "none" or s["data"], r, "cowfault_sleep %s: the page at pindex 0 lost the "
             "page's bytes" % case)


@pytest.mark.vmkit(configs=ALL, timeout=40)
def test_cowfault_sleep_waited(vm):
    """vm_page_cowfault with no free page sleeps (VM_WAIT); when memory comes back and
    the page is still the object's, it tries again and copies."""
    run_cowfault_sleep(vm, "waited")


@pytest.mark.vmkit(configs=ALL, timeout=40)
def test_cowfault_sleep_renamed(vm):
    """The page left its object while vm_page_cowfault slept (freed, cached, collapsed
    away): it must not be replaced - the seed's fix (retry only if the page is still
    in the same object at the same pindex)."""
    run_cowfault_sleep(vm, "renamed")


@pytest.mark.vmkit(configs=ALL, timeout=40)
def test_cowfault_sleep_ended(vm):
    """The loan ended while vm_page_cowfault slept: nothing to copy, the page stays."""
    run_cowfault_sleep(vm, "ended")
