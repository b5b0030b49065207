"""Self-tests: the QEMU runner against deliberately broken fake kernels.
Each boot is ~0.1 s; the hang and flood cases are bounded by short timeouts."""
import os
import resource
import subprocess
import sys
import time
from typing import Any

import pytest

from selftest.fakes import make_fake_tree, qemu_pids_running
from vmkit import GRADER_DIR, runner

ARGS = {"lab00.nums": "16:ff,0:0x", "lab00.keys": "a,b", "a": "x"}


def boot(r, mode, timeout=5.0, tests=("boot", "strtoull", "kenv")):
    return r.boot("i386", list(tests), dict(ARGS, **{"fake.mode": mode}), timeout=timeout, seed=1)


def test_good_kernel_is_ok(fake_runner):
    res = boot(fake_runner, "good")
    assert res.kind == "ok" and res.status == 33 and res.problem() is None
    assert res.tests["strtoull"] == ("PASS", "items=2")
    assert res.data["kenv"] == ["a=x", "b (none)"]
    assert "nonce=%s" % res.nonce in res.cmdline and len(res.nonce) == 16


def test_each_boot_gets_a_fresh_nonce(fake_runner):
    assert boot(fake_runner, "good").nonce != boot(fake_runner, "good").nonce


def test_hang_is_killed_at_timeout_leaving_no_qemu(fake_runner):
    start = time.monotonic()
    res = boot(fake_runner, "hang", timeout=1.0)
    took = time.monotonic() - start
    assert res.kind == "timeout" and 1.0 <= took < 3.0
    assert res.problem().startswith("TIMEOUT after 1")
    assert qemu_pids_running(fake_runner.build("i386").kernel) == []


def test_interrupt_kills_qemu(fake_runner):
    kernel = fake_runner.build("i386").kernel
    argv = runner.qemu.qemu_argv(kernel, "i386", append="nonce=x fake.mode=hang")

    def interrupt(line):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        runner.run_supervised(argv, 10, on_line=interrupt)
    assert qemu_pids_running(kernel) == []


@pytest.mark.parametrize("mode", ["wrongnonce", "nononce"])
def test_wrong_or_missing_nonce_does_not_pass(fake_runner, mode):
    res = boot(fake_runner, mode)
    assert res.kind == "no-results" and res.tests == {} and res.data == {}
    assert res.problem().startswith("NO RESULTS")


def test_panic_reported_with_backtrace(fake_runner):
    res = boot(fake_runner, "panic")
    assert res.kind == "panic" and res.status == 37
    msg = str(res.problem())
    assert msg.startswith("PANIC: fake panic for the grader")
    assert "#0 0x00101234 fake_panic+0x14" in msg and "#1 0x00100abc fake_main+0x99" in msg


def test_triple_fault_reported(fake_runner):
    res = boot(fake_runner, "triple")
    assert res.kind == "triple-fault" and res.status == 0
    assert res.problem().startswith("TRIPLE FAULT")


def test_exit_without_end_is_no_results(fake_runner):
    res = boot(fake_runner, "noend")
    assert res.kind == "no-results" and res.tests["boot"][0] == "PASS"


def test_missing_result_for_a_requested_test(fake_runner):
    res = boot(fake_runner, "good", tests=["boot"])
    assert res.missing(["boot", "kenv"]) == ["kenv"]


def test_flood_is_capped_and_memory_bounded(fake_runner, monkeypatch):
    # Small caps: a loaded machine's TCG serial port may print only ~20 KiB in the
    # time-out (64 KiB was not reached once, with three test suites on two cores).
    monkeypatch.setattr(runner, "LOG_CAP", 4 << 10)
    monkeypatch.setattr(runner, "TAIL_CAP", 1 << 10)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = boot(fake_runner, "flood", timeout=3)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert res.kind == "timeout"
    assert res.truncated > 0
    assert len(res.log) < (4 << 10) + (1 << 10) + (64 << 10) + 200
    assert "output capped" in res.log
    assert grown_kib < 64 * 1024, "grader grew by %d KiB while reading a flood" % grown_kib
    assert qemu_pids_running(fake_runner.build("i386").kernel) == []


def test_build_failure_is_a_result_with_the_compiler_error(copy_fake):
    r = runner.Runner(copy_fake(broken=True), session="s")
    res = r.boot("i386", ["boot"], timeout=5)
    assert res.kind == "build-failed"
    msg = str(res.problem())
    assert msg.startswith("BUILD FAILED (config i386)")
    assert "undeclared_variable" in msg and "error" in msg


def test_not_a_tree_is_a_build_failure(tmp_path):
    res = runner.Runner(str(tmp_path), session="s").boot("i386", ["boot"])
    assert res.kind == "build-failed" and "no Makefile" in str(res.problem())


def test_build_is_once_per_session_across_processes(tmp_path):
    tree = tmp_path / "t"
    make_fake_tree(tree)
    counter = tmp_path / "count"
    with open(tree / "Makefile", "a") as f:      # count real builds
        f.write("kernel: count\ncount:\n\t@echo x >> %s\n.PHONY: count\n" % counter)
    code = ("import sys\nfrom vmkit import runner\n"
            "b = runner.build_kernel(%r, 'i386', session='same')\n"
            "sys.exit(0 if b.ok else 1)\n") % str(tree)
    env = dict(os.environ, PYTHONPATH=GRADER_DIR)      # what grader/pyproject.toml gives pytest
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env) for _ in range(3)]
    assert [p.wait() for p in procs] == [0, 0, 0]
    assert counter.read_text().count("x") == 1
    b = runner.build_kernel(str(tree), "i386", session="other")
    assert b.ok and counter.read_text().count("x") == 2


def test_run_result_refuses_misspelt_and_missing_keywords():
    """RunResult is a keyword-only dataclass: a misspelt keyword used to become a default."""
    ok: dict[str, Any] = dict(config="i386", requested=["boot"], cmdline="test=boot", seed=1, nonce="ab",
              timeout=1.0, kind=runner.RunKind.OK)
    assert runner.RunResult(**ok).ok
    with pytest.raises(TypeError, match="stauts"):
        runner.RunResult(stauts=33, **ok)      # type: ignore[call-arg]
    with pytest.raises(TypeError, match="kind"):
        runner.RunResult(**{k: v for k, v in ok.items() if k != "kind"})
    with pytest.raises(TypeError):
        runner.RunResult("i386", ["boot"], "test=boot", 1, "ab", 1.0, runner.RunKind.OK)  # type: ignore[misc]
    assert runner.RunKind("panic") is runner.RunKind.PANIC and str(runner.RunKind.PANIC) == "panic"
