"""The archive pipeline: every response is kept raw; every item is stored in the archive."""
from __future__ import annotations

import logging

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from archive.store import Archive
from scraper.items import ArticleItem, FailureItem

logger = logging.getLogger(__name__)


def header_dict(response: Response) -> dict[str, str]:
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}


class ArchivePipeline:
    """Writes pages, articles and failures to the SQLite archive named by SOYTE_DB."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.own_run = False
        self.page_ids: dict[str, int] = {}
        self.counts = {"new": 0, "updated": 0, "unchanged": 0, "errors": 0}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArchivePipeline":
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        settings = self.crawler.settings
        self.archive = Archive(settings.get("SOYTE_DB"))
        self.run_id = settings.getint("SOYTE_RUN_ID") or None
        if self.run_id is None:
            self.own_run = True
            keys = [portal.key for portal in getattr(self.crawler.spider, "portals", [])]
            self.run_id = self.archive.start_run(keys)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        if self.archive is None:
            return
        page_id = self.archive.save_page(response.url, response.status, header_dict(response),
                                         response.body, self.run_id, request.meta.get("soyte_kind", "other"))
        self.page_ids[response.url] = page_id

    def process_item(self, item, spider: Spider | None = None):
        assert self.archive is not None and self.run_id is not None
        if isinstance(item, ArticleItem):
            outcome = self.archive.upsert_article(item.record, layout=item.layout, extractor=item.extractor,
                                                  page_id=self.page_ids.get(item.page_url))
            self.counts[outcome] += 1
            self.archive.add_to_run(self.run_id, **{f"articles_{outcome}": 1})
        elif isinstance(item, FailureItem):
            self.counts["errors"] += 1
            self.archive.record_failure(self.run_id, item.url, item.portal, item.kind, item.reason,
                                        self.page_ids.get(item.url))
            self.archive.add_to_run(self.run_id, errors=1)
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.archive is None:
            return
        stats = self.crawler.stats
        self.archive.add_to_run(self.run_id, requests=stats.get_value("downloader/request_count", 0))
        name = self.crawler.spider.name if self.crawler.spider else "?"
        logger.info("%s: %d new, %d updated, %d unchanged articles, %d errors", name,
                    self.counts["new"], self.counts["updated"], self.counts["unchanged"], self.counts["errors"])
        if self.own_run:
            self.archive.finish_run(self.run_id, "completed")
        self.archive.close()
