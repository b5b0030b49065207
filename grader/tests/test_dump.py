"""Tests of the minidump (kernel/kern/kern_dump.c, kernel/tests/ktest_dump.c),
judged from the dump disk's image after QEMU exits, read with vmkit.minidump
(the library behind tools/minidump.py), and from QEMU's own trace of the
writes its virtio-blk device received.

dump_pattern: the kernel fills a malloc'd buffer and a page of its own (mapped
through a temporary kernel mapping on i386, the direct map on amd64) with the
test's RNG stream, prints their addresses and dumps.  The grader replays the
stream (vmkit.krng) and must find it through virtual-address translation in
the dumped page tables (or the direct map) and at the physical addresses; the
bitmap's frames must be ascending, inside RAM, and the i-th dumped page must be
the i-th frame's (the pattern's pages are where the bitmap puts them); the
header must agree with the layout the kernel printed; QEMU must have received
exactly the header twice and the dump's bytes once.

Bad situations: no disk (the kernel says so, ENODEV, nothing written); a disk
too small for every page (truncated: the first frames, flagged); a disk too
small for the metadata (ENOSPC); a panic (the panic's message in the header,
the pattern readable); a double fault (a kernel stack overflow: the dump is
written from the double-fault stack); a panic during the dump (no recursion: the kernel
exits, and the header says the dump is incomplete).

The core (tools/minidump.py core): GDB in batch mode shows the panic's stack,
reads vm_page_array[5] and runs vmbuddy on the core.
"""
from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from vmkit import ROOT, configs, krng, minidump
from vmkit.qemu import Disk

ALL = configs.table().graded()
PAGE = 4096
SECTOR = 512
ENODEV, ENOSPC = 19, 28
TRACE = ["virtio_blk_handle_write"]
_WRITE = re.compile(r"virtio_blk_handle_write\b.*?\bsector (\d+) nsectors (\d+)")
_LAYOUT = re.compile(r"dump: disk(\d+): kernbase (0x[0-9a-f]+) ptesize (\d+) bitmapsize (\d+) "
                     r"msgbufsize (\d+) npages (\d+) physmem (\d+)")


def pattern(seed: int, test: str) -> tuple[int, bytes, bytes]:
    """dump_pattern's draws: the buffer's length, its bytes, the page's bytes."""
    rng = krng.Rng.for_test(seed, test)
    length = PAGE * (1 + rng.below(3)) + 8 * rng.below(100)
    buf = struct.pack("<%dQ" % (length // 8), *[rng.next() for _ in range(length // 8)])
    page = struct.pack("<%dQ" % (PAGE // 8), *[rng.next() for _ in range(PAGE // 8)])
    return length, buf, page


def layout(vm: Any, r: Any) -> dict[str, int]:
    m = _LAYOUT.search(r.log)
    vm.check(m is not None, r, "dump: the kernel never printed its `dump: diskN: kernbase ...` line")
    assert m is not None
    keys = ["disk", "kernbase", "ptesize", "bitmapsize", "msgbufsize", "npages", "physmem"]
    return {k: int(v, 0) for k, v in zip(keys, m.groups())}


def open_dump(vm: Any, r: Any, img: Path) -> minidump.Minidump:
    try:
        return minidump.Minidump.open(img)
    except minidump.DumpError as e:
        vm.fail(r, "dump: the dump disk does not hold a readable minidump: %s" % e)
        raise  # vm.fail raises


def check_pattern(vm: Any, r: Any, d: minidump.Minidump, test: str) -> None:
    length, buf, page = pattern(r.seed, test)
    lines = vm.kdata(r, test)
    b = [x for x in lines if x.kind == "buf"]
    p = [x for x in lines if x.kind == "page"]
    vm.check(len(b) == 1 and len(p) == 1 and b[0]["len"] == length, r,
             "%s: one buf line of %d bytes and one page line expected, got %s"
             % (test, length, [x.values() for x in lines]))
    try:
        vm.check(d.kva_to_pa(b[0]["va"]) == b[0]["pa"], r,
                 "%s: the dumped page tables map the buffer's %#x at %#x; the kernel said %#x"
                 % (test, b[0]["va"], d.kva_to_pa(b[0]["va"]), b[0]["pa"]))
        got = d.read(b[0]["va"], length)
        if got != buf:
            vm.fail(r, "%s: the buffer read from the dump at %#x differs from the seed's pattern "
                    "(first difference at byte %d)"
                    % (test, b[0]["va"], next(i for i in range(length) if got[i] != buf[i])))
        vm.check(d.read(p[0]["va"], PAGE) == page and d.phys(p[0]["pa"], PAGE) == page, r,
                 "%s: the page at va %#x / pa %#x does not hold the seed's pattern in the dump"
                 % (test, p[0]["va"], p[0]["pa"]))
    except minidump.DumpError as e:
        vm.fail(r, "%s: reading the pattern back from the dump: %s" % (test, e))


def check_frames(vm: Any, r: Any, d: minidump.Minidump, mem: int) -> None:
    f = d.frames
    vm.check(all(a < b for a, b in zip(f, f[1:])), r, "dump: the bitmap's frames are not ascending")
    bad = [pfn for pfn in f if pfn << 12 >= mem or 0xa0 <= pfn < 0x100]
    vm.check(not bad, r, "dump: frames outside RAM (dump_avail) were dumped: %s"
             % [hex(x << 12) for x in bad[:8]])


def qemu_writes(r: Any) -> list[tuple[int, int]]:
    return [(int(m.group(1)), int(m.group(2))) for m in _WRITE.finditer(r.qemu_log)]


def mem_bytes(r: Any) -> int:
    m = re.search(r"(\d+) MiB RAM", r.log)
    return (int(m.group(1)) + 1) << 20 if m else 1 << 40


@pytest.mark.vmkit(configs=ALL, timeout=90)
def test_dump_pattern(vm, tmp_path):
    img = tmp_path / "dump.img"
    img.write_bytes(b"\0" * (32 << 20))
    r = vm.run_pass(["dump_pattern"], disks=[Disk(str(img))], trace=TRACE)
    err = [x for x in vm.kdata(r, "dump_pattern") if x.kind == "dump"]
    vm.check(len(err) == 1 and err[0]["error"] == 0, r, "dump_pattern: dumpsys should return 0, it "
             "said %s" % [x.values() for x in err])
    d = open_dump(vm, r, img)
    h = d.hdr
    lay = layout(vm, r)
    want = {"kernbase": h.kernbase, "ptesize": h.ptesize, "bitmapsize": h.bitmapsize,
            "msgbufsize": h.msgbufsize, "npages": h.npages, "physmem": h.physmem}
    vm.check(all(lay[k] == v for k, v in want.items()), r,
             "dump: the header %s disagrees with the layout the kernel printed %s" % (want, lay))
    vm.check(h.complete and not h.truncated and not h.panic and h.pageswritten == h.npages, r,
             "dump: the header should say complete, not truncated, not a panic, every page written: "
             "flags %#x, %d of %d pages" % (h.flags, h.pageswritten, h.npages))
    vm.check(h.config == vm.config, r, "dump: the header's config is %r, the kernel is %s"
             % (h.config, vm.config))
    check_frames(vm, r, d, mem_bytes(r))
    check_pattern(vm, r, d, "dump_pattern")
    vm.check("KDATA" in d.msgbuf() and "dump: disk0: kernbase" in d.msgbuf(), r,
             "dump: the dumped message buffer lacks the console output before the dump")
    # QEMU's view: the header once at the start and once at the end, every other page once, in order.
    w = qemu_writes(r)
    total = sum(n for _, n in w) * SECTOR
    vm.check(w and w[0][0] == 0 and w[-1] == (0, PAGE // SECTOR) and total == h.dumpsize + PAGE, r,
             "dump: QEMU received writes %s... totalling %d bytes; the dump is %d bytes (+ the header "
             "again)" % (w[:4], total, h.dumpsize))
    seq = [s for s, _ in w[1:-1]]
    vm.check(all(a < b for a, b in zip(seq, seq[1:])), r,
             "dump: the dump's writes should go up the disk in order")


@pytest.mark.vmkit(configs=ALL, timeout=90)
def test_dump_nodisk(vm):
    r = vm.run_pass(["dump_pattern"])
    err = [x["error"] for x in vm.kdata(r, "dump_pattern") if x.kind == "dump"]
    vm.check(err == [ENODEV] and "dump: no dump disk (no disk attached)" in r.log, r,
             "dump_pattern without a disk: dumpsys should say `dump: no dump disk` and return "
             "ENODEV (%d); it returned %s" % (ENODEV, err))


@pytest.mark.vmkit(configs=ALL, timeout=90)
def test_dump_too_small(vm, tmp_path):
    pages = 1024 + vm.rng.randrange(128)     # room for the metadata (<= 520 pages on PAE), not every page
    img = tmp_path / "small.img"
    img.write_bytes(b"\0" * (pages * PAGE))
    r = vm.run_pass(["dump_pattern"], disks=[Disk(str(img))])
    d = open_dump(vm, r, img)
    h = d.hdr
    room = pages - h.pages_offset // PAGE
    vm.check(h.complete and h.truncated and h.pageswritten == room and h.npages > room, r,
             "dump on a %d-page disk: the header should say complete and truncated with %d of %d pages "
             "written; flags %#x, pageswritten %d" % (pages, room, h.npages, h.flags, h.pageswritten))
    vm.check("is too small" in r.log and h.dumpsize == pages * PAGE, r,
             "dump on a %d-page disk: the kernel should say it is too small and fill it (%d bytes "
             "written)" % (pages, h.dumpsize))
    first = d.frames[0]
    vm.check(d.has_frame(first) and not d.has_frame(d.frames[-1]), r,
             "truncated dump: it should hold the bitmap's first frames, not its last")
    tiny = tmp_path / "tiny.img"
    tiny.write_bytes(b"\0" * (4 * PAGE))
    r2 = vm.run_pass(["dump_pattern"], disks=[Disk(str(tiny))])
    err = [x["error"] for x in vm.kdata(r2, "dump_pattern") if x.kind == "dump"]
    vm.check(err == [ENOSPC] and tiny.read_bytes() == b"\0" * (4 * PAGE), r2,
             "dump on a 4-page disk: ENOSPC (%d) and nothing written expected; got %s" % (ENOSPC, err))


@pytest.mark.vmkit(configs=ALL, timeout=90)
def test_dump_panic(vm, tmp_path):
    img = tmp_path / "dump.img"
    img.write_bytes(b"\0" * (32 << 20))
    r = vm.run(["dump_panic"], disks=[Disk(str(img))], expect=("panic",))
    vm.check(r.panic is not None and "dump_panic: on purpose" in r.panic, r,
             "dump_panic should panic with its message")
    d = open_dump(vm, r, img)
    vm.check(d.hdr.panic and d.hdr.complete and "dump_panic: on purpose" in d.hdr.panicstr, r,
             "the panic's dump should carry the panic flag and message: flags %#x, %r"
             % (d.hdr.flags, d.hdr.panicstr))
    vm.check("backtrace:" in d.msgbuf(), r, "the panic's dump should hold the backtrace in its msgbuf")
    check_pattern(vm, r, d, "dump_panic")


@pytest.mark.vmkit(configs=ALL, timeout=90)
def test_dump_double_fault(vm, tmp_path):
    """A kernel stack overflow is a double fault, handled on a stack of its
    own (i386: a task gate and its TSS; amd64: an IST stack); the panic that
    follows still writes a complete, readable dump that names the thread."""
    img = tmp_path / "dump.img"
    img.write_bytes(b"\0" * (32 << 20))
    r = vm.run(["kstack_guard"], disks=[Disk(str(img))], expect=("panic",))
    want = "kernel stack overflow in thread kstack_guard"
    vm.check(r.panic is not None and want in r.panic, r, "kstack_guard should panic with %r" % want)
    d = open_dump(vm, r, img)
    vm.check(d.hdr.panic and d.hdr.complete and want in d.hdr.panicstr, r,
             "the double fault's dump should be complete and carry the panic: flags %#x, %r"
             % (d.hdr.flags, d.hdr.panicstr))
    vm.check(want in d.msgbuf(), r, "the double fault's dump should hold the panic in its msgbuf")
    check_frames(vm, r, d, mem_bytes(r))


@pytest.mark.vmkit(configs=ALL, timeout=90)
def test_dump_panic_in_dump(vm, tmp_path):
    img = tmp_path / "dump.img"
    img.write_bytes(b"\0" * (32 << 20))
    r = vm.run(["dump_pattern"], {"dump.test_panic": "1"}, disks=[Disk(str(img))], expect=("panic",))
    vm.check(r.panic is not None and "a panic while dumping" in r.panic
             and "dump: already dumping; not dumping again" in r.log, r,
             "a panic inside the dump should panic once and not dump again")
    vm.check(r.log.count("dump: disk0: kernbase") == 1, r, "the dump started more than once")
    try:
        h = minidump.parse_header(img.read_bytes()[:PAGE])
    except minidump.DumpError as e:
        vm.fail(r, "a dump cut short should still have its first header: %s" % e)
    vm.check(not h.complete, r, "a dump cut short by a panic must not say complete (flags %#x)" % h.flags)


@pytest.mark.vmkit(configs=ALL, timeout=120)
def test_dump_core_gdb(vm, tmp_path):
    """The panic's dump as an ELF core (tools/minidump.py core): GDB in batch
    mode on the kernel and the core must show the panic's stack in `bt`
    (vpanic <- panic <- the ktest), read vm_page_array[5], and run vmbuddy on
    the core with its invariants holding."""
    img = tmp_path / "dump.img"
    img.write_bytes(b"\0" * (32 << 20))
    r = vm.run(["dump_panic"], disks=[Disk(str(img))], expect=("panic",))
    d = open_dump(vm, r, img)
    kernel = vm.runner.build(vm.config).kernel
    core = tmp_path / "core"
    try:
        minidump.write_core(d, kernel, core)
    except minidump.DumpError as e:
        vm.fail(r, "tools/minidump.py core: %s" % e)
    argv = ["gdb", "-q", "-nx", "-batch", "-ex", "set architecture %s" % vm.conf.gdb_arch,
            "-ex", "file %s" % kernel, "-ex", "core-file %s" % core, "-ex", "bt",
            "-ex", "p/x vm_page_array[5].phys_addr",
            "-ex", "source %s" % (Path(ROOT) / "tools" / "gdb" / "vmkit_gdb.py"),
            "-ex", "vmbuddy -q"]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    out = p.stdout
    bt = out[out.rfind("#0 "):]      # GDB prints frame 0 once on loading the core, then bt
    frames = re.findall(r"^#\d+\s+(?:0x[0-9a-f]+ in )?(\w+)", bt, re.M)
    want = ["vpanic", "panic", "ktest_fn_dump_panic"]
    vm.check(frames[:3] == want, r, "gdb on the core: bt should start %s, it shows %s\n%s"
             % (want, frames[:6], out[-2000:]))
    m = re.search(r"^\$1 = (0x[0-9a-f]+)$", out, re.M)
    vm.check(m is not None and int(m.group(1), 16) % PAGE == 0 and int(m.group(1), 16) > 0, r,
             "gdb on the core: p/x vm_page_array[5].phys_addr should print a page address:\n%s"
             % out[-2000:])
    vm.check("invariants: OK" in out, r, "gdb on the core: vmbuddy -q should find the free lists "
             "intact:\n%s" % out[-2000:])


@pytest.mark.vmkit(configs=["i386-pae"], timeout=180)
def test_dump_size_6g(vm, tmp_path):
    """A freshly booted 6G PAE kernel's minidump is at most 0.5% of RAM (the
    issue's bound; FreeBSD: 0.59%; measured about 0.35%, tools/bench-dump.py):
    the dump holds what the kernel uses, not the free pages' descriptors."""
    img = tmp_path / "dump.img"
    with open(img, "wb") as f:
        f.truncate(128 << 20)
    r = vm.run_pass(["dump_pattern"], mem="6G", disks=[Disk(str(img))])
    d = open_dump(vm, r, img)
    ram = d.hdr.physmem
    vm.check(ram > 5 << 30, r, "a 6G boot should have more than 5 GiB of RAM; the dump says %d MiB"
             % (ram >> 20))
    size = img.stat().st_size if not d.hdr.complete else d.hdr.dumpsize
    vm.check(size * 200 <= ram, r, "the minidump of a fresh 6G kernel is %d KiB, %.3f%% of RAM; at most "
             "0.5%% expected" % (size >> 10, 100.0 * size / ram))
    check_pattern(vm, r, d, "dump_pattern")


@pytest.mark.vmkit(configs=ALL, timeout=120)
def test_dump_physmap(vm, tmp_path):
    """tools/minidump.py map's classification (vmkit.minidump.physmap, the
    page array's layout from GDB on the kernel's DWARF): the pattern's page,
    allocated wired by the test, is wired; the page array's own pages are the
    array; a fresh boot is mostly free; the state counts cover every page."""
    img = tmp_path / "dump.img"
    img.write_bytes(b"\0" * (32 << 20))
    r = vm.run_pass(["dump_pattern"], disks=[Disk(str(img))])
    d = open_dump(vm, r, img)
    kernel = vm.runner.build(vm.config).kernel
    try:
        lay = minidump.page_layout(d, kernel, vm.conf.gdb_arch)
    except minidump.DumpError as e:
        vm.fail(r, "map: %s" % e)
    pm = minidump.physmap(d, lay)
    page = [x for x in vm.kdata(r, "dump_pattern") if x.kind == "page"][0]
    st = minidump.State
    vm.check(pm.states[page["pa"] >> 12] == st.WIRED, r,
             "map: the test's wired page %#x is classified %s" % (page["pa"],
                                                                st.NAMES[pm.states[page["pa"] >> 12]]))
    arr = d.kva_to_pa(lay.array) >> 12
    vm.check(pm.states[arr] == st.ARRAY, r, "map: the page array's first page %#x is classified %s"
             % (arr << 12, st.NAMES[pm.states[arr]]))
    vm.check(pm.counts["free"] > lay.count * 8 // 10 and sum(pm.counts.values()) == len(pm.states), r,
             "map: a fresh boot should be mostly free (%d of %d array entries): %s"
             % (pm.counts["free"], lay.count, pm.counts))


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_post_mortem(vm):
    """A panic the test did not expect is booted once more with a dump disk: the
    failure message then names the kept dump (make gdb-dump) and ends with the
    dump's own kernel messages, the panic among them."""
    r = vm.run(["dump_panic"])          # no disk, panic not expected: a failing run's shape
    vm.check(r.kind.value == "panic", r, "dump_panic should panic")
    msg = vm.post_mortem(r, "post_mortem_%s" % vm.config)
    dump = re.search(r"make gdb-dump CONFIG=\S+ DUMP=(\S+)", msg)
    vm.check(dump is not None, r, "the post-mortem note names no dump: %r" % msg)
    assert dump is not None
    vm.check("dump_panic: on purpose" in msg, r, "the post-mortem's dmesg lacks the panic: %r" % msg)
    d = minidump.Minidump.open(dump.group(1))
    vm.check(d.hdr.panic and d.hdr.complete, r, "the kept dump is not a complete panic dump")
