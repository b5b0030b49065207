"""Self-tests: lab manifests (labs/NN-name/lab.toml) load, validate and resolve."""
import os

import pytest

from vmkit import ROOT, manifest

GOOD = """id = "03"
title = "Lab 03"
configs = ["i386", "i386-pae"]
public_tests = ["grader/tests/test_lab03.py"]
hidden_tests = ["grader/hidden/test_lab03_hidden.py"]
[[test]]
name = "alpha"
points = 10
covers = true
[[test]]
name = "beta"
points = 3
hidden = true
configs = ["i386-pae"]
"""


def lab(tmp_path, text, dirname="03-x"):
    d = tmp_path / "labs" / dirname
    d.mkdir(parents=True)
    (d / "lab.toml").write_text(text)
    return str(d / "lab.toml")


def test_good_manifest(tmp_path):
    lb = manifest.load_lab(lab(tmp_path, GOOD))
    assert lb.id == "03" and [t.name for t in lb.tests] == ["alpha", "beta"]
    a, b = lb.tests
    assert a.max_score("i386") == 5 and a.timeout == 10 and not a.hidden
    assert list(b.configs) == ["i386-pae"] and b.max_score("i386-pae") == 3
    assert b.visibility == "after_published"
    assert [t.name for t in lb.selected()] == ["alpha"]


@pytest.mark.parametrize("edit,msg", [
    (lambda s: s.replace('id = "03"', 'id = "3"'), "`id` must be two digits"),
    (lambda s: s.replace('title = "Lab 03"\n', ""), "missing required key `title`"),
    (lambda s: s.replace('"i386-pae"]\npublic', '"sparc"]\npublic'), "unknown config 'sparc'"),
    (lambda s: s.replace("points = 10", "points = \"ten\""), "`points` must be a integer or number"),
    (lambda s: s.replace("covers = true", "covers = 1"), "`covers` must be a boolean"),
    (lambda s: s + "colour = 1\n", "unknown key(s): colour"),
    (lambda s: s.replace('name = "beta"', 'name = "alpha"'), "test 'alpha' is listed twice"),
    (lambda s: s.replace("[[test]]", "[[tset]]"), "unknown key(s): tset"),
    (lambda s: s.replace('hidden_tests = ["grader/hidden/test_lab03_hidden.py"]\n', ""),
     "hidden = true but `hidden_tests` lists no file"),
    (lambda s: s.replace('title = "Lab 03"', 'title = "Lab 03'), "not valid TOML"),
])
def test_bad_manifests_have_clear_errors(tmp_path, edit, msg):
    with pytest.raises(manifest.ManifestError) as e:
        manifest.load_lab(lab(tmp_path, edit(GOOD)))
    assert msg in str(e.value) and "lab.toml" in str(e.value)


def test_dir_must_match_id(tmp_path):
    with pytest.raises(manifest.ManifestError, match="must be named 03-<name>"):
        manifest.load_lab(lab(tmp_path, GOOD, dirname="04-x"))


def test_find_lab_by_number_and_name():
    for spec in ("00", "0", "00-warmup", "warmup"):
        assert manifest.find_lab(ROOT, spec).id == "00"


def test_unknown_lab_lists_the_labs():
    with pytest.raises(manifest.ManifestError) as e:
        manifest.find_lab(ROOT, "bogus")
    assert "unknown lab 'bogus'" in str(e.value) and "00-warmup" in str(e.value)


def test_reference_manifests_load():
    labs = manifest.load_all(ROOT)
    assert "00" in labs
    for lb in labs.values():
        for f in lb.public_tests + lb.hidden_tests:
            assert os.path.isfile(os.path.join(ROOT, f)), f
