"""Candidate CSS selectors for an element, for `soyte learn` (scraper/learn/layout.py).

A selector learnt from examples must hold on pages not yet seen, so candidates are built from
what a template keeps stable: ids, classes, itemprop and the like, the element's tag, and the
same for a few ancestors (".news-detail .title"); positions among siblings only as a last resort
(a breadcrumb's last crumb). Nothing is ever built from an element's text. Candidates are ranked
by how structural and how short they are; `soyte learn` keeps the best that holds on every example.
"""
from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

from scraper.extraction.visible import tag_of

# Attributes that name what an element is, in templates and microdata.
NAMING_ATTRIBUTES = ("itemprop", "property", "name", "rel", "role")
ANCESTOR_DEPTH = 6
# A class or id that is one article's (an article number, a generated hash) holds on no other page;
# validation would drop it anyway, ranking it last keeps the search short.
_VOLATILE = re.compile(r"\d{3,}|[0-9a-f]{8,}|ctl\d|_ctr\d|__", re.IGNORECASE)  # … and ASP.NET's generated ids
_IDENT = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]*\Z")
_HEADINGS = {f"h{level}" for level in range(1, 7)}


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def own_selectors(element: etree._Element, positional: bool = False) -> list[tuple[int, str]]:
    """(cost, selector) naming the element by itself, cheapest (most structural) first."""
    tag = tag_of(element)
    found: list[tuple[int, str]] = []
    ident = element.get("id") or ""
    if _IDENT.match(ident):
        found.append((8 if _VOLATILE.search(ident) else 1, f"#{ident}"))
    for name in NAMING_ATTRIBUTES:
        value = element.get(name)
        if value and len(value) < 60 and "\n" not in value:
            found.append((1, f"{tag}[{name}={_quoted(value)}]"))
    for cls in sorted(set((element.get("class") or "").split())):
        if _IDENT.match(cls):
            cost = 4 if _VOLATILE.search(cls) else 2
            found.append((cost, f"{tag}.{cls}"))
            found.append((cost + 1, f".{cls}"))
    if tag in _HEADINGS or tag in ("article", "main", "time"):
        found.append((5, tag))  # short, but any other heading of the page matches it too
    if positional:
        found += _positional(element, tag)
    if not found:
        found.append((6, tag))
    return found


def _positional(element: etree._Element, tag: str) -> list[tuple[int, str]]:
    parent = element.getparent()
    if parent is None:
        return []
    same = [child for child in parent if tag_of(child) == tag]
    if len(same) < 2:
        return []
    index = same.index(element)
    out = [(7, f"{tag}:nth-of-type({index + 1})")]
    from_end = len(same) - index
    out.append((6 if from_end <= 2 else 7, f"{tag}:last-of-type" if from_end == 1 else f"{tag}:nth-last-of-type({from_end})"))
    return out


def anchor_selectors(element: etree._Element) -> list[tuple[int, str]]:
    """Selectors for an ancestor used as context: only what names it structurally (no bare tags)."""
    return [(cost, css) for cost, css in own_selectors(element) if css[0] in "#." or "[" in css or "." in css]


def contextual_selectors(element: etree._Element, positional: bool = False,
                         depth: int = ANCESTOR_DEPTH) -> Iterator[tuple[int, str]]:
    """The element's own selectors, then each prefixed by one named ancestor ('.detail h1.title')."""
    own = own_selectors(element, positional)
    yield from own
    tag = tag_of(element)
    if all(css != tag for _cost, css in own):
        own = own + [(4, tag)]  # inside a named ancestor, the bare tag is specific enough ('.file-block a')
    ancestor = element.getparent()
    level = 1
    while ancestor is not None and level <= depth and tag_of(ancestor) not in ("html", "body"):
        for anchor_cost, anchor in anchor_selectors(ancestor):
            for cost, css in own:
                yield anchor_cost + cost + level, f"{anchor} {css}"
        ancestor = ancestor.getparent()
        level += 1


# Words that templates put in the class or id of the element holding a field, in English and
# Vietnamese: a selector that names its field holds on a redesign more often than one that does not.
FIELD_WORDS = {
    "title": ("title", "headline", "tieu-de", "tieude"),
    "category": ("breadcrumb", "category", "cat-", "chuyen-muc", "chuyenmuc", "genre", "channel"),
    "sapo": ("sapo", "summary", "lead", "desc", "excerpt", "tomtat", "tom-tat", "intro"),
    "published": ("date", "time", "publish", "ngay"),
    "author": ("author", "byline", "tac-gia", "tacgia", "createdby", "writer"),
    "source": ("source", "nguon"),
    "views": ("view", "hit", "luot", "count"),
    "attachments": ("attach", "file", "dinh-kem", "dinhkem", "download", "document"),
    "images": ("image", "photo", "picture", "media", "hinh-anh", "anh-dai-dien"),
    "body": ("content", "body", "article", "detail", "noi-dung", "entry", "rtestate"),
    "articles": ("title", "more", "bookmark", "news", "item", "post"),
    "pagination": ("pag", "pager", "page", "trang", "nav"),
}


def ranked(candidates: Iterator[tuple[int, str]], limit: int = 400, field: str | None = None) -> list[str]:
    """Unique selectors, cheapest first, ties broken by length then text: deterministic. A
    selector naming its field in a class or id ('.breadcrumb', '.post-date') costs less."""
    words = FIELD_WORDS.get(field or "", ())
    best: dict[str, int] = {}
    for cost, css in candidates:
        if words and any(word in css.lower() for word in words):
            cost -= 3
        if css not in best or cost < best[css]:
            best[css] = cost
    return sorted(best, key=lambda css: (best[css], len(css), css))[:limit]


def lowest_common_ancestor(elements: list[etree._Element]) -> etree._Element | None:
    if not elements:
        return None
    paths = [list(element.iterancestors())[::-1] + [element] for element in elements]
    common = None
    for nodes in zip(*paths):
        if all(node is nodes[0] for node in nodes):
            common = nodes[0]
        else:
            break
    return common
