"""What a crawl knows before it starts, as plain facts: the frontier a spider is handed.

`soyte crawl` reads it from the archive (archive/frontier.py `load_frontier`) and passes it to
each spider, so a spider never opens the database nor imports `archive/`: it only asks whether a
URL is known, which conditional headers to send, and whether to stop paginating.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Frontier:
    known: set[str] = field(default_factory=set)
    due: dict[str, list[str]] = field(default_factory=dict)          # portal -> article URLs to revisit
    validators: dict[str, dict[str, str]] = field(default_factory=dict)  # URL -> conditional headers
    resume: set[str] = field(default_factory=set)                    # portals whose last run did not complete
    retry: dict[str, list[str]] = field(default_factory=dict)        # portal -> failed, unarchived URLs
    fetched_at: dict[str, str] = field(default_factory=dict)         # archived URL -> URL its page came from
    document_validators: dict[str, dict[str, str]] = field(default_factory=dict)  # document URL -> conditional headers

    def is_known(self, url: str) -> bool:
        return url in self.known

    def conditional_headers(self, url: str, portal: str, kind: str) -> dict[str, str]:
        if kind == "listing" and portal in self.resume:
            return {}
        return self.validators.get(url, {})

    def stop_paginating(self, portal: str, article_urls: list[str]) -> bool:
        """Stop after a listing page that holds only archived articles, unless resuming."""
        return portal not in self.resume and bool(article_urls) and all(map(self.is_known, article_urls))
