"""Hà Tĩnh (soyte.hatinh.gov.vn): PHP CMS with a modern theme, and a sitemap.

The visible date is only year and month ("2023-12"); the head's article:published_time has the
full time. A bold sapo precedes the body, captions are <figcaption>, the byline is its own
`.post-author` element. Old and new tone-mark placement ("hoá"/"hóa") is kept as published.
"""
from __future__ import annotations

from typing import Any, Iterable

from scrapy.http import Response

from scraper.contracts import checked
from scraper.layouts import load_layout
from scraper.pages import page_classes
from spiders.base import PortalSpider

ArticlePage, ListingPage = page_classes(load_layout("hatinh"))


class HatinhSpider(PortalSpider):
    name = "hatinh"
    article_page = ArticlePage
    listing_page = ListingPage

    # Contracts (`soyte check`, or `scrapy check` against a replay): the callbacks are the base
    # spider's, restated to carry this layout's sample pages; `checked` only acts under a check.
    def parse_listing(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        """The first listing page links two articles and the next listing page.

        @url https://soyte.hatinh.gov.vn/tin-tuc-su-kien
        @cb_kwargs {"portal": "hatinh"}
        @returns items 0 0
        @returns requests 3 3
        """
        return checked(super().parse_listing(response, **kwargs))

    def parse_article(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        """An article page gives one article record, extracted by this layout's rules.

        @url https://soyte.hatinh.gov.vn/tin-tuc-su-kien/ha-tinh-phan-dau-100-tram-y-te-xa-trien-khai-benh-an-dien-tu-trong-nam-2022-1647483000.html
        @cb_kwargs {"portal": "hatinh"}
        @returns items 1 1
        @returns requests 0 0
        @scrapes record page_url layout extractor
        """
        return checked(super().parse_article(response, **kwargs))
