"""`soyte learn` on an old PHP (Mambo / Joomla 1.0) table site, tests/unseen_portals/ninhthuan-mambo/:
`index.php?option=com_content&task=view&id=…&Itemid=…` URLs, `td.contentheading`, `td.createdate`,
a left menu of `a.mainlevel` / `a.sublevel` links, and two traits the learner used to fail on:

1. the lead and the body are two cells of the same class, `<td class="text">` in consecutive rows
   of one `table.contentpaneopen` (articles without a lead have only the body's cell): `td.text`
   finds the lead first, and the body's row moves with the lead. The body is learnt as the row
   counted from the template's closing row ('Cập nhật (…)'), the one path finding the same cell on
   every page;
2. the category is the breadcrumb's unlinked last crumb ("Trang chủ » Tin tức » Hoạt động ngành"
   in `span.pathway`), read by a selector ending in `::last-crumb`, not the menu's first
   `a.sublevel`.

Learnt from the fewest articles that show every field, the layout must reproduce the portal's
other articles exactly, and its listings' links.
"""
from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path

import pytest
from lxml import etree

from scraper.extraction.crumbs import last_crumb
from scraper.extraction.layouts import dump_layout, parse_layout
from scraper.extraction.pages import page_classes
from scraper.learn.examples import read_examples
from scraper.learn.layout import learn_layout, verify

FOLDER = Path(__file__).parent / "unseen_portals" / "ninhthuan-mambo"
# Together: a lead, no lead, an image, an author, a source, two categories.
TRAIN = ["ninhthuan-2351", "ninhthuan-2356", "ninhthuan-2360"]
BOILERPLATE = ["Trực tuyến", "Thống kê truy cập", "Thời tiết", "Danh mục tin", "Tin mới nhất", "Cập nhật (",
               "< Trước", "Tiếp >", "Đường dây nóng", "SỞ Y TẾ TỈNH NINH THUẬN", "Trang chủ", "Liên kết website"]


@pytest.fixture(scope="module")
def learnt():
    return learn_layout(FOLDER, "mambo-ninhthuan", only=TRAIN)


def expected(name: str) -> dict:
    return json.loads((FOLDER / "expected" / f"{name}.json").read_text(encoding="utf-8"))


def records(layout, names):
    _manifest, examples, _listings = read_examples(FOLDER)
    page_class = page_classes(layout)[0]
    return {ex.name: page_class(ex.body, ex.url, content_type=ex.content_type).record()
            for ex in examples if ex.name in names}


def unseen_names() -> list[str]:
    return sorted(p.stem for p in (FOLDER / "expected").glob("*.json") if p.stem not in TRAIN)


def test_the_portal_has_both_traits():
    page = (FOLDER / "pages" / "ninhthuan-2351.html").read_text(encoding="utf-8")
    assert page.count('class="text"') == 2 and 'class="pathway"' in page and 'class="sublevel"' in page
    assert page.count('class="text"') == 2
    without_lead = (FOLDER / "pages" / "ninhthuan-2356.html").read_text(encoding="utf-8")
    assert without_lead.count('class="text"') == 1 and expected("ninhthuan-2356")["sapo"] is None
    assert "&raquo; Hoạt động ngành </span>" in page  # a text node, in no element of its own


def test_learnt_from_three_articles_the_layout_reproduces_the_other_three_exactly(learnt):
    assert learnt.problems == []
    _manifest, examples, _listings = read_examples(FOLDER)
    unseen = [ex for ex in examples if ex.name not in TRAIN]
    assert len(TRAIN) <= 3 and len(unseen) == 3
    assert verify(learnt.layout, unseen) == []
    found = records(learnt.layout, unseen_names())
    for name, record in found.items():
        want = expected(name)
        for key in ("title", "text", "published", "sapo", "category", "author", "source", "images"):
            assert record[key] == want[key], (name, key)
        for words in BOILERPLATE:
            assert words not in record["text"], (name, words)
            assert words not in (record["sapo"] or ""), (name, words)
    assert found["ninhthuan-2369"]["sapo"] is None  # no lead: the body's first paragraph is no sapo
    assert found["ninhthuan-2369"]["text"].startswith("Đoàn kiểm tra của Sở Y tế")
    assert found["ninhthuan-2372"]["category"] == "Khám chữa bệnh"  # a category no example has
    assert found["ninhthuan-2364"]["published"] == "2024-03-27T10:20:00+07:00"


def test_the_body_is_its_own_cell_counted_from_the_closing_row(learnt):
    body = learnt.layout.article["body"]
    assert len(body) == 1 and "nth-last-of-type(2)" in body[0]
    _manifest, examples, _listings = read_examples(FOLDER)
    for ex in examples:  # one element per page, the body's row, lead or not
        found = ex.page.css(body[0])
        assert len(found) == 1 and found[0][0].get("class") == "text"
        assert ex.expected["sapo"] is None or ex.expected["sapo"] not in "".join(found[0].itertext())


@pytest.mark.parametrize("train", [["ninhthuan-2351", "ninhthuan-2360", "ninhthuan-2364"],  # all with a lead
                                   ["ninhthuan-2360", "ninhthuan-2364"]])
def test_examples_that_all_have_a_lead_still_find_the_body_of_an_article_without_one(train):
    learnt = learn_layout(FOLDER, "mambo-ninhthuan", only=train)
    assert learnt.problems == []
    found = records(learnt.layout, ["ninhthuan-2356", "ninhthuan-2369"])
    for name, record in found.items():
        assert record["text"] == expected(name)["text"] and record["sapo"] is None, name


def test_the_category_is_the_breadcrumbs_unlinked_last_crumb_not_the_menus_item(learnt):
    assert learnt.layout.article["category"] == ["span.pathway::last-crumb"]
    found = records(learnt.layout, unseen_names())
    assert {record["category"] for record in found.values()} == {"Hoạt động ngành", "Y tế dự phòng", "Khám chữa bệnh"}
    # with every example in one category the menu's first item gives it too: the pathway still wins
    same = learn_layout(FOLDER, "mambo-ninhthuan", only=["ninhthuan-2351", "ninhthuan-2369"])
    assert same.layout.article["category"] == ["span.pathway::last-crumb"]


def test_last_crumb_reads_text_after_the_last_separator_of_a_line_of_links():
    def crumb(markup: str) -> str | None:
        return last_crumb(etree.fromstring(markup, etree.HTMLParser()).find(".//span"))
    assert crumb('<span><a href="/">Trang chủ</a> » <a href="/t">Tin tức</a> » Hoạt động ngành </span>') == "Hoạt động ngành"
    assert crumb('<span><a href="/">Trang chủ</a> &gt; <b>Dược - Mỹ phẩm</b></span>') == "Dược - Mỹ phẩm"
    assert crumb('<span><a href="/">Trang chủ</a> <img src="arrow.png"> Y tế dự phòng</span>') == "Y tế dự phòng"
    assert crumb('<span><a href="/">Trang chủ</a> › <a href="/t">Tin tức</a></span>') == "Tin tức"
    assert crumb('<span>Trang chủ » Tin tức</span>') is None  # no link: no breadcrumb
    assert crumb('<span><a href="/">Bộ Y tế</a> Hà Nội</span>') is None  # no separator


def test_the_learnt_layout_round_trips_through_its_file(learnt):
    again = parse_layout(tomllib.loads(dump_layout(learnt.layout)), "mambo-ninhthuan")
    assert again.article == learnt.layout.article
    assert verify(again, read_examples(FOLDER)[1]) == []


def test_the_listings_links_and_next_page(learnt):
    manifest, _examples, listings = read_examples(FOLDER)
    listing_class = page_classes(learnt.layout)[1]
    files = {page["url"]: FOLDER / page["file"] for page in manifest["pages"]}
    assert len(listings) == 2
    for listing in listings:
        page = listing_class(files[listing.url].read_bytes(), listing.url)
        assert set(page.article_urls()) == listing.articles & set(page.article_urls()) and \
            len(page.article_urls()) == 3, listing.name
        assert set(page.next_urls()) == listing.listings - {listing.url}, listing.name
    found = {url for listing in listings
             for url in listing_class(files[listing.url].read_bytes(), listing.url).article_urls()}
    assert found == listings[0].articles


def test_learning_is_fast_and_deterministic(learnt):
    start = time.process_time()
    again = learn_layout(FOLDER, "mambo-ninhthuan", only=TRAIN)
    assert time.process_time() - start < 1.0
    assert dump_layout(again.layout) == dump_layout(learnt.layout)


# An attachment line inside the body: an old Joomla 1.5 portal, tests/unseen_portals/quangbinh-joomla/,
# lists an article's documents as the body's last paragraph, "File đính kèm: <a>…</a>", with no class
# (the trait of the held-out tests/heldout_portals/quangtri-php). The line is no text; its links are
# the record's attachments.
ATTACHED = Path(__file__).parent / "unseen_portals" / "quangbinh-joomla"
ATTACHED_TRAIN = ["quangbinh-418", "quangbinh-421"]  # an attachment line and a byline; neither
ATTACHED_BOILERPLATE = ["đính kèm", "Đính kèm", "Trực tuyến", "Thống kê truy cập", "Thời tiết", "Đường dây nóng",
                        "Lần cập nhật cuối", "< Trước", "Tiếp >", "Cơ quan chủ quản", "Trang chủ", "Chi tiết..."]


def _attached_expected(name: str) -> dict:
    return json.loads((ATTACHED / "expected" / f"{name}.json").read_text(encoding="utf-8"))


def test_the_attachment_portal_has_the_trait():
    pages = {name: (ATTACHED / "pages" / f"{name}.html").read_text(encoding="utf-8")
             for name in ("quangbinh-418", "quangbinh-429", "quangbinh-433")}
    assert "<p>File đính kèm: <a href=" in pages["quangbinh-418"]
    assert "<p>Tệp đính kèm: <a href=" in pages["quangbinh-429"] and "</a>, <a href=" in pages["quangbinh-429"]
    assert "<p>Đính kèm: <a href=" in pages["quangbinh-433"]


def test_learnt_with_an_attachment_line_the_layout_reproduces_every_record():
    learnt = learn_layout(ATTACHED, "joomla-quangbinh", only=ATTACHED_TRAIN)
    assert learnt.problems == []
    _manifest, examples, _listings = read_examples(ATTACHED)
    held_out = [ex for ex in examples if ex.name not in ATTACHED_TRAIN]
    assert len(held_out) == 3 and verify(learnt.layout, held_out) == []
    assert verify(learnt.layout, examples) == []
    page_class = page_classes(learnt.layout)[0]
    for ex in examples:
        record = page_class(ex.body, ex.url, content_type=ex.content_type).record()
        want = _attached_expected(ex.name)
        for key in ("title", "text", "published", "author", "attachments", "sapo", "images"):
            assert record[key] == want[key], (ex.name, key)
        for words in ATTACHED_BOILERPLATE:
            assert words not in record["text"], (ex.name, words)
    record = page_class(examples[3].body, examples[3].url).record()
    assert examples[3].name == "quangbinh-429" and [a["title"] for a in record["attachments"]] == [
        "Hướng dẫn số 356/HD-SYT", "Phụ lục kèm theo"]
    assert record["text"].endswith("giáo viên thông báo ngay cho gia đình và trạm y tế.")
    # the byline above the attachment line is still peeled off the body's end
    assert page_class(examples[4].body, examples[4].url).record()["author"] == "Phương Thảo"


def test_learnt_from_the_held_out_quangtri_articles_the_attachment_line_is_no_text():
    folder = Path(__file__).parent / "heldout_portals" / "quangtri-php"
    learnt = learn_layout(folder, "mambo-quangtri", only=["quangtri-1", "quangtri-3", "quangtri-4"])
    assert learnt.problems == []
    assert verify(learnt.layout, read_examples(folder)[1]) == []


def test_only_a_line_of_label_and_links_is_an_attachment_line():
    from scraper.extraction.body import read_body

    def text(markup: str) -> str:
        return read_body(etree.fromstring(f"<div>{markup}</div>", etree.HTMLParser()).find(".//div"), "http://x.vn/").text
    assert text('<p>Một.</p><p>File đính kèm: <a href="/a.pdf">Công văn 1</a></p>') == "Một."
    assert text('<p>Một.</p><p><b>Tệp đính kèm:</b> <a href="/a.pdf">A</a>; <a href="/b.doc">B</a></p>') == "Một."
    assert text('<p>Một.</p><p>Văn bản đính kèm: <a href="/a.pdf">A</a> và phụ lục gửi kèm</p>') == \
        "Một.\n\nVăn bản đính kèm: A và phụ lục gửi kèm"  # words besides the links: text
    assert text('<p>Một.</p><p>File đính kèm: Công văn số 12</p>') == "Một.\n\nFile đính kèm: Công văn số 12"  # no link
    assert text('<p>Xem văn bản đính kèm: <a href="/a.pdf">A</a></p>') == "Xem văn bản đính kèm: A"  # no label
