"""The kernel configurations, read from conf/configs.toml (the one table of them).

    t = configs.table()              # this tree's table, read once
    c = t.get("i386-pae")            # Config; unknown -> ConfigError listing the known ones
    t.names(), t.graded(), t.default
    configs.load(path)               # another table file (self-tests), validated the same way

Every consumer reads the configs here: make (through tools/configs.py, which
writes build/conf/CONFIG.mk), tools/qemu and qemu.py (binary, -cpu, -m),
manifest.py (known configs), plugin.py (default configs, VM.pae), tools/grade.py
and tools/mutation.py.  A table with a missing or unknown key, a wrong type or
a word make cannot carry raises ConfigError naming the file, the config and the
key.  Stdlib only (tomllib, Python 3.11): tools/qemu and make use it.
"""
from __future__ import annotations

import functools
import os
import re
import tomllib
import typing
from dataclasses import dataclass, fields

from . import ROOT

TABLE = os.path.join("conf", "configs.toml")      # relative to a tree's root

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")          # also a build/ directory and a make word
_WORD = re.compile(r"[A-Za-z0-9_.,=+:/-]+")          # no quoting, no $, no # for make
_DEFINE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SIZE = re.compile(r"[1-9][0-9]*[KMGT]?")
PADDR_BITS = (32, 64)
PT_LEVELS = range(2, 6)


class ConfigError(Exception):
    """A configuration table that cannot be used, or an unknown config name."""


@dataclass(frozen=True)
class Config:
    """One row of the table: a kernel configuration (keys: conf/configs.toml)."""
    name: str
    arch: str
    defines: tuple[str, ...]
    cflags: tuple[str, ...]
    asflags: tuple[str, ...]
    ldflags: tuple[str, ...]
    libgcc: bool
    qemu: str
    cpu: str
    mem: str
    paddr_bits: int
    pt_levels: int
    gdb_arch: str
    graded: bool

    @property
    def paddr64(self) -> bool:
        """vm_paddr_t is 64 bits: RAM at and above 4 GiB is usable (i386-PAE, amd64)."""
        return self.paddr_bits == 64


@dataclass(frozen=True)
class Table:
    """The whole table, rows in file order."""
    path: str
    default: str
    rows: tuple[Config, ...]

    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.rows)

    def graded(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.rows if c.graded)

    def get(self, name: str) -> Config:
        for c in self.rows:
            if c.name == name:
                return c
        raise ConfigError("unknown config %r (known: %s)" % (name, ", ".join(self.names())))


# The keys of a row and their Python types, from the dataclass itself (one list).
_HINTS: dict[str, typing.Any] = typing.get_type_hints(Config)
ROW_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Config) if f.name != "name")
TOP_KEYS = ("default", "config")


def _err(path: str, msg: str) -> typing.NoReturn:
    raise ConfigError("%s: %s" % (path, msg))


def _value(path: str, where: str, key: str, v: object) -> object:
    """v checked against the row field `key`; lists become tuples."""
    hint = _HINTS[key]
    if hint == tuple[str, ...]:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            _err(path, "%s: `%s` must be a list of strings, not %r" % (where, key, v))
        pat = _DEFINE if key == "defines" else _WORD
        for x in v:
            if not pat.fullmatch(x):
                _err(path, "%s: `%s` has %r, which is not a %s" % (
                    where, key, x, "C identifier" if key == "defines"
                    else "plain word (letters, digits, _ . , = + : / -)"))
        return tuple(v)
    if hint is bool:
        if not isinstance(v, bool):
            _err(path, "%s: `%s` must be true or false, not %r" % (where, key, v))
        return v
    if hint is int:
        if not isinstance(v, int) or isinstance(v, bool):
            _err(path, "%s: `%s` must be an integer, not %r" % (where, key, v))
        return v
    if not isinstance(v, str) or not _WORD.fullmatch(v):
        _err(path, "%s: `%s` must be a plain word (letters, digits, _ . , = + : / -), not %r"
             % (where, key, v))
    return v


def _row(path: str, root: str, name: str, raw: object) -> Config:
    where = "config %r" % name
    if not _NAME.fullmatch(name) or name == "default":
        _err(path, "%s: a name is lower-case letters, digits, _ and - (it names build/NAME/), "
             "and not \"default\"" % where)
    if not isinstance(raw, dict):
        _err(path, "%s is not a table ([config.%s])" % (where, name))
    unknown = sorted(set(raw) - set(ROW_KEYS))
    if unknown:
        _err(path, "%s: unknown key(s): %s (known: %s)" % (where, ", ".join(unknown), ", ".join(ROW_KEYS)))
    missing = [k for k in ROW_KEYS if k not in raw]
    if missing:
        _err(path, "%s: missing key(s): %s" % (where, ", ".join(missing)))
    vals = {k: _value(path, where, k, raw[k]) for k in ROW_KEYS}
    c = Config(name=name, **vals)  # type: ignore[arg-type]   # each value checked against its hint above
    if c.paddr_bits not in PADDR_BITS:
        _err(path, "%s: `paddr_bits` must be 32 or 64, not %d" % (where, c.paddr_bits))
    if c.pt_levels not in PT_LEVELS:
        _err(path, "%s: `pt_levels` must be 2 to 5, not %d" % (where, c.pt_levels))
    if not _SIZE.fullmatch(c.mem):
        _err(path, "%s: `mem` must be a size like 128M or 6G, not %r" % (where, c.mem))
    if not os.path.isdir(os.path.join(root, "kernel", "arch", c.arch)):
        _err(path, "%s: arch %r has no directory kernel/arch/%s/" % (where, c.arch, c.arch))
    return c


def load(path: str) -> Table:
    """Read and validate a table; its tree's root is the directory above conf/."""
    path = os.path.abspath(path)
    root = os.path.dirname(os.path.dirname(path))
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        _err(path, "cannot read: %s" % e.strerror)
    except tomllib.TOMLDecodeError as e:
        _err(path, "not valid TOML: %s" % e)
    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        _err(path, "unknown top-level key(s): %s (known: %s; a config is [config.NAME])"
             % (", ".join(unknown), ", ".join(TOP_KEYS)))
    raw = data.get("config")
    if not isinstance(raw, dict) or not raw:
        _err(path, "no configs: add a [config.NAME] table")
    rows = tuple(_row(path, root, n, r) for n, r in raw.items())
    default = data.get("default")
    if not isinstance(default, str):
        _err(path, "missing `default = \"NAME\"` (the config make builds without CONFIG=)")
    t = Table(path=path, default=default, rows=rows)
    if t.default not in t.names():
        _err(path, "`default` is %r, which is not a config (known: %s)" % (t.default, ", ".join(t.names())))
    if not t.graded():
        _err(path, "no config has `graded = true`")
    return t


@functools.lru_cache(maxsize=None)
def table(root: str = ROOT) -> Table:
    """The table of the tree at root (default: the tree this grader lives in), read once."""
    return load(os.path.join(root, TABLE))
