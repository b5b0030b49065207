#!/usr/bin/python3
"""tools/mutation.py: how many wrong solutions does a lab's grader catch?

  tools/mutation.py --lab 02                 every mutant, 2 seeds (make mutation LAB=02)
  tools/mutation.py --lab 02 --list          print the mutants, grade nothing
  tools/mutation.py --lab 02 --max 40        a deterministic sample of 40

A mutant is the reference answer of one of the lab's marked regions with one
mechanical change, the kind of slip a student makes: a relational operator
swapped (`<` and `<=`, `==` and `!=`), `&&` and `||`, an integer constant
plus or minus one, a shift or a bitwise operator changed, `+` and `-`, one
statement dropped, two call arguments swapped.

Each mutant is written into a tree that is the lab's student tree with the
reference answer in place (later labs stubbed, as students have it) and
built. Mutants that do not compile are discarded; so are those whose object
code is identical to the reference's (trivially equivalent). The rest are
graded with the hidden tests on each seed: a mutant is KILLED on a seed when
some test fails. The score is killed / graded, per seed; every survivor is
printed with its diff, to be killed by a directed test or explained as
equivalent. Not part of `make test`: it takes minutes. Run with
/usr/bin/python3.
"""
from __future__ import annotations

import argparse
import dataclasses
import enum
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

HERE = os.path.dirname(os.path.abspath(__file__))
import mklab
import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import ROOT, configs, driver, manifest, runner


class Op(enum.StrEnum):
    """The kinds of mechanical change; the value is what reports print."""
    REL_LT = "rel <=>"          # `<` and `<=`
    REL_GT = "rel >=<"          # `>` and `>=`
    REL_EQ = "rel =="           # `==` to `!=`
    REL_NE = "rel !="           # `!=` to `==`
    LOGIC = "logic"             # `&&` and `||`
    SHIFT = "shift"             # `<<` and `>>`
    BITWISE = "bitwise"         # `&` and `|`
    ARITH = "arith"             # `+` and `-`
    CONST = "const"             # an integer constant plus or minus one
    SWAP_ARGS = "swap args"     # the two arguments of a call swapped
    DROP_STMT = "drop stmt"     # a statement replaced by `;`


@dataclasses.dataclass(frozen=True)
class Mutant:
    path: str          # file, relative to the tree
    line: int          # 0-based line in the reference file
    op: Op             # which operator made it
    old: str           # the line before
    new: str           # the line after

    def label(self) -> str:
        return "%s:%d [%s]" % (self.path, self.line + 1, self.op)

    def diff(self) -> str:
        return "    - %s\n    + %s" % (self.old.strip(), self.new.strip())


# ---------------------------------------------------------------- mutants
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')

# (kind, pattern, replacement): each match of the pattern is one mutant.
OPERATORS: list[tuple[Op, re.Pattern[str], str]] = [
    (Op.REL_LT, re.compile(r"(?<![<>=!-])<=(?!=)"), "<"),
    (Op.REL_LT, re.compile(r"(?<![<>-])<(?![<=])"), "<="),
    (Op.REL_GT, re.compile(r"(?<![<>=!-])>=(?!=)"), ">"),
    (Op.REL_GT, re.compile(r"(?<![<>-])>(?![>=])"), ">="),
    (Op.REL_EQ, re.compile(r"=="), "!="),
    (Op.REL_NE, re.compile(r"!="), "=="),
    (Op.LOGIC, re.compile(r"&&"), "||"),
    (Op.LOGIC, re.compile(r"\|\|"), "&&"),
    (Op.SHIFT, re.compile(r"<<(?!=)"), ">>"),
    (Op.SHIFT, re.compile(r">>(?!=)"), "<<"),
    (Op.BITWISE, re.compile(r"(?<=\s)&(?=\s)"), "|"),
    (Op.BITWISE, re.compile(r"(?<=\s)\|(?=\s)"), "&"),
    (Op.ARITH, re.compile(r"(?<=\s)\+(?=\s)"), "-"),
    (Op.ARITH, re.compile(r"(?<=\s)-(?=\s)"), "+"),
]
_INT = re.compile(r"(?<![\w.])(\d+)([uUlL]*)(?![\w.])")
_CALL2 = re.compile(r"\b(\w+)\(([^(),]+), ([^(),]+)\)")
_SKIP_CALLS = {"KASSERT", "panic", "printf", "sizeof", "MIN", "MAX", "if", "while", "for"}


def is_code(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith(("/*", "*", "//", "#")) and s not in ("{", "}")


def masked(line: str) -> str:
    """The line with string and character literals blanked (same length)."""
    return _STRING.sub(lambda m: '"' + " " * (len(m.group(0)) - 2) + '"', line)


def line_mutants(path: str, i: int, line: str) -> Iterator[Mutant]:
    code = masked(line)
    cut = code.find("/*")
    if cut >= 0:
        code = code[:cut]
    for name, pat, rep in OPERATORS:
        for m in pat.finditer(code):
            yield Mutant(path, i, name, line, line[:m.start()] + rep + line[m.end():])
    for m in _INT.finditer(code):
        n = int(m.group(1))
        for v in (n + 1, n - 1):
            if v >= 0:
                yield Mutant(path, i, Op.CONST, line,
                             line[:m.start()] + str(v) + m.group(2) + line[m.end():])
    for m in _CALL2.finditer(code):
        if m.group(1) not in _SKIP_CALLS and m.group(2).strip() != m.group(3).strip():
            new = "%s(%s, %s)" % (m.group(1), m.group(3).strip(), m.group(2).strip())
            yield Mutant(path, i, Op.SWAP_ARGS, line, line[:m.start()] + new + line[m.end():])
    s = line.strip()
    if s.endswith(";") and not s.startswith(("return", "break", "continue")):
        indent = line[:len(line) - len(line.lstrip())]
        yield Mutant(path, i, Op.DROP_STMT, line, indent + ";")


def all_mutants(root: str, lab: manifest.Lab) -> list[Mutant]:
    out: list[Mutant] = []
    files = mklab.list_files(root)
    regions, errors = mklab.scan(root, files, manifest.load_all(root))
    if errors:
        raise SystemExit("mutation: markers are broken:\n  " + "\n  ".join(errors))
    for r in regions:
        if r.lab != lab.id or not r.path.endswith(".c"):
            continue
        with open(os.path.join(root, r.path)) as f:
            lines = f.read().split("\n")
        for i in range(r.body, r.end):
            if is_code(lines[i]):
                out.extend(line_mutants(r.path, i, lines[i]))
    return out


# ---------------------------------------------------------------- building
def object_code(tree: str, config: str, rel: str) -> bytes:
    """The text and read-only data of one file's object: what equivalence means."""
    obj = os.path.join(tree, "build", config, "obj", os.path.splitext(rel)[0] + ".o")
    out = subprocess.run(["objdump", "-d", "-s", "-j", ".text", "-j", ".rodata",
                          "-j", ".rodata.str1.1", "-j", ".rodata.str1.4", obj],
                         capture_output=True, check=True).stdout
    return out.split(b"\n", 2)[-1]          # drop the line that names the file


def write_file(root: str, tree: str, lab: str, rel: str, text: str) -> None:
    """Render a (possibly mutated) reference file as the mutant tree has it."""
    regions, errs = mklab.parse_markers(rel, text)
    assert not errs, errs
    with open(os.path.join(tree, rel), "w") as f:
        f.write(mklab.render(text, regions, lab, only=set()))


def build(tree: str, configs: list[str]) -> bool:
    for cfg in configs:
        cap = runner.run_supervised(["make", "-C", tree, "-s", "CONFIG=%s" % cfg, "kernel"],
                                    runner.BUILD_TIMEOUT, env=runner._clean_env())
        if cap.status != 0 or cap.timed_out:
            return False
    return True


# ---------------------------------------------------------------- grading
def grade(tree: str, lab: manifest.Lab, seed: int, configs: list[str], jobs: int) -> list[str]:
    """Names of the tests that failed (empty: the mutant survived this seed)."""
    os.environ["VMKIT_NO_BUILD"] = "1"      # built above; the grader must not rebuild
    try:
        report, _, _ = driver.run_pytest(lab.test_files(hidden=True), tree=tree, lab=lab.id,
                                         hidden=True, seed=seed, configs=configs, jobs=jobs,
                                         quiet=True)
    finally:
        del os.environ["VMKIT_NO_BUILD"]
    failed = sorted({"%s[%s]" % (t["test"], t["config"]) for t in report["tests"]
                     if t["outcome"] != "passed"})
    if not report["tests"]:
        failed = ["(no test ran: %s)" % (report.get("collect_errors") or "?")]
    return failed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="mutation.py", description=__doc__.split("\n")[0])
    p.add_argument("--lab", required=True, help="lab id (02 or 02-buddy)")
    p.add_argument("--seeds", default="1,2", help="comma-separated session seeds (default 1,2)")
    p.add_argument("--config", default=None,
                   help="comma-separated configs to build and grade "
                        "(default: the graded ones of conf/configs.toml)")
    p.add_argument("--max", type=int, default=0, help="grade a deterministic sample of this many")
    p.add_argument("--list", action="store_true", help="list the mutants and stop")
    p.add_argument("-j", "--jobs", type=int, default=2, help="parallel QEMU boots")
    p.add_argument("--root", default=ROOT, help="reference tree (default: this one)")
    a = p.parse_args(argv)
    root = os.path.abspath(a.root)
    try:
        lab = manifest.find_lab(root, a.lab)
        seeds = [int(s) for s in a.seeds.split(",") if s]
    except manifest.ManifestError as e:
        p.error(str(e))
    except ValueError:
        p.error("--seeds takes decimal numbers: %r" % a.seeds)
    try:
        table = configs.table(root)
    except configs.ConfigError as e:
        p.error(str(e))
    names = [c for c in a.config.split(",") if c] if a.config else list(table.graded())
    for c in names:
        if c not in table.names():
            p.error("unknown config %r (known: %s)" % (c, ", ".join(table.names())))
    mutants = all_mutants(root, lab)
    if a.max and a.max < len(mutants):
        mutants = sorted(random.Random(lab.id).sample(mutants, a.max),
                         key=lambda m: (m.path, m.line))
    if a.list:
        for m in mutants:
            print("%s\n%s" % (m.label(), m.diff()))
        print("mutation: lab %s: %d mutants" % (lab.id, len(mutants)))
        return 0
    if not mutants:
        p.error("lab %s has no C regions to mutate" % lab.id)

    tree = os.path.join(root, "build", "mutation", lab.id)
    shutil.rmtree(tree, ignore_errors=True)
    errs = mklab.generate(root, lab.id, tree, only=set())
    if errs:
        raise SystemExit("mutation: cannot generate the tree:\n  " + "\n  ".join(errs))
    if not build(tree, names):
        raise SystemExit("mutation: the reference does not build in %s" % tree)
    originals: dict[str, str] = {}
    for rel in sorted({m.path for m in mutants}):
        with open(os.path.join(root, rel)) as f:
            originals[rel] = f.read()
    # Equivalence is judged on every config: a mutant of a branch only one
    # config compiles (dense or sparse, PAE or not) differs only there.
    reference = {rel: [object_code(tree, c, rel) for c in names] for rel in originals}
    print("mutation: lab %s, %d mutants, seeds %s, configs %s"
          % (lab.id, len(mutants), ",".join(map(str, seeds)), ",".join(names)), flush=True)

    start = time.monotonic()
    nocompile, equivalent, graded = 0, 0, 0
    killed = {s: 0 for s in seeds}
    survivors: list[tuple[Mutant, list[int]]] = []
    for n, m in enumerate(mutants, 1):
        lines = originals[m.path].split("\n")
        lines[m.line] = m.new
        write_file(root, tree, lab.id, m.path, "\n".join(lines))
        if not build(tree, names):
            nocompile += 1
            verdict = "does not compile"
        elif [object_code(tree, c, m.path) for c in names] == reference[m.path]:
            equivalent += 1
            verdict = "equivalent (same object code)"
        else:
            graded += 1
            lived: list[int] = []
            for s in seeds:
                failed = grade(tree, lab, s, names, a.jobs)
                if failed:
                    killed[s] += 1
                else:
                    lived.append(s)
            verdict = "SURVIVED seeds %s" % lived if lived else "killed"
            if lived:
                survivors.append((m, lived))
        write_file(root, tree, lab.id, m.path, originals[m.path])
        print("  [%d/%d] %-48s %s" % (n, len(mutants), m.label(), verdict), flush=True)

    print("\nmutation: lab %s: %d mutants: %d do not compile, %d equivalent, %d graded (%.0f s)"
          % (lab.id, len(mutants), nocompile, equivalent, graded, time.monotonic() - start))
    for s in seeds:
        pct = 100.0 * killed[s] / graded if graded else 100.0
        print("  seed %d: %d / %d killed (%.1f%%)" % (s, killed[s], graded, pct))
    if survivors:
        print("survivors (each needs a directed test, or a reason it is equivalent):")
        for m, lived in survivors:
            print("  %s (seeds %s)\n%s" % (m.label(), ",".join(map(str, lived)), m.diff()))
    return 0 if not survivors else 1


if __name__ == "__main__":
    sys.exit(main())
