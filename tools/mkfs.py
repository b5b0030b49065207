#!/usr/bin/env python3
"""tools/mkfs.py: make, list and read back vmkit's flat file-system images.

  tools/mkfs.py create IMG [--entries N] [--extent NAME=BLOCKS] [--blocks TOTAL] FILE...
  tools/mkfs.py list IMG                       name, length, first block, extent
  tools/mkfs.py extract IMG NAME [-o OUT]      a file's bytes (its length, not its extent)

The format (the kernel's reader is kernel/kern/vfs_flat.c; keep the two alike):

  block 0          block 1 .. T          block T+1 ...
  +-------------+  +------------------+  +----------+----------+-----+
  | superblock  |  | table: N entries |  | extent 0 | extent 1 | ... |
  +-------------+  | of 64 bytes      |  +----------+----------+-----+
                   +------------------+

  superblock (little endian): magic "VMKITFS\\0" (8 bytes), version u32 (1),
      entries u32 (N), table_blocks u32 (T), blocks u32 (the image's size)
  entry: name 28 bytes (NUL padded; empty: unused), first u32 (block),
      nblocks u32 (extent size), flags u32 (0), length u64 at byte 40 (bytes,
      <= nblocks * 4096), 16 bytes reserved

A block is 4096 bytes (PAGE_SIZE), so a file's page i is block first + i.
Each file gets an extent of --extent NAME=BLOCKS blocks, or just enough for its
bytes; bytes past a file's length are zero.  Stdlib only.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit.flatfs import FsError, make, read_image

def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create", help="make an image from host files")
    c.add_argument("image")
    c.add_argument("files", nargs="*")
    c.add_argument("--entries", type=int, default=64)
    c.add_argument("--blocks", type=int, default=None, help="image size in 4 KiB blocks")
    c.add_argument("--extent", action="append", default=[], metavar="NAME=BLOCKS")
    l_ = sub.add_parser("list", help="the files of an image")
    l_.add_argument("image")
    x = sub.add_parser("extract", help="one file's bytes")
    x.add_argument("image")
    x.add_argument("name")
    x.add_argument("-o", "--output", default=None)
    a = ap.parse_args(argv)
    try:
        if a.cmd == "create":
            ext: dict[str, int] = {}
            for spec in a.extent:
                name, _, n = spec.partition("=")
                if not n.isdigit():
                    raise FsError("--extent %r: want NAME=BLOCKS" % spec)
                ext[name] = int(n)
            files = []
            for f in a.files:
                try:
                    data = Path(f).read_bytes()
                except OSError as err:
                    raise FsError("%s: %s" % (f, err.strerror)) from None
                files.append((Path(f).name, data, ext.pop(Path(f).name, None)))
            files += [(n, b"", k) for n, k in ext.items()]     # empty files with room to grow
            Path(a.image).write_bytes(make(files, a.entries, a.blocks))
        elif a.cmd == "list":
            img = read_image(a.image)
            print("%-27s %10s %8s %8s" % ("name", "length", "first", "blocks"))
            for e in img.files:
                print("%-27s %10d %8d %8d" % (e.name, e.length, e.first, e.nblocks))
        else:
            data = read_image(a.image).read(a.name)
            if a.output is None:
                sys.stdout.buffer.write(data)
            else:
                Path(a.output).write_bytes(data)
    except FsError as e:
        print("mkfs.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
