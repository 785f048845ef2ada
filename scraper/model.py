"""The words every part of soyte shares, and nothing else: the article record's fields, the kinds
of failure a crawl records, the exit statuses, and the frontier a spider is handed.

Every part may import this module, and it imports no part: a rule that two parts must agree on
(which fields a record has, what "listing-fetch" means, that 3 is "another crawl holds the archive")
is written here once. docs/ARCHITECTURE.md shows the parts.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

# The article record (scraper/demo_portals/LAYOUTS.md), in the order records are printed, exported
# and stored. `portal` and `province` come from the registry; every other field is read from the page.
RECORD_KEYS = ("url", "portal", "province", "title", "published", "category", "sapo",
               "text", "author", "source", "views", "images", "attachments")
FROM_REGISTRY = ("portal", "province")
PAGE_KEYS = tuple(key for key in RECORD_KEYS if key not in FROM_REGISTRY)  # what an annotated page shows


class FailureKind:
    """What went wrong, as stored in the archive's `failures.kind` column (and shown by Datasette).

    Plain strings, so that the archive, SQL and exports read them as they always have."""

    EXTRACTION = "extraction"        # a required field of the layout matched nothing
    TRUNCATED = "truncated"          # the page ends before </html>: its bytes kept, no partial article
    LAYOUT = "layout"                # the portal's layout file does not load
    NOT_ARTICLE = "not-article"      # the page is the portal's home page or a listing page
    ERROR = "error"                  # extraction raised what no rule expected
    NOT_HTML = "not-html"            # an article link served something that is not a web page
    LISTING = "listing"              # a listing page whose container the layout cannot find
    LISTING_ERROR = "listing-error"  # reading a listing page raised what no rule expected
    ARTICLE_FETCH = "article-fetch"  # an article page that failed through every retry
    LISTING_FETCH = "listing-fetch"  # a listing page (or sitemap) that failed through every retry
    DOCUMENT_FETCH = "document-fetch"      # an attached document that could not be fetched
    DOCUMENT_SKIPPED = "document-skipped"  # an attached document refused (size cap, over-long URL)
    DOCUMENT_TEXT = "document-text"        # a fetched document whose text could not be read
    DAMAGED_PAGE = "damaged-page"    # a stored page whose bytes no longer decompress
    UNKNOWN_PORTAL = "unknown-portal"  # reextract: no portal serves the page's host
    WARNING = "warning"              # stored, with a remark (a canonical refused, a key given back)

    EXTRACTION_FAILURES = (EXTRACTION, ERROR)  # counted as extraction failures of a run; the rest as fetch failures
    DOCUMENT_FAILURES = (DOCUMENT_FETCH, DOCUMENT_SKIPPED)  # counted in one line per portal


def fetch_failure(kind: str) -> str:
    """The failure kind of a request of this kind ("listing", "article", "document") that failed through every retry."""
    return f"{kind}-fetch"


# Exit statuses of `soyte` and `scrapy crawl`: 0 ok, 1 the crawl or a check found problems (a
# portal's alarm), 2 a usage error, 3 another crawl holds the archive, 4 the archive cannot be
# written, 5 an optional extra is not installed. A crawl stopped by a signal exits 128 + its number.
EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, EXIT_LOCKED, EXIT_STORAGE, EXIT_MISSING_EXTRA = 0, 1, 2, 3, 4, 5

NOT_MODIFIED = 304  # the HTTP status of a conditional request whose page has not changed


# A listing page (or sitemap) answering a 4xx is final, as an article's is: walking the portal again
# would meet the same answer, so it leaves the portal's walk complete (archive.store.finish_run).
# 408 and 429 (the server was busy) are not final: the next run walks the listings again.
TRANSIENT_4XX = (408, 429)


def final_listing_failure(status: int | None) -> bool:
    """Whether a listing page that could not be fetched with this HTTP status is final (no network error is)."""
    return status is not None and status < 500 and status not in TRANSIENT_4XX


class ArchiveLookup(Protocol):
    """The per-URL questions a frontier asks of the archive (archive/frontier.py `ArchivedFrontier`
    answers them with indexed SQLite lookups), so that nothing proportional to the archive's
    article count is read into memory when a crawl starts."""

    def is_known(self, url: str) -> bool:
        """An archived article's key, or the URL an archived article's page was fetched at."""

    def fetched_at(self, url: str) -> str | None:
        """The URL the page of the article archived under this key was fetched at."""

    def is_fetched_page(self, url: str) -> bool:
        """Whether an archived article's page was fetched at this URL."""

    def validators(self, url: str) -> dict[str, str] | None:
        """Conditional headers of this URL's capture (None: no capture a request may be conditioned on)."""

    def document_validators(self, url: str) -> dict[str, str] | None:
        """Conditional headers of an archived file's (document's or image's) newest capture; None
        for a file a link to which no run settled (its text must be read: no 304)."""

    def is_document_skipped(self, url: str) -> bool:
        """Whether an earlier run skipped this file (over the size cap, a URL refused): not asked again."""

    def pending_documents(self, portal: str) -> Iterator[tuple[str, str, str]]:
        """(article URL, file URL, link kind) of the portal's archived articles' links no run settled."""


@dataclass
class Frontier:
    """What a crawl knows before it starts: the frontier a spider is handed.

    `soyte crawl` builds it from the archive (archive/frontier.py `load_frontier`) and passes it to
    each spider, so a spider never opens the database nor imports `archive/`: it only asks whether a
    URL is known, which conditional headers to send, and whether to stop paginating. What grows
    with the archive's article count is asked of `archive` per URL; the sets and dicts below hold
    what a frontier made in memory knows (a test's, or one with no archive behind it).
    """

    known: set[str] = field(default_factory=set)
    due: Mapping[str, Iterable[str]] = field(default_factory=dict)   # portal -> article URLs to revisit
    validators: dict[str, dict[str, str]] = field(default_factory=dict)  # URL -> conditional headers
    resume: set[str] = field(default_factory=set)                    # portals whose last run did not complete
    retry: dict[str, list[str]] = field(default_factory=dict)        # portal -> failed, unarchived URLs
    fetched_at: dict[str, str] = field(default_factory=dict)         # archived URL -> URL its page came from
    listings: set[str] = field(default_factory=set)                  # archived listing pages: never an article
    document_validators: dict[str, dict[str, str]] = field(default_factory=dict)  # document URL -> conditional headers
    document_skipped: set[str] = field(default_factory=set)  # document URLs an earlier run skipped: not asked again
    # portal -> (article URL, file URL, link kind) of links whose file no run settled (a killed crawl): asked again
    pending_documents: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    # portal -> (listing URL, its page number in the walk) where a bound stopped an earlier run's walk
    walk_from: dict[str, tuple[str, int]] = field(default_factory=dict)
    archive: ArchiveLookup | None = None  # the archive's answers per URL, beside the facts above

    def is_known(self, url: str) -> bool:
        return url in self.known or (self.archive is not None and self.archive.is_known(url))

    def page_of(self, url: str) -> str | None:
        """The URL the page of the article archived under this key was fetched at (None: not archived)."""
        found = self.fetched_at.get(url)
        if found is None and self.archive is not None:
            found = self.archive.fetched_at(url)
        return found

    def is_fetched_page(self, url: str) -> bool:
        """Whether an archived article's page was fetched at this URL."""
        return url in self.fetched_at.values() or (self.archive is not None and self.archive.is_fetched_page(url))

    def validators_of(self, url: str) -> dict[str, str] | None:
        found = self.validators.get(url)
        if found is None and self.archive is not None:
            found = self.archive.validators(url)
        return found

    def document_headers(self, url: str) -> dict[str, str]:
        """The conditional headers of a request for an attached file or image ({}: asked plainly)."""
        found = self.document_validators.get(url)
        if found is None and self.archive is not None:
            found = self.archive.document_validators(url)
        return found or {}

    def is_document_skipped(self, url: str) -> bool:
        return url in self.document_skipped or (self.archive is not None and self.archive.is_document_skipped(url))

    def pending_documents_of(self, portal: str) -> Iterator[tuple[str, str, str]]:
        """The links of the portal's archived articles whose file no run settled (a killed crawl's), asked again."""
        yield from self.pending_documents.get(portal, [])
        if self.archive is not None:
            yield from self.archive.pending_documents(portal)

    def listing_walked(self, url: str) -> bool:
        """Whether a finished run fetched this page (it has validators): a listing's next page so
        fetched is ground covered before, which a walk going on from an earlier stop leaves behind."""
        return self.validators_of(url) is not None

    def conditional_headers(self, url: str, portal: str, kind: str) -> dict[str, str]:
        if kind == "listing" and portal in self.resume:
            return {}
        return self.validators_of(url) or {}

    def archived_keys(self) -> "ArchivedKeys":
        """The archived keys with the URL each page was fetched at, as scraper.extraction.urls.CanonicalGuard asks."""
        return ArchivedKeys(self)

    def archived_pages(self) -> "ArchivedPages":
        """The URLs archived article pages were fetched at, as CanonicalGuard asks (`in`)."""
        return ArchivedPages(self)

    def stop_paginating(self, portal: str, article_urls: list[str]) -> bool:
        """Stop after a listing page that holds only archived articles, unless resuming."""
        return portal not in self.resume and bool(article_urls) and all(map(self.is_known, article_urls))


@dataclass(frozen=True)
class ArchivedKeys:
    """archived key -> URL its page was fetched at, asked of the frontier one key at a time (`get`)."""

    frontier: Frontier

    def get(self, url: str, default: str | None = None) -> str | None:
        found = self.frontier.page_of(url)
        return default if found is None else found


@dataclass(frozen=True)
class ArchivedPages:
    """The URLs archived article pages were fetched at, asked of the frontier one URL at a time (`in`)."""

    frontier: Frontier

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and self.frontier.is_fetched_page(url)
