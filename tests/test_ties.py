"""A sorted table's first page breaks its ties by the key, as Datasette's next pages do
(archive/datasette/ties.py): walking every page gives each article once, oldest first too.

A real Datasette asked through its ASGI client over a real archive with ties on two dates and three
undated articles (tests/test_paging.py's), walked two and three rows a page; the executed query's
plan reads the paging index. No timing is asserted."""
from __future__ import annotations

import pytest

from archive.datasette.table_search import search_clause
from archive.datasette.ties import tie_broken
from tests.test_paging import NEWEST_FIRST, OLDEST_FIRST, PAGE_INDEX, listing, plan, served, walk  # noqa: F401


@pytest.mark.parametrize("size", [2, 3])
@pytest.mark.parametrize("sort, order", [("_sort=published", OLDEST_FIRST), ("_sort_desc=published", NEWEST_FIRST)])
def test_every_page_of_a_sorted_table_gives_each_article_once(served, size, sort, order):
    urls, pages = walk(served, f"/box/articles.json?_size={size}&_shape=objects&{sort}")
    assert urls == listing(served, order) and len(set(urls)) == 12
    if sort == "_sort=published":  # the undated first, ties by URL: 00 before 02 before 10
        assert urls[:3] == [f"https://soyte.example.gov.vn/tin/{n}.html" for n in ("00", "02", "10")]


def test_a_searched_table_sorted_oldest_first_gives_each_match_once(served):
    urls, _ = walk(served, "/box/articles.json?_size=2&_shape=objects&_sort=published&_search=noi+dung")
    assert urls == listing(served, OLDEST_FIRST)


def test_only_a_paged_tables_page_gets_the_key_and_its_plan_reads_the_paging_index(served):
    first = "select url, title from articles order by published limit 51"
    assert tie_broken(first) == "select url, title from articles order by published, url limit 51"
    assert tie_broken(first.replace("published limit", "published desc limit")).endswith(
        "order by published desc, url limit 51")
    searched = f"select url from articles where {search_clause(True)} order by published desc limit 51"
    assert tie_broken(searched).endswith(") order by published desc, url limit 51")
    for unchanged in ("select id from pages order by id desc limit 51",  # its key is its order
                      "select * from articles\norder by published desc limit 50",  # a canned query
                      "select url from articles order by published desc, url limit 51"):  # a next page
        assert tie_broken(unchanged) == unchanged
    assert plan(served, tie_broken(first), {}) == [f"SCAN articles USING INDEX {PAGE_INDEX}",
                                                   "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"]  # one tie at a time
    assert plan(served, tie_broken(first.replace("published limit", "published desc limit")), {}) == [
        f"SCAN articles USING INDEX {PAGE_INDEX}"]  # read backwards: in the page's order, no sort
