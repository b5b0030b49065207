"""Parse a kernel's serial output by the nonce protocol (grader/PROTOCOL.md).

Only lines that start with `KTEST <nonce>`, `KDATA <nonce>` or `KPANIC <nonce>`
count; everything else is just log. The parser is fed line by line while QEMU
runs (so it works on capped logs too) and keeps bounded state.
"""
import re

MAX_DATA_LINES = 20000          # KDATA lines kept in all (a flood cannot eat memory)
MAX_DATA_BYTES = 4 << 20
BACKTRACE_MAX = 64
_BT_RE = re.compile(r"^\s+#\d+\s")


class Transcript:
    """What a kernel said through the protocol in one boot."""

    def __init__(self, nonce):
        self.nonce = nonce
        self.tests = {}          # name -> (PASS|FAIL, detail), in order of appearance
        self.data = {}           # name -> [payload, ...]
        self.end = None          # (passed, failed) from the END line
        self.kpanic = False      # saw KPANIC <nonce>
        self.panic_msg = None    # text after the last `panic: `
        self.backtrace = []      # frames after the last `backtrace:`
        self.conflicts = []      # names reported twice with different outcomes
        self.bad_lines = []      # malformed nonce-carrying lines
        self.data_dropped = 0
        self._data_bytes = 0
        self._data_lines = 0
        self._in_bt = False

    # -- feeding ---------------------------------------------------------
    def feed(self, line):
        line = line.rstrip("\r\n")
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
        parts = s.split(" ", 3)
        if len(parts) < 2 or parts[1] != self.nonce or not self.nonce:
            return
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

    def _bad(self, line):
        if len(self.bad_lines) < 20:
            self.bad_lines.append(line[:200])

    def _ktest(self, rest, line):
        if not rest:
            return self._bad(line)
        name = rest[0]
        tail = rest[1] if len(rest) > 1 else ""
        if name == "END":
            m = re.match(r"passed=(\d+)\s+failed=(\d+)", tail)
            if not m:
                return self._bad(line)
            self.end = (int(m.group(1)), int(m.group(2)))
            return
        verdict, _, detail = tail.partition(" ")
        if verdict not in ("PASS", "FAIL"):
            return self._bad(line)
        new = (verdict, detail.strip())
        old = self.tests.get(name)
        if old is None:
            self.tests[name] = new
        elif old[0] != verdict:
            self.conflicts.append(name)
            self.tests[name] = ("FAIL", "conflicting results: %s / %s" % (old[0], verdict))


def parse(text, nonce):
    """Parse a whole recorded log (tests and selftests use this)."""
    t = Transcript(nonce)
    for line in text.splitlines():
        t.feed(line)
    return t
