"""Lab 00 (warm-up) public tests: the kernel's strtoull and its command-line
environment (kenv). Every expected value is recomputed by the grader from data
it chose at random from the test's seed (vmkit/models.py has the strtoull model).
Points, configs and timeouts: labs/00-warmup/lab.toml.
"""
import string

from vmkit.models import strtoull

KEY_CHARS = string.ascii_letters + string.digits + "._-"
RESERVED = {"test", "seed", "nonce", "lab00.nums", "lab00.keys"}


# ------------------------------------------------------------------ strtoull
def _digits(value, base, rng):
    if value == 0:
        return "0"
    s = ""
    while value:
        s = "0123456789abcdef"[value % base] + s
        value //= base
    if base == 16:
        s = "".join(c.upper() if rng.random() < 0.5 else c for c in s)
    return s


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


def check_strtoull(vm, items):
    """Boot with lab00.nums=items; check every KDATA line against the model."""
    arg = ",".join("%d:%s" % it for it in items)
    r = vm.run_pass(["strtoull"], {"lab00.nums": arg})
    got = r.data.get("strtoull", [])
    vm.check(len(got) == len(items), r,
             "strtoull: asked for %d items, the kernel printed %d KDATA lines" % (len(items), len(got)))
    wrong = []
    for (base, tok), line in zip(items, got):
        want_v, want_u = strtoull(tok, base)
        expect = "%d:%s value=%d used=%d" % (base, tok, want_v, want_u)
        if line.strip() != expect:
            wrong.append("  strtoull(\"%s\", &end, %d): expected value=%d used=%d, kernel printed: %s"
                         % (tok, base, want_v, want_u, line))
    vm.check(not wrong, r, "strtoull returned wrong results for %d of %d inputs:\n%s"
             % (len(wrong), len(items), "\n".join(wrong[:12])))
    detail = r.tests["strtoull"][1]
    vm.check(("items=%d" % len(items)) in detail.split(), r,
             "strtoull: PASS line should say items=%d, it says %r" % (len(items), detail))


def test_strtoull_bases(vm):
    items = [(base, random_token(vm.rng, base)) for base in (10, 16, 8, 0) for _ in range(3)]
    vm.rng.shuffle(items)
    check_strtoull(vm, items)


# ------------------------------------------------------------------ kenv
def random_word(rng, lo, hi, first=string.ascii_letters):
    return rng.choice(first) + "".join(rng.choice(KEY_CHARS) for _ in range(rng.randint(lo, hi) - 1))


def check_kenv(vm, present, absent):
    """Boot with `present` on the command line; ask for present + absent keys."""
    asked = list(present) + list(absent)
    vm.rng.shuffle(asked)
    args = list(present.items()) + [("lab00.keys", ",".join(asked))]
    r = vm.run_pass(["kenv"], args)
    got = r.data.get("kenv", [])
    vm.check(len(got) == len(asked), r,
             "kenv: asked for %d keys, the kernel printed %d KDATA lines" % (len(asked), len(got)))
    wrong = []
    for key, line in zip(asked, got):
        expect = "%s=%s" % (key, present[key]) if key in present else "%s (none)" % key
        if line.strip() != expect:
            wrong.append("  kenv_get(\"%s\"): expected `%s`, kernel printed `%s`" % (key, expect, line))
    vm.check(not wrong, r, "kenv answered %d of %d lookups wrongly:\n%s"
             % (len(wrong), len(asked), "\n".join(wrong[:12])))


def random_env(rng, n_present, n_absent):
    present = {}
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
    check_kenv(vm, present, absent)
