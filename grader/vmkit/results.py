"""Scoring: per-test pytest outcomes (the plugin's --vmkit-report JSON) plus lab
manifests -> Gradescope results.json and a printed table.

A test's points are split evenly over its configs; a test that did not run
(collection error, missing function, crash) scores 0 with the reason.
"""
import json
import os


def _key(lab, test, config):
    return (lab, test, config)


def score(labs, report, hidden=False, configs=None, elapsed=0.0):
    """Gradescope dict for `labs` (a list of manifest.Lab) from a raw report."""
    by = {}
    for rec in report.get("tests", []):
        by[_key(rec.get("lab"), rec.get("test"), rec.get("config"))] = rec
    collect = "\n".join(e["message"] for e in report.get("collect_errors", []))
    tests, total, maxtotal = [], 0.0, 0.0
    for lab in labs:
        for lt in lab.selected(hidden):
            for cfg in lt.configs:
                if configs and cfg not in configs:
                    continue
                mx = round(lt.max_score(cfg), 4)
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
                total += sc
                maxtotal += mx
                tests.append({"name": "Lab %s: %s [%s]" % (lab.id, lt.name, cfg),
                              "score": sc, "max_score": mx, "status": status,
                              "output": out,
                              "visibility": lt.visibility if lt.hidden else "visible",
                              "extra_data": {"lab": lab.id, "test": lt.name, "config": cfg}})
    seed = report.get("seed")
    return {"score": round(total, 4), "max_score": round(maxtotal, 4),
            "execution_time": round(elapsed, 2),
            "output": "vmkit grader, seed %s (replay: make grade SEED=%s)" % (seed, seed),
            "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def zero(labs, reason, hidden=False, configs=None):
    """A results dict giving 0 to every test, with one reason (malformed submission)."""
    r = score(labs, {"tests": []}, hidden, configs)
    for t in r["tests"]:
        t["output"] = reason
    r["output"] = reason
    return r


def write(results, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f, indent=1)
    os.replace(tmp, path)


def _num(x):
    return ("%g" % x)


def table(results):
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


def all_passed(results):
    return bool(results["tests"]) and all(t["status"] == "passed" for t in results["tests"])
