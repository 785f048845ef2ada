"""Writes to the archive: pages, articles (idempotent upserts, versioned), crawl runs, failures.

Every write is one transaction in WAL mode, so a crawl killed at any moment leaves a file that
holds everything committed before the kill and nothing half-written. A crawl groups its writes
(`group_commits`, archive/transactions.py): a `kill -9` loses at most the open window's writes.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import sqlite_utils

from archive.compression import CompactResult, PageCodec, compact_host, hosts
from archive.schema import TABLES as SOYTE_TABLES
from archive.schema import SCHEMA_VERSION, ensure_schema, read_as_current, schema_version
from archive.stories import index_article
from archive.transactions import Transactions
from scraper.model import RECORD_KEYS, TRANSIENT_4XX, FailureKind

# Run statuses of a crawl that ran to its end (an alarm is a finished run that found a problem).
FINISHED = ("completed", "alarm")
# Failures that leave a portal's walk incomplete (finish_run): a listing page not read, or its layout not loading.
WALK_FAILURES = (FailureKind.LISTING, FailureKind.LISTING_FETCH, FailureKind.LISTING_ERROR, FailureKind.LAYOUT)
# Fields whose change makes a new version; a view counter ticking up is not a new version.
CONTENT_KEYS = tuple(k for k in RECORD_KEYS if k not in ("views",))
# A raw page this large is stored after committing the grouped writes (archive/transactions.py).
LARGE_BODY = 1 << 20
# Seconds a write waits for another connection's write lock before SQLite says busy.
WRITE_TIMEOUT = 30.0
# How much of the file a reading connection maps into memory (PRAGMA mmap_size). A search reads
# every query word's list of rows in the full-text index (bm25 reads a common word's whole list);
# mapped, SQLite reads those pages in place instead of copying each through read() into its 2 MB
# page cache: ranked 6-word queries take 12–17 % less CPU at 100,000 articles (bench/archive.py,
# docs/BENCHMARKS.md "Issue 15, third pass: search"). Safe beside a crawl writing in WAL mode:
# only the database file is mapped, the WAL is read as before, and SQLite maps again when the file
# grows. Its documented cost: an I/O error on a mapped page is a signal (a crash), not an error.
# A file larger than this is mapped up to it and read as before past it.
READ_MMAP_BYTES = 1 << 30


def tune_for_reading(conn: sqlite3.Connection) -> None:
    """Pragmas of a connection that searches and browses (`soyte search`, the Datasette server)."""
    conn.execute(f"PRAGMA mmap_size={READ_MMAP_BYTES}")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def content_hash(record: dict) -> str:
    payload = json.dumps({k: record.get(k) for k in CONTENT_KEYS}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def row_to_record(row: dict) -> dict:
    """An articles row back into the record shape of LAYOUTS.md."""
    record = {key: row.get(key) for key in RECORD_KEYS}
    record["images"] = json.loads(row.get("images") or "[]")
    record["attachments"] = json.loads(row.get("attachments") or "[]")
    return record


def _connect_readonly(path: Path, timeout: float) -> tuple[sqlite3.Connection, bool]:
    """A read-only connection, and whether it is immutable: on read-only storage, where SQLite cannot
    make the WAL's shared-memory file, the file is opened as immutable (nothing can change it there
    anyway), and so must Datasette open it (archive.datasette.make_datasette). Immutable, SQLite
    ignores the -wal file: one holding writes (copied with the archive, never checkpointed) is refused
    rather than read past."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None,
                           check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn, False
    except sqlite3.OperationalError:
        conn.close()
        if os.access(path.parent, os.W_OK) and os.access(path, os.W_OK):
            raise
    wal = path.with_name(path.name + "-wal")
    if wal.is_file() and wal.stat().st_size:  # immutable would read the file without them, silently
        raise sqlite3.OperationalError(
            f"its last writes are still in {wal.name}, which SQLite cannot read on read-only storage without "
            f"{path.name}-shm: copy the archive with its -wal file to writable storage, or checkpoint it where it "
            f"was written (sqlite3 {path} 'PRAGMA wal_checkpoint(TRUNCATE)')")
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout, isolation_level=None,
                           check_same_thread=False), True



def is_busy(error: BaseException) -> bool:
    """Whether SQLite refused because another connection holds the database's write lock (SQLITE_BUSY),
    once its busy timeout ran out: another writer, not a fault of the file or the disk."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(error, sqlite3.OperationalError) and code is not None and (code & 0xFF) == sqlite3.SQLITE_BUSY


def is_damage(error: sqlite3.Error) -> bool:
    """Whether SQLite found the file damaged or not a database (SQLITE_CORRUPT, SQLITE_NOTADB), rather
    than refusing a write (read-only storage, a full disk): the archivist checks the file, not the disk."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:  # an error raised by soyte itself, not by SQLite
        return False
    return (code & 0xFF) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file


def archive_file_problem(path: str | os.PathLike) -> str | None:
    """Why the file at `path` must not be written as an archive, or None (it is one, empty, or new).

    Asked before a crawl makes anything beside it (its lock, its log): `SOYTE_DB=/etc/passwd` must
    not leave `/etc/passwd.lock`, nor soyte's tables be added to another program's database. Only
    the header and the table names are read, with SQLite's `immutable` (no lock, no file made).

    A database holding any soyte table is taken for an archive, which opening it completes (a file
    of an older soyte's `pages` table alone is read and brought up to date); `soyte merge` asks more
    of its inputs and its target (archive.merge: every one of archive.schema.FIRST_TABLES): an input
    is read table by table, and a target short of one is refused rather than completed.
    """
    real = Path(os.path.realpath(path))
    if not real.exists():
        return None
    if real.is_dir():
        return f"{path} is a directory, not an archive file"
    if not real.is_file():
        return f"{path} is not a regular file (a device or a pipe), not an archive"
    try:
        with real.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError:
        return None  # unreadable: opening it for writing says why (exit 4)
    if not header:
        return None  # an empty file: SQLite makes a new database in it
    if header != SQLITE_HEADER:
        return f"{path} is not an SQLite file, so not a soyte archive"
    try:
        conn = sqlite3.connect(f"{real.as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # damaged: opening it says so (exit 4)
    if tables and not tables & set(SOYTE_TABLES):
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        return f"{path} is an SQLite database of something else (tables {shown}), not a soyte archive"
    return None


class Archive:
    """One SQLite archive file. Open one per process (or per crawler); close when done."""

    def __init__(self, path: str | os.PathLike, timeout: float = WRITE_TIMEOUT, readonly: bool = False):
        """Open (and, unless `readonly`, create or bring up to date) the archive at `path`.

        A read-only open is for archives kept on read-only storage: it never writes, not even
        the schema. Any sqlite3.Error here means the file is not a usable archive.
        """
        self.path = Path(path)
        if self.path.is_dir():
            raise sqlite3.OperationalError(f"{path} is a directory, not an archive file")
        problem = None if readonly else archive_file_problem(self.path)
        if problem:  # soyte's tables are never added to another program's database
            raise sqlite3.DatabaseError(problem)
        self.immutable = False  # opened read-only on read-only storage
        if readonly:
            conn, self.immutable = _connect_readonly(self.path, timeout)
        else:
            conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None, check_same_thread=False)
        self.db = sqlite_utils.Database(conn)
        self.conn = conn
        self.transactions = Transactions(conn)
        try:
            if readonly:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                tune_for_reading(conn)
                if schema_version(conn) < SCHEMA_VERSION:  # read as this version's, never written
                    read_as_current(conn)
            else:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                with self.transaction():
                    ensure_schema(self.db)
        except sqlite3.Error:
            conn.close()
            raise
        self.codec = PageCodec(conn)

    def wait_for_writers(self, seconds: float = WRITE_TIMEOUT) -> None:
        """How long a write waits for another connection's write lock (a crawl opens with a shorter
        wait, to refuse at its start an archive another program is writing)."""
        self.conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

    def transaction(self):
        """A write: its own transaction, or a savepoint in the grouped one (archive.transactions)."""
        return self.transactions.write()

    def group_commits(self, window: float) -> None:
        """Commit what is grouped, then group the writes that follow in one transaction committed
        once its first write is `window` seconds old (0: a commit per write again); the owner calls
        `commit_if_due` now and then and `flush` (or `close`) at its end (archive.transactions)."""
        self.transactions.group(window)

    def commit_if_due(self) -> None:
        self.transactions.commit_if_due()

    def flush(self) -> None:
        """Commit the grouped writes now."""
        self.transactions.flush()

    def close(self) -> None:
        """Commit what is grouped (every write in it is whole) and close; a refused commit loses only it."""
        try:
            with contextlib.suppress(sqlite3.Error):
                self.flush()
        finally:
            self.conn.close()

    # crawl runs
    def start_run(self, portals: list[str]) -> int:
        with self.transaction():
            return self.db["crawl_runs"].insert({
                "started_at": now(), "portals": ",".join(portals), "status": "running", "requests": 0,
                "responses": 0, "pages_stored": 0, "articles_new": 0, "articles_updated": 0,
                "articles_unchanged": 0, "articles_generic": 0, "errors": 0, "warnings": 0, "pid": os.getpid(),
            }).last_pk

    def add_to_run(self, run_id: int | None, **counts: int) -> None:
        with self.transaction():
            self._count(run_id, **counts)


    def _insert(self, table: str, row: dict) -> int:
        """One plain INSERT, returning the rowid: for the crawl's two writes per page (pages,
        articles), where sqlite-utils' insert (which suits everything else) cost more Python than
        the write itself. `row` holds only str, int, float, bytes and None."""
        columns = ", ".join(f"[{column}]" for column in row)
        marks = ", ".join("?" * len(row))
        return self.conn.execute(f"INSERT INTO [{table}] ({columns}) VALUES ({marks})",
                                 tuple(row.values())).lastrowid

    def _count(self, run_id: int | None, **counts: int) -> None:
        if run_id is None:
            return
        sets = ", ".join(f"{name} = {name} + ?" for name in counts)
        self.conn.execute(f"UPDATE crawl_runs SET {sets} WHERE id = ?", (*counts.values(), run_id))

    def finish_run(self, run_id: int, status: str, message: str | None = None) -> None:
        """Close the run, and mark which of its portals were walked completely.

        A portal is complete only when the run ran to its end and none of its listing pages
        failed (nor its layout, which leaves it uncrawled): the frontier makes the next run walk an
        incomplete portal's listings again. A listing page answering a 4xx (a sitemap gone, 404)
        is final (scraper.model.final_listing_failure): walking again would not bring it back.
        """
        with self.transaction():
            self.db["crawl_runs"].update(run_id, {"finished_at": now(), "status": status, "message": message})
            finished = 1 if status in FINISHED else 0
            self.conn.execute(
                "UPDATE portal_runs SET complete = ? * NOT EXISTS (SELECT 1 FROM failures f WHERE f.run_id = "
                f"portal_runs.run_id AND f.portal = portal_runs.portal AND f.kind IN {WALK_FAILURES} AND NOT "
                f"(f.kind = '{FailureKind.LISTING_FETCH}' AND f.status IS NOT NULL AND f.status < 500 AND f.status "
                f"NOT IN {TRANSIENT_4XX})) WHERE run_id = ?", (finished, run_id))
            # A complete walk that no bound stopped reached the end of its pagination: nothing to go on from.
            self.conn.execute("DELETE FROM listing_resume WHERE portal IN (SELECT portal FROM portal_runs WHERE "
                              "run_id = ? AND complete = 1 AND listing_stop IS NULL)", (run_id,))

    def run(self, run_id: int) -> dict:
        return self.db["crawl_runs"].get(run_id)

    # raw pages
    def save_page(self, url: str, status: int, headers: dict[str, str], body: bytes, run_id: int | None,
                  kind: str = "other", requests: int | None = None, fetched_at: str | None = None) -> int:
        """Keep a fetched response; an identical body fetched again only updates last_fetched_at.

        The run's `responses` and `pages_stored` counts (and `requests`, the requests sent since
        the last call) move in the same transaction, so a killed run still shows what it did.
        `fetched_at` is the capture time when it is not now (a page imported from a WARC file).
        """
        return self.store_page(url, status, headers, body, run_id, kind, fetched_at, requests)[0]

    def store_page(self, url: str, status: int, headers: dict[str, str], body: bytes, run_id: int | None,
                   kind: str = "other", fetched_at: str | None = None,
                   requests: int | None = None) -> tuple[int, bool]:
        """save_page, also saying whether the page is new (False: these bytes of this URL were stored)."""
        sha = hashlib.sha256(body).hexdigest()
        fetched = fetched_at or now()
        if len(body) >= LARGE_BODY:  # a full disk may roll back the whole grouped transaction: commit it first
            self.flush()
        sent = {"requests": requests} if requests else {}  # counted with the response: one UPDATE of the run
        with self.transaction():
            existing = self.conn.execute("SELECT id FROM pages WHERE url = ? AND sha256 = ?", (url, sha)).fetchone()
            if existing:
                # A capture older than what is stored (an import) moves fetched_at back, never forward.
                self.conn.execute(
                    "UPDATE pages SET status = CASE WHEN ? >= last_fetched_at THEN ? ELSE status END, "
                    "last_fetched_at = max(last_fetched_at, ?), fetched_at = min(fetched_at, ?), "
                    "last_run_id = coalesce(?, last_run_id) WHERE id = ?",
                    (fetched, status, fetched, fetched, run_id, existing[0]))
                self._count(run_id, responses=1, **sent)
                return existing[0], False
            self._count(run_id, responses=1, pages_stored=1, **sent)
            packed = self.codec.pack(url, body)
            page_id = self._insert("pages", {
                "url": url, "kind": kind, "status": status, "headers": json.dumps(headers, ensure_ascii=False),
                "content_type": headers.get("Content-Type"), "body": packed.blob, "codec": packed.codec,
                "dictionary_id": packed.dictionary_id, "body_size": len(body), "sha256": sha,
                "fetched_at": fetched, "last_fetched_at": fetched, "run_id": run_id, "last_run_id": run_id,
            })
        host = self.codec.count_new_page(url)
        if host:  # the host has enough pages to learn its chrome from: later pages are stored compactly
            with self.transaction():
                self.codec.train_host(host)
        return page_id, True

    def page_body(self, page_id: int) -> tuple[str, bytes, str | None]:
        """(url, raw body, content type); DamagedPage if the stored body cannot be read back."""
        url, body, content_type, codec, dictionary_id, size = self.conn.execute(
            "SELECT url, body, content_type, codec, dictionary_id, body_size FROM pages WHERE id = ?",
            (page_id,)).fetchone()
        return url, self.codec.unpack(body, codec, dictionary_id, size, page_id), content_type

    def archived_portals(self) -> tuple[dict[int, tuple], dict[str, tuple]]:
        """(portal, province, layout) of every article, by the page it was read from and by its URL:
        which portal a stored page belongs to when the registry no longer says (reextract)."""
        by_page: dict[int, tuple] = {}
        by_url: dict[str, tuple] = {}
        for url, page_id, *portal in self.conn.execute("SELECT url, page_id, portal, province, layout FROM articles"):
            by_url[url] = tuple(portal)
            if page_id is not None:
                by_page[page_id] = tuple(portal)
        return by_page, by_url

    def latest_article_pages(self) -> list[tuple[int, str]]:
        """(page id, url) of the newest successful capture of every article page.

        Newest by capture time, not by id: a capture imported later may be years older.
        """
        return list(self.conn.execute(
            "SELECT id, url FROM (SELECT id, url, row_number() OVER (PARTITION BY url "
            "ORDER BY last_fetched_at DESC, id DESC) AS newest FROM pages WHERE kind = 'article' AND status = 200) "
            "WHERE newest = 1 ORDER BY url"))

    def compact(self, batch: int = 500, retrain: bool = False, only_hosts: list[str] | None = None,
                on_damaged=lambda page_id, reason: None) -> list[CompactResult]:
        """Re-compress stored pages with their host's dictionary (trained if missing); see archive.compression."""
        return [compact_host(self.conn, self.codec, host, self.transaction, batch, retrain, on_damaged)
                for host in (only_hosts or hosts(self.conn))]

    # articles
    def upsert_article(self, record: dict, *, layout: str, extractor: str, page_id: int | None,
                       extraction: str = "layout", note: str | None = None, seen: str | None = None) -> str:
        """Insert or update one article and file it in its story (archive.stories), in one write;
        returns 'new', 'updated' or 'unchanged'."""
        with self.transaction():
            outcome = self._upsert_article(record, layout=layout, extractor=extractor, page_id=page_id,
                                           extraction=extraction, note=note, seen=seen)
            index_article(self.conn, record["url"], outcome)
        return outcome

    def _upsert_article(self, record: dict, *, layout: str, extractor: str, page_id: int | None,
                        extraction: str = "layout", note: str | None = None, seen: str | None = None) -> str:
        """Insert or update one article; returns 'new', 'updated' or 'unchanged'.

        A changed article keeps its previous content in article_versions. `seen` is the capture
        time when it is not now (an imported capture).
        """
        digest = content_hash(record)
        seen = seen or now()
        row = {key: record.get(key) for key in RECORD_KEYS}
        row["images"] = json.dumps(record.get("images") or [], ensure_ascii=False)
        row["attachments"] = json.dumps(record.get("attachments") or [], ensure_ascii=False)
        row.update(layout=layout, extractor=extractor, extraction=extraction, extraction_note=note,
                   content_hash=digest, page_id=page_id, last_seen=seen)
        with self.transaction():
            old = self.conn.execute("SELECT rowid, * FROM articles WHERE url = ?", (record["url"],)).fetchone()
            if old is None:
                row.update(first_seen=seen, updated_at=seen)
                rowid = self._insert("articles", row)
                self.transactions.index(True, rowid, row)
                return "new"
            columns = ["rowid"] + [d[0] for d in self.conn.execute("SELECT * FROM articles LIMIT 0").description]
            old_row = dict(zip(columns, old))
            if old_row["content_hash"] == digest:
                self.db["articles"].update(record["url"], {
                    "last_seen": seen, "views": row["views"], "page_id": page_id, "extractor": extractor,
                    "layout": layout, "extraction": extraction, "extraction_note": note})
                return "unchanged"
            self.db["article_versions"].insert({
                "url": record["url"], "content_hash": old_row["content_hash"],
                "record": json.dumps(row_to_record(old_row), ensure_ascii=False),
                "extractor": old_row["extractor"], "first_seen": old_row["updated_at"], "replaced_at": seen,
            })
            self.transactions.index(False, old_row["rowid"], old_row)
            row["updated_at"] = seen
            self.db["articles"].update(record["url"], row)
            self.transactions.index(True, old_row["rowid"], row)
            return "updated"

    def article(self, url: str) -> dict | None:
        try:
            return row_to_record(self.db["articles"].get(url))
        except sqlite_utils.db.NotFoundError:
            return None

    def articles(self, portal: str | None = None) -> Iterator[dict]:
        where, args = ("portal = ?", [portal]) if portal else (None, [])
        for row in self.db["articles"].rows_where(where, args, order_by="published desc"):
            yield row_to_record(row)

    def touch_article(self, url: str) -> bool:
        """An archived article seen again unchanged (HTTP 304): only last_seen moves."""
        with self.transaction():
            return self.conn.execute("UPDATE articles SET last_seen = ? WHERE url = ?", (now(), url)).rowcount > 0

    # failures and per-portal results
    def record_failure(self, run_id: int | None, url: str, portal: str, kind: str, reason: str,
                       page_id: int | None = None, status: int | None = None) -> None:
        with self.transaction():
            self.db["failures"].insert({"run_id": run_id, "url": url, "portal": portal, "kind": kind,
                                        "status": status, "reason": reason, "page_id": page_id, "at": now()})

    def record_portal_run(self, row: dict) -> None:
        with self.transaction():
            self.db["portal_runs"].upsert(row, pk=("run_id", "portal"))

    def keep_listing_resume(self, portal: str, url: str, page: int, reason: str, run_id: int | None) -> None:
        """Where a bound stopped the portal's listing walk: the next run goes on from this page."""
        with self.transaction():
            self.db["listing_resume"].upsert({"portal": portal, "url": url, "page": page, "reason": reason,
                                              "run_id": run_id, "stopped_at": now()}, pk="portal")

    def forget_listing_resume(self, portal: str) -> None:
        """The page a walk was to go on from is gone (a 404): the portal is walked from its start pages."""
        with self.transaction():
            self.conn.execute("DELETE FROM listing_resume WHERE portal = ?", (portal,))

    def recent_coverage(self, portal: str, before: int, runs: int = 10) -> list[dict]:
        """Field coverage of the portal's latest runs before this one (scraper.crawl.drift)."""
        rows = self.conn.execute(
            "SELECT coverage FROM portal_runs WHERE portal = ? AND run_id < ? AND coverage IS NOT NULL "
            "ORDER BY run_id DESC LIMIT ?", (portal, before, runs))
        return [json.loads(coverage) for (coverage,) in rows]

    def portal_runs(self, run_id: int) -> list[dict]:
        return list(self.db["portal_runs"].rows_where("run_id = ?", [run_id], order_by="portal"))

    def abort_stale_runs(self) -> list[int]:
        """Runs still marked running when no crawl holds the lock were killed: mark them aborted."""
        with self.transaction():
            stale = [row[0] for row in self.conn.execute("SELECT id FROM crawl_runs WHERE status = 'running'")]
            self.conn.execute("UPDATE crawl_runs SET status = 'aborted', message = 'the crawl process ended "
                              "before finishing (killed or crashed)', requests = max(requests, responses) "
                              "WHERE status = 'running'")
        return stale
