"""Issue 34, for the people who read the archive: exact phrases and snippets (`soyte search`, the
canned search, the search box), the first screen (reader tables and queries first, engineers'
tables and SQL folded away, the articles table's reader columns), the Vietnamese interface and its
dates, and the charts, over a real crawl of the bundled demo portals served by the real Datasette.
Chromium renders them in tests/test_reading_browser.py."""
from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import select
import subprocess
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from datasette.utils import tilde_encode
from parsel import Selector

from archive.datasette import make_datasette
from archive.datasette.charts import MONTHS_SHOWN, month_range
from archive.datasette.language import readable_time
from archive.datasette.metadata import READER_TABLES, TABLES
from archive.search import fold
from tests.browsing import crawl_demo_portals, soyte_command, soyte_env
from tests.helpers import ROOT, demo_articles, query, soyte

pytestmark = pytest.mark.e2e  # a crawl, `soyte` in a subprocess and in a terminal

PHRASE = "nguoi dung dau"  # "người đứng đầu": 3 words with d, each of which may be written with đ
DENGUE_URL = ("https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
              "bac-ninh-ra-quan-chien-dich-diet-bo-gay-phong-chong-sot-xuat-huyet-nam-2018")


def folded_words(record: dict) -> list[str]:
    return re.findall(r"\w+", fold(" ".join(record.get(key) or "" for key in ("title", "sapo", "text"))))


@cache
def demo_words() -> list[tuple[dict, list[str]]]:
    return [(record, folded_words(record)) for record in demo_articles()]


def holding_phrase(phrase: str) -> set[str]:
    """Titles of the demo records whose title, sapo or text holds the folded phrase, words side by side."""
    words = phrase.split()
    return {record["title"] for record, found in demo_words()
            if any(found[i:i + len(words)] == words for i in range(len(found)))}


def holding_words(phrase: str) -> set[str]:
    return {record["title"] for record, found in demo_words() if set(phrase.split()) <= set(found)}


class Client:
    """Datasette's own ASGI client on one event loop: real requests, no server socket."""

    def __init__(self, datasette):
        self.datasette = datasette
        self.loop = asyncio.new_event_loop()

    def get(self, path: str):
        response = self.loop.run_until_complete(self.datasette.client.get(path))
        assert response.status_code == 200, f"{path}: HTTP {response.status_code}\n{response.text[:2000]}"
        return response

    def html(self, path: str) -> Selector:
        return Selector(text=self.get(path).text)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return crawl_demo_portals(tmp_path_factory.mktemp("reading") / "archive.db")


@pytest.fixture(scope="module")
def english(archive):
    client = Client(make_datasette(archive))
    yield client
    client.loop.close()


@pytest.fixture(scope="module")
def vietnamese(archive):
    client = Client(make_datasette(archive, lang="vi"))
    yield client
    client.loop.close()


# soyte search

def search_lines(db: Path, *args: str) -> list[dict]:
    return [json.loads(line) for line in soyte("search", *args, "--db", str(db)).stdout.splitlines()]


def test_a_quoted_phrase_finds_only_the_articles_holding_it_with_the_phrase_in_the_snippet(archive):
    expected = holding_phrase(PHRASE)
    assert len(expected) == 1 and len(holding_words(PHRASE)) >= 10  # the words alone are everywhere
    found = [line for line in search_lines(archive, f'"{PHRASE}"', "--limit", "100") if line.get("found_in") != "document"]
    assert {line["title"] for line in found} == expected
    assert "«người đứng đầu»" in found[0]["snippet"]
    assert found[0]["province"] == "Nghệ An"
    loose = search_lines(archive, PHRASE, "--limit", "100")
    assert {line["title"] for line in loose if line.get("found_in") != "document"} == holding_words(PHRASE)


def test_curly_quotes_and_accents_find_the_same_phrase(archive):
    assert [line["title"] for line in search_lines(archive, "“người đứng đầu”")] == sorted(holding_phrase(PHRASE))


def test_every_match_has_a_snippet_marking_the_words_found(archive):
    lines = search_lines(archive, "sot xuat huyet", "--limit", "100")
    assert lines and all(line["snippet"] for line in lines)
    articles = [line for line in lines if line.get("found_in") != "document"]
    assert all(re.search(r"«s[oốỐ]t»", line["snippet"], re.I) or "«" in line["snippet"] for line in articles)
    assert sum("«" in line["snippet"] for line in lines) == len(lines)


def test_a_phrase_with_no_match_says_so_and_prints_nothing(archive):
    result = soyte("search", '"dau mua khi"', "--db", str(archive))
    assert (result.stdout, result.stderr) == ("", "no match for '\"dau mua khi\"'\n")


def run_in_terminal(*args: str) -> str:
    """`soyte ARGS` with a pseudo-terminal as stdout, as a person runs it; what it printed, without colours."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(soyte_command(*args), stdout=follower, stderr=subprocess.PIPE, env={
        **soyte_env(), "COLUMNS": "120", "TERM": "xterm"}, cwd=ROOT)
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command ended and closed the terminal
                chunk = b""
            output += chunk
            if chunk:
                continue
        if process.poll() is not None and not ready:
            break
        if ready and not chunk:
            break
    process.wait(timeout=30)
    os.close(leader)
    assert process.returncode == 0, process.stderr.read()
    return re.sub(r"\x1b\[[0-9;]*m", "", output.decode("utf-8")).replace("\r\n", "\n")


def test_search_in_a_terminal_prints_a_readable_list_not_json(archive):
    shown = run_in_terminal("search", f'"{PHRASE}"', "--db", str(archive))
    record = next(r for r in demo_articles() if r["title"] in holding_phrase(PHRASE))
    lines = shown.splitlines()
    assert lines[0] == f"1. {record['title']}"
    assert lines[1] == f"   {record['published'][:16].replace('T', ' ')} · {record['province']}"
    assert "người đứng đầu" in lines[2] and "«" not in lines[2]
    assert lines[3] == f"   {record['url']}"
    assert "{" not in shown


# the first screen

def test_the_archive_page_puts_articles_documents_and_queries_first(english):
    page = english.html("/archive")
    assert page.css(".soyte-reader-tables h3 a::text").getall() == list(READER_TABLES)
    headings = page.css("h2::attr(id)").getall()
    assert headings[:3] == ["read", "queries", "charts"]
    engineers = page.css("details.soyte-engineers h3 a::text").getall()
    assert {"pages", "portal_runs", "failures", "crawl_runs", "article_versions"} <= set(engineers)
    assert not set(engineers) & set(READER_TABLES)
    assert page.css("details.soyte-engineers:not([open])") != []
    assert "select * from article_versions" not in english.get("/archive").text


def test_internal_tables_are_hidden_yet_still_open(english):
    tables = {t["name"]: t for t in english.get("/archive.json").json()["tables"]}
    assert {name for name, t in tables.items() if name in TABLES and not t["hidden"]} == set(READER_TABLES)
    assert english.get("/archive/pages.json?_size=1").json()["rows"]


def test_canned_queries_hide_their_sql_until_asked(english):
    page = english.html("/archive/latest_articles")
    assert page.css("textarea#sql-editor, pre#sql-query") == []
    assert page.css(".show-hide-sql a::text").get() == "show"
    shown = english.html("/archive/latest_articles?_hide_sql=0&_show_sql=1")
    assert "order by published desc limit 50" in " ".join(shown.css("pre#sql-query::text, textarea::text").getall())


def test_the_articles_table_opens_with_the_reader_columns_and_readable_times(english):
    page = english.html("/archive/articles")
    assert page.css("table.rows-and-columns th::attr(data-column)").getall() == [
        "province", "title", "published", "category"]  # in the table's column order
    newest = max(demo_articles(), key=lambda r: r["published"])
    first = page.css("td.col-published")[0]
    assert first.css("time::attr(datetime)").get() == newest["published"]
    assert first.css("time::text").get() == readable_time(newest["published"])
    every = english.html(page.css(".soyte-all-columns a::attr(href)").get())
    assert {"url", "content_hash", "page_id", "text"} <= set(every.css("th::attr(data-column)").getall())
    asked = english.html("/archive/articles?_col=title&_col=url")
    assert asked.css("th::attr(data-column)").getall() == ["url", "title"]
    assert english.get("/archive/articles.json?_size=1").json()["columns"][:2] == ["url", "portal"]  # JSON: every column


def test_the_documents_table_hides_the_sha256_until_asked(english):
    columns = english.html("/archive/documents").css("th::attr(data-column)").getall()
    assert "sha256" not in columns and "title" in columns


# search in Datasette

def test_the_canned_search_finds_the_phrase_with_a_marked_snippet(english):
    rows = english.get(f'/archive/search.json?term="{PHRASE}"&_shape=array').json()
    assert [row["title"] for row in rows] == sorted(holding_phrase(PHRASE))
    assert "«người đứng đầu»" in rows[0]["snippet"]
    page = english.html(f'/archive/search?term="{PHRASE}"')
    assert page.css("td.col-snippet mark::text").getall() == ["người đứng đầu"]


def test_markup_in_a_snippet_stays_text(english):
    from archive.datasette.plugin import marked_snippet

    assert marked_snippet("a <b>«x»</b>") == "a &lt;b&gt;<mark>x</mark>&lt;/b&gt;"


def test_the_search_box_takes_a_phrase_as_typed(english):
    rows = english.get('/archive/articles.json?_search="người đứng đầu"&_shape=array&_col=title').json()
    assert {row["title"] for row in rows} == holding_phrase(PHRASE)


# language

def test_the_vietnamese_article_page(vietnamese):
    page = vietnamese.html(f"/archive/articles/{tilde_encode(DENGUE_URL)}")
    assert " ".join(page.css("p.soyte-byline ::text").getall()).split() == [
        "10:05,", "12/06/2018", "·", "tác", "giả", "Ngọc", "Anh", "·", "356", "lượt", "xem"]
    assert page.css("dl.soyte-archive dt::text").getall()[:2] == ["Cổng thông tin", "Lưu trữ lần đầu"]
    assert page.css("details.soyte-all-fields summary::text").get() == "Mọi trường đã lưu"
    assert re.fullmatch(r"\d\d:\d\d, \d\d/\d\d/\d{4}", page.css("dl.soyte-archive dd::text").getall()[1])


def test_the_vietnamese_metadata_and_queries(vietnamese, english):
    meta = vietnamese.get("/-/metadata.json").json()
    assert meta["title"] == "Kho lưu trữ tin tức Sở Y tế"
    articles = meta["databases"]["archive"]["tables"]["articles"]
    assert articles["columns"]["title"] == "Tiêu đề như khi đăng"
    assert articles["columns"]["content_hash"] == TABLES["articles"]["columns"]["content_hash"]  # engineers': English
    titles = vietnamese.html("/archive").css(".soyte-queries a::text").getall()
    assert titles[:3] == ["Bài viết mới nhất", "Số bài viết theo tỉnh và tháng", "Tìm kiếm"]
    assert english.html("/archive").css(".soyte-queries a::text").getall()[0] == "Latest articles"
    assert vietnamese.html("/archive/articles").css("td.col-published time::text").re(r"^\d\d:\d\d, \d\d/\d\d/\d{4}$")


def test_the_vietnamese_document_page(vietnamese, archive):
    (sha,) = query(archive, "SELECT sha256 FROM documents WHERE text_status = 'ok' ORDER BY first_seen LIMIT 1")[0].values()
    page = vietnamese.html(f"/archive/documents/{sha}")
    assert page.css("h2::text").re(r"^(Được liên kết từ|Nội dung văn bản|Các lần tải về)")[:3] == [
        "Được liên kết từ", "Nội dung văn bản", "Các lần tải về"]


# charts

def test_the_months_chart_draws_each_province_and_month_as_sql_counts_them(english, archive):
    page = english.html("/archive")
    bars = {(bar.attrib["data-province"], bar.attrib["data-month"]): int(bar.attrib["data-count"])
            for bar in page.css("figure.soyte-chart-months rect")}
    rows = query(archive, "SELECT province, substr(published, 1, 7) AS month, count(*) AS n FROM articles "
                          "WHERE published IS NOT NULL GROUP BY province, month")
    window = set(month_range(max(row["month"] for row in rows), MONTHS_SHOWN))
    assert bars == {(row["province"], row["month"]): row["n"] for row in rows if row["month"] in window}
    assert sum(bars.values()) == sum(1 for r in demo_articles() if r["published"][:7] in window) > 20


def test_the_health_chart_draws_new_updated_and_failed_per_run_and_portal(english, archive):
    page = english.html("/archive")
    bars = Counter()
    for bar in page.css("figure.soyte-chart-health rect"):
        bars[(int(bar.attrib["data-run"]), bar.attrib["data-portal"], bar.attrib["data-kind"])] = int(bar.attrib["data-count"])
    rows = query(archive, "SELECT run_id, portal, articles_new, articles_updated, "
                          "extraction_failures + fetch_failures AS failed FROM portal_runs")
    expected = {}
    for row in rows:
        for kind, value in (("new", row["articles_new"]), ("updated", row["articles_updated"]), ("failed", row["failed"])):
            expected[(row["run_id"], row["portal"], kind)] = value
    assert bars == expected
    assert sum(v for (_, _, kind), v in bars.items() if kind == "new") == len(demo_articles())


# feeds

def feed(client, path: str):
    import feedparser

    response = client.get(path)
    assert response.headers["content-type"].startswith("application/xml")
    parsed = feedparser.parse(response.text)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def newest_first(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda r: (r["published"], r["url"]), reverse=True)


def test_the_latest_articles_feed_is_valid_atom_with_the_newest_articles(english):
    parsed = feed(english, "/archive/feed_latest.atom")
    expected = newest_first(demo_articles())[:50]
    assert parsed.feed.title == "Latest articles (Atom feed)"
    assert [(e.id, e.title, e.link, e.updated) for e in parsed.entries] == [
        (r["url"], r["title"], r["url"], r["published"]) for r in expected]
    assert parsed.entries[0].summary == (expected[0]["sapo"] or expected[0]["text"][:600])


def test_a_province_feed_holds_that_provinces_articles(english):
    parsed = feed(english, "/archive/feed_province.atom?province=Hà Tĩnh")
    assert [e.id for e in parsed.entries] == [r["url"] for r in newest_first(demo_articles()) if r["province"] == "Hà Tĩnh"]
    assert parsed.entries


def test_a_category_feed_and_a_saved_search_feed(english):
    category = Counter(r["category"] for r in demo_articles() if r["category"]).most_common(1)[0][0]
    parsed = feed(english, f"/archive/feed_category.atom?category={category}")
    assert [e.id for e in parsed.entries] == [r["url"] for r in newest_first(demo_articles()) if r["category"] == category]
    searched = feed(english, f'/archive/feed_search.atom?term="{PHRASE}"')
    assert [e.title for e in searched.entries] == sorted(holding_phrase(PHRASE))
    dengue = feed(english, "/archive/feed_search.atom?term=sot+xuat+huyet")
    assert {e.title for e in dengue.entries} == holding_words("sot xuat huyet")


def test_the_archive_page_links_the_feeds_of_each_province(english):
    links = english.html("/archive").css(".soyte-feeds a::attr(href)").getall()
    provinces = sorted({r["province"] for r in demo_articles()})
    assert links[0] == "/archive/feed_latest.atom" and len(links) == 1 + len(provinces)
    for link in links:
        assert feed(english, link).entries


def test_a_feed_with_no_article_yet_is_a_valid_empty_feed(english):
    """datasette-atom 0.9 alone answers HTTP 500 here (archive.datasette.reading.render_feed)."""
    parsed = feed(english, "/archive/feed_province.atom?province=Đắk Lắk")
    assert parsed.entries == [] and parsed.feed.title == "A province's latest articles (Atom feed)"
