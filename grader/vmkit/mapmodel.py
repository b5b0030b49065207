"""A model of address spaces and shadow chains (kernel/vm/vm_map.c, vm_fault.c,
vm_object.c's shadow and collapse), for tests that recompute what the kernel's
faults must have produced: every page's data, and how each fault was resolved
(zero fill, copy-on-write copy, copy-on-write move).

Objects hold pages as {word index: value} (a page is 1024 32-bit words, zero
unless written).  All shadows here start at offset 0 of what they shadow and
entries are never clipped, which is all kernel/tests/ktest_map.c does.
"""
from __future__ import annotations

import dataclasses
import enum

PAGE_WORDS = 1024
FNV_OFFSET = 0xcbf29ce484222325
FNV_PRIME = 0x100000001b3


class Kern(enum.IntEnum):
    """vm_map.h's KERN_* results."""
    SUCCESS = 0
    INVALID_ADDRESS = 1
    PROTECTION_FAILURE = 2


class Inherit(enum.Enum):
    COPY = "copy"
    SHARE = "share"
    NONE = "none"


Page = dict[int, int]


@dataclasses.dataclass(eq=False)
class Obj:
    """A vm_object: its pages, what it shadows, its references and shadows."""
    pages: dict[int, Page] = dataclasses.field(default_factory=dict)
    backing: Obj | None = None
    ref: int = 1
    shadows: list[Obj] = dataclasses.field(default_factory=list)   # objects it backs

    def shadow(self) -> Obj:
        """vm_object_shadow: a new front object; the caller's reference moves to it."""
        s = Obj(backing=self)
        self.shadows.append(s)
        return s


@dataclasses.dataclass
class Counts:
    zfod: int = 0
    cow: int = 0
    optim: int = 0


@dataclasses.dataclass(eq=False)
class Entry:
    npages: int
    writable: bool
    inherit: Inherit = Inherit.COPY
    obj: Obj | None = None
    needs_copy: bool = False


def page_hash(page: Page) -> int:
    """FNV-1a over the page's 1024 words, as ktest_map.c's map_hash."""
    h = FNV_OFFSET
    for i in range(PAGE_WORDS):
        h ^= page.get(i, 0)
        h = (h * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


class Space:
    """A vmspace: named regions (entries), all faults counted in `counts`."""

    def __init__(self, counts: Counts) -> None:
        self.entries: dict[str, Entry] = {}
        self.counts = counts

    def fault(self, region: str, pindex: int, write: bool) -> tuple[Kern, Page | None]:
        """vm_fault: the page a (read or write) access sees, or why there is none."""
        e = self.entries.get(region)
        if e is None or not 0 <= pindex < e.npages:
            return Kern.INVALID_ADDRESS, None
        if write and not e.writable:
            return Kern.PROTECTION_FAILURE, None
        if e.needs_copy and write:
            assert e.obj is not None
            e.obj = e.obj.shadow()
            e.needs_copy = False
        if e.obj is None:
            e.obj = Obj()
        first = e.obj
        o: Obj | None = first
        while o is not None and pindex not in o.pages:
            o = o.backing
        if o is None:
            first.pages[pindex] = {}
            self.counts.zfod += 1
            return Kern.SUCCESS, first.pages[pindex]
        if o is first or not write:
            return Kern.SUCCESS, o.pages[pindex]
        if o is first.backing and o.ref == 1 and len(o.shadows) == 1:    # never deeper down
            first.pages[pindex] = o.pages.pop(pindex)
            self.counts.optim += 1
        else:
            first.pages[pindex] = dict(o.pages[pindex])
            self.counts.cow += 1
        return Kern.SUCCESS, first.pages[pindex]

    def write(self, region: str, pindex: int, word: int, value: int) -> Kern:
        rv, page = self.fault(region, pindex, True)
        if page is not None:
            page[word] = value
        return rv

    def read_hash(self, region: str, pindex: int) -> tuple[Kern, int]:
        rv, page = self.fault(region, pindex, False)
        return rv, (page_hash(page) if page is not None else 0)

    def fork(self) -> Space:
        """vmspace_fork: shared, copied copy-on-write, or left out, per entry."""
        child = Space(self.counts)
        for name, e in self.entries.items():
            if e.inherit is Inherit.NONE:
                continue
            ne = Entry(e.npages, e.writable, e.inherit)
            if e.inherit is Inherit.SHARE:
                if e.obj is None:
                    e.obj = Obj()
                e.obj.ref += 1
                ne.obj = e.obj
            elif e.obj is not None:
                e.obj.ref += 1
                ne.obj = e.obj
                e.needs_copy = ne.needs_copy = True
            child.entries[name] = ne
        return child

    def free(self) -> None:
        for e in self.entries.values():
            if e.obj is not None:
                deallocate(e.obj)
        self.entries.clear()


def deallocate(o: Obj | None) -> None:
    """vm_object_deallocate: the last reference frees it and drops the one it held
    on its backing object; an object left with one reference, its only
    shadow's, is merged into that shadow (vm_object_collapse)."""
    while o is not None:
        o.ref -= 1
        if o.ref > 0:
            if o.ref == 1 and len(o.shadows) == 1:
                collapse(o.shadows[0])
            return
        b = o.backing
        if b is not None:
            b.shadows.remove(o)
        o = b


def collapse(s: Obj) -> None:
    """vm_object_collapse: while s's backing object is referenced by s alone,
    pull the pages s lacks up into s and splice the backing object out."""
    while s.backing is not None and s.backing.ref == 1:
        b = s.backing
        for pindex, page in b.pages.items():
            s.pages.setdefault(pindex, page)
        b.shadows.remove(s)
        s.backing = b.backing
        if s.backing is not None:
            s.backing.shadows.remove(b)
            s.backing.shadows.append(s)
        b.ref = 0
