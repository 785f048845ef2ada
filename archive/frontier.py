"""The archive as the crawl frontier: what is known, what is due for a revisit, what to resume.

A crawl run reads this once at its start into a `scraper.model.Frontier`, plain facts that
`soyte crawl` hands each spider (spiders never open the database). It answers:
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
- which attached documents are archived, with their validators (asked conditionally), and which
  were skipped (over the size cap, a URL refused): those are not asked for again;
- which files archived articles link that no run settled (`pending_documents`: a crawl killed
  before fetching them): asked for again, whether or not their article is.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

from archive.revisits import is_due, parse_time
from archive.keys import listing_urls
from archive.documents import TEXT_NOT_DONE, conditional_headers
from scraper.model import FailureKind, Frontier
from scraper.portals.registry import UnknownPortal, get_portal

MAX_RETRIES = 3  # an article page that failed this many runs is left to a person (see `failures`)
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


def pending_documents(conn: sqlite3.Connection, portals: list[str]) -> dict[str, list[tuple[str, str, str]]]:
    """portal -> (article URL, file URL, link kind) of each link of an archived article whose file no
    run has settled: no capture of it, or one whose text step did not complete (TEXT_NOT_DONE); no
    page (a web page where a file was expected); no final failure (a 4xx, skipped); fewer than
    MAX_RETRIES failed fetches (5xx, network). A crawl killed between an article's write and its
    files' is finished this way, although the article is archived and not fetched again; a run
    with nothing pending asks for no file."""
    failed: dict[str, tuple[int, int]] = {}  # URL -> (fetches worth another try, final failures)
    for url, retried, final in conn.execute(
            f"SELECT url, sum(kind = '{FailureKind.DOCUMENT_FETCH}' AND (status IS NULL OR status >= 500)), "
            f"sum(NOT (kind = '{FailureKind.DOCUMENT_FETCH}' AND (status IS NULL OR status >= 500))) FROM failures "
            f"WHERE kind IN {FailureKind.DOCUMENT_FAILURES} GROUP BY url"):
        failed[url] = (retried, final)
    marks = ",".join("?" * len(portals))
    not_done = ",".join("?" * len(TEXT_NOT_DONE))
    pending: dict[str, list[tuple[str, str, str]]] = {}
    for portal, article_url, url, kind in conn.execute(
            f"SELECT a.portal, l.article_url, l.url, l.kind FROM document_links l "
            f"JOIN articles a ON a.url = l.article_url WHERE a.portal IN ({marks}) "
            f"AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = l.url) AND ("
            f"NOT EXISTS (SELECT 1 FROM document_captures c WHERE c.url = l.url) OR EXISTS (SELECT 1 FROM "
            f"document_captures c JOIN documents d ON d.sha256 = c.sha256 WHERE c.url = l.url AND "
            f"(d.text_status IS NULL OR d.text_status IN ({not_done})))) ORDER BY l.article_url, l.url",
            (*portals, *TEXT_NOT_DONE)):
        retried, final = failed.get(url, (0, 0))
        if not final and retried < MAX_RETRIES:
            pending.setdefault(portal, []).append((article_url, url, kind))
    return pending


def load_frontier(conn: sqlite3.Connection, portals: list[str], revisit_after: timedelta | None,
                  now: datetime | None = None) -> Frontier:
    """Read the frontier for these portals from the archive."""
    now = now or datetime.now(timezone.utc)
    frontier = Frontier()
    marks = ",".join("?" * len(portals))
    # Revisits spread over each article's interval, longer for older news (archive/revisits.py).
    for url, portal, last_seen, published, first_seen in conn.execute(
            f"SELECT url, portal, last_seen, published, first_seen FROM articles WHERE portal IN ({marks})",
            portals):
        frontier.known.add(url)
        if revisit_after is not None and is_due(url, parse_time(last_seen),
                                                parse_time(published) or parse_time(first_seen),
                                                revisit_after, now):
            frontier.due.setdefault(portal, []).append(url)
    # The URL an archived article was fetched at is known too (it may differ from the canonical one);
    # a page stored without its article (the crawl was killed in between) is not.
    for article_url, url in conn.execute(
            f"SELECT a.url, p.url FROM articles a JOIN pages p ON p.id = a.page_id WHERE a.portal IN ({marks})",
            portals):
        frontier.known.add(url)
        frontier.fetched_at[article_url] = url
    # A canonical naming a listing page is refused (scraper.extraction.urls.CanonicalGuard): these portals' ones.
    frontier.listings = listing_urls(conn, [host for portal in portals if (host := portal_host(portal))])
    # Validators for conditional requests: an archived article's capture, and listing pages fetched
    # by a run that finished (a 304 must never hide work a killed run left undone).
    for url, headers in conn.execute(
            f"SELECT p.url, p.headers FROM articles a JOIN pages p ON p.id = a.page_id WHERE p.status = 200 "
            f"AND a.portal IN ({marks})", portals):
        frontier.validators[url] = _validators(headers)
    for url, headers in conn.execute(
            "SELECT p.url, p.headers FROM pages p JOIN "
            "(SELECT max(id) AS id FROM pages WHERE status = 200 AND kind = 'listing' GROUP BY url) newest "
            "ON newest.id = p.id JOIN crawl_runs r ON r.id = coalesce(p.last_run_id, p.run_id) "
            "WHERE r.status IN ('completed', 'alarm')"):
        frontier.validators[url] = _validators(headers)
    for portal in portals:
        if not last_walk_complete(conn, portal):
            frontier.resume.add(portal)
    # Where a bound stopped a portal's listing walk: this run goes on from there (spiders/listing_walk.py).
    for portal, url, page in conn.execute(
            f"SELECT portal, url, page FROM listing_resume WHERE portal IN ({marks})", portals):
        frontier.walk_from[portal] = (url, page)
    # 404 and other 4xx are final; network errors, 5xx, truncated pages, extraction failures and
    # unforeseen errors are worth another try.
    for url, portal, tries in conn.execute(
            f"SELECT url, portal, count(*) FROM failures WHERE (kind IN {RETRIED_KINDS} OR "
            f"(kind = '{FailureKind.ARTICLE_FETCH}' AND (status IS NULL OR status >= 500))) "
            f"AND portal IN ({marks}) GROUP BY url, portal", portals):
        if tries < MAX_RETRIES and url not in frontier.known:
            frontier.retry.setdefault(portal, []).append(url)
    frontier.document_validators = conditional_headers(conn)
    frontier.pending_documents = pending_documents(conn, portals)
    for links in frontier.pending_documents.values():  # a 304 would leave a file's text unread for good
        for _article_url, url, _kind in links:
            frontier.document_validators.pop(url, None)
    # Over the size cap, or a URL refused unfetched (control characters, over-long): the next run's
    # answer would be the same, so it is not asked again (the failures row stays for a person).
    frontier.document_skipped = {url for (url,) in conn.execute(
        f"SELECT DISTINCT url FROM failures WHERE kind = '{FailureKind.DOCUMENT_SKIPPED}'")}
    return frontier
