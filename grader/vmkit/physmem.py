"""The grader's own model of physical memory, for the VM labs' checks.

Nothing here asks the kernel: the RAM QEMU gives for a -m size follows from
QEMU's pc machine, and where the kernel image sits and which free lists the
machine has (vm_phys_freelists, elf_freelists) follow from the kernel ELF the
grader built. The page-array checks derive what the kernel must have built
from these and from the few placement facts the kernel reports through the
(unstripped) pmap.
"""
from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


# ---------------------------------------------------------------- free lists
# The machine's free lists are data in the kernel the grader built:
# vm_phys_freelists[] (kernel/vm/vm_phys_table.c, from machine/vmparam.h's
# VM_FREELIST_TABLE; not a lab file).  Every expected layout is computed from
# that symbol's initialised bytes in the ELF, never from what the kernel
# prints: a student's vm_phys.c may print any table it likes, or cut its
# segments somewhere else; the grader still expects the machine's.

FREELIST_SYMBOL = "vm_phys_freelists"


@dataclass(frozen=True)
class FreeList:
    """One row of the machine's free-list table: the RAM below `limit` that no
    list with a lower limit holds."""
    index: int
    name: str
    limit: int


class ElfError(ValueError):
    """A kernel ELF the grader cannot read what it needs from; the message says why."""


_STT_OBJECT, _STB_GLOBAL, _SHT_SYMTAB, _SHT_NOBITS, _SHF_ALLOC = 1, 1, 2, 8, 2
_SHN_SPECIAL = 0xFF00          # SHN_UNDEF (0) and indices from here up hold no data
_NAME_MAX = 64


@dataclass(frozen=True)
class _Section:
    name: int
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int


class _Elf:
    """Just enough of a little-endian ELF32/ELF64 file: sections, symbols, and the
    bytes at a virtual address.  Every offset is checked: a bad file raises
    ElfError, never IndexError or struct.error."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            with open(path, "rb") as f:
                self.data = f.read()
        except OSError as e:
            raise ElfError("cannot read the kernel %s: %s" % (path, e.strerror)) from None
        d = self.data
        if d[:4] != b"\x7fELF":
            raise ElfError("%s is not an ELF file" % path)
        if len(d) < 52 or d[4] not in (1, 2) or d[5] != 1:
            raise ElfError("%s is not a little-endian ELF32 or ELF64 file" % path)
        self.is64 = d[4] == 2
        if self.is64:
            shoff, = self._unpack("<Q", 40)
            shentsize, shnum = self._unpack("<HH", 58)
            shfmt = "<IIQQQQII"
        else:
            shoff, = self._unpack("<I", 32)
            shentsize, shnum = self._unpack("<HH", 46)
            shfmt = "<IIIIIIII"
        if shnum == 0 or shentsize < struct.calcsize(shfmt):
            raise ElfError("%s has no section headers" % path)
        self.sections = [_Section(*self._unpack(shfmt, shoff + i * shentsize)[:7]) for i in range(shnum)]

    def _unpack(self, fmt: str, off: int) -> tuple[int, ...]:
        if off < 0 or off + struct.calcsize(fmt) > len(self.data):
            raise ElfError("%s is truncated or corrupt (a header at offset %#x lies past its end)"
                           % (self.path, off))
        return struct.unpack_from(fmt, self.data, off)

    def _section_bytes(self, sec: _Section) -> bytes:
        if sec.type == _SHT_NOBITS or sec.offset + sec.size > len(self.data):
            raise ElfError("%s is truncated or corrupt (a section lies past its end)" % self.path)
        return self.data[sec.offset:sec.offset + sec.size]

    def symbols(self, name: str) -> list[tuple[int, int, int, int, int]]:
        """[(value, size, bind, type, shndx)] of every symbol called `name`."""
        want = name.encode()
        fmt = "<IBBHQQ" if self.is64 else "<IIIBBH"
        entsize = struct.calcsize(fmt)
        out = []
        tables = [s for s in self.sections if s.type == _SHT_SYMTAB]
        if not tables:
            raise ElfError("%s has no symbol table (stripped?)" % self.path)
        for tab in tables:
            if tab.link >= len(self.sections):
                raise ElfError("%s is corrupt (its symbol table names no string table)" % self.path)
            syms, strs = self._section_bytes(tab), self._section_bytes(self.sections[tab.link])
            for off in range(0, len(syms) - entsize + 1, entsize):
                if self.is64:
                    st_name, info, _other, shndx, value, size = struct.unpack_from(fmt, syms, off)
                else:
                    st_name, value, size, info, _other, shndx = struct.unpack_from(fmt, syms, off)
                if strs[st_name:st_name + len(want) + 1] == want + b"\0":
                    out.append((value, size, info >> 4, info & 0xF, shndx))
        return out

    def read(self, va: int, size: int) -> bytes:
        """The initialised bytes at [va, va + size), all in one loaded section."""
        for sec in self.sections:
            if sec.flags & _SHF_ALLOC and sec.type != _SHT_NOBITS and \
                    sec.addr <= va and va + size <= sec.addr + sec.size:
                return self._section_bytes(sec)[va - sec.addr:va - sec.addr + size]
        raise ElfError("%s: %#x-%#x is in no loaded section with data" % (self.path, va, va + size))

    def string(self, va: int) -> str:
        """The NUL-terminated name at va (a free list's: a short word)."""
        for n in range(1, _NAME_MAX + 2):
            try:
                raw = self.read(va, n)
            except ElfError:
                break
            if raw[-1] == 0:
                text = raw[:-1].decode("ascii", "replace")
                if re.fullmatch(r"[A-Za-z0-9_]+", text):
                    return text
                break
        raise ElfError("%s: no free-list name (a short word ending in NUL) at %#x" % (self.path, va))


def elf_freelists(path: str) -> list[FreeList]:
    """The machine's free-list table, read from vm_phys_freelists[] in the kernel
    ELF at path: a struct vm_freelist_desc { uint64_t limit; const char *name; }
    per list, in index order.  Its layout follows the ELF class: on i386 a
    uint64_t in a struct is 4-byte aligned (12-byte rows), on LP64 16 bytes.

    Only the GLOBAL definition counts: the kernel's references resolve to it, and
    a LOCAL one of the same name (an edit file can make one with an asm label)
    is the submission's, not the machine's.  Raises ElfError with the reason."""
    elf = _Elf(path)
    defs = [s for s in elf.symbols(FREELIST_SYMBOL)
            if s[2] == _STB_GLOBAL and s[3] == _STT_OBJECT and 0 < s[4] < _SHN_SPECIAL]
    if len(defs) != 1:
        raise ElfError("%s: %s global data symbol %s (expected one, from kernel/vm/vm_phys_table.c)"
                       % (path, "no" if not defs else "more than one", FREELIST_SYMBOL))
    va, size = defs[0][0], defs[0][1]
    rowfmt = "<QQ" if elf.is64 else "<QI"
    row = struct.calcsize(rowfmt)
    if size == 0 or size % row:
        raise ElfError("%s: %s is %d bytes, not a whole number of %d-byte rows"
                       % (path, FREELIST_SYMBOL, size, row))
    raw = elf.read(va, size)
    table = []
    for i in range(size // row):
        limit, name_va = struct.unpack_from(rowfmt, raw, i * row)
        table.append(FreeList(i, elf.string(name_va), limit))
    return table


# The boot's lines (kernel/vm/vm_phys.c vm_phys_print_freelists; grader/PROTOCOL.md):
# "vm_phys: free list <index> <name> below <limit> pages <n>".  A self-report:
# only the free page counts are used, and only once the table agrees with the ELF's.
FREELIST_LINE = re.compile(r"^vm_phys: free list (\d+) (\S+) below (0x[0-9a-f]+) pages (\d+)\s*$", re.M)


def boot_freelists(log: str) -> dict[int, tuple[str, int, int]]:
    """{index: (name, limit, free pages)} from the boot's free-list lines in a run's log."""
    return {int(m.group(1)): (m.group(2), int(m.group(3), 16), int(m.group(4)))
            for m in FREELIST_LINE.finditer(log)}


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
