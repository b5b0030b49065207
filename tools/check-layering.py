#!/usr/bin/env python3
"""tools/check-layering.py: machine-independent kernel code names no machine.

  tools/check-layering.py [--root DIR]        (make check-layering; part of make test)

The rule.  Files under kernel/vm/, kernel/kern/, kernel/libkern/, kernel/tests/
and kernel/include/ (the machine-independent kernel and its tests) learn about
the machine only through <machine/*.h> and the pmap interface <vm/pmap.h>.
In their code and string literals (comments are free to explain machines)
they contain none of:
  - a machine's name: i386, amd64, x86_64, __i386__, __amd64__, __x86_64__
    (MACHINE_ARCH and MACHINE_CONFIG in machine/param.h say which it is);
  - a machine configuration switch: PAE;
  - where the kernel lives: KERNBASE, 0xc0000000 (ask the pmap:
    pmap_kextract());
  - an ISA DMA fact: the name ISADMA in any case, 0x1000000 or 16 << 20 (the
    machine's free-list table, VM_FREELIST_TABLE in machine/vmparam.h, is
    the one place that knows where a free list ends);
  - an #include of anything but <sys/...>, <vm/...>, <libkern/...>,
    <machine/...> or a quoted file in the same folder; in particular no
    path into arch/.
Machine-dependent code (kernel/arch/, kernel/dev/) may say all of these.
Each violation is printed as `file:line: rule: text`; exit status 1 if any.
Stdlib only.
"""
import argparse
import os
import re
import sys
from typing import Iterator, List, Tuple

MI_DIRS = ("kernel/vm", "kernel/kern", "kernel/libkern", "kernel/tests", "kernel/include")
EXTS = (".c", ".h", ".S")

RULES: List[Tuple[str, "re.Pattern[str]"]] = [
    ("machine name", re.compile(r"\b(?:__)?(?:i386|amd64|x86_64)(?:__)?\b")),
    ("configuration switch", re.compile(r"\bPAE\b")),
    ("kernel base", re.compile(r"\bKERNBASE\b|\b0x[cC]0000000[uUlL]*\b")),
    ("ISA DMA", re.compile(r"isadma|\b0x0*1000000[uUlL]*\b|\b16[uUlL]*\s*<<\s*20\b", re.I)),
]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]*)[>"]')
ALLOWED_SYSTEM = ("sys/", "vm/", "libkern/", "machine/")


def strip_comments(text: str) -> str:
    """The text with every C comment blanked (newlines kept, so line numbers hold).
    String and character literals are kept: a machine's name in a message counts."""
    out: List[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def violations(root: str, rel: str) -> Iterator[str]:
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        code = strip_comments(f.read())
    for lineno, line in enumerate(code.splitlines(), 1):
        inc = INCLUDE.match(line)
        if inc:
            kind, path = inc.groups()
            if kind == "<" and not path.startswith(ALLOWED_SYSTEM):
                yield "%s:%d: include: <%s> is not a sys/, vm/, libkern/ or machine/ header" % (
                    rel, lineno, path)
            elif kind == '"' and ("/" in path or "arch" in path):
                yield '%s:%d: include: "%s" reaches outside its folder' % (rel, lineno, path)
            continue
        for name, pat in RULES:
            m = pat.search(line)
            if m:
                yield "%s:%d: %s: %s" % (rel, lineno, name, line.strip())


def scan(root: str) -> List[str]:
    out: List[str] = []
    for top in MI_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for fn in sorted(filenames):
                if fn.endswith(EXTS):
                    out += violations(root, os.path.relpath(os.path.join(dirpath, fn), root))
    return out


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    a = ap.parse_args(argv)
    if not os.path.isdir(os.path.join(a.root, "kernel")):
        print("check-layering: no kernel/ under %s" % a.root, file=sys.stderr)
        return 2
    bad = scan(a.root)
    for v in bad:
        print(v)
    sys.stdout.flush()
    if bad:
        print("check-layering: %d violation%s of the machine-independent layer (rule: the top of "
              "tools/check-layering.py)" % (len(bad), "" if len(bad) == 1 else "s"), file=sys.stderr)
        return 1
    print("check-layering: kernel/vm, kern, libkern, tests and include name no machine")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
