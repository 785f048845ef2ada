"""Issue 34 in a real browser: `soyte serve` on 127.0.0.1 in Vietnamese (chosen by the locale, as
for a reader in Vietnam) and in English, pages rendered by headless Chromium: the Vietnamese
article page, the archive page's order and its charts (bars checked against SQL), a phrase search
with its marked snippet, and the articles table's reader columns."""
from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from datasette.utils import tilde_encode

from archive.datasette.charts import MONTHS_SHOWN, month_range
from tests.browsing import crawl_demo_portals, soyte_command, soyte_env
from tests.helpers import ROOT, demo_articles, query
from tests.test_browser import assert_is_a_real_screenshot, free_port, rendered_dom, screenshot

pytestmark = pytest.mark.e2e  # a crawl, `soyte serve` and headless Chromium

DENGUE_URL = ("https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
              "bac-ninh-ra-quan-chien-dich-diet-bo-gay-phong-chong-sot-xuat-huyet-nam-2018")
PHRASE_TITLE = "Hội nghị triển khai Luật Khám bệnh, chữa bệnh năm 2023 và các văn bản hướng dẫn"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return crawl_demo_portals(tmp_path_factory.mktemp("reading-browser") / "archive.db")


def serving(db: Path, *args: str, **env: str):
    """`soyte serve DB ARGS` on a free port with `env` added, until the generator is closed."""
    port = free_port()
    process = subprocess.Popen(soyte_command("serve", str(db), "--port", str(port), *args), cwd=ROOT,
                               env={**soyte_env(), "LC_ALL": "", "LC_MESSAGES": "", **env},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"soyte serve exited {process.returncode}: {process.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("soyte serve did not answer within 30 s")
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def vietnamese(archive):
    yield from serving(archive, LANG="vi_VN.UTF-8")  # no --lang: the locale chooses


@pytest.fixture(scope="module")
def english(archive):
    yield from serving(archive, "--lang", "en", LANG="vi_VN.UTF-8")  # --lang wins over the locale


def test_the_vietnamese_article_page_has_vietnamese_labels_and_dates(vietnamese, tmp_path):
    url = f"{vietnamese}/archive/articles/{tilde_encode(DENGUE_URL)}"
    dom = rendered_dom(url)
    assert dom.css("p.soyte-byline time::text").get() == "10:05, 12/06/2018"
    assert "356 lượt xem" in dom.css("p.soyte-byline").xpath("string()").get()
    assert dom.css("dl.soyte-archive dt::text").getall()[:3] == ["Cổng thông tin", "Lưu trữ lần đầu", "Thấy lần cuối"]
    assert dom.css("p.soyte-original::text").get().strip() == "Bài gốc:"
    assert_is_a_real_screenshot(screenshot(url, tmp_path / "bai-viet.png"))


def test_the_vietnamese_archive_page_names_its_queries_in_vietnamese(vietnamese):
    dom = rendered_dom(f"{vietnamese}/archive")
    assert dom.css("h2#read::text").get() == "Đọc"
    assert dom.css(".soyte-queries a::text").getall()[:3] == ["Bài viết mới nhất", "Số bài viết theo tỉnh và tháng",
                                                              "Tìm kiếm"]


def test_english_stays_with_lang_en(english):
    dom = rendered_dom(f"{english}/archive/articles/{tilde_encode(DENGUE_URL)}")
    assert dom.css("p.soyte-byline time::text").get() == "12 June 2018, 10:05 (UTC+07:00)"
    assert dom.css("dl.soyte-archive dt::text").get() == "Portal"


def test_the_archive_page_reads_first_and_draws_the_months_as_sql_counts_them(english, archive, tmp_path):
    url = f"{english}/archive"
    dom = rendered_dom(url)
    assert dom.css(".soyte-reader-tables h3 a::text").getall() == ["articles", "documents"]
    assert [h for h in dom.css("h2::attr(id)").getall()][:4] == ["read", "queries", "charts", "feeds"]
    bars = {(b.attrib["data-province"], b.attrib["data-month"]): int(b.attrib["data-count"])
            for b in dom.css("figure.soyte-chart-months svg rect")}
    rows = query(archive, "SELECT province, substr(published, 1, 7) AS month, count(*) AS n FROM articles "
                          "GROUP BY province, month")
    window = set(month_range(max(r["month"] for r in rows), MONTHS_SHOWN))
    assert bars == {(r["province"], r["month"]): r["n"] for r in rows if r["month"] in window}
    new = sum(int(b.attrib["data-count"]) for b in dom.css("figure.soyte-chart-health rect[data-kind=new]"))
    assert new == query(archive, "SELECT sum(articles_new) AS n FROM portal_runs")[0]["n"] == len(demo_articles())
    assert dom.css("script[src*=vega], script[src*=plot]") == []  # drawn by the server, no script library
    assert_is_a_real_screenshot(screenshot(url, tmp_path / "archive.png"))


def test_a_phrase_search_shows_only_the_phrase_with_its_snippet_marked(english, tmp_path):
    url = f"{english}/archive/search?term=%22nguoi+dung+dau%22"
    dom = rendered_dom(url)
    assert dom.css("td.col-title a::text").getall() == [PHRASE_TITLE]
    assert dom.css("td.col-snippet mark::text").getall() == ["người đứng đầu"]
    assert dom.css("textarea#sql-editor") == []  # the SQL stays hidden
    assert_is_a_real_screenshot(screenshot(url, tmp_path / "phrase.png"))


def test_the_articles_table_opens_with_the_reader_columns(english):
    dom = rendered_dom(f"{english}/archive/articles")
    assert dom.css("table.rows-and-columns th::attr(data-column)").getall() == ["province", "title", "published",
                                                                                 "category"]
    assert dom.css("td.col-published time::text").re(r"^\d{1,2} \w+ \d{4}, \d\d:\d\d \(UTC\+07:00\)$")
