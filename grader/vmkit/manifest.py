"""Read and validate lab manifests, labs/NN-name/lab.toml (format: labs/README.md).

    labs = load_all(root)            # {"00": Lab, ...}, sorted by id
    lab = find_lab(root, "00")       # also "00-warmup"; unknown -> ManifestError listing labs
Stdlib only (tomllib, Python 3.11).
"""
from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from typing import Any, NoReturn

from . import configs

VISIBILITIES = ("visible", "after_published", "after_due_date", "hidden")
_ID_RE = re.compile(r"^\d\d$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_MARKER_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_DIR_RE = re.compile(r"^(\d\d)-[A-Za-z0-9_.-]+$")


class ManifestError(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class LabTest:
    """One [[test]] of a manifest."""
    name: str
    points: float
    covers: bool                  # fails when the lab's markers are stubbed
    covers_markers: tuple[str, ...]   # ... and when each of these alone is
    timeout: float
    hidden: bool
    configs: tuple[str, ...]
    visibility: str

    @property
    def function(self) -> str:
        return "test_" + self.name

    def max_score(self, config: str) -> float:
        return self.points / len(self.configs)

    def __repr__(self) -> str:
        return "LabTest(%s, %s pts, %s)" % (self.name, self.points, list(self.configs))


@dataclasses.dataclass(frozen=True, repr=False)
class Lab:
    """One labs/NN-name/lab.toml, validated."""
    path: str                     # the lab.toml
    dirname: str                  # "00-warmup"
    id: str
    title: str
    handout: str | None
    markers: tuple[str, ...]
    edit: tuple[str, ...]
    configs: tuple[str, ...]
    public_tests: tuple[str, ...]
    hidden_tests: tuple[str, ...]
    tests: tuple[LabTest, ...]    # manifest order

    @property
    def dir(self) -> str:
        return os.path.dirname(self.path)

    def test(self, name: str) -> LabTest | None:
        for t in self.tests:
            if t.name == name:
                return t
        return None

    def test_files(self, hidden: bool = False) -> list[str]:
        return list(self.public_tests) + (list(self.hidden_tests) if hidden else [])

    def selected(self, hidden: bool = False) -> list[LabTest]:
        return [t for t in self.tests if hidden or not t.hidden]

    def __repr__(self) -> str:
        return "Lab(%s)" % self.dirname


def _err(path: str, msg: str) -> NoReturn:
    raise ManifestError("%s: %s" % (path, msg))


def _typed(path: str, data: dict[str, Any], key: str, typ: type | tuple[type, ...],
           required: bool = True, default: Any = None) -> Any:
    if key not in data:
        if required:
            _err(path, "missing required key `%s`" % key)
        return default
    v = data[key]
    if typ is list:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            _err(path, "`%s` must be a list of strings" % key)
    elif not isinstance(v, typ) or (typ is not bool and isinstance(v, bool)):
        names = typ if isinstance(typ, tuple) else (typ,)
        kind = " or ".join({"str": "string", "int": "integer", "float": "number",
                            "bool": "boolean (true/false)"}.get(t.__name__, t.__name__) for t in names)
        _err(path, "`%s` must be a %s, not %r" % (key, kind, v))
    return v


def _configs(path: str, where: str, v: list[str]) -> list[str]:
    if not v:
        _err(path, "%s: `configs` is empty" % where)
    try:
        known = configs.table().names()      # conf/configs.toml
    except configs.ConfigError as e:
        _err(path, "cannot check its configs: %s" % e)
    for c in v:
        if c not in known:
            _err(path, "%s: unknown config %r (known: %s)" % (where, c, ", ".join(known)))
    return list(v)


TOP_KEYS = {"id", "title", "handout", "markers", "edit", "configs", "public_tests",
            "hidden_tests", "test"}
TEST_KEYS = {"name", "points", "covers", "timeout", "hidden", "configs", "visibility"}


def load_lab(path: str) -> Lab:
    dirname = os.path.basename(os.path.dirname(os.path.abspath(path)))
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        _err(path, "cannot read: %s" % e.strerror)
    except tomllib.TOMLDecodeError as e:
        _err(path, "not valid TOML: %s" % e)
    unknown = set(data) - TOP_KEYS
    if unknown:
        _err(path, "unknown key(s): %s" % ", ".join(sorted(unknown)))
    lid = _typed(path, data, "id", str)
    if not _ID_RE.match(lid):
        _err(path, "`id` must be two digits like \"00\", not %r" % lid)
    m = _DIR_RE.match(dirname)
    if not m or m.group(1) != lid:
        _err(path, "lab directory must be named %s-<name>, not %r" % (lid, dirname))
    _typed(path, data, "title", str)
    _typed(path, data, "handout", str, required=False)
    for key in ("markers", "edit", "public_tests", "hidden_tests"):
        _typed(path, data, key, list, required=False)
    for mk in data.get("markers", []):
        if not _MARKER_RE.match(mk):
            _err(path, "bad marker id %r (letters, digits, _ . -)" % mk)
    if len(set(data.get("markers", []))) != len(data.get("markers", [])):
        _err(path, "a marker id is listed twice in `markers`")
    configs = _configs(path, "lab", _typed(path, data, "configs", list))
    data["configs"] = configs
    raw = data.get("test", [])
    if not isinstance(raw, list) or not raw:
        _err(path, "no [[test]] tables")
    tests: list[LabTest] = []
    seen: set[str] = set()
    for i, t in enumerate(raw, 1):
        where = "[[test]] #%d" % i
        if not isinstance(t, dict):
            _err(path, "%s is not a table" % where)
        bad = set(t) - TEST_KEYS
        if bad:
            _err(path, "%s: unknown key(s): %s" % (where, ", ".join(sorted(bad))))
        name = _typed(path, t, "name", str)
        where = "test %r" % name
        if not _NAME_RE.match(name):
            _err(path, "%s: name must be a Python identifier part (the function is test_<name>)" % where)
        if name in seen:
            _err(path, "%s is listed twice" % where)
        seen.add(name)
        points = _typed(path, t, "points", (int, float))
        if points < 0:
            _err(path, "%s: points must be >= 0" % where)
        covers = t.get("covers", False)
        if isinstance(covers, list):
            for mk in covers:
                if mk not in data.get("markers", []):
                    _err(path, "%s: covers %r, which is not in `markers`" % (where, mk))
        elif not isinstance(covers, bool):
            _err(path, "%s: `covers` must be a boolean (true/false) or a list of marker ids" % where)
        timeout = _typed(path, t, "timeout", (int, float), required=False, default=10)
        if timeout <= 0:
            _err(path, "%s: timeout must be > 0 seconds" % where)
        hidden = _typed(path, t, "hidden", bool, required=False, default=False)
        tconf = _configs(path, where, t["configs"]) if "configs" in t else configs
        vis = _typed(path, t, "visibility", str, required=False,
                     default="after_published" if hidden else "visible")
        if vis not in VISIBILITIES:
            _err(path, "%s: visibility must be one of %s" % (where, ", ".join(VISIBILITIES)))
        tests.append(LabTest(name, points, bool(covers), tuple(covers) if isinstance(covers, list) else (),
                             float(timeout), hidden, tuple(tconf), vis))
    if any(t.hidden for t in tests) and not data.get("hidden_tests"):
        _err(path, "a test is hidden = true but `hidden_tests` lists no file")
    return Lab(path=os.path.abspath(path), dirname=dirname, id=lid, title=data["title"],
               handout=data.get("handout"), markers=tuple(data.get("markers", [])),
               edit=tuple(data.get("edit", [])), configs=tuple(configs),
               public_tests=tuple(data.get("public_tests", [])),
               hidden_tests=tuple(data.get("hidden_tests", [])), tests=tuple(tests))


def lab_dirs(root: str) -> list[str]:
    d = os.path.join(root, "labs")
    if not os.path.isdir(d):
        return []
    return sorted(n for n in os.listdir(d)
                  if _DIR_RE.match(n) and os.path.isdir(os.path.join(d, n)))


def load_all(root: str) -> dict[str, Lab]:
    labs: dict[str, Lab] = {}
    for n in lab_dirs(root):
        p = os.path.join(root, "labs", n, "lab.toml")
        if not os.path.isfile(p):
            raise ManifestError("%s: missing (every labs/NN-name directory needs a lab.toml)" % p)
        lab = load_lab(p)
        if lab.id in labs:
            raise ManifestError("%s: lab %s is also %s" % (p, lab.id, labs[lab.id].path))
        labs[lab.id] = lab
    return labs


def find_lab(root: str, spec: str | int) -> Lab:
    """Lab by "00", "0", "00-warmup" or "warmup"."""
    labs = load_all(root)
    spec = str(spec).strip()
    if spec.isdigit():
        spec = "%02d" % int(spec)
    for lab in labs.values():
        if spec in (lab.id, lab.dirname, lab.dirname.split("-", 1)[1]):
            return lab
    listing = "\n".join("  %s  %s" % (l.dirname, l.title) for l in labs.values()) or "  (none)"
    raise ManifestError("unknown lab %r; the labs are:\n%s" % (spec, listing))


def check_files(root: str, lab: Lab) -> list[str]:
    """Errors for files a manifest names that do not exist (used by mklab/stripcheck)."""
    errs = []
    names = ([lab.handout] if lab.handout else []) + [*lab.edit, *lab.public_tests, *lab.hidden_tests]
    for rel in names:
        if not os.path.exists(os.path.join(root, rel)):
            errs.append("%s: names %s, which does not exist" % (lab.path, rel))
    return errs


def lab_for_test_file(labs: dict[str, Lab], root: str, path: str) -> tuple[Lab | None, bool]:
    """(lab, is_hidden_file) for a test module path, or (None, False)."""
    ap = os.path.realpath(path)
    for lab in labs.values():
        for hidden, files in ((False, lab.public_tests), (True, lab.hidden_tests)):
            for rel in files:
                if os.path.realpath(os.path.join(root, rel)) == ap:
                    return lab, hidden
    return None, False
