#!/usr/bin/env python3
"""tools/mklab.py: generate a student tree for one lab from the reference tree.

  tools/mklab.py --lab 00 --dest ../lab00        (make lab LAB=00 DEST=../lab00)
  tools/mklab.py --check                         validate every marker, write nothing

Tree NN is what a student of lab NN gets: every region of lab NN and of every
later lab is replaced by its stub (no future answer ships early); regions of
earlier labs keep their reference code and lose their two marker comments.
Marker syntax and the manifest format: labs/README.md. Malformed markers are
reported as `file:line: message` and nothing is written. Stdlib only.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Collection

import vmkitpath  # noqa: F401  (grader/ on sys.path: tools/vmkitpath.py)
from vmkit import manifest

SCAN_DIRS = ("kernel/",)
SCAN_EXTS = (".c", ".h", ".S", ".ld")
MAKEFILES = ("Makefile", "GNUmakefile", "makefile")
SKIP_DIRS = {"build", ".git", "__pycache__", ".pytest_cache"}
# Never copied into a student tree (instructor-only), besides what manifests name.
EXCLUDE_PREFIXES = (".ci/", "grader/hidden/", "grader/selftest/", "tools/autograder/")
EXCLUDE_FILES = ("tools/mklab.py", "tools/stripcheck.py", "tools/mutation.py", "tools/fresh-check",
                 "tools/gradescope.py", "tools/publish-lab.sh", "labs/README.md", "tools/figures.py",
                 "tools/handouts.py", "tools/handouts.css", "tools/packages-handouts",
                 "tools/packages-browser")

_ID = r"(?P<lab>\d+) (?P<id>[A-Za-z0-9_.-]+)"
C_BEGIN = re.compile(r"^(?P<indent>[ \t]*)/\*\s*BEGIN LAB " + _ID + r"(?P<rest>.*)$")
C_END = re.compile(r"^[ \t]*/\*\s*END LAB " + _ID + r"\s*\*/\s*$")
C_STUB = re.compile(r"^\s*\*\s*stub:\s*$")
C_CONT = re.compile(r"^\s*\*(?!/)")
C_CLOSE = re.compile(r"^\s*\*/\s*$")
MK_BEGIN = re.compile(r"^(?P<indent>[ \t]*)#\s*BEGIN LAB " + _ID + r"\s*$")
MK_END = re.compile(r"^[ \t]*#\s*END LAB " + _ID + r"\s*$")
MK_STUB = re.compile(r"^\s*#\s*stub:\s*$")
ANY_MARK = re.compile(r"\b(BEGIN|END)\s+LAB\b")


@dataclasses.dataclass(frozen=True)
class Region:
    """One BEGIN/END LAB pair of a file, as parse_markers found it."""
    path: str                  # the file, relative to the tree
    lab: str                   # "02"
    id: str                    # the marker id, listed in the lab's `markers`
    begin: int                 # 0-based line of BEGIN
    body: int                  # 0-based first line after the opening comment
    end: int                   # 0-based line of END
    stub: tuple[str, ...]      # the stub's lines, comment prefix removed; () if
                               # missing or empty (reported as an error)
    indent: str                # the BEGIN line's indentation

    def where(self) -> str:
        return "%s:%d" % (self.path, self.begin + 1)


@dataclasses.dataclass(frozen=True)
class _Open:
    """A BEGIN whose END parse_markers has not reached yet."""
    lab: str
    id: str
    begin: int
    body: int
    stub: tuple[str, ...]
    indent: str


def is_makefile(rel: str) -> bool:
    base = os.path.basename(rel)
    return base in MAKEFILES or base.endswith(".mk")


def is_scanned(rel: str) -> bool:
    return is_makefile(rel) or (rel.startswith(SCAN_DIRS) and rel.endswith(SCAN_EXTS))


def parse_markers(rel: str, text: str) -> tuple[list[Region], list[str]]:
    """(regions, errors) of one file's text; errors are `file:line: message`."""
    mk = is_makefile(rel)
    lines = text.split("\n")
    regions: list[Region] = []
    errors: list[str] = []
    cur: _Open | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if not ANY_MARK.search(line):
            i += 1
            continue
        b = (MK_BEGIN if mk else C_BEGIN).match(line)
        e = (MK_END if mk else C_END).match(line)
        if b:
            lab, mid = b.group("lab"), b.group("id")
            if len(lab) != 2:
                errors.append("%s:%d: lab number %r must have two digits" % (rel, i + 1, lab))
            if cur:
                errors.append("%s:%d: BEGIN LAB %s %s is nested inside BEGIN LAB %s %s (line %d): "
                              "regions may not nest (or that region lacks its END)"
                              % (rel, i + 1, lab, mid, cur.lab, cur.id, cur.begin + 1))
            stub, j, err = (_mk_opening if mk else _c_opening)(lines, i, b)
            if err:
                errors.append("%s:%d: BEGIN LAB %s %s: %s" % (rel, i + 1, lab, mid, err))
            if not cur:
                cur = _Open(lab, mid, i, j, stub, b.group("indent"))
            i = j
            continue
        if e:
            lab, mid = e.group("lab"), e.group("id")
            if not cur:
                errors.append("%s:%d: END LAB %s %s without a BEGIN" % (rel, i + 1, lab, mid))
            elif (lab, mid) != (cur.lab, cur.id):
                errors.append("%s:%d: END LAB %s %s does not match BEGIN LAB %s %s at line %d"
                              % (rel, i + 1, lab, mid, cur.lab, cur.id, cur.begin + 1))
                cur = None
            else:
                regions.append(Region(rel, lab, mid, cur.begin, cur.body, i, cur.stub, cur.indent))
                cur = None
            i += 1
            continue
        errors.append("%s:%d: malformed lab marker (expected %s): %s" % (
            rel, i + 1, "`# BEGIN LAB NN id` / `# END LAB NN id`" if mk else
            "`/* BEGIN LAB NN id` ... ` */` / `/* END LAB NN id */`", line.strip()[:100]))
        i += 1
    if cur:
        errors.append("%s:%d: BEGIN LAB %s %s has no END LAB %s %s"
                      % (rel, cur.begin + 1, cur.lab, cur.id, cur.lab, cur.id))
    return regions, errors


def _finish_stub(stub: list[str] | None) -> tuple[tuple[str, ...], str | None]:
    """(the stub without trailing blank lines, None), or ((), error)."""
    if stub is None:
        return (), "missing stub (the opening comment needs a `stub:` line and the stub below it)"
    while stub and not stub[-1].strip():
        stub.pop()
    if not any(s.strip() for s in stub):
        return (), "empty stub (give at least one line after `stub:`)"
    return tuple(stub), None


def _c_opening(lines: list[str], i: int, m: re.Match[str]) -> tuple[tuple[str, ...], int, str | None]:
    """Stub lines of a C opening comment starting at line i; (stub, first body line, error)."""
    if "*/" in m.group("rest"):
        return (), i + 1, "missing stub (the opening comment closes on the BEGIN line)"
    stub: list[str] | None = None
    j = i + 1
    while j < len(lines):
        ln = lines[j]
        if C_CLOSE.match(ln):
            done, err = _finish_stub(stub)
            return done, j + 1, err
        if "*/" in ln:
            return (), j + 1, "line %d: put the closing */ on a line of its own" % (j + 1)
        if not C_CONT.match(ln):
            return (), j, "line %d: the opening comment's lines must start with ` *`" % (j + 1)
        if stub is not None:
            stub.append(re.sub(r"^\s*\* ?", "", ln, count=1).rstrip())
        elif C_STUB.match(ln):
            stub = []
        j += 1
    return (), j, "the opening comment is never closed"


def _mk_opening(lines: list[str], i: int, m: re.Match[str]) -> tuple[tuple[str, ...], int, str | None]:
    """Stub lines of a Makefile opening comment starting at line i; (stub, first body line, error)."""
    stub: list[str] | None = None
    j = i + 1
    while j < len(lines) and lines[j].lstrip().startswith("#") and not ANY_MARK.search(lines[j]):
        if stub is not None:
            stub.append(re.sub(r"^\s*# ?", "", lines[j], count=1).rstrip())
        elif MK_STUB.match(lines[j]):
            stub = []
        j += 1
    done, err = _finish_stub(stub)
    return done, j, err


def stubbed(r: Region, lab: str, only: Collection[str] | None = None) -> bool:
    """Whether region r is a stub in lab's tree: lab's own regions (or just
    those in `only`) and every region of a later lab."""
    if r.lab == lab:
        return only is None or r.id in only
    return r.lab > lab


def render(text: str, regions: list[Region], lab: str, only: Collection[str] | None = None) -> str:
    """text with the regions of lab and of later labs replaced by stubs, and
    earlier labs' markers removed. only: a set of lab's marker ids; then only
    those of lab's own regions are stubbed (later labs' still are)."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    for r in sorted(regions, key=lambda r: r.begin):
        out += lines[i:r.begin]
        if stubbed(r, lab, only):
            out += [(r.indent + s) if s else "" for s in r.stub]
        else:
            out += lines[r.body:r.end]
        i = r.end + 1
    out += lines[i:]
    return "\n".join(out)


# ---------------------------------------------------------------- tree
def list_files(root: str) -> list[str]:
    """Files of the reference tree, relative: git's view when it is a checkout (a worktree's .git is a file)."""
    if os.path.lexists(os.path.join(root, ".git")):
        try:
            out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                                  "--exclude-standard"], capture_output=True, check=True).stdout
            listed = sorted({f for f in out.decode().split("\0") if f})
            return [f for f in listed if os.path.lexists(os.path.join(root, f))
                    and not (set(f.split("/")[:-1]) & SKIP_DIRS)]
        except (OSError, subprocess.CalledProcessError):
            pass
    files: list[str] = []
    for dp, dns, fns in os.walk(root):
        dns[:] = sorted(d for d in dns if d not in SKIP_DIRS)
        for fn in fns:
            files.append(os.path.relpath(os.path.join(dp, fn), root))
    return sorted(files)


def scan(root: str, files: list[str],
         labs: dict[str, manifest.Lab]) -> tuple[list[Region], list[str]]:
    """All regions of the tree, and every error (markers and manifests)."""
    regions: list[Region] = []
    errors: list[str] = []
    for rel in files:
        if not is_scanned(rel) or os.path.islink(os.path.join(root, rel)):
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        if not ANY_MARK.search(text):
            continue
        rs, es = parse_markers(rel, text)
        regions += rs
        errors += es
    for rel in sorted({r.path for r in regions}):
        if rel.endswith(".c") and not is_makefile(rel):
            with open(os.path.join(root, rel), encoding="utf-8", errors="surrogateescape") as f:
                lines = f.read().split("\n")
            for r in regions:
                if r.path == rel:
                    errors += check_whole_function(r, lines)
    found: set[tuple[str, str]] = set()
    for r in regions:
        lab = labs.get(r.lab)
        if lab is None:
            errors.append("%s: lab %s has no labs/%s-* directory" % (r.where(), r.lab, r.lab))
        elif r.id not in lab.markers:
            errors.append("%s: marker %r is not listed in `markers` of %s"
                          % (r.where(), r.id, os.path.relpath(lab.path, root)))
        found.add((r.lab, r.id))
    for lab in labs.values():
        for mk in lab.markers:
            if (lab.id, mk) not in found:
                errors.append("%s: marker %r is listed in `markers` but no BEGIN LAB %s %s "
                              "is in the sources" % (os.path.relpath(lab.path, root), mk, lab.id, mk))
    return regions, errors


def _braces(text: str) -> int:
    """Opening minus closing braces of C text, outside comments, strings and
    character constants (enough for a kernel's own code)."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', " ", text)
    return text.count("{") - text.count("}")


def check_whole_function(r: Region, lines: list[str]) -> list[str]:
    """Errors for a C region of a .c file that is not exactly one whole function
    body: the line before BEGIN must be the function's opening `{` alone at
    column 0, the line after END its closing `}`, the markers at body
    indentation (one tab), nothing in between at column 0 that opens or closes
    a function, and the reference code and the stub each balanced in braces
    with the stub's first line at body indentation.  labs/README.md, "Markers"."""
    where = r.where()
    errs: list[str] = []
    what = "a C region in a .c file must be a whole function body"
    if r.begin == 0 or lines[r.begin - 1] != "{":
        errs.append("%s: %s: the line before BEGIN LAB %s %s must be the function's opening `{` "
                    "alone at column 0; it is %r" % (where, what, r.lab, r.id,
                                                      lines[r.begin - 1][:60] if r.begin else "(none)"))
    if r.end + 1 >= len(lines) or lines[r.end + 1] != "}":
        errs.append("%s: %s: the line after END LAB %s %s (line %d) must be the function's closing `}` "
                    "alone at column 0; it is %r" % (where, what, r.lab, r.id, r.end + 1,
                                                      lines[r.end + 1][:60] if r.end + 1 < len(lines) else "(none)"))
    end_indent = lines[r.end][:len(lines[r.end]) - len(lines[r.end].lstrip())]
    if r.indent != "\t" or end_indent != "\t":
        errs.append("%s: %s: BEGIN and END LAB %s %s must sit at body indentation (one tab), "
                    "so that the stub does" % (where, what, r.lab, r.id))
    body = lines[r.body:r.end]
    for i, ln in enumerate(body):
        if ln[:1] in ("{", "}"):
            errs.append("%s:%d: %s: LAB %s %s spans a function boundary here"
                        % (r.path, r.body + i + 1, what, r.lab, r.id))
            break
    if _braces("\n".join(body)) != 0:
        errs.append("%s: %s: the reference code of LAB %s %s does not balance its braces"
                    % (where, what, r.lab, r.id))
    stub = [s for s in r.stub if s.strip()]       # a missing stub is reported elsewhere
    if _braces("\n".join(stub)) != 0:
        errs.append("%s: %s: the stub of LAB %s %s does not balance its braces" % (where, what, r.lab, r.id))
    elif stub and stub[0][:1] in (" ", "\t"):
        errs.append("%s: %s: the stub of LAB %s %s must start at body indentation (no indentation "
                    "of its own after ` * `)" % (where, what, r.lab, r.id))
    return errs


def excluded(rel: str, lab: manifest.Lab, labs: dict[str, manifest.Lab]) -> bool:
    if rel.startswith(EXCLUDE_PREFIXES) or rel in EXCLUDE_FILES:
        return True
    if rel.startswith("labs/") and not rel.startswith("labs/%s/" % lab.dirname):
        return True
    for other in labs.values():
        if rel in other.hidden_tests:
            return True
        if other.id != lab.id and (rel in other.public_tests or rel == other.handout
                                   or re.match(r"handouts/%s[-_.]" % other.id, rel)):
            return True
    return False


def generate(root: str, lab_spec: str | None, dest: str | None,
             only: Collection[str] | None = None) -> list[str]:
    """Write the student tree; returns a list of errors (nothing written if any).
    only: stub just these marker ids of the lab (tools/stripcheck.py uses it)."""
    root = os.path.abspath(root)
    try:
        labs = manifest.load_all(root)
        lab = manifest.find_lab(root, lab_spec) if lab_spec is not None else None
    except manifest.ManifestError as e:
        return [str(e)]
    files = list_files(root)
    regions, errors = scan(root, files, labs)
    for lb in labs.values():
        errors += manifest.check_files(root, lb)
    if errors or lab is None:
        return errors
    if dest is None:
        raise ValueError("mklab.generate: lab %s needs a destination" % lab.id)
    if os.path.exists(dest) and (not os.path.isdir(dest) or os.listdir(dest)):
        return ["%s: exists and is not empty; choose a new DEST" % dest]
    by_file: dict[str, list[Region]] = {}
    for r in regions:
        by_file.setdefault(r.path, []).append(r)
    os.makedirs(dest, exist_ok=True)
    for rel in files:
        if excluded(rel, lab, labs):
            continue
        src, dst = os.path.join(root, rel), os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if rel == "README.md":
            with open(src, encoding="utf-8") as f:
                text = student_readme(f.read())
            with open(dst, "w", encoding="utf-8") as f:
                f.write(text)
        elif rel in by_file:
            with open(src, encoding="utf-8", errors="surrogateescape") as f:
                text = render(f.read(), by_file[rel], lab.id, only)
            with open(dst, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(text)
            shutil.copymode(src, dst)
        else:
            shutil.copy2(src, dst, follow_symlinks=False)
    return verify(dest) + leaks(root, dest, by_file, lab.id, only)


def leaks(root: str, dest: str, by_file: dict[str, list[Region]], lab: str,
          only: Collection[str] | None = None) -> list[str]:
    """Errors for any reference line of a stubbed region (lab's and later
    labs') that shows up in the generated tree. A line also found outside
    those regions or in a stub is allowed: it may legitimately appear."""
    errs: list[str] = []
    for rel, regions in sorted(by_file.items()):
        gone = [r for r in regions if stubbed(r, lab, only)]
        if not gone:
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().split("\n")
        hidden: set[int] = set()
        for r in gone:
            hidden.update(range(r.begin, r.end + 1))
        allowed = {ln.strip() for i, ln in enumerate(lines) if i not in hidden}
        allowed.update(s.strip() for r in regions for s in r.stub)
        out = os.path.join(dest, rel)
        if not os.path.isfile(out):
            continue
        with open(out, encoding="utf-8", errors="surrogateescape") as f:
            present = {ln.strip() for ln in f}
        for r in gone:
            for i in range(r.body, r.end):
                text = lines[i].strip()
                if text and text not in allowed and text in present:
                    errs.append("%s:%d: reference line of LAB %s %s is in lab %s's tree: %s"
                                % (rel, i + 1, r.lab, r.id, lab, text[:80]))
    return errs


INSTRUCTORS_ONLY = re.compile(r"<!-- instructors-only -->.*?<!-- /instructors-only -->\n?", re.S)


def student_readme(text: str) -> str:
    """The README without its instructors' section (marked by HTML comments)."""
    return INSTRUCTORS_ONLY.sub("The instructors' section of this README is in the reference "
                                "tree, not in lab trees.\n\n", text)


def verify(dest: str) -> list[str]:
    """Errors for any marker text left in a generated tree."""
    errs: list[str] = []
    for rel in list_files(dest):
        p = os.path.join(dest, rel)
        if os.path.islink(p) or not os.path.isfile(p):
            continue
        with open(p, "rb") as f:
            data = f.read()
        if re.search(rb"\b(BEGIN|END)\s+LAB\b", data):
            errs.append("%s: marker text remains in the generated tree" % p)
    return errs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="mklab.py", description="Generate a vmkit student lab tree.")
    p.add_argument("--lab", help="lab id (00 or 00-warmup)")
    p.add_argument("--dest", help="new directory for the student tree")
    p.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."),
                   help="reference tree (default: this one)")
    p.add_argument("--check", action="store_true", help="only validate markers and manifests")
    a = p.parse_args(argv)
    if not a.check and (not a.lab or not a.dest):
        p.error("give --lab NN and --dest DIR (or --check)")
    errors = generate(a.root, None if a.check else a.lab, None if a.check else a.dest)
    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        print("mklab: %d error(s)%s" % (len(errors), "" if a.check else "; lab %s not generated" % a.lab),
              file=sys.stderr)
        return 1
    if a.check:
        print("mklab: markers and manifests OK")
    else:
        print("mklab: wrote lab %s to %s" % (a.lab, a.dest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
