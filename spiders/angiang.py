"""An Giang (soyte.angiang.gov.vn): IBM WebSphere Portal rendering WCM content.

The response header names no charset (the meta tag does: shared decoding reads it), the time
is printed before the date ("02:12 13/03/2020"), the body is Word markup (MsoNormal, o:p), bullet
points are paragraphs that begin with "- " (kept as published), and the byline (bold) and
source (italic) are right-aligned paragraphs closing the body.
"""
from __future__ import annotations

from typing import Any, Iterable

from scrapy.http import Response

from scraper.contracts import checked
from scraper.layouts import load_layout
from scraper.pages import page_classes
from spiders.base import PortalSpider

ArticlePage, ListingPage = page_classes(load_layout("angiang-wps"))


class AngiangSpider(PortalSpider):
    name = "angiang"
    article_page = ArticlePage
    listing_page = ListingPage

    # Contracts (`soyte check`, or `scrapy check` against a replay): the callbacks are the base
    # spider's, restated to carry this layout's sample pages; `checked` only acts under a check.
    def parse_listing(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        """The first listing page links two articles and the next listing page.

        @url https://soyte.angiang.gov.vn/wps/portal/Home/tin-hoat-dong
        @cb_kwargs {"portal": "angiang"}
        @returns items 0 0
        @returns requests 3 3
        """
        return checked(super().parse_listing(response, **kwargs))

    def parse_article(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        """An article page gives one article record, extracted by this layout's rules.

        @url https://soyte.angiang.gov.vn/wps/portal/Home/tin-hoat-dong/benh-vien-da-khoa-khu-vuc-chau-doc-don-nhan-danh-hieu-benh-vien-xanh-sach-dep
        @cb_kwargs {"portal": "angiang"}
        @returns items 1 1
        @returns requests 0 0
        @scrapes record page_url layout extractor
        """
        return checked(super().parse_article(response, **kwargs))
