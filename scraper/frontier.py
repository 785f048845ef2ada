"""What a crawl knows before it starts, as plain facts: the frontier a spider is handed.

`soyte crawl` reads it from the archive (archive/frontier.py `load_frontier`) and passes it to
each spider, so a spider never opens the database nor imports `archive/`: it only asks whether a
URL is known, which conditional headers to send, and whether to stop paginating.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# A listing page (or sitemap) answering a 4xx is final, as an article's is: walking the portal again
# would meet the same answer, so it leaves the portal's walk complete (archive.store.finish_run).
# 408 and 429 (the server was busy) are not final: the next run walks the listings again.
TRANSIENT_4XX = (408, 429)


def final_listing_failure(status: int | None) -> bool:
    """Whether a listing page that could not be fetched with this HTTP status is final (no network error is)."""
    return status is not None and status < 500 and status not in TRANSIENT_4XX


@dataclass
class Frontier:
    known: set[str] = field(default_factory=set)
    due: dict[str, list[str]] = field(default_factory=dict)          # portal -> article URLs to revisit
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

    def is_known(self, url: str) -> bool:
        return url in self.known

    def listing_walked(self, url: str) -> bool:
        """Whether a finished run fetched this page (it has validators): a listing's next page so
        fetched is ground covered before, which a walk going on from an earlier stop leaves behind."""
        return url in self.validators

    def conditional_headers(self, url: str, portal: str, kind: str) -> dict[str, str]:
        if kind == "listing" and portal in self.resume:
            return {}
        return self.validators.get(url, {})

    def stop_paginating(self, portal: str, article_urls: list[str]) -> bool:
        """Stop after a listing page that holds only archived articles, unless resuming."""
        return portal not in self.resume and bool(article_urls) and all(map(self.is_known, article_urls))
