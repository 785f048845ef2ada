"""The document pipeline: which articles link which files, and the files themselves, by content.

The archive pipeline stores an article's links with the article, in one write (a kill keeps both
or neither); a `DocumentItem` gives a fetched file, whose text is read only when its bytes are new
to the archive (or a stopped crawl left their text unread), in a child process within limits of
time, memory and length (scraper/crawl/document_reader.py: a 300-page PDF must not stall the crawl, nor
a file bomb take its memory or its Ctrl-C). A file whose text cannot be read, or not within the limits, is
stored all the same, with one line in `failures` (kind `document-text`); a server that declares
another type than the file is gives a `warning`.
"""
from __future__ import annotations

import logging
from collections import Counter
from typing import Callable

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from archive.documents import DocumentStore, sha256
from archive.store import Archive, now
from scraper.crawl.document_reader import DocumentReader, Reading, TextLimits, mib
from scraper.extraction.document_text import DocumentText
from scraper.items import IMAGE, DocumentItem
from scraper.model import NOT_MODIFIED, FailureKind
from scraper.crawl.logs import SUMMED_UP, documents_line
from scraper.pipelines import ArchivePipeline, guarded

logger = logging.getLogger("scraper.document_pipeline")  # the name its log lines have always shown


DOCUMENT_STATS = "soyte/documents/"  # the crawler's stats count what each document came to under this

# Text statuses that are a failure of the file (one `failures` line); interrupted is the crawl's stop, not the file's.
FAILED_TEXT = ("failed", "timeout", "too-large")


def text_limits(settings: BaseSettings) -> TextLimits:
    return TextLimits(settings.getfloat("SOYTE_DOCUMENT_TEXT_TIMEOUT"), settings.getint("SOYTE_DOCUMENT_TEXT_MEMORY"),
                      settings.getint("SOYTE_DOCUMENT_TEXT_MAXCHARS"))


class SharedReading:
    """The process's one text reader and the one thread that waits on it, shared by every portal's
    pipeline: one child process whatever the number of portals, and files queue here rather than
    in the reactor's thread pool, where a slow one would hold up DNS lookups."""

    current: "SharedReading | None" = None

    def __init__(self, limits: TextLimits):
        from twisted.internet import reactor

        self.reader = DocumentReader(limits)
        self.pool = ThreadPool(minthreads=0, maxthreads=1, name="soyte-document-text")
        self.pool.start()
        self.users = 0
        # A second Ctrl-C stops the reactor before the pipelines close: the thread must end all the same.
        reactor.addSystemEventTrigger("during", "shutdown", self.stop)

    @classmethod
    def join(cls, limits: TextLimits) -> "SharedReading":
        if cls.current is None:
            cls.current = cls(limits)
        cls.current.users += 1
        return cls.current

    def read(self, item: DocumentItem, stopping: Callable[[], bool]) -> Deferred:
        """The file's Reading (scraper.crawl.document_reader), when the one thread has had it read."""
        from twisted.internet import reactor

        return deferToThreadPool(reactor, self.pool, self.reader.read, item.body, item.url, item.content_type,
                                 stopping)

    def leave(self) -> None:
        self.users -= 1
        if self.users <= 0:
            self.stop()

    def stop(self) -> None:
        """End the thread and the worker (once; again at the reactor's shutdown, which does nothing)."""
        if SharedReading.current is self:
            SharedReading.current = None
        if not self.pool.joined:
            self.pool.stop()  # a file under way ends within a second once the crawl is stopping
        self.reader.close()


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
        self.storage_error: str | None = None
        self.reading: SharedReading | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "DocumentPipeline":
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        from scraper.crawl.run import archive_for, session_of

        session = session_of(self.crawler)
        if session is not None and session.blocked:
            return  # another crawl holds the archive: nothing comes to store
        self.archive, self.own_archive = archive_for(self.crawler, session)
        self.store = DocumentStore(self.archive)
        # The run the archive pipeline (opened first) writes under: the crawl run's, or its own without one.
        self.run_id = self.crawler.get_item_pipeline(ArchivePipeline).run_id
        self.reading = SharedReading.join(text_limits(self.crawler.settings))

    async def process_item(self, item, spider: Spider | None = None):
        if isinstance(item, DocumentItem) and item.kind == IMAGE:
            return item  # an article's image: scraper/image_pipeline.py keeps it
        if isinstance(item, DocumentItem) and not item.document:
            self.save_web_page(item)
        elif isinstance(item, DocumentItem):
            reading = None
            if item.status == 200 and self.store.needs_text(sha256(item.body)):
                reading = await maybe_deferred_to_future(self.reading.read(item, self.stopping))
            self.save_document(item, reading)
        return item

    def stopping(self) -> bool:
        """The crawl is being stopped (Ctrl-C, SIGTERM): the file under way gets a second, then its reader is killed."""
        return not self.crawler.crawling

    @guarded
    def save_web_page(self, item: DocumentItem) -> None:
        """A link taken for an attachment that serves a web page: not a document, but its raw page is
        kept (kind `other`), which also tells the next run that the link was answered (archive/frontier.py)."""
        self.archive.save_page(item.url, item.status, item.headers, item.body, self.run_id, kind="other")

    @guarded
    def save_document(self, item: DocumentItem, reading: Reading | None) -> None:
        text: DocumentText | None = reading and reading.text
        if item.status == NOT_MODIFIED:
            self.count("unchanged" if self.store.touch(item.url, now()) else "not_modified_unknown")
            return
        if item.status != 200:
            self.fail(item, FailureKind.DOCUMENT_FETCH, f"HTTP {item.status}: not stored")
            return
        # A file may be large (up to SOYTE_DOCUMENT_MAXSIZE): what is grouped is committed first, so
        # one the disk cannot hold costs only itself (SQLite may roll back a whole transaction when full).
        self.archive.flush()
        outcome = self.store.store(item.url, item.portal, item.body, status=item.status,
                                   served_type=item.content_type, headers=item.headers, run_id=self.run_id,
                                   at=now(), extracted=text)
        self.count(outcome)
        logger.info("%s: %s %s (%s bytes): %s%s", item.portal, item.kind, item.url, f"{len(item.body):,}", outcome,
                    f", text {text.status} ({reading.seconds:.2f} s, peak memory {mib(reading.peak_memory)})"
                    if reading else "", extra=SUMMED_UP)  # the run's `documents:` line counts it
        if text and text.status in FAILED_TEXT:
            self.fail(item, FailureKind.DOCUMENT_TEXT, text.note or "text not read")
        if text and text.mismatch:
            self.fail(item, FailureKind.WARNING, f"{text.mismatch}; read as what it is", warning=True)

    def fail(self, item: DocumentItem, kind: str, reason: str, warning: bool = False) -> None:
        logger.warning("%s: %s: %s: %s", item.portal, kind, item.url, reason)
        self.count("warnings" if warning else "failures")
        self.archive.record_failure(self.run_id, item.url, item.portal, kind, reason, None,
                                    None if kind == FailureKind.WARNING else item.status)
        self.archive.add_to_run(self.run_id, **({"warnings": 1} if warning else {"errors": 1}))

    def count(self, what: str) -> None:
        self.crawler.stats.inc_value(DOCUMENT_STATS + what)

    def tally(self) -> Counter:
        """What this crawler did with documents (new, changed, unchanged, failures …), counted once, in its stats."""
        return Counter({key.removeprefix(DOCUMENT_STATS): n for key, n in self.crawler.stats.get_stats().items()
                        if key.startswith(DOCUMENT_STATS)})

    def close_spider(self, spider: Spider | None = None) -> None:
        """The tally goes to the crawl run, which logs one line for all its portals' crawlers at its end
        (it closes after this); without a run (contracts), this crawler's own line."""
        from scraper.crawl.run import session_of

        if self.reading is not None:
            self.reading.leave()
            self.reading = None
        if self.archive is None:
            return
        session = session_of(self.crawler)
        if session is not None and not self.own_archive:
            session.documents.update(self.tally())
        else:
            logger.info("%s", documents_line(self.tally()))
        if self.own_archive:
            self.archive.close()
