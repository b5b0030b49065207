#!/usr/bin/env python3
"""tools/minidump.py: read a vmkit minidump on the host (post-mortem debugging).

  tools/minidump.py extract IMAGE -o FILE     cut the dump out of the dump disk's image
  tools/minidump.py info DUMP                 header, sizes, dump size against RAM
  tools/minidump.py dmesg DUMP                the kernel message buffer (console output)
  tools/minidump.py read DUMP VA LEN          kernel virtual memory (through the dumped
                                              page tables, or the direct map on amd64)
  tools/minidump.py phys DUMP PA LEN          physical memory
  tools/minidump.py pages DUMP                the frames present, as runs
  tools/minidump.py core DUMP KERNEL -o CORE  an ELF core for `gdb KERNEL CORE` (make gdb-dump)

DUMP is the dump disk's raw image as QEMU left it, or a file `extract` wrote.
The format is kernel/include/sys/kerneldump.h's; the reader is grader/vmkit/minidump.py.
"""
from __future__ import annotations

import argparse
import sys

import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit.minidump import PAGE_SIZE, DumpError, Minidump, extract, write_core


def hexdump(base: int, data: bytes) -> str:
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        hx = " ".join(f"{b:02x}" for b in chunk)
        asc = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{base + off:016x}  {hx:<47}  |{asc}|")
    return "\n".join(lines)


def cmd_info(d: Minidump) -> None:
    h = d.hdr
    state = "complete" if h.complete else "INCOMPLETE (the machine stopped while dumping)"
    if h.truncated:
        state += f", TRUNCATED: {h.pageswritten} of {h.npages} pages (the disk was too small)"
    print(f"minidump of a {h.config} kernel, version {h.version}: {state}")
    print(f"why         {'panic: ' if h.panic else ''}{h.panicstr}")
    print(f"RAM         {h.physmem >> 20} MiB")
    print(f"dump        {h.dumpsize} bytes ({h.dumpsize >> 10} KiB) = "
          f"{100.0 * h.dumpsize / max(h.physmem, 1):.3f}% of RAM")
    print(f"parts       header {PAGE_SIZE}, msgbuf {h.msgbufsize}, bitmap {h.bitmapsize}, "
          f"PTEs {h.ptesize} ({h.ptewidth}-byte entries from {h.kernbase:#x}), "
          f"pages {h.pageswritten} x {PAGE_SIZE}")
    if h.dmapend > h.dmapbase:
        print(f"direct map  [{h.dmapbase:#x}, {h.dmapend:#x})")
    print(f"frames      {h.npages} in the bitmap, {len(d.runs())} runs")
    if h.tickrate:
        print(f"time        {h.dumptime * 1000 // h.tickrate} ms ({h.dumptime} cpu ticks)")
    else:
        print(f"time        {h.dumptime} cpu ticks")
    print(f"caller      pc {h.pc:#x} sp {h.sp:#x} fp {h.fp:#x}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("extract", help="cut the dump out of the dump disk's image")
    e.add_argument("image")
    e.add_argument("-o", "--output", required=True)
    for name, hlp in (("info", "header and sizes"), ("dmesg", "the message buffer"),
                      ("pages", "the frames present")):
        sub.add_parser(name, help=hlp).add_argument("dump")
    r = sub.add_parser("read", help="kernel virtual memory")
    r.add_argument("dump")
    r.add_argument("va")
    r.add_argument("len")
    p = sub.add_parser("phys", help="physical memory")
    p.add_argument("dump")
    p.add_argument("pa")
    p.add_argument("len")
    c = sub.add_parser("core", help="an ELF core for GDB")
    c.add_argument("dump")
    c.add_argument("kernel")
    c.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    try:
        if a.cmd == "extract":
            h = extract(a.image, a.output)
            print(f"{a.output}: {h.dumpsize} bytes")
            return 0
        d = Minidump.open(a.dump)
        if a.cmd == "info":
            cmd_info(d)
        elif a.cmd == "dmesg":
            sys.stdout.write(d.msgbuf())
        elif a.cmd == "core":
            n = write_core(d, a.kernel, a.output)
            print(f"{a.output}: {n} segments; gdb {a.kernel} {a.output}")
        elif a.cmd == "pages":
            for pfn, n in d.runs():
                print(f"{pfn << 12:#014x}-{(pfn + n) << 12:#014x}  {n} pages")
        elif a.cmd in ("read", "phys"):
            addr, length = int(a.va if a.cmd == "read" else a.pa, 0), int(a.len, 0)
            data = d.read(addr, length) if a.cmd == "read" else d.phys(addr, length)
            print(hexdump(addr, data))
    except DumpError as err:
        print(f"minidump: {err}", file=sys.stderr)
        return 1
    except ValueError as err:
        print(f"minidump: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:         # `... | head`
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
