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

import json
import os
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from vmkit import configs

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


def gdb_arch(config: str) -> str:
    """GDB's architecture for a config (conf/configs.toml)."""
    try:
        return configs.table().get(config).gdb_arch
    except configs.ConfigError:
        raise DumpError(f"the dump is of config {config!r}, which conf/configs.toml does not "
                        "list") from None


def write_core(d: Minidump, kernel: str | Path, out: str | Path) -> int:
    """Write the core; returns its number of PT_LOAD segments."""
    h = d.hdr
    is64 = gdb_arch(h.config) == "i386:x86-64"     # 64-bit virtual addresses (the table's GDB arch)
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


# ---- a map of physical memory (tools/minidump.py map) ----
#
# Each physical page gets a state from the dumped page array: the struct
# vm_page layout and the array's address come from the kernel's debug
# information (PageLayout, read by GDB: tools/minidump.py), the entries from
# the dump.  The dump leaves out array pages whose entries are all free
# non-heads, so free pages are coloured from their block's head (order and
# pool); a free page with no head in the dump (an order-0 batch's) is "free".

class State:
    ABSENT, FREE, CACHED, ACTIVE, INACTIVE, WIRED, KERNEL, ARRAY = range(8)
    NAMES = ["absent (no RAM, or not the kernel's and outside the page array)", "free", "cached",
             "active", "inactive", "wired", "kernel (no paging state)", "the page array"]


@dataclass(frozen=True)
class PageLayout:
    """struct vm_page as compiled, and where the array is (from the kernel's DWARF)."""
    size: int
    offsets: dict[str, tuple[int, str]]   # field -> (byte offset, struct format)
    array: int                            # vm_page_array (kernel virtual address)
    count: int                            # vm_page_array_size
    nfreeorder: int
    pool_names: list[str]


@dataclass
class PhysMap:
    """One state per physical page 0 .. npages-1, and free pages' (pool, order)."""
    states: bytearray
    free_pool: bytearray                  # pool of the free block a page is in (255: none)
    free_order: bytearray                 # order of that block
    counts: dict[str, int]


PG_CACHED, PG_FREE = 0x1, 0x2
PQ_INACTIVE, PQ_ACTIVE = 1, 2


def physmap(d: Minidump, lay: PageLayout) -> PhysMap:
    """Classify every physical page from the dumped page array."""
    top = max((pfn + 1 for pfn in d.frames), default=0)
    entries: list[tuple[int, int, int, int, int, int]] = []
    for i in range(lay.count):
        va = lay.array + i * lay.size
        try:
            raw = d.read(va, lay.size)
        except DumpError:
            continue
        f = {n: struct.unpack_from(fmt, raw, off)[0] for n, (off, fmt) in lay.offsets.items()}
        pa = f["phys_addr"]
        entries.append((pa >> 12, f["flags"], f["queue"], f["order"], f["pool"], f["wire_count"]))
        top = max(top, (pa >> 12) + 1)
    states = bytearray(top)
    pool = bytearray(b"\xff" * top)
    order = bytearray(top)
    for pfn, flags, _q, o, p, _w in entries:        # free blocks first, from their heads
        if flags & (PG_FREE | PG_CACHED) and o < lay.nfreeorder:
            for k in range(pfn, min(top, pfn + (1 << o))):
                states[k], pool[k], order[k] = State.FREE, p, o
    for pfn, flags, q, o, p, w in entries:
        if flags & PG_CACHED:
            s = State.CACHED
        elif flags & PG_FREE:
            s = State.FREE
            if pool[pfn] == 255:
                pool[pfn] = p
        elif w > 0:
            s = State.WIRED
        elif q == PQ_ACTIVE:
            s = State.ACTIVE
        elif q == PQ_INACTIVE:
            s = State.INACTIVE
        else:
            s = State.KERNEL
        states[pfn] = s
    # Dumped pages the array does not describe (the kernel image, boot tables): the kernel's.
    for pfn in d.frames[:d.hdr.pageswritten]:
        if pfn < top and states[pfn] == State.ABSENT:
            states[pfn] = State.KERNEL
    # Every page of the array's own memory: the array's (physical) pages.
    for off in range(0, lay.count * lay.size, PAGE_SIZE):
        try:
            pfn = d.kva_to_pa(lay.array + off) >> 12
        except DumpError:
            continue
        if pfn < top:
            states[pfn] = State.ARRAY
    counts = {State.NAMES[s].split(" (")[0]: states.count(s) for s in range(len(State.NAMES))}
    return PhysMap(states, pool, order, counts)


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Run inside GDB on the core: struct vm_page's layout and the array, as JSON.
_GDB_LAYOUT = """python
import json
k = Kernel()
lay = _field_layout(k.page_t, ["phys_addr", "flags", "queue", "order", "pool", "wire_count"])
print("LAYOUT " + json.dumps({"size": k.psize, "offsets": lay, "array": k.array_addr,
      "count": k.array_size, "nfreeorder": _array_dims(_sym("vm_phys_free_queues").type)[2],
      "pool_names": [k.pool_names[i] for i in sorted(k.pool_names)]}))
end
"""


def page_layout(d: Minidump, kernel: str | Path, gdb_arch: str) -> PageLayout:
    """The page array's layout, from GDB on a core of the dump (the kernel's DWARF)."""
    with tempfile.TemporaryDirectory(prefix="vmkit-map-") as tmp:
        core, script = os.path.join(tmp, "core"), os.path.join(tmp, "layout.gdb")
        write_core(d, kernel, core)
        with open(script, "w") as f:
            f.write(_GDB_LAYOUT)
        p = subprocess.run(["gdb", "-q", "-nx", "-batch", "-ex", "set architecture " + gdb_arch,
                            "-ex", "file %s" % kernel, "-ex", "core-file " + core,
                            "-ex", "source " + os.path.join(ROOT, "tools", "gdb", "vmkit_gdb.py"),
                            "-x", script], capture_output=True, text=True, timeout=120)
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith("LAYOUT ")), None)
    if line is None:
        raise DumpError("GDB could not read struct vm_page from %s:\n%s" % (kernel, p.stdout[-800:]
                                                                           + p.stderr[-800:]))
    j = json.loads(line[7:])
    return PageLayout(j["size"], {k: (v[0], v[1]) for k, v in j["offsets"].items()}, j["array"],
                      j["count"], j["nfreeorder"], j["pool_names"])
