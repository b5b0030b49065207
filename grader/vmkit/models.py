"""The grader's own models of kernel functions, used to recompute expected values.

strtoull(token, base) -> (value, used): C (ISO/glibc) semantics for a token
without leading white space: optional sign, `0x`/`0X` prefix for base 16 and 0
(only when a hex digit follows; otherwise just the `0` is consumed), base 0
picks 16/8/10 from the prefix, overflow saturates to 2**64-1 (whatever the
sign), a `-` negates modulo 2**64, no digits -> (0, 0).
"""
U64_MAX = (1 << 64) - 1
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _digit(c: str) -> int:
    d = DIGITS.find(c.lower()) if c else -1
    return d if c.isascii() else -1


def strtoull(token: str, base: int) -> tuple[int, int]:
    if base != 0 and not 2 <= base <= 36:
        raise ValueError("base must be 0 or 2..36")
    i, neg = 0, False
    if token[:1] in ("+", "-"):
        neg = token[0] == "-"
        i = 1
    if base in (0, 16) and token[i:i + 1] == "0" and token[i + 1:i + 2] in ("x", "X") \
            and 0 <= _digit(token[i + 2:i + 3]) < 16:
        i += 2
        base = 16
    elif base == 0:
        base = 8 if token[i:i + 1] == "0" else 10
    start, acc = i, 0
    while i < len(token) and 0 <= _digit(token[i]) < base:
        acc = acc * base + _digit(token[i])
        i += 1
    if i == start:
        return 0, 0
    if acc > U64_MAX:
        return U64_MAX, i
    return ((-acc) & U64_MAX if neg else acc), i
