#!/usr/bin/python3
"""tools/handouts.py: render the handouts to HTML, and check them in a browser.

  tools/handouts.py                    handouts/*.md -> build/handouts/*.html (make handouts)
  tools/handouts.py --check            render each page in headless Chromium (make handouts-check)

Rendering uses python3-markdown (tables, fenced code, a table of contents,
an anchor on every heading) and python3-pygments for code blocks that name a
language; one CSS file, tools/handouts.css plus Pygments' colours, becomes
build/handouts/handout.css.  A handout places a generated picture with a
line of its own that GitHub shows as nothing (an HTML comment):

    <!-- figure: memmap-i386 | The physical memory map at boot, i386 -->

which becomes figures/memmap-i386.svg (tools/figures.py draws it from the
real kernel) with its caption.  Links between handouts are written as on
GitHub (`02-buddy.md#the-data-structures`) and become links between pages.

Rendering fails, naming the page and the link, on a link to a page or an
anchor that does not exist and on a picture that is not there.  --check then
opens every page in Chromium (Debian `chromium`) and fails on what only a
browser sees: an image that did not load, a link whose target the browser
cannot find, a code block wider than its box.  Before the real pages it
checks a page made with one defect of each kind and fails unless all three
are found, so a check that can no longer fail does not pass.  Screenshots
go to build/handouts/shots/NAME.png.
"""
from __future__ import annotations

import argparse
import dataclasses
import html
import html.parser
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Sequence
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CSS_SOURCE = os.path.join(HERE, "handouts.css")
CSS = "handout.css"
FIGURE = re.compile(r"^<!--\s*figure:\s*([A-Za-z0-9_.-]+)\s*\|\s*(.*?)\s*-->[ \t]*$", re.M)
MD_LINK = re.compile(r"^([A-Za-z0-9_.-]+)\.md(#.*)?$")
WINDOW_WIDTH = 1000           # px: the browser window the check and the screenshots use
MAX_SHOT_HEIGHT = 30000       # px: Chromium's screenshots get slow and huge beyond this


class HandoutError(Exception):
    """A page that cannot be rendered, or links or pictures that do not resolve."""


@dataclasses.dataclass
class Page:
    """One rendered handout, and what the link check needs from it."""
    name: str                     # file stem: 01-page-array
    title: str
    html: str
    ids: set[str]
    links: list[str]              # every href, as written in the page
    images: list[str]             # every img src


class _Scan(html.parser.HTMLParser):
    """The ids, hrefs and img srcs of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"] or "")
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"] or "")
        if tag == "img":
            self.images.append(a.get("src") or "")


def scan(text: str) -> _Scan:
    s = _Scan()
    s.feed(text)
    s.close()
    return s


def _markdown() -> Any:
    """A python3-markdown converter (untyped: Debian's 3.4 ships no hints)."""
    md = importlib.import_module("markdown")
    return md.Markdown(
        extensions=["toc", "tables", "fenced_code", "codehilite", "sane_lists"],
        extension_configs={
            "toc": {"permalink": "\u00b6", "toc_depth": "2-3"},
            "codehilite": {"guess_lang": False, "css_class": "codehilite"},
        })


def _figures(text: str, name: str) -> str:
    """Figure comments -> <figure> blocks, numbered in order."""
    n = 0

    def one(m: re.Match[str]) -> str:
        nonlocal n
        n += 1
        fig, caption = m.group(1), html.escape(m.group(2))
        return ('\n<figure id="figure-%s">\n<a href="figures/%s.svg"><img src="figures/%s.svg" '
                'alt="%s"></a>\n<figcaption>Figure %d. %s</figcaption>\n</figure>\n'
                % (fig, fig, fig, caption, n, caption))
    return FIGURE.sub(one, text)


LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)])\s")


def _gfm_blocks(text: str) -> str:
    """A blank line before a list or table that starts right under a line of
    text: GitHub starts one there, python-markdown would run it into the
    paragraph.  Code fences are left alone; so are indented (continuation) lines."""
    out: list[str] = []
    fence = False
    for line in text.split("\n"):
        if line.startswith(("```", "~~~")):
            if not fence and out and out[-1].strip():
                out.append("")
            fence = not fence
        elif not fence and out and out[-1].strip() and not out[-1].startswith((" ", "\t")):
            prev = out[-1]
            if (LIST_ITEM.match(line) and not line.startswith((" ", "\t"))
                    and not LIST_ITEM.match(prev)) or (line.startswith("|") and not prev.startswith("|")):
                out.append("")
        out.append(line)
    return "\n".join(out)


def _md_links(body: str) -> str:
    """href="02-buddy.md#x" -> href="02-buddy.html#x" (links as written for GitHub)."""
    def one(m: re.Match[str]) -> str:
        href = html.unescape(m.group(1))
        lm = MD_LINK.match(href)
        if lm:
            href = lm.group(1) + ".html" + (lm.group(2) or "")
        return 'href="%s"' % html.escape(href, quote=True)
    return re.sub(r'href="([^"]*)"', one, body)


def render(name: str, text: str, pages: Sequence[tuple[str, str]] = ()) -> Page:
    """One handout's Markdown -> a whole HTML page.  pages: (name, title) of
    every handout, for the navigation bar."""
    md = _markdown()
    body = _md_links(md.convert(_gfm_blocks(_figures(text, name))))
    m = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    title = re.sub(r"<[^>]+>", "", m.group(1)).replace("\u00b6", "").strip() if m else name
    nav = " · ".join('<a href="%s.html">%s</a>' % (n, html.escape(t.split(":")[0]))
                     for n, t in pages)
    toc = ('<nav class="contents"><h2>Contents</h2>\n%s</nav>\n' % md.toc) if md.toc_tokens else ""
    if m and toc:           # the contents go under the title, before the introduction
        body = body[:m.end()] + "\n" + toc + body[m.end():]
        toc = ""
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>%s</title>\n<link rel=\"stylesheet\" href=\"%s\">\n</head>\n<body>\n"
            "<nav class=\"pages\"><a href=\"index.html\">vmkit handouts</a>%s</nav>\n"
            "<main>\n%s%s\n</main>\n</body>\n</html>\n"
            % (html.escape(title), CSS, (" · " + nav) if nav else "",
               toc, body))
    s = scan(page)
    return Page(name, title, page, s.ids, s.links, s.images)


def index_page(pages: Sequence[Page]) -> Page:
    items = "\n".join('<li><a href="%s.html">%s</a></li>' % (p.name, html.escape(p.title))
                      for p in pages)
    text = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<title>vmkit handouts</title>\n<link rel=\"stylesheet\" href=\"%s\">\n</head>\n"
            "<body>\n<main>\n<h1 id=\"vmkit-handouts\">vmkit handouts</h1>\n<ul>\n%s\n</ul>\n"
            "</main>\n</body>\n</html>\n" % (CSS, items))
    s = scan(text)
    return Page("index", "vmkit handouts", text, s.ids, s.links, s.images)


def _internal(href: str) -> tuple[str, str] | None:
    """(file, fragment) of a link within the handouts, None for an external one."""
    u = urllib.parse.urlsplit(href)
    if u.scheme or u.netloc or href.startswith("//"):
        return None
    return urllib.parse.unquote(u.path), urllib.parse.unquote(u.fragment)


def check_links(pages: Sequence[Page], ids: dict[str, set[str]], out: str,
                links: dict[str, list[str]] | None = None,
                images: dict[str, list[str]] | None = None) -> list[str]:
    """Every internal link's page and anchor, and every picture, must exist.
    ids: page file (NAME.html) -> its ids; links and images default to each
    page's own (the browser check passes what the browser saw)."""
    errs = []
    for p in pages:
        f = p.name + ".html"
        for href in (links or {}).get(f, p.links):
            target = _internal(href)
            if target is None:
                continue
            path, frag = target
            path = path or f
            if path not in ids:
                if not os.path.isfile(os.path.join(out, path)):
                    errs.append("%s: link %r: no such page or file %s" % (f, href, path))
                continue
            if frag and frag not in ids[path]:
                errs.append("%s: link %r: %s has no anchor #%s" % (f, href, path, frag))
        for src in (images or {}).get(f, p.images):
            target = _internal(src)
            if target is not None and not os.path.isfile(os.path.join(out, target[0])):
                errs.append("%s: picture %r is missing (%s)%s" % (
                    f, src, os.path.join(out, target[0]),
                    ": `make handouts` draws figures/ (tools/figures.py)"
                    if target[0].startswith("figures/") else ""))
    return errs


def _css() -> str:
    fmt = importlib.import_module("pygments.formatters").HtmlFormatter(style="friendly")
    with open(CSS_SOURCE) as f:
        own = f.read()
    return own + "\n/* Pygments (style: friendly), generated by tools/handouts.py */\n" + \
        fmt.get_style_defs(".codehilite")


def build(src: str, out: str) -> list[Page]:
    """Render src/*.md into out/; HandoutError listing every broken link or picture."""
    names = sorted(f[:-3] for f in os.listdir(src) if f.endswith(".md"))
    if not names:
        raise HandoutError("no handouts (*.md) in %s" % src)
    texts = {}
    for n in names:
        with open(os.path.join(src, n + ".md"), encoding="utf-8") as f:
            texts[n] = f.read()
    titles = [(n, _title(texts[n], n)) for n in names]
    pages = [render(n, texts[n], titles) for n in names]
    pages.append(index_page(pages))
    errs = check_links(pages, {p.name + ".html": p.ids for p in pages}, out)
    if errs:
        raise HandoutError("broken links or pictures:\n  " + "\n  ".join(errs))
    os.makedirs(out, exist_ok=True)
    _write(os.path.join(out, CSS), _css())
    for p in pages:
        _write(os.path.join(out, p.name + ".html"), p.html)
    return pages


def _title(text: str, name: str) -> str:
    m = re.search(r"^# (.*)$", text, re.M)
    return m.group(1).replace("`", "") if m else name


def _write(path: str, text: str) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------- the browser check
# Run in the page once it has loaded (images included): what only a browser
# knows, as JSON in an element that --dump-dom then prints.
PROBE = """<script>
window.addEventListener("load", function () {
  var r = {ids: [], links: [], broken: [], overflow: [], height: 0};
  document.querySelectorAll("[id]").forEach(function (e) { r.ids.push(e.id); });
  document.querySelectorAll("a[href]").forEach(function (a) { r.links.push(a.getAttribute("href")); });
  document.querySelectorAll("img").forEach(function (i) {
    if (!i.complete || i.naturalWidth === 0) r.broken.push(i.getAttribute("src"));
  });
  document.querySelectorAll("pre").forEach(function (p, k) {
    if (p.scrollWidth > p.clientWidth + 1)
      r.overflow.push({n: k + 1, scroll: p.scrollWidth, client: p.clientWidth,
                       text: p.textContent.split("\\n")[0].slice(0, 60)});
  });
  r.height = document.documentElement.scrollHeight;
  var out = document.createElement("pre");
  out.id = "vmkit-probe";
  out.textContent = JSON.stringify(r);
  document.body.appendChild(out);
});
</script>
"""
PROBE_OUT = re.compile(r'<pre id="vmkit-probe">(.*?)</pre>', re.S)


def chromium() -> str | None:
    for c in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(c)
        if path:
            return path
    return None


def _chromium_argv(exe: str, profile: str, height: int) -> list[str]:
    return [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-extensions", "--allow-file-access-from-files",
            "--user-data-dir=" + profile, "--window-size=%d,%d" % (WINDOW_WIDTH, height)]


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, start_new_session=True)
    except subprocess.TimeoutExpired:
        raise HandoutError("chromium did not finish within %gs: %s" % (timeout, " ".join(argv)))


def probe(exe: str, out: str, page: str, profile: str, timeout: float) -> dict[str, Any]:
    """Load out/page in Chromium with PROBE added; what it found."""
    with open(os.path.join(out, page), encoding="utf-8") as f:
        text = f.read()
    copy = os.path.join(out, ".probe-" + page)     # same directory: relative links still resolve
    _write(copy, text.replace("</body>", PROBE + "</body>", 1))
    try:
        r = _run(_chromium_argv(exe, profile, 800) +
                 ["--virtual-time-budget=10000", "--dump-dom", "file://" + os.path.abspath(copy)],
                 timeout)
    finally:
        os.unlink(copy)
    m = PROBE_OUT.search(r.stdout)
    if not m:
        raise HandoutError("%s: chromium printed no probe result (status %d): %s"
                           % (page, r.returncode, r.stderr.strip()[-600:]))
    res: dict[str, Any] = json.loads(html.unescape(m.group(1)))
    return res


def screenshot(exe: str, out: str, page: str, shot: str, height: int, profile: str,
               timeout: float) -> None:
    h = max(600, min(height, MAX_SHOT_HEIGHT))
    r = _run(_chromium_argv(exe, profile, h) +
             ["--screenshot=" + os.path.abspath(shot), "file://" + os.path.abspath(os.path.join(out, page))],
             timeout)
    if r.returncode != 0 or not os.path.isfile(shot):
        raise HandoutError("%s: no screenshot (chromium status %d): %s"
                           % (page, r.returncode, r.stderr.strip()[-600:]))


def browser_check(out: str, pages: Sequence[str], shots: str | None, timeout: float = 90.0) -> list[str]:
    """Each of pages (files in out/) in Chromium: a list of problems."""
    exe = chromium()
    if exe is None:
        raise HandoutError("no chromium on PATH (Debian: apt-get install chromium; "
                           "or tools/deps --group browser)")
    errs: list[str] = []
    found: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="vmkit-chromium-") as profile:
        for page in pages:
            found[page] = r = probe(exe, out, page, profile, timeout)
            for src in r["broken"]:
                errs.append("%s: image %r did not load" % (page, src))
            for o in r["overflow"]:
                errs.append("%s: code block %d overflows its box (%d px of content in %d px): %r"
                            % (page, o["n"], o["scroll"], o["client"], o["text"]))
            if shots is not None:
                os.makedirs(shots, exist_ok=True)
                screenshot(exe, out, page, os.path.join(shots, page[:-5] + ".png"),
                           int(r["height"]), profile, timeout)
    fake = [Page(p[:-5], p, "", set(found[p]["ids"]), [], []) for p in pages]
    errs += check_links(fake, {p: set(r["ids"]) for p, r in found.items()}, out,
                        links={p: r["links"] for p, r in found.items()},
                        images={p: [] for p in pages})
    return errs


DEFECTS = """<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="%s"></head><body><main>
<h1 id="top">defects</h1>
<p><img src="figures/no-such-figure.svg" alt="missing"></p>
<p><a href="#no-such-anchor">a link to nowhere</a> <a href="#top">fine</a></p>
<pre><code>%s</code></pre>
</main></body></html>
""" % (CSS, "x" * 400)


def prove_check(out: str, timeout: float) -> None:
    """The check must find each of the three defects in a page made to have them."""
    page = ".defects.html"
    _write(os.path.join(out, page), DEFECTS)
    try:
        errs = browser_check(out, [page], None, timeout)
    finally:
        os.unlink(os.path.join(out, page))
    want = {"image": "did not load", "anchor": "no anchor #no-such-anchor", "overflow": "overflows"}
    missed = [k for k, w in want.items() if not any(w in e for e in errs)]
    if missed:
        raise HandoutError("the browser check no longer catches: %s (it reported: %s)"
                           % (", ".join(missed), errs))
    unexpected = [e for e in errs if not any(w in e for w in want.values())]
    if unexpected or len(errs) != len(want):
        raise HandoutError("the browser check reported %d problems on a page made with exactly %d "
                           "(one of each kind); unexpected: %s; all: %s"
                           % (len(errs), len(want), unexpected or "none (a kind reported twice)", errs))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="handouts.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--src", default=os.path.join(ROOT, "handouts"), help="the Markdown handouts")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "handouts"), help="the HTML pages")
    p.add_argument("--check", action="store_true",
                   help="check the rendered pages in headless Chromium, with screenshots")
    p.add_argument("--timeout", type=float, default=90.0, help="seconds per Chromium run")
    a = p.parse_args(argv)
    try:
        if not a.check:
            pages = build(a.src, a.out)
            print("handouts: %d pages in %s" % (len(pages), a.out))
            return 0
        pages_html = sorted(f for f in os.listdir(a.out) if f.endswith(".html")
                            and not f.startswith(".")) if os.path.isdir(a.out) else []
        if not pages_html:
            raise HandoutError("no pages in %s: run `make handouts` first" % a.out)
        prove_check(a.out, a.timeout)
        shots = os.path.join(a.out, "shots")
        errs = browser_check(a.out, pages_html, shots, a.timeout)
    except ImportError as e:
        print("handouts: %s (Debian: tools/deps --group handouts)" % e, file=sys.stderr)
        return 2
    except HandoutError as e:
        print("handouts: %s" % e, file=sys.stderr)
        return 1
    if errs:
        print("handouts: the browser check failed:\n  " + "\n  ".join(errs), file=sys.stderr)
        return 1
    for f in pages_html:
        shot = os.path.join(shots, f[:-5] + ".png")
        print("handouts: %s ok; screenshot %s (%d KiB)" % (f, shot, os.path.getsize(shot) // 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
