"""A term in a large share of the newest articles (archive/datasette/table_search.py, "dense"): the
table's JSON page asks the index of each article in the paging index's order instead of building the
set of every match, with the same rows, order and exact count as Datasette's own; any other order,
a facet or a rarer term keeps the set. A real Datasette over tests/test_table_search.py's archive
(six of ten articles hold "y te"); rows and query plans are asserted, never a timing
(bench/table_pages.py times it)."""
from __future__ import annotations

import csv
import io
import pytest

from archive.datasette.table_counts import search_count_sql
from archive.datasette.table_search import search_clause
from tests.test_table_search import NEWEST_FIRST, get, json, numbers, plan, served  # noqa: F401

DENSE = "where exists (select 1 from articles_fts where articles_fts match"


@pytest.fixture
def dense(monkeypatch):
    """Six of the newest ten is dense here (at 1,000,000 articles: 200 of the newest 1,000)."""
    monkeypatch.setattr("archive.datasette.table_search.SEEK_MATCHES", 3)
    monkeypatch.setattr("archive.datasette.table_search.DENSE_WINDOW", 10)
    monkeypatch.setattr("archive.datasette.table_search.DENSE_SHARE", 0.5)


def test_a_dense_term_probes_each_article_in_the_tables_order(served, dense):
    data = json(served, "/box/articles.json?_search=y+te")
    assert numbers(data["rows"]) == NEWEST_FIRST and data["filtered_table_rows_count"] == 6
    assert DENSE in data["query"]["sql"]
    executed = data["query"]["sql"].replace("order by published desc limit", "order by published desc, url limit")
    assert plan(served, executed, data["query"]["params"]) == [
        "SCAN articles USING INDEX idx_articles_published_url", "CORRELATED SCALAR SUBQUERY 1",
        "SCAN articles_fts VIRTUAL TABLE INDEX 0:=M3"]  # the index asked of one rowid (=), no set, no sort


def test_a_dense_terms_pages_csv_and_oldest_first_give_datasettes_rows(served, dense):
    first = json(served, "/box/articles.json?_search=y+te&_size=4")
    assert numbers(first["rows"]) == NEWEST_FIRST[:4] and DENSE in first["query"]["sql"]
    second = get(served, first["next_url"].removeprefix("http://localhost")).json()
    assert numbers(second["rows"]) == NEWEST_FIRST[4:] and second["filtered_table_rows_count"] == 6
    assert numbers(list(csv.DictReader(io.StringIO(get(served, "/box/articles.csv?_search=y+te").text)))) == NEWEST_FIRST
    oldest = json(served, "/box/articles.json?_search=y+te&_sort=published")
    assert numbers(oldest["rows"]) == list(reversed(NEWEST_FIRST)) and DENSE in oldest["query"]["sql"]
    filtered = json(served, "/box/articles.json?_search=y+te&province=" + "%C4%90%E1%BA%AFk+L%E1%BA%AFk")
    assert numbers(filtered["rows"]) == [3, 5, 9] and filtered["filtered_table_rows_count"] == 3


def test_another_order_a_facet_or_a_rarer_term_keeps_the_set_of_matches(served, dense, monkeypatch):
    by_title = json(served, "/box/articles.json?_search=y+te&_sort=title")
    assert DENSE not in by_title["query"]["sql"] and by_title["filtered_table_rows_count"] == 6
    faceted = json(served, "/box/articles.json?_search=y+te&_facet=province")
    assert DENSE not in faceted["query"]["sql"]
    assert {v["value"]: v["count"] for v in faceted["facet_results"]["province"]["results"]} == {
        "Bắc Ninh": 3, "Đắk Lắk": 3}
    monkeypatch.setattr("archive.datasette.table_search.DENSE_SHARE", 0.7)  # 6 of 10 is no longer dense
    assert "where +rowid in (select rowid" in json(served, "/box/articles.json?_search=y+te")["query"]["sql"]


def test_a_dense_terms_count_is_the_indexs_or_over_the_set_never_probes(served):
    alone = f"select count(*) from articles where {search_clause(True, dense=True)} "
    assert search_count_sql(alone) == "select count(*) from articles_fts where articles_fts match " + \
        search_clause(True).split("articles_fts match ")[1].removesuffix(")")
    filtered = f"select count(*) from articles where province = :p0 and {search_clause(True, dense=True)} "
    counted = search_count_sql(filtered)
    assert counted == f"select count(*) from articles where province = :p0 and {search_clause(True)} "
    steps = plan(served, counted, {"p0": "Bắc Ninh", "soyte_search": "y te"})
    assert not [step for step in steps if "CORRELATED" in step] and "LIST SUBQUERY 1" in steps
