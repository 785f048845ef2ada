"""Crawling shared by every layout spider: start from the registry, follow listings, extract articles.

A layout module gives `ListingPage` and `ArticlePage`; this class only walks the site. It yields
`ArticleItem` and `FailureItem`; the archive pipeline stores them. It never opens the database.
"""
from __future__ import annotations

from typing import Any, AsyncIterator, ClassVar

import scrapy
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure
from w3lib.url import url_query_cleaner

from scraper.items import ArticleItem, FailureItem
from scraper.pages import ArticlePage, ExtractionError, ListingPage
from scraper.registry import Portal, get_portal, portals_for_spider


def is_sitemap(response: Response) -> bool:
    return b"xml" in (response.headers.get(b"Content-Type") or b"") or response.body.lstrip()[:5] == b"<?xml"


def content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None


class PortalSpider(scrapy.Spider):
    """Base for layout spiders. `scrapy crawl <layout> -a portals=key1,key2` limits the portals."""

    article_page: ClassVar[type[ArticlePage]]
    listing_page: ClassVar[type[ListingPage]]
    extractor_version: ClassVar[str] = "1"

    def __init__(self, portals: str | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        only = tuple(key for key in (portals or "").split(",") if key)
        self.portals: list[Portal] = portals_for_spider(self.name, only or None)

    @classmethod
    def extractor(cls) -> str:
        return f"{cls.name}/{cls.extractor_version}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for portal in self.portals:
            for url in portal.start_urls:
                yield self.listing_request(url, portal.key)

    def listing_request(self, url: str, portal: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, errback=self.failed,
                              cb_kwargs={"portal": portal}, meta={"soyte_kind": "listing", "portal": portal})

    def article_request(self, url: str, portal: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_article, errback=self.failed,
                              cb_kwargs={"portal": portal}, meta={"soyte_kind": "article", "portal": portal})

    def article_link(self, url: str) -> str:
        """Listing links carry parameters (Liferay's redirect=) that do not name the article."""
        return url_query_cleaner(url, self.article_page.DROP_PARAMS, remove=True)

    def parse_listing(self, response: Response, portal: str):
        if is_sitemap(response):
            yield from self.parse_sitemap(response, portal)
            return
        page = self.listing_page(response.body, response.url, content_type(response))
        if not page.has_listing():
            self.logger.error("listing container not found at %s: has the %s layout changed?", response.url, self.name)
            yield FailureItem(response.url, portal, "listing container not found", kind="listing")
            return
        for url in page.article_urls():
            yield self.article_request(self.article_link(url), portal)
        for url in page.next_urls():
            yield self.listing_request(url, portal)

    def parse_sitemap(self, response: Response, portal: str):
        """A sitemap lists articles directly (urlset) or further sitemaps (sitemapindex)."""
        sitemap = Sitemap(response.body)
        for entry in sitemap:
            if sitemap.type == "sitemapindex":
                yield self.listing_request(entry["loc"], portal)
            else:
                yield self.article_request(self.article_link(entry["loc"]), portal)

    def parse_article(self, response: Response, portal: str):
        entry = get_portal(portal)
        page = self.article_page(response.body, response.url, entry.key, entry.province, content_type(response))
        try:
            record = page.record()
        except ExtractionError as error:
            self.logger.warning("extraction failed: %s", error)
            yield FailureItem(response.url, portal, str(error))
            return
        yield ArticleItem(record=record, page_url=response.url, layout=self.article_page.layout,
                          extractor=self.extractor())

    def failed(self, failure: Failure):
        request = failure.request
        reason = failure.getErrorMessage() or failure.type.__name__
        self.logger.warning("fetch failed: %s: %s", request.url, reason)
        yield FailureItem(request.url, request.meta.get("portal", ""), f"{failure.type.__name__}: {reason}",
                          kind="fetch")
