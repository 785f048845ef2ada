"""CSS selection over one parsed page, the cheap way, with exactly the results of cssselect's XPath.

A layout's selectors mostly share their first part ('.post-detail .post-title',
'.post-detail .post-date', …), and most parts name a class. In libxml2 a class test costs
~0.2 µs per element it looks at (`contains(concat(' ', normalize-space(@class), ' '), ' x ')`),
so seven selectors inside one article scanned the article seven times. Here:
- the classes and ids a layout's selectors name (`Selecting.KEYS`) are found in one pass over
  the page's class and id attributes (libxml2's `//@class`), made when a selector starts with a
  part of classes or ids alone ('.post-title', '#main', '.a.b'); every leading part made of them
  is looked up there, then kept to the elements inside the previous part's matches;
- a first part that names its tag ('td.NewsTitle') is cheap for libxml2 (its name test skips the
  other elements), so it is looked up only once the index exists: on WordPress pages, where every
  paragraph has classes, the index costs more than a few such scans;
- any other first part ('meta[property="og:title"]', 'h1'), or one naming a class the layout does
  not, is one compiled XPath over the page, cached per page; what follows the looked-up parts is
  one compiled XPath inside each match.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, Iterable

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from scraper.extraction.cleaning import tidy
from scraper.extraction.crumbs import last_crumb, split_crumb_selector
from scraper.extraction.jsonld import split_json_selector, values_at

_TRANSLATOR = HTMLTranslator()
# regexp=False: cssselect's XPath never calls EXSLT's regular expressions, and lxml would register
# them for every evaluation (~0.25 µs of each call's ~1 µs fixed cost).
_ALL_TEXT = etree.XPath(".//text()", smart_strings=False, regexp=False)
# The first descendant combinator outside brackets and parentheses: "A B C" -> ("A", "B C").
_HEAD = re.compile(r"^((?:[^\s\[\(]|\[[^\]]*\]|\([^)]*\))+)\s+(.+)$")
# A part made of an optional tag, then classes or ids only: '.post-title', 'td.NewsTitle', '#main'.
_INDEXED = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*)?((?:[.#][a-zA-Z_][\w-]*)+)$")
_KEYS = re.compile(r"[.#][^.#]+")
_CLASS_VALUES = etree.XPath("//@class", regexp=False)
_ID_VALUES = etree.XPath("//@id", regexp=False)
# What XPath's normalize-space() (and so cssselect's class test) counts as a separator.
_XML_SPACE = re.compile(r"[ \t\r\n]+")

Part = tuple[str | None, tuple[str, ...]]  # (tag or None, ('.class', '#id', …)): all of them


@lru_cache(maxsize=None)
def compiled(css: str, scoped: bool) -> etree.XPath:
    """cssselect's XPath for `css`, compiled once; `scoped` searches below the node only."""
    prefix = "descendant::" if scoped else "descendant-or-self::"
    return etree.XPath(_TRANSLATOR.css_to_xpath(css, prefix=prefix), smart_strings=False, regexp=False)


@lru_cache(maxsize=None)
def _split(css: str) -> tuple[str, str | None]:
    """(first part, the rest) at the first descendant combinator; the whole selector as its own
    first part when it has a pseudo-element there, a list (,) or another combinator (> + ~)."""
    if "::" in css.split(" ")[0] or any(sign in css for sign in ",>+~"):
        return css, None
    match = _HEAD.match(css.strip())
    return (match[1], match[2]) if match else (css, None)


@lru_cache(maxsize=None)
def _indexed_parts(css: str) -> tuple[tuple[Part, ...], str | None] | None:
    """The leading parts of `css` that the index answers, and the rest as CSS (or None).
    None when the first part is not one of them, or the selector uses , > + ~."""
    if any(sign in css for sign in ",>+~"):
        return None
    parts: list[Part] = []
    rest: str | None = css.strip()
    while rest:
        head, tail = _split(rest)
        match = _INDEXED.match(head)
        if not match:
            break
        parts.append((match[1].lower() if match[1] else None, tuple(_KEYS.findall(match[2]))))
        rest = tail
    return (tuple(parts), rest) if parts else None


def selector_keys(selectors: Iterable[str]) -> frozenset[str]:
    """The classes and ids ('.x', '#y') in the parts of `selectors` that an index can answer."""
    keys: set[str] = set()
    for css in selectors:
        plan = _indexed_parts(css)
        for _tag, part_keys in plan[0] if plan else ():
            keys.update(part_keys)
    return frozenset(keys)


@lru_cache(maxsize=None)
def _class_names(keys: frozenset[str]) -> frozenset[str]:
    """The class names among a layout's keys, without their dot (compared with a page's values as they are)."""
    return frozenset(key[1:] for key in keys if key[0] == ".")


def _names(value: str) -> list[str]:
    return value.split() if value.isprintable() else [name for name in _XML_SPACE.split(value) if name]


class Selecting:
    """Mixin for a page holding `sel` (a parsel Selector): `css()` and `first_text()`."""

    KEYS: ClassVar[frozenset[str]] = frozenset()  # classes and ids to index (selector_keys)

    def css(self, css: str) -> list:
        """Elements, or strings for `::text` and `::attr()`, in page order within each match of
        the selector's first part (as parsel's `.css()` gives them, selector by selector); strings
        for `::json(key.path)`, the values in the matched scripts' JSON (scraper.extraction.jsonld);
        for `::last-crumb`, each matched breadcrumb's unlinked last crumb (scraper.extraction.crumbs)."""
        if "::json(" in css:
            return self._json_values(css)
        crumbs = split_crumb_selector(css)
        if crumbs is not None:  # a breadcrumb's unlinked last crumb (scraper.extraction.crumbs)
            return [value for node in self.css(crumbs) if isinstance(node, etree._Element)
                    for value in [last_crumb(node)] if value]
        plan = _indexed_parts(css)
        if plan is None or not all(key in self.KEYS for _tag, keys in plan[0] for key in keys):
            return self._by_xpath(css)
        parts, rest = plan
        if parts[0][0] is not None and "_key_index" not in self.__dict__:
            return self._by_xpath(css)  # 'td.NewsTitle': cheap for libxml2; the index only if made already
        nodes = self._lookup(parts[0])
        for part in parts[1:]:
            if not nodes:
                return []
            nodes = _inside(self._lookup(part), nodes)
        if rest is None:
            return nodes
        xpath = compiled(rest, True)
        return [node for scope in nodes for node in xpath(scope)]

    def _json_values(self, css: str) -> list[str]:
        split = split_json_selector(css)
        if split is None:
            return []
        scripts, path = split
        return [value for node in self.css(scripts) if not isinstance(node, str)
                for value in values_at("".join(node.itertext()), path)]

    def _by_xpath(self, css: str) -> list:
        scopes = self.__dict__.setdefault("_scopes", {})
        head, rest = _split(css)
        if head not in scopes:
            scopes[head] = compiled(head, False)(self.sel.root)
        if rest is None:
            return scopes[head]
        return [node for scope in scopes[head] for node in compiled(rest, True)(scope)]

    def _lookup(self, part: Part) -> list:
        """The page's elements matching one indexed part, in page order."""
        tag, keys = part
        found = self._index().get(keys[0], [])
        if tag is not None:
            found = [node for node in found if node.tag == tag]
        for key in keys[1:]:
            found = [node for node in found if _has(node, key)]
        return found

    def _index(self) -> dict[str, list]:
        """{'.class' or '#id': elements} for the keys of KEYS, made on first use from every class
        and id attribute libxml2 finds (one pass; an XPath test per wanted class cost 10× more)."""
        index = self.__dict__.get("_key_index")
        if index is None:
            index = self.__dict__["_key_index"] = {}
            keys = self.KEYS
            kinds = {key[0] for key in keys}
            classes = _class_names(keys)
            for value in _CLASS_VALUES(self.sel.root) if "." in kinds else ():
                if value in classes:  # one wanted class alone: the common hit
                    index.setdefault("." + value, []).append(value.getparent())
                elif " " in value or not value.isprintable():  # several classes, or odd spacing
                    for name in classes.intersection(_names(value)):  # each once, found in C
                        index.setdefault("." + name, []).append(value.getparent())
            for value in _ID_VALUES(self.sel.root) if "#" in kinds else ():
                if "#" + value in keys:
                    index.setdefault("#" + value, []).append(value.getparent())
        return index

    def first_text(self, selectors: list[str]) -> str | None:
        """Tidied text of the first selector that matches something non-empty."""
        for css in selectors:
            for node in self.css(css):
                text = tidy(node if isinstance(node, str) else _spaced_text(node))
                if text:
                    return text
        return None


def _spaced_text(node: etree._Element) -> str:
    """The element's text nodes joined by spaces ('<h1>Sở<b>Y</b>tế</h1>' is 'Sở Y tế')."""
    return (node.text or "") if not len(node) else " ".join(_ALL_TEXT(node))


def _has(node: etree._Element, key: str) -> bool:
    if key[0] == "#":
        return node.get("id") == key[1:]
    return key[1:] in _names(node.get("class") or "")


def _inside(candidates: list, scopes: list) -> list:
    """The candidates below (not at) one of the scopes, in page order."""
    within = set(scopes)
    return [node for node in candidates if any(parent in within for parent in node.iterancestors())]
