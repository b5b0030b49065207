"""The one QEMU runner every vmkit test goes through.

- build(): `make -C <tree> -s CONFIG=<cfg> kernel`, once per grading session per
  config; an fcntl lock under <tree>/build/grade/ keeps pytest-xdist workers
  from racing, and a stamp lets later workers reuse the outcome. A failed
  build becomes a result of kind "build-failed" carrying the compiler output.
  A build variant (physseg="dense"|"sparse": the Makefile's VM_PHYSSEG, into
  build/<cfg>-<physseg>/) is built the same way, on demand, by the tests that
  ask for it; VMKIT_NO_BUILD (the default kernels are already built) does not
  cover variants, which are then still built.
- boot(): runs QEMU in its own process group with a hard timeout (the whole
  group is SIGKILLed; QEMU also gets PDEATHSIG so it never outlives us), caps
  the captured log (excess is read and discarded, so QEMU never blocks), feeds
  every line to the nonce parser and classifies the outcome:
      ok | panic | triple-fault | timeout | no-results | build-failed |
      serial-damaged (a protocol line arrived damaged: not the kernel's fault)
Stdlib only.
"""
from __future__ import annotations

import atexit
import dataclasses
import enum
import fcntl
import json
import os
import secrets
import selectors
import signal
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from . import ROOT, qemu, protocol

LOG_CAP = 1 << 20          # bytes of serial output kept from the start of a run
TAIL_CAP = 64 << 10        # bytes kept from the end of a run beyond the cap
LINE_CAP = 64 << 10        # a "line" longer than this is cut
BUILD_TIMEOUT = 900



class RunKind(enum.StrEnum):
    """How a boot ended: OK, or the failure that heads a test's message
    (RunResult.problem() words each one differently).  A StrEnum, so a kind
    compares equal to its name in the grader's messages and logs."""
    OK = "ok"
    PANIC = "panic"
    TRIPLE_FAULT = "triple-fault"
    TIMEOUT = "timeout"                  # cut short: hung, silent, or a sibling boot hung
    NO_RESULTS = "no-results"            # QEMU exited without an END line
    BUILD_FAILED = "build-failed"
    SERIAL_DAMAGED = "serial-damaged"    # the transport's fault, not the kernel's


KINDS = tuple(k.value for k in RunKind)

# ---------------------------------------------------------------- processes
_live_groups: set[int] = set()

_libc: Any
try:
    import ctypes
    _libc = ctypes.CDLL(None, use_errno=True)
except OSError:          # pragma: no cover
    _libc = None


def _child_setup() -> None:
    # Die with the parent (even on SIGKILL of the grader): PR_SET_PDEATHSIG = 1
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL, 0, 0, 0)


def die_with_parent(parent_pid: int | None = None) -> None:
    """Make this process die (SIGKILL) when its parent does, e.g. a pytest-xdist
    worker when pytest is killed; if the parent is already gone, exit now."""
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL, 0, 0, 0)
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_live_groups() -> None:
    """Kill every process group this process started and has not reaped."""
    for pgid in list(_live_groups):
        _kill_group(pgid)


atexit.register(kill_live_groups)


class Captured:
    """Output and ending of one supervised child process."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.timed_out = False
        self.head = bytearray()
        self.tail: deque[bytes] = deque()
        self.tail_len = 0
        self.discarded = 0
        self.total = 0
        self.stderr = bytearray()
        self.elapsed = 0.0
        self.silent = False       # killed for printing nothing (first_output)
        self.aborted: dict[str, Any] | None = None       # what abort() returned when it stopped the run

    def _keep(self, data: bytes) -> None:
        self.total += len(data)
        room = LOG_CAP - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail.append(bytes(data))
            self.tail_len += len(data)
            while self.tail_len - len(self.tail[0]) >= TAIL_CAP:
                self.tail_len -= len(self.tail.popleft())

    def text(self) -> str:
        t = self.head.decode("utf-8", "replace")
        if self.tail:
            tail = b"".join(self.tail)
            if self.total > len(self.head) + len(tail):
                self.discarded = self.total - len(self.head) - len(tail)
                t += "\n[vmkit: output capped: %d bytes discarded]\n" % self.discarded
            t += tail.decode("utf-8", "replace")
        return t


def run_supervised(argv: Sequence[str], timeout: float, on_line: Callable[[str], None] | None = None,
                   cwd: str | None = None, env: Mapping[str, str] | None = None,
                   first_output: float | None = None,
                   abort: Callable[[], dict[str, Any] | None] | None = None) -> Captured:
    """Run argv with stdin from /dev/null in a new session; kill its group at
    timeout, or after first_output seconds if it has written nothing to stdout
    by then (cap.silent: a kernel that never printed its boot banner), or when
    abort(), polled about twice a second, returns something (cap.aborted)."""
    cap = Captured()
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cwd, env=env,
                            start_new_session=True, preexec_fn=_child_setup)
    pgid = proc.pid
    assert proc.stdout is not None and proc.stderr is not None
    _live_groups.add(pgid)
    partial = bytearray()
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ, "out")
        sel.register(proc.stderr, selectors.EVENT_READ, "err")
        deadline = start + timeout
        open_fds = 2
        while open_fds:
            now = time.monotonic()
            if first_output is not None and cap.total == 0 and now - start >= first_output:
                cap.timed_out = cap.silent = True
                break
            left = deadline - now
            if left <= 0:
                cap.timed_out = True
                break
            if abort is not None:
                cap.aborted = abort()
                if cap.aborted:
                    cap.timed_out = True
                    break
            for key, _ in sel.select(min(left, 0.5)):
                data = os.read(key.fd, 65536)
                if not data:
                    sel.unregister(key.fileobj)
                    open_fds -= 1
                    continue
                if key.data == "err":
                    if len(cap.stderr) < 65536:
                        cap.stderr += data[:65536 - len(cap.stderr)]
                    continue
                cap._keep(data)
                if on_line is None:
                    continue
                partial += data
                while True:
                    nl = partial.find(b"\n")
                    if nl < 0:
                        if len(partial) > LINE_CAP:
                            on_line(partial[:LINE_CAP].decode("utf-8", "replace"))
                            del partial[:]
                        break
                    on_line(partial[:nl].decode("utf-8", "replace"))
                    del partial[:nl + 1]
        sel.close()
        if cap.timed_out:
            _kill_group(pgid)
        try:
            cap.status = proc.wait(timeout=max(0.1, deadline - time.monotonic()) if not cap.timed_out else 5)
        except subprocess.TimeoutExpired:
            cap.timed_out = True
            _kill_group(pgid)
            cap.status = proc.wait()
        if partial and on_line is not None and not cap.timed_out:
            on_line(partial.decode("utf-8", "replace"))
    finally:
        if proc.poll() is None:
            _kill_group(pgid)
            proc.wait()
        _kill_group(pgid)            # anything the child left in its group
        _live_groups.discard(pgid)
        proc.stdout.close()
        proc.stderr.close()
        cap.elapsed = time.monotonic() - start
    return cap


# ---------------------------------------------------------------- building
@dataclasses.dataclass(frozen=True)
class Build:
    """The outcome of building one config (or variant) of a tree."""
    config: str                 # the build directory's name: i386, i386-pae-dense...
    ok: bool
    kernel: str                 # path of kernel.elf (there only if ok)
    output: str                 # make's output (capped)
    command: list[str]

    def failure_text(self, lines: int = 40) -> str:
        out = self.output.rstrip().splitlines()
        shown = out[-lines:]
        more = "" if len(out) <= lines else "[... %d earlier lines ...]\n" % (len(out) - lines)
        return "BUILD FAILED (config %s): `%s`\n%s%s" % (
            self.config, " ".join(self.command), more, "\n".join(shown))


def _clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


PHYSSEG_MODES = ("dense", "sparse")


def variant_name(config: str, physseg: str | None = None) -> str:
    """The build directory's name: `i386`, or `i386-pae-dense` for a variant."""
    if physseg is None:
        return config
    if physseg not in PHYSSEG_MODES:
        raise ValueError("grader bug: physseg must be one of %s, not %r" % (PHYSSEG_MODES, physseg))
    return "%s-%s" % (config, physseg)


def build_kernel(tree: str, config: str, session: str = "", timeout: float = BUILD_TIMEOUT,
                 physseg: str | None = None) -> Build:
    """Build (or reuse this session's build of) <tree>/build/<config>/kernel.elf,
    or with physseg the VM_PHYSSEG variant's build/<config>-<physseg>/kernel.elf."""
    tree = os.path.abspath(tree)
    name = variant_name(config, physseg)
    kernel = os.path.join(tree, "build", name, "kernel.elf")
    cmd = ["make", "-C", tree, "-s", "CONFIG=%s" % config] + \
        (["VM_PHYSSEG=%s" % physseg] if physseg else []) + ["kernel"]
    if not os.path.isdir(tree):
        return Build(name, False, kernel, "no such directory: %s" % tree, cmd)
    if not any(os.path.isfile(os.path.join(tree, m)) for m in ("Makefile", "makefile", "GNUmakefile")):
        return Build(name, False, kernel, "not a vmkit tree: no Makefile in %s" % tree, cmd)
    if os.environ.get("VMKIT_NO_BUILD") and physseg is None:
        ok = os.path.isfile(kernel)
        return Build(name, ok, kernel, "" if ok else "VMKIT_NO_BUILD set and no %s" % kernel, cmd)
    gdir = os.path.join(tree, "build", "grade")
    os.makedirs(gdir, exist_ok=True)
    stamp = os.path.join(gdir, "build-%s.json" % name)
    with open(os.path.join(gdir, "build-%s.lock" % name), "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        if session:
            try:
                with open(stamp) as f:
                    st = json.load(f)
                if st.get("session") == session and (not st["ok"] or os.path.isfile(kernel)):
                    return Build(name, st["ok"], kernel, st["output"], cmd)
            except (OSError, ValueError, KeyError):
                pass
        cap = run_supervised(cmd, timeout, env=_clean_env())
        out = (cap.text() + cap.stderr.decode("utf-8", "replace"))[-200000:]
        ok = cap.status == 0 and not cap.timed_out
        if cap.timed_out:
            out += "\n[vmkit: build killed after %ds]" % timeout
        elif ok and not os.path.isfile(kernel):
            ok = False
            out += "\n[vmkit: make succeeded but did not produce %s]" % kernel
        tmp = stamp + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"session": session, "ok": ok, "output": out}, f)
        os.replace(tmp, stamp)
    return Build(name, ok, kernel, out, cmd)


# ---------------------------------------------------------------- booting
@dataclasses.dataclass(kw_only=True)
class RunResult:
    """Everything one boot produced.  Keyword-only, and no field that says
    what the boot was has a default: a misspelt keyword is a TypeError, never
    a silent default."""
    config: str
    requested: list[str]
    cmdline: str
    seed: int
    nonce: str
    timeout: float
    kind: RunKind
    argv: list[str] = dataclasses.field(default_factory=list)
    status: int | None = None             # QEMU's exit status (None: not booted)
    log: str = ""
    stderr: str = ""
    qemu_log: str = ""                    # QEMU's -D log: its trace events (boot(trace=...))
    truncated: int = 0                    # bytes of output discarded by the cap
    elapsed: float = 0.0
    build: Build | None = None
    transcript: protocol.Transcript = dataclasses.field(
        default_factory=lambda: protocol.Transcript(""))
    retried: str | None = None            # problem() of an earlier, damaged boot
    expect: tuple[RunKind, ...] = (RunKind.OK,)   # endings the test is prepared for (VM.run)

    # What the kernel said, through the protocol (the transcript's view).
    @property
    def tests(self) -> dict[str, tuple[str, str]]:
        return self.transcript.tests

    @property
    def data(self) -> dict[str, list[str]]:
        return self.transcript.data

    @property
    def panic(self) -> str | None:
        return self.transcript.panic_msg

    @property
    def backtrace(self) -> list[str]:
        return self.transcript.backtrace

    @property
    def end(self) -> tuple[int, int] | None:
        return self.transcript.end

    @property
    def damage(self) -> str | None:
        return self.transcript.damage

    @property
    def ok(self) -> bool:
        return self.kind == RunKind.OK

    def tail(self, n: int = 20) -> str:
        return "\n".join(self.log.rstrip().splitlines()[-n:])

    def problem(self) -> str | None:
        """Headline for an abnormal run (distinct per kind), or None when kind is ok."""
        k = self.kind
        if k == RunKind.OK:
            return None
        if k == RunKind.BUILD_FAILED:
            return self.build.failure_text() if self.build else "BUILD FAILED"
        if k == RunKind.SERIAL_DAMAGED:
            return ("INFRASTRUCTURE ERROR: the serial output was damaged in transit (%s)%s; "
                    "this is not a judgement of your code: grade again" % (
                        self.damage, ", on a retry too" if self.retried else ""))
        if k == RunKind.PANIC:
            bt = "\n".join("    " + b for b in self.backtrace) or "    (no backtrace printed)"
            return "PANIC: %s\n  backtrace:\n%s" % (self.panic or "(no panic message)", bt)
        if k == RunKind.TRIPLE_FAULT:
            return "TRIPLE FAULT: the CPU reset (QEMU status %s); last output below" % self.status
        if k == RunKind.TIMEOUT:
            extra = " (it printed `panic: %s` before hanging)" % self.panic if self.panic else ""
            return "TIMEOUT after %gs: the kernel never finished%s" % (self.timeout, extra)
        err = self.stderr.strip()
        return "NO RESULTS: QEMU exited with status %s without an END line%s" % (
            self.status, ("\n  QEMU said: " + err[-500:]) if err else "")

    def missing(self, names: Sequence[str] | None = None) -> list[str]:
        return [n for n in (names or self.requested) if n not in self.tests]


def classify(t: protocol.Transcript, status: int | None, timed_out: bool, triple: bool) -> RunKind:
    if t.damaged:            # nothing the run said can be trusted, whatever its ending
        return RunKind.SERIAL_DAMAGED
    if t.kpanic or status == qemu.STATUS_PANIC:
        return RunKind.PANIC
    if timed_out:
        return RunKind.TIMEOUT
    if triple:
        return RunKind.TRIPLE_FAULT
    if t.end is not None and status in (qemu.STATUS_PASS, qemu.STATUS_FAIL):
        return RunKind.OK
    return RunKind.NO_RESULTS


# Command-line words a test adds: a mapping or (key, value) pairs, in order.
CmdArgs = Mapping[str, object] | Iterable[tuple[str, object]] | None


def make_cmdline(tests: Sequence[str], seed: int, nonce: str, args: CmdArgs = None) -> str:
    words = ["test=%s" % ",".join(tests), "seed=%d" % seed, "nonce=%s" % nonce]
    items: Iterable[tuple[str, object]] = args.items() if isinstance(args, Mapping) else (args or [])
    for k, v in items:
        word = "%s=%s" % (k, v)
        if any(c.isspace() for c in word) or not k:
            raise ValueError("grader bug: command-line word %r has whitespace or no key" % word)
        words.append(word)
    return " ".join(words)


BANNER_TIMEOUT = 5.0       # seconds for a kernel's first serial output (its banner)


@dataclasses.dataclass(kw_only=True)
class HungRun(RunResult):
    """A boot that hung and was cut short: silent (no boot banner), or skipped
    because an earlier boot of the same kernel hung. kind is TIMEOUT."""
    headline: str
    kind: RunKind = RunKind.TIMEOUT

    def problem(self) -> str:
        return self.headline


def _hang_line(what: str, hung: dict[str, Any]) -> str:
    how = "printed nothing within %gs" % BANNER_TIMEOUT if hung.get("silent") else \
        "timed out after %gs before any result" % (hung.get("timeout") or 0)
    return "%s boot of this kernel hung (test %s: it %s)" % (what, hung.get("test") or "?", how)


class Runner:
    """Boots kernels of one tree. One per pytest process (xdist worker).

    Fail fast (fail_fast=True): a kernel that prints nothing within
    BANNER_TIMEOUT seconds is killed then; and once a boot of a config has
    timed out before printing any result line for the grader's nonce (a
    kernel hanging at start-up, before its tests), every later boot of that
    config in the same session returns a HungRun at once. A marker file in
    grade_dir, named by session and config, carries this across xdist
    workers, and stops their boots of that config that are still in
    start-up. A boot that hangs after some results does not mark the
    config: its other tests may still pass.
    """

    def __init__(self, tree: str | None = None, session: str = "", fail_fast: bool = True) -> None:
        self.tree = os.path.abspath(tree or os.environ.get("VMKIT_TREE") or ROOT)
        self.session = session or secrets.token_hex(8)
        self.fail_fast = fail_fast
        self._builds: dict[str, Build] = {}

    def _hang_marker(self, config: str) -> str:
        return os.path.join(self.grade_dir, "hung-%s-%s.json" % (self.session, config))

    def _earlier_hang(self, config: str) -> dict[str, Any] | None:
        try:
            with open(self._hang_marker(config)) as f:
                rec: dict[str, Any] = json.load(f)
                return rec
        except (OSError, ValueError):
            return None

    def _mark_hang(self, config: str, res: RunResult, silent: bool) -> None:
        test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0].split("::")[-1]
        rec = {"test": test or ",".join(res.requested), "timeout": res.timeout,
               "pid": os.getpid(), "at": time.time(), "silent": silent}
        os.makedirs(self.grade_dir, exist_ok=True)
        tmp = self._hang_marker(config) + ".%d.tmp" % os.getpid()
        with open(tmp, "w") as f:
            json.dump(rec, f)
        os.replace(tmp, self._hang_marker(config))

    @property
    def grade_dir(self) -> str:
        return os.path.join(self.tree, "build", "grade")

    def build(self, config: str, physseg: str | None = None) -> Build:
        key = variant_name(config, physseg)
        if key not in self._builds:
            self._builds[key] = build_kernel(self.tree, config, self.session, physseg=physseg)
        return self._builds[key]

    def boot(self, config: str, tests: str | Sequence[str], args: CmdArgs = None,
             mem: str | None = None, cpu: str | None = None, disks: Sequence[qemu.DiskSpec] = (),
             timeout: float = 10.0, seed: int = 0, kernel: str | None = None,
             physseg: str | None = None, trace: Sequence[str] = ()) -> RunResult:
        tests = [tests] if isinstance(tests, str) else list(tests)
        variant = variant_name(config, physseg)     # hangs are remembered per kernel built
        nonce = secrets.token_hex(8)
        cmdline = make_cmdline(tests, seed, nonce, args)
        base = RunResult(kind=RunKind.NO_RESULTS, config=config, requested=tests, cmdline=cmdline,
                         seed=seed, nonce=nonce, timeout=timeout)
        b = None
        if kernel is None:
            b = self.build(config, physseg)
            if not b.ok:
                return dataclasses.replace(base, kind=RunKind.BUILD_FAILED, build=b, log=b.output)
            kernel = b.kernel
        hung = self._earlier_hang(variant) if self.fail_fast else None
        if hung:
            line = _hang_line("skipped: an earlier", hung)
            return _hung(dataclasses.replace(base, build=b, log="[vmkit: %s]\n" % line),
                         "TIMEOUT (%s); this boot was not run" % line)
        t = protocol.Transcript(nonce)

        def other_hung() -> dict[str, Any] | None:   # a concurrent boot (xdist) of this kernel hung in start-up
            if t.tests or t.data or not os.path.exists(self._hang_marker(variant)):
                return None
            return self._earlier_hang(variant)
        fd, tflog = tempfile.mkstemp(prefix="vmkit-trifault-", suffix=".log")
        os.close(fd)
        try:
            argv = qemu.qemu_argv(kernel, config, mem=mem, cpu=cpu, append=cmdline,
                                  disks=disks, trifault_log=tflog, trace=trace)
            scale = float(os.environ.get("VMKIT_TIMEOUT_SCALE") or 1)
            cap = run_supervised(argv, timeout, on_line=t.feed,
                                 first_output=BANNER_TIMEOUT * scale if self.fail_fast else None,
                                 abort=other_hung if self.fail_fast else None)
            with open(tflog, errors="replace") as f:
                qlog = f.read(64 << 20)
            triple = "Triple fault" in qlog
        finally:
            os.unlink(tflog)
        log = cap.text()
        res = dataclasses.replace(base, argv=argv, status=cap.status, transcript=t, build=b, log=log,
                                  qemu_log=qlog if trace else "",
                                  stderr=cap.stderr.decode("utf-8", "replace"),
                                  truncated=cap.discarded, elapsed=cap.elapsed,
                                  kind=classify(t, cap.status, cap.timed_out, triple))
        if cap.aborted:
            line = _hang_line("stopped: another", cap.aborted)
            return _hung(dataclasses.replace(res, log=log + "\n[vmkit: %s]\n" % line),
                         "TIMEOUT (%s); this boot was stopped after %.1fs" % (line, cap.elapsed))
        if cap.silent:
            res = _hung(res, "TIMEOUT: the kernel printed nothing (no boot banner) within %gs; "
                        "it was stopped then" % (BANNER_TIMEOUT * scale))
        if self.fail_fast and res.kind == RunKind.TIMEOUT and not (t.tests or t.data or t.end):
            self._mark_hang(variant, res, cap.silent)
        return res


def _hung(run: RunResult, headline: str) -> HungRun:
    """`run` as a HungRun (kind TIMEOUT) whose problem() is `headline`."""
    kw: dict[str, Any] = {f.name: getattr(run, f.name) for f in dataclasses.fields(RunResult)
                          if f.name != "kind"}
    return HungRun(headline=headline, **kw)


def save_log(result: RunResult, path: str) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("# vmkit run: config=%s kind=%s status=%s elapsed=%.2fs\n# qemu: %s\n\n"
                % (result.config, result.kind, result.status, result.elapsed,
                   " ".join(result.argv) or "(not booted)"))
        f.write(result.log)
        if result.stderr:
            f.write("\n# qemu stderr:\n" + result.stderr)
    return path
