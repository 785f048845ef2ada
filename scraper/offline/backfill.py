"""Backfilling the archive from WARC/WACZ files (the Internet Archive, Browsertrix, Heritrix, a soyte export).

Three passes: first every HTML response of a registered portal is kept as a page with its original
capture time (pages are unique by URL and body, so nothing already archived is stored twice);
then the new article pages are extracted in capture order, oldest first, and each placed in its
article's history (archive.history): a capture older than what is archived becomes an earlier
version, a newer one updates the article; last, the files the articles link (documents, images)
are read from the same files again and kept (scraper/offline/warc_files.py). Extraction goes through `archive_extraction` only.
An imported page is keyed as a crawled one is: its canonical only where it names no other page the
archive or the files hold (scraper.extraction.urls.CanonicalGuard), never a listing or the home page, and a
page imported at its own URL takes its key back from a forger (archive.keys).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from archive.compression import DamagedPage
from archive.history import file_capture
from archive.keys import reclaim_key
from archive.store import Archive
from archive.warc import Capture, Skipped, read_captures
from scraper.extraction.extract import NotAnArticle
from scraper.extraction.pages import ExtractionError
from scraper.offline.reextract import archive_guard
from scraper.portals.reading import extract_portal_page, key_rule, page_key
from scraper.portals.registry import Portal, get_portal, portal_for_url
from scraper.extraction.urls import CanonicalGuard
from scraper.model import FailureKind
from scraper.offline.warc_files import import_files


@dataclass
class Extracted:
    record: dict
    method: str
    note: str | None
    layout: str
    extractor: str


def archive_extraction(body: bytes, url: str, portal: Portal, content_type: str | None) -> Extracted:
    """The one place import-warc extracts a page: as `reextract` does (layout rules, else generic, flagged)."""
    result = extract_portal_page(body, url, portal, content_type)
    return Extracted(result.record, result.method, result.note, result.layout, result.extractor)


@dataclass(order=True)
class Fresh:
    """A newly stored article page waiting for extraction, ordered by capture time."""

    captured_at: str
    page_id: int
    url: str
    portal: Portal


COUNTS = ("responses", "pages_new", "pages_known", "articles_new", "articles_updated", "articles_unchanged",
          "articles_earlier", "extraction_failures", "revisit", "not_html", "other_host", "damaged", "warnings")


def import_warc(archive: Archive, paths: list[Path], portal_key: str | None = None,
                say: Callable[[str], None] = lambda line: None) -> dict[str, int]:
    """Import the files; returns the counts of COUNTS. One line through `say` per record skipped."""
    only = get_portal(portal_key) if portal_key else None
    counts: Counter = Counter({name: 0 for name in COUNTS})
    fresh: list[Fresh] = []
    for path in paths:
        for item in read_captures(path):
            if isinstance(item, Skipped):
                counts[item.what.replace("-", "_")] += 1
                say(item.message)
                continue
            if not item.html:
                continue  # a file (or robots.txt …): the second pass, once the articles are in (warc_files)
            counts["responses"] += 1
            page = _keep(archive, item, only, counts, say)
            if page:
                fresh.append(page)
    guard = archive_guard(archive, (page_key(page.url, page.portal) for page in fresh))
    for page in sorted(fresh):
        _extract(archive, page, counts, say, guard)
    import_files(archive, paths, only, counts, say)  # documents and images of the articles that link them
    return dict(counts)


def _keep(archive: Archive, capture: Capture, only: Portal | None, counts: Counter,
          say: Callable[[str], None]) -> Fresh | None:
    portal = portal_for_url(capture.url)
    if portal is None or (only and portal.key != only.key):
        counts["other_host"] += 1
        say(f"{capture.url}: " + ("not a portal in the registry" if portal is None else f"not {only.key}") + "; skipped")
        return None
    kind = capture.kind or "article"
    page_id, new = archive.store_page(capture.url, capture.status, capture.headers, capture.body, None, kind,
                                      capture.captured_at)
    counts["pages_new" if new else "pages_known"] += 1
    if new and kind == "article" and capture.status == 200:
        return Fresh(capture.captured_at, page_id, capture.url, portal)
    return None


def _extract(archive: Archive, page: Fresh, counts: Counter, say: Callable[[str], None],
             guard: CanonicalGuard) -> None:
    fetched = page_key(page.url, page.portal)
    try:
        refused = guard.not_an_article(fetched)
        if refused:
            raise NotAnArticle(refused)
        _url, body, content_type = archive.page_body(page.page_id)
        extracted = archive_extraction(body, page.url, page.portal, content_type)
    except (ExtractionError, DamagedPage) as error:
        counts["extraction_failures"] += 1
        archive.record_failure(None, page.url, page.portal.key, error.kind, str(error), page.page_id)
        say(f"{page.portal.key}: {error.kind}: {page.url}: {error}")
        return
    warning = guard.settle(extracted.record, fetched)
    if warning:
        archive.record_failure(None, page.url, page.portal.key, FailureKind.WARNING, warning, page.page_id)
        _warned(counts, say, page.portal.key, page.url, warning)
    rekeyed = reclaim_key(archive, extracted.record, page.url, key_rule(page.portal))  # records its warning
    if rekeyed:
        _warned(counts, say, page.portal.key, rekeyed.url, rekeyed.message)
    outcome = file_capture(archive, extracted.record, layout=extracted.layout, extractor=extracted.extractor,
                           page_id=page.page_id, captured_at=page.captured_at, extraction=extracted.method,
                           note=extracted.note)
    counts[f"articles_{outcome}"] += 1


def _warned(counts: Counter, say: Callable[[str], None], portal: str, url: str, warning: str) -> None:
    """A warning recorded in `failures`: counted, and one line."""
    counts["warnings"] += 1
    say(f"{portal}: warning: {url}: {warning}")
