"""The flat file system and the file pager (kernel/kern/vfs_flat.c,
kernel/vm/vnode_pager.c; ktests in kernel/tests/ktest_file.c), judged by
what the kernel cannot fake: images made here with vmkit.flatfs
(tools/mkfs.py) and read back after QEMU exits, and QEMU's own trace of the
requests its virtio-blk device served.

file_ops: seeded writes to "w" (replayed here with vmkit.krng), a truncate
to a seeded length with the pages past it cached, a regrow by one byte
further on (the gap must read zeros - in the kernel's report and on disk),
file_sync; every byte of w after exit and its length in the table must be
the model's.  "r" is read three times (resident, resident, every page
cached): QEMU must have served exactly one read per page of r.  Bad
requests (no such file, a write or truncate past the extent, a read past
the end) get their errno.

file_pressure: with -m 12M, "big" (larger than RAM) is read through the page
cache and copied to "out", then out is synced: the chunk CRCs and every byte
of out after exit must be big's, the page daemon must have run and laundered
some of out's dirty pages through the file pager before file_sync, every
page written (QEMU's count) is one the pager says it wrote, and no write
lands outside out's extent and the table.

file_reread: with -m 12M, "big" of 96% of the pages free at boot is read
whole three times, once with the page daemon caching the clean pages it
reclaims (the cache queue) and once with vm.pageout_nocache=1 (it frees them):
every pass must give big's CRC, and QEMU's count of the pages read must show
what the cache queue is for - re-reads reactivate cached pages, so with it
the disk serves far fewer reads than without (the figures: make
bench-pagecache).

file_readahead: file_reread once over a fresh "big" that fits in memory:
the file pager reads each missed page with up to 7 following ones in one
request (vfs_flat.c file_page_read), so QEMU serves every block of big
exactly once, in ceil(pages / 8) requests, and the CRC is big's.

file_badimage: fsdev=0 on a disk without the magic: the boot says so, the
open fails with ENXIO, the kernel runs on to END.
"""
from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from vmkit import configs, flatfs, krng
from vmkit.qemu import Disk

BOTH = configs.table().graded()
PAGE = 4096
SPP = PAGE // 512
ENOENT, ENXIO, EFBIG = 2, 6, 27
TRACE = ["virtio_blk_handle_read", "virtio_blk_handle_write"]
_TRACE_LINE = re.compile(r"virtio_blk_handle_(read|write)\b.*?\bsector (\d+) nsectors (\d+)")
PRESSURE_MEM = "12M"                   # about 1900 free pages: big (2600+ pages) cannot stay


def requests(r: Any) -> list[tuple[str, int, int]]:
    return [(m.group(1), int(m.group(2)), int(m.group(3)))
            for m in _TRACE_LINE.finditer(r.qemu_log)]


def words(rng: krng.Rng, n: int) -> bytes:
    """n bytes of the stream as ktest_file.c's kf_fill draws them."""
    w = [rng.next() for _ in range((n + 7) // 8)]
    return struct.pack("<%dQ" % len(w), *w)[:n]


def ops_model(seed: int, w0: bytes, blocks: int) -> tuple[list[tuple[int, int]], int, int, bytes]:
    """file_ops on w: the writes (off, len), the cut (t, g) and w's final bytes."""
    rng = krng.Rng.for_test(seed, "file_ops")
    ext = blocks * PAGE
    data = bytearray(w0)
    writes = []
    for _ in range(3 + rng.below(4)):
        off = rng.below(ext - 1)
        n = 1 + rng.below(min(3 * PAGE, ext - off))
        buf = words(rng, n)
        if off > len(data):
            data += bytes(off - len(data))
        data[off:off + n] = buf
        writes.append((off, n))
    t = rng.below(len(data))
    g = min(t + 1 + rng.below(2 * PAGE), ext - 1)
    b = rng.next() & 0xff
    del data[t:]
    data += bytes(g - t) + bytes([b])
    return writes, t, g, bytes(data)


@pytest.mark.vmkit(configs=BOTH, timeout=60)
def test_file_ops(vm, tmp_path: Path):
    blocks = 6 + vm.rng.randrange(8)
    w0 = vm.rng.randbytes(vm.rng.randrange(PAGE, (blocks - 2) * PAGE))
    r0 = vm.rng.randbytes(vm.rng.randrange(3 * PAGE, 12 * PAGE))
    img = tmp_path / "fs.img"
    img.write_bytes(flatfs.make([("w", w0, blocks), ("r", r0, None)], entries=8))
    r = vm.run_pass(["file_ops"], disks=[Disk(str(img))], trace=TRACE)
    lines = vm.kdata(r, "file_ops")
    writes, t, g, want = ops_model(r.seed, w0, blocks)
    got_w = [(x["off"], x["len"]) for x in lines if x.kind == "w"]
    vm.check(got_w == writes and all(x["error"] == 0 for x in lines if x.kind == "w"), r,
             "file_ops: writes (off, len) should be %s (from the seed), the kernel made %s"
             % (writes, [(x["off"], x["len"], x["error"]) for x in lines if x.kind == "w"]))
    cut = [x for x in lines if x.kind == "cut"]
    vm.check(len(cut) == 1 and (cut[0]["t"], cut[0]["g"]) == (t, g), r,
             "file_ops: truncate to %d and regrow at %d expected, the kernel said %s"
             % (t, g, [x.values() for x in cut]))
    vm.check(cut[0]["zeros"] and cut[0]["error"] == 0, r, "file_ops: after truncating w to %d "
             "(%d pages past it cached) and writing at %d, bytes %d..%d read back %s (error %d)"
             % (t, cut[0]["cached"], g, t, g, "zeros" if cut[0]["zeros"] else "OLD DATA",
                cut[0]["error"]))
    vm.check((cut[0]["left"], cut[0]["left_cached"]) == (0, 0), r, "file_ops: after truncating "
             "w to %d, %d resident and %d cached pages remain past the end (a regrown file must "
             "never find its old pages)" % (t, cut[0]["left"], cut[0]["left_cached"]))
    vm.check(all(x["error"] == 0 for x in lines if x.kind == "sync"), r, "file_ops: file_sync failed")
    bad = {x["case"]: x["v"] for x in lines if x.kind == "bad"}
    vm.check(bad == {"noent": ENOENT, "write_past": EFBIG, "truncate_past": EFBIG, "read_past": 0}, r,
             "file_ops: bad requests should give noent %d, write_past %d, truncate_past %d, "
             "read_past 0 bytes; got %s" % (ENOENT, EFBIG, EFBIG, bad))
    fs = flatfs.read_image(img)
    got = fs.read("w")
    vm.check(got == want, r, "file_ops: after exit w is %d bytes (want %d)%s" % (
             len(got), len(want), "" if len(got) != len(want) else ", first difference at byte %d"
             % next((i for i in range(len(got)) if got[i] != want[i]), -1)))
    vm.check(fs.extent("w")[t:g] == bytes(g - t), r, "file_ops: on disk, w's bytes %d..%d (the "
             "truncated-and-regrown gap) are not all zero" % (t, g))

    # r: three whole reads, one disk read per page (QEMU's count)
    rr = [x for x in lines if x.kind == "reread"]
    pages = (len(r0) + PAGE - 1) // PAGE
    crc = zlib.crc32(r0)
    vm.check(len(rr) == 1 and rr[0]["pages"] == pages and
             (rr[0]["crc"], rr[0]["crc2"], rr[0]["crc3"]) == (crc, crc, crc), r,
             "file_ops: r read three times should give CRC %d each time, got %s"
             % (crc, [x.values() for x in rr]))
    first = fs.find("r").first
    span = range(first * SPP, (first + fs.find("r").nblocks) * SPP)
    reads = [(s, n) for op, s, n in requests(r) if op == "read" and s in span]
    per_block: dict[int, int] = {}
    for s, n in reads:
        for blk in range(s // SPP, (s + n) // SPP):
            per_block[blk] = per_block.get(blk, 0) + 1
    vm.check(sorted(per_block) == list(range(first, first + pages)) and
             all(v == 1 for v in per_block.values()), r,
             "file_ops: QEMU served reads of r's blocks %s (block: times); r has %d pages read "
             "three times, the last time from the cache: each block exactly once"
             % (dict(sorted(per_block.items())), pages))
    vm.check(rr[0]["reactivated"] >= pages, r, "file_ops: %d pages reactivated from the cache, "
             "want %d" % (rr[0]["reactivated"], pages))
    vm.check([x["ok"] for x in lines if x.kind == "check"] == [True], r,
             "file_ops: vm_page_check failed at the end")


@pytest.mark.vmkit(configs=BOTH, timeout=120)
def test_file_pressure(vm, tmp_path: Path):
    npages = 2600 + vm.rng.randrange(400)
    big = vm.rng.randbytes(npages * PAGE - vm.rng.randrange(PAGE))
    chunk = 1 + vm.rng.randrange(16)
    img = tmp_path / "fs.img"
    img.write_bytes(flatfs.make([("big", big, None), ("out", b"", npages)], entries=4))
    r = vm.run_pass(["file_pressure"], {"file.chunk": chunk}, mem=PRESSURE_MEM,
                    disks=[Disk(str(img))], trace=TRACE)
    lines = vm.kdata(r, "file_pressure")
    cs = chunk * PAGE
    want = [zlib.crc32(big[i:i + cs]) for i in range(0, len(big), cs)]
    got = [x["crc"] for x in lines if x.kind == "chunk"]
    bad = [i for i, (a, b) in enumerate(zip(got, want)) if a != b]
    vm.check(len(got) == len(want) and not bad, r, "file_pressure: %d chunks of %d pages read, "
             "want %d; chunks %s differ from big's bytes" % (len(got), chunk, len(want), bad[:5]))
    s = [x for x in lines if x.kind == "sync"]
    vm.check(len(s) == 1 and s[0]["error"] == 0, r, "file_pressure: the copy or sync failed: %s"
             % [x.values() for x in s])
    vm.check(s[0]["passes"] > 0, r, "file_pressure: the page daemon never ran, with %d pages "
             "of file read in %s of RAM" % (npages, PRESSURE_MEM))
    out = flatfs.read_image(img).read("out")
    vm.check(out == big, r, "file_pressure: after exit out is %d bytes (want %d), %s" % (
             len(out), len(big), "equal" if out == big else "first difference at byte %d"
             % next((i for i in range(min(len(out), len(big))) if out[i] != big[i]),
                    min(len(out), len(big)))))
    fs = flatfs.read_image(img)
    o = fs.find("out")
    wblocks: dict[int, int] = {}
    for op, sec, n in requests(r):
        if op == "write":
            for blk in range(sec // SPP, (sec + n) // SPP):
                wblocks[blk] = wblocks.get(blk, 0) + 1
    table = set(range(1, 1 + fs.table_blocks))
    stray = sorted(b for b in wblocks if b not in table and not o.first <= b < o.first + o.nblocks)
    vm.check(not stray, r, "file_pressure: QEMU wrote blocks %s, outside out's extent %d+%d and "
             "the table" % (stray[:5], o.first, o.nblocks))
    opages = (len(big) + PAGE - 1) // PAGE
    missing = [b for b in range(o.first, o.first + opages) if b not in wblocks]
    vm.check(not missing, r, "file_pressure: out's blocks %s were never written" % missing[:5])
    vm.check(s[0]["laundered"] > 0 and s[0]["laundered"] + s[0]["synced"] ==
             sum(v for b, v in wblocks.items() if b not in table), r,
             "file_pressure: %d of out's pages were dirty in %s of RAM, yet the daemon laundered "
             "%d before file_sync (which wrote %d); QEMU wrote %d pages there"
             % (opages, PRESSURE_MEM, s[0]["laundered"], s[0]["synced"],
                sum(v for b, v in wblocks.items() if b not in table)))
    reads = sum(n for op, _, n in requests(r) if op == "read") // SPP
    vm.check(reads >= npages, r, "file_pressure: QEMU served %d pages of reads for a file of %d"
             % (reads, npages))
    vm.check([x["ok"] for x in lines if x.kind == "check"] == [True], r,
             "file_pressure: vm_page_check failed at the end")


REREAD_MEM = "12M"
REREAD_PASSES = 3


def reread_boot(vm: Any, img: Path, data: bytes, nocache: int) -> tuple[Any, list[Any], int]:
    """One file_reread boot over an image holding big = data: (run, lines, pages QEMU read of big)."""
    img.write_bytes(flatfs.make([("big", data, None)], entries=4))
    r = vm.run_pass(["file_reread"], {"fsdev": 0, "file.passes": REREAD_PASSES,
                                      "vm.pageout_nocache": nocache},
                    mem=REREAD_MEM, disks=[Disk(str(img))], trace=TRACE)
    lines = vm.kdata(r, "file_reread")
    e = flatfs.read_image(img).find("big")
    span = range(e.first * SPP, (e.first + e.nblocks) * SPP)
    return r, lines, sum(n for op, s, n in requests(r) if op == "read" and s in span) // SPP


@pytest.mark.vmkit(configs=BOTH, timeout=90)
def test_file_reread(vm, tmp_path: Path):
    img = tmp_path / "fs.img"
    _, lines, _ = reread_boot(vm, img, b"x", 0)
    free = [x["free"] for x in lines if x.kind == "params"][0]
    pages = free * 96 // 100
    big = vm.rng.randbytes(pages * PAGE - vm.rng.randrange(PAGE))
    crc = zlib.crc32(big)
    got = {}
    for nocache in (0, 1):
        r, lines, reads = reread_boot(vm, img, big, nocache)
        params = [x for x in lines if x.kind == "params"]
        vm.check(len(params) == 1 and params[0]["pages"] == pages and
                 params[0]["nocache"] == bool(nocache), r, "file_reread: params %s, want pages "
                 "%d nocache %s" % ([x.values() for x in params], pages, bool(nocache)))
        crcs = [x["crc"] for x in lines if x.kind == "pass"]
        vm.check(crcs == [crc] * REREAD_PASSES, r, "file_reread (vm.pageout_nocache=%d): the "
                 "passes' CRCs %s, want big's %d each time" % (nocache, crcs, crc))
        d = [x for x in lines if x.kind == "daemon"][0]
        vm.check(d["pageins"] == reads, r, "file_reread (vm.pageout_nocache=%d): the file "
                 "pager says it read %d pages, QEMU served %d" % (nocache, d["pageins"], reads))
        vm.check(reads >= pages, r, "file_reread: QEMU served %d pages of reads of a %d-page "
                 "file" % (reads, pages))
        vm.check(d["passes"] > 0, r, "file_reread: the page daemon never ran: big (%d pages) "
                 "is 96%% of free memory" % pages)
        vm.check([x["ok"] for x in lines if x.kind == "check"] == [True], r,
                 "file_reread: vm_page_check failed at the end")
        got[nocache] = (r, reads, d)
    r, on, d_on = got[0]
    _, off, d_off = got[1]
    vm.check(d_off["cached"] == 0 and d_off["reactivated"] == 0, r, "file_reread: with "
             "vm.pageout_nocache=1 the daemon still cached %d pages (%d reactivated)"
             % (d_off["cached"], d_off["reactivated"]))
    vm.check(on + pages // 2 <= off, r, "file_reread: QEMU read %d pages of big with the cache "
             "queue, %d with reclaimed pages freed at once (vm.pageout_nocache=1); the cache "
             "queue should spare at least half a file's worth of re-reads (%d pages): are "
             "cached pages reactivated on lookup?" % (on, off, pages // 2))


READAHEAD = 8                          # pages per read request: FLATFS_READAHEAD + 1


@pytest.mark.vmkit(configs=BOTH, timeout=60)
def test_file_readahead(vm, tmp_path: Path):
    pages = 64 + vm.rng.randrange(200)
    big = vm.rng.randbytes(pages * PAGE - vm.rng.randrange(PAGE))
    img = tmp_path / "fs.img"
    img.write_bytes(flatfs.make([("big", big, None)], entries=4))
    r = vm.run_pass(["file_reread"], {"fsdev": 0, "file.passes": 1}, disks=[Disk(str(img))],
                    trace=TRACE)
    lines = vm.kdata(r, "file_reread")
    crcs = [x["crc"] for x in lines if x.kind == "pass"]
    vm.check(crcs == [zlib.crc32(big)], r, "file_readahead: big read back with CRC %s, want %d"
             % (crcs, zlib.crc32(big)))
    e = flatfs.read_image(img).find("big")
    span = range(e.first * SPP, (e.first + e.nblocks) * SPP)
    reads = [(s, n) for op, s, n in requests(r) if op == "read" and s in span]
    per_block: dict[int, int] = {}
    for s, n in reads:
        for blk in range(s // SPP, (s + n) // SPP):
            per_block[blk] = per_block.get(blk, 0) + 1
    vm.check(sorted(per_block) == list(range(e.first, e.first + pages)) and
             all(v == 1 for v in per_block.values()), r, "file_readahead: QEMU read big's "
             "blocks %s (block: times); each of its %d blocks exactly once"
             % (dict(sorted(per_block.items())), pages))
    want = (pages + READAHEAD - 1) // READAHEAD
    vm.check(len(reads) == want, r, "file_readahead: %d pages read sequentially from cold in %d "
             "requests, want %d (%d pages each, the last fewer): is read-ahead clustering "
             "adjacent pages into one request?" % (pages, len(reads), want, READAHEAD))


@pytest.mark.vmkit(configs=BOTH, timeout=60)
def test_file_badimage(vm, tmp_path: Path):
    img = tmp_path / "junk.img"
    img.write_bytes(vm.rng.randbytes(64 * PAGE))
    r = vm.run_pass(["file_badimage"], {"fsdev": 0}, disks=[Disk(str(img))])
    lines = vm.kdata(r, "file_badimage")
    vm.check("flatfs: disk0: no file system (bad magic" in r.log, r,
             "file_badimage: the boot should say disk0 has no file system")
    vm.check([x["error"] for x in lines] == [ENXIO], r, "file_badimage: file_open with "
             "nothing mounted should fail with ENXIO, got %s" % [x.values() for x in lines])
    with pytest.raises(flatfs.FsError, match="not a vmkit file system"):
        flatfs.read_image(img)
