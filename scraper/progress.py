"""Progress lines while crawling: per portal, every SOYTE_PROGRESS_INTERVAL seconds.

Like Scrapy's LogStats, but in the field's terms (listing pages, articles new / updated /
unchanged, errors), so that a cron log shows which portal is moving and which is stuck.
"""
from __future__ import annotations

import logging

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger(__name__)


class ProgressLog:
    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ProgressLog":
        interval = crawler.settings.getfloat("SOYTE_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.loop = task.LoopingCall(self.log, spider)
        self.loop.start(self.interval, now=False)

    def log(self, spider: Spider) -> None:
        stats = self.crawler.stats
        for portal in getattr(spider, "portals", []):
            value = lambda what: stats.get_value(f"soyte/{portal.key}/{what}", 0)  # noqa: E731
            logger.info("progress %s: %d listing pages, %d new, %d updated, %d unchanged articles, %d errors",
                        portal.key, value("listing_pages") + value("listing_not_modified"), value("articles_new"),
                        value("articles_updated"), value("articles_unchanged"),
                        value("extraction_failures") + value("fetch_failures"))

    def spider_closed(self, spider: Spider) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
