"""Lab 00 (warm-up) public tests: the kernel's strtoull and its command-line
environment (kenv). Every expected value is recomputed by the grader from data
it chose at random from the test's seed (vmkit/models.py has the strtoull model,
c_strtoull below adds C's leading white space). Points, configs and timeouts:
labs/00-warmup/lab.toml.

Tokens and buffers travel %XX-escaped (kernel/tests/ktest_kern.c): a command-line
word cannot hold white space, ',' or '%'.
"""
import string

from vmkit.models import strtoull

KEY_CHARS = string.ascii_letters + string.digits + "._-"
RESERVED = {"test", "seed", "nonce", "lab00.nums", "lab00.keys", "lab00.cmdline"}
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
C_SPACE = " \t\n\v\f\r"          # C's isspace() in the C locale (not str.isspace)
U64_MAX = (1 << 64) - 1
CMDLINE_BUDGET = 3800               # bytes of one argument; the whole line holds 4095


def escape(s):
    """A token or buffer as the lab 00 ktests read it: %XX for anything a word cannot hold."""
    return "".join(c if "!" <= c <= "~" and c not in "%," else "%%%02x" % ord(c) for c in s)


def kescape(s):
    """How the cmdline ktest prints a key or value (lab00_escape in ktest_kern.c)."""
    return "".join("%%%02x" % ord(c) if ord(c) <= 0x20 or ord(c) >= 0x7f or c == "%" else c
                   for c in s)


def c_strtoull(token, base):
    """(value, used) of C's strtoull(token, &end, base): leading white space is
    skipped and counts in `used` only if digits follow."""
    i = 0
    while i < len(token) and token[i] in C_SPACE:
        i += 1
    value, used = strtoull(token[i:], base)
    return (value, i + used) if used else (0, 0)


def digits(value, base, rng=None):
    """value in `base`; letters in random case when rng is given."""
    s = ""
    while True:
        s = DIGITS[value % base] + s
        value //= base
        if not value:
            break
    if rng is not None:
        s = "".join(c.upper() if c.isalpha() and rng.random() < 0.5 else c for c in s)
    return s


# ------------------------------------------------------------------ strtoull
def _digits(value, base, rng):
    if value == 0:
        return "0"
    return digits(value, base, rng if base == 16 else None)


def random_token(rng, base):
    """A well-formed token for `base`, sometimes signed or followed by junk."""
    value = rng.getrandbits(rng.choice([4, 8, 16, 32, 48, 63, 64]))
    if base == 0:
        radix = rng.choice([8, 10, 16])
        body = _digits(value, radix, rng)
        if radix == 8:
            body = "0" + body
        elif radix == 16:
            body = rng.choice(["0x", "0X"]) + body
        elif body != "0":
            body = body.lstrip("0") or "0"
    else:
        body = _digits(value, base, rng)
        if base == 16 and rng.random() < 0.5:
            body = rng.choice(["0x", "0X"]) + body
        if base == 8 and rng.random() < 0.3:
            body = "0" + body
    r = rng.random()
    if r < 0.15:
        body = "+" + body
    elif r < 0.25:
        body = "-" + body
    if rng.random() < 0.3:
        body += rng.choice({0: "gz", 8: "89z", 10: "abz", 16: "gz"}[base])
    return body


def wide_base_token(rng, base):
    """Random digits in `base` (2..36), at least one of them a letter when the
    base has letters beyond f (g..z, either case), ending in the digit equal to
    the base, which must stop the parse (base 36 has none: '.' then)."""
    n = rng.randint(2, len(digits(U64_MAX, base)) - 1)
    chars = [rng.choice(DIGITS[1:base])] + [rng.choice(DIGITS[:base]) for _ in range(n - 1)]
    if base > 16:
        chars[rng.randrange(n)] = rng.choice(DIGITS[16:base])
    body = "".join(c.upper() if rng.random() < 0.5 else c for c in chars)
    return body + (DIGITS[base] if base < 36 else ".")


def long_tokens(rng):
    """Inputs around and far past 2**64 that a plausible wrong overflow check
    gets wrong on some of them: 20-30-digit decimals, 17-30-digit hex, 22-40-digit
    octal, 2**64 (or one more) and 2**64 plus a little in a random base, and in
    a random base a product past 2**64 that wraps to more than the value before
    it (a check `new < old` misses it)."""
    def run(alphabet, lo, hi):
        return rng.choice(alphabet[1:]) + "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi) - 1))

    out = [(10, rng.choice(["", "-", "+"]) + run(DIGITS[:10], 20, 30)) for _ in range(3)]
    out += [(16, run(DIGITS[:16], 17, 30)), (0, "0x" + run(DIGITS[:16], 17, 30))]
    out += [(8, run(DIGITS[:8], 22, 40)), (0, "0" + run(DIGITS[:8], 22, 40))]
    base = rng.randint(2, 36)
    out.append((base, digits((1 << 64) + rng.getrandbits(rng.choice([1, 8, 40])), base)))
    base = rng.randint(3, 36)
    out.append((base, digits((1 << 64) + rng.randrange(2), base)))
    out.append((base, digits(((1 << 64) // (base - 1) + 1 + rng.randrange(1 << 20)) * base, base)))
    out.append((base, digits(U64_MAX - 1 - rng.randrange(base - 1), base)))   # fits, just
    return out


def check_strtoull(vm, items):
    """Boot with lab00.nums=items; check every KDATA line against the model."""
    arg = ",".join("%d:%s" % (base, escape(tok)) for base, tok in items)
    assert len(arg) < CMDLINE_BUDGET, "grader bug: lab00.nums= is %d bytes" % len(arg)
    r = vm.run_pass(["strtoull"], {"lab00.nums": arg})
    got = [line.text for line in vm.kdata(r, "strtoull")]     # grammar: vmkit/kdata.py
    vm.check(len(got) == len(items), r,
             "strtoull: asked for %d items, the kernel printed %d KDATA lines" % (len(items), len(got)))
    wrong = []
    for (base, tok), line in zip(items, got):
        want_v, want_u = c_strtoull(tok, base)
        expect = "%d:%s value=%d used=%d" % (base, escape(tok), want_v, want_u)
        if line.strip() != expect:
            wrong.append("  strtoull(%r, &end, %d): expected value=%d used=%d, kernel printed: %s"
                         % (tok, base, want_v, want_u, line))
    vm.check(not wrong, r, "strtoull returned wrong results for %d of %d inputs:\n%s"
             % (len(wrong), len(items), "\n".join(wrong[:12])))
    detail = r.tests["strtoull"][1]
    vm.check(("items=%d" % len(items)) in detail.split(), r,
             "strtoull: PASS line should say items=%d, it says %r" % (len(items), detail))


def test_strtoull_bases(vm):
    rng = vm.rng
    items = [(base, random_token(rng, base)) for base in (10, 16, 8, 0) for _ in range(3)]
    wide = rng.sample(range(17, 37), 2) + rng.sample([b for b in range(2, 16) if b not in (8, 10)], 2)
    items += [(base, wide_base_token(rng, base)) for base in wide]
    items += long_tokens(rng)
    items.append((10, "".join(rng.choice(C_SPACE) for _ in range(rng.randint(1, 3)))
                  + random_token(rng, 10)))
    rng.shuffle(items)
    check_strtoull(vm, items)


# ------------------------------------------------------------------ kenv
def random_word(rng, lo, hi, first=string.ascii_letters):
    return rng.choice(first) + "".join(rng.choice(KEY_CHARS) for _ in range(rng.randint(lo, hi) - 1))


def check_kenv(vm, present, absent, before=(), tests=("kenv",), more_args=()):
    """Boot with `before` then `present` on the command line (a key in both:
    the later word, present's, must win); ask for present + absent keys.
    Returns the run, for tests that ran other ktests in the same boot."""
    asked = list(present) + list(absent)
    vm.rng.shuffle(asked)
    args = list(before) + list(present.items()) + list(more_args) + [("lab00.keys", ",".join(asked))]
    r = vm.run_pass(list(tests), args)
    got = [line.text for line in vm.kdata(r, "kenv")]         # grammar: vmkit/kdata.py
    vm.check(len(got) == len(asked), r,
             "kenv: asked for %d keys, the kernel printed %d KDATA lines" % (len(asked), len(got)))
    wrong = []
    for key, line in zip(asked, got):
        expect = "%s=%s" % (key, present[key]) if key in present else "%s (none)" % key
        if line.strip() != expect:
            wrong.append("  kenv_get(\"%s\"): expected `%s`, kernel printed `%s`" % (key, expect, line))
    vm.check(not wrong, r, "kenv answered %d of %d lookups wrongly (a repeated key: the last word "
             "wins; `key=` is the value \"\"; the key ends at the first `=`):\n%s"
             % (len(wrong), len(asked), "\n".join(wrong[:12])))
    return r


def random_env(rng, n_present, n_absent):
    present: dict[str, str] = {}
    while len(present) < n_present:
        k = random_word(rng, 2, 16)
        if k not in RESERVED:
            present[k] = random_word(rng, 1, 24, KEY_CHARS)
    absent = set()
    keys = list(present)
    # traps: a prefix of a present key, a present key plus a suffix
    absent.add(keys[0][:-1] if len(keys[0]) > 1 else keys[0] + "x")
    absent.add(keys[1] + rng.choice("._-"))
    while len(absent) < n_absent:
        absent.add(random_word(rng, 2, 16))
    absent -= set(present) | RESERVED
    return present, sorted(absent)


def test_kenv_roundtrip(vm):
    present, absent = random_env(vm.rng, 6, 4)
    keys = list(present)
    # Every run: a key given twice (the last wins), an empty value, a value holding '='.
    first = random_word(vm.rng, 1, 12, KEY_CHARS)
    before = [(keys[2], first if first != present[keys[2]] else first + "0")]
    present[keys[3]] = ""
    present[keys[4]] = "%s=%s" % (random_word(vm.rng, 1, 8, KEY_CHARS), random_word(vm.rng, 0, 8, KEY_CHARS + "="))
    check_kenv(vm, present, absent, before=before)
