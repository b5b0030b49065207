"""Self-tests: the KDATA grammar module (vmkit/kdata.py) and `vm.kdata`.

A good line parses into typed fields; a line that breaks its form, a line of
an unknown kind and a test with no grammar are KdataErrors that name the test,
the line's number, the grammar and the line; through `vm.kdata` they fail the
test with that message, never with a Python traceback."""
import pytest

from vmkit import kdata, protocol, runner
from vmkit.plugin import VM


def test_good_lines_are_typed():
    lines = kdata.parse("page_array", ["mode sparse", "array 0xc1000000 32768 0x7f00000",
                                       "array_contiguous yes", "count got=3 dups=0"])
    assert [ln.kind for ln in lines] == ["mode", "array", "array_contiguous", "count"]
    assert lines[1].values() == (0xc1000000, 32768, 0x7f00000) and lines[1]["npages"] == 32768
    assert lines[2]["contiguous"] is True and lines[3]["counts"] == {"got": "3", "dups": "0"}
    p = kdata.parse("buddy_workload", ["params nfreelist 2 nfreepool 2 nfreeorder 11 isadma 0x1000000",
                                       "a 0x2000000 3 1", "x 5 0", "f 0 0"])
    assert p[0]["params"] == {"nfreelist": 2, "nfreepool": 2, "nfreeorder": 11, "isadma": 0x1000000}
    assert [ln.values() for ln in p[1:]] == [(0x2000000, 3, 1), (5, 0), (0, 0)]
    assert kdata.parse("strtoull", ["10: value=0 used=0"])[0]["token"] == ""     # an empty token
    s = kdata.parse("strtoull", ["16:0xFf%2c value=255 used=4"])[0]
    assert (s.kind, s["base"], s["token"], s["value"], s["used"]) == ("", 16, "0xFf%2c", 255, 4)
    k = kdata.parse("kenv", ["abc=", "x.y (none)"])
    assert k[0]["binding"] == "abc=" and k[1]["key"] == "x.y"
    c = kdata.parse("cmdline", ["item=3 entry=0 key=b value="])[0]
    assert c["value"] == ""


@pytest.mark.parametrize("test, line, want", [
    ("page_array", "array 0xc1000000 lots 0x7f00000",
     "test page_array: KDATA line 2: expected `array <va:hex> <npages:dec> <pa:hex>`, got "
     "'array 0xc1000000 lots 0x7f00000'"),
    ("page_array", "array 0xc1000000 5", "expected `array <va:hex> <npages:dec> <pa:hex>`"),
    ("buddy_script", "op 3 a 0x12 extra", "test buddy_script: KDATA line 2: expected `op <i:dec>"),
    ("strtoull", "10:12 value=-1 used=2", "test strtoull: KDATA line 2: expected "
     "`<base:dec>:<token:chars> value=<value:dec> used=<used:dec>`, got '10:12 value=-1 used=2'"),
    ("pae_high", "pa=0x100000000", "expected `pa=<pa:hex> readback=<readback:hex>`"),
])
def test_a_bad_line_names_test_line_and_grammar(test, line, want):
    first = {"page_array": "mode dense", "buddy_script": "ck 0 0", "strtoull": "10:1 value=1 used=1",
             "pae_high": "pa=0x100000000 readback=0x1"}[test]
    with pytest.raises(kdata.KdataError) as e:
        kdata.parse(test, [first, line])
    assert want in str(e.value)


def test_an_unknown_kind_is_an_error_not_a_skipped_line():
    with pytest.raises(kdata.KdataError) as e:
        kdata.parse("buddy_workload", ["a 0x1000 0 0", "zz 1 2"])
    msg = str(e.value)
    assert msg.startswith("test buddy_workload: KDATA line 2: unknown kind 'zz'")
    assert "blk" in msg and "got 'zz 1 2'" in msg


def test_a_test_without_a_grammar_is_a_grader_error():
    with pytest.raises(kdata.KdataError, match="no KDATA grammar is declared for it"):
        kdata.parse("no_such_test", ["x"])


def test_every_grammar_compiles_and_keys_are_unique():
    for name, g in kdata.GRAMMARS.items():
        keyed = [f.kind for f in g.forms if f.kind]
        assert len(keyed) == len(set(keyed)), name


def fake_run(test, lines):
    nonce = "ab12"
    t = protocol.Transcript(nonce)
    for i, body in enumerate(["KDATA %s %s %s" % (nonce, test, ln) for ln in lines]
                             + ["KTEST %s END passed=1 failed=0" % nonce]):
        t.feed(protocol.seal(body, i))
    return runner.RunResult(config="i386", requested=[test], cmdline="", seed=1, nonce=nonce,
                            timeout=1.0, kind=runner.RunKind.OK, status=33, transcript=t)


def test_vm_kdata_fails_the_test_with_the_grammar(request, tmp_path):
    vm = VM(request, runner.Runner(str(tmp_path), session="s"), "i386", 1, 1.0)
    r = fake_run("meminfo", ["ignored 0", "kernel 0x100000 zz"])
    assert vm.kdata(fake_run("meminfo", ["ignored 0"]), "meminfo")[0]["bytes"] == 0
    with pytest.raises(pytest.fail.Exception) as e:
        vm.kdata(r, "meminfo")
    assert str(e.value).startswith("test meminfo: KDATA line 2: expected `kernel <start:hex> <end:hex>`, "
                                   "got 'kernel 0x100000 zz'")
    assert "During handling" not in str(e.value) and e.value.__context__ is None
