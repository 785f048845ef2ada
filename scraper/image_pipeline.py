"""The image pipeline: an article's images, kept by content, after the article is stored.

The spider asks for an article's images as it asks for its attachments (spiders/documents.py: the
same robots.txt, AutoThrottle, retries and conditional requests, the portal's own host and the CDN
hosts its registry entry names, SOYTE_IMAGE_MAXSIZE as Scrapy's per-request cap), and yields a
`DocumentItem` of kind `image`; the document pipeline leaves those to this one. Here the bytes
must be an image (scraper.extraction.image_files reads them, not the served Content-Type): a web
page or any other file where an image was linked is one `failures` row (kind `document-fetch`,
with what was served), not stored. An image is stored once per distinct content (archive.images);
a 304 only moves its capture's `last_fetched_at`.
"""
from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.crawler import Crawler

from archive.images import ImageStore
from archive.store import Archive, now
from scraper.crawl.logs import SUMMED_UP
from scraper.document_pipeline import DocumentPipeline
from scraper.extraction.image_files import read_image
from scraper.items import IMAGE, DocumentItem
from scraper.model import NOT_MODIFIED, FailureKind
from scraper.pipelines import ArchivePipeline, guarded

logger = logging.getLogger("scraper.image_pipeline")

IMAGE_STATS = "soyte/images/"  # what each image came to, counted in the crawler's stats under this


class ImagePipeline:
    """Writes image bytes and captures to the archive named by SOYTE_DB."""

    storage_failed = ArchivePipeline.storage_failed
    fail = DocumentPipeline.fail  # one `failures` row, one run error, counted under this pipeline's stats

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.archive: Archive | None = None
        self.own_archive = False
        self.store: ImageStore | None = None
        self.run_id: int | None = None
        self.storage_error: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ImagePipeline":
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        from scraper.crawl.run import archive_for, session_of

        session = session_of(self.crawler)
        if session is not None and session.blocked:
            return
        self.archive, self.own_archive = archive_for(self.crawler, session)
        self.store = ImageStore(self.archive)
        self.run_id = self.crawler.get_item_pipeline(ArchivePipeline).run_id

    def process_item(self, item, spider: Spider | None = None):
        if isinstance(item, DocumentItem) and item.kind == IMAGE and self.store is not None:
            self.save_image(item)
        return item

    @guarded
    def save_image(self, item: DocumentItem) -> None:
        if item.status == NOT_MODIFIED:
            self.count("unchanged" if self.store.touch(item.url, now()) else "not_modified_unknown")
            return
        if item.status != 200:
            self.fail(item, FailureKind.DOCUMENT_FETCH, f"HTTP {item.status}: image not stored")
            return
        image = read_image(item.body)
        if image is None:
            self.fail(item, FailureKind.DOCUMENT_FETCH, f"not an image: served {item.content_type or 'no type'}, "
                                                        f"{len(item.body):,} bytes; not stored")
            return
        self.archive.flush()  # what is grouped is committed first: a body the disk cannot hold costs only itself
        outcome = self.store.store(item.url, item.portal, item.body, image, status=item.status,
                                   served_type=item.content_type, headers=item.headers, run_id=self.run_id, at=now())
        self.count(outcome)
        logger.info("%s: image %s (%s, %s bytes): %s", item.portal, item.url, image.kind, f"{len(item.body):,}",
                    outcome, extra=SUMMED_UP)

    def count(self, what: str) -> None:
        self.crawler.stats.inc_value(IMAGE_STATS + what)

    def close_spider(self, spider: Spider | None = None) -> None:
        """One line in the log file of what this crawler did with images (each image's own line is there too)."""
        if self.archive is None:
            return
        tally = {key.removeprefix(IMAGE_STATS): n for key, n in self.crawler.stats.get_stats().items()
                 if key.startswith(IMAGE_STATS)}
        if tally:
            logger.info("images: %d new, %d new versions, %d already stored from another URL, %d unchanged, "
                        "%d not stored (see failures)", tally.get("new", 0), tally.get("changed", 0),
                        tally.get("duplicate", 0), tally.get("unchanged", 0), tally.get("failures", 0),
                        extra=SUMMED_UP)  # the log file (and -v); the portal's one line counts the failures
        if self.own_archive:
            self.archive.close()
