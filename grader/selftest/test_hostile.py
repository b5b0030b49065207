"""Self-tests: hostile submissions and killed graders (issue 8 item 3).

Each attack that once worked has a test here: a submission Makefile that
patches the grader or leaves a daemon, edit files that are symlinks or that
include or .incbin grader files, tar members escaping the work directory, a
grade.py or pytest killed mid-run, hung kernels that cost every test its full
time-out. The slow end-to-end case grades a real lab 02 batch with one test
and one config."""
import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from typing import Any

import pytest

import mklab
from selftest.fakes import make_fake_tree, qemu_pids_running
from vmkit import ROOT, manifest, runner, submission

PY = "/usr/bin/python3"
GRADE = os.path.join(ROOT, "tools", "grade.py")
HOSTILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile")
VM_PHYS = "kernel/vm/vm_phys.c"


# ---------------------------------------------------------------- archives
def _tar(path, members):
    with tarfile.open(path, "w") as tf:
        for name, kind, arg in members:
            ti = tarfile.TarInfo(name)
            if kind == "file":
                ti.size = len(arg)
                tf.addfile(ti, io.BytesIO(arg))
            elif kind == "symlink":
                ti.type, ti.linkname = tarfile.SYMTYPE, arg
                tf.addfile(ti)
            elif kind == "dir":
                ti.type = tarfile.DIRTYPE
                tf.addfile(ti)


@pytest.mark.parametrize("members", [
    [("../escaped", "file", b"x")],
    [("sub/../../escaped", "file", b"x")],
    [("/tmp/vmkit-selftest-escaped-abs", "file", b"x")],
    [("link", "symlink", ".."), ("link/escaped", "file", b"x")],
    [("abslink", "symlink", "/tmp"), ("abslink/vmkit-selftest-escaped-sym", "file", b"x")],
], ids=["dotdot", "nested-dotdot", "absolute", "through-symlink", "through-abs-symlink"])
def test_tar_members_cannot_escape(tmp_path, members):
    arc, dest = tmp_path / "s.tar", tmp_path / "w" / "unpacked"
    _tar(arc, members)
    with pytest.raises(submission.Refused, match="unsafe archive member"):
        submission.unpack(str(arc), str(dest))
    assert not (tmp_path / "w" / "escaped").exists() and not (tmp_path / "escaped").exists()
    assert not os.path.exists("/tmp/vmkit-selftest-escaped-abs")
    assert not os.path.exists("/tmp/vmkit-selftest-escaped-sym")


@pytest.mark.parametrize("name", ["../escaped", "/tmp/vmkit-selftest-zip", "a/../../escaped"])
def test_zip_members_cannot_escape(tmp_path, name):
    arc = tmp_path / "s.zip"
    with zipfile.ZipFile(arc, "w") as zf:
        zf.writestr(name, "x")
    with pytest.raises(submission.Refused, match="unsafe archive member"):
        submission.unpack(str(arc), str(tmp_path / "w"))
    assert not (tmp_path / "escaped").exists() and not os.path.exists("/tmp/vmkit-selftest-zip")


def test_archive_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(submission, "MAX_UNPACKED", 1000)
    arc = tmp_path / "big.tar"
    _tar(arc, [("kernel/vm/vm_phys.c", "file", b"x" * 2000)])
    with pytest.raises(submission.Refused, match="unpacks to more than"):
        submission.unpack(str(arc), str(tmp_path / "w"))


# ---------------------------------------------------------------- edit files
def test_edit_file_symlinks_are_refused(tmp_path):
    sub = tmp_path / "sub"
    (sub / "kernel" / "vm").mkdir(parents=True)
    (sub / "kernel" / "vm" / "vm_phys.c").symlink_to(os.path.join(ROOT, VM_PHYS))
    with pytest.raises(submission.Refused, match="symbolic link"):
        submission.read_edit_file(str(sub), VM_PHYS)
    other = tmp_path / "other"
    (other / "vm").mkdir(parents=True)
    (other / "vm" / "vm_phys.c").write_text("int x;\n")
    os.unlink(sub / "kernel" / "vm" / "vm_phys.c")
    os.rmdir(sub / "kernel" / "vm")
    (sub / "kernel" / "vm").symlink_to(other / "vm")          # a directory on the way
    with pytest.raises(submission.Refused, match="kernel/vm is a symbolic link"):
        submission.read_edit_file(str(sub), VM_PHYS)
    os.unlink(sub / "kernel" / "vm")
    (sub / "kernel" / "vm").mkdir()
    os.mkfifo(sub / VM_PHYS)
    with pytest.raises(submission.Refused, match="not a regular file"):
        submission.read_edit_file(str(sub), VM_PHYS)
    assert submission.read_edit_file(str(tmp_path / "nothing"), VM_PHYS) is None


def test_edit_file_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(submission, "MAX_EDIT_FILE", 10)
    (tmp_path / "kernel" / "vm").mkdir(parents=True)
    (tmp_path / VM_PHYS).write_text("x" * 11)
    with pytest.raises(submission.Refused, match="larger than"):
        submission.read_edit_file(str(tmp_path), VM_PHYS)


@pytest.fixture(scope="module")
def lab00_tree(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("lab00") / "tree")
    assert mklab.generate(ROOT, "00", d) == []
    return d


STRTOUL = "kernel/libkern/subr_strtoul.c"
READS = [
    ("computed-include", '#define P(x) #x\n#define Q(x) P(x)\n#include Q(/etc/passwd)\n'),
    ("line-directive", '#line 1 "/etc/passwd"\n'),
    ("pasted-incbin", 'asm(".section .rodata\\n.inc" "bin \\"/etc/hostname\\"\\n.text");\n'),
    ("macro-incbin", 'asm(".macro m a\\n.inc\\\\a \\"/etc/hostname\\"\\n.endm\\nm bin");\n'),
    ("pae-only-incbin", '#ifdef PAE\nasm(".inc" "bin \\"/etc/hostname\\"");\n#endif\n'),
]


@pytest.mark.parametrize("name,prefix", READS, ids=[r[0] for r in READS])
def test_edit_files_cannot_read_grader_files(lab00_tree, name, prefix):
    """What a lexical check misses: the compiler's own view (-E markers, -S)."""
    path = os.path.join(lab00_tree, STRTOUL)
    orig = open(path).read()
    try:
        with open(path, "w") as f:
            f.write(prefix + orig)
        probs = submission.check_sources(lab00_tree, "i386-pae", [STRTOUL])
        assert probs and ("outside the kernel tree" in probs[0] or "directive" in probs[0]), probs
    finally:
        with open(path, "w") as f:
            f.write(orig)
    assert submission.check_sources(lab00_tree, "i386", [STRTOUL]) == []


def test_lexical_check_names_the_line():
    p = submission.lexical_problems("k.c", 'int a;\n# /**/ include "/etc/passwd"\n#include "../x.h"\n'
                                    '#include_next <a/../b>\n#include "sys/types.h"\n')
    assert len(p) == 3 and p[0].startswith("k.c:2: #include of '/etc/passwd'")


def test_student_diagnostics_keep_only_their_files():
    tree = "/tmp/vmkit-run-x/sub-y/tree"
    out = ("%s/kernel/vm/vm_phys.c:3:10: error: expected ';' before 'x'\n"
           "    3 | root:x:0:0:root:/root:/bin/bash\n"
           "/etc/passwd:1:5: error: unknown type name 'root'\n"
           "In file included from kernel/vm/vm_phys.c:1:\n"
           "make: *** [Makefile:73: build/i386/obj/kernel/vm/vm_phys.o] Error 1\n" % tree)
    text = submission.student_diagnostics(out, [VM_PHYS], tree)
    assert text.startswith("kernel/vm/vm_phys.c:3:10: error: expected ';'")
    assert "root" not in text.replace("'root'", "") and "/etc/passwd" not in text and tree not in text
    assert "4 other lines" in text


# ---------------------------------------------------------------- hung kernels
def test_silent_kernel_is_stopped_at_its_banner_deadline(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "BANNER_TIMEOUT", 1.0)
    tree = tmp_path / "silent"
    tree.mkdir()
    (tree / "Makefile").write_text("HOSTILE = %s\ninclude $(HOSTILE)/Makefile\n" % HOSTILE)
    r = runner.Runner(str(tree), session="s1")
    start = time.monotonic()
    res = r.boot("i386", ["boot"], timeout=20, seed=1)
    assert res.kind == "timeout" and time.monotonic() - start < 6
    assert "printed nothing" in str(res.problem())
    start = time.monotonic()
    again = r.boot("i386", ["boot"], timeout=20, seed=1)
    assert again.kind == "timeout" and time.monotonic() - start < 0.5
    assert "skipped: an earlier boot of this kernel hung" in str(again.problem())
    assert qemu_pids_running(r.build("i386").kernel) == []


def test_hang_marks_later_boots_of_that_config(tmp_path):
    tree = make_fake_tree(tmp_path / "hang", mode="hang")       # prints a banner, then spins
    r = runner.Runner(tree, session="s2")
    start = time.monotonic()
    first = r.boot("i386", ["boot"], timeout=1.5, seed=1)
    assert first.kind == "timeout" and time.monotonic() - start >= 1.5
    start = time.monotonic()
    later = runner.Runner(tree, session="s2").boot("i386", ["boot"], timeout=30, seed=1)  # another worker
    assert later.kind == "timeout" and time.monotonic() - start < 0.5
    assert "skipped" in str(later.problem()) and "skipped" in later.log
    other = runner.Runner(tree, session="s3").boot("i386", ["boot"], timeout=1, seed=1)
    assert str(other.problem()).startswith("TIMEOUT after 1")          # a new session boots again


def test_hang_stops_concurrent_boots_in_start_up(tmp_path):
    """xdist workers boot one kernel at once: the first hang stops the others."""
    import threading
    tree = make_fake_tree(tmp_path / "hang", mode="hang")
    runner.Runner(tree, session="s5").build("i386")
    got: dict[str, Any] = {}

    def long_boot():
        start = time.monotonic()
        got["res"] = runner.Runner(tree, session="s5").boot("i386", ["boot"], timeout=30, seed=1)
        got["took"] = time.monotonic() - start
    th = threading.Thread(target=long_boot)
    th.start()
    first = runner.Runner(tree, session="s5").boot("i386", ["boot"], timeout=1.5, seed=1)
    th.join(30)
    assert first.kind == "timeout" and got["res"].kind == "timeout" and got["took"] < 5
    assert "stopped: another boot of this kernel hung" in str(got["res"].problem())


def test_good_boot_does_not_mark(tmp_path):
    tree = make_fake_tree(tmp_path / "good")
    r = runner.Runner(tree, session="s4")
    assert r.boot("i386", ["boot"], timeout=5, seed=1).kind == "ok"
    assert not os.path.exists(r._hang_marker("i386"))


# ---------------------------------------------------------------- killed graders
def _procs():
    """{pid: (sid, cmdline)} of every process."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                st = f.read().rsplit(")", 1)[1].split()
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            out[int(pid)] = (int(st[3]), cmd)
        except (OSError, IndexError, ValueError):
            pass
    return out


def _wait_for(pred, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    return None


def _start_hanging_grade(tmp_path, tmpdir):
    tree = make_fake_tree(tmp_path / "hangtree", mode="hang")
    env = dict(os.environ, TMPDIR=str(tmpdir))
    p = subprocess.Popen([PY, GRADE, "--lab", "00", "--tree", tree, "-j", "2", "--json",
                          str(tmp_path / "r.json")], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    kernel = os.path.join(tree, "build", "i386", "kernel.elf")

    def running():
        procs = _procs()
        pyt = [pid for pid, (_, c) in procs.items() if " -m pytest " in c and tree in c]
        q = qemu_pids_running(kernel)
        return (pyt[0], procs[pyt[0]][0]) if pyt and q else None
    found = _wait_for(running, 60)
    assert found, "no pytest/QEMU of the run appeared"
    return p, tree, kernel, found


def _left(tree, kernel, sid):
    procs = _procs()
    return [pid for pid, (s, c) in procs.items() if s == sid or tree in c] + qemu_pids_running(kernel)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_grader_leaves_no_processes(tmp_path, sig):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    p, tree, kernel, (pytest_pid, sid) = _start_hanging_grade(tmp_path, tmpdir)
    os.kill(p.pid, sig)
    p.communicate(timeout=30)
    assert _wait_for(lambda: not _left(tree, kernel, sid), 5) is not None, \
        "left running: %s" % _left(tree, kernel, sid)
    left = [n for n in os.listdir(tmpdir) if n.startswith("vmkit-")]
    if sig == signal.SIGTERM:
        assert left == []
    else:      # a SIGKILLed run leaves its one run directory; the next run removes it
        assert len(left) == 1 and left[0].startswith("vmkit-run-")
        subprocess.run([PY, GRADE, "--lab", "bogus"], env=dict(os.environ, TMPDIR=str(tmpdir)),
                       capture_output=True)
        assert [n for n in os.listdir(tmpdir) if n.startswith("vmkit-")] == []


def test_killed_pytest_is_a_grader_error(tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    p, tree, kernel, (pytest_pid, sid) = _start_hanging_grade(tmp_path, tmpdir)
    os.kill(pytest_pid, signal.SIGKILL)
    out = p.communicate(timeout=60)[0].decode()
    assert p.returncode == 3, out
    r = json.load(open(tmp_path / "r.json"))
    assert r["extra_data"]["grader_error"].startswith("pytest was killed by signal 9")
    assert all(t["output"].startswith("GRADER ERROR") for t in r["tests"])
    assert _wait_for(lambda: not _left(tree, kernel, sid), 5) is not None
    assert os.listdir(tmpdir) == [], [os.path.join(d, n) for d, ds, fs in os.walk(tmpdir) for n in ds + fs]


# ---------------------------------------------------------------- a hostile lab 02 batch
def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_hostile_lab02_batch(tmp_path):
    """A real lab 02 batch (one test, one config): attacks score the stub's 0,
    change nothing of the grader, leave no daemon, leak no file or path."""
    base = str(tmp_path / "base")
    assert mklab.generate(ROOT, "02", base) == []
    subs = tmp_path / "subs"
    ref = os.path.join(ROOT, VM_PHYS)
    trusted = [os.path.join(ROOT, f) for f in ("grader/conftest.py", "Makefile", "tools/grade.py")]
    before = {f: _sha(f) for f in trusted}
    conftest_text = open(trusted[0]).read()
    tag = "vmkitdaemon%d" % os.getpid()

    def tree(name):
        d = subs / name
        subprocess.run(["cp", "-a", base, str(d)], check=True)
        return d
    subs.mkdir()
    good = tree("good")
    subprocess.run(["cp", ref, str(good / VM_PHYS)], check=True)
    tree("stub")
    hook = tree("hook")          # a Makefile that makes every test pass, and a daemon
    with open(hook / "Makefile", "a") as f:
        f.write("\nkernel: vmkit-evil\nvmkit-evil:\n"
                "\t@printf '\\nimport pytest\\n@pytest.hookimpl(hookwrapper=True)\\n"
                "def pytest_runtest_makereport(item, call):\\n    o = yield\\n"
                "    o.get_result().outcome = \"passed\"\\n' >> %s\n"
                "\t@setsid sh -c 'exec -a %s sleep 1000' </dev/null >/dev/null 2>&1 &\n"
                ".PHONY: vmkit-evil\n" % (trusted[0], tag))
    link = tree("link")
    os.unlink(link / VM_PHYS)
    os.symlink(ref, link / VM_PHYS)
    passwd = tree("passwd")
    with open(passwd / VM_PHYS) as f:
        text = f.read()
    with open(passwd / VM_PHYS, "w") as f:
        f.write('#include "/etc/passwd"\n' + text)
    broken = tree("broken")
    with open(broken / VM_PHYS, "a") as f:
        f.write("\nint vmkit_broken(void) { return undeclared_thing; }\n")
    # the same attacks as archives, each with a member escaping the work dir
    with tarfile.open(subs / "tarhook.tar", "w") as tf:
        tf.add(str(hook), arcname="tarhook")
        ti = tarfile.TarInfo("../escaped-by-tar")
        ti.size = 1
        tf.addfile(ti, io.BytesIO(b"x"))
    out, scores = tmp_path / "out", tmp_path / "scores.csv"
    try:
        p = subprocess.run([PY, GRADE, "--lab", "02", "--submissions", str(subs), "--out", str(out),
                            "--csv", str(scores), "--config", "i386", "--tests", "split_pattern",
                            "--seed", "5", "-j", "1"], cwd=ROOT, capture_output=True, text=True,
                           timeout=600)
        after = {f: _sha(f) for f in trusted}
        daemons = [pid for pid, (_, c) in _procs().items() if tag in c]
    finally:
        if _sha(trusted[0]) != before[trusted[0]]:
            with open(trusted[0], "w") as f:            # undo a successful attack
                f.write(conftest_text)
        for pid in [pid for pid, (_, c) in _procs().items() if tag in c]:
            os.kill(pid, signal.SIGKILL)
    assert p.returncode == 0, p.stdout + p.stderr
    assert after == before, "the grader's own files changed"
    assert daemons == [], "a submission's daemon survived grading"
    rows = {r["submission"]: r for r in csv.DictReader(open(scores))}
    lt = manifest.find_lab(ROOT, "02").test("split_pattern")
    assert lt is not None
    per = round(lt.max_score("i386"), 4)
    assert float(rows["good"]["score"]) == per == float(rows["good"]["max_score"]), rows["good"]
    for name in ("stub", "hook", "link", "passwd", "broken", "tarhook"):
        assert float(rows[name]["score"]) == 0, rows[name]
    assert "symbolic link" in rows["link"]["status"]
    assert "/etc/passwd" in rows["passwd"]["status"] and "not graded" in rows["passwd"]["status"]
    assert "unsafe archive member" in rows["tarhook"]["status"]
    assert not (tmp_path / "escaped-by-tar").exists() and not (out / "escaped-by-tar").exists()
    assert "ignored" in (out / "hook" / "grade.log").read_text()
    with open("/etc/passwd") as f:
        secret = [ln for ln in f.read().splitlines() if ln.startswith("root:")][0]
    broken_res = (out / "broken" / "results.json").read_text()
    assert "undeclared_thing" in broken_res and "kernel/vm/vm_phys.c:" in broken_res
    for name in rows:
        js = (out / name / "results.json").read_text()
        assert secret not in js and ROOT not in js and "vmkit-run-" not in js and "/tmp/" not in js, name
    stub_res = json.loads((out / "stub" / "results.json").read_text())
    assert "build/grade/logs/" in stub_res["tests"][0]["output"]
    assert (out / "stub" / "logs").is_dir()
