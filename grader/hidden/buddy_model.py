"""The grader's model of vm_phys, the binary buddy allocator (instructors only).

It lives beside the hidden tests, not in grader/vmkit/, so it never reaches
student trees: it is, in effect, lab 02's answer written in Python.

It follows the contract in handouts/02-buddy.md exactly - FreeBSD's queue
order (allocation takes a queue's head; a freed, merged block goes in at the
tail; the halves of a split, and the pieces unfree puts back, go in at the
head), allocation takes the lowest order that has a block, splitting returns
upper halves from the largest down, an empty pool steals the largest block of
another pool, and freeing merges with buddies as far as they go - so
replaying a kernel's log of allocations and frees predicts every address the
kernel must return.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence

PAGE = 4096

Seg = tuple[int, int, int]              # (start, end, free list) of a segment
QueueKey = tuple[int, int, int]         # (free list, pool, order) of a queue
Place = tuple[int, int, int]            # (order, pool, free list) of a free block


class Buddy:
    def __init__(self, segs: Sequence[Seg], nfreelist: int, nfreepool: int, nfreeorder: int) -> None:
        """segs: [(start, end, freelist)] in ascending order."""
        self.segs = segs
        self.npool, self.norder = nfreepool, nfreeorder
        self.q: list[list[list[deque[int]]]] = [[[deque() for _ in range(nfreeorder)] for _ in range(nfreepool)]
                  for _ in range(nfreelist)]
        self.heads: dict[int, Place] = {}      # pa -> (order, pool, freelist) of free blocks

    def seg_of(self, pa: int) -> Seg:
        for s, e, fl in self.segs:
            if s <= pa < e:
                return s, e, fl
        raise ValueError("address %#x is in no segment" % pa)

    # -- queues
    def _add(self, pa: int, order: int, pool: int, fl: int, tail: bool = False) -> None:
        """A block onto its queue: freed blocks at the tail, split halves at the head."""
        if tail:
            self.q[fl][pool][order].append(pa)
        else:
            self.q[fl][pool][order].appendleft(pa)
        self.heads[pa] = (order, pool, fl)

    def _rem(self, pa: int) -> Place:
        order, pool, fl = self.heads.pop(pa)
        self.q[fl][pool][order].remove(pa)
        return order, pool, fl

    def _pop(self, fl: int, pool: int, order: int) -> int:
        pa = self.q[fl][pool][order].popleft()
        del self.heads[pa]
        return pa

    # -- the contract
    def boot(self) -> None:
        """vm_page_startup: each segment freed in maximal aligned blocks, ascending."""
        for s, e, _ in self.segs:
            self.free_contig(s, (e - s) // PAGE, 0)

    def free_contig(self, pa: int, npages: int, pool: int) -> None:
        while npages:
            order = 0
            while (order + 1 < self.norder and (1 << (order + 1)) <= npages
                   and (pa // PAGE) % (1 << (order + 1)) == 0):
                order += 1
            self.free(pa, order, pool)
            pa += PAGE << order
            npages -= 1 << order

    def free(self, pa: int, order: int, pool: int) -> None:
        s, e, fl = self.seg_of(pa)
        while order < self.norder - 1:
            buddy = pa ^ (PAGE << order)
            if not (s <= buddy < e) or self.heads.get(buddy, (None,))[0] != order:
                break
            self._rem(buddy)
            order += 1
            pa &= ~((PAGE << order) - 1)
        self._add(pa, order, pool, fl, tail=True)

    def _split(self, pa: int, oind: int, order: int, pool: int, fl: int) -> int:
        while oind > order:
            oind -= 1
            self._add(pa + (PAGE << oind), oind, pool, fl)
        return pa

    def alloc(self, pool: int, order: int) -> int | None:
        for fl in range(len(self.q)):
            for oind in range(order, self.norder):
                if self.q[fl][pool][oind]:
                    return self._split(self._pop(fl, pool, oind), oind, order, pool, fl)
            for oind in range(self.norder - 1, order - 1, -1):
                for p in range(self.npool):
                    if p != pool and self.q[fl][p][oind]:
                        return self._split(self._pop(fl, p, oind), oind, order, pool, fl)
        return None

    def unfree(self, pa: int) -> tuple[bool, int | None]:
        """vm_phys_unfree_page: (True, pool) or (False, None)."""
        s, _e, fl = self.seg_of(pa)
        for order in range(self.norder):
            head = pa & ~((PAGE << order) - 1)
            if head < s:
                return False, None
            if head in self.heads:
                break
        else:
            return False, None
        horder, pool, _ = self.heads[head]
        if horder < order:
            return False, None
        self._rem(head)
        while horder > 0:
            horder -= 1
            half = head ^ (PAGE << horder)
            if pa >= half:
                self._add(head, horder, pool, fl)
                head = half
            else:
                self._add(half, horder, pool, fl)
        return True, pool

    def contig(self, npages: int, low: int, high: int, align: int, bound: int) -> int | None:
        """vm_phys_alloc_contig: first fit over free lists, orders, pools, queue
        positions (head first), heads only; the rest goes back into DEFAULT."""
        top = self.norder - 1
        omin = min((npages - 1).bit_length(), top)
        nblocks = 1 if (npages - 1).bit_length() <= top else -(-npages // (1 << top))
        size = npages * PAGE
        for fl in range(len(self.q)):
            for oind in range(omin, self.norder):
                for pool in range(self.npool):
                    for pa in self.q[fl][pool][oind]:
                        end = pa + size
                        if pa < low or end > high or pa % align:
                            continue
                        if bound and pa // bound != (end - 1) // bound:
                            continue
                        s, e, _ = self.seg_of(pa)
                        bsize = PAGE << top
                        if all(pa + i * bsize + bsize <= e and
                               self.heads.get(pa + i * bsize, (None,))[0] == top for i in range(1, nblocks)):
                            for i in range(nblocks):
                                self._rem(pa + i * (PAGE << oind))
                            # FreeBSD's order: split down to the least order
                            # that holds npages (halves at the heads), then
                            # free what is left past npages (at the tails).
                            keep = min(omin, oind) if nblocks == 1 else oind
                            self._split(pa, oind, keep, 0, fl)
                            if (nblocks << keep) > npages:
                                self.free_contig(pa + size, (nblocks << keep) - npages, 0)
                            return pa
        return None

    @classmethod
    def from_queues(cls, segs: Sequence[Seg], nfreelist: int, nfreepool: int, nfreeorder: int,
                    queues: Mapping[QueueKey, Sequence[int]]) -> Buddy:
        """A model in a state a kernel reported: {(fl, pool, order): [pa, ...] head first}."""
        model = cls(segs, nfreelist, nfreepool, nfreeorder)
        for (fl, pool, order), pas in queues.items():
            for pa in pas:
                model.q[fl][pool][order].append(pa)
                model.heads[pa] = (order, pool, fl)
        return model

    def queues(self) -> dict[QueueKey, list[int]]:
        """{(freelist, pool, order): [pa, ...] head first} for non-empty queues."""
        return {(fl, p, o): list(dq) for fl, pools in enumerate(self.q)
                for p, orders in enumerate(pools) for o, dq in enumerate(orders) if dq}

    # -- observations
    def counts(self) -> dict[QueueKey, int]:
        """{(freelist, pool, order): blocks} for non-empty queues."""
        out: dict[QueueKey, int] = {}
        for fl, pools in enumerate(self.q):
            for p, orders in enumerate(pools):
                for o, dq in enumerate(orders):
                    if dq:
                        out[(fl, p, o)] = len(dq)
        return out

    def free_pages(self) -> int:
        return sum(1 << o for o, _, _ in self.heads.values())

