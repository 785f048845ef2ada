"""URL rules shared by page classes and spiders: which links and canonicals can be trusted.

A page names its own primary key through `rel=canonical`, so a hostile or broken template
could merge articles (a canonical that is the home page) or overwrite one (a canonical that
names another article). Page-level rules live here; the rules that need the whole run (a
canonical shared by many pages) live in `CanonicalGuard`.
"""
from __future__ import annotations

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")


def same_site(host_a: str | None, host_b: str | None) -> bool:
    """Hosts equal but for case and a leading 'www.'."""
    def bare(host: str | None) -> str:
        return (host or "").lower().removeprefix("www.")
    return bool(host_a) and bare(host_a) == bare(host_b)


def is_web_url(url: str) -> bool:
    return urlsplit(url).scheme.lower() in WEB_SCHEMES


def canonical_problem(canonical: str, page_url: str) -> str | None:
    """Why a page's canonical URL cannot stand for the page, or None when it can."""
    parts = urlsplit(canonical)
    if parts.scheme.lower() not in WEB_SCHEMES:
        return f"canonical {canonical[:80]!r} is not an http(s) URL"
    if not same_site(parts.hostname, urlsplit(page_url).hostname):
        return f"canonical {canonical} is on another host"
    if not parts.path.strip("/") and not parts.query:
        return f"canonical {canonical} is the portal's home page"
    return None


class CanonicalGuard:
    """Run-level checks of canonicals that differ from the URL a page was fetched at.

    Such a canonical is refused when it is the URL of another article: one a listing of this
    run links, one the archive holds from another page, or one that another page of this run
    already claimed (a template that gives every page the same canonical).
    """

    def __init__(self, archived: dict[str, str] | None = None):
        self.archived = archived or {}          # canonical URL -> URL its page was fetched at
        self.listed: set[str] = set()           # article URLs the listings of this run link
        self.claims: dict[str, str] = {}        # canonical -> first fetched URL claiming it this run
        self.shared: dict[str, int] = {}        # canonical -> pages of this run refused it

    def listed_articles(self, urls: list[str]) -> None:
        self.listed.update(urls)

    def problem(self, canonical: str, fetched: str) -> str | None:
        if canonical == fetched:
            return None
        if canonical in self.listed:
            return f"canonical {canonical} is another article listed on the portal"
        if self.archived.get(canonical, fetched) != fetched:
            return f"canonical {canonical} is another archived article"
        first = self.claims.setdefault(canonical, fetched)
        if first != fetched:
            self.shared[canonical] = self.shared.get(canonical, 1) + 1
            return f"canonical {canonical} is shared by {self.shared[canonical]} pages of this run"
        return None
