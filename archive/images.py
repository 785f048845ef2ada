"""Articles' images in the archive: content-addressed like documents, with their captions.

- images:          one row per distinct content (SHA-256 of the bytes): format, pixels, size, and for
                   browsing the first URL, portal and caption it was linked with
- image_captures:  one row per distinct (URL, content): HTTP status, the response headers as served
                   (for WARC export), validators, version number; a changed image at the same URL is
                   a new capture with the next version, the old bytes stay
- the bytes:       in documents' `document_bodies` (zlib, keyed by SHA-256): one content-addressed
                   store, so a picture that is also attached as a file is kept once
- the links:       documents' `document_links`, kind `image`, the caption as the link's title

Why apart from `documents`: an image has no text to read or index, and its questions differ (is it
an image at all, how large, which caption). The crawl's questions about images (which are archived,
their validators) are asked of these tables per URL by archive/frontier_files.py.
"""
from __future__ import annotations

import json
import sqlite3
import zlib
from typing import Iterator

import sqlite_utils

from archive.documents import DocumentStore, sha256, touch_capture, write_capture
from scraper.extraction.image_files import ImageFile

TABLES: dict[str, dict] = {
    "images": {
        "columns": {"sha256": str, "url": str, "portal": str, "caption": str, "type": str, "content_type": str,
                    "width": int, "height": int, "size": int, "stored_size": int, "first_seen": str},
        "pk": "sha256",
    },
    "image_captures": {
        "columns": {"id": int, "url": str, "portal": str, "sha256": str, "version": int, "status": int,
                    "content_type": str, "headers": str, "etag": str, "last_modified": str, "fetched_at": str,
                    "last_fetched_at": str, "run_id": int},
        "pk": "id",
    },
}
INDEXES = [("image_captures", ["url", "sha256"], True), ("image_captures", ["sha256"]), ("images", ["portal"])]
# Images are compressed already (JPEG, PNG, WebP): zlib's fastest level keeps the body store's one
# form (archive.documents reads every body with zlib.decompress) at a fraction of level 6's time.
IMAGE_ZLIB_LEVEL = 1


def ensure_image_schema(db: sqlite_utils.Database) -> None:
    """Create the image tables and their indexes where missing; never rewrites data."""
    for name, spec in TABLES.items():
        if not db[name].exists():
            db[name].create(spec["columns"], pk=spec["pk"])
    for table, columns, *unique in INDEXES:
        db[table].create_index(columns, unique=bool(unique), if_not_exists=True)


class ImageStore:
    """Image writes and reads on an open `archive.store.Archive` (its connection and transactions)."""

    def __init__(self, archive):
        self.archive = archive
        self.conn: sqlite3.Connection = archive.conn
        self.db: sqlite_utils.Database = archive.db
        self.bodies = DocumentStore(archive)

    def has_image(self, digest: str) -> bool:
        return self.conn.execute("SELECT 1 FROM images WHERE sha256 = ?", (digest,)).fetchone() is not None

    def store(self, url: str, portal: str, body: bytes, image: ImageFile, *, status: int, served_type: str | None,
              headers: dict[str, str], run_id: int | None, at: str) -> str:
        """Keep one fetched image; returns 'new', 'changed' (a new version at a known URL),
        'duplicate' (bytes already stored under another URL) or 'unchanged'."""
        digest = sha256(body)
        with self.archive.transaction():
            return write_capture(self.archive, "image_captures", url, portal, digest, headers, status=status,
                                 served_type=served_type, run_id=run_id, at=at, known=self.has_image(digest),
                                 insert_new=lambda: self._insert_image(digest, url, portal, body, image, at),
                                 extra={"headers": json.dumps(headers, ensure_ascii=False)})

    def _insert_image(self, digest: str, url: str, portal: str, body: bytes, image: ImageFile, at: str) -> None:
        compressed = zlib.compress(body, IMAGE_ZLIB_LEVEL)
        caption = self.conn.execute("SELECT title FROM document_links WHERE url = ? AND kind = 'image' "
                                    "AND title IS NOT NULL ORDER BY article_url LIMIT 1", (url,)).fetchone()
        self.db["images"].insert({
            "sha256": digest, "url": url, "portal": portal, "caption": caption[0] if caption else None,
            "type": image.kind, "content_type": image.media_type, "width": image.width, "height": image.height,
            "size": len(body), "stored_size": len(compressed), "first_seen": at})
        self.conn.execute("INSERT OR IGNORE INTO document_bodies (sha256, body) VALUES (?, ?)", (digest, compressed))

    def touch(self, url: str, at: str) -> bool:
        """The server says the image at `url` has not changed (304): its newest capture was seen again."""
        return touch_capture(self.archive, "image_captures", url, at)

    def body(self, digest: str) -> bytes | None:
        return self.bodies.body(digest)


def has_image_tables(conn: sqlite3.Connection) -> bool:
    return "image_captures" in sqlite_utils.Database(conn).table_names()


def article_images(conn: sqlite3.Connection, urls: list[str]) -> dict[str, dict]:
    """Image URL → the newest stored image fetched there ({sha256, type, width, height, size}), for
    the article page; URLs never archived are absent."""
    if not urls or not has_image_tables(conn):
        return {}
    marks = ",".join("?" * len(urls))
    found = {}
    for url, digest, kind, width, height, size in conn.execute(
            f"SELECT c.url, i.sha256, i.type, i.width, i.height, i.size FROM image_captures c "
            f"JOIN images i ON i.sha256 = c.sha256 WHERE c.url IN ({marks}) ORDER BY c.id", urls):
        found[url] = {"sha256": digest, "type": kind, "width": width, "height": height, "size": size}
    return found


def linking_articles(conn: sqlite3.Connection, digest: str) -> list[dict]:
    """The archived articles that show this image (at any URL it was fetched at), with the caption each gives it."""
    cursor = conn.execute(
        "SELECT DISTINCT a.url, a.title, a.published, l.title FROM image_captures c "
        "JOIN document_links l ON l.url = c.url AND l.kind = 'image' JOIN articles a ON a.url = l.article_url "
        "WHERE c.sha256 = ? ORDER BY a.published DESC, a.url", (digest,))
    return [dict(zip(("url", "title", "published", "caption"), row)) for row in cursor]


def manifest_rows(conn: sqlite3.Connection, portal: str | None = None) -> Iterator[dict]:
    """Each stored image for `soyte export --images`: its hash, format, pixels, URLs, articles and captions."""
    if not has_image_tables(conn):
        return
    where, params = ("WHERE portal = ?", [portal]) if portal else ("", [])
    cursor = conn.execute(f"SELECT sha256, url, type, content_type, width, height, size, first_seen FROM images "
                          f"{where} ORDER BY first_seen, sha256", params)
    columns = [d[0] for d in cursor.description]
    for values in cursor.fetchall():
        row = dict(zip(columns, values))
        row["urls"] = [u for (u,) in conn.execute(
            "SELECT url FROM image_captures WHERE sha256 = ? GROUP BY url ORDER BY min(id)", (row["sha256"],))]
        row["articles"] = [{"url": a["url"], "caption": a["caption"]} for a in linking_articles(conn, row["sha256"])]
        yield row


def export_name(row: dict) -> str:
    """The file an image is written to by `soyte export --images`: `<sha256>.<ext>`, as documents
    are (a portal's file name may repeat across its folders; the content's hash never does)."""
    return f"{row['sha256']}.{EXTENSIONS.get(row['type'], row['type'])}"


EXTENSIONS = {"jpeg": "jpg", "tiff": "tif"}
