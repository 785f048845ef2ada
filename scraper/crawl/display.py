"""What a person at a terminal sees, drawn with rich; plain lines and JSON when the output is not a terminal.

- `crawl_display(args, settings)`: around a crawl, a live table of the portals (scraper.crawl.progress
  feeds it) when stderr is a terminal, else progress lines; either way Scrapy's own log goes
  to a rotated file beside the archive (scraper.crawl.logs).
- `progress_bar(total, label)`: a bar for other long commands (reextract, import-warc).
- `show_rows(rows, columns, as_json)`: a table in a terminal, JSON lines when piped or asked for,
  as sqlite-utils prints rows.
Nothing here draws escape codes by hand, and nothing is drawn unless the stream is a terminal.
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from rich.console import Console
from rich.live import Live
from rich.measure import Measurement
from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from scraper.crawl.progress import PortalProgress

LEVEL_STYLES = {logging.WARNING: "yellow", logging.ERROR: "bold red", logging.CRITICAL: "bold red"}
PROGRESS_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|seconds?|p|pages?)?\s*$")
LINE_INTERVAL = 30.0  # seconds between progress lines of progress_bar without a terminal

_live: "LiveDisplay | None" = None


def live_display() -> "LiveDisplay | None":
    """The live display of the crawl running in this process, if it draws on a terminal."""
    return _live


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


class LiveDisplay:
    """A table, one row per portal: a bar of pages done against pages known, the counts, the rate, what is left.

    Rows are redrawn by rich's Live four times a second from the latest snapshot of each portal,
    which scraper.crawl.progress hands over from Scrapy's reactor.
    """

    HEADINGS = ("portal", "", "listing pages", "article links", "new", "updated", "unchanged", "failed", "req/s",
                "left", "time")

    def __init__(self, console: Console):
        self.console = console
        self.rows: dict[str, "PortalProgress"] = {}
        self.live = Live(console=console, refresh_per_second=4, get_renderable=self.table)

    def start(self) -> None:
        self.live.start()

    def stop(self) -> None:
        self.live.stop()

    def write(self, line: str, level: int) -> None:
        """A log line, printed above the table."""
        self.console.print(Text(line, style=LEVEL_STYLES.get(level, "")), soft_wrap=True)

    def update(self, portal: "PortalProgress") -> None:
        self.rows[portal.key] = portal

    def finish(self, portal: "PortalProgress") -> None:
        self.update(portal)
        self.write(portal.finished_line(), logging.INFO)

    def table(self) -> Table:
        table = Table(*self.HEADINGS, box=None, header_style="bold", pad_edge=False)
        for column in table.columns[2:]:
            column.justify = "right"
        for p in list(self.rows.values()):
            known = p.done + (0 if p.finished else p.left)
            listing = f"{p.listing_pages} of {p.listing_pages + p.listing_left}" if p.listing_left and not p.finished \
                else str(p.listing_pages)
            minutes, seconds = divmod(int(p.seconds), 60)
            table.add_row(Text(p.key, style="bold"), ProgressBar(total=known or None, completed=p.done, width=12),
                          listing, str(p.article_links), str(p.new), str(p.updated), str(p.unchanged),
                          Text(str(p.failed), style="red" if p.failed else ""), f"{p.rate:.1f}",
                          self.left(p), f"{minutes}:{seconds:02d}")
        return table

    @staticmethod
    def left(p: "PortalProgress") -> str | Text:
        if not p.finished:
            return str(p.left)
        return "done" if p.reason == "finished" else Text("stopped", style="yellow")


def progress_settings(every: str | None) -> dict:
    """`--progress-every 30s` (seconds; a bare number too) or `--progress-every 100p` (pages per portal)."""
    if every is None:
        return {}
    match = PROGRESS_EVERY.match(every)
    if not match or float(match[1]) <= 0:
        from scraper.cli.common import UsageError

        raise UsageError(f"--progress-every takes seconds (30, 30s) or pages (100p), not {every!r}")
    if (match[2] or "s").startswith("p"):
        return {"SOYTE_PROGRESS_PAGES": int(float(match[1])), "SOYTE_PROGRESS_INTERVAL": 0}
    return {"SOYTE_PROGRESS_INTERVAL": float(match[1])}


@contextmanager
def crawl_display(args: argparse.Namespace, settings: dict) -> Iterator[None]:
    """The terminal and the log file of one `soyte crawl`; adds the settings this needs to `settings`.

    In a terminal (stderr, where it draws) and without --quiet: the live display. Otherwise
    progress lines. The log file is `--log FILE` or `<archive>.log`; -v shows it on the terminal too.
    """
    global _live
    from scraper.crawl.logs import CRAWL_LOG_SETTINGS, CrawlLog, TerminalHandler, spider_logger_names, write_stderr

    settings.update(progress_settings(getattr(args, "progress_every", None)))
    settings.update(CRAWL_LOG_SETTINGS)
    console = stderr_console()
    display = LiveDisplay(console) if console.is_interactive and not args.quiet else None
    log_path = Path(getattr(args, "log", None) or f"{args.db}.log")
    terminal = TerminalHandler(display.write if display else write_stderr, getattr(args, "verbose", 0) or 0,
                               args.quiet or display is not None, log_path, spider_logger_names())
    log = CrawlLog(log_path, terminal)
    _live = display
    if display:
        display.start()
    crawled = False
    try:
        yield
        crawled = True
    finally:
        _live = None
        if display:
            display.stop()
        log.close()
        if log.problem and crawled:  # when the crawl could not even start, its own message says why
            write_stderr(log.problem, logging.WARNING)


@contextmanager
def progress_bar(total: int | None, label: str, unit: str = "pages") -> Iterator[Callable[[int], None]]:
    """`with progress_bar(len(pages), "re-extracting") as advance: … advance(1)` for any long loop.

    In a terminal, a bar with the count, the time spent and the time left; otherwise a line on
    stderr every 30 seconds (`label: 120 of 480 pages`), nothing for a short loop. `total` may be
    None when unknown; advance by any amount (bytes of a WARC, say, with unit="bytes": shown as MB).
    """
    console = stderr_console()
    if console.is_interactive:
        count = [DownloadColumn()] if unit == "bytes" else [MofNCompleteColumn(), TextColumn(unit)]
        columns = [TextColumn(f"[bold]{label}"), BarColumn(), *count, TimeElapsedColumn(), TimeRemainingColumn()]
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(label, total=total)
            yield lambda n=1: progress.advance(task, n)
        return
    done, last = 0, time.monotonic()

    def advance(n: int = 1) -> None:
        nonlocal done, last
        done += n
        if time.monotonic() - last >= LINE_INTERVAL:
            last = time.monotonic()
            of = f" of {total}" if total else ""
            sys.stderr.write(f"{label}: {done}{of} {unit}\n")
            sys.stderr.flush()

    yield advance


def show_rows(rows: list[dict], columns: dict[str, str], as_json: bool = False,
              shown: Callable[[str, object], str] | None = None, narrow: dict[str, str] | None = None) -> None:
    """Rows as a table when stdout is a terminal, else (or with --json) one JSON object a line.

    `columns` maps a row key to its heading; the table shows only those, JSON every key, as stored.
    `shown(key, value)` may write a cell for people (a shorter time, say). A heading is never cut:
    cells wrap at their spaces, and when the headings' words and the cells' longest words cannot fit
    the terminal side by side, `narrow` (key: shorter heading) replaces those headings.
    """
    console = Console(highlight=False)
    if as_json or not console.is_terminal:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    cells = [[Text("" if row.get(key) is None else shown(key, row[key]) if shown else str(row[key]))
              for key in columns] for row in rows]  # Text: a `[` in a value is not rich markup
    table = rows_table(columns.values(), cells)
    if narrow and narrowest(console, table) > console.width:
        table = rows_table([narrow.get(key, heading) for key, heading in columns.items()], cells)
    console.print(table)


def rows_table(headings, cells: list[list[Text]]) -> Table:
    """One space between columns, none at the edges: the most room for the cells."""
    table = Table(*headings, box=None, header_style="bold", collapse_padding=True, pad_edge=False)
    for row in cells:
        table.add_row(*row)
    return table


def narrowest(console: Console, table: Table) -> int:
    """The width under which rich must cut a word (a heading's or a cell's) to fit the table."""
    return Measurement.get(console, console.options.update_width(1_000_000), table).minimum


VIETNAM = timezone(timedelta(hours=7))


def short_time(key: str, value: object) -> str:
    """`2026-11-25T15:09:30+00:00` as `2026-11-25 22:09:30`, at +07:00 (Vietnam, the archive's time for
    people, which the heading says); a list `a,b` as `a, b` (it wraps); else as is."""
    text = str(value)
    if key.endswith("_at") and "T" in text:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text[:19].replace("T", " ")
        if moment.tzinfo is not None:
            moment = moment.astimezone(VIETNAM)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return text.replace(",", ", ")
