"""Fake vmkit trees for the grader's self-tests: their "kernel" is the tiny
protocol-speaking kernel in fakekernel/ (or one that does not compile)."""
import os

FAKEDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fakekernel")


def make_fake_tree(path: "str | os.PathLike[str]", mode: str = "good", broken: bool = False) -> str:
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


def qemu_pids_running(kernel_path: str) -> list[int]:
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
