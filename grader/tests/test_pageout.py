"""The page daemon under memory pressure (kernel/tests/ktest_pageout.c;
`make test` runs these with test_kernel.py).

pageout_pressure writes an object larger than the machine's RAM through the
page cache, rewrites and rereads seeded pages, then reads every page back.
The workload and every page's contents come from the seed (vmkit.krng is
the kernel's RNG; the page form and checksum are recomputed here), so the
grader knows what each read must return: the daemon has to launder dirty
pages through the pager and cache or free them for the workload to fit at
all, and a page lost or corrupted on the way out or back in changes a
chunk's hash.  The daemon's own counters are only a hint, checked for
consistency with the workload.
"""
from functools import lru_cache
from typing import Any

import pytest

from vmkit import configs, krng

BOTH = configs.table().graded()
M64 = (1 << 64) - 1
GOLDEN = 0x9e3779b97f4a7c15
FNV_OFFSET = 0xcbf29ce484222325
FNV_PRIME = 0x100000001b3
PAGE_WORDS = 1024
READ_CHUNK = 64
# -m 12M: about 3072 pages of RAM (1650-1930 free after the kernel); the
# object is 14 MiB, so at least ~1650 pages must leave memory and come back.
MEM = "12M"
PAGES = 3584
STEPS = 1024


@lru_cache(maxsize=None)
def form_sum(key: int) -> int:
    """FNV-1a over the 32-bit words of the page of `key` (ktest_pageout.c form_word)."""
    h = ((FNV_OFFSET ^ (key & 0xffffffff)) * FNV_PRIME) & M64
    h = ((h ^ (key >> 32)) * FNV_PRIME) & M64
    for i in range(2, PAGE_WORDS):
        z = (key + i * GOLDEN) & M64
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
        h = ((h ^ ((z ^ (z >> 31)) & 0xffffffff)) * FNV_PRIME) & M64
    return h


def pressure_model(seed: int, pages: int, steps: int) -> tuple[list[int], list[int]]:
    """The chunk hashes the reads must give, and the page read at each read."""
    rng = krng.Rng.for_test(seed, "pageout_pressure")
    keys = [(rng.next() | 1) for _ in range(pages)]
    reads: list[int] = []
    sums: list[int] = []
    for _ in range(steps):
        p = rng.below(pages)
        if rng.below(4) == 0:
            keys[p] = rng.next() | 1
        else:
            reads.append(p)
            sums.append(form_sum(keys[p]))
    reads.extend(range(pages))
    sums.extend(form_sum(k) for k in keys)
    hashes = []
    for c in range(0, len(sums), READ_CHUNK):
        h = FNV_OFFSET
        for s in sums[c:c + READ_CHUNK]:
            h = ((h ^ s) * FNV_PRIME) & M64
        hashes.append(h)
    return hashes, reads


def one(lines: list[Any], kind: str) -> Any:
    got = [x for x in lines if x.kind == kind]
    return got[0] if len(got) == 1 else None


@pytest.mark.vmkit(configs=BOTH, timeout=90)
def test_pageout_pressure(vm):
    """An object larger than RAM, written, rewritten and reread under a seeded pattern:
    every read returns what was last written (the grader's checksums), the page
    invariants hold, and the daemon's counters agree that it laundered at least
    the pages that could not have stayed in memory."""
    r = vm.run_pass(["pageout_pressure"], {"pageout.pages": PAGES, "pageout.steps": STEPS},
                    mem=MEM)
    lines = vm.kdata(r, "pageout_pressure")
    params = one(lines, "params")
    vm.check(params is not None and (params["pages"], params["steps"]) == (PAGES, STEPS), r,
             "pageout_pressure: the kernel ran %s, the grader asked for pages %d steps %d"
             % (params and (params["pages"], params["steps"]), PAGES, STEPS))
    vm.check(params["free"] < PAGES, r, "pageout_pressure: %d pages free at -m %s: the object "
             "of %d pages fits, the daemon need not run" % (params["free"], MEM, PAGES))
    want, reads = pressure_model(r.seed, PAGES, STEPS)
    got = {x["chunk"]: x["hash"] for x in lines if x.kind == "reads"}
    vm.check(sorted(got) == list(range(len(want))), r, "pageout_pressure: read chunks %d..%d "
             "reported (%d), the workload makes %d" % (min(got, default=-1),
                                                       max(got, default=-1), len(got), len(want)))
    for c, h in enumerate(want):
        first = reads[c * READ_CHUNK]
        vm.check(got[c] == h, r, "pageout_pressure: reads %d..%d (the first of page %d) "
                 "returned other data than was last written: a page lost or corrupted "
                 "between memory and the pager" % (c * READ_CHUNK,
                                                   min(len(reads), (c + 1) * READ_CHUNK) - 1,
                                                   first))
    checks = {x["when"]: x["ok"] for x in lines if x.kind == "check"}
    vm.check(checks == {"end": True, "freed": True}, r, "pageout_pressure: pages check %s "
             "(want end and freed to hold)" % checks)
    d, pg = one(lines, "daemon"), one(lines, "pager")
    vm.check(d is not None and pg is not None, r, "pageout_pressure: no daemon/pager line")
    vm.check(pg["bad"] == 0, r, "pageout_pressure: the pager was given %d pages that were "
             "not what the workload wrote" % pg["bad"])
    must_leave = PAGES - params["free"]
    vm.check(d["passes"] > 0 and d["laundered"] >= must_leave and pg["pages"] >= must_leave,
             r, "pageout_pressure: the daemon made %d passes and laundered %d pages (the "
             "pager stored %d); at least %d of the %d dirty pages could not stay in memory"
             % (d["passes"], d["laundered"], pg["pages"], must_leave, PAGES))
    vm.check(d["errors"] == 0 and d["done"] == d["laundered"], r, "pageout_pressure: %d of "
             "%d writes completed, %d failed" % (d["done"], d["laundered"], d["errors"]))


@pytest.mark.vmkit(configs=BOTH, timeout=30)
def test_pageout_nopager(vm):
    """Dirty anonymous pages with no pager and no swap, more than RAM: the daemon can
    launder none, so vm_page_grab(VM_ALLOC_RETRY) gives up with ENOMEM (the test sees
    NULL) and says why - a clear error, not a hang (this test's time-out) or a panic."""
    r = vm.run_pass(["pageout_nopager"], {"pageout.pages": PAGES}, mem=MEM)
    lines = vm.kdata(r, "pageout_nopager")
    params, full, d = one(lines, "params"), one(lines, "full"), one(lines, "daemon")
    vm.check(params is not None and full is not None and d is not None, r,
             "pageout_nopager: params/full/daemon KDATA lines missing")
    vm.check(params["pages"] == PAGES, r, "pageout_nopager: ran %d pages, asked %d"
             % (params["pages"], PAGES))
    vm.check(params["free"] // 2 < full["pindex"] < PAGES and full["resident"] == full["pindex"],
             r, "pageout_nopager: the grab failed at page %d with %d resident (%d pages were "
             "free): want it to fail only once memory is used up, and before page %d"
             % (full["pindex"], full["resident"], params["free"], PAGES))
    vm.check(d["oom"] >= 1 and d["laundered"] == 0, r, "pageout_nopager: the daemon gave up "
             "%d times and laundered %d pages of an object with no pager" % (d["oom"], d["laundered"]))
    vm.check("vm_pageout: out of memory" in r.log, r, "pageout_nopager: no `vm_pageout: out of "
             "memory` message in the log: the error must be said, not only returned")
    checks = {x["when"]: x["ok"] for x in lines if x.kind == "check"}
    vm.check(checks == {"full": True, "freed": True}, r, "pageout_nopager: pages check %s" % checks)
