"""Spider contracts (`scrapy check`) run offline, against the replay server.

Each portal's spider (spiders/loader.py) carries docstring contracts on `parse_listing` and
`parse_article`, written here from the portal's reference pages (its fixture folder, else its
bundled demo portal: scraper.sites.site_of): the first listing page, whose expected requests are
what the layout finds on that page (article links plus next pages), and the first served
article, which must give one record by the layout's rules. Contracts fetch real URLs, so, as in
a replayed crawl, the requests go to a replay server that answers with the real host's pages: the
bundled demo portals plus every captured fixture folder (tests/fixtures/<key>/), so a new
portal's contracts run on the pages saved for it.
"""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from scrapy.exceptions import ContractFail

from scraper.items import ArticleItem, FailureItem

if TYPE_CHECKING:
    from scraper.pages import ListingPage
    from scraper.registry import Portal
    from scraper.replay import ReplayServer


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
    from scraper.sites import site_of

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


def replay_with_fixtures(fixtures_root: Path | None = None) -> "ReplayServer":
    """A replay server (not started) for the demo portals and every fixture folder's served pages."""
    from scraper.fixtures import FIXTURES_DIR
    from scraper.registry import DEMO_PORTALS
    from scraper.replay import ReplayServer, site_folders

    fixtures_root = Path(fixtures_root or FIXTURES_DIR)
    fixtures = site_folders(fixtures_root) if fixtures_root.is_dir() else []
    return ReplayServer(folders=site_folders(DEMO_PORTALS) + fixtures)


def spider_names() -> list[str]:
    from scrapy.spiderloader import get_spider_loader

    from scraper.crawl import project_settings

    with tempfile.TemporaryDirectory() as scratch:
        return sorted(get_spider_loader(project_settings(str(Path(scratch) / "none.db"))).list())


def run_contracts(spiders: list[str], replay_url: str | None, verbose: bool = False) -> int:
    """`scrapy check` for these spiders (all when empty): 0 when every contract holds, else 1.

    With `replay_url` every request goes to that server with the real Host header; without it
    the real portals are asked, politely. The report is written to stderr by Scrapy.
    """
    from scrapy.cmdline import execute

    from scraper.crawl import project_settings

    # Scrapy lowers the root logger's level; the command's own log handler stays at warnings.
    for handler in logging.root.handlers:
        handler.setLevel(max(handler.level, logging.WARNING))
    with tempfile.TemporaryDirectory() as scratch:
        # Contracts switch item pipelines off; the archive setting still needs a harmless value.
        settings = project_settings(str(Path(scratch) / "check.db"), replay_url=replay_url)
        try:
            execute(["scrapy", "check", *spiders, *(["-v"] if verbose else [])], settings)
        except SystemExit as done:
            return int(done.code or 0)
    return 0
