"""The document pipeline: which articles link which files, and the files themselves, by content.

An `ArticleItem` gives the article's links; a `DocumentItem` gives a fetched file, whose text is
read (in a thread: a 300-page PDF must not stall the crawl) only when its bytes are new to the
archive. A file whose text cannot be read is stored all the same, with one line in `failures`
(kind `document-text`); a server that declares another type than the file is gives a `warning`.
"""
from __future__ import annotations

import logging
from collections import Counter

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from archive.documents import DocumentStore, Extracted, sha256
from archive.store import Archive, now
from scraper.document_text import DocumentText, extract_text
from scraper.items import ArticleItem, DocumentItem
from scraper.logs import SUMMED_UP, documents_line
from scraper.pipelines import ArchivePipeline, guarded

logger = logging.getLogger(__name__)


def article_links(record: dict, with_images: bool) -> list[dict]:
    links = [{"url": a["url"], "title": a.get("title"), "kind": "attachment"}
             for a in record.get("attachments") or [] if a.get("url")]
    if with_images:
        links += [{"url": i["url"], "title": i.get("caption"), "kind": "image"}
                  for i in record.get("images") or [] if i.get("url")]
    return links


class DocumentPipeline:
    """Writes document links, bytes, captures and text to the archive named by SOYTE_DB."""

    # A write the archive refuses stops the crawl with the same one line (and exit 4) as for articles.
    storage_failed = ArchivePipeline.storage_failed

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.archive: Archive | None = None
        self.own_archive = False  # opened here (no crawl run); else the run's connection, shared
        self.store: DocumentStore | None = None
        self.run_id: int | None = None
        self.tally: Counter = Counter()
        self.storage_error: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "DocumentPipeline":
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        from scraper.crawlrun import archive_for, session_of

        session = session_of(self.crawler)
        if session is not None and session.blocked:
            return  # another crawl holds the archive: nothing comes to store
        self.archive, self.own_archive = archive_for(self.crawler, session)
        self.store = DocumentStore(self.archive)
        # The archive pipeline (opened first) has the run, its own when a bare `scrapy crawl` runs.
        self.run_id = self.crawler.stats.get_value("soyte/run_id") or self.crawler.settings.getint("SOYTE_RUN_ID") or None

    async def process_item(self, item, spider: Spider | None = None):
        if isinstance(item, ArticleItem):
            self.save_links(item)
        elif isinstance(item, DocumentItem):
            text = None
            if item.status == 200 and not self.store.has_body(sha256(item.body)):
                text = await maybe_deferred_to_future(deferToThread(extract_text, item.body, item.url,
                                                                    item.content_type))
            self.save_document(item, text)
        return item

    @guarded
    def save_links(self, item: ArticleItem) -> None:
        links = article_links(item.record, self.crawler.settings.getbool("SOYTE_WITH_IMAGES"))
        self.store.record_links(item.record["url"], links)

    @guarded
    def save_document(self, item: DocumentItem, text: DocumentText | None) -> None:
        if item.status == 304:
            self.count("unchanged" if self.store.touch(item.url, now()) else "not_modified_unknown")
            return
        if item.status != 200:
            self.fail(item, "document-fetch", f"HTTP {item.status}: not stored")
            return
        extracted = text and Extracted(text.kind, text.media_type, text.text, text.status, text.note, text.pages)
        # A file may be large (up to SOYTE_DOCUMENT_MAXSIZE): what is grouped is committed first, so
        # one the disk cannot hold costs only itself (SQLite may roll back a whole transaction when full).
        self.archive.flush()
        outcome = self.store.store(item.url, item.portal, item.body, status=item.status,
                                   served_type=item.content_type, headers=item.headers, run_id=self.run_id,
                                   at=now(), extracted=extracted)
        self.count(outcome)
        logger.info("%s: %s %s (%s bytes): %s%s", item.portal, item.kind, item.url, f"{len(item.body):,}", outcome,
                    f", text {text.status}" if text else "", extra=SUMMED_UP)  # the run's `documents:` line counts it
        if text and text.status == "failed":
            self.fail(item, "document-text", text.note or "text not read")
        if text and text.mismatch:
            self.fail(item, "warning", f"{text.mismatch}; read as what it is", warning=True)

    def fail(self, item: DocumentItem, kind: str, reason: str, warning: bool = False) -> None:
        logger.warning("%s: %s: %s: %s", item.portal, kind, item.url, reason)
        self.count("warnings" if warning else "failures")
        self.archive.record_failure(self.run_id, item.url, item.portal, kind, reason, None,
                                    None if kind == "warning" else item.status)
        self.archive.add_to_run(self.run_id, **({"warnings": 1} if warning else {"errors": 1}))

    def count(self, what: str) -> None:
        self.tally[what] += 1
        self.crawler.stats.inc_value(f"soyte/documents/{what}")

    def close_spider(self, spider: Spider | None = None) -> None:
        """The tally goes to the crawl run, which logs one line for all its portals' crawlers at its end
        (it closes after this); without a run (contracts), this crawler's own line."""
        from scraper.crawlrun import session_of

        if self.archive is None:
            return
        session = session_of(self.crawler)
        if session is not None and not self.own_archive:
            session.documents.update(self.tally)
        else:
            logger.info("%s", documents_line(self.tally))
        if self.own_archive:
            self.archive.close()
