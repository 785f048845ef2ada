"""Search at a million articles (issue 32): bm25 ranks by the words that tell articles apart.

A word in half the archive or more has bm25's floor weight (1e-6), yet bm25 reads its whole list
of rows to find that out; archive.search.telling_ranking leaves such words out of the ranking
expression. Small archives, real SQLite and FTS5: what is asserted is which words rank and the
order of the results, never a timing (bench/million_measure.py measures those)."""
from __future__ import annotations

import pytest

from archive.search import (FTS_TABLE, best_matches, is_ranked, query_words, ranked_words, search, telling_ranking,
                            telling_words)
from archive.store import Archive


def record(n: int, text: str) -> dict:
    return {"url": f"https://soyte.example.gov.vn/tin/{n}.html", "portal": "demo", "province": "Bắc Ninh",
            "title": f"Bản tin số {n}", "published": "2024-01-02T08:00:00+07:00", "category": "Tin tức",
            "sapo": None, "text": text, "author": None, "source": None, "views": 0, "images": [],
            "attachments": []}


@pytest.fixture
def hospitals(tmp_path):
    """Ten articles on the hospital ("bệnh viện" in every one); four name its departments ("khoa"),
    article 2 three times, article 6 twice, articles 4 and 8 once, 8's text longer."""
    archive = Archive(tmp_path / "a.db")
    khoa = {2: "Khoa nội, khoa ngoại, khoa nhi.", 6: "Khoa nội và khoa nhi.", 4: "Khoa nhi.",
            8: "Khoa nhi mới. " + "Bệnh nhân được chăm sóc tận tình. " * 6}
    with archive.transaction():
        for n in range(10):
            text = f"Bệnh viện tuyến tỉnh tiếp nhận bệnh nhân. {khoa.get(n, 'Buổi sáng đông người.')}"
            archive.upsert_article(record(n, text), layout="demo", extractor="demo/1", page_id=None)
    yield archive
    archive.close()


def numbers(rows: list[dict]) -> list[int]:
    return [int(row["url"].rsplit("/", 1)[1].removesuffix(".html")) for row in rows]


def full_bm25(archive: Archive, query: str) -> list[int]:
    """The rowids in the order of best_matches' own query: bm25 over every word."""
    sql, parameters = best_matches(FTS_TABLE, query_words(query), 20)
    return [rowid for rowid, _ in archive.conn.execute(sql, parameters)]


def test_words_in_half_the_archive_or_more_are_not_the_telling_ones(hospitals):
    assert telling_words(hospitals.conn, FTS_TABLE, ["benh", "vien", "khoa"]) == ["khoa"]
    assert telling_words(hospitals.conn, FTS_TABLE, ["benh", "vien"]) == []
    assert telling_words(hospitals.conn, FTS_TABLE, ["khoa nhi", "benh"]) == ["khoa nhi"]  # a phrase: 4 of 10


def test_past_the_window_a_words_share_of_the_newest_rows_decides(hospitals, monkeypatch):
    """Articles 6 to 9 are the newest four: "khoa" is in two of them (6, 8), so with a window of
    four rows it is in half of them and left out, though it is in four of the ten."""
    monkeypatch.setattr("archive.search.SHARE_WINDOW", 4)
    assert telling_words(hospitals.conn, FTS_TABLE, ["benh", "khoa"]) == []
    monkeypatch.setattr("archive.search.SHARE_WINDOW", 5)  # 5 to 9: "khoa" in two of five
    assert telling_words(hospitals.conn, FTS_TABLE, ["benh", "khoa"]) == ["khoa"]


def test_ranking_by_the_telling_words_gives_bm25s_order(hospitals):
    found = numbers(search(hospitals.conn, "benh vien khoa"))
    assert found == [2, 6, 4, 8]  # the most "khoa" first; 8 after 4, its text longer
    rowids = telling_ranking(hospitals.conn, FTS_TABLE, ["benh", "vien", "khoa"], 20)
    assert rowids == full_bm25(hospitals, "benh vien khoa")
    assert numbers(search(hospitals.conn, "bệnh viện khoa")) == found  # accents make no difference


def test_a_query_of_common_words_only_is_listed_newest_first(hospitals):
    """"bệnh viện" is in all ten articles: bm25 would weigh both words at its floor and order by
    density alone (article 4 first, its text the shortest; 8, the longest, last), after counting
    every row of each word; the newest matches come first instead, as past RANKED_WORDS."""
    assert full_bm25(hospitals, "benh vien") == [5, 1, 2, 4, 6, 7, 8, 10, 3, 9]  # rowids: article n is n + 1
    assert numbers(search(hospitals.conn, "benh vien")) == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    assert numbers(search(hospitals.conn, "bệnh viện", limit=3)) == [9, 8, 7]
    assert numbers(search(hospitals.conn, "benh")) == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]  # one common word too
    assert ranked_words(hospitals.conn, FTS_TABLE, ["benh", "vien"]) == []
    assert not is_ranked(hospitals.conn, "benh vien") and is_ranked(hospitals.conn, "benh vien khoa")
    assert telling_ranking(hospitals.conn, FTS_TABLE, ["khoa"], 20) is None  # one telling word: bm25's own
    assert is_ranked(hospitals.conn, "khoa") and numbers(search(hospitals.conn, "khoa")) == [2, 6, 4, 8]


def test_no_match_is_an_empty_list(hospitals):
    assert telling_ranking(hospitals.conn, FTS_TABLE, ["benh", "covid"], 20) == []
    assert search(hospitals.conn, "benh covid") == []


# The articles table's search box (archive/datasette/search_box.py): a real Datasette, asked
# through its ASGI client, over a real archive file.

import asyncio  # noqa: E402
import re  # noqa: E402
import sqlite3  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import quote  # noqa: E402

from archive.datasette import make_datasette  # noqa: E402
from archive.datasette.metadata import QUERIES  # noqa: E402
from archive.datasette.plugin import prepare_connection  # noqa: E402
from archive.datasette.search_box import COUNT_SQL  # noqa: E402

DENGUE = "Sốt xuất huyết gia tăng ở {}."


@pytest.fixture
def served(tmp_path) -> Path:
    """Twelve articles: five on dengue ("sốt xuất huyết"), seven on the hospital."""
    path = tmp_path / "box.db"
    archive = Archive(path)
    places = ["Bắc Ninh", "Hà Giang", "Nghệ An", "Cần Thơ", "An Giang"]
    with archive.transaction():
        for n in range(12):
            text = DENGUE.format(places[n]) if n < 5 else "Bệnh viện tỉnh khám cho bệnh nhân."
            archive.upsert_article({**record(n, text), "title": f"Bài {n}: {text}"}, layout="demo",
                                   extractor="demo/1", page_id=None)
    archive.close()
    return path


def get(path: Path, url: str):
    async def ask():
        datasette = make_datasette(path)
        return await datasette.client.get(url)
    return asyncio.run(ask())


def count_line(page: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'<p class="soyte-match-count">(.*?)</p>', page, re.S).group(1))


def test_the_search_box_is_answered_by_the_canned_search_with_an_exact_count(served):
    box = get(served, "/box/articles?_search=sot+xuat+huyet")
    assert box.status_code == 302 and box.headers["location"] == "/box/search?term=sot+xuat+huyet"
    page = get(served, box.headers["location"])
    assert page.status_code == 200
    assert count_line(page.text) == ("5 articles match “sot xuat huyet” (every word; counted in the full-text "
                                     "index for this page); up to 100 are listed below, in the order "
                                     "<code>soyte search</code> gives them.")
    assert sorted(re.findall(r"Bài (\d+): Sốt", page.text)) == ["0", "1", "2", "3", "4"]
    one = get(served, "/box/search?term=" + quote("Cần Thơ"))
    assert count_line(one.text).startswith("1 article match “Cần Thơ”")


def test_the_box_forms_blank_filters_and_sort_still_go_to_the_canned_search(served):
    url = ("/box/articles?_search=benh+vien&_filter_column=&_filter_op=exact&_filter_value="
           "&_sort=published&_sort_by_desc=on")
    box = get(served, url)
    assert box.status_code == 302 and box.headers["location"] == "/box/search?term=benh+vien"
    assert count_line(get(served, box.headers["location"]).text).startswith("7 articles match “benh vien”")


def test_a_search_with_filters_and_the_json_stay_datasettes_own(served):
    filtered = get(served, "/box/articles?_search=sot+xuat+huyet&province=" + quote("Bắc Ninh"))
    assert filtered.status_code == 200 and "soyte-match-count" not in filtered.text
    data = get(served, "/box/articles.json?_search=sot+xuat+huyet&_size=0").json()
    assert data["filtered_table_rows_count"] == 5
    assert get(served, "/box/articles").status_code == 200  # no search: the table page


def test_a_term_past_the_bounds_is_refused_and_not_counted(served):
    page = get(served, "/box/search?term=" + "+".join(["y"] * 17))
    assert page.status_code == 200 and "soyte-match-count" not in page.text
    assert "the query has 17 words; at most 16 are searched" in page.text


def test_the_count_and_the_canned_search_read_the_index_not_every_article(served):
    conn = sqlite3.connect(served)
    prepare_connection(conn)
    count_plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {COUNT_SQL}", {"term": "y te"})]
    assert len(count_plan) == 1 and count_plan[0].startswith("SCAN articles_fts VIRTUAL TABLE INDEX 0:M")  # MATCH only
    search_plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {QUERIES['search']['sql']}", {"term": "y te"})]
    scans = [step for step in search_plan if step.startswith("SCAN ")]
    assert not [step for step in scans if step.split()[1] in ("a", "c", "articles")]  # no article read whole
    assert any(step.startswith("SEARCH a USING INTEGER PRIMARY KEY") for step in search_plan)
    conn.close()


def test_the_canned_search_lists_a_query_of_common_words_newest_first_as_soyte_search_does(served):
    """"bệnh viện" is in 7 of the 12 articles (5 to 11), "sốt xuất huyết" in 5: the first is listed
    newest first, the second ranked, in Datasette's canned search as in `soyte search`."""
    conn = sqlite3.connect(served)
    prepare_connection(conn)
    assert conn.execute("select soyte_search_ranked('benh vien'), soyte_search_ranked('sot xuat huyet'), "
                        "soyte_search_ranked('benh')").fetchone() == (0, 1, 0)
    archive = Archive(served, readonly=True)
    try:
        for term in ("benh vien", "Bệnh", "sot xuat huyet"):
            rows = get(served, "/box/search.json?_shape=array&term=" + quote(term)).json()
            assert [row["url"] for row in rows] == [row["url"] for row in search(archive.conn, term, limit=100)]
        newest = get(served, "/box/search.json?_shape=array&term=benh+vien").json()
        assert [int(row["title"].split(":")[0].removeprefix("Bài ")) for row in newest] == [11, 10, 9, 8, 7, 6, 5]
    finally:
        archive.close()
        conn.close()
