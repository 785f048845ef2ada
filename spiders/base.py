"""Crawling shared by every layout spider: start from the registry, follow listings, extract articles.

A layout module gives `ListingPage` and `ArticlePage`; this class only walks the site. It yields
`ArticleItem`, `NotModifiedItem` and `FailureItem`; the archive pipeline stores them. It never
opens the database: `soyte crawl` hands it a `Frontier` read from the archive, which makes the
crawl incremental (skip archived articles, stop paginating at a page of known articles, ask
conditionally, revisit old articles) and resumable (walk every listing page after a killed run).
"""
from __future__ import annotations

from typing import Any, AsyncIterator, ClassVar

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure
from w3lib.url import url_query_cleaner

from archive.frontier import Frontier
from scraper.items import ArticleItem, FailureItem, NotModifiedItem
from scraper.extract import extract_page
from scraper.pages import ArticlePage, ExtractionError, ListingPage
from scraper.registry import Portal, get_portal, portals_for_spider

NOT_MODIFIED = 304


def is_sitemap(response: Response) -> bool:
    return b"xml" in (response.headers.get(b"Content-Type") or b"") or response.body.lstrip()[:5] == b"<?xml"


def is_html(response: Response) -> bool:
    kind = (response.headers.get(b"Content-Type") or b"text/html").lower()
    return b"html" in kind or b"xml" in kind


def content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None


class PortalSpider(scrapy.Spider):
    """Base for layout spiders. `scrapy crawl <layout> -a portals=key1,key2` limits the portals."""

    article_page: ClassVar[type[ArticlePage]]
    listing_page: ClassVar[type[ListingPage]]
    extractor_version: ClassVar[str] = "1"

    def __init__(self, portals: str | None = None, frontier: Frontier | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        only = tuple(key for key in (portals or "").split(",") if key)
        self.portals: list[Portal] = portals_for_spider(self.name, only or None)
        self.frontier = frontier or Frontier()
        # Links and redirects to other hosts are dropped by Scrapy's offsite filtering.
        self.allowed_domains = [portal.host for portal in self.portals]

    @classmethod
    def extractor(cls) -> str:
        return f"{cls.name}/{cls.extractor_version}"

    def count(self, portal: str, what: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"soyte/{portal}/{what}", n)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for portal in self.portals:
            for url in portal.start_urls:
                yield self.listing_request(url, portal.key)
            for url in self.frontier.due.get(portal.key, []) + self.frontier.retry.get(portal.key, []):
                yield self.article_request(url, portal.key)

    def request(self, url: str, portal: str, kind: str, callback) -> scrapy.Request:
        headers = self.frontier.conditional_headers(url, portal, kind)
        # Articles before further listing pages: the queue holds one listing page's links at a
        # time, not a whole portal's, so memory does not grow with the size of the site.
        priority = 10 if kind == "article" else 0
        return scrapy.Request(url, callback=callback, errback=self.failed, headers=headers, priority=priority,
                              cb_kwargs={"portal": portal},
                              meta={"soyte_kind": kind, "portal": portal, "handle_httpstatus_list": [NOT_MODIFIED]})

    def listing_request(self, url: str, portal: str) -> scrapy.Request:
        return self.request(url, portal, "listing", self.parse_listing)

    def article_request(self, url: str, portal: str) -> scrapy.Request:
        return self.request(url, portal, "article", self.parse_article)

    def article_link(self, url: str) -> str:
        """Listing links carry parameters (Liferay's redirect=) that do not name the article."""
        return url_query_cleaner(url, self.article_page.DROP_PARAMS, remove=True)

    def follow_articles(self, urls: list[str], portal: str):
        self.count(portal, "article_links", len(urls))
        for url in urls:
            if not self.frontier.is_known(url):
                yield self.article_request(url, portal)

    def parse_listing(self, response: Response, portal: str):
        if response.status == NOT_MODIFIED:
            self.count(portal, "listing_not_modified")
            self.logger.info("%s: listing unchanged since the last run: %s", portal, response.url)
            return
        self.count(portal, "listing_pages")
        if is_sitemap(response):
            yield from self.parse_sitemap(response, portal)
            return
        page = self.listing_page(response.body, response.url, content_type(response))
        if not page.has_listing():
            self.count(portal, "listing_missing")
            yield FailureItem(response.url, portal, "listing container not found", kind="listing",
                              status=response.status)
            return
        urls = [self.article_link(url) for url in page.article_urls()]
        yield from self.follow_articles(urls, portal)
        if self.frontier.stop_paginating(portal, urls):
            self.logger.info("%s: every article on %s is archived; not paginating further", portal, response.url)
            return
        for url in page.next_urls():
            yield self.listing_request(url, portal)

    def parse_sitemap(self, response: Response, portal: str):
        """A sitemap lists articles directly (urlset) or further sitemaps (sitemapindex)."""
        sitemap = Sitemap(response.body)
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                yield self.listing_request(entry["loc"], portal)
            return
        yield from self.follow_articles([self.article_link(entry["loc"]) for entry in sitemap], portal)

    def parse_article(self, response: Response, portal: str):
        if response.status == NOT_MODIFIED:
            yield NotModifiedItem(response.url, portal)
            return
        self.count(portal, "article_pages")
        if not is_html(response):
            yield FailureItem(response.url, portal, f"not an HTML page: {content_type(response)}", kind="not-html",
                              status=response.status)
            return
        try:
            result = extract_page(response.body, response.url, get_portal(portal), content_type(response),
                                  self.article_page)
        except ExtractionError as error:
            yield FailureItem(response.url, portal, str(error), kind=error.kind, status=response.status)
            return
        if result.method == "generic":
            self.logger.warning("%s: article %s saved generically (the layout's rules failed: %s); flagged "
                                "extraction = 'generic'", portal, response.url, result.note)
        yield ArticleItem(record=result.record, page_url=response.url, layout=self.article_page.layout,
                          extractor=self.extractor(), extraction=result.method, note=result.note,
                          warnings=result.warnings)

    def failed(self, failure: Failure):
        request = failure.request
        kind = request.meta.get("soyte_kind", "article")
        status = failure.value.response.status if failure.check(HttpError) else None
        reason = f"HTTP {status}" if status else f"{failure.type.__name__}: {failure.getErrorMessage()}"
        yield FailureItem(request.url, request.meta.get("portal", ""), reason, kind=f"{kind}-fetch", status=status)
