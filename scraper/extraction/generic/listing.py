"""Tell a listing of articles from an article: teasers' headlines side by side.

A teaser's headline is a block that is nothing but a link of four words or more. A listing is
made of them from its start; an article that ends with such teasers keeps its text and loses them.
"""
from __future__ import annotations

from scraper.extraction.body import BLOCK_TAGS
from scraper.extraction.cleaning import tidy
from scraper.extraction.generic.prune import _drop
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
