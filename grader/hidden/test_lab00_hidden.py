"""Lab 00 hidden tests (instructors only; never copied into student trees):
strtoull edge cases (overflow in every base, signs, white space, empty and
prefix-only tokens, digits beyond the base) and the command line's edge cases
(keys sharing prefixes, a repeated key, exactly KENV_MAX words, and
cmdline_parse itself on directed buffers with a small table). Every case is
fixed: it is reached on every seed.
"""
from tests.test_lab00 import (C_SPACE, KEY_CHARS, U64_MAX, check_kenv, check_strtoull,
                        digits, escape, kescape, random_token, random_word)

KENV_MAX = 64                          # kernel/include/sys/kenv.h
FIXED_WORDS = ("test", "seed", "nonce")  # runner.make_cmdline puts these first

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

# Signs with overflow, and -x where x itself fits (negated modulo 2^64).
SIGNS = [
    (10, "-18446744073709551615"), (16, "-ffffffffffffffff"), (2, "-" + "1" * 64),
    (16, "-0x10000000000000000"), (0, "-0x1ffffffffffffffff"), (8, "-2000000000000000000000"),
    (36, "-" + digits(1 << 64, 36)), (0, "+0" + "7" * 30), (10, "-0"),
]

# White space: C's six (not Python's wider isspace), before a sign, alone, after a sign.
SPACES = [
    (10, " 42"), (10, "\t\n\v\f\r-7"), (16, "  +0x1F"), (0, "\n0755"), (0, "\r\r0x1g"),
    (10, " "), (10, " \t"), (10, "\f-"), (16, " 0x"), (10, " - 5"), (10, "+ 5"),
    (10, "\x01 5"), (10, "\x1c5"), (10, "\xa05"),
]

# The "0x" prefix: only base 16 and 0, only before a hex digit; other bases read x as a digit or stop.
PREFIXES = [
    (16, "0xg"), (0, "0X"), (16, "0x0"), (0, "0x0x1"), (16, "-0x"), (0, "-0xz"), (36, "0x1"),
    (17, "0x1f"), (15, "0x5"), (34, "0X1"), (33, "0x1"), (16, "00x5"), (0, "00x5"), (16, "x5"),
    (0, "0xf"), (16, "0XF"), (0, "0x9"), (16, "0xA"),    # the prefix before the last and first hex digits
]

# Base 0's choice: 16 after 0x, 8 after a leading 0, else 10.
BASE0 = [
    (0, "10"), (0, "100"), (0, "08"), (0, "0b101"), (0, "1f"), (0, "-077"), (0, "0X1aB"),
    (0, "7"), (0, "0" * 24 + "1777777777777777777777"),
]


def overflow_edges():
    """Every base 2..36: 2**64 (just past; then the digit equal to the base,
    which must stop the parse) and, from base 3, a value past 2**64 whose
    wrapped product is not below the previous one (a check `new < old` misses
    it); 2**64 - 2 in a few bases (a check `v >= (max - d) / base` saturates
    it); a few far past and behind leading zeros."""
    out = []
    for b in range(2, 37):
        out.append((b, digits(1 << 64, b) + (DIGITS_OF(b) if b < 36 else "")))
        if b > 2:
            out.append((b, digits(((1 << 64) // (b - 1) + 1) * b, b)))
    out += [(b, digits(U64_MAX - 1, b)) for b in (2, 3, 8, 10, 16, 36)]
    out += [
        (10, "0" * 25 + "18446744073709551615"), (10, "0" * 25 + "18446744073709551614"),
        (16, "0x" + "0" * 20 + "f" * 16), (0, "0x" + "0" * 20 + "f" * 15 + "e"),
        (8, "0" * 10 + digits(U64_MAX - 1, 8)), (2, "0" * 8 + digits(U64_MAX, 2)),
        (36, "0" * 10 + digits(U64_MAX, 36)), (36, "z" * 40), (2, "1" * 80), (10, "9" * 30),
        (16, "f" * 17), (16, "1" + "0" * 16 + "1"), (7, digits(U64_MAX, 7) + "0"),
        (10, "36893488147419103232"), (10, "184467440737095516150"), (10, "30000000000000000000"),
    ]
    return out


def DIGITS_OF(b):
    return "0123456789abcdefghijklmnopqrstuvwxyz"[b]


def test_strtoull_edges(vm):
    items = (list(EDGES) + SIGNS + SPACES + PREFIXES + BASE0 + overflow_edges()
             + [(b, random_token(vm.rng, b)) for b in (0, 16)])
    check_strtoull(vm, items)


# ------------------------------------------------------------------ command line
def cmdline_model(text, max_):
    """What cmdline_parse(text, tab, max_) records: white space (C's) splits
    words; a word needs a '=' after at least one character; the key ends at
    the first '='; the first max_ such words are kept, in order."""
    words, word = [], ""
    for c in text + " ":
        if c in C_SPACE:
            if word:
                words.append(word)
            word = ""
        else:
            word += c
    out: list[tuple[str, str]] = []
    for w in words:
        i = w.find("=")
        if i > 0 and len(out) < max_:
            out.append((w[:i], w[i + 1:]))
    return out


def cmdline_cases(rng):
    k = random_word(rng, 2, 8)
    mixed = " ".join(rng.choice([random_word(rng, 1, 6) + "=" + random_word(rng, 0, 6, KEY_CHARS + "="),
                                 random_word(rng, 1, 6), "=" + random_word(rng, 1, 4)])
                     for _ in range(7))
    return [
        (4, "kernel.elf a=1 b= c=x=y =skip noeq d=4 e=5"),   # table full at d; e ignored
        (3, "  \t %s=1\n\n%s=2 \v\f\r %s=3  " % (k, k, k)),  # one key thrice, every kind of space
        (0, "a=1 b=2"),                                       # no room at all
        (2, ""),
        (2, " \t\r\n "),
        (8, "x=1 = == =a noeq2 y== z=%,"),                   # '=' first: skipped; '=' in a value
        (2, "a=1 b=2"),                                       # exactly full
        (1, "\x01k=v\x01 j=w"),                               # control bytes are not space
        (8, "a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9"),           # the whole table, then one more
        (5, mixed),
    ]


def check_cmdline(vm, r, cases):
    got = [line.text.strip() for line in vm.kdata(r, "cmdline")]   # grammar: vmkit/kdata.py
    want = []
    for i, (max_, text) in enumerate(cases):
        entries = cmdline_model(text, max_)
        want.append("item=%d max=%d n=%d" % (i, max_, len(entries)))
        want += ["item=%d entry=%d key=%s value=%s" % (i, j, kescape(key), kescape(value))
                 for j, (key, value) in enumerate(entries)]
    for line_no, (w, g) in enumerate(zip(want, got)):
        if w != g:
            item = int(w.split()[0][5:])
            vm.fail(r, "cmdline_parse(%r, tab, %d): expected `%s`, kernel printed `%s`"
                    % (cases[item][1], cases[item][0], w, g))
    vm.check(len(got) == len(want), r, "cmdline: expected %d KDATA lines, the kernel printed %d"
             % (len(want), len(got)))


def test_kenv_prefixes(vm):
    rng = vm.rng
    base = "k" + "".join(rng.choice("abcdef") for _ in range(5))
    present = {base: "v1", base + ".x": "v2", base + "y": "has.dots-and_dash",
               base + "e": "", base + "q": "a=b=c"}
    before = [(base, "v0"), (base + "y", "first"), (base, "v00")]
    absent = [base[:-1], base + ".", base + ".xy", "K" + base[1:], base + "q=a"]
    cases = cmdline_cases(rng)
    more = [("lab00.cmdline", ",".join("%d:%s" % (m, escape(text)) for m, text in cases))]
    # Fill the table exactly: KENV_MAX key=value words in all, lab00.keys the last one.
    used = len(FIXED_WORDS) + len(before) + len(present) + len(more) + 1
    fill = {"f%02d%s" % (i, base): random_word(rng, 1, 4, KEY_CHARS) for i in range(KENV_MAX - used)}
    present.update(fill)
    absent.append(sorted(fill)[0] + "0")
    r = check_kenv(vm, present, absent, before=before, tests=("kenv", "cmdline"), more_args=more)
    check_cmdline(vm, r, cases)
