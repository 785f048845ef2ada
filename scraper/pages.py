"""Page classes shared by every layout: a page is (html, url) in, plain data out.

A layout module subclasses `ArticlePage` and `ListingPage` and fills `SELECTORS` (CSS, most
specific first). A required field that matches nothing raises `ExtractionError` naming the
selector and the URL; an optional one returns None. Pages never fetch anything.
"""
from __future__ import annotations

from typing import ClassVar
from urllib.parse import urljoin

from parsel import Selector
from w3lib.url import safe_url_string, url_query_cleaner

from scraper.body import Body, iter_links, read_body
from scraper.cleaning import SOURCE_LABEL, decode_html, parse_count, strip_label, tidy, tidy_or_none
from scraper.dates import iso_from_head, parse_vietnamese_datetime

RECORD_KEYS = (
    "url", "portal", "province", "title", "published", "category", "sapo",
    "text", "author", "source", "views", "images", "attachments",
)
Selectors = dict[str, list[str]]


class ExtractionError(ValueError):
    """A required field matched nothing: the page is not an article of this layout."""

    kind = "extraction"


class TruncatedPage(ExtractionError):
    """The body stops before the end of the document: keep the raw page, store no partial article."""

    kind = "truncated"


def looks_truncated(body: bytes) -> bool:
    """An HTML document whose closing </html> never arrived (some servers drop connections mid-page)."""
    tail = body[-2048:].rstrip().lower()
    return bool(body.strip()) and b"<html" in body[:4096].lower() and not tail.endswith(b"</html>")


def as_selector(html: str | bytes, content_type: str | None = None) -> Selector:
    text = decode_html(html, content_type) if isinstance(html, bytes) else html
    return Selector(text=text)


def first_text(sel: Selector, selectors: list[str]) -> str | None:
    """Tidied text of the first selector that matches something non-empty."""
    for css in selectors:
        for node in sel.css(css):
            raw = node.get() if css.endswith(("::text", ")")) else " ".join(node.xpath(".//text()").getall())
            text = tidy(raw)
            if text:
                return text
    return None


class ArticlePage:
    """One article page of a layout. Subclasses set `layout`, `SELECTORS` and maybe `DROP_PARAMS`."""

    layout: ClassVar[str] = ""
    SELECTORS: ClassVar[Selectors] = {}
    # Query parameters that listings add to article links and that never identify an article.
    DROP_PARAMS: ClassVar[tuple[str, ...]] = ("redirect",)

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
        return first_text(self.sel, self.SELECTORS.get(field, []))

    def require(self, field: str) -> str:
        value = self.select(field)
        if value is None:
            raise ExtractionError(f"{self.layout}: no {field} at {self.SELECTORS.get(field)} in {self.url}")
        return value

    def canonical_url(self) -> str:
        href = self.select("canonical")
        if href:
            return safe_url_string(urljoin(self.url, href))
        return url_query_cleaner(self.url, self.DROP_PARAMS, remove=True)

    def title(self) -> str:
        return self.require("title")

    def published(self) -> str | None:
        """A machine-readable time in the head beats the visible text; no date is better than a wrong one."""
        head, visible = self.select("published_head"), self.select("published_text")
        published = iso_from_head(head) or parse_vietnamese_datetime(visible)
        if published is None:
            shown = ", ".join(f"{where} {value!r}" for where, value in (("head", head), ("page", visible)) if value)
            self.warnings.append(f"publication date not understood: {shown}" if shown else "no publication date")
        return published

    def category(self) -> str | None:
        return self.select("category")

    def sapo(self) -> str | None:
        return self.select("sapo")

    def body(self) -> Body:
        for css in self.SELECTORS.get("body", []):
            found = self.sel.css(css)
            if found:
                return read_body(found[0].root, self.url)
        raise ExtractionError(f"{self.layout}: no body at {self.SELECTORS.get('body')} in {self.url}")

    def author(self, body: Body) -> str | None:
        return self.select("author") or body.author

    def source(self, body: Body) -> str | None:
        return strip_label(self.select("source"), SOURCE_LABEL) or body.source

    def views(self) -> int | None:
        return parse_count(self.select("views"))

    def attachments(self) -> list[dict]:
        links = [node.root for css in self.SELECTORS.get("attachments", []) for node in self.sel.css(css)]
        return iter_links(iter(links), self.url)

    def record(self) -> dict:
        """The article record of LAYOUTS.md, keys in its order."""
        body = self.body()
        text = body.text
        if not text:
            raise ExtractionError(f"{self.layout}: empty body at {self.SELECTORS.get('body')} in {self.url}")
        return {
            "url": self.canonical_url(),
            "portal": self.portal,
            "province": self.province,
            "title": self.title(),
            "published": self.published(),
            "category": self.category(),
            "sapo": tidy_or_none(self.sapo()),
            "text": text,
            "author": self.author(body),
            "source": self.source(body),
            "views": self.views(),
            "images": body.images,
            "attachments": self.attachments(),
        }


class ListingPage:
    """One listing page: the article links on it and the next listing pages."""

    SELECTORS: ClassVar[Selectors] = {}

    def __init__(self, html: str | bytes, url: str, content_type: str | None = None):
        self.url = url
        self.sel = as_selector(html, content_type)

    def _hrefs(self, field: str) -> list[str]:
        urls: list[str] = []
        for css in self.SELECTORS.get(field, []):
            for href in self.sel.css(css).getall():
                href = href.strip()
                if href and not href.startswith(("javascript:", "#", "mailto:")):
                    url = safe_url_string(urljoin(self.url, href))
                    if url not in urls:
                        urls.append(url)
        return urls

    def article_urls(self) -> list[str]:
        return self._hrefs("articles")

    def next_urls(self) -> list[str]:
        return self._hrefs("pagination")

    def has_listing(self) -> bool:
        """False when the listing container is gone: the portal changed its theme."""
        return any(self.sel.css(css) for css in self.SELECTORS.get("container", []))
