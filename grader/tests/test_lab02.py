"""Lab 02 (the buddy allocator) public tests.

The kernel logs what its allocator did, and the grader checks what it can
compute itself: no two live blocks overlap, every block is aligned and in one
segment, splitting leaves exactly one block per lower order, freeing
everything restores each segment's maximal aligned blocks, counts add up,
pools are uniform within blocks, contig runs honour their constraints.
(The hidden tests go further: they replay the log against a model of the
allocator that predicts every address.)  Points: labs/02-buddy/lab.toml.
"""
from typing import Any

from vmkit import krng, physmem as pm

PAGE = pm.PAGE
LIVE_MAX = 4096          # buddy_workload's bookkeeping array (kernel/tests/ktest_buddy.c)
BIG = {False: ["511M", "3583M"], True: ["511M", "6G"]}      # by vm.pae (RAM above 4 GiB)
SCRIPT_MEM = "128M"      # buddy_script's boots (its addresses assume this layout)


def parse_header(line, d):
    """The `params`, `freelist` and `seg` lines every lab 02 ktest starts with;
    False for others."""
    if line.kind == "params":
        d["params"] = line["params"]
    elif line.kind == "freelist":
        d["freelists"][line["index"]] = (line["name"], line["limit"])
    elif line.kind == "seg":
        d["segs"].append(line.values())
    else:
        return False
    return True


def parse(vm, r, test, mem):
    """`test`'s KDATA lines, its header checked against the machine's free-list
    table and its segments against the RAM of -m mem (check_header)."""
    d: dict[str, Any] = {"segs": [], "freelists": {}, "ops": [], "q": {}, "free": {}, "blk": [], "c": [], "n": [], "d": []}
    for line in vm.kdata(r, test):      # typed by the grammar in vmkit/kdata.py
        k = line.kind
        if parse_header(line, d):
            pass
        elif k in ("a", "f", "x"):
            d["ops"].append((k,) + line.values())
        elif k == "q":
            d["q"].setdefault(line["when"], {})[(line["freelist"], line["pool"], line["order"])] = line["count"]
        elif k == "free":
            d["free"][line["when"]] = line["count"]
        elif k in ("blk", "c"):
            d[k].append(line.values())
        elif k in ("n", "d"):
            d[k].append(line["pa"])
    vm.check("params" in d and d["segs"], r, "%s printed no parameters or segments "
             "(is the VM system on?)" % test)
    check_header(vm, r, test, mem, d)
    return d


def check_header(vm, r, test, mem, d):
    """The machine's free-list table comes from the kernel ELF the grader built
    (vm.freelists; kernel/vm/vm_phys_table.c, no lab file), stored as d["table"].
    The `params` and `freelist` lines must agree with it (a table changed at run
    time does not), and every segment must be cut and listed by it."""
    table = d["table"] = vm.freelists(r)
    want = {fl.index: (fl.name, fl.limit) for fl in table}
    vm.check(d["freelists"] == want and d["params"].get("nfreelist") == len(table), r,
             "%s printed nfreelist %s and the free-list table %s; the kernel was built with %s "
             "(vm_phys_freelists in its ELF)" % (test, d["params"].get("nfreelist"), fmt_table(d["freelists"]),
                                                 fmt_table(want)))
    check_segments(vm, r, mem, d)


def fmt_table(t):
    return ", ".join("%d %s below %#x" % (i, name, lim) for i, (name, lim) in sorted(t.items())) or "(none)"


def check_segments(vm, r, mem, d):
    """Each segment is RAM, on the free list the machine's table (d["table"], from
    the ELF) puts its first page on, and crosses none of its limits."""
    ram = pm.addressable(pm.qemu_ram(mem), vm.pae)
    limits = {fl.index: fl.limit for fl in d["table"]}
    for s, e, fl in d["segs"]:
        vm.check(pm.inside((s, e), ram), r, "segment %#x-%#x is not RAM" % (s, e))
        want = pm.freelist_of(s, limits)
        crossed = [lim for lim in limits.values() if s < lim < e]
        vm.check(not crossed, r, "segment %#x-%#x crosses the free-list limit %#x: vm_phys_add_seg must "
                 "cut it there (the machine's table: %s)" % (s, e, crossed[0] if crossed else 0,
                                                              fmt_table({f.index: (f.name, f.limit) for f in d["table"]})))
        vm.check(fl == want, r, "segment %#x-%#x is on free list %d; the machine's table (%s) puts it on %s"
                 % (s, e, fl, fmt_table({f.index: (f.name, f.limit) for f in d["table"]}), want))


def maximal_blocks(segs, norder):
    """{(freelist, order): count} of each segment cut into maximal aligned blocks."""
    out: dict[tuple[int, int], int] = {}
    for s, e, fl in segs:
        pa, n = s, (e - s) // PAGE
        while n:
            o = 0
            while o + 1 < norder and (1 << (o + 1)) <= n and (pa // PAGE) % (1 << (o + 1)) == 0:
                o += 1
            out[(fl, o)] = out.get((fl, o), 0) + 1
            pa += PAGE << o
            n -= 1 << o
    return out


def by_freelist_order(q):
    out: dict[tuple[int, int], int] = {}
    for (fl, _pool, order), n in q.items():
        out[(fl, order)] = out.get((fl, order), 0) + n
    return out


def check_log(vm, r, mem, d):
    """Live blocks never overlap, are aligned, lie in one segment; frees match."""
    live: dict[int, int] = {}
    for op in d["ops"]:
        if op[0] == "a":
            _, pa, order, _pool = op
            end = pa + (PAGE << order)
            vm.check(pa % (PAGE << order) == 0, r, "block %#x is not aligned to order %d" % (pa, order))
            vm.check(any(s <= pa and end <= e for s, e, _ in d["segs"]), r,
                     "block %#x (order %d) is not inside one segment" % (pa, order))
            for q, o2 in live.items():
                vm.check(not pm.overlaps((pa, end), (q, q + (PAGE << o2))), r,
                         "allocation %#x (order %d) overlaps live block %#x (order %d) [-m %s]"
                         % (pa, order, q, o2, mem))
            live[pa] = order
        elif op[0] == "f":
            vm.check(live.pop(op[1], None) == op[2], r, "the workload freed %#x, not live" % op[1])
    vm.check(not live, r, "the workload log leaves %d blocks allocated" % len(live))


class Workload:
    """The operations buddy_workload must perform for a seed: the grader's copy
    of its random choices (vmkit/krng.py), fed with the kernel's outcomes."""

    def __init__(self, vm, r, d, ops, maxorder):
        self.vm, self.r, self.d, self.ops = vm, r, d, ops
        p = d["params"]
        self.norder = min(maxorder + 1, p["nfreeorder"])
        self.npool = p["nfreepool"]
        self.rng = krng.Rng.for_test(r.seed, "buddy_workload")
        self.segs = d["segs"]
        # Pages of the segments that were not free when the workload began.
        total = sum((e - s) // PAGE for s, e, _ in self.segs)
        self.held = max(0, total - d["free"].get("start", total))

    def wrong(self, step, want, got):
        self.vm.fail(self.r, "the kernel did not perform the workload the grader asked for "
                     "(lab02.ops=%d, seed=%d): step %d should be %s; the kernel logged %s"
                     % (self.ops, self.r.seed, step, want, got))

    def check(self):
        """Every logged op is the step the seed dictates, and nothing else is logged."""
        log = self.d["ops"]
        live: list[tuple[int, int]] = []
        for step in range(self.ops):
            got = log[step] if step < len(log) else None
            if got is None:
                self.wrong(step, "the next operation", "nothing more (%d steps of %d)" % (step, self.ops))
            if not live or (len(live) < LIVE_MAX and self.rng.below(100) < 55):
                order, pool = self.rng.below(self.norder), self.rng.below(self.npool)
                want = "an allocation of order %d from pool %d" % (order, pool)
                if got[0] == "a" and tuple(got[2:]) == (order, pool):
                    live.append((got[1], order))
                elif got[0] == "x" and tuple(got[1:]) == (order, pool):
                    self.check_failure(step, order, live)
                else:
                    self.wrong(step, want, _fmt_op(got))
            else:
                k = self.rng.below(len(live))
                pa, order = live[k]
                if tuple(got) != ("f", pa, order):
                    self.wrong(step, "freeing live block #%d, %#x (order %d)" % (k, pa, order), _fmt_op(got))
                live[k] = live[-1]
                live.pop()
        rest = log[self.ops:]
        freed = [("f", pa, o) for pa, o in live]
        if [tuple(x) for x in rest] != freed:
            bad = next((i for i, (a, b) in enumerate(zip(rest, freed)) if tuple(a) != b), min(len(rest), len(freed)))
            self.wrong(self.ops + bad, "freeing %s" % ("%#x (order %d)" % freed[bad][1:] if bad < len(freed)
                                                         else "nothing more: every live block is freed"),
                       _fmt_op(rest[bad]) if bad < len(rest) else "nothing more")

    def check_failure(self, step, order, live):
        """An order-`order` allocation failed: possible only if every aligned
        2^order-page region of the segments holds an allocated page."""
        size = PAGE << order
        regions = sum(max(0, e // size - (s + size - 1) // size) for s, e, _ in self.segs)
        touched: set[int] = set()
        for pa, o in live:
            first = pa // size
            touched.update(range(first, first + max(1, (1 << o) >> order)))
        if regions - len(touched) > self.held:
            self.vm.fail(self.r, "step %d: vm_phys_alloc_pages(pool, order %d) failed, but at "
                         "least %d aligned free blocks of that order must exist (%d live blocks, "
                         "%d pages held before the workload)" % (
                             step, order, regions - len(touched) - self.held, len(live), self.held))


def _fmt_op(op):
    if op[0] == "a":
        return "`a %#x %d %d` (allocated order %d from pool %d)" % (op[1], op[2], op[3], op[2], op[3])
    if op[0] == "x":
        return "`x %d %d` (an allocation that failed)" % tuple(op[1:3])
    return "`f %#x %d` (a free)" % tuple(op[1:3])


def run_workload(vm, mem, ops, maxorder):
    """Boot buddy_workload; check it ran exactly the grader's workload."""
    args = {"lab02.ops": ops, "lab02.maxorder": maxorder}
    r = vm.run_pass(["buddy_workload"], args, mem=mem)
    d = parse(vm, r, "buddy_workload", mem)
    Workload(vm, r, d, ops, maxorder).check()
    return r, d


def test_workload_invariants(vm):
    for mem in ("128M", vm.rng.choice(BIG[vm.pae])):
        r, d = run_workload(vm, mem, 1500, 6)
        check_log(vm, r, mem, d)
        got = by_freelist_order(d["q"].get("end", {}))
        want = maximal_blocks(d["segs"], d["params"]["nfreeorder"])
        vm.check(got == want, r, "after the workload freed every block, the free queues do "
                 "not hold each segment's maximal aligned blocks (-m %s):\n  kernel   %s\n"
                 "  expected %s" % (mem, sorted(got.items())[:10], sorted(want.items())[:10]))


def test_split_pattern(vm):
    """One page from the empty CACHE pool: steal the largest block, split it, merge it back."""
    mem = vm.rng.choice(["128M", "511M"])
    r = vm.run_pass(["buddy_steal"], mem=mem)
    d = parse(vm, r, "buddy_steal", mem)
    top, cache = d["params"]["nfreeorder"] - 1, 1
    start, one = d["q"].get("start", {}), d["q"].get("one", {})
    diff = {k: one.get(k, 0) - start.get(k, 0) for k in set(start) | set(one)}
    diff = {k: v for k, v in diff.items() if v}
    fl = min((k[0] for k in start), default=0)     # lists are tried in index order
    want = {(fl, 0, top): -1}
    want.update({(fl, cache, o): 1 for o in range(top)})
    vm.check(diff == want, r, "taking one page from the empty CACHE pool should steal one "
             "order-%d DEFAULT block and leave one CACHE block at each order 0..%d; the queues "
             "changed by %s (-m %s)" % (top, top - 1, sorted(diff.items()), mem))
    vm.check(by_freelist_order(d["q"].get("end", {})) == by_freelist_order(start), r,
             "freeing the page again did not merge the split halves back into one block")


def test_restore_maximal(vm):
    mem = vm.rng.choice(["128M"] + BIG[vm.pae])
    r, d = run_workload(vm, mem, 3000, 9)
    want = maximal_blocks(d["segs"], d["params"]["nfreeorder"])
    got = by_freelist_order(d["q"].get("end", {}))
    vm.check(got == want, r, "after freeing everything the free blocks are not the maximal "
             "aligned blocks of each segment (-m %s):\n  kernel   %s\n  expected %s"
             % (mem, sorted(got.items())[:12], sorted(want.items())[:12]))
    total = sum((e - s) // PAGE for s, e, _ in d["segs"])
    vm.check(d["free"].get("end") == total == d["free"].get("start"), r,
             "free page counts: start %s, end %s, segments hold %d"
             % (d["free"].get("start"), d["free"].get("end"), total))
    for pa, head_order, queue_order, pool, runs in d["blk"]:
        vm.check(head_order == queue_order and pa % (PAGE << queue_order) == 0, r,
                 "free block %#x on the order-%d queue says order %d" % (pa, queue_order, head_order))
        vm.check(runs == 1, r, "free block %#x (order %d) has pages of %d different pools"
                 % (pa, queue_order, runs))


def test_counts_add_up(vm):
    r, d = run_workload(vm, "128M", 800, 4)
    for when in ("start", "mid", "end"):
        q = d["q"].get(when, {})
        pages = sum(n << o for (_, _, o), n in q.items())
        vm.check(pages == d["free"].get(when), r, "at %s the queues hold %d pages but "
                 "v_free_count is %s" % (when, pages, d["free"].get(when)))
    live = 0
    for op in d["ops"]:
        if op[0] == "a":
            live += 1 << op[2]
        elif op[0] == "f":
            live -= 1 << op[2]
    vm.check(live == 0, r, "the workload log does not free what it allocated")
    check_restored(vm, r, d, "buddy_workload")


def contig_requests(vm, mem):
    """(npages, low, high, align, boundary, must_succeed) for a fresh kernel."""
    M = pm.MiB
    reqs = [
        (64, 32 * M, 64 * M, 64 * 1024, 1 * M, True),
        (1, 32 * M, 64 * M, PAGE, 0, True),
        (15, 16 * M, 120 * M, PAGE, 64 * 1024, True),
        (17, 16 * M, 120 * M, PAGE, 64 * 1024, False),      # 68 KiB cannot avoid a 64 KiB boundary
        (256, 20 * M, 100 * M, 1 * M, 0, True),
        (vm.rng.choice([3, 5, 31, 100]), 40 * M, 90 * M, 2 * PAGE, 0, True),
        (8, 0xA0000, 0x100000, PAGE, 0, False),             # the ISA hole: no RAM
        (1 << 20, 0, 1 << 40, PAGE, 0, False),              # 4 GiB of pages: too many
        (16, 2 * M, 2 * M + 8 * PAGE, PAGE, 0, False),      # range smaller than the run
    ]
    if vm.pae and pm.parse_size(mem) > 4 * pm.GiB:
        reqs += [(512, 5 * pm.GiB, 6 * pm.GiB, 2 * M, 0, True),
                 (1000, 4 * pm.GiB, 7 * pm.GiB, PAGE, 4 * M, True),
                 # 64-bit alignment and boundary: 4 GiB itself, and "never cross 4 GiB"
                 (1, 0, 8 * pm.GiB, 4 * pm.GiB, 0, True),
                 (512, 2 * pm.GiB, 5 * pm.GiB, PAGE, 4 * pm.GiB, True)]
    return reqs


def check_contig(vm, mem):
    reqs = contig_requests(vm, mem)
    arg = ";".join("%x:%x:%x:%x:%x" % q[:5] for q in reqs)
    r = vm.run_pass(["buddy_contig"], {"lab02.contig": arg}, mem=mem)
    d = parse(vm, r, "buddy_contig", mem)
    vm.check([i for i, _ in d["c"]] == list(range(len(reqs))), r,
             "the kernel did not answer the grader's %d contig requests in order: it answered %s"
             % (len(reqs), [i for i, _ in d["c"]][:20]))
    for (i, pa), (n, low, high, align, boundary, must) in zip(d["c"], reqs):
        what = "vm_phys_alloc_contig(%d pages, low %#x, high %#x, align %#x, boundary %#x)" % (
            n, low, high, align, boundary)
        if pa == 0:
            vm.check(not must, r, "%s failed on a freshly booted kernel (-m %s)" % (what, mem))
            continue
        end = pa + n * PAGE
        vm.check(low <= pa and end <= high, r, "%s returned %#x, outside the range" % (what, pa))
        vm.check(pa % align == 0, r, "%s returned %#x, not aligned" % (what, pa))
        vm.check(boundary == 0 or pa // boundary == (end - 1) // boundary, r,
                 "%s returned %#x-%#x, crossing a boundary" % (what, pa, end))
        vm.check(any(s <= pa and end <= e for s, e, _ in d["segs"]), r,
                 "%s returned %#x-%#x, not inside one segment" % (what, pa, end))
    want = maximal_blocks(d["segs"], d["params"]["nfreeorder"])
    got = by_freelist_order(d["q"].get("end", {}))
    vm.check(got == want, r, "after freeing every contig run the free blocks are not maximal again")


def test_contig_constraints(vm):
    check_contig(vm, "128M")
    if vm.pae:
        check_contig(vm, "6G")


def test_noobj_cluster(vm):
    r = vm.run_pass(["buddy_noobj"], {"lab02.pages": 64}, mem="128M")
    d = parse(vm, r, "buddy_noobj", "128M")
    vm.check(len(d["n"]) == 64 and len(d["d"]) == 64, r, "expected 64 NOOBJ and 64 normal pages")
    block = PAGE << (d["params"]["nfreeorder"] - 1)
    regions = {pa // block for pa in d["n"]}
    vm.check(len(regions) <= 2, r, "64 NOOBJ pages are spread over %d maximal blocks; the "
             "DIRECT pool should keep them together" % len(regions))
    vm.check(len(set(d["n"]) | set(d["d"])) == 128, r, "a page was handed out twice")
    if d["params"]["nfreepool"] >= 3:           # a real DIRECT pool (amd64), pool 2
        check_direct_pool(vm, r, d, block, regions)
    check_restored(vm, r, d, "buddy_noobj")


def check_direct_pool(vm, r, d, block, regions):
    """Where DIRECT is a pool of its own (amd64), NOOBJ pages come from it only:
    a steal re-tags a whole block, so no normal page shares a maximal block with
    a NOOBJ page, and the first NOOBJ page, with DIRECT empty, steals a whole
    top-order block and leaves the rest of it free in DIRECT."""
    direct = 2

    def pages(q, pool):
        return sum(n << o for (_fl, p, o), n in q.items() if p == pool)
    shared = sorted(regions & {pa // block for pa in d["d"]})
    vm.check(not shared, r, "NOOBJ and normal pages share the maximal block(s) at %s: with a real "
             "DIRECT pool a steal re-tags a whole block DIRECT, and normal pages never come from it"
             % ", ".join("%#x" % (b * block) for b in shared))
    start, one = d["q"].get("start", {}), d["q"].get("one", {})
    if pages(start, direct) == 0:
        vm.check(pages(one, direct) == block // PAGE - 1, r, "with the DIRECT pool empty, the first "
                 "NOOBJ page must steal a whole top-order block (%d pages) and leave its other %d pages "
                 "free in DIRECT; DIRECT then holds %d free pages"
                 % (block // PAGE, block // PAGE - 1, pages(one, direct)))


def check_restored(vm, r, d, what):
    """The free queues at the end hold the same blocks (per free list and order) as at the start."""
    start, end = by_freelist_order(d["q"].get("start", {})), by_freelist_order(d["q"].get("end", {}))
    vm.check(start and start == end, r, "%s: after every page went back, the free blocks differ "
             "from the start (freed pages did not merge back):\n  start %s\n  end   %s"
             % (what, sorted(start.items())[:10], sorted(end.items())[:10]))


def test_double_free(vm):
    """Free a page (it merges back), then free it again: a clear panic."""
    r = vm.run(["buddy_double_free"], mem="128M", expect=("panic",))
    d = parse(vm, r, "buddy_double_free", "128M")
    check_restored(vm, r, d, "buddy_double_free")
    vm.check(r.kind == "panic" and "double free" in (r.panic or ""), r,
             "freeing a page twice must panic with \"double free\"; the run ended as: %s"
             % (r.problem() or "ok"))


# ---------------------------------------------------------------- directed script
# One fixed sequence of operations (ktest buddy_script) that reaches, on every
# seed, the cases random workloads reach only by chance.  32 MiB and 40 MiB lie
# in the middle of the DEFAULT free list at 128 MiB, in whole top-order blocks.
# The queue order is FreeBSD's: a freed block goes in at the tail, a split's
# halves at the head, allocation takes the head.  Boot frees each segment from
# its lowest address up, so the top-order queue runs up from 16 MiB; the steal
# (op 14) takes its head, which the script makes 36 MiB (S): it unfrees a page
# of every top-order block below it (4 MiB blocks on i386, 2 MiB under PAE,
# hence the 2 MiB steps), after the merged block at 32 MiB went to the tail.
# With amd64's 16 MiB blocks the same nine unfrees take the blocks at 16 MiB
# and (split at 34 MiB) 32 MiB, so the head is 48 MiB: S is the first
# top-order block at or above 36 MiB (steal_block), and the script is built
# for the machine's top order (directed_script).
M32, M40 = 0x2000000, 0x2800000
M41 = M40 + 0x100000     # 41 MiB: aligned to 8 pages, inside the [40 MiB, 44 MiB) block
P = 0x1000               # one page
DRAIN = [("u", 0x1000000 + i * 0x200000) for i in range(8)] + [("u", 0x2200000)]


def steal_block(top: int) -> int:
    """S, the block the steal takes (a CACHE block from then on): the first
    top-order block at or above 36 MiB - 36 MiB itself on i386 and PAE."""
    size = PAGE << top
    return (0x2400000 + size - 1) // size * size


def directed_script(S: int) -> list[tuple[Any, ...]]:
    """The directed script for steal block S (its operation numbers never change)."""
    return [
        ("s",),                                         # 0: the state to start from
        ("u", M32),                                     # 1: unfree splits a top block toward 32 MiB
        ("s",),                                         # 2: ... its halves at the heads of their queues
        ("f", M32, 0),                                  # 3: freeing the page merges it all back
        ("s",),                                         # 4: ... at the tail of the top-order queue
    ] + DRAIN + [                                       # 5-13: S is now the top-order queue's head
        ("a", 1, 0),                                    # 14: CACHE is empty: steal that very block
        ("s",),
        ("u", M40),                                     # 16: small free blocks at 40 MiB + 4 KiB ...
        ("s",),
        ("c", 1, M40, M40 + 0x200000, 0x10000, 0),      # 18: alignment stricter than the blocks'
        ("F",),
        ("c", 16, M40, M40 + 0x200000, 0x20000, 0),     # 20: 16 pages on 128 KiB: an order-5 head
        ("F",),
        ("c", 4, M40, M40 + 0x6000, 0x1000, 0),         # 22: high cuts through the only order-2 block
        ("c", 2, M40, M40 + 0x6000, 0x1000, 0),         # 23: ... but an order-1 block fits
        ("F",),
        ("c", 4, M40 + 0x4000, M40 + 0x7000, 0x1000, 0),  # 25: window smaller than the run, on a free block
        ("c", 8, M40, M40 + 0x10000, 0x1000, 0),        # 26: a window holding only small blocks
        ("F",),
        ("c", 16, M40, M40 + 0x10000, 0x1000, 0),       # 28: ... none of them big enough
        ("c", 3, 0, 0xa0000, 0x1000, 0),                # 29: low memory: only the ISA DMA list
        ("F",),
        ("c", 512, 0, 0x1000000, 0x200000, 0),          # 31: 2 MiB below 16 MiB: the ISA DMA list
        ("F",),
        ("c", 1, S, S + 0x200000, 0x10000, 0),          # 33: lands in a CACHE block; re-tagged DEFAULT
        ("s",),
        ("F",),                                         # 35: freed into DEFAULT, next to CACHE blocks
        ("s",),
        ("f", S, 0),                                    # 37: the CACHE page: merges across pools
        ("s",),
        ("f", M40, 0),                                  # 39
        ("u", 0xc01000),                                # 40: unfree and free on the ISA DMA list
        ("s",),
        ("f", 0xc01000, 0),
        ("s",),
        ("u", M41 + 0x2000),                            # 44: leaves [M41, +2 pages) and M41 + 3 pages free
        ("u", M41 + 0x3000),                            # 45: an odd page heading an order-0 block
        ("u", M41 + 0x2000),                            # 46: an allocated page: no free block holds it
        ("s",),
        ("f", M41 + 0x2000, 0),
        ("f", M41 + 0x3000, 0),
        ("s",),
        # FIFO against LIFO, in the CACHE pool, which only this script uses (one
        # top-order block at S since op 37): take S's first four pages, free the
        # second and the fourth (neither can merge), and take two pages again:
        # the first freed comes back first (at a stack's head, the last would).
        ("a", 1, 0), ("a", 1, 0), ("a", 1, 0), ("a", 1, 0),   # 51-54: S, S+1, S+2, S+3 pages
        ("f", S + P, 0),                                # 55
        ("f", S + 3 * P, 0),                            # 56
        ("a", 1, 0),                                    # 57: S + 1 page (LIFO: S + 3 pages)
        ("a", 1, 0),                                    # 58: S + 3 pages (LIFO: S + 1 page)
        ("s",),
        ("f", S, 0), ("f", S + P, 0), ("f", S + 2 * P, 0), ("f", S + 3 * P, 0),
        ("s",),                                         # 64: S is one top-order CACHE block again
    ]


def script_top(vm: Any) -> int:
    """The machine's top buddy order, from a boot of the empty script."""
    r = vm.run_pass(["buddy_script"], {"lab02.script": "s"}, mem="128M")
    return int(parse_script(vm, r, [("s",)])["params"]["nfreeorder"]) - 1


def script_arg(script):
    return ";".join(":".join([op[0]] + ["%x" % v for v in op[1:]]) for op in script)


def run_script(vm, script, S=None):
    """Boot buddy_script on `script`; all PASS.  For the directed script (S: its
    steal block), a steal that took another block than S is reported as what it
    is, a wrong queue order, before the double free the script's later frees of
    S's pages would then cause."""
    r = vm.run(["buddy_script"], {"lab02.script": script_arg(script)}, mem=SCRIPT_MEM, expect=("panic",))
    if S is not None:
        stolen = [w[3] for w in (ln.split() for ln in r.data.get("buddy_script", []))
                  if w[:2] == ["op", "14"] and len(w) > 3]
        vm.check(not stolen or stolen[0] == "%#x" % S, r,
                 "operation 14 (a:1:0), a steal, took %s; it must take the head of the top-order DEFAULT "
                 "queue, %#x: boot freed the blocks in ascending order, and the script freed the block at "
                 "%#x after that, so it must have gone in at the tail (handouts/02-buddy.md, queue order)"
                 % (stolen[0] if stolen else "?", S, M32))
    return vm.expect_pass(r)


def parse_script(vm, r, script):
    """{'params', 'segs', 'res': {i: value}, 'snap': {i: {(fl, pool, o): [(pa, head_order, runs)]}},
    'se': {i: (free count, check)}, 'ck': {i: check}}"""
    d: dict[str, Any] = {"segs": [], "freelists": {}, "res": {}, "snap": {}, "se": {}, "ck": {}}
    for line in vm.kdata(r, "buddy_script"):      # typed by the grammar in vmkit/kdata.py
        k = line.kind
        if parse_header(line, d):
            pass
        elif k == "op":
            d["res"][line["i"]] = line["result"]
        elif k == "sb":
            tag, fl, pool, o, pa, ho, runs = line.values()
            d["snap"].setdefault(tag, {}).setdefault((fl, pool, o), []).append((pa, ho, runs))
        elif k == "se":
            d["se"][line["tag"]] = (line["free"], line["check"])
            d["snap"].setdefault(line["tag"], {})
        elif k == "ck":
            d["ck"][line["i"]] = line["check"]
    vm.check("params" in d and d["segs"], r, "buddy_script printed no parameters or segments")
    check_header(vm, r, "buddy_script", SCRIPT_MEM, d)
    for i, op in enumerate(script):
        vm.check(i in d["ck"] and (op[0] not in "acFuf" or i in d["res"]), r,
                 "buddy_script stopped before operation %d (%s)" % (i, script_arg([op])))
    return d


def canonical(segs, free, norder):
    """The free blocks {(pa, order)} a buddy allocator must hold for the set of free
    page frames `free`: each aligned block inside one segment, wholly free, whose
    parent is not (or would reach past the top order or out of the segment)."""
    out = set()

    def walk(pfn, o, s, e):
        if pfn >= e or pfn + (1 << o) <= s:
            return
        if s <= pfn and pfn + (1 << o) <= e and all(p in free for p in range(pfn, pfn + (1 << o))):
            out.add((pfn * PAGE, o))
        elif o > 0:
            walk(pfn, o - 1, s, e)
            walk(pfn + (1 << (o - 1)), o - 1, s, e)
    top = norder - 1
    for s, e, _ in segs:
        s, e = s // PAGE, e // PAGE
        for pfn in range(s >> top << top, e, 1 << top):
            walk(pfn, top, s, e)
    return out


def fits(pa, n, low, high, align, bound):
    end = pa + n * PAGE
    return (low <= pa and end <= high and pa % align == 0
            and (bound == 0 or pa // bound == (end - 1) // bound))


def test_directed_ops(vm):
    """A fixed script: unfree, coalescing across pools and on the ISA DMA list, and
    contig requests at the edges of their constraints.  The grader tracks the free
    pages itself; after every snapshot the free blocks must be exactly that set cut
    into canonical buddy blocks, and the queue heads must follow the contract."""
    S = steal_block(script_top(vm))
    script = directed_script(S)
    r = run_script(vm, script, S)
    d = parse_script(vm, r, script)
    top = d["params"]["nfreeorder"] - 1
    free = free_at_start(d)
    for pfn in range(M32 // PAGE, max(M40 + (PAGE << top), S + (PAGE << top)) // PAGE):
        vm.check(pfn in free, r, "the directed script needs [32 MiB, %d MiB) free at the start; "
                 "page %#x is not" % (max(M40 + (PAGE << top), S + (PAGE << top)) >> 20, pfn * PAGE))
    replay_script(vm, r, d, script, free)
    check_queue_heads(vm, r, d, top, S)


def free_at_start(d):
    """The free page frames of the script's first snapshot."""
    return {pa // PAGE + i for (_fl, _p, o), blocks in d["snap"].get(0, {}).items()
            for pa, _, _ in blocks for i in range(1 << o)}


def replay_script(vm, r, d, script, free):
    """Check every operation's result against the grader's own set of free pages."""
    norder, segs = d["params"]["nfreeorder"], d["segs"]
    top = norder - 1
    live = []
    for i, op in enumerate(script):
        k, res = op[0], d["res"].get(i)
        what = "operation %d (%s)" % (i, script_arg([op]))
        blocks = canonical(segs, free, norder)
        if k == "a":
            _, pool, order = op
            if res == 0:
                vm.check(not any(o >= order for _, o in blocks), r, "%s failed with free blocks left" % what)
                continue
            vm.check(dict(blocks).get(res, -1) >= order, r, "%s returned %#x, which heads no free block "
                     "of order >= %d" % (what, res, order))
            run = set(range(res // PAGE, res // PAGE + (1 << order)))
            free -= run
            live.append(run)
        elif k == "c":
            _, n, low, high, align, bound = op
            omin = min((n - 1).bit_length(), top)
            heads = {pa for pa, o in blocks if o >= omin and fits(pa, n, low, high, align, bound)
                     and all(p in free for p in range(pa // PAGE, pa // PAGE + n))}
            if res == 0:
                vm.check(not heads, r, "%s failed, but the free block at %#x fits" % (what, min(heads or [0])))
                continue
            vm.check(fits(res, n, low, high, align, bound), r, "%s returned %#x, which breaks the "
                     "constraints" % (what, res))
            vm.check(res in heads, r, "%s returned %#x, which is not the head of a free block of order "
                     ">= %d" % (what, res, omin))
            run = set(range(res // PAGE, res // PAGE + n))
            free -= run
            live.append(run)
        elif k == "F":
            free |= live.pop()
        elif k == "u":
            want = int(op[1] // PAGE in free)
            vm.check(res == want, r, "%s returned %d; the page is %s" % (what, res, "free" if want else "not free"))
            free.discard(op[1] // PAGE)
        elif k == "f":
            free |= set(range(op[1] // PAGE, op[1] // PAGE + (1 << op[2])))
        vm.check(d["ck"].get(i) == 0, r, "vm_phys_check() fails after %s" % what)
        if k == "s":
            check_snapshot(vm, r, d, i, segs, free, norder)


SEG_EDGE_MAX_ORDER = 3      # blocks of at most 8 pages are taken and freed at segment ends


def segment_end_script(segs, free):
    """For each segment followed by another: make the next segment's first page
    head a free block of order o, then take and free the block of order o that
    ends the segment, whose buddy address is exactly the segment's end (o: the
    lowest set bit of the end's frame number).  A free that looks for the buddy
    past the end finds the next segment's first page - in a sparse page array,
    the very next vm_page - free and of the same order, and must not merge.
    Only pages free at the start (`free`, frame numbers) are ever taken."""
    script: list[tuple[Any, ...]] = [("s",)]
    for (s, e, _), (ns, ne, _) in zip(segs, segs[1:]):
        o = ((e // PAGE) & -(e // PAGE)).bit_length() - 1
        if o > SEG_EDGE_MAX_ORDER or e - (PAGE << o) < s or (ns // PAGE) % (1 << o) or \
                ns + (PAGE << (o + 1)) > ne:
            continue
        used = [ns // PAGE + (1 << o)] + [e // PAGE - (1 << o) + i for i in range(1 << o)]
        if not all(pfn in free for pfn in used):
            continue
        script.append(("u", ns + (PAGE << o)))               # ns now heads an order-o block
        for i in range(1 << o):
            script.append(("u", e - (PAGE << o) + i * PAGE))
        script += [("s",), ("f", e - (PAGE << o), o), ("s",), ("f", ns + (PAGE << o), 0), ("s",)]
    return script


def test_segment_ends(vm):
    """Frees whose buddy address is a segment's end, on every run: low memory's end
    at 0x9f000 always, and the others the layout gives.  The free blocks must stay
    inside their segments (the canonical cut), and the allocator's check must hold."""
    r0 = vm.run_pass(["buddy_script"], {"lab02.script": "s"}, mem=SCRIPT_MEM)
    d0 = parse_script(vm, r0, [("s",)])
    script = segment_end_script(d0["segs"], free_at_start(d0))
    vm.check(any(op == ("f", 0x9e000, 0) for op in script), r0, "the layout has no segment ending at "
             "0x9f000 followed by another: %s" % ["%#x-%#x" % (s, e) for s, e, _ in d0["segs"]])
    r = vm.run_pass(["buddy_script"], {"lab02.script": script_arg(script)}, mem=SCRIPT_MEM)
    d = parse_script(vm, r, script)
    replay_script(vm, r, d, script, free_at_start(d))


def check_snapshot(vm, r, d, i, segs, free, norder):
    snap = d["snap"][i]
    got = {(pa, o) for (_fl, _p, o), blocks in snap.items() for pa, _, _ in blocks}
    want = canonical(segs, free, norder)
    if got != want:
        vm.fail(r, "after operation %d the free blocks are wrong (grader's count of free pages: %d):\n"
                "  missing %s\n  extra   %s" % (i, len(free), sorted("%#x/%d" % b for b in want - got)[:8],
                                                sorted("%#x/%d" % b for b in got - want)[:8]))
    for (fl, pool, o), blocks in snap.items():
        for pa, ho, runs in blocks:
            vm.check(ho == o and runs == 1, r, "after operation %d block %#x on queue [%d][%d][%d] says "
                     "order %d and has pages of %d pools" % (i, pa, fl, pool, o, ho, runs))
            vm.check(any(s <= pa < e and sfl == fl for s, e, sfl in segs), r,
                     "after operation %d block %#x is on free list %d, not its segment's" % (i, pa, fl))
    count, check = d["se"][i]
    vm.check(count == len(free), r, "after operation %d v_free_count is %d; %d pages are free"
             % (i, count, len(free)))


def check_queue_heads(vm, r, d, top, S):
    """The queue order (handouts/02-buddy.md): a split's halves at the head, a
    freed block at the tail, allocation from the head."""
    fl = next(sfl for s, e, sfl in d["segs"] if s <= M32 < e)      # the free list of 32 MiB
    cache = 1

    def queue(tag, pool, o):
        return [pa for pa, _, _ in d["snap"][tag].get((fl, pool, o), [])]

    def head(tag, pool, o):
        q = queue(tag, pool, o)
        return q[0] if q else None

    def tail(tag, pool, o):
        q = queue(tag, pool, o)
        return q[-1] if q else None
    for o in range(top):
        vm.check(head(2, 0, o) == M32 + (PAGE << o), r, "after unfreeing %#x, the order-%d DEFAULT "
                 "queue should start with the half %#x it put back; it starts with %s"
                 % (M32, o, M32 + (PAGE << o), _hex(head(2, 0, o))))
    vm.check(tail(4, 0, top) == M32, r, "freeing %#x merged it into the top-order block %#x, which "
             "goes in at the tail of its queue; the queue ends with %s" % (M32, M32, _hex(tail(4, 0, top))))
    vm.check(d["res"].get(14) == S, r, "vm_phys_alloc_pages(CACHE, 0) with CACHE empty must steal the "
             "head of the largest non-empty queue, %#x; it returned %s" % (S, _hex(d["res"].get(14))))
    for o in range(top):
        vm.check(head(15, cache, o) == S + (PAGE << o), r, "after the steal the CACHE pool's order-%d "
                 "queue should hold the half %#x; it starts with %s" % (o, S + (PAGE << o), _hex(head(15, cache, o))))
    # 33-35: the contig run came out of a CACHE block and went back as DEFAULT;
    # 37: the CACHE page merged with it across pools, into one CACHE block.
    vm.check(S + 0x10000 not in queue(34, cache, 4), r, "the contig run at %#x is still on a CACHE queue"
             % (S + 0x10000))
    vm.check(tail(36, 0, 4) == S + 0x10000, r, "the contig run freed at %#x should end the order-4 "
             "DEFAULT queue (a freed block goes in at the tail; contig re-tags its pages DEFAULT); the "
             "queue ends with %s" % (S + 0x10000, _hex(tail(36, 0, 4))))
    vm.check(head(38, cache, top) == S and not any(pa == S for (_f, p, o), bl in d["snap"][38].items()
                                                    if p != cache for pa, _, _ in bl), r,
             "freeing the CACHE page %#x must merge it with its CACHE halves and the DEFAULT block at %#x "
             "into one top-order CACHE block" % (S, S + 0x10000))
    got = (d["res"].get(57), d["res"].get(58))
    vm.check(got == (S + P, S + 3 * P), r, "%#x and then %#x were freed onto the empty order-0 CACHE queue, "
             "so the next two order-0 CACHE allocations must return them in that order (a freed block "
             "goes in at the tail, allocation takes the head); they returned %s and %s"
             % (S + P, S + 3 * P, _hex(got[0]), _hex(got[1])))


def _hex(v):
    return "nothing" if v is None else "%#x" % v
