# tools/gdb/vmkit_gdb.py - GDB helpers for the vmkit VM: look at struct vm_page,
# the physical segments and the buddy free queues from the debugger.
#
# `make gdb` sources this file (through the generated .gdbinit); by hand:
#   (gdb) source tools/gdb/vmkit_gdb.py
#
#   vmpage [-p|-m] EXPR   decode one struct vm_page, given a physical address
#                         (numbers below KERNBASE, or -p) or a vm_page pointer
#                         (vm_page_t values, numbers at/above KERNBASE, or -m)
#   vmsegs                vm_phys_segs[] and the extent of vm_page_array
#   vmbuddy [-q] [-v]     counts per free list/pool/order, checking the buddy
#                         invariants (-q: block heads only; -v: list blocks)
#   help vmkit            this list
#
# Pretty-printers: `print *m` on a struct vm_page shows a one-line summary
# before the fields; vm_paddr_t prints in 64-bit hex.  Turn them off with
# `disable pretty-printer global vmkit`.
#
# Everything is read from kernel memory through the debug info (field offsets
# from gdb.lookup_type, array bounds from the arrays' types), so it follows
# the kernel's headers; KERNBASE is the linker script's symbol, and the free
# lists' names and limits are the kernel's own table (vm_phys_freelists, from
# machine/vmparam.h).  Flag names are parsed from kernel/vm/vm_page.h when
# it is found next to this file, else a built-in copy is used.
# GDB Python, stdlib only.

import os
import re
import struct

import gdb

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
MAX_VIOLATIONS = 20          # vmbuddy prints at most this many

# Built-in copies of kernel/vm/vm_page.h; refreshed from the header below.
PG_FLAGS = {"PG_CACHED": 0x0001, "PG_FREE": 0x0002, "PG_WINATCFLS": 0x0004,
            "PG_FICTITIOUS": 0x0008, "PG_WRITEABLE": 0x0010, "PG_ZERO": 0x0040,
            "PG_REFERENCED": 0x0080, "PG_UNMANAGED": 0x0800}
VPO_FLAGS = {"VPO_BUSY": 0x01, "VPO_WANTED": 0x02, "VPO_SWAPINPROG": 0x04}
PQ_NAMES = {0: "PQ_NONE", 1: "PQ_INACTIVE", 2: "PQ_ACTIVE", 3: "PQ_HOLD"}
VM_PHYSSEG_NONE = 0xFF


def _load_header_names():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "vm", "vm_page.h")
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return
    defs = {}
    for name, val in re.findall(r"^#define\s+((?:PG|VPO|PQ)_[A-Z0-9_]+)\s+(0x[0-9a-fA-F]+|\d+)",
                                text, re.M):
        defs[name] = int(val, 0)
    pg = {k: v for k, v in defs.items() if k.startswith("PG_")}
    vpo = {k: v for k, v in defs.items() if k.startswith("VPO_")}
    pq = {v: k for k, v in defs.items() if k.startswith("PQ_") and k != "PQ_COUNT"}
    if pg:
        PG_FLAGS.clear()
        PG_FLAGS.update(pg)
    if vpo:
        VPO_FLAGS.clear()
        VPO_FLAGS.update(vpo)
    if pq:
        PQ_NAMES.clear()
        PQ_NAMES.update(pq)


_load_header_names()


# ---- Small helpers ----------------------------------------------------------

class VmkitError(Exception):
    pass


def _sym(name):
    try:
        return gdb.parse_and_eval(name)
    except gdb.error:
        raise VmkitError("no symbol %r in this kernel (is the VM code there yet? "
                         "`file build/CONFIG/kernel.elf`?)" % name) from None


def _kernbase():
    """KERNBASE, from the linker script's symbol of that name (its address)."""
    try:
        return int(gdb.parse_and_eval("(unsigned long)&KERNBASE"))
    except gdb.error:
        raise VmkitError("no KERNBASE symbol in this kernel (kernel/arch/*/kernel.ld "
                         "defines it; `file build/CONFIG/kernel.elf`?)") from None


def _size_text(n):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d %s" % (n >> shift, unit)
    return "%#x" % n


def _freelist_names():
    """{index: "name: below LIMIT"} from the kernel's vm_phys_freelists[]."""
    table = _sym("vm_phys_freelists")
    out = {}
    for fl in range(_array_dims(table.type)[0]):
        e = table[fl]
        out[fl] = "%s: below %s" % (e["name"].string(), _size_text(int(e["limit"])))
    return out


def _pool_names():
    """{index: name} from the kernel's vm_phys_pool_names[]."""
    table = _sym("vm_phys_pool_names")
    return {p: table[p].string() for p in range(_array_dims(table.type)[0])}


def _int(v):
    """A gdb.Value (integer or pointer) as a Python int, unsigned for pointers."""
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR:
        return int(v.cast(gdb.lookup_type("unsigned long"))) & ((1 << (8 * t.sizeof)) - 1)
    return int(v)


def _decode_flags(value, table):
    names = [n for n, bit in sorted(table.items(), key=lambda kv: kv[1]) if value & bit]
    rest = value
    for bit in table.values():
        rest &= ~bit
    if rest:
        names.append("%#x?" % rest)
    return "|".join(names) if names else "-"


def _hex64(pa):
    return "0x%016x" % pa


def _array_dims(t):
    """Dimensions of a (multi-dimensional) array type, outermost first."""
    dims = []
    t = t.strip_typedefs()
    while t.code == gdb.TYPE_CODE_ARRAY:
        lo, hi = t.range()
        dims.append(hi - lo + 1)
        t = t.target().strip_typedefs()
    return dims


def _field_layout(t, names):
    """{field: (byte offset, struct format)} for fixed-size integer/pointer fields."""
    fmts = {1: "B", 2: "H", 4: "I", 8: "Q"}
    out = {}
    by_name = {f.name: f for f in t.strip_typedefs().fields()}
    for n in names:
        f = by_name[n]
        out[n] = (f.bitpos // 8, "<" + fmts[f.type.strip_typedefs().sizeof])
    return out


class Kernel:
    """A snapshot of the VM globals the commands need, read once per command."""

    def __init__(self):
        self.page_t = gdb.lookup_type("struct vm_page")
        self.page_p = self.page_t.pointer()
        self.psize = self.page_t.sizeof
        self.ptr_size = gdb.lookup_type("void").pointer().sizeof
        self.array = _sym("vm_page_array")
        self.array_addr = _int(self.array)
        self.array_size = int(_sym("vm_page_array_size"))
        self.first_page = int(_sym("first_page"))
        segs = _sym("vm_phys_segs")
        self.nsegs = int(_sym("vm_phys_nsegs"))
        self.segs = []
        for i in range(max(0, min(self.nsegs, _array_dims(segs.type)[0]))):
            s = segs[i]
            self.segs.append({
                "start": int(s["start"]), "end": int(s["end"]),
                "first_page": _int(s["first_page"]), "freelist": int(s["freelist"]),
            })
        self.pageq_off = next(f.bitpos // 8 for f in self.page_t.fields() if f.name == "pageq")
        self.layout = _field_layout(self.page_t, ["flags", "order", "pool", "segind", "phys_addr"])
        self.paddr_bits = 8 * self.page_t["phys_addr"].type.strip_typedefs().sizeof
        self.freelist_names = _freelist_names()
        self.pool_names = _pool_names()

    # -- the page array
    def started(self):
        return self.array_addr != 0 and self.array_size > 0

    def in_array(self, addr):
        end = self.array_addr + self.array_size * self.psize
        return self.array_addr <= addr < end and (addr - self.array_addr) % self.psize == 0

    def index(self, addr):
        return (addr - self.array_addr) // self.psize

    def page_at(self, addr):
        return gdb.Value(addr).cast(self.page_p).dereference()

    def seg_of_pa(self, pa):
        for i, s in enumerate(self.segs):
            if s["start"] <= pa < s["end"]:
                return i
        return None

    def dense(self):
        """True if the array is laid out densely (index = atop(pa) - first_page)."""
        if not self.segs:
            return True
        for s in self.segs:
            want = self.array_addr + ((s["start"] >> PAGE_SHIFT) - self.first_page) * self.psize
            if s["first_page"] != want:
                return False
        last = max(s["end"] for s in self.segs)
        return self.array_size >= (last >> PAGE_SHIFT) - self.first_page

    def pa_to_page(self, pa):
        """Address of the vm_page of physical address pa (as PHYS_TO_VM_PAGE), or None."""
        s = self.seg_of_pa(pa)
        if s is not None:
            seg = self.segs[s]
            return seg["first_page"] + ((pa >> PAGE_SHIFT) - (seg["start"] >> PAGE_SHIFT)) * self.psize
        # dense: holes between segments still have (unused) entries
        if self.dense():
            i = (pa >> PAGE_SHIFT) - self.first_page
            if 0 <= i < self.array_size:
                return self.array_addr + i * self.psize
        return None

    # -- bulk reads for vmbuddy
    def read_pages(self, addr, n):
        """Decode n consecutive struct vm_page at addr: list of dicts."""
        raw = bytes(gdb.selected_inferior().read_memory(addr, n * self.psize))
        pf = "<" + ("I" if self.ptr_size == 4 else "Q")
        out = []
        for i in range(n):
            base = i * self.psize
            d = {"addr": addr + base}
            for name, (off, fmt) in self.layout.items():
                d[name] = struct.unpack_from(fmt, raw, base + off)[0]
            d["next"], d["prev"] = struct.unpack_from(pf + pf[1], raw, base + self.pageq_off)
            out.append(d)
        return out

    def read_ptr(self, addr):
        pf = "<I" if self.ptr_size == 4 else "<Q"
        return struct.unpack(pf, bytes(gdb.selected_inferior().read_memory(addr, self.ptr_size)))[0]


def _kernel():
    try:
        return Kernel()
    except gdb.error as e:
        raise VmkitError("cannot read the VM state: %s" % e) from None


def _not_started(k):
    return ("vm_page_array is %s (size %d): vm_page_startup() has not run yet "
            "(try `break monitor` or a later stop)" % (hex(k.array_addr), k.array_size))


# ---- vmpage -----------------------------------------------------------------

class VmPage(gdb.Command):
    """Decode one struct vm_page: vmpage [-p|-m] EXPR

EXPR is a physical address or a struct vm_page pointer (any GDB expression):
a vm_page_t value is a pointer; a plain number below KERNBASE (0xc0000000 on i386) or
at/above 4 GiB is a physical address, resolved like PHYS_TO_VM_PAGE (search
vm_phys_segs[], else the dense formula vm_page_array[atop(pa) - first_page]);
other numbers are pointers.  -p forces a physical address, -m a pointer.
Examples:  vmpage 0x200000    vmpage -p 0x100000000    vmpage m    vmpage &vm_page_array[5]"""

    def __init__(self):
        super().__init__("vmpage", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, arg, from_tty):
        try:
            self._run(arg)
        except VmkitError as e:
            raise gdb.GdbError("vmpage: %s" % e)

    def _run(self, arg):
        words = arg.split(None, 1)
        mode = None
        while words and words[0] in ("-p", "-m"):
            mode = words[0]
            words = words[1].split(None, 1) if len(words) > 1 else []
        if not words:
            raise VmkitError("usage: vmpage [-p|-m] <paddr|vm_page pointer>")
        expr = " ".join(words)
        try:
            v = gdb.parse_and_eval(expr)
        except gdb.error as e:
            raise VmkitError(str(e)) from None
        k = _kernel()
        t = v.type.strip_typedefs()
        if t.code == gdb.TYPE_CODE_STRUCT and t.tag == "vm_page":
            v = v.address
            t = v.type.strip_typedefs()
        is_page_ptr = (t.code == gdb.TYPE_CODE_PTR and
                       t.target().strip_typedefs().code == gdb.TYPE_CODE_STRUCT and
                       t.target().strip_typedefs().tag == "vm_page")
        n = _int(v)
        if mode == "-p" or (mode is None and not is_page_ptr and (n < _kernbase() or n >= 1 << 32)):
            if not k.started():
                raise VmkitError(_not_started(k))
            addr = k.pa_to_page(n)
            if addr is None:
                raise VmkitError("no vm_page for physical address %s (in no segment%s)"
                                 % (_hex64(n), " and outside the dense array" if k.dense() else ""))
            print("pa %s -> vm_page %#x" % (_hex64(n), addr))
        else:
            addr = n
        print_page(k, addr)


def print_page(k, addr):
    where = ""
    if k.in_array(addr):
        where = "vm_page_array[%d]" % k.index(addr)
    elif k.started():
        where = "NOT an entry of vm_page_array (%#x, %d entries of %d bytes)" % (
            k.array_addr, k.array_size, k.psize)
    try:
        m = k.page_at(addr)
        pa = int(m["phys_addr"])
        flags, oflags = int(m["flags"]), int(m["oflags"])
        queue, order, pool = int(m["queue"]), int(m["order"]), int(m["pool"])
        segind = int(m["segind"])
    except gdb.MemoryError as e:
        raise VmkitError("cannot read a struct vm_page at %#x: %s" % (addr, e)) from None
    norder = _array_dims(_sym("vm_phys_free_queues").type)[2]
    print("struct vm_page *%#x  %s" % (addr, where))
    print("  phys_addr  %s" % _hex64(pa))
    print("  flags      %#06x  %s" % (flags, _decode_flags(flags, PG_FLAGS)))
    print("  oflags     %#04x    %s" % (oflags, _decode_flags(oflags, VPO_FLAGS)))
    print("  queue      %d       %s" % (queue, PQ_NAMES.get(queue, "unknown queue!")))
    if order == norder:
        otext = "VM_NFREEORDER: not the head of a free block"
    elif order < norder:
        otext = "heads a free block of %d page%s [%s, %s)" % (
            1 << order, "" if order == 0 else "s", _hex64(pa), _hex64(pa + (PAGE_SIZE << order)))
    else:
        otext = "invalid (VM_NFREEORDER is %d)" % norder
    print("  order      %-7d %s" % (order, otext))
    print("  pool       %-7d %s" % (pool, k.pool_names.get(pool, "unknown pool!")))
    if segind == VM_PHYSSEG_NONE:
        stext = "VM_PHYSSEG_NONE: in no segment (a hole in the dense array)"
    elif segind < len(k.segs):
        s = k.segs[segind]
        stext = "[%s, %s)" % (_hex64(s["start"]), _hex64(s["end"]))
        if not s["start"] <= pa < s["end"]:
            stext += "  -- but phys_addr is outside it!"
    else:
        stext = "invalid (vm_phys_nsegs is %d)" % k.nsegs
    print("  segind     %-7d %s" % (segind, stext))
    print("  wire_count %d  hold_count %d  cow %d  busy %d" % (
        int(m["wire_count"]), int(m["hold_count"]), int(m["cow"]), int(m["busy"])))
    obj = _int(m["object"])
    print("  object     %s  pindex %d" % ("NULL" if obj == 0 else "%#x" % obj, int(m["pindex"])))
    print("  valid      %#04x  dirty %#04x" % (int(m["valid"]), int(m["dirty"])))
    print("  pageq      tqe_next %#x tqe_prev %#x" % (_int(m["pageq"]["tqe_next"]),
                                                   _int(m["pageq"]["tqe_prev"])))


# ---- vmsegs -----------------------------------------------------------------

class VmSegs(gdb.Command):
    """The physical segments (vm_phys_segs[]) and the extent of vm_page_array: vmsegs"""

    def __init__(self):
        super().__init__("vmsegs", gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        try:
            k = _kernel()
        except VmkitError as e:
            raise gdb.GdbError("vmsegs: %s" % e)
        if not k.started():
            print(_not_started(k))
        end = k.array_addr + k.array_size * k.psize
        print("vm_page_array %#x..%#x: %d entries x %d bytes = %d KiB; first_page %#x (pa %s); %s"
              % (k.array_addr, end, k.array_size, k.psize, (end - k.array_addr) >> 10,
                 k.first_page, _hex64(k.first_page << PAGE_SHIFT),
                 "dense" if k.dense() else "sparse"))
        print("vm_phys_nsegs %d" % k.nsegs)
        print("  seg  %-18s  %-18s  %8s  %-10s %-9s  %s" % (
            "start", "end", "pages", "first_page", "index", "free list"))
        total = 0
        for i, s in enumerate(k.segs):
            pages = (s["end"] - s["start"]) >> PAGE_SHIFT
            total += pages
            idx = ("[%d]" % k.index(s["first_page"])) if k.in_array(s["first_page"]) else "OUTSIDE!"
            print("  %3d  %s  %s  %8d  %#010x %-9s  %d %s" % (
                i, _hex64(s["start"]), _hex64(s["end"]), pages, s["first_page"], idx,
                s["freelist"], k.freelist_names.get(s["freelist"], "")))
        print("  total %d pages (%d MiB) in segments" % (total, total >> (20 - PAGE_SHIFT)))


# ---- vmbuddy ----------------------------------------------------------------

class VmBuddy(gdb.Command):
    """Walk the buddy free queues and check their invariants: vmbuddy [-q] [-v]

Prints blocks per free list, pool and order from vm_phys_free_queues, walking
each TAILQ (not trusting lcnt), and checks what vm_phys_check() does:
  - every link is a vm_page_array entry, each tqe_prev points at the previous
    tqe_next, and the head's tqh_last at the last one;
  - a head's order equals its queue's order;
  - a block is aligned to its size and lies in one segment of the queue's free list;
  - every page of the block has the queue's pool and exactly one of PG_FREE
    and PG_CACHED, and every page but the head has order == VM_NFREEORDER;
  - the list's length equals lcnt;
  - the pages in the queues equal cnt.v_free_count + cnt.v_cache_count.
-q checks block heads only (faster with many GiB); -v lists every block."""

    def __init__(self):
        super().__init__("vmbuddy", gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        opts = arg.split()
        bad = [o for o in opts if o not in ("-q", "-v")]
        if bad:
            raise gdb.GdbError("vmbuddy: unknown option %s; usage: vmbuddy [-q] [-v]" % bad[0])
        try:
            walk_buddy(_kernel(), quick="-q" in opts, verbose="-v" in opts)
        except VmkitError as e:
            raise gdb.GdbError("vmbuddy: %s" % e)



def _batched_pages(nfl: int, npool: int) -> int:
    """Free pages in the order-0 batches in front of vm_phys (vm_phys_batch.c),
    one per free list and pool: free, but on no buddy queue.  0 for a kernel
    without them."""
    try:
        b = _sym("vm_phys_batches")
    except VmkitError:
        return 0
    return sum(int(b[fl][p]["count"]) for fl in range(nfl) for p in range(npool))

def walk_buddy(k, quick=False, verbose=False):
    fq = _sym("vm_phys_free_queues")
    nfl, npool, norder = _array_dims(fq.type)
    fl_t = fq.type.strip_typedefs().target().target().target()
    pl_off = next(f.bitpos // 8 for f in fl_t.strip_typedefs().fields() if f.name == "pl")
    violations = []

    def bad(msg):
        violations.append(msg)

    if not k.started():
        print(_not_started(k))
    counts = {}          # (fl, pool, order) -> blocks walked
    total_pages = 0
    total_blocks = 0
    for fl in range(nfl):
        for pool in range(npool):
            for order in range(norder):
                q = fq[fl][pool][order]
                head = _int(q.address) + pl_off     # &pl.tqh_first
                lcnt = int(q["lcnt"])
                n = 0
                prev = head                          # where the previous tqe_next lives
                link = k.read_ptr(head)
                qname = "queue [%d][%d][%d]" % (fl, pool, order)
                complete = True
                while link != 0:
                    if n > k.array_size:
                        bad("%s: more than vm_page_array_size links: a cycle" % qname)
                        complete = False
                        break
                    maddr = link
                    if not k.in_array(maddr):
                        bad("%s: link %#x (after %#x) is not a vm_page_array entry"
                            % (qname, link, prev))
                        complete = False
                        break
                    npg = 1 if quick else min(1 << order, k.array_size - k.index(maddr))
                    try:
                        pages = k.read_pages(maddr, npg)
                    except gdb.MemoryError as e:
                        bad("%s: cannot read block at %#x: %s" % (qname, maddr, e))
                        complete = False
                        break
                    m = pages[0]
                    pa = m["phys_addr"]
                    n += 1
                    if m["prev"] != prev:
                        bad("%s: page %s: pageq.tqe_prev is %#x, expected %#x"
                            % (qname, _hex64(pa), m["prev"], prev))
                    check_block(k, bad, qname, fl, pool, order, norder, pages, quick)
                    if verbose:
                        print("  [%d][%d][%2d] %s..%s  vm_page_array[%d]" % (
                            fl, pool, order, _hex64(pa), _hex64(pa + (PAGE_SIZE << order)),
                            k.index(maddr)))
                    prev = maddr + k.pageq_off
                    link = m["next"]
                last = k.read_ptr(head + k.ptr_size)
                if complete and last != prev and not (n == 0 and last == 0):   # 0: not yet TAILQ_INIT
                    bad("%s: tqh_last is %#x, expected %#x (the last tqe_next)"
                        % (qname, last, prev))
                if n != lcnt:
                    bad("%s: list has %d blocks, lcnt says %d" % (qname, n, lcnt))
                counts[(fl, pool, order)] = n
                total_blocks += n
                total_pages += n << order

    # One table: a column per (free list, pool), a row per order.
    w = 9
    print("free blocks".ljust(16) + " | ".join(
        ("free list %d" % fl).center(w * npool + npool - 1) for fl in range(nfl)))
    print("order     pages " + " | ".join(
        " ".join(("%s" % k.pool_names.get(p, p)).rjust(w) for p in range(npool)) for _ in range(nfl)))
    for order in range(norder - 1, -1, -1):
        print("%5d %9d " % (order, 1 << order) + " | ".join(
            " ".join("%*d" % (w, counts[(fl, p, order)]) for p in range(npool)) for fl in range(nfl)))
    try:
        c = _sym("cnt")
        free, cached = int(c["v_free_count"]), int(c["v_cache_count"])
        batched = _batched_pages(nfl, npool)
        if total_pages + batched != free + cached:
            bad("the queues hold %d pages and the order-0 batches %d, cnt says v_free_count %d"
                " + v_cache_count %d = %d" % (total_pages, batched, free, cached, free + cached))
        ctext = "; cnt.v_free_count %d (%d in the order-0 batches), v_cache_count %d" % (
            free, batched, cached)
    except VmkitError:
        ctext = ""
    print("free lists: " + ", ".join("%d %s" % (fl, k.freelist_names.get(fl, "?")) for fl in range(nfl)))
    print("total: %d blocks, %d pages (%d KiB)%s" % (total_blocks, total_pages,
                                                     total_pages * (PAGE_SIZE >> 10), ctext))
    if violations:
        print("INVARIANT VIOLATIONS: %d%s" % (len(violations), " (first %d shown)" % MAX_VIOLATIONS
                                                if len(violations) > MAX_VIOLATIONS else ""))
        for v in violations[:MAX_VIOLATIONS]:
            print("  VIOLATION: " + v)
    else:
        print("invariants: OK (%s)" % ("block heads only: -q" if quick else "every page of every block"))


def check_block(k, bad, qname, fl, pool, order, norder, pages, quick):
    m = pages[0]
    pa = m["phys_addr"]
    bsize = PAGE_SIZE << order
    if m["order"] != order:
        bad("%s: head %s says order %d" % (qname, _hex64(pa), m["order"]))
    if pa & (bsize - 1):
        bad("%s: block %s is not aligned to its size (%#x)" % (qname, _hex64(pa), bsize))
    s = m["segind"]
    if s >= len(k.segs):
        bad("%s: head %s has segind %d (vm_phys_nsegs %d)" % (qname, _hex64(pa), s, k.nsegs))
    else:
        seg = k.segs[s]
        if pa < seg["start"] or pa + bsize > seg["end"]:
            bad("%s: block %s..%s is not inside its segment %d [%s, %s)" % (
                qname, _hex64(pa), _hex64(pa + bsize), s, _hex64(seg["start"]), _hex64(seg["end"])))
        if seg["freelist"] != fl:
            bad("%s: block %s is in segment %d of free list %d" % (qname, _hex64(pa), s, seg["freelist"]))
    pg_free = PG_FLAGS.get("PG_FREE", 0x2)
    pg_cached = PG_FLAGS.get("PG_CACHED", 0x1)
    if not quick and len(pages) < (1 << order):
        bad("%s: block %s runs past the end of vm_page_array" % (qname, _hex64(pa)))
    for i, p in enumerate(pages):
        problems = []
        if p["pool"] != pool:
            problems.append("pool %d (queue's %d)" % (p["pool"], pool))
        if bool(p["flags"] & pg_free) == bool(p["flags"] & pg_cached):
            problems.append("%s (flags %#x)" % ("both PG_FREE and PG_CACHED" if p["flags"] & pg_free
                                                else "no PG_FREE", p["flags"]))
        if i > 0 and p["order"] != norder:
            problems.append("order %d, not VM_NFREEORDER" % p["order"])
        if i > 0 and p["phys_addr"] != pa + i * PAGE_SIZE:
            problems.append("phys_addr %s, expected %s" % (_hex64(p["phys_addr"]),
                                                          _hex64(pa + i * PAGE_SIZE)))
        if problems:
            bad("%s: page %s (#%d) of block %s: %s" % (
                qname, _hex64(p["phys_addr"]), i, _hex64(pa), ", ".join(problems)))


# ---- help vmkit ---------------------------------------------------------------

class Vmkit(gdb.Command):
    """vmkit GDB helpers (tools/gdb/vmkit_gdb.py):

  vmpage [-p|-m] EXPR   decode a struct vm_page from a physical address
                        (below 0xc0000000 or -p) or a vm_page pointer (-m)
  vmsegs                vm_phys_segs[] and the extent of vm_page_array
  vmbuddy [-q] [-v]     free blocks per free list/pool/order, with the buddy
                        invariants checked (-q heads only, -v list blocks)

`help vmpage` etc. for details.  Pretty-printers: struct vm_page gets a
summary line, vm_paddr_t prints in hex (`disable pretty-printer global vmkit`)."""

    def __init__(self):
        super().__init__("vmkit", gdb.COMMAND_USER, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        print(self.__doc__)


# ---- Pretty-printers ----------------------------------------------------------

class VmPagePrinter:
    def __init__(self, val):
        self.val = val

    def to_string(self):
        v = self.val
        try:
            s = "pa %s %s" % (_hex64(int(v["phys_addr"])), _decode_flags(int(v["flags"]), PG_FLAGS))
            order = int(v["order"])
            norder = _array_dims(gdb.lookup_global_symbol("vm_phys_free_queues").type)[2] \
                if gdb.lookup_global_symbol("vm_phys_free_queues") else None
            if norder is not None and order < norder:
                s += " order %d" % order
            s += " pool %d" % int(v["pool"])
            return s
        except (gdb.error, gdb.MemoryError):
            return "<unreadable vm_page>"

    def children(self):
        for f in self.val.type.strip_typedefs().fields():
            yield f.name, self.val[f.name]


class PaddrPrinter:
    def __init__(self, val):
        self.val = val

    def to_string(self):
        return _hex64(int(self.val))


def _lookup_printer(val):
    t = val.type
    if t.code == gdb.TYPE_CODE_TYPEDEF and t.name == "vm_paddr_t":
        return PaddrPrinter(val)
    st = t.strip_typedefs()
    if st.code == gdb.TYPE_CODE_STRUCT and st.tag == "vm_page":
        return VmPagePrinter(val)
    return None


def _register_printers():
    class _Collection:
        name = "vmkit"
        enabled = True
        subprinters = None

        def __call__(self, val):
            return _lookup_printer(val) if self.enabled else None

    for p in list(gdb.pretty_printers):
        if getattr(p, "name", None) == "vmkit":
            gdb.pretty_printers.remove(p)
    gdb.pretty_printers.append(_Collection())


VmPage()
VmSegs()
VmBuddy()
Vmkit()
_register_printers()
