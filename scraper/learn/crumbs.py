"""Category candidates read as a breadcrumb's unlinked last crumb (for `soyte learn`).

Where the category is the plain-text end of a pathway ("Trang chủ » Tin tức » Hoạt động ngành",
Mambo and Joomla 1.0), no element holds it alone and the only elements that do are a menu's items
(`a.sublevel`), right on the examples by chance. The pathway is found by structure: an element
linking at least one crumb whose text after the last separator (», ›, >, → or an image) is the
category, written in no element of its own (a crumb in `<a>` or `<b>` is named by its element's
selectors, as before); its selectors end in `::last-crumb` (scraper/extraction/crumbs.py). Such a selector
finds one value per page, where a menu item is one of many sibling links: learn_field keeps it
over them (one element per page first), and the other pages' values vary as a category does.
"""
from __future__ import annotations

from lxml import etree

from scraper.extraction.crumbs import LAST_CRUMB, last_crumb
from scraper.extraction.visible import tag_of, text_of
from scraper.learn.candidates import contextual_selectors
from scraper.learn.structure import structural_paths

MAX_CHARS = 400


def crumb_candidates(root: etree._Element, wanted: object) -> list[tuple[int, str]]:
    """(cost, 'selector::last-crumb') for the elements whose last crumb is the wanted category."""
    if not isinstance(wanted, str) or not wanted:
        return []
    out: list[tuple[int, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or tag_of(element) in ("html", "body", "head", "script", "style"):
            continue
        if sum(len(part) for part in element.itertext()) > MAX_CHARS or last_crumb(element) != wanted:
            continue
        if any(text_of(inner) == wanted for inner in element.iterdescendants() if isinstance(inner.tag, str)):
            continue  # an element holds the crumb ('<a>', '<b>'): its own selectors name it
        out += [(cost, css + LAST_CRUMB) for cost, css in contextual_selectors(element, depth=2)]
        out += [(cost, css + LAST_CRUMB) for cost, css in structural_paths(element, positional=True, max_steps=4)]
    return out
