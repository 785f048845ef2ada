"""scraper.extraction.selecting answers every selector exactly as parsel's own `.css()` does, on every bundled
page and on markup built to trip a class index (odd whitespace in class attributes, repeated and
nested classes, ids, pseudo-elements)."""
from __future__ import annotations

import json

import pytest
from lxml import etree
from parsel import Selector

from scraper.extraction.layouts import LAYOUTS_DIR, load_layout
from scraper.extraction.pages import as_selector
from scraper.portals.registry import DEMO_PORTALS
from scraper.extraction.selecting import Selecting, selector_keys


class Page(Selecting):
    def __init__(self, html: str | bytes, selectors: list[str]):
        self.sel = as_selector(html)
        self.KEYS = selector_keys(selectors)  # what a layout's page class is given


def parsel_css(root: etree._Element, css: str) -> list:
    """What parsel gives for `css`, as elements or strings (the form Selecting returns)."""
    return [found.root for found in Selector(root=root, type="html").css(css)]


def same(found: list, expected: list) -> bool:
    return len(found) == len(expected) and all(
        (a == b) if isinstance(b, str) else (a is b) for a, b in zip(found, expected))


TRICKY = """<html><head><title>t</title></head><body>
<div class="post-detail" id="main">
  <h1 class="post-title  big">Tiêu đề</h1>
  <div class="post-header\tx"><span class="post-date">01/02/2024</span></div>
  <p class="lead\nsapo sapo">Sapo</p>
  <div class="post-content"><p>Một</p><p class="post-title">Hai</p></div>
  <p class="a\u00a0b">nbsp-joined class</p>
  <p class="">empty</p>
  <ul class="files"><li><a href="/a.pdf">A</a></li><li><a href="/b.pdf">B</a></li></ul>
</div>
<div class="post-detail other"><h1 class="post-title">Second</h1></div>
</body></html>"""

TRICKY_SELECTORS = [".nothing",
    ".post-detail .post-title", ".post-detail .post-title::text", ".post-detail .post-header .post-date",
    ".post-header", ".x", ".sapo", ".lead.sapo", ".big.post-title", ".a", ".b", ".post-detail.other .post-title",
    "#main .files a::attr(href)", "#main a", "#nothing .post-title", ".post-detail h1", "h1.post-title",
    ".post-detail > h1", ".post-title, .post-date", ".post-detail .files li:last-child a", "#main",
]


@pytest.mark.parametrize("css", TRICKY_SELECTORS)
def test_tricky_markup_matches_parsel(css):
    page = Page(TRICKY, TRICKY_SELECTORS)
    assert same(page.css(css), parsel_css(page.sel.root, css)), css


def test_class_index_answers_the_nested_and_repeated_cases():
    page = Page(TRICKY, TRICKY_SELECTORS)
    assert page.KEYS >= {".post-detail", ".post-title", ".lead", ".sapo", "#main", ".a"}
    assert [n.text for n in page.css(".post-detail .post-title")] == ["Tiêu đề", "Hai", "Second"]
    assert page.css(".a") == [] and page.css(".b") == []  # NBSP does not separate classes in CSS
    assert page.first_text([".nothing", ".post-detail .post-header .post-date"]) == "01/02/2024"
    assert "_key_index" in page.__dict__  # made by the selectors above; tagged parts now use it too
    for css in ("h1.post-title", "div.post-content p.post-title", "ul.files a::attr(href)"):
        assert same(page.css(css), parsel_css(page.sel.root, css)), css


def bundled_pages():
    for folder in sorted(p for p in DEMO_PORTALS.iterdir() if (p / "site.json").exists()):
        manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
        for entry in manifest["pages"]:
            if entry["kind"] != "document":  # an attached PDF or DOCX is no page for selectors
                yield folder.name, folder / entry["file"]


def every_layout_selector() -> list[str]:
    selectors = []
    for path in sorted(LAYOUTS_DIR.glob("*.toml")):
        layout = load_layout(path.stem)
        for group in (layout.article, layout.listing):
            for found in group.values():
                selectors.extend(found)
        selectors.extend(layout.drop)
    return sorted(set(selectors))


@pytest.mark.parametrize("portal,path", list(bundled_pages()), ids=lambda v: getattr(v, "name", v))
def test_every_layout_selector_matches_parsel_on_every_bundled_page(portal, path):
    selectors = every_layout_selector()
    page = Page(path.read_bytes(), selectors)
    for css in selectors:
        assert same(page.css(css), parsel_css(page.sel.root, css)), (path.name, css)
