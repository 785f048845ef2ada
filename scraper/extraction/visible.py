"""What a reader sees of an element: its visible text, and the typography the body's rules read
(wholly bold or italic, right-aligned, centred). Shared by the body reader and `soyte learn`.
"""
from __future__ import annotations

from lxml import etree

from scraper.extraction.cleaning import tidy

SKIP_TAGS = frozenset("script style noscript iframe form button select input textarea svg object embed template".split())
BOLD = ("b", "strong")
ITALIC = ("i", "em")
# Compiled once: compiling an XPath per call was a third of body reading's time.
_OUTERMOST = {tags: etree.XPath(".//*[{0}][not(ancestor::*[{0}])]".format(" or ".join(f"self::{t}" for t in tags)))
              for tags in (("b", "strong"), ("i", "em"))}


def tag_of(element: etree._Element) -> str:
    """The element's tag, '' for a comment or a processing instruction. Not lowered: libxml2's HTML
    parser, which makes every tree soyte reads, gives tag names in lower case ('<DIV>' is 'div')."""
    tag = element.tag
    return tag if isinstance(tag, str) else ""


def text_of(element: etree._Element) -> str:
    """Every text node under the element, joined by spaces and tidied: how a person reads a title,
    a date or a crumb ('<h1>Sở<b>Y</b>tế</h1>' is 'Sở Y tế'). Unlike visible_text it adds a space
    between inline elements and keeps script text; '' for a comment."""
    return tidy(" ".join(element.itertext())) if isinstance(element.tag, str) else ""


# What the plain text walk must treat specially: skipped subtrees, and <br>, which is a space.
SPECIAL_TAGS = SKIP_TAGS | {"br"}


def plain_text(element: etree._Element) -> str:
    """All the text under an element (comments skipped, their tails kept), by libxml2's own text
    serializer: a C call instead of a Python walk over every node. (Asked for bytes, which it
    writes 6× faster than a str; an element without children is just its text.)"""
    if not len(element):
        return element.text or ""
    return etree.tostring(element, method="text", encoding="utf-8", with_tail=False).decode("utf-8")


def visible_text(element: etree._Element, plain: bool | None = None) -> str:
    """Visible text of an element, skipping scripts, styles and form controls.

    `plain`: the caller knows whether the element holds a skipped tag or a <br> (the body reader
    finds them once per body); a plain element's text is libxml2's, the others are walked here.
    """
    if plain is None:
        plain = next(element.iter(SPECIAL_TAGS), None) is None
    if plain:
        return tidy(plain_text(element))
    parts: list[str] = []
    append = parts.append

    def visit(node: etree._Element) -> None:
        tag = node.tag
        if not isinstance(tag, str):
            return
        tag = tag.lower()
        if tag in SKIP_TAGS:
            return
        if tag == "br":
            append(" ")
        elif node.text:
            append(node.text)
        for child in node:
            visit(child)
            if child.tail:
                append(child.tail)

    visit(element)
    return tidy("".join(parts))


def with_ancestors(nodes: list[etree._Element]) -> set[etree._Element]:
    """The nodes and their ancestors: the elements that hold one of them. The set keeps lxml's
    proxies (and so their identity) alive while the body is read."""
    found: set[etree._Element] = set()
    for node in nodes:
        while node is not None and node not in found:
            found.add(node)
            node = node.getparent()
    return found


def wholly(element: etree._Element, tags: tuple[str, ...], total: str | None = None) -> bool:
    """True when every visible character of the element sits inside one of `tags`.

    `total` is the element's text when the caller has it already (one walk instead of two).
    """
    total = visible_text(element) if total is None else total
    if not total:
        return False
    if tag_of(element) in tags:
        return True
    covered = _OUTERMOST[tags](element)
    return bool(covered) and tidy(" ".join(visible_text(node) for node in covered)) == total


def right_aligned(element: etree._Element, stop: etree._Element) -> bool:
    node: etree._Element | None = element
    while node is not None and node is not stop:
        style = (node.get("style") or "").replace(" ", "").lower()
        if "text-align:right" in style or (node.get("align") or "").lower() == "right":
            return True
        node = node.getparent()
    return False


def centered(element: etree._Element) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return "text-align:center" in style or (element.get("align") or "").lower() == "center"
