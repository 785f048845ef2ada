"""`soyte crawl`: one crawl of the named portals into an archive, as one crawl run.

What makes it a crawl run of the archive (the lock, the run's row, the frontier handed to each
spider, the run's end and exit status) is the crawl-run extension's (scraper/crawl/run.py), the
same for `scrapy crawl` under scrapyd; this module chooses the portals, checks the settings and
starts one crawler per portal in one process (its own stats and finish reason, so one portal's
trouble is reported as that portal's). Scrapy's reactor starts once per process, so each crawl is
one process: `soyte crawl` calls this; tests and `soyte demo` run it in a subprocess.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from scrapy import Spider
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from scraper.crawl import run as crawlrun
from scraper.crawl.progress import ProgressDisplay, show_progress_on
from scraper.portals.registry import Portal, get_portal, layout_problem, load_portals

# Against the replay server on 127.0.0.1 there is nobody to be polite to.
REPLAY_SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}


class CrawlLocked(RuntimeError):
    """Another crawl is writing to this archive."""


class ArchiveUnwritable(RuntimeError):
    """The archive refused a write (read-only file, full disk): the crawl stopped."""


class SoyteCrawlerProcess(CrawlerProcess):
    """Scrapy's process, owning the crawl runs of its crawlers and telling them which signal stopped it.

    Each crawler it makes is handed the process's CrawlRuns (so that every portal's crawler joins
    one run of the archive) and, in a terminal, the live display its progress extension feeds.
    Scrapy handles the first signal (SIGINT, SIGTERM) by closing the spiders gracefully (reason
    'shutdown'), the second by stopping the reactor at once; either way the run must not be
    recorded as finished.
    """

    def __init__(self, settings: Settings, display: ProgressDisplay | None = None):
        super().__init__(settings)
        self.runs = crawlrun.CrawlRuns()
        self.display = display

    def create_crawler(self, crawler_or_spidercls: Crawler | type[Spider] | str) -> Crawler:
        crawler = super().create_crawler(crawler_or_spidercls)
        self.runs.hand_to(crawler)
        if self.display is not None:
            show_progress_on(crawler, self.display)
        return crawler

    def _signal_shutdown(self, signum: int, _frame) -> None:
        self.runs.note_signal(signum)
        super()._signal_shutdown(signum, _frame)

    def _signal_kill(self, signum: int, _frame) -> None:
        self.runs.note_signal(signum)
        super()._signal_kill(signum, _frame)


@dataclass
class CrawlResult:
    run_id: int
    run: dict
    portals: list[dict]
    exit_status: int  # scraper.crawl.run.exit_status: what `soyte crawl` exits with

    @property
    def problems(self) -> list[str]:
        return crawlrun.problem_lines(self.portals)


def select_portals(keys: list[str] | None) -> list[Portal]:
    """Every active portal, or the portals named: active ones, and planned ones whose layout loads
    (a maintainer trying a new layout on captured pages); a retired portal, or a named one whose
    layout cannot read pages, is an error that says why. Unnamed, an active portal whose layout
    does not load stays in: the run reports it as its failed portal (scraper.crawl.run) and crawls
    the others, unless no other is left to crawl."""
    if not keys:
        portals = [p for p in load_portals().values() if p.active]
        if portals and all(layout_problem(p) for p in portals):
            raise ValueError("cannot crawl: no active portal has a layout that loads: "
                             + "; ".join(f"{p.key}: {layout_problem(p)}" for p in portals))
        return portals
    portals = [get_portal(key) for key in dict.fromkeys(keys)]
    retired = [p.key for p in portals if p.status == "retired"]
    if retired:
        raise ValueError(f"retired portals are not crawled: {', '.join(retired)}")
    unready = [f"{p.key} ({p.status}): {crawl_problem(p)}" for p in portals if crawl_problem(p)]
    if unready:
        raise ValueError(f"cannot crawl {'; '.join(unready)}")
    return portals


def demo_portals() -> list[str]:
    """What `soyte demo` and `soyte crawl --demo-portals` crawl when no portal is named: the active
    portals whose pages are bundled (scraper/demo_portals/), in the registry's order. A portal
    activated later has no bundled pages (its captures are a source checkout's test fixtures), so the
    demo stays the same eight portals, and green, whatever else the registry holds."""
    return [p.key for p in load_portals().values() if p.active and p.demo_dir and p.demo_dir.is_dir()]


def crawl_problem(portal: Portal) -> str | None:
    """Why a portal cannot be crawled (yet), or None: a planned one's layout may be unfinished;
    an active one's should load, and when it does not, that is the news."""
    if not portal.layout:
        return f"no layout yet (start one with soyte new-portal {portal.key})"
    problem = layout_problem(portal)
    if problem:
        return f"its layout {'does not load' if portal.active else 'cannot read pages yet'}: {problem}"
    return None if portal.start_urls else "no start_urls in the registry"


def not_active_warnings(portals: list[Portal]) -> list[str]:
    """What `soyte crawl` says on stderr before crawling a portal named while still planned."""
    return [f"warning: {p.key} is {p.status}, not active yet: crawled because it was named (set status = "
            f"\"active\" in the registry once its tests pass)" for p in portals if not p.active]


@contextmanager
def crawl_lock(db: str) -> Iterator[None]:
    """Hold the archive's crawl lock (scraper.crawl.run.take_lock) for a block: `soyte merge` uses it."""
    try:
        handle = crawlrun.take_lock(db)
    except crawlrun.LockHeld as held:
        raise CrawlLocked(str(held)) from None
    except crawlrun.NotAnArchive as error:
        raise ArchiveUnwritable(str(error)) from None
    except OSError as error:
        raise ArchiveUnwritable(f"cannot open the archive {db} for writing: {error.strerror}") from None
    try:
        yield
    finally:
        crawlrun.release_lock(handle)


def project_settings(db: str, replay_url: str | None = None, polite: bool = False, extra: dict | None = None):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "scraper.settings")
    settings = get_project_settings()
    settings.set("SOYTE_DB", db, priority="cmdline")
    if replay_url:
        settings.set("SOYTE_REPLAY_URL", replay_url, priority="cmdline")
        if not polite:
            settings.setdict(REPLAY_SETTINGS, priority="cmdline")
    if extra:
        settings.setdict(extra, priority="cmdline")
    return settings


def run_crawl(db: str, keys: list[str] | None = None, replay_url: str | None = None,
              polite: bool = False, extra_settings: dict | None = None,
              display: ProgressDisplay | None = None) -> CrawlResult:
    """Crawl the portals into `db` as one crawl run; returns the finished run and per-portal rows.

    The lock, the run and the frontier are the crawl-run extension's (scraper/crawl/run.py), as for
    a bare `scrapy crawl`: this only starts one crawler per portal in one process, and reads how
    the run ended. `display`, in a terminal, is drawn live from every portal's progress.
    """
    portals = select_portals(keys)
    settings = project_settings(db, replay_url, polite, extra_settings)
    # The run names every portal; one whose layout does not load gets no crawler, and the crawl run
    # records it as its failed portal (scraper.crawl.run.Session.open).
    settings.set("SOYTE_PORTALS", ",".join(p.key for p in portals), priority="cmdline")
    process = SoyteCrawlerProcess(settings, display)
    for portal in portals:
        if layout_problem(portal) is None:
            process.crawl(process.create_crawler(portal.key))
    process.start()
    interrupted_by = process.runs.interrupted_by
    session = process.runs.session(db)
    if session is None:
        raise ArchiveUnwritable(f"the crawl of {db} did not start (see the log)")
    if session.refused:
        raise ValueError(session.refused)  # a usage error: exit 2, nothing recorded
    if session.locked:
        raise CrawlLocked(session.locked)
    if session.unwritable:
        raise ArchiveUnwritable(session.unwritable)
    session.finish(interrupted_by)  # when a second signal stopped the reactor before the spiders closed
    if session.storage_error or session.run is None:
        raise ArchiveUnwritable(f"the archive {db} cannot be written ({session.storage_error}); the crawl stopped. "
                                "What was stored before is intact: free space or fix permissions, then crawl again")
    return CrawlResult(session.run_id, session.run, session.portal_rows, crawlrun.exit_status(session, interrupted_by))
