"""Text cleaning shared by every layout: decoding, Unicode NFC, whitespace, labels.

Pure functions on strings and bytes; nothing here knows about a portal's markup.
Text is kept as published: no word is rewritten, only normalised to NFC and tidied.
"""
from __future__ import annotations

import codecs
import logging
import re
import unicodedata

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding

logger = logging.getLogger("scraper.cleaning")  # the name its log lines have always shown

# Editors leave zero-width characters between words; they are not whitespace to str.split().
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")

# Credit labels that precede a source line or byline, Vietnamese and the 2017-era English ones.
SOURCE_LABEL = re.compile(r"^\s*(?:Nguồn(?:\s+tin)?|Theo|Source)\s*:\s*", re.IGNORECASE)
AUTHOR_LABEL = re.compile(r"^\s*(?:Tác giả|Người viết|Bài(?:\s+và\s+ảnh)?|Tin(?:,\s*ảnh)?|Author)\s*:\s*", re.IGNORECASE)
# The label of a line listing an article's attachments inside its body ('File đính kèm: <a>…</a>').
ATTACHMENT_LABEL = re.compile(r"^\s*(?:(?:File|Tệp(?:\s+tin)?|Tài liệu|Văn bản)\s+)?đính kèm\s*:\s*", re.IGNORECASE)


def tidy(text: str | None) -> str:
    """NFC-normalise and collapse every run of whitespace (NBSP included) to one space.

    Hà Giang's editor stores decomposed accents (NFD); NFC makes them comparable and searchable.
    Whitespace is never part of a composition (no canonical pair holds a whitespace or zero-width
    character, and NFC maps whitespace only to whitespace: tests/test_cleaning.py tries every
    assigned code point), so the text may be composed before or after tidying, whole or a word at a time.
    """
    if not text:
        return ""
    # Most text is already tidy, and that is cheap to prove: `isprintable` is False for every
    # whitespace character but the ASCII space, and for the zero-width ones. Splitting a long
    # article only to join it again cost ~10 ns per character (bench/extraction.py, body ×16).
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return unicodedata.normalize("NFC", text)
    if _holds_zero_width(text):
        text = _ZERO_WIDTH.sub(" ", text)
    # str.split() splits on every Unicode space (NBSP included) and is ~10× faster than a regex.
    words = text.split()
    if _ACUTE in text:
        return " ".join(_composed(words))
    return unicodedata.normalize("NFC", " ".join(words))


def _holds_zero_width(text: str) -> bool:
    """Five `in` tests: 4 µs over a 47,000-character article where `_ZERO_WIDTH.search` took
    143 µs (a regular expression tests its class at every character; `in` searches in C)."""
    return "\u200b" in text or "\u200c" in text or "\u200d" in text or "\u2060" in text or "\ufeff" in text


# A combining acute accent: Vietnamese typed decomposed holds one in nearly every sentence (sắc,
# and ế ố ấ); text typed composed practically never does. It only picks the faster way to the same result.
_ACUTE = "\u0301"
# The NFC form of each word seen in decomposed text. Vietnamese is written in a few thousand
# syllables, so most words of an article were seen in the articles before it. Emptied when full
# (20,000 words: ~5 MB).
_COMPOSED_WORDS: dict[str, str] = {}
_COMPOSED_WORDS_MAX = 20_000


def _composed(words: list[str]) -> list[str]:
    """Each word's NFC, from the cache where it is there. Python composes decomposed text at ~20 ns
    a character, most of a long Hà Giang article's tidying; a cached word costs a dict look-up.
    bench/decomposed.py, against composing each paragraph whole: a crawl's first article costs
    38 % more, its first 37 articles together 13 % less, an article 10 % of whose words are new 24 % less."""
    cache = _COMPOSED_WORDS
    if len(cache) > _COMPOSED_WORDS_MAX:
        cache.clear()
    found = []
    for word in words:
        composed = cache.get(word)
        if composed is None:
            composed = cache[word] = unicodedata.normalize("NFC", word)
        found.append(composed)
    return found


def tidy_or_none(text: str | None) -> str | None:
    """`tidy`, but None for text that is empty once tidied: "not found" is never ''."""
    cleaned = tidy(text)
    return cleaned or None


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes to text: a BOM, else valid UTF-8, else the header's charset, <meta charset>, windows-1258.

    Bytes that decode as UTF-8 are UTF-8 whatever a header says (a legacy single-byte page is
    practically never valid UTF-8, and Latin-1 cannot even write Vietnamese). Otherwise a charset
    is believed only if the body decodes under it: portals send 'UTF-8' headers on windows-1258
    pages, and An Giang sends no charset at all (its meta tag names it).
    """
    if body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return html_to_unicode(content_type, body)[1]
    candidates = [("the bytes", "utf-8"), ("the HTTP header", http_content_type_encoding(content_type)),
                  ("the meta tag", html_body_declared_encoding(body)), ("the Vietnamese default", "cp1258")]
    for source, encoding in candidates:
        if not encoding:
            continue
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            if source != "the bytes":
                logger.warning("the page does not decode as %s, the charset %s names; trying the next", encoding, source)
    return body.decode("utf-8", errors="replace")


def strip_label(text: str | None, label: re.Pattern[str] = SOURCE_LABEL) -> str | None:
    """Remove a leading credit label ('Nguồn:', 'Source:') and return the rest, or None."""
    if text is None:
        return None
    return tidy_or_none(label.sub("", tidy(text), count=1))


def strip_author_label(text: str | None) -> str | None:
    """The byline without its label: 'Tác giả: Nguyễn Văn A' → 'Nguyễn Văn A' (AUTHOR_LABEL's
    words: 'Tác giả', 'Người viết', 'Bài', 'Bài và ảnh', 'Tin', 'Tin, ảnh', 'Author', each before a
    colon); text without one is returned tidied. The one rule for an author, read by a selector
    or peeled off the body's last lines."""
    return strip_label(text, AUTHOR_LABEL)


def parse_count(text: str | None) -> int | None:
    """The integer in a view counter such as 'Số lượt xem: 1.204' or 'View Count: 81'."""
    if not text:
        return None
    match = re.search(r"\d[\d.,\s]*", text)
    if not match:
        return None
    digits = re.sub(r"\D", "", match.group())
    return int(digits) if digits else None
