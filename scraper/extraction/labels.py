"""Fields printed after a label word in a cell they share with others, as old table layouts print
them: "Ngày cập nhật: 25/09/2023 | Số lần đọc: 2954", "Tác giả: Minh Thư (Nguồn: TTYT Long Hồ)".

A layout's `[article.labels]` names, per field, the label words its value follows (scraper/extraction/
layouts.py); the field's selectors find the cell. The value is the text after the label and its
colon, up to the next separator ('|', a line break), the next label ('… (Nguồn: …'), or the end of
the cell; a label opened by '(' ends at its closing ')'. Labels are matched as whole words, in any
case, on the NFC text. Shared by extraction (pages.py) and `soyte learn`, which finds the labels.
"""
from __future__ import annotations

import re

from lxml import etree

from scraper.extraction.cleaning import tidy
from scraper.extraction.visible import SKIP_TAGS, tag_of

# Elements that start a new line of a cell's text.
_LINE_TAGS = frozenset("br p div li tr td th table ul ol h1 h2 h3 h4 h5 h6 center blockquote".split())
# A label: one to five words of letters (no digit: '08:30' is a time, not a label) and a colon.
_WORDS = r"[^\W\d_]+(?:[ \t][^\W\d_]+){0,4}"
_SEGMENT_LABEL = re.compile(rf"^({_WORDS})\s*:\s*(\S.*)$", re.DOTALL)
_NEXT_LABEL = re.compile(rf"(?:\s*[(\[]|\s+[-–]\s+|[,;]\s*|\s+)(?<![^\W_]){_WORDS}\s*:(?!\d)")
_SEPARATORS = re.compile(r"\s*(?:\||\n)\s*")
_SEGMENT_SPLIT = re.compile(r"\s*(?:\||\n|\(|\)|\s[-–]\s)\s*")
MAX_CELL_CHARS = 400


def cell_text(element: etree._Element) -> str:
    """The element's text with a line break at each <br> and block, each line tidied (NFC)."""
    parts: list[str] = []

    def visit(node: etree._Element) -> None:
        tag = tag_of(node)
        if not tag or tag in SKIP_TAGS:
            return
        if tag in _LINE_TAGS:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            visit(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _LINE_TAGS:
            parts.append("\n")

    visit(element)
    lines = (tidy(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _label_pattern(label: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in tidy(label).split())
    return re.compile(rf"(?<![^\W_]){words}\s*:", re.IGNORECASE)


def _closing(text: str) -> int:
    """Where the parenthesis opened before `text` closes (its length when it never does)."""
    depth = 1
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index
    return len(text)


def labelled_value(text: str, labels: list[str] | tuple[str, ...]) -> str | None:
    """The value after the first of `labels` found in a cell's text (cell_text), or None."""
    for label in labels:
        for match in _label_pattern(label).finditer(text):
            value = text[match.end():]
            if text[:match.start()].rstrip().endswith("("):
                value = value[:_closing(value)]
            cut = _SEPARATORS.search(value)
            value = value[:cut.start()] if cut else value
            following = _NEXT_LABEL.search(value)
            value = value[:following.start()] if following else value
            value = tidy(value).strip(" -–,;(")
            if value:
                return value
    return None


def labelled_segments(text: str) -> list[tuple[str, str]]:
    """(label as printed, value) for each 'Label: value' that starts the cell or follows a separator:
    what `soyte learn` tries as a field's label."""
    found = []
    for segment in _SEGMENT_SPLIT.split(text):
        match = _SEGMENT_LABEL.match(segment)
        if match:
            label = tidy(match[1])
            value = labelled_value(text, [label])  # as extraction reads it: the label's first place
            if value and (label, value) not in found:
                found.append((label, value))
    return found
