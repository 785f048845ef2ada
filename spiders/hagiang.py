"""Hà Giang (soyte.hagiang.gov.vn): home-grown ASP.NET site on Bootstrap.

The editor stores the body in decomposed Unicode (NFC happens in shared cleaning), the visible
page prints no date (the head's article:published_time has it), and its image block prints each
caption twice: once in the caption table, once as an italic paragraph (deduplicated in shared
body reading). "Các bài đã đăng" below the article and the right column carry other titles.
"""
from __future__ import annotations

from typing import Any, Iterable

from scrapy.http import Response

from scraper.contracts import checked
from scraper.layouts import load_layout
from scraper.pages import page_classes
from spiders.base import PortalSpider

ArticlePage, ListingPage = page_classes(load_layout("hagiang"))


class HagiangSpider(PortalSpider):
    name = "hagiang"
    article_page = ArticlePage
    listing_page = ListingPage

    # Contracts (`soyte check`, or `scrapy check` against a replay): the callbacks are the base
    # spider's, restated to carry this layout's sample pages; `checked` only acts under a check.
    def parse_listing(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        """The first listing page links two articles and two more listing pages.

        @url https://soyte.hagiang.gov.vn/tin-tuc/hoat-dong-nganh
        @cb_kwargs {"portal": "hagiang"}
        @returns items 0 0
        @returns requests 4 4
        """
        return checked(super().parse_listing(response, **kwargs))

    def parse_article(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        """An article page gives one article record, extracted by this layout's rules.

        @url https://soyte.hagiang.gov.vn/tin-tuc/hoat-dong-nganh/kham-sang-loc-benh-tim-bam-sinh-cho-tre-em-huyen-yen-minh-71168.html
        @cb_kwargs {"portal": "hagiang"}
        @returns items 1 1
        @returns requests 0 0
        @scrapes record page_url layout extractor
        """
        return checked(super().parse_article(response, **kwargs))
