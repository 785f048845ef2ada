"""Progress while crawling, per portal: a live display in a terminal, else a line every N seconds or pages.

Like Scrapy's LogStats, but in the field's terms (listing pages, articles new / updated /
unchanged, errors), so that a person sees which portal moves and a cron log shows which one is
stuck. The counts are the crawl's own stats (`soyte/<portal>/<what>`, kept by the spider and the
pipeline); this extension adds what is still queued (the listing pages and articles seen in
links but not fetched yet: the estimate of what is left) and the requests per second.

`soyte crawl` in a terminal hands each crawler a live display (scraper.crawl.display, through
`show_progress_on`); this extension feeds it.
Otherwise (cron, CI, a bare `scrapy crawl`) it logs a line per portal every
SOYTE_PROGRESS_INTERVAL seconds and, when SOYTE_PROGRESS_PAGES is set, every that many pages.
"""
from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from typing import Protocol

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from twisted.internet import task

from scraper.items import FailureItem

logger = logging.getLogger("scraper.progress")  # the name its log lines have always shown

LIVE_REFRESH = 0.25  # seconds between updates of a live display
RATE_WINDOW = 5.0    # requests per second are measured over this many seconds


@dataclass
class PortalProgress:
    """Where one portal's crawl stands."""

    key: str
    listing_pages: int = 0    # walked (fetched, or answered 304)
    listing_left: int = 0     # seen in pagination links, not fetched yet
    article_links: int = 0
    articles_left: int = 0    # requested, not fetched yet
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0           # extraction and fetch failures
    requests: int = 0
    rate: float = 0.0         # requests per second, lately
    seconds: float = 0.0      # since the portal's spider opened
    finished: bool = False
    reason: str = "finished"  # why its spider closed: finished, shutdown (Ctrl-C), archive_error …

    @property
    def done(self) -> int:
        return self.listing_pages + self.new + self.updated + self.unchanged + self.failed

    @property
    def left(self) -> int:
        return self.listing_left + self.articles_left

    def line(self) -> str:
        """The periodic line without a terminal; it ends with the tally (cron logs are grepped for it)."""
        return (f"progress {self.key}: {self.listing_pages} listing pages ({self.listing_left} to go), "
                f"{self.article_links} article links ({self.articles_left} to fetch), "
                f"{self.rate:.1f} requests/s, {self.new} new, {self.updated} updated, "
                f"{self.unchanged} unchanged articles, {self.failed} errors")

    def finished_line(self) -> str:
        ended = "finished" if self.reason == "finished" else f"stopped ({self.reason})"
        return (f"{self.key} {ended}: {self.listing_pages} listing pages, {self.article_links} article links, "
                f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged articles, "
                f"{self.failed} failed; {self.requests} requests in {self.seconds:.1f} s")


class ProgressDisplay(Protocol):
    """What draws the portals' progress live: scraper.crawl.display.LiveDisplay in a terminal."""

    def update(self, portal: PortalProgress) -> None: ...

    def finish(self, portal: PortalProgress) -> None: ...


def show_progress_on(crawler: Crawler, display: ProgressDisplay) -> None:
    """Hand a crawler, before it starts, the live display its progress extension feeds (the process
    that starts the crawlers does: scraper.crawl.process.SoyteCrawlerProcess)."""
    crawler.soyte_progress_display = display


class ProgressLog:
    """Scrapy extension: per portal, what is queued and how fast it goes, shown live or logged now and then."""

    def __init__(self, crawler: Crawler, interval: float, every_pages: int, display: ProgressDisplay | None = None):
        self.crawler = crawler
        self.interval = interval
        self.every_pages = every_pages
        self.display = display
        self.loop: task.LoopingCall | None = None
        self.started = time.monotonic()
        # portal -> (kind, URL) -> requests for it scheduled and not answered: a duplicate the dupe
        # filter drops takes back only its own count, a response or a failure clears the URL
        self.pending: dict[str, Counter] = defaultdict(Counter)
        self.requests: Counter = Counter()
        self.pages: Counter = Counter()
        self.samples: dict[str, deque] = defaultdict(deque)  # portal -> (time, requests)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ProgressLog":
        interval = crawler.settings.getfloat("SOYTE_PROGRESS_INTERVAL")
        every_pages = crawler.settings.getint("SOYTE_PROGRESS_PAGES", 0)
        display = getattr(crawler, "soyte_progress_display", None)  # show_progress_on
        if interval <= 0 and every_pages <= 0 and display is None:
            raise NotConfigured
        extension = cls(crawler, interval, every_pages, display)
        connect = crawler.signals.connect
        connect(extension.spider_opened, signal=signals.spider_opened)
        connect(extension.spider_closed, signal=signals.spider_closed)
        connect(extension.request_scheduled, signal=signals.request_scheduled)
        connect(extension.request_dropped, signal=signals.request_dropped)
        connect(extension.request_reached_downloader, signal=signals.request_reached_downloader)
        connect(extension.response_received, signal=signals.response_received)
        connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def portal_keys(self, spider: Spider) -> list[str]:
        return [portal.key for portal in getattr(spider, "portals", [])]

    # What is queued: a URL a listing or sitemap linked to, not answered yet.
    def request_scheduled(self, request: Request, spider: Spider) -> None:
        portal, kind = request.meta.get("portal"), request.meta.get("soyte_kind")
        if portal and kind in ("listing", "article"):
            self.pending[portal][kind, request.url] += 1

    def request_dropped(self, request: Request, spider: Spider) -> None:
        portal, kind = request.meta.get("portal"), request.meta.get("soyte_kind")
        if portal and self.pending[portal][kind, request.url] > 0:
            self.pending[portal][kind, request.url] -= 1
            if not self.pending[portal][kind, request.url]:
                del self.pending[portal][kind, request.url]

    def request_reached_downloader(self, request: Request, spider: Spider) -> None:
        if portal := request.meta.get("portal"):
            self.requests[portal] += 1

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        portal = request.meta.get("portal")
        if not portal or request.meta.get("soyte_kind") not in ("listing", "article"):
            return
        for url in (request.url, *request.meta.get("redirect_urls", [])):
            self.pending[portal].pop((request.meta["soyte_kind"], url), None)
        self.pages[portal] += 1
        if self.display is None and self.every_pages > 0 and self.pages[portal] % self.every_pages == 0:
            logger.info("%s", self.snapshot(portal).line())

    def item_scraped(self, item, response, spider: Spider) -> None:
        if isinstance(item, FailureItem):  # a fetch that failed for good is not left to do
            for kind in ("listing", "article"):
                self.pending[item.portal].pop((kind, item.url), None)

    def queued(self, portal: str) -> Counter:
        """How many listing pages and articles of the portal are requested and not answered yet."""
        return Counter(kind for kind, _url in self.pending[portal])

    def snapshot(self, portal: str, finished: bool = False, reason: str = "finished") -> PortalProgress:
        stats = self.crawler.stats
        value = lambda what: stats.get_value(f"soyte/{portal}/{what}", 0)  # noqa: E731
        kinds = self.queued(portal)
        now = time.monotonic()
        samples = self.samples[portal]
        samples.append((now, self.requests[portal]))
        while len(samples) > 2 and samples[1][0] <= now - RATE_WINDOW:
            samples.popleft()
        first_time, first_count = samples[0]
        rate = (self.requests[portal] - first_count) / (now - first_time) if now > first_time else 0.0
        return PortalProgress(
            portal, value("listing_pages") + value("listing_not_modified"), kinds["listing"],
            value("article_links"), kinds["article"], value("articles_new"), value("articles_updated"),
            value("articles_unchanged"), value("extraction_failures") + value("fetch_failures"),
            self.requests[portal], rate, now - self.started, finished, reason)

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        if self.display is not None:
            self.loop = task.LoopingCall(self.refresh, spider)
            self.loop.start(LIVE_REFRESH, now=True)
        elif self.interval > 0:
            self.loop = task.LoopingCall(self.log, spider)
            self.loop.start(self.interval, now=False)

    def refresh(self, spider: Spider) -> None:
        for portal in self.portal_keys(spider):
            self.display.update(self.snapshot(portal))

    def log(self, spider: Spider) -> None:
        for portal in self.portal_keys(spider):
            logger.info("%s", self.snapshot(portal).line())

    def spider_closed(self, spider: Spider, reason: str = "finished") -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        if self.display is not None:
            for portal in self.portal_keys(spider):
                self.display.finish(self.snapshot(portal, finished=True, reason=reason))
