"""URL rules shared by page classes and spiders: which links and canonicals can be trusted.

A page names its own primary key through `rel=canonical`, so a hostile or broken template
could merge articles (a canonical that is the home page) or overwrite one (a canonical that
names another article). Page-level rules live here; the rules that need the whole run (a
canonical shared by many pages) live in `CanonicalGuard`.
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string

WEB_SCHEMES = ("http", "https")

# An absolute http(s) URL that both urljoin and w3lib's safe_url_string give back unchanged: a
# lower-case ASCII host without a port, then a path and maybe a query of characters neither of
# them escapes or rewrites (no quote, space, ';', '#', '|', '\\', non-ASCII; '%' only before two
# hex digits). Most image, canonical and attachment URLs look so; the test compares this with
# w3lib on every URL of the bundled pages and on variants built to break it. (One character class
# and a separate look at '%': an alternation per character made the match 4× slower.)
_UNCHANGED = re.compile(r"https?://[a-z0-9]+(?:[.-][a-z0-9]+)*(?:/[A-Za-z0-9._~!$&()*+,=:@/%-]*"
                        r"(?:\?[A-Za-z0-9._~!$&()*+,=:@/?%-]+)?)?")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _unchanged(url: str) -> bool:
    return _UNCHANGED.fullmatch(url) is not None and ("%" not in url or not _BAD_ESCAPE.search(url))


def same_site(host_a: str | None, host_b: str | None) -> bool:
    """Hosts equal but for case and a leading 'www.'."""
    def bare(host: str | None) -> str:
        return (host or "").lower().removeprefix("www.")
    return bool(host_a) and bare(host_a) == bare(host_b)


def absolute_url(base: str, href: str) -> str:
    """`href` as found on the page at `base`, made absolute and safe to request: exactly
    safe_url_string(urljoin(base, href)), without their ~7 µs when the URL is already both
    (a body ×16 has hundreds of images; bench/extraction.py)."""
    if _unchanged(href):
        return href
    joined = urljoin(base, href)
    return joined if _unchanged(joined) else safe_url_string(joined)


def link_url(base: str, href: str | None) -> str | None:
    """The http(s) URL a link written as `href` on the page at `base` leads to; None for an empty
    or fragment-only href, and for javascript:, mailto:, data: … which name no page or file."""
    href = (href or "").strip()
    if not href or href.startswith("#"):
        return None
    url = absolute_url(base, href)
    return url if is_web_url(url) else None


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
