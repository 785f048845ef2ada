"""Run one crawl of the named portals into an archive, as one crawl run.

Scrapy's reactor starts once per process, so each crawl is one process: `soyte crawl` calls
this; tests and `soyte demo` run `soyte crawl` in a subprocess.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from itertools import groupby

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from archive.store import Archive
from scraper.registry import Portal, get_portal, load_portals

logger = logging.getLogger(__name__)

# Against the replay server on 127.0.0.1 there is nobody to be polite to.
REPLAY_SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}


@dataclass
class CrawlResult:
    run_id: int
    run: dict


def select_portals(keys: list[str] | None) -> list[Portal]:
    """The active portals named, or every active portal; a named retired portal is an error."""
    if not keys:
        return [p for p in load_portals().values() if p.active]
    portals = [get_portal(key) for key in keys]
    retired = [p.key for p in portals if not p.active]
    if retired:
        raise ValueError(f"retired portals cannot be crawled: {', '.join(retired)}")
    return portals


def project_settings(db: str, run_id: int | None = None, replay_url: str | None = None,
                     polite: bool = False, extra: dict | None = None):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "scraper.settings")
    settings = get_project_settings()
    settings.set("SOYTE_DB", db, priority="cmdline")
    if run_id is not None:
        settings.set("SOYTE_RUN_ID", run_id, priority="cmdline")
    if replay_url:
        settings.set("SOYTE_REPLAY_URL", replay_url, priority="cmdline")
        handler = "scraper.middlewares.ReplayDownloadHandler"
        settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, priority="cmdline")
        if not polite:
            settings.setdict(REPLAY_SETTINGS, priority="cmdline")
    if extra:
        settings.setdict(extra, priority="cmdline")
    return settings


def run_crawl(db: str, keys: list[str] | None = None, replay_url: str | None = None,
              polite: bool = False, extra_settings: dict | None = None) -> CrawlResult:
    """Crawl the portals into `db` and record the run; returns the finished crawl_runs row."""
    portals = select_portals(keys)
    archive = Archive(db)
    run_id = archive.start_run([p.key for p in portals])
    settings = project_settings(db, run_id, replay_url, polite, extra_settings)
    process = CrawlerProcess(settings)
    for spider, group in groupby(sorted(portals, key=lambda p: p.spider), key=lambda p: p.spider):
        process.crawl(spider, portals=",".join(p.key for p in group))
    status = "completed"
    try:
        process.start()
    except BaseException:
        status = "failed"
        raise
    finally:
        archive.finish_run(run_id, status)
        run = archive.run(run_id)
        archive.close()
    return CrawlResult(run_id, run)
