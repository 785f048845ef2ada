"""Learning a layout's listing rules (for `soyte learn`, scraper/learn/layout.py): the links to the
manifest's articles, the links to its other listing pages, the listing's container, and the
query parameters listings add to article links that never name the article (Liferay's redirect=).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from lxml import etree
from w3lib.url import url_query_cleaner

from scraper.extraction.urls import link_url
from scraper.extraction.visible import tag_of
from scraper.learn.candidates import contextual_selectors, lowest_common_ancestor, own_selectors, ranked
from scraper.learn.examples import ListingExample


def extra_params(link: str, target: str) -> set[str] | None:
    """Query parameters of `link` that `target` lacks, when removing them gives `target`."""
    link_parts, target_parts = urlsplit(link), urlsplit(target)
    if (link_parts.netloc, link_parts.path) != (target_parts.netloc, target_parts.path):
        return None
    extra = {name for name, _ in parse_qsl(link_parts.query, keep_blank_values=True)} - {
        name for name, _ in parse_qsl(target_parts.query, keep_blank_values=True)}
    return extra if url_query_cleaner(link, sorted(extra), remove=True) == target else None


def learn_drop_params(listings: list[ListingExample]) -> list[str]:
    params: set[str] = set()
    for listing in listings:
        for link in listing.page.sel.root.iter("a"):
            url = link_url(listing.url, link.get("href"))
            if url and url not in listing.articles:
                for target in listing.articles:
                    extra = extra_params(url, target)
                    if extra:
                        params |= extra
    return sorted(params)


def _links(listing: ListingExample, css: str, drop_params: list[str]) -> set[str]:
    found = set()
    for href in listing.page.css(css):
        url = link_url(listing.url, href if isinstance(href, str) else "")
        if url:
            found.add(url_query_cleaner(url, drop_params, remove=True) if drop_params else url)
    return found


def _targets(listing: ListingExample, wanted: set[str], drop_params: list[str]) -> list[etree._Element]:
    anchors = []
    for link in listing.page.sel.root.iter("a"):
        url = link_url(listing.url, link.get("href"))
        if url and url_query_cleaner(url, drop_params, remove=True) in wanted:
            anchors.append(link)
    return anchors


def learn_links(listings: list[ListingExample], kind: str, drop_params: list[str]) -> tuple[list[str], int]:
    """(selectors ending in ::attr(href), links found that are not in the manifest) for the
    article links (kind 'articles') or the other listing pages ('pagination': learn_pagination)."""
    if kind == "pagination":
        return learn_pagination(listings, drop_params)
    pool: list[tuple[int, str]] = []
    wanted = {}
    for listing in listings:
        targets = listing.articles if kind == "articles" else listing.listings - {listing.url}
        anchors = _targets(listing, targets, drop_params)
        wanted[listing.name] = {url_query_cleaner(link_url(listing.url, a.get("href")), drop_params, remove=True)
                                for a in anchors}
        pool += [(cost, f"{css}::attr(href)") for a in anchors for cost, css in contextual_selectors(a, depth=4)]
    best, best_score = [], None
    for css in ranked(pool, limit=600, field=kind):
        found = {listing.name: _links(listing, css, drop_params) for listing in listings}
        score = _score(listings, found, wanted)
        if score[0] and (best_score is None or score > best_score):
            best, best_score = [css], score
    return best, -best_score[1] if best_score else 0


def _score(listings: list[ListingExample], found: dict[str, set[str]], wanted: dict[str, set[str]]) -> tuple:
    """How well a selector finds a listing's own links, higher is better.

    First the links particular to each page (a sidebar of latest news links the same articles on
    every listing page; the listing itself links other articles on each), then fewer links that
    are not the manifest's, then how many of the manifest's it reaches in all.
    """
    hits = {name: found[name] & wanted[name] for name in found}
    everywhere = set.intersection(*hits.values()) if len(hits) > 1 else set()
    particular = sum(len(h - everywhere) for h in hits.values())
    others = sum(len(found[name] - wanted[name]) for name in found)
    return particular + (len(everywhere) if len(hits) == 1 else 0), -others, len(set().union(*hits.values()))


def learn_container(listings: list[ListingExample], drop_params: list[str], articles: list = ()) -> list[str]:
    """The element holding a listing page's article links, named so that it exists on every listing
    page, and preferably on no article page (its absence is what says a listing was redesigned)."""
    pool: list[tuple[int, str]] = []
    for listing in listings:
        anchors = _targets(listing, listing.articles, drop_params)
        common = lowest_common_ancestor(anchors)
        while common is not None and not [c for c in own_selectors(common) if c[1][0] in "#." or "[" in c[1]]:
            common = common.getparent()
        if common is not None:
            pool += list(contextual_selectors(common, depth=2))
    everywhere = [css for css in ranked(pool) if all(listing.page.css(css) for listing in listings)]
    particular = [css for css in everywhere if not any(example.page.css(css) for example in articles)]
    return (particular or everywhere)[:1]


def _own_anchors(listing: ListingExample, articles: list[str], drop_params: list[str]) -> list[etree._Element]:
    """The links the learnt article selectors find on a listing page (its own articles, not a
    sidebar's), else the links to any of the manifest's articles."""
    anchors = [node for css in articles for node in listing.page.css(css.removesuffix("::attr(href)"))
               if not isinstance(node, str)]
    return anchors or _targets(listing, listing.articles, drop_params)


def holds_the_listing(listing: ListingExample, css: str, anchors: list[etree._Element]) -> bool:
    """The container is on the page (as ListingPage.has_listing finds it) and holds one of its article links."""
    found = [node for node in listing.page.css(css) if not isinstance(node, str)]
    return any(any(ancestor in found for ancestor in anchor.iterancestors()) for anchor in anchors)


def learn_listing_container(listings: list[ListingExample], drop_params: list[str], articles: list[str],
                            examples: list = (), other_pages: list = ()) -> list[str]:
    """The listing's container, checked on every listing page given: learn_container's choice where
    it holds each page's own article links there; else (it found none: the manifest's articles are
    linked from a band outside every named element, or it holds no link of some page) the cheapest selector
    of an element holding the article links that is found, holding them, on every listing page
    (page 1's 'featured' block and the wrapper around it are not on page 2), preferably on no
    article page. A container found nowhere else would make a crawl report every listing page
    'listing container not found'; one on every page of the site (a Bootstrap `div.row`) would never
    say a listing was redesigned, so learn_container's choice is kept only where no article page has it."""
    anchors = {listing.name: _own_anchors(listing, articles, drop_params) for listing in listings}

    def good(css: str) -> bool:
        return all(holds_the_listing(listing, css, anchors[listing.name]) for listing in listings)

    pages = [example.page for example in examples] + list(other_pages)

    def on_articles(css: str) -> bool:
        return any(page.css(css) for page in pages)
    old = learn_container(listings, drop_params, examples)
    if old and good(old[0]) and not on_articles(old[0]):
        return old
    pool: list[tuple[int, str]] = []
    for listing in listings:
        common = lowest_common_ancestor(anchors[listing.name])
        level = 0
        while common is not None and tag_of(common) not in ("html", "body"):
            pool += [(cost + level, css) for cost, css in contextual_selectors(common, depth=2)
                     if css[0] in "#." or "[" in css or "." in css]
            common, level = common.getparent(), level + 1
    found = [css for css in ranked(pool, limit=600) if good(css)]
    particular = [css for css in found if not on_articles(css)]
    return (particular or found or old)[:1]


# Query parameters that number a listing's pages ('?page=2', '&trang=3', Liferay's '_…_cur=2',
# '?start=20'): a link differing from a listing page only in one of them is another page of it.
PAGE_PARAMS = re.compile(r"^(p|pg|pi|page|paged|pageindex|pagenum|pagenumber|pageno|page_no|currentpage|curpage|"
                         r"trang|sotrang|start|offset)$|(^|_)(cur|page|trang|pageindex)$", re.IGNORECASE)
OFFSET_PARAMS = {"start", "offset"}  # numbered from 0: start=0 is the first page


def listing_page_key(url: str) -> tuple[tuple, str | None]:
    """(the listing family: host, path and the query parameters that do not number pages; the page
    number, None for the first page). '?page=1' (or '?start=0') and no parameter are the same first page."""
    parts = urlsplit(url)
    kept, number = [], None
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if PAGE_PARAMS.search(name) and value.isdigit():
            first = "0" if name.lower() in OFFSET_PARAMS else "1"
            number = None if int(value) <= int(first) else str(int(value))
        else:
            kept.append((name, value))
    return (parts.netloc.lower(), parts.path or "/", tuple(sorted(kept))), number


def pagination_kinds(listing: ListingExample, urls: set[str]) -> dict[str, str]:
    """Each link of a listing page as a next-page selector sees it: 'self' (this page, under any
    alias), 'listed' (another of the manifest's listing pages, or an alias of one: page 2 links page
    1 as '?page=1'), 'family' (another page of the same listing the manifest does not list: same
    path and parameters but the page number) or 'other' (an article, a menu, another listing)."""
    own = listing_page_key(listing.url)
    listed = {listing_page_key(url) for url in listing.listings}
    families = {key[0] for key in listed | {own}}
    kinds = {}
    for url in urls:
        key = listing_page_key(url)
        kinds[url] = ("self" if key == own else "listed" if key in listed
                      else "family" if key[0] in families and url not in listing.articles else "other")
    return kinds


def _pagination_anchors(listing: ListingExample, drop_params: list[str]) -> list[etree._Element]:
    anchors = []
    for link in listing.page.sel.root.iter("a"):
        url = link_url(listing.url, link.get("href"))
        if url:
            url = url_query_cleaner(url, drop_params, remove=True)
            if pagination_kinds(listing, {url})[url] in ("listed", "family"):
                anchors.append(link)
    return anchors


def _pagination_score(listings: list[ListingExample], css: str, drop_params: list[str]) -> tuple:
    """How well a selector finds a listing's other pages, higher is better: the manifest's listing
    pages reached (under any alias), then fewer other links (articles, menus, other listings: every
    one would be crawled as a listing page), then more pages of the same listing, then links
    particular to each page (a menu item on every page that happens to link the first page is not
    a pager's)."""
    listed, others, family = set(), 0, 0
    per_page = []
    for listing in listings:
        found = _links(listing, css, drop_params)
        kinds = pagination_kinds(listing, found)
        hits = {listing_page_key(url) for url, kind in kinds.items() if kind == "listed"}
        listed |= {(listing.name, key) for key in hits}
        others += sum(kind == "other" for kind in kinds.values())
        family += sum(kind == "family" for kind in kinds.values())
        per_page.append(hits | {listing_page_key(u) for u, k in kinds.items() if k == "family"})
    everywhere = set.intersection(*per_page) if len(per_page) > 1 else set()
    particular = sum(len(hits - everywhere) for hits in per_page)
    return len(listed), -others, family, particular


def learn_pagination(listings: list[ListingExample], drop_params: list[str]) -> tuple[list[str], int]:
    """(the next-page selector, the other links it takes): chosen by _pagination_score among the
    selectors of the links to the listing's other pages, aliases ('?page=1' for the first page) and
    pages the manifest does not list included; a pager's class or id words make a selector cheaper."""
    pool: list[tuple[int, str]] = []
    for listing in listings:
        pool += [(cost, f"{css}::attr(href)") for a in _pagination_anchors(listing, drop_params)
                 for cost, css in contextual_selectors(a, depth=4)]
    best, best_score = [], None
    for css in ranked(pool, limit=600, field="pagination"):
        score = _pagination_score(listings, css, drop_params)
        if score[0] and (best_score is None or score > best_score):
            best, best_score = [css], score
    return best, -best_score[1] if best_score else 0
