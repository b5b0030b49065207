"""pytest plugin of the vmkit grader (loaded by grader/conftest.py).

Gives tests a `vm` fixture bound to one kernel config:

    def test_strtoull_bases(vm):
        r = vm.run(["strtoull"], {"lab00.nums": "16:ff"})
        vm.expect_pass(r, "strtoull")           # distinct failures for each kind
        vm.check(r.data["strtoull"] == [...], r, "wrong values")

Configs and per-boot timeouts come from the lab manifest that lists the test's
file (the [[test]] named like the function minus `test_`), else from a
`@pytest.mark.vmkit(configs=[...], timeout=N)` marker, else i386 + i386-pae.
Options: --vmkit-seed (or VMKIT_SEED), --vmkit-tree (or VMKIT_TREE),
--vmkit-config, --vmkit-lab, --vmkit-hidden, --vmkit-report (raw outcomes as
JSON for tools/grade.py). The session seed and build session are shared with
pytest-xdist workers so a run is replayable with one number.
"""
import hashlib
import json
import os
import random
import re
import secrets
import signal

import pytest

from . import ROOT, manifest, runner

DEFAULT_CONFIGS = ("i386", "i386-pae")
DEFAULT_TIMEOUT = 10.0


def pytest_addoption(parser):
    g = parser.getgroup("vmkit")
    g.addoption("--vmkit-seed", default=None, help="session seed (default: $VMKIT_SEED or random)")
    g.addoption("--vmkit-tree", default=None, help="tree whose kernel is graded (default: $VMKIT_TREE or this one)")
    g.addoption("--vmkit-config", default=None, help="comma-separated configs to run (default: all of each test's)")
    g.addoption("--vmkit-lab", default=None, help="grade this lab: run only its manifest's tests")
    g.addoption("--vmkit-hidden", action="store_true", help="with --vmkit-lab: include hidden tests")
    g.addoption("--vmkit-report", default=None, help="write raw per-test outcomes (JSON) here")


def _shared(config, key):
    wi = getattr(config, "workerinput", None)
    return wi.get(key) if wi else None


def pytest_configure(config):
    config.addinivalue_line("markers", "vmkit(configs=None, timeout=None): vmkit boot settings")
    seed = _shared(config, "vmkit_seed")
    if seed is None:
        raw = config.getoption("--vmkit-seed") or os.environ.get("VMKIT_SEED")
        try:
            seed = int(raw) if raw not in (None, "") else secrets.randbelow(2 ** 32)
        except ValueError:
            raise pytest.UsageError("vmkit: seed must be a decimal number, not %r" % raw)
    config._vmkit_seed = seed
    config._vmkit_session = _shared(config, "vmkit_session") or secrets.token_hex(8)
    config._vmkit_tree = os.path.abspath(config.getoption("--vmkit-tree")
                                         or os.environ.get("VMKIT_TREE") or ROOT)
    try:
        config._vmkit_labs = manifest.load_all(ROOT)
    except manifest.ManifestError as e:
        raise pytest.UsageError("vmkit: %s" % e)
    cf = config.getoption("--vmkit-config")
    config._vmkit_configs = [c for c in cf.split(",") if c] if cf else None
    config._vmkit_lab = None
    if config.getoption("--vmkit-lab"):
        try:
            config._vmkit_lab = manifest.find_lab(ROOT, config.getoption("--vmkit-lab"))
        except manifest.ManifestError as e:
            raise pytest.UsageError("vmkit: %s" % e)
    if getattr(config, "workerinput", None) is not None:
        runner.die_with_parent()      # an xdist worker: never outlive pytest (grade.py kills it)
    config._vmkit_reports = {}
    config._vmkit_collect_errors = []
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "vmkit-xdist")
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:       # not the main thread
        pass


def _on_sigterm(signum, frame):
    runner.kill_live_groups()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


class _XdistHooks:
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node):
        node.workerinput["vmkit_seed"] = node.config._vmkit_seed
        node.workerinput["vmkit_session"] = node.config._vmkit_session


def pytest_report_header(config):
    return ["vmkit: seed=%d tree=%s (replay with SEED=%d, or --vmkit-seed=%d)"
            % (config._vmkit_seed, config._vmkit_tree, config._vmkit_seed, config._vmkit_seed)]


# ---------------------------------------------------------------- collection
def _spec(config, module_path, func, marker):
    """(lab, LabTest|None, configs, timeout) for a test function."""
    lab, _ = manifest.lab_for_test_file(config._vmkit_labs, ROOT, module_path)
    name = func[5:] if func.startswith("test_") else func
    lt = lab.test(name) if lab else None
    if lt:
        return lab, lt, list(lt.configs), lt.timeout
    kw = marker.kwargs if marker else {}
    configs = kw.get("configs") or (lab.configs if lab else DEFAULT_CONFIGS)
    return lab, None, list(configs), float(kw.get("timeout") or DEFAULT_TIMEOUT)


def pytest_generate_tests(metafunc):
    if "vm" not in metafunc.fixturenames:
        return
    cfg = metafunc.config
    marker = metafunc.definition.get_closest_marker("vmkit")
    _, _, configs, _ = _spec(cfg, str(metafunc.definition.path), metafunc.function.__name__, marker)
    if cfg._vmkit_configs:
        configs = [c for c in configs if c in cfg._vmkit_configs]
    metafunc.parametrize("vmkit_config", configs, ids=configs)


def pytest_collection_modifyitems(session, config, items):
    lab = config._vmkit_lab
    keep, drop = [], []
    for item in items:
        fn = getattr(item, "originalname", item.name)
        clab, lt, _, _ = _spec(config, str(item.path), fn, item.get_closest_marker("vmkit"))
        cs = getattr(item, "callspec", None)
        cfgname = cs.params.get("vmkit_config") if cs else None
        item.user_properties += [("vmkit_test", lt.name if lt else fn),
                                 ("vmkit_config", cfgname),
                                 ("vmkit_lab", clab.id if clab else None)]
        if lab is not None:
            wanted = lt is not None and clab is not None and clab.id == lab.id and (
                config.getoption("--vmkit-hidden") or not lt.hidden)
            (keep if wanted else drop).append(item)
    if lab is not None:
        items[:] = keep
        if drop:
            config.hook.pytest_deselected(items=drop)


# ---------------------------------------------------------------- reporting
def pytest_runtest_logreport(report):
    cfg = _CONFIG[0]
    if cfg is None or getattr(cfg, "workerinput", None):
        return
    props = dict(report.user_properties)
    rec = cfg._vmkit_reports.setdefault(report.nodeid, {
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


def _longrepr(report):
    lr = report.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        return str(lr[2])
    text = re.sub(r"^\[gw\d+\] .*\n", "", report.longreprtext or "")   # xdist's worker line
    return text[-6000:]


def pytest_collectreport(report):
    cfg = _CONFIG[0]
    if report.failed and cfg is not None and not getattr(cfg, "workerinput", None):
        cfg._vmkit_collect_errors.append({"nodeid": report.nodeid,
                                          "message": (report.longreprtext or "")[-4000:]})


_CONFIG = [None]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    _CONFIG[0] = session.config


def pytest_sessionfinish(session, exitstatus):
    cfg = session.config
    path = cfg.getoption("--vmkit-report")
    if not path or getattr(cfg, "workerinput", None):
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"seed": cfg._vmkit_seed, "tree": cfg._vmkit_tree,
                   "tests": list(cfg._vmkit_reports.values()),
                   "collect_errors": cfg._vmkit_collect_errors}, f, indent=1)


# ---------------------------------------------------------------- fixtures
class VM:
    """A test's handle on one kernel config: boots, seeds and failure helpers."""

    def __init__(self, request, runner_, config_name, seed, timeout):
        self.request, self.runner = request, runner_
        self.config, self.seed, self.timeout = config_name, seed, timeout
        self.rng = random.Random(seed)
        self.pae = config_name == "i386-pae"
        self.runs = []

    def run(self, tests, args=None, mem="128M", cpu=None, disks=(), timeout=None,
            expect=("ok",), physseg=None):
        """Boot once (twice if the serial output arrived damaged) and return the result.

        timeout defaults to the manifest's for this test; expect names the run
        kinds the test is prepared for (e.g. ("panic",)): any other abnormal
        ending heads the failure message, before the test's own complaint.
        physseg ("dense"/"sparse") boots the config's VM_PHYSSEG build variant.
        """
        scale = float(os.environ.get("VMKIT_TIMEOUT_SCALE") or 1)
        kw = dict(args=args, mem=mem, cpu=cpu, disks=disks,
                  timeout=(timeout or self.timeout) * scale, seed=self.rng.randrange(2 ** 31))
        if physseg is not None:
            kw["physseg"] = physseg
        r = self.runner.boot(self.config, tests, **kw)
        if _transit_suspect(r):
            # Same seed and arguments, a fresh nonce: damage in transit is
            # reported only if it happens twice in a row.
            first = r
            r = self.runner.boot(self.config, tests, **kw)
            r.retried = first.problem()
        r.expect = tuple(expect)
        self.runs.append(r)
        return r

    # -- failing -------------------------------------------------------
    def fail(self, r, headline):
        p = r.problem()
        if p and r.kind not in getattr(r, "expect", ("ok",)) and not headline.startswith(p):
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
        pytest.fail(msg, pytrace=False)

    def check(self, cond, r, headline):
        if not cond:
            self.fail(r, headline)

    def expect_ok(self, r):
        """Fail unless the boot ended normally with an END line."""
        p = r.problem()
        if p:
            self.fail(r, p)
        return r

    def result(self, r, name):
        self.expect_ok(r)
        if name not in r.tests:
            self.fail(r, "MISSING RESULT for %s: the kernel printed no KTEST line for it" % name)
        return r.tests[name]

    def expect_pass(self, r, *names):
        for name in names or r.requested:
            verdict, detail = self.result(r, name)
            if verdict == "SKIP":
                self.fail(r, "SKIP %s: the kernel skipped a test the grader asked for: %s"
                          % (name, detail or "(no reason given)"))
            if verdict != "PASS":
                self.fail(r, "FAIL %s: the kernel reported: %s" % (name, detail or "(no detail)"))
        return r

    def run_pass(self, tests, args=None, **kw):
        return self.expect_pass(self.run(tests, args, **kw))


def _transit_suspect(r):
    """A boot whose output may have been damaged on the serial line: worth one retry."""
    if r.kind == "serial-damaged":
        return True
    # The kernel exited through the test exit, but no END line arrived: a
    # whole line lost without trace (a sound kernel always prints END first).
    return (r.kind == "no-results" and r.status in (runner.qemu.STATUS_PASS, runner.qemu.STATUS_FAIL)
            and r.transcript.protocol_lines > 0)


def _nice(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _indent(text, pre="    "):
    return "\n".join(pre + line for line in text.splitlines())


@pytest.fixture(scope="session")
def vmkit_runner(request):
    c = request.config
    return runner.Runner(c._vmkit_tree, c._vmkit_session)


@pytest.fixture
def vmkit_config():
    return "i386"


@pytest.fixture
def vm(request, vmkit_runner, vmkit_config):
    c = request.config
    fn = getattr(request.node, "originalname", request.node.name)
    _, _, _, timeout = _spec(c, str(request.node.path), fn, request.node.get_closest_marker("vmkit"))
    key = "%d/%s/%s" % (c._vmkit_seed, fn, vmkit_config)
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")
    return VM(request, vmkit_runner, vmkit_config, seed, timeout)
