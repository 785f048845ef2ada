"""Shared cleaning and dates: pure functions, tested on their own."""
from __future__ import annotations

import logging
import unicodedata

import pytest

from scraper.extraction.cleaning import decode_html, parse_count, strip_label, tidy, tidy_or_none
from scraper.extraction.dates import iso_from_head, parse_vietnamese_datetime


def test_tidy_composes_decomposed_accents():
    decomposed = "Kho\u0302\u0301ng che\u0302\u0301"  # what Hà Giang's editor stores
    assert tidy(decomposed) == "Khống chế"
    assert len(tidy(decomposed)) == 9


def _tidy_whole(text: str) -> str:
    """What `tidy` means, the slow way: compose the whole text, then make every run of whitespace
    and zero-width characters one space."""
    composed = unicodedata.normalize("NFC", text)
    for zero_width in "\u200b\u200c\u200d\u2060\ufeff":
        composed = composed.replace(zero_width, " ")
    return " ".join(composed.split())


def test_tidy_is_the_text_composed_whole_then_split_for_every_code_point():
    """`tidy` composes text before or after tidying it, and decomposed text a word at a time (from
    a cache). That is only right if no character composes across whitespace: tried with every
    assigned code point at a word's start, middle and end, beside a space, an NBSP, a zero-width
    space and combining accents, in text that is tidy already and in text that is not, decomposed
    Vietnamese (with an acute accent) or not. (Unassigned and private-use code points have no
    decomposition and compose with nothing.)"""
    codes = [code for code in range(0x110000) if unicodedata.category(chr(code)) not in ("Cn", "Co", "Cs")]
    templates = {
        "untidy, acute": "e{c}\u0301 {c}\u0301\u00a0\u200b{c}a\u0301 \u0323{c}\u2003o\u031b{c}",
        "untidy, no acute": "e{c}\u0300 {c}\u0309\u00a0\u200b{c}a\u0303 \u0323{c}\u2003o\u031b{c}",
        "untidy, no zero-width space": "e{c}\u0301\u00a0{c}a o\u031b{c}",
        "tidy": "e{c}\u0301 o\u031b{c}a \u0323{c}",
    }
    mismatches = []
    for name, template in templates.items():
        kept = codes if name != "tidy" else [code for code in codes if chr(code).isprintable() and code != 0x20]
        for start in range(0, len(kept), 64):  # 64 code points a text, each in its own words
            block = kept[start:start + 64]
            text = " ".join(template.format(c=c) for c in map(chr, block))
            if tidy(text) != _tidy_whole(text) or (name == "untidy, acute" and tidy(text) != _tidy_whole(text)):
                # (the second call takes every word from the cache)
                mismatches.append(f"{name}: {block[0]:X}-{block[-1]:X}")
    assert mismatches == []
    decomposed = "Kho\u0302\u0301ng che\u0302\u0301 di\u0323ch  be\u0323\u0302nh\u00a0sô\u0301t xuâ\u0301t huye\u0302\u0301t"
    assert tidy(decomposed) == "Khống chế dịch bệnh sốt xuất huyết"


def test_tidy_collapses_nbsp_and_runs_of_spaces_but_keeps_words():
    assert tidy("\u00a0 \u00a0Trong  hai\u00a0ngày\n16 và 17/9 ,") == "Trong hai ngày 16 và 17/9 ,"


def test_tidy_keeps_both_tone_mark_placements():
    assert tidy("hoá và hóa") == "hoá và hóa"


def test_tidy_or_none_never_returns_empty_string():
    assert tidy_or_none(" \u00a0 ") is None


@pytest.mark.parametrize("label", ["Nguồn:", "Source:", "Nguồn tin:", "Theo:"])
def test_strip_label(label):
    assert strip_label(f"{label} Trung tâm Truyền thông GDSK") == "Trung tâm Truyền thông GDSK"


@pytest.mark.parametrize("text, count", [("Số lượt xem: 1.204", 1204), ("View Count: 81", 81), ("", None), ("xem", None)])
def test_parse_count(text, count):
    assert parse_count(text) == count


def to_cp1258(text: str) -> bytes:
    """Encode as Vietnamese Windows pages do: precomposed letters where cp1258 has them, tone marks combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
            out += (base + "".join(c for c in decomposed if c in tones)).encode("cp1258")
    return out


def test_decode_html_reads_the_meta_charset_when_the_header_has_none():
    body = to_cp1258('<meta charset="windows-1258"><p>Sở Y tế Đắk Lắk</p>')
    assert "Sở Y tế Đắk Lắk" in tidy(decode_html(body, "text/html"))


def test_decode_html_prefers_the_byte_order_mark():
    assert decode_html("\ufeff<p>Bắc Ninh</p>".encode("utf-8"), "text/html; charset=iso-8859-1").endswith("Bắc Ninh</p>")


@pytest.mark.parametrize("text, iso", [
    ("31/07/2017 15:55", "2017-07-31T15:55:00+07:00"),
    ("02:12 13/03/2020", "2020-03-13T02:12:00+07:00"),
    ("Thứ hai, 12/06/2018 - 10h05", "2018-06-12T10:05:00+07:00"),
    ("12-6-2018", "2018-06-12"),
    ("2023-12", "2023-12"),
])
def test_vietnamese_dates(text, iso):
    assert parse_vietnamese_datetime(text) == iso


@pytest.mark.parametrize("text", ["31/02/2020 10:00", "12/06/18", "hôm qua", "2023-13"])
def test_bad_dates_are_none_with_a_warning(text, caplog):
    with caplog.at_level(logging.WARNING, logger="scraper.dates"):
        assert parse_vietnamese_datetime(text) is None
    assert caplog.records


@pytest.mark.parametrize("value, iso", [
    ("2022-03-17T09:10:00+07:00", "2022-03-17T09:10:00+07:00"),
    ("2022-03-17T02:10:00Z", "2022-03-17T09:10:00+07:00"),
    ("2022-03-17T09:10:00", "2022-03-17T09:10:00+07:00"),
    ("not a time", None),
])
def test_head_timestamps_are_given_at_plus_seven(value, iso):
    assert iso_from_head(value) == iso


def test_twelve_hour_clocks_with_vietnamese_and_english_markers():
    from scraper.extraction.dates import parse_vietnamese_datetime

    assert parse_vietnamese_datetime("03/07/2024 8:05 SA") == "2024-07-03T08:05:00+07:00"
    assert parse_vietnamese_datetime("03/07/2024 2:15 CH") == "2024-07-03T14:15:00+07:00"
    assert parse_vietnamese_datetime("03/07/2024 12:10 SA") == "2024-07-03T00:10:00+07:00"
    assert parse_vietnamese_datetime("12/03/2024 02:57:13 PM") == "2024-03-12T14:57:13+07:00"
    assert parse_vietnamese_datetime("Thứ Sáu, 19/01/2024 - 10:42") == "2024-01-19T10:42:00+07:00"
    assert parse_vietnamese_datetime("12/03/2024 14:00 CH") == "2024-03-12"  # 14 on a 12-hour clock: no time


@pytest.mark.parametrize("body,truncated", [
    (b"<!DOCTYPE html><html lang='vi'><body>x</body></html>\r\n", False),
    (b"<HTML><BODY>x</BODY></HTML>  \n", False),
    (b"<Html><body>x</body></hTmL>", False),
    (b"<html><body>x", True),
    (b"<HTML><body>" + b"y" * 5000, True),
    (b"<html><body>x</html", True),
    (b" " * 4100 + b"<html><body>x", False),  # no <html in the first 4 KB: not an HTML document to judge
    (b"just text", False),
])
def test_a_page_is_truncated_when_its_html_never_closes(body, truncated):
    from scraper.extraction.pages import looks_truncated

    assert looks_truncated(body) is truncated


# Bytes Python's strict UTF-8 decoder refuses, of every kind: a lone continuation byte, a cp1252
# letter, an overlong form, a surrogate, past U+10FFFF, a lead byte no UTF-8 has, a sequence cut
# short; each placed where libxml2 reads differently (text, attribute, comment, script, style,
# textarea, after </html>) and in a big page, far from the start.
INVALID_UTF8 = [b"\x80", b"\xe9", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                b"\xf5\x80\x80\x80", b"\xe1\xbb"]
PLACES = [b"<html><head><meta charset='windows-1258'></head><body><p>S\xe1\xbb\x9f Y t\xe1\xba\xbf {}</p></body></html>",
          b"<html><body><p title='{}'>S\xe1\xbb\x9f Y t\xe1\xba\xbf</p></body></html>",
          b"<html><body><!-- {} --><p>x</p></body></html>",
          b"<html><head><script>var a = '{}';</script></head><body><p>x</p></body></html>",
          b"<html><head><style>p {{ content: '{}' }}</style></head><body><p>x</p></body></html>",
          b"<html><body><textarea>{}</textarea></body></html>",
          b"<html><body><p>x</p></body></html>{}<!-- -->",
          b"<html><body>" + b"<p>S\xe1\xbb\x9f Y t\xe1\xba\xbf</p>" * 5000 + b"<p>{}</p></body></html>"]


@pytest.mark.parametrize("place", range(len(PLACES)))
def test_a_page_that_is_not_utf8_is_parsed_from_the_text_decode_html_reads(place):
    """as_selector parses UTF-8 bytes as they are and trusts libxml2 to say when they were not
    UTF-8; every byte Python refuses must send the page through decode_html, as before."""
    from lxml import etree

    from scraper.extraction.pages import as_selector

    def tree(page: bytes | str) -> bytes:
        return etree.tostring(as_selector(page, "text/html").root)

    for invalid in INVALID_UTF8:
        body = PLACES[place].replace(b"{}", invalid)
        assert tree(body) == tree(decode_html(body, "text/html"))
    valid = PLACES[place].replace(b"{}", "Đắk Lắk".encode())
    assert tree(valid) == tree(valid.decode())
