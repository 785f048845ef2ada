"""The examples `soyte learn` learns from: a site.json folder's annotated article pages (each with
the record a person corrected) and its listing pages (with the manifest's article and listing URLs).

Its own module, below what learns from them: the field learner (scraper/learn/layout.py), the
body learner (scraper/learn/body.py) and the listing learner (scraper/learn/listing.py) all read
examples, and none of them needs to import another back to know what an example is.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from lxml import etree

from scraper.extraction.pages import ArticlePage, ListingPage
from scraper.portals.sites import ARTICLE_KINDS, Site, SitePage


class ExpectedRecordError(ValueError):
    """An expected record a person wrote that is no record (not JSON, a field of the wrong type):
    one line naming the file and the field, before anything is learnt or written."""


def _text(value: object) -> bool:
    return isinstance(value, str)


def _text_or_null(value: object) -> bool:
    return value is None or isinstance(value, str)


def _count_or_null(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _links(label: str) -> Callable[[object], bool]:
    """A list of {url, <label>} objects: images ({url, caption}), attachments ({url, title})."""
    return lambda value: isinstance(value, list) and all(
        isinstance(item, dict) and set(item) <= {"url", label} and _text(item.get("url"))
        and _text_or_null(item.get(label)) for item in value)


# What each field of an expected record holds (scraper/demo_portals/LAYOUTS.md), as words and as a check.
EXPECTED_FIELDS: dict[str, tuple[str, Callable[[object], bool]]] = {
    "url": ("text", _text), "portal": ("text or null", _text_or_null), "province": ("text or null", _text_or_null),
    "title": ("text", _text), "published": ("text or null", _text_or_null),
    "category": ("text or null", _text_or_null), "sapo": ("text or null", _text_or_null), "text": ("text", _text),
    "author": ("text or null", _text_or_null), "source": ("text or null", _text_or_null),
    "views": ("a whole number or null", _count_or_null),
    "images": ("a list of {\"url\", \"caption\"} objects", _links("caption")),
    "attachments": ("a list of {\"url\", \"title\"} objects", _links("title")),
}
REQUIRED_FIELDS = ("url", "title", "text")


def shown(value: object) -> str:
    """A field's value as a one-line message shows it: JSON, cut at 160 characters."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "…"


def expected_record_problem(record: object) -> str | None:
    """Why a parsed expected record is not a record, naming the field, or None."""
    if not isinstance(record, dict):
        return f"not a record (a JSON object of {', '.join(EXPECTED_FIELDS)})"
    for name, value in record.items():
        if name not in EXPECTED_FIELDS:
            return f"unknown field {name!r} (the fields: {', '.join(EXPECTED_FIELDS)})"
        what, fits = EXPECTED_FIELDS[name]
        if not fits(value):
            return f"field {name!r} must be {what}, not {shown(value)}"
    missing = [name for name in REQUIRED_FIELDS if name not in record]
    return f"field {missing[0]!r} is missing" if missing else None


def expected_record(page: SitePage) -> dict:
    """The record a person expects from a page, checked: ExpectedRecordError naming the file otherwise."""
    try:
        record = page.expected
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExpectedRecordError(f"{page.expected_path}: not JSON: {error}") from None
    problem = expected_record_problem(record)
    if problem:
        raise ExpectedRecordError(f"{page.expected_path}: {problem}")
    return record


@dataclass
class Example:
    """One annotated article page: the page as served and the record a person says it gives."""

    name: str
    url: str
    body: bytes
    content_type: str | None
    expected: dict
    page: ArticlePage = field(init=False)

    def __post_init__(self) -> None:
        self.page = ArticlePage(self.body, self.url, content_type=self.content_type)

    @property
    def root(self) -> etree._Element:
        return self.page.sel.root


@dataclass
class ListingExample:
    """One listing page, with the manifest's URLs that tell its article links from its other links."""

    name: str
    url: str
    page: ListingPage
    articles: set[str]      # the manifest's article URLs
    listings: set[str]      # the manifest's listing URLs


def read_examples(folder: Path, only: Iterable[str] | None = None) -> tuple[dict, list[Example], list[ListingExample]]:
    """The manifest, the annotated article pages and the listing pages of a site.json folder
    (scraper.portals.sites reads it: a snapshot without an expected file of its own is annotated by the
    served page's record). `only` keeps the article pages with these names. An expected record
    that is no record raises ExpectedRecordError."""
    site = Site(folder)
    article_urls = {page.url for page in site.pages(ARTICLE_KINDS)}
    listing_pages = site.pages(("listing",))
    listing_urls = {page.url for page in listing_pages}
    listings = [ListingExample(page.id, page.url, ListingPage(page.body(), page.url, page.content_type),
                               article_urls, listing_urls) for page in listing_pages]
    examples = [Example(page.id, page.url, page.body(), page.content_type, expected_record(page))
                for page in site.article_cases() if only is None or page.id in only]
    return site.manifest(), examples, listings


def other_article_pages(folder: Path, names: Iterable[str]) -> list[ArticlePage]:
    """The site's served article pages that are not among the examples `names` (unannotated, or
    left out with `only`), as pages only: their records are never read. What tells a field that
    varies between articles (the breadcrumb) from one that varies less (a menu's active item)
    when every example has the same value."""
    taken = set(names)
    return [ArticlePage(page.body(), page.url, content_type=page.content_type)
            for page in Site(folder).pages(("article",)) if page.id not in taken]
