"""The frontier's questions about files (attached documents and articles' images), asked of SQLite
per URL, or per portal in bounded batches, never read whole into Python.

A crawl asks, for each file an article links: was it skipped by an earlier run (over the size
cap, a URL refused: never asked again); which conditional headers its newest capture allows; and,
at its start, which files archived articles link that no run settled (a crawl killed before
fetching them: asked again). Until 2026-12-07 `archive.frontier.load_frontier` read the validators
of every archived document and image, every skipped URL and every pending link into the
`scraper.model.Frontier` before the first request: memory and start time grew with the number of
files archived (and, with images off, pending links with every image of every article ever).

The answers are those of the archive when the crawl run opened: each table's rows up to its
largest id then (`Snapshot`), as the article lookups count only articles up to `newest`; a file
this run stores or fails does not change what the run was told at its start. One exception: a
document whose text this run completed is no longer pending (it was settled meanwhile).

The indexes each lookup uses: document_captures(url, sha256), image_captures(url, sha256),
document_links(url), pages(url, sha256), failures(url, kind) (archive.schema), documents' and
articles' primary key, articles(portal, published) for a portal's batches; tests/test_frontier_files.py
asserts the plans.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

from archive.documents import TEXT_NOT_DONE
from scraper.model import FailureKind

# An article page or a file that failed this many runs (5xx, network) is left to a person (see `failures`);
# archive.frontier counts articles' failures with it.
MAX_RETRIES = 3
IMAGE = "image"  # document_links.kind of an article's image (scraper.items.IMAGE)
BATCH_ARTICLES = 1_000  # a portal's pending links are read for this many articles at a time (~0.1 s of lookups)

# A fetch that failed with a 5xx or no answer is worth another try; any other document failure is final.
NOT_DONE = ",".join(f"'{status}'" for status in TEXT_NOT_DONE)
RETRIED_FETCH = f"(f.kind = '{FailureKind.DOCUMENT_FETCH}' AND (f.status IS NULL OR f.status >= 500))"
# A link of an archived article whose file no run settled: no page (a web page where a file was
# expected), no capture or one whose text step did not complete, no final failure, fewer than
# MAX_RETRIES failed fetches. An image with an image capture is settled too (the filter on kind
# `image` is left to the caller, which needs both answers: VALIDATORS_OF below).
UNSETTLED = (
    "NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = l.url AND +p.id <= :pages) "
    "AND (NOT EXISTS (SELECT 1 FROM document_captures c WHERE c.url = l.url AND +c.id <= :captures) "
    "OR EXISTS (SELECT 1 FROM document_captures c JOIN documents d ON d.sha256 = c.sha256 WHERE c.url = l.url "
    f"AND +c.id <= :captures AND (d.text_status IS NULL OR d.text_status IN ({NOT_DONE})))) "
    f"AND NOT EXISTS (SELECT 1 FROM failures f WHERE f.url = l.url AND f.kind IN {FailureKind.DOCUMENT_FAILURES} "
    f"AND +f.id <= :failures AND NOT {RETRIED_FETCH}) "
    f"AND (SELECT count(*) FROM failures f WHERE f.url = l.url AND f.kind = '{FailureKind.DOCUMENT_FETCH}' "
    f"AND +f.id <= :failures AND {RETRIED_FETCH}) < {MAX_RETRIES}")
IMAGE_SETTLED = "EXISTS (SELECT 1 FROM image_captures i WHERE i.url = l.url AND +i.id <= :images)"

# The kinds of the unsettled links to this URL from archived articles of the run's portals.
PENDING_LINKS_OF = ("SELECT l.kind, " + IMAGE_SETTLED + " FROM document_links l JOIN articles a ON a.url = l.article_url "
                    "WHERE l.url = :url AND +a.portal IN ({marks}) AND +a.rowid <= :newest AND " + UNSETTLED)
# A portal's archived articles in the order of its index articles(portal, published) (and the
# rowid, its last key), one batch after the last one read: those with no date first, then by date.
UNDATED_ARTICLES = ("SELECT published, rowid, url FROM articles WHERE portal = :portal AND published IS NULL "
                    "AND rowid > :after AND +rowid <= :newest ORDER BY rowid LIMIT :batch")
DATED_ARTICLES = ("SELECT published, rowid, url FROM articles WHERE portal = :portal "
                  "AND (published, rowid) > (:published, :after) AND +rowid <= :newest ORDER BY published, rowid LIMIT :batch")
# The unsettled links of one batch of articles (their URLs as a JSON list).
PENDING_OF_ARTICLES = ("SELECT l.article_url, l.url, l.kind FROM document_links l WHERE l.article_url IN "
                       f"(SELECT value FROM json_each(:urls)) AND {UNSETTLED} AND NOT (l.kind = '{IMAGE}' AND {IMAGE_SETTLED}) "
                       "ORDER BY l.article_url, l.url")
# The newest successful capture of a URL in a captures table (documents' or images').
NEWEST_CAPTURE = ("SELECT etag, last_modified FROM [{table}] WHERE url = :url AND status = 200 AND +id <= :{bound} "
                  "ORDER BY id DESC LIMIT 1")
SKIPPED = (f"SELECT 1 FROM failures WHERE url = :url AND kind = '{FailureKind.DOCUMENT_SKIPPED}' "
           "AND +id <= :failures LIMIT 1")

# The tables these lookups read once the crawl runs (archive.frontier.ASKED_PER_URL probes them first).
TABLES = ("document_links", "document_captures", "documents", "image_captures", "failures")


@dataclass(frozen=True)
class Snapshot:
    """The largest id of each table the file lookups read, when the crawl run opened."""

    pages: int
    captures: int
    images: int
    failures: int

    @classmethod
    def of(cls, conn: sqlite3.Connection) -> "Snapshot":
        return cls(*(conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0]
                     for table in ("pages", "document_captures", "image_captures", "failures")))


def _headers(found: tuple[str | None, str | None] | None) -> dict[str, str]:
    etag, modified = found or (None, None)
    headers = {"If-None-Match": etag} if etag else {}
    if modified:
        headers["If-Modified-Since"] = modified
    return headers


class ArchivedFiles:
    """The file questions of scraper.model.ArchiveLookup, for the run's `portals` and the articles
    up to `newest` (archive.frontier.ArchivedFrontier hands them over)."""

    def __init__(self, conn: sqlite3.Connection, portals: list[str], newest: int) -> None:
        self.conn, self.portals, self.newest = conn, tuple(portals), newest
        self.bounds = vars(Snapshot.of(conn)) | {"newest": newest}
        self.marks = ",".join(f":p{n}" for n in range(len(portals)))
        self.portal_params = {f"p{n}": portal for n, portal in enumerate(portals)}

    def _newest(self, table: str, bound: str, url: str) -> dict[str, str]:
        return _headers(self.conn.execute(NEWEST_CAPTURE.format(table=table, bound=bound),
                                          {**self.bounds, "url": url}).fetchone())

    def document_validators(self, url: str) -> dict[str, str] | None:
        """If-None-Match / If-Modified-Since of the file's newest successful capture: an image's
        (image_captures) before a document's; none while a link to it is pending (a 304 would
        leave its text unread for good), though an image's capture settles its image links."""
        image, document = self._newest("image_captures", "images", url), self._newest("document_captures", "captures", url)
        if not image and not document:
            return None
        pending = self.conn.execute(PENDING_LINKS_OF.format(marks=self.marks),
                                    {**self.bounds, **self.portal_params, "url": url}).fetchall()
        if image and not any(not (kind == IMAGE and settled) for kind, settled in pending):
            return image
        return document if document and not pending else None

    def is_document_skipped(self, url: str) -> bool:
        """An earlier run skipped this file (over the size cap, a URL refused): not asked again."""
        return self.conn.execute(SKIPPED, {**self.bounds, "url": url}).fetchone() is not None

    def pending_documents(self, portal: str) -> Iterator[tuple[str, str, str]]:
        """(article URL, file URL, link kind) of each unsettled link of the portal's archived
        articles, read BATCH_ARTICLES articles at a time along the portal's index: memory stays
        bounded whatever the archive holds (with images off, every image link of every article is
        unsettled), and no batch holds the reactor long."""
        if portal not in self.portals:
            return
        for batch in self._article_batches(portal):
            yield from self.conn.execute(PENDING_OF_ARTICLES, {**self.bounds, "urls": json.dumps(batch)}).fetchall()

    def _article_batches(self, portal: str) -> Iterator[list[str]]:
        """The URLs of the portal's articles up to `newest`, BATCH_ARTICLES at a time (keyset: each
        batch an index search from where the last one ended)."""
        where = {"portal": portal, "newest": self.newest, "batch": BATCH_ARTICLES, "after": 0, "published": ""}
        for sql in (UNDATED_ARTICLES, DATED_ARTICLES):
            where.update(after=0, published="")  # ('', 0) precedes every date
            while rows := self.conn.execute(sql, where).fetchall():
                yield [url for _published, _rowid, url in rows]
                where.update(published=rows[-1][0] or "", after=rows[-1][1])
