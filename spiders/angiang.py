"""An Giang (soyte.angiang.gov.vn): IBM WebSphere Portal rendering WCM content.

The response header names no charset (the meta tag does: shared decoding reads it), the time
is printed before the date ("02:12 13/03/2020"), the body is Word markup (MsoNormal, o:p), bullet
points are paragraphs that begin with "- " (kept as published), and the byline (bold) and
source (italic) are right-aligned paragraphs closing the body.
"""
from __future__ import annotations

from scraper.pages import ArticlePage as BaseArticlePage
from scraper.pages import ListingPage as BaseListingPage
from spiders.base import PortalSpider

SELECTORS = {
    "canonical": ['link[rel="canonical"]::attr(href)'],
    "title": [".wcm-detail .news-title", 'meta[property="og:title"]::attr(content)'],
    "published_head": ['meta[property="article:published_time"]::attr(content)'],
    "published_text": [".wcm-detail .news-date"],
    "category": [".wcm-detail .channel-name"],
    "body": [".wcm-detail .news-content"],
    "attachments": [".wcm-detail .file-dinh-kem a"],
    # listings
    "container": [".wcm-list"],
    "articles": [".wcm-list .news-item a.title::attr(href)"],
    "pagination": [".wcm-list .paging a::attr(href)", ".paging a::attr(href)"],
}


class ArticlePage(BaseArticlePage):
    """Article page, e.g. https://soyte.angiang.gov.vn/wps/portal/Home/tin-hoat-dong/<slug>"""

    layout = "angiang-wps"
    SELECTORS = SELECTORS


class ListingPage(BaseListingPage):
    """Listing page, e.g. https://soyte.angiang.gov.vn/wps/portal/Home/tin-hoat-dong?trang=2"""

    SELECTORS = SELECTORS


class AngiangSpider(PortalSpider):
    name = "angiang"
    article_page = ArticlePage
    listing_page = ListingPage
