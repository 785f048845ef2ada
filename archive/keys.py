"""Article keys in the archive: which page each key was stored from, and giving a key back to its own page.

A page's canonical is trusted only when it names no URL known as another page
(scraper.extraction.urls.CanonicalGuard), but the page a forged canonical names may come to light only after
the forger was stored under its URL: on a listing page walked later in the run, in a later run,
in a later import. When that page is fetched at its own URL, `reclaim_key` moves the forger's
article (its row, its versions, its document links) to the key of the URL the forger's page was
fetched at, records a warning, and leaves the key free for the article that owns it. Nothing is
deleted: where the forger's own key already holds an article (the same page, archived before it
forged), the forger's contents are filed into that article's history by capture time.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Callable, Iterable

from archive import stories
from archive.compression import host_clause
from archive.history import file_capture
from archive.store import Archive, content_hash, row_to_record
from scraper.model import RECORD_KEYS, FailureKind


@dataclass
class Rekeyed:
    """A forger's article moved to the key of its own page, and the warning recorded for it."""

    url: str
    message: str


def stored_keys(conn: sqlite3.Connection) -> dict[str, str]:
    """Every article's key -> the URL the page it was read from was fetched at."""
    return dict(conn.execute("SELECT a.url, p.url FROM articles a JOIN pages p ON p.id = a.page_id"))


def listing_urls(conn: sqlite3.Connection, hosts: Iterable[str] | None = None) -> set[str]:
    """The URLs of the listing pages archived (of these hosts' portals, or all): never an article's key."""
    where, params = [], []
    for host in hosts or ():
        clause, more = host_clause(host)
        where.append(clause)
        params += more
    if hosts is not None and not where:
        return set()
    among = f" AND ({' OR '.join(where)})" if where else ""
    return {url for (url,) in conn.execute(f"SELECT DISTINCT url FROM pages WHERE kind = 'listing'{among}", params)}


def reclaim_key(archive: Archive, record: dict, page_url: str, key_of: Callable[[str], str],
                run_id: int | None = None) -> Rekeyed | None:
    """Before `record`, read from the page at `page_url`, is stored under its own URL: when that
    key holds an article stored from another page (whose canonical named this URL) with other
    content, move that article to its own page's key and record a warning. `key_of` turns a
    fetched URL into its key (scraper.extraction.urls.article_key with the portal's dropped parameters).

    The same content reached at two URLs is one article (a short link and its canonical), left
    as it is; a forger's page is the one whose content differs.
    """
    key = record["url"]
    if key_of(page_url) != key:
        return None  # keyed by a trusted canonical: it takes no page's own URL
    found = archive.conn.execute("SELECT p.url, a.content_hash FROM articles a JOIN pages p ON p.id = a.page_id "
                                 "WHERE a.url = ?", (key,)).fetchone()
    if found is None or key_of(found[0]) == key or found[1] == content_hash(record):
        return None
    forger = key_of(found[0])
    with archive.transaction():
        moved = _merge(archive, key, forger) if _has_article(archive, forger) else _move(archive, key, forger)
        message = (f"the page at {forger} named {key} as its canonical and was archived under it; {key} is "
                   f"archived from its own page now, and the article of {forger} under {forger}")
        archive.record_failure(run_id, forger, record.get("portal") or "", FailureKind.WARNING, message, moved)
    return Rekeyed(forger, message)


def _has_article(archive: Archive, url: str) -> bool:
    return archive.conn.execute("SELECT 1 FROM articles WHERE url = ?", (url,)).fetchone() is not None


def _article_row(archive: Archive, url: str) -> dict:
    cursor = archive.conn.execute("SELECT rowid, * FROM articles WHERE url = ?", (url,))
    return dict(zip([column[0] for column in cursor.description], cursor.fetchone()))


def _rekeyed(record: dict, url: str) -> dict:
    return {**{key: record.get(key) for key in RECORD_KEYS}, "url": url}


def _move(archive: Archive, key: str, forger: str) -> int | None:
    """The article at `key`, with its versions and document links, under `forger` (a free key);
    each content hash made again, since the key is part of what it hashes. Returns its page id."""
    conn, row = archive.conn, _article_row(archive, key)
    conn.execute("UPDATE articles SET url = ?, content_hash = ? WHERE url = ?",
                 (forger, content_hash(_rekeyed(row_to_record(row), forger)), key))
    for version_id, stored in conn.execute("SELECT id, record FROM article_versions WHERE url = ?", (key,)).fetchall():
        record = _rekeyed(json.loads(stored), forger)
        conn.execute("UPDATE article_versions SET url = ?, record = ?, content_hash = ? WHERE id = ?",
                     (forger, json.dumps(record, ensure_ascii=False), content_hash(record), version_id))
    # a link both keys hold is the moved article's, as a REPLACE would leave it; deleted first, as a
    # REPLACE's own delete fires no row-count trigger (archive/row_counts.py)
    conn.execute("DELETE FROM document_links WHERE article_url = ? AND url IN "
                 "(SELECT url FROM document_links WHERE article_url = ?)", (forger, key))
    conn.execute("UPDATE document_links SET article_url = ? WHERE article_url = ?", (forger, key))
    stories.rename(conn, key, forger)
    return row["page_id"]


def _merge(archive: Archive, key: str, forger: str) -> int | None:
    """The article at `key` filed into the history of the article already at `forger` (both were
    read from the page at `forger`): each of its contents at the time it was first captured, then
    its row, versions and document links at `key` removed. Returns its page id."""
    conn, row = archive.conn, _article_row(archive, key)
    spans = [(first_seen, json.loads(stored), extractor) for first_seen, stored, extractor in conn.execute(
        "SELECT first_seen, record, extractor FROM article_versions WHERE url = ? ORDER BY first_seen", (key,))]
    spans.append((row["updated_at"], row_to_record(row), row["extractor"]))
    for first_seen, record, extractor in spans:
        file_capture(archive, _rekeyed(record, forger), layout=row["layout"], extractor=extractor,
                     page_id=row["page_id"], captured_at=first_seen, extraction=row["extraction"] or "layout",
                     note=row["extraction_note"])
    conn.execute("UPDATE articles SET last_seen = max(last_seen, ?) WHERE url = ?", (row["last_seen"], forger))
    archive.transactions.index(False, row["rowid"], row)
    stories.forget(conn, key)
    conn.execute("DELETE FROM articles WHERE url = ?", (key,))
    conn.execute("DELETE FROM article_versions WHERE url = ?", (key,))
    conn.execute("DELETE FROM document_links WHERE article_url = ?", (key,))
    return row["page_id"]
