"""Tests of the reference kernel itself (not a lab; `make test` runs them):
boot and the physical memory map at 128M and 6G, PAE access above 4 GiB, and
that panics, page faults and failing ktests are reported as such.

The memory checks compare the kernel's meminfo against what QEMU's pc machine
gives for -m: RAM at [0, 640K) and [1M, below4g), plus [4G, 4G + rest) when
-m >= 3.5G (then below4g = 3G).
"""
from typing import Any

import pytest

from vmkit import configs, krng

GiB = 1 << 30
MiB = 1 << 20
PAGE = 4096
BOTH = configs.table().graded()          # conf/configs.toml
ONE = (configs.table().default,)         # tests of tools and timing: one config is enough


def qemu_ram(mem):
    below = mem if mem < 0xE0000000 else 3 * GiB
    ram = [(0, 0xA0000), (0x100000, below)]
    if mem > below:
        ram.append((4 * GiB, 4 * GiB + mem - below))
    return ram


def parse_meminfo(vm, r):
    """{'phys_avail': [(s, e)], 'dump_avail': [...], 'ignored': n, 'kernel': (s, e)}"""
    info: dict[str, Any] = {"phys_avail": [], "dump_avail": [], "ignored": None, "kernel": None}
    for line in vm.kdata(r, "meminfo"):           # grammar: vmkit/kdata.py
        if line.kind in ("phys_avail", "dump_avail"):
            info[line.kind].append(line.values())
        elif line.kind == "ignored":
            info["ignored"] = line["bytes"]
        else:
            info["kernel"] = line.values()
    for key in ("phys_avail", "dump_avail", "ignored", "kernel"):
        vm.check(info[key] not in (None, []), r, "meminfo: no `%s` KDATA line" % key)
    return info


def inside(rng, ranges):
    return any(s <= rng[0] and rng[1] <= e for s, e in ranges)


def overlaps(rng, ranges):
    return any(rng[0] < e and s < rng[1] for s, e in ranges)


def total(ranges, lo=0, hi=1 << 64):
    return sum(max(0, min(e, hi) - max(s, lo)) for s, e in ranges)


def check_ranges(vm, r, name, ranges, ram):
    prev_end = -1
    for s, e in ranges:
        what = "%s range %#x-%#x" % (name, s, e)
        vm.check(s < e, r, "%s is empty or reversed" % what)
        vm.check(s % PAGE == 0 and e % PAGE == 0, r, "%s is not page-aligned" % what)
        vm.check(s >= prev_end, r, "%s is out of order or overlaps the previous one" % what)
        vm.check(inside((s, e), ram), r, "%s is not RAM QEMU gives for this -m (RAM: %s)"
                 % (what, ", ".join("%#x-%#x" % x for x in ram)))
        prev_end = e


@pytest.mark.vmkit(configs=BOTH, timeout=20)
@pytest.mark.parametrize("mem", ["128M", "6G"])
def test_boot_meminfo(vm, mem):
    size = int(mem[:-1]) * (GiB if mem.endswith("G") else MiB)
    r = vm.run_pass(["boot", "meminfo"], mem=mem)
    info = parse_meminfo(vm, r)
    ram = qemu_ram(size)
    pa, da, kern = info["phys_avail"], info["dump_avail"], info["kernel"]
    check_ranges(vm, r, "phys_avail", pa, ram)
    check_ranges(vm, r, "dump_avail", da, ram)
    for rng in pa:
        vm.check(inside(rng, da), r, "phys_avail range %#x-%#x is not inside dump_avail" % rng)
    vm.check(kern[0] >= 0x100000 and kern[0] < kern[1], r,
             "kernel image extent %#x-%#x is implausible (loaded at 1 MiB)" % kern)
    vm.check(inside(kern, da), r, "kernel image %#x-%#x is not inside dump_avail" % kern)
    vm.check(not overlaps(kern, pa), r, "kernel image %#x-%#x overlaps phys_avail (would be reused)" % kern)
    low = total(ram, 0, 4 * GiB)
    high = total(ram, 4 * GiB)
    if vm.pae:
        vm.check(info["ignored"] == 0, r, "PAE ignored %d bytes; it can use all RAM" % info["ignored"])
        want = low + high
        if high:
            vm.check(inside((4 * GiB, 4 * GiB + high), da), r,
                     "dump_avail misses RAM above 4 GiB (%#x-%#x)" % (4 * GiB, 4 * GiB + high))
            vm.check(total(pa, 4 * GiB) >= high * 0.8, r,
                     "phys_avail has only %d MiB above 4 GiB, QEMU gives %d MiB"
                     % (total(pa, 4 * GiB) // MiB, high // MiB))
    else:
        vm.check(info["ignored"] == high, r, "i386 should ignore the %d bytes above 4 GiB, said %d"
                 % (high, info["ignored"]))
        vm.check(total(pa, 4 * GiB) == 0 and total(da, 4 * GiB) == 0, r,
                 "i386 (no PAE) lists memory above 4 GiB")
        want = low
    got = total(pa)
    vm.check(got >= want * 0.85 - 16 * MiB, r, "phys_avail covers only %d MiB of %d MiB of usable RAM"
             % (got // MiB, want // MiB))


# Configs whose vm_paddr_t is 64 bits wide (i386-pae, amd64): RAM above 4 GiB.
PADDR64 = [c.name for c in configs.table().rows if c.graded and c.paddr64]


@pytest.mark.vmkit(configs=PADDR64, timeout=20)
def test_pae_high(vm):
    pattern = vm.rng.randrange(1, 1 << 64)        # a base-0 tunable: needs the 0x
    r = vm.run_pass(["pae_high"], {"ktest.pattern": "%#x" % pattern}, mem="6G")
    lines = vm.kdata(r, "pae_high")               # grammar: vmkit/kdata.py
    vm.check(len(lines) == 1, r, "pae_high: expected one KDATA line, got %d" % len(lines))
    pa, back = lines[0]["pa"], lines[0]["readback"]
    vm.check(pa >= 4 * GiB, r, "pae_high used pa=%#x, which is below 4 GiB" % pa)
    vm.check(back == pattern, r, "pae_high read back %#x, wrote %#x" % (back, pattern))


@pytest.mark.vmkit(configs=BOTH, timeout=30)
@pytest.mark.parametrize("mem", ["128M", "6G"])
def test_freelist_table(vm, mem):
    """The machine's free-list table, read from the kernel ELF (vm_phys_freelists,
    kernel/vm/vm_phys_table.c): the boot's lines (grader/PROTOCOL.md) must print
    exactly it, and each list must hold the RAM QEMU gives between the next lower
    limit and its own, less at most the kernel, boot allocations and the page-array
    carve.  The limits come from the ELF; only the page counts from the boot."""
    from vmkit import physmem as pm
    r = vm.run_pass(["vm_boot"], mem=mem)
    table = vm.freelists(r)
    vm.check(table and len({fl.limit for fl in table}) == len(table), r,
             "the kernel's vm_phys_freelists has no rows or two with one limit: %s" % table)
    booted = pm.boot_freelists(r.log)
    want = {fl.index: (fl.name, fl.limit) for fl in table}
    got = {i: (name, lim) for i, (name, lim, _n) in booted.items()}
    vm.check(got == want, r,
             "the boot printed the free lists %s; the kernel's table (vm_phys_freelists in its ELF) is %s: "
             "expected a line `vm_phys: free list <i> <name> below <limit> pages <n>` for each"
             % (_fmt_lists(got), _fmt_lists(want)))
    pages = {i: n for i, (_name, _lim, n) in booted.items()}
    free = [int(w) for w in __import__("re").findall(r"vm_page_startup: .* (\d+) pages free", r.log)]
    vm.check(len(free) == 1 and sum(pages.values()) == free[0], r,
             "the free lists hold %d pages; vm_page_startup said %s free" % (sum(pages.values()), free))
    ram = pm.addressable(pm.qemu_ram(mem), vm.pae)
    limits = sorted(fl.limit for fl in table)
    # The page-array carve: 96 MiB at 6G with 32-bit pointers; a 64-bit
    # struct vm_page (amd64, 4-level tables) is about twice as large.
    carve = 96 * MiB * (2 if vm.conf.pt_levels >= 4 else 1)
    for fl in table:
        low = max([x for x in limits if x < fl.limit], default=0)
        have = sum(max(0, min(e, fl.limit) - max(s, low)) for s, e in ram) // PAGE
        vm.check(have - 48 * MiB // PAGE - carve // PAGE <= pages[fl.index] <= have, r,
                 "free list %d (%s, [%#x, %#x)) holds %d pages; QEMU gives %d pages of RAM there"
                 % (fl.index, fl.name, low, fl.limit, pages[fl.index], have))


def _fmt_lists(t):
    return ", ".join("%d %s below %#x" % (i, name, lim) for i, (name, lim) in sorted(t.items())) or "(none)"


@pytest.mark.vmkit(configs=["i386-pae"], timeout=60)
def test_pdp_freelist(vm):
    """PAE page directories come from the free list below 4 GiB: with memory above
    4 GiB cut into single pages, a directory page costs far less than one search
    of all free blocks for a page below 4 GiB (kernel/tests/ktest_pmap.c)."""
    vm.run_pass(["pmap_pdp_freelist"], mem="5G")


@pytest.mark.vmkit(configs=BOTH, timeout=15)
def test_badaccess_panics(vm):
    r = vm.run(["badaccess"])
    vm.check(r.kind == "panic", r, "badaccess should panic with a page fault; the run ended as: %s"
             % (r.problem() or "ok (no panic)"))
    vm.check(r.status == 37, r, "a panic must exit QEMU with status 37, got %s" % r.status)
    vm.check("cr2" in r.log.lower(), r, "the page-fault panic should report cr2")
    vm.check(r.backtrace, r, "the panic printed no backtrace frames")


@pytest.mark.vmkit(configs=BOTH, timeout=15)
def test_selftest_fail_reported(vm):
    r = vm.expect_ok(vm.run(["selftest_fail"]))
    vm.check(r.tests.get("selftest_fail", ("?",))[0] == "FAIL", r,
             "selftest_fail should be reported FAIL, got %s" % (r.tests.get("selftest_fail"),))
    vm.check(r.status == 35 and r.end == (0, 1), r,
             "a failed test must give status 35 and END passed=0 failed=1 (status %s, END %s)"
             % (r.status, r.end))


@pytest.mark.vmkit(configs=BOTH, timeout=15)
def test_selftest_panic_reported(vm):
    r = vm.run(["selftest_panic"])
    vm.check(r.kind == "panic" and r.transcript.kpanic, r,
             "selftest_panic should panic (status 37 and KPANIC <nonce>); the run ended as: %s"
             % (r.problem() or "ok"))


@pytest.mark.vmkit(configs=BOTH, timeout=30)
@pytest.mark.parametrize("mem", ["128M", "6G"])
def test_kernel_selfchecks(vm, mem):
    """The kernel's own ktests of printf, malloc, KVA, pmap and kernel memory.

    These judge themselves (they are the kernel's unit tests, not a lab's),
    so they only guard the reference against regressions.
    """
    vm.run_pass(["printf", "malloc", "kva", "pmap", "pmap_copy", "malloc_grow", "pmap_many",
                 "contigmalloc"], mem=mem)


# Every way a managed mapping can go or lose write access (kernel/tests/ktest_pmap.c).
PMAP_HOWS = ("remove", "remove_all", "replace", "destroy", "remove_write", "protect")


def pmap_dirty_cases():
    """{(space, how, access): (dirty, referenced)}: what the page must know afterwards."""
    want = {}
    for space in ("user", "kernel"):
        for how in PMAP_HOWS:
            if space == "kernel" and how == "destroy":
                continue
            for access in ("read", "write"):
                want[(space, how, access)] = (0xFF if access == "write" else 0, 1)
    return want


def parse_kv(vm, r, test, line):
    try:
        return dict(w.split("=", 1) for w in line.split())
    except ValueError:
        vm.fail(r, "%s: KDATA line should be key=value words: %s" % (test, line))


@pytest.mark.vmkit(configs=BOTH, timeout=30)
@pytest.mark.parametrize("mem", ["128M", "6G"])
def test_pmap_page_state(vm, mem):
    """A write through a user or kernel mapping reaches m->dirty after every way of
    removing or write-protecting the mapping; referenced bits reach PG_REFERENCED or
    pmap_ts_referenced; an out-of-memory pmap_enter returns ENOMEM and changes nothing.

    The grader checks the per-case KDATA lines against the cases it expects, so a
    kernel that skips a case (or reports a clean page as passing) fails here.
    """
    tests = ["pmap", "pmap_dirty", "pmap_referenced"] + (["pmap_enomem"] if mem == "128M" else [])
    r = vm.run_pass(tests, mem=mem)
    want = pmap_dirty_cases()
    got = {}
    for line in r.data.get("pmap_dirty", []):
        kv = parse_kv(vm, r, "pmap_dirty", line)
        try:
            key = (kv["space"], kv["how"], kv["access"])
            got[key] = (int(kv["dirty"], 16), int(kv["referenced"]), int(kv["writeable"]),
                        int(kv["mapped"]))
        except (KeyError, ValueError):
            vm.fail(r, "pmap_dirty: KDATA line lacks space/how/access/dirty/referenced/"
                    "writeable/mapped: %s" % line)
    vm.check(set(got) == set(want), r, "pmap_dirty: cases missing %s, unexpected %s"
             % (sorted(set(want) - set(got)), sorted(set(got) - set(want))))
    for key, (dirty, ref) in want.items():
        g = got[key]
        vm.check((g[0], g[1]) == (dirty, ref), r, "pmap_dirty %s/%s after a %s: page dirty=%#x "
                 "referenced=%d, want dirty=%#x referenced=%d" % (key + g[:2] + (dirty, ref)))
        vm.check(g[2:] == (0, 0), r, "pmap_dirty %s/%s after a %s: the page is still mapped or "
                 "PG_WRITEABLE once its mapping is gone" % key)
    ref = [parse_kv(vm, r, "pmap_referenced", x) for x in r.data.get("pmap_referenced", [])]
    vm.check(ref == [{"dirty": "0", "referenced": "0"}], r, "pmap_referenced: after "
             "pmap_clear_modify and pmap_ts_referenced the page must come out clean and "
             "unreferenced; KDATA %s" % ref)
    if mem == "128M":
        kv = {}
        for x in r.data.get("pmap_enomem", []):
            kv.update(parse_kv(vm, r, "pmap_enomem", x))
        try:
            pv, ptp = int(kv["pv_mappings"]), int(kv["page_tables"])
        except (KeyError, ValueError):
            vm.fail(r, "pmap_enomem: expected KDATA pv_mappings=<n> and page_tables=<n>, got %s"
                    % kv)
        # One pv chunk page holds a few hundred entries, the boot pool 128 page tables.
        vm.check(0 < pv < 4096 and 0 <= ptp <= 128, r, "pmap_enomem: ENOMEM after %d more "
                 "mappings and %d page tables, with every free page taken" % (pv, ptp))


# test=all without arguments: what each test that needs one must say instead.
NEEDS = {"kenv": "lab00.keys=", "strtoull": "lab00.nums=", "phys_probe": "lab01.probe=",
         "buddy_contig": "lab02.contig=", "pae_high": "4 GiB"}
ALL_ARGS = {"lab00.nums": "10:1", "lab00.keys": "x", "lab01.probe": "1000",
            "lab02.contig": "1:0:ffffffff:1000:0"}
EXIT_PASS = 33      # grader/PROTOCOL.md, Endings: every test passed


def check_all_run(vm, r, skips):
    """test=all: no FAIL; exactly the tests in `skips` SKIP, each naming what it
    needs; END counts them all; the kernel exits as a pass."""
    vm.expect_ok(r)
    verdicts = {n: v for n, (v, _) in r.tests.items()}
    failed = sorted(n for n, v in verdicts.items() if v == "FAIL")
    vm.check(not failed, r, "test=all on the reference printed FAIL for %s" % failed)
    skipped = {n: d for n, (v, d) in r.tests.items() if v == "SKIP"}
    vm.check(sorted(skipped) == sorted(skips), r, "test=all: expected SKIP from exactly %s, got %s"
             % (sorted(skips), sorted(skipped)))
    for name, why in skipped.items():
        vm.check(NEEDS[name] in why, r, "%s SKIPped without saying it needs %s: %r" % (name, NEEDS[name], why))
    passed = sum(v == "PASS" for v in verdicts.values())
    vm.check(passed >= 15 and r.end == (passed, 0) and r.transcript.end_skipped == len(skipped), r,
             "test=all: END says %s skipped=%s; the lines say %d passed, 0 failed, %d skipped"
             % (r.end, r.transcript.end_skipped, passed, len(skipped)))
    vm.check(r.status == EXIT_PASS, r, "test=all with no failure must exit as a pass (QEMU status %d), "
             "got %s" % (EXIT_PASS, r.status))


@pytest.mark.vmkit(configs=BOTH, timeout=30)
def test_all_ktests(vm):
    """test=all with every argument given: all pass, but pae_high (no RAM above 4 GiB at 128M)."""
    check_all_run(vm, vm.run(["all"], ALL_ARGS), ["pae_high"])


@pytest.mark.vmkit(configs=BOTH, timeout=30)
def test_all_ktests_without_arguments_skip(vm):
    """test=all with no argument: the tests that need one say SKIP and why, never FAIL."""
    check_all_run(vm, vm.run(["all"]), list(NEEDS))


@pytest.mark.vmkit(configs=BOTH, timeout=15)
def test_triple_fault_recognised(vm):
    r = vm.run(["selftest_triple"])
    vm.check(r.kind == "triple-fault", r, "a triple fault must be reported as one; the run "
             "ended as: %s" % (r.problem() or "ok"))


# ------------------------------------------------------- bad input, the monitor
# A bad command line must end the run visibly (status 35, no END line, the
# reason in the log), never give results from other input than was given
# (grader/PROTOCOL.md, "Command line").  The monitor must refuse what it
# cannot do, with a message, and stay responsive.

def expect_refused(vm, r, what, words):
    vm.check(r.kind != "ok" and r.end is None, r, "%s: the run went on (%s) instead of stopping "
             "on the bad command line" % (what, r.problem() or "it ended normally"))
    vm.check(r.status == 35 and r.kind == "no-results", r,
             "%s: a bad command line must end with status 35, got %s (%s)" % (what, r.status, r.kind))
    low = r.log.lower()
    vm.check(all(w in low for w in words), r, "%s: the log does not say why (wanted %s)" % (what, words))


@pytest.mark.vmkit(configs=BOTH, timeout=15)
def test_cmdline_too_many_words(vm):
    args = [("k%d" % i, str(i)) for i in range(70)]
    expect_refused(vm, vm.run(["boot"], args), "70 extra words", ["kenv: error", "64"])


@pytest.mark.vmkit(configs=BOTH, timeout=20)
@pytest.mark.parametrize("case", ["seed_overflow", "seed_negative", "blacklist_33",
                                  "blacklist_not_ram", "blacklist_above_4g", "blacklist_junk"])
def test_bad_tunables_stop_the_run(vm, case):
    args = {
        "seed_overflow": {"seed": str(1 << 64)},
        "seed_negative": {"seed": "-1"},
        "blacklist_33": {"vm.blacklist": ",".join("%#x" % (0x2000000 + i * PAGE) for i in range(33))},
        "blacklist_not_ram": {"vm.blacklist": "0x2000000,0xa0000"},     # the VGA hole
        "blacklist_above_4g": {"vm.blacklist": "0x100003000"},           # RAM only below 128M
        "blacklist_junk": {"vm.blacklist": "0x2000000,zz"},
    }[case]
    key = next(iter(args))
    expect_refused(vm, vm.run(["page_array"], args), case, ["kenv: error", key])


@pytest.mark.vmkit(configs=BOTH, timeout=15)
def test_too_little_ram_says_so(vm):
    """Below the kernel's minimum it prints why and exits 35 (it used to triple-fault)."""
    r = vm.run(["boot"], mem="4M")
    vm.check(r.kind == "no-results" and r.status == 35 and "not enough ram" in r.log.lower(), r,
             "at -m 4M the kernel should say `not enough RAM` and exit 35; it ended as %s, status %s"
             % (r.problem() or "ok", r.status))


def monitor_session(vm, commands, timeout=60.0, mem="128M"):
    """Boot into the monitor with `commands` on the console (as `printf ... | make qemu`)."""
    import subprocess
    import time
    from vmkit import qemu
    b = vm.runner.build(vm.config)
    if not b.ok:
        pytest.fail("build failed:\n" + b.failure_text(), pytrace=False)
    argv = qemu.qemu_argv(b.kernel, vm.config, mem=mem)
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, input=commands.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout * float(
                               __import__("os").environ.get("VMKIT_TIMEOUT_SCALE") or 1))
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        pytest.fail("the monitor did not finish within %gs; last output:\n%s"
                    % (timeout, "\n".join(out.splitlines()[-15:])), pytrace=False)
    out = p.stdout.decode("utf-8", "replace")
    replies: dict[str, list[str]] = {}
    for chunk in out.split("vmkit> ")[1:]:
        cmd, _, rest = chunk.partition("\n")
        replies.setdefault(cmd.strip(), []).append(rest)
    return p.returncode, out, replies, time.monotonic() - t0


def _fail_with(out, headline):
    tail = "\n".join("    " + line[:200] for line in out.splitlines()[-25:])
    pytest.fail("%s\n  monitor output (last lines):\n%s" % (headline, tail), pytrace=False)


@pytest.mark.vmkit(configs=BOTH, timeout=60)
def test_monitor_refuses_bad_input(vm):
    long_contig = "contig 4" + " " * 130 + "0x1000000 0x2000000 0x1000 0"
    cmds = ["page 0x100005000", "contig 1 0x100000000 0x100100000", "contig 1 0 0x100000000",
            "contig 0x100000000", "contig 0x80000001", long_contig, "halt"]
    rc, out, replies, _ = monitor_session(vm, "\n".join(cmds) + "\n")
    if rc != 65:
        _fail_with(out, "the monitor's `halt` must exit QEMU with status 65, got %s "
                   "(1 is QEMU's own error status; a panic is 37)" % rc)
    for c in cmds[:-1]:
        if c.strip() not in replies and not c.startswith("contig 4 "):
            _fail_with(out, "no reply to `%s`" % c)
    page = replies["page 0x100005000"][0]
    if "pa 0x5000" in page or "vm_page 0x" in page:
        _fail_with(out, "`page 0x100005000` showed another page (cut to 32 bits?)")
    if not vm.pae and "0x100005000" not in page:
        _fail_with(out, "on i386 `page 0x100005000` must say the address cannot be used")
    for c, lo, hi in (("contig 1 0x100000000 0x100100000", 1 << 32, (1 << 32) + (1 << 20)),
                      ("contig 1 0 0x100000000", 0, 1 << 32)):
        rep = replies[c][0]
        for w in rep.split("pages at ")[1:]:
            at = int(w.split()[0], 16)
            if not (lo <= at and at + PAGE <= hi):
                _fail_with(out, "`%s` gave a run at %#x, outside [%#x, %#x)" % (c, at, lo, hi))
        if not vm.pae and "too large" not in rep:
            _fail_with(out, "on i386 `%s` must say an address is too large" % c)
    for c in ("contig 0x100000000", "contig 0x80000001"):
        if "too large" not in replies[c][0]:
            _fail_with(out, "`%s` must be refused as too large" % c)
    over = [v for k, v in replies.items() if k.startswith("contig 4")]
    if not over or "pages at" in over[0][0] or "too long" not in over[0][0]:
        _fail_with(out, "a %d-character line must be refused as too long, not run cut short"
                   % len(long_contig))


@pytest.mark.vmkit(configs=ONE, timeout=60)
def test_monitor_long_paste_is_fast(vm):
    """A 5000-character line took 34-46 s when input was polled at the clock's 100 Hz."""
    rc, out, replies, elapsed = monitor_session(vm, "x" * 5000 + "\nhalt\n", timeout=60)
    if rc != 65 or elapsed > 15:
        _fail_with(out, "a 5000-character line then `halt`: status %s after %.1fs (want 65, "
                   "well under 15 s)" % (rc, elapsed))


@pytest.mark.vmkit(configs=ONE, timeout=30)
@pytest.mark.parametrize("mem", ["abc", "2M", "64G"])
def test_tools_qemu_failures_are_failures(vm, mem):
    """tools/qemu (make qemu) must not turn a refused -m into success."""
    import os
    import subprocess
    import sys
    b = vm.runner.build(vm.config)
    tool = os.path.join(vm.runner.tree, "tools", "qemu")
    p = subprocess.run([sys.executable, tool, "--config", vm.config, "--kernel", b.kernel,
                        "--mem", mem], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    err = p.stderr.decode("utf-8", "replace")
    assert p.returncode != 0, "tools/qemu --mem %s exited 0; stderr:\n%s" % (mem, err)
    assert err.strip(), "tools/qemu --mem %s failed without saying why" % mem
    if mem in ("abc", "2M"):
        assert p.returncode == 2, "tools/qemu --mem %s: want status 2, got %d" % (mem, p.returncode)


# ---- VM objects, page states, the cache queue (kernel/tests/ktest_object.c)

OBJECT_PAGES_STEPS, OBJECT_PAGES_RANGE = 200, 64
PAGE_WORDS = PAGE // 4
FNV64_OFFSET, FNV64_PRIME, M64 = 0xcbf29ce484222325, 0x100000001b3, (1 << 64) - 1


def object_pages_model(seed: int) -> tuple[list[int], list[int]]:
    """object_pages' objects A and B after its workload (see the ktest's comment)."""
    rng = krng.Rng.for_test(seed, "object_pages")
    a: set[int] = set()
    b: set[int] = set()
    for _ in range(OBJECT_PAGES_STEPS):
        op, p = rng.below(4), rng.below(OBJECT_PAGES_RANGE)
        if op <= 1 and p not in a:
            a.add(p)
        elif op == 2 and p in a:
            a.remove(p)
        elif op == 3 and p in a and p not in b:
            a.remove(p)
            b.add(p)
    return sorted(a), sorted(b)


def page_sum(words: list[int]) -> int:
    """ktest_object.c's page_sum: FNV-1a 64 over the page's 32-bit words."""
    h = FNV64_OFFSET
    for w in words:
        h = ((h ^ w) * FNV64_PRIME) & M64
    return h


def object_cache_sums(seed: int) -> list[int]:
    """The sums of object_cache's 12 seeded pages (X's 0..7, then Y's 0..3)."""
    rng = krng.Rng.for_test(seed, "object_cache")
    return [page_sum([rng.next() & 0xffffffff for _ in range(PAGE_WORDS)]) for _ in range(12)]


# object_states' script: the counters' change from `start` after each step.
OBJECT_STATES_WANT = {
    "alloc":      dict(free=-8, cache=0, active=8, inactive=0, wired=0, hold=0),
    "deactivate": dict(free=-8, cache=0, active=5, inactive=3, wired=0, hold=0),
    "wire":       dict(free=-8, cache=0, active=4, inactive=2, wired=2, hold=0),
    "freeheld":   dict(free=-8, cache=0, active=3, inactive=2, wired=2, hold=1),
    "unhold":     dict(free=-7, cache=0, active=3, inactive=2, wired=2, hold=0),
    "unwire":     dict(free=-7, cache=0, active=5, inactive=2, wired=0, hold=0),
    "dealloc":    dict(free=0, cache=0, active=0, inactive=0, wired=0, hold=0),
}


def check_object_invariants(vm, r, test: str, lines: list[Any]) -> None:
    """Every `check` line of the test says the invariants held."""
    checks = [x for x in lines if x.kind == "check"]
    vm.check(checks != [], r, "%s: no `check` KDATA line" % test)
    bad = [x["when"] for x in checks if not x["ok"]]
    vm.check(not bad, r, "%s: pages check failed at %s" % (test, bad))


@pytest.mark.vmkit(configs=BOTH, timeout=30)
def test_vm_objects(vm):
    """Objects' page trees and memq after a seeded insert/free/rename workload; page
    states and their counters through a fixed script (a freed held page waits on
    PQ_HOLD); the cache queue: seeded data cached and reactivated intact, a truncated
    object regrows zeros (vm_page_cache_free with no resident pages), cached pages
    reclaimed when memory runs out.  Everything is recomputed from the seed."""
    r = vm.run_pass(["object_pages", "object_states", "object_cache"], mem="128M")
    # object_pages
    lines = vm.kdata(r, "object_pages")
    check_object_invariants(vm, r, "object_pages", lines)
    want_a, want_b = object_pages_model(r.seed)
    for name, want in (("a", want_a), ("b", want_b)):
        got = [x["pindex"] for x in lines if x.kind == "r" and x["obj"] == name]
        n = [x["count"] for x in lines if x.kind == "n" and x["obj"] == name]
        vm.check(got == want, r, "object_pages: object %s's memq is %s, the seed gives %s"
                 % (name.upper(), got, want))
        vm.check(n == [len(want)], r, "object_pages: object %s counts %s resident pages, has %d"
                 % (name.upper(), n, len(want)))
    # object_states
    lines = vm.kdata(r, "object_states")
    check_object_invariants(vm, r, "object_states", lines)
    cnts = {x["step"]: x["counts"] for x in lines if x.kind == "cnt"}
    vm.check(set(cnts) == set(OBJECT_STATES_WANT) | {"start"}, r,
             "object_states: steps %s, want start and %s" % (sorted(cnts), sorted(OBJECT_STATES_WANT)))
    for step, delta in OBJECT_STATES_WANT.items():
        moved = {k: cnts[step][k] - cnts["start"][k] for k in delta}
        vm.check(moved == delta, r, "object_states: after %s the counters moved %s, want %s"
                 % (step, moved, delta))
    # object_cache
    lines = vm.kdata(r, "object_cache")
    check_object_invariants(vm, r, "object_cache", lines)
    kinds = {"cached", "mapping", "reactivated", "reclaim", "end"}
    one = {x.kind: x for x in lines if x.kind in kinds}
    vm.check(set(one) == kinds, r, "object_cache: KDATA lines missing: %s"
             % sorted(kinds - set(one)))
    mp = one["mapping"]
    vm.check(mp["pa"] == 0 and not mp["mapped"], r, "object_cache: a page still mapped after "
             "vm_page_cache (pmap_extract %#x, pmap_page_is_mapped %s): it must be unmapped "
             "before it is cached" % (mp["pa"], mp["mapped"]))
    c = one["cached"]
    vm.check((c["delta"], c["x_cache"], c["x_resident"], c["y_cache"], c["y_resident"])
             == (12, 8, 0, 4, 0), r, "object_cache: after caching 12 pages (8 of X, 4 of Y): "
             "v_cache_count +%d, X %d cached %d resident, Y %d cached %d resident"
             % (c["delta"], c["x_cache"], c["x_resident"], c["y_cache"], c["y_resident"]))
    sums, zero = object_cache_sums(r.seed), page_sum([0] * PAGE_WORDS)
    want_pages = [("data", p, 0xff, sums[p]) for p in range(4)] + \
        [("regrow", 0, 0xff, sums[8]), ("regrow", 1, 0xff, sums[9]),
         ("regrow", 2, 0, zero), ("regrow", 3, 0, zero)]
    got_pages = [(x.kind, x["pindex"], x["valid"], x["sum"]) for x in lines
                 if x.kind in ("data", "regrow")]
    for w, g in zip(want_pages, got_pages):
        what = "old data" if g[3] in sums else "zeros" if g[3] == zero else "other data"
        vm.check(w == g, r, "object_cache: %s page %d came back valid=%#x with %s (sum %016x); "
                 "want valid=%#x and %s" % (w[0], w[1], g[2], what, g[3], w[2],
                                          "zeros" if w[3] == zero else "the seeded data"))
    vm.check(len(got_pages) == len(want_pages), r, "object_cache: %d data/regrow lines, want %d"
             % (len(got_pages), len(want_pages)))
    vm.check(one["reactivated"]["n"] == 4, r, "object_cache: v_reactivated rose by %d for 4 "
             "cached pages grabbed back" % one["reactivated"]["n"])
    rc = one["reclaim"]
    vm.check(rc["cache"] == 4 and rc["cache_after"] == 0 and rc["x_cache"] == 0, r,
             "object_cache: allocating every page left %d of %d cached pages (X's cache_count %d)"
             % (rc["cache_after"], rc["cache"], rc["x_cache"]))
    vm.check(rc["n"] == rc["free"] + rc["cache"], r, "object_cache: %d pages allocated with "
             "%d free and %d cached" % (rc["n"], rc["free"], rc["cache"]))
    vm.check(one["end"]["cache"] == 0, r, "object_cache: %d pages still cached after the "
             "objects went" % one["end"]["cache"])
