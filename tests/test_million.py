"""A million articles (issue 32): the frontier asked of SQLite per URL, the article counts kept by
triggers. Small archives; what is asserted is the answers and the query plans (EXPLAIN QUERY PLAN),
never a timing (bench/million.py measures those)."""
from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from archive.frontier import (ARTICLE_BY_KEY, NEWEST_LISTING, PAGE_OF_ARTICLE, ArchivedFrontier,
                              load_frontier, retries_sql)
from archive.schema import read_as_current
from archive.store import Archive
from archive.summaries import COUNTED, TABLE, TRIGGERS
from scraper.model import Frontier

HOST = "soyte.bacninh.gov.vn"
HEADERS = {"Content-Type": "text/html; charset=utf-8", "ETag": '"v1"', "Last-Modified": "Mon, 01 Dec 2025 00:00:00 GMT"}


def record(n: int, **fields) -> dict:
    return {"url": f"https://{HOST}/tin/{n}", "portal": "bacninh", "province": "Bắc Ninh", "title": f"Bài {n}",
            "published": f"2025-{1 + n % 3:02d}-15T08:00:00+07:00", "category": "Tin tức" if n % 2 else None,
            "sapo": None, "text": f"Nội dung bài số {n}.", "author": None, "source": None, "views": None,
            "images": [], "attachments": [], **fields}


def store(archive: Archive, n: int, run_id: int | None = None, fetched_at: str | None = None, **fields) -> int:
    """Article n with its page, fetched at `fetched_at` (its own URL unless given)."""
    page_id = archive.save_page(fetched_at or f"https://{HOST}/tin/{n}", 200, HEADERS, f"<p>{n}</p>".encode(),
                                run_id, kind="article")
    archive.upsert_article(record(n, **fields), layout="liferay-bacninh", extractor="bacninh/1", page_id=page_id)
    return page_id


@pytest.fixture
def archive(tmp_path):
    archive = Archive(tmp_path / "a.db")
    yield archive
    archive.close()


def plan(conn: sqlite3.Connection, sql: str, params: tuple) -> str:
    return "\n".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def counts(conn: sqlite3.Connection) -> list[tuple]:
    return sorted(conn.execute(f"SELECT portal, province, month, category, articles FROM {TABLE}").fetchall())


# The frontier


def test_the_frontier_answers_from_the_archive_per_url(archive):
    run = archive.start_run(["bacninh"])
    store(archive, 1, run)
    store(archive, 2, run, fetched_at=f"https://{HOST}/tin/2?print=1")  # keyed by its canonical
    archive.upsert_article(record(3), layout="x", extractor="x/1", page_id=None)  # no page
    archive.upsert_article(record(4, portal="hagiang"), layout="x", extractor="x/1", page_id=None)
    archive.save_page(f"https://{HOST}/tin-tuc", 200, {"ETag": '"l1"'}, b"<ul></ul>", run, kind="listing")
    archive.finish_run(run, "completed")
    frontier = load_frontier(archive.conn, ["bacninh"], None)
    assert not frontier.known and not frontier.fetched_at and not frontier.validators  # nothing read whole
    assert [frontier.is_known(f"https://{HOST}/tin/{n}") for n in (1, 2, 3, 4, 5)] == [True, True, True, False, False]
    assert frontier.is_known(f"https://{HOST}/tin/2?print=1")  # the URL its page was fetched at
    assert frontier.page_of(f"https://{HOST}/tin/2") == f"https://{HOST}/tin/2?print=1"
    assert frontier.page_of(f"https://{HOST}/tin/3") is None
    assert frontier.is_fetched_page(f"https://{HOST}/tin/2?print=1")
    assert not frontier.is_fetched_page(f"https://{HOST}/tin/3")
    assert frontier.conditional_headers(f"https://{HOST}/tin/1", "bacninh", "article") == {
        "If-None-Match": '"v1"', "If-Modified-Since": "Mon, 01 Dec 2025 00:00:00 GMT"}
    assert frontier.validators_of(f"https://{HOST}/tin-tuc") == {"If-None-Match": '"l1"'}
    assert frontier.listing_walked(f"https://{HOST}/tin-tuc")
    assert frontier.archived_keys().get(f"https://{HOST}/tin/2") == f"https://{HOST}/tin/2?print=1"
    assert f"https://{HOST}/tin/2?print=1" in frontier.archived_pages()


def test_articles_stored_after_the_frontier_was_made_are_not_known_to_it(archive):
    store(archive, 1)
    frontier = load_frontier(archive.conn, ["bacninh"], None)
    store(archive, 2)  # this run's own article
    assert frontier.is_known(f"https://{HOST}/tin/1")
    assert not frontier.is_known(f"https://{HOST}/tin/2")


def test_a_listing_page_of_a_run_that_did_not_finish_is_asked_unconditionally(archive):
    run = archive.start_run(["bacninh"])
    archive.save_page(f"https://{HOST}/tin-tuc", 200, {"ETag": '"l1"'}, b"<ul></ul>", run, kind="listing")
    archive.finish_run(run, "aborted")
    frontier = load_frontier(archive.conn, ["bacninh"], None)
    assert frontier.validators_of(f"https://{HOST}/tin-tuc") is None
    assert not frontier.listing_walked(f"https://{HOST}/tin-tuc")


def test_revisits_are_read_per_portal_when_asked(archive):
    for n in range(3):
        store(archive, n)
    archive.conn.execute("UPDATE articles SET last_seen = '2020-01-01T00:00:00+00:00'")
    frontier = load_frontier(archive.conn, ["bacninh"], timedelta(days=30))
    assert not frontier.due.read  # nothing read until a spider asks for the portal's
    assert sorted(frontier.due.get("bacninh", [])) == [f"https://{HOST}/tin/{n}" for n in range(3)]
    assert frontier.due.get("hagiang", []) == []
    assert dict(load_frontier(archive.conn, ["bacninh"], None).due) == {}


def test_every_frontier_lookup_uses_an_index(archive):
    store(archive, 1)
    conn, marks = archive.conn, "?"
    args = ("https://x/1", "bacninh", 10)
    by_key = plan(conn, ARTICLE_BY_KEY.format(what="(SELECT p.url FROM pages p WHERE p.id = a.page_id)",
                                              marks=marks), args)
    assert "SEARCH a USING INDEX sqlite_autoindex_articles_1 (url=?)" in by_key
    assert "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)" in by_key
    page = plan(conn, PAGE_OF_ARTICLE.format(what="p.headers", status="AND p.status = 200", marks=marks), args)
    assert "SEARCH p USING INDEX idx_pages_url_sha256 (url=?)" in page
    assert "SEARCH a USING INDEX idx_articles_page_id (page_id=?)" in page
    listing = plan(conn, NEWEST_LISTING, ("https://x/",))
    assert "SEARCH p USING INDEX idx_pages_kind_url (kind=? AND url=?)" in listing
    assert "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)" in listing
    due = plan(conn, "SELECT url, last_seen, published, first_seen FROM articles WHERE portal = ? AND rowid <= ?",
               ("bacninh", 10))
    assert "USING COVERING INDEX idx_articles_portal_last_seen_published_first_seen_url (portal=?)" in due
    retries = plan(conn, retries_sql(2), ("bacninh", "hagiang"))
    assert "SEARCH failures USING INDEX idx_failures_portal_url (portal=?)" in retries
    assert "SCAN" not in by_key + page + listing + due + retries and "TEMP B-TREE" not in retries


def test_the_spider_asks_the_frontier_not_a_copy_of_the_archive(archive):
    """The portal spider's canonical guard asks the archive per URL (scraper.extraction.urls.CanonicalGuard)."""
    from spiders.loader import PortalSpiderLoader

    store(archive, 2, fetched_at=f"https://{HOST}/tin/2?print=1")
    spider = PortalSpiderLoader().load("bacninh")(frontier=load_frontier(archive.conn, ["bacninh"], None))
    assert spider.canonicals.problem(f"https://{HOST}/tin/2", f"https://{HOST}/tin/9") == (
        f"canonical https://{HOST}/tin/2 is another archived article")
    assert spider.canonicals.problem(f"https://{HOST}/tin/2?print=1", f"https://{HOST}/tin/9") == (
        f"canonical https://{HOST}/tin/2?print=1 is another archived page")
    assert spider.taken_by_another_page(f"https://{HOST}/tin/2")


def test_a_frontier_made_in_memory_still_answers():
    frontier = Frontier(known={"https://a/1"}, fetched_at={"https://a/1": "https://a/1?x"})
    assert frontier.is_known("https://a/1") and frontier.page_of("https://a/1") == "https://a/1?x"
    assert frontier.is_fetched_page("https://a/1?x") and not frontier.is_fetched_page("https://a/2")


def test_the_lookups_cache_is_bounded(archive):
    lookup = ArchivedFrontier(archive.conn, ["bacninh"], 0)
    for n in range(ArchivedFrontier.CACHE + 10):
        lookup.is_known(f"https://x/{n}")
    assert lookup.is_known.cache_info().currsize == ArchivedFrontier.CACHE


# The article counts


def test_counts_follow_inserts_updates_and_deletes(archive):
    for n in range(6):
        store(archive, n)
    assert counts(archive.conn) == [
        ("bacninh", "Bắc Ninh", "2025-01", "", 1), ("bacninh", "Bắc Ninh", "2025-01", "Tin tức", 1),
        ("bacninh", "Bắc Ninh", "2025-02", "", 1), ("bacninh", "Bắc Ninh", "2025-02", "Tin tức", 1),
        ("bacninh", "Bắc Ninh", "2025-03", "", 1), ("bacninh", "Bắc Ninh", "2025-03", "Tin tức", 1)]
    # an update that moves an article (a re-extraction that reads another date and category)
    archive.upsert_article(record(0, published="2024-12-31T23:00:00+07:00", category="Y tế", text="Khác."),
                           layout="x", extractor="x/2", page_id=None)
    archive.upsert_article(record(1, text="Khác nữa."), layout="x", extractor="x/2", page_id=None)  # stays put
    archive.conn.execute("DELETE FROM articles WHERE url = ?", (f"https://{HOST}/tin/5",))
    assert counts(archive.conn) == [
        ("bacninh", "Bắc Ninh", "2024-12", "Y tế", 1), ("bacninh", "Bắc Ninh", "2025-01", "Tin tức", 1),
        ("bacninh", "Bắc Ninh", "2025-02", "", 1), ("bacninh", "Bắc Ninh", "2025-02", "Tin tức", 1),
        ("bacninh", "Bắc Ninh", "2025-03", "", 1)]
    assert counts(archive.conn) == sorted(archive.conn.execute(COUNTED).fetchall())


def test_an_archive_without_counts_is_counted_when_opened_for_writing(tmp_path):
    archive = Archive(tmp_path / "old.db")
    for n in range(4):
        store(archive, n)
    for trigger in TRIGGERS:  # as an archive written before the counts existed
        archive.conn.execute(f"DROP TRIGGER {trigger}")
    archive.conn.execute(f"DROP TABLE {TABLE}")
    archive.upsert_article(record(9, published=None), layout="x", extractor="x/1", page_id=None)
    archive.close()
    reader = sqlite3.connect(f"file:{tmp_path / 'old.db'}?mode=ro", uri=True)
    assert "article_counts" in read_as_current(reader)  # read-only: a view counting articles
    assert sum(n for *_key, n in counts(reader)) == 5
    reader.close()
    archive = Archive(tmp_path / "old.db")
    assert counts(archive.conn) == sorted(archive.conn.execute(COUNTED).fetchall())
    assert ("bacninh", "Bắc Ninh", "", "Tin tức", 1) in counts(archive.conn)  # no date: month ''
    store(archive, 10)
    assert sum(n for *_key, n in counts(archive.conn)) == 6
    archive.close()


def test_the_canned_summary_reads_the_counts(archive):
    from archive.datasette.metadata import QUERIES

    for n in range(6):
        store(archive, n)
    sql = QUERIES["articles_per_province_per_month"]["sql"]
    assert archive.conn.execute(sql).fetchall() == [
        ("Bắc Ninh", "2025-03", 2), ("Bắc Ninh", "2025-02", 2), ("Bắc Ninh", "2025-01", 2)]
    assert "articles " not in plan(archive.conn, sql, ()) and "article_counts" in plan(archive.conn, sql, ())


# Merge in bounded transactions


def node_archive(path, first: int, last: int, text: str = "Nội dung") -> None:
    archive = Archive(path)
    run = archive.start_run(["bacninh"])
    for n in range(first, last):
        page_id = archive.save_page(f"https://{HOST}/tin/{n}", 200, HEADERS, f"<p>{n} {text}</p>".encode(), run,
                                    kind="article")
        archive.upsert_article(record(n, text=f"{text} bài số {n}."), layout="liferay-bacninh",
                               extractor="bacninh/1", page_id=page_id)
    archive.finish_run(run, "completed")
    archive.close()


def merged_state(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return {
            "articles": conn.execute("SELECT url, title, text, content_hash, first_seen, last_seen, "
                                     "(SELECT p.sha256 FROM pages p WHERE p.id = page_id) FROM articles ORDER BY url").fetchall(),
            "versions": conn.execute("SELECT url, content_hash FROM article_versions ORDER BY url, id").fetchall(),
            "pages": conn.execute("SELECT url, sha256 FROM pages ORDER BY url, sha256").fetchall(),
            "found": conn.execute("SELECT a.url FROM articles_fts f JOIN articles a ON a.rowid = f.rowid "
                                  "WHERE articles_fts MATCH '\"khac\"' ORDER BY a.url").fetchall(),
            "counts": counts(conn),
            "progress": conn.execute("SELECT count(*) FROM merge_progress").fetchone()[0],
        }
    finally:
        conn.close()


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nodes")
    node_archive(folder / "a.db", 0, 30)
    node_archive(folder / "b.db", 20, 60, text="Khác")  # 20..29 changed: versions
    return folder / "a.db", folder / "b.db"


def test_a_merge_in_small_batches_equals_one_in_one_transaction(two_nodes, tmp_path):
    from archive.merge import merge

    merge(list(two_nodes), tmp_path / "one.db", batch=10_000)
    merge(list(two_nodes), tmp_path / "batched.db", batch=7)
    one, batched = merged_state(tmp_path / "one.db"), merged_state(tmp_path / "batched.db")
    assert batched == one
    assert len(one["articles"]) == 60 and len(one["versions"]) == 10 and len(one["found"]) == 40
    assert sum(n for *_key, n in one["counts"]) == 60 and one["progress"] == 0
    with sqlite3.connect(tmp_path / "batched.db") as conn:  # the triggers kept them through the merge
        assert one["counts"] == sorted(conn.execute(COUNTED).fetchall())
    conn.close()


def test_a_killed_merge_goes_on_from_its_last_batch(two_nodes, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from archive.merge import merge

    merge(list(two_nodes), tmp_path / "clean.db", batch=10_000)
    into = tmp_path / "killed.db"
    script = ("import sys, time; from pathlib import Path; import archive.merge_progress as p; from archive.merge import merge\n"
              "commit = p.Batches.commit\n"
              "def slow(self):\n    commit(self); time.sleep(0.2)\n"
              "p.Batches.commit = slow  # time for the test to kill it between batches\n"
              "merge([Path(a) for a in sys.argv[2:]], Path(sys.argv[1]), batch=3)\n")
    process = subprocess.Popen([sys.executable, "-c", script, str(into), *map(str, two_nodes)])
    progress = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if into.exists():
            with sqlite3.connect(f"file:{into}?mode=ro", uri=True) as conn:
                try:
                    progress = conn.execute("SELECT part, done FROM merge_progress WHERE part = 'articles'").fetchone()
                except sqlite3.OperationalError:
                    progress = None
            if progress:
                os.kill(process.pid, signal.SIGKILL)
                break
        time.sleep(0.02)
    process.wait()
    assert progress is not None, "the merge ended before a batch of articles was committed"
    assert process.returncode == -signal.SIGKILL
    half = merged_state(into)
    assert 0 < len(half["articles"]) < 60 and half["progress"] >= 1
    assert sum(n for *_key, n in half["counts"]) == len(half["articles"])  # counts committed with their articles
    merge(list(two_nodes), into, batch=3)
    assert merged_state(into) == merged_state(tmp_path / "clean.db")


def test_the_wal_is_checkpointed_between_batches(two_nodes, tmp_path):
    """After each batch's commit the WAL is emptied (TRUNCATE) while the merge goes on: it never
    holds more than one batch."""
    from archive.merge_progress import Batches

    target = Archive(tmp_path / "into.db")
    source = sqlite3.connect(two_nodes[1])
    wal = tmp_path / "into.db-wal"
    sizes_after_commit = []
    batches = Batches(target, 10)
    with batches:
        batches.source("b")
        for (page_id,) in batches.rows(source, "pages", "SELECT id FROM pages WHERE id > ? ORDER BY id", 0):
            if batches.rows_in_batch == 0 and batches.committed:
                sizes_after_commit.append(wal.stat().st_size)
            target.conn.execute("INSERT INTO failures (url, portal, kind, reason) VALUES (?, 'bacninh', 'x', ?)",
                                (f"https://{HOST}/{page_id}", "x" * 20_000))
    source.close()
    assert batches.committed == 4 and sizes_after_commit == [0, 0, 0]  # the 4th: after the last row
    assert target.conn.execute("SELECT count(*) FROM failures").fetchone()[0] == 40
    target.close()


# Datasette reads the counts


def test_the_whole_table_facets_come_from_the_counts_a_filtered_page_counts_rows(tmp_path):
    import asyncio

    from archive.datasette import make_datasette

    archive = Archive(tmp_path / "facets.db")
    for n in range(6):
        store(archive, n)
    archive.upsert_article(record(7, portal="hagiang", province="Hà Giang", published="2019-05-01"),
                           layout="x", extractor="x/1", page_id=None)
    archive.close()

    async def facets(query: str) -> dict:
        ds = make_datasette(tmp_path / "facets.db")
        page = (await ds.client.get(f"/facets/articles.json?_size=0{query}")).json()
        return {name: {v["value"]: v["count"] for v in facet["results"]} for name, facet in page["facet_results"].items()}

    assert asyncio.run(facets("")) == {"province": {"Bắc Ninh": 6, "Hà Giang": 1},
                                       "category": {"Tin tức": 4}, "published": {"2025": 6, "2019": 1}}
    with sqlite3.connect(tmp_path / "facets.db") as conn:  # what the counts say is what the whole table shows
        conn.execute("UPDATE article_counts SET articles = 40 WHERE portal = 'hagiang'")
    conn.close()
    assert asyncio.run(facets(""))["province"] == {"Hà Giang": 40, "Bắc Ninh": 6}
    assert asyncio.run(facets(""))["published"] == {"2025": 6, "2019": 40}
    # filtered by equality on a counted column: from the counts too, narrowed (a province's page at 1M)
    assert asyncio.run(facets("&portal=hagiang")) == {"province": {"Hà Giang": 40}, "category": {"Tin tức": 40},
                                                      "published": {"2019": 40}}
    assert asyncio.run(facets("&province=B%E1%BA%AFc+Ninh&category=Tin+t%E1%BB%A9c")) == {
        "province": {"Bắc Ninh": 3}, "category": {"Tin tức": 3}, "published": {"2025": 3}}
    # any other filter: the rows counted, as Datasette does
    assert asyncio.run(facets("&portal__exact=hagiang")) == {"province": {"Hà Giang": 1}, "category": {"Tin tức": 1},
                                                             "published": {"2019": 1}}
    assert asyncio.run(facets("&portal=hagiang&views__gte=0"))["province"] == {}


def test_feeds_read_a_province_or_category_from_its_index_and_a_search_from_its_newest_matches(archive):
    """A province's and a category's feed (and the table filtered by them) walk (column, published)
    in order, never sort every article of the province (6.5 s and 22 s at 462,000 before); a saved
    search's feed sorts at most SEARCH_WINDOW of its newest matches, not every match (45 s)."""
    from archive.datasette.feeds import FEED_QUERIES, SEARCH_WINDOW
    from archive.search import match_expression

    for n in range(6):
        store(archive, n, text=f"Sở Y tế thông báo số {n}.")
    conn = archive.conn
    for name, column, value in (("feed_province", "province", "Bắc Ninh"), ("feed_category", "category", "Tin tức")):
        plan = [row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + FEED_QUERIES[name]["sql"], {column: value})]
        assert plan[0] == f"SEARCH articles USING INDEX idx_articles_{column}_published ({column}=?)", plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan
    conn.create_function("soyte_search_refusal", 1, lambda term: None)
    conn.create_function("soyte_fts_query", 1, match_expression)
    search = FEED_QUERIES["feed_search"]["sql"]
    assert f"order by rowid desc limit {SEARCH_WINDOW})" in search
    found = conn.execute(search, {"term": "so y te"}).fetchall()
    assert [row[0] for row in found] == [f"https://{HOST}/tin/{n}" for n in (2, 5, 1, 4, 0, 3)]


def test_the_database_page_counts_its_tables_in_steps_the_time_limit_can_stop(archive, tmp_path):
    """Datasette's `count(*)` is one SQLite instruction over the whole table, which the time limit
    never interrupts (2.2 s for the full-text index at 1,000,000 articles): the archive's page
    counts articles from article_counts and every other table row by row, with the same numbers."""
    import asyncio

    from archive.datasette import make_datasette
    from archive.datasette.table_counts import count_sql

    for n in range(5):
        store(archive, n)
    opcodes = [row[1] for row in archive.conn.execute(f"EXPLAIN {count_sql('pages')}")]
    assert "Count" not in opcodes and "Count" in [row[1] for row in archive.conn.execute("EXPLAIN select count(*) from pages")]
    groups = archive.conn.execute("SELECT count(*) FROM article_counts").fetchone()[0]
    archive.close()

    async def counts() -> dict:
        ds = make_datasette(tmp_path / "a.db")
        await ds.invoke_startup()
        return await ds.get_database("a").table_counts(5)

    found = asyncio.run(counts())
    assert found["articles"] == 5 and found["pages"] == 5 and found["article_counts"] == groups > 1
