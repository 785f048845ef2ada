"""`soyte learn` on a classic table layout that names nothing: an old ASP portal in windows-1258
(tests/unseen_portals/vinhlong-asp/), nested <TABLE>s with width attributes, <FONT> tags, no class
or id, the date and the views in one cell ("Ngày cập nhật: 25/09/2023 | Số lần đọc: 2954"), the
body a <TD> of <P>s, "Tác giả: …" and "(Nguồn: …)" right-aligned in the next row, captions in an
italic, centred line under each image.

Learnt from two annotated articles, the layout names fields by structural paths and label words
and must reproduce the portal's four other articles exactly, and its listings' links.
"""
from __future__ import annotations

import json
import shutil
import time
import tomllib
from pathlib import Path

import pytest

from scraper.extraction.cleaning import decode_html
from scraper.extraction.extract import extract_page
from scraper.extraction.labels import cell_text, labelled_value
from scraper.extraction.layouts import LayoutError, dump_layout, parse_layout
from scraper.extraction.pages import page_classes
from scraper.learn.examples import read_examples
from scraper.learn.layout import learn_layout, verify

FOLDER = Path(__file__).parent / "unseen_portals" / "vinhlong-asp"
TRAIN = ["vinhlong-1523", "vinhlong-1560"]  # together: author, source, image, no author; two categories
BOILERPLATE = ["Trực tuyến", "Tổng lượt truy cập", "THỜI TIẾT", "Cơ quan chủ quản", "CÁC TIN KHÁC", "TIN MỚI",
               "In trang", "Trở về", "Tác giả", "Nguồn:", "Số lần đọc", "Ngày cập nhật", "Đường dây nóng",
               "DANH MỤC TIN", "Trang chủ"]


@pytest.fixture(scope="module")
def learnt():
    return learn_layout(FOLDER, "asp-vinhlong", only=TRAIN)


@pytest.fixture(scope="module")
def manifest():
    return json.loads((FOLDER / "site.json").read_text(encoding="utf-8"))


def expected(name: str) -> dict:
    return json.loads((FOLDER / "expected" / f"{name}.json").read_text(encoding="utf-8"))


def unseen_names() -> list[str]:
    return sorted(p.stem for p in (FOLDER / "expected").glob("*.json") if p.stem not in TRAIN)


def test_the_pages_are_windows_1258_as_their_meta_tag_says():
    body = (FOLDER / "pages" / "vinhlong-1523.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert b'charset=windows-1258' in body and b"<TABLE" in body and b"class=" not in body
    text = decode_html(body, "text/html")
    assert "Số lần đọc" not in text  # stored decomposed, as the code page writes Vietnamese…
    import unicodedata
    assert "Số lần đọc" in unicodedata.normalize("NFC", text)  # …and read as NFC


def test_learnt_from_two_articles_the_layout_reproduces_the_other_four_exactly(learnt):
    assert learnt.problems == []
    _manifest, examples, _listings = read_examples(FOLDER)
    unseen = [ex for ex in examples if ex.name not in TRAIN]
    assert len(TRAIN) <= 3 and len(unseen) == 4
    assert verify(learnt.layout, unseen) == []
    page_class = page_classes(learnt.layout)[0]
    for ex in unseen:
        record = page_class(ex.body, ex.url, content_type=ex.content_type).record()
        want = expected(ex.name)
        for key in ("title", "text", "published", "views", "author", "source", "category", "images"):
            assert record[key] == want[key], (ex.name, key)
        for words in BOILERPLATE:
            assert words not in record["text"], (ex.name, words)
            assert all(words not in (image["caption"] or "") for image in record["images"])
    by_name = {ex.name: page_class(ex.body, ex.url, content_type=ex.content_type).record() for ex in unseen}
    assert by_name["vinhlong-1571"]["published"] == "2023-10-12"
    assert by_name["vinhlong-1571"]["views"] == 1543
    assert by_name["vinhlong-1571"]["author"] == "Thanh Tùng"
    assert by_name["vinhlong-1571"]["source"] == "Trung tâm Y tế huyện Long Hồ"
    assert "Phước Hậu | 41 | tăng 9" in by_name["vinhlong-1571"]["text"].split("\n\n")
    assert [i["caption"] for i in by_name["vinhlong-1571"]["images"]] == [
        "Cán bộ y tế hướng dẫn người dân diệt lăng quăng.", "Phun hóa chất diệt muỗi tại xã Phước Hậu."]
    assert (by_name["vinhlong-1588"]["author"], by_name["vinhlong-1588"]["source"]) == (None, None)
    assert by_name["vinhlong-1602"]["author"] == "Hoàng Yến" and by_name["vinhlong-1602"]["views"] == 318


def test_fields_are_named_by_structure_and_label_words_never_by_a_samples_text(learnt):
    layout = learnt.layout
    assert layout.labels == {"published_text": ["Ngày cập nhật"], "author": ["Tác giả"], "source": ["Nguồn"],
                             "views": ["Số lần đọc"]}
    for key in ("title", "category", "published_text", "body", "author", "source", "views"):
        assert all("[" in css for css in layout.article[key]), key  # a template attribute, no bare tag
    text = dump_layout(layout)
    for sample in ["2954", "876", "25/09/2023", "Minh Thư", "Trung tâm Kiểm soát", "Y tế dự phòng", "vắc xin"]:
        assert sample not in text


def test_the_listing_links_and_next_pages_are_learnt_by_structure(learnt, manifest):
    listing_class = page_classes(learnt.layout)[1]
    listings = [p for p in manifest["pages"] if p["kind"] == "listing"]
    articles = {p["url"] for p in manifest["pages"] if p["kind"] == "article"}
    newest = sorted(articles, key=lambda url: -int(url.rsplit("=", 1)[1]))
    found = {}
    for entry in listings:
        page = listing_class((FOLDER / entry["file"]).read_bytes(), entry["url"], entry["content_type"])
        assert page.has_listing()
        found[entry["url"]] = (page.article_urls(), page.next_urls())
    first, second = (entry["url"] for entry in listings)
    assert found[first][0] == newest[:3]  # in page order, each once, no sidebar's "TIN MỚI"
    assert found[second][0] == newest[3:]
    assert found[first][1] == [second]
    assert found[second][1] == [first]
    article_class = page_classes(learnt.layout)[1]
    for entry in manifest["pages"]:
        if entry["kind"] == "article":  # the listing's container is not on article pages
            assert not article_class((FOLDER / entry["file"]).read_bytes(), entry["url"], "text/html").has_listing()


def test_a_crawl_reads_every_page_with_the_layout_file_as_written(learnt, manifest):
    text = dump_layout(learnt.layout)
    assert "[article.labels]" in text
    layout = parse_layout(tomllib.loads(text), "asp-vinhlong")
    assert dump_layout(layout) == text
    assert layout.labels == learnt.layout.labels
    for entry in manifest["pages"]:
        if entry["kind"] != "article":
            continue
        name = Path(entry["file"]).stem
        extraction = extract_page((FOLDER / entry["file"]).read_bytes(), entry["url"], layout, "vinhlong",
                                  "Vĩnh Long", entry["content_type"], method="layout")
        assert extraction.method == "layout"
        assert extraction.record == expected(name), name


def test_learning_is_deterministic_and_fast():
    started = time.perf_counter()
    first = dump_layout(learn_layout(FOLDER, "asp-vinhlong", only=TRAIN).layout)
    assert time.perf_counter() - started < 1.0
    assert dump_layout(learn_layout(FOLDER, "asp-vinhlong", only=TRAIN).layout) == first


def test_a_record_the_labels_cannot_give_is_reported(tmp_path):
    folder = tmp_path / "vinhlong-asp"
    shutil.copytree(FOLDER, folder)
    path = folder / "expected" / "vinhlong-1560.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["views"] = 25  # what reading the whole cell as a number would give
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    learnt = learn_layout(folder, "asp-vinhlong", only=TRAIN)
    assert any(problem.startswith("views: vinhlong-1560") for problem in learnt.problems)


def test_a_labelled_value_ends_at_the_next_separator_or_label():
    from lxml import etree

    cell = etree.HTML('<td align="right"><font><b>Tác giả: Minh Thư</b> <i>(Nguồn: Bệnh viện (cơ sở 2))</i>'
                      '</font></td>').find(".//td")
    text = cell_text(cell)
    assert labelled_value(text, ["Tác giả"]) == "Minh Thư"
    assert labelled_value(text, ["nguồn"]) == "Bệnh viện (cơ sở 2)"
    assert labelled_value("Ngày cập nhật: 25/09/2023 | Số lần đọc: 2954", ["Số lần đọc"]) == "2954"
    assert labelled_value("Ngày đăng: 25/09/2023 Lượt xem: 12", ["Ngày đăng"]) == "25/09/2023"
    assert labelled_value("Ngày cập nhật: 25/09/2023", ["Số lần đọc"]) is None
    assert labelled_value("Nguồn tin: Báo Vĩnh Long", ["Nguồn"]) is None  # whole words, then the colon


def test_a_layout_file_with_labels_is_checked():
    base = {"article": {"title": ["h1"], "body": ["td"], "views": ["td"]}}
    assert parse_layout({**base, "article": {**base["article"], "labels": {"views": ["Số lần đọc"]}}}, "x").labels == {
        "views": ["Số lần đọc"]}
    for labels in ({"body": ["Nội dung"]}, {"author": ["Tác giả"]}, {"views": "Số lần đọc"}, {"views": []}):
        with pytest.raises(LayoutError):
            parse_layout({**base, "article": {**base["article"], "labels": labels}}, "x")
    assert parse_layout(base, "x").labels == {}
