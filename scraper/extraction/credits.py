"""The byline and the source an editor puts at the end of an article body, taken off its last lines.

Rules (scraper.extraction.body's docstring): the last lines, right-aligned, in bold (byline) or italics
(source), or behind a label ('Nguồn:', 'Tin, ảnh:'), or opened by a word the layout names
('Theo Báo Cần Thơ').
"""
from __future__ import annotations

from lxml import etree

from scraper.extraction.blocks import Block
from scraper.extraction.cleaning import AUTHOR_LABEL, SOURCE_LABEL, strip_label, tidy
from scraper.extraction.visible import BOLD, ITALIC, right_aligned, wholly

MAX_CREDIT_LINES = 3


def credited_source(text: str, prefixes: tuple[str, ...]) -> str | None:
    """'Theo Báo Cần Thơ' → 'Báo Cần Thơ' when the layout says its last line credits a source so;
    a short line without a full stop, never a sentence that happens to begin with 'Theo'."""
    for prefix in prefixes:
        if text.startswith(prefix + " ") and len(text) <= 120 and not text.rstrip().endswith((".", ";", ":")):
            return tidy(text[len(prefix):]).strip("()") or None
    return None


def peel_credits(blocks: list[Block], body: etree._Element,
                  source_prefixes: tuple[str, ...] = ()) -> tuple[str | None, str | None]:
    """Take the byline and source lines off the end of the body (at most three lines)."""
    author = source = None
    for _ in range(MAX_CREDIT_LINES):
        text_blocks = [b for b in blocks if b.text]
        if not text_blocks:
            break
        last = text_blocks[-1]
        if last.images:
            break
        if source is None and SOURCE_LABEL.match(last.text):
            source = strip_label(last.text)
        elif source is None and credited_source(last.text, source_prefixes):
            source = credited_source(last.text, source_prefixes)
        elif author is None and AUTHOR_LABEL.match(last.text) and len(last.text) <= 120:
            author = last.text  # the byline as printed, label included ("Tin, ảnh: …")
        elif not right_aligned(last.element, body) or len(last.text) > 120:
            break
        elif author is None and wholly(last.element, BOLD):
            author = last.text
        elif source is None and wholly(last.element, ITALIC):
            source = strip_label(last.text)
        else:
            break
        blocks.remove(last)
    return author, source
