"""Learning a layout's listing rules (for `soyte learn`, scraper/learn/layout.py): the links to the
manifest's articles, the links to its other listing pages, the listing's container, and the
query parameters listings add to article links that never name the article (Liferay's redirect=).
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from lxml import etree
from w3lib.url import url_query_cleaner

from scraper.extraction.urls import link_url
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
    article links (kind 'articles') or the other listing pages ('pagination')."""
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
