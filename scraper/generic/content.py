"""Find the article body on a page of unknown markup, and strip the chrome that sits inside it.

The body is the element that holds the most running text: every paragraph-like block (a leaf
block of 25 characters or more, mostly not link text) credits its length to its parent, half to
its grandparent and a quarter above that, as Readability does. Inside the chosen element, blocks
are dropped by what they are, never by a class name: a heading such as "Tin liên quan" over a
list of links, a block that is mostly links, a share/print/font-size toolbar, a date or view-count
line, a repeat of the headline, hidden elements. A paragraph of running text is never dropped for
a word it contains.
"""
from __future__ import annotations

from copy import deepcopy

from lxml import etree

from scraper.body import BLOCK_TAGS, SKIP_TAGS
from scraper.cleaning import tidy
from scraper.dates import has_date
from scraper.generic.words import (CHROME_HEADINGS, DOCUMENT_LINK, FOOTER_LINE, META_LABEL, VIEWS, WEEKDAY,
                                   is_toolbar_text)

import re

MIN_PARAGRAPH = 25  # shorter blocks are labels, dates, menu items
MAX_LINK_DENSITY = 0.5
OUTSIDE_TAGS = frozenset({"nav", "aside", "footer"})  # never the article's running text
SCORED_SKIP = SKIP_TAGS - {"form"}  # ASP.NET pages wrap the whole page in one form
SELF_CREDITED = frozenset({"td", "div", "section", "article", "main"})  # a leaf that can be a whole body
_CLOCK = re.compile(r"(?<!\d)\d{1,2}\s*[:hH]\s*\d{2}(?:\s*:\s*\d{2})?\s*(?:SA|CH|AM|PM|GMT\s*[+-]?\s*\d*)?", re.I)
_DATEISH = re.compile(r"(?<!\d)\d{1,4}\s*[/.\-]\s*\d{1,2}(?:\s*[/.\-]\s*\d{2,4})?(?!\d)|(?<!\d)\d{1,2}\s+tháng\s+"
                      r"\d{1,2}\s*,?\s+(?:năm\s+)?\d{4}|\b(?:lúc|ngày|giờ|năm)\b", re.I)
_PUNCT = re.compile(r"[\s|·•:;,/\\()\[\]\-–—_.]+")


def tag_of(element) -> str:
    """The element's tag ('' for comments); lxml's HTML parser gives tags in lower case already."""
    tag = element.tag
    return tag if isinstance(tag, str) else ""


class Stats:
    """Per element: characters of text, characters inside links, number of links (one walk)."""

    def __init__(self, root: etree._Element):
        self.chars: dict = {}
        self.link_chars: dict = {}
        self.links: dict = {}
        self._walk(root, False)

    def _walk(self, node, in_link: bool) -> tuple[int, int, int]:
        tag = tag_of(node)
        if not tag or tag in SCORED_SKIP:
            return 0, 0, 0
        is_link = tag == "a" and node.get("href") is not None
        own = len((node.text or "").strip())
        chars, link_chars, links = own, own if (in_link or is_link) else 0, int(is_link)
        for child in node:
            c, lc, n = self._walk(child, in_link or is_link)
            tail = len((child.tail or "").strip())
            chars += c + tail
            link_chars += lc + (tail if in_link or is_link else 0)
            links += n
        self.chars[node], self.link_chars[node], self.links[node] = chars, link_chars, links
        return chars, link_chars, links

    def density(self, node) -> float:
        chars = self.chars.get(node, 0)
        return self.link_chars.get(node, 0) / chars if chars else 0.0


def _is_leaf_block(element) -> bool:
    return not any(tag_of(child) in BLOCK_TAGS for child in element)


def find_body(root: etree._Element, stats: Stats | None = None, anchor: int | None = None) -> etree._Element | None:
    """The element holding the article's running text, or None when the page has none.

    With the headline's position (`anchor`), a block of two or more paragraphs that starts right
    after the headline beats a denser one elsewhere (a sidebar's "Giới thiệu" text beside a short
    notice), as long as it scores a third of the best.
    """
    stats = stats or Stats(root)
    scores: dict = {}
    paragraphs: list = []  # (document position, credit) of every good paragraph
    order: list = []
    at: dict = {}
    outside = {node for tag in OUTSIDE_TAGS for element in root.iter(tag) for node in element.iter()}
    for index, element in enumerate(root.iter()):
        at[element] = index
        tag = tag_of(element)
        if not tag or tag in SCORED_SKIP or tag in OUTSIDE_TAGS or tag in ("ul", "ol", "table", "tbody", "tr"):
            continue
        order.append(element)
        if tag not in BLOCK_TAGS or not _is_leaf_block(element) or element.tag in ("h1", "h2", "h3"):
            continue
        if element in outside:
            continue
        chars, link_chars = stats.chars.get(element, 0), stats.link_chars.get(element, 0)
        if chars < MIN_PARAGRAPH or link_chars > MAX_LINK_DENSITY * chars:
            continue
        credit = float(chars - link_chars)
        if FOOTER_LINE.match(" ".join(element.itertext())):
            credit = -2 * credit  # the site's footer: owner, licence, address
        if tag in SELF_CREDITED:
            scores[element] = scores.get(element, 0.0) + credit
        paragraphs.append((index, credit))
        ancestor, share = element.getparent(), 1.0
        while ancestor is not None and share >= 0.25:
            if tag_of(ancestor) not in ("tbody", "tr", "ul", "ol", "span", "font", "b", "strong", "i", "em"):
                scores[ancestor] = scores.get(ancestor, 0.0) + credit * share
                if len(ancestor) > 1:  # a wrapper around one element (Bootstrap's row > col) passes it all on
                    share /= 2
            ancestor = ancestor.getparent()
    best, best_score, ranked = None, 0.0, []
    for element in order:  # document order: on a tie the deeper element (seen later) wins
        score = scores.get(element, 0.0) * (1 - stats.density(element))
        if score > 0:
            ranked.append((score, element))
        if score >= best_score and score > 0:
            best, best_score = element, score
    if best is not None and anchor is not None:
        best = _after_headline(best, best_score, ranked, paragraphs, at, anchor)
    return _with_split_parts(best, paragraphs, at, stats) if best is not None else None


def _after_headline(best, best_score: float, ranked: list, paragraphs: list, at: dict, anchor: int):
    """Of the best block and the blocks apart from it, the one whose paragraphs start soonest after
    the headline (see find_body)."""
    def first_after(element) -> tuple[int, int]:
        start, end = at[element], _end(element, at)
        inside = [index for index, _credit in paragraphs if start <= index <= end and index > anchor]
        return (inside[0] if inside else -1), len(inside)

    first, count = first_after(best)
    chosen = (first if first >= 0 else len(at), -best_score, best)
    related = {best, *best.iterancestors()}
    for score, element in ranked:
        if element in related or score < best_score / 3 or best in element.iterancestors():
            continue  # only a block apart from the best one (not its wrapper, not a part of it)
        start, many = first_after(element)
        if start >= 0 and many >= 2 and (start, -score) < chosen[:2]:
            chosen = (start, -score, element)
    return chosen[2]


def _end(element, at: dict) -> int:
    last = element
    for last in element.iter():
        pass
    return at.get(last, at.get(element, 0))


def _with_split_parts(best, paragraphs: list, at: dict, stats: Stats):
    """The body's ancestor when the article goes on in sibling blocks after it (an editor's wrapper
    per part): two or more further good paragraphs worth a quarter of the body's text, in a block that is
    not mostly links. Wrappers that add nothing are climbed through; what precedes the body (title,
    date, sapo) never counts."""
    start, end = at[best], _end(best, at)
    own = sum(credit for index, credit in paragraphs if start <= index <= end)
    node = best
    for _ in range(4):
        parent = node.getparent()
        if parent is None or tag_of(parent) in ("body", "html"):
            break
        after = [credit for index, credit in paragraphs if end < index <= _end(parent, at)]
        if sum(after) >= 0.25 * own and len(after) >= 2 and stats.density(parent) < 0.3:
            best, end = parent, _end(parent, at)
            own += sum(after)
        elif sum(after) > MIN_PARAGRAPH:
            break
        node = parent
    return best


def is_meta_line(text: str) -> bool:
    """A line that only states the article's date, views, category or poster ('Ngày đăng: … | Lượt xem: 12')."""
    if not text or len(text) > 160:
        return False
    parts = [part for part in re.split(r"\s[|·•]\s|\s{2,}|\|", text) if part.strip()]
    return bool(parts) and all(_meta_part(part.strip()) for part in parts)


def _meta_part(part: str) -> bool:
    if VIEWS.match(part):
        return True
    if META_LABEL.match(part) and len(part) <= 60:
        return True
    if has_date(part) or _CLOCK.search(part):
        rest = _DATEISH.sub(" ", _CLOCK.sub(" ", WEEKDAY.sub(" ", META_LABEL.sub(" ", part))))
        return len(_PUNCT.sub("", rest)) <= 3
    return False


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
    if is_meta_line(text):
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


def _headline_blocks(root) -> list:
    """Blocks that are nothing but a link of 4+ words: a teaser's headline."""
    found = []
    for link in root.iter("a"):
        block = next((a for a in link.iterancestors() if tag_of(a) in BLOCK_TAGS), None)
        text = tidy(" ".join(link.itertext()))
        if block is not None and len(text.split()) >= 4 and tidy(" ".join(block.itertext())) == text:
            found.append(block)
    return found


def headline_links(root) -> int:
    return len(_headline_blocks(root))


def is_listing(copy) -> bool:
    """Three teasers' headlines or more, the first with little text before it: a listing of articles.

    An article that ends with unlabelled teasers of other articles has its text before them; those
    teasers (headline and a short summary) are dropped from it instead.
    """
    blocks = _headline_blocks(copy)
    if len(blocks) < MIN_TEASERS:
        return False
    if _text_before(copy, blocks[0]) < MIN_TEXT_BEFORE_TEASERS and (
            len(blocks) >= MAX_HEADLINE_LINKS or _repeated_items(copy)):
        return True
    for block in blocks:
        item = block.getparent()
        target = item if item is not None and item is not copy and \
            len(tidy(" ".join(item.itertext()))) <= MAX_TEASER_CHARS and len(_headline_blocks(item)) == 1 else block
        _drop(target)
    return False


MAX_HEADLINE_LINKS = 3
MIN_TEXT_BEFORE_TEASERS = 300


def _text_before(root, first) -> int:
    before = 0
    for node in root.iter():
        if node is first:
            break
        if isinstance(node.tag, str) and node not in first.iterancestors():
            before += len((node.text or "").strip()) + len((node.tail or "").strip())
    return before


def _repeated_items(root) -> bool:
    """Two or more like children (same tag and class), each with a headline link: a listing's items."""
    for node in root.iter():
        groups: dict = {}
        for child in node:
            if isinstance(child.tag, str) and _headline_blocks(child):
                groups.setdefault((child.tag, child.get("class")), []).append(child)
        if any(len(group) >= MIN_TEASERS for group in groups.values()):
            return True
    return False


def in_teaser_series(body) -> bool:
    """True when the body (or one of its two nearest ancestors) is a short teaser with a headline link,
    beside like siblings (same tag and class) that carry one too: a listing page, not an article."""
    node = body
    for _ in range(3):
        parent = node.getparent()
        if parent is None:
            return False
        if headline_links(node) and len(tidy(" ".join(node.itertext()))) <= MAX_TEASER_CHARS:
            alike = [s for s in parent if s.tag == node.tag and s.get("class") == node.get("class")]
            if sum(1 for s in alike if headline_links(s)) >= MIN_TEASERS:
                return True
        node = parent
    return False


MIN_TEASERS = 2
MAX_TEASER_CHARS = 700  # a teaser: a headline and a short summary
