"""Self-tests: the `vm` fixture's handling of abnormal runs, on the fake kernel.
A boot whose serial output arrived damaged is retried once (same seed and
arguments, a new nonce) and reported as an infrastructure error only if the
retry is damaged too; a test's failure message leads with the run's real
problem (TIMEOUT, PANIC, ...) unless the test said it expected that ending."""
import pytest

from vmkit import runner
from vmkit.plugin import VM

ARGS = {"lab00.nums": "16:ff,0:0x", "lab00.keys": "a,b", "a": "x"}


class FlakyRunner(runner.Runner):
    """Boots the fake kernel in `mode` for the first `bad` boots, then as asked."""

    def __init__(self, tree, mode, bad):
        super().__init__(tree, session="selftest", fail_fast=False)   # hangs on purpose
        self.mode, self.bad, self.boots = mode, bad, []

    def boot(self, config, tests, args=None, **kw):
        args = dict(args or {})
        if len(self.boots) < self.bad:
            args["fake.mode"] = self.mode
        res = super().boot(config, tests, args=args, **kw)
        self.boots.append(res)
        return res


def make_vm(request, tree, mode="dropbytes", bad=1, timeout=5.0):
    r = FlakyRunner(tree, mode, bad)
    assert r.build("i386").ok
    return VM(request, r, "i386", 1234, timeout), r


@pytest.mark.parametrize("mode", ["dropbytes", "dropline", "dropnewline"])
def test_damage_on_the_first_boot_only_is_retried_and_passes(request, fake_tree, mode):
    vm, r = make_vm(request, fake_tree, mode, bad=1)
    res = vm.run(["boot", "strtoull"], ARGS)
    assert len(r.boots) == 2 and r.boots[0].kind == "serial-damaged"
    assert res.kind == "ok" and res.data["strtoull"] == ["16:ff value=255 used=2", "0:0x value=0 used=1"]
    assert r.boots[0].seed == r.boots[1].seed and r.boots[0].nonce != r.boots[1].nonce
    same = [[w for w in b.cmdline.split() if not w.startswith(("nonce=", "fake.mode="))]
            for b in r.boots]
    assert same[0] == same[1]


def test_damage_twice_is_an_infrastructure_error_never_a_wrong_answer(request, fake_tree):
    vm, r = make_vm(request, fake_tree, "dropbytes", bad=2)
    res = vm.run(["boot", "strtoull"], ARGS)
    assert len(r.boots) == 2 and res.kind == "serial-damaged"
    with pytest.raises(pytest.fail.Exception) as e:
        vm.expect_pass(res, "strtoull")
    msg = str(e.value)
    assert msg.startswith("INFRASTRUCTURE ERROR: the serial output was damaged in transit")
    assert "on a retry too" in msg and "not a judgement of your code" in msg


def test_a_missing_end_after_a_test_exit_is_retried(request, fake_tree):
    vm, r = make_vm(request, fake_tree, "noend", bad=1)
    res = vm.run(["boot"], ARGS)
    assert len(r.boots) == 2 and r.boots[0].kind == "no-results" and res.kind == "ok"


def test_a_clean_failure_is_not_retried(request, fake_tree):
    vm, r = make_vm(request, fake_tree, "panic", bad=1)
    res = vm.run(["boot"], ARGS)
    assert len(r.boots) == 1 and res.kind == "panic"


def test_headline_names_the_real_cause_first(request, fake_tree):
    vm, r = make_vm(request, fake_tree, "hang", bad=1, timeout=1.0)
    res = vm.run(["boot"], ARGS)
    with pytest.raises(pytest.fail.Exception) as e:
        vm.check("params" in res.data, res, "boot printed no parameters or segments")
    msg = str(e.value)
    assert msg.startswith("TIMEOUT after 1"), msg
    assert "and so: boot printed no parameters" in msg


def test_an_expected_panic_does_not_lead(request, fake_tree):
    vm, r = make_vm(request, fake_tree, "panic", bad=1)
    res = vm.run(["boot"], ARGS, expect=("panic",))
    with pytest.raises(pytest.fail.Exception) as e:
        vm.check(False, res, "the test's own complaint")
    assert str(e.value).startswith("the test's own complaint")
    res = vm.run(["boot"], ARGS, expect=("panic",))      # a later boot: good, no panic
    assert res.kind == "ok"


def test_run_uses_the_given_timeout_by_default(request, fake_tree):
    vm, r = make_vm(request, fake_tree, "hang", bad=1, timeout=1.5)
    res = vm.run(["boot"], ARGS)
    assert res.kind == "timeout" and res.timeout == 1.5


def test_a_skip_of_a_requested_test_fails_with_its_reason(request, fake_tree):
    """A kernel that SKIPs a test the grader asked for has not passed it: the
    failure says SKIP and gives the kernel's reason; PASSes beside it still count."""
    vm, r = make_vm(request, fake_tree, "good", bad=0)
    res = vm.run(["boot", "skip"], ARGS)
    assert res.kind == "ok" and res.tests["skip"] == ("SKIP", "needs fake.arg= on the command line")
    assert res.end == (1, 0) and res.transcript.end_skipped == 1
    vm.expect_pass(res, "boot")
    with pytest.raises(pytest.fail.Exception) as e:
        vm.expect_pass(res)
    msg = str(e.value)
    assert msg.startswith("SKIP skip: the kernel skipped a test the grader asked for: "
                          "needs fake.arg= on the command line"), msg
