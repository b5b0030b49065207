"""pytest plugin of the vmkit grader (loaded by grader/conftest.py through
`pytest_plugins = ["vmkit.plugin"]`).

Gives tests a `vm` fixture bound to one kernel config:

    def test_strtoull_bases(vm):
        r = vm.run(["strtoull"], {"lab00.nums": "16:ff"})
        vm.expect_pass(r, "strtoull")           # distinct failures for each kind
        lines = vm.kdata(r, "strtoull")          # typed, by vmkit/kdata.py's grammar

Configs and per-boot timeouts come from the lab manifest that lists the test's
file (the [[test]] named like the function minus `test_`), else from a
`@pytest.mark.vmkit(configs=[...], timeout=N)` marker, else the configs marked
`graded` in conf/configs.toml.
Options: --vmkit-seed (or VMKIT_SEED), --vmkit-tree (or VMKIT_TREE),
--vmkit-config, --vmkit-lab, --vmkit-hidden, --vmkit-report (raw outcomes as
JSON for tools/grade.py). The session seed and build session are shared with
pytest-xdist workers so a run is replayable with one number.

State lives in stashes, never in module globals or config attributes:
config.stash[SESSION] (what pytest_configure worked out once), and
item.stash[SPEC] (each test's lab, manifest entry, configs and timeout,
computed once per test function).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import random
import re
import secrets
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import FrameType
from typing import Any, NoReturn

import pytest

from . import ROOT, configs, kdata, manifest, physmem, qemu, runner
from .runner import RunKind, RunResult

DEFAULT_TIMEOUT = 10.0


@dataclasses.dataclass(frozen=True)
class Session:
    """What the options and the manifests say, worked out once per pytest process."""
    seed: int
    build_session: str                       # shared with xdist workers: one build per config
    tree: str                                # whose kernel is graded
    labs: dict[str, manifest.Lab]
    configs: tuple[str, ...] | None          # --vmkit-config
    lab: manifest.Lab | None                 # --vmkit-lab
    hidden: bool                             # --vmkit-hidden


@dataclasses.dataclass(frozen=True)
class Spec:
    """How one test function is run: from its manifest entry, else its marker."""
    lab: manifest.Lab | None
    test: manifest.LabTest | None
    configs: tuple[str, ...]
    timeout: float


SESSION = pytest.StashKey[Session]()
SPECS = pytest.StashKey[dict[tuple[str, str], Spec]]()     # (module path, function) -> Spec
SPEC = pytest.StashKey[Spec]()                              # on each item


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("vmkit")
    g.addoption("--vmkit-seed", default=None, help="session seed (default: $VMKIT_SEED or random)")
    g.addoption("--vmkit-tree", default=None, help="tree whose kernel is graded (default: $VMKIT_TREE or this one)")
    g.addoption("--vmkit-config", default=None, help="comma-separated configs to run (default: all of each test's)")
    g.addoption("--vmkit-lab", default=None, help="grade this lab: run only its manifest's tests")
    g.addoption("--vmkit-hidden", action="store_true", help="with --vmkit-lab: include hidden tests")
    g.addoption("--vmkit-report", default=None, help="write raw per-test outcomes (JSON) here")
    g.addoption("--vmkit-progress", default=None,
                help="append each test's outcome here (a JSON line) as it finishes")


def _worker_input(config: pytest.Config) -> dict[str, Any] | None:
    """What the xdist controller handed this worker, or None in the controller."""
    wi: dict[str, Any] | None = getattr(config, "workerinput", None)
    return wi


def _session(config: pytest.Config) -> Session:
    wi = _worker_input(config) or {}
    seed: int | None = wi.get("vmkit_seed")
    if seed is None:
        raw: str | None = config.getoption("--vmkit-seed") or os.environ.get("VMKIT_SEED")
        try:
            seed = int(raw) if raw else secrets.randbelow(2 ** 32)
        except ValueError:
            raise pytest.UsageError("vmkit: seed must be a decimal number, not %r" % raw)
    cf = config.getoption("--vmkit-config")
    try:
        configs.table()
        labs = manifest.load_all(ROOT)
        lab = manifest.find_lab(ROOT, config.getoption("--vmkit-lab")) \
            if config.getoption("--vmkit-lab") else None
    except (configs.ConfigError, manifest.ManifestError) as e:
        raise pytest.UsageError("vmkit: %s" % e)
    return Session(seed=seed, build_session=wi.get("vmkit_session") or secrets.token_hex(8),
                   tree=os.path.abspath(config.getoption("--vmkit-tree")
                                        or os.environ.get("VMKIT_TREE") or ROOT),
                   labs=labs, configs=tuple(c for c in cf.split(",") if c) if cf else None,
                   lab=lab, hidden=bool(config.getoption("--vmkit-hidden")))


def session_of(config: pytest.Config) -> Session:
    return config.stash[SESSION]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "vmkit(configs=None, timeout=None): vmkit boot settings")
    config.stash[SESSION] = _session(config)
    config.stash[SPECS] = dict[tuple[str, str], Spec]()
    if _worker_input(config) is not None:
        runner.die_with_parent()      # an xdist worker: never outlive pytest (grade.py kills it)
    else:
        config.pluginmanager.register(Reporter(config), "vmkit-reporter")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "vmkit-xdist")
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:       # not the main thread
        pass


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    runner.kill_live_groups()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


class _XdistHooks:
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        s = session_of(node.config)
        node.workerinput["vmkit_seed"] = s.seed
        node.workerinput["vmkit_session"] = s.build_session


def pytest_report_header(config: pytest.Config) -> list[str]:
    s = session_of(config)
    return ["vmkit: seed=%d tree=%s (replay with SEED=%d, or --vmkit-seed=%d)"
            % (s.seed, s.tree, s.seed, s.seed)]


# ---------------------------------------------------------------- collection
def _spec(config: pytest.Config, module_path: str, func: str, marker: pytest.Mark | None) -> Spec:
    """The Spec of a test function, computed once per (module, function)."""
    cache = config.stash[SPECS]
    key = (module_path, func)
    if key in cache:
        return cache[key]
    s = session_of(config)
    lab, _ = manifest.lab_for_test_file(s.labs, ROOT, module_path)
    name = func[5:] if func.startswith("test_") else func
    lt = lab.test(name) if lab else None
    if lt:
        spec = Spec(lab, lt, tuple(lt.configs), lt.timeout)
    else:
        kw = marker.kwargs if marker else {}
        names = kw.get("configs") or (lab.configs if lab else configs.table().graded())
        spec = Spec(lab, None, tuple(names), float(kw.get("timeout") or DEFAULT_TIMEOUT))
    cache[key] = spec
    return spec


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "vm" not in metafunc.fixturenames:
        return
    cfg = metafunc.config
    marker = metafunc.definition.get_closest_marker("vmkit")
    names = list(_spec(cfg, str(metafunc.definition.path), metafunc.function.__name__, marker).configs)
    only = session_of(cfg).configs
    if only:
        names = [c for c in names if c in only]
    metafunc.parametrize("vmkit_config", names, ids=names)


def _function_name(item: pytest.Item) -> str:
    return str(getattr(item, "originalname", item.name))


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    s = session_of(config)
    lab = s.lab
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        fn = _function_name(item)
        spec = item.stash[SPEC] = _spec(config, str(item.path), fn, item.get_closest_marker("vmkit"))
        clab, lt = spec.lab, spec.test
        cs = getattr(item, "callspec", None)
        cfgname = cs.params.get("vmkit_config") if cs else None
        item.user_properties += [("vmkit_test", lt.name if lt else fn),
                                 ("vmkit_config", cfgname),
                                 ("vmkit_lab", clab.id if clab else None)]
        if lab is not None:
            wanted = lt is not None and clab is not None and clab.id == lab.id and (
                s.hidden or not lt.hidden)
            (keep if wanted else drop).append(item)
    if lab is not None:
        items[:] = keep
        if drop:
            config.hook.pytest_deselected(items=drop)


# ---------------------------------------------------------------- reporting
class Reporter:
    """Collects per-test outcomes in the controller (not in xdist workers) and
    writes them as JSON for tools/grade.py (--vmkit-report); with
    --vmkit-progress, also each one as soon as it is over (teardown done),
    so grade.py can print a line per test while the others run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.reports: dict[str, dict[str, Any]] = {}
        self.collect_errors: list[dict[str, str]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        rec = self.reports.setdefault(report.nodeid, {
            "nodeid": report.nodeid, "test": props.get("vmkit_test"),
            "config": props.get("vmkit_config"), "lab": props.get("vmkit_lab"),
            "outcome": "passed", "message": "", "duration": 0.0})
        rec["duration"] += report.duration
        if report.failed:
            rec["outcome"] = "failed"
            rec["message"] += _longrepr(report)
        elif report.skipped and rec["outcome"] == "passed":
            rec["outcome"] = "skipped"
            rec["message"] = _longrepr(report)
        progress = self.config.getoption("--vmkit-progress")
        if progress and report.when == "teardown":
            with open(progress, "a") as f:      # the reader takes whole lines only
                f.write(json.dumps(rec) + "\n")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append({"nodeid": report.nodeid,
                                        "message": (report.longreprtext or "")[-4000:]})

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        path = self.config.getoption("--vmkit-report")
        if not path:
            return
        s = session_of(self.config)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            json.dump({"seed": s.seed, "tree": s.tree, "tests": list(self.reports.values()),
                       "collect_errors": self.collect_errors}, f, indent=1)


def _longrepr(report: pytest.TestReport) -> str:
    lr = report.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        return str(lr[2])
    text = re.sub(r"^\[gw\d+\] .*\n", "", report.longreprtext or "")   # xdist's worker line
    return text[-6000:]


# ---------------------------------------------------------------- fixtures
POST_MORTEM_DISK = 64 << 20     # a sparse image: a 6G PAE kernel's dump takes 22 MiB
Args = Mapping[str, object] | Iterable[tuple[str, object]] | None


class VM:
    """A test's handle on one kernel config: boots, seeds and failure helpers."""

    def __init__(self, request: pytest.FixtureRequest, runner_: runner.Runner, config_name: str,
                 seed: int, timeout: float) -> None:
        self.request, self.runner = request, runner_
        self.config, self.seed, self.timeout = config_name, seed, timeout
        self.conf = configs.table().get(config_name)      # the row of conf/configs.toml
        self.rng = random.Random(seed)
        self.pae = self.conf.paddr64      # 64-bit physical addresses: RAM above 4 GiB counts
        self.runs: list[RunResult] = []
        self._reboots: dict[int, Callable[[str], RunResult]] = {}

    def run(self, tests: str | Sequence[str], args: Args = None, mem: str | None = None,
            cpu: str | None = None, disks: Sequence[qemu.DiskSpec] = (), timeout: float | None = None,
            expect: Sequence[str] = (RunKind.OK,), physseg: str | None = None,
            trace: Sequence[str] = ()) -> RunResult:
        """Boot once (twice if the serial output arrived damaged) and return the result.

        mem defaults to the config's (conf/configs.toml);
        timeout defaults to the manifest's for this test; expect names the run
        kinds the test is prepared for (e.g. ("panic",)): any other abnormal
        ending heads the failure message, before the test's own complaint.
        physseg ("dense"/"sparse") boots the config's VM_PHYSSEG build variant.
        disks: raw images (paths or qemu.Disk(path, readonly=True)), the kernel's disk0, disk1...
        trace: QEMU trace events to log (RunResult.qemu_log), e.g. virtio_blk_handle_read.
        """
        scale = float(os.environ.get("VMKIT_TIMEOUT_SCALE") or 1)
        seed = self.rng.randrange(2 ** 31)

        def boot() -> RunResult:
            return self.runner.boot(self.config, tests, args=args, mem=mem or self.conf.mem, cpu=cpu, disks=disks,
                                    timeout=(timeout or self.timeout) * scale, seed=seed,
                                    physseg=physseg, trace=trace)
        def boot_with_dump(image: str) -> RunResult:
            """The same boot with one more disk to dump to (the post-mortem)."""
            items = list(args.items() if isinstance(args, Mapping) else (args or []))
            return self.runner.boot(self.config, tests, args=items + [("dumpdev", len(disks))],
                                    mem=mem or self.conf.mem, cpu=cpu,
                                    disks=list(disks) + [qemu.Disk(image)],
                                    timeout=(timeout or self.timeout) * scale + 10, seed=seed,
                                    physseg=physseg, trace=trace)
        r = boot()
        if _transit_suspect(r):
            # Same seed and arguments, a fresh nonce: damage in transit is
            # reported only if it happens twice in a row.
            first = r
            r = boot()
            r.retried = first.problem()
        r.expect = tuple(RunKind(k) for k in expect)
        self._reboots[id(r)] = boot_with_dump
        self.runs.append(r)
        return r

    def post_mortem(self, r: RunResult, name: str) -> str:
        """For a panic the test did not expect: boot the same run again with a
        dump disk, keep the minidump under build/grade/dumps/, and say how to
        open it (make gdb-dump) with the dump's last kernel messages.  "" when
        there is nothing to say (no panic, or the second boot did not dump)."""
        reboot = self._reboots.get(id(r))
        if r.kind is not RunKind.PANIC or RunKind.PANIC in r.expect or reboot is None:
            return ""
        from . import minidump             # only a failing run pays for the import
        ddir = os.path.join(self.runner.grade_dir, "dumps")
        os.makedirs(ddir, exist_ok=True)
        image, dump = os.path.join(ddir, name + ".img"), os.path.join(ddir, name + ".dump")
        with open(image, "wb") as f:
            f.truncate(POST_MORTEM_DISK)
        try:
            again = reboot(image)
            if again.kind is not RunKind.PANIC:
                return "\n  post-mortem: a second boot with a dump disk ended %s, no dump" % again.kind.value
            minidump.extract(image, dump)
            lines = minidump.Minidump.open(dump).msgbuf().rstrip("\n").splitlines()
            panics = [i for i, line in enumerate(lines) if line.startswith("panic: ")]
            tail = lines[panics[-1]:panics[-1] + 12] if panics else lines[-8:]
        except (OSError, minidump.DumpError) as e:
            return "\n  post-mortem: no dump (%s)" % e
        except Exception as e:         # the kernel wrote the dump: never a grader traceback
            return "\n  post-mortem: no readable dump (%s)" % type(e).__name__
        finally:
            if os.path.exists(image):
                os.unlink(image)
        return ("\n  post-mortem: make gdb-dump CONFIG=%s DUMP=%s\n  the dump's kernel messages "
                "(dmesg) from the panic on:\n%s" % (r.config, _nice(dump), _indent("\n".join(tail))))

    # -- failing -------------------------------------------------------
    def fail(self, r: RunResult, headline: str) -> NoReturn:
        p = r.problem()
        if p and r.kind not in r.expect and not headline.startswith(p):
            headline = "%s\n\n  and so: %s" % (p, headline)     # the first real cause first
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.request.node.nodeid).strip("_")
        path = os.path.join(self.runner.grade_dir, "logs", name + ".log")
        runner.save_log(r, path)
        msg = "%s\n\n  config %s, seed %d, QEMU status %s, %.2fs\n  command line: %s\n" \
              "  full serial log: %s\n  last lines:\n%s" % (
                  headline, r.config, self.seed, r.status, r.elapsed, r.cmdline,
                  _nice(path), _indent(r.tail(20)) or "    (no output)")
        if r.truncated:
            msg += "\n  (output capped: %d bytes discarded)" % r.truncated
        msg += self.post_mortem(r, name)
        pytest.fail(msg, pytrace=False)

    def check(self, cond: object, r: RunResult, headline: str) -> None:
        if not cond:
            self.fail(r, headline)

    def expect_ok(self, r: RunResult) -> RunResult:
        """Fail unless the boot ended normally with an END line."""
        p = r.problem()
        if p:
            self.fail(r, p)
        return r

    def result(self, r: RunResult, name: str) -> tuple[str, str]:
        self.expect_ok(r)
        if name not in r.tests:
            self.fail(r, "MISSING RESULT for %s: the kernel printed no KTEST line for it" % name)
        return r.tests[name]

    def expect_pass(self, r: RunResult, *names: str) -> RunResult:
        for name in names or r.requested:
            verdict, detail = self.result(r, name)
            if verdict == "SKIP":
                self.fail(r, "SKIP %s: the kernel skipped a test the grader asked for: %s"
                          % (name, detail or "(no reason given)"))
            if verdict != "PASS":
                self.fail(r, "FAIL %s: the kernel reported: %s" % (name, detail or "(no detail)"))
        return r

    def run_pass(self, tests: str | Sequence[str], args: Args = None, **kw: Any) -> RunResult:
        return self.expect_pass(self.run(tests, args, **kw))

    def freelists(self, r: RunResult) -> list[physmem.FreeList]:
        """The machine's free-list table, read from the kernel ELF the grader built
        and booted for r (physmem.elf_freelists), never from what the kernel
        printed; a kernel ELF it cannot read fails the test with the reason."""
        if r.build is None or not r.build.ok:
            self.fail(r, "grader: no kernel build behind this run to read the free-list table from")
        try:
            return physmem.elf_freelists(r.build.kernel)
        except physmem.ElfError as e:
            why = "grader: cannot read the free-list table from the kernel it built: %s" % e
        self.fail(r, why)          # outside the handler: no chained traceback in the message

    def kdata(self, r: RunResult, test: str) -> list[kdata.Line]:
        """`test`'s KDATA lines parsed by its grammar (vmkit/kdata.py); a line
        that does not match fails the test with the line and the grammar."""
        try:
            return kdata.parse(test, r.data.get(test, []))
        except kdata.KdataError as e:
            why = str(e)
        self.fail(r, why)          # outside the handler: no chained traceback in the message


def _transit_suspect(r: RunResult) -> bool:
    """A boot whose output may have been damaged on the serial line: worth one retry."""
    if r.kind == RunKind.SERIAL_DAMAGED:
        return True
    # The kernel exited through the test exit, but no END line arrived: a
    # whole line lost without trace (a sound kernel always prints END first).
    return (r.kind == RunKind.NO_RESULTS
            and r.status in (runner.qemu.STATUS_PASS, runner.qemu.STATUS_FAIL)
            and r.transcript.protocol_lines > 0)


def _nice(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _indent(text: str, pre: str = "    ") -> str:
    return "\n".join(pre + line for line in text.splitlines())


@pytest.fixture(scope="session")
def vmkit_runner(request: pytest.FixtureRequest) -> runner.Runner:
    s = session_of(request.config)
    return runner.Runner(s.tree, s.build_session)


@pytest.fixture
def vmkit_config() -> str:
    return configs.table().default


@pytest.fixture
def vm(request: pytest.FixtureRequest, vmkit_runner: runner.Runner, vmkit_config: str) -> VM:
    c = request.config
    node = request.node
    fn = _function_name(node)
    spec = node.stash.get(SPEC, None) or _spec(c, str(node.path), fn, node.get_closest_marker("vmkit"))
    key = "%d/%s/%s" % (session_of(c).seed, fn, vmkit_config)
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")
    return VM(request, vmkit_runner, vmkit_config, seed, spec.timeout)
