"""`?_search=` on the articles table's JSON, CSV and filtered pages (archive/datasette/table_search.py):
the rows, order, count and facets of Datasette's table, found by a query that walks the sort
column's index and probes the matches when many match, so that it answers at a million articles.
A real Datasette asked through its ASGI client over a real archive; what is asserted is the rows
and the query plans, never a timing (bench/million_measure.py and docs/BENCHMARKS.md time it)."""
from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from pathlib import Path

import pytest

from archive.datasette import make_datasette
from archive.datasette.plugin import prepare_connection
from archive.store import Archive

# Articles 0 to 9, published in this order of days (article 3 the newest): the order of the table
# is not the order they were archived in.
DAYS = [14, 11, 18, 19, 10, 16, 13, 17, 12, 15]
HOSPITAL = {0, 2, 3, 5, 8, 9}  # "Sở Y tế Đắk Lắk" in six of the ten


def record(n: int) -> dict:
    text = "Sở Y tế Đắk Lắk khám bệnh cho người dân." if n in HOSPITAL else "Hội nghị tổng kết năm."
    return {"url": f"https://soyte.example.gov.vn/tin/{n}.html", "portal": "demo",
            "province": "Đắk Lắk" if n % 2 else "Bắc Ninh", "title": f"Bài {n}",
            "published": f"2024-01-{DAYS[n]}T08:00:00+07:00", "category": "Tin tức", "sapo": None, "text": text,
            "author": None, "source": None, "views": 0, "images": [], "attachments": []}


@pytest.fixture
def served(tmp_path) -> Path:
    path = tmp_path / "box.db"
    archive = Archive(path)
    with archive.transaction():
        for n in range(10):
            archive.upsert_article(record(n), layout="demo", extractor="demo/1", page_id=None)
    archive.close()
    return path


def get(path: Path, url: str):
    async def ask():
        return await make_datasette(path).client.get(url)
    return asyncio.run(ask())


def numbers(rows: list[dict]) -> list[int]:
    return [int(row["title"].removeprefix("Bài ")) for row in rows]


def json(path: Path, url: str) -> dict:
    """The table's JSON, each row as an object."""
    return get(path, url + "&_shape=objects").json()


def plan(path: Path, sql: str, params: dict) -> list[str]:
    conn = sqlite3.connect(path)
    prepare_connection(conn)
    try:
        return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    finally:
        conn.close()


NEWEST_FIRST = [3, 2, 5, 9, 0, 8]  # the six, by day: 19, 18, 16, 15, 14, 12


def test_many_matches_walk_the_published_index_and_probe_the_matches(served, monkeypatch):
    monkeypatch.setattr("archive.datasette.table_search.SEEK_MATCHES", 3)  # 6 matches are "many" here
    data = json(served, "/box/articles.json?_search=Dak+Lak")
    assert numbers(data["rows"]) == NEWEST_FIRST and data["filtered_table_rows_count"] == 6
    assert data["human_description_en"] == 'where search matches "Dak Lak" sorted by published descending'
    sql, params = data["query"]["sql"], data["query"]["params"]
    assert "where +rowid in (select rowid from articles_fts where articles_fts match" in sql
    steps = plan(served, sql, params)
    assert steps[0] == "SCAN articles USING INDEX idx_articles_published"  # in the table's order, from the newest
    assert not [step for step in steps if "TEMP B-TREE" in step]  # nothing sorted
    count = plan(served, sql.split(" order by ")[0].replace(sql.split(" from ")[0], "select count(*)", 1), params)
    assert count[0].startswith("SCAN articles USING COVERING INDEX")  # counted without reading an article
    assert data["facet_results"] == {}  # a search's facets are asked for by name: over every match, they cost the most
    facets = json(served, "/box/articles.json?_search=Dak+Lak&_facet=province")["facet_results"]
    assert {value["value"]: value["count"] for value in facets["province"]["results"]} == {"Bắc Ninh": 3, "Đắk Lắk": 3}


def test_few_matches_are_read_and_sorted_as_datasette_does(served):
    data = json(served, "/box/articles.json?_search=Dak+Lak")
    assert numbers(data["rows"]) == NEWEST_FIRST and data["filtered_table_rows_count"] == 6
    assert "where rowid in (select rowid from articles_fts" in data["query"]["sql"]
    assert plan(served, data["query"]["sql"], data["query"]["params"])[0] == (
        "SEARCH articles USING INTEGER PRIMARY KEY (rowid=?)")


def test_the_csv_a_sort_a_filter_and_the_next_page_keep_datasettes_rows(served, monkeypatch):
    monkeypatch.setattr("archive.datasette.table_search.SEEK_MATCHES", 3)
    table = list(csv.DictReader(io.StringIO(get(served, "/box/articles.csv?_search=y+te").text)))
    assert numbers(table) == NEWEST_FIRST
    oldest = json(served, "/box/articles.json?_search=y+te&_sort=published")
    assert numbers(oldest["rows"]) == list(reversed(NEWEST_FIRST))
    assert not [step for step in plan(served, oldest["query"]["sql"], oldest["query"]["params"]) if "TEMP B-TREE" in step]
    filtered = json(served, "/box/articles.json?_search=y+te&province=" + "%C4%90%E1%BA%AFk+L%E1%BA%AFk")
    assert numbers(filtered["rows"]) == [3, 5, 9] and filtered["filtered_table_rows_count"] == 3
    first = json(served, "/box/articles.json?_search=y+te&_size=4")
    assert numbers(first["rows"]) == NEWEST_FIRST[:4]
    second = get(served, first["next_url"].removeprefix("http://localhost")).json()
    assert numbers(second["rows"]) == NEWEST_FIRST[4:] and second["next_url"] is None


def test_a_raw_query_stays_datasettes_and_a_term_past_the_bounds_says_why(served):
    raw = json(served, "/box/articles.json?_search=Dak+Lak&_searchmode=raw")
    assert numbers(raw["rows"]) == NEWEST_FIRST and "articles_fts match :search" in raw["query"]["sql"]
    phrase = json(served, '/box/articles.json?_search="y te dak lak"')  # a phrase, as `soyte search` takes it
    assert numbers(phrase["rows"]) == NEWEST_FIRST
    assert json(served, '/box/articles.json?_search="dak lak y te"')["rows"] == []
    refused = json(served, "/box/articles.json?_search=" + "+".join(["y"] * 17))
    assert refused["rows"] == [] and refused["filtered_table_rows_count"] == 0
    assert "the query has 17 words; at most 16 are searched" in refused["human_description_en"]


def test_the_html_page_with_a_filter_shows_the_term_in_its_search_box(served):
    page = get(served, "/box/articles?_search=y+te&province=" + "B%E1%BA%AFc+Ninh")
    assert page.status_code == 200
    assert 'value="y te"' in page.text and "Bài 0" in page.text and "Bài 1<" not in page.text
    assert get(served, "/box/articles?_search=y+te").status_code == 302  # alone: to "Search a term"
