"""Attached documents in the archive: content-addressed bytes, captures per URL, links from articles.

- documents:          one row per distinct content (SHA-256 of the bytes): type, size, the text and
                      how its extraction went, and for browsing the URL, portal, title and the
                      publication time of the first article that links it
- document_bodies:    the bytes, zlib-compressed, apart so that browsing `documents` never reads them
- document_captures:  one row per distinct (URL, content): HTTP status, validators, version number;
                      a changed file at the same URL is a new capture with the next version
- document_links:     which article links which document URL, with the link's text
- documents_fts:      the accent-insensitive index of title and text, built like articles_fts

Text extraction happens before (scraper.extraction.document_text): this module only stores what it is given.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from pathlib import PurePosixPath
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

import sqlite_utils

from archive.search import index_fields, matching_rows
from archive.stories import search_stories
from scraper.extraction.document_text import DocumentText

FTS_TABLE = "documents_fts"
FTS_COLUMNS = ("title", "text")

TABLES: dict[str, dict] = {
    "documents": {
        "columns": {"sha256": str, "url": str, "portal": str, "title": str, "type": str, "content_type": str,
                    "size": int, "stored_size": int, "text": str, "text_status": str, "text_note": str,
                    "text_length": int, "pages": int, "published": str, "first_seen": str},
        "pk": "sha256",
    },
    "document_bodies": {"columns": {"sha256": str, "body": bytes}, "pk": "sha256"},
    "document_captures": {
        "columns": {"id": int, "url": str, "portal": str, "sha256": str, "version": int, "status": int,
                    "content_type": str, "etag": str, "last_modified": str, "fetched_at": str,
                    "last_fetched_at": str, "run_id": int},
        "pk": "id",
    },
    "document_links": {"columns": {"article_url": str, "url": str, "title": str, "kind": str},
                       "pk": ("article_url", "url")},
}
INDEXES = [("document_captures", ["url", "sha256"], True), ("document_captures", ["sha256"]),
           ("document_links", ["url"]), ("documents", ["portal"]), ("documents", ["type"]),
           ("documents", ["published"])]


def ensure_document_schema(db: sqlite_utils.Database) -> None:
    """Create the document tables and their index where missing; never rewrites data."""
    for name, spec in TABLES.items():
        if not db[name].exists():
            db[name].create(spec["columns"], pk=spec["pk"])
    for table, columns, *unique in INDEXES:
        db[table].create_index(columns, unique=bool(unique), if_not_exists=True)
    if not db[FTS_TABLE].exists():
        db.execute(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({', '.join(FTS_COLUMNS)}, "
                   "content=\"documents\", content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')")


# Text statuses of a document whose text step did not complete (the crawl was stopped while it was read,
# scraper.crawl.document_reader): its URL is fetched again by the next run and the text read then.
TEXT_NOT_DONE = ("interrupted",)


def article_links(record: dict, with_images: bool) -> list[dict]:
    """The files an article record links ({url, title, kind}): its attachments, and its images
    when they are archived too (SOYTE_WITH_IMAGES)."""
    links = [{"url": a["url"], "title": a.get("title"), "kind": "attachment"}
             for a in record.get("attachments") or [] if a.get("url")]
    if with_images:
        links += [{"url": i["url"], "title": i.get("caption"), "kind": "image"}
                  for i in record.get("images") or [] if i.get("url")]
    return links


def file_name(url: str) -> str:
    """The file name a URL ends with (Liferay puts it before a trailing id: …/cong-van.pdf/c85d1f31)."""
    path = PurePosixPath(unquote(urlsplit(url).path))
    return path.name if path.suffix or not path.parent.suffix else path.parent.name


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def write_capture(archive, table: str, url: str, portal: str, digest: str, headers: dict[str, str], *,
                  status: int, served_type: str | None, run_id: int | None, at: str, known: bool,
                  insert_new: Callable[[], None], extra: dict | None = None) -> str:
    """Record one fetch of a file (a document or an image) in its captures `table`, inside the caller's
    transaction; returns 'new', 'changed' (a new version at a known URL), 'duplicate' (bytes already
    stored under another URL) or 'unchanged' (the same bytes at the same URL: only its times and
    validators move). `insert_new` stores bytes not `known` yet. One rule for both kinds of file, so a
    rerun asks and counts documents and images alike."""
    conn = archive.conn
    lower = {k.lower(): v for k, v in headers.items()}
    same = conn.execute(f"SELECT id FROM [{table}] WHERE url = ? AND sha256 = ?", (url, digest)).fetchone()
    if same:
        conn.execute(f"UPDATE [{table}] SET last_fetched_at = ?, status = ?, etag = ?, last_modified = ? "
                     "WHERE id = ?", (at, status, lower.get("etag"), lower.get("last-modified"), same[0]))
        return "unchanged"
    versions = conn.execute(f"SELECT count(*) FROM [{table}] WHERE url = ?", (url,)).fetchone()[0]
    if not known:
        insert_new()
    archive.db[table].insert({
        "url": url, "portal": portal, "sha256": digest, "version": versions + 1, "status": status,
        "content_type": served_type, "etag": lower.get("etag"), "last_modified": lower.get("last-modified"),
        "fetched_at": at, "last_fetched_at": at, "run_id": run_id, **(extra or {})})
    return "changed" if versions else ("duplicate" if known else "new")


def touch_capture(archive, captures: str, url: str, at: str) -> bool:
    """A 304 for the file at `url`: its newest capture in `captures` was seen again at `at`."""
    with archive.transaction():
        return archive.conn.execute(
            f"UPDATE [{captures}] SET last_fetched_at = ? WHERE id = "
            f"(SELECT max(id) FROM [{captures}] WHERE url = ?)", (at, url)).rowcount > 0


class DocumentStore:
    """Document writes and reads on an open `archive.store.Archive` (its connection and transactions)."""

    def __init__(self, archive):
        self.archive = archive
        self.conn: sqlite3.Connection = archive.conn
        self.db: sqlite_utils.Database = archive.db

    def record_links(self, article_url: str, links: list[dict]) -> None:
        """The article's current links ({url, title, kind}); links it no longer has are dropped
        (its earlier record in article_versions still lists them)."""
        with self.archive.transaction():
            self.conn.execute("DELETE FROM document_links WHERE article_url = ?", (article_url,))
            for link in links:
                # a link printed twice: the last one's text wins, as an update (a REPLACE would delete
                # without firing the row count's trigger: archive/row_counts.py)
                self.conn.execute("INSERT INTO document_links (article_url, url, title, kind) VALUES (?, ?, ?, ?) "
                                  "ON CONFLICT (article_url, url) DO UPDATE SET title = excluded.title, "
                                  "kind = excluded.kind", (article_url, link["url"], link.get("title"),
                                                           link.get("kind", "attachment")))

    def has_body(self, digest: str) -> bool:
        return self.conn.execute("SELECT 1 FROM documents WHERE sha256 = ?", (digest,)).fetchone() is not None

    def needs_text(self, digest: str) -> bool:
        """Whether these bytes need their text read: new to the archive, or stored by a crawl that was
        stopped while their text was read (TEXT_NOT_DONE)."""
        found = self.conn.execute("SELECT text_status FROM documents WHERE sha256 = ?", (digest,)).fetchone()
        return found is None or found[0] is None or found[0] in TEXT_NOT_DONE

    def store(self, url: str, portal: str, body: bytes, *, status: int, served_type: str | None,
              headers: dict[str, str], run_id: int | None, at: str, extracted: DocumentText | None) -> str:
        """Keep one fetched file; returns 'new', 'changed' (a new version at a known URL),
        'duplicate' (bytes already stored under another URL) or 'unchanged'.

        `extracted` is needed only when the bytes need their text (see `needs_text`): it completes
        the text of stored bytes whose text step did not."""
        digest = sha256(body)
        with self.archive.transaction():
            if extracted is not None and self.has_body(digest):
                self._complete_text(digest, extracted)

            def insert_new() -> None:
                if extracted is None:
                    raise ValueError(f"new bytes from {url} need their extracted text")
                self._insert_document(digest, url, portal, body, extracted, at)
            return write_capture(self.archive, "document_captures", url, portal, digest, headers, status=status,
                                 served_type=served_type, run_id=run_id, at=at, known=self.has_body(digest),
                                 insert_new=insert_new)

    def _insert_document(self, digest: str, url: str, portal: str, body: bytes, extracted: DocumentText,
                         at: str) -> None:
        compressed = zlib.compress(body, 6)
        link = self.conn.execute(
            "SELECT l.title, min(a.published) FROM document_links l LEFT JOIN articles a ON a.url = l.article_url "
            "WHERE l.url = ?", (url,)).fetchone()
        row = {"sha256": digest, "url": url, "portal": portal, "title": (link[0] if link else None) or file_name(url),
               "type": extracted.kind, "content_type": extracted.media_type, "size": len(body),
               "stored_size": len(compressed), "text": extracted.text, "text_status": extracted.status,
               "text_note": extracted.note, "text_length": len(extracted.text or ""), "pages": extracted.pages,
               "published": link[1] if link else None, "first_seen": at}
        rowid = self.db["documents"].insert(row).last_rowid
        self.db["document_bodies"].insert({"sha256": digest, "body": compressed})
        index_fields(self.conn, FTS_TABLE, FTS_COLUMNS, rowid, (row[c] for c in FTS_COLUMNS))

    def _complete_text(self, digest: str, extracted: DocumentText) -> None:
        """The text of stored bytes whose text step did not complete (TEXT_NOT_DONE), read now."""
        found = self.conn.execute("SELECT rowid, title, text, text_status FROM documents WHERE sha256 = ?",
                                  (digest,)).fetchone()
        if found is None or not (found[3] is None or found[3] in TEXT_NOT_DONE):
            return
        rowid, title, old_text = found[0], found[1], found[2]
        index_fields(self.conn, FTS_TABLE, FTS_COLUMNS, rowid, (title, old_text), delete=True)
        self.conn.execute("UPDATE documents SET text = ?, text_status = ?, text_note = ?, text_length = ?, pages = ? "
                          "WHERE sha256 = ?", (extracted.text, extracted.status, extracted.note,
                                               len(extracted.text or ""), extracted.pages, digest))
        index_fields(self.conn, FTS_TABLE, FTS_COLUMNS, rowid, (title, extracted.text))

    def touch(self, url: str, at: str) -> bool:
        """The server says the file at `url` has not changed (304): its newest capture was seen again."""
        return touch_capture(self.archive, "document_captures", url, at)

    def body(self, digest: str) -> bytes | None:
        found = self.conn.execute("SELECT body FROM document_bodies WHERE sha256 = ?", (digest,)).fetchone()
        return zlib.decompress(found[0]) if found else None


def linking_articles(conn: sqlite3.Connection, digest: str) -> list[dict]:
    """The archived articles that link any URL this content was fetched at, newest first."""
    cursor = conn.execute(
        "SELECT DISTINCT a.url, a.title, a.published, a.portal FROM document_captures c "
        "JOIN document_links l ON l.url = c.url JOIN articles a ON a.url = l.article_url "
        "WHERE c.sha256 = ? ORDER BY a.published DESC, a.url", (digest,))
    return [dict(zip(("url", "title", "published", "portal"), row)) for row in cursor]


def search_documents(conn: sqlite3.Connection, query: str, limit: int = 20) -> list[dict]:
    """Documents whose title or text holds every word of `query`, with the articles that link them;
    ordered and bounded as archive.search.search orders and bounds articles."""
    rows = matching_rows(conn, FTS_TABLE, "documents", ("url", "title", "type", "sha256", "portal", "published"),
                         query, limit)
    for row in rows:
        row["articles"] = [{"url": a["url"], "title": a["title"]} for a in linking_articles(conn, row["sha256"])]
    return rows


def search_with_documents(conn: sqlite3.Connection, query: str, limit: int = 20) -> list[dict]:
    """Matching articles, each story once with its copies (archive.stories), then matching attached
    documents (their own index, folded the same way): a document's row has `"found_in": "document"`,
    its URL, type, SHA-256 and the articles linking it.
    Here rather than in archive.search, which knows nothing of documents: imports run one way."""
    return search_stories(conn, query, limit) + [{"found_in": "document", **row}
                                                 for row in search_documents(conn, query, limit)]


def manifest_rows(conn: sqlite3.Connection, portal: str | None = None) -> Iterator[dict]:
    """Each stored document for `soyte export --documents`: its URLs, hash, articles, title, text length."""
    where, params = ("WHERE portal = ?", [portal]) if portal else ("", [])
    cursor = conn.execute(f"SELECT sha256, url, title, type, content_type, size, text_status, text_length, "
                          f"first_seen FROM documents {where} ORDER BY first_seen, sha256", params)
    columns = [d[0] for d in cursor.description]
    for values in cursor.fetchall():
        row = dict(zip(columns, values))
        row["urls"] = [u for (u,) in conn.execute(
            "SELECT url FROM document_captures WHERE sha256 = ? GROUP BY url ORDER BY min(id)", (row["sha256"],))]
        row["article_urls"] = [a["url"] for a in linking_articles(conn, row["sha256"])]
        yield row


def dumps(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False)
