"""Strip the chrome that sits inside an article body, on a copy of it.

Blocks are dropped by what they are, never by a class name: a heading such as "Tin liên quan"
over a list of links, a block that is mostly links, a share/print/font-size toolbar or a rating
widget, a date or view-count line, a repeat of the headline, hidden elements, a section headed
"Ý kiến bạn đọc" after the text. A paragraph of running text is never dropped for a word it
contains, and a data table's dates and numbers are data. The copy also gets lazy images' real
sources and paragraphs for the <br><br> runs of old editors.
"""
from __future__ import annotations

import re
from copy import deepcopy

from lxml import etree

from scraper.extraction.body import BLOCK_TAGS, SKIP_TAGS
from scraper.extraction.cleaning import tidy
from scraper.extraction.generic.content import Stats, _is_leaf_block
from scraper.extraction.generic.words import AD_LABEL, CHROME_HEADINGS, DOCUMENT_LINK, is_meta_line, is_toolbar_text
from scraper.extraction.visible import tag_of


def _hidden(element) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return ("display:none" in style or "visibility:hidden" in style or element.get("hidden") is not None
            or element.get("aria-hidden") == "true")


TABLE_PARTS = frozenset({"table", "tr", "td", "th", "thead", "tbody", "tfoot", "caption"})


def _chrome(element, text: str, stats: Stats, title: str | None) -> bool:
    """True for a block inside the body that is not the article's text (see the module docstring)."""
    if _hidden(element):
        return True
    if not text:
        return False
    links, density = stats.links.get(element, 0), stats.density(element)
    if tag_of(element) in TABLE_PARTS:  # a data table's row or cell: a date or a number is data here
        return links > 0 and (density >= 0.6 and (links >= 2 or is_toolbar_text(text)))
    if CHROME_HEADINGS.match(text) and (len(text) <= 40 or density >= 0.5):
        return True
    if links >= 2 and density >= 0.6:
        return True
    if links and density >= 0.6 and all(DOCUMENT_LINK.search(a.get("href") or "") for a in element.iter("a")
                                         if a.get("href") is not None):
        return True
    if is_toolbar_text(text) and (links or len(text) <= 40):
        return True
    if is_meta_line(text) or AD_LABEL.match(text):
        return True
    return bool(title) and text == title and len(element) <= 3


def pruned_copy(body: etree._Element, title: str | None) -> etree._Element:
    """A copy of the body without its chrome; the page itself is left as parsed."""
    copy = deepcopy(body)
    copy.tail = None
    for img in copy.iter("img"):
        _unlazy(img)
    for element in [e for e in copy.iter() if e is not copy and (tag_of(e) in SKIP_TAGS or not tag_of(e))]:
        if element.getparent() is not None:
            _drop(element)
    _split_double_breaks(copy)
    _set_apart_trailing_credit(copy)
    stats = Stats(copy)
    position = {node: index for index, node in enumerate(copy.iter())}
    first_text = next((position[n] for n in copy.iter() if tag_of(n) in BLOCK_TAGS and _is_leaf_block(n)
                       and stats.chars.get(n, 0) >= 80), len(position))

    def visit(element) -> None:
        for child in list(element):
            text = tidy(" ".join(child.itertext()))
            if _chrome(child, text, stats, title) or (position.get(child, 0) > first_text and _headed_section(child)):
                _drop(child)
            elif len(child):
                visit(child)

    visit(copy)
    return copy


def _headed_section(element) -> bool:
    """A block after the article's text whose first line is a chrome heading alone ('Ý kiến bạn đọc',
    'Tin liên quan', 'Từ khóa'): the section it heads is chrome, whatever follows the heading."""
    first = next((n for n in element.iter() if n is not element and isinstance(n.tag, str)
                  and tidy(" ".join(n.itertext()))), None)
    if first is None or tag_of(first) in ("p",) and len(tidy(" ".join(first.itertext()))) > 40:
        return False
    label = tidy(" ".join(first.itertext()))
    return len(label) <= 40 and bool(CHROME_HEADINGS.match(label)) and label != tidy(" ".join(element.itertext()))


def _drop(element) -> None:
    """Remove an element, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


LAZY_ATTRIBUTES = ("data-lazy-src", "data-src", "data-original", "data-lazyload", "data-url", "data-echo")
_PLACEHOLDER = re.compile(r"^data:|placeholder|blank\.(?:gif|png)|spacer|lazy|loading", re.I)


def _unlazy(img) -> None:
    """Lazy-loading themes put a placeholder in src and the image in a data- attribute."""
    src = (img.get("src") or "").strip()
    if src and not _PLACEHOLDER.search(src):
        return
    for attribute in LAZY_ATTRIBUTES:
        value = (img.get(attribute) or "").strip()
        if value and not value.startswith("data:"):
            img.set("src", value)
            return
    srcset = (img.get("data-lazy-srcset") or img.get("data-srcset") or img.get("srcset") or "").strip()
    if srcset:
        img.set("src", srcset.split(",")[0].split()[0])


def _is_break(node) -> bool:
    return tag_of(node) == "br"


def _split_double_breaks(root) -> None:
    """Old editors separate paragraphs with <br><br> inside one cell or <font>: each run becomes a <p>.

    The body reader reads a block without block children as one paragraph; an inline element that
    is split (and its inline ancestors) becomes a div, so that the reader sees the new paragraphs.
    """
    for element in [e for e in root.iter() if isinstance(e.tag, str)]:
        children = list(element)
        pairs = [i for i in range(len(children) - 1) if _is_break(children[i]) and _is_break(children[i + 1])
                 and not (children[i].tail or "").strip()]
        if not pairs:
            continue
        segments, current = [], _paragraph(element.text)
        index = 0
        while index < len(children):
            child = children[index]
            if _is_break(child) and index + 1 < len(children) and _is_break(children[index + 1]) \
                    and not (child.tail or "").strip():
                while index + 1 < len(children) and _is_break(children[index + 1]) and not (children[index].tail or "").strip():
                    index += 1
                segments.append(current)
                current = _paragraph(children[index].tail)
            elif tag_of(child) in BLOCK_TAGS:
                segments.append(current)
                tail, child.tail = child.tail, None
                segments.append(child)
                current = _paragraph(tail)
            else:
                current.append(child)
            index += 1
        segments.append(current)
        element.text = None
        for child in list(element):
            element.remove(child)
        for segment in segments:
            if segment.tag != "p" or len(segment) or (segment.text or "").strip():
                element.append(segment)
        node = element
        while node is not None and node is not root and tag_of(node) not in BLOCK_TAGS:
            node.tag = "div"
            node = node.getparent()


def _paragraph(text: str | None):
    paragraph = etree.Element("p")
    paragraph.text = text
    return paragraph


MAX_CREDIT_LINE = 100  # a byline or "Nguồn: …" line; longer is a sentence


def _set_apart_trailing_credit(root) -> None:
    """A story written as lines with one <br> between them ends with its credit line, in italics or
    bold, after the last <br>: that line becomes its own paragraph, so that the body reader's credit
    rules see it (a single <br> otherwise joins it to the text before)."""
    for element in [e for e in root.iter() if isinstance(e.tag, str) and len(e)]:
        last = element[-1]
        previous = last.getprevious()
        if tag_of(last) not in ("i", "em", "b", "strong") or (last.tail or "").strip() or previous is None \
                or not _is_break(previous) or (previous.tail or "").strip() or tag_of(element) in BLOCK_TAGS - {"div", "td", "p"}:
            continue
        if not 0 < len(tidy(" ".join(last.itertext()))) <= MAX_CREDIT_LINE:
            continue
        paragraph = _paragraph(None)
        element.remove(last)
        paragraph.append(last)
        element.append(paragraph)
        if tag_of(element) == "p":
            element.tag = "div"
