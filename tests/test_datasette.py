"""The archive in Datasette as `soyte serve` builds it: metadata, facets, order, accent-insensitive
search (Datasette and sqlite-utils), canned queries and the article page, over a real crawl."""
from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from datasette.app import Datasette
from datasette.utils import tilde_encode
from markupsafe import escape

from archive.datasette import make_datasette
from archive.datasette.feeds import FEED_QUERIES
from archive.datasette.metadata import QUERIES, TITLE
from archive.datasette.plugin import paragraphs
from archive.search import MAX_QUERY_CHARS, MAX_QUERY_WORDS, search
from archive.store import READ_MMAP_BYTES, Archive
from scraper.cli.crawl import datasette_command
from scraper.cli.main import build_parser
from tests.browsing import CHAU_DOC_TITLES, DENGUE_TITLES, HOSTILE, PROVINCE_COUNTS, crawl_demo_portals, soyte_env
from tests.helpers import (ROOT, demo_articles, demo_portal_keys, query, served_articles, soyte,
                            unserved_attachment_urls)

pytestmark = pytest.mark.e2e  # a crawled archive, `soyte` in a subprocess

PORTALS = tuple(demo_portal_keys())


class Client:
    """Datasette's own ASGI client on one event loop: real requests, no server socket."""

    def __init__(self, datasette: Datasette):
        self.datasette = datasette
        self.loop = asyncio.new_event_loop()

    def get(self, path: str):
        response = self.loop.run_until_complete(self.datasette.client.get(path))
        assert response.status_code == 200, f"{path}: HTTP {response.status_code}\n{response.text[:2000]}"
        return response

    def json(self, path: str):
        return self.get(path).json()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return crawl_demo_portals(tmp_path_factory.mktemp("datasette") / "archive.db")


@pytest.fixture(scope="module")
def client(archive) -> Client:
    client = Client(make_datasette(archive))
    yield client
    client.loop.close()


def article_path(url: str) -> str:
    return f"/archive/articles/{tilde_encode(url)}"


def titles(rows: list[dict]) -> set[str]:
    return {row["title"] for row in rows}


# metadata

def test_the_archive_has_a_title_and_description(client):
    metadata = client.json("/-/metadata.json")
    assert metadata["title"] == TITLE
    assert "sot xuat huyet" in metadata["description"]
    assert metadata["databases"]["archive"]["description"] == metadata["description"]


def test_every_table_and_every_column_is_described(client, archive):
    tables = client.json("/-/metadata.json")["databases"]["archive"]["tables"]
    conn = sqlite3.connect(archive)
    names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                            "AND name NOT LIKE 'articles_fts%' AND name NOT LIKE 'documents_fts%' "
                                            "AND name NOT LIKE 'sqlite_%'")]
    undescribed = {}
    for name in names:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({name})")]
        missing = [c for c in columns if c not in tables.get(name, {}).get("columns", {})]
        if missing or not tables.get(name, {}).get("description"):
            undescribed[name] = missing
    conn.close()
    assert undescribed == {}, "describe these in archive/datasette/metadata.py"
    assert tables["articles_fts"]["description"].startswith("Full-text index")


def test_the_metadata_follows_the_file_name(tmp_path):
    db = crawl_demo_portals(tmp_path / "health.db")
    client = Client(make_datasette(db))
    assert client.json("/health/articles.json?_size=0")["facet_results"]["province"]["results"][0]["count"] == 5
    assert "Crawl health per run" in client.get("/health").text


# facets and order

def test_articles_facet_on_province(client):
    facets = client.json("/archive/articles.json?_size=0")["facet_results"]
    assert {value["value"]: value["count"] for value in facets["province"]["results"]} == PROVINCE_COUNTS


def test_articles_facet_on_category(client):
    facets = client.json("/archive/articles.json?_size=0")["facet_results"]
    expected = Counter(record["category"] for record in demo_articles())
    assert expected["Tin tức - Sự kiện"] > 1  # categories shared by several portals are counted together
    assert {value["value"]: value["count"] for value in facets["category"]["results"]} == expected


def test_articles_facet_on_year_newest_first(client):
    year = client.json("/archive/articles.json?_size=0")["facet_results"]["published"]
    assert year["type"] == "year"
    years = Counter(record["published"][:4] for record in demo_articles())
    assert [(value["value"], value["count"]) for value in year["results"]] == sorted(years.items(), reverse=True)


def test_choosing_a_year_keeps_that_years_articles(client):
    year = client.json("/archive/articles.json?_col=title")["facet_results"]["published"]
    toggle = next(value["toggle_url"] for value in year["results"] if value["value"] == "2020")
    assert toggle == "http://localhost/archive/articles.json?_col=title&published__startswith=2020"
    chosen = client.json(toggle.removeprefix("http://localhost") + "&_col=published&_shape=objects")
    assert sorted(row["published"][:10] for row in chosen["rows"]) == [
        "2020-01-22", "2020-03-13", "2020-09-18", "2020-10-15"]
    assert [value["selected"] for value in chosen["facet_results"]["published"]["results"]] == [True]


def test_articles_are_listed_newest_first(client):
    rows = client.json("/archive/articles.json?_shape=array&_col=published&_size=100")
    published = [row["published"] for row in rows]
    assert len(published) == len(demo_articles())
    assert published == sorted(published, reverse=True)
    assert published[0] == "2024-07-10T15:02:19+07:00"


# search

def test_datasette_finds_the_full_text_index_of_articles_without_metadata(archive):
    plain = Client(Datasette([str(archive)]))
    tables = {table["name"]: table for table in plain.json("/archive.json")["tables"]}
    assert tables["articles"]["fts_table"] == "articles_fts"
    plain.loop.close()


@pytest.mark.parametrize("words, expected", [
    ("sot xuat huyet", DENGUE_TITLES),
    ("sốt xuất huyết", DENGUE_TITLES),
    ("Chau Doc", CHAU_DOC_TITLES),
    ("châu đốc", CHAU_DOC_TITLES),
    ("dengue", set()),
], ids=["unaccented", "accented", "d-with-stroke", "accented-d-with-stroke", "absent"])
def test_the_search_box_is_accent_insensitive(client, words, expected):
    rows = client.json(f"/archive/articles.json?_search={words}&_shape=array&_col=title&_size=100")
    assert titles(rows) == expected


def test_the_search_box_counts_every_match_and_facets_it_when_asked_but_suggests_no_facets(client):
    """Datasette suggests facets by trying every column with every kind of facet: 1.6 s of each
    table page and 2.6 s of a search at 100,000 articles (docs/BENCHMARKS.md). `soyte serve` turns
    that off; a search's facets (3.3 s over "y te" at 1,000,000 articles) are given when asked for by
    name, over every match."""
    page = client.json("/archive/articles.json?_search=sốt xuất huyết&_size=0")
    assert page["filtered_table_rows_count"] == len(DENGUE_TITLES)
    assert page["suggested_facets"] == [] and page["facet_results"] == {}
    page = client.json("/archive/articles.json?_search=sốt xuất huyết&_size=0&_facet=province")
    assert page["filtered_table_rows_count"] == len(DENGUE_TITLES)
    assert sum(value["count"] for value in page["facet_results"]["province"]["results"]) == len(DENGUE_TITLES)


@pytest.mark.parametrize("words, expected", [("sot xuat huyet", DENGUE_TITLES), ("Chau Doc", CHAU_DOC_TITLES)])
def test_sqlite_utils_search_is_accent_insensitive(archive, words, expected):
    result = subprocess.run([sys.executable, "-m", "sqlite_utils", "search", str(archive), "articles", words,
                             "-c", "title"], capture_output=True, text=True, check=True)
    assert titles(json.loads(result.stdout)) == expected


def test_dak_lak_finds_dak_lak_written_with_d_stroke(tmp_path):
    db = tmp_path / "archive.db"
    store = Archive(db)
    store.upsert_article({**HOSTILE, "title": "Sở Y tế Đắk Lắk phòng chống sốt xuất huyết", "text": "Đoàn kiểm tra."},
                         layout="demo", extractor="demo/1", page_id=None)
    store.close()
    client = Client(make_datasette(db))
    assert titles(client.json("/archive/articles.json?_search=Dak+Lak&_shape=array")) == {
        "Sở Y tế Đắk Lắk phòng chống sốt xuất huyết"}
    result = subprocess.run([sys.executable, "-m", "sqlite_utils", "search", str(db), "articles", "dak lak",
                             "-c", "title"], capture_output=True, text=True, check=True)
    assert titles(json.loads(result.stdout)) == {"Sở Y tế Đắk Lắk phòng chống sốt xuất huyết"}


def test_an_archive_with_the_old_index_declaration_is_upgraded_and_still_searchable(archive, tmp_path):
    """Archives made before the index said content="articles" are not found by Datasette or sqlite-utils."""
    old = tmp_path / "old.db"
    old.write_bytes(archive.read_bytes())
    conn = sqlite3.connect(old)
    conn.execute("DROP TABLE articles_fts")
    conn.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, sapo, text, content='articles', "
                 "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')")
    conn.close()
    Archive(old).close()
    assert query(old, "SELECT sql FROM sqlite_master WHERE name = 'articles_fts'")[0]["sql"].count('content="articles"') == 1
    assert titles(Client(make_datasette(old)).json("/old/articles.json?_search=sot+xuat+huyet&_shape=array")) == DENGUE_TITLES


# canned queries

def test_canned_query_latest_articles(client):
    rows = client.json("/archive/latest_articles.json?_shape=array")
    assert len(rows) == min(50, len(demo_articles()))  # the query shows the 50 newest
    assert [(row["published"], row["province"]) for row in rows[:3]] == [
        ("2024-07-10T15:02:19+07:00", "Cần Thơ"), ("2024-07-05T08:20:00+07:00", "Hà Giang"),
        ("2024-07-03T08:05:00+07:00", "Nghệ An")]


def test_canned_query_articles_per_province_per_month(client):
    rows = client.json("/archive/articles_per_province_per_month.json?_shape=array")
    # The first rows as the records give them: newest month first, provinces of one month in order.
    assert [(row["province"], row["month"], row["articles"]) for row in rows[:4]] == [
        ("Cần Thơ", "2024-07", 1), ("Hà Giang", "2024-07", 1), ("Nghệ An", "2024-07", 1),
        ("Quảng Ninh", "2024-06", 1)]
    months = Counter((record["province"], record["published"][:7]) for record in demo_articles())
    assert {(row["province"], row["month"]): row["articles"] for row in rows} == months
    assert [row["month"] for row in rows] == sorted((row["month"] for row in rows), reverse=True)
    assert sum(row["articles"] for row in rows) == len(demo_articles())


@pytest.mark.parametrize("term, expected", [
    ("sot xuat huyet", DENGUE_TITLES), ("Chau Doc", CHAU_DOC_TITLES), ("chau-doc", CHAU_DOC_TITLES),
    ('sot "xuat huyet', DENGUE_TITLES), ("", set()),
], ids=["unaccented", "d-with-stroke", "punctuation", "stray-quote", "empty"])
def test_canned_query_search_a_term(client, term, expected):
    rows = client.json(f"/archive/search.json?term={term}&_shape=array")
    assert titles(rows) == expected


@pytest.mark.parametrize("term", ["sot xuat huyet", "y te", "cong tac nam trien khai nhiem",
                                  "cong tac nam trien khai nhiem vu", "y te y te so y te tinh"],
                         ids=["3-words", "2-common-words", "6-words", "7-words", "repeated-words"])
def test_canned_query_search_a_term_orders_as_soyte_search(client, archive, term):
    rows = client.json(f"/archive/search.json?term={term}&_shape=array")
    reader = Archive(archive, readonly=True)
    try:
        expected = [row["url"] for row in search(reader.conn, term, limit=100)]
    finally:
        reader.close()
    assert len(expected) >= 2 and [row["url"] for row in rows] == expected


def test_canned_query_search_a_term_of_seven_words_lists_the_newest_first(client, archive):
    rows = client.json("/archive/search.json?term=cong tac nam trien khai nhiem vu&_shape=array")
    assert titles(rows) == {
        "Bệnh viện Đa khoa khu vực Ngọc Lặc kỷ niệm 30 năm thành lập, đón nhận Bằng khen của Bộ trưởng Bộ Y tế",
        "Sở Y tế Sơ kết công tác 6 tháng đầu năm và triển khai nhiệm vụ 6 tháng cuối năm",
        "Năm 2023, ngành Y tế Thanh Hóa hoàn thành vượt 12/14 chỉ tiêu chuyên môn",
        "Ngành Y tế Cần Thơ sơ kết công tác 6 tháng đầu năm 2024",
        "Các nhiệm vụ trọng tâm công tác Y tế tỉnh An Giang năm 2020",
        "Quyết liệt triển khai công tác chuyển đổi số trong ngành y tế",
        "Hội nghị trực tuyến Sơ kết công tác Y tế quý I và đề ra phương hướng nhiệm vụ quý II năm 2022"}
    with sqlite3.connect(archive) as conn:  # the crawl archives them in no fixed order: the last archived first
        archived = [conn.execute("SELECT rowid FROM articles WHERE url = ?", (row["url"],)).fetchone()[0]
                    for row in rows]
    assert archived == sorted(archived, reverse=True)


@pytest.mark.parametrize("term, message", [
    ("y te " * 8 + "so", f"the query has {MAX_QUERY_WORDS + 1} words; at most {MAX_QUERY_WORDS} are searched"),
    ("sốt" * 400, f"the query has 1200 characters; at most {MAX_QUERY_CHARS} are searched"),
], ids=["17-words", "1200-characters"])
def test_canned_query_search_a_term_past_the_bounds_says_so_in_one_row(client, term, message):
    rows = client.json(f"/archive/search.json?term={term}&_shape=array")
    assert rows == [{"published": None, "province": None, "title": f"{message}: search with fewer, more telling words",
                     "snippet": None, "url": None, "copies": None}]
    page = client.get(f"/archive/search?term={term}").text
    assert f"{message}: search with fewer, more telling words" in page
    assert "user-defined function raised exception" not in page


def test_the_server_reads_the_archive_mapped_as_soyte_search_does(client):
    database = client.datasette.get_database("archive")
    mapped = client.loop.run_until_complete(
        database.execute_fn(lambda conn: conn.execute("PRAGMA mmap_size").fetchone()[0]))
    assert mapped == READ_MMAP_BYTES


def test_canned_query_crawl_health(client):
    rows = client.json("/archive/crawl_health.json?_shape=array")
    unserved = len(unserved_attachment_urls())  # each answers 404: an error (none: the demo portals serve all)
    assert [(row["run"], row["status"], row["portals"], row["articles_new"], row["errors"], row["failures"],
             row["problems"]) for row in rows] == [
        (1, "completed", ",".join(PORTALS), len(demo_articles()), unserved, unserved, None)]


def test_canned_queries_on_failures_and_alarms(tmp_path):
    db = tmp_path / "archive.db"
    store = Archive(db)
    run = store.start_run(["bacninh"])
    store.record_failure(run, "https://soyte.bacninh.gov.vn/a", "bacninh", "extraction", "no title at h1.title")
    store.record_failure(run, "https://soyte.bacninh.gov.vn/b", "bacninh", "article-fetch", "HTTP 503", status=503)
    store.record_portal_run({"run_id": run, "portal": "bacninh", "problem": "every article page failed"})
    store.finish_run(run, "alarm")
    store.close()
    client = Client(make_datasette(db))
    health = client.json("/archive/crawl_health.json?_shape=array")
    assert [(row["run"], row["status"], row["failures"], row["problems"]) for row in health] == [
        (run, "alarm", 2, "bacninh: every article page failed")]
    failures = client.json("/archive/extraction_failures.json?_shape=array")
    assert [(row["url"], row["kind"], row["reason"]) for row in failures] == [
        ("https://soyte.bacninh.gov.vn/a", "extraction", "no title at h1.title")]


def test_every_canned_query_has_a_title_and_description(client):
    queries = client.json("/-/metadata.json")["databases"]["archive"]["queries"]
    assert sorted(queries) == sorted([*QUERIES, *FEED_QUERIES])  # the Atom feeds: archive/datasette/feeds.py
    assert sorted(QUERIES) == sorted(["latest_articles", "articles_per_province_per_month",
                                      "search", "crawl_health", "extraction_failures", "story"])
    assert all(query["title"] and query["description"] for query in queries.values())


# the article page

@pytest.mark.parametrize("record", [r for portal in PORTALS for r in served_articles(portal)],
                         ids=lambda record: record["url"].rsplit("/", 1)[-1][:40])
def test_an_article_reads_as_a_page(client, record):
    html = client.get(article_path(record["url"])).text
    assert f'<h1 class="soyte-title">{escape(record["title"])}</h1>' in html
    assert f'<time datetime="{record["published"]}">' in html
    assert escape(record["province"]) in html
    for paragraph in paragraphs(record["text"]):
        assert f"<p>{escape(paragraph)}</p>" in html
    if record["author"]:
        assert f'<span class="soyte-author">{escape(record["author"])}</span>' in html
    for image in record["images"]:
        if image["caption"]:
            assert f'<span class="soyte-caption">{escape(image["caption"])}</span>' in html
    assert f'<a class="soyte-original-link" href="{escape(record["url"])}" rel="noreferrer">' in html


def test_the_article_page_shows_time_byline_and_views_in_one_line(client):
    url = ("https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
           "bac-ninh-ra-quan-chien-dich-diet-bo-gay-phong-chong-sot-xuat-huyet-nam-2018")
    html = client.get(article_path(url)).text
    assert ('<time datetime="2018-06-12T10:05:00+07:00">12 June 2018, 10:05 (UTC+07:00)</time> · by '
            '<span class="soyte-author">Ngọc Anh</span> · 356 views') in html
    assert "<title>Bắc Ninh ra quân chiến dịch diệt bọ gậy phòng chống sốt xuất huyết năm 2018 · Bắc Ninh</title>" in html


def test_titles_in_the_table_and_in_queries_open_the_article_page(client):
    url = ("https://soyte.hagiang.gov.vn/tin-tuc/hoat-dong-nganh/"
           "ha-giang-tang-cuong-phong-chong-dich-benh-mua-mua-lu-nam-2024-94025.html")
    link = f'<a href="{article_path(url)}">Hà Giang tăng cường phòng chống dịch bệnh mùa mưa lũ năm 2024</a>'
    assert link in client.get("/archive/articles").text
    assert link in client.get("/archive/latest_articles").text
    assert link in client.get("/archive/search?term=mua+mua+lu").text


def test_other_tables_keep_datasettes_row_page(client):
    html = client.get("/archive/crawl_runs/1").text
    assert "soyte-article" not in html and "crawl_runs: 1" in html


def test_markup_in_an_article_is_stored_verbatim_and_shown_escaped(tmp_path):
    db = tmp_path / "archive.db"
    store = Archive(db)
    store.upsert_article(HOSTILE, layout="demo", extractor="demo/1", page_id=None)
    assert store.article(HOSTILE["url"]) == HOSTILE
    store.close()
    html = Client(make_datasette(db)).get(article_path(HOSTILE["url"])).text
    assert "&lt;script&gt;document.body.setAttribute(" in html
    assert "<script>document.body" not in html and "<script>alert" not in html
    assert "<b>chữ đậm</b>" not in html and "&lt;b&gt;chữ đậm&lt;/b&gt; &amp; ký hiệu &#34;&lt;&gt;&#34;." in html
    assert "<img src=x" not in html and "<i>Thu Hà</i>" not in html
    assert "javascript:" not in html.split('<details class="soyte-all-fields">')[0]


# the command

def test_serve_refuses_a_missing_archive(tmp_path):
    result = soyte("serve", str(tmp_path / "nothing.db"), check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"soyte serve: no archive at {tmp_path / 'nothing.db'}: crawl first "
        f"(soyte crawl --db {tmp_path / 'nothing.db'}) or pass --db PATH"]


def test_serve_refuses_a_port_in_use(archive):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = soyte("serve", str(archive), "--port", str(port), check=False)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"soyte serve: cannot listen on 127.0.0.1:{port}")


def test_soyte_demo_can_start_soyte_serve(archive):
    build_parser()
    command = datasette_command(str(archive), 8001)
    assert command[-4:] == ["serve", str(archive), "--port", "8001"]
    result = subprocess.run([*command, "--help"], capture_output=True, text=True, env=soyte_env(), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "Example: soyte serve" in result.stdout
