"""The crawl run around Scrapy, as a Scrapy extension: `soyte crawl` and `scrapy crawl` are one path.

scrapyd runs `scrapy crawl <portal>`; `soyte crawl` runs one crawler per portal in one process.
Both get, from this extension (EXTENSIONS in scraper/settings.py), what makes a crawl an archive's:
- one crawl at a time per archive: the archive file's lock (scraper/crawl/archive_lock.py: a lock file
  beside its real path, and a lock on the file itself, which every name of it shares: a symlink,
  a hard link), held by the process (the operating system releases it if the process dies); a
  second crawl finds it held, fetches nothing and exits 3, as it does when SQLite's own write lock
  is held by another program past WRITER_GRACE;
- one row in `crawl_runs` per process, whatever the number of portals (crawlers) it runs; runs a
  killed process left `running` are marked `aborted` first;
- one archive connection per process, which the pipelines write through, committing grouped
  writes every SOYTE_COMMIT_WINDOW seconds and at the end (everything fetched before a signal,
  an error or the end is committed; a `kill -9` loses the open window, fetched again next run);
- each spider handed its portal's frontier (scraper.model.Frontier: plain facts read here
  from the archive, so a spider never opens it): the crawl is incremental and resumable;
- the run's end: `completed`, `alarm` (a portal looks broken), `interrupted` (SIGINT/SIGTERM),
  `failed`; the exit status (`exit_status`) that both commands return.
The archive pipeline (scraper/pipelines.py) writes pages and articles under the run this opens.
"""
from __future__ import annotations

import logging
import os
import signal
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.frontier import load_frontier
from archive.store import Archive, archive_file_problem, is_busy, is_damage
from scraper.crawl.archive_lock import ArchiveLock, LockHeld
from scraper.crawl.logs import RUN_SUMMARY, documents_line
from scraper.crawl.setting_rules import settings_problem
from scraper.model import EXIT_LOCKED, EXIT_OK, EXIT_PROBLEM, EXIT_STORAGE, EXIT_USAGE, FailureKind

logger = logging.getLogger("scraper.crawlrun")  # the name its log lines have always shown

# Seconds a crawl waits at its start, at least, for SQLite's write lock held by a program that is
# not a crawl (the sqlite3 shell, sqlite-utils, a script): such writes are short; one still
# holding it after this is refused like another crawl (exit 3).
WRITER_GRACE = 5.0


class NotAnArchive(RuntimeError):
    """The path names a file that is not an archive (archive.store.archive_file_problem): nothing is made beside it."""


def take_lock(db: str) -> ArchiveLock:
    """The archive's lock (scraper.crawl.archive_lock): the lock file beside its real path, and the archive
    file's own, which every name of the file shares (a symlink, a hard link); held until released.

    LockHeld (naming the holder) when another process has it; NotAnArchive, before any file is
    made, when `db` is another kind of file; OSError when the lock cannot be made.
    """
    problem = archive_file_problem(db)
    if problem:
        raise NotAnArchive(f"{problem}; nothing was written beside it")
    return ArchiveLock.take(db)


def release_lock(handle: ArchiveLock) -> None:
    handle.close()


@dataclass
class Session:
    """One archive's crawl run in this process, shared by every crawler that writes to it."""

    db: str
    lock: ArchiveLock | None = None
    archive: Archive | None = None
    run_id: int | None = None
    locked: str | None = None            # another process holds the archive: this one fetches nothing
    unwritable: str | None = None        # the archive cannot be opened for writing
    refused: str | None = None           # a setting the run cannot live with (scraper.crawl.setting_rules): nothing runs
    crawlers: set[int] = field(default_factory=set)
    reasons: dict[str, str | None] = field(default_factory=dict)  # portal -> finish reason
    storage_error: str | None = None     # a write the archive refused during the crawl
    run: dict | None = None              # the finished run's row
    portal_rows: list[dict] = field(default_factory=list)
    documents: Counter = field(default_factory=Counter)  # every crawler's document tally: one line per run
    frontiers: dict = field(default_factory=dict)         # portal -> its Frontier, read when the run opened

    @property
    def blocked(self) -> str | None:
        return self.refused or self.locked or self.unwritable

    def open(self, portals: list[str], wait: float = 0.0, commit_window: float = 0.0,
             revisit_days: float | None = None) -> None:
        """Take the lock (waiting up to `wait` seconds for another crawl to end), mark stale runs
        aborted, read the portals' frontiers (with `revisit_days`), start the run; then group the
        crawl's writes (Archive.group_commits).

        The frontiers are read before the run starts, as every crawler's extension is built before
        any spider runs: an archive damaged where they lie records no run and fetches nothing.
        """
        deadline = time.monotonic() + wait
        while True:
            try:
                self.lock = take_lock(self.db)
                break
            except LockHeld as held:
                if time.monotonic() >= deadline:
                    self.locked = str(held)
                    return
                time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
            except NotAnArchive as error:
                self.unwritable = str(error)
                return
            except OSError as error:
                self.unwritable = f"cannot open the archive {self.db} for writing: {error.strerror}"
                return
        try:
            # SQLite's own write lock, held by a program that is not a crawl (the sqlite3 shell, a
            # script), is waited for as long as another crawl's would be, WRITER_GRACE at least.
            self.archive = Archive(self.db, timeout=max(deadline - time.monotonic(), WRITER_GRACE))
            self.lock.hold_archive_file()  # a new archive's file exists only now
            self.archive.abort_stale_runs()
            if revisit_days is not None:
                self.frontiers = {portal: self.frontier(portal, revisit_days) for portal in portals}
            self.run_id = self.archive.start_run(portals)
            self.record_unreadable_layouts(portals)
            self.archive.wait_for_writers()  # the crawl's writes wait as long as any archive write
            self.archive.group_commits(commit_window)
        except LockHeld as held:  # another crawl, through another name of the file
            self.locked = str(held)
            self.release()
        except (sqlite3.Error, OSError) as error:
            if is_busy(error):
                self.locked = (f"another program is writing to {self.db} (SQLite reports the database locked; "
                               "it is not a soyte crawl); wait for it to finish")
            else:
                self.unwritable = cannot_start(self.db, error)
            self.release()

    def record_unreadable_layouts(self, portals: list[str]) -> None:
        """A portal of the run whose layout file does not load gets no crawler (scraper.crawl.process): it is
        recorded here as the run's failed portal — its alarm in `portal_runs.problem`, a failure of
        kind `layout`, one run error — so that one broken file costs that portal's crawl, never the
        others', and is reported every run until it is fixed. Its walk is incomplete: the first run
        with a working layout walks all its listing pages."""
        from scraper.portals.registry import layout_problem, load_portals

        registry = load_portals()
        for key in portals:
            portal = registry.get(key)
            problem = layout_problem(portal) if portal is not None else None
            if problem is None:
                continue
            where = portal.start_urls[0] if portal.start_urls else f"https://{portal.host}/"
            self.archive.record_failure(self.run_id, where, key, FailureKind.LAYOUT, problem)
            self.archive.add_to_run(self.run_id, errors=1)
            self.archive.record_portal_run({"run_id": self.run_id, "portal": key,
                                            "problem": f"not crawled: its layout does not load: {problem}"})
            logger.warning("%s: not crawled: its layout does not load: %s; recorded in failures", key, problem)

    def join(self, portal: str) -> None:
        """A crawler of another portal joins the run (a bare `scrapy crawl` names only its own)."""
        row = self.archive.run(self.run_id)
        portals = [p for p in (row["portals"] or "").split(",") if p]
        if portal not in portals:
            self.archive.db["crawl_runs"].update(self.run_id, {"portals": ",".join(portals + [portal])})

    def frontier(self, portal: str, revisit_days: float):
        """The portal's frontier: read when the run opened, or now (a crawler of a portal the run did not name)."""
        if portal in self.frontiers:
            return self.frontiers.pop(portal)
        return load_frontier(self.archive.conn, [portal], timedelta(days=revisit_days) if revisit_days >= 0 else None)

    def finish(self, interrupted_by: int | None) -> None:
        """Record how the run ended (once every crawler of the process has closed, or a signal stopped
        it: `interrupted_by`), then let go of the archive."""
        if self.archive is None or self.run is not None or self.lock is None:
            return
        storage_error = self.storage_error
        status, reason = end_of_run(self.reasons, interrupted_by)
        try:
            self.archive.group_commits(0)  # what the crawl wrote is committed before the run says how it ended
            self.portal_rows = self.archive.portal_runs(self.run_id)
            problems = problem_lines(self.portal_rows)
            if status == "completed" and problems:
                status = "alarm"
            self.archive.finish_run(self.run_id, "failed" if storage_error else status,
                                    storage_error or reason or "; ".join(problems) or None)
            self.run = self.archive.run(self.run_id)
        except sqlite3.Error as error:  # the next run marks this one aborted
            self.storage_error = storage_error or f"{type(error).__name__}: {error}"
        finally:
            self.release()

    def release(self) -> None:
        if self.archive is not None:
            self.archive.close()
        if self.lock is not None:
            release_lock(self.lock)
            self.lock = None


def cannot_start(db: str, error: Exception) -> str:
    """The one line for an archive a crawl cannot start on: damaged (check it, restore a backup),
    or not writable (read-only storage, a full disk)."""
    if isinstance(error, sqlite3.Error) and is_damage(error):
        return (f"the archive {db} cannot be read ({error}); nothing was crawled and no run recorded. What it holds "
                f"may be damaged: check it with `sqlite3 {db} 'PRAGMA integrity_check'` and restore a backup")
    return f"cannot open the archive {db} for writing: {error}"


def problem_lines(portal_rows: list[dict]) -> list[str]:
    """'portal: problem' for each portal of a run that raised the alarm."""
    return [f"{row['portal']}: {row['problem']}" for row in portal_rows if row["problem"]]


def end_of_run(reasons: dict[str, str | None], interrupted_by: int | None) -> tuple[str, str | None]:
    """The run's status from how each portal's spider closed, and the signal that stopped the process, if one did."""
    if interrupted_by or "shutdown" in reasons.values():
        name = signal.Signals(interrupted_by).name if interrupted_by else "a signal"
        return "interrupted", f"stopped by {name} before finishing; the next run completes the portals"
    unusual = sorted({str(reason) for reason in reasons.values() if reason not in ("finished", "archive_error")})
    if unusual:
        return "failed", f"a spider did not run to its end ({', '.join(unusual)}; see the log)"
    return "completed", None


def exit_status(session: Session | None, interrupted_by: int | None) -> int:
    """What `soyte crawl` and `scrapy crawl` exit with (docs/OPERATIONS.md), given the signal that stopped it."""
    if session is None:
        return EXIT_PROBLEM
    if session.refused:
        return EXIT_USAGE
    if session.locked:
        return EXIT_LOCKED
    if session.unwritable or session.storage_error:
        return EXIT_STORAGE
    if interrupted_by or (session.run and session.run["status"] == "interrupted"):
        return 128 + (interrupted_by or signal.SIGINT)  # the shell's convention: 130 after SIGINT, 143 after SIGTERM
    return EXIT_OK if session.run and session.run["status"] == "completed" else EXIT_PROBLEM


class CrawlRuns:
    """The crawl runs of one start of crawlers: a Session per archive (by its file's real path), which
    every crawler writing to that archive joins, and the signal that stopped the process, if one did.

    Whoever starts the crawlers makes one, hands it to each crawler before it starts (`hand_to`) and
    reads from it how the run ended: `soyte crawl` (scraper.crawl.process.SoyteCrawlerProcess) and
    `scrapy crawl` (scraper.commands.crawl.Command). It lives as long as that start, so a later start
    in the same interpreter begins afresh; a crawler nobody handed one (`scrapy shell`, a script's own
    CrawlerProcess) gets one of its own, as if it were alone in its process.
    """

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}
        self.interrupted_by: int | None = None

    def hand_to(self, crawler: Crawler) -> None:
        crawler.soyte_crawl_runs = self

    @staticmethod
    def of(crawler: Crawler) -> "CrawlRuns":
        """The runs the crawler was handed, or new ones of its own."""
        if getattr(crawler, "soyte_crawl_runs", None) is None:
            CrawlRuns().hand_to(crawler)
        return crawler.soyte_crawl_runs

    def session(self, db: str) -> Session | None:
        """The session of the archive at `db` (by any name of its file), once a crawler opened it."""
        return self.sessions.get(os.path.realpath(db))

    def note_signal(self, signum: int) -> None:
        """Remember the first signal that stopped the process (called by its handler): the run is
        'interrupted' and the process exits 128 + signal."""
        self.interrupted_by = self.interrupted_by or signum


def session_of(crawler: Crawler) -> Session | None:
    """The session a crawler's pipelines write under: its crawl-run extension's; None without the
    extension (SOYTE_CRAWL_RUN off, contracts), when the archive pipeline records a run of its own."""
    extension = crawler.get_extension(CrawlRun)
    return extension.session if extension is not None else None


def archive_for(crawler: Crawler, session: Session | None) -> tuple[Archive, bool]:
    """The archive a pipeline writes to, and whether it opened it (and so closes it): the run's
    connection when there is a run, since a second connection would wait on its grouped writes."""
    if session is not None:
        return session.archive, False
    return Archive(crawler.settings.get("SOYTE_DB")), True


class CrawlRun:
    """The extension: opens (or joins) the session when a crawler starts, ends it when the last closes."""

    def __init__(self, crawler: Crawler, runs: CrawlRuns, session: Session):
        self.crawler = crawler
        self.runs = runs
        self.session = session

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlRun":
        if os.environ.get("SCRAPY_CHECK") == "true" or not crawler.settings.getbool("SOYTE_CRAWL_RUN", True):
            raise NotConfigured  # contracts check pages; they record no run
        spider: Spider = crawler.spider
        runs = CrawlRuns.of(crawler)
        key = os.path.realpath(crawler.settings.get("SOYTE_DB"))
        session = runs.sessions.get(key)
        if session is None or session.run is not None or (session.blocked and not session.crawlers):
            session = runs.sessions[key] = Session(crawler.settings.get("SOYTE_DB"))
            # Checked before the lock: a run refused for a setting (a scrapyd job's -s) makes nothing.
            session.refused = settings_problem(crawler.settings)
            if not session.refused:
                session.open(crawler.settings.getlist("SOYTE_PORTALS") or [spider.name],
                             crawler.settings.getfloat("SOYTE_LOCK_WAIT"),
                             crawler.settings.getfloat("SOYTE_COMMIT_WINDOW"),
                             crawler.settings.getfloat("SOYTE_REVISIT_DAYS"))
        elif not session.blocked:
            session.join(spider.name)
        session.crawlers.add(id(crawler))
        if session.blocked:
            spider.blocked = session.blocked  # the spider asks for nothing; the command says why, once
            logger.debug("%s: %s", spider.name, session.blocked)
        else:
            spider.use_frontier(session.frontier(spider.name, crawler.settings.getfloat("SOYTE_REVISIT_DAYS")))
        extension = cls(crawler, runs, session)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.session.reasons[spider.name] = reason
        self.session.storage_error = self.session.storage_error or self.crawler.stats.get_value("soyte/storage_error")
        self.session.crawlers.discard(id(self.crawler))
        if not self.session.crawlers and not self.session.blocked:
            self.session.finish(self.runs.interrupted_by)
            run = self.session.run
            if run:
                logger.info("%s", documents_line(self.session.documents))
                # `soyte crawl` prints the summary itself once the display is gone: the terminal shows it once.
                logger.info("crawl run %s %s: %s new, %s updated, %s unchanged articles; %s errors; %s requests "
                            "(exit status %s)", run["id"], run["status"], run["articles_new"], run["articles_updated"],
                            run["articles_unchanged"], run["errors"], run["requests"],
                            exit_status(self.session, self.runs.interrupted_by), extra=RUN_SUMMARY)


