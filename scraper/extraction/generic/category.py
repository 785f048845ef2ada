"""The section an article is filed under: a labelled line, the breadcrumb, metadata, the URL.

A breadcrumb is found by its name ("breadcrumb", "pathway", schema.org BreadcrumbList) or by its
shape: a short run of links from the home page, separated by '»', '>', '/' (or the items of a
short list), the nearest one before the headline. Its last crumb that is not the headline is the
section.
"""
from __future__ import annotations

import re
from itertools import chain
from typing import Callable, NamedTuple
from urllib.parse import urljoin, urlsplit

from lxml import etree

from scraper.extraction.cleaning import tidy
from scraper.extraction.generic.meta import PUBLISHED_PROPERTIES, ld_values, meta
from scraper.extraction.generic.words import CATEGORY_LABEL, CHROME_HEADINGS, GENERIC_HEADINGS, HOME_CRUMBS, SECTION_NAMES
from scraper.extraction.visible import tag_of, text_of

# The XPath translate() that once found named breadcrumbs, as str.translate tables: the same letters
# folded, no others (a plain lower() only pre-screens, since translate() folds these letters alone).
_FOLD_BREADCRUMB = str.maketrans("BREADCUMB", "breadcumb")
_FOLD_BREADCRUMS = str.maketrans("BREADCUMS", "breadcums")


def _named(value: str | None, fold: dict) -> bool:
    """'breadcrumb' in the value with only the letters of `fold` folded (lower() first: it is cheaper
    and never misses what the fold finds)."""
    return bool(value) and "breadcrumb" in value.lower() and "breadcrumb" in value.translate(fold)


def category(root, ld, title: str | None, lines: list[tuple], url: str, title_at: int,
             marks: PageMarks | None = None) -> str | None:
    """The section: a labelled 'Danh mục:' line of the article, the breadcrumb's last crumb that is
    not the headline, the page's metadata, else the link to the section whose path the URL extends."""
    labelled = [(node, text) for node, text in lines if len(text) <= 80
                if CATEGORY_LABEL.match(text) and CATEGORY_LABEL.sub("", text, count=1)]
    for node, text in labelled:  # the innermost element: its parent may hold "Từ khóa: …" too
        if not any(node in other.iterancestors() for other, _ in labelled):
            return tidy(CATEGORY_LABEL.sub("", text, count=1))
    marks = marks or page_marks(root, {node: index for index, node in enumerate(root.iter())})
    for trail in chain(marks.crumbs, _lazy(lambda: _trails(marks.runs(), title_at, url))):
        crumbs = [text_of(a) for a in trail.iter("a")]
        tail = _trailing_text(trail)
        crumb = _last_section(crumbs + ([tail] if tail else []), title)
        if crumb:
            return crumb
    for item in ld:
        if "BreadcrumbList" in str(item.get("@type")):
            names = [str(e.get("name") or (e.get("item") or {}).get("name") or "") for e in item.get("itemListElement", [])
                     if isinstance(e, dict)]
            crumb = _last_section(names, title)
            if crumb:
                return crumb
    section = meta(root, "article:section") or next(iter(ld_values(ld, "articleSection")), None)
    if isinstance(section, list):
        section = section[0] if section else None
    if section:
        return tidy(str(section))
    for link in root.xpath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' category ')]"):
        if text_of(link):
            return text_of(link)
    return _section_link(root, url) or _section_label(root, title, title_at)


SECTION_LOOKBACK = 80  # elements before the headline: the article module's own heading, not the menu's


def _section_label(root, title: str | None, title_at: int) -> str | None:
    """A section's name printed as a label above the article (<div class="title-cate">Tin hoạt động</div>):
    a short line named as a category/section/module title, the nearest before the headline."""
    nodes = list(root.iter())
    for node in reversed(nodes[max(0, title_at - SECTION_LOOKBACK):title_at]):
        marks = " ".join((node.get("class") or "", node.get("id") or "")) if isinstance(node.tag, str) else ""
        if not marks or not SECTION_NAMES.search(marks) or tag_of(node) in ("a", "li", "ul", "ol", "nav"):
            continue
        text = tidy(re.sub(r"^[\s»›>/|:\-]+|[\s»›>/|:\-]+$", "", text_of(node)))
        if not 3 <= len(text) <= 60 or len(list(node.iter("a"))) > 1 or text == title:
            continue
        if HOME_CRUMBS.match(text) or GENERIC_HEADINGS.match(text) or CHROME_HEADINGS.match(text):
            continue
        return text
    return None


def _section_link(root, url: str) -> str | None:
    """The text of the link to the longest path that the article's URL extends ('/tin-hoat-dong')."""
    article = urlsplit(url)
    best, best_length = None, 1
    targets: dict = {}  # href: its split absolute URL (menus print the same links twice or more)
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        target = targets.get(href)
        if target is None:
            target = targets[href] = urlsplit(urljoin(url, href))
        path = target.path.rstrip("/")
        if target.netloc != article.netloc or target.query or len(path) <= best_length:
            continue
        if article.path.startswith(path + "/") and article.path.rstrip("/") != path:
            text = text_of(link)
            if text and not HOME_CRUMBS.match(text) and len(text) <= 80:
                best, best_length = text, len(path)
    return best


_CRUMB_SEPARATOR = re.compile(r"[»›>/|→]|::")


def _trails(runs: list[tuple], title_at: int, url: str) -> list:
    """Breadcrumbs found by shape, the nearest before the headline first: a short run of 2–8 links,
    the first to the home page, separated by '»', '>', '/' … (or items of a short list), with
    nothing else but the current page's name. A menu has more links, and comes earlier. `runs`: the
    page's elements that may be one, as _page_marks finds them."""
    found = []
    for at, node in runs:
        links = [a for a in node.iter("a") if a.get("href") is not None]
        text = text_of(node)
        listed = tag_of(node) in ("ul", "ol") and len(links) <= 5 and _extends(url, links[-1].get("href"))
        if len(text) > 300 or not (_CRUMB_SEPARATOR.search(text) or listed):
            continue
        first = links[0]
        if not (HOME_CRUMBS.match(text_of(first)) or urlsplit(first.get("href").strip()).path in ("", "/")):
            continue
        rest = text
        for link in links:
            rest = rest.replace(text_of(link), " ", 1)
        rest = _CRUMB_SEPARATOR.sub(" ", rest)
        if len(tidy(rest)) <= 150:
            found.append((at < title_at, at if at < title_at else -at, node))
    return [node for *_key, node in sorted(found, key=lambda f: (f[0], f[1]), reverse=True)]


_TRAIL_TAGS = frozenset({"div", "nav", "p", "span", "ul", "ol", "td", "li"})


class PageMarks(NamedTuple):
    """What the page's markup names (page_marks)."""

    crumbs: list              # elements named a breadcrumb, in document order
    runs: Callable[[], list]  # (document position, element) that _trails looks at, in document order: counted
                              # when asked (a page whose breadcrumb is named never needs them)
    dated: list               # elements marked as the publication date (meta._dated_by_markup's rule), in document order


def page_marks(root, position: dict) -> PageMarks:
    """What the page's attributes and links name, for category() and meta.published: the elements named
    a breadcrumb (class or id holding 'breadcrumb' in any case, schema.org BreadcrumbList, Joomla's
    'pathway', an aria-label 'Breadcrumb'); the elements marked as the publication date
    (meta._dated_by_markup's rule); and, when asked, the elements _trails looks at (_link_runs). One XPath
    gives the six attributes' values, which Python reads (reading every element's attributes from Python
    cost a third more; an XPath with translate() on them, three times as much)."""
    crumbs: list = []
    dated: list = []
    for value in _MARKS(root):
        name = value.attrname
        if name == "class":
            if "pathway" in value or _named(value, _FOLD_BREADCRUMB):
                crumbs.append(value.getparent())
        elif name == "id":
            if _named(value, _FOLD_BREADCRUMB):
                crumbs.append(value.getparent())
        elif name == "itemtype":
            if "BreadcrumbList" in value:
                crumbs.append(value.getparent())
        elif name == "aria-label":
            if _named(value, _FOLD_BREADCRUMS):
                crumbs.append(value.getparent())
        elif name == "property":
            if any(prop in value for prop in PUBLISHED_PROPERTIES):
                dated.append(value.getparent())
        elif value == "datePublished":  # itemprop
            dated.append(value.getparent())
    # an element named by two of its attributes is listed once
    return PageMarks(list(dict.fromkeys(crumbs)), lambda: _link_runs(root, position), list(dict.fromkeys(dated)))


def _link_runs(root, position: dict) -> list[tuple]:
    """(document position, element) of every element of _TRAIL_TAGS holding 2–8 <a href>, itself included:
    each link counts for itself and its ancestors (cheaper than listing each element's links)."""
    counts: dict = {}
    for link in root.iter("a"):
        if link.get("href") is not None:
            for node in (link, *link.iterancestors()):
                counts[node] = counts.get(node, 0) + 1
    return sorted((position[node], node) for node, count in counts.items() if 2 <= count <= 8 and node.tag in _TRAIL_TAGS)


_MARKS = etree.XPath("//@class|//@id|//@itemtype|//@aria-label|//@property|//@itemprop")  # in document order


def _lazy(make):
    """The items of make(), computed only when the iteration gets there."""
    yield from make()


def _extends(url: str, href: str) -> bool:
    """True when the article's URL path continues the link's path (the link is its section)."""
    path = urlsplit(urljoin(url, href.strip())).path.rstrip("/")
    return bool(path) and urlsplit(url).path.startswith(path + "/")


def _trailing_text(trail) -> str:
    links = list(trail.iter("a"))
    if not links:
        return ""
    last = links[-1]
    seen_last, parts = False, []
    for node in trail.iter():
        if node is last:
            seen_last = True
            continue
        if seen_last and last not in node.iterancestors() and isinstance(node.tag, str):
            parts.append(node.text or "")
            parts.append(node.tail or "")
    return tidy(re.sub(r"^[\s»›>/|:\-]+|[\s»›>/|:\-]+$", "", " ".join(parts)))


def _last_section(crumbs: list[str], title: str | None) -> str | None:
    crumbs = [tidy(re.sub(r"^[\s»›>/|:]+|[\s»›>/|:]+$", "", c)) for c in crumbs]
    crumbs = [c for c in crumbs if c and not HOME_CRUMBS.match(c)]
    while crumbs and title and (crumbs[-1] == title or title.startswith(crumbs[-1].rstrip(". …")) and
                                len(crumbs[-1]) > 20):
        crumbs.pop()
    return crumbs[-1] if crumbs else None
