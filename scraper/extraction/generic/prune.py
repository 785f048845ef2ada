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
from scraper.extraction.generic.words import (AD_LABEL, AD_NAMES, BOX_NAMES, CHROME_HEADINGS, DOCUMENT_LINK, OFFER_NAMES,
                                              SCREEN_READER_ONLY, TICKER_NAMES, is_meta_line, is_toolbar_text)
from scraper.extraction.visible import tag_of


def _hidden(element) -> bool:
    """Not shown on screen: hidden by its style or attributes, or text for screen readers only (its class
    says so: 'sr-only', 'visually-hidden', 'screen-reader-text', words.SCREEN_READER_ONLY)."""
    style = (element.get("style") or "").replace(" ", "").lower()
    cls = element.get("class")
    return ("display:none" in style or "visibility:hidden" in style or element.get("hidden") is not None
            or element.get("aria-hidden") == "true" or (cls is not None and SCREEN_READER_ONLY.search(cls) is not None))


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
    if (links or len(text) <= 40) and is_toolbar_text(text):
        return True
    if is_meta_line(text) or AD_LABEL.match(text) or (len(text) <= MAX_TICKER_TEXT and _ticker(element)):
        return True
    return bool(title) and text == title and len(element) <= 3


# The longest text a chrome rule reads whole: toolbars and meta lines (words.is_toolbar_text, is_meta_line)
# are never longer; of a longer block the rules read only its start (a heading's words) and its numbers.
MAX_CHROME_TEXT = 160


def text_start(element, limit: int) -> tuple[str, bool]:
    """(the element's text as text_of gives it, True), or (its first words, False) once they pass `limit`
    characters: a long block's text is not joined whole at every level of the body, only to learn that it
    is long. Tidying each text node and joining them with one space gives text_of's text (tidy never joins
    or splits across whitespace)."""
    pieces, length = [], -1
    for fragment in element.itertext():
        piece = tidy(fragment)
        if piece:
            pieces.append(piece)
            length += len(piece) + 1
            if length > limit:
                return " ".join(pieces), False
    return " ".join(pieces), True


MAX_TICKER_TEXT = 300  # a scrolling line of greetings or headlines; a story is longer


def _ticker(element) -> bool:
    """A <marquee>, or a block named as a scrolling ticker (words.TICKER_NAMES), itself: the body's own
    name ('breaking-news-detail') says nothing of its children."""
    return tag_of(element) == "marquee" or bool(TICKER_NAMES.search(_marks(element)))


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

    limit = max(MAX_CHROME_TEXT, len(title or ""))

    def visit(element) -> None:
        for child in list(element):
            text, _whole = text_start(child, limit)
            if _chrome(child, text, stats, title) or _ad_slot(child, text) or \
                    (position.get(child, 0) > first_text and (_headed_section(child) or _named_box(child))):
                _drop(child)
            elif len(child):
                visit(child)

    visit(copy)
    return copy


def _marks(element) -> str:
    return " ".join(mark for mark in (element.get("class"), element.get("id")) if mark)


def _named_box(element) -> bool:
    """A block after the article's text that the page names as a box that is not the story: reader
    comments, a newsletter offer, related stories (words.BOX_NAMES)."""
    marks = _marks(element)
    return bool(marks) and BOX_NAMES.search(marks) is not None


MAX_AD_TEXT = 100  # an ad slot's own words ('Advertisement', 'Story continues below'); a longer text is a story's
MAX_OFFER_TEXT = 400  # a newsletter or subscription box's pitch: a few lines


def _ad_slot(element, text: str) -> bool:
    """An advertisement's slot inside the story: named as an ad (words.AD_NAMES), a few words, no image
    (an image in a block so named is a banner, which record_images leaves out on its own); or a short
    box named as a newsletter or subscription offer (words.OFFER_NAMES)."""
    if len(text) > MAX_OFFER_TEXT:
        return False
    marks = _marks(element)
    if not marks:
        return False
    if OFFER_NAMES.search(marks):
        return True
    return len(text) <= MAX_AD_TEXT and AD_NAMES.search(marks) is not None and next(element.iter("img"), None) is None


def _headed_section(element) -> bool:
    """A block after the article's text whose first line is a chrome heading alone ('Ý kiến bạn đọc',
    'Tin liên quan', 'Từ khóa'): the section it heads is chrome, whatever follows the heading."""
    first = next((n for n in element.iter() if n is not element and isinstance(n.tag, str)
                  and text_start(n, 0)[0]), None)
    if first is None:
        return False
    label, whole = text_start(first, MAX_HEADING_LABEL)
    if not whole or not CHROME_HEADINGS.match(label):
        return False
    text, whole = text_start(element, len(label))
    return not whole or label != text  # the heading, then the section it heads


MAX_HEADING_LABEL = 40  # a heading is a short line; a longer first line is the section's own text


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
