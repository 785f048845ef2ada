"""Several nodes, one archive: `soyte merge` gives what one crawl of everything would have given."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from archive.search import is_ranked
from scraper.model import RECORD_KEYS
from scraper.portals.replay import ReplayServer
from tests.helpers import query, reference_server, soyte

pytestmark = pytest.mark.e2e  # crawls of the replay server, `soyte` in a subprocess

BACNINH_ARTICLE = ("https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
                   "trien-khai-tiem-vac-xin-phong-covid-19-cho-cong-nhan-cac-khu-cong-nghiep")


def crawl(db: Path, server: ReplayServer, *portals: str) -> None:
    soyte("crawl", *portals, "--db", str(db), "--replay", server.url)


def articles(db: Path) -> dict[str, dict]:
    return {row["url"]: {key: row[key] for key in RECORD_KEYS}
            for row in query(db, "SELECT * FROM articles ORDER BY url")}


def versions(db: Path) -> list[tuple[str, str]]:
    return [(row["url"], row["record"]) for row in query(db, "SELECT url, record FROM article_versions ORDER BY url, id")]


def searched(db: Path, words: str) -> list[str]:
    return [json.loads(line)["url"] for line in soyte("search", words, "--db", str(db)).stdout.splitlines()]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory) -> dict[str, Path]:
    """Node A crawled Hà Tĩnh and An Giang, node B An Giang and Bắc Ninh (overlapping on An Giang),
    one reference archive crawled all three; Bắc Ninh changed an article between B's two crawls."""
    root = tmp_path_factory.mktemp("nodes")
    paths = {name: root / f"{name}.db" for name in ("a", "b", "single")}
    with reference_server() as server:
        crawl(paths["a"], server, "hatinh", "angiang")
        crawl(paths["b"], server, "angiang", "bacninh")
        crawl(paths["single"], server, "hatinh", "angiang", "bacninh")
        old = server.sites["soyte.bacninh.gov.vn"]
        path = BACNINH_ARTICLE.split("soyte.bacninh.gov.vn")[1]
        changed = old[path].body.replace("96.000 liều".encode(), "120.000 liều".encode())
        server.set_page(BACNINH_ARTICLE, changed)
        soyte("crawl", "bacninh", "--db", str(paths["b"]), "--replay", server.url, "--revisit-after", "0")
        soyte("crawl", "bacninh", "--db", str(paths["single"]), "--replay", server.url, "--revisit-after", "0")
    return paths


def test_merged_archives_equal_one_crawl_of_everything(nodes, tmp_path):
    merged = tmp_path / "archive.db"
    result = soyte("merge", str(nodes["a"]), str(nodes["b"]), "--into", str(merged))
    counts = json.loads(result.stdout)
    assert counts["versions"] == 1
    assert articles(merged) == articles(nodes["single"])
    assert versions(merged) == versions(nodes["single"])
    assert len(versions(merged)) == 1 and "96.000 liều" in versions(merged)[0][1]
    ranked = []
    for words in ("xet nghiem", "benh an dien tu", "tiem vac xin"):
        assert sorted(searched(merged, words)) == sorted(searched(nodes["single"], words))
        with sqlite3.connect(nodes["single"]) as conn:
            if is_ranked(conn, words):  # ranked by bm25: the same order; else newest archived first, as each archive got them
                ranked.append(words)
                assert searched(merged, words) == searched(nodes["single"], words)
    assert ranked


def test_runs_and_failures_keep_their_node(nodes, tmp_path):
    merged = tmp_path / "archive.db"
    soyte("merge", str(nodes["a"]), str(nodes["b"]), "--into", str(merged))
    runs = query(merged, "SELECT node_name, node_run_id, portals FROM crawl_runs ORDER BY id")
    assert [(r["node_name"], r["node_run_id"]) for r in runs] == [("a.db", 1), ("b.db", 1), ("b.db", 2)]
    pages = query(merged, "SELECT count(*) AS n, count(DISTINCT url || sha256) AS distinct_pages FROM pages")[0]
    assert pages["n"] == pages["distinct_pages"]


def test_merging_the_same_file_twice_changes_nothing(nodes, tmp_path):
    merged = tmp_path / "archive.db"
    soyte("merge", str(nodes["a"]), str(nodes["b"]), "--into", str(merged))
    before = (articles(merged), versions(merged), query(merged, "SELECT * FROM crawl_runs"),
              query(merged, "SELECT url, sha256, fetched_at FROM pages ORDER BY id"))
    again = json.loads(soyte("merge", str(nodes["b"]), str(nodes["a"]), "--into", str(merged)).stdout)
    assert (again["pages"], again["articles_new"], again["articles_changed"], again["runs"]) == (0, 0, 0, 0)
    after = (articles(merged), versions(merged), query(merged, "SELECT * FROM crawl_runs"),
             query(merged, "SELECT url, sha256, fetched_at FROM pages ORDER BY id"))
    assert after == before


def test_a_corrupt_input_is_refused_and_nothing_is_written(nodes, tmp_path):
    merged = tmp_path / "archive.db"
    soyte("merge", str(nodes["a"]), "--into", str(merged))
    before = merged.read_bytes()
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8192)
    result = soyte("merge", str(nodes["b"]), str(corrupt), "--into", str(merged), check=False)
    assert result.returncode == 4
    assert result.stderr.strip().startswith(f"soyte merge: {corrupt}: ")
    assert "Traceback" not in result.stderr
    assert merged.read_bytes() == before
    assert not (tmp_path / "new.db").exists()
    result = soyte("merge", str(corrupt), "--into", str(tmp_path / "new.db"), check=False)
    assert result.returncode == 4 and not (tmp_path / "new.db").exists()
