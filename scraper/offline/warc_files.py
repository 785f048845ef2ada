"""The files of a WARC import: documents and images kept for the articles that link them.

`soyte import-warc` keeps pages first (scraper/offline/backfill.py); then this second pass over
the same files reads every non-HTML response. A file that an archived article links (as an
attachment, or as an image) is stored as a crawl stores it, at its capture time: a document with
its text (scraper.extraction.document_text, read here in the process: the import is offline work
on files a person chose), an image if its bytes are one (scraper.extraction.image_files); and the
article's links are recorded (document_links). A file no article links is counted and skipped
(`files_unlinked`), one line each, as is a non-HTML response that is no file (robots.txt, a
sitemap: `not_html`, as before) and an "image" whose bytes are not an image (`files_unreadable`).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Callable

from archive.documents import DocumentStore, article_links, sha256
from archive.images import ImageStore
from archive.store import Archive
from archive.warc import Capture, read_captures
from scraper.extraction.document_text import extract_text
from scraper.extraction.image_files import read_image
from scraper.portals.registry import Portal, portal_for_url

FILE_COUNTS = ("documents_new", "images_new", "files_known", "files_unlinked", "files_unreadable")
FILE_KINDS = ("document", "image")  # the Soyte-Page-Kind of a soyte export's file records


def linked_files(archive: Archive) -> dict[str, tuple[str, str, dict]]:
    """URL → (kind, the first article linking it, that article's record) of every attachment and image
    an archived article links, read from the records themselves (an imported article has no links yet)."""
    import json

    found: dict[str, tuple[str, str, dict]] = {}
    for url, images, attachments in archive.conn.execute("SELECT url, images, attachments FROM articles ORDER BY url"):
        record = {"url": url, "images": json.loads(images or "[]"), "attachments": json.loads(attachments or "[]")}
        for link in article_links(record, with_images=True):
            found.setdefault(link["url"], ("image" if link["kind"] == "image" else "document", url, record))
    return found


def import_files(archive: Archive, paths: list[Path], only: Portal | None, counts: Counter,
                 say: Callable[[str], None]) -> None:
    """The second pass of an import: each non-HTML response of `paths` kept, counted or skipped."""
    for name in FILE_COUNTS:
        counts.setdefault(name, 0)
    links: dict[str, tuple[str, str, dict]] | None = None
    linked_articles: set[str] = set()
    for path in paths:
        for item in read_captures(path):
            if not isinstance(item, Capture) or item.html:
                continue  # pages were kept, and damage said, by the first pass
            portal = portal_for_url(item.url)
            if portal is None or (only and portal.key != only.key):
                counts["other_host"] += 1
                continue
            if links is None:
                links = linked_files(archive)
            if item.url not in links or item.status != 200:
                if item.kind in FILE_KINDS or item.url in links:
                    counts["files_unlinked"] += 1
                    say(f"{item.where}; no archived article links it: skipped")
                else:
                    counts["not_html"] += 1
                    say(item.where)
                continue
            kind, article_url, record = links[item.url]
            if article_url not in linked_articles:  # the article's links, once, as the crawl records them
                DocumentStore(archive).record_links(article_url, article_links(record, with_images=True))
                linked_articles.add(article_url)
            keep_file(archive, item, kind, portal, counts, say)


def keep_file(archive: Archive, capture: Capture, kind: str, portal: Portal, counts: Counter,
              say: Callable[[str], None]) -> None:
    """Store one linked file as the crawl would have: 'new' or known (same URL and bytes, or the bytes under another URL)."""
    served = next((v for k, v in capture.headers.items() if k.lower() == "content-type"), None)
    if kind == "image":
        image = read_image(capture.body)
        if image is None:
            counts["files_unreadable"] += 1
            say(f"{capture.where}; linked as an image, but its bytes are not one: skipped")
            return
        outcome = ImageStore(archive).store(capture.url, portal.key, capture.body, image, status=capture.status,
                                            served_type=served, headers=capture.headers, run_id=None,
                                            at=capture.captured_at)
        counts["images_new" if outcome == "new" else "files_known"] += 1
        return
    store = DocumentStore(archive)
    text = extract_text(capture.body, capture.url, served) if store.needs_text(sha256(capture.body)) else None
    outcome = store.store(capture.url, portal.key, capture.body, status=capture.status, served_type=served,
                          headers=capture.headers, run_id=None, at=capture.captured_at, extracted=text)
    counts["documents_new" if outcome == "new" else "files_known"] += 1
