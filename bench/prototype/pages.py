"""PROTOTYPE (benchmarks only): the article page with selectors evaluated the cheap way.

What bench/extraction.py's profile found: every CSS selector of `SELECTORS` is a fresh XPath
scan of the whole document (~55 µs each on a 12 KB Liferay page: cssselect turns `.a .b` into
`descendant-or-self::*[contains(concat(' ', normalize-space(@class), ' '), ' a ')]/descendant-or-self::*/*[...]`),
and a Bắc Ninh article asks ~12 of them, most starting with the same scope (`.asset-full-content`).
Here a selector `A B…` evaluates its first compound `A` once per page (cached) and the rest only
inside the nodes it found; every expression is compiled once per process. Record output is the
same as scraper/pages.py's (bench/extraction.py compares every field on every page).

The fix, in scraper/pages.py: give `ArticlePage` (and `ListingPage`) a `css(selector)` method
like `_css` below and use it in `first_text`, `body` and `attachments` instead of `self.sel.css`;
(applied in scraper/pages.py on 2026-11-25, with the body and `tidy` fixes, which this prototype
now imports from the project).
"""
from __future__ import annotations

import importlib
import re
from functools import lru_cache

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from scraper.body import Body, iter_links, read_body  # the prototype's body fixes are applied there
from scraper.cleaning import tidy
from scraper.cleaning import SOURCE_LABEL, parse_count, strip_label
from scraper.pages import ArticlePage, ExtractionError
from scraper.registry import get_portal

_TRANSLATOR = HTMLTranslator()
_ALL_TEXT = etree.XPath(".//text()", smart_strings=False)
# The first descendant combinator outside brackets and parentheses: "A B" -> ("A", "B").
_HEAD = re.compile(r"^((?:[^\s\[\(]|\[[^\]]*\]|\([^)]*\))+)\s+(.+)$")


@lru_cache(maxsize=None)
def compiled(css: str, scoped: bool) -> etree.XPath:
    prefix = "descendant::" if scoped else "descendant-or-self::"
    return etree.XPath(_TRANSLATOR.css_to_xpath(css, prefix=prefix), smart_strings=False)


@lru_cache(maxsize=None)
def split(css: str) -> tuple[str, str | None]:
    if "::" in css.split(" ")[0] or "," in css:
        return css, None
    match = _HEAD.match(css.strip())
    return (match[1], match[2]) if match else (css, None)


class FastArticlePage(ArticlePage):
    """scraper.pages.ArticlePage with `_css` in place of parsel's per-call CSS evaluation."""

    def _css(self, css: str) -> list:
        cache = self.__dict__.setdefault("_scopes", {})
        head, rest = split(css)
        if head not in cache:
            cache[head] = compiled(head, False)(self.sel.root)
        if rest is None:
            return cache[head]
        found: list = []
        for scope in cache[head]:
            found.extend(compiled(rest, True)(scope))
        return found

    def select(self, field: str) -> str | None:
        for css in self.SELECTORS.get(field, []):
            for node in self._css(css):
                raw = node if isinstance(node, str) else " ".join(_ALL_TEXT(node))
                text = tidy(raw)
                if text:
                    return text
        return None

    def body(self) -> Body:
        for css in self.SELECTORS.get("body", []):
            found = self._css(css)
            if found:
                return read_body(found[0], self.url)
        raise ExtractionError(f"{self.layout}: no body at {self.SELECTORS.get('body')} in {self.url}")

    def source(self, body: Body) -> str | None:
        return strip_label(self.select("source"), SOURCE_LABEL) or body.source

    def views(self) -> int | None:
        return parse_count(self.select("views"))

    def attachments(self) -> list[dict]:
        links = [node for css in self.SELECTORS.get("attachments", []) for node in self._css(css)]
        return iter_links(iter(links), self.url)


@lru_cache(maxsize=None)
def page_class(spider: str) -> type[FastArticlePage]:
    """The layout's ArticlePage with the prototype's selection and body reading mixed in first."""
    layout = importlib.import_module(f"spiders.{spider}").ArticlePage
    return type(f"Fast{layout.__name__}", (FastArticlePage, layout), {})


def extract(html: bytes, url: str, portal_key: str, content_type: str | None = None) -> dict:
    portal = get_portal(portal_key)
    return page_class(portal.spider)(html, url, portal.key, portal.province, content_type).record()
