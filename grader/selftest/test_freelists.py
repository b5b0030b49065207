"""Self-tests: the grader takes the machine's free-list table from the kernel ELF
it built (vm_phys_freelists, kernel/vm/vm_phys_table.c: no lab's edit file),
never from what a kernel prints.  A kernel whose printed table lies changes
nothing the grader expects (it fails instead), a LOCAL impostor symbol of the
same name (an edit file can make one with an asm label) is not read, and a
kernel ELF the grader cannot read gives a clear error, never a traceback."""
from __future__ import annotations

import dataclasses
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import test_kernel, test_lab02
from vmkit import physmem as pm
from vmkit import runner
from vmkit.plugin import VM

MiB = 1 << 20
GiB = 1 << 30

# The table as kernel/vm/vm_phys_table.c lays it out (struct vm_freelist_desc).
TABLE_C = """
struct desc { unsigned long long limit; const char *name; };
const struct desc vm_phys_freelists[3] = {
    { 1ull << 36, "default" }, { 1ull << 32, "dma32" }, { 16ull << 20, "isadma" },
};
void entry(void) { for (;;) ; }
"""
# What a hostile vm_phys.c can add: a LOCAL symbol called vm_phys_freelists
# (an asm label) with the limit it would like, used by its own code.
IMPOSTOR_C = """
struct desc { unsigned long long limit; const char *name; };
static const struct desc fake[3] __asm__("vm_phys_freelists") = {
    { 1ull << 36, "default" }, { 1ull << 32, "dma32" }, { 32ull << 20, "isadma" },
};
const void *use_fake(void) { return fake; }
"""
WANT = [pm.FreeList(0, "default", 1 << 36), pm.FreeList(1, "dma32", 1 << 32), pm.FreeList(2, "isadma", 16 * MiB)]


def link(tmp: Path, name: str, sources: dict[str, str], bits: int = 32, strip: bool = False) -> str:
    """A static executable from C sources (as the kernel is linked: names resolved)."""
    paths = []
    for fname, text in sources.items():
        (tmp / fname).write_text(text)
        paths.append(str(tmp / fname))
    out = str(tmp / name)
    cmd = ["gcc", "-m%d" % bits, "-O1", "-nostdlib", "-static", "-fno-pic", "-no-pie",
           "-Wl,-e,entry", "-Wl,--build-id=none", "-o", out] + paths
    subprocess.run(cmd, check=True, capture_output=True)
    if strip:
        subprocess.run(["strip", "--strip-all", out], check=True)
    return out


@pytest.mark.parametrize("bits", [32, 64])
def test_the_global_table_is_read_not_a_local_impostor(tmp_path: Path, bits: int) -> None:
    if bits == 64 and shutil.which("gcc") is None:
        pytest.skip("no gcc")
    elf = link(tmp_path, "k.elf", {"table.c": TABLE_C, "impostor.c": IMPOSTOR_C}, bits)
    syms = subprocess.run(["readelf", "-sW", elf], capture_output=True, text=True, check=True).stdout
    assert syms.count(" vm_phys_freelists") == 2      # both in the symbol table: LOCAL and GLOBAL
    assert pm.elf_freelists(elf) == WANT


def expect_error(path: str, words: str) -> None:
    with pytest.raises(pm.ElfError) as e:
        pm.elf_freelists(path)
    assert words in str(e.value), str(e.value)


def test_bad_elfs_give_a_clear_error(tmp_path: Path) -> None:
    good = link(tmp_path, "good.elf", {"table.c": TABLE_C})
    data = Path(good).read_bytes()
    expect_error(str(tmp_path / "missing.elf"), "cannot read the kernel")
    (tmp_path / "text").write_text("not a kernel\n")
    expect_error(str(tmp_path / "text"), "is not an ELF file")
    (tmp_path / "be.elf").write_bytes(data[:5] + b"\x02" + data[6:])
    expect_error(str(tmp_path / "be.elf"), "little-endian")
    (tmp_path / "short.elf").write_bytes(data[:200])
    expect_error(str(tmp_path / "short.elf"), "truncated or corrupt")
    expect_error(link(tmp_path, "stripped.elf", {"table.c": TABLE_C}, strip=True), "no symbol table")
    expect_error(link(tmp_path, "none.elf", {"other.c": "void entry(void) { for (;;) ; }\n"}),
                 "no global data symbol vm_phys_freelists")
    expect_error(link(tmp_path, "local.elf", {"impostor.c": IMPOSTOR_C + "void entry(void) {}\n"}),
                 "no global data symbol vm_phys_freelists")
    expect_error(link(tmp_path, "odd.elf", {"odd.c": "const char vm_phys_freelists[20] = {1};\n"
                                                    "void entry(void) { for (;;) ; }\n"}),
                 "not a whole number of 12-byte rows")
    expect_error(link(tmp_path, "badname.elf", {"bad.c": TABLE_C.replace('"dma32"', '(const char *)0x1234')}),
                 "no free-list name")
    expect_error(link(tmp_path, "longname.elf", {"long.c": TABLE_C.replace('"dma32"', '"%s"' % ("x" * 200))}),
                 "no free-list name")


def test_corrupt_elfs_never_crash_the_reader(tmp_path: Path) -> None:
    """Any damage to the file: the table, or ElfError, never another exception."""
    data = bytearray(Path(link(tmp_path, "good.elf", {"table.c": TABLE_C})).read_bytes())
    rng = random.Random(10)
    bad = tmp_path / "bad.elf"
    for _ in range(300):
        b = bytearray(data)
        for _ in range(rng.randrange(1, 6)):
            i = rng.randrange(min(len(b), 256)) if rng.random() < 0.5 else rng.randrange(len(b))
            b[i] = rng.randrange(256)
        bad.write_bytes(bytes(b))
        try:
            table = pm.elf_freelists(str(bad))
        except pm.ElfError as e:
            assert str(bad) in str(e)
        else:
            assert table and all(isinstance(fl.limit, int) and fl.name for fl in table)


# ---------------------------------------------------------------- on the fake kernel
# fakekernel/fake.c has vm_phys_freelists = { default below 4 GiB, isadma below 16 MiB };
# its vm_boot prints the table (mode freelistlie: isadma below 32 MiB).
def fake_vm(request: pytest.FixtureRequest, tree: str) -> VM:
    r = runner.Runner(tree, session="selftest-freelists", fail_fast=False)
    assert r.build("i386").ok
    return VM(request, r, "i386", 1234, 10.0)


def test_a_lying_boot_table_does_not_move_what_the_grader_expects(
        request: pytest.FixtureRequest, copy_fake: Callable[..., str]) -> None:
    vm = fake_vm(request, copy_fake("freelistlie", name="lie"))
    r = vm.run_pass(["vm_boot"], mem="128M")
    assert pm.boot_freelists(r.log)[1][:2] == ("isadma", 32 * MiB)      # what it printed
    assert vm.freelists(r) == [pm.FreeList(0, "default", 4 * GiB), pm.FreeList(1, "isadma", 16 * MiB)]
    with pytest.raises(pytest.fail.Exception) as e:
        test_kernel.test_freelist_table(vm, "128M")
    assert "the boot printed the free lists 0 default below 0x100000000, 1 isadma below 0x2000000; " \
           "the kernel's table (vm_phys_freelists in its ELF) is 0 default below 0x100000000, " \
           "1 isadma below 0x1000000" in str(e.value)


def test_an_honest_boot_table_passes(request: pytest.FixtureRequest, copy_fake: Callable[..., str]) -> None:
    vm = fake_vm(request, copy_fake("good", name="good"))
    test_kernel.test_freelist_table(vm, "128M")


def lab02_header(table: dict[int, tuple[str, int]], cut: int) -> dict[str, object]:
    """A lab 02 ktest's header as parse() collects it, for -m 128M, segments cut at `cut`."""
    return {"params": {"nfreelist": len(table)}, "freelists": table,
            "segs": [(0x1000, 0x9f000, 1), (0x100000, cut, 1), (cut, 0x7fe0000, 0)]}


def test_lab02_segments_are_checked_against_the_elf_table(request: pytest.FixtureRequest,
                                                          fake_tree: str) -> None:
    vm = fake_vm(request, fake_tree)
    r = vm.run_pass(["boot"])
    honest = {0: ("default", 4 * GiB), 1: ("isadma", 16 * MiB)}
    lie = {0: ("default", 4 * GiB), 1: ("isadma", 32 * MiB)}
    test_lab02.check_header(vm, r, "buddy_workload", "128M", lab02_header(honest, 16 * MiB))
    # A table that lies in KDATA, with segments cut to match the lie, or cut at the lie alone.
    for printed in (lie, honest):
        with pytest.raises(pytest.fail.Exception) as e:
            test_lab02.check_header(vm, r, "buddy_workload", "128M", lab02_header(printed, 32 * MiB))
        msg = str(e.value)
        assert ("printed nfreelist 2 and the free-list table 0 default below 0x100000000, 1 isadma below "
                "0x2000000; the kernel was built with 0 default below 0x100000000, 1 isadma below 0x1000000"
                in msg) if printed is lie else ("segment 0x100000-0x2000000 crosses the free-list limit "
                                                "0x1000000" in msg), msg


def test_an_unreadable_kernel_elf_fails_the_test_clearly(request: pytest.FixtureRequest, fake_tree: str,
                                                         tmp_path: Path) -> None:
    vm = fake_vm(request, fake_tree)
    r = vm.run_pass(["boot"])
    (tmp_path / "junk.elf").write_bytes(b"\x7fELF" + bytes(100))
    assert r.build is not None
    broken = dataclasses.replace(r, build=dataclasses.replace(r.build, kernel=str(tmp_path / "junk.elf")))
    with pytest.raises(pytest.fail.Exception) as e:
        vm.freelists(broken)
    assert str(e.value).startswith("grader: cannot read the free-list table from the kernel it built: ")
    assert "little-endian ELF32 or ELF64" in str(e.value)
