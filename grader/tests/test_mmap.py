"""File-backed and shared mmap (user/mmaptest.c, kern_syscall.c's sys_mmap).

The grader writes two files of seeded random bytes into a flat file system
image; mmaptest maps one MAP_PRIVATE and overwrites it, the other
MAP_SHARED and overwrites it (half from a forked child, through the
inherited shared mapping), and a MAP_SHARED|MAP_ANON page a child writes.
After QEMU exits the grader reads the image: the private file unchanged,
the shared one the seeded bytes exactly; the CRCs the program printed of
what it saw are the grader's bytes.
"""
from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from vmkit import flatfs
from vmkit.qemu import Disk

from .test_user import ALL, lcg_bytes, run_user


@pytest.mark.vmkit(configs=ALL, timeout=90)
def test_mmap_private_shared(vm, tmp_path: Path):
    """MAP_PRIVATE writes never reach the disk; MAP_SHARED writes (parent and
    child) reach it byte-exact; both mappings first show the file's bytes."""
    seed = vm.rng.randrange(2 ** 32)
    priv = vm.rng.randbytes(vm.rng.randrange(1, 5 * 4096))
    shared = vm.rng.randbytes(vm.rng.randrange(2, 5 * 4096))
    img = tmp_path / "fs.img"
    img.write_bytes(flatfs.make([("keep", b"keep", 1), ("priv", priv, 6), ("shared", shared, 6)],
                                entries=8))
    r, out, rest = run_user(vm, "mmaptest", ["priv", "shared", str(seed)], [Disk(str(img))])
    want_shared = lcg_bytes(seed, len(shared))
    expected = [
        "mmaptest: private %d bytes crc %08x" % (len(priv), zlib.crc32(priv)),
        "mmaptest: private read crc %08x" % zlib.crc32(priv),
        "mmaptest: shared %d bytes crc %08x" % (len(shared), zlib.crc32(shared)),
        "mmaptest: shared read crc %08x" % zlib.crc32(want_shared),
        "mmaptest: anon %08x" % seed,
        "mmaptest: ok",
    ]
    vm.check(out == expected, r, "mmaptest priv shared %d printed %r, want %r" % (seed, out, expected))
    vm.check(rest["exit"]["status"] == 0, r, "mmaptest exited with %d" % rest["exit"]["status"])
    fs = flatfs.read_image(img)
    vm.check(fs.read("priv") == priv, r, "after exit the image's `priv` changed: a MAP_PRIVATE "
             "write reached the file")
    got = fs.read("shared")
    vm.check(got == want_shared, r, "after exit the image's `shared` is %d bytes (want %d)%s" % (
        len(got), len(want_shared), "" if len(got) != len(want_shared) else
        ", first difference at byte %d" % next((i for i in range(len(got)) if got[i] != want_shared[i]), -1)))
    vm.check(fs.read("keep") == b"keep", r, "after exit the image's `keep` changed")
