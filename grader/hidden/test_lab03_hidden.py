"""Lab 03 hidden tests (instructors only).

mixed_workload: a directed prologue, then a long seeded script of reads,
vm_page_cache calls, range removals (vm_object_page_remove) and squeezes
(allocations until cached pages of the machine are reclaimed) over one file,
replayed here against a model of which of the file's pages must be
resident, cached or gone - or, after a squeeze, cached-or-gone.  Each op's
disk reads are QEMU's (split at the kernel's block-0 marks): a read of a
resident page costs none, of a gone page exactly one, of a cached page none
(but for the few the misses' own allocations may reclaim: at most a quarter),
and the bytes are the image's.  Over the public tests it adds: long random
interleavings (a page cached, reactivated, cached again, removed while
cached, reclaimed), removals of cached ranges with no resident page, the
counts of resident and cached pages after every op, and a squeeze that
reclaims pages of an object that is still in use.
"""
from __future__ import annotations

import enum
import zlib
from typing import Any

from tests.test_lab03 import PAGE, SMALL_MEM, boot, check_end, crc_pages, page_reads, segments
from vmkit import krng

KINDS = ["read", "cache", "remove", "squeeze"]


class St(enum.Enum):
    RESIDENT = "resident"
    CACHED = "cached"
    GONE = "gone"
    EITHER = "cached or gone"


def script(seed: int, np_: int, ops: int) -> list[tuple[str, int, int]]:
    """The kernel's ops: the directed prologue of ktest_cache.c, then the stream's."""
    out = [("read", 0, np_), ("cache", 0, np_), ("remove", np_ // 3, 1), ("read", 0, np_),
           ("cache", np_ - 1, 1), ("squeeze", 0, 1), ("read", np_ - 1, 1)]
    rng = krng.Rng.for_test(seed, "cache_mixed")
    for _ in range(ops):
        kind = rng.below(4)
        lo = rng.below(np_)
        out.append((KINDS[kind], lo, 1 + rng.below(min(8, np_ - lo))))
    return out


def test_mixed_workload(vm, tmp_path):
    np_ = 24 + vm.rng.randrange(40)
    m = vm.rng.randbytes(np_ * PAGE - vm.rng.randrange(PAGE))
    ops = 60 + vm.rng.randrange(60)
    r, lines, fs = boot(vm, tmp_path, "cache_mixed", [("m", m, None)], {"cache.ops": ops},
                        mem=SMALL_MEM)
    want = script(r.seed, np_, ops)
    got = [x for x in lines if x.kind == "op"]
    vm.check([(x["op"], x["lo"], x["n"]) for x in got] == want, r, "mixed_workload: the kernel's "
             "ops differ from the seed's script (first difference at op %d)" % next(
                 (i for i, (x, w) in enumerate(zip(got, want)) if (x["op"], x["lo"], x["n"]) != w),
                 min(len(got), len(want))))
    segs = segments(vm, r, len(want))
    e = fs.find("m")
    state = [St.GONE] * np_
    exact = True                      # no squeeze yet: the counts are the model's
    c_total = c_missed = 0            # reads of pages the model has cached, and their misses
    for k, ((kind, lo, n), x, seg) in enumerate(zip(want, got, segs)):
        pages = range(lo, lo + n)
        reads = page_reads(seg, e)
        what = "op %d (%s %d..%d)" % (k, kind, lo, lo + n - 1)
        vm.check(set(reads) <= set(pages) and all(v == 1 for v in reads.values()), r,
                 "mixed_workload: %s: QEMU read m's pages %s (each page of the op at most once, "
                 "no other page)" % (what, sorted(reads.items())[:8]))
        if kind == "read":
            for p in pages:
                s = state[p]
                if s == St.CACHED:
                    c_total += 1
                    c_missed += p in reads
                # A cached page may also have been reclaimed by the misses' own
                # allocations (cached pages are free memory): counted, not failed.
                vm.check(s in (St.EITHER, St.CACHED) or (p in reads) == (s == St.GONE), r,
                         "mixed_workload: %s: page %d was %s, so reading it should cost %s disk "
                         "read; QEMU served %d" % (what, p, s.value, "one" if s == St.GONE
                                                   else "no", reads.get(p, 0)))
                state[p] = St.RESIDENT
            vm.check(x["crc"] == crc_pages(m, list(pages)), r, "mixed_workload: %s read the "
                     "wrong data (CRC %d, want %d)" % (what, x["crc"], crc_pages(m, list(pages))))
        elif kind == "cache":
            for p in pages:
                state[p] = {St.RESIDENT: St.CACHED, St.CACHED: St.CACHED, St.GONE: St.GONE,
                            St.EITHER: St.EITHER}[state[p]]
        elif kind == "remove":
            for p in pages:
                state[p] = St.GONE
        else:
            # Which cached pages the allocations took is the buddy's business;
            # the page daemon, woken by the shortage, may cache resident ones.
            state = [St.EITHER if s in (St.RESIDENT, St.CACHED) else s for s in state]
            exact = False
        nres = sum(s == St.RESIDENT for s in state)
        ncached = sum(s == St.CACHED for s in state)
        neither = sum(s == St.EITHER for s in state)
        if exact:
            vm.check((x["resident"], x["cached"]) == (nres, ncached), r, "mixed_workload: after "
                     "%s m should have %d resident and %d cached pages; the kernel counts %d and "
                     "%d" % (what, nres, ncached, x["resident"], x["cached"]))
        else:
            vm.check(x["resident"] + x["cached"] <= nres + ncached + neither, r,
                     "mixed_workload: after %s m has %d resident and %d cached pages; the model "
                     "allows at most %d in all" % (
                         what, x["resident"], x["cached"], nres + ncached + neither))
    vm.check(c_missed <= c_total // 4, r, "mixed_workload: %d reads of cached pages, %d of "
             "them went to the disk: a cached page should come back from the cache"
             % (c_total, c_missed))
    vm.check(zlib.crc32(fs.read("m")) == zlib.crc32(m), r, "mixed_workload: m changed on disk")
    check_end(vm, r, "mixed_workload", lines)
