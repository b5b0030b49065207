"""Scoring: per-test pytest outcomes (the plugin's --vmkit-report JSON) plus lab
manifests -> Gradescope results.json and a printed table.

A test's points are split evenly over its configs; a test that did not run
(collection error, missing function, crash) scores 0 with the reason.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .manifest import Lab

Results = dict[str, Any]         # a Gradescope results.json


def _key(lab: str | None, test: str | None, config: str | None) -> tuple[str | None, str | None, str | None]:
    return (lab, test, config)


GRADER_ERROR = "GRADER ERROR"


def score(labs: Sequence[Lab], report: Mapping[str, Any], hidden: bool = False,
          configs: Sequence[str] | None = None, elapsed: float = 0.0,
          tests: Iterable[str] | None = None) -> Results:
    """Gradescope dict for `labs` (a list of manifest.Lab) from a raw report;
    `tests`: only these test names. A report with "grader_error" (pytest did
    not end normally, see driver.run_pytest) gives grader_error_results()."""
    only = set(tests) if tests else None
    if report.get("grader_error"):
        r = grader_error_results(labs, report["grader_error"], hidden, configs, only)
        r["execution_time"] = round(elapsed, 2)
        return r
    by: dict[tuple[str | None, str | None, str | None], dict[str, Any]] = {}
    for rec in report.get("tests", []):
        by[_key(rec.get("lab"), rec.get("test"), rec.get("config"))] = rec
    collect = "\n".join(e["message"] for e in report.get("collect_errors", []))
    rows: list[dict[str, Any]] = []
    total, maxtotal = 0.0, 0.0
    for lab in labs:
        for lt in lab.selected(hidden):
            if only and lt.name not in only:
                continue
            for cfg in lt.configs:
                if configs and cfg not in configs:
                    continue
                exact = lt.max_score(cfg)      # totals add these, not the rounded ones:
                mx = round(exact, 4)           # 10 points over 3 configs is 10, not 9.9999
                rec = by.get(_key(lab.id, lt.name, cfg))
                if rec is None:
                    status, out = "failed", "NOT RUN: no outcome for test_%s[%s]" % (lt.name, cfg)
                    if collect:
                        out += "\n" + collect[-3000:]
                elif rec["outcome"] == "passed":
                    status, out = "passed", ""
                else:
                    status, out = "failed", rec["message"] or rec["outcome"]
                sc = mx if status == "passed" else 0.0
                total += exact if status == "passed" else 0.0
                maxtotal += exact
                rows.append({"name": "Lab %s: %s [%s]" % (lab.id, lt.name, cfg),
                              "score": sc, "max_score": mx, "status": status,
                              "output": out,
                              "visibility": lt.visibility if lt.hidden else "visible",
                              "extra_data": {"lab": lab.id, "test": lt.name, "config": cfg}})
    seed = report.get("seed")
    return {"score": round(total, 4), "max_score": round(maxtotal, 4),
            "execution_time": round(elapsed, 2),
            "output": "vmkit grader, seed %s (replay: make grade SEED=%s)" % (seed, seed),
            "visibility": "visible", "stdout_visibility": "hidden",
            "tests": rows}


def zero(labs: Sequence[Lab], reason: str, hidden: bool = False,
         configs: Sequence[str] | None = None, tests: Iterable[str] | None = None) -> Results:
    """A results dict giving 0 to every test, with one reason (malformed submission)."""
    r = score(labs, {"tests": []}, hidden, configs, tests=tests)
    for t in r["tests"]:
        t["output"] = reason
    r["output"] = reason
    return r


def grader_error_results(labs: Sequence[Lab], reason: str, hidden: bool = False,
                         configs: Sequence[str] | None = None,
                         tests: Iterable[str] | None = None) -> Results:
    """The grader failed, not the student: every test 0 and marked so, and
    extra_data.grader_error set (instructors regrade; grade.py exits 3)."""
    text = "%s (not a judgement of your work; your instructor will regrade): %s" % (
        GRADER_ERROR, reason)
    r = zero(labs, text, hidden, configs, tests)
    r["extra_data"] = {"grader_error": reason}
    return r


def is_grader_error(results: Results) -> bool:
    return bool(results.get("extra_data", {}).get("grader_error"))


def scrub(obj: Any, paths: Mapping[str, str]) -> Any:
    """Replace each absolute path of `paths` ({path: replacement}, longest
    first) in every string of obj (results.json): students never see where the
    grader or its work directories live."""
    items = sorted(((os.path.abspath(k), v) for k, v in paths.items() if k), key=lambda kv: -len(kv[0]))
    real = [(os.path.realpath(k), v) for k, v in items]

    def fix(x: Any) -> Any:
        if isinstance(x, str):
            for k, v in items + real:
                x = x.replace(k + os.sep, v + "/" if v else "").replace(k, v or ".")
            return x
        if isinstance(x, list):
            return [fix(y) for y in x]
        if isinstance(x, dict):
            return {k: fix(v) for k, v in x.items()}
        return x
    return fix(obj)


def write(results: Results, path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f, indent=1)
    os.replace(tmp, path)


def _num(x: float) -> str:
    return ("%g" % x)


def table(results: Results) -> str:
    rows = [("test", "config", "points", "status")]
    for t in results["tests"]:
        ed = t.get("extra_data", {})
        rows.append(("%s %s" % (ed.get("lab", ""), ed.get("test", t["name"])), ed.get("config", ""),
                     "%s/%s" % (_num(t["score"]), _num(t["max_score"])),
                     "PASS" if t["status"] == "passed" else "FAIL"))
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * x for x in w))
    npass = sum(t["status"] == "passed" for t in results["tests"])
    lines.append("total: %s/%s points, %d of %d passed"
                 % (_num(results["score"]), _num(results["max_score"]), npass, len(results["tests"])))
    return "\n".join(lines)


def all_passed(results: Results) -> bool:
    return bool(results["tests"]) and all(t["status"] == "passed" for t in results["tests"])


# ---------------------------------------------------------------- Gradescope
# The fields Gradescope documents for results.json (its "Autograder
# Specifications"); gradescope() keeps these and no others.
GS_TOP = ("score", "execution_time", "output", "visibility", "stdout_visibility", "tests")
GS_TEST = ("name", "score", "max_score", "status", "output", "visibility")
GS_VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")
GS_OUTPUT_MAX = 6000          # characters of one test's output students see

WITHHELD = ("This hidden test failed. Its inputs and log are not shown; "
            "your instructor can replay it with the run's seed.")


def _student_output(text: str, limit: int = GS_OUTPUT_MAX) -> str:
    """A failure message for a student who cannot open the grader's files:
    the headline and the serial log's tail, without the path of the saved
    log; cut in the middle if long (the headline and the tail matter)."""
    text = "\n".join(ln for ln in text.splitlines() if "full serial log:" not in ln)
    if len(text) > limit:
        half = limit // 2
        text = text[:half] + "\n  [... %d characters cut ...]\n" % (len(text) - 2 * half) + text[-half:]
    return text


def gradescope(res: Results, note: str = "") -> Results:
    """Gradescope's results.json from a vmkit one: the documented fields
    only, every test's output readable by a student (a hidden test's
    failure says only that it failed), grader stdout hidden, `note` (what
    was taken from the submission) first in the top-level output."""
    tests = []
    for t in res["tests"]:
        hidden = t.get("visibility", "visible") != "visible"
        out = t.get("output", "")
        if t["status"] != "passed" and hidden and not out.startswith(
                ("SUBMISSION NOT GRADED", "BUILD FAILED", GRADER_ERROR)):
            out = WITHHELD
        tests.append({"name": t["name"], "score": t["score"], "max_score": t["max_score"],
                      "status": t["status"], "output": _student_output(out),
                      "visibility": t.get("visibility", "visible")})
    head = [note.strip()] if note.strip() else []
    return {"score": res["score"], "execution_time": res.get("execution_time", 0.0),
            "output": "\n\n".join(head + [res.get("output", "")]).strip(),
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def gradescope_problems(res: Any) -> list[str]:
    """Why `res` is not a results.json Gradescope documents (empty if it is)."""
    errs: list[str] = []
    if not isinstance(res, dict):
        return ["not a JSON object"]
    for k in res:
        if k not in GS_TOP and k not in ("extra_data", "leaderboard", "max_score"):
            errs.append("unknown top-level field %r" % k)
    if not isinstance(res.get("score"), (int, float)):
        errs.append("score is not a number")
    if not isinstance(res.get("execution_time"), (int, float)):
        errs.append("execution_time is not a number")
    if res.get("stdout_visibility") not in GS_VISIBILITY:
        errs.append("stdout_visibility %r" % res.get("stdout_visibility"))
    tests = res.get("tests")
    if not isinstance(tests, list) or not tests:
        return errs + ["tests is not a non-empty list"]
    for i, t in enumerate(tests):
        if not isinstance(t, dict):
            errs.append("tests[%d] is not an object" % i)
            continue
        if not isinstance(t.get("name"), str) or not t["name"]:
            errs.append("tests[%d].name" % i)
        for k in ("score", "max_score"):
            if not isinstance(t.get(k), (int, float)):
                errs.append("tests[%d].%s is not a number" % (i, k))
        if t.get("status") not in ("passed", "failed"):
            errs.append("tests[%d].status %r" % (i, t.get("status")))
        if not isinstance(t.get("output"), str):
            errs.append("tests[%d].output is not a string" % i)
        if t.get("visibility") not in GS_VISIBILITY:
            errs.append("tests[%d].visibility %r" % (i, t.get("visibility")))
        if isinstance(t.get("score"), (int, float)) and isinstance(t.get("max_score"), (int, float)) \
                and not 0 <= t["score"] <= t["max_score"]:
            errs.append("tests[%d].score outside 0..max_score" % i)
    if isinstance(res.get("score"), (int, float)) and all(isinstance(t, dict) for t in tests):
        total = sum(t.get("score", 0) for t in tests if isinstance(t.get("score"), (int, float)))
        if abs(total - res["score"]) > 1e-6:
            errs.append("score %s is not the sum of the tests' %s" % (res["score"], total))
    return errs
