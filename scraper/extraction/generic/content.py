"""Find the article body on a page of unknown markup.

The body is the element that holds the most running text: every paragraph-like block (a leaf
block of 25 characters or more, mostly not link text) credits its length to its parent, half to
its grandparent and a quarter above that, as Readability does (a wrapper around a single element
passes the credit on whole). A footer's lines ("Cơ quan chủ quản", "Giấy phép") count against the
block that holds them. A container's loose text (lines with <br> between them beside its blocks)
is a paragraph of its own; a section opened by a boilerplate heading (words.SECTION_HEADINGS:
comments, "you may also like", a customer-service box) gives no credit. The body is looked for
after the headline, and an article split over sibling blocks, before or after the best one, is
taken whole (find_body).
"""
from __future__ import annotations

from lxml import etree

from scraper.extraction.body import BLOCK_TAGS, SKIP_TAGS
from scraper.extraction.generic.words import BOX_NAMES, FOOTER_LINE, MAX_SECTION_HEADING, SECTION_HEADINGS
from scraper.extraction.visible import tag_of, text_of

MIN_PARAGRAPH = 25  # shorter blocks are labels, dates, menu items
MAX_LINK_DENSITY = 0.5
OUTSIDE_TAGS = frozenset({"nav", "aside", "footer"})  # never the article's running text
SCORED_SKIP = SKIP_TAGS - {"form"}  # ASP.NET pages wrap the whole page in one form
SELF_CREDITED = frozenset({"td", "div", "section", "article", "main"})  # a leaf that can be a whole body


class Stats:
    """Per element: characters of text, characters inside links, number of links (one walk)."""

    def __init__(self, root: etree._Element):
        self.chars: dict = {}
        self.link_chars: dict = {}
        self.links: dict = {}
        self._walk(root, False)

    def _walk(self, node, in_link: bool) -> tuple[int, int, int]:
        """(chars, link chars, links) of the node's subtree, recorded for it and every element under it.
        Runs on every element of the page, twice (the page, the pruned body): kept to plain local
        operations (it was the extractor's costliest function)."""
        tag = node.tag
        if not isinstance(tag, str) or not tag or tag in SCORED_SKIP:
            return 0, 0, 0
        is_link = tag == "a" and node.get("href") is not None
        linked = in_link or is_link
        text = node.text
        own = len(text.strip()) if text else 0
        chars, link_chars, links = own, own if linked else 0, int(is_link)
        walk = self._walk
        for child in node:
            c, lc, n = walk(child, linked)
            tail = child.tail
            if tail:
                tail_chars = len(tail.strip())
                chars += c + tail_chars
                link_chars += lc + tail_chars if linked else lc
            else:
                chars += c
                link_chars += lc
            links += n
        self.chars[node], self.link_chars[node], self.links[node] = chars, link_chars, links
        return chars, link_chars, links

    def density(self, node) -> float:
        chars = self.chars.get(node, 0)
        return self.link_chars.get(node, 0) / chars if chars else 0.0


def _is_leaf_block(element) -> bool:
    return not any(tag_of(child) in BLOCK_TAGS for child in element)


def find_body(root: etree._Element, stats: Stats | None = None, anchor=None,
              position: dict | None = None) -> etree._Element | None:
    """The element holding the article's running text, or None when the page has none.

    With the headline's element (`anchor`), a block of two or more paragraphs that starts right
    after the headline and sits closer to it in the page's tree beats a denser one elsewhere (a
    sidebar's "Giới thiệu" text beside a short notice), as long as it scores a third of the best.
    """
    stats = stats or Stats(root)
    at = position if position is not None else {node: index for index, node in enumerate(root.iter())}
    scores: dict = {}
    paragraphs: list = []  # (document position, credit) of every good paragraph
    outside = {node for tag in OUTSIDE_TAGS for element in root.iter(tag) for node in element.iter()}
    outside |= _headed_sections(stats, anchor, at)
    # Only an element of MIN_PARAGRAPH characters or more can be a paragraph (a shorter one's loose text
    # is shorter too): those Stats measured, in document order (the credits add up in that order).
    for element in sorted([node for node, count in stats.chars.items() if count >= MIN_PARAGRAPH], key=at.__getitem__):
        index, tag = at[element], element.tag
        if tag in SCORED_SKIP or tag in OUTSIDE_TAGS or tag in _NEVER_SCORED:
            continue
        if tag not in BLOCK_TAGS or tag in ("h1", "h2", "h3") or element in outside:
            continue
        if _is_leaf_block(element):
            chars, link_chars = stats.chars.get(element, 0), stats.link_chars.get(element, 0)
        else:  # a container's loose text: lines set apart by <br> beside its blocks
            chars, link_chars = _loose_text(element, stats)
        if chars < MIN_PARAGRAPH or link_chars > MAX_LINK_DENSITY * chars:
            continue
        credit = float(chars - link_chars)
        if FOOTER_LINE.match(_raw_start(element)):
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
    for element in sorted(scores, key=at.__getitem__):  # document order: on a tie the deeper element (seen later) wins
        if element.tag in SCORED_SKIP or element.tag in OUTSIDE_TAGS or element.tag in _NEVER_SCORED:
            continue
        score = scores[element] * (1 - stats.density(element))
        if score > 0:
            ranked.append((score, element))
        if score >= best_score and score > 0:
            best, best_score = element, score
    if best is not None and anchor is not None and anchor in at:
        best = _after_headline(best, best_score, ranked, paragraphs, at, anchor)
    if best is None:
        return None
    best = _around_quotation(best, paragraphs, at)
    return _with_split_parts(_with_parts_before(best, paragraphs, at, stats, anchor), paragraphs, at, stats)


def _around_quotation(best, paragraphs: list, at: dict):
    """The block around a quotation that scored best: a <blockquote> is quoted inside a story, never the
    story itself. When the best block is one and its parent holds MIN_PART_PARAGRAPHS good paragraphs
    or more of its own beside it (the story around a long quote), the parent is the body."""
    parent = best.getparent()
    if tag_of(best) != "blockquote" or parent is None or tag_of(parent) in ("body", "html"):
        return best
    start, end = at[best], _end(best, at)
    around = [index for index, _credit in paragraphs if at[parent] <= index <= _end(parent, at) and not start <= index <= end]
    return parent if len(around) >= MIN_PART_PARAGRAPHS else best


FOOTER_READ = 100  # characters a footer label is read in: the longest label (words.FOOTER_LINE) is far shorter


def _raw_start(element) -> str:
    """The start of the element's text nodes joined by spaces, as they are (FOOTER_LINE reads them so): at
    least FOOTER_READ characters after the leading space, or all of them. A container's whole text is not
    joined only to read its first words."""
    pieces, length = [], 0
    for fragment in element.itertext():
        pieces.append(fragment)
        length += len(fragment) + 1
        if length > FOOTER_READ and len(" ".join(pieces).lstrip()) > FOOTER_READ:
            break
    return " ".join(pieces)


_NEVER_SCORED = frozenset({"ul", "ol", "table", "tbody", "tr"})  # a list or a table is scored in its items or cells


def _after_headline(best, best_score: float, ranked: list, paragraphs: list, at: dict, anchor):
    """Of the best block and the blocks apart from it that share a deeper ancestor with the headline,
    the one whose paragraphs start soonest after the headline (see find_body)."""
    anchor_at, around = at[anchor], {anchor, *anchor.iterancestors()}

    def first_after(element) -> tuple[int, int]:
        start, end = at[element], _end(element, at)
        inside = [index for index, _credit in paragraphs if start <= index <= end and index > anchor_at]
        return (inside[0] if inside else -1), len(inside)

    def kinship(element) -> int:
        """Depth of the nearest ancestor the element shares with the headline."""
        node = element
        while node is not None and node not in around:
            node = node.getparent()
        return sum(1 for _ in node.iterancestors()) if node is not None else -1

    first, _count = first_after(best)
    chosen = (first if first >= 0 else len(at), -best_score, best)
    related, closest = {best, *best.iterancestors()}, kinship(best)
    for score, element in ranked:
        if element in related or score < best_score / 3 or best in element.iterancestors():
            continue  # only a block apart from the best one (not its wrapper, not a part of it)
        start, many = first_after(element)
        if start >= 0 and many >= 2 and (start, -score) < chosen[:2] and kinship(element) > closest:
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
    date, sapo) never counts, nor do the paragraphs of a box the page names as none of the story's
    (reader comments, a newsletter or subscription offer, related stories: words.BOX_NAMES), though they
    stop the climb as any other text does."""
    start, end = at[best], _end(best, at)
    own = sum(credit for index, credit in paragraphs if start <= index <= end)
    node, nodes = best, None
    for _ in range(4):
        parent = node.getparent()
        if parent is None or tag_of(parent) in ("body", "html"):
            break
        further = [(index, credit) for index, credit in paragraphs if end < index <= _end(parent, at)]
        if further:
            nodes = nodes or list(at)  # document order: an index's element
        after = [credit for index, credit in further if not _in_box(nodes[index], parent)]
        if sum(after) >= 0.25 * own and len(after) >= 2 and stats.density(parent) < 0.3:
            best, end = parent, _end(parent, at)
            own += sum(after)
        elif sum(credit for _index, credit in further) > MIN_PARAGRAPH:
            break
        node = parent
    return best


def _in_box(element, stop) -> bool:
    """The element, or an ancestor below `stop`, is named as a box that is not the story (BOX_NAMES)."""
    while element is not None and element is not stop:
        marks = element.get("class"), element.get("id")
        if (marks[0] or marks[1]) and BOX_NAMES.search(" ".join(mark for mark in marks if mark)):
            return True
        element = element.getparent()
    return False


def _loose_text(element, stats: Stats) -> tuple[int, int]:
    """Characters (and link characters) of the text a container holds outside its block children: the
    lines of an old editor's story written with <br> between them, beside a date <div> or a <p>."""
    chars, link_chars = stats.chars.get(element, 0), stats.link_chars.get(element, 0)
    for child in element:
        if tag_of(child) in BLOCK_TAGS:
            chars -= stats.chars.get(child, 0)
            link_chars -= stats.link_chars.get(child, 0)
    return chars, link_chars


HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6", "div", "p", "span", "strong", "b", "header", "label", "legend"})


def _headed_sections(stats: Stats, anchor, at: dict) -> set:
    """The nodes of the sections a boilerplate heading opens ('Bình luận', 'Có thể bạn quan tâm',
    'Chăm sóc khách hàng', 'Comments'; words.SECTION_HEADINGS): the heading and the siblings after
    it in its parent, never a block that holds the headline. Looked for among the short elements
    Stats measured, in document order."""
    found: set = set()
    short = [node for node, count in stats.chars.items() if 0 < count <= MAX_SECTION_HEADING and node.tag in HEADING_TAGS]
    for element in sorted(short, key=at.__getitem__):
        chars = stats.chars[element]
        if element in found:
            continue
        parent = element.getparent()
        if parent is None or not SECTION_HEADINGS.match(text_of(element)):
            continue
        if tag_of(element) in ("span", "strong", "b", "label") and stats.chars.get(parent, 0) != chars:
            continue  # an inline word inside a line, not a heading of its own
        if tag_of(element) in ("span", "strong", "b", "label"):
            element, parent = parent, parent.getparent()
            if parent is None:
                continue
        section = [element, *element.itersiblings()]
        if anchor is not None and any(anchor is node or anchor in node.iterdescendants() for node in section):
            continue
        for node in section:
            found.update(node.iter())
    return found


MIN_PART_PARAGRAPHS = 2  # a part before the body holds this many paragraphs; one alone is the sapo's place


def _with_parts_before(best, paragraphs: list, at: dict, stats: Stats, anchor):
    """The body's parent when the story begins in sibling blocks before it, cut off from it by a block
    with no running text (an ad slot, an image, a box of links): each such earlier part holds
    MIN_PART_PARAGRAPHS good paragraphs or more and is not mostly links, and nothing else of the
    parent before the body has running text. The headline, and the block holding it, end the search."""
    parent = best.getparent()
    if parent is None or tag_of(parent) in ("body", "html"):
        return best
    parts, gap, taken = 0.0, False, set()
    for sibling in best.itersiblings(preceding=True):
        if not isinstance(sibling.tag, str):
            continue
        if anchor is not None and (sibling is anchor or anchor in sibling.iterdescendants()):
            break
        if tag_of(sibling) in ("h1", "h2"):
            break
        credits = [credit for index, credit in paragraphs if at[sibling] <= index <= _end(sibling, at)]
        if not credits:
            gap = True
            continue
        if not gap or len(credits) < MIN_PART_PARAGRAPHS or stats.density(sibling) >= 0.3:
            break
        parts += sum(credits)
        taken.update(sibling.iter())
    if not parts:
        return best
    earlier = [index for index, _credit in paragraphs if at[parent] <= index < at[best]]
    order = {node: index for node, index in at.items() if node in taken}
    if len(earlier) != sum(1 for index in earlier if index in order.values()):
        return best  # other running text before the body (a sapo, a date line): not a part of it
    return parent
