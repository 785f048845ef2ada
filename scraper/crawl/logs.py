"""Where a crawl's log goes: all of it to a rotated file beside the archive, the essentials to the terminal.

Scrapy logs its start-up (versions, every middleware and extension, the overridden settings) and
a line per request. That belongs in a file a person opens when something went wrong; the
terminal (or the cron mail) gets soyte's own lines (progress, each portal's tally) and every
warning and error, one line each (a portal's attachments that could not be fetched: one line for
all). `soyte crawl` therefore turns Scrapy's root handler off (LOG_INSTALL_ROOT_HANDLER) and puts
two handlers on the root logger: a RotatingFileHandler at DEBUG, and a TerminalHandler whose level
depends on -v / --quiet.
"""
from __future__ import annotations

import logging
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Callable

from scrapy.settings import default_settings

from scraper.extraction import cleaning, dates
from scraper.model import FailureKind, final_listing_failure

LOG_MAX_BYTES = 10 * 1024 * 1024  # about 0.9 KB a request: the demo portals' 31 requests log 27 KB
LOG_BACKUPS = 3                   # archive.db.log.1 … .3: the last few runs, never the whole disk
OWN_LOGGERS = ("scraper", "spiders", "archive")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # every terminal line starts with it: a cron log is read by date

# Scrapy logs every scraped item, with the article's whole text, at DEBUG: the archive holds it already.
SCRAPED_MESSAGE = "Scraped from"

# Scrapy's INFO lines a person at the terminal needs: Ctrl-C was heard, and what it does.
SHOWN_SCRAPY_LINES = ("Received %(signame)s",)

# Warnings a later soyte line repeats with the portal, the page and what the archive did: on the
# terminal that line is enough (one line per fault); these stay in the log file. Date and charset
# details come before the article's own line (a date) or are notes about a page stored all right.
REPEATED_LATER = ("Gave up retrying ", "Ignored response <")
REPEATED_LATER_WORDS = "bytes which is larger than download max size"
DETAIL_LOGGERS = (dates.logger.name, cleaning.logger.name)

# Settings a crawl gets so that Scrapy leaves the root logger to these handlers.
CRAWL_LOG_SETTINGS = {"LOG_INSTALL_ROOT_HANDLER": False}

# `extra=` of a line the terminal leaves to the log file because another line says it there: the
# run's summary (`soyte crawl` prints it itself, after the live display), and each attachment stored
# or not fetched (the run's `documents:` line and its portal's one line count them; -v shows each).
# A bare `scrapy crawl` (scrapyd) has Scrapy's own handler, which shows them all.
RUN_SUMMARY = {"soyte_terminal": "never"}
SUMMED_UP = {"soyte_terminal": "verbose"}


def is_own(record: logging.LogRecord, spider_names: frozenset[str]) -> bool:
    """A line of soyte's own (scraper.*, a spider's logger named after it), not Scrapy's machinery."""
    return record.name.split(".")[0] in OWN_LOGGERS or record.name in spider_names


def repeated_later(record: logging.LogRecord) -> bool:
    """Scrapy's line about a download that failed, which the spider reports again as the page's failure."""
    message = str(record.msg)
    return message.startswith(REPEATED_LATER) or REPEATED_LATER_WORDS in message


class ArchiveLogHandler(RotatingFileHandler):
    """The crawl's full log; a write that fails (disk full) stops it quietly, never a traceback."""

    def __init__(self, path: Path, max_bytes: int = LOG_MAX_BYTES):
        super().__init__(path, maxBytes=max_bytes, backupCount=LOG_BACKUPS, encoding="utf-8")
        self.failed: str | None = None
        # Only a regular file is rotated (bpo-45401: `--log /dev/stderr` stays what it is); asked once,
        # where RotatingFileHandler asks the file system twice for every line.
        self.rotates = Path(self.baseFilename).is_file() or not Path(self.baseFilename).exists()
        self.setFormatter(logging.Formatter(default_settings.LOG_FORMAT, default_settings.LOG_DATEFORMAT))
        self.addFilter(lambda record: not str(record.msg).startswith(SCRAPED_MESSAGE))

    def emit(self, record: logging.LogRecord) -> None:
        """RotatingFileHandler's line, rotated at the same size, but formatted once: its rollover
        check formatted every line a second time, seeked and stat-ed the file, half of the 21 µs
        that a `Crawled (200)` line (one per request) cost (docs/BENCHMARKS.md, third pass)."""
        if self.failed:
            return
        try:
            line = self.format(record) + self.terminator
            if self.stream is None:
                self.stream = self._open()
            if self.rotates and self.stream.tell() + len(line) >= self.maxBytes:
                self.doRollover()
            self.stream.write(line)
            self.flush()
        except RecursionError:  # as logging.StreamHandler
            raise
        except Exception:  # noqa: BLE001 — as logging.Handler: the crawl goes on, handleError says why
            self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        self.failed = getattr(error, "strerror", None) or str(error)

    def close(self) -> None:
        """The last buffered lines may not fit either (a full disk): lost, said once, never a traceback."""
        try:
            super().close()
        except OSError as error:
            self.failed = self.failed or error.strerror or str(error)


class TerminalHandler(logging.Handler):
    """Lines for a person: soyte's progress and tallies, every warning and error, each in one line.

    verbosity 0: soyte's INFO lines and everyone's warnings (--quiet: warnings only);
    1 (-v): Scrapy's INFO too, its start-up dump included; 2 (-vv): every request (DEBUG).
    A traceback stays in the log file; the terminal gets its first line and where to look.
    """

    def __init__(self, write: Callable[[str, int], None], verbosity: int = 0, quiet: bool = False,
                 log_path: Path | None = None, spider_names: frozenset[str] = frozenset()):
        super().__init__(logging.DEBUG if verbosity > 1 else logging.INFO)
        self.write, self.verbosity, self.quiet = write, verbosity, quiet
        self.log_path, self.spider_names = log_path, spider_names
        self.verbose_format = logging.Formatter(default_settings.LOG_FORMAT, default_settings.LOG_DATEFORMAT)

    def filter(self, record: logging.LogRecord) -> bool:
        shown = getattr(record, "soyte_terminal", None)
        if shown == "never" or (shown == "verbose" and not self.verbosity):
            return False
        if self.verbosity:
            return True
        if record.name in DETAIL_LOGGERS or repeated_later(record):
            return False
        if record.levelno >= logging.WARNING:
            return True
        if str(record.msg).startswith(SHOWN_SCRAPY_LINES):
            return True
        return not self.quiet and is_own(record, self.spider_names)

    def format(self, record: logging.LogRecord) -> str:
        if self.verbosity:
            return self.verbose_format.format(record)
        message = record.getMessage()
        line = message.splitlines()[0] if message else ""
        if (record.exc_info or "\n" in message) and self.log_path:
            line += f" (details in {self.log_path})"
        level = f"{record.levelname} " if record.levelno >= logging.WARNING else ""
        return f"{time.strftime(TIME_FORMAT, time.localtime(record.created))} {level}{line}"

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write(self.format(record), record.levelno)
        except Exception:  # a closed terminal must not stop the crawl
            pass


def write_stderr(line: str, level: int) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def spider_logger_names() -> frozenset[str]:
    """Spiders log under their own name (bacninh, hagiang …): those lines are soyte's too."""
    from scraper.portals.registry import load_portals

    try:
        portals = load_portals().values()
    except Exception:  # a broken registry is reported by the crawl itself
        return frozenset()
    return frozenset(portal.key for portal in portals)


class CrawlLog:
    """The two handlers of one crawl, installed on the root logger until `close()`."""

    def __init__(self, log_path: Path, terminal: TerminalHandler):
        self.path = log_path
        self.terminal = terminal
        self.file: ArchiveLogHandler | None = None
        self.open_error: str | None = None
        try:
            self.file = ArchiveLogHandler(log_path)
        except OSError as error:  # a read-only directory: the crawl says so itself, and goes on
            self.open_error = error.strerror or str(error)
        root = logging.getLogger()
        self.root_level = root.level
        root.setLevel(logging.NOTSET)  # as Scrapy's own handler would: each handler chooses its level
        for handler in (self.file, terminal):
            if handler:
                root.addHandler(handler)

    @property
    def problem(self) -> str | None:
        """Why the log file was not (fully) written, or None."""
        error = self.open_error or (self.file.failed if self.file else None)
        return f"the log {self.path} could not be written ({error}); Scrapy's lines were not kept" if error else None

    def close(self) -> None:
        root = logging.getLogger()
        for handler in (self.terminal, self.file):
            if handler:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(self.root_level)


def failure_message(portal: str, kind: str, url: str, reason: str, status: int | None = None) -> str:
    """One line for a person: which portal, which page, what happened, what the archive did about it.

    What the archive does follows archive.frontier: an article that failed with a 4xx is final;
    with a 5xx, a network error, a truncated page or a failed extraction the next runs fetch it
    again (up to archive.frontier.MAX_RETRIES); raw pages are kept for `soyte reextract`; a portal
    whose listing page failed is left incomplete, so the next run walks its listings again, unless
    the page answered a 4xx, which is final (scraper.model.final_listing_failure).
    """
    what = kind.removesuffix("-fetch")
    page = {"listing": "listing page", "article": "article"}.get(what, what)
    if kind.endswith("-fetch"):
        done = "recorded in failures"
        if what == "article":
            done += "; not fetched again" if status is not None and status < 500 else "; the next run tries it again"
        elif what == "listing":
            done += ("; final, so the next run does not walk the portal's listings again for it"
                     if final_listing_failure(status) else "; the next run walks the portal's listings again")
        return f"{portal}: {page} {url} could not be fetched ({reason}); {done}"
    if kind == FailureKind.LISTING:
        return f"{portal}: listing page {url}: {reason}; recorded in failures (the layout may have changed)"
    if kind == FailureKind.DOCUMENT_SKIPPED:  # archive/frontier.py: a skipped document is not asked for again
        return f"{portal}: document {shown_url(url)} {reason}: not stored; recorded in failures; not fetched again"
    if kind == FailureKind.NOT_HTML:
        return f"{portal}: {url} is {reason[0].lower() + reason[1:]}; raw bytes kept, no article stored"
    if kind == FailureKind.TRUNCATED:
        return (f"{portal}: article {url} arrived truncated; raw page kept, no partial article stored; "
                "the next run tries it again")
    return (f"{portal}: article {url} could not be extracted ({reason}); raw page kept for soyte reextract, "
            "recorded in failures; the next run tries it again")


def warning_message(portal: str, url: str, warning: str) -> str:
    """An article stored with something a person should check (a date not understood, say)."""
    return f"{portal}: article {url} stored; {warning} (recorded in failures as a warning)"


def listing_stop_message(portal: str, stop_line: str, resume_url: str) -> str:
    """A portal's listing walk stopped at a bound (spiders.listing_walk): why, and where the next
    run goes on from. Not an alarm: a deep archive is walked this way across runs."""
    return f"{portal}: {stop_line}; the next run goes on from {resume_url}"


def attachment_reason(kind: str, reason: str, status: int | None) -> str:
    """How an attachment failed, in a word or two, to count alike: HTTP 404, TimeoutError, over the size cap."""
    if kind == FailureKind.DOCUMENT_SKIPPED:  # "over the size cap (N bytes)", "has an over-long URL (N characters …)"
        return reason.split(" (")[0]
    return f"HTTP {status}" if status else reason.split(":")[0]


def shown_url(url: str, limit: int = 300) -> str:
    """A URL as one line shows it: control characters percent-encoded, a very long one cut (the
    failures row keeps it whole)."""
    url = "".join(f"%{ord(c):02X}" if ord(c) < 32 or ord(c) == 127 else c for c in url)
    return url if len(url) <= limit else f"{url[:limit]}… ({len(url):,} characters)"


def attachments_line(portal: str, reasons: dict[str, int]) -> str:
    """A portal's attachments that could not be fetched, in one line however many there are: a
    portal that moved its files away would otherwise fill the terminal (each is in failures and
    in the log file)."""
    total = sum(reasons.values())
    counts = ", ".join(f"{reason}: {n}" for reason, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0])))
    return (f"{portal}: {total} attachment{'' if total == 1 else 's'} could not be fetched ({counts}); "
            "recorded in failures")


def documents_line(tally: dict[str, int]) -> str:
    """What a run did with attached documents, once per run (every portal's crawler adds to it)."""
    return (f"documents: {tally.get('new', 0)} new, {tally.get('changed', 0)} new versions, "
            f"{tally.get('duplicate', 0)} already stored from another URL, {tally.get('unchanged', 0)} unchanged, "
            f"{tally.get('failures', 0)} with unreadable text")
