"""Lab 00 hidden tests (instructors only; never copied into student trees):
strtoull edge cases (overflow, signs, empty and prefix-only tokens, digits
beyond the base) and kenv values that share prefixes with other keys.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from test_lab00 import check_kenv, check_strtoull, random_token  # noqa: E402

EDGES = [
    (10, "18446744073709551615"),      # U64 max
    (10, "18446744073709551616"),      # one past: saturates
    (10, "99999999999999999999999"),   # far past: saturates, all digits used
    (16, "ffffffffffffffff"),
    (16, "10000000000000000"),
    (10, "-1"),                        # negation modulo 2^64
    (10, "-18446744073709551616"),     # overflow with a sign still saturates
    (10, "+42"),
    (10, "+-5"),                       # two signs: no number
    (10, "-"),
    (10, ""),                          # empty token
    (16, "0x"),                        # prefix only: just the 0
    (0, "0x"),
    (0, "0xg"),
    (16, "0X1f"),
    (0, "0755"),
    (0, "09"),                         # octal stops at 9
    (8, "778"),
    (16, "zz"),
    (10, "12abc"),
    (0, "-0x10"),
    (0, "0"),
]


def test_strtoull_edges(vm):
    items = list(EDGES) + [(b, random_token(vm.rng, b)) for b in (0, 16)]
    check_strtoull(vm, items)


def test_kenv_prefixes(vm):
    base = "k" + "".join(vm.rng.choice("abcdef") for _ in range(5))
    present = {base: "v1", base + ".x": "v2", base + "y": "has.dots-and_dash"}
    absent = [base[:-1], base + ".", base + ".xy", "K" + base[1:]]
    check_kenv(vm, present, absent)
