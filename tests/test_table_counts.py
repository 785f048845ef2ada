"""The row counts Datasette shows on a table's page, kept rather than counted (archive/row_counts.py,
archive/datasette/table_counts.py), and the count of a search counted once per state of the archive
(archive/datasette/count_cache.py).

A real Datasette asked through its ASGI client over a real archive written by the store, written
again while it is served: the count given is exact, follows every stored row, and comes from where
it is said to come from (a count kept wrong on purpose shows); the query plans read one row of the
kept counts, never the table. No timing is asserted (bench/table_pages.py times it)."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from archive.datasette import count_cache, make_datasette
from archive.datasette.plugin import prepare_connection
from archive.datasette.table_counts import count_sql, index_count_sql
from archive.row_counts import COUNTED
from archive.store import Archive

PAGES = 7


def record(n: int, words: str) -> dict:
    return {"url": f"https://soyte.example.gov.vn/tin/{n}.html", "portal": "demo", "province": "Đắk Lắk",
            "title": f"Bài {n}", "published": f"2024-01-{10 + n}T08:00:00+07:00", "category": "Tin tức",
            "sapo": None, "text": words, "author": None, "source": None, "views": 0, "images": [],
            "attachments": []}


def store_page(archive: Archive, n: int) -> int:
    return archive.save_page(f"https://soyte.example.gov.vn/trang/{n}.html", 200, {"Content-Type": "text/html"},
                             f"<html><body>Trang {n}</body></html>".encode(), None, kind="listing")


@pytest.fixture
def served(tmp_path) -> Path:
    path = tmp_path / "box.db"
    archive = Archive(path)
    for n in range(PAGES):
        store_page(archive, n)
    for n in range(5):
        archive.upsert_article(record(n, "Sở Y tế khám bệnh." if n < 3 else "Hội nghị tổng kết."),
                               layout="demo", extractor="demo/1", page_id=None)
    archive.close()
    count_cache.forget_all()
    return path


def run(path: Path, steps):
    """Run `steps(client)` against one Datasette serving `path` (the archive may be written meanwhile)."""
    async def go():
        datasette = make_datasette(path)
        await datasette.invoke_startup()
        return await steps(datasette.client)
    return asyncio.run(go())


def writer(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    return conn


def test_the_pages_table_counts_from_the_kept_count_and_follows_each_stored_page(served):
    async def steps(client):
        seen = [(await client.get("/box/pages.json?_size=2")).json()]
        following = seen[0]["next"]
        seen.append((await client.get(f"/box/pages.json?_size=2&_next={following}")).json())
        archive = Archive(served)
        store_page(archive, PAGES)  # a new page while served
        store_page(archive, 0)  # the same bytes again: no new row
        archive.close()
        seen.append((await client.get("/box/pages.json")).json())
        conn = writer(served)
        conn.execute("DELETE FROM pages WHERE url LIKE '%/trang/1.html'")
        conn.close()
        seen.append((await client.get("/box/pages.json")).json())
        return seen

    first, second, stored, deleted = run(served, steps)
    assert [first["filtered_table_rows_count"], second["filtered_table_rows_count"]] == [PAGES, PAGES]
    assert stored["filtered_table_rows_count"] == PAGES + 1
    assert deleted["filtered_table_rows_count"] == PAGES


def test_the_count_shown_is_the_kept_one_and_reads_one_row(served):
    conn = writer(served)
    conn.execute("UPDATE _counts SET count = 4321 WHERE [table] = 'pages'")  # wrong on purpose: shows where it comes from
    conn.close()

    async def steps(client):
        return (await client.get("/box/pages.json")).json(), (await client.get("/box/articles.json")).json()

    pages, articles = run(served, steps)
    assert pages["filtered_table_rows_count"] == 4321
    assert articles["filtered_table_rows_count"] == 5  # the sum of article_counts (archive.summaries)
    conn = sqlite3.connect(served)
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {count_sql('pages')}")]
    assert "SEARCH _counts USING INDEX sqlite_autoindex__counts_1 (table=?)" in plan
    assert (conn.execute(count_sql("pages")).fetchone()[0], conn.execute(count_sql("pages", kept=False)).fetchone()[0]) \
        == (4321, PAGES)
    conn.close()


def steps_of(path: Path, sql: str) -> tuple[int, int]:
    """The answer to `sql` and how many SQLite VM instructions it took (a progress handler each one)."""
    conn = sqlite3.connect(path)
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0

    conn.set_progress_handler(step, 1)
    answer = conn.execute(sql).fetchone()[0]
    conn.close()
    return answer, steps[0]


def test_the_kept_count_reads_no_page_however_many_there_are(served):
    few = steps_of(served, count_sql("pages"))
    archive = Archive(served)
    for n in range(PAGES, PAGES + 300):
        store_page(archive, n)
    archive.close()
    many = steps_of(served, count_sql("pages"))
    counted = steps_of(served, count_sql("pages", kept=False))
    assert (few[0], many[0], counted[0]) == (PAGES, PAGES + 300, PAGES + 300)
    assert few[1] == many[1] and counted[1] > many[1] + 300  # the count(*) of the fallback is never run


def test_every_counted_table_has_its_triggers_and_a_lost_trigger_means_a_recount(served):
    conn = writer(served)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {f"{table}_counts_{what}" for table in COUNTED for what in ("insert", "delete")} <= names
    conn.execute("DROP TRIGGER pages_counts_delete")  # as a person's SQL might
    conn.execute("UPDATE _counts SET count = 99 WHERE [table] = 'pages'")
    assert conn.execute(count_sql("pages")).fetchone()[0] == PAGES  # not trusted without both triggers
    conn.close()
    Archive(served).close()  # opened for writing: the triggers again, and the table counted once
    conn = sqlite3.connect(served)
    assert conn.execute("SELECT count FROM _counts WHERE [table] = 'pages'").fetchone()[0] == PAGES
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'pages_counts_delete'").fetchone()[0] == 1
    conn.close()


def test_an_archive_without_kept_counts_is_counted_as_datasette_counts_it(served):
    conn = writer(served)
    for table in COUNTED:
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_counts_insert")
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_counts_delete")
    conn.execute("DROP TABLE _counts")  # as an older soyte left it
    conn.close()

    async def steps(client):
        return (await client.get("/box/pages.json")).json(), (await client.get("/box.json")).json()

    pages, database = run(served, steps)
    assert pages["filtered_table_rows_count"] == PAGES
    assert {table["name"]: table["count"] for table in database["tables"]}["pages"] == PAGES


def test_the_database_page_shows_the_kept_counts(served):
    async def steps(client):
        return (await client.get("/box.json")).json()

    counts = {table["name"]: table["count"] for table in run(served, steps)["tables"]}
    assert (counts["pages"], counts["articles"], counts["images"]) == (PAGES, 5, 0)


def test_a_search_is_counted_once_per_state_of_the_archive(served):
    async def steps(client):
        first = (await client.get("/box/articles.json?_search=y+te&_size=1&_shape=objects")).json()
        (entry,) = list(count_cache._counts)  # the count just made, for this state of the file
        count_cache._counts[entry] = 777  # wrong on purpose: the next page shows it is asked of the cache
        following = (await client.get(f"/box/articles.json?_search=y+te&_size=1&_shape=objects&_next={first['next']}")).json()
        archive = Archive(served)
        archive.upsert_article(record(7, "Sở Y tế tiêm vắc xin."), layout="demo", extractor="demo/1", page_id=None)
        archive.close()
        stored = (await client.get("/box/articles.json?_search=y+te&_size=1&_shape=objects")).json()  # a new state: counted again
        other = (await client.get("/box/articles.json?_search=tong+ket")).json()
        return first, following, stored, other

    first, following, stored, other = run(served, steps)
    assert first["filtered_table_rows_count"] == 3 and [row["title"] for row in first["rows"]] == ["Bài 2"]
    assert following["filtered_table_rows_count"] == 777 and [row["title"] for row in following["rows"]] == ["Bài 1"]
    assert stored["filtered_table_rows_count"] == 4 and [row["title"] for row in stored["rows"]] == ["Bài 7"]
    assert other["filtered_table_rows_count"] == 2
    assert len(count_cache._counts) == 3


def test_the_archives_state_changes_with_every_commit(served):
    states = [count_cache.state(served)]
    archive = Archive(served)
    for n in range(10, 15):  # five commits in quick succession
        store_page(archive, n)
        states.append(count_cache.state(served))
    archive.close()
    assert len(set(states)) == len(states)


def test_the_cache_keeps_the_most_recently_used(monkeypatch):
    monkeypatch.setattr(count_cache, "SIZE", 2)
    count_cache.forget_all()
    for n in range(3):
        count_cache.remember(("a", n), n)
        if n == 1:
            assert count_cache.remembered(("a", 0)) == 0  # freshened: the oldest is now 1
    assert sorted(count_cache._counts) == [("a", 0), ("a", 2)]
    count_cache.forget_all()


def test_a_search_alone_is_counted_in_the_full_text_index_and_with_a_filter_as_datasette_counts(served):
    async def steps(client):
        alone = (await client.get("/box/articles.json?_search=y+te")).json()
        filtered = (await client.get("/box/articles.json?_search=y+te&title=B%C3%A0i+1")).json()
        return alone, filtered

    alone, filtered = run(served, steps)
    assert (alone["filtered_table_rows_count"], filtered["filtered_table_rows_count"]) == (3, 1)
    count = f"select count(*) from articles {alone['query']['sql'].split(' from articles ')[1].split(' order by ')[0]}"
    index_count = index_count_sql(count)
    assert index_count is not None and index_count_sql(count.replace(" where ", " where title = :p0 and ")) is None
    conn = sqlite3.connect(served)
    prepare_connection(conn)
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {index_count}", {"soyte_search": "y te"})]
    assert plan == ["SCAN articles_fts VIRTUAL TABLE INDEX 0:M3"]  # the index alone, no article read
    assert conn.execute(index_count, {"soyte_search": "y te"}).fetchone()[0] == 3
    conn.close()


def test_a_table_without_a_kept_count_is_counted_in_steps_the_time_limit_can_stop(served):
    async def steps(client):
        return [(await client.get(f"/box/{table}.json")).json() for table in ("articles_fts_data", "crawl_runs")]

    conn = sqlite3.connect(served)
    exact = [conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("articles_fts_data", "crawl_runs")]
    opcodes = [row[1] for row in conn.execute(f"EXPLAIN {count_sql('articles_fts_data', kept=False)}")]
    conn.close()
    assert [page["filtered_table_rows_count"] for page in run(served, steps)] == exact and exact[0] > 1
    assert "Count" not in opcodes  # not the one instruction over the whole table the limit cannot stop


def test_the_kept_counts_stay_exact_through_links_printed_twice_and_articles_filed_again(served):
    """A REPLACE deletes without firing the count's delete trigger: a link printed twice in one article
    (recorded at every crawl) and an article changed and filed again in its story would each add one
    row to the count and none to the table, unless the connection sets recursive_triggers (sqlite-utils
    does; sqlite3 and the sqlite3 shell do not): off here, so no write relies on it. Every counted
    table is compared with count(*)."""
    from archive.documents import DocumentStore

    archive = Archive(served)
    archive.conn.execute("PRAGMA recursive_triggers = off")
    url = record(0, "")["url"]
    twice = [{"url": "https://soyte.example.gov.vn/files/kh.pdf", "title": "Kế hoạch"},
             {"url": "https://soyte.example.gov.vn/files/kh.pdf", "title": "Tải về"}]
    for _crawl in range(3):
        DocumentStore(archive).record_links(url, twice)
    assert archive.conn.execute("SELECT title FROM document_links WHERE article_url = ?", (url,)).fetchall() == [("Tải về",)]
    archive.upsert_article(record(0, "Sở Y tế khám bệnh cho người cao tuổi tại các trạm y tế xã trong tỉnh."),
                           layout="demo", extractor="demo/1", page_id=None)
    kept = dict(archive.conn.execute("SELECT [table], count FROM _counts"))
    for table in COUNTED:
        if archive.db[table].exists():
            assert kept.get(table, 0) == archive.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0], table
    archive.close()
