"""Extraction without Scrapy: (html, url) → article record, for `soyte extract` and `soyte reextract`."""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Callable, Iterator

from scraper.generic import generic_record
from scraper.pages import ArticlePage, ExtractionError, TruncatedPage, looks_truncated
from scraper.registry import Portal, get_portal, portal_for_url

if TYPE_CHECKING:
    from archive.store import Archive


def layout_module(portal: Portal) -> ModuleType:
    """The spiders/<spider>.py module that holds the portal's selectors and page classes."""
    return importlib.import_module(f"spiders.{portal.spider}")


def resolve_portal(url: str, portal_key: str | None = None) -> Portal:
    if portal_key:
        return get_portal(portal_key)
    portal = portal_for_url(url)
    if portal is None:
        raise ExtractionError(f"no registered portal serves {url}; name one with --portal")
    return portal


def extract(html: str | bytes, url: str, portal_key: str | None = None,
            content_type: str | None = None) -> dict:
    """The article record for one page, exactly the keys of LAYOUTS.md's record."""
    portal = resolve_portal(url, portal_key)
    page_class = layout_module(portal).ArticlePage
    return page_class(html, url, portal.key, portal.province, content_type).record()


@dataclass
class Extraction:
    """An article record and how it was made: by the layout's rules, or generically (with why)."""

    record: dict
    method: str = "layout"
    note: str | None = None
    warnings: list[str] = field(default_factory=list)


def extract_page(body: bytes, url: str, portal: Portal, content_type: str | None,
                 page_class: type[ArticlePage] | None = None) -> Extraction:
    """What the crawler and `reextract` store for a fetched article page.

    The layout's rules first; when they fail on a complete page, the generic extractor, flagged.
    A truncated page raises TruncatedPage: its raw bytes are kept, but no partial article
    replaces a complete one.
    """
    if looks_truncated(body):
        raise TruncatedPage(f"the page ends before </html> ({len(body)} bytes): {url}")
    page_class = page_class or layout_module(portal).ArticlePage
    try:
        page = page_class(body, url, portal.key, portal.province, content_type)
        record = page.record()
        return Extraction(record, warnings=page.warnings)
    except ExtractionError as error:
        if not body.strip():
            raise
        try:
            record = generic_record(body, url, portal.key, portal.province, content_type)
        except ExtractionError as generic_error:
            raise ExtractionError(f"{error}; {generic_error}") from None
        return Extraction(record, method="generic", note=str(error))


def extractor_name(portal: Portal) -> tuple[str, str]:
    """(layout, extractor version label) for the portal's spider, as stored with each article."""
    module = layout_module(portal)
    spider = next(obj for obj in vars(module).values()
                  if isinstance(obj, type) and getattr(obj, "name", None) == portal.spider)
    return module.ArticlePage.layout, spider.extractor()


def advancing(items: list, advance: Callable[[int], None] | None) -> Iterator:
    """The items, calling advance(1) once each is done with."""
    for item in items:
        yield item
        if advance:
            advance(1)


def reextract(archive: "Archive", advance: Callable[[int], None] | None = None) -> dict[str, int]:
    """Re-run extraction over the newest stored capture of every article page; no network needed.

    Returns how many articles came out new, updated, unchanged, and how many pages failed.
    `advance(1)` is called after each page (a progress bar).
    """
    counts = {"new": 0, "updated": 0, "unchanged": 0, "failed": 0}
    for page_id, page_url in advancing(archive.latest_article_pages(), advance):
        _url, body, content_type = archive.page_body(page_id)
        try:
            portal = resolve_portal(page_url)
            result = extract_page(body, page_url, portal, content_type)
        except ExtractionError as error:
            counts["failed"] += 1
            archive.record_failure(None, page_url, "", error.kind, str(error), page_id)
            continue
        layout, extractor = extractor_name(portal)
        outcome = archive.upsert_article(result.record, layout=layout, extractor=extractor, page_id=page_id,
                                         extraction=result.method, note=result.note)
        counts[outcome] += 1
    return counts
