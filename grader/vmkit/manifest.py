"""Read and validate lab manifests, labs/NN-name/lab.toml (format: labs/README.md).

    labs = load_all(root)            # {"00": Lab, ...}, sorted by id
    lab = find_lab(root, "00")       # also "00-warmup"; unknown -> ManifestError listing labs
Stdlib only (tomllib, Python 3.11).
"""
import os
import re
import tomllib

from . import configs

VISIBILITIES = ("visible", "after_published", "after_due_date", "hidden")
_ID_RE = re.compile(r"^\d\d$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_MARKER_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_DIR_RE = re.compile(r"^(\d\d)-[A-Za-z0-9_.-]+$")


class ManifestError(Exception):
    pass


class LabTest:
    def __init__(self, name, points, covers, timeout, hidden, configs, visibility):
        # covers: True (fails when the lab's markers are stubbed) or a list of
        # marker ids (also fails when each one alone is stubbed)
        self.name, self.points, self.covers = name, points, bool(covers)
        self.covers_markers = list(covers) if isinstance(covers, list) else []
        self.timeout, self.hidden, self.configs = timeout, hidden, configs
        self.visibility = visibility

    @property
    def function(self):
        return "test_" + self.name

    def max_score(self, config):
        return self.points / len(self.configs)

    def __repr__(self):
        return "LabTest(%s, %s pts, %s)" % (self.name, self.points, self.configs)


class Lab:
    def __init__(self, path, dirname, data, tests):
        self.path = path                      # the lab.toml
        self.dir = os.path.dirname(path)
        self.dirname = dirname                # "00-warmup"
        self.id = data["id"]
        self.title = data["title"]
        self.handout = data.get("handout")
        self.markers = list(data.get("markers", []))
        self.edit = list(data.get("edit", []))
        self.configs = list(data["configs"])
        self.public_tests = list(data.get("public_tests", []))
        self.hidden_tests = list(data.get("hidden_tests", []))
        self.tests = tests                    # [LabTest], manifest order

    def test(self, name):
        for t in self.tests:
            if t.name == name:
                return t
        return None

    def test_files(self, hidden=False):
        return self.public_tests + (self.hidden_tests if hidden else [])

    def selected(self, hidden=False):
        return [t for t in self.tests if hidden or not t.hidden]

    def __repr__(self):
        return "Lab(%s)" % self.dirname


def _err(path, msg):
    raise ManifestError("%s: %s" % (path, msg))


def _typed(path, data, key, typ, required=True, default=None):
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


def _configs(path, where, v):
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


def load_lab(path):
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
    tests, seen = [], set()
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
        tests.append(LabTest(name, points, covers, float(timeout), hidden, tconf, vis))
    if any(t.hidden for t in tests) and not data.get("hidden_tests"):
        _err(path, "a test is hidden = true but `hidden_tests` lists no file")
    return Lab(os.path.abspath(path), dirname, data, tests)


def lab_dirs(root):
    d = os.path.join(root, "labs")
    if not os.path.isdir(d):
        return []
    return sorted(n for n in os.listdir(d)
                  if _DIR_RE.match(n) and os.path.isdir(os.path.join(d, n)))


def load_all(root):
    labs = {}
    for n in lab_dirs(root):
        p = os.path.join(root, "labs", n, "lab.toml")
        if not os.path.isfile(p):
            raise ManifestError("%s: missing (every labs/NN-name directory needs a lab.toml)" % p)
        lab = load_lab(p)
        if lab.id in labs:
            raise ManifestError("%s: lab %s is also %s" % (p, lab.id, labs[lab.id].path))
        labs[lab.id] = lab
    return labs


def find_lab(root, spec):
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


def check_files(root, lab):
    """Errors for files a manifest names that do not exist (used by mklab/stripcheck)."""
    errs = []
    names = ([lab.handout] if lab.handout else []) + lab.edit + lab.public_tests + lab.hidden_tests
    for rel in names:
        if not os.path.exists(os.path.join(root, rel)):
            errs.append("%s: names %s, which does not exist" % (lab.path, rel))
    return errs


def lab_for_test_file(labs, root, path):
    """(lab, is_hidden_file) for a test module path, or (None, False)."""
    ap = os.path.realpath(path)
    for lab in labs.values():
        for hidden, files in ((False, lab.public_tests), (True, lab.hidden_tests)):
            for rel in files:
                if os.path.realpath(os.path.join(root, rel)) == ap:
                    return lab, hidden
    return None, False
