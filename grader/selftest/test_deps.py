"""Self-tests of tools/deps against fake dpkg-query, gcc, apt-get and id
(fakedeps/): a package dpkg does not record as installed, or whose probe
fails, must be named in the install line, and as root tools/deps must
install and check again.  PATH holds only the fakes and a few harmless host
tools, so nothing is ever really installed (not even when run as root)."""
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from vmkit import ROOT

DEPS = os.path.join(ROOT, "tools", "deps")
FAKES = Path(__file__).resolve().parent / "fakedeps"
PACKAGES = [line.split("#")[0].strip()
            for line in open(os.path.join(ROOT, "tools", "packages"))]
PACKAGES = [p for p in PACKAGES if p]
# Commands tools/deps only looks for on PATH.
PRESENT = ["qemu-system-i386", "ld", "nm", "make", "gdb", "debootstrap"]
# Host tools the script and the fakes use; none of them installs anything.
HOST = ["dirname", "sed", "mktemp", "rm", "tail", "cat", "grep", "cut", "mv", "mkdir"]
INSTALLED = "install ok installed"


@dataclass
class Run:
    rc: int
    out: str
    apt: list[str]

    def install_lines(self) -> list[list[str]]:
        return [line.split() for line in self.out.splitlines() if "apt-get install" in line]


@pytest.fixture
def fake(tmp_path):
    """A PATH of fakes and a state directory; returns a function that runs tools/deps."""
    bindir, state = tmp_path / "bin", tmp_path / "state"
    bindir.mkdir()
    state.mkdir()
    for name in ("dpkg-query", "gcc", "apt-get", "id", "python3"):
        shutil.copy(FAKES / name, bindir / name)
    for name in PRESENT:
        shutil.copy(FAKES / "present", bindir / name)
    for name in HOST:
        os.symlink(str(shutil.which(name)), bindir / name)
    for lib in ("12/libgcc.a", "12/32/libgcc.a"):
        p = state / "lib/gcc/x86_64-linux-gnu" / lib
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"!<arch>\n")

    def run(status=None, multilib="yes", uid=1000, apt_works=False, args=(), pybroken=()):
        status = {p: INSTALLED for p in PACKAGES} | (status or {})
        (state / "dpkg").write_text("".join(f"{p}\t{s}\n" for p, s in status.items() if s))
        (state / "multilib").write_text(multilib + "\n")
        (state / "uid").write_text(f"{uid}\n")
        (state / "pybroken").write_text("".join(f"{m}\n" for m in pybroken))
        if apt_works:
            (state / "apt-works").touch()
        env = {"PATH": str(bindir), "FAKE_DEPS": str(state), "TMPDIR": str(tmp_path),
               "DEPS_PYTHON": str(bindir / "python3")}
        # The only apt-get tools/deps can reach is the fake.
        assert shutil.which("apt-get", path=env["PATH"]) == str(bindir / "apt-get")
        p = subprocess.run([DEPS, *args], env=env, capture_output=True, text=True, timeout=60)
        log = state / "apt.log"
        return Run(p.returncode, p.stdout + p.stderr,
                   log.read_text().splitlines() if log.exists() else [])
    return run


def test_all_installed_is_silent(fake):
    r = fake()
    assert (r.rc, r.out, r.apt) == (0, "", [])


@pytest.mark.parametrize("status", ["unknown ok not-installed", "deinstall ok config-files", None])
def test_multilib_not_installed_is_named(fake, status):
    """The bug of issue 8: gcc-multilib missing, gcc -m32 still names a
    libgcc (the 64-bit one) and compiles a trivial file."""
    r = fake(status={"gcc-multilib": status}, multilib="no")
    assert r.rc != 0, r.out
    assert any("gcc-multilib" in line for line in r.install_lines()), r.out
    assert ["sudo", "apt-get", "install", "-y", "--no-install-recommends", "gcc-multilib"] \
        in r.install_lines(), r.out
    assert r.apt == []  # not root: prints, never runs apt-get


@pytest.mark.parametrize("multilib,why", [("no", "not a 32-bit libgcc"), ("nolink", "__udivmoddi4")])
def test_multilib_probe_fails_while_dpkg_says_installed(fake, multilib, why):
    r = fake(multilib=multilib)
    assert r.rc != 0, r.out
    assert "gcc-multilib does not work" in r.out and why in r.out, r.out
    assert any("--reinstall" in line and "gcc-multilib" in line for line in r.install_lines()), r.out


@pytest.mark.parametrize("command,package", [("qemu-system-i386", "qemu-system-x86"), ("gdb", "gdb")])
def test_command_missing_while_dpkg_says_installed(fake, tmp_path, command, package):
    os.unlink(tmp_path / "bin" / command)
    r = fake()
    assert r.rc != 0 and f"{package} does not work" in r.out, r.out


def test_module_that_does_not_import(fake):
    """dpkg says python3-pytest-xdist is installed, but Debian's python3
    cannot import xdist: named, with a --reinstall line."""
    r = fake(pybroken=["xdist"])
    assert r.rc != 0 and "python3-pytest-xdist does not work" in r.out and "cannot import xdist" in r.out, r.out
    assert any("--reinstall" in line and line[-1] == "python3-pytest-xdist"
               for line in r.install_lines()), r.out


def test_several_missing_one_install_line(fake):
    r = fake(status={"gdb": "unknown ok not-installed", "python3-pytest-xdist": None})
    assert r.rc != 0
    line = [w for w in r.install_lines() if "--reinstall" not in w]
    assert len(line) == 1 and line[0][-2:] == ["gdb", "python3-pytest-xdist"], r.out


def test_root_installs_then_checks_again(fake):
    r = fake(status={"gcc-multilib": "unknown ok not-installed"}, multilib="no", uid=0, apt_works=True)
    assert r.rc == 0, r.out
    assert r.apt[0].startswith("update") and "gcc-multilib" in r.apt[1].split(), r.apt


def test_root_install_that_changes_nothing_fails_loudly(fake):
    r = fake(status={"gcc-multilib": "unknown ok not-installed"}, multilib="no", uid=0)
    assert r.rc != 0
    assert "STILL MISSING" in r.out and "gcc-multilib" in r.out, r.out


def test_explicit_packages(fake):
    """tools/fresh-check asks for debootstrap alone."""
    assert fake(args=["debootstrap"]).rc != 0  # not in the fake dpkg database
    r = fake(status={"debootstrap": INSTALLED}, args=["debootstrap"])
    assert (r.rc, r.out) == (0, "")


def test_one_package_list():
    """README, .ci/run and the Makefile name tools/packages, never a copy of it."""
    for f in ("README.md", ".ci/run", "Makefile"):
        text = open(os.path.join(ROOT, f)).read()
        assert "python3-pytest-xdist" not in text, f"{f} has its own package list"
    assert "tools/packages" in open(os.path.join(ROOT, "README.md")).read()


# ---- package groups (tools/packages-NAME): what only some targets need
def _group(name):
    return [w for line in open(os.path.join(ROOT, "tools", "packages-" + name))
            for w in line.split("#")[0].split()]


def test_group_checks_its_own_list(fake, tmp_path):
    """--group handouts checks tools/packages-handouts, not the main list:
    a missing main package does not matter, a missing group one is named."""
    group = _group("handouts")
    assert "python3-markdown" in group
    ok = {p: INSTALLED for p in group} | {"gdb": None}
    assert fake(status=ok, args=["--group", "handouts"]).rc == 0
    r = fake(status=ok | {"python3-markdown": "unknown ok not-installed"}, args=["--group", "handouts"])
    assert r.rc != 0 and ["sudo", "apt-get", "install", "-y", "--no-install-recommends",
                          "python3-markdown"] in r.install_lines(), r.out


def test_group_browser_probe(fake, tmp_path):
    """chromium recorded as installed but not on PATH: the probe says so."""
    status = {p: INSTALLED for p in _group("browser")}
    r = fake(status=status, args=["--group", "browser"])
    assert r.rc != 0 and "chromium does not work" in r.out, r.out
    shutil.copy(FAKES / "present", tmp_path / "bin" / "chromium")
    assert fake(status=status, args=["--group", "browser"]).rc == 0


def test_unknown_group_is_refused(fake):
    r = fake(args=["--group", "nosuch"])
    assert r.rc == 2 and "no group 'nosuch'" in r.out, r.out
