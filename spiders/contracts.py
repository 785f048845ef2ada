"""What a portal's spider needs for `scrapy check`: its contracts, written from the portal's
reference pages, and a pass-through that turns a failure into a failed contract while checking.
Running the checks (a replay server, `scrapy check`) is scraper/crawl/contracts.py.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from scrapy.exceptions import ContractFail

from scraper.items import ArticleItem, FailureItem

if TYPE_CHECKING:
    from scraper.extraction.pages import ListingPage
    from scraper.portals.registry import Portal


def checked(results: Iterable[Any]) -> Iterator[Any]:
    """A callback's results, except that under `scrapy check` a failure fails the contract, with its reason.

    In a crawl a page the layout's rules cannot read is still archived by the generic extractor
    (flagged `generic`), so a contract counting items would pass on a layout whose selectors no
    longer match. Scrapy sets SCRAPY_CHECK=true while it checks contracts; only then does a
    failure item or a generic extraction stop the callback. In a crawl this passes results through.
    """
    checking = os.environ.get("SCRAPY_CHECK") == "true"
    for result in results:
        if checking and isinstance(result, FailureItem):
            raise ContractFail(f"{result.portal}: {result.reason}")
        if checking and isinstance(result, ArticleItem) and getattr(result, "extraction", "layout") != "layout":
            raise ContractFail(f"{result.record.get('portal')}: the layout's rules failed (the generic extractor "
                               f"saved the article): {getattr(result, 'note', '')}")
        yield result


def contract_docs(portal: "Portal", listing_page: type["ListingPage"]) -> dict[str, str]:
    """{callback name: docstring with contracts} from the portal's reference pages; {} without any."""
    from scraper.portals.sites import site_of

    site = site_of(portal)
    if site is None:
        return {}
    cb_kwargs = f'@cb_kwargs {{"portal": "{portal.key}"}}'
    docs = {}
    listing = next(iter(site.pages(("listing",))), None)
    if listing is not None:
        page = listing_page(listing.body(), listing.url, listing.content_type)
        found = len(page.article_urls()) + len(page.next_urls())
        # A layout that finds no link must fail, not expect nothing.
        docs["parse_listing"] = (f"The first listing page: the layout finds {found} article links and next pages "
                                 f"on it.\n\n@url {listing.url}\n{cb_kwargs}\n@returns items 0 0\n"
                                 f"@returns requests {max(found, 1)} {found or ''}".rstrip() + "\n")
    article = next(iter(site.pages(("article",))), None)
    if article is not None:
        # Requests: only the attached documents the article links (not a property of the layout).
        docs["parse_article"] = (f"An article page gives one record, by the layout's rules.\n\n@url {article.url}\n"
                                 f"{cb_kwargs}\n@returns items 1 1\n@returns requests 0\n"
                                 "@scrapes record page_url layout extractor\n")
    return docs
