#!/usr/bin/env python3
"""bench-pagecache.py - what the cache queue saves: disk reads for a re-read workload
under memory pressure, with the page daemon caching the clean pages it reclaims
(the reference) and with it freeing them at once (boot option vm.pageout_nocache=1).

Each point boots the ktest file_reread (kernel/tests/ktest_file.c) on a fresh
flat file-system image (vmkit.flatfs) holding one file, "big", of --sizes
percent of the memory free at boot (-m --mem), and reads big whole --passes
times, a page at a time.  The reads are the ones QEMU's virtio-blk device
served (its trace, -trace virtio_blk_handle_read), in pages; "ideal" is one
read per page of big.  Each pass's CRC is checked against the image's bytes.
A benchmark: it prints numbers and never fails on them.

Usage: tools/bench-pagecache.py [--configs i386,amd64] [--mem 12M] [--sizes 80,95,98,100,110,150]
                                [--passes 3]
"""
import argparse
import os
import random
import sys
import tempfile
import zlib

import vmbench
import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import configs, flatfs

PAGE = 4096


def free_pages(config: str, mem: str, image: str) -> int:
    """Pages free + cached when file_reread starts (one pass over a one-page file)."""
    with open(image, "wb") as f:
        f.write(flatfs.make([("big", b"x", None)], entries=4))
    b = vmbench.boot(config, "file_reread", {"fsdev": 0, "file.passes": 1}, mem, [image])
    return int(b.one("params")["free"])


def point(config: str, mem: str, image: str, pages: int, passes: int,
          nocache: bool) -> tuple[int, int, int, int, int]:
    """(QEMU's pages read of big, requests, daemon passes, reactivated, pages the daemon freed)."""
    data = random.Random(pages).randbytes(pages * PAGE)
    with open(image, "wb") as f:
        f.write(flatfs.make([("big", data, None)], entries=4))
    ext = flatfs.read_image(image).find("big")
    span = range(ext.first * vmbench.SPP, (ext.first + ext.nblocks) * vmbench.SPP)
    b = vmbench.boot(config, "file_reread", {"fsdev": 0, "file.passes": passes,
                                             "vm.pageout_nocache": int(nocache)}, mem, [image])
    crc = zlib.crc32(data)
    got = [x["crc"] for x in b.lines if x.kind == "pass"]
    if got != [crc] * passes:
        sys.exit("bench-pagecache: %s: big read back wrong: CRCs %s, want %d x %d"
                 % (config, got, passes, crc))
    if b.one("params")["nocache"] != nocache:
        sys.exit("bench-pagecache: %s: the kernel ignored vm.pageout_nocache=%d"
                 % (config, nocache))
    d = b.one("daemon")
    return b.pages("read", span), b.count("read", span), d["passes"], d["reactivated"], d["freed"]


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--configs", default=",".join(configs.table().graded()))
    ap.add_argument("--mem", default="12M", help="QEMU -m (default 12M)")
    ap.add_argument("--sizes", default="80,95,98,100,110,150",
                    help="big's size, percent of the pages free at boot (default 80,95,98,100,110,150)")
    ap.add_argument("--passes", type=int, default=3, help="reads of big (1-16, default 3)")
    args = ap.parse_args()
    names = [c for c in args.configs.split(",") if c]
    vmbench.build(names)
    print("%-9s %5s %6s %6s %6s %-6s %9s %9s %9s %11s %8s" % (
        "config", "-m", "free", "pages", "reads", "clean", "QEMU read", "requests", "pd passes",
        "reactivated", "pd freed"))
    with tempfile.TemporaryDirectory(prefix="vmkit-bench-pagecache-") as tmp:
        image = os.path.join(tmp, "fs.img")
        for config in names:
            free = free_pages(config, args.mem, image)
            for pct in (int(s) for s in args.sizes.split(",")):
                pages = max(1, free * pct // 100)
                for nocache in (False, True):
                    rd, req, pd, react, freed = point(config, args.mem, image, pages,
                                                      args.passes, nocache)
                    print("%-9s %5s %6d %6d %6d %-6s %9d %9d %9d %11d %8d" % (
                        config, args.mem, free, pages, args.passes,
                        "freed" if nocache else "cached", rd, req, pd, react, freed), flush=True)
    print("free: pages free + cached at boot; pages: big's size; reads: times big is read "
          "whole.\nclean: what the daemon does with the clean pages it reclaims - cached (the "
          "reference: a re-read\nreactivates them, no disk read) or freed (vm.pageout_nocache=1: "
          "a re-read goes to the disk).\nQEMU read: pages of big its virtio-blk device read "
          "(at least `pages`); requests: how many requests.")


if __name__ == "__main__":
    main()
