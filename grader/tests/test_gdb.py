"""The GDB helpers (tools/gdb/vmkit_gdb.py) against a live reference kernel.

GDB drives QEMU over a pipe (`target remote | exec qemu ... -gdb stdio -S`:
no port to race for, and QEMU dies with GDB), stops at the monitor, where the
VM system is up, and runs the helpers the README shows.  The helpers read the
kernel's own symbols (the free-list table, KERNBASE), so these tests fail when
the kernel and the script drift apart; a deliberately broken count proves
vmbuddy's invariant check can fail.
"""
import os
import shlex
import signal
import subprocess

import pytest

from vmkit import ROOT, configs
from vmkit.qemu import qemu_argv

BOTH = configs.table().graded()
GDB_TIMEOUT = 60.0
# The first page the kernel manages (page 0 is kept back): in every config's page array.
SOME_PA = 0x1000


def gdb_session(vm, commands):
    """Run GDB's commands at the monitor of a fresh 128M boot; its output."""
    kernel = vm.runner.build(vm.config).kernel
    qemu = qemu_argv(kernel, vm.config, mem="128M")
    qemu[qemu.index("-serial") + 1] = "null"          # stdio is GDB's pipe
    qemu += ["-S", "-gdb", "stdio"]
    argv = ["gdb", "-q", "-nx", "-batch",
            "-ex", "set architecture %s" % vm.conf.gdb_arch,
            "-ex", "set confirm off",
            "-ex", "file %s" % kernel,
            "-ex", "source %s" % os.path.join(ROOT, "tools", "gdb", "vmkit_gdb.py"),
            "-ex", "target remote | exec %s" % shlex.join(qemu),
            "-ex", "hbreak monitor",
            "-ex", "continue"]
    for c in commands:
        argv += ["-ex", c]
    argv += ["-ex", "kill"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=GDB_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        pytest.fail("GDB did not finish within %.0f s; its output:\n%s" % (GDB_TIMEOUT, out[-3000:]))
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert "Breakpoint 1, monitor" in out, "GDB never stopped at monitor():\n" + out[-3000:]
    return out


@pytest.mark.vmkit(configs=BOTH, timeout=60)
def test_gdb_helpers_read_the_live_kernel(vm):
    """vmsegs names every free list from the kernel's table, vmbuddy finds the
    queues sound, vmpage decodes a page of the array."""
    out = gdb_session(vm, ["vmsegs", "vmbuddy -q", "vmpage %#x" % SOME_PA])
    assert "Python Exception" not in out and "Error occurred" not in out, out[-3000:]
    assert "invariants: OK" in out, "vmbuddy did not find the queues sound:\n" + out[-3000:]
    assert "phys_addr  0x%016x" % SOME_PA in out, "vmpage did not decode %#x:\n%s" % (SOME_PA, out[-3000:])


@pytest.mark.vmkit(configs=BOTH[:1], timeout=60)
def test_gdb_vmbuddy_catches_a_broken_count(vm):
    """One page too many in cnt.v_free_count: vmbuddy must say so."""
    out = gdb_session(vm, ["set var cnt.v_free_count = cnt.v_free_count + 1", "vmbuddy -q"])
    assert "INVARIANT VIOLATIONS" in out and "invariants: OK" not in out, \
        "vmbuddy missed a free count one page off:\n" + out[-3000:]
