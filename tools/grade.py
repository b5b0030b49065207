#!/usr/bin/python3
"""tools/grade.py: grade a vmkit lab (students: `make grade`; instructors too).

  tools/grade.py                       grade this tree's lab (the only one in labs/)
  tools/grade.py --lab 00 --seed 42    replay a run with its seed
  tools/grade.py --all --hidden        every lab, hidden tests included
  tools/grade.py --lab 00 --tree DIR   grade the kernel of another tree
  tools/grade.py --lab 00 --submissions SUB... [--csv scores.csv]
                                       grade submissions (dirs or archives, or one
                                       directory holding them); one results.json each

Prints a table and writes Gradescope results.json (default build/grade/results.json).
Exit status 0 only if every graded test passed. Run with /usr/bin/python3
(Debian's python3-pytest; python3-pytest-xdist for -j).
"""
import argparse
import csv
import os
import re
import secrets
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "grader"))
from vmkit import ROOT, driver, manifest, results, runner  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(prog="grade.py", description="Grade vmkit labs.")
    p.add_argument("--lab", help="lab id (00 or 00-warmup); default: the tree's only lab")
    p.add_argument("--all", action="store_true", help="grade every lab")
    p.add_argument("--seed", type=int, default=None, help="session seed (default $VMKIT_SEED or random)")
    p.add_argument("--config", action="append", default=[],
                   help="only these configs (repeatable or comma-separated)")
    p.add_argument("--json", default=None, help="results.json path (default build/grade/results.json)")
    p.add_argument("--hidden", action="store_true", help="include hidden tests (instructors)")
    p.add_argument("-j", "--jobs", type=int, default=2, help="parallel QEMU boots (default 2)")
    p.add_argument("--tree", default=None, help="grade the kernel of this tree (default: this one)")
    p.add_argument("--submissions", nargs="+", default=None, metavar="SUB",
                   help="grade these submissions (trees, archives, or one directory of them)")
    p.add_argument("--csv", default=None, help="with --submissions: write scores here")
    p.add_argument("--out", default=None,
                   help="with --submissions: output directory (default build/grade/submissions)")
    a = p.parse_args(argv)
    a.configs = [c for x in a.config for c in x.split(",") if c]
    for c in a.configs:
        if c not in manifest.KNOWN_CONFIGS:
            p.error("unknown config %r (known: %s)" % (c, ", ".join(manifest.KNOWN_CONFIGS)))
    if a.seed is None:
        env = os.environ.get("VMKIT_SEED", "")
        a.seed = int(env) if env.isdigit() else secrets.randbelow(2 ** 32)
    return p, a


def pick_labs(p, a):
    try:
        labs = manifest.load_all(ROOT)
        if a.all:
            if not labs:
                p.error("no labs in %s" % os.path.join(ROOT, "labs"))
            return list(labs.values())
        if a.lab:
            return [manifest.find_lab(ROOT, a.lab)]
        if len(labs) == 1:
            return list(labs.values())
        listing = "\n".join("  %s  %s" % (l.dirname, l.title) for l in labs.values()) or "  (none)"
        p.error("this tree has %d labs; choose one with --lab NN (or --all):\n%s" % (len(labs), listing))
    except manifest.ManifestError as e:
        p.error(str(e))


def grade_tree(labs, a, tree=None, quiet=False, log_path=None):
    files = []
    for lab in labs:
        for f in lab.test_files(a.hidden):
            if os.path.isfile(os.path.join(ROOT, f)):
                files.append(f)
            else:      # e.g. --hidden in a student tree: those tests score 0 as NOT RUN
                print("grade: warning: %s is not in this tree; its tests are not run" % f,
                      file=sys.stderr)
    lab_arg = labs[0].id if len(labs) == 1 else None
    report, rc, elapsed = driver.run_pytest(
        files, tree=tree, lab=lab_arg, hidden=a.hidden, seed=a.seed, configs=a.configs,
        jobs=a.jobs, quiet=quiet, log_path=log_path)
    return results.score(labs, report, a.hidden, a.configs, elapsed)


def check_submission(path):
    """Reason a submission cannot be graded, or None."""
    if not os.path.isdir(path):
        return "not a directory or archive: %s" % path
    if not any(os.path.isfile(os.path.join(path, m)) for m in ("Makefile", "GNUmakefile", "makefile")):
        return "not a vmkit tree: no Makefile at the top of the submission"
    if not os.path.isdir(os.path.join(path, "kernel")):
        return "not a vmkit tree: no kernel/ directory"
    return None


def looks_like_tree(path):
    return os.path.isfile(os.path.join(path, "Makefile")) or os.path.isdir(os.path.join(path, "kernel"))


ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


def expand_submissions(paths):
    if len(paths) == 1 and os.path.isdir(paths[0]) and not looks_like_tree(paths[0]):
        kids = sorted(os.path.join(paths[0], n) for n in os.listdir(paths[0]) if not n.startswith("."))
        if kids and any(os.path.isdir(k) or k.endswith(ARCHIVES) for k in kids):
            return kids
    return paths


def unpack(path, dest):
    """Unpack an archive submission; a single top directory is descended into."""
    shutil.unpack_archive(path, dest)
    entries = [e for e in os.listdir(dest) if not e.startswith(".") and e != "__MACOSX"]
    if len(entries) == 1 and os.path.isdir(os.path.join(dest, entries[0])):
        return os.path.join(dest, entries[0])
    return dest


def grade_submissions(labs, a):
    outdir = os.path.abspath(a.out or os.path.join(ROOT, "build", "grade", "submissions"))
    rows = []
    subs = expand_submissions(a.submissions)
    for sub in subs:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", os.path.basename(os.path.normpath(sub)))
        for ext in ARCHIVES:
            if name.endswith(ext):
                name = name[:-len(ext)]
        work = os.path.join(outdir, name)
        os.makedirs(work, exist_ok=True)
        reason, res = None, None
        src = sub
        try:
            if os.path.isfile(sub) and sub.endswith(ARCHIVES):
                shutil.rmtree(os.path.join(work, "unpacked"), ignore_errors=True)
                src = unpack(sub, os.path.join(work, "unpacked"))
            reason = check_submission(src)
            if reason is None:
                tree = driver.copy_tree(src, os.path.join(work, "tree"))
                for cfg in sorted({c for lab in labs for t in lab.selected(a.hidden) for c in t.configs
                                   if not a.configs or c in a.configs}):
                    b = runner.build_kernel(tree, cfg)
                    if not b.ok:
                        reason = b.failure_text()
                        break
        except (OSError, shutil.ReadError, ValueError) as e:
            reason = "cannot read submission: %s" % e
        if reason:
            res = results.zero(labs, "SUBMISSION NOT GRADED (0 points): " + reason, a.hidden, a.configs)
        else:
            res = grade_tree(labs, a, tree=tree, quiet=True, log_path=os.path.join(work, "pytest.log"))
        results.write(res, os.path.join(work, "results.json"))
        status = "graded" if not reason else reason.splitlines()[0][:200]
        rows.append((name, res["score"], res["max_score"], status))
        print("%-30s %6g / %-6g %s" % (name, res["score"], res["max_score"], status), flush=True)
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["submission", "score", "max_score", "status"])
            w.writerows(rows)
        print("scores: %s" % a.csv)
    print("results: %s/<submission>/results.json (seed %d)" % (outdir, a.seed))
    return 0


def main(argv=None):
    p, a = parse_args(argv)
    labs = pick_labs(p, a)
    if a.submissions:
        return grade_submissions(labs, a)
    tree = os.path.abspath(a.tree) if a.tree else None
    if tree:
        reason = check_submission(tree)
        if reason:
            p.error("--tree %s: %s" % (a.tree, reason))
    print("vmkit grade: %s, seed %d%s (replay: make grade SEED=%d)"
          % (", ".join(l.dirname for l in labs), a.seed,
             ", tree %s" % tree if tree else "", a.seed), flush=True)
    res = grade_tree(labs, a, tree=tree)
    path = a.json or os.path.join(tree or ROOT, "build", "grade", "results.json")
    results.write(res, path)
    print()
    print(results.table(res))
    print("results: %s" % os.path.relpath(path))
    return 0 if results.all_passed(res) else 1


if __name__ == "__main__":
    sys.exit(main())
