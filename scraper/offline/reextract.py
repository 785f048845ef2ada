"""Re-extraction: every stored article page read again with today's layouts and extractor, with no
network (`soyte reextract`, after a layout or the extractor changed).

Pages are keyed as a crawl keys them: the canonical guard of an offline pass (`archive_guard`, which
import-warc uses too) knows every archived article, listing page and start URL. A page whose host no
registry portal serves any more keeps the portal its archived article names (`archived_portal`).
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from archive.keys import listing_urls, reclaim_key, stored_keys
from archive.compression import DamagedPage
from archive.store import Archive
from scraper.extraction.extract import NotAnArticle
from scraper.extraction.layouts import layout_name_problem, layout_path
from scraper.extraction.pages import ExtractionError
from scraper.extraction.urls import CanonicalGuard
from scraper.model import FailureKind
from scraper.portals.reading import extract_portal_page, key_rule, page_key, resolve_portal
from scraper.portals.registry import Portal, load_portals


def archive_guard(archive: Archive, pages: Iterable[str] = ()) -> CanonicalGuard:
    """The canonical guard of an offline pass (reextract, import-warc), from what the archive
    knows: every article's key and page, every listing page, the registry's start URLs, and
    `pages`, the other article pages of the pass."""
    archived = stored_keys(archive.conn)
    starts = [url for portal in load_portals().values() for url in portal.start_urls]
    return CanonicalGuard(archived, [*archived.values(), *pages], [*listing_urls(archive.conn), *starts])


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


def reextract(archive: Archive, advance: Callable[[int], None] | None = None) -> dict[str, int]:
    """Re-run extraction over the newest stored capture of every article page; no network needed.

    Returns how many articles came out new, updated, unchanged, and how many pages failed; a
    page that fails (or whose stored bytes are damaged) is recorded and the others go on.
    `advance(1)` is called after each page (a progress bar).
    """
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
                archive.record_failure(None, page_url, "", FailureKind.UNKNOWN_PORTAL,
                                       f"no portal in the registry serves {urlsplit(page_url).hostname}, and "
                                       "no archived article says which portal this page is from", page_id)
                continue
        fetched = page_key(page_url, portal)
        try:
            refused = guard.not_an_article(fetched)
            if refused:
                raise NotAnArticle(refused)
            _url, body, content_type = archive.page_body(page_id)
            result = extract_portal_page(body, page_url, portal, content_type)
        except (ExtractionError, DamagedPage) as error:
            counts["failed"] += 1
            archive.record_failure(None, page_url, portal.key, error.kind, str(error), page_id)
            continue
        guard.settle(result.record, fetched)  # keyed as a crawl keys it (reextract records no warnings)
        reclaim_key(archive, result.record, page_url, key_rule(portal))
        outcome = archive.upsert_article(result.record, layout=result.layout, extractor=result.extractor,
                                         page_id=page_id, extraction=result.method, note=result.note)
        counts[outcome] += 1
    return counts
