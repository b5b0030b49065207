"""Lab 01 (the page array) public tests.

The kernel only reports what it built: where the array and bitmap are (from
the pmap, which the lab does not touch), what PHYS_TO_VM_PAGE returns, which
pages the allocator hands out.  Every expected answer is recomputed here from
the memory size the grader gave QEMU (vmkit/physmem.py) and the kernel's ELF
file.  Points, configs and timeouts: labs/01-page-array/lab.toml.
"""
from typing import Any

from vmkit import physmem as pm

PAGE = pm.PAGE
SIZES = {False: ["128M", "511M", "3583M", "6G"],           # by vm.pae (RAM above 4 GiB)
         True: ["128M", "511M", "3583M", "5G", "6G"]}


# ------------------------------------------------------------------ parsing
def parse_layout(vm, r, test):
    """The report_layout() lines of `test`, plus runs/bad/probe/alloc lines."""
    info: dict[str, Any] = {"phys_avail": [], "runs": [], "bad": [], "probe": [], "edge": [], "alloc": [], "dup": [],
            "poison": [], "dumpset": []}
    for line in vm.kdata(r, test):      # typed by the grammar in vmkit/kdata.py
        k = line.kind
        if k in ("mode", "sizeof", "array", "bitmap", "guard", "dumpbits"):
            v = line.values()
            info[{"sizeof": "size"}.get(k, k)] = v[0] if len(v) == 1 else v
        elif k == "array_contiguous":
            info["contiguous"] = line["contiguous"]
        elif k in ("phys_avail", "probe", "edge", "poison", "dumpset", "alloc"):
            info[k].append(line.values())
        elif k == "run":
            info["runs"].append(line.values())
        elif k in ("bad", "dup"):
            info[k].append(line.text)
        elif k == "runs":
            info["summary"] = line.values()
        elif k == "count":
            info["count"] = line["counts"]
        elif k in ("touch", "beyond"):
            info[k] = line.values()
    return info


# ------------------------------------------------------------------ checks
class Layout:
    """The kernel's reported layout, checked against the grader's model."""

    def __init__(self, vm, r, mem, info, physseg=None):
        self.vm, self.r, self.mem, self.info = vm, r, mem, info
        pae = vm.pae
        self.ram = pm.addressable(pm.qemu_ram(mem), pae)
        self.kernel = pm.elf_load_range(vm.runner.build(vm.config, physseg).kernel)
        for key in ("mode", "size", "array", "bitmap", "guard", "contiguous"):
            vm.check(key in info, r, "the kernel printed no `%s` line (is the VM system on?)" % key)
        want_mode = physseg or ("sparse" if pae else "dense")
        vm.check(info["mode"] == want_mode, r, "mode %s, expected %s for %s"
                 % (info["mode"], want_mode, vm.config))
        self.post = info["phys_avail"]
        # The machine's free-list limits (segments are cut there), from the kernel ELF
        # the grader built: vm_phys_freelists is no lab file's, whatever vm_phys.c prints.
        self.limits = [fl.limit for fl in vm.freelists(r)]

    def fail_unless(self, cond, msg):
        self.vm.check(cond, self.r, "%s [-m %s]" % (msg, self.mem))

    def check(self):
        info, post = self.info, self.post
        ok = self.fail_unless
        a_va, npages, a_pa = info["array"]
        b_va, b_bytes, b_pa = info["bitmap"]
        size = info["size"]
        a_bytes = pm.round_page(npages * size)
        A, B = (a_pa, a_pa + a_bytes), (b_pa, b_pa + b_bytes)
        ok(post, "phys_avail is empty")
        for s, e in post:
            ok(s % PAGE == 0 and e % PAGE == 0 and s < e, "phys_avail range %#x-%#x is not page-aligned" % (s, e))
            ok(pm.inside((s, e), self.ram), "phys_avail range %#x-%#x is not RAM" % (s, e))
            ok(not pm.overlaps((s, e), self.kernel), "phys_avail range %#x-%#x overlaps the kernel image" % (s, e))
        for name, rng in (("vm_page_array", A), ("the bitmap", B)):
            ok(pm.inside(rng, self.ram), "%s at %#x-%#x is not in RAM" % (name, rng[0], rng[1]))
            ok(not pm.overlaps(rng, self.kernel), "%s at %#x-%#x overlaps the kernel image %#x-%#x"
               % (name, rng[0], rng[1], self.kernel[0], self.kernel[1]))
            for s, e in post:
                ok(not pm.overlaps(rng, (s, e)), "%s at %#x-%#x overlaps phys_avail %#x-%#x"
                   % (name, rng[0], rng[1], s, e))
        ok(not pm.overlaps(A, B), "vm_page_array %#x-%#x and the bitmap %#x-%#x overlap" % (A + B))
        ok(info["contiguous"], "vm_page_array is not one physically contiguous carve")
        ok(info["guard"][0] == a_va - PAGE, "the guard page is not right before vm_page_array")
        ok(info["guard"][1] == 0, "the page before vm_page_array is mapped (to %#x): no guard"
           % info["guard"][1])
        # Carved from the top of the largest range: re-attach and compare.
        carve = (A[0], B[1])
        ok(A[1] == B[0], "the bitmap must sit on top of the carve and vm_page_array right "
           "below it: the array ends at %#x, the bitmap starts at %#x" % (A[1], B[0]))
        ok(any(e == carve[1] for s, e in self.ram), "the carve %#x-%#x does not end at the top of a RAM range"
           % carve)
        pre = [(s, carve[1]) if e == carve[0] else (s, e) for s, e in post]
        if carve[0] not in [e for _, e in post]:
            pre = sorted(post + [carve])
        biggest = max(e - s for s, e in pre)
        ok(any(e == carve[1] and e - s == biggest for s, e in pre),
           "the array was not carved from the largest phys_avail range")
        first = next(r for r in pre if r[1] - r[0] == biggest)
        ok(first[1] == carve[1], "phys_avail ranges tie for the largest (%#x bytes): the carve must "
           "take the first, %#x-%#x, not the one ending at %#x" % (biggest, first[0], first[1], carve[1]))
        # Sizes the grader computes itself.
        frames_hi = max(e for _, e in pre) // PAGE
        want_n = frames_hi - pre[0][0] // PAGE if info["mode"] == "dense" else pm.pages(pre)
        ok(npages == want_n, "vm_page_array has %d entries; %s mode over these ranges needs %d"
           % (npages, info["mode"], want_n))
        want_b = {pm.round_page((frames_hi + 7) // 8), pm.round_page((frames_hi + 31) // 32 * 4)}
        ok(b_bytes in want_b, "the bitmap is %d bytes; one bit per frame up to %#x needs %d"
           % (b_bytes, frames_hi * PAGE, min(want_b)))
        # Everything that is RAM and not kernel, boot data or carve is in phys_avail.
        expect = pm.subtract(pm.subtract(self.ram, (0, PAGE)), carve)
        expect = pm.subtract(expect, (self.kernel[0], self.kernel[1] + 8 * pm.MiB))
        for s, e in expect:
            ok(pm.inside((s, e), post), "RAM %#x-%#x is missing from phys_avail" % (s, e))
        self.model = pm.ArrayModel(info["mode"], a_va, npages, size, pre, post, self.limits)
        return self


def check_runs(layout):
    """Each phys_avail range must map, page by page, to exactly the model's vm_pages."""
    info, model, ok = layout.info, layout.model, layout.fail_unless
    ok(not info["bad"], "PHYS_TO_VM_PAGE(pa)->phys_addr != pa:\n  " + "\n  ".join(info["bad"]))
    want = [(s, (e - s) // PAGE, model.expected(s)) for s, e in layout.post]
    got = info["runs"]
    ok(got == want, "PHYS_TO_VM_PAGE runs differ from the grader's:\n  expected %s\n  kernel   %s"
       % (fmt_runs(want), fmt_runs(got)))


def fmt_runs(runs):
    return ", ".join("%#x+%d->%#x" % r for r in runs[:8]) + (" ..." if len(runs) > 8 else "")


def poison_pattern(vm):
    """A grader-chosen 32-bit pattern with the lowest and highest bit set: in every
    bitmap word it marks frames that are no free page (frame 0, the kernel, holes,
    the carve, frames past the end of RAM) as well as others."""
    return vm.rng.getrandbits(32) | 0x80000001


def check_bitmap(layout, pattern):
    """The minidump bitmap after start-up: zeroed by the carve, so a bit may be set
    only by dump_add_page() for a page the kernel allocated (malloc's growth), and
    such a page comes out of phys_avail.  dump_poison wrote `pattern` over the
    bitmap's place before vm_page_startup(): RAM that starts zeroed must not hide
    a carve that does not clear it."""
    vm, r, info, ok = layout.vm, layout.r, layout.info, layout.fail_unless
    pois = parse_layout(vm, r, "dump_poison")["poison"]
    bits = parse_layout(vm, r, "dump_bitmap")
    _, b_bytes, b_pa = info["bitmap"]
    ok(pm.inside((b_pa, b_pa + b_bytes), pois), "grader: dump_poison wrote the pattern to %s, not over "
       "the bitmap at %#x-%#x" % (fmt_ranges(pois), b_pa, b_pa + b_bytes))
    ok("dumpbits" in bits, "the kernel printed no `dumpbits` line (dump_bitmap)")
    nbits, nruns = bits["dumpbits"]
    runs = bits["dumpset"]
    if nruns == len(runs):
        ok(nbits == sum(n for _, n in runs), "dump_bitmap: %d bits set, its runs hold %d"
           % (nbits, sum(n for _, n in runs)))
    stray = [(f, n) for f, n in runs if not pm.inside((f * PAGE, (f + n) * PAGE), layout.post)]
    ok(not stray, "the minidump bitmap has bits set for frames that are no page the kernel can have "
       "allocated (not in phys_avail): %s%s.  The carve must zero the bitmap: the grader wrote %#010x "
       "over its place before vm_page_startup()" % (
           ", ".join("%#x+%d" % x for x in stray[:6]), " ..." if len(stray) > 6 else "", pattern))


def boot_layout(vm, mem, tests=("page_array",), args=None, timeout=None):
    pattern = poison_pattern(vm)
    args = dict(args or {}, **{"lab01.poison": "%#x" % pattern})
    r = vm.run_pass(["dump_poison"] + list(tests) + ["dump_bitmap"], args, mem=mem, timeout=timeout)
    info = parse_layout(vm, r, tests[0])
    layout = Layout(vm, r, mem, info).check()
    check_bitmap(layout, pattern)
    return r, layout


def random_mem(vm):
    return vm.rng.choice(SIZES[vm.pae])


# ------------------------------------------------------------------ tests
def test_array_layout(vm):
    for mem in ("128M", random_mem(vm)):
        boot_layout(vm, mem)


def test_roundtrip(vm):
    for mem in ("128M", random_mem(vm)):
        _, layout = boot_layout(vm, mem)
        check_runs(layout)


# Far above RAM: the top of each config's physical address space, and (PAE)
# frame numbers that do not fit in 32 bits, which a `long` index narrows.
FAR_I386 = [0xFFFFF000, 0xFFFFF7FF, 0xFFFFFFFF]
FAR_PAE = [0xFFFFFFFFF, 0x1000000000, 0x80000002000, 0x1000000005000, 0x1000000000000]
EDGE_INSIDE = 0x4D1          # ktest_page_array.c: a byte inside a segment's first page


def probe_addresses(vm, mem, ram, pae):
    """Page 0, pages inside RAM (aligned and not), in holes, the kernel, past the
    end and far above it, in the carve, around 4 GiB."""
    top = ram[-1][1]
    picks = [0x0, 0x7FF, 0xFFF, 0x1000, 0x9F000, 0xA0000, 0xA0010, 0xFF000, 0xFFFFF, 0x100000,
             0x100ABC, top - PAGE, top - 1, top, top + 0x123, top + 64 * pm.MiB]
    picks += FAR_PAE if pae else FAR_I386
    for s, e in ram:
        for _ in range(3):
            p = s + vm.rng.randrange((e - s) // PAGE) * PAGE
            picks += [p, p + vm.rng.randrange(1, PAGE)]
    if pm.parse_size(mem) > 3 * pm.GiB:
        picks += [3 * pm.GiB + 0x100000, 4 * pm.GiB - PAGE, 4 * pm.GiB - 1, 4 * pm.GiB,
                  4 * pm.GiB + 0x7FF, 4 * pm.GiB + 5 * PAGE]
    return sorted(set(p for p in picks if pae or p < 4 * pm.GiB))


def edge_addresses(post, limits):
    """What phys_probe's edge probes must have asked, from the checked phys_avail
    and the free-list limits the segments are cut at."""
    out = []
    for s, e in pm.segments(post, limits):
        out += [s, s + EDGE_INSIDE, e - 1, e]
    return out


def probe_errors(model, asked, answers):
    wrong = []
    for want_pa, (pa, m, phys) in zip(asked, answers):
        want = model.expected(want_pa)
        if pa != want_pa or m != want or (m and phys != want_pa // PAGE * PAGE):
            wrong.append("  PHYS_TO_VM_PAGE(%#x) = %#x (->phys_addr %#x); expected %s"
                         % (want_pa, m, phys, "%#x" % want if want else "NULL"))
    return wrong


def check_probes(vm, mem, physseg=None, extra=()):
    """PHYS_TO_VM_PAGE of the grader's addresses and of every segment's first byte,
    a byte inside its first page, its last byte and the byte past its end."""
    pae = vm.pae
    ram = pm.addressable(pm.qemu_ram(mem), pae)
    addrs = sorted(set(probe_addresses(vm, mem, ram, pae)) | set(extra))
    r = vm.run_pass(["phys_probe"], {"lab01.probe": ",".join("%x" % a for a in addrs)}, mem=mem,
                    physseg=physseg)
    info = parse_layout(vm, r, "phys_probe")
    layout = Layout(vm, r, mem, info, physseg).check()
    vm.check(len(info["probe"]) == len(addrs), r, "asked %d probes, the kernel answered %d"
             % (len(addrs), len(info["probe"])))
    edges = edge_addresses(layout.post, layout.limits)
    vm.check([pa for pa, _, _ in info["edge"]] == edges, r,
             "grader: phys_probe probed the edges %s, expected those of the segments of phys_avail %s"
             % (", ".join("%#x" % pa for pa, _, _ in info["edge"]), fmt_ranges(layout.post)))
    wrong = probe_errors(layout.model, addrs, info["probe"]) + \
        probe_errors(layout.model, edges, info["edge"])
    vm.check(not wrong, r, "%s mode, -m %s:\n%s" % (info.get("mode"), mem, "\n".join(wrong)))
    return layout


def test_probe_holes(vm):
    check_probes(vm, "128M")
    check_probes(vm, "6G")


def test_high_memory(vm):
    layout = check_probes(vm, vm.rng.choice(["5G", "6G"]))
    vm.check(any(e > 4 * pm.GiB for _, e in layout.post), layout.r,
             "on PAE the RAM above 4 GiB must be in phys_avail and the page array")


def test_guard_faults(vm):
    r = vm.run(["guard"], mem="128M", expect=("panic",))
    info = parse_layout(vm, r, "guard")
    vm.check("array" in info and "touch" in info, r,
             "the guard test printed no layout (is the VM system on?)")
    touch = info["touch"][0]
    vm.check(touch == info["array"][0] - info["size"], r, "vm_page_array[-1] is at %#x, expected %#x"
             % (touch, info["array"][0] - info["size"]))
    vm.check(r.kind == "panic", r, "reading vm_page_array[-1] must fault; the run ended as: %s"
             % (r.problem() or "ok"))
    cr2 = [line for line in r.log.splitlines() if "cr2" in line]
    vm.check(cr2 and ("%#010x" % touch) in cr2[0] and "not present" in cr2[0], r,
             "expected a not-present page fault at cr2 %#010x, the trap report says: %s"
             % (touch, cr2[0] if cr2 else "(no trap report)"))


def merge(runs):
    out: list[tuple[int, int]] = []
    for s, e in sorted(runs):
        if out and out[-1][1] == s:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def check_drain(vm, mem, nblack=3):
    pae = vm.pae
    ram = pm.addressable(pm.qemu_ram(mem), pae)
    lo_ok = [(max(s, 32 * pm.MiB), e - 64 * pm.MiB) for s, e in ram if e - 64 * pm.MiB > max(s, 32 * pm.MiB)]
    black = sorted({vm.rng.choice(lo_ok)[0] + vm.rng.randrange(1 << 12) * PAGE for _ in range(nblack)})
    black = [b for b in black if any(s <= b < e for s, e in lo_ok)]
    args = {"vm.blacklist": ",".join("%#x" % b for b in black)}
    r = vm.run_pass(["drain", "page_array"], args, mem=mem)
    info = parse_layout(vm, r, "drain")
    layout = Layout(vm, r, mem, parse_layout(vm, r, "page_array")).check()
    got = merge([(s, s + n * PAGE) for s, n in info["alloc"]])
    want = layout.post
    for b in black:
        want = pm.subtract(want, (b, b + PAGE))
    want = merge(want)
    vm.check(not info["dup"], r, "the allocator handed out a page twice:\n  " + "\n  ".join(info["dup"]))
    for b in black:
        vm.check(not any(s <= b < e for s, e in got), r, "blacklisted page %#x was handed out" % b)
    vm.check(got == want, r, "the pages handed out are not phys_avail minus the blacklist:\n"
             "  expected %s\n  got      %s" % (fmt_ranges(want), fmt_ranges(got)))
    counts = info.get("count", {})
    vm.check(counts.get("before") == counts.get("after") == counts.get("got"), r,
             "free counts do not add up after giving every page back: %s" % counts)


def fmt_ranges(rs):
    return ", ".join("%#x-%#x" % x for x in rs[:8]) + (" ..." if len(rs) > 8 else "")


def test_blacklist_drain(vm):
    check_drain(vm, "128M")
    check_drain(vm, vm.rng.choice(["511M", "3583M"]))
