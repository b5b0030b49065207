"""Lab 04 hidden tests (instructors only).

fork_tree: cowtest's `tree` mode - every process writes seeded pages in
three rounds and forks a child after each of the first two (the children do
the same, one level less: forks from children of children), sleeps a seeded
while (so processes exit in a seeded, random order, parents reaping children
whose own children may still run), and reports the CRC of its view.  Here a
model replays the tree: a child's region is its parent's at the moment of
the fork plus its own writes, and nothing any other process writes.  Every
process's CRC must match; every page must come back after the last exit.  A
directed prologue runs on every seed: the tree of depth 1 (two children of
the root) before the seeded deep one, in the same boot order as the stream.
"""
from __future__ import annotations

from pathlib import Path

from tests.test_lab04 import crc, lcg_next, mix, pick, pv, run_cowtest


def tree_model(seed: int, n: int, depth: int) -> dict[int, int]:
    """who -> the CRC that process must report (cowtest.c's tree())."""
    out: dict[int, int] = {}

    def tree(who: int, d: int, vals: list[int]) -> None:
        s = (seed ^ mix(who)) & 0xFFFFFFFF
        for r in range(3):
            s, v = lcg_next(s)
            k = 1 + v % 4
            s, pages = pick(s, n, k)
            for p in pages:
                vals[p] = pv(seed, (who * 8 + r) & 0xFFFFFFFF, p)
            if r < 2 and d > 0:
                tree(who * 4 + r + 1, d - 1, list(vals))
        out[who] = crc(vals)

    tree(1, depth, [pv(seed, 0, p) for p in range(n)])
    return out


def check_tree(vm, tmp_path: Path, seed: int, n: int, depth: int) -> None:
    run, _ = run_cowtest(vm, tmp_path, ["tree", seed, n, depth], n)
    want = tree_model(seed, n, depth)
    got: dict[int, int] = {}
    for line in run.out[:-1]:
        parts = line.split()
        run.check(len(parts) == 5 and parts[:2] == ["cowtest:", "tree"] and parts[3] == "crc",
                  "fork_tree: unexpected output line %r" % line)
        got[int(parts[2])] = int(parts[4], 16)
    missing = sorted(set(want) - set(got))
    wrong = sorted(w for w in want if w in got and got[w] != want[w])
    run.check(not missing and not wrong and len(got) == len(want), "fork_tree (seed %d, %d pages, "
              "depth %d: %d processes): processes %s reported no CRC, %s the wrong one (a "
              "process sees a write of its parent after the fork, of a sibling, or of a child)"
              % (seed, n, depth, len(want), missing[:8], wrong[:8]))
    run.eager_check()


def test_fork_tree(vm, tmp_path):
    seed = vm.rng.randrange(2 ** 32)
    n = 8 + vm.rng.randrange(24)
    check_tree(vm, tmp_path, seed ^ 0x5A5A, 8, 1)          # directed: the smallest tree
    check_tree(vm, tmp_path, seed, n, 3)
