"""The archive opened for reading as records (soyte.open_archive); see the package's docstring."""
from __future__ import annotations

import os
from datetime import date
from typing import Iterator

from archive.export import portals, records
from archive.search import match_expression
from archive.store import Archive


def open_archive(path: str | os.PathLike) -> "Corpus":
    """The archive at `path`, read-only (an archive of an older soyte is read as the current one);
    FileNotFoundError if there is none, rather than a new empty file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no archive at {path}: pass the file `soyte crawl --db` wrote (archive.db)")
    return Corpus(Archive(path, readonly=True))


def as_date(value: str | date | None, name: str) -> date | None:
    """A day given as a date or as 'YYYY-MM-DD'; ValueError naming the argument otherwise."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} wants a date such as 2020-01-31, not {value!r}") from None


class Corpus:
    """An open archive's articles. Use it in a `with` block, or close() it."""

    def __init__(self, archive: Archive):
        self.archive = archive

    def __enter__(self) -> "Corpus":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.archive.close()

    def portals(self) -> list[str]:
        """The keys of the portals the archive holds articles from."""
        return portals(self.archive.conn)

    def records(self, portal: str | None = None, since: str | date | None = None, until: str | date | None = None,
                search: str | None = None, province: str | None = None) -> Iterator[dict]:
        """The articles' records, newest first, as `soyte export` writes them (the same order and
        fields), read one at a time. `since`/`until`: published on or after / on or before that day
        (at +07:00; an article without a publication time is then left out). `search`: every word,
        accent-insensitive, "quoted words" as a phrase, as `soyte search` matches (not ranked here)."""
        since, until = as_date(since, "since"), as_date(until, "until")
        matching = self.matching_urls(search) if search is not None else None
        for record in records(self.archive.conn, portal, since):
            if until and (not record["published"] or record["published"][:10] > until.isoformat()):
                continue
            if province and record["province"] != province:
                continue
            if matching is not None and record["url"] not in matching:
                continue
            yield record

    def matching_urls(self, search: str) -> set[str]:
        """The URLs of every article the search term matches (archive.search's folding and phrases)."""
        expression = match_expression(search)
        if not expression:
            return set()
        rows = self.archive.conn.execute("SELECT a.url FROM articles_fts f JOIN articles a ON a.rowid = f.rowid "
                                         "WHERE articles_fts MATCH ?", (expression,))
        return {url for (url,) in rows}

    def to_pandas(self, **filters):
        """The records (filtered as `records` filters) as a pandas DataFrame, one row an article,
        `published` as a timezone-aware datetime (+07:00), `images` and `attachments` lists of dicts.
        Needs pandas (pip install 'soyte[pandas]')."""
        try:
            import pandas
        except ImportError:
            raise ImportError("to_pandas needs pandas: pip install 'soyte[pandas]' (or pip install pandas)") from None
        from scraper.model import RECORD_KEYS

        frame = pandas.DataFrame(list(self.records(**filters)), columns=list(RECORD_KEYS))
        frame["published"] = pandas.to_datetime(frame["published"], errors="coerce", format="ISO8601")
        return frame
