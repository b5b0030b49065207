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
  tools/minidump.py map DUMP KERNEL -o PNG    a picture of physical memory: page states, free
                                              blocks by pool and order (python3-matplotlib)

DUMP is the dump disk's raw image as QEMU left it, or a file `extract` wrote.
The format is kernel/include/sys/kerneldump.h's; the reader is grader/vmkit/minidump.py.
"""
from __future__ import annotations

import argparse
import importlib
import math
import sys
from typing import Any

import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit.minidump import (PAGE_SIZE, DumpError, Minidump, PageLayout, PhysMap, State, extract,
                            gdb_arch, page_layout, physmap, write_core)


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


# Colours: states, and free pages by pool (a hue) darkening with the block's order.
_STATE_RGB = {State.ABSENT: (0.0, 0.0, 0.0), State.CACHED: (0.95, 0.85, 0.1),
              State.ACTIVE: (0.1, 0.75, 0.2), State.INACTIVE: (0.3, 0.55, 0.95),
              State.WIRED: (0.9, 0.15, 0.1), State.KERNEL: (0.55, 0.55, 0.55),
              State.ARRAY: (0.65, 0.2, 0.8)}
_POOL_RGB = [(0.85, 0.95, 1.0), (1.0, 0.9, 0.8), (0.85, 1.0, 0.85), (1.0, 1.0, 0.85)]
# A pixel covering several pages shows the most telling one.
_PRIORITY = [State.ABSENT, State.FREE, State.KERNEL, State.CACHED, State.INACTIVE, State.ACTIVE,
             State.ARRAY, State.WIRED]


def _free_rgb(pool: int, order: int, norder: int) -> tuple[float, float, float]:
    base = _POOL_RGB[pool % len(_POOL_RGB)] if pool != 255 else (0.9, 0.9, 0.9)
    f = 1.0 - 0.5 * order / max(norder - 1, 1)
    return (base[0] * f, base[1] * f, base[2] * f)


def draw_map(d: Minidump, lay: PageLayout, pm: PhysMap, out: str, width: int) -> int:
    """Render pm as a PNG; returns the pages per pixel."""
    try:
        mpl: Any = importlib.import_module("matplotlib")
    except ImportError:
        raise DumpError("map needs python3-matplotlib (Debian's; `tools/deps --group handouts` "
                        "installs it) and /usr/bin/python3") from None
    mpl.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")
    patches: Any = importlib.import_module("matplotlib.patches")
    n = len(pm.states)
    per = max(1, math.ceil(n / (width * 768)))
    rows = math.ceil(n / (width * per))
    img = [[(0.0, 0.0, 0.0)] * width for _ in range(rows)]
    rank = {s: i for i, s in enumerate(_PRIORITY)}
    for px in range(rows * width):
        lo, hi = px * per, min(n, (px + 1) * per)
        if lo >= n:
            break
        best = max(range(lo, hi), key=lambda k: rank[pm.states[k]])
        s = pm.states[best]
        img[px // width][px % width] = (_free_rgb(pm.free_pool[best], pm.free_order[best],
                                                  lay.nfreeorder) if s == State.FREE
                                        else _STATE_RGB[s])
    fig, ax = plt.subplots(figsize=(10, 3 + 7 * min(1.0, rows / 768)))
    ax.imshow(img, aspect="auto", interpolation="nearest")
    ax.set_xticks([])
    row_bytes = width * per * PAGE_SIZE
    ticks = list(range(0, rows, max(1, rows // 8)))
    ax.set_yticks(ticks)
    ax.set_yticklabels(["%#x" % (r * row_bytes) for r in ticks], fontsize=7)
    ax.set_title("%s, %d MiB: one row = %d pages (%d KiB), one pixel = %d page%s"
                 % (d.hdr.config, d.hdr.physmem >> 20, width * per, row_bytes >> 10, per,
                    "s" if per > 1 else ""), fontsize=9)
    handles = [patches.Patch(color=_STATE_RGB[s], label="%s: %d" % (State.NAMES[s],
                                                                   pm.states.count(s)))
               for s in _PRIORITY if s != State.FREE]
    for p, name in enumerate(lay.pool_names):
        for o in (0, lay.nfreeorder - 1):
            handles.append(patches.Patch(color=_free_rgb(p, o, lay.nfreeorder),
                                         label="free, pool %s, order %d" % (name, o)))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    fig.savefig(out, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return per


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
    m = sub.add_parser("map", help="a picture of physical memory")
    m.add_argument("dump")
    m.add_argument("kernel")
    m.add_argument("-o", "--output", required=True)
    m.add_argument("--width", type=int, default=512, help="pixels per row (default 512)")
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
        elif a.cmd == "map":
            lay = page_layout(d, a.kernel, gdb_arch(d.hdr.config))
            pm = physmap(d, lay)
            per = draw_map(d, lay, pm, a.output, a.width)
            print("%s: %d pages, %d per pixel; %s" % (a.output, len(pm.states), per,
                  ", ".join("%s %d" % kv for kv in pm.counts.items())))
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
