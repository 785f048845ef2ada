"""Structural paths for elements no class, id or itemprop names (for `soyte learn`).

Old table layouts (classic ASP, early PHP) give no element a class or an id: the article is "the
cell of the fourth row of the table in the 600-pixel column". A path names an element the way its
template does: from an anchor ancestor with the attributes the template gives it
(`td[width="600"]`), down the child steps, each a tag with its own template attributes and, where
siblings share the tag, its position (`tr:nth-of-type(4)`). Listing links take no positions (every
row of the list, not the first). Never an element's text. Candidates are ranked after every class
or id candidate: `soyte learn` tries them only where those reproduce nothing.
"""
from __future__ import annotations

from typing import Iterator

from lxml import etree

from scraper.extraction.visible import tag_of
from scraper.learn.candidates import _IDENT, _VOLATILE, _quoted

# What a table template sets on its elements, and keeps from page to page.
TEMPLATE_ATTRIBUTES = ("id", "class", "width", "height", "align", "valign", "bgcolor", "colspan", "rowspan",
                       "cellpadding", "cellspacing", "border", "face", "size", "color")
MAX_STEPS = 8
BASE_COST = 20  # after every named candidate (scraper.learn.candidates costs stay under 20)


def _attributes(element: etree._Element) -> str:
    """The element's template attributes as a CSS attribute list ('[valign="top"][width="130"]')."""
    parts = []
    for name in TEMPLATE_ATTRIBUTES:
        value = (element.get(name) or "").strip()
        if not value or len(value) > 40 or "\n" in value:
            continue
        if name == "id":
            if _IDENT.match(value) and not _VOLATILE.search(value):
                parts.append(f"#{value}")
        elif name == "class":
            parts += [f".{cls}" for cls in sorted(set(value.split())) if _IDENT.match(cls) and not _VOLATILE.search(cls)]
        else:
            parts.append(f"[{name}={_quoted(value)}]")
    return "".join(parts)


def _step(element: etree._Element, positional: bool, last: bool = False) -> str:
    tag = tag_of(element)
    step = tag + _attributes(element)
    parent = element.getparent()
    if positional and parent is not None:
        same = [child for child in parent if tag_of(child) == tag]
        if len(same) > 1:
            index = same.index(element)
            step += ":last-of-type" if last and index == len(same) - 1 else f":nth-of-type({index + 1})"
    return step


def structural_paths(element: etree._Element, positional: bool = True,
                     max_steps: int = MAX_STEPS) -> Iterator[tuple[int, str]]:
    """(cost, 'anchor > … > element') for each ancestor with template attributes as the anchor,
    shortest first. `positional`: positions among same-tag siblings (an article's one cell), or
    none (every row of a listing)."""
    if not tag_of(element):
        return
    steps = [_step(element, positional)]
    variants = [steps[0]]
    if positional:
        last = _step(element, positional, last=True)
        if last != steps[0]:
            variants.append(last)  # a breadcrumb's last crumb, whatever the number of crumbs
    own = _attributes(element)
    if own:
        for variant in variants:
            yield BASE_COST + 1, variant
    node = element.getparent()
    while node is not None and len(steps) < max_steps and tag_of(node) not in ("body", "html"):
        anchor = _attributes(node)
        if anchor:
            chain = " > ".join(reversed(steps[1:]))
            for variant in variants:
                inner = f"{chain} > {variant}" if chain else variant
                yield BASE_COST + len(steps) + 1, f"{tag_of(node)}{anchor} > {inner}"
        steps.append(_step(node, positional))
        node = node.getparent()


def _step_from_end(element: etree._Element) -> str:
    """The element's step with its place counted from the last sibling of its tag
    ('tr:nth-last-of-type(2)'): the row before the template's closing row, whatever rows an
    article adds or leaves out above it (a lead cell of the body's class that some articles lack)."""
    tag = tag_of(element)
    step = tag + _attributes(element)
    parent = element.getparent()
    if parent is not None:
        same = [child for child in parent if tag_of(child) == tag]
        if len(same) > 1:
            from_end = len(same) - same.index(element)
            step += ":last-of-type" if from_end == 1 else f":nth-last-of-type({from_end})"
    return step


def structural_paths_from_end(element: etree._Element, max_steps: int = MAX_STEPS) -> Iterator[tuple[int, str]]:
    """structural_paths with every position counted from the end (one cost more): the body's own
    cell where a lead cell of the same class comes before it in some articles and not in others."""
    if not tag_of(element):
        return
    steps = [_step_from_end(element)]
    if _attributes(element):
        yield BASE_COST + 2, steps[0]
    node = element.getparent()
    while node is not None and len(steps) < max_steps and tag_of(node) not in ("body", "html"):
        anchor = _attributes(node)
        if anchor:
            yield BASE_COST + len(steps) + 2, f"{tag_of(node)}{anchor} > " + " > ".join(reversed(steps))
        steps.append(_step_from_end(node))
        node = node.getparent()
