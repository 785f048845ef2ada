"""Page classes shared by every layout: a page is (html, url) in, plain data out.

`page_classes(layout)` gives the `ArticlePage` and `ListingPage` of a layout file
(scraper/extraction/layouts.py): its selectors (CSS, most specific first), what to drop inside the body,
its reading options. A required field that matches nothing raises `ExtractionError` naming the
selector and the URL; an optional one returns None. Pages never fetch anything.
"""
from __future__ import annotations

import codecs
import threading
from contextlib import contextmanager
from copy import deepcopy
from typing import Callable, ClassVar, Iterator

from lxml import etree
from parsel import Selector

from scraper.extraction.body import Body, iter_links, merged_images, read_body
from scraper.extraction.cleaning import decode_html, parse_count, strip_author_label, strip_label, tidy_or_none
from scraper.extraction.dates import iso_from_head, parse_vietnamese_datetime
from scraper.extraction.labels import cell_text, labelled_value
from scraper.extraction.layouts import Layout
from scraper.extraction.selecting import Selecting, compiled, selector_keys
from scraper.extraction.urls import DROP_PARAMS, absolute_url, canonical_key, link_url
from scraper.model import FailureKind

Selectors = dict[str, list[str]]


def _as_found(text: str | None) -> str | None:
    """A field that is text is the text its selector finds (first_text has tidied it)."""
    return text


# How a field's value is read from the text its selectors find: the one rule a crawl applies
# (ArticlePage.read) and `soyte learn` tries every candidate selector with (scraper/learn/layout.py),
# so that a learnt layout gives on a crawl what learning verified. The canonical and the body have
# rules of their own (canonical_url, body).
FIELD_READERS: dict[str, Callable[[str | None], object]] = {
    "title": _as_found, "category": _as_found,
    "author": strip_author_label,  # its label ('Tác giả:', 'Tin, ảnh:') taken off
    "sapo": tidy_or_none,
    "source": strip_label,  # its label ('Nguồn:') taken off
    "views": parse_count,
    "published_head": iso_from_head, "published_text": parse_vietnamese_datetime,
}


class ExtractionError(ValueError):
    """A required field matched nothing: the page is not an article of this layout."""

    kind = FailureKind.EXTRACTION


class TruncatedPage(ExtractionError):
    """The body stops before the end of the document: keep the raw page, store no partial article."""

    kind = FailureKind.TRUNCATED


def looks_truncated(body: bytes) -> bool:
    """An HTML document whose closing </html> never arrived (some servers drop connections mid-page)."""
    # (A page holding "<html" is not blank: no need to strip, and so copy, the whole body. Most
    # write it in lower case, which needs no lowered copy of the first 4 KB.)
    head = body[:4096]
    has_html = b"<html" in head or b"<html" in head.lower()
    return has_html and body[-2048:].rstrip()[-7:].lower() != b"</html>"


# lxml's own HTML parser, not lxml.html's (which parsel uses): lxml.html calls a Python lookup
# for the element class of every node the extractor touches. One parser per thread: an lxml
# parser must not be used by two threads at once.
_PARSERS = threading.local()
_INVALID_ENCODING = etree.ErrorTypes.ERR_INVALID_ENCODING


def _parser() -> etree.HTMLParser:
    parser = getattr(_PARSERS, "html", None)
    if parser is None:
        parser = _PARSERS.html = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True, collect_ids=False)
    return parser


def as_selector(html: str | bytes, content_type: str | None = None) -> Selector:
    """The page's tree, parsed once: decode_html decides the charset, libxml2 parses the text as
    UTF-8 exactly as parsel's Selector(text=...) would (same stripping, same tree)."""
    root = _parse_utf8(html) if isinstance(html, bytes) else None
    if root is None:
        text = decode_html(html, content_type) if isinstance(html, bytes) else html
        root = _parse(text.strip().replace("\x00", "").encode("utf-8") or b"<html/>")
    return Selector(root=root, type="html")


def _parse(data: bytes) -> etree._Element:
    root = etree.fromstring(data, parser=_parser())
    if root is None:  # a document of nothing but comments
        root = etree.fromstring(b"<html/>", parser=_parser())
    return root


def _parse_utf8(body: bytes) -> etree._Element | None:
    """The tree of bytes libxml2 can parse as they are, or None when the text route is needed:
    UTF-8 without a BOM (so decode_html would read them as UTF-8) that starts with '<' and ends
    with '>' once ASCII whitespace is stripped (so str.strip() would strip nothing more).
    Decoding and encoding again was a sixth of extraction's time on big pages; checking the bytes
    by decoding them in Python, another 3–5 % (bench/extraction.py). libxml2 reports every byte
    Python's strict decoder refuses as ERR_INVALID_ENCODING (tests/test_cleaning.py tries each
    kind in each place), except inside a DOCTYPE, which holds no text."""
    if body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    data = body.strip()
    if not (data.startswith(b"<") and data.endswith(b">")):
        return None
    parser = _parser()
    root = _parse(data.replace(b"\x00", b"") if b"\x00" in data else data)
    if any(error.type == _INVALID_ENCODING for error in parser.error_log):
        return None
    return root


class ArticlePage(Selecting):
    """One article page of a layout. Subclasses set `layout`, `SELECTORS` and maybe `DROP_PARAMS`."""

    layout: ClassVar[str] = ""
    SELECTORS: ClassVar[Selectors] = {}
    # Query parameters that listings add to article links and that never identify an article.
    DROP_PARAMS: ClassVar[tuple[str, ...]] = DROP_PARAMS
    DROP: ClassVar[tuple[str, ...]] = ()          # selectors removed inside the body
    READING: ClassVar[dict] = {}                  # reading options (scraper.extraction.layouts.READING_OPTIONS)
    LABELS: ClassVar[dict[str, list[str]]] = {}  # field -> the label words its value follows ([article.labels])
    SOURCE: ClassVar[Layout | None] = None        # the layout these class attributes come from

    def __init__(self, html: str | bytes, url: str, portal: str = "", province: str = "",
                 content_type: str | None = None):
        if not html.strip():
            raise ExtractionError(f"{self.layout}: empty page at {url}")
        self.url = url
        self.portal = portal
        self.province = province
        self.sel = as_selector(html, content_type)
        self.warnings: list[str] = []  # what a person should check, e.g. a date that would not parse

    def select(self, field: str) -> str | None:
        return self.found_text(field)

    def found_text(self, field: str, selectors: list[str] | None = None,
                   labels: list[str] | tuple[str, ...] | None = None) -> str | None:
        """The field's text: its selectors' first text, or, for a field the layout reads after a label
        (LABELS, or `labels` as `soyte learn` tries them), the value after the label in the first
        element found that holds it."""
        selectors = self.SELECTORS.get(field, []) if selectors is None else selectors
        labels = self.LABELS.get(field) if labels is None else labels
        if not labels:
            return self.first_text(selectors)
        for css in selectors:
            for node in self.css(css):
                if isinstance(node, etree._Element):
                    value = labelled_value(cell_text(node), labels)
                    if value:
                        return value
        return None

    def read(self, field: str, selectors: list[str] | None = None,
             labels: list[str] | tuple[str, ...] | None = None) -> object:
        """The field's value by its rule (FIELD_READERS) from the first selector that finds text:
        the layout's selectors (and labels), or those `soyte learn` tries."""
        return FIELD_READERS[field](self.found_text(field, selectors, labels))

    def require(self, field: str) -> object:
        value = self.read(field)
        if value is None:
            raise ExtractionError(f"{self.layout}: no {field} at {self.SELECTORS.get(field)} in {self.url}")
        return value

    def canonical_url(self) -> str:
        """The page's canonical, as a key, where it can stand for the page, else the fetched URL's key
        (scraper.extraction.urls.canonical_key, the generic extractor's rule too)."""
        href = self.select("canonical")
        key, warning = canonical_key(self.url, absolute_url(self.url, href) if href else None, self.DROP_PARAMS)
        if warning:
            self.warnings.append(warning)
        return key

    def title(self) -> str:
        return self.require("title")

    def published(self) -> str | None:
        """A machine-readable time in the head beats the visible text; no date is better than a wrong one."""
        head, visible = self.select("published_head"), self.select("published_text")
        published = FIELD_READERS["published_head"](head) or FIELD_READERS["published_text"](visible)
        if published is None:
            shown = ", ".join(f"{where} {value!r}" for where, value in (("head", head), ("page", visible)) if value)
            self.warnings.append(f"publication date not understood: {shown}" if shown else "no publication date")
        return published

    def category(self) -> str | None:
        return self.read("category")

    def sapo(self) -> str | None:
        return self.read("sapo")

    def body(self) -> Body:
        for css in self.SELECTORS.get("body", []):
            found = self.css(css)
            if found:
                with dropped(found[0], self.DROP) as element:
                    return read_body(element, self.url, **self.READING)
        raise ExtractionError(f"{self.layout}: no body at {self.SELECTORS.get('body')} in {self.url}")

    def images(self, body: Body, selectors: list[str] | None = None) -> list[dict]:
        """The body's images, joined in page order by those of the elements outside the body that
        the layout's `images` selectors find (or those `soyte learn` tries)."""
        selectors = self.SELECTORS.get("images", []) if selectors is None else selectors
        holders = [node for css in selectors for node in self.css(css) if isinstance(node, etree._Element)]
        if not holders:
            return body.images
        element = next((found[0] for css in self.SELECTORS.get("body", []) if (found := self.css(css))), None)
        return merged_images(holders, element, body.images, self.url, self.READING.get("caption_attribute"))

    def author(self, body: Body) -> str | None:
        return self.read("author") or FIELD_READERS["author"](body.author)

    def source(self, body: Body) -> str | None:
        return self.read("source") or body.source

    def views(self) -> int | None:
        return self.read("views")

    def attachments(self) -> list[dict]:
        links = [node for css in self.SELECTORS.get("attachments", []) for node in self.css(css)]
        return iter_links(iter(links), self.url)

    def record(self) -> dict:
        """The article record of LAYOUTS.md, keys in its order."""
        body = self.body()
        text = body.text
        if not text:
            raise ExtractionError(f"{self.layout}: empty body at {self.SELECTORS.get('body')} in {self.url}")
        record = {
            "url": self.canonical_url(),
            "portal": self.portal,
            "province": self.province,
            "title": self.title(),
            "published": self.published(),
            "category": self.category(),
            "sapo": self.sapo(),
            "text": text,
            "author": self.author(body),
            "source": self.source(body),
            "views": self.views(),
            "images": self.images(body),
            "attachments": self.attachments(),
        }
        hooks = self.SOURCE.hooks_module() if self.SOURCE else None
        if hooks is not None and hasattr(hooks, "fix_record"):
            record = hooks.fix_record(record, self)  # what the layout file cannot say as data
        return record


def without(element: etree._Element, drop: tuple[str, ...]) -> etree._Element:
    """The body element less what the layout drops inside it, on a copy that stays so (soyte learn
    keeps it); the page's tree stays whole."""
    if not drop:
        return element
    copy = deepcopy(element)
    _take_out(copy, drop)
    return copy


@contextmanager
def dropped(element: etree._Element, drop: tuple[str, ...]) -> Iterator[etree._Element]:
    """The body element with what the layout drops inside it (toolbars, related links, vote forms)
    taken out while it is read, and put back after: the other fields read the whole page
    (attachments often sit in a dropped block). Copying the body was a sixth of a long WordPress
    article's extraction (bench/extraction.py)."""
    put_back: list[Callable[[], None]] = []
    try:
        put_back = _take_out(element, drop)
        yield element
    finally:
        for undo in reversed(put_back):
            undo()


def _take_out(element: etree._Element, drop: tuple[str, ...]) -> list[Callable[[], None]]:
    """Remove what `drop` matches inside the element, keeping each removed node's tail text in
    place; returns how to put each back (in reverse order)."""
    if not drop:
        return []
    found = compiled(", ".join(drop), True)(element)
    outermost = set(found)
    return [_remove_keeping_tail(node) for node in found
            if not any(ancestor in outermost for ancestor in node.iterancestors())]


def _remove_keeping_tail(node: etree._Element) -> Callable[[], None]:
    parent = node.getparent()
    index, previous = parent.index(node), node.getprevious()
    holder, attribute = (previous, "tail") if previous is not None else (parent, "text")
    kept = getattr(holder, attribute)
    if node.tail:
        setattr(holder, attribute, (kept or "") + node.tail)
    parent.remove(node)  # lxml takes the node's tail with it

    def put_back() -> None:
        setattr(holder, attribute, kept)
        parent.insert(index, node)
    return put_back


class ListingPage(Selecting):
    """One listing page: the article links on it and the next listing pages."""

    SELECTORS: ClassVar[Selectors] = {}

    def __init__(self, html: str | bytes, url: str, content_type: str | None = None):
        self.url = url
        self.sel = as_selector(html, content_type)

    def _hrefs(self, field: str) -> list[str]:
        urls: list[str] = []
        for css in self.SELECTORS.get(field, []):
            for href in self.css(css):
                url = link_url(self.url, href)
                if url is not None and url not in urls:
                    urls.append(url)
        return urls

    def article_urls(self) -> list[str]:
        return self._hrefs("articles")

    def next_urls(self) -> list[str]:
        return self._hrefs("pagination")

    def has_listing(self) -> bool:
        """False when the listing container is gone: the portal changed its theme."""
        return any(self.css(css) for css in self.SELECTORS.get("container", []))


_CLASSES: dict[str, tuple[type[ArticlePage], type[ListingPage]]] = {}


def page_classes(layout: Layout) -> tuple[type[ArticlePage], type[ListingPage]]:
    """The article and listing page classes that read pages of `layout` (made once per layout)."""
    if layout.name not in _CLASSES or _CLASSES[layout.name][0].SOURCE is not layout:
        selectors = {**layout.article, **layout.listing}
        keys = selector_keys(css for found in selectors.values() for css in found)
        article = type("ArticlePage", (ArticlePage,), {
            "layout": layout.name, "SELECTORS": selectors, "KEYS": keys, "DROP_PARAMS": layout.drop_params,
            "DROP": layout.drop, "READING": dict(layout.reading), "SOURCE": layout, "LABELS": dict(layout.labels),
            "__doc__": f"An article page of layout {layout.name}: {layout.description}"})
        listing = type("ListingPage", (ListingPage,), {
            "SELECTORS": selectors, "KEYS": keys, "__doc__": f"A listing page of layout {layout.name}"})
        _CLASSES[layout.name] = (article, listing)
    return _CLASSES[layout.name]
