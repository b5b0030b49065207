"""The grader's own model of physical memory, for the VM labs' checks.

Nothing here asks the kernel: the RAM QEMU gives for a -m size follows from
QEMU's pc machine, and where the kernel image sits follows from the kernel's
ELF program headers. The page-array checks derive what the kernel must have
built from these two and from the few placement facts the kernel reports
through the (unstripped) pmap.
"""
from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Sequence

Range = tuple[int, int]          # [start, end) in bytes

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
PAGE = 4096


RAM_ALIGN = 8 * KiB        # QEMU rounds -m up to a multiple of 8 KiB


def parse_size(mem: str | int) -> int:
    """'128M' / '6G' / '131208K' / 3583 (MiB) -> bytes, rounded up as QEMU does."""
    if isinstance(mem, int):
        return mem * MiB
    unit = {"K": KiB, "M": MiB, "G": GiB}[mem[-1].upper()]
    return (int(mem[:-1]) * unit + RAM_ALIGN - 1) // RAM_ALIGN * RAM_ALIGN


def qemu_ram(mem: str | int) -> list[Range]:
    """Usable RAM ranges [(start, end)] QEMU's pc machine reports for -m mem.

    Low memory is 0..0x9fc00 (the last partial page is not usable), then 1 MiB
    up to the top of memory below 4 GiB less 128 KiB (QEMU reserves it).
    From 3.5 GiB of RAM on, only 3 GiB stay below 4 GiB; the rest starts at
    4 GiB.  (Measured on QEMU 7.2; see test_kernel.py for the cross-check.)
    """
    size = parse_size(mem)
    below = size if size < 0xE0000000 else 3 * GiB
    ram = [(0, 0x9F000), (0x100000, below - 0x20000)]
    if size > below:
        ram.append((4 * GiB, 4 * GiB + size - below))
    return ram


def addressable(ram: list[Range], pae: bool) -> list[Range]:
    """Plain i386 drops RAM at or above 4 GiB."""
    return ram if pae else [(s, min(e, 4 * GiB)) for s, e in ram if s < 4 * GiB]


def elf_load_range(path: str) -> Range:
    """Physical [start, end) covered by an ELF file's PT_LOAD segments (ELF32
    for i386, ELF64 for amd64)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] not in (1, 2):
        raise ValueError("%s is not an ELF file" % path)
    if data[4] == 1:
        phoff, = struct.unpack_from("<I", data, 28)
        phentsize, phnum = struct.unpack_from("<HH", data, 42)
    else:
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
    lo: int | None = None
    hi: int | None = None
    for i in range(phnum):
        if data[4] == 1:
            p_type, _off, _va, pa, _fsz, memsz = struct.unpack_from("<IIIIII", data, phoff + i * phentsize)
        else:
            p_type, _flags, _off, _va, pa, _fsz, memsz = struct.unpack_from(
                "<IIQQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and memsz:
            lo = pa if lo is None else min(lo, pa)
            hi = pa + memsz if hi is None else max(hi, pa + memsz)
    if lo is None or hi is None:
        raise ValueError("%s has no loadable segment" % path)
    return lo, (hi + PAGE - 1) // PAGE * PAGE


def overlaps(a: Range, b: Range) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def inside(a: Range, ranges: Sequence[Range]) -> bool:
    return any(s <= a[0] and a[1] <= e for s, e in ranges)


def subtract(ranges: Sequence[Range], cut: Range) -> list[Range]:
    """ranges minus the interval cut."""
    out: list[Range] = []
    for s, e in ranges:
        if not overlaps((s, e), cut):
            out.append((s, e))
            continue
        if s < cut[0]:
            out.append((s, cut[0]))
        if cut[1] < e:
            out.append((cut[1], e))
    return out


def pages(ranges: Sequence[Range]) -> int:
    return sum((e - s) // PAGE for s, e in ranges)


def round_page(x: int) -> int:
    return (x + PAGE - 1) // PAGE * PAGE


# The boot's free-list table (kernel/vm/vm_phys.c vm_phys_print_freelists;
# grader/PROTOCOL.md): "vm_phys: free list <index> <name> below <limit> pages <n>".
FREELIST_LINE = re.compile(r"^vm_phys: free list (\d+) (\S+) below (0x[0-9a-f]+) pages (\d+)\s*$", re.M)


def freelist_table(log: str) -> dict[int, tuple[str, int]]:
    """{index: (name, limit)} from the boot's free-list lines in a run's log."""
    return {int(m.group(1)): (m.group(2), int(m.group(3), 16)) for m in FREELIST_LINE.finditer(log)}


def freelist_of(pa: int, limits: dict[int, int]) -> int | None:
    """The free list of the page at pa: the one with the lowest limit above it.
    limits: {index: limit}; None when pa is above every limit."""
    above = [(lim, fl) for fl, lim in limits.items() if pa < lim]
    return min(above)[1] if above else None


def segments(phys_avail: Sequence[Range], limits: Iterable[int]) -> list[Range]:
    """vm_phys's segments: each range cut at every free-list limit inside it.
    limits: the free lists' limits (any iterable of addresses)."""
    cuts = sorted(set(limits))
    segs: list[Range] = []
    for s, e in phys_avail:
        for c in cuts:
            if s < c < e:
                segs.append((s, c))
                s = c
        segs.append((s, e))
    return segs


class ArrayModel:
    """What PHYS_TO_VM_PAGE must answer, given the array's mode and place.

    dense:  entry i is frame first_page + i, holes included;
    sparse: the segments, in address order, take consecutive slices.
    """

    def __init__(self, mode: str, array_va: int, npages: int, size: int,
                 pre_carve: Sequence[Range], post_carve: Sequence[Range],
                 limits: Iterable[int] = ()) -> None:
        self.mode, self.va, self.npages, self.size = mode, array_va, npages, size
        self.first_frame = pre_carve[0][0] // PAGE
        self.slices: list[tuple[int, int, int]] = []
        index = 0
        for s, e in segments(post_carve, limits):
            self.slices.append((s, e, index))
            index += (e - s) // PAGE

    def expected(self, pa: int) -> int:
        """The vm_page address for pa, or 0 (NULL)."""
        if self.mode == "dense":
            i = pa // PAGE - self.first_frame
            return self.va + i * self.size if 0 <= i < self.npages else 0
        for s, e, index in self.slices:
            if s <= pa < e:
                return self.va + (index + (pa - s) // PAGE) * self.size
        return 0
