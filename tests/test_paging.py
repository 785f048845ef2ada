"""Datasette's next pages (`?_next=`, the table's "Next page") read one page of an index (archive/paging.py).

A real Datasette asked through its ASGI client over a real archive written by the store: every page
walked two rows at a time gives the table's rows exactly once, in Datasette's order (published
newest first, articles without a date last, ties by URL), as the same walk on the archive without
the paging index does; the next page's query, as Datasette wrote it, walks the index with no sort.
What is asserted is rows and query plans, never a timing (bench/next_pages.py times it)."""
from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from datasette.utils import tilde_encode

from archive.datasette import make_datasette
from archive.datasette.metadata import TABLES
from archive.paging import PAGED
from archive.store import Archive

# (article, published): ties on the 12th and the 10th, three articles without a date; written in
# an order that is neither the table's nor the URLs', so that an index's rowid order shows.
PUBLISHED = [(7, "2024-01-12T08:00:00+07:00"), (2, None), (9, "2024-01-15T08:00:00+07:00"),
             (4, "2024-01-12T08:00:00+07:00"), (11, "2024-01-10T08:00:00+07:00"), (0, None),
             (5, "2024-01-12T08:00:00+07:00"), (8, "2024-01-10T08:00:00+07:00"), (3, "2024-01-18T08:00:00+07:00"),
             (10, None), (1, "2024-01-12T08:00:00+07:00"), (6, "2024-01-10T08:00:00+07:00")]
PAGE_INDEX = "idx_articles_published_url"


def record(n: int, published: str | None) -> dict:
    return {"url": f"https://soyte.example.gov.vn/tin/{n:02d}.html", "portal": "demo",
            "province": "Đắk Lắk" if n % 3 else "Bắc Ninh", "title": f"Bài {n}", "published": published,
            "category": "Tin tức", "sapo": None, "text": f"Nội dung bài {n}.", "author": None, "source": None,
            "views": 0, "images": [], "attachments": []}


@pytest.fixture
def served(tmp_path) -> Path:
    path = tmp_path / "box.db"
    archive = Archive(path)
    for n, published in PUBLISHED:
        archive.upsert_article(record(n, published), layout="demo", extractor="demo/1", page_id=None)
    archive.close()
    return path


@pytest.fixture
def without_index(served, tmp_path) -> Path:
    """The same archive as an older soyte left it: no paging index (opened by Datasette only)."""
    path = tmp_path / "old" / "box.db"
    path.parent.mkdir()
    shutil.copyfile(served, path)
    conn = sqlite3.connect(path)
    conn.execute(f"DROP INDEX {PAGE_INDEX}")
    conn.commit()
    conn.close()
    return path


def get_json(path: Path, url: str) -> dict:
    async def ask():
        response = await make_datasette(path).client.get(url)
        assert response.status_code == 200, response.text
        return response.json()
    return asyncio.run(ask())


def walk(path: Path, first: str) -> tuple[list[str], list[dict]]:
    """The URLs of every page's articles, following Datasette's next links from `first`, and each page."""
    pages = [get_json(path, first)]
    while pages[-1]["next_url"]:
        pages.append(get_json(path, pages[-1]["next_url"].removeprefix("http://localhost")))
        assert len(pages) < 20
    return [row["url"] for page in pages for row in page["rows"]], pages


def listing(path: Path, order: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [url for (url,) in conn.execute(f"SELECT url FROM articles ORDER BY {order}")]
    finally:
        conn.close()


def plan(path: Path, sql: str, params: dict) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    finally:
        conn.close()


NEWEST_FIRST = "published DESC NULLS LAST, url"  # Datasette's order: sort_desc, then the key
OLDEST_FIRST = "published ASC NULLS FIRST, url"


@pytest.mark.parametrize("size", [2, 3])  # with 3, the first page ends inside the tie of the 12th
@pytest.mark.parametrize("sort", ["", "&_sort_desc=published"])  # as served (metadata's sort_desc), and asked
def test_every_page_gives_each_article_once_in_datasettes_order(served, without_index, size, sort):
    urls, pages = walk(served, f"/box/articles.json?_size={size}&_shape=objects{sort}")
    assert len(pages) == 12 // size  # ties and the undated articles cross page boundaries
    assert urls == listing(served, NEWEST_FIRST)
    assert urls[:3] == [f"https://soyte.example.gov.vn/tin/{n}.html" for n in ("03", "09", "01")]
    assert urls[-3:] == [f"https://soyte.example.gov.vn/tin/{n}.html" for n in ("00", "02", "10")]
    assert {page["filtered_table_rows_count"] for page in pages} == {12}
    assert walk(without_index, f"/box/articles.json?_size={size}&_shape=objects{sort}")[0] == urls  # Datasette's own


@pytest.mark.parametrize("sort, order", [("_sort_desc=published", NEWEST_FIRST), ("_sort=published", OLDEST_FIRST)])
def test_each_next_page_continues_after_its_token(served, without_index, sort, order):
    """From the token of each article (as Datasette writes it: its date or $null, its URL), the next
    page is the two articles after it in the order, on the archive as served and as it was before."""
    conn = sqlite3.connect(served)
    rows = conn.execute(f"SELECT published, url FROM articles ORDER BY {order}").fetchall()
    conn.close()
    for n, (published, url) in enumerate(rows[:-1]):
        token = f"{'$null' if published is None else tilde_encode(published)},{tilde_encode(url)}"
        for path in (served, without_index):
            data = get_json(path, f"/box/articles.json?_size=2&_shape=objects&{sort}&_next={token}")
            assert [row["url"] for row in data["rows"]] == [row[1] for row in rows[n + 1:n + 3]]
        page = get_json(served, f"/box/articles.json?{sort}&_next={token}")  # a page of 50, as served
        steps = plan(served, page["query"]["sql"], page["query"]["params"])
        assert "USE TEMP B-TREE FOR ORDER BY" not in steps and PAGE_INDEX in steps[0], steps


def test_the_next_page_walks_the_paging_index_without_sorting(served):
    """The next page of 50 as Datasette asks for it. (SQLite 3.40 chooses this plan for a page of 7
    rows or more; for `_size` 1 to 6 it reads the three ORs through the index and sorts them.)"""
    first = get_json(served, "/box/articles.json?_size=2")
    # the first page (no tie-breaker) reads it too: its ties in the URL order the next page goes on from
    assert plan(served, first["query"]["sql"], first["query"]["params"]) == [f"SCAN articles USING INDEX {PAGE_INDEX}"]
    second = get_json(served, first["next_url"].removeprefix("http://localhost").replace("_size=2&", ""))
    sql, params = second["query"]["sql"], second["query"]["params"]
    assert "(published < :p1 or published is null or (published = :p1 and ((url > :p0))))" in sql  # Datasette's own
    assert sql.endswith("order by published desc, url limit 51")
    assert plan(served, sql, params) == [f"SCAN articles USING INDEX {PAGE_INDEX}"]  # read backwards, stops at 51 rows


def test_a_token_among_the_undated_articles_searches_the_index(served):
    undated = "/box/articles.json?_next=$null,https~3A~2F~2Fsoyte~2Eexample~2Egov~2Evn~2Ftin~2F00~2Ehtml"
    data = get_json(served, undated + "&_shape=objects")
    assert [row["title"] for row in data["rows"]] == ["Bài 2", "Bài 10"]
    steps = plan(served, data["query"]["sql"], data["query"]["params"])
    assert steps == [f"SEARCH articles USING INDEX {PAGE_INDEX} (published=? AND url>?)"]


def test_without_the_index_datasette_sorts_every_older_article(without_index):
    """What archive/paging.py's index is for: the plan an archive made before it gets."""
    first = get_json(without_index, "/box/articles.json?_size=2")
    second = get_json(without_index, first["next_url"].removeprefix("http://localhost").replace("_size=2&", ""))
    steps = plan(without_index, second["query"]["sql"], second["query"]["params"])
    assert steps[0] == "MULTI-INDEX OR" and steps[-1] == "USE TEMP B-TREE FOR ORDER BY"


def test_a_next_page_shows_the_whole_tables_facets(served):
    first = get_json(served, "/box/articles.json?_size=2")
    second = get_json(served, first["next_url"].removeprefix("http://localhost"))
    facets = {name: [(v["value"], v["count"]) for v in facet["results"]] for name, facet in first["facet_results"].items()}
    assert facets["province"] == [("Đắk Lắk", 8), ("Bắc Ninh", 4)]
    assert facets["published"] == [("2024", 9)]
    assert {name: [(v["value"], v["count"]) for v in facet["results"]]
            for name, facet in second["facet_results"].items()} == facets
    # narrowed by equality on a counted column: the narrowed whole, from the counts, on every page
    filtered = get_json(served, "/box/articles.json?_size=2&province=B%E1%BA%AFc+Ninh")
    past = get_json(served, filtered["next_url"].removeprefix("http://localhost"))
    for page in (filtered, past):
        assert [(v["value"], v["count"]) for v in page["facet_results"]["province"]["results"]] == [("Bắc Ninh", 4)]
    # narrowed otherwise: Datasette's own, the rows after the token
    filtered = get_json(served, "/box/articles.json?_size=2&province__exact=B%E1%BA%AFc+Ninh")
    past = get_json(served, filtered["next_url"].removeprefix("http://localhost"))
    assert [(v["value"], v["count"]) for v in past["facet_results"]["province"]["results"]] == [("Bắc Ninh", 2)]


def test_an_older_archive_gets_the_paging_indexes_when_opened_for_writing(without_index):
    Archive(without_index).close()
    db = sqlite_utils.Database(without_index)
    columns = {index.name: index.columns for index in db["articles"].indexes}
    assert columns[PAGE_INDEX] == ["published", "url"]
    assert db.execute(f"SELECT sql FROM sqlite_master WHERE name = '{PAGE_INDEX}'").fetchone()[0].endswith(
        '("published", "url" desc)')


# Sorted by a column other than their key, and small whatever the archive's size: stories of
# republished copies (1,925 at 462,000 articles; archive/stories.py indexes `copies`).
SMALL = {"stories"}


def test_every_table_sorted_by_a_column_other_than_its_key_has_a_paging_index(served):
    paged = {table: column for table, column, _ in PAGED}
    db = sqlite_utils.Database(served)
    for table, spec in TABLES.items():
        column = spec.get("sort_desc") or spec.get("sort")
        if not column or column in db[table].pks or table in SMALL:
            continue
        assert paged.get(table) == column, f"{table} is sorted by {column}: archive/paging.py needs its index"
        key = db[table].pks[0]
        data = get_json(served, f"/box/{table}.json?_next=2024-01-01,x")  # the next page's query, whatever the rows
        steps = plan(served, data["query"]["sql"], data["query"]["params"])
        assert steps == [f"SCAN {table} USING INDEX idx_{table}_{column}_{key}"], (table, steps)
