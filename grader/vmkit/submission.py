"""Intake of student submissions for tools/grade.py --submissions.

A submission is hostile. It is a directory or an archive (zip, tar) holding
the lab's `edit` files (labs/NN/lab.toml) at their paths; nothing else of it
is used. Each one is graded in a fresh student tree generated from the
instructor's (tools/mklab.py, so no hidden tests in it) in a work directory
outside the instructor's tree: the edit files are copied in by content, and
the kernel is built by the instructor's Makefile. So a submission's Makefile,
grader files, symlinks and stray files never reach the build or the grader.

What an edit file may still do at build time is read files through the C
preprocessor or the assembler and embed them in the kernel, which then
prints them to the serial log students see.  check_sources() closes that:
  - every file the preprocessor reads (its line markers, which also catch
    computed includes, #line and includes through symlinks) must lie inside
    the work tree, and
  - the compiler's assembly of each edit file (gcc -S with the Makefile's
    flags, so string-pasted asm() is seen as the assembler will see it) may
    not use .incbin, .include or the assembler's macro directives (.macro,
    .irp, .irpc, .altmacro), which could spell those at assembly time.
It does not stop a kernel from printing files that are in the student tree
anyway.  Compiler output shown to students keeps only diagnostics located in
their own edit files (student_diagnostics), without source excerpts, and no
absolute path of the grader's (scrub in results.py). Stdlib only.
"""
from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import tarfile
import zipfile
from collections.abc import Sequence

MAX_ARCHIVE = 64 << 20        # bytes of an archive submission
MAX_UNPACKED = 256 << 20      # bytes of all its members
MAX_MEMBERS = 20000
MAX_EDIT_FILE = 1 << 20       # bytes of one edit file
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


class Refused(Exception):
    """A submission that is not graded; the message is for the student."""


# ---------------------------------------------------------------- archives
def is_archive(path: str) -> bool:
    return os.path.isfile(path) and path.endswith(ARCHIVES)


def unpack(path: str, dest: str) -> str:
    """Unpack an archive into dest (never outside it); a single top directory
    is descended into. Raises Refused for anything unsafe or too big."""
    if os.path.getsize(path) > MAX_ARCHIVE:
        raise Refused("archive is larger than %d MiB" % (MAX_ARCHIVE >> 20))
    os.makedirs(dest, exist_ok=True)
    try:
        if path.endswith(".zip"):
            _unzip(path, dest)
        else:
            _untar(path, dest)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as e:
        raise Refused("cannot unpack %s: %s" % (os.path.basename(path), _noabs(str(e), dest)))
    entries = [e for e in os.listdir(dest) if not e.startswith(".") and e != "__MACOSX"]
    one = os.path.join(dest, entries[0]) if len(entries) == 1 else None
    if one and os.path.isdir(one) and not os.path.islink(one):
        return one
    return dest


def _noabs(text: str, dest: str) -> str:
    return text.replace(os.path.abspath(dest) + os.sep, "").replace(os.path.abspath(dest), ".")


def _member_path(name: str, dest: str) -> str:
    """Where an archive member goes, or Refused if it would leave dest."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or \
            ".." in re.split(r"[/\\]", name):
        raise Refused("unsafe archive member: %r" % name)
    root = os.path.realpath(dest)
    target = os.path.realpath(os.path.join(root, name))
    if not _inside(target, root):
        raise Refused("unsafe archive member: %r" % name)
    return target


def _untar(path: str, dest: str) -> None:
    """Regular files and directories only, each checked; links and devices are
    not extracted (a link that points outside is refused). Done by hand, not
    extractall(filter="data"): Debian 12's Python 3.11.2 predates filters."""
    with tarfile.open(path) as tf:
        members = tf.getmembers()
        if len(members) > MAX_MEMBERS:
            raise Refused("archive has more than %d members" % MAX_MEMBERS)
        if sum(m.size for m in members if m.isfile()) > MAX_UNPACKED:
            raise Refused("archive unpacks to more than %d MiB" % (MAX_UNPACKED >> 20))
        for m in members:
            target = _member_path(m.name, dest)
            if m.issym() or m.islnk():
                link = os.path.normpath(m.linkname if m.islnk() else
                                        os.path.join(os.path.dirname(m.name), m.linkname))
                if os.path.isabs(m.linkname) or link == ".." or link.startswith("../"):
                    raise Refused("unsafe archive member: %r links to %r" % (m.name, m.linkname))
                continue                     # never extracted: edit files must be regular
            if m.isdir():
                os.makedirs(target, exist_ok=True)
            elif m.isfile():
                os.makedirs(os.path.dirname(target), exist_ok=True)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
                src_f = tf.extractfile(m)
                if src_f is None:
                    raise Refused("cannot read archive member %r" % m.name)
                with os.fdopen(fd, "wb") as out, src_f as src:
                    while True:
                        chunk = src.read(1 << 16)
                        if not chunk:
                            break
                        out.write(chunk)


def _unzip(path: str, dest: str) -> None:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise Refused("archive has more than %d members" % MAX_MEMBERS)
        if sum(i.file_size for i in infos) > MAX_UNPACKED:
            raise Refused("archive unpacks to more than %d MiB" % (MAX_UNPACKED >> 20))
        for i in infos:
            _member_path(i.filename, dest)
            if stat.S_ISLNK(i.external_attr >> 16):
                raise Refused("archive member %r is a symbolic link" % i.filename)
        zf.extractall(dest)       # zipfile writes links as plain files, never follows them


# ---------------------------------------------------------------- edit files
def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def read_edit_file(src: str, rel: str) -> bytes | None:
    """Bytes of src/rel, or None if absent. Refused if it is not a regular
    file, is a symlink or lies behind one, or is too big."""
    if os.path.isabs(rel) or ".." in rel.split("/"):
        raise Refused("grader bug: bad edit path %r" % rel)
    root = os.path.realpath(src)
    cur = root
    parts = rel.split("/")
    for i, part in enumerate(parts):
        cur = os.path.join(cur, part)
        try:
            st = os.lstat(cur)
        except FileNotFoundError:
            return None
        shown = "/".join(parts[:i + 1])
        if stat.S_ISLNK(st.st_mode):
            raise Refused("%s is a symbolic link; submit the file itself" % shown)
        if i < len(parts) - 1 and not stat.S_ISDIR(st.st_mode):
            return None
    if not stat.S_ISREG(st.st_mode):
        raise Refused("%s is not a regular file" % rel)
    if not _inside(os.path.realpath(cur), root):
        raise Refused("%s resolves outside the submission" % rel)
    fd = os.open(cur, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise Refused("%s is not a regular file" % rel)
        data = f.read(MAX_EDIT_FILE + 1)
    if len(data) > MAX_EDIT_FILE:
        raise Refused("%s is larger than %d KiB" % (rel, MAX_EDIT_FILE >> 10))
    return data


def install(src: str, tree: str, edit: Sequence[str]) -> tuple[list[str], list[str]]:
    """Copy the edit files of submission src over tree's stubs (by content).
    Returns (missing edit files, other files of the submission, ignored)."""
    missing = []
    for rel in edit:
        data = read_edit_file(src, rel)
        if data is None:
            missing.append(rel)
            continue
        dst = os.path.join(tree, rel)
        if os.path.islink(dst) or not os.path.isfile(dst):
            raise Refused("grader bug: %s is not a regular file of the lab tree" % rel)
        with open(dst, "wb") as f:
            f.write(data)
    ignored = []
    for dp, dns, fns in os.walk(src):
        dns.sort()
        for fn in sorted(fns) + [d for d in dns if os.path.islink(os.path.join(dp, d))]:
            rel = os.path.relpath(os.path.join(dp, fn), src)
            if rel not in edit:
                ignored.append(rel)
    return missing, ignored


# ---------------------------------------------------------------- source checks
_LINEMARK = re.compile(r'^# \d+ "((?:[^"\\]|\\.)*)"')
_DIRECTIVE = re.compile(r"(?<![\w.$])\.(incbin|include|macro|irpc?|altmacro)\b", re.I)
_CCOMMENT = re.compile(r"/\*.*?\*/", re.S)
_INCLUDE = re.compile(r'^[ \t]*#[ \t]*(?:/\*.*?\*/[ \t]*)*(include_next|include|import|embed|line)\b(.*)$',
                      re.M)


def lexical_problems(rel: str, text: str) -> list[str]:
    """Readable refusals for the obvious cases (the sound check is check_sources)."""
    out = []
    for m in _INCLUDE.finditer(text):
        what, arg = m.group(1), m.group(2).strip()
        line = text.count("\n", 0, m.start()) + 1
        if what == "line":
            if '"' in arg:
                out.append("%s:%d: #line with a file name is not allowed" % (rel, line))
            continue
        q = re.match(r'^(?:"([^"]*)"|<([^>]*)>)', arg)
        if not q:
            out.append("%s:%d: #%s must name a file in quotes or <...>" % (rel, line, what))
            continue
        name = q.group(1) if q.group(1) is not None else q.group(2)
        if name.startswith("/") or ".." in name.split("/"):
            out.append("%s:%d: #%s of %r: only files of the kernel tree may be included "
                       "(no absolute paths, no ..)" % (rel, line, what, name))
    if re.search(r"\.incbin\b", text, re.I):
        out.append("%s: .incbin is not allowed" % rel)
    return out


def make_flags(tree: str, config: str, timeout: float = 60) -> tuple[list[str], list[str]]:
    """(CFLAGS, ASFLAGS) of the tree's Makefile for config, as argv lists."""
    rule = "vmkit-print-flags: ; @printf '%s\\n' '$(CFLAGS)' '$(ASFLAGS)'"
    p = subprocess.run(["make", "-s", "--no-print-directory", "-C", tree, "CONFIG=%s" % config,
                        "--eval", rule, "vmkit-print-flags"], capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    lines = p.stdout.splitlines()
    if p.returncode != 0 or len(lines) < 2 or not lines[0].strip():
        raise RuntimeError("cannot read CFLAGS of the lab's Makefile (config %s): %s"
                           % (config, p.stderr.strip()[-300:]))
    return shlex.split(lines[0]), shlex.split(lines[1])


def _strip_dep_flags(flags: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for f in flags:
        if skip:
            skip = False
            continue
        if f in ("-MF", "-MT", "-MQ"):
            skip = True
            continue
        if f.startswith("-M"):
            continue
        out.append(f)
    return out


def _gcc(tree: str, argv: list[str], timeout: float) -> tuple[int, str, str]:
    p = subprocess.run(["gcc"] + argv, cwd=tree, capture_output=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, start_new_session=True)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check_sources(tree: str, config: str, files: Sequence[str], timeout: float = 120) -> list[str]:
    """Problems (student-visible strings) with the edit files `files` (paths
    relative to tree) when built for config: files read from outside the
    tree, forbidden assembler directives. [] if none."""
    cflags, asflags = make_flags(tree, config)
    cflags, asflags = _strip_dep_flags(cflags), _strip_dep_flags(asflags)
    root = os.path.realpath(tree)
    problems: list[str] = []
    for rel in files:
        if rel.endswith(".c"):
            flags = cflags
        elif rel.endswith(".S"):
            flags = asflags
        else:
            continue
        rc, pre, _ = _gcc(tree, flags + ["-E", rel, "-o", "-"], timeout)
        seen: set[str] = set()
        for line in pre.splitlines():
            m = _LINEMARK.match(line)
            if not m:
                continue
            name = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
            if name in seen or name.startswith("<"):
                continue
            seen.add(name)
            if not _inside(os.path.realpath(os.path.join(root, name)), root):
                problems.append("%s (config %s) reads a file outside the kernel tree; "
                                "only the tree's own headers may be included" % (rel, config))
                break
        if rc != 0 or problems:
            continue            # the build reports preprocessing errors
        if rel.endswith(".c"):
            rc, asm, _ = _gcc(tree, flags + ["-S", rel, "-o", "-"], timeout)
            if rc != 0:
                continue
        else:
            asm = pre
        m = _DIRECTIVE.search(_CCOMMENT.sub(" ", asm))
        if m:
            problems.append("%s (config %s): the assembler directive .%s is not allowed"
                            % (rel, config, m.group(1).lower()))
    return problems


# ---------------------------------------------------------------- diagnostics
_DIAG = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<rest>\d+:(?:\d+:)? (?:fatal error|error|warning|note): .*"
                   r"|\(\.[\w.]+\+0x[0-9a-f]+\): .*| In function .*|\d+: .*)$")


def student_diagnostics(output: str, edit: Sequence[str], tree: str, limit: int = 40) -> str:
    """Only the compiler/linker lines located in the student's own edit files,
    with the work tree's path removed; no source excerpts (they quote files
    by name, which #line could point anywhere)."""
    prefixes = [os.path.realpath(tree) + os.sep, os.path.abspath(tree) + os.sep]
    keep: list[str] = []
    dropped = 0
    for line in output.splitlines():
        for p in prefixes:
            line = line.replace(p, "")
        m = _DIAG.match(line)
        if m and m.group("file") in edit:
            if len(keep) < limit:
                keep.append(line)
            continue
        if line.strip():
            dropped += 1
    text = "\n".join(keep)
    if not keep:
        text = "(no compiler message is located in your files %s: the build failed elsewhere, " \
               "e.g. when linking; your instructor has the whole log)" % ", ".join(edit)
    elif dropped:
        text += "\n[%d other lines of build output not shown: they are not located in your " \
                "files; your instructor has the whole log]" % dropped
    return text
