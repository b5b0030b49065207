"""The shell (user/sh.c), run as `sh -c words...` under the `user` ktest.

The grader has no way to type at the console of a test boot, so the line
comes as sh's arguments (sh joins them with spaces): a foreground echo of
seeded words, a forktest in the background (`&`), another echo, a program
that does not exist, `wait`, and `exit` with a seeded status.  The
foreground lines come in order, forktest's lines (recomputed from its
seed) anywhere after its `[pid]`, `wait` reports it with status 0, and
sh's exit status is the seeded one.
"""
from __future__ import annotations

import re

import pytest

from .test_user import ALL, forktest_expected, run_user


@pytest.mark.vmkit(configs=ALL, timeout=90)
def test_sh_script(vm):
    """Programs with arguments, `&`, `wait`, `exit N`, and a missing program's error."""
    seed = vm.rng.randrange(2 ** 32)
    n = 1 + vm.rng.randrange(4)
    w1 = ["a%d" % vm.rng.randrange(10 ** 6) for _ in range(1 + vm.rng.randrange(4))]
    w2 = "b%d" % vm.rng.randrange(10 ** 6)
    status = vm.rng.randrange(1, 100)
    line = (["echo"] + w1 + [";", "forktest", str(seed), str(n), "&", ";", "echo", w2, ";",
             "nosuch", ";", "wait", ";", "exit", str(status)])
    r, out, rest = run_user(vm, "sh", ["-c"] + line)
    fork_lines = [ln for ln in out if ln.startswith("forktest:")]
    shell = [ln for ln in out if not ln.startswith("forktest:")]
    child_lines, total = forktest_expected(seed, n)
    vm.check(sorted(fork_lines) == sorted(child_lines + ["forktest: %d children, status sum %d"
                                                         % (n, total)]), r,
             "sh: the background forktest %d %d printed %r" % (seed, n, fork_lines))
    m = re.fullmatch(r"\[(\d+)\]", shell[1] if len(shell) > 1 else "")
    pid = m.group(1) if m else "?"
    want = [" ".join(w1), "[%s]" % pid, w2, "sh: nosuch: error 2 (no such program)",
            "[%s] status 0" % pid]
    vm.check(m is not None and shell == want, r, "sh -c %s: printed %r (forktest's lines aside), "
             "want %r" % (" ".join(line), shell, want))
    vm.check(out.index("[%s]" % pid) < min(out.index(x) for x in fork_lines) if fork_lines and m
             else True, r, "sh: forktest printed before sh said `[%s]`" % pid)
    vm.check(rest["exit"]["status"] == status, r, "sh exited with %d, want %d (`exit %d`)"
             % (rest["exit"]["status"], status, status))
