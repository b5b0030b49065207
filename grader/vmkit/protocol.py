"""Parse a kernel's serial output by the nonce protocol (grader/PROTOCOL.md).

Only lines that start with `KTEST <nonce>`, `KDATA <nonce>` or `KPANIC <nonce>`
count; everything else is just log. The parser is fed line by line while QEMU
runs (so it works on capped logs too) and keeps bounded state.

Every protocol line ends in ` #<seq>:<crc>`: a per-run sequence number from 0
and the CRC-32 of the line's text before the `:`. The parser checks and strips
them, so tests see the same payloads as before. A line that fails the check, a
gap in the sequence, or a line that carries the nonce but does not parse marks
the transcript damaged (`damage` says where): bytes were lost on the serial
line, and nothing in the run can be trusted as a judgement of the kernel.
The check guards against damage in transit, not forgery (the nonce and the
grader's recomputation do that).
"""
from __future__ import annotations

import re
import zlib

MAX_DATA_LINES = 20000          # KDATA lines kept in all (a flood cannot eat memory)
MAX_DATA_BYTES = 4 << 20
BACKTRACE_MAX = 64
_BT_RE = re.compile(r"^\s+#\d+\s")
_TAIL_RE = re.compile(r" #(\d{1,9}):([0-9a-f]{8})$")
KINDS = ("KTEST", "KDATA", "KPANIC")
# A test's verdict.  SKIP: it could not run here (a missing argument, another
# config); its detail is the reason.  A grader that asked for it fails it.
VERDICTS = ("PASS", "FAIL", "SKIP")


def seal(body: str, seq: int) -> str:
    """The line a kernel prints for `body` as its seq-th protocol line."""
    head = "%s #%d" % (body, seq)
    return "%s:%08x" % (head, zlib.crc32(head.encode("utf-8", "surrogateescape")))


def unseal(line: str) -> tuple[str, int] | tuple[None, str]:
    """(body, seq) of a sealed line, or (None, reason) when the seal is bad."""
    m = _TAIL_RE.search(line)
    if m is None:
        return None, "no ` #<seq>:<crc>` at the end of the line"
    head = line[:m.start(2) - 1]
    if zlib.crc32(head.encode("utf-8", "surrogateescape")) != int(m.group(2), 16):
        return None, "checksum mismatch"
    return line[:m.start()], int(m.group(1))


class Transcript:
    """What a kernel said through the protocol in one boot."""

    def __init__(self, nonce: str) -> None:
        self.nonce = nonce
        self.tests: dict[str, tuple[str, str]] = {}   # name -> (PASS|FAIL|SKIP, detail), in order of appearance
        self.data: dict[str, list[str]] = {}          # name -> [payload, ...]
        self.end: tuple[int, int] | None = None       # (passed, failed) from the END line
        self.end_skipped: int | None = None           # skipped= from the END line (None: not given)
        self.kpanic = False      # saw KPANIC <nonce>
        self.panic_msg: str | None = None    # text after the last `panic: `
        self.backtrace: list[str] = []      # frames after the last `backtrace:`
        self.conflicts: list[str] = []      # names reported twice with different outcomes
        self.bad_lines: list[str] = []      # malformed nonce-carrying lines
        self.damage: str | None = None       # "line N: why" for the first damaged protocol line
        self.protocol_lines = 0  # sound protocol lines seen (the next expected seq)
        self.data_dropped = 0
        self.lineno = 0
        self._data_bytes = 0
        self._data_lines = 0
        self._in_bt = False

    @property
    def damaged(self) -> bool:
        return self.damage is not None

    # -- feeding ---------------------------------------------------------
    def feed(self, line: str) -> None:
        line = line.rstrip("\r\n")
        self.lineno += 1
        if self._in_bt:
            if _BT_RE.match(line) and len(self.backtrace) < BACKTRACE_MAX:
                self.backtrace.append(line.strip())
                return
            self._in_bt = False
        s = line.lstrip("\r")
        if s.startswith("panic: ") or s.startswith("panic:"):
            self.panic_msg = s[len("panic:"):].strip()[:500]
            self.backtrace = []
            return
        if s.strip() == "backtrace:":
            self._in_bt = True
            self.backtrace = []
            return
        if not self.nonce:
            return
        parts = s.split(" ", 2)
        if len(parts) < 2 or parts[1] != self.nonce or parts[0] not in KINDS:
            if self.nonce in s:
                self._damaged("a line carries the nonce but is not a protocol line: %r" % s[:120])
            return
        sealed = unseal(s)
        if sealed[0] is None:
            return self._damaged("%s: %r" % (sealed[1], s[:120]))
        body, seq = sealed
        if seq != self.protocol_lines:
            return self._damaged("sequence number %d where %d was due (%d line(s) lost)"
                                 % (seq, self.protocol_lines, seq - self.protocol_lines)
                                 if seq > self.protocol_lines else
                                 "sequence number %d repeated or out of order" % seq)
        self.protocol_lines += 1
        if self.damaged:
            return           # nothing after damage is trusted
        self._line(body)

    def _damaged(self, why: str) -> None:
        if self.damage is None:
            self.damage = "line %d: %s" % (self.lineno, why)
            self.tests, self.data, self.end, self.kpanic = {}, {}, None, False
            self.end_skipped = None

    def _line(self, s: str) -> None:
        parts = s.split(" ", 3)
        kind = parts[0]
        if kind == "KPANIC":
            self.kpanic = True
        elif kind == "KTEST":
            self._ktest(parts[2:], s)
        elif kind == "KDATA":
            if len(parts) < 3:
                self._bad(s)
                return
            payload = parts[3] if len(parts) > 3 else ""
            if self._data_lines >= MAX_DATA_LINES or \
                    self._data_bytes + len(payload) > MAX_DATA_BYTES:
                self.data_dropped += 1
                return
            self._data_lines += 1
            self._data_bytes += len(payload)
            self.data.setdefault(parts[2], []).append(payload)

    def _bad(self, line: str) -> None:
        if len(self.bad_lines) < 20:
            self.bad_lines.append(line[:200])

    def _ktest(self, rest: list[str], line: str) -> None:
        if not rest:
            return self._bad(line)
        name = rest[0]
        tail = rest[1] if len(rest) > 1 else ""
        if name == "END":
            m = re.match(r"passed=(\d+)\s+failed=(\d+)(?:\s+skipped=(\d+))?\s*$", tail)
            if not m:
                return self._bad(line)
            self.end = (int(m.group(1)), int(m.group(2)))
            self.end_skipped = int(m.group(3)) if m.group(3) is not None else None
            return
        verdict, _, detail = tail.partition(" ")
        if verdict not in VERDICTS:
            return self._bad(line)
        new = (verdict, detail.strip())
        old = self.tests.get(name)
        if old is None:
            self.tests[name] = new
        elif old[0] != verdict:
            self.conflicts.append(name)
            self.tests[name] = ("FAIL", "conflicting results: %s / %s" % (old[0], verdict))


def parse(text: str, nonce: str) -> Transcript:
    """Parse a whole recorded log (tests and selftests use this)."""
    t = Transcript(nonce)
    for line in text.splitlines():
        t.feed(line)
    return t
