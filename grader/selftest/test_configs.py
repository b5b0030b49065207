"""Self-tests: conf/configs.toml is the one list of configs, every consumer reads it
(make through tools/configs.py, the grader through vmkit/configs.py), a new row is
all a config takes on their side, and a bad table stops them with a clear message."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from vmkit import ROOT, configs, manifest, qemu

PY = sys.executable

# The files that could list configs or branch on one: the build, the grader's
# runtime and tests, the tools.  Not here: the table itself, documentation,
# lab manifests (a lab lists its configs) and these self-tests (fixtures).
SCANNED_DIRS = ("grader/vmkit", "grader/tests", "grader/hidden", "tools", "tests/host")
SCANNED_FILES = ("Makefile",)


def scanned_files(root: str) -> list[str]:
    out = [os.path.join(root, f) for f in SCANNED_FILES]
    for d in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
            dirnames[:] = [n for n in dirnames if n != "__pycache__"]
            for n in filenames:
                p = os.path.join(dirpath, n)
                if n.endswith((".py", ".mk")) or n in ("Makefile", "qemu", "deps"):
                    out.append(p)
    return sorted(p for p in out if os.path.isfile(p))


def hardcoded_configs(root: str, names: tuple[str, ...]) -> list[str]:
    """Lines that list two configs or branch on one config's name: facts that belong
    in the table (`path:line: text`)."""
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    quoted = re.compile(r"""["'](%s)["']""" % alt)
    py_bad = re.compile(r"""(==|!=)\s*["'](%s)["']|["'](%s)["']\s*(==|!=|:)"""      # compared, a dict key
                        r"""|["'](%s)[ ,]+(%s)["']""" % (alt, alt, alt, alt))      # "a,b" in one string
    make_word = re.compile(r"(?<![\w-])(%s)(?![\w-])" % alt)
    make_bad = re.compile(r"^\s*if(n?eq|n?def)\b.*\b(%s)\b|\bCONFIG\s*[:?]?=\s*(%s)\b" % (alt, alt))
    hits = []
    for path in scanned_files(root):
        is_make = path.endswith((".mk", "Makefile"))
        with open(path, errors="replace") as f:
            for no, line in enumerate(f, 1):
                code = line.split("#", 1)[0] if is_make else line
                if is_make:
                    bad = len(set(make_word.findall(code))) >= 2 or make_bad.search(code)
                else:
                    bad = len(set(quoted.findall(code))) >= 2 or py_bad.search(code)
                if bad:
                    hits.append("%s:%d: %s" % (os.path.relpath(path, root), no, line.strip()))
    return hits


def test_the_table_is_the_only_list() -> None:
    hits = hardcoded_configs(ROOT, configs.table().names())
    assert not hits, ("configs listed or compared outside conf/configs.toml "
                      "(read them from vmkit.configs / build/conf/CONFIG.mk):\n  " + "\n  ".join(hits))


@pytest.mark.parametrize("line", [
    'DEFAULT_CONFIGS = ("i386", "i386-pae")\n',
    '    pae = vm.config == "i386-pae"\n',
    'KNOWN = ["i386-pae", "i386"]\n',
    '    "i386-pae": "qemu-system-i386",\n',
    '    p.add_argument("--config", default="i386,i386-pae")\n',
])
def test_the_scan_finds_a_hardcoded_list(tmp_path: Path, line: str) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "Makefile").write_text("CONFIGS\t:= i386 i386-pae\nifeq ($(CONFIG),i386-pae)\nendif\n"
                                       "# CONFIG=i386 or i386-pae\n\t$(MAKE) CONFIG=i386 kernel\n")
    (tmp_path / "tools" / "x.py").write_text("# i386 and i386-pae in a comment are fine\n" + line)
    hits = hardcoded_configs(str(tmp_path), ("i386", "i386-pae"))
    assert [h.split(":")[0:2] for h in hits] == [["Makefile", "1"], ["Makefile", "2"], ["Makefile", "5"],
                                                  ["tools/x.py", "2"]]


def test_every_consumer_reads_the_table() -> None:
    t = configs.table()
    assert t.default in t.names() and t.graded()
    for c in t.rows:
        argv = qemu.qemu_argv("k.elf", c.name)
        assert argv[0] == c.qemu
        assert argv[argv.index("-cpu") + 1] == c.cpu and argv[argv.index("-m") + 1] == c.mem
        assert os.path.isdir(os.path.join(ROOT, "kernel", "arch", c.arch))
        mk = subprocess.run([PY, os.path.join(ROOT, "tools", "configs.py"), "--make", c.name],
                            capture_output=True, text=True, check=True).stdout
        assert "ARCH := %s\n" % c.arch in mk and "CONFIGS := %s\n" % " ".join(t.names()) in mk
        for flag in c.cflags + tuple("-D" + d for d in c.defines):
            assert flag in mk.split("MACH_CFLAGS := ")[1].split("\n")[0].split()
    with pytest.raises(ValueError, match="unknown config 'sparc' \\(known: %s\\)" % ", ".join(t.names())):
        qemu.qemu_argv("k.elf", "sparc")


def test_manifests_know_exactly_the_tables_configs(tmp_path: Path) -> None:
    names = configs.table().names()
    d = tmp_path / "labs" / "03-x"
    d.mkdir(parents=True)
    for c in names + ("sparc",):
        (d / "lab.toml").write_text('id = "03"\ntitle = "t"\nconfigs = ["%s"]\n'
                                    '[[test]]\nname = "a"\npoints = 1\n' % c)
        if c == "sparc":
            with pytest.raises(manifest.ManifestError, match="known: %s" % ", ".join(names)):
                manifest.load_lab(str(d / "lab.toml"))
        else:
            assert manifest.load_lab(str(d / "lab.toml")).configs == (c,)


# ------------------------------------------------------------ a row is all it takes
FAKE_ROW = """
[config.i386-fake]
arch = "i386"
defines = ["PAE", "VMKIT_FAKE_ROW"]
cflags = ["-m32", "-march=pentium4"]
asflags = ["-m32", "-Wa,--noexecstack"]
ldflags = ["-m", "elf_i386"]
libgcc = false
qemu = "qemu-system-x86_64"
cpu = "pentium3"
mem = "64M"
paddr_bits = 64
pt_levels = 3
gdb_arch = "i386:x86-64"
graded = false
"""


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """What make and the grader need of this tree, copied (no build/)."""
    dst = tmp_path / "tree"
    for d in ("conf", "kernel", "tools", "grader/vmkit"):
        shutil.copytree(os.path.join(ROOT, d), dst / d,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(os.path.join(ROOT, "Makefile"), dst / "Makefile")
    return dst


def _make(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CONFIG", "MEM", "CPU")}
    return subprocess.run(["make", "--no-print-directory", "-C", str(tree)] + list(args),
                          capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)


def _make_var(tree: Path, var: str, *args: str) -> str:
    p = _make(tree, "-s", "--eval", "vmkit-print: ; @echo '$(%s)'" % var, *args, "vmkit-print")
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_a_new_row_reaches_make_and_the_grader(tree_copy: Path) -> None:
    table = tree_copy / "conf" / "configs.toml"
    assert _make_var(tree_copy, "CONFIGS") == " ".join(configs.table().names())   # generated once
    table.write_text(table.read_text() + FAKE_ROW)
    future = time.time() + 5              # the fragment is re-made when the table changes
    os.utime(table, (future, future))
    assert _make_var(tree_copy, "CONFIGS").split()[-1] == "i386-fake"
    assert _make_var(tree_copy, "CONFIG") == configs.table().default

    dry = _make(tree_copy, "-n", "CONFIG=i386-fake", "kernel")
    assert dry.returncode == 0, dry.stderr
    cc = [line for line in dry.stdout.splitlines() if line.startswith("gcc ") and " -c " in line]
    assert cc and all("-DVMKIT_FAKE_ROW" in line and "-DPAE" in line and " -o build/i386-fake/" in line
                      for line in cc)
    assert all("-march=pentium4" in line for line in cc if line.endswith(".c"))
    assert all("-Wa,--noexecstack" in line for line in cc if line.endswith(".S"))
    assert any(line.endswith(".S") for line in cc) and any(line.endswith(".c") for line in cc)
    link = [line for line in dry.stdout.splitlines() if line.startswith("ld ")]
    assert link and all("libgcc" not in line for line in link)      # libgcc = false
    assert _make_var(tree_copy, "GDB_ARCH", "CONFIG=i386-fake") == "i386:x86-64"

    grader = ("import sys; sys.path.insert(0, 'grader'); from vmkit import configs, qemu\n"
              "t = configs.table(); c = t.get('i386-fake')\n"
              "print(t.names(), t.graded(), c.paddr64, c.pt_levels)\n"
              "print(' '.join(qemu.qemu_argv('k', 'i386-fake')))\n")
    out = subprocess.run([PY, "-c", grader], cwd=tree_copy, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == "%r %r True 3" % (configs.table().names() + ("i386-fake",), configs.table().graded())
    assert out[1].startswith("qemu-system-x86_64 -kernel k ") and "-m 64M -cpu pentium3" in out[1]
    tq = subprocess.run([PY, "tools/qemu", "--dry-run", "--config", "i386-fake"], cwd=tree_copy,
                        capture_output=True, text=True)
    assert tq.returncode == 0 and tq.stdout.startswith(
        "qemu-system-x86_64 -kernel build/i386-fake/kernel.elf"), tq.stderr


def test_make_rejects_an_unknown_config(tree_copy: Path) -> None:
    p = _make(tree_copy, "-n", "CONFIG=sparc", "kernel")
    want = "unknown CONFIG 'sparc': choose one of %s" % " ".join(configs.table().names())
    assert p.returncode != 0 and want in p.stderr, p.stderr


# ------------------------------------------------------------ bad tables
@pytest.mark.parametrize("edit,msg", [
    (lambda s: s.replace('mem = "128M"\n', "", 1), "config 'i386': missing key(s): mem"),
    (lambda s: s.replace('mem = "128M"', 'mem = "128M"\ncolour = "red"', 1),
     "config 'i386': unknown key(s): colour"),
    (lambda s: s.replace('default = "i386"', 'default = "sparc"'), "`default` is 'sparc', which is not a config"),
    (lambda s: s.replace('default = "i386"\n', ""), "missing `default"),
    (lambda s: s.replace("paddr_bits = 32", "paddr_bits = \"32\""), "`paddr_bits` must be an integer"),
    (lambda s: s.replace("paddr_bits = 32", "paddr_bits = 36"), "`paddr_bits` must be 32 or 64"),
    (lambda s: s.replace("libgcc = true", "libgcc = 1", 1), "`libgcc` must be true or false"),
    (lambda s: s.replace('cflags = ["-m32", "-march=i686"]', 'cflags = ["-m32 $(shell id)"]', 1),
     "`cflags` has '-m32 $(shell id)', which is not a plain word"),
    (lambda s: s.replace('defines = []', 'defines = ["-DPAE"]', 1), "which is not a C identifier"),
    (lambda s: s.replace('arch = "i386"', 'arch = "sparc"', 1), "arch 'sparc' has no directory kernel/arch/sparc/"),
    (lambda s: s.replace('mem = "128M"', 'mem = "lots"', 1), "`mem` must be a size"),
    (lambda s: s.replace("[config.i386]", "[config.I386]"), "a name is lower-case"),
    (lambda s: s.replace("[config.i386]", "[configs.i386]"), "unknown top-level key(s): configs"),
    (lambda s: s.replace("graded = true", "graded = false"), "no config has `graded = true`"),
    (lambda s: s.replace('default = "i386"', 'default = "i386'), "not valid TOML"),
])
def test_bad_tables_have_clear_errors(tree_copy: Path, edit: Callable[[str], str], msg: str) -> None:
    table = tree_copy / "conf" / "configs.toml"
    table.write_text(edit(table.read_text()))
    with pytest.raises(configs.ConfigError) as e:
        configs.load(str(table))
    assert msg in str(e.value) and str(table) in str(e.value)


def test_make_stops_on_a_bad_table(tree_copy: Path) -> None:
    table = tree_copy / "conf" / "configs.toml"
    table.write_text(table.read_text().replace('mem = "128M"\n', "", 1))
    p = _make(tree_copy, "-n", "kernel")
    assert p.returncode != 0 and "config 'i386': missing key(s): mem" in p.stderr, p.stderr
    assert not (tree_copy / "build" / "conf" / "default.mk").exists()     # nothing half-written
