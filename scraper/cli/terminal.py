"""What the commands show a person at a terminal, drawn with rich; plain lines and JSON when the output is not one.

- `progress_bar(total, label)`: a bar for long commands (reextract).
- `show_rows(rows, columns, as_json)`: a table in a terminal, JSON lines when piped or asked for,
  as sqlite-utils prints rows (`soyte runs`, `soyte portals`).
The crawl's own live table is the crawl's (scraper/crawl/display.py). Nothing here draws escape
codes by hand, and nothing is drawn unless the stream is a terminal.
"""
from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from typing import Callable, Iterator

from rich.console import Console
from rich.measure import Measurement
from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Table
from rich.text import Text

from scraper.extraction.dates import VIETNAM

LINE_INTERVAL = 30.0  # seconds between progress lines of progress_bar without a terminal


@contextmanager
def progress_bar(total: int | None, label: str, unit: str = "pages") -> Iterator[Callable[[int], None]]:
    """`with progress_bar(len(pages), "re-extracting") as advance: … advance(1)` for any long loop.

    In a terminal, a bar with the count, the time spent and the time left; otherwise a line on
    stderr every 30 seconds (`label: 120 of 480 pages`), nothing for a short loop. `total` may be
    None when unknown; advance by any amount (bytes of a WARC, say, with unit="bytes": shown as MB).
    """
    console = Console(stderr=True, highlight=False)
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


def show_matches(matches: list[dict], as_json: bool = False) -> None:
    """`soyte search`'s matches as a numbered list a person reads (title; date, province or portal;
    the snippet with its matches in bold; the URL), or one JSON object a line when stdout is not a
    terminal or with --json, every key as found."""
    console = Console(highlight=False)
    if as_json or not console.is_terminal:
        for match in matches:
            sys.stdout.write(json.dumps(match, ensure_ascii=False) + "\n")
        return
    for number, match in enumerate(matches, 1):
        console.print(match_lines(number, match))


def match_lines(number: int, match: dict) -> Text:
    """One match as show_matches prints it: a Text, never markup (a `[` in a title stays a `[`)."""
    document = match.get("found_in") == "document"
    text = Text()
    text.append(f"{number}. {match.get('title') or match.get('url') or ''}", style="bold")
    published = match.get("published")  # at +07:00 as published: the day and minute, as a reader gives them
    facts = [published[:16].replace("T", " ") if published else "date unknown",
             match.get("province") or match.get("portal") or ""]
    if document:
        facts.append(f"attached document ({match.get('type')})")
        facts += [f"linked from: {article['title']}" for article in match.get("articles", [])[:1]]
    text.append("\n   " + " · ".join(fact for fact in facts if fact), style="dim")
    if match.get("snippet"):
        text.append("\n   ")
        text.append_text(marked(match["snippet"]))
    text.append(f"\n   {match.get('url')}\n", style="cyan")
    for copy in match.get("copies") or []:  # the story's other copies (archive.stories), shown once with it
        text.append(f"   also on {copy['portal']}: {copy['url']}\n", style="dim")
    return text


def marked(snippet: str) -> Text:
    """A snippet's «matches» in bold yellow, without the marks."""
    from archive.search import MARK_CLOSE, MARK_OPEN

    text = Text()
    for n, piece in enumerate(snippet.replace(MARK_CLOSE, MARK_OPEN).split(MARK_OPEN)):
        text.append(piece, style="bold yellow" if n % 2 else "")
    return text
