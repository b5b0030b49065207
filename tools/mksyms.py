#!/usr/bin/env python3
"""mksyms.py - turn `nm -n kernel` output into ksyms.S for the second link.

Reads nm's output on stdin, keeps text symbols (T/t/W), and writes an
assembly file defining ksym_table (address, name offset), ksym_count and
ksym_names in the .ksyms section (see kernel/kern/kern_syms.c).
Addresses are 64-bit on every machine (amd64's kernel is at 0xffffffff8...).
"""
import sys


def main() -> None:
    syms = []
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 3 or parts[1] not in "TtWw":
            continue
        addr, name = int(parts[0], 16), parts[2]
        if name.startswith(".") or name.startswith("$"):
            continue
        syms.append((addr, name))
    syms.sort()
    out = ['\t.section .note.GNU-stack, "", @progbits',
           '\t.section .ksyms, "a"', "\t.p2align 3",
           "\t.globl ksym_table, ksym_count, ksym_names",
           f"ksym_count:\t.long {len(syms)}", "\t.p2align 3", "ksym_table:"]
    offset, names = 0, []
    for addr, name in syms:
        out.append(f"\t.quad {addr:#x}\n\t.long {offset}, 0")
        names.append(name)
        offset += len(name) + 1
    out.append("ksym_names:")
    out += [f'\t.asciz "{n}"' for n in names]
    if not names:
        out.append("\t.byte 0")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
