"""The one spider: it walks any portal, reading its pages with the layout the registry names.

Scrapy sees one spider per portal (spiders/loader.py makes a subclass named after each portal
key); the portal's layout file, loaded once per class, gives the `ListingPage` class
(scraper.extraction.pages.page_classes) and is handed to extraction with every article page
(scraper.extraction.extract.extract_page), and this class only walks the site. It yields `ArticleItem`,
`NotModifiedItem` and `FailureItem`; the archive pipeline stores them. It never opens the
database nor imports `archive/`: the crawl-run extension (scraper/crawl/run.py) hands it a
`scraper.model.Frontier` through `use_frontier`, plain facts
read from the archive, which make the crawl incremental (skip archived articles, stop paginating
at a page of known articles, ask conditionally, revisit old articles) and resumable (walk every
listing page after a killed run). A portal's listing walk is bounded by its registry entry and
goes on, next run, from where a bound stopped it (spiders.listing_walk: pagination that never ends,
empty listing pages). Under `scrapy check` its callbacks fail a contract on a failure or a
generic extraction (scraper.crawl.contracts.checked); in a crawl they pass everything through.
"""
from __future__ import annotations

from itertools import chain
from typing import Any, AsyncIterator, ClassVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure
from spiders.contracts import checked
from scraper.extraction.extract import Extraction, extract_page
from scraper.model import NOT_MODIFIED, FailureKind, Frontier, fetch_failure, final_listing_failure
from scraper.items import ArticleItem, FailureItem, NotModifiedItem
from scraper.extraction.layouts import Layout, load_layout
from spiders.listing_walk import ListingWalk, WalkPoint
from scraper.extraction.pages import ExtractionError, ListingPage, page_classes
from scraper.portals.registry import Portal, get_portal
from scraper.extraction.urls import CanonicalGuard, article_key
from spiders.documents import DocumentRequests


def is_sitemap(response: Response) -> bool:
    return b"xml" in (response.headers.get(b"Content-Type") or b"") or response.body.lstrip()[:5] == b"<?xml"


def is_html(response: Response) -> bool:
    kind = (response.headers.get(b"Content-Type") or b"text/html").lower()
    return b"html" in kind or b"xml" in kind


def content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None


class PortalSpider(DocumentRequests, scrapy.Spider):
    """Walks one portal; `for_portal` makes the subclass Scrapy knows by the portal's key."""

    layout: ClassVar[Layout]
    listing_page: ClassVar[type[ListingPage]]

    @classmethod
    def for_portal(cls, portal: Portal, attributes: dict[str, Any] | None = None) -> type["PortalSpider"]:
        """The spider class of one portal: named by its key, reading pages with its layout."""
        layout = load_layout(portal.layout)
        return type(f"{portal.key.capitalize()}Spider", (cls,), {
            "name": portal.key, "layout": layout, "listing_page": page_classes(layout)[1],
            "__doc__": f"{portal.province} ({portal.host}), read with layout {layout.name}.",
            "__module__": cls.__module__, **(attributes or {})})

    def __init__(self, frontier: Frontier | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.portal: Portal = get_portal(self.name)
        self.portals: list[Portal] = [self.portal]  # what the pipeline and progress log report on
        self.blocked: str | None = None  # why this crawl may fetch nothing (another crawl holds the archive)
        self.walks: dict[str, ListingWalk] = {}  # portal -> its listing walk in this run (spiders.listing_walk)
        self.use_frontier(frontier or Frontier())
        # Links and redirects to other hosts are dropped by Scrapy's offsite filtering.
        self.allowed_domains = [self.portal.host]

    def use_frontier(self, frontier: Frontier) -> None:
        """What the archive already knows of this portal, read by the crawl-run extension."""
        self.frontier = frontier
        self.canonicals = CanonicalGuard(frontier.archived_keys(), (), frontier.listings,
                                         archived_pages=frontier.archived_pages())  # asked per URL
        self.walks = {portal.key: ListingWalk(portal.max_listing_pages, portal.max_empty_listing_pages,
                                              WalkPoint(*frontier.walk_from[portal.key])
                                              if portal.key in frontier.walk_from else None)
                      for portal in self.portals}

    def count(self, portal: str, what: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"soyte/{portal}/{what}", n)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.blocked:
            return
        for portal in self.portals:
            walk = self.walks[portal.key]
            for url in walk.start_pages(portal.start_urls):
                yield self.listing_request(url, portal.key)
            carried = walk.walk_on()
            if carried:  # where a bound stopped an earlier run: after the start pages, the walk goes on
                yield self.listing_request(carried.url, portal.key, carried.page, walking_on=True,
                                           meta={"soyte_walk_from": True})
            for url in chain(self.frontier.due.get(portal.key, ()), self.frontier.retry.get(portal.key, ())):
                yield self.article_request(url, portal.key)
            for request in self.pending_document_requests(portal.key):  # what a killed crawl left unfetched
                yield request

    def request(self, url: str, portal: str, kind: str, callback, priority: int = 0,
                conditional: bool = True, meta: dict | None = None) -> scrapy.Request:
        headers = self.frontier.conditional_headers(url, portal, kind) if conditional else {}
        # Articles before further listing pages: the queue holds one listing page's links at a
        # time, not a whole portal's, so memory does not grow with the size of the site.
        priority = 10 if kind == "article" else priority
        return scrapy.Request(url, callback=callback, errback=self.failed, headers=headers, priority=priority,
                              cb_kwargs={"portal": portal},
                              meta={"soyte_kind": kind, "portal": portal, "handle_httpstatus_list": [NOT_MODIFIED],
                                    **(meta or {})})

    def listing_request(self, url: str, portal: str, page: int = 1, empty: int = 0, walking_on: bool = False,
                        meta: dict | None = None) -> scrapy.Request:
        """A listing page, numbered along the walk, with the pages in a row before it that added no
        new article (spiders.listing_walk). Going on from where an earlier run stopped, it is asked
        unconditionally (a 304 would end the walk there) and after the start pages' walk."""
        self.canonicals.listing_pages([self.article_link(url)])  # a listing page is never an article's key
        return self.request(url, portal, "listing", self.parse_listing, priority=-1 if walking_on else 0,
                            conditional=not walking_on,
                            meta={"soyte_page": page, "soyte_empty": empty, "soyte_walk_on": walking_on, **(meta or {})})

    def article_request(self, url: str, portal: str) -> scrapy.Request:
        return self.request(url, portal, "article", self.parse_article)

    def article_link(self, url: str) -> str:
        """The article key a URL stands for: listing links carry parameters (Liferay's redirect=)
        and fragments that do not name the article (scraper.extraction.urls.article_key)."""
        return article_key(url, self.layout.drop_params)

    def follow_articles(self, urls: list[str], portal: str):
        self.count(portal, "article_links", len(urls))
        self.canonicals.listed_articles(urls)
        for url in urls:
            refused = self.canonicals.not_an_article(url)
            if refused:
                self.logger.info("%s: a listing links %s; not fetched as an article", portal, refused)
            elif not self.frontier.is_known(url) or self.taken_by_another_page(url):
                yield self.article_request(url, portal)

    def taken_by_another_page(self, url: str) -> bool:
        """An archived key that another page's canonical gave: the page at this URL, which a
        listing now links, is fetched all the same (the store gives it its key back: archive/keys.py)."""
        fetched = self.frontier.page_of(url)
        return fetched is not None and self.article_link(fetched) != url

    def parse_listing(self, response: Response, portal: str):
        """A listing page's article links and next pages; any error in reading it is a recorded
        failure that leaves the portal incomplete (the next run walks its listings again)."""
        return checked(self.walk_listing(response, portal))

    def walk_listing(self, response: Response, portal: str):
        try:
            yield from self.read_listing(response, portal)
        except Exception as error:  # noqa: BLE001 — an unforeseen page must not end the crawl silently
            self.logger.exception("%s: listing page %s could not be read", portal, response.url)
            yield FailureItem(response.url, portal, f"{type(error).__name__}: {error}",
                              kind=FailureKind.LISTING_ERROR, status=response.status)

    def read_listing(self, response: Response, portal: str):
        if response.status == NOT_MODIFIED:
            self.count(portal, "listing_not_modified")
            self.logger.info("%s: listing unchanged since the last run: %s", portal, response.url)
            return
        self.count(portal, "listing_pages")
        if is_sitemap(response):
            yield from self.parse_sitemap(response, portal)
            return
        self.canonicals.listing_pages([self.article_link(response.url)])
        page = self.listing_page(response.body, response.url, content_type(response))
        if not page.has_listing():
            self.count(portal, "listing_missing")
            yield FailureItem(response.url, portal, "listing container not found", kind=FailureKind.LISTING,
                              status=response.status)
            return
        urls = [self.article_link(url) for url in page.article_urls()]
        walking_on = response.meta.get("soyte_walk_on", False)
        if response.meta.get("soyte_walk_from"):
            self.walks[portal].walked_on()
        adds_new = self.adds_new_article(urls, portal, walking_on)  # before follow_articles lists them
        yield from self.follow_articles(urls, portal)
        # Going on from an earlier stop, a page of archived articles is no end: older ones lie beyond.
        if not walking_on and self.frontier.stop_paginating(portal, urls):
            self.logger.info("%s: every article on %s is archived; not paginating further", portal, response.url)
            return
        yield from self.next_listing_requests(page, response, portal, adds_new)

    def adds_new_article(self, urls: list[str], portal: str, walking_on: bool) -> bool:
        """Whether a listing page links an article this run's listings have not linked yet and the
        archive does not hold: what keeps a walk going. While a portal's listings are walked again in
        full (its last run did not finish), an archived article counts as new: that walk is there to
        go over archived ground."""
        rewalk = portal in self.frontier.resume and not walking_on
        return any(url not in self.canonicals.listed and (rewalk or not self.frontier.is_known(url)) for url in urls)

    def next_listing_requests(self, page: ListingPage, response: Response, portal: str, adds_new: bool):
        """The listing page's next pages, within the portal's bounds (spiders.listing_walk)."""
        number, walking_on = response.meta.get("soyte_page", 1), response.meta.get("soyte_walk_on", False)
        urls = page.next_urls()
        if walking_on:  # pages a finished run fetched lie behind the point gone on from ("previous", "first")
            urls = [url for url in urls if not self.frontier.listing_walked(url)]
        admitted, empty = self.walks[portal].next_pages(number, response.meta.get("soyte_empty", 0), adds_new, urls)
        for url in admitted:
            yield self.listing_request(url, portal, number + 1, empty, walking_on)

    def parse_sitemap(self, response: Response, portal: str):
        """A sitemap lists articles directly (urlset) or further sitemaps (sitemapindex)."""
        sitemap = Sitemap(response.body)
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                yield self.listing_request(entry["loc"], portal)
            return
        yield from self.follow_articles([self.article_link(entry["loc"]) for entry in sitemap], portal)

    def parse_article(self, response: Response, portal: str):
        """One article record, extracted by the layout's rules (or generically, flagged)."""
        return checked(self.read_article(response, portal))

    def read_article(self, response: Response, portal: str):
        if response.status == NOT_MODIFIED:
            yield NotModifiedItem(response.url, portal)
            return
        self.count(portal, "article_pages")
        if not is_html(response):
            yield FailureItem(response.url, portal, f"not an HTML page: {content_type(response)}",
                              kind=FailureKind.NOT_HTML, status=response.status)
            return
        fetched = self.article_link(response.url)
        refused = self.canonicals.not_an_article(fetched)  # e.g. a removed article redirected to the home page
        if refused:
            yield FailureItem(response.url, portal, refused, kind=FailureKind.NOT_ARTICLE, status=response.status)
            return
        try:
            result = extract_page(response.body, response.url, self.layout, self.portal.key, self.portal.province,
                                  content_type(response))
        except ExtractionError as error:
            yield FailureItem(response.url, portal, str(error), kind=error.kind, status=response.status)
            return
        self.guard_canonical(result, fetched)
        if result.method == "generic":
            self.logger.warning("%s: article %s saved generically (the layout's rules failed: %s); flagged "
                                "extraction = 'generic'", portal, response.url, result.note)
        yield ArticleItem(record=result.record, page_url=response.url, layout=result.layout,
                          extractor=result.extractor, extraction=result.method, note=result.note,
                          warnings=result.warnings)
        yield from self.document_requests(result.record, portal)

    def guard_canonical(self, result: Extraction, fetched: str) -> None:
        """Keep the fetched URL when the page's canonical is another page's (scraper.extraction.urls)."""
        warning = self.canonicals.settle(result.record, fetched)
        if warning:
            result.warnings.append(warning)

    def failed(self, failure: Failure):
        request = failure.request
        kind = request.meta.get("soyte_kind", "article")
        status = failure.value.response.status if failure.check(HttpError) else None
        reason = f"HTTP {status}" if status else f"{failure.type.__name__}: {failure.getErrorMessage()}"
        if request.meta.get("soyte_walk_from") and (final_listing_failure(status) or failure.check(IgnoreRequest)):
            self.walks[request.meta["portal"]].carried_lost()  # a 404, or robots.txt: nothing to go on from
        yield FailureItem(request.url, request.meta.get("portal", ""), reason, kind=fetch_failure(kind), status=status)
