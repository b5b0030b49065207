"""Lab 04 (copy-on-write) public tests.

Each test runs user/cowtest.c under the `user` ktest (kernel/tests/ktest_user.c)
with seeded arguments and recomputes here what every process must have seen:
a page of cowtest's region is one number spread over its words (pv(seed, who,
page), the same hash as the program's), so the model of a process's region is
a list of numbers, and its checksum zlib's CRC-32 of their pages.  What the
kernel cannot fake: the CRCs the processes print (recomputed from the seed),
the regions they save to the flat file system image (read here after QEMU
exits), and frames and counters cross-checked against each other.  The
kernel's probes (`@vm` lines, see ktest_user.c) give free pages, fault
counters, shadow chain depths and page-table frames with their page-array
identity.

  isolation  fork of a region clipped in two entries (the second maps the
             object at an offset): child and parent each write seeded pages
             (the child before it reads any, so its reads fault through its
             new shadows); neither sees the other's writes (CRCs, both
             regions on disk);
             until a page is written both map the very same frame, the
             original object's page at its own pindex; a written page is a new
             frame of the writer's own front object.
  sharing    fork of a process with N MiB touched: free + cached memory drops
             by far less than N MiB; after the child is gone each write costs
             exactly one copy-on-write fault - a move (rename), since no one
             else can see the page - and a second write to it none.
  rename     the parent writes while the child's entry still names the
             backing object (must copy, or the child reads the parent's data
             or zeros), then after the child wrote first (two shadows: must
             copy), then after the child exited (must move); CRCs and counts.
  collapse   200 rounds of fork, a child's write, the parent's write, exit
             (the region clipped in two entries, as for isolation):
             the parent's shadow chains stay at most 2 deep, free memory ends
             where it started, every child saw its own view (CRC per round).
  copyout    read() into a shared, write-protected COW region: the kernel's
             copyout takes the COW fault (not EFAULT); the child never sees
             the file's bytes.
  swap       the region larger than RAM with a swap disk, so every object's
             pages go to swap and come back: a page two objects down under a
             shadow both processes share must be copied (a rename from deeper
             down leaves the parent zeros or a stale copy), collapse must
             keep the merged object's swapped and cached pages and never let
             them cover the front object's newer ones, a COW copy must read
             the newest copy in the chain; every child's CRC, the last
             child's and the parent's regions on disk.
Points: labs/04-cow/lab.toml.
"""
from __future__ import annotations

import functools
import struct
import zlib
from pathlib import Path
from typing import Any

from vmkit import flatfs, kdata
from vmkit.qemu import Disk
from vmkit.runner import RunResult

PAGE = 4096
WORDS = PAGE // 4
M32 = 0xFFFFFFFF
GOLD = 0x9E3779B9
SPREAD = [(i * GOLD) & M32 for i in range(WORDS)]
PTES = 64                 # cowtest.c's PTES
NOT_IN_CHAIN = 99         # ktest_user.c's level for a frame of no object in the chain


def mix(h: int) -> int:
    """cowtest.c's mix (murmur3's finaliser)."""
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    return h ^ (h >> 16)


def pv(seed: int, who: int, p: int) -> int:
    """The value `who` writes to page p."""
    return mix(seed ^ mix((who * GOLD + p) & M32))


@functools.lru_cache(maxsize=8192)
def page_bytes(v: int) -> bytes:
    return struct.pack("<%dI" % WORDS, *[v ^ k for k in SPREAD])


def region_bytes(vals: list[int]) -> bytes:
    return b"".join(page_bytes(v) for v in vals)


def crc(vals: list[int]) -> int:
    c = 0
    for v in vals:
        c = zlib.crc32(page_bytes(v), c)
    return c


def lcg_next(s: int) -> tuple[int, int]:
    """user/include/ulib.h's lcg_next: (new state, value)."""
    s = (s * 1103515245 + 12345) & M32
    return s, s >> 8


def pick(s: int, n: int, k: int) -> tuple[int, list[int]]:
    """cowtest.c's pick: k distinct pages of [0, n) from the stream s."""
    perm, out = list(range(n)), []
    for i in range(k):
        s, v = lcg_next(s)
        j = i + v % (n - i)
        perm[i], perm[j] = perm[j], perm[i]
        out.append(perm[i])
    return s, out


def written(vals: list[int], seed: int, who: int, pages: list[int]) -> list[int]:
    out = list(vals)
    for p in pages:
        out[p] = pv(seed, who, p)
    return out


class Run:
    """One cowtest run: its output, probes, chains and page-table lines."""

    def __init__(self, vm: Any, r: RunResult, lines: list[kdata.Line], npages: int) -> None:
        self.vm, self.r, self.npages = vm, r, npages
        self.out = [ln["text"] for ln in lines if ln.kind == "out"]
        self.probes = [ln for ln in lines if ln.kind == "probe"]
        self.chains = [ln for ln in lines if ln.kind == "chain"]
        self.ptes = [ln for ln in lines if ln.kind == "pte"]
        self.rest = {ln.kind: ln for ln in lines if ln.kind in ("exit", "faults", "pages")}

    def check(self, cond: object, msg: str) -> None:
        self.vm.check(cond, self.r, msg)

    def probe(self, tag: str) -> kdata.Line:
        got = [p for p in self.probes if p["tag"] == tag]
        self.check(len(got) == 1, "cowtest: want one `@vm %s` probe, got %d (the program did not "
                   "get that far?)" % (tag, len(got)))
        return got[0]

    def index(self, tag: str) -> int:
        return self.probes.index(self.probe(tag))

    def region(self) -> int:
        """The region's address: the first pte line's."""
        self.check(bool(self.ptes), "cowtest: no page-table lines")
        return int(self.ptes[0]["va"])

    def frames(self, tag: str) -> dict[int, kdata.Line]:
        """Page number in the region -> the pte line of probe tag."""
        base = self.region()
        got = {(int(x["va"]) - base) // PAGE: x for x in self.ptes if x["tag"] == tag}
        self.check(len(got) == min(self.npages, PTES), "cowtest: probe %s listed %d pages, want %d"
                   % (tag, len(got), min(self.npages, PTES)))
        return got

    def depths(self, tag: str, base: int) -> list[int]:
        """Shadow chain depths of the entries that map the region at probe tag."""
        end = base + self.npages * PAGE
        return [int(c["depth"]) for c in self.chains
                if c["tag"] == tag and c["start"] < end and c["end"] > base]

    def eager_check(self) -> None:
        """Fork must share: an eager fork (vm.fork_eager, or vm_object_shadow not shadowing)
        copies pages at fork, which the kernel counts in v_forkpages."""
        last = self.probes[-1] if self.probes else None
        self.check(last is not None and last["forkpages"] == 0, "cowtest: fork copied %s pages at "
                   "once (the eager fork: vm_object_shadow makes no shadow, so vmspace_fork "
                   "copies every page instead of sharing them copy-on-write)"
                   % (last["forkpages"] if last is not None else "?"))


def run_cowtest(vm: Any, tmp_path: Path, args: list[object], npages: int,
                files: list[tuple[str, bytes, int | None]] | None = None,
                mem: str | None = None, swap_mib: int = 0) -> tuple[Run, flatfs.Image]:
    """cowtest under the `user` ktest: the file system on disk 0 (files `out` and `child`
    of npages, and `files`), with swap_mib a blank swap disk 1 (swapdev=1)."""
    blocks = npages + 1
    img = tmp_path / "fs.img"
    img.write_bytes(flatfs.make([("out", b"", blocks), ("child", b"", blocks)] + (files or []),
                                entries=8))
    kw: dict[str, object] = {"user.prog": "cowtest", "user.fs": "yes", "fsdev": 0,
                             "user.args": ",".join(str(a) for a in args)}
    disks = [Disk(str(img))]
    if swap_mib:
        swap = tmp_path / "swap.img"
        with open(swap, "wb") as f:
            f.truncate(swap_mib << 20)
        disks.append(Disk(str(swap)))
        kw["swapdev"] = 1
    r = vm.run_pass(["user"], kw, disks=disks, mem=mem)
    run = Run(vm, r, vm.kdata(r, "user"), npages)
    for kind in ("exit", "faults", "pages"):
        run.check(kind in run.rest, "user: no `%s` KDATA line" % kind)
    pages = run.rest["pages"]
    run.check(pages["before"] == pages["after"], "cowtest: free + cached pages %d before, %d "
              "after every process was reaped: %d leaked" % (pages["before"], pages["after"],
                                                            pages["before"] - pages["after"]))
    run.check(run.rest["exit"]["status"] == 0 and run.out[-1:] == ["cowtest: done"],
              "cowtest %s: exit status %d, output %r" % (" ".join(str(a) for a in args),
                                                       run.rest["exit"]["status"], run.out[-6:]))
    return run, flatfs.read_image(img)


def check_image(run: Run, fs: flatfs.Image, name: str, vals: list[int], who: str) -> None:
    got, want = fs.read(name), region_bytes(vals)
    bad = [p for p in range(len(vals)) if got[p * PAGE:(p + 1) * PAGE] != want[p * PAGE:(p + 1) * PAGE]]
    run.check(got == want, "after exit the image's `%s` (the %s's region) is %d bytes, want %d; "
              "pages %s differ from the %s's own view" % (name, who, len(got), len(want), bad[:8], who))


def test_isolation(vm, tmp_path):
    seed = vm.rng.randrange(2 ** 32)
    n = 24 + vm.rng.randrange(40)
    nw = 4 + vm.rng.randrange(n // 3)
    k = 1 + seed % 3
    run, fs = run_cowtest(vm, tmp_path, ["iso", seed, n, nw], n)
    base = [pv(seed, 0, p) for p in range(n)]
    _, cset = pick(seed ^ 1, n, nw)
    _, pset = pick(seed ^ 2, n, nw)
    child, parent = written(base, seed, 1, cset), written(base, seed, 2, pset)
    want = ["cowtest: child crc %08x" % crc(child),
            "cowtest: parent crc %08x %08x" % (crc(parent), crc(parent))]
    run.check(sorted(run.out[:-1]) == sorted(want), "isolation (seed %d, %d pages, %d writes each, "
              "entries split at page %d): the processes printed %r, want %r (child: after its "
              "writes; parent: after its writes and after the child exited)"
              % (seed, n, nw, k, run.out[:-1], want))
    check_image(run, fs, "child", child, "child")
    check_image(run, fs, "out", parent, "parent")
    run.eager_check()
    r0 = run.region()
    pre, cw, pw = (run.frames(t) for t in ("pre", "child-written", "parent-written"))
    for p, x in pre.items():
        run.check(x["pa"] != 0 and x["level"] == 0 and x["pindex"] == p, "isolation: before fork "
                  "page %d is not mapped to the region's object at pindex %d: %s" % (p, p, x.text))
    shared = [p for p in cw if p not in cset and cw[p]["pa"] != pre[p]["pa"]]
    run.check(not shared, "isolation: after fork the child read every page, wrote only %d: "
              "each page it did not write must map the parent's frame; pages %s map other "
              "frames (first: %s, the parent's %#x): was the memory copied at fork?"
              % (nw, shared[:8], cw[shared[0]].text if shared else "",
                 pre[shared[0]]["pa"] if shared else 0))
    for who, frames, wset in (("child", cw, set(cset)), ("parent", pw, set(pset))):
        for p, x in frames.items():
            if p in wset:
                rel = p - (k if p >= k else 0)
                run.check(x["level"] == 0 and x["pindex"] == rel and
                          (who == "parent" or x["pa"] != pre[p]["pa"]), "isolation: the %s wrote "
                          "page %d: it must map a page of its own front object (level 0) at "
                          "pindex %d (the entry's shadow starts at the entry), a new frame for "
                          "the child; got %s (original frame %#x)" % (who, p, rel, x.text, pre[p]["pa"]))
            else:
                run.check(x["pa"] == pre[p]["pa"] and x["level"] != NOT_IN_CHAIN and x["pindex"] == p,
                          "isolation: the %s never wrote page %d: it must still map the original "
                          "frame %#x, the backing object's page %d; got %s" % (
                              who, p, pre[p]["pa"], p, x.text))
    d = run.depths("child-written", r0)
    run.check(d and max(d) == 2, "isolation: after its writes the child's entries over the "
              "region should be shadows over the forked object (depth 2; 1 if it wrote none of "
              "the entry's pages): %s" % d)


def test_sharing(vm, tmp_path):
    seed = vm.rng.randrange(2 ** 32)
    mib = 4 + vm.rng.randrange(5)
    n = mib * 256
    nw = 16 + vm.rng.randrange(48)
    run, _ = run_cowtest(vm, tmp_path, ["share", seed, n, nw], n)
    run.check(run.out[:-1] == ["cowtest: share %d pages, wrote %d" % (n, nw)],
              "sharing: output %r" % run.out)
    pre = run.probe("pre")
    first = min(run.index("parent"), run.index("child"))
    after = run.probes[first]
    drop = pre["free"] - after["free"]
    print("sharing: %d MiB touched; free + cached dropped by %d pages at fork" % (mib, drop))
    run.check(drop < n // 8, "sharing: a process with %d MiB (%d pages) touched forked and free "
              "+ cached memory dropped by %d pages before either side wrote: copy-on-write "
              "shares the pages; only page tables and a kernel stack are new" % (mib, n, drop))
    run.eager_check()
    a, b, c = run.probe("reaped"), run.probe("written"), run.probe("again")
    cow, optim = b["cow"] - a["cow"], b["optim"] - a["optim"]
    run.check(cow + optim == nw, "sharing: after fork (the child gone) the parent wrote one word "
              "of %d of its pages: that is one copy-on-write fault each, got %d copies and %d "
              "moves" % (nw, cow, optim))
    run.check(optim == nw, "sharing: with the child gone, the forked object has one reference "
              "and one shadow, the parent's: each written page should be moved up (the rename "
              "optimisation), not copied; got %d copies and %d moves" % (cow, optim))
    again = (c["cow"] - b["cow"], c["optim"] - b["optim"], c["zfod"] - b["zfod"])
    run.check(again == (0, 0, 0), "sharing: a second write to the same pages faulted again "
              "(copies, moves, zero fills: %s)" % (again,))


def test_rename(vm, tmp_path):
    seed = vm.rng.randrange(2 ** 32)
    n = 32 + vm.rng.randrange(32)
    nw = 4 + vm.rng.randrange(n // 3)
    run, fs = run_cowtest(vm, tmp_path, ["rename", seed, n, nw], n)
    base = [pv(seed, 0, p) for p in range(n)]
    p1 = written(base, seed, 6, pick(seed ^ 6, n, nw)[1])
    c2 = written(p1, seed, 7, pick(seed ^ 7, n, nw)[1])
    p2 = written(p1, seed, 8, pick(seed ^ 8, n, nw)[1])
    p3 = written(p2, seed, 9, pick(seed ^ 9, n, nw)[1])
    want = ["cowtest: round 1 child crc %08x" % crc(base), "cowtest: round 2 child crc %08x" % crc(c2),
            "cowtest: parent crc %08x" % crc(p3)]
    run.check(run.out[:-1] == want, "rename (seed %d, %d pages, %d writes): printed %r, want %r "
              "(round 1: the child read after the parent wrote; round 2: after both wrote; a "
              "page moved out of an object someone else still sees leaves them zeros or the "
              "wrong data)" % (seed, n, nw, run.out[:-1], want))
    check_image(run, fs, "out", p3, "parent")
    run.eager_check()
    for rnd in ("r1", "r2"):
        a, b = run.probe(rnd + "-before"), run.probe(rnd + "-written")
        cow, optim = b["cow"] - a["cow"], b["optim"] - a["optim"]
        run.check(optim == 0 and nw <= cow <= nw + 2, "rename: round %s: the parent wrote %d pages "
                  "while the child still saw the forked object (%s): each must be copied, never "
                  "moved; got %d copies and %d moves" % (rnd[1], nw, "its entry names it" if
                                                         rnd == "r1" else "two shadows", cow, optim))
    a, b = run.probe("r3-before"), run.probe("r3-written")
    cow, optim = b["cow"] - a["cow"], b["optim"] - a["optim"]
    run.check((cow, optim) == (0, nw), "rename: round 3: the child exited before the parent wrote "
              "%d pages, so nobody else sees the forked object: each page must be moved (the "
              "rename optimisation), not copied; got %d copies and %d moves" % (nw, cow, optim))


COLLAPSE_ROUNDS = 200


def test_collapse(vm, tmp_path):
    seed = vm.rng.randrange(2 ** 32)
    n = 8 + vm.rng.randrange(24)
    run, fs = run_cowtest(vm, tmp_path, ["collapse", seed, n, COLLAPSE_ROUNDS], n)
    vals = [pv(seed, 0, p) for p in range(n)]
    s, want = seed ^ 9, []
    for i in range(COLLAPSE_ROUNDS):
        s, c = lcg_next(s)
        s, p = lcg_next(s)
        want.append("cowtest: child %d crc %08x" % (i, crc(written(vals, seed, 100 + i, [c % n]))))
        vals = written(vals, seed, 1000 + i, [p % n])
    got = run.out[:-2]
    run.check(sorted(got) == sorted(want), "collapse: the children's CRCs are wrong: %d lines, "
              "first differences %s" % (len(got), [x for x in want if x not in got][:3]))
    run.check(run.out[-2:-1] == ["cowtest: parent crc %08x" % crc(vals)], "collapse: the parent's "
              "final CRC %r, want %08x" % (run.out[-2:-1], crc(vals)))
    check_image(run, fs, "out", vals, "parent")
    run.eager_check()
    start, end = run.probe("start"), run.probe("end")
    base = run.region()
    worst = {p["tag"]: max(run.depths(p["tag"], base) or [0]) for p in run.probes}
    print("collapse: chain depths %s; free %d -> %d" % (sorted(set(worst.values())), start["free"],
                                                      end["free"]))
    deep = {t: d for t, d in worst.items() if d > 2}
    run.check(not deep, "collapse: after rounds of fork, a child's write, the parent's write and "
              "the child's exit, the parent's chain over the region should stay at most 2 deep "
              "(collapse merges a backing object left with one shadow); got %s"
              % sorted(deep.items(), key=lambda kv: run.index(kv[0]))[:6])
    # The object under both entries keeps two references (one per entry), so it is never
    # merged: it may keep one obsolete copy of each of the region's n pages, no more.
    run.check(end["free"] >= start["free"] - n - 2, "collapse: free + cached pages %d before the "
              "%d rounds, %d after (%d used; at most %d expected: one obsolete copy per page "
              "of the region, in the object both entries share): the obsolete pages of backing "
              "objects nobody can see must be freed" % (
                  start["free"], COLLAPSE_ROUNDS, end["free"], start["free"] - end["free"], n + 2))


def test_copyout(vm, tmp_path):
    seed = vm.rng.randrange(2 ** 32)
    n = 8 + 2 * vm.rng.randrange(16)
    half = n // 2
    data = vm.rng.randbytes(half * PAGE)
    run, fs = run_cowtest(vm, tmp_path, ["copyout", seed, n], n, files=[("in", data, half)])
    base = [pv(seed, 0, p) for p in range(n)]
    parent = data + region_bytes(base[half:])
    want = ["cowtest: read %d of %d" % (half * PAGE, half * PAGE),
            "cowtest: child crc %08x" % crc(base), "cowtest: parent crc %08x" % zlib.crc32(parent)]
    run.check(sorted(run.out[:-1]) == sorted(want), "copyout: read() into the first %d pages of a "
              "region shared copy-on-write (mapped read-only): %r, want %r; the kernel's copyout "
              "must take the copy-on-write fault, not fail with EFAULT, and the child must not "
              "see the file's bytes" % (half, run.out[:-1], want))
    got = fs.read("out")
    run.check(got == parent, "copyout: after exit the parent's saved region differs from the "
              "file's bytes followed by its own pages")


SWAP_MEM = "12M"          # 1760 free pages at start on every config
SWAP_ROUNDS = 3


def swap_model(seed: int, n: int, nw: int, rounds: int) -> tuple[list[list[int]], list[int]]:
    """cowtest.c's mode_swap: each round's child region, the parent's final region."""
    parent = [pv(seed, 0, p) for p in range(n)]
    s, pages = pick(seed ^ 20, n, nw)
    parent = written(parent, seed, 20, pages)
    s, pages = pick(s, n, nw)
    children = []
    for r in range(rounds + 1):
        if r > 0:
            s, mine = pick(s, n, nw)
        children.append(written(parent, seed, 40 + r, pages))
        if r > 0:
            parent = written(parent, seed, 60 + r, mine)
        s, pages = pick(s, n, nw)
    return children, parent


def test_swap(vm, tmp_path):
    seed = vm.rng.randrange(2 ** 32)
    n = 1850 + vm.rng.randrange(150)
    nw = 16 + vm.rng.randrange(32)
    run, fs = run_cowtest(vm, tmp_path, ["swap", seed, n, nw, SWAP_ROUNDS], n, mem=SWAP_MEM,
                          swap_mib=32)
    children, parent = swap_model(seed, n, nw, SWAP_ROUNDS)
    want = ["cowtest: swap child %d crc %08x" % (r, crc(c)) for r, c in enumerate(children)]
    want.append("cowtest: swap parent crc %08x" % crc(parent))
    run.check(sorted(run.out[:-1]) == sorted(want), "swap (seed %d, %d pages in %s of RAM, %d "
              "writes a round): printed %r, want %r (round 0's child wrote pages two objects "
              "down, under the shadow it shares with the parent: copied, never moved; later "
              "rounds collapse objects whose pages are partly on swap)"
              % (seed, n, SWAP_MEM, nw, run.out[:-1], want))
    check_image(run, fs, "child", children[-1], "last child")
    check_image(run, fs, "out", parent, "parent")
    run.eager_check()
