"""Lab 01 hidden tests (instructors only): odd memory sizes, where rounding
and off-by-one errors in the array's sizing show up, a drain above 4 GiB,
PHYS_TO_VM_PAGE on every layout class of physical memory, and the dense
layout under PAE (frame numbers that do not fit in 32 bits).
"""
from tests.test_lab01 import boot_layout, check_drain, check_probes, check_runs
from vmkit import physmem as pm

# -m sizes that make each layout class (probe_holes already boots 128M and 6G):
#   3583M  (i386) the largest range ends 128 KiB below 3.5 GiB, the top of RAM below the
#          PCI hole;
#   4G     (PAE) 3 GiB below the PCI hole, 1 GiB above 4 GiB: the largest range is not
#          the last, so the carve sits below the hole and the top of RAM ends a segment;
#   low    just above the boot allocations, so that low memory (phys_avail[0], 632 KiB)
#          ties with the range above the kernel (the carve must take the first) or, when
#          QEMU's 8 KiB steps cannot make a tie, is the largest: the carve lies below 640 KiB.
FIRST = {False: "3583M", True: "4G"}        # by vm.pae (RAM above 4 GiB)


def low_memory_size(post):
    """-m (in KiB) that makes phys_avail[1] as large as phys_avail[0] if QEMU can, else
    just smaller; from where the boot allocations end (phys_avail[1]'s start, which
    only the kernel's size moves, never the carve)."""
    (s0, e0), (s1, _) = post[0], post[1]
    top = s1 + (e0 - s0)                            # the end of phys_avail[1] for a tie
    if top % pm.RAM_ALIGN:
        top -= pm.PAGE                              # no tie possible: range 0 the largest
    return "%dK" % ((top + 0x20000) // pm.KiB)      # QEMU keeps the last 128 KiB below 4 GiB


def random_layout_mem(vm):
    return "%dM" % vm.rng.randrange(9, 7 * 1024 if vm.pae else 4 * 1024)


def page_crossing_size(vm):
    """A -m size whose bitmap's 32-bit words just pass a page boundary: atop(high) is
    32768k + j with 1 <= j <= 62 (even: QEMU's 8 KiB steps), where rounding the frame
    count to words, or the words to pages, the wrong way gives one page less."""
    k, i = vm.rng.randrange(1, 27), vm.rng.randrange(1, 32)
    return "%dK" % (128 * 1024 * k + 128 + 8 * i)


def test_odd_sizes(vm):
    for mem in (page_crossing_size(vm), vm.rng.randrange(40, 200), vm.rng.randrange(200, 3584)):
        _, layout = boot_layout(vm, mem)
        check_runs(layout)


def test_drain_high(vm):
    check_drain(vm, "6G" if vm.pae else "3583M", nblack=5)


def test_probe_layouts(vm):
    layout = check_probes(vm, FIRST[vm.pae])
    for mem in (low_memory_size(layout.post), random_layout_mem(vm)):
        check_probes(vm, mem)


# Dense under PAE: atop(pa) is a 64-bit frame number; narrowed to a 32-bit
# `long` index, 0x1000000005000 (frame 0x1000000005) becomes frame 5 and
# 0x80000002000 a negative index.  Both, and their neighbours, must be NULL.
HUGE = [0x80000002000, 0x80000000000, 0x1000000005000, 0x1000000001000 + 0x10,
        0xFFFFFFFF000, 0x100000001000]


def test_dense_pae(vm):
    for mem in ("6G", "4G"):
        layout = check_probes(vm, mem, physseg="dense", extra=HUGE)
        vm.check(layout.info["mode"] == "dense" and any(e > 4 * pm.GiB for _, e in layout.post),
                 layout.r, "dense PAE at -m %s: the RAM above 4 GiB must be in phys_avail" % mem)
