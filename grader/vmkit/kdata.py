"""The KDATA grammar of every ktest, in one place, and the one parser for it.

A ktest's KDATA lines (grader/PROTOCOL.md) carry what the grader recomputes.
Each test's lines are declared here as templates, one per line form:

    "array <va:hex> <npages:dec> <pa:hex>"

Literal words must match as written; `<name:type>` is a typed field:

    hex    a hexadecimal number, with or without 0x          -> int
    dec    a decimal number                                  -> int
    num    C's base-0 forms as the kernel prints them: 0x1f, 31, 0  -> int
    word   one word (no white space)                         -> str
    chars  a word that may be empty                          -> str
    yesno  `yes` or `no`                                     -> bool
    text   the rest of the line, possibly empty (last only)  -> str
    pairs  `key value key value ...`, values in num form     -> dict[str, int]
    kvs    `key=value key=value ...`                          -> dict[str, str]

A form whose first word is literal is keyed by it (`array`, `seg`, `op`...):
a line whose first word keys no form is an unknown kind.  Forms that start
with a field (lab 00's `<base:dec>:<token:word> value=...`) are tried in order.
A line that matches no form of its test is a clear failure naming the test,
the line's number among the test's KDATA lines, the grammar and the line:
never a Python traceback, never a silently skipped line.

parse() gives Line records: `line.kind` (the keying word, or "" for a
keyless form) and the typed fields by name (`line["va"]`, `line.values()`).
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any


class KdataError(Exception):
    """A KDATA line that does not follow its test's grammar, or a test with no grammar."""


def _pairs(s: str) -> dict[str, int]:
    w = s.split()
    return {k: int(v, 0) for k, v in zip(w[0::2], w[1::2])}


def _kvs(s: str) -> dict[str, str]:
    return dict(w.split("=", 1) for w in s.split())


_NUM = r"0[xX][0-9a-fA-F]+|[1-9][0-9]*|0"
# type -> (regex of the field, converter)
TYPES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "hex": (r"(?:0[xX])?[0-9a-fA-F]+", lambda s: int(s, 16)),
    "dec": (r"[0-9]+", int),
    "num": (_NUM, lambda s: int(s, 0)),
    "word": (r"\S+", str),
    "chars": (r"\S*", str),
    "yesno": (r"yes|no", lambda s: s == "yes"),
    "text": (r".*", str),
    "pairs": (r"(?:\S+ +(?:%s)(?: +|$))*" % _NUM, _pairs),
    "kvs": (r"(?:[^\s=]+=\S*(?: +|$))*", _kvs),
}
_FIELD = re.compile(r"<([a-z_][a-z0-9_]*):([a-z]+)>")


@dataclasses.dataclass(frozen=True)
class Form:
    """One line form of a test: its template, compiled."""
    template: str
    kind: str                               # the literal first word, or "" (keyless)
    regex: re.Pattern[str]
    fields: tuple[tuple[str, Callable[[str], Any]], ...]

    @classmethod
    def compile(cls, template: str) -> Form:
        out, fields, pos = [], [], 0
        for m in _FIELD.finditer(template):
            name, typ = m.group(1), m.group(2)
            if typ not in TYPES:
                raise ValueError("kdata: %r: unknown field type %r" % (template, typ))
            out.append(_literal(template[pos:m.start()]))
            out.append("(?P<%s>%s)" % (name, TYPES[typ][0]))
            fields.append((name, TYPES[typ][1]))
            pos = m.end()
        out.append(_literal(template[pos:]))
        first = template.split(" ", 1)[0]
        kind = first if first and not _FIELD.search(first) else ""
        return cls(template, kind, re.compile("".join(out)), tuple(fields))

    def match(self, text: str) -> Line | None:
        m = self.regex.fullmatch(text.strip())
        if m is None:
            return None
        return Line(self.kind, text, {name: conv(m.group(name)) for name, conv in self.fields})


def _literal(s: str) -> str:
    """A template's literal text as a regex: words as written, spaces as runs of spaces."""
    return " +".join(re.escape(w) for w in s.split(" "))


@dataclasses.dataclass(frozen=True)
class Line:
    """One parsed KDATA line."""
    kind: str
    text: str
    fields: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def values(self) -> tuple[Any, ...]:
        """The fields in template order."""
        return tuple(self.fields.values())


@dataclasses.dataclass(frozen=True)
class Grammar:
    """The line forms of one test."""
    forms: tuple[Form, ...]

    @classmethod
    def of(cls, templates: Iterable[str]) -> Grammar:
        return cls(tuple(Form.compile(t) for t in templates))

    def keyed(self) -> dict[str, Form]:
        return {f.kind: f for f in self.forms if f.kind}

    def describe(self, forms: Sequence[Form] | None = None) -> str:
        return " | ".join("`%s`" % f.template for f in (forms or self.forms))

    def parse_line(self, test: str, n: int, text: str) -> Line:
        words = text.split()
        keyed = self.keyed()
        if words and words[0] in keyed:
            form = keyed[words[0]]
            line = form.match(text)
            if line is None:
                raise KdataError("test %s: KDATA line %d: expected %s, got %r"
                                 % (test, n, self.describe([form]), text))
            return line
        for form in self.forms:
            if not form.kind:
                line = form.match(text)
                if line is not None:
                    return line
        if keyed and not any(not f.kind for f in self.forms):
            raise KdataError("test %s: KDATA line %d: unknown kind %r (expected one of: %s), got %r"
                             % (test, n, words[0] if words else "", ", ".join(sorted(keyed)), text))
        raise KdataError("test %s: KDATA line %d: expected %s, got %r"
                         % (test, n, self.describe(), text))


# ---------------------------------------------------------------- grammars
# Lab 00 (kernel/tests/ktest_kern.c): tokens and values travel %XX-escaped.
LAB00_STRTOULL = ["<base:dec>:<token:chars> value=<value:dec> used=<used:dec>"]
LAB00_KENV = ["<key:word> (none)", "<binding:word>"]     # `key=value`: one word, split by the test
LAB00_CMDLINE = ["item=<item:dec> max=<max:dec> n=<n:dec>",
                 "item=<item:dec> entry=<entry:dec> key=<key:word> value=<value:text>"]

# Lab 01 (kernel/tests/ktest_page_array.c): the layout every page-array test
# reports, then each test's own lines.  `bad` and `dup` lines are kept whole.
LAB01 = [
    "mode <mode:word>",
    "sizeof <size:dec>",
    "array <va:hex> <npages:dec> <pa:hex>",
    "bitmap <va:hex> <bytes:dec> <pa:hex>",
    "guard <va:hex> <pa:hex>",
    "array_contiguous <contiguous:yesno>",
    "phys_avail <start:hex> <end:hex>",
    "run <pa:hex> <n:dec> <m:hex>",
    "runs <runs:dec> bad <bad:dec>",
    "bad <pa:hex> <m:hex> <phys:hex>",
    "probe <pa:hex> <m:hex> <phys:hex>",
    "edge <pa:hex> <m:hex> <phys:hex>",
    "poison <start:hex> <end:hex>",
    "dumpset <frame:hex> <n:dec>",
    "dumpbits <bits:dec> runs <runs:dec>",
    "touch <va:hex>",
    "dup <pa:hex>",
    "beyond <pa:hex>",
    "alloc <pa:hex> <n:dec>",
    "count <counts:kvs>",
    "pages <pages:dec> cycles <cycles:dec> cycles_per_ms <per_ms:dec>",
]

# Lab 02 (kernel/tests/ktest_buddy.c): params and segments first, then queue
# counts, blocks and the workload's operations.
LAB02_HEADER = [
    "params <params:pairs>",
    "freelist <index:dec> <limit:hex> <name:word>",
    "seg <start:hex> <end:hex> <freelist:dec>",
]
LAB02 = LAB02_HEADER + [
    "q <when:word> <freelist:dec> <pool:dec> <order:dec> <count:dec>",
    "free <when:word> <count:dec>",
    "blk <pa:hex> <head_order:dec> <order:dec> <pool:dec> <runs:dec>",
    "blocks <lines:dec>",
    "a <pa:hex> <order:dec> <pool:dec>",
    "x <order:dec> <pool:dec>",
    "f <pa:hex> <order:dec>",
    "c <i:dec> <pa:hex>",
    "n <pa:hex>",
    "d <pa:hex>",
]
LAB02_SCRIPT = LAB02_HEADER + [
    "op <i:dec> <op:word> <result:num>",
    "sb <tag:dec> <freelist:dec> <pool:dec> <order:dec> <pa:hex> <head_order:dec> <runs:dec>",
    "se <tag:dec> <free:dec> <check:dec>",
    "ck <i:dec> <check:dec>",
]

# The reference kernel's own tests (grader/tests/test_kernel.py).
MEMINFO = ["phys_avail <start:hex> <end:hex>", "dump_avail <start:hex> <end:hex>",
           "ignored <bytes:dec>", "kernel <start:hex> <end:hex>"]
PAE_HIGH = ["pa=<pa:hex> readback=<readback:hex>"]
CONTIGMALLOC = ["pa <pa:hex>"]
# kernel/tests/ktest_disk.c (grader/tests/test_disk.py)
DISK_STATS = "stats <unit:dec> reads <reads:dec> writes <writes:dec> bytes_read <bytes_read:dec> " \
             "bytes_written <bytes_written:dec> errors <errors:dec>"
DISK_RW = ["disk sectors <sectors:dec> ro <ro:yesno>",
           "r <i:dec> <blkno:dec> <npages:dec> <error:dec> <crc:hex>",
           "w <i:dec> <blkno:dec> <npages:dec> <error:dec> <crc:hex> <crc_back:hex>",
           DISK_STATS]
DISK_BOUNDS = ["disk <unit:dec> sectors <sectors:dec> ro <ro:yesno>",
               "case <unit:dec> <name:word> <error:dec>",
               DISK_STATS,
               "nodisk count <count:dec> get_null <get_null:yesno> read <error:dec>"]
DISK_ASYNC = ["disk sectors <sectors:dec>",
              "req <i:dec> <op:word> <blkno:dec> <npages:dec> <error:dec> <crc:hex>",
              "done <k:dec> <i:dec>",
              "callbacks <callbacks:dec> in_diskdone <in_diskdone:dec> outstanding <outstanding:dec>",
              DISK_STATS]
DISK_BENCH = ["rate cycles_per_ms <rate:dec>",
              "bench <mode:word> <op:word> bytes <bytes:dec> pages <pages:dec> cycles <cycles:dec>"]

# kernel/tests/ktest_file.c (grader/tests/test_file.py)
FILE_CHECK = "check <ok:yesno>"
# The page daemon's CPU over a workload (vmstat's cycles; tools/bench-pageout.py).
PDCPU = ("cpu cycles <cycles:dec> switched <switched:dec> <swcycles:dec> reclaimed <reclaimed:dec> "
         "rate <rate:dec>")
FILE_OPS = ["open w len <len:dec> blocks <blocks:dec>",
            "w <i:dec> <off:dec> <len:dec> <error:dec>",
            "sync <error:dec>",
            "cut <t:dec> <g:dec> <cached:dec> <zeros:yesno> <error:dec> left <left:dec> <left_cached:dec>",
            "reread <pages:dec> <crc:dec> <crc2:dec> <crc3:dec> <reactivated:dec>",
            "bad <case:word> <v:dec>",
            FILE_CHECK]
FILE_PRESSURE = ["chunk <i:dec> <crc:dec>",
                 "sync <error:dec> daemon <passes:dec> reactivated <reactivated:dec> laundered <laundered:dec> "
                 "synced <synced:dec>",
                 PDCPU, FILE_CHECK]
FILE_BADIMAGE = ["open <error:dec>"]
FILE_REREAD = ["params pages <pages:dec> free <free:dec> nocache <nocache:yesno>",
               "pass <i:dec> <crc:dec>",
               "daemon passes <passes:dec> cached <cached:dec> freed <freed:dec> "
               "reactivated <reactivated:dec> pageins <pageins:dec>",
               PDCPU, FILE_CHECK]

# kernel/tests/ktest_object.c
OBJECT_CHECK = "check <when:word> <ok:yesno>"
OBJECT_PAGES = ["r <obj:word> <pindex:dec>", "n <obj:word> <count:dec>", OBJECT_CHECK]
OBJECT_STATES = ["cnt <step:word> <counts:pairs>", OBJECT_CHECK]
OBJECT_CACHE = [
    "cached <delta:dec> <x_cache:dec> <x_resident:dec> <y_cache:dec> <y_resident:dec>",
    "data <pindex:dec> <valid:hex> <sum:hex>",
    "regrow <pindex:dec> <valid:hex> <sum:hex>",
    "reactivated <n:dec>",
    "mapping <pa:hex> <mapped:yesno>",
    "reclaim <n:dec> <free:dec> <cache:dec> <cache_after:dec> <x_cache:dec>",
    "end <cache:dec>",
    OBJECT_CHECK,
]

# kernel/tests/ktest_cache.c (lab 03)
CACHE_CHECK = OBJECT_CHECK
CACHE_REREAD = ["reread <pages:dec> <crc1:dec> <crc2:dec> <reactivated:dec> <pdcached:dec>", CACHE_CHECK]
CACHE_REREAD2 = "reread <crc:dec> <reactivated:dec>"
CACHE_RECLAIM = ["cached <n:dec> <cache_count:dec>",
                 "reclaim <allocated:dec> <stolen:dec> <cache_left:dec>",
                 CACHE_REREAD2, "bcheck <bad:dec>", CACHE_CHECK]
CACHE_TRUNCATE = ["cut <file:word> <cached:dec> <crc:dec> <reactivated:dec> <error:dec>", CACHE_CHECK]
CACHE_TRANSFER = ["moved <n_cache:dec> <s_cache:dec>", "page <i:dec> <valid:hex> <crc:dec>",
                  CACHE_REREAD2, CACHE_CHECK]
CACHE_CONTIG = ["cpage <pindex:dec> <pa:hex>",
                "contig <ok:yesno> <pa:hex> <free:dec> <cache:dec> <cache_after:dec>",
                CACHE_REREAD2, CACHE_CHECK]
CACHE_MIXED = ["op <k:dec> <op:word> <lo:dec> <n:dec> <resident:dec> <cached:dec> <crc:dec>",
               CACHE_CHECK]

# Threads, sleep/wakeup and the switch benchmark (kernel/tests/ktest_thread.c).
THREADS_INTERLEAVE = ["params threads=<threads:dec>",
                      "thread <i:dec> count=<count:dec> switches=<switches:dec> ticks=<ticks:dec>",
                      "shared <shared:dec>"]
SLEEP_WAKEUP = ["sum items=<items:dec> got=<got:dec> sum=<sum:dec>",
                "sleeps producer=<producer:dec> consumer=<consumer:dec>"]
MSLEEP_TIMEOUT = ["timeout timo=<timo:dec> waited=<waited:dec> rv=<rv:dec>"]
WAKEUP_ONE = ["woke n=<n:dec> woken=<woken:dec> first=<first:num>"]
# The minidump (kernel/tests/ktest_dump.c).
DUMP_PATTERN = ["buf <va:hex> <len:dec> <pa:hex>", "page <va:hex> <pa:hex>", "dump error <error:dec>"]

SWITCH_BENCH = ["switch n=<n:dec> switches=<switches:dec> cycles=<cycles:dec> tickrate=<tickrate:dec>"]

# Address spaces and faults (kernel/tests/ktest_map.c).
MAP_FIND = ["params steps=<steps:dec>",
            "directed <i:dec> rv=<rv:dec> addr=<addr:num>",
            "find <slot:dec> <pages:dec> rv=<rv:dec> addr=<addr:num>",
            "remove <slot:dec> <a:dec> <b:dec> rv=<rv:dec>",
            "end entries=<entries:dec> size=<size:dec>"]
MAP_FORK = ["params priv=<priv:dec>",
            "counts <when:word> zfod=<zfod:dec> cow=<cow:dec> optim=<optim:dec>",
            "errors ro=<ro:dec> hole=<hole:dec> none=<none:dec>",
            "hash <when:word> <side:dec> <region:word> <page:dec> rv=<rv:dec> <hash:hex>",
            "leak pages=<pages:word>"]
MAP_PROTECT = ["params pages=<pages:dec> window=<a:dec>-<b:dec>",
               "protect <what:word> rv=<rv:dec>",
               "page <i:dec> write=<write:dec> read=<read:dec> <hash:hex>",
               "setmax rv=<rv:dec>",
               "raise <what:word> rv=<rv:dec>",
               "after <i:dec> write=<write:dec>"]

# User programs (kernel/tests/ktest_user.c).
USER = ["out <text:text>",
        "exit pid=<pid:dec> status=<status:dec>",
        "faults zfod=<zfod:dec> cow=<cow:dec> optim=<optim:dec> forkpages=<forkpages:dec>",
        "pages before=<before:dec> after=<after:dec> procs=<procs:dec>",
        "probe <tag:word> pid=<pid:dec> free=<free:dec> zfod=<zfod:dec> cow=<cow:dec> "
        "optim=<optim:dec> forkpages=<forkpages:dec> collapses=<collapses:dec>",
        "chain <tag:word> pid=<pid:dec> start=<start:hex> end=<end:hex> offset=<offset:hex> "
        "depth=<depth:dec>",
        "pte <tag:word> pid=<pid:dec> va=<va:hex> pa=<pa:hex> level=<level:dec> "
        "pindex=<pindex:dec>",
        "loans cowfaults=<cowfaults:dec> cow=<cow:dec> wired_before=<wired_before:dec> "
        "wired_after=<wired_after:dec> vmwait=<vmwait:dec>"]

# Zero-copy send's vm_page_cowfault (kernel/tests/ktest_send.c).
COWFAULT_MAPS = [
    "maps first=<first:word> second=<second:word> copies=<copies:dec> data=<data:yesno>",
    "loan old_object=<old_object:yesno> old_wired=<old_wired:dec> old_cow=<old_cow:dec> "
    "copy_wired=<copy_wired:dec>"]
COWFAULT_SLEEP = [
    "sleep case=<case:word> slept=<slept:yesno> rv=<rv:dec> at=<at:word> old_object=<old_object:word> "
    "old_wired=<old_wired:dec> old_cow=<old_cow:dec> copies=<copies:dec> data=<data:yesno>"]

# The page daemon (kernel/tests/ktest_pageout.c).
PAGEOUT_PRESSURE = [
    "params pages <pages:dec> steps <steps:dec> free <free:dec>",
    "reads <chunk:dec> <hash:hex>",
    "daemon passes <passes:dec> wakeups <wakeups:dec> cached <cached:dec> laundered "
    "<laundered:dec> done <done:dec> errors <errors:dec> reactivated <reactivated:dec> "
    "pageins <pageins:dec>",
    "pager puts <puts:dec> pages <pages:dec> gets <gets:dec> bad <bad:dec> sync <sync:dec>",
    PDCPU, OBJECT_CHECK,
]
PAGEOUT_NOPAGER = [
    "params pages <pages:dec> free <free:dec>",
    "full <pindex:dec> resident <resident:dec>",
    "daemon oom <oom:dec> nopager <nopager:dec> laundered <laundered:dec>",
    OBJECT_CHECK,
]

GRAMMARS: dict[str, Grammar] = {name: Grammar.of(t) for name, t in {
    "strtoull": LAB00_STRTOULL, "kenv": LAB00_KENV, "cmdline": LAB00_CMDLINE,
    "page_array": LAB01, "phys_probe": LAB01, "dump_poison": LAB01, "dump_bitmap": LAB01,
    "guard": LAB01, "drain": LAB01, "startup_time": LAB01,
    "buddy_workload": LAB02, "buddy_contig": LAB02, "buddy_noobj": LAB02,
    "buddy_double_free": LAB02, "buddy_steal": LAB02, "buddy_script": LAB02_SCRIPT,
    "meminfo": MEMINFO, "pae_high": PAE_HIGH, "contigmalloc": CONTIGMALLOC,
    "disk_rw": DISK_RW, "disk_bounds": DISK_BOUNDS, "disk_bench": DISK_BENCH, "disk_async": DISK_ASYNC,
    "file_ops": FILE_OPS, "file_pressure": FILE_PRESSURE, "file_badimage": FILE_BADIMAGE,
    "file_reread": FILE_REREAD,
    "threads_interleave": THREADS_INTERLEAVE, "sleep_wakeup": SLEEP_WAKEUP,
    "msleep_timeout": MSLEEP_TIMEOUT, "wakeup_one": WAKEUP_ONE, "switch_bench": SWITCH_BENCH,
    "object_pages": OBJECT_PAGES, "object_states": OBJECT_STATES, "object_cache": OBJECT_CACHE,
    "pageout_pressure": PAGEOUT_PRESSURE, "pageout_nopager": PAGEOUT_NOPAGER,
    "swap_pressure": PAGEOUT_PRESSURE, "map_swap": PAGEOUT_PRESSURE,
    "kmem_swap": PAGEOUT_PRESSURE + ["kfaults <kfaults:dec>"],
    "cache_reread": CACHE_REREAD, "cache_reclaim": CACHE_RECLAIM, "cache_truncate": CACHE_TRUNCATE,
    "cache_transfer": CACHE_TRANSFER, "cache_contig": CACHE_CONTIG, "cache_mixed": CACHE_MIXED,
    "map_find": MAP_FIND, "map_fork": MAP_FORK, "map_protect": MAP_PROTECT,
    "dump_pattern": DUMP_PATTERN, "dump_panic": DUMP_PATTERN,
    "user": USER,
    "cowfault_maps": COWFAULT_MAPS,
    "cowfault_sleep": COWFAULT_SLEEP,
}.items()}


def grammar(test: str) -> Grammar:
    try:
        return GRAMMARS[test]
    except KeyError:
        raise KdataError("test %s: no KDATA grammar is declared for it (grader/vmkit/kdata.py)"
                         % test) from None


def parse(test: str, lines: Iterable[str]) -> list[Line]:
    """Every KDATA line of `test`, typed; KdataError at the first that does not parse."""
    g = grammar(test)
    return [g.parse_line(test, n, text) for n, text in enumerate(lines, 1)]
