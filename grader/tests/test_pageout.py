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
import re
import struct
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from vmkit import configs, krng
from vmkit.qemu import Disk

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


def pressure_model(seed: int, pages: int, steps: int,
                   test: str = "pageout_pressure") -> tuple[list[int], list[int]]:
    """The chunk hashes the reads must give, and the page read at each read."""
    rng = krng.Rng.for_test(seed, test)
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


def form_ok(block: bytes) -> bool:
    """Is this 4 KiB block a page of the test's form (a key, then its words)?"""
    w = struct.unpack("<%dI" % PAGE_WORDS, block)
    key = w[0] | w[1] << 32
    if key == 0:
        return False
    for i in range(2, PAGE_WORDS):
        z = (key + i * GOLDEN) & M64
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
        if w[i] != (z ^ (z >> 31)) & 0xffffffff:
            return False
    return True


def one(lines: list[Any], kind: str) -> Any:
    got = [x for x in lines if x.kind == kind]
    return got[0] if len(got) == 1 else None


def check_reads(vm: Any, r: Any, test: str, lines: list[Any], want: list[int],
                reads: list[int]) -> None:
    """Every chunk of reads hashes to what the seed says it must."""
    got = {x["chunk"]: x["hash"] for x in lines if x.kind == "reads"}
    vm.check(sorted(got) == list(range(len(want))), r, "%s: read chunks %d..%d reported (%d), "
             "the workload makes %d" % (test, min(got, default=-1), max(got, default=-1),
                                        len(got), len(want)))
    for c, h in enumerate(want):
        vm.check(got[c] == h, r, "%s: reads %d..%d (the first of page %d) returned other data "
                 "than was last written: a page lost or corrupted between memory and the pager"
                 % (test, c * READ_CHUNK, min(len(reads), (c + 1) * READ_CHUNK) - 1,
                    reads[c * READ_CHUNK]))


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
    check_reads(vm, r, "pageout_pressure", lines, want, reads)
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
    vm.check("swap: none" in r.log, r, "pageout_nopager: a boot without a disk must say "
             "`swap: none`")
    checks = {x["when"]: x["ok"] for x in lines if x.kind == "check"}
    vm.check(checks == {"full": True, "freed": True}, r, "pageout_nopager: pages check %s" % checks)


# ---- Swap (kernel/vm/swap_pager.c) ---------------------------------------------------------

SECTOR = 512
SPP = 4096 // SECTOR
SWAP_MIB = 16
TRACE = ["virtio_blk_handle_read", "virtio_blk_handle_write"]
_TRACE_LINE = re.compile(r"virtio_blk_handle_(read|write)\b.*?\bsector (\d+) nsectors (\d+)")


def qemu_requests(r: Any) -> list[tuple[str, int, int]]:
    """(op, first sector, sectors) of every request QEMU's virtio-blk device received."""
    return [(m.group(1), int(m.group(2)), int(m.group(3)))
            for m in _TRACE_LINE.finditer(r.qemu_log)]


@pytest.mark.parametrize("test", ["swap_pressure", "map_swap", "kmem_swap"])
@pytest.mark.vmkit(configs=BOTH, timeout=90)
def test_swap_pressure(vm, tmp_path: Path, test: str):
    """pageout_pressure's workload on anonymous memory with a 16 MiB swap disk, on an
    object (swap_pressure), through an address space and vm_fault (map_swap), or as
    pageable kernel memory touched by plain loads and stores, every fault the CPU's
    (kmem_swap: the kernel map, vm_kmap.c):
    every read returns what was last written; QEMU's own trace shows at least the
    pages that could not stay in RAM written and read back, each read of a block
    written before, no more pages read than the kernel says it paged in; sampled
    written blocks of the image after exit hold whole pages of the workload's form."""
    img = tmp_path / "swap.img"
    img.write_bytes(bytes(SWAP_MIB << 20))
    r = vm.run_pass([test], {"pageout.pages": PAGES, "pageout.steps": STEPS, "swapdev": 0},
                    mem=MEM, disks=[Disk(str(img))], trace=TRACE)
    lines = vm.kdata(r, test)
    vm.check("swap: disk0, %d pages" % (SWAP_MIB << 8) in r.log, r, test + ": the boot "
             "did not say `swap: disk0, %d pages`" % (SWAP_MIB << 8))
    params, d = one(lines, "params"), one(lines, "daemon")
    vm.check(params is not None and d is not None, r, test + ": params/daemon lines missing")
    want, reads = pressure_model(r.seed, PAGES, STEPS, test)
    check_reads(vm, r, test, lines, want, reads)
    checks = {x["when"]: x["ok"] for x in lines if x.kind == "check"}
    vm.check(checks == {"end": True, "freed": True}, r, test + ": pages check %s" % checks)
    reqs = qemu_requests(r)
    vm.check(all(n % SPP == 0 and s % SPP == 0 for _, s, n in reqs), r, test + ": a "
             "request that is not whole page-aligned blocks: %s"
             % [q for q in reqs if q[1] % SPP or q[2] % SPP][:3])
    written: set[int] = set()
    wpages = rpages = 0
    for op, s, n in reqs:
        blocks = range(s // SPP, (s + n) // SPP)
        if op == "write":
            written.update(blocks)
            wpages += len(blocks)
        else:
            vm.check(all(b in written for b in blocks), r, test + ": QEMU read swap "
                     "blocks %d..%d before anything was written there" % (blocks[0], blocks[-1]))
            rpages += len(blocks)
    must_leave = PAGES - params["free"]
    vm.check(wpages >= must_leave, r, test + ": QEMU wrote %d pages to swap; at least %d "
             "of the %d dirty pages could not stay in RAM" % (wpages, must_leave, PAGES))
    vm.check(rpages >= must_leave, r, test + ": QEMU read %d pages from swap; the final "
             "sweep alone must bring back at least %d" % (rpages, must_leave))
    vm.check(rpages == d["pageins"] and rpages <= len(reads), r, test + ": QEMU read %d "
             "pages, the kernel counts %d page-ins, the workload made %d reads (a page still "
             "resident or cached must cost no read)" % (rpages, d["pageins"], len(reads)))
    vm.check(wpages == d["laundered"] and d["errors"] == 0, r, test + ": QEMU wrote %d "
             "pages, the kernel says it sent %d (%d failed)" % (wpages, d["laundered"], d["errors"]))
    if test == "kmem_swap":
        k = one(lines, "kfaults")
        vm.check(k is not None and k["kfaults"] >= PAGES, r, test + ": %s kernel-map faults; "
                 "each of the %d pages is zero-filled by one at least" % (k and k["kfaults"], PAGES))
        return      # a page laundered in the middle of a store loop: no whole form on the disk
    image = img.read_bytes()
    sample = sorted(written)[::max(1, len(written) // 32)]
    bad = [b for b in sample if not form_ok(image[b * 4096:(b + 1) * 4096])]
    vm.check(not bad, r, test + ": swap blocks %s, written during the run, do not hold a "
             "page of the workload after exit" % bad[:5])


@pytest.mark.vmkit(configs=BOTH, timeout=60)
def test_swap_full(vm, tmp_path: Path):
    """Dirty anonymous pages beyond RAM plus a 1 MiB swap disk: once swap is full the
    swap pager says so, the daemon gives up and vm_page_grab(VM_ALLOC_RETRY) returns
    NULL with `vm_pageout: out of memory` - no hang, no panic."""
    img = tmp_path / "small.img"
    img.write_bytes(bytes(1 << 20))
    r = vm.run_pass(["pageout_nopager"], {"pageout.pages": PAGES, "swapdev": 0}, mem=MEM,
                    disks=[Disk(str(img))])
    lines = vm.kdata(r, "pageout_nopager")
    params, full = one(lines, "params"), one(lines, "full")
    vm.check(params is not None and full is not None, r, "swap_full: params/full lines missing")
    vm.check(params["free"] < full["pindex"] < PAGES, r, "swap_full: the grab failed at page %d "
             "(%d pages free, 256 pages of swap): want more than RAM held, fewer than %d"
             % (full["pindex"], params["free"], PAGES))
    for msg in ("swap_pager: out of swap space", "vm_pageout: out of memory"):
        vm.check(msg in r.log, r, "swap_full: no `%s` message in the log" % msg)
    checks = {x["when"]: x["ok"] for x in lines if x.kind == "check"}
    vm.check(checks == {"full": True, "freed": True}, r, "swap_full: pages check %s" % checks)


@pytest.mark.vmkit(configs=BOTH, timeout=30)
def test_swap_needs_swapdev(vm, tmp_path):
    """One disk attached and no swapdev=: no swap (it would overwrite the disk, which
    may hold a file system). Memory runs out as without a pager, and the image is
    byte for byte what the grader wrote before boot."""
    img = tmp_path / "keep.img"
    data = bytes((i * 7) & 0xff for i in range(1 << 20))
    img.write_bytes(data)
    r = vm.run_pass(["pageout_nopager"], {"pageout.pages": PAGES}, mem=MEM,
                    disks=[Disk(str(img))])
    vm.check("swap: none (no swapdev=" in r.log, r, "swap_needs_swapdev: the boot did not say "
             "`swap: none (no swapdev= ...)` with one disk and no swapdev=")
    vm.check(img.read_bytes() == data, r, "swap_needs_swapdev: the disk image changed: "
             "swap used a disk nobody named")
