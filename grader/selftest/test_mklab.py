"""Self-tests: tools/mklab.py on fixture reference trees built in a tmpdir."""
import os
import sys
import textwrap

import pytest

import mklab

LAB = """id = "{id}"
title = "Lab {id}"
handout = "handouts/{id}-{name}.md"
markers = {markers}
configs = ["i386"]
public_tests = ["grader/tests/test_{name}.py"]
hidden_tests = ["grader/hidden/test_{name}_hidden.py"]
[[test]]
name = "t{id}"
points = 4
covers = true
"""

SRC = """\
#include "x.h"

int
f(int a)
{
	/* BEGIN LAB 00 m0
	 * Explain the exercise here.
	 * stub:
	 * (void)a;
	 * return (-1);
	 */
	return (a + 1);
	/* END LAB 00 m0 */
}

int
g(int b)
{
	/* BEGIN LAB 01 m1
	 * stub:
	 * panic("lab 01: g");
	 */
	if (b > 0) {
		b *= 2;
		b += 1;
	}
	return (b);
	/* END LAB 01 m1 */
}
"""

# The same two functions as holes that are not whole function bodies.
PARTIAL = SRC.replace("""	/* BEGIN LAB 01 m1
	 * stub:
	 * panic("lab 01: g");
	 */
	if (b > 0) {
		b *= 2;
		b += 1;
	}
	return (b);
	/* END LAB 01 m1 */
""", """	if (b > 0) {
		/* BEGIN LAB 01 m1
		 * stub:
		 * panic("lab 01: g");
		 */
		b *= 2;
		b += 1;
		/* END LAB 01 m1 */
	}
	return (b);
""")
COLUMN0 = SRC.replace("\t/* BEGIN LAB 00 m0\n\t * Explain the exercise here.\n\t * stub:\n\t * (void)a;\n"
                      "\t * return (-1);\n\t */\n", "/* BEGIN LAB 00 m0\n * stub:\n *\t(void)a;\n"
                      " *\treturn (-1);\n */\n").replace("\t/* END LAB 00 m0 */", "/* END LAB 00 m0 */")
TWO_FUNCTIONS = SRC.replace("\treturn (a + 1);\n\t/* END LAB 00 m0 */\n}\n",
                            "\treturn (a + 1);\n}\n\nint\nf2(void)\n{\n\treturn (0);\n\t/* END LAB 00 m0 */\n}\n")

MAKEFILE = """\
all:
# BEGIN LAB 01 m1
# stub:
#	@echo stub
	@echo solution
# END LAB 01 m1
"""


def write(root, rel, text):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)


@pytest.fixture
def ref(tmp_path):
    root = str(tmp_path / "ref")
    for lid, name, markers in (("00", "a", '["m0"]'), ("01", "b", '["m1"]')):
        write(root, "labs/%s-%s/lab.toml" % (lid, name), LAB.format(id=lid, name=name, markers=markers))
        write(root, "handouts/%s-%s.md" % (lid, name), "# handout %s\n" % lid)
        write(root, "grader/tests/test_%s.py" % name, "def test_t%s(): pass\n" % lid)
        write(root, "grader/hidden/test_%s_hidden.py" % name, "")
    write(root, "kernel/kern/x.c", SRC)
    write(root, "kernel/include/x.h", "int f(int);\n")
    write(root, "Makefile", MAKEFILE)
    for rel in ("grader/selftest/test_mklab.py", ".ci/run", "tools/grade.py", "README.md",
                "grader/vmkit/runner.py", "labs/README.md", "build/junk.o", "grader/__pycache__/x.pyc"):
        write(root, rel, "x\n")
    return root


def gen(root, lab, dest):
    return mklab.generate(root, lab, str(dest))


def test_good_tree_for_lab01(ref, tmp_path):
    dest = tmp_path / "out"
    assert gen(ref, "01", dest) == []
    x = (dest / "kernel/kern/x.c").read_text()
    assert "\treturn (a + 1);\n}" in x                       # lab 00 code kept
    assert "{\n\tpanic(\"lab 01: g\");\n}" in x              # stub at body indentation
    assert "b *= 2" not in x and "Explain" not in x and "stub:" not in x
    assert "\t@echo stub\n" in (dest / "Makefile").read_text()
    assert "solution" not in (dest / "Makefile").read_text()
    files = {os.path.relpath(os.path.join(d, f), dest) for d, _, fs in os.walk(dest) for f in fs}
    assert files == {"kernel/kern/x.c", "kernel/include/x.h", "Makefile", "README.md",
                     "tools/grade.py", "grader/vmkit/runner.py", "labs/01-b/lab.toml",
                     "handouts/01-b.md", "grader/tests/test_b.py"}
    assert mklab.verify(str(dest)) == []


def test_good_tree_for_lab00_has_no_residue(ref, tmp_path):
    dest = tmp_path / "out"
    assert gen(ref, "00-a", dest) == []
    x = (dest / "kernel/kern/x.c").read_text()
    assert "{\n\t(void)a;\n\treturn (-1);\n}" in x
    assert "{\n\tpanic(\"lab 01: g\");\n}" in x              # a later lab is a stub too
    assert "b *= 2" not in x and "solution" not in (dest / "Makefile").read_text()
    for d, _, fs in os.walk(dest):
        for f in fs:
            text = open(os.path.join(d, f)).read()
            assert "LAB" not in text and "#ifdef SOL" not in text, f


def test_refuses_nonempty_dest(ref, tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "keep").write_text("x")
    errs = gen(ref, "00", dest)
    assert errs and "not empty" in errs[0]


def test_unknown_lab_lists_labs(ref, tmp_path):
    errs = gen(ref, "bogus", tmp_path / "out")
    assert "unknown lab 'bogus'" in errs[0] and "00-a" in errs[0] and "01-b" in errs[0]


WHOLE = "a C region in a .c file must be a whole function body"
BAD = [
    ("end without begin", SRC.replace("\t/* BEGIN LAB 00 m0\n\t * Explain the exercise here.\n"
                                      "\t * stub:\n\t * (void)a;\n\t * return (-1);\n\t */\n", ""),
     "x.c:7: END LAB 00 m0 without a BEGIN"),
    ("begin without end", SRC.replace("\t/* END LAB 01 m1 */\n", ""),
     "x.c:19: BEGIN LAB 01 m1 has no END"),
    ("begin without end, then begin", SRC.replace("\t/* END LAB 00 m0 */\n", ""),
     "x.c:18: BEGIN LAB 01 m1 is nested inside BEGIN LAB 00 m0 (line 6)"),
    ("nested", SRC.replace("\treturn (a + 1);\n", "\t/* BEGIN LAB 01 m1\n\t * stub:\n\t * x;\n\t */\n"
                           "\treturn (a + 1);\n\t/* END LAB 01 m1 */\n"),
     "x.c:12: BEGIN LAB 01 m1 is nested inside BEGIN LAB 00 m0"),
    ("mismatched id", SRC.replace("/* END LAB 00 m0 */", "/* END LAB 00 m9 */"),
     "x.c:13: END LAB 00 m9 does not match BEGIN LAB 00 m0 at line 6"),
    ("mismatched lab", SRC.replace("/* END LAB 00 m0 */", "/* END LAB 01 m0 */"),
     "x.c:13: END LAB 01 m0 does not match BEGIN LAB 00 m0 at line 6"),
    ("no lab dir", SRC.replace("LAB 00 m0", "LAB 07 m0"),
     "x.c:6: lab 07 has no labs/07-* directory"),
    ("marker not in manifest", SRC.replace("LAB 00 m0", "LAB 00 other"),
     "x.c:6: marker 'other' is not listed in `markers`"),
    ("manifest marker not in source", SRC.replace("LAB 00 m0", "LAB 01 m1"),
     "lab.toml: marker 'm0' is listed in `markers` but no BEGIN LAB 00 m0"),
    ("missing stub", SRC.replace("\t * stub:\n\t * (void)a;\n\t * return (-1);\n", ""),
     "x.c:6: BEGIN LAB 00 m0: missing stub"),
    ("empty stub", SRC.replace("\t * (void)a;\n\t * return (-1);\n", "\t *\n"),
     "x.c:6: BEGIN LAB 00 m0: empty stub"),
    ("one-line begin", SRC.replace("/* BEGIN LAB 00 m0\n", "/* BEGIN LAB 00 m0 */\n"),
     "x.c:6: BEGIN LAB 00 m0: missing stub"),
    ("malformed marker", SRC.replace("/* END LAB 00 m0 */", "/* END LAB 00 m0"),
     "x.c:13: malformed lab marker"),
    ("one-digit lab", SRC.replace("LAB 00 m0", "LAB 0 m0"),
     "x.c:6: lab number '0' must have two digits"),
    # Holes are whole function bodies (labs/README.md, "Markers").
    ("part of a body", PARTIAL,
     "x.c:20: %s: the line before BEGIN LAB 01 m1 must be the function's opening `{`" % WHOLE),
    ("part of a body, its end", PARTIAL,
     "x.c:20: %s: the line after END LAB 01 m1 (line 26) must be the function's closing `}`" % WHOLE),
    ("markers at column 0", COLUMN0,
     "x.c:6: %s: BEGIN and END LAB 00 m0 must sit at body indentation" % WHOLE),
    ("stub indented twice", COLUMN0,
     "x.c:6: %s: the stub of LAB 00 m0 must start at body indentation" % WHOLE),
    ("two functions in one region", TWO_FUNCTIONS,
     "x.c:13: %s: LAB 00 m0 spans a function boundary here" % WHOLE),
    ("unbalanced stub", SRC.replace("\t * return (-1);\n", "\t * if (a) {\n\t * return (-1);\n"),
     "x.c:6: %s: the stub of LAB 00 m0 does not balance its braces" % WHOLE),
]


@pytest.mark.parametrize("case,src,expect", BAD, ids=[b[0] for b in BAD])
def test_rejects_malformed_markers(ref, tmp_path, case, src, expect):
    write(ref, "kernel/kern/x.c", src)
    dest = tmp_path / "out"
    errs = gen(ref, "01", dest)
    assert any(expect in e for e in errs), "\n".join(errs)
    assert not dest.exists()
    assert mklab.main(["--root", ref, "--check"]) == 1


def test_check_passes_on_good_tree(ref, capsys):
    assert mklab.main(["--root", ref, "--check"]) == 0
    assert "OK" in capsys.readouterr().out


def test_whole_function_rule_spares_headers_and_makefiles(ref, capsys):
    """Regions in headers (a struct's fields) and Makefiles need not be function bodies."""
    write(ref, "kernel/include/x.h", "struct s {\n\tint a;\n\t/* BEGIN LAB 01 m1\n\t * stub:\n"
          "\t * int b;\n\t */\n\tint c;\n\t/* END LAB 01 m1 */\n};\n")
    assert mklab.main(["--root", ref, "--check"]) == 0, capsys.readouterr().err


def test_reference_tree_markers_parse():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    files = mklab.list_files(root)
    for rel in files:
        if mklab.is_scanned(rel) and not rel.startswith("grader/"):
            with open(os.path.join(root, rel), errors="replace") as f:
                _, errs = mklab.parse_markers(rel, f.read())
            assert errs == [], textwrap.indent("\n".join(errs), "  ")


def test_only_selected_markers_are_stubbed():
    regions, errs = mklab.parse_markers("kernel/kern/x.c", SRC)
    assert errs == [] and len(regions) == 2
    assert [e for r in regions for e in mklab.check_whole_function(r, SRC.split("\n"))] == []
    none = mklab.render(SRC, regions, "00", only=set())
    assert "return (a + 1);" in none and "LAB" not in none
    only = mklab.render(SRC, regions, "00", only={"m0"})
    assert "return (-1);" in only
    assert "b *= 2;" not in none + only                      # later labs stay stubs


def test_later_lab_answers_never_ship(ref, tmp_path, monkeypatch):
    """A generator that kept a later lab's code would be caught by the leak check."""
    real = mklab.render

    def keeps_later_labs(text, regions, lab, only=None):     # the generator before this rule
        with monkeypatch.context() as m:
            m.setattr(mklab, "stubbed", lambda r, lab_, only_=None: r.lab == lab_)
            return real(text, regions, lab, only)
    monkeypatch.setattr(mklab, "render", keeps_later_labs)
    errs = gen(ref, "00", tmp_path / "out")
    assert any("reference line of LAB 01 m1 is in lab 00's tree: b *= 2;" in e for e in errs), errs


def test_leak_check_allows_lines_found_outside_regions(ref, tmp_path):
    write(ref, "kernel/kern/x.c", SRC + "\nint\nh(int b)\n{\n\tb *= 2;\n\treturn (b);\n}\n")
    assert gen(ref, "00", tmp_path / "out") == []


def test_student_readme_drops_the_instructors_section():
    text = ("# kit\n\n## For students\nrun it\n\n<!-- instructors-only -->\n## For instructors\n"
            "secret: tools/mklab.py\n<!-- /instructors-only -->\n## Layout\n")
    out = mklab.student_readme(text)
    assert "secret" not in out and "For instructors" not in out
    assert "## For students\nrun it" in out and out.endswith("## Layout\n")
    assert mklab.student_readme("no section\n") == "no section\n"
