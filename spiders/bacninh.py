"""Bắc Ninh (soyte.bacninh.gov.vn): Liferay 6.2 with the asset-publisher portlet.

The article sits in the `101_INSTANCE_bnNews` portlet among others (weather, visitor counter,
web links, "Tin khác"). Captures from 2017 print English labels ("View Count", "Source") in the
same markup, so no selector depends on a label's words. Listings paginate with `_cur=`.
"""
from __future__ import annotations

from typing import Any, Iterable

from scrapy.http import Response

from scraper.contracts import checked
from scraper.layouts import load_layout
from scraper.pages import page_classes
from spiders.base import PortalSpider

ArticlePage, ListingPage = page_classes(load_layout("liferay-bacninh"))


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
