"""Self-tests: the nonce protocol parser on recorded serial output."""
from vmkit import protocol
from vmkit.runner import classify

N = "a1b2c3d4e5f60718"
GOOD = """booting
KTEST {n} boot PASS ok
KDATA {n} strtoull 16:ff value=255 used=2
KDATA {n} strtoull 0:0x value=0 used=1
KTEST {n} strtoull PASS items=2
KTEST {n} END passed=2 failed=0
""".format(n=N)


def test_good_log_parses():
    t = protocol.parse(GOOD, N)
    assert t.tests == {"boot": ("PASS", "ok"), "strtoull": ("PASS", "items=2")}
    assert t.data["strtoull"] == ["16:ff value=255 used=2", "0:0x value=0 used=1"]
    assert t.end == (2, 0)
    assert classify(t, 33, False, False) == "ok"


def test_wrong_nonce_does_not_count():
    t = protocol.parse(GOOD.replace(N, "ffffffffffffffff"), N)
    assert t.tests == {} and t.data == {} and t.end is None
    assert classify(t, 33, False, False) == "no-results"


def test_missing_nonce_does_not_count():
    log = "KTEST boot PASS ok\nKTEST  boot PASS ok\nboot: ok\nKTEST END passed=1 failed=0\n"
    t = protocol.parse(log, N)
    assert t.tests == {} and t.end is None
    assert classify(t, 33, False, False) == "no-results"


def test_empty_nonce_never_matches():
    t = protocol.parse("KTEST  boot PASS ok\n", "")
    assert t.tests == {}


def test_nonce_must_be_at_line_start():
    t = protocol.parse("echo KTEST %s boot PASS faked\n" % N, N)
    assert t.tests == {}


def test_conflicting_results_fail():
    log = "KTEST {n} x PASS\nKTEST {n} x FAIL bad\n".format(n=N)
    t = protocol.parse(log, N)
    assert t.tests["x"][0] == "FAIL" and t.conflicts == ["x"]


def test_panic_and_backtrace():
    log = ("KTEST {n} boot PASS\npanic: page fault: cr2=0xdeadbeef eip=0x101234\nbacktrace:\n"
           "  #0 0x00101234 trap_pfault+0x44\n  #1 0x00100100 trap+0x10\nKPANIC {n}\n").format(n=N)
    t = protocol.parse(log, N)
    assert t.kpanic and t.panic_msg.startswith("page fault: cr2=")
    assert t.backtrace == ["#0 0x00101234 trap_pfault+0x44", "#1 0x00100100 trap+0x10"]
    assert classify(t, 37, False, False) == "panic"


def test_status_37_is_a_panic_even_without_kpanic():
    assert classify(protocol.parse("panic: early\n", N), 37, False, False) == "panic"


def test_classify_triple_timeout_and_bad_status():
    t = protocol.parse("KTEST %s END passed=1 failed=0\n" % N, N)
    assert classify(t, 0, False, True) == "triple-fault"
    assert classify(protocol.parse("", N), -9, True, False) == "timeout"
    assert classify(t, 1, False, False) == "no-results"      # END but not a test exit


def test_malformed_lines_recorded_not_crashing():
    log = "KTEST {n}\nKTEST {n} x MAYBE\nKTEST {n} END passed=x\nKDATA {n}\n".format(n=N)
    t = protocol.parse(log, N)
    assert t.tests == {} and t.end is None and len(t.bad_lines) == 4


def test_kdata_is_bounded(monkeypatch):
    monkeypatch.setattr(protocol, "MAX_DATA_LINES", 100)
    t = protocol.Transcript(N)
    for i in range(1000):
        t.feed("KDATA %s flood %d" % (N, i))
    assert len(t.data["flood"]) == 100 and t.data_dropped == 900
