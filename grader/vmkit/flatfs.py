"""vmkit's flat file system, as the host sees it: make an image, read one back
(tools/mkfs.py is the command; grader tests write and check images with it).
The format is drawn in tools/mkfs.py and kernel/kern/vfs_flat.c.
"""
from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

BLOCK = 4096
MAGIC = b"VMKITFS\0"
VERSION = 1
NAME_MAX = 27                      # + NUL in a 28-byte field
ENTRY = 64
SUPER = struct.Struct("<8sIIII")
DIRENT = struct.Struct("<28sIIIQ16x")
assert DIRENT.size == ENTRY


class FsError(Exception):
    """A bad image or a bad request: the message says which and why."""


@dataclasses.dataclass
class Entry:
    name: str
    first: int
    nblocks: int
    length: int


@dataclasses.dataclass
class Image:
    entries: int
    table_blocks: int
    blocks: int
    files: list[Entry]
    raw: bytes

    def find(self, name: str) -> Entry:
        for e in self.files:
            if e.name == name:
                return e
        raise FsError("no file named %r (the image has: %s)"
                      % (name, ", ".join(e.name for e in self.files) or "none"))

    def read(self, name: str) -> bytes:
        e = self.find(name)
        off = e.first * BLOCK
        return self.raw[off:off + e.length]

    def extent(self, name: str) -> bytes:
        """The whole extent, past the length too (truncate tests check it)."""
        e = self.find(name)
        return self.raw[e.first * BLOCK:(e.first + e.nblocks) * BLOCK]


def make(files: list[tuple[str, bytes, int | None]], entries: int = 64,
         blocks: int | None = None) -> bytes:
    """An image holding files (name, data, extent in blocks or None: just enough)."""
    if entries < 1 or entries < len(files):
        raise FsError("%d table entries cannot hold %d files" % (entries, len(files)))
    tblocks = (entries * ENTRY + BLOCK - 1) // BLOCK
    table = bytearray(tblocks * BLOCK)
    extents: list[bytes] = []
    nxt = 1 + tblocks
    seen: set[str] = set()
    for i, (name, data, ext) in enumerate(files):
        raw = name.encode()
        if not raw or len(raw) > NAME_MAX or b"\0" in raw or b"/" in raw or b" " in raw:
            raise FsError("bad file name %r: 1 to %d bytes, no NUL, '/' or space" % (name, NAME_MAX))
        if name in seen:
            raise FsError("file name %r given twice" % name)
        seen.add(name)
        need = (len(data) + BLOCK - 1) // BLOCK
        n = need if ext is None else ext
        if n < need:
            raise FsError("%s: %d bytes do not fit an extent of %d blocks" % (name, len(data), n))
        DIRENT.pack_into(table, i * ENTRY, raw, nxt, n, 0, len(data))
        extents.append(data + bytes(n * BLOCK - len(data)))
        nxt += n
    total = nxt if blocks is None else blocks
    if total < nxt:
        raise FsError("the files need %d blocks, --blocks says %d" % (nxt, total))
    sb = bytearray(BLOCK)
    SUPER.pack_into(sb, 0, MAGIC, VERSION, entries, tblocks, total)
    out = bytes(sb) + bytes(table) + b"".join(extents)
    return out + bytes(total * BLOCK - len(out))


def parse(raw: bytes, what: str = "image") -> Image:
    """Read an image back, checking everything the kernel's mount checks."""
    if len(raw) < BLOCK:
        raise FsError("%s: %d bytes, not even a superblock (%d)" % (what, len(raw), BLOCK))
    magic, version, entries, tblocks, blocks = SUPER.unpack_from(raw, 0)
    if magic != MAGIC:
        raise FsError("%s: not a vmkit file system (magic %r, want %r)" % (what, magic, MAGIC))
    if version != VERSION:
        raise FsError("%s: version %d, this tool reads %d" % (what, version, VERSION))
    if entries == 0 or tblocks != (entries * ENTRY + BLOCK - 1) // BLOCK:
        raise FsError("%s: %d entries in %d table blocks" % (what, entries, tblocks))
    if blocks < 1 + tblocks or blocks * BLOCK > len(raw):
        raise FsError("%s: says %d blocks, the file holds %d" % (what, blocks, len(raw) // BLOCK))
    files = []
    for i in range(entries):
        rawname, first, nblocks, _flags, length = DIRENT.unpack_from(raw, BLOCK + i * ENTRY)
        if rawname[0] == 0:
            continue
        name = rawname.rstrip(b"\0").decode(errors="replace")
        if first < 1 + tblocks or first + nblocks > blocks or length > nblocks * BLOCK:
            raise FsError("%s: entry %d (%s): extent %d+%d, length %d, in %d blocks"
                          % (what, i, name, first, nblocks, length, blocks))
        files.append(Entry(name, first, nblocks, length))
    return Image(entries, tblocks, blocks, files, raw)


def read_image(path: str | Path) -> Image:
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise FsError("%s: %s" % (path, e.strerror)) from None
    return parse(raw, str(path))
