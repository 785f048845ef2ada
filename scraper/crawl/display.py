"""What a person at a terminal sees of a crawl, drawn with rich; plain lines when stderr is not a terminal.

`crawl_display(db, settings, …)`: around a crawl, a live table of the portals (scraper.crawl.progress
feeds it) when stderr is a terminal, else progress lines; either way Scrapy's own log goes to a
rotated file beside the archive (scraper.crawl.logs). The commands' other tables and bars are the
command line's (scraper/cli/terminal.py). Nothing here draws escape codes by hand.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rich.console import Console
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from scraper.crawl.logs import CRAWL_LOG_SETTINGS, CrawlLog, TerminalHandler, spider_logger_names, write_stderr
from scraper.crawl.progress import PortalProgress

LEVEL_STYLES = {logging.WARNING: "yellow", logging.ERROR: "bold red", logging.CRITICAL: "bold red"}


class LiveDisplay:
    """A table, one row per portal: a bar of pages done against pages known, the counts, the rate, what is left.

    Rows are redrawn by rich's Live four times a second from the latest snapshot of each portal,
    which scraper.crawl.progress hands over from Scrapy's reactor.
    """

    HEADINGS = ("portal", "", "listing pages", "article links", "new", "updated", "unchanged", "failed", "req/s",
                "left", "time")

    def __init__(self, console: Console):
        self.console = console
        self.rows: dict[str, PortalProgress] = {}
        self.live = Live(console=console, refresh_per_second=4, get_renderable=self.table)

    def start(self) -> None:
        self.live.start()

    def stop(self) -> None:
        self.live.stop()

    def write(self, line: str, level: int) -> None:
        """A log line, printed above the table."""
        self.console.print(Text(line, style=LEVEL_STYLES.get(level, "")), soft_wrap=True)

    def update(self, portal: PortalProgress) -> None:
        self.rows[portal.key] = portal

    def finish(self, portal: PortalProgress) -> None:
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
    def left(p: PortalProgress) -> str | Text:
        if not p.finished:
            return str(p.left)
        return "done" if p.reason == "finished" else Text("stopped", style="yellow")


@contextmanager
def crawl_display(db: str, settings: dict, log: str | None = None, verbosity: int = 0,
                  quiet: bool = False) -> Iterator[LiveDisplay | None]:
    """The terminal and the log file of one `soyte crawl`; adds the settings this needs to `settings`.

    In a terminal (stderr, where it draws) and not `quiet`: the live display, given to the block to
    hand to the crawl (scraper.crawl.process.run_crawl). Otherwise None, and progress lines. The log
    file is `log` or `<archive>.log`; a `verbosity` of 1 or more shows it on the terminal too.
    """
    settings.update(CRAWL_LOG_SETTINGS)
    console = Console(stderr=True, highlight=False)
    display = LiveDisplay(console) if console.is_interactive and not quiet else None
    log_path = Path(log or f"{db}.log")
    terminal = TerminalHandler(display.write if display else write_stderr, verbosity,
                               quiet or display is not None, log_path, spider_logger_names())
    crawl_log = CrawlLog(log_path, terminal)
    if display:
        display.start()
    crawled = False
    try:
        yield display
        crawled = True
    finally:
        if display:
            display.stop()
        crawl_log.close()
        if crawl_log.problem and crawled:  # when the crawl could not even start, its own message says why
            write_stderr(crawl_log.problem, logging.WARNING)

