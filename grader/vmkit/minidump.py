"""vmkit.minidump: read the kernel's minidumps (kernel/include/sys/kerneldump.h).

A dump is read from the dump disk's raw image as QEMU left it (the dump
starts at sector 0) or from a file `tools/minidump.py extract` cut from it:
the same bytes, the image only longer.  Layout, every part whole pages:

    header | msgbuf | bitmap (1 bit per frame) | kernel PTEs | frames, ascending

Kernel virtual addresses translate through the dumped PTE array (entry i maps
kernbase + i * 4096) or, on amd64, the direct map [dmapbase, dmapend).
Used by tools/minidump.py and by the grader's tests (grader/tests/test_dump.py).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

PAGE_SIZE = 4096
MAGIC = b"minidump vmkit"
VERSION = 1
F_COMPLETE = 0x1
F_TRUNCATED = 0x2
F_PANIC = 0x4

# struct minidumphdr, little endian, natural alignment (every u64 at a multiple of 8).
_HDR = struct.Struct("<24s16s6I13Q192s")
_HDR_FIELDS = (
    "magic", "config", "version", "flags", "msgbufsize", "bitmapsize", "ptesize", "ptewidth",
    "kernbase", "dmapbase", "dmapend", "msgbufseq", "npages", "pageswritten", "dumpsize",
    "physmem", "pc", "sp", "fp", "dumptime", "tickrate", "panicstr",
)
PG_V = 0x1


class DumpError(Exception):
    """A file that is not a (readable) minidump, or an address it does not hold."""


@dataclass(frozen=True)
class Header:
    config: str
    version: int
    flags: int
    msgbufsize: int
    bitmapsize: int
    ptesize: int
    ptewidth: int
    kernbase: int
    dmapbase: int
    dmapend: int
    msgbufseq: int
    npages: int
    pageswritten: int
    dumpsize: int
    physmem: int
    pc: int
    sp: int
    fp: int
    dumptime: int
    tickrate: int
    panicstr: str

    @property
    def complete(self) -> bool:
        return bool(self.flags & F_COMPLETE)

    @property
    def truncated(self) -> bool:
        return bool(self.flags & F_TRUNCATED)

    @property
    def panic(self) -> bool:
        return bool(self.flags & F_PANIC)

    @property
    def msgbuf_offset(self) -> int:
        return PAGE_SIZE

    @property
    def bitmap_offset(self) -> int:
        return self.msgbuf_offset + self.msgbufsize

    @property
    def pte_offset(self) -> int:
        return self.bitmap_offset + self.bitmapsize

    @property
    def pages_offset(self) -> int:
        return self.pte_offset + self.ptesize


def _cstr(b: bytes) -> str:
    return b.split(b"\0", 1)[0].decode("ascii", "replace")


def parse_header(page: bytes) -> Header:
    if len(page) < _HDR.size or not page.startswith(MAGIC + b"\0"):
        raise DumpError("no minidump here: the first page does not start with "
                        f"{MAGIC.decode()!r} (was a dump written? see the kernel's 'dump:' lines)")
    vals = dict(zip(_HDR_FIELDS, _HDR.unpack_from(page)))
    if vals["version"] != VERSION:
        raise DumpError(f"minidump version {vals['version']}, this reader knows {VERSION}")
    for k in ("msgbufsize", "bitmapsize", "ptesize"):
        if int(vals[k]) % PAGE_SIZE != 0:
            raise DumpError(f"corrupt header: {k} {vals[k]} is not whole pages")
    if vals["ptewidth"] not in (4, 8):
        raise DumpError(f"corrupt header: ptewidth {vals['ptewidth']}")
    del vals["magic"]
    vals["config"] = _cstr(bytes(vals["config"]))
    vals["panicstr"] = _cstr(bytes(vals["panicstr"]))
    return Header(**vals)


class Minidump:
    """One dump, read into memory (they are megabytes)."""

    def __init__(self, data: bytes, name: str = "dump") -> None:
        self.name = name
        self.hdr = parse_header(data[:PAGE_SIZE])
        h = self.hdr
        need = h.pages_offset + h.pageswritten * PAGE_SIZE
        if h.complete and h.dumpsize != need:
            raise DumpError(f"{name}: header says {h.dumpsize} bytes, its parts add up to {need}")
        if len(data) < need:
            raise DumpError(f"{name}: {len(data)} bytes, the dump needs {need} (cut short?)")
        self.data = data[:need] if h.complete else data
        self.bitmap = data[h.bitmap_offset:h.pte_offset]
        self.frames = self._frames()
        if len(self.frames) != h.npages:
            raise DumpError(f"{name}: the bitmap has {len(self.frames)} bits set, "
                            f"the header says npages {h.npages}")
        self.index = {pfn: i for i, pfn in enumerate(self.frames[:h.pageswritten])}

    @classmethod
    def open(cls, path: str | Path) -> "Minidump":
        p = Path(path)
        try:
            with p.open("rb") as f:
                first = f.read(PAGE_SIZE)
                h = parse_header(first)
                rest = f.read(max(h.dumpsize, h.pages_offset) - PAGE_SIZE
                              if h.complete else -1)
        except OSError as e:
            raise DumpError(f"{path}: {e.strerror}") from None
        except DumpError as e:
            raise DumpError(f"{path}: {e}") from None
        return cls(first + rest, str(path))

    def _frames(self) -> list[int]:
        out: list[int] = []
        for i, byte in enumerate(self.bitmap):
            if byte == 0:
                continue
            for b in range(8):
                if byte & (1 << b):
                    out.append(i * 8 + b)
        return out

    # ---- physical memory ----

    def has_frame(self, pfn: int) -> bool:
        return pfn in self.index

    def frame(self, pfn: int) -> bytes:
        i = self.index.get(pfn)
        if i is None:
            raise DumpError(f"physical page {pfn << 12:#x} is not in the dump")
        off = self.hdr.pages_offset + i * PAGE_SIZE
        return self.data[off:off + PAGE_SIZE]

    def phys(self, pa: int, length: int) -> bytes:
        out = bytearray()
        while length > 0:
            n = min(length, PAGE_SIZE - (pa & 0xfff))
            out += self.frame(pa >> 12)[pa & 0xfff:(pa & 0xfff) + n]
            pa += n
            length -= n
        return bytes(out)

    # ---- virtual memory ----

    def pte(self, va: int) -> int:
        h = self.hdr
        i = (va - h.kernbase) >> 12
        if va < h.kernbase or i >= h.ptesize // h.ptewidth:
            raise DumpError(f"{va:#x} is outside the dumped kernel page tables "
                            f"[{h.kernbase:#x}, {h.kernbase + (h.ptesize // h.ptewidth << 12):#x})")
        off = h.pte_offset + i * h.ptewidth
        return int.from_bytes(self.data[off:off + h.ptewidth], "little")

    def kva_to_pa(self, va: int) -> int:
        h = self.hdr
        if h.dmapend > h.dmapbase and h.dmapbase <= va < h.dmapend:
            return va - h.dmapbase
        pte = self.pte(va)
        if not pte & PG_V:
            raise DumpError(f"{va:#x} is not mapped (PTE {pte:#x})")
        mask = 0xfffff000 if h.ptewidth == 4 else 0x000ffffffffff000
        return (pte & mask) | (va & 0xfff)

    def read(self, va: int, length: int) -> bytes:
        out = bytearray()
        while length > 0:
            n = min(length, PAGE_SIZE - (va & 0xfff))
            out += self.phys(self.kva_to_pa(va), n)
            va += n
            length -= n
        return bytes(out)

    # ---- the rest ----

    def msgbuf(self) -> str:
        h = self.hdr
        raw = self.data[h.msgbuf_offset:h.bitmap_offset]
        size = h.msgbufsize
        start = max(0, h.msgbufseq - size)
        out = bytes(raw[i % size] for i in range(start, h.msgbufseq))
        return out.decode("ascii", "replace").replace("\r", "")

    def runs(self) -> list[tuple[int, int]]:
        """The dumped frames as (first pfn, count) runs."""
        out: list[tuple[int, int]] = []
        for pfn in self.frames[:self.hdr.pageswritten]:
            if out and out[-1][0] + out[-1][1] == pfn:
                out[-1] = (out[-1][0], out[-1][1] + 1)
            else:
                out.append((pfn, 1))
        return out


def extract(image: str | Path, out: str | Path) -> Header:
    """Cut the dump out of a dump disk's image."""
    d = Minidump.open(image)
    Path(out).write_bytes(d.data)
    return d.hdr


# ---- ELF cores (tools/minidump.py core) ----
#
# An ELF core GDB opens beside the kernel's ELF: one PT_LOAD per run of kernel
# virtual pages present in the dump (the dumped PTE array; on amd64 also every
# dumped frame at its direct-map address), and an NT_PRSTATUS note whose
# registers are dumpsys's caller's as it returns (header pc/sp/fp), so `bt`
# starts in the panic.  ELF32/EM_386 for i386 and i386-pae (32-bit virtual
# addresses), ELF64/EM_X86_64 for amd64, with Linux's prstatus layouts, which
# GDB reads for both.

EM_386, EM_X86_64 = 3, 62
PT_LOAD, PT_NOTE = 1, 4
NT_PRSTATUS = 1


def kernel_segments(d: Minidump) -> list[tuple[int, bytes]]:
    """(virtual address, bytes) for every run of mapped, dumped kernel pages."""
    h = d.hdr
    mask = 0xfffff000 if h.ptewidth == 4 else 0x000ffffffffff000
    fmt = "<I" if h.ptewidth == 4 else "<Q"
    ptes = d.data[h.pte_offset:h.pages_offset]
    segs: list[tuple[int, bytes]] = []
    start, buf = -1, bytearray()
    for i, (pte,) in enumerate(struct.iter_unpack(fmt, ptes)):
        va = h.kernbase + (i << 12)
        pfn = (pte & mask) >> 12
        if pte & PG_V and pfn in d.index:
            if start < 0 or start + len(buf) != va:
                if buf:
                    segs.append((start, bytes(buf)))
                start, buf = va, bytearray()
            buf += d.frame(pfn)
    if buf:
        segs.append((start, bytes(buf)))
    if h.dmapend > h.dmapbase:
        for pfn, n in d.runs():
            off = h.pages_offset + d.index[pfn] * PAGE_SIZE
            segs.append((h.dmapbase + (pfn << 12), d.data[off:off + n * PAGE_SIZE]))
    return segs


def _prstatus(is64: bool, pc: int, sp: int, fp: int) -> bytes:
    if is64:
        regs = [0] * 27
        regs[4], regs[16], regs[17], regs[18], regs[19], regs[20] = fp, pc, 0x8, 0x2, sp, 0x10
        head = struct.pack("<3ih2xQQ4I", 0, 0, 0, 0, 0, 0, 1, 0, 0, 0) + b"\0" * 64
        return head + struct.pack("<27Q", *regs) + struct.pack("<ii", 0, 0)
    regs = [0] * 17
    regs[5], regs[12], regs[13], regs[14], regs[15], regs[16] = fp, pc, 0x8, 0x2, sp, 0x10
    regs[7] = regs[8] = 0x10
    head = struct.pack("<3ih2xII4I", 0, 0, 0, 0, 0, 0, 1, 0, 0, 0) + b"\0" * 32
    return head + struct.pack("<17I", *regs) + struct.pack("<i", 0)


def _note(name: bytes, ntype: int, desc: bytes) -> bytes:
    def pad(b: bytes) -> bytes:
        return b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(name) + 1, len(desc), ntype) + pad(name + b"\0") + pad(desc)


def elf_machine(path: str | Path) -> tuple[bool, int]:
    """(64-bit, e_machine) of an ELF file."""
    try:
        head = Path(path).read_bytes()[:20]
    except OSError as e:
        raise DumpError(f"{path}: {e.strerror}") from None
    if head[:4] != b"\x7fELF":
        raise DumpError(f"{path} is not an ELF file")
    return head[4] == 2, struct.unpack_from("<H", head, 18)[0]


def write_core(d: Minidump, kernel: str | Path, out: str | Path) -> int:
    """Write the core; returns its number of PT_LOAD segments."""
    h = d.hdr
    is64 = h.config == "amd64"
    k64, kmach = elf_machine(kernel)
    want = EM_X86_64 if is64 else EM_386
    if (k64, kmach) != (is64, want):
        raise DumpError(f"{kernel} is not a {h.config} kernel (ELF class {64 if k64 else 32}, "
                        f"machine {kmach}); the dump is of a {h.config} kernel")
    segs = kernel_segments(d)
    note = _note(b"CORE", NT_PRSTATUS, _prstatus(is64, h.pc, h.sp, h.fp))
    ehsize, phsize = (64, 56) if is64 else (52, 32)
    nph = 1 + len(segs)
    off = ehsize + nph * phsize
    phdrs, body = bytearray(), bytearray()

    def phdr(ptype: int, offset: int, va: int, size: int, flags: int, align: int) -> bytes:
        if is64:
            return struct.pack("<IIQQQQQQ", ptype, flags, offset, va, 0, size, size, align)
        return struct.pack("<IIIIIIII", ptype, offset, va, 0, size, size, flags, align)

    phdrs += phdr(PT_NOTE, off, 0, len(note), 0, 4)
    body += note
    body += b"\0" * (-(off + len(body)) % PAGE_SIZE)
    for va, data in segs:
        phdrs += phdr(PT_LOAD, off + len(body), va, len(data), 7, PAGE_SIZE)
        body += data
    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1, 1]) + b"\0" * 9
    if is64:
        eh = ident + struct.pack("<HHIQQQIHHHHHH", 4, want, 1, 0, ehsize, 0, 0, ehsize, phsize,
                                 nph, 0, 0, 0)
    else:
        eh = ident + struct.pack("<HHIIIIIHHHHHH", 4, want, 1, 0, ehsize, 0, 0, ehsize, phsize,
                                 nph, 0, 0, 0)
    Path(out).write_bytes(eh + bytes(phdrs) + bytes(body))
    return len(segs)
