"""An article's history from captures of any time: what `soyte import-warc` needs beyond a crawl.

A crawl only ever sees an article now, so `Archive.upsert_article` only appends to its history.
A capture imported from a web archive may be years older than what is stored; it belongs before
the current content, as an earlier version, with its own capture time, so that `article_versions`
reads in time order whatever order the captures were imported in. Versions are ordered by
`first_seen` (when that content was first captured) and end at `replaced_at` (when the next
content was first captured).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from archive.store import Archive, content_hash
from scraper.model import RECORD_KEYS


@dataclass
class Span:
    """One content of the article over time: a row of article_versions, or the current article."""

    hash: str
    first_seen: str
    version_id: int | None  # None: the current article


def file_capture(archive: Archive, record: dict, *, layout: str, extractor: str, page_id: int,
                 captured_at: str, extraction: str = "layout", note: str | None = None) -> str:
    """Place one extracted capture in its article's history; 'new', 'updated', 'unchanged' or 'earlier'.

    A capture at or after the article's last sighting is an ordinary upsert at its capture time;
    an older one becomes an earlier version (or, if it holds the content of its neighbour in time,
    only moves that content's first sighting back: 'unchanged', since no version was added).
    """
    current = archive.conn.execute("SELECT content_hash, updated_at, first_seen, last_seen FROM articles "
                                   "WHERE url = ?", (record["url"],)).fetchone()
    if current is None or captured_at >= current[3]:
        return archive.upsert_article(record, layout=layout, extractor=extractor, page_id=page_id,
                                      extraction=extraction, note=note, seen=captured_at)
    with archive.transaction():
        return _file_earlier(archive, record, extractor, captured_at, current)


def _file_earlier(archive: Archive, record: dict, extractor: str, at: str, current: tuple) -> str:
    """'earlier' when the capture adds a version before the current content, else 'unchanged'."""
    conn, url, digest = archive.conn, record["url"], content_hash(record)
    spans = [Span(h, first, vid) for vid, h, first in conn.execute(
        "SELECT id, content_hash, first_seen FROM article_versions WHERE url = ?", (url,))]
    spans.append(Span(current[0], current[1], None))
    spans.sort(key=lambda span: span.first_seen)
    before = [span for span in spans if span.first_seen <= at]
    after = [span for span in spans if span.first_seen > at]
    conn.execute("UPDATE articles SET first_seen = min(first_seen, ?) WHERE url = ?", (at, url))
    if before and before[-1].hash == digest:
        return "unchanged"  # this content was already known to be current at that time
    if after and after[0].hash == digest:  # the same content, seen earlier than known
        _move_first_seen(archive, url, after[0], at)
        return "unchanged"
    archive.db["article_versions"].insert({
        "url": url, "content_hash": digest, "extractor": extractor, "first_seen": at,
        "replaced_at": after[0].first_seen if after else at,
        "record": json.dumps({key: record.get(key) for key in RECORD_KEYS}, ensure_ascii=False)})
    if before and before[-1].version_id is not None:
        conn.execute("UPDATE article_versions SET replaced_at = ? WHERE id = ?", (at, before[-1].version_id))
    return "earlier"


def _move_first_seen(archive: Archive, url: str, span: Span, at: str) -> None:
    if span.version_id is None:
        archive.conn.execute("UPDATE articles SET updated_at = ? WHERE url = ?", (at, url))
    else:
        archive.conn.execute("UPDATE article_versions SET first_seen = ? WHERE id = ?", (at, span.version_id))
