"""Spider contracts (`scrapy check`) run offline, against the replay server.

Each portal's spider (spiders/loader.py) carries docstring contracts on `parse_listing` and
`parse_article`, written by spiders/contracts.py from the portal's reference pages (its fixture folder, else its
bundled demo portal: scraper.portals.sites.site_of): the first listing page, whose expected requests are
what the layout finds on that page (article links plus next pages), and the first served
article, which must give one record by the layout's rules. Contracts fetch real URLs, so, as in
a replayed crawl, the requests go to a replay server that answers with the real host's pages: the
bundled demo portals plus every captured fixture folder (tests/fixtures/<key>/), so a new
portal's contracts run on the pages saved for it.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scraper.portals.replay import ReplayServer


def replay_with_fixtures(fixtures_root: Path) -> "ReplayServer":
    """A replay server (not started) for the demo portals and the served pages of every fixture
    folder in `fixtures_root`, the project's fixtures folder (scraper/portals/checkout.py)."""
    from scraper.portals.registry import DEMO_PORTALS
    from scraper.portals.replay import ReplayServer, site_folders

    fixtures = site_folders(fixtures_root) if fixtures_root.is_dir() else []
    return ReplayServer(folders=site_folders(DEMO_PORTALS) + fixtures)


def spider_names() -> list[str]:
    from scrapy.spiderloader import get_spider_loader

    from scraper.crawl.process import project_settings

    with tempfile.TemporaryDirectory() as scratch:
        return sorted(get_spider_loader(project_settings(str(Path(scratch) / "none.db"))).list())


def run_contracts(spiders: list[str], replay_url: str | None, verbose: bool = False) -> int:
    """`scrapy check` for these spiders (all when empty): 0 when every contract holds, else 1.

    With `replay_url` every request goes to that server with the real Host header; without it
    the real portals are asked, politely. The report is written to stderr by Scrapy.
    """
    from scrapy.cmdline import execute

    from scraper.crawl.process import project_settings

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
