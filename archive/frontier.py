"""The archive as the crawl frontier: what is known, what is due for a revisit, what to resume.

A crawl run makes a `scraper.model.Frontier` of this at its start, which `soyte crawl` hands each
spider (spiders never open the database). What grows with the archive's article count is asked
of SQLite when the spider needs it, with the indexes that make each question a lookup
(`ArchivedFrontier`, per URL; `DueRevisits`, per portal): a crawl of an archive of a million
articles sends its first request as soon as one of a thousand does, without its URLs in memory
(until 2026-12-07 every article's URL, page URL and validators were read into Python first: 33 s
and 813 MB at a million). What is bounded per portal is read at the start. It answers:
- is an article URL already archived (by canonical URL or by the URL it was fetched at)?
- which archived articles are older than the revisit age, with the validators (ETag,
  Last-Modified) their last capture carried, for conditional requests;
- which listing pages may be asked conditionally: only those fetched by a run that ran to its
  end, since a killed or interrupted run may have stored a listing page without fetching the
  articles it links to;
- which portals must walk all their listing pages because their last run did not walk them
  completely (killed, interrupted by a signal, failed, or a listing page that failed);
- which article pages failed before and are still not archived (tried again);
- which listing pages are archived (a canonical naming one is never an article's key);
- where a bound stopped a portal's listing walk (`listing_resume`): the walk goes on from there;
- which attached documents and images are archived, with their validators (asked conditionally),
  and which were skipped (over the size cap, a URL refused): those are not asked for again;
- which files archived articles link that no run settled (`pending_documents`: a crawl killed
  before fetching them): asked for again, whether or not their article is.
  These three are asked per URL, and per portal in batches (archive/frontier_files.py).
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from archive.revisits import is_due, parse_time
from archive.keys import listing_urls
from archive.frontier_files import MAX_RETRIES, TABLES as FILE_TABLES, ArchivedFiles
from scraper.model import FailureKind, Frontier
from scraper.portals.registry import UnknownPortal, get_portal

RETRIED_KINDS = (FailureKind.EXTRACTION, FailureKind.TRUNCATED, FailureKind.ERROR)  # and article-fetch failures but 4xx


def _validators(headers_json: str) -> dict[str, str]:
    headers = {k.lower(): v for k, v in json.loads(headers_json or "{}").items()}
    found = {}
    if headers.get("etag"):
        found["If-None-Match"] = headers["etag"]
    if headers.get("last-modified"):
        found["If-Modified-Since"] = headers["last-modified"]
    return found


def portal_host(portal: str) -> str | None:
    """The registry's host of a portal key (None for a key the registry no longer has)."""
    try:
        return get_portal(portal).host
    except UnknownPortal:
        return None


def last_walk_complete(conn: sqlite3.Connection, portal: str) -> bool:
    """Whether the last run that crawled `portal` walked all its listings and ran to its end.

    A portal never crawled is complete (nothing to resume). An archive written before
    `portal_runs.complete` existed has it null: that portal is walked in full once.
    """
    last = conn.execute(
        "SELECT r.status, pr.complete FROM crawl_runs r LEFT JOIN portal_runs pr ON pr.run_id = r.id "
        "AND pr.portal = ? WHERE r.status != 'running' AND (',' || r.portals || ',') LIKE ? "
        "ORDER BY r.id DESC LIMIT 1", (portal, f"%,{portal},%")).fetchone()
    return last is None or (last[0] in ("completed", "alarm") and last[1] == 1)


class DueRevisits(Mapping[str, list[str]]):
    """portal -> the archived articles due for a revisit (archive/revisits.py), read from SQLite
    the first time a spider asks for that portal's (after its listing requests are out), from the
    covering index articles(portal, last_seen, published, first_seen, url) (archive.schema): a list of ~1 % of the
    portal's articles a day, never the archive's whole article list in memory."""

    def __init__(self, conn: sqlite3.Connection, portals: list[str], revisit_after: timedelta | None,
                 now: datetime, newest: int) -> None:
        self.conn, self.portals, self.revisit_after, self.now, self.newest = conn, portals, revisit_after, now, newest
        self.read: dict[str, list[str]] = {}

    def __getitem__(self, portal: str) -> list[str]:
        if portal not in self.portals or self.revisit_after is None:
            raise KeyError(portal)
        if portal not in self.read:
            self.read[portal] = [
                url for url, last_seen, published, first_seen in self.conn.execute(
                    "SELECT url, last_seen, published, first_seen FROM articles "
                    "WHERE portal = ? AND rowid <= ?", (portal, self.newest))
                if is_due(url, parse_time(last_seen), parse_time(published) or parse_time(first_seen),
                          self.revisit_after, self.now)]
        return self.read[portal]

    def __iter__(self) -> Iterator[str]:
        return iter(self.portals if self.revisit_after is not None else ())

    def __len__(self) -> int:
        return len(self.portals) if self.revisit_after is not None else 0


class ArchivedFrontier:
    """The frontier's per-URL questions (scraper.model.ArchiveLookup), each an indexed lookup.

    Only the articles archived when the crawl run opened count (rowid <= `newest`: an article
    stored later in the run is not "known" to it, as when the frontier was read whole), and only
    those of the run's portals. Answers are kept in small caches: a listing's links are asked
    about several times (is it new, is the page all archived, is it another page's key)."""

    CACHE = 4096

    def __init__(self, conn: sqlite3.Connection, portals: list[str], newest: int) -> None:
        self.conn, self.newest = conn, newest
        self.marks, self.portals = ",".join("?" * len(portals)), tuple(portals)
        self.is_known = lru_cache(self.CACHE)(self._is_known)
        self.fetched_at = lru_cache(self.CACHE)(self._fetched_at)
        self.is_fetched_page = lru_cache(self.CACHE)(self._is_fetched_page)
        self.validators = lru_cache(self.CACHE)(self._validators)
        files = ArchivedFiles(conn, portals, newest)  # documents and images (archive/frontier_files.py)
        self.document_validators, self.is_document_skipped = files.document_validators, files.is_document_skipped
        self.pending_documents = files.pending_documents

    def _one(self, sql: str, url: str):
        return self.conn.execute(sql, (url, *self.portals, self.newest)).fetchone()

    def _is_known(self, url: str) -> bool:
        return self._one(ARTICLE_BY_KEY.format(what="1", marks=self.marks), url) is not None \
            or self._is_fetched_page(url)

    def _fetched_at(self, url: str) -> str | None:
        found = self._one(ARTICLE_BY_KEY.format(what="(SELECT p.url FROM pages p WHERE p.id = a.page_id)",
                                                marks=self.marks), url)
        return found[0] if found else None

    def _is_fetched_page(self, url: str) -> bool:
        return self._one(PAGE_OF_ARTICLE.format(what="1", status="", marks=self.marks), url) is not None

    def _validators(self, url: str) -> dict[str, str] | None:
        """A listing page's newest capture, if a run that finished fetched it (a 304 must never hide
        work a killed run left undone); else an archived article's page (HTTP 200)."""
        listing = self.conn.execute(NEWEST_LISTING, (url,)).fetchone()
        if listing is not None and listing[1] in FINISHED_RUNS:
            return _validators(listing[0])
        page = self._one(PAGE_OF_ARTICLE.format(what="p.headers", status="AND p.status = 200", marks=self.marks), url)
        return _validators(page[0]) if page else None


# The frontier's lookups, with the indexes they use (tests/test_million.py asserts the plans):
# articles' primary key; pages(url, sha256) then articles(page_id); pages(kind, url). A unary + keeps
# the planner off the portal index, which a small archive's statistics would make it choose.
ARTICLE_BY_KEY = "SELECT {what} FROM articles a WHERE a.url = ? AND +a.portal IN ({marks}) AND +a.rowid <= ?"
PAGE_OF_ARTICLE = ("SELECT {what} FROM pages p JOIN articles a ON a.page_id = p.id WHERE p.url = ? {status} "
                   "AND +a.portal IN ({marks}) AND +a.rowid <= ? LIMIT 1")
NEWEST_LISTING = ("SELECT p.headers, (SELECT r.status FROM crawl_runs r WHERE r.id = coalesce(p.last_run_id, p.run_id)) "
                  "FROM pages p WHERE p.kind = 'listing' AND p.url = ? AND p.status = 200 ORDER BY p.id DESC LIMIT 1")
FINISHED_RUNS = ("completed", "alarm")


# The tables the crawl asks per URL once it runs: a damaged one must stop the crawl before its first
# request (scraper.crawl.run.cannot_start), as reading the frontier whole did, not halfway through.
ASKED_PER_URL = ("articles", "pages", *FILE_TABLES)


def probe_tables(conn: sqlite3.Connection, tables: tuple[str, ...]) -> None:
    """Read the first row of each table's own b-tree (NOT INDEXED: a covering index would answer
    without it); raises sqlite3.DatabaseError on a damaged one."""
    for table in tables:
        conn.execute(f"SELECT rowid FROM [{table}] NOT INDEXED LIMIT 1").fetchall()


def retries_sql(portals: int) -> str:
    """The failed article URLs of `portals` portals worth another try, with their tries: read along
    failures(portal, url), so a crawl's start reads its portals' failures, not the archive's."""
    return (f"SELECT url, portal, count(*) FROM failures WHERE (kind IN {RETRIED_KINDS} OR "
            f"(kind = '{FailureKind.ARTICLE_FETCH}' AND (status IS NULL OR status >= 500))) "
            f"AND portal IN ({','.join('?' * portals)}) GROUP BY url, portal")


def newest_article(conn: sqlite3.Connection) -> int:
    """The rowid of the newest article row: the frontier's bound (an article stored after it is this run's)."""
    return conn.execute("SELECT coalesce(max(rowid), 0) FROM articles").fetchone()[0]


def load_frontier(conn: sqlite3.Connection, portals: list[str], revisit_after: timedelta | None,
                  now: datetime | None = None) -> Frontier:
    """The frontier of these portals: what grows with the archive (archived articles, their pages
    and validators, revisits, archived files, their validators and pending links) is asked of
    SQLite per URL or per portal when the spider needs it; what is bounded per portal (listing
    pages, failures, where a walk stopped) is read here."""
    now = now or datetime.now(timezone.utc)
    probe_tables(conn, ASKED_PER_URL)
    newest = newest_article(conn)
    frontier = Frontier(archive=ArchivedFrontier(conn, portals, newest),
                        due=DueRevisits(conn, portals, revisit_after, now, newest))
    marks = ",".join("?" * len(portals))
    # A canonical naming a listing page is refused (scraper.extraction.urls.CanonicalGuard): these portals' ones.
    frontier.listings = listing_urls(conn, [host for portal in portals if (host := portal_host(portal))])
    for portal in portals:
        if not last_walk_complete(conn, portal):
            frontier.resume.add(portal)
    # Where a bound stopped a portal's listing walk: this run goes on from there (spiders/listing_walk.py).
    for portal, url, page in conn.execute(
            f"SELECT portal, url, page FROM listing_resume WHERE portal IN ({marks})", portals):
        frontier.walk_from[portal] = (url, page)
    # 404 and other 4xx are final; network errors, 5xx, truncated pages, extraction failures and
    # unforeseen errors are worth another try.
    for url, portal, tries in conn.execute(retries_sql(len(portals)), portals):
        if tries < MAX_RETRIES and not frontier.is_known(url):
            frontier.retry.setdefault(portal, []).append(url)
    # Attached documents and images (their validators, what was skipped, what a killed crawl left
    # unfetched) are asked per URL, and per portal in batches: archive/frontier_files.py.
    return frontier
