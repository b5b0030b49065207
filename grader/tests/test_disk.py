"""Tests of the disk layer and the virtio-blk driver (kernel/tests/ktest_disk.c),
judged by what the kernel cannot fake: disk images the grader writes before
boot and reads back after QEMU exits, and QEMU's own trace of the requests its
virtio-blk devices received (-trace virtio_blk_handle_read/write).

disk_rw: an image of seeded size (2-6 MiB, often not a whole number of pages)
of seeded bytes; the kernel reads seeded blocks (always sector 0 and the last
whole page) and writes seeded data to seeded blocks, all drawn from the test's
RNG stream, which vmkit.krng replays here.  Every read's CRC is recomputed from
the image, every byte of the image after exit is checked (written where the
stream says, unchanged elsewhere), and QEMU's request log must be exactly the
requests the stream implies, so the kernel's counters are checked against it.

disk_async: 16-32 requests of the same kind of seeded workload (no two
overlapping) all submitted through disk_strategy before the kernel waits:
the data and the image are checked as for disk_rw, QEMU must have received
them in submission order (the disk queue is FIFO) and held several at once,
and every completion callback must have run in the "diskdone" thread.

disk_bounds: bad requests (past the end, straddling it, no pages, a negative
or huge sector, an async request past the end, a write to a read-only disk,
a disk that does not exist, a zero-length disk): each refused with its errno
and a message, the kernel running on to END, no request reaching QEMU.
"""
from __future__ import annotations

import dataclasses
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from vmkit import configs, krng
from vmkit.qemu import Disk

BOTH = configs.table().graded()
SECTOR = 512
PAGE = 4096
SPP = PAGE // SECTOR             # sectors per page
KT_MAXPAGES = 4                  # ktest_disk.c
EINVAL, ENXIO, EROFS = 22, 6, 30
TRACE = ["virtio_blk_handle_read", "virtio_blk_handle_write", "virtio_blk_req_complete"]
_TRACE_LINE = re.compile(r"virtio_blk_handle_(read|write)\b.*?\bsector (\d+) nsectors (\d+)")
_TRACE_ANY = re.compile(r"virtio_blk_(handle_read|handle_write|req_complete)\b")


@dataclasses.dataclass(frozen=True)
class Req:
    """One request as QEMU logs it: ("read" | "write", first sector, sectors)."""
    op: str
    sector: int
    nsectors: int


@dataclasses.dataclass
class RwPlan:
    """disk_rw's workload, replayed from the seed (see ktest_disk.c)."""
    reads: list[tuple[int, int]]                  # (blkno, npages)
    writes: list[tuple[int, int, bytes]]          # (blkno, npages, data)

    def requests(self) -> list[Req]:
        out = [Req("read", b, n * SPP) for b, n in self.reads]
        for b, n, _ in self.writes:
            out += [Req("write", b, n * SPP), Req("read", b, n * SPP)]   # each write is read back
        return out


def rw_plan(seed: int, nsec: int) -> RwPlan:
    rng = krng.Rng.for_test(seed, "disk_rw")

    def pick() -> tuple[int, int]:
        npages = 1 + rng.below(KT_MAXPAGES)
        return rng.below(nsec - npages * SPP + 1), npages
    reads = []
    for i in range(4 + rng.below(5)):
        reads.append((0, 1) if i == 0 else (nsec - SPP, 1) if i == 1 else pick())
    writes = []
    for _ in range(2 + rng.below(4)):
        blkno, npages = pick()
        words = [rng.next() for _ in range(npages * PAGE // 8)]
        writes.append((blkno, npages, struct.pack("<%dQ" % len(words), *words)))
    return RwPlan(reads, writes)


def qemu_requests(r: Any) -> list[Req]:
    """The requests QEMU's virtio-blk devices received, in order, from its trace."""
    return [Req(m.group(1), int(m.group(2)), int(m.group(3)))
            for m in _TRACE_LINE.finditer(r.qemu_log)]


def qemu_max_outstanding(r: Any) -> int:
    """The most requests QEMU's devices held at once (received, not yet completed)."""
    depth = most = 0
    for m in _TRACE_ANY.finditer(r.qemu_log):
        depth += 1 if m.group(1).startswith("handle") else -1
        most = max(most, depth)
    return most


def make_image(vm: Any, path: Path, sectors: int) -> bytes:
    data = vm.rng.randbytes(sectors * SECTOR)
    path.write_bytes(data)
    return data


def first_diff(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    for off in range(0, n, PAGE):
        if a[off:off + PAGE] != b[off:off + PAGE]:
            return next(i for i in range(off, min(off + PAGE, n)) if a[i] != b[i])
    return n


@pytest.mark.vmkit(configs=BOTH, timeout=60)
def test_disk_rw(vm, tmp_path):
    nsec = vm.rng.randrange(4096, 12288)
    img = tmp_path / "disk0.img"
    orig = make_image(vm, img, nsec)
    r = vm.run_pass(["disk_rw"], disks=[Disk(str(img))], trace=TRACE)
    plan = rw_plan(r.seed, nsec)
    lines = vm.kdata(r, "disk_rw")
    head = [x for x in lines if x.kind == "disk"]
    vm.check(len(head) == 1 and head[0]["sectors"] == nsec and not head[0]["ro"], r,
             "disk_rw: the kernel should see one read-write disk of %d sectors (the image is %d bytes); "
             "it said %s" % (nsec, len(orig), [x.values() for x in head]))

    reads = [x for x in lines if x.kind == "r"]
    vm.check([(x["blkno"], x["npages"]) for x in reads] == plan.reads, r,
             "disk_rw: the reads (blkno, npages) should be %s (from the seed), the kernel made %s"
             % (plan.reads, [(x["blkno"], x["npages"]) for x in reads]))
    for x in reads:
        b, n = x["blkno"], x["npages"]
        want = zlib.crc32(orig[b * SECTOR:b * SECTOR + n * PAGE])
        vm.check(x["error"] == 0 and x["crc"] == want, r,
                 "disk_rw: read %d of %d pages at sector %d: error %d, CRC %08x; the image there has "
                 "CRC %08x" % (x["i"], n, b, x["error"], x["crc"], want))

    writes = [x for x in lines if x.kind == "w"]
    vm.check([(x["blkno"], x["npages"]) for x in writes] == [(b, n) for b, n, _ in plan.writes], r,
             "disk_rw: the writes (blkno, npages) should be %s, the kernel made %s"
             % ([(b, n) for b, n, _ in plan.writes], [(x["blkno"], x["npages"]) for x in writes]))
    want_img = bytearray(orig)
    for x, (b, n, data) in zip(writes, plan.writes):
        vm.check(x["error"] == 0 and x["crc"] == zlib.crc32(data) and x["crc_back"] == x["crc"], r,
                 "disk_rw: write %d at sector %d: error %d, data CRC %08x (the seed's data: %08x), "
                 "read back %08x" % (x["i"], b, x["error"], x["crc"], zlib.crc32(data), x["crc_back"]))
        want_img[b * SECTOR:b * SECTOR + len(data)] = data
    got = img.read_bytes()
    if got != bytes(want_img):
        off = first_diff(got, bytes(want_img))
        where = [i for i, (b, n, _) in enumerate(plan.writes) if b * SECTOR <= off < b * SECTOR + n * PAGE]
        vm.check(False, r, "disk_rw: after QEMU exited the image differs at byte %d (sector %d), %s; "
                 "image %d bytes, expected %d" % (off, off // SECTOR, "inside write %d" % where[-1]
                                                  if where else "which no write should have touched",
                                                  len(got), len(want_img)))

    reqs = plan.requests()
    seen = qemu_requests(r)
    vm.check(seen == reqs, r, "disk_rw: QEMU's virtio-blk received %d requests %s; the workload is %d "
             "requests %s" % (len(seen), seen[:12], len(reqs), reqs[:12]))
    stats = [x for x in lines if x.kind == "stats"]
    nr = sum(q.op == "read" for q in reqs)
    want_stats = {"unit": 0, "reads": nr, "writes": len(reqs) - nr,
                  "bytes_read": SECTOR * sum(q.nsectors for q in reqs if q.op == "read"),
                  "bytes_written": SECTOR * sum(q.nsectors for q in reqs if q.op == "write"), "errors": 0}
    vm.check(len(stats) == 1 and stats[0].values() == tuple(want_stats.values()), r,
             "disk_rw: the kernel's counters %s disagree with what QEMU received: %s"
             % ([dict(zip(want_stats, x.values())) for x in stats], want_stats))


@dataclasses.dataclass(frozen=True)
class BoundsDisk:
    sectors: int
    readonly: bool

    def expected(self) -> dict[str, int]:
        fits = self.sectors >= SPP
        return {"read0": 0 if fits else EINVAL,
                "rewrite": EINVAL if not fits else EROFS if self.readonly else 0,
                "past_end": EINVAL, "straddle": EINVAL, "npages0": EINVAL, "negative": EINVAL,
                "huge": EINVAL, "strategy_past_end": EINVAL}


BOUNDS_CASES: dict[str, list[BoundsDisk]] = {    # sectors -1: a seeded size
    "rw_zero_ro": [BoundsDisk(-1, False), BoundsDisk(0, False), BoundsDisk(-1, True)],
    "no_disk": [],
}


@pytest.mark.vmkit(configs=BOTH, timeout=60)
@pytest.mark.parametrize("case", sorted(BOUNDS_CASES))
def test_disk_bounds(vm, tmp_path, case):
    spec = [dataclasses.replace(d, sectors=vm.rng.randrange(64, 4096)) if d.sectors < 0 else d
            for d in BOUNDS_CASES[case]]
    paths, images = [], []
    for u, d in enumerate(spec):
        p = tmp_path / ("disk%d.img" % u)
        images.append(make_image(vm, p, d.sectors))
        paths.append(p)
    r = vm.run_pass(["disk_bounds"], disks=[Disk(str(p), d.readonly) for p, d in zip(paths, spec)],
                    trace=TRACE)
    lines = vm.kdata(r, "disk_bounds")
    heads = [(x["unit"], x["sectors"], x["ro"]) for x in lines if x.kind == "disk"]
    want_heads = [(u, d.sectors, d.readonly) for u, d in enumerate(spec)]
    vm.check(heads == want_heads, r, "disk_bounds: the kernel found disks %s (unit, sectors, ro); the "
             "grader attached %s" % (heads, want_heads))
    total = {"read": 0, "write": 0}
    for u, d in enumerate(spec):
        got = {x["name"]: x["error"] for x in lines if x.kind == "case" and x["unit"] == u}
        want = d.expected()
        vm.check(got == want, r, "disk_bounds: disk%d (%d sectors, %s): errors %s, expected %s"
                 % (u, d.sectors, "ro" if d.readonly else "rw", got, want))
        refused = sum(e != 0 for e in want.values())
        msgs = [ln for ln in r.log.splitlines() if re.match(r"disk%d: (read|write) " % u, ln)
                and re.search(r"past the end|at least one page|never negative|read-only", ln)]
        vm.check(len(msgs) == refused, r, "disk_bounds: disk%d refused %d requests but printed %d "
                 "messages saying why: %s" % (u, refused, len(msgs), msgs))
        nr, nw = int(want["read0"] == 0), int(want["rewrite"] == 0)
        total["read"] += nr
        total["write"] += nw
        stats = [x.values() for x in lines if x.kind == "stats" and x["unit"] == u]
        want_stats = (u, nr, nw, nr * PAGE, nw * PAGE, refused)
        vm.check(stats == [want_stats], r, "disk_bounds: disk%d's counters %s, expected %s (unit, "
                 "reads, writes, bytes read, bytes written, errors)" % (u, stats, want_stats))
        vm.check(paths[u].read_bytes() == images[u], r,
                 "disk_bounds: disk%d's image changed (only sector 0's own data was written back)" % u)
    seen = qemu_requests(r)
    seen_n = {op: sum(q.op == op for q in seen) for op in total}
    vm.check(seen_n == total and all(q.sector == 0 and q.nsectors == SPP for q in seen), r,
             "disk_bounds: QEMU received %s; only the accepted requests (%s, one page at sector 0) "
             "may reach a device" % (seen, total))
    nodisk = [x for x in lines if x.kind == "nodisk"]
    vm.check(len(nodisk) == 1 and nodisk[0].values() == (len(spec), True, ENXIO), r,
             "disk_bounds: expected `nodisk count %d get_null yes read %d`, got %s"
             % (len(spec), ENXIO, [x.values() for x in nodisk]))


@dataclasses.dataclass(frozen=True)
class AsyncReq:
    op: str
    blkno: int
    npages: int
    data: bytes | None          # a write's data


def async_plan(seed: int, nsec: int) -> list[AsyncReq]:
    """disk_async's requests, replayed from the seed (ktest_disk.c)."""
    rng = krng.Rng.for_test(seed, "disk_async")
    n = 16 + rng.below(17)
    stride = nsec // 32 // n
    out = []
    for i in range(n):
        write = rng.below(4) == 0
        npages = 1 + rng.below(KT_MAXPAGES)
        slot = i * stride + rng.below(stride)
        blkno = slot * 32 + rng.below(32 - npages * SPP + 1)
        data = None
        if write:
            words = [rng.next() for _ in range(npages * PAGE // 8)]
            data = struct.pack("<%dQ" % len(words), *words)
        out.append(AsyncReq("write" if write else "read", blkno, npages, data))
    return out


@pytest.mark.vmkit(configs=BOTH, timeout=60)
def test_disk_async(vm, tmp_path):
    nsec = vm.rng.randrange(4096, 12288)
    img = tmp_path / "disk0.img"
    orig = make_image(vm, img, nsec)
    r = vm.run_pass(["disk_async"], disks=[Disk(str(img))], trace=TRACE)
    plan = async_plan(r.seed, nsec)
    lines = vm.kdata(r, "disk_async")
    reqs = [x for x in lines if x.kind == "req"]
    got = [(x["op"], x["blkno"], x["npages"]) for x in reqs]
    want = [(q.op, q.blkno, q.npages) for q in plan]
    vm.check(got == want, r, "disk_async: the requests (op, blkno, npages) should be %s (from the seed), "
             "the kernel made %s" % (want, got))
    want_img = bytearray(orig)
    for x, q in zip(reqs, plan):
        off = q.blkno * SECTOR
        crc = zlib.crc32(q.data if q.data is not None else orig[off:off + q.npages * PAGE])
        vm.check(x["error"] == 0 and x["crc"] == crc, r, "disk_async: request %d (%s of %d pages at "
                 "sector %d): error %d, CRC %08x; expected %08x" % (x["i"], q.op, q.npages, q.blkno,
                                                                  x["error"], x["crc"], crc))
        if q.data is not None:
            want_img[off:off + len(q.data)] = q.data
    got_img = img.read_bytes()
    if got_img != bytes(want_img):
        off = first_diff(got_img, bytes(want_img))
        vm.check(False, r, "disk_async: after QEMU exited the image differs at byte %d (sector %d)"
                 % (off, off // SECTOR))
    order = [x["i"] for x in lines if x.kind == "done"]
    vm.check(sorted(order) == list(range(len(plan))), r, "disk_async: the callbacks came for requests "
             "%s; each of the %d requests must call back exactly once" % (order, len(plan)))
    cb = [x.values() for x in lines if x.kind == "callbacks"]
    vm.check(len(cb) == 1 and cb[0][:2] == (len(plan), len(plan)), r,
             "disk_async: %s callbacks, %s of them in the diskdone thread; expected %d and %d"
             % (cb[0][0] if cb else "no", cb[0][1] if cb else "none", len(plan), len(plan)))
    seen = qemu_requests(r)
    want_seen = [Req(q.op, q.blkno, q.npages * SPP) for q in plan]
    vm.check(seen == want_seen, r, "disk_async: QEMU received %s; the requests, in submission order "
             "(the disk queue is FIFO), are %s" % (seen[:8], want_seen[:8]))
    most = qemu_max_outstanding(r)
    vm.check(most >= 2, r, "disk_async: QEMU never held more than %d request at once: the requests "
             "were not in flight together (does disk_strategy wait?)" % most)
    nr = sum(q.op == "read" for q in plan)
    want_stats = (0, nr, len(plan) - nr, PAGE * sum(q.npages for q in plan if q.op == "read"),
                  PAGE * sum(q.npages for q in plan if q.op == "write"), 0)
    stats = [x.values() for x in lines if x.kind == "stats"]
    vm.check(stats == [want_stats], r, "disk_async: the kernel's counters %s, expected %s (unit, reads, "
             "writes, bytes read, bytes written, errors)" % (stats, want_stats))
