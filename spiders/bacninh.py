"""Bắc Ninh (soyte.bacninh.gov.vn): Liferay 6.2 with the asset-publisher portlet.

The article sits in the `101_INSTANCE_bnNews` portlet among others (weather, visitor counter,
web links, "Tin khác"). Captures from 2017 print English labels ("View Count", "Source") in the
same markup, so no selector depends on a label's words. Listings paginate with `_cur=`.
"""
from __future__ import annotations

from typing import Any, Iterable

from scrapy.http import Response

from scraper.contracts import checked
from scraper.pages import ArticlePage as BaseArticlePage
from scraper.pages import ListingPage as BaseListingPage
from spiders.base import PortalSpider

SELECTORS = {
    "canonical": ['link[rel="canonical"]::attr(href)'],
    "title": [".asset-full-content .asset-title", ".portlet-asset-publisher .taglib-header .header-title",
              'meta[property="og:title"]::attr(content)'],
    "published_head": ['meta[property="article:published_time"]::attr(content)'],
    "published_text": [".asset-full-content .metadata-publish-date"],
    "category": [".portlet-breadcrumb .breadcrumb li:last-child a", ".portlet-breadcrumb .breadcrumb li:last-child"],
    "body": [".asset-full-content .journal-content-article", ".asset-full-content .asset-content"],
    "source": [".asset-full-content .asset-source"],
    "views": [".asset-full-content .metadata-view-count"],
    "attachments": [".asset-full-content .asset-attachments a"],
    # listings
    "container": [".portlet-asset-publisher .asset-abstract"],
    "articles": [".portlet-asset-publisher .asset-abstract .asset-title a::attr(href)",
                 ".portlet-asset-publisher .asset-abstract .asset-more a::attr(href)"],
    "pagination": [".portlet-asset-publisher .taglib-page-iterator .pager a::attr(href)"],
}


class ArticlePage(BaseArticlePage):
    """Article page, e.g. https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/..."""

    layout = "liferay-bacninh"
    SELECTORS = SELECTORS
    # Liferay adds these to asset links; they never name the article.
    DROP_PARAMS = ("redirect", "inheritRedirect")


class ListingPage(BaseListingPage):
    """Listing page, e.g. https://soyte.bacninh.gov.vn/tin-tuc-su-kien?..._101_INSTANCE_bnNews_cur=2"""

    SELECTORS = SELECTORS


class BacninhSpider(PortalSpider):
    name = "bacninh"
    article_page = ArticlePage
    listing_page = ListingPage

    # Contracts (`soyte check`, or `scrapy check` against a replay): the callbacks are the base
    # spider's, restated to carry this layout's sample pages; `checked` only acts under a check.
    def parse_listing(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        """The first listing page links two articles and two more listing pages.

        @url https://soyte.bacninh.gov.vn/tin-tuc-su-kien
        @cb_kwargs {"portal": "bacninh"}
        @returns items 0 0
        @returns requests 4 4
        """
        return checked(super().parse_listing(response, **kwargs))

    def parse_article(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        """An article page gives one article record, extracted by this layout's rules.

        @url https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/bac-ninh-ra-quan-chien-dich-diet-bo-gay-phong-chong-sot-xuat-huyet-nam-2018
        @cb_kwargs {"portal": "bacninh"}
        @returns items 1 1
        @returns requests 0 0
        @scrapes record page_url layout extractor
        """
        return checked(super().parse_article(response, **kwargs))
