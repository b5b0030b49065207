"""Self-tests of tools/handouts.py's renderer (no browser, no kernel: fast).

The HTML pages must carry an anchor on every heading and a table of
contents, turn GitHub-style links between handouts into links between pages
and figure comments into pictures, and refuse to be written with a link to
a missing page or anchor, or a missing picture.  The browser half
(`make handouts-check`) proves its own failure modes on a page made with
one defect of each kind before it checks the real pages."""
import os

import pytest

pytest.importorskip("markdown", reason="python3-markdown: tools/deps --group handouts")
import handouts  # noqa: E402  (tools/handouts.py)

from vmkit import ROOT  # noqa: E402

DOC = """# Lab 09: a test

## Background

See [the contract](#the-contract-exactly) and [the other lab](10-other.md#its-part).

### The contract, exactly

```c
int x = 1;
```

<!-- figure: memmap-i386 | The memory map -->

| a | b |
| - | - |
| 1 | 2 |
"""
OTHER = "# Lab 10: other\n\n## Its part\n\ntext\n"


def write_tree(tmp_path, doc=DOC, figure=True):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "09-test.md").write_text(doc)
    (src / "10-other.md").write_text(OTHER)
    if figure:
        (out / "figures").mkdir(parents=True)
        (out / "figures" / "memmap-i386.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return str(src), str(out)


def test_anchors_toc_links_figures_tables_code(tmp_path):
    src, out = write_tree(tmp_path)
    pages = {p.name: p for p in handouts.build(src, out)}
    p = pages["09-test"]
    assert {"background", "the-contract-exactly"} <= p.ids
    assert '<nav class="contents">' in p.html and 'href="#the-contract-exactly"' in p.html
    assert "10-other.html#its-part" in p.links            # .md links became page links
    assert p.images == ["figures/memmap-i386.svg"] and "<figcaption>Figure 1. The memory map" in p.html
    assert "<table>" in p.html and 'class="codehilite"' in p.html
    assert '<span class="' in p.html                      # pygments coloured the C block
    assert os.path.isfile(os.path.join(out, "09-test.html"))
    css = open(os.path.join(out, handouts.CSS)).read()
    assert ".codehilite" in css and "figcaption" in css
    assert {"09-test", "10-other", "index"} == set(pages)


@pytest.mark.parametrize("bad,why", [
    ("[x](#no-such-anchor)", "09-test.html has no anchor #no-such-anchor"),
    ("[x](10-other.md#nowhere)", "10-other.html has no anchor #nowhere"),
    ("[x](11-missing.md)", "no such page or file 11-missing.html"),
])
def test_broken_link_is_refused(tmp_path, bad, why):
    src, out = write_tree(tmp_path, DOC + "\n" + bad + "\n")
    with pytest.raises(handouts.HandoutError, match="broken links") as e:
        handouts.build(src, out)
    assert why in str(e.value)
    assert not os.path.exists(os.path.join(out, "09-test.html"))   # nothing written


def test_missing_figure_is_refused(tmp_path):
    src, out = write_tree(tmp_path, figure=False)
    with pytest.raises(handouts.HandoutError, match="picture 'figures/memmap-i386.svg' is missing"):
        handouts.build(src, out)


def test_external_links_are_not_checked(tmp_path):
    src, out = write_tree(tmp_path, DOC + "\n[FreeBSD](https://www.freebsd.org/#x)\n")
    handouts.build(src, out)


def test_the_real_handouts_render(tmp_path):
    """The repository's handouts, with placeholder figures: anchors and links resolve."""
    out = tmp_path / "out"
    figs = set()
    for f in os.listdir(os.path.join(ROOT, "handouts")):
        if f.endswith(".md"):
            figs |= {m.group(1) for m in handouts.FIGURE.finditer(
                open(os.path.join(ROOT, "handouts", f), encoding="utf-8").read())}
    assert {"memmap-i386", "memmap-i386-pae", "buddy-i386", "buddy-i386-pae"} <= figs
    (out / "figures").mkdir(parents=True)
    for name in figs:
        (out / "figures" / (name + ".svg")).write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    pages = handouts.build(os.path.join(ROOT, "handouts"), str(out))
    assert all(p.ids and "<nav class=\"contents\">" in p.html for p in pages if p.name != "index")


def test_list_under_a_line_of_text_is_a_list(tmp_path):
    """As on GitHub: a list or table right under a paragraph line, or a list
    right after a code fence, is not run into the paragraph."""
    doc = "# T\n\nIt does, in order:\n- one\n- two\n\nA table:\n| a | b |\n| - | - |\n| 1 | 2 |\n" \
          "```\n- in code\n```\n- after\n"
    p = handouts.render("t", doc)
    assert "<li>one</li>" in p.html and "<li>after</li>" in p.html and "<table>" in p.html
    assert "- in code" in p.html
