"""Issue 34 without a crawl: how a search query's "quoted words" become an FTS5 phrase in every
spelling of its d's, and the language and dates of `soyte serve --lang` (tests/test_reading.py
has them over a crawled archive)."""
from __future__ import annotations

import pytest

from archive.datasette.language import locale_language, readable_time
from archive.search import QueryTooLong, fold, match_expression, query_parts, query_words
from scraper.cli.main import build_parser


def test_quoted_words_are_one_part_and_a_stray_quote_is_not():
    assert query_parts(fold('“Người đứng đầu” các cơ sở')) == ["nguoi dung dau", "cac", "co", "so"]
    assert query_parts('sot "xuat huyet') == ["sot", "xuat", "huyet"]
    assert query_parts('"y" "" te') == ["y", "te"]
    assert query_words('"so y te" so y te') == ["so y te", "so", "y", "te"]


def test_a_phrase_is_matched_in_each_spelling_of_its_d():
    assert match_expression('"dau mua"') == '("dau mua" OR "đau mua")'
    assert match_expression('sot "xuat huyet"') == '"sot" "xuat huyet"'
    assert match_expression('"dau" y') == '"dau" "y"'  # a phrase of one word is a word


def test_a_phrase_of_too_many_spellings_is_refused_with_a_message():
    with pytest.raises(QueryTooLong, match="too many words with d"):
        match_expression('"dd dd dd dd"')


def test_the_words_of_phrases_count_towards_the_bound():
    with pytest.raises(QueryTooLong, match="the query has 17 words"):
        query_words('"' + "y te " * 8 + '" so')


def test_the_locale_chooses_vietnamese_and_lang_chooses_either():
    assert locale_language({"LANG": "vi_VN.UTF-8"}) == "vi"
    assert locale_language({"LC_ALL": "en_US.UTF-8", "LANG": "vi_VN.UTF-8"}) == "en"
    assert locale_language({}) == "en"
    assert build_parser().parse_args(["serve", "--lang", "vi"]).lang == "vi"


def test_vietnamese_dates_are_hour_then_day_at_plus_seven():
    assert readable_time("2018-06-12T10:05:00+07:00", "vi") == "10:05, 12/06/2018"
    assert readable_time("2026-12-07T09:22:20+00:00", "vi") == "16:22, 07/12/2026"
    assert readable_time("2018-06-12", "vi") == "12/06/2018"
    assert readable_time("2026-12-07T09:22:20+00:00") == "7 December 2026, 16:22 (UTC+07:00)"
