"""`soyte learn` on a portal unlike the bundled ones: small traits and what its report says.

tests/unseen_portals/yenbai/ is a vendor Bootstrap portal with Vietnamese class names
(`.tin-chi-tiet`, `.noi-dung`, `.duong-dan`): the byline printed "Tác giả: …" in one element,
the time with seconds only in the JSON-LD (the page shows the day), a menu whose active item
names the category of the articles filed in a top-level section, a listing whose first page has
a featured block the second lacks, and a "Tin đọc nhiều" band outside every named element that
links the same articles on every page. The learner sees two articles of one category; the four
others check it.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from scraper.extraction.cleaning import strip_author_label
from scraper.extraction.layouts import LayoutError, parse_layout
from scraper.extraction.pages import page_classes
from scraper.learn.examples import read_examples
from scraper.learn.layout import learn_layout, verify
from scraper.learn.listing import learn_container
from scraper.portals.sites import Site

YENBAI = Path(__file__).parent / "unseen_portals" / "yenbai"
TRAIN = ["yenbai-1", "yenbai-2"]  # author, source, sapo, views, time: every field; both "Hoạt động ngành"
BOILERPLATE = ("Trực tuyến", "Tổng lượt truy cập", "Tin đọc nhiều", "Chia sẻ", "Các tin khác", "24°C", "Tác giả:")


@pytest.fixture(scope="module")
def learnt():
    started = time.perf_counter()
    found = learn_layout(YENBAI, "yenbai", only=TRAIN)
    found.seconds = time.perf_counter() - started
    return found


@pytest.fixture(scope="module")
def examples():
    return read_examples(YENBAI)[1]


def records(layout, examples) -> dict[str, dict]:
    page_class = page_classes(layout)[0]
    return {ex.name: page_class(ex.body, ex.url, content_type=ex.content_type).record() for ex in examples}


def test_learnt_from_two_articles_the_layout_reproduces_the_four_others_exactly(learnt, examples):
    unseen = [ex for ex in examples if ex.name not in TRAIN]
    assert len(unseen) == 4 and learnt.problems == []
    assert verify(learnt.layout, unseen) == []
    assert learnt.seconds < 1
    for name, record in records(learnt.layout, unseen).items():
        assert not any(word in record["text"] for word in BOILERPLATE), name


def test_learning_is_deterministic(learnt):
    from scraper.extraction.layouts import dump_layout

    assert dump_layout(learn_layout(YENBAI, "yenbai", only=TRAIN).layout) == dump_layout(learnt.layout)


# 1. "Tác giả:" ---------------------------------------------------------------------------------

@pytest.mark.parametrize("printed, author", [
    ("Tác giả: Nguyễn Văn A", "Nguyễn Văn A"), ("Người viết: Lê Thị Phương", "Lê Thị Phương"),
    ("Bài và ảnh: Hoàng Minh Tuấn", "Hoàng Minh Tuấn"), ("Tin, ảnh: Thu Trang", "Thu Trang"),
    ("Thanh Tâm", "Thanh Tâm"), ("Minh Hải – Thanh Phú", "Minh Hải – Thanh Phú"), (None, None)])
def test_the_author_label_is_taken_off(printed, author):
    assert strip_author_label(printed) == author


def test_an_author_printed_with_its_label_is_the_name_alone(learnt, examples):
    assert learnt.layout.article["author"] == ["div.tac-gia"]
    got = {name: record["author"] for name, record in records(learnt.layout, examples).items()}
    assert got == {"yenbai-1": "Nguyễn Thu Hà", "yenbai-2": None, "yenbai-3": "Hoàng Minh Tuấn",
                   "yenbai-4": "Lê Thị Phương", "yenbai-5": "Trần Quốc Bảo", "yenbai-6": None}


def test_a_byline_peeled_off_the_body_loses_its_label_too():
    from scraper.extraction.layouts import Layout

    layout = Layout(name="byline-in-body", article={"title": ["h1"], "body": ["div.noi-dung"]})
    html = ("<html><body><h1>Tiêu đề</h1><div class='noi-dung'><p>Nội dung bài viết.</p>"
            "<p>Tin, ảnh: Thu Trang</p></div></body></html>")
    assert page_classes(layout)[0](html, "https://soyte.vidu.gov.vn/a.html").record()["author"] == "Thu Trang"


# 2. a time with seconds only in the JSON-LD -----------------------------------------------------

def test_the_time_with_seconds_is_read_from_the_json_ld(learnt, examples):
    assert learnt.layout.article["published_head"] == ['script[type="application/ld+json"]::json(datePublished)']
    got = {name: record["published"] for name, record in records(learnt.layout, examples).items()}
    assert got == {"yenbai-1": "2024-01-12T08:31:05+07:00", "yenbai-2": "2024-03-05T08:15:42+07:00",
                   "yenbai-3": "2024-03-18T14:02:09+07:00", "yenbai-4": "2024-04-02T09:47:30+07:00",
                   "yenbai-5": "2024-04-16T16:20:11+07:00", "yenbai-6": "2024-05-07T10:05:58+07:00"}
    assert "05/03/2024" in (YENBAI / "pages" / "yenbai-2.html").read_text(encoding="utf-8")  # all the page shows


def test_a_json_selector_reads_graph_items_and_a_key_path_and_is_checked_when_loaded():
    from scraper.extraction.pages import ArticlePage

    html = ('<html><head><script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, {"@type": '
            '"NewsArticle", "datePublished": "2024-03-05T01:15:42Z", "author": {"name": "Hải Yến"}}]}</script>'
            '<script type="application/ld+json">not json</script></head><body><h1>T</h1></body></html>')
    page = ArticlePage(html, "https://x.example/a")
    assert page.read("published_head", ['script[type="application/ld+json"]::json(datePublished)']) == \
        "2024-03-05T08:15:42+07:00"
    assert page.first_text(['script[type="application/ld+json"]::json(author.name)']) == "Hải Yến"
    with pytest.raises(LayoutError, match="::json"):
        parse_layout({"article": {"title": ["h1"], "body": ["div"], "published_head": ["script::json(a b)"]}}, "x")


# 3. the listing container, on every listing page ------------------------------------------------

def test_the_listing_container_is_found_on_every_listing_page_and_on_no_article(learnt, examples):
    _manifest, _examples, listings = read_examples(YENBAI)
    assert learn_container(listings, [], examples) == []  # before: no container, every listing page "not found"
    assert learnt.layout.listing["container"] == ["div.danh-sach-tin"]
    listing_class = page_classes(learnt.layout)[1]
    site = Site(YENBAI)
    served = {page.id: page for page in site.pages(("listing",))}
    links = {}
    for name, page in served.items():
        listing = listing_class(page.body(), page.url, page.content_type)
        assert listing.has_listing(), name
        links[name] = (listing.article_urls(), listing.next_urls())
    articles = [page.url for page in site.pages(("article",))]
    assert links["listing-1"][0] == articles[::-1][:5]  # the featured article, then the list
    assert links["listing-2"][0][0] == articles[0] and len(links["listing-2"][0]) == 4
    assert links["listing-1"][1] == ["https://soyte.yenbai.gov.vn/tin-tuc?page=2"]
    assert links["listing-2"][1] == ["https://soyte.yenbai.gov.vn/tin-tuc"]
    for ex in examples:
        assert not listing_class(ex.body, ex.url, ex.content_type).has_listing(), ex.name


# 5. each page named once -----------------------------------------------------------------------

def test_the_report_names_each_page_once_in_first_seen_order(tmp_path):
    """A page the manifest lists at two URLs (an article linked with and without ?id=) is two
    examples of one name; a record it contradicts is reported on it once."""
    folder = Path(shutil.copytree(YENBAI, tmp_path / "yenbai"))
    manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    entry = next(page for page in manifest["pages"] if page["file"] == "pages/yenbai-4.html")
    manifest["pages"].append({**entry, "url": entry["url"] + "?id=5846"})
    (folder / "site.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    record = json.loads((folder / "expected" / "yenbai-4.json").read_text(encoding="utf-8"))
    record["text"] += "\n\nMột đoạn không có trên trang."
    (folder / "expected" / "yenbai-4.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    learnt = learn_layout(folder, "yenbai", only=["yenbai-4", "yenbai-1"])
    body = next(line for line in learnt.report if line.startswith("body:"))
    assert body.endswith("[not reproduced on: yenbai-1, yenbai-4]")


# 6. the category: the breadcrumb, not the menu's active item ------------------------------------

def test_two_articles_of_one_category_learn_the_breadcrumb_that_varies_on_the_other_pages(learnt, examples):
    assert learnt.layout.article["category"] == ["div.duong-dan a:last-of-type"]
    got = {name: record["category"] for name, record in records(learnt.layout, examples).items()}
    assert got == {"yenbai-1": "Hoạt động ngành", "yenbai-2": "Hoạt động ngành", "yenbai-3": "Y tế dự phòng",
                   "yenbai-4": "An toàn thực phẩm", "yenbai-5": "Hoạt động ngành", "yenbai-6": "Khám chữa bệnh"}


def test_with_no_other_page_the_report_asks_for_an_article_of_another_category(tmp_path):
    folder = Path(shutil.copytree(YENBAI, tmp_path / "yenbai"))
    manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    manifest["pages"] = [page for page in manifest["pages"]
                         if page["kind"] != "article" or Path(page["file"]).stem in TRAIN]
    (folder / "site.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    learnt = learn_layout(folder, "yenbai")
    assert any(line.startswith('category: every annotated article is filed under "Hoạt động ngành": annotate an '
                               "article of another category") for line in learnt.report)


def test_articles_of_different_categories_never_learn_a_selector_giving_one_value(examples):
    learnt = learn_layout(YENBAI, "yenbai", only=["yenbai-1", "yenbai-3"])
    assert learnt.problems == [] and verify(learnt.layout, examples) == []
    assert not any("annotate an article of another category" in line for line in learnt.report)


# 4. a refused learn writes nothing ---------------------------------------------------------------

@pytest.mark.e2e
def test_a_learn_that_fails_registering_the_portal_leaves_no_layout_file(tmp_path):
    """The layout was written, then registering the new portal failed on site.json's start URLs
    (exit 1): the layout file is taken back, the registry is as it was."""
    from tests.helpers import ROOT
    from tests.project_copy import COPY_IGNORES, run

    project = Path(shutil.copytree(ROOT, tmp_path / "project", ignore=COPY_IGNORES))
    folder = Path(shutil.copytree(YENBAI, project / "tests" / "fixtures" / "vidutest"))
    manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    manifest.update(portal="vidutest", layout="vidutest", base_url="https://soyte.vidutest.example", start_urls=[5])
    (folder / "site.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    layouts = sorted(path.name for path in (project / "spiders" / "layouts").iterdir())
    registry = (project / "scraper" / "portals.toml").read_bytes()
    result = run(project, "learn", "vidutest")
    assert result.returncode != 0
    assert sorted(path.name for path in (project / "spiders" / "layouts").iterdir()) == layouts
    assert (project / "scraper" / "portals.toml").read_bytes() == registry
