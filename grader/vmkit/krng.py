"""The kernel's test random numbers, in Python, so a grader can recompute the
exact workload a kernel test must have run from the seed it gave it.

Ports of rng_seed/rng_next/rng_below (kernel/libkern/libkern.c, xorshift64*) and
ktest_seed (kernel/kern/kern_ktest.c: the `seed=` value XOR the FNV-1a hash of
the test's name). Keep them in step with the C; grader/selftest/test_krng.py
checks them against the C code compiled on the host.
"""
from dataclasses import dataclass

M64 = (1 << 64) - 1
FNV_OFFSET = 0xcbf29ce484222325
FNV_PRIME = 0x100000001b3
ZERO_SEED = 0x9e3779b97f4a7c15     # rng_seed's replacement for a zero seed


def fnv1a64(name: str) -> int:
    h = FNV_OFFSET
    for b in name.encode():
        h = ((h ^ b) * FNV_PRIME) & M64
    return h


def ktest_seed(seed: int, name: str) -> int:
    """The seed of test `name`'s stream when the kernel is booted with seed=`seed`."""
    return (seed & M64) ^ fnv1a64(name)


@dataclass
class Rng:
    """struct rng: xorshift64*."""
    s: int

    @classmethod
    def seeded(cls, seed: int) -> "Rng":
        seed &= M64
        return cls(seed if seed != 0 else ZERO_SEED)

    @classmethod
    def for_test(cls, seed: int, name: str) -> "Rng":
        return cls.seeded(ktest_seed(seed, name))

    def next(self) -> int:
        s = self.s
        s ^= s >> 12
        s = (s ^ (s << 25)) & M64
        s ^= s >> 27
        self.s = s
        return (s * 0x2545f4914f6cdd1d) & M64

    def below(self, bound: int) -> int:
        bound &= 0xffffffff
        return 0 if bound == 0 else (self.next() >> 32) % bound
