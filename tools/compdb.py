#!/usr/bin/env python3
"""tools/compdb.py: write compile_commands.json (for clangd) for one CONFIG.

  tools/compdb.py [--config i386-pae] [--output compile_commands.json] [--keep-gcc-flags]
  make compile_commands.json [CONFIG=i386-pae]

Runs `make -n -B CONFIG=... kernel` (prints every command without running any)
and keeps each compiler call that compiles a file under kernel/ (`-c ... x.c` or
`x.S`), so the database has exactly the flags the build uses, -DPAE included
for i386-pae.  Dependency-file flags (-MMD -MP) are dropped, and so are flags
clang does not know (clangd reports them as errors) unless --keep-gcc-flags.  Stdlib only; any Python 3 runs it.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterable, Sequence
from typing import Any

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
COMPILERS = ("gcc", "cc", "clang")
SOURCE_EXT = (".c", ".S")
# gcc options that clang rejects ("unknown argument"); extend when the Makefile grows one.
GCC_ONLY = {"-fno-tree-loop-distribute-patterns"}
# Dependency-file options: an indexer must not write .d files into build/.
DEP_FLAGS = {"-MD", "-MMD", "-MP"}
DEP_FLAGS_ARG = {"-MF", "-MT", "-MQ"}


def strip_flags(argv: list[str], keep_gcc_flags: bool) -> list[str]:
    out: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a in DEP_FLAGS_ARG:
            skip = True
        elif a in DEP_FLAGS or (not keep_gcc_flags and a in GCC_ONLY):
            pass
        else:
            out.append(a)
    return out


def compile_entries(lines: Iterable[str], root: str, keep_gcc_flags: bool = False) -> list[dict[str, Any]]:
    """Entries for the compiler calls among `make -n` output lines."""
    entries = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            argv = shlex.split(line)
        except ValueError:
            continue
        if not argv or os.path.basename(argv[0]) not in COMPILERS or "-c" not in argv:
            continue
        srcs = [a for a in argv[1:] if a.endswith(SOURCE_EXT) and not a.startswith("-")]
        # generated files (build/.../ksyms.S) are not worth indexing
        srcs = [s for s in srcs if not os.path.normpath(s).startswith("build" + os.sep)]
        if len(srcs) != 1:
            continue
        argv = strip_flags(argv, keep_gcc_flags)
        entries.append({
            "directory": root,
            "file": os.path.join(root, srcs[0]),
            "arguments": argv,
        })
    return entries


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="compdb.py", description=__doc__.split("\n")[0])
    p.add_argument("--config", default=os.environ.get("CONFIG", ""),
                   help="kernel config (default $CONFIG, else the default of conf/configs.toml)")
    p.add_argument("--output", "-o", default=os.path.join(ROOT, "compile_commands.json"))
    p.add_argument("--make", default=os.environ.get("MAKE", "make"))
    p.add_argument("--keep-gcc-flags", action="store_true",
                   help="keep flags clang does not understand")
    a = p.parse_args(argv)

    cmd = [a.make, "--no-print-directory", "-n", "-B", "-C", ROOT] + \
        (["CONFIG=" + a.config] if a.config else []) + ["kernel"]
    # MAKEFLAGS from a parent make (e.g. -s, -j) must not leak into the dry run.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        print("compdb: `%s` failed (status %d)" % (shlex.join(cmd), r.returncode), file=sys.stderr)
        return 1
    entries = compile_entries(r.stdout.splitlines(), ROOT, a.keep_gcc_flags)
    if not entries:
        print("compdb: no compiler commands in `%s` output" % shlex.join(cmd), file=sys.stderr)
        return 1
    tmp = a.output + ".tmp"
    with open(tmp, "w") as f:
        json.dump(entries, f, indent=1)
        f.write("\n")
    os.replace(tmp, a.output)
    print("compdb: %d files (%s) -> %s" % (len(entries), a.config or "default config",
                                           os.path.relpath(a.output)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
