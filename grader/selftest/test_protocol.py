"""Self-tests: the nonce protocol parser on recorded serial output, and its
detection of lines damaged in transit (on recorded logs and on the fake kernel)."""
import pytest

from vmkit import protocol
from vmkit.runner import classify

N = "a1b2c3d4e5f60718"


def sealed(text, first=0):
    """`text` with its protocol lines (those naming N) sealed as a kernel seals them."""
    out, seq = [], first
    for line in text.splitlines():
        if line.split(" ")[:2] in (["KTEST", N], ["KDATA", N], ["KPANIC", N]):
            line = protocol.seal(line, seq)
            seq += 1
        out.append(line)
    return "\n".join(out) + "\n"


GOOD_BODY = """booting
KTEST {n} boot PASS ok
KDATA {n} strtoull 16:ff value=255 used=2
KDATA {n} strtoull 0:0x value=0 used=1
KTEST {n} strtoull PASS items=2
KTEST {n} END passed=2 failed=0
""".format(n=N)
GOOD = sealed(GOOD_BODY)


def test_good_log_parses():
    t = protocol.parse(GOOD, N)
    assert t.tests == {"boot": ("PASS", "ok"), "strtoull": ("PASS", "items=2")}
    assert t.data["strtoull"] == ["16:ff value=255 used=2", "0:0x value=0 used=1"]
    assert t.end == (2, 0)
    assert classify(t, 33, False, False) == "ok"


def test_skip_verdict_and_the_skipped_count_parse():
    t = protocol.parse(sealed("KTEST {n} pae_high SKIP needs RAM at or above 4 GiB\n"
                              "KTEST {n} boot PASS ok\n"
                              "KTEST {n} END passed=1 failed=0 skipped=1\n".format(n=N)), N)
    assert t.tests["pae_high"] == ("SKIP", "needs RAM at or above 4 GiB")
    assert t.end == (1, 0) and t.end_skipped == 1 and not t.bad_lines
    assert classify(t, 33, False, False) == "ok"
    bad = protocol.parse(sealed("KTEST {n} END passed=1 failed=0 skipped=x\n".format(n=N)), N)
    assert bad.end is None and len(bad.bad_lines) == 1


def test_seal_matches_the_kernels():
    # Recorded from the reference kernel (kern_ktest.c) booted with nonce=abc.
    assert protocol.seal("KTEST abc boot PASS config=i386", 0) == "KTEST abc boot PASS config=i386 #0:28df7f30"
    assert protocol.seal("KPANIC abc", 0) == "KPANIC abc #0:4d942b66"


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
    log = sealed("KTEST {n} x PASS\nKTEST {n} x FAIL bad\n".format(n=N))
    t = protocol.parse(log, N)
    assert t.tests["x"][0] == "FAIL" and t.conflicts == ["x"]


def test_panic_and_backtrace():
    log = sealed("KTEST {n} boot PASS\npanic: page fault: cr2=0xdeadbeef eip=0x101234\nbacktrace:\n"
                 "  #0 0x00101234 trap_pfault+0x44\n  #1 0x00100100 trap+0x10\nKPANIC {n}\n".format(n=N))
    t = protocol.parse(log, N)
    assert t.kpanic and str(t.panic_msg).startswith("page fault: cr2=")
    assert t.backtrace == ["#0 0x00101234 trap_pfault+0x44", "#1 0x00100100 trap+0x10"]
    assert classify(t, 37, False, False) == "panic"


def test_status_37_is_a_panic_even_without_kpanic():
    assert classify(protocol.parse("panic: early\n", N), 37, False, False) == "panic"


def test_classify_triple_timeout_and_bad_status():
    t = protocol.parse(sealed("KTEST %s END passed=1 failed=0\n" % N), N)
    assert classify(t, 0, False, True) == "triple-fault"
    assert classify(protocol.parse("", N), -9, True, False) == "timeout"
    assert classify(t, 1, False, False) == "no-results"      # END but not a test exit


def test_malformed_lines_recorded_not_crashing():
    log = sealed("KTEST {n}\nKTEST {n} x MAYBE\nKTEST {n} END passed=x\nKDATA {n}\n".format(n=N))
    t = protocol.parse(log, N)
    assert t.tests == {} and t.end is None and len(t.bad_lines) == 4 and not t.damaged


def test_kdata_is_bounded(monkeypatch):
    monkeypatch.setattr(protocol, "MAX_DATA_LINES", 100)
    t = protocol.Transcript(N)
    for i in range(1000):
        t.feed(protocol.seal("KDATA %s flood %d" % (N, i), i))
    assert len(t.data["flood"]) == 100 and t.data_dropped == 900


# ------------------------------------------------------------------ damage
def _lines(text):
    return text.splitlines()


def _damage(lines):
    t = protocol.parse("\n".join(lines) + "\n", N)
    return t, classify(t, 33, False, False)


def test_good_log_is_not_damaged():
    t, kind = _damage(_lines(GOOD))
    assert not t.damaged and t.protocol_lines == 5 and kind == "ok"


def test_bytes_lost_mid_line_are_damage():
    lines = _lines(GOOD)
    lines[2] = lines[2].replace("value=255", "v255")            # 5 bytes lost mid-line
    t, kind = _damage(lines)
    assert kind == "serial-damaged" and "line 3: checksum mismatch" in t.damage
    assert t.tests == {} and t.data == {} and t.end is None    # nothing of the run is trusted


def test_a_lost_line_is_a_sequence_gap():
    lines = _lines(GOOD)
    del lines[2]
    t, kind = _damage(lines)
    assert kind == "serial-damaged" and "1 line(s) lost" in t.damage


def test_a_lost_newline_merges_two_lines_and_is_damage():
    lines = _lines(GOOD)
    lines[2:4] = [lines[2] + lines[3]]
    t, kind = _damage(lines)
    assert kind == "serial-damaged"


def test_damaged_pass_line_never_counts():
    lines = _lines(GOOD)
    lines[4] = lines[4].replace("PASS", "PAS")
    t, kind = _damage(lines)
    assert kind == "serial-damaged" and "strtoull" not in t.tests


def test_damaged_end_line_is_damage_not_no_results():
    lines = _lines(GOOD)
    lines[5] = lines[5][:-3]                       # the tail of END lost
    t, kind = _damage(lines)
    assert kind == "serial-damaged" and t.end is None


def test_damage_in_the_kind_or_nonce_is_caught():
    lines = _lines(GOOD)
    lines[5] = lines[5].replace("KTEST", "KTST")   # END no longer looks like a protocol line
    t, kind = _damage(lines)
    assert kind == "serial-damaged" and "carries the nonce" in t.damage
    lines = _lines(GOOD)
    lines[1] = lines[1].replace(N, N[:-1])         # a byte of the nonce lost: the next line shows the gap
    t, kind = _damage(lines)
    assert kind == "serial-damaged" and "lost" in t.damage


def test_unsealed_lines_are_damage():
    t, kind = _damage(_lines(GOOD_BODY))
    assert kind == "serial-damaged" and "no ` #<seq>:<crc>`" in t.damage


def test_replayed_line_is_damage():
    lines = _lines(GOOD)
    lines.insert(3, lines[2])
    t, kind = _damage(lines)
    assert kind == "serial-damaged" and "out of order" in t.damage


def test_damage_outranks_every_ending():
    lines = _lines(GOOD)
    del lines[3]
    t = protocol.parse("\n".join(lines), N)
    for status, timed_out, triple in ((37, False, False), (None, True, False), (0, False, True), (1, False, False)):
        assert classify(t, status, timed_out, triple) == "serial-damaged"


# ---------------------------------------------- damage on the fake kernel's serial line
ARGS = {"lab00.nums": "16:ff,0:0x", "lab00.keys": "a,b", "a": "x"}


def fake_boot(r, mode):
    return r.boot("i386", ["boot", "strtoull", "kenv"], dict(ARGS, **{"fake.mode": mode}),
                  timeout=5.0, seed=1)


def test_fake_good_kernel_is_sealed_and_ok(fake_runner):
    res = fake_boot(fake_runner, "good")
    assert res.kind == "ok" and res.damage is None and res.transcript.protocol_lines == 8


@pytest.mark.parametrize("mode,why", [("dropbytes", "checksum mismatch"), ("dropline", "lost"),
                                      ("dropnewline", "checksum mismatch"), ("unsealed", "no ` #")])
def test_fake_kernel_damage_is_an_infrastructure_error(fake_runner, mode, why):
    res = fake_boot(fake_runner, mode)
    assert res.kind == "serial-damaged" and why in res.damage
    assert res.tests == {} and res.data == {}
    assert res.problem().startswith("INFRASTRUCTURE ERROR: the serial output was damaged in transit")
    assert "not a judgement of your code" in res.problem()
