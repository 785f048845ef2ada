"""The archive pipeline: every response is kept raw; every item is stored in the archive.

It also counts each portal's articles (new / updated / unchanged) and failures, and writes the
portal's tally for the run (with the spider's counts of listing pages and links) to `portal_runs`
with the problem, if any, that should raise the layout-change alarm. It holds the run the
crawler writes under, which the document pipeline asks it for.
"""
from __future__ import annotations

import functools
import json
import logging
import sqlite3
from collections import Counter, defaultdict
from typing import Callable

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from archive.keys import reclaim_key
from archive.documents import DocumentStore, article_links
from archive.store import Archive
from scraper.crawl.run import archive_for, session_of
from scraper.crawl.drift import Coverage, drift_problem
from scraper.portals.reading import key_rule
from scraper.items import ArticleItem, FailureItem, NotModifiedItem, header_dict
from scraper.model import NOT_MODIFIED, FailureKind
from scraper.crawl.logs import (SUMMED_UP, attachment_reason, attachments_line, failure_message, listing_stop_message,
                          warning_message)
from scraper.portals.registry import UnknownPortal, get_portal, images_archived

logger = logging.getLogger(__name__)

# A portal's counts in a run: portal_runs' columns, the alarm's inputs and its log line. Each is kept
# once, in the crawler's stats as soyte/<portal>/<what> (which the progress extension shows too): the
# spider counts listing pages, links and article pages (spiders/portal.py), this pipeline the rest.
TALLY = ("listing_pages", "listing_not_modified", "listing_missing", "article_links", "article_pages",
         "articles_new", "articles_updated", "articles_unchanged", "extraction_failures", "fetch_failures")


def portal_tally(stats: StatsCollector, portal: str) -> Counter:
    """The portal's counts so far, read from the crawler's stats."""
    return Counter({what: stats.get_value(f"soyte/{portal}/{what}", 0) for what in TALLY})


def portal_problem(tally: Counter, max_failure_share: float) -> str | None:
    """Why a portal looks broken this run (its layout changed, or it is down), or None."""
    listings_seen = tally["listing_pages"] + tally["listing_not_modified"]
    if not listings_seen:
        return "no listing page could be fetched"
    if tally["listing_missing"] and tally["listing_missing"] == tally["listing_pages"] and not tally["listing_not_modified"]:
        return "listing container not found: the layout may have changed"
    if tally["listing_pages"] and not tally["listing_not_modified"] and not tally["article_links"]:
        return "the listing pages hold no article links"
    tried = tally["article_pages"]
    if tried and tally["extraction_failures"] / tried > max_failure_share:
        return f"{tally['extraction_failures']} of {tried} article pages failed extraction"
    return None


def portal_key_rule(portal: str) -> Callable[[str], str]:
    """How a fetched URL of this portal becomes an article key (scraper.portals.reading.page_key)."""
    try:
        return key_rule(get_portal(portal))
    except UnknownPortal:
        return key_rule(None)


def guarded(method):
    """A write the archive refuses (read-only file, disk full) stops the crawl at once.

    SQLite rolls the failed transaction back, so the file keeps everything committed before.
    """
    @functools.wraps(method)
    def wrapper(self: "ArchivePipeline", *args, **kwargs):
        if self.storage_error:
            raise DropItem("the archive cannot be written")
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as error:
            self.storage_failed(error)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))
            raise DropItem(self.storage_error) from None
    return wrapper


class ArchivePipeline:
    """Writes pages, articles and failures to the SQLite archive named by SOYTE_DB."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.archive: Archive | None = None
        self.own_archive = False  # opened here (no crawl run): closed here; else the run's, shared
        self.commit_timer: LoopingCall | None = None
        self.run_id: int | None = None  # the crawl run's, SOYTE_RUN_ID's, or (own_run) one started here
        self.own_run = False
        self.page_ids: dict[str, int] = {}
        self.attachments_failed: dict[str, Counter] = defaultdict(Counter)  # per portal: how many failed how
        self.storage_error: str | None = None
        self.requests_counted = 0
        self.coverage: dict[str, Coverage] = defaultdict(Coverage)  # per portal: fields filled, lines repeated

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArchivePipeline":
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        crawler.signals.connect(pipeline.spider_error, signal=signals.spider_error)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        settings = self.crawler.settings
        session = session_of(self.crawler)
        if session is not None and session.blocked:
            return  # another crawl holds the archive: this one writes nothing
        self.archive, self.own_archive = archive_for(self.crawler, session)
        self.run_id = session.run_id if session is not None else (settings.getint("SOYTE_RUN_ID") or None)
        window = settings.getfloat("SOYTE_COMMIT_WINDOW")
        if not self.own_archive and window > 0:  # grouped writes are committed when due even if none follows
            self.commit_timer = LoopingCall(self.commit_if_due)
            self.commit_timer.start(window / 2, now=False)
        if self.run_id is None:  # the crawl-run extension switched off: the pipeline records its own run
            self.own_run = True
            keys = [portal.key for portal in getattr(self.crawler.spider, "portals", [])]
            self.run_id = self.archive.start_run(keys)
        self.crawler.stats.set_value("soyte/run_id", self.run_id)  # in the stats the log ends with: the job's run

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        try:
            self.save_response(response, request)
        except DropItem:
            pass

    @guarded
    def save_response(self, response: Response, request: Request) -> None:
        if self.archive is None or response.status == NOT_MODIFIED:
            return  # a 304 has no body to keep; the article it names is touched instead
        kind = request.meta.get("soyte_kind", "other")
        if kind == "document":
            return  # attachments are stored by content in the document tables (DocumentPipeline)
        page_id = self.archive.save_page(response.url, response.status, header_dict(response),
                                         response.body, self.run_id, kind,
                                         requests=self.requests_since_last_count())
        if kind == "article":  # looked up once, by the item this page gives
            self.page_ids[response.url] = page_id

    def commit_if_due(self) -> None:
        """The timer's call: a refused commit stops the crawl as a refused write does."""
        try:
            self.commit_window()
        except DropItem:
            pass

    @guarded
    def commit_window(self) -> None:
        self.archive.commit_if_due()

    def requests_since_last_count(self) -> int:
        """Requests this crawler sent since the run's count last moved (several crawlers share a run)."""
        sent = self.crawler.stats.get_value("downloader/request_count", 0)
        delta, self.requests_counted = sent - self.requests_counted, sent
        return delta

    def count(self, portal: str, what: str) -> None:
        self.crawler.stats.inc_value(f"soyte/{portal}/{what}")

    @guarded
    def process_item(self, item, spider: Spider | None = None):
        assert self.archive is not None and self.run_id is not None
        try:
            return self.store_item(item)
        except sqlite3.Error:
            raise
        except Exception as error:  # noqa: BLE001 — an unforeseen error loses no page silently
            url = getattr(item, "page_url", None) or getattr(item, "url", "")
            portal = getattr(item, "portal", None) or getattr(item, "record", {}).get("portal", "")
            self.record_error(url, portal, error)
            raise DropItem(f"{type(error).__name__}: {error}") from None

    def record_error(self, url: str, portal: str, error: BaseException, kind: str = FailureKind.ERROR) -> None:
        """An exception nobody foresaw, on one page: a failure retried by the next run, never a silent loss."""
        reason = f"{type(error).__name__}: {error}"
        logger.error("%s: %s: %s: %s", portal, kind, url, reason)
        self.count(portal, "extraction_failures" if kind in FailureKind.EXTRACTION_FAILURES else "fetch_failures")
        self.archive.record_failure(self.run_id, url, portal, kind, reason, self.page_ids.pop(url, None))
        self.archive.add_to_run(self.run_id, errors=1)

    def spider_error(self, failure, response: Response, spider: Spider) -> None:
        """A callback raised: record it against the page (a listing's error leaves its portal incomplete)."""
        kind = FailureKind.LISTING_ERROR if response.meta.get("soyte_kind") == "listing" else FailureKind.ERROR
        try:
            self.record_error(response.url, response.meta.get("portal", ""), failure.value, kind)
        except sqlite3.Error as error:
            self.storage_failed(error)

    def store_item(self, item):
        if isinstance(item, ArticleItem):
            # One transaction for the article, its warnings, its document links and the run's counts: a
            # commit (and the full-text index's flush) per write was a sixth of the crawl's CPU (bench/crawl.py
            # --profile), and a kill never keeps the article without its links.
            with self.archive.transaction():
                return self.store_article(item)
        elif isinstance(item, NotModifiedItem):
            if self.archive.touch_article(item.url):
                self.count(item.portal, "articles_unchanged")
                self.archive.add_to_run(self.run_id, articles_unchanged=1)
            else:
                logger.warning("%s: 304 for %s, which is not archived under that URL", item.portal, item.url)
        elif isinstance(item, FailureItem):
            attachment = item.kind in FailureKind.DOCUMENT_FAILURES  # counted in one line per portal
            logger.warning("%s", failure_message(item.portal, item.kind, item.url, item.reason, item.status),
                           extra=SUMMED_UP if attachment else None)
            if attachment:
                self.attachments_failed[item.portal][attachment_reason(item.kind, item.reason, item.status)] += 1
            extraction = item.kind in FailureKind.EXTRACTION_FAILURES
            self.count(item.portal, "extraction_failures" if extraction else "fetch_failures")
            self.archive.record_failure(self.run_id, item.url, item.portal, item.kind, item.reason,
                                        self.page_ids.pop(item.url, None), item.status)
            self.archive.add_to_run(self.run_id, errors=1)
        return item

    def store_article(self, item: ArticleItem) -> ArticleItem:
        portal, page_id = item.record["portal"], self.page_ids.pop(item.page_url, None)
        rekeyed = reclaim_key(self.archive, item.record, item.page_url, portal_key_rule(portal), self.run_id)
        if rekeyed:  # a forger's article moved off this page's own URL; its warning is recorded
            logger.warning("%s", warning_message(portal, rekeyed.url, rekeyed.message))
        outcome = self.archive.upsert_article(item.record, layout=item.layout, extractor=item.extractor,
                                              page_id=page_id, extraction=item.extraction, note=item.note)
        self.coverage[portal].add(item.record)
        self.count(portal, f"articles_{outcome}")
        counts = {f"articles_{outcome}": 1}
        if item.extraction == "generic":  # saved, but the layout's rules failed: it counts for the alarm
            self.count(portal, "extraction_failures")
            counts["articles_generic"] = 1
        for warning in item.warnings:
            self.archive.record_failure(self.run_id, item.record["url"], portal, FailureKind.WARNING, warning, page_id)
            logger.warning("%s", warning_message(portal, item.record["url"], warning))
        self.archive.add_to_run(self.run_id, warnings=len(item.warnings) + bool(rekeyed), **counts)
        self.record_links(item)
        return item

    def record_links(self, item: ArticleItem) -> None:
        """The files the article links, in the article's own write: a kill keeps both or neither, so
        a link whose file no capture holds is one the next run asks for (archive/frontier.py)."""
        links = article_links(item.record, images_archived(item.record["portal"],
                                                            self.crawler.settings.getbool("SOYTE_WITH_IMAGES")))
        DocumentStore(self.archive).record_links(item.record["url"], links)

    def storage_failed(self, error: sqlite3.Error) -> None:
        """Remember the archive's refusal; `soyte crawl` reports it in one line and exits 4."""
        self.storage_error = f"{type(error).__name__}: {error}"
        logger.critical("the archive %s cannot be written (%s): stopping the crawl",
                        self.crawler.settings.get("SOYTE_DB"), self.storage_error)
        self.crawler.stats.set_value("soyte/storage_error", self.storage_error)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.archive is None:
            return
        if self.commit_timer is not None and self.commit_timer.running:
            self.commit_timer.stop()
        try:
            if not self.storage_error:
                self.record_results()
            self.archive.flush()  # every page and article of this crawler, before its spider is reported closed
        except sqlite3.Error as error:  # the disk filled up at the very end
            self.storage_failed(error)
        finally:
            if self.own_archive:
                self.archive.close()

    def record_walk(self, portal: str) -> str | None:
        """Keep where a bound stopped the portal's listing walk, for the next run to go on from
        (spiders/listing_walk.py); returns why it stopped (portal_runs.listing_stop), or None.
        A walk that reached its end leaves the point to Archive.finish_run, which knows whether the
        run finished; a point whose page is gone (a 404) is forgotten at once."""
        walk = getattr(self.crawler.spider, "walks", {}).get(portal)
        if walk is None:
            return None
        point = walk.resume_point()
        if walk.stop and point == walk.stop.next:
            self.archive.keep_listing_resume(portal, point.url, point.page, walk.stop.line, self.run_id)
        elif walk.carried_gone and point is None:
            self.archive.forget_listing_resume(portal)
        return walk.stop.line if walk.stop else None

    def say_walk_stop(self, portal: str) -> None:
        """One line when a bound stopped the portal's walk this run, after its tally."""
        walk = getattr(self.crawler.spider, "walks", {}).get(portal)
        if walk is not None and walk.stop:
            logger.warning("%s", listing_stop_message(portal, walk.stop.line, walk.resume_point().url))

    def record_results(self) -> None:
        """The run's request count, each portal's tally and alarm, and (for a bare `scrapy crawl`) the run's end."""
        stats = self.crawler.stats
        self.archive.add_to_run(self.run_id, requests=self.requests_since_last_count())
        share = self.crawler.settings.getfloat("SOYTE_MAX_FAILURE_SHARE")
        problems = []
        for portal in getattr(self.crawler.spider, "portals", []):
            tally = portal_tally(stats, portal.key)
            coverage = self.coverage[portal.key]
            problem = portal_problem(tally, share) or drift_problem(
                coverage, self.archive.recent_coverage(portal.key, before=self.run_id))
            self.archive.record_portal_run({
                "run_id": self.run_id, "portal": portal.key, "problem": problem,
                "coverage": json.dumps(coverage.as_dict()), "listing_stop": self.record_walk(portal.key),
                **{what: tally[what] for what in ("listing_pages", "listing_not_modified", "article_links",
                                                  "article_pages", "articles_new", "articles_updated",
                                                  "articles_unchanged", "extraction_failures", "fetch_failures")}})
            logger.info("%s: %d listing pages (%d unchanged), %d new, %d updated, %d unchanged articles, "
                        "%d extraction and %d fetch failures%s", portal.key, tally["listing_pages"],
                        tally["listing_not_modified"], tally["articles_new"], tally["articles_updated"],
                        tally["articles_unchanged"], tally["extraction_failures"], tally["fetch_failures"],
                        f": ALARM: {problem}" if problem else "")
            if self.attachments_failed[portal.key]:
                logger.warning("%s", attachments_line(portal.key, self.attachments_failed[portal.key]))
            self.say_walk_stop(portal.key)
            if problem:
                problems.append(f"{portal.key}: {problem}")
        if self.own_run:
            self.archive.finish_run(self.run_id, "alarm" if problems else "completed", "; ".join(problems) or None)
