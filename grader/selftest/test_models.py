"""Self-tests: the grader's strtoull model agrees with glibc's strtoull."""
import ctypes
import random

from vmkit.models import strtoull

libc = ctypes.CDLL(None)
libc.strtoull.restype = ctypes.c_ulonglong
libc.strtoull.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int]


def glibc(tok, base):
    buf = ctypes.create_string_buffer(tok.encode())
    end = ctypes.c_char_p()
    v = libc.strtoull(buf, ctypes.byref(end), base)
    return v, (ctypes.cast(end, ctypes.c_void_p).value or 0) - ctypes.addressof(buf)


EDGES = ["", "-", "+", "0x", "0X", "0xg", "0755", "09", "-0x10", "+-5", "zz", "12abc",
         "18446744073709551615", "18446744073709551616", "-18446744073709551616",
         "-18446744073709551615", "ffffffffffffffff", "10000000000000000", "0x0", "00"]


def test_edges_match_glibc():
    for tok in EDGES:
        for base in (0, 8, 10, 16):
            assert strtoull(tok, base) == glibc(tok, base), (tok, base)


def test_random_match_glibc():
    rng = random.Random(7)
    for _ in range(3000):
        tok = "".join(rng.choice("0123456789abcdefxXzZ+-") for _ in range(rng.randrange(24)))
        base = rng.choice((0, 2, 8, 10, 16, 36))
        assert strtoull(tok, base) == glibc(tok, base), (tok, base)
