"""Extraction without Scrapy: (html, url) → article record, for the crawler, `soyte extract`,
`soyte reextract` and `soyte learn` alike.

One function, `extract_page`: the portal's layout file (scraper/extraction/layouts.py) first; when its
rules fail on a complete page, the generic extractor, flagged with the reason. A page with no
registered portal, or `method="generic"`, goes straight to the generic extractor.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Callable, Iterable, Iterator
from urllib.parse import urlsplit

from scraper.extraction.generic import generic_record
from scraper.extraction.layouts import Layout, LayoutError, layout_name_problem, layout_path, load_layout
from scraper.extraction.pages import ExtractionError, TruncatedPage, looks_truncated, page_classes
from scraper.portals.registry import Portal, get_portal, load_portals, portal_for_url
from scraper.extraction.urls import DROP_PARAMS, CanonicalGuard, article_key, canonical_problem

if TYPE_CHECKING:
    from archive.store import Archive

class UnreadableLayout(ExtractionError):
    """The portal's layout file does not load: its pages fail (recorded, kept for reextract), and the
    generic extractor is not asked, so that a broken file never replaces layout-made records."""

    kind = "layout"


def layout_of(portal: Portal) -> Layout:
    """The layout file the registry names for this portal; UnreadableLayout when it does not load."""
    try:
        return load_layout(portal.layout)
    except LayoutError as error:
        raise UnreadableLayout(f"{portal.key}: its layout does not load: {error}") from None


def page_key(url: str, portal: Portal | None) -> str:
    """The article key a page fetched at `url` stands for: scraper.extraction.urls.article_key with the
    parameters the portal's layout drops (the default ones when it has no layout that loads)."""
    drop = DROP_PARAMS
    if portal is not None and portal.layout:
        try:
            drop = layout_of(portal).drop_params
        except ExtractionError:  # its pages fail on the layout anyway; their URLs still need a key
            pass
    return article_key(url, drop)


def key_rule(portal: Portal | None) -> Callable[[str], str]:
    """page_key for one portal, as archive.keys.reclaim_key takes it."""
    return partial(page_key, portal=portal)


def archive_guard(archive: "Archive", pages: Iterable[str] = ()) -> CanonicalGuard:
    """The canonical guard of an offline pass (reextract, import-warc), from what the archive
    knows: every article's key and page, every listing page, the registry's start URLs, and
    `pages`, the other article pages of the pass."""
    from archive.keys import listing_urls, stored_keys

    archived = stored_keys(archive.conn)
    starts = [url for portal in load_portals().values() for url in portal.start_urls]
    return CanonicalGuard(archived, [*archived.values(), *pages], [*listing_urls(archive.conn), *starts])


def resolve_portal(url: str, portal_key: str | None = None) -> Portal | None:
    """The portal named, or the registered portal (planned ones too) whose host serves `url`."""
    return get_portal(portal_key) if portal_key else portal_for_url(url)


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

    kind = "not-article"


class UnforeseenError(ExtractionError):
    """Extraction raised something no rule expected (a bug, or a page built to break parsers)."""

    kind = "error"


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


def _generic(body: bytes, url: str, portal: Portal | None, content_type: str | None, note: str | None,
             layout: str | None) -> Extraction:
    key, province = (portal.key, portal.province) if portal else (None, None)
    with unforeseen(url):
        record = generic_record(body, url, key, province, content_type)
    warnings = []
    fetched, record["url"] = page_key(url, portal), page_key(record["url"], portal)
    problem = canonical_problem(record["url"], url) if record["url"] != fetched else None
    if problem:  # the same rule as the layouts' (scraper.extraction.urls): a page never names another's key
        record["url"] = fetched
        warnings.append(f"{problem}; kept the fetched URL")
    return Extraction(record, method="generic", note=note, warnings=warnings, layout=layout)


def extract_page(body: bytes, url: str, portal: Portal | None, content_type: str | None = None,
                 method: str = "auto") -> Extraction:
    """What the crawler and `reextract` store for a fetched article page.

    `method`: "auto" (the layout's rules, then the generic extractor when they fail), "layout"
    (the layout's rules only) or "generic". A truncated page raises TruncatedPage: its raw bytes
    are kept, but no partial article replaces a complete one.
    """
    if looks_truncated(body):
        raise TruncatedPage(f"the page ends before </html> ({len(body)} bytes): {url}")
    if portal is None or not portal.layout or method == "generic":
        why = None if method == "generic" else "no layout for this page's host"
        return _generic(body, url, portal, content_type, why, portal.layout if portal else None)
    layout = layout_of(portal)
    try:
        with unforeseen(url):
            page = page_classes(layout)[0](body, url, portal.key, portal.province, content_type)
            record = page.record()
        return Extraction(record, warnings=page.warnings, layout=layout.name, extractor=layout.extractor)
    except ExtractionError as error:
        if method == "layout" or not body.strip() or isinstance(error, UnforeseenError):
            raise
        try:
            return _generic(body, url, portal, content_type, str(error), layout.name)
        except ExtractionError as generic_error:
            raise ExtractionError(f"{error}; {generic_error}") from None


def advancing(items: list, advance: Callable[[int], None] | None) -> Iterator:
    """The items, calling advance(1) once each is done with."""
    for item in items:
        yield item
        if advance:
            advance(1)


def archived_portal(page_id: int, url: str, by_page: dict[int, tuple], by_url: dict[str, tuple]) -> Portal | None:
    """The portal a stored page's article was archived under, as the registry would give it:
    its key and province, and its layout while that layout's file is here. For pages of a portal
    that moved to another host (the 2025 merger moved several) or left the registry, whose
    articles must keep their portal rather than fail for want of one."""
    found = by_page.get(page_id) or by_url.get(url)
    if not found or not found[0]:
        return None
    key, province, layout = found
    layout = layout if layout and not layout_name_problem(layout) and layout_path(layout).exists() else ""
    return Portal(key=key, province=province or "", host=urlsplit(url).hostname or "", layout=layout)


def reextract(archive: "Archive", advance: Callable[[int], None] | None = None) -> dict[str, int]:
    """Re-run extraction over the newest stored capture of every article page; no network needed.

    Returns how many articles came out new, updated, unchanged, and how many pages failed; a
    page that fails (or whose stored bytes are damaged) is recorded and the others go on.
    `advance(1)` is called after each page (a progress bar).
    """
    from archive.keys import reclaim_key
    from archive.store import DamagedPage

    counts = {"new": 0, "updated": 0, "unchanged": 0, "failed": 0}
    archived = None  # the archive's own word on each page's portal, read when first needed
    pages = archive.latest_article_pages()
    guard = archive_guard(archive, (url for _page_id, url in pages))
    for page_id, page_url in advancing(pages, advance):
        portal = resolve_portal(page_url)
        if portal is None:  # the portal moved to another host, or left the registry
            archived = archived or archive.archived_portals()
            portal = archived_portal(page_id, page_url, *archived)
            if portal is None:
                counts["failed"] += 1
                archive.record_failure(None, page_url, "", "unknown-portal",
                                       f"no portal in the registry serves {urlsplit(page_url).hostname}, and "
                                       "no archived article says which portal this page is from", page_id)
                continue
        fetched = page_key(page_url, portal)
        try:
            refused = guard.not_an_article(fetched)
            if refused:
                raise NotAnArticle(refused)
            _url, body, content_type = archive.page_body(page_id)
            result = extract_page(body, page_url, portal, content_type)
        except (ExtractionError, DamagedPage) as error:
            counts["failed"] += 1
            archive.record_failure(None, page_url, portal.key if portal else "", error.kind, str(error), page_id)
            continue
        guard.settle(result.record, fetched)  # keyed as a crawl keys it (reextract records no warnings)
        reclaim_key(archive, result.record, page_url, key_rule(portal))
        outcome = archive.upsert_article(result.record, layout=result.layout, extractor=result.extractor,
                                         page_id=page_id, extraction=result.method, note=result.note)
        counts[outcome] += 1
    return counts
