"""`soyte learn` keeps the sapo (and the title) to what is one article's own.

Bình Phước (tests/unseen_portals/binhphuoc-lead/, a PHP CMS) sets its lead apart as an unnamed bold
paragraph after the date, and leaves it out on half its articles; its footer holds the site name
in bold; the head's description repeats the lead, or the first sentence where there is none. From
one annotated article with a lead, `p` (the page's first paragraph) and `b` (its first bold line)
give the lead as well as the lead's own position does; on the pages without a lead they read the
first body paragraph and the footer. The folder's other article pages tell: a per-article field's
value is never the same on two articles (boilerplate) nor, for the sapo, one of the body's
paragraphs. A credit the annotated article does not show, while other pages print it behind its
label ("Nguồn: …"), is named in the report as needing another article.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from scraper.extraction.pages import page_classes
from scraper.learn.examples import read_examples
from scraper.learn.layout import learn_layout, verify

PORTAL = Path(__file__).parent / "unseen_portals" / "binhphuoc-lead"
ONE = "binhphuoc-1"           # shows every field the portal's records fill
NO_SAPO = ["binhphuoc-2", "binhphuoc-4", "binhphuoc-6"]
FOOTER = "SỞ Y TẾ TỈNH BÌNH PHƯỚC"


def records(layout):
    """{page: record} the learnt layout reads from every article of the portal."""
    _manifest, examples, _listings = read_examples(PORTAL)
    page_class = page_classes(layout)[0]
    return {ex.name: (ex, page_class(ex.body, ex.url, content_type=ex.content_type).record()) for ex in examples}


@pytest.fixture(scope="module")
def from_one():
    return learn_layout(PORTAL, "php-binhphuoc", only=[ONE])


def test_one_article_reproduces_every_other_article_exactly(from_one):
    assert from_one.problems == []
    _manifest, examples, _listings = read_examples(PORTAL)
    assert len(examples) == 6
    assert verify(from_one.layout, examples) == []


def test_pages_without_a_lead_get_no_sapo_and_keep_their_first_paragraph(from_one):
    read = records(from_one.layout)
    for name in NO_SAPO:
        ex, record = read[name]
        assert ex.expected["sapo"] is None
        assert record["sapo"] is None, name
        assert record["text"].split("\n\n")[0] == ex.expected["text"].split("\n\n")[0]
    ex, record = read["binhphuoc-5"]
    assert record["sapo"] == ("Đầu mùa mưa, nhiều loại nấm mọc trong rừng, vườn điều và vườn cao su, trong đó có "
                              "những loài chứa độc tố gây tử vong.")
    assert record["title"] == "Khuyến cáo người dân không ăn nấm rừng lạ để phòng ngộ độc"
    assert record["published"] == "2024-05-21T07:30:00+07:00"


def test_the_footer_and_the_heads_description_are_never_a_field(from_one):
    for name, (ex, record) in records(from_one.layout).items():
        for field in ("title", "sapo", "author", "source", "category", "text"):
            assert FOOTER not in (record[field] or ""), (name, field)
        assert "Trực tuyến" not in record["text"] and "Đồng Xoài 33°C" not in record["text"]


def test_a_lead_and_a_page_without_one_learn_the_same(from_one):
    learnt = learn_layout(PORTAL, "php-binhphuoc", only=[ONE, "binhphuoc-2"])
    _manifest, examples, _listings = read_examples(PORTAL)
    assert learnt.problems == [] and verify(learnt.layout, examples) == []


def test_the_sapo_rule_is_reported(from_one):
    sapo_lines = [line for line in from_one.report if line.startswith("sapo:")]
    assert sapo_lines == [f"sapo: {', '.join(from_one.layout.article['sapo'])}"]


def test_a_source_the_annotated_article_lacks_is_named_in_the_report():
    learnt = learn_layout(PORTAL, "php-binhphuoc", only=["binhphuoc-2"])  # signed, no source
    lines = [line for line in learnt.report if line.startswith(("source:", "author:")) and "annotate" in line]
    assert lines == ["source: no annotated article has one, while 4 other article pages print a line labelled "
                     "like one: annotate an article with its source"]
    full = learn_layout(PORTAL, "php-binhphuoc", only=[ONE])
    assert not [line for line in full.report if "annotate an article with its source" in line]


def test_listings_give_every_article_and_the_next_page(from_one):
    site = json.loads((PORTAL / "site.json").read_text(encoding="utf-8"))
    listing_class = page_classes(from_one.layout)[1]
    articles = {page["url"] for page in site["pages"] if page["kind"] == "article"}
    listings = [page for page in site["pages"] if page["kind"] == "listing"]
    found, nexts = set(), set()
    for page in listings:
        listing = listing_class((PORTAL / page["file"]).read_bytes(), page["url"], page["content_type"])
        found |= set(listing.article_urls())
        nexts |= set(listing.next_urls())
    assert found == articles
    assert listings[1]["url"] in nexts


def test_learning_stays_under_a_second_and_deterministic(from_one):
    start = time.process_time()
    again = learn_layout(PORTAL, "php-binhphuoc", only=[ONE])
    assert time.process_time() - start < 1.0
    assert again.layout == from_one.layout and again.report == from_one.report
