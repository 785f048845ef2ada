"""`soyte merge` of the attached documents (archive.documents): what archive.merge does for pages
and articles, for the files articles link.

- documents by SHA-256: a file both archives hold is one document, its bytes stored once (checked
  against their SHA-256 before they are kept); the row describing it (URL, portal, link title,
  year, first_seen) is that of the earliest sighting, and text read completely wins over text a
  stopped crawl left unread (archive.documents.TEXT_NOT_DONE);
- captures by (URL, SHA-256): the earliest fetch (and its run) and the latest (with its status and
  validators) of each; a file changed at one URL on two nodes keeps both captures, and `version`
  is renumbered in time order per URL (ids too, so that the newest capture of a URL is still the
  one with the highest id, as conditional requests and the article page read it);
- links by (article URL, document URL); where the two disagree on a link's text, the article's
  current record says which;
- documents_fts updated row by row with the index functions the crawl uses (archive.search).
Everything happens in archive.merge's one transaction; merging a file again changes nothing.
An input of a schema without documents reads as empty tables (archive.schema.read_as_current).
"""
from __future__ import annotations

import json
import zlib

from archive.compression import DamagedPage
from archive.documents import FTS_COLUMNS, FTS_TABLE, TABLES, TEXT_NOT_DONE, article_links, sha256
from archive.search import index_fields

DOCUMENT_COLUMNS = tuple(TABLES["documents"]["columns"])
CAPTURE_COLUMNS = tuple(c for c in TABLES["document_captures"]["columns"] if c != "id")
# What describes a document for browsing: taken from its earliest sighting.
DESCRIBING = ("url", "portal", "title", "published", "first_seen")
# What its text step gave: taken from the archive where that step completed.
TEXT_FIELDS = ("type", "content_type", "text", "text_status", "text_note", "text_length", "pages")
# The newest fetch of a capture: its answer and validators.
LATEST = ("last_fetched_at", "status", "content_type", "etag", "last_modified")
_NEVER = "\uffff"  # sorts after every time: a missing time is never the earliest


def merge_documents(source, target, runs: dict[int, int], counts) -> None:
    """Bring the source archive's documents, bodies, captures and links into the target (both
    archive.store.Archive; `runs`: source run id -> target run id, from archive.merge)."""
    _merge_rows(source, target, counts)
    _merge_captures(source, target, runs, counts)
    _merge_links(source, target, counts)


def _text_done(status: str | None) -> bool:
    return status is not None and status not in TEXT_NOT_DONE


def _merge_rows(source, target, counts) -> None:
    columns = ", ".join(DOCUMENT_COLUMNS)
    # Row by row, not fetched at once: a document's text can be millions of characters.
    for values in source.conn.execute(f"SELECT {columns} FROM documents ORDER BY first_seen, sha256"):
        row = dict(zip(DOCUMENT_COLUMNS, values))
        digest = row["sha256"]
        found = target.conn.execute(f"SELECT rowid, {columns} FROM documents WHERE sha256 = ?", (digest,)).fetchone()
        if found is None:
            _keep_body(source, target, digest)
            cursor = target.conn.execute(f"INSERT INTO documents ({columns}) VALUES ({', '.join('?' * len(values))})",
                                         values)
            index_fields(target.conn, FTS_TABLE, FTS_COLUMNS, cursor.lastrowid, (row[c] for c in FTS_COLUMNS))
            counts.documents += 1
            continue
        rowid, mine = found[0], dict(zip(DOCUMENT_COLUMNS, found[1:]))
        changes = {}
        if (row["first_seen"] or _NEVER) < (mine["first_seen"] or _NEVER):
            changes.update({key: row[key] for key in DESCRIBING})
        if _text_done(row["text_status"]) and not _text_done(mine["text_status"]):
            changes.update({key: row[key] for key in TEXT_FIELDS})
        changes = {key: value for key, value in changes.items() if mine[key] != value}
        if changes:
            index_fields(target.conn, FTS_TABLE, FTS_COLUMNS, rowid, (mine[c] for c in FTS_COLUMNS), delete=True)
            target.conn.execute(f"UPDATE documents SET {', '.join(f'{key} = ?' for key in changes)} WHERE rowid = ?",
                                (*changes.values(), rowid))
            index_fields(target.conn, FTS_TABLE, FTS_COLUMNS, rowid,
                         (changes.get(c, mine[c]) for c in FTS_COLUMNS))
        if not target.conn.execute("SELECT 1 FROM document_bodies WHERE sha256 = ?", (digest,)).fetchone():
            _keep_body(source, target, digest)


def _keep_body(source, target, digest: str) -> None:
    """The source's stored bytes of `digest` into the target, as stored (zlib), once they are
    checked to be the bytes of that SHA-256 (DamagedPage otherwise: the merge stops, nothing is
    written); nothing when the source holds no bytes for it either."""
    found = source.conn.execute("SELECT body FROM document_bodies WHERE sha256 = ?", (digest,)).fetchone()
    if found is None or found[0] is None:
        return
    try:
        body = zlib.decompress(found[0])
    except zlib.error as error:
        raise DamagedPage(f"document {digest}: stored body is damaged (zlib: {error})") from None
    if sha256(body) != digest:
        raise DamagedPage(f"document {digest}: stored body does not match its sha256")
    target.conn.execute("INSERT OR IGNORE INTO document_bodies (sha256, body) VALUES (?, ?)", (digest, found[0]))


def _merge_captures(source, target, runs: dict[int, int], counts) -> None:
    columns = ", ".join(CAPTURE_COLUMNS)
    added: set[str] = set()
    for values in source.conn.execute(f"SELECT {columns} FROM document_captures ORDER BY fetched_at, id").fetchall():
        row = dict(zip(CAPTURE_COLUMNS, values))
        # A run not merged (still running in its file) leaves the capture without one, for now: the
        # merge that takes the run finished gives it (as pages' run_id).
        row["run_id"] = runs.get(row["run_id"]) if row["run_id"] is not None else None
        found = target.conn.execute(f"SELECT id, {columns} FROM document_captures WHERE url = ? AND sha256 = ?",
                                    (row["url"], row["sha256"])).fetchone()
        if found is None:
            target.conn.execute(f"INSERT INTO document_captures ({columns}) VALUES ({', '.join('?' * len(values))})",
                                tuple(row[c] for c in CAPTURE_COLUMNS))
            added.add(row["url"])
            counts.document_captures += 1
            continue
        capture_id, mine = found[0], dict(zip(CAPTURE_COLUMNS, found[1:]))
        changes = {}
        first, my_first = row["fetched_at"] or _NEVER, mine["fetched_at"] or _NEVER
        if first < my_first:  # fetched earlier there: that fetch, its portal and its run
            changes.update(fetched_at=row["fetched_at"], portal=row["portal"], run_id=row["run_id"] or mine["run_id"])
        elif first == my_first and mine["run_id"] is None:
            changes["run_id"] = row["run_id"]
        if (row["last_fetched_at"] or "") > (mine["last_fetched_at"] or ""):  # fetched again later there
            changes.update({key: row[key] for key in LATEST})
        changes = {key: value for key, value in changes.items() if mine[key] != value}
        if changes:
            target.conn.execute(f"UPDATE document_captures SET {', '.join(f'{key} = ?' for key in changes)} "
                                "WHERE id = ?", (*changes.values(), capture_id))
    for url in sorted(added):
        _renumber(target, url)


def _renumber(target, url: str) -> None:
    """Versions 1, 2, … of the captures at `url` in the order they were first fetched, and their
    ids in that order too (the same ids, given out again): the newest capture has the highest id."""
    rows = target.conn.execute("SELECT id, version, fetched_at FROM document_captures WHERE url = ? ORDER BY id",
                               (url,)).fetchall()
    ids = [row[0] for row in rows]
    in_time = [row[0] for row in sorted(rows, key=lambda row: (row[2] or _NEVER, row[0]))]
    if in_time != ids:
        for capture_id in ids:  # out of the way first: ids are unique
            target.conn.execute("UPDATE document_captures SET id = -id WHERE id = ?", (capture_id,))
        for new_id, old_id in zip(ids, in_time):
            target.conn.execute("UPDATE document_captures SET id = ? WHERE id = ?", (new_id, -old_id))
    for version, capture_id in enumerate(ids, start=1):  # the ids in time order now
        target.conn.execute("UPDATE document_captures SET version = ? WHERE id = ? AND version IS NOT ?",
                            (version, capture_id, version))

def _merge_links(source, target, counts) -> None:
    for article_url, url, title, kind in source.conn.execute(
            "SELECT article_url, url, title, kind FROM document_links ORDER BY article_url, url").fetchall():
        found = target.conn.execute("SELECT title, kind FROM document_links WHERE article_url = ? AND url = ?",
                                    (article_url, url)).fetchone()
        if found is None:
            target.conn.execute("INSERT INTO document_links (article_url, url, title, kind) VALUES (?, ?, ?, ?)",
                                (article_url, url, title, kind))
            counts.document_links += 1
            continue
        if tuple(found) == (title, kind):
            continue
        current = _current_link(target, article_url, url)  # the two disagree: the article's record says
        if current and tuple(found) != current:
            target.conn.execute("UPDATE document_links SET title = ?, kind = ? WHERE article_url = ? AND url = ?",
                                (*current, article_url, url))


def _current_link(target, article_url: str, url: str) -> tuple[str | None, str] | None:
    """(text, kind) of the link to `url` in the article's current record, or None when it has none."""
    found = target.conn.execute("SELECT attachments, images FROM articles WHERE url = ?", (article_url,)).fetchone()
    if found is None:
        return None
    record = {"attachments": json.loads(found[0] or "[]"), "images": json.loads(found[1] or "[]")}
    for link in article_links(record, with_images=True):
        if link["url"] == url:
            return link.get("title"), link["kind"]
    return None
