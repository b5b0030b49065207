"""Address spaces and faults (kernel/tests/ktest_map.c; `make test` runs these).

The kernel draws every operation from the seed the grader gave it; the grader
replays the same operations on a model (vmkit.mapmodel for faults and shadow
chains, a page set for first fit) and compares: every address vm_map_find
chose, every page's data as each side sees it, and how many faults were
zero fills, copy-on-write copies and moves.
"""
from __future__ import annotations

import re
from typing import Any

import pytest

from vmkit import configs, krng, mapmodel
from vmkit.mapmodel import Inherit, Kern

ALL = configs.table().graded()
PAGE = 4096
UBASE = 0x00400000
UTOP = 0x40000000
FIND_SLOTS = 24


def first_fit(mapped: set[int], start: int, n: int) -> int | None:
    """The lowest page p >= start with p..p+n-1 unmapped, below UTOP; None if none."""
    p = start
    while p + n <= UTOP // PAGE:
        clash = [q for q in range(p, p + n) if q in mapped]
        if not clash:
            return p
        p = clash[-1] + 1
    return None


def expected_find(seed: int) -> list[tuple[Any, ...]]:
    rng = krng.Rng.for_test(seed, "map_find")
    steps = 100 + rng.below(200)
    out: list[tuple[Any, ...]] = [("params", steps)]
    directed = [UBASE, UBASE + 3 * PAGE, UBASE + 2 * PAGE, UBASE + 5 * PAGE, 0, UBASE + PAGE, 0]
    out += [("directed", i, 0, addr) for i, addr in enumerate(directed)]
    mapped: set[int] = set()
    slots: list[tuple[int, int]] = [(0, 0)] * FIND_SLOTS      # (first page, pages)
    entries = 0
    for _ in range(steps):
        s = rng.below(FIND_SLOTS)
        n = 1 + rng.below(16)
        start = UBASE // PAGE + rng.below(64)
        if slots[s][1] == 0:
            p = first_fit(mapped, start, n)
            out.append(("find", s, n, 0 if p is not None else 3, p * PAGE if p is not None else 0))
            if p is not None:
                mapped.update(range(p, p + n))
                slots[s] = (p, n)
                entries += 1
        else:
            first, size = slots[s]
            a = rng.below(size)
            b = a + 1 + rng.below(size - a)
            out.append(("remove", s, a, b, 0))
            mapped.difference_update(range(first + a, first + b))
            entries += (a > 0 and b < size) - (a == 0 and b == size)
            slots[s] = (0, 0)
    out.append(("end", entries, len(mapped)))
    return out


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_map_find(vm):
    """A seeded run of first-fit finds and (partial) removes: every address the
    kernel chose, and the entry count and size at the end, as the model's."""
    r = vm.run_pass(["map_find"])
    got = [(ln.kind,) + tuple(ln.values()) for ln in vm.kdata(r, "map_find")]
    want = expected_find(r.seed)
    for i, (g, w) in enumerate(zip(got, want)):
        vm.check(g == w, r, "map_find: operation %d: the kernel reported %s, the model says %s"
                 % (i, g, w))
    vm.check(len(got) == len(want), r, "map_find: %d lines, want %d" % (len(got), len(want)))


REGIONS = ["priv", "untouched", "shared", "none", "ro", "late"]
LATE_PAGES = 3


def fork_space(rng: krng.Rng, counts: mapmodel.Counts) -> tuple[mapmodel.Space, int]:
    """The parent as fork_setup and the pre-fork writes leave it."""
    parent = mapmodel.Space(counts)
    npriv = 1 + rng.below(24)
    for name in REGIONS:
        n = npriv if name == "priv" else LATE_PAGES if name == "late" else 2
        parent.entries[name] = mapmodel.Entry(n, name != "ro")
    parent.entries["shared"].inherit = Inherit.SHARE
    parent.entries["none"].inherit = Inherit.NONE
    for i in range(npriv):
        word = rng.below(1024)
        parent.write("priv", i, word, rng.next() & 0xFFFFFFFF)
    parent.write("shared", 0, 1, 0x5ADE)
    parent.write("none", 0, 2, 0x0707)
    for i in range(LATE_PAGES):
        parent.write("late", i, 5, 0x1A7E + i)
    return parent, npriv


def fork_step(rng: krng.Rng, sides: list[mapmodel.Space], nsides: int, npriv: int) -> None:
    side = sides[rng.below(nsides)]
    page = rng.below(npriv)
    if rng.below(4) == 0:
        side.read_hash("priv", page)
    else:
        word = rng.below(1024)
        side.write("priv", page, word, rng.next() & 0xFFFFFFFF)


def hashes(when: str, n: int, space: mapmodel.Space, npages: dict[str, int]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for name in REGIONS:
        for i in range(npages[name]):
            rv, h = space.read_hash(name, i)
            out.append(("hash", when, n, name, i, int(rv), h))
    return out


def expected_fork(seed: int) -> list[tuple[Any, ...]]:
    rng = krng.Rng.for_test(seed, "map_fork")
    counts = mapmodel.Counts()
    parent, npriv = fork_space(rng, counts)
    npages = {name: e.npages for name, e in parent.entries.items()}
    out: list[tuple[Any, ...]] = [("params", npriv)]

    def counted(when: str) -> None:
        out.append(("counts", when, counts.zfod, counts.cow, counts.optim))
        counts.zfod = counts.cow = counts.optim = 0

    counted("prefork")
    child = parent.fork()
    child.read_hash("priv", 0)                      # the directed cases, as ktest_map.c
    parent.write("priv", 0, 0, 0xFEED)
    child.write("untouched", 1, 3, 0xC417D)
    child.write("shared", 1, 4, 0x54A7ED)
    child.read_hash("late", 0)
    errors = (child.write("ro", 0, 0, 1), parent.write("priv", npriv, 0, 1),
              child.write("none", 0, 0, 1))
    out.append(("errors",) + tuple(int(e) for e in errors))
    for _ in range(20 + rng.below(100)):
        fork_step(rng, [parent, child], 2, npriv)
    counted("forked")
    out += hashes("forked", 0, parent, npages) + hashes("forked", 1, child, npages)
    counts.zfod = counts.cow = counts.optim = 0
    child.free()
    for _ in range(10 + rng.below(40)):
        fork_step(rng, [parent], 1, npriv)
    for i in range(LATE_PAGES):
        parent.write("late", i, 6, 0xA10E + i)
    counted("alone")
    out += hashes("alone", 0, parent, npages)
    out.append(("leak", "0"))
    return out


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_map_fork(vm):
    """Fork shares private memory copy-on-write: after a seeded mix of reads and
    writes by parent and child, each side's pages hold exactly what the model
    says that side wrote; the fault kinds match (a copy while both sides can
    see a page, none once the child has exited and its chain has collapsed, a
    move for a page first written after the child exited);
    a read-only region, a hole and an uninherited region refuse the access;
    and freeing both address spaces gives back every page."""
    r = vm.run_pass(["map_fork"])
    got = [(ln.kind,) + tuple(ln.values()) for ln in vm.kdata(r, "map_fork")]
    want = expected_fork(r.seed)
    for i, (g, w) in enumerate(zip(got, want)):
        vm.check(g == w, r, "map_fork: line %d: the kernel reported %s, the model says %s"
                 % (i + 1, g, w))
    vm.check(len(got) == len(want), r, "map_fork: %d lines, want %d" % (len(got), len(want)))


def expected_protect(seed: int) -> list[tuple[Any, ...]]:
    rng = krng.Rng.for_test(seed, "map_protect")
    n = 2 + rng.below(14)
    a = rng.below(n)
    b = a + 1 + rng.below(n - a)
    out: list[tuple[Any, ...]] = [("params", n, a, b), ("protect", "read", 0)]
    for i in range(n):
        ro = a <= i < b
        page = {0: 0x9A9E0000 + i} if ro else {0: 0x9A9E0000 + i, 1: 0x77}
        out.append(("page", i, int(Kern.PROTECTION_FAILURE) if ro else 0, 0,
                    mapmodel.page_hash(page)))
    out += [("setmax", 0), ("raise", "all", int(Kern.PROTECTION_FAILURE)), ("raise", "rest", 0),
            ("protect", "hole", int(Kern.INVALID_ADDRESS))]
    out += [("after", i, int(Kern.PROTECTION_FAILURE) if i == a else 0) for i in range(n)]
    return out


@pytest.mark.vmkit(configs=ALL, timeout=60)
def test_map_protect(vm):
    """A seeded read-only window refuses writes and keeps the data; a lowered
    maximum makes a raise over it fail as a whole and only there; protecting a
    hole fails."""
    r = vm.run_pass(["map_protect"])
    got = [(ln.kind,) + tuple(ln.values()) for ln in vm.kdata(r, "map_protect")]
    want = expected_protect(r.seed)
    for i, (g, w) in enumerate(zip(got, want)):
        vm.check(g == w, r, "map_protect: line %d: the kernel reported %s, the model says %s"
                 % (i + 1, g, w))
    vm.check(len(got) == len(want), r, "map_protect: %d lines, want %d" % (len(got), len(want)))


@pytest.mark.vmkit(configs=ALL, timeout=30)
def test_kmap_spin(vm):
    """Pageable kernel memory (the kernel map) touched with a spin mutex held:
    the fault may not sleep for the page, so the kernel panics and says why."""
    r = vm.run(["kmap_spin"], expect=("panic",))
    want = "page fault on pageable kernel memory"
    vm.check(r.panic is not None and want in r.panic and "with a spin mutex held" in r.panic, r,
             "kmap_spin should panic with %r ... 'with a spin mutex held'; it ended: %s"
             % (want, r.panic or r.problem() or "ok"))


@pytest.mark.vmkit(configs=ALL, timeout=30)
def test_kmap_hole(vm):
    """A store to a kernel-map address that no entry covers (a freed hole between
    two pages of one allocation) is the fatal kernel page fault it would be anywhere
    else; the page before it still faults in."""
    r = vm.run(["kmap_hole"], expect=("panic",))
    vm.check(r.panic is not None and "unexpected trap 14 (page fault)" in r.panic, r,
             "kmap_hole should end in the fatal page-fault panic; it ended: %s"
             % (r.panic or r.problem() or "ok"))
    m = re.search(r"kmap_hole: wrote (0x[0-9a-f]+); the hole is (0x[0-9a-f]+)", r.log)
    vm.check(m is not None, r, "kmap_hole: the store to the allocated page did not come back "
             "(it must fault in through the kernel map)")
    assert m is not None
    cr2 = re.search(r"cr2 (0x[0-9a-f]+)", r.log)
    vm.check(cr2 is not None and int(cr2.group(1), 16) == int(m.group(2), 16), r,
             "kmap_hole: the fatal fault should be at the hole %s, the trap says cr2 %s"
             % (m.group(2), cr2.group(1) if cr2 else None))
