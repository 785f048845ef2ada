"""`soyte learn` from ONE annotated article (and the folder's other, unannotated article pages).

Where the one article cannot choose between selectors that give it the same value (the sidebar's
featured lead and the article's own sapo, a menu's active item and the breadcrumb), the other
article pages choose: the field's selector is found on them and its values vary as the field's do.
Their records are never read. Where a field cannot be learnt from the one article (it has no
attachments while other pages link documents; no other page tells two candidates apart), the
report names that field, and only that one.

Tuyên Quang (tests/unseen_portals/tuyenquang/, a plain ASP.NET portal) features its latest
article in a "Tin nổi bật" sidebar on every page: on that article the sidebar's lead and title
are the article's own.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

import scraper.learn.layout as learner
from scraper.extraction.pages import page_classes
from scraper.learn.examples import read_examples
from scraper.learn.layout import learn_layout, verify
from scraper.portals.registry import DEMO_PORTALS

UNSEEN = Path(__file__).parent / "unseen_portals"
# The one article that shows every field its portal uses (by the records; a maintainer's pick).
ONE = {
    UNSEEN / "tuyenquang": "tuyenquang-1",
    UNSEEN / "yenbai": "yenbai-3",
    UNSEEN / "vinhlong-asp": "vinhlong-1523",
    UNSEEN / "lamdong": "lamdong-1",
    UNSEEN / "daklak": "daklak-1",
    UNSEEN / "caobang": "caobang-1",
    DEMO_PORTALS / "angiang": "angiang-5",
}
# Portals with no article showing every field: the one article learnt from has no attachments.
SHORT = {portal: DEMO_PORTALS / portal for portal in ("bacninh", "hagiang", "hatinh", "thanhhoa", "nghean",
                                                      "quangninh", "cantho")}
SHORT_ONE = {"bacninh": "bacninh-s1", "hagiang": "hagiang-s1", "hatinh": "hatinh-s1", "thanhhoa": "thanhhoa-4",
             "nghean": "nghean-4", "quangninh": "quangninh-4", "cantho": "cantho-1"}
BOILERPLATE = ["Trực tuyến", "Tin nổi bật", "Tin khác", "Tuyên Quang: 27°C", "Chia sẻ", "Bản quyền", "Lượt truy cập"]


def _others(folder: Path, name: str):
    _manifest, examples, _listings = read_examples(folder)
    return [ex for ex in examples if ex.name != name]


@pytest.mark.parametrize("folder", sorted(ONE), ids=lambda f: f.name)
def test_learnt_from_one_article_the_layout_reproduces_the_others_exactly(folder):
    started = time.perf_counter()
    learnt = learn_layout(folder, f"one-{folder.name}", only=[ONE[folder]])
    assert time.perf_counter() - started < 1.0
    others = _others(folder, ONE[folder])
    assert len(others) >= 3
    assert learnt.problems == []
    assert verify(learnt.layout, others) == []
    assert not [line for line in learnt.report if "annotate" in line]


def test_tuyenquang_other_articles_come_out_exactly_without_the_sidebar_or_boilerplate():
    folder = UNSEEN / "tuyenquang"
    layout = learn_layout(folder, "one-tuyenquang", only=["tuyenquang-1"]).layout
    page_class = page_classes(layout)[0]
    for ex in _others(folder, "tuyenquang-1"):
        record = page_class(ex.body, ex.url, content_type=ex.content_type).record()
        for key in ("title", "published", "category", "sapo", "text", "author"):
            assert record[key] == ex.expected[key], (ex.name, key)
        for words in BOILERPLATE:
            assert words not in record["text"], (ex.name, words)
    assert layout.article["sapo"] == ["div.tomluoc-chitiet"]  # not the featured box's `p.tomluoc`


def test_without_the_other_pages_voting_the_sidebar_lead_would_be_learnt_as_the_sapo(monkeypatch):
    """The tie is real: the one article alone chooses the sidebar's lead, wrong on every other page."""
    monkeypatch.setattr(learner, "settle", lambda field, chosen, *args: (chosen, None))
    monkeypatch.setattr(learner, "_set_apart", lambda *args: None)  # (the other vote: a lead repeated on every page)
    folder = UNSEEN / "tuyenquang"
    learnt = learn_layout(folder, "one-tuyenquang", only=["tuyenquang-1"])
    wrong = verify(learnt.layout, _others(folder, "tuyenquang-1"))
    assert wrong and all(line.startswith("sapo: ") for line in wrong)


def test_tuyenquang_listing_rules_find_the_articles_and_the_next_page():
    folder = UNSEEN / "tuyenquang"
    manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    articles = {p["url"] for p in manifest["pages"] if p["kind"] == "article"}
    listings = {p["url"] for p in manifest["pages"] if p["kind"] == "listing"}
    listing_class = page_classes(learn_layout(folder, "one-tuyenquang", only=["tuyenquang-1"]).layout)[1]
    found, pages = set(), set()
    for entry in manifest["pages"]:
        if entry["kind"] == "listing":
            page = listing_class((folder / entry["file"]).read_bytes(), entry["url"], entry["content_type"])
            assert page.has_listing()
            found |= set(page.article_urls())
            pages |= set(page.next_urls())
    assert found == articles
    assert listings - {manifest["start_urls"][0]} <= pages <= listings


@pytest.mark.parametrize("portal", sorted(SHORT))
def test_one_article_without_attachments_makes_the_report_ask_for_one_with_them_only(portal):
    learnt = learn_layout(SHORT[portal], f"one-{portal}", only=[SHORT_ONE[portal]])
    asks = [line for line in learnt.report if "annotate" in line]
    assert [line.split(":", 1)[0] for line in asks] == ["attachments"]
    others = _others(SHORT[portal], SHORT_ONE[portal])
    # what does not come out is the attachments (and Quảng Ninh's file block left in the text)
    assert {line.split(":", 1)[0] for line in verify(learnt.layout, others)} <= {"attachments", "text"}
    assert learnt.problems == []


def test_with_no_other_page_the_report_names_the_fields_the_one_article_cannot_decide(tmp_path):
    folder = tmp_path / "tuyenquang"
    shutil.copytree(UNSEEN / "tuyenquang", folder)
    manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    manifest["pages"] = [p for p in manifest["pages"] if p["kind"] == "listing" or p["file"].endswith("/tuyenquang-1.html")]
    (folder / "site.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    learnt = learn_layout(folder, "one-tuyenquang")
    asks = [line for line in learnt.report if "annotate" in line]
    assert sorted(line.split(":", 1)[0] for line in asks) == ["category", "sapo", "title"]
    sapo = next(line for line in asks if line.startswith("sapo:"))
    assert "`p.tomluoc`" in sapo and "`div.tomluoc-chitiet`" in sapo


def test_one_article_learning_is_deterministic():
    first = learn_layout(UNSEEN / "tuyenquang", "one", only=["tuyenquang-1"])
    second = learn_layout(UNSEEN / "tuyenquang", "one", only=["tuyenquang-1"])
    assert first.layout == second.layout and first.report == second.report
