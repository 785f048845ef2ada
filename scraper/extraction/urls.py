"""URL rules shared by page classes and spiders: which links and canonicals can be trusted.

A page names its own primary key through `rel=canonical`, so a hostile or broken template
could merge articles (a canonical that is the home page) or overwrite one (a canonical that
names another article). Page-level rules live here; the rules that need the whole run (a
canonical shared by many pages) live in `CanonicalGuard`. `article_key` is the one rule that
turns a URL into an article's key, for the spider, `reextract` and `import-warc` alike, and
`settled_key` the one rule for which key a record keeps (its canonical, or the fetched URL's).
"""
from __future__ import annotations

import re
from typing import Callable, Container, Iterable
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string, url_query_cleaner

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


def within_host(host: str, site: str) -> bool:
    """`host` is the site's host or one of its subdomains: the registry's rule for which portal serves
    a URL and whether a start URL or a saved page is on a portal's host, and the redirect guard's for
    where a crawl may be led (scraper.middlewares). Two host rules differ on purpose: attachments
    are fetched from their article's exact host only (spiders.documents.on_host: a subdomain may be
    anyone's), and a canonical may drop or add 'www.' (`same_site`)."""
    return host == site or host.endswith("." + site)


def same_site(host_a: str | None, host_b: str | None) -> bool:
    """Hosts equal but for case and a leading 'www.': a page's canonical may name its site either way
    and still be the page's own (`canonical_problem`); unlike `within_host`, no other subdomain is."""
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


# Parameters that never name an article when a layout names none: listings add them to links.
DROP_PARAMS = ("redirect",)


def article_key(url: str, drop_params: Iterable[str] = DROP_PARAMS) -> str:
    """The key an article is archived under when it is reached at `url`: without its fragment
    (a place in the page, not another page) and without the parameters the layout drops (Liferay's
    `redirect=` names the listing a link was on, not the article). One rule for every URL that
    can become a key: listing links, fetched URLs, canonicals, imported captures."""
    return url_query_cleaner(url, tuple(drop_params), remove=True)


def is_home_page(url: str) -> bool:
    """The root of a site, without a query: a portal's home page, never an article."""
    parts = urlsplit(url)
    return not parts.path.strip("/") and not parts.query


def canonical_problem(canonical: str, page_url: str) -> str | None:
    """Why a page's canonical URL cannot stand for the page, or None when it can.

    A canonical at the site's root is refused whatever its query (`/?x=1`): a template that
    points every page at the home page, not one article's address."""
    parts = urlsplit(canonical)
    if parts.scheme.lower() not in WEB_SCHEMES:
        return f"canonical {canonical[:80]!r} is not an http(s) URL"
    if not same_site(parts.hostname, urlsplit(page_url).hostname):
        return f"canonical {canonical} is on another host"
    if not parts.path.strip("/"):
        return f"canonical {canonical} is the portal's home page"
    return None


def settled_key(fetched: str, canonical: str, problem: Callable[[str], str | None]) -> tuple[str, str | None]:
    """The one rule for the `url` a record is stored under, and the warning when a canonical is refused.

    The page's canonical (as a key) unless `problem` says why it cannot stand for the page; else
    `fetched`, the key of the URL the page was fetched at. A page judges its canonical alone
    (`canonical_key`); a run, against every page it knows (CanonicalGuard)."""
    if canonical == fetched:
        return fetched, None
    refused = problem(canonical)
    return (fetched, f"{refused}; kept the fetched URL") if refused else (canonical, None)


def canonical_key(page_url: str, canonical: str | None,
                  drop_params: Iterable[str] = DROP_PARAMS) -> tuple[str, str | None]:
    """The key a page fetched at `page_url` names for itself through its canonical (an absolute URL,
    or None when it names none), both made keys with the layout's `drop_params`, settled by
    `canonical_problem`: what the layouts' page classes and the generic extractor both store."""
    drop = tuple(drop_params)
    fetched = article_key(page_url, drop)
    claimed = article_key(canonical, drop) if canonical is not None else fetched
    return settled_key(fetched, claimed, lambda key: canonical_problem(key, page_url))


class CanonicalGuard:
    """Run-level checks of canonicals that differ from the (normalised) URL a page was fetched at.

    A canonical is trusted only when it names a URL not known as another page: it is refused
    when it is a listing page (a start URL, or one the listing walk fetched, in this run or an
    archived one), an article a listing of this run links, the key of an article archived from
    another page, the URL another archived article page was fetched at, or a URL another page of
    this run already claimed (a template that gives every page the same canonical). A page
    archived under its own URL keeps that key. What no check can know yet (a victim that only a
    later listing page reveals) the store puts right: archive/keys.py.
    """

    def __init__(self, archived: dict[str, str] | None = None, pages: Iterable[str] = (),
                 listings: Iterable[str] = (), archived_pages: Container[str] = frozenset()):
        self.archived = archived or {}          # canonical URL -> URL its page was fetched at (`get`)
        self.pages: set[str] = set(pages)       # URLs archived article pages were fetched at
        self.archived_pages = archived_pages    # the same, asked per URL (a crawl's frontier: scraper.model)
        self.listings: set[str] = set(listings)  # listing pages: start URLs, walked, archived
        self.listed: set[str] = set()           # article URLs the listings of this run link
        self.claims: dict[str, str] = {}        # canonical -> first fetched URL claiming it this run
        self.own: set[str] = set()              # pages of this run keyed by their own URL
        self.shared: dict[str, int] = {}        # canonical -> pages of this run refused it

    def listed_articles(self, urls: list[str]) -> None:
        self.listed.update(urls)

    def listing_pages(self, urls: Iterable[str]) -> None:
        """Listing pages the walk fetches: never an article's key."""
        self.listings.update(urls)

    def not_an_article(self, key: str) -> str | None:
        """Why a page at this key is no article (the home page, a listing page), or None."""
        if is_home_page(key):
            return f"{key} is the portal's home page, not an article"
        if key in self.listings:
            return f"{key} is a listing page of the portal, not an article"
        return None

    def problem(self, canonical: str, fetched: str) -> str | None:
        if canonical == fetched:
            return None
        if canonical in self.listings:
            return f"canonical {canonical} is a listing page of the portal"
        if canonical in self.listed:
            return f"canonical {canonical} is another article listed on the portal"
        if self.archived.get(canonical, fetched) != fetched:
            return f"canonical {canonical} is another archived article"
        if canonical in self.own:
            return f"canonical {canonical} is another article of this run"
        if canonical in self.pages or canonical in self.archived_pages:
            return f"canonical {canonical} is another archived page"
        if self.archived.get(fetched) == fetched:
            return f"canonical {canonical} differs from the key {fetched} this page is archived under"
        first = self.claims.setdefault(canonical, fetched)
        if first != fetched:
            self.shared[canonical] = self.shared.get(canonical, 1) + 1
            return f"canonical {canonical} is shared by {self.shared[canonical]} pages of this run"
        return None

    def settle(self, record: dict, fetched: str) -> str | None:
        """Key the record by its canonical when it can be trusted, else by `fetched` (the page's
        own normalised URL); returns the warning that says why the canonical was refused."""
        record["url"], warning = settled_key(fetched, record["url"], lambda canonical: self.problem(canonical, fetched))
        if record["url"] == fetched:
            self.own.add(fetched)
        return warning
