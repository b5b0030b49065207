"""Lab 03 (the cache queue) public tests.

Every test reads files of an image made here (vmkit.flatfs) through the
kernel's page cache (ktests in kernel/tests/ktest_cache.c) and is judged by
what the kernel cannot fake: the bytes (checksums of what this file wrote,
and the image read back after QEMU exits) and the disk reads QEMU itself
served (its virtio-blk trace).  The kernel reads block 0 between steps, a
mark in that trace, so each step's reads are counted on their own: a page
the cache kept costs no read, a page it lost costs exactly one.

  reread     a file larger than free memory read forward, then backward: the
             second pass reads fewer pages than the first by at least the
             pages the kernel says it reactivated, and some were.
  reclaim    a's pages cached; an anonymous object's allocations take half
             of them; a's re-read misses exactly the lost pages (one read
             each) with a's data, and the taker's pages keep the taker's.
  truncate   cached pages, truncate, regrow: the gap reads zeros (in the
             kernel and on disk after exit); pages before the cut reactivate;
             one file cut anywhere, one on a page boundary (no page resident).
  transfer   cached pages moved to a new object, re-based (content checked
             page by page); those past the new object's size stay behind.
  contig     a run of 4 contiguous pages asked for exactly where 4 of c's
             cached pages lie: it succeeds, and c reads those 4
             pages from disk again (each once; the pages still cached come
             back without a read).
Each ends with the kernel's invariant check (`pages check`).
Points: labs/03-cache-queue/lab.toml.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Any

from vmkit import flatfs
from vmkit.qemu import Disk

PAGE = 4096
SPP = PAGE // 512
TRACE = ["virtio_blk_handle_read", "virtio_blk_handle_write"]
_TRACE_LINE = re.compile(r"virtio_blk_handle_(read|write)\b.*?\bsector (\d+) nsectors (\d+)")
SMALL_MEM = "12M"        # about 1900 free pages: a few thousand pages of file cannot all stay
CONTIG = 4               # ktest_cache.c's KC_CONTIG


def requests(r: Any) -> list[tuple[str, int, int]]:
    return [(m.group(1), int(m.group(2)), int(m.group(3)))
            for m in _TRACE_LINE.finditer(r.qemu_log)]


def segments(vm: Any, r: Any, marks: int) -> list[list[tuple[str, int, int]]]:
    """QEMU's requests split at the reads of block 0: segment 0 runs from the
    mount to the test's first mark, segment i from mark i to mark i + 1."""
    segs: list[list[tuple[str, int, int]]] = []
    for req in requests(r):
        if req == ("read", 0, SPP):
            segs.append([])
        elif segs:
            segs[-1].append(req)
    vm.check(len(segs) >= marks + 1, r, "QEMU's trace shows %d reads of block 0, want at least "
             "%d (the mount, then the test's marks): the test did not run to its end"
             % (len(segs), marks + 1))
    return segs[-(marks + 1):]


def page_reads(seg: list[tuple[str, int, int]], e: flatfs.Entry) -> dict[int, int]:
    """How many times each page of file e was read from the disk in seg."""
    got: dict[int, int] = {}
    for op, sec, n in seg:
        if op != "read":
            continue
        for blk in range(sec // SPP, (sec + n + SPP - 1) // SPP):
            if e.first <= blk < e.first + e.nblocks:
                got[blk - e.first] = got.get(blk - e.first, 0) + 1
    return got


def pages_of(data: bytes) -> list[bytes]:
    """data cut into pages, the last one padded with zeros."""
    return [data[i:i + PAGE].ljust(PAGE, b"\0") for i in range(0, len(data), PAGE)]


def crc_pages(data: bytes, order: list[int]) -> int:
    """The CRC the kernel's kc_read computes reading those pages of data in that order."""
    c = 0
    for p in order:
        c = zlib.crc32(data[p * PAGE:(p + 1) * PAGE], c)
    return c


def check_end(vm: Any, r: Any, test: str, lines: list[Any]) -> None:
    checks = [x for x in lines if x.kind == "check"]
    vm.check(checks and all(x["ok"] for x in checks), r, "%s: the kernel's page invariants "
             "(vm_page_check: each page in one state, a cached page in exactly its object's "
             "cache tree and the buddy queues, counters adding up) failed at the end" % test)


def one(vm: Any, r: Any, test: str, lines: list[Any], kind: str) -> Any:
    got = [x for x in lines if x.kind == kind]
    vm.check(len(got) == 1, r, "%s: want one `%s` KDATA line, got %d" % (test, kind, len(got)))
    return got[0]


def boot(vm: Any, tmp_path: Path, test: str, files: list[tuple[str, bytes, int | None]],
         args: dict[str, int] | None = None, mem: str | None = None) -> tuple[Any, list[Any], flatfs.Image]:
    img = tmp_path / "fs.img"
    img.write_bytes(flatfs.make(files, entries=8))
    # No read-ahead: every read QEMU serves must be one a cache-queue step asked for.
    r = vm.run_pass([test], {**(args or {}), "file.readahead": 0}, mem=mem,
                    disks=[Disk(str(img))], trace=TRACE)
    return r, vm.kdata(r, test), flatfs.read_image(img)


def check_first_pass(vm: Any, r: Any, test: str, seg: list[tuple[str, int, int]],
                     e: flatfs.Entry, npages: int) -> None:
    got = page_reads(seg, e)
    vm.check(got == {p: 1 for p in range(npages)}, r, "%s: the first read of %s should read "
             "each of its %d pages from the disk once; QEMU served %s" % (
                 test, e.name, npages, describe(got, npages)))


def describe(got: dict[int, int], npages: int) -> str:
    twice = sorted(p for p, n in got.items() if n > 1)
    missing = [p for p in range(npages) if p not in got]
    return "%d page reads (pages read more than once: %s; never read: %s)" % (
        sum(got.values()), twice[:8], missing[:8])


def test_reread(vm, tmp_path):
    npages = 2400 + vm.rng.randrange(400)
    big = vm.rng.randbytes(npages * PAGE - vm.rng.randrange(PAGE))
    r, lines, fs = boot(vm, tmp_path, "cache_reread", [("big", big, None)], mem=SMALL_MEM)
    rr = one(vm, r, "cache_reread", lines, "reread")
    want1 = crc_pages(big, list(range(npages)))
    want2 = crc_pages(big, list(range(npages - 1, -1, -1)))
    vm.check((rr["pages"], rr["crc1"], rr["crc2"]) == (npages, want1, want2), r,
             "reread: big (%d pages) read forward then backward should give CRCs %d, %d; the "
             "kernel read %d pages, CRCs %d, %d" % (npages, want1, want2, rr["pages"], rr["crc1"],
                                                     rr["crc2"]))
    segs = segments(vm, r, 2)
    e = fs.find("big")
    check_first_pass(vm, r, "reread", segs[0], e, npages)
    second = page_reads(segs[1], e)
    r1, r2, react = npages, sum(second.values()), rr["reactivated"]
    vm.check(all(n == 1 for n in second.values()), r, "reread: the backward pass read some "
             "pages twice: %s" % describe(second, npages))
    print("reread: %d pages, second pass %d reads, %d reactivated" % (npages, r2, react))
    vm.check(react >= 1, r, "reread: the backward pass reactivated %d pages from the "
             "cache (the page daemon cached %d while the first pass ran in %s of RAM): the last "
             "pages read should still be cached" % (react, rr["pdcached"], SMALL_MEM))
    vm.check(r1 - r2 >= react, r, "reread: QEMU served %d page reads in the first pass and %d "
             "in the second, but the kernel says %d pages came back from the cache (each one "
             "a read saved)" % (r1, r2, react))
    check_end(vm, r, "reread", lines)


def test_reclaim(vm, tmp_path):
    npages = 64 + vm.rng.randrange(64)
    a = vm.rng.randbytes(npages * PAGE - vm.rng.randrange(PAGE))
    r, lines, fs = boot(vm, tmp_path, "cache_reclaim", [("a", a, None)], mem=SMALL_MEM)
    c = one(vm, r, "cache_reclaim", lines, "cached")
    vm.check(c["n"] == npages and c["cache_count"] == npages, r, "reclaim: after vm_page_cache "
             "on a's %d clean pages, a counts %d cached (%d were cached)" % (
                 npages, c["cache_count"], c["n"]))
    rc = one(vm, r, "cache_reclaim", lines, "reclaim")
    lost = npages - rc["cache_left"]
    vm.check(rc["stolen"] >= 1 and rc["cache_left"] <= npages // 2 and rc["stolen"] == lost, r,
             "reclaim: an anonymous object allocated %d pages until half of a's %d cached "
             "pages were taken; the kernel says %d were taken and %d are left in a's cache" % (
                 rc["allocated"], npages, rc["stolen"], rc["cache_left"]))
    segs = segments(vm, r, 3)
    e = fs.find("a")
    check_first_pass(vm, r, "reclaim", segs[0], e, npages)
    vm.check(page_reads(segs[1], e) == {}, r, "reclaim: a's pages were read from the disk "
             "while they were being reclaimed")
    again = page_reads(segs[2], e)
    rr = one(vm, r, "cache_reclaim", lines, "reread")
    vm.check(rr["crc"] == zlib.crc32(a), r, "reclaim: a read again after %d of its cached pages "
             "were reclaimed by another object gives CRC %d, want %d (a's own data): a "
             "reclaimed page still in a's cache tree hands out the other object's data" % (
                 lost, rr["crc"], zlib.crc32(a)))
    # The misses' own allocations may reclaim a few more of a's pages (cached
    # pages are free memory, merged into the blocks the allocator splits).
    vm.check(all(n == 1 for n in again.values()) and len(again) >= lost and
             len(again) == npages - rr["reactivated"] and
             rr["reactivated"] >= (npages - lost) // 2, r, "reclaim: reading a again, %d of "
             "its pages were reclaimed and %d still cached (with free memory to spare), %d "
             "reactivated (kernel), QEMU served %s: each reclaimed page costs exactly one "
             "read, each page still cached none, and most should still be cached" % (
                 lost, npages - lost, rr["reactivated"], describe(again, npages)))
    b = one(vm, r, "cache_reclaim", lines, "bcheck")
    vm.check(b["bad"] == 0, r, "reclaim: %d of the other object's pages lost its data or its "
             "identity while a was read again" % b["bad"])
    check_end(vm, r, "reclaim", lines)


def truncate_case(vm: Any, boundary: bool) -> tuple[bytes, int, int, int, int]:
    """A file's bytes, its extent, the cut (on a page boundary if asked), where it
    regrows, the byte written there."""
    blocks = 8 + vm.rng.randrange(8)
    t0 = vm.rng.randbytes(vm.rng.randrange(4 * PAGE, (blocks - 1) * PAGE))
    cut = vm.rng.randrange(2 * PAGE, len(t0))     # at least two whole pages before the cut
    grow = min(cut + 1 + vm.rng.randrange(3 * PAGE), blocks * PAGE - 1)
    if boundary:          # cut before a whole page of old data; regrow into its middle
        cut = vm.rng.randrange(2 * PAGE, len(t0) - PAGE)
        cut -= cut % PAGE
        grow = cut + PAGE // 2 + vm.rng.randrange(PAGE // 4)
    return t0, blocks, cut, grow, vm.rng.randrange(1, 256)


def test_truncate(vm, tmp_path):
    """t is cut anywhere (the page holding the cut is partly kept), u on a page
    boundary (directed: with every page cached none is resident, the case the
    seeds' truncate got wrong)."""
    cases = {"t": truncate_case(vm, False), "u": truncate_case(vm, True)}
    args = {}
    for name, (_, _, cut, grow, byte) in cases.items():
        pre = "cache." + ("u" if name == "u" else "")
        args.update({pre + "trunc": cut, pre + "grow": grow, pre + "byte": byte})
    r, lines, fs = boot(vm, tmp_path, "cache_truncate",
                        [(name, c[0], c[1]) for name, c in cases.items()], args)
    segs = segments(vm, r, 4)
    for i, (name, (t0, blocks, cut, grow, byte)) in enumerate(cases.items()):
        npages = (len(t0) + PAGE - 1) // PAGE
        want = t0[:cut] + bytes(grow - cut) + bytes([byte])
        xs = [x for x in lines if x.kind == "cut" and x["file"] == name]
        vm.check(len(xs) == 1, r, "truncate: want one `cut %s` line, got %d" % (name, len(xs)))
        x = xs[0]
        vm.check(x["error"] == 0 and x["cached"] == npages, r, "truncate: %d of %s's %d pages "
                 "cached, error %d" % (x["cached"], name, npages, x["error"]))
        vm.check(x["crc"] == zlib.crc32(want), r, "truncate: after caching %s's pages, "
                 "truncating it to %d and writing at %d, it reads back wrong (CRC %d, want %d): "
                 "bytes %d..%d must be zeros, not old data from the cache" % (
                     name, cut, grow, x["crc"], zlib.crc32(want), cut, grow))
        got = fs.read(name)
        vm.check(got == want, r, "truncate: after exit %s is %d bytes (want %d)%s: bytes %d..%d "
                 "must be zeros, not its old data from the cache" % (
                     name, len(got), len(want), "" if len(got) != len(want) else ", first "
                     "difference at byte %d" % next((i for i in range(len(got)) if got[i] != want[i]),
                                                    -1), cut, grow))
        end = (grow + PAGE) // PAGE * PAGE
        tail = fs.extent(name)[len(want):end]
        vm.check(tail == bytes(len(tail)), r, "truncate: on disk, %s's last page past its new "
                 "end (bytes %d..%d) holds old data: the page written at %d came back from "
                 "the cache although the truncate to %d removed it" % (
                     name, len(want), end - 1, grow, cut))
        e = fs.find(name)
        check_first_pass(vm, r, "truncate", segs[2 * i], e, npages)
        again = page_reads(segs[2 * i + 1], e)
        kept = cut // PAGE
        reread = sorted(p for p in again if p < kept)
        vm.check(not reread and x["reactivated"] >= kept, r, "truncate: %s's pages 0..%d lie "
                 "before the cut and were cached: they should come back from the cache (%d "
                 "reactivated), yet QEMU read pages %s again" % (
                     name, kept - 1, x["reactivated"], reread[:8]))
    check_end(vm, r, "truncate", lines)


def transfer_case(vm: Any) -> tuple[bytes, int, int]:
    npages = 12 + vm.rng.randrange(24)
    s = vm.rng.randbytes(npages * PAGE - vm.rng.randrange(PAGE))
    off = vm.rng.randrange(1, npages - 2)
    return s, off, 1 + vm.rng.randrange(npages - off - 1)


def test_transfer(vm, tmp_path):
    s, off, size = transfer_case(vm)
    npages = (len(s) + PAGE - 1) // PAGE
    r, lines, fs = boot(vm, tmp_path, "cache_transfer", [("s", s, None)],
                        {"cache.off": off, "cache.size": size})
    mv = one(vm, r, "cache_transfer", lines, "moved")
    vm.check((mv["n_cache"], mv["s_cache"]) == (size, npages - size), r, "transfer: s's %d "
             "pages cached, then those from %d on moved to a new object of %d pages: it should "
             "have %d cached and s %d; the kernel counts %d and %d" % (
                 npages, off, size, size, npages - size, mv["n_cache"], mv["s_cache"]))
    pages = pages_of(s)
    want = [(i, 0xff, zlib.crc32(pages[off + i])) for i in range(size)]
    got = [(x["i"], x["valid"], x["crc"]) for x in lines if x.kind == "page"]
    bad = [g[0] for g, w in zip(got, want) if g != w]
    vm.check(len(got) == size and not bad, r, "transfer: the new object's pages 0..%d should "
             "hold s's pages %d..%d (valid, re-based by %d); pages %s of %d are wrong" % (
                 size - 1, off, off + size - 1, off, bad[:8], len(got)))
    segs = segments(vm, r, 3)
    e = fs.find("s")
    check_first_pass(vm, r, "transfer", segs[0], e, npages)
    again = page_reads(segs[2], e)
    rr = one(vm, r, "cache_transfer", lines, "reread")
    vm.check(rr["crc"] == zlib.crc32(s), r, "transfer: s read again gives the wrong data")
    # (the misses' allocations may reclaim a few more cached pages: see reclaim)
    vm.check(set(range(off, off + size)) <= set(again) and all(n == 1 for n in again.values())
             and len(again) == npages - rr["reactivated"] and
             rr["reactivated"] >= (npages - size + 1) // 2, r, "transfer: s read again after pages "
             "%d..%d moved away: those must come from the disk (once each), each page still "
             "cached from the cache (most of the other %d); QEMU read %s, the kernel reactivated %d" % (
                 off, off + size - 1, npages - size, sorted(again)[:12], rr["reactivated"]))
    check_end(vm, r, "transfer", lines)


def test_contig(vm, tmp_path):
    npages = 32 + vm.rng.randrange(64)
    c = vm.rng.randbytes(npages * PAGE - vm.rng.randrange(PAGE))
    r, lines, fs = boot(vm, tmp_path, "cache_contig", [("c", c, None)], mem=SMALL_MEM)
    where = {x["pa"]: x["pindex"] for x in lines if x.kind == "cpage"}
    vm.check(sorted(where.values()) == list(range(npages)), r, "contig: c's %d pages should all "
             "be cached; the kernel lists %d cached" % (npages, len(where)))
    x = one(vm, r, "cache_contig", lines, "contig")
    run = [x["pa"] + i * PAGE for i in range(CONTIG)]
    taken = [where.get(pa, -1) for pa in run]
    vm.check(x["pa"] != 0 and x["pa"] % (CONTIG * PAGE) == 0 and -1 not in taken, r,
             "contig: the kernel found no aligned run of %d of c's cached pages (it names %#x, "
             "c's pages there: %s); c was read into a quiet machine, so one should exist"
             % (CONTIG, x["pa"], taken))
    vm.check(x["ok"] and x["cache_after"] == x["cache"] - CONTIG, r, "contig: "
             "vm_page_alloc_contig of exactly the %d cached pages at %#x (c's pages %s) %s; the "
             "cache went from %d to %d pages: cached pages sit in the buddy queues, and a "
             "contiguous allocation reclaims them" % (CONTIG, x["pa"], taken,
                                                      "succeeded" if x["ok"] else "FAILED",
                                                      x["cache"], x["cache_after"]))
    segs = segments(vm, r, 3)
    e = fs.find("c")
    check_first_pass(vm, r, "contig", segs[0], e, npages)
    again = page_reads(segs[2], e)
    rr = one(vm, r, "cache_contig", lines, "reread")
    vm.check(rr["crc"] == zlib.crc32(c), r, "contig: c read again gives the wrong data: a page "
             "the run took still answered for c")
    vm.check(set(taken) <= set(again) and all(n == 1 for n in again.values()) and
             len(again) == npages - rr["reactivated"] and
             rr["reactivated"] >= (npages - CONTIG) // 2, r,
             "contig: the run took c's pages %s: reading c again must read those from the "
             "disk (once each) and reactivate each page still cached (most of the other %d); QEMU read %s, the kernel "
             "reactivated %d" % (sorted(taken), npages - CONTIG, sorted(again)[:12],
                                 rr["reactivated"]))
    check_end(vm, r, "contig", lines)
