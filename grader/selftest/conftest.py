"""Fixtures of the grader's self-tests: fake vmkit trees whose "kernel" is the
tiny protocol-speaking kernel in fakekernel/ (or a broken one)."""
import os
import shutil

import pytest

FAKEDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fakekernel")


def make_fake_tree(path, mode="good", broken=False):
    """A directory that looks like a vmkit tree to the runner and grade.py."""
    os.makedirs(os.path.join(path, "kernel"), exist_ok=True)
    if broken:
        with open(os.path.join(path, "kernel", "broken.c"), "w") as f:
            f.write("int main(void) { return undeclared_variable; }\n")
        mk = ("CONFIG ?= i386\n.PHONY: kernel\nkernel:\n\t@mkdir -p build/$(CONFIG)\n"
              "\tgcc -m32 -c kernel/broken.c -o build/$(CONFIG)/broken.o\n")
    else:
        mk = "FAKEDIR = %s\nFAKE_MODE = %s\ninclude $(FAKEDIR)/Makefile\n" % (FAKEDIR, mode)
    with open(os.path.join(path, "Makefile"), "w") as f:
        f.write(mk)
    return str(path)


@pytest.fixture(scope="session")
def fake_tree(tmp_path_factory):
    """A good fake tree, built once for i386 (the runner builds on first boot)."""
    return make_fake_tree(tmp_path_factory.mktemp("fake"))


@pytest.fixture(scope="session")
def fake_runner(fake_tree):
    from vmkit import runner
    r = runner.Runner(fake_tree, session="selftest", fail_fast=False)
    b = r.build("i386")
    assert b.ok, b.output
    return r


def qemu_pids_running(kernel_path):
    """Pids of processes whose command line names kernel_path."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if kernel_path.encode() in f.read():
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


@pytest.fixture
def copy_fake(tmp_path):
    def mk(mode="good", broken=False, name="t"):
        return make_fake_tree(tmp_path / name, mode, broken)
    return mk


__all__ = ["make_fake_tree", "qemu_pids_running", "shutil"]
