"""Extraction without Scrapy or the registry: (html, url, layout) → article record, for the crawler,
`soyte extract`, `soyte reextract` and `soyte learn` alike.

One function, `extract_page`: the layout's rules (scraper/extraction/layouts.py) first; when they
fail on a complete page, the generic extractor, flagged with the reason. A page with no layout, or
`method="generic"`, goes straight to the generic extractor. The caller hands the layout: the spider
the one its class was made with, the other commands the one the registry names for the page's
portal (scraper.portals.reading).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from scraper.extraction.generic import generic_record
from scraper.extraction.layouts import Layout
from scraper.extraction.pages import ExtractionError, TruncatedPage, looks_truncated, page_classes
from scraper.extraction.urls import DROP_PARAMS, canonical_key
from scraper.model import FailureKind


@dataclass
class Extraction:
    """An article record and how it was made: by the layout's rules, or generically (with why)."""

    record: dict
    method: str = "layout"
    note: str | None = None
    warnings: list[str] = field(default_factory=list)
    layout: str | None = None      # the layout whose rules were tried
    extractor: str = "generic/1"   # what the archive records as the extractor


class NotAnArticle(ExtractionError):
    """The page is the portal's home page or a listing page (scraper.extraction.urls.CanonicalGuard): never an article's key."""

    kind = FailureKind.NOT_ARTICLE


class UnforeseenError(ExtractionError):
    """Extraction raised something no rule expected (a bug, or a page built to break parsers)."""

    kind = FailureKind.ERROR


@contextmanager
def unforeseen(url: str) -> Iterator[None]:
    """Turn any exception but ExtractionError into one: a page must fail as a recorded failure,
    never as a traceback that drops it silently (seen: 500 nested <font> tags, a year-9999 date)."""
    try:
        yield
    except ExtractionError:
        raise
    except RecursionError:
        raise UnforeseenError(f"the page nests its elements too deeply to read: {url}") from None
    except Exception as error:  # noqa: BLE001
        raise UnforeseenError(f"{type(error).__name__} while extracting {url}: {error}") from None


def refuse_truncated(body: bytes, url: str) -> None:
    """TruncatedPage when the page ends before </html>: its raw bytes are kept, but no partial
    article replaces a complete one."""
    if looks_truncated(body):
        raise TruncatedPage(f"the page ends before </html> ({len(body)} bytes): {url}")


def _generic(body: bytes, url: str, layout: Layout | None, portal: str | None, province: str | None,
             content_type: str | None, note: str | None, layout_name: str | None) -> Extraction:
    """The generic extractor's record, keyed with the layout's parameters (the default ones without a layout)."""
    with unforeseen(url):
        record = generic_record(body, url, portal, province, content_type)
    record["url"], warning = canonical_key(url, record["url"], layout.drop_params if layout else DROP_PARAMS)
    return Extraction(record, method="generic", note=note, warnings=[warning] if warning else [], layout=layout_name)


def extract_page(body: bytes, url: str, layout: Layout | None, portal: str | None, province: str | None,
                 content_type: str | None = None, method: str = "auto",
                 layout_name: str | None = None) -> Extraction:
    """What the crawler and `reextract` store for a fetched article page of `portal` (its key) in `province`.

    `layout`: the portal's layout, or None when it has none (or, asked for `method="generic"`, when
    its file does not load). `method`: "auto" (the layout's rules, then the generic extractor when
    they fail), "layout" (the layout's rules only) or "generic". `layout_name`: the layout a generic
    reading records, by default `layout`'s name; the registry's name for the portal's layout where
    the caller has it, which stands even when the file does not load (or names itself otherwise).
    A truncated page raises TruncatedPage.
    """
    refuse_truncated(body, url)
    if layout is None or method == "generic":
        why = None if method == "generic" else "no layout for this page's host"
        named = layout_name if layout_name is not None else (layout.name if layout else None)
        return _generic(body, url, layout, portal, province, content_type, why, named)
    try:
        with unforeseen(url):
            page = page_classes(layout)[0](body, url, portal, province, content_type)
            record = page.record()
        return Extraction(record, warnings=page.warnings, layout=layout.name, extractor=layout.extractor)
    except ExtractionError as error:
        if method == "layout" or not body.strip() or isinstance(error, UnforeseenError):
            raise
        try:
            return _generic(body, url, layout, portal, province, content_type, str(error), layout.name)
        except ExtractionError as generic_error:
            raise ExtractionError(f"{error}; {generic_error}") from None
