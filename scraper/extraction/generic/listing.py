"""Tell a listing of articles from an article: teasers' headlines side by side.

A teaser's headline is a block that is nothing but a link of four words or more. A listing is
made of them from its start; an article that ends with such teasers keeps its text and loses them.
"""
from __future__ import annotations

from scraper.extraction.body import BLOCK_TAGS
from scraper.extraction.cleaning import tidy
from scraper.extraction.generic.prune import _drop, text_start
from scraper.extraction.visible import tag_of


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
    if _teaser_column(copy):
        return True
    blocks = _headline_blocks(copy)
    if len(blocks) < MIN_TEASERS:
        return False
    if _text_before(copy, blocks[0]) < MIN_TEXT_BEFORE_TEASERS and (
            len(blocks) >= MAX_HEADLINE_LINKS or _repeated_items(copy)) and not _story_run(copy, blocks):
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
        # the length first: a whole body fails it at once, where counting its headline links reads every link
        if text_start(node, MAX_TEASER_CHARS)[1] and headline_links(node):
            alike = [s for s in parent if s.tag == node.tag and s.get("class") == node.get("class")]
            if sum(1 for s in alike if headline_links(s)) >= MIN_TEASERS:
                return True
        node = parent
    return False


MIN_TEASERS = 2
MAX_TEASER_CHARS = 700  # a teaser: a headline and a short summary


# A story's running text: paragraphs of this many characters or more, with no link, two or more in a
# row with no teaser's headline between them. A listing's teaser has one summary under its headline
# (and a date); a story that opens with "Tin liên quan: …" / "Xem thêm: …" / ">> …" links goes on
# with paragraph after paragraph.
MIN_STORY_PARAGRAPH = 80
MIN_STORY_PARAGRAPHS = 2


def _story_run(copy, blocks: list) -> bool:
    """True when, between or after the teasers' headline blocks, MIN_STORY_PARAGRAPHS paragraphs of
    running text follow one another: an article whose related links precede its text, not a listing."""
    headlines = set(blocks)
    run = 0
    for node in copy.iter():
        if node in headlines:
            run = 0
            continue
        if tag_of(node) not in BLOCK_TAGS or any(tag_of(child) in BLOCK_TAGS for child in node):
            continue
        if any(a.get("href") is not None for a in node.iter("a")):
            run = 0  # a teaser's summary line with its "Xem tiếp" link, a list of links
            continue
        if len(tidy(" ".join(node.itertext()))) >= MIN_STORY_PARAGRAPH:
            run += 1
            if run >= MIN_STORY_PARAGRAPHS:
                return True
    return False


# A column of teasers that are not headline blocks (a gov.vn category page: thumbnail, headline link,
# date and summary in one <div> per item): this many like items or more, each short and opening with
# its headline link, holding this share of the body's text or more.
MIN_COLUMN_ITEMS = 3
MIN_COLUMN_SHARE = 0.5
MAX_TEXT_BEFORE_HEADLINE = 20  # a date or a label before an item's headline link


def _teaser_column(copy) -> bool:
    """Like children (same tag and class) of one element, MIN_COLUMN_ITEMS or more, each a teaser
    (MAX_TEASER_CHARS at most) that opens with a link of 4+ words, together most of the text, with
    little text before them and no story's run of paragraphs beside them (an article's short text
    followed by teasers of other articles is an article: is_listing drops those teasers)."""
    total = len(tidy(" ".join(copy.itertext())))
    if not total:
        return False
    for node in copy.iter():
        groups: dict = {}
        for child in node:
            if isinstance(child.tag, str):
                groups.setdefault((child.tag, child.get("class")), []).append(child)
        for group in groups.values():
            if len(group) < MIN_COLUMN_ITEMS:
                continue
            texts = [tidy(" ".join(item.itertext())) for item in group]
            if all(len(text) <= MAX_TEASER_CHARS and _opens_with_headline(item, text) for item, text in zip(group, texts)) \
                    and sum(map(len, texts)) >= MIN_COLUMN_SHARE * total \
                    and _text_before(copy, group[0]) < MIN_TEXT_BEFORE_TEASERS and not _story_run(copy, group):
                return True
    return False


def _opens_with_headline(item, text: str) -> bool:
    for link in item.iter("a"):
        words = tidy(" ".join(link.itertext()))
        if words:
            return len(words.split()) >= 4 and text.find(words) <= MAX_TEXT_BEFORE_HEADLINE
    return False
