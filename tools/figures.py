#!/usr/bin/python3
"""tools/figures.py: draw the handouts' pictures from the real kernel.

  tools/figures.py --out build/handouts/figures        (make handouts runs it)
  tools/figures.py --out DIR --seed 7 --ops 500        another workload

Every picture is drawn from what a booted kernel reported, never by hand: the
tool builds this tree's kernel for each config (the grader's runner), boots
it once with the ktests `meminfo`, `page_array` and `buddy_workload`, reads
their sealed KDATA lines (grader/PROTOCOL.md; grammars in vmkit/kdata.py) and
draws with matplotlib, as SVG:

  memmap-CONFIG.svg   the physical memory map at boot: RAM, the kernel image,
                      early allocations, the page array and its bitmap, and
                      the vm_phys segments coloured by free list
  buddy-CONFIG.svg    the buddy free queues (blocks per order, per free list
                      and pool) before a seeded workload, with its blocks
                      still allocated, and after they are all freed

The same seed gives the same pictures (the workload is the kernel's seeded
xorshift; SVG ids and dates are fixed), so they are generated into build/,
not committed.  A boot that fails, or KDATA that does not parse, stops the
tool with the kernel's own headline and log tail (status 1).
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import configs, kdata, runner

TESTS = ("meminfo", "page_array", "buddy_workload")
# A config that reaches RAM above 4 GiB (the table's paddr_bits) is drawn at
# this much, so that the picture shows that RAM and its free list; the others
# at the table's default -m.
MEM_HIGH = "6G"
MiB = 1 << 20
GiB = 1 << 30
PAGE = 4096
PHASES = (("start", "at boot"), ("mid", "after the workload (its blocks still allocated)"),
          ("end", "after freeing them all"))
POOLS = ("default", "cache")


class FigureError(Exception):
    """The kernel could not be booted or said something unreadable."""


Range = tuple[int, int]


@dataclasses.dataclass
class Boot:
    """What one boot of a config reported, typed."""
    config: str
    mem: str
    ram: list[Range]                        # dump_avail
    avail_boot: list[Range]                 # phys_avail before vm_page_startup
    kernel: Range
    array: Range                            # the vm_page array, physical
    bitmap: Range
    mode: str                               # dense | sparse
    npages: int
    freelists: dict[int, tuple[int, str]]   # index -> (limit, name)
    segs: list[tuple[int, int, int]]        # start, end, free list
    queues: dict[str, dict[tuple[int, int, int], int]]   # phase -> (fl, pool, order) -> blocks
    free: dict[str, int]                    # phase -> free pages
    nfreeorder: int
    seed: int
    ops: int


def boot(r: runner.Runner, config: str, seed: int, ops: int, timeout: float) -> Boot:
    row = configs.table().get(config)
    mem = MEM_HIGH if row.paddr_bits > 32 else row.mem
    res = r.boot(config, list(TESTS), mem=mem, seed=seed, timeout=timeout,
                 args={"lab02.ops": ops})
    if not res.ok or res.missing():
        why = res.problem() or "tests without a result: %s" % ", ".join(res.missing())
        raise FigureError("%s: booting %s failed: %s\n  last output:\n%s"
                          % (config, " ".join(TESTS), why, res.tail(15)))
    for name in TESTS:
        if res.tests[name][0] != "PASS":
            raise FigureError("%s: ktest %s says %s: %s" % (config, name, *res.tests[name]))
    try:
        lines = {name: kdata.parse(name, res.data.get(name, [])) for name in TESTS}
    except kdata.KdataError as e:
        raise FigureError("%s: %s" % (config, e)) from None

    def all_of(test: str, kind: str) -> list[kdata.Line]:
        return [ln for ln in lines[test] if ln.kind == kind]

    def one(test: str, kind: str) -> kdata.Line:
        found = all_of(test, kind)
        if len(found) != 1:
            raise FigureError("%s: ktest %s printed %d `%s` lines, expected one"
                              % (config, test, len(found), kind))
        return found[0]

    arr, bm = one("page_array", "array"), one("page_array", "bitmap")
    size = one("page_array", "sizeof")["size"]
    params = one("buddy_workload", "params")["params"]
    queues: dict[str, dict[tuple[int, int, int], int]] = {p: {} for p, _ in PHASES}
    for ln in all_of("buddy_workload", "q"):
        if ln["when"] in queues:
            queues[ln["when"]][(ln["freelist"], ln["pool"], ln["order"])] = ln["count"]
    return Boot(
        config=config, mem=mem,
        ram=[(ln["start"], ln["end"]) for ln in all_of("meminfo", "dump_avail")],
        avail_boot=[(ln["start"], ln["end"]) for ln in all_of("meminfo", "phys_avail")],
        kernel=(one("meminfo", "kernel")["start"], one("meminfo", "kernel")["end"]),
        array=(arr["pa"], arr["pa"] + _round_page(arr["npages"] * size)),
        bitmap=(bm["pa"], bm["pa"] + _round_page(bm["bytes"])),
        mode=one("page_array", "mode")["mode"], npages=arr["npages"],
        freelists={ln["index"]: (ln["limit"], ln["name"])
                   for ln in all_of("buddy_workload", "freelist")},
        segs=[(ln["start"], ln["end"], ln["freelist"]) for ln in all_of("buddy_workload", "seg")],
        queues=queues,
        free={ln["when"]: ln["count"] for ln in all_of("buddy_workload", "free")},
        nfreeorder=params.get("nfreeorder", 0), seed=seed, ops=ops)


def _round_page(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1)


def _size(n: int) -> str:
    if n >= GiB and n % (GiB // 4) == 0:
        return "%g GiB" % (n / GiB)
    if n >= MiB:
        return "%.4g MiB" % (n / MiB)
    return "%d KiB" % (n // 1024)


def _subtract(outer: list[Range], holes: list[Range]) -> list[Range]:
    """outer minus holes (both sorted lists of [s, e) ranges)."""
    out = []
    for s, e in outer:
        cur = s
        for hs, he in sorted(holes):
            if he <= cur or hs >= e:
                continue
            if hs > cur:
                out.append((cur, hs))
            cur = max(cur, he)
        if cur < e:
            out.append((cur, e))
    return out


def _mpl() -> tuple[Any, Any]:
    """matplotlib (headless) and pyplot, untyped: Debian's 3.6 ships no type hints."""
    mpl = importlib.import_module("matplotlib")
    mpl.use("Agg")
    mpl.rcParams["svg.hashsalt"] = "vmkit"        # stable ids: the same data, the same file
    mpl.rcParams["font.size"] = 9
    return mpl, importlib.import_module("matplotlib.pyplot")


FL_COLOURS = ("#4c72b0", "#55a868", "#c44e52", "#8172b2", "#ccb974")


def draw_memmap(b: Boot, path: str) -> None:
    """Lanes of physical memory: the whole of it, then its first 16 MiB."""
    _, plt = _mpl()
    top = max(e for _, e in b.ram)
    early = _subtract(_subtract(b.ram, b.avail_boot), [b.kernel])
    lanes: list[tuple[str, list[tuple[Range, str, str]]]] = [
        ("RAM (dump_avail)", [(r, "#bbbbbb", "") for r in b.ram]),
        ("kernel image", [(b.kernel, "#333333", "")]),
        ("taken before the VM\n(boot tables, holes)", [(r, "#999999", "") for r in early]),
        ("page array + bitmap", [(b.array, "#dd8452", "vm_page_array"),
                                 (b.bitmap, "#937860", "dump bitmap")]),
        ("vm_phys segments", [((s, e), FL_COLOURS[fl % len(FL_COLOURS)], "")
                              for s, e, fl in b.segs]),
    ]
    views = [("all of it: 0 - %s" % _size(top), 0, top), ("the first 16 MiB", 0, 16 * MiB)]
    fig, axes = plt.subplots(len(views), 1, figsize=(9, 5.6))
    for ax, (title, lo, hi) in zip(axes, views):
        for y, (_, bars) in enumerate(lanes):
            for (s, e), colour, _label in bars:
                if e > lo and s < hi:
                    ax.barh(y, min(e, hi) - max(s, lo), left=max(s, lo), height=0.6,
                            color=colour, edgecolor="black", linewidth=0.4)
        ax.set_yticks(range(len(lanes)), [name for name, _ in lanes])
        ax.invert_yaxis()
        ax.set_xlim(lo, hi)
        step = _tick_step(hi - lo)
        ticks = list(range(lo, hi + 1, step))
        ax.set_xticks(ticks, [_size(t) if t else "0" for t in ticks])
        ax.set_title(title, loc="left", fontsize=9)
        ax.grid(axis="x", linestyle=":", linewidth=0.5)
    handles = [plt.Rectangle((0, 0), 1, 1, color=FL_COLOURS[i % len(FL_COLOURS)])
               for i in sorted(b.freelists)]
    labels = ["free list %d: %s (below %s)" % (i, b.freelists[i][1], "%#x" % b.freelists[i][0])
              for i in sorted(b.freelists)]
    handles += [plt.Rectangle((0, 0), 1, 1, color=c) for c in ("#dd8452", "#937860")]
    labels += ["vm_page array: %d pages (%s), %s mode" % (b.npages, _size(b.array[1] - b.array[0]),
                                                           b.mode),
               "dump bitmap (%s)" % _size(b.bitmap[1] - b.bitmap[0])]
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False, fontsize=8)
    fig.suptitle("Physical memory at boot: %s, -m %s (from the kernel's meminfo and page_array "
                 "KDATA)" % (b.config, b.mem), fontsize=10)
    fig.tight_layout(rect=(0, 0.12, 1, 0.96))
    _save(fig, plt, path)


def _tick_step(span: int) -> int:
    for step in (MiB, 2 * MiB, 4 * MiB, 8 * MiB, 16 * MiB, 32 * MiB, 64 * MiB, 128 * MiB,
                 256 * MiB, 512 * MiB, GiB, 2 * GiB):
        if span // step <= 8:
            return step
    return 4 * GiB


def draw_buddy(b: Boot, path: str) -> None:
    """Per free list: blocks per order, one bar per phase, pools stacked."""
    _, plt = _mpl()
    fls = sorted(b.freelists)
    fig, axes = plt.subplots(1, len(fls), figsize=(3.3 * len(fls) + 1, 3.8), sharey=True,
                             squeeze=False)
    width = 0.27
    phase_colours = ("#4c72b0", "#dd8452", "#55a868")
    orders = range(b.nfreeorder)
    for ax, fl in zip(axes[0], fls):
        for k, (phase, _) in enumerate(PHASES):
            q = b.queues[phase]
            xs = [o + (k - 1) * width for o in orders]
            dflt = [q.get((fl, 0, o), 0) for o in orders]
            cache = [q.get((fl, 1, o), 0) for o in orders]
            ax.bar(xs, dflt, width, color=phase_colours[k], edgecolor="black", linewidth=0.3)
            ax.bar(xs, cache, width, bottom=dflt, color=phase_colours[k], hatch="////",
                   edgecolor="black", linewidth=0.3)
        ax.set_yscale("symlog", linthresh=1)
        ax.set_ylim(0, 2 * max([1] + [sum(q.values()) for q in b.queues.values()]))
        ax.set_xticks(list(orders))
        ax.set_xlabel("order (block = 2^order pages)")
        ax.set_title("free list %d: %s" % (fl, b.freelists[fl][1]), fontsize=9)
        ax.grid(axis="y", linestyle=":", linewidth=0.5)
    axes[0][0].set_ylabel("free blocks (log scale)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in phase_colours]
    labels = ["%s: %d pages free" % (what, b.free.get(p, 0)) for p, what in PHASES]
    handles.append(plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="black", hatch="////"))
    labels.append("hatched: the cache pool")
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False, fontsize=8)
    fig.suptitle("Buddy free queues, %s -m %s: buddy_workload seed=%d, %d operations"
                 % (b.config, b.mem, b.seed, b.ops), fontsize=10)
    fig.tight_layout(rect=(0, 0.16, 1, 0.94))
    _save(fig, plt, path)


def _save(fig: Any, plt: Any, path: str) -> None:
    tmp = path + ".tmp"
    fig.savefig(tmp, format="svg", metadata={"Date": None})
    plt.close(fig)
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="figures.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join("build", "handouts", "figures"),
                   help="directory for the SVG files (default %(default)s)")
    p.add_argument("--config", action="append", default=[],
                   help="only this config (repeatable; default: every config in conf/configs.toml)")
    p.add_argument("--seed", type=int, default=1, help="the workload's seed (default %(default)s)")
    p.add_argument("--ops", type=int, default=400,
                   help="the workload's operations (default %(default)s)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per boot")
    a = p.parse_args(argv)
    try:
        _mpl()
    except ImportError as e:
        print("figures: %s (Debian: apt-get install python3-matplotlib; or tools/deps --group "
              "handouts)" % e, file=sys.stderr)
        return 2
    known = configs.table().names()
    wanted = a.config or list(known)
    for c in wanted:
        if c not in known:
            p.error("unknown config %r (known: %s)" % (c, ", ".join(known)))
    if not 1 <= a.ops <= 100000:
        p.error("--ops must be 1..100000")
    os.makedirs(a.out, exist_ok=True)
    r = runner.Runner(fail_fast=False)
    for c in wanted:
        try:
            b = boot(r, c, a.seed, a.ops, a.timeout)
        except FigureError as e:
            print("figures: %s" % e, file=sys.stderr)
            return 1
        for name, draw in (("memmap", draw_memmap), ("buddy", draw_buddy)):
            out = os.path.join(a.out, "%s-%s.svg" % (name, c))
            draw(b, out)
            print("figures: %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
