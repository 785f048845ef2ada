"""`soyte merge` keeps every attached document: the files both nodes hold once, by SHA-256, every
capture and link of each, a file changed at one URL on two nodes as two versions in time order,
the documents' search index, and the Datasette document page; merging again changes nothing.

Node A crawled Bắc Ninh and Hà Tĩnh, node B Hà Tĩnh and Cần Thơ (overlapping on Hà Tĩnh's files),
from the bundled demo portals, which serve real attachment files; node A2 crawled Hà Tĩnh after
its PDF was replaced by another file at the same URL."""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from archive.datasette import make_datasette
from tests import document_files as files
from tests.helpers import ROOT, query, reference_server, soyte
from tests.document_files import HATINH_PDF

pytestmark = pytest.mark.e2e  # crawls and `soyte` in a subprocess

NEW_WORDS = "Phòng khám Đa khoa Xuân Thành"  # only in the changed PDF
NEW_PDF = files.pdf([f"QUYẾT ĐỊNH số 842/QĐ-SYT (sửa đổi)\nBổ sung {NEW_WORDS}"])
DOCUMENT_TABLES = ("documents", "document_bodies", "document_captures", "document_links")


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("nodes")
    paths = {name: root / f"{name}.db" for name in ("a", "b", "a2")}
    with reference_server() as server:
        soyte("crawl", "bacninh", "hatinh", "--db", str(paths["a"]), "--replay", server.url)
        soyte("crawl", "hatinh", "cantho", "--db", str(paths["b"]), "--replay", server.url)
        time.sleep(1.1)  # capture times are to the second: A2's file is fetched strictly after A's
        server.set_page(HATINH_PDF, NEW_PDF, files.PDF_MEDIA)
        soyte("crawl", "hatinh", "--db", str(paths["a2"]), "--replay", server.url)
    for path in paths.values():
        assert query(path, "SELECT count(*) AS n FROM failures") == [{"n": 0}]
    return paths


def merge(into: Path, *sources: Path, check: bool = True) -> subprocess.CompletedProcess:
    return soyte("merge", *map(str, sources), "--into", str(into), check=check)


def bodies(db: Path) -> dict[str, bytes]:
    return {row["sha256"]: zlib.decompress(row["body"]) for row in query(
        db, "SELECT b.* FROM document_bodies b JOIN documents d ON d.sha256 = b.sha256")}  # images': tests/test_images.py


def captures(db: Path) -> list[dict]:
    """Each capture with its run named as the node's (file name, run number there)."""
    return query(db, "SELECT c.url, c.sha256, c.status, c.fetched_at, c.last_fetched_at, c.etag, c.last_modified, "
                     "coalesce(r.node_name, ?) AS node, coalesce(r.node_run_id, r.id) AS run FROM document_captures c "
                     "LEFT JOIN crawl_runs r ON r.id = c.run_id ORDER BY c.url, c.sha256", (db.name,))


def links(db: Path) -> set[tuple]:
    return {tuple(row.values()) for row in query(db, "SELECT article_url, url, title, kind FROM document_links")}


def snapshot(db: Path) -> dict[str, list[dict]]:
    tables = {name: query(db, f"SELECT * FROM {name} ORDER BY 1, 2") for name in DOCUMENT_TABLES}
    tables["documents_fts"] = query(db, "SELECT rowid, * FROM documents_fts ORDER BY rowid")
    tables["indexed"] = query(db, "SELECT * FROM documents_fts_docsize ORDER BY id")  # what the index holds per row
    return tables


def searched(db: Path, words: str) -> list[dict]:
    return [json.loads(line) for line in soyte("search", words, "--db", str(db)).stdout.splitlines()]


@pytest.fixture(scope="module")
def merged(nodes, tmp_path_factory) -> tuple[Path, dict]:
    into = tmp_path_factory.mktemp("merged") / "archive.db"
    return into, json.loads(merge(into, nodes["a"], nodes["b"]).stdout)


def test_documents_are_the_union_by_sha256_with_their_bytes_once(nodes, merged):
    into, counts = merged
    a, b = bodies(nodes["a"]), bodies(nodes["b"])
    assert set(a) & set(b) and set(a) - set(b) and set(b) - set(a)  # Hà Tĩnh's files on both, others on one
    assert bodies(into) == {**a, **b}
    assert all(sha(body) == digest for digest, body in bodies(into).items())
    rows = query(into, "SELECT sha256, size, type, text, text_status FROM documents ORDER BY sha256")
    assert [row["sha256"] for row in rows] == sorted(a.keys() | b.keys()) and counts["documents"] == len(rows)
    either = {row["sha256"]: row for db in (nodes["a"], nodes["b"])
              for row in query(db, "SELECT sha256, size, type, text, text_status FROM documents")}
    assert rows == [either[row["sha256"]] for row in rows]


def test_each_capture_and_link_of_either_node_is_there_once_with_its_run(nodes, merged):
    into, counts = merged
    mine = captures(into)
    assert len(mine) == len({(row["url"], row["sha256"]) for row in mine}) == counts["document_captures"]
    theirs = {}  # (url, sha256) -> its first fetch (time, node, run) and its last (time, answer, validators)
    for db in (nodes["a"], nodes["b"]):
        for row in captures(db):
            first = last = theirs.setdefault((row["url"], row["sha256"]), row)
            if row["fetched_at"] < first["fetched_at"]:
                first.update({key: row[key] for key in ("fetched_at", "node", "run")})
            if row["last_fetched_at"] > last["last_fetched_at"]:
                last.update({key: row[key] for key in ("last_fetched_at", "status", "etag", "last_modified")})
    assert mine == sorted(theirs.values(), key=lambda row: (row["url"], row["sha256"]))
    assert {row["node"] for row in mine} == {"a.db", "b.db"}  # runs remapped to the merged runs of their node
    assert query(into, "SELECT count(*) AS n FROM document_captures WHERE version != 1") == [{"n": 0}]
    assert links(into) == links(nodes["a"]) | links(nodes["b"])
    stored = query(into, "SELECT count(*) AS n FROM document_links")[0]["n"]
    assert len(links(into)) == stored == counts["document_links"]


def test_search_finds_a_word_only_a_document_holds_with_the_article_linking_it(nodes, merged):
    into, _counts = merged
    found = searched(into, "khanh")  # "Khánh": only in Cần Thơ's table of communes (node B)
    assert [row.get("found_in") for row in found] == ["document"]
    assert found[0]["url"].endswith("Danh-sach-xa-phuong-dat-chuan-2023.xlsx")
    assert [article["url"] for article in found[0]["articles"]] == [
        row["article_url"] for row in query(into, "SELECT article_url FROM document_links WHERE url = ?",
                                            (found[0]["url"],))]
    assert searched(into, "khanh") == searched(nodes["b"], "khanh")
    assert searched(into, "so 2310 syt") == searched(nodes["a"], "so 2310 syt")  # Bắc Ninh's letter (node A)


def test_the_datasette_document_page_and_download_work(merged):
    into, _counts = merged
    row = query(into, "SELECT d.sha256, d.title, a.title AS article FROM documents d JOIN document_links l ON "
                      "l.url = d.url JOIN articles a ON a.url = l.article_url WHERE d.portal = 'cantho' AND "
                      "d.type = 'xlsx'")[0]

    async def get(path: str):
        return await make_datasette(into).client.get(path)

    page = asyncio.run(get(f"/archive/documents/{row['sha256']}"))
    assert page.status_code == 200
    assert row["title"] in page.text and row["article"] in page.text
    download = asyncio.run(get(f"/archive/documents/{row['sha256']}/download"))
    assert download.status_code == 200 and download.content == bodies(into)[row["sha256"]]


def test_merging_again_adds_no_row(nodes, merged, tmp_path):
    into, _counts = merged
    before = snapshot(into)
    for order in ((nodes["a"], nodes["b"]), (nodes["b"], nodes["a"])):
        again = json.loads(merge(into, *order).stdout)
        assert (again["documents"], again["document_captures"], again["document_links"]) == (0, 0, 0)
        assert snapshot(into) == before
    reverse = tmp_path / "reverse.db"  # the other order gives the same documents, captures and links
    merge(reverse, nodes["b"], nodes["a"])
    assert query(reverse, "SELECT * FROM documents ORDER BY sha256") == query(into, "SELECT * FROM documents "
                                                                                    "ORDER BY sha256")
    assert captures(reverse) == captures(into) and links(reverse) == links(into)


@pytest.mark.parametrize("order", ["a, a2", "a2, a"])
def test_a_file_changed_at_one_url_on_two_nodes_keeps_both_versions_in_time_order(nodes, tmp_path, order):
    into = tmp_path / "archive.db"
    merge(into, *(nodes[name] for name in order.split(", ")))
    old = query(nodes["a"], "SELECT sha256, fetched_at FROM document_captures WHERE url = ?", (HATINH_PDF,))[0]
    rows = query(into, "SELECT id, sha256, version, fetched_at FROM document_captures WHERE url = ? ORDER BY version",
                 (HATINH_PDF,))
    assert [(row["version"], row["sha256"]) for row in rows] == [(1, old["sha256"]), (2, sha(NEW_PDF))]
    assert rows[0]["fetched_at"] == old["fetched_at"] < rows[1]["fetched_at"]
    assert rows[0]["id"] < rows[1]["id"]  # the newest capture is the URL's last, as the next crawl asks it
    assert bodies(into)[sha(NEW_PDF)] == NEW_PDF and sha(NEW_PDF) not in bodies(nodes["a"])
    found = [row for row in searched(into, NEW_WORDS) if row.get("found_in") == "document"]
    assert [row["sha256"] for row in found] == [sha(NEW_PDF)]
    again = json.loads(merge(into, nodes["a2"], nodes["a"]).stdout)
    assert again["document_captures"] == 0
    assert query(into, "SELECT id, sha256, version, fetched_at FROM document_captures WHERE url = ? ORDER BY version",
                 (HATINH_PDF,)) == rows


def test_an_input_without_document_tables_merges_as_before(nodes, tmp_path):
    old = tmp_path / "old" / "a.db"  # the node's own name: its runs are the same node's
    old.parent.mkdir()
    old.write_bytes(nodes["a"].read_bytes())
    conn = sqlite3.connect(old, isolation_level=None)
    for table in ("documents_fts", *DOCUMENT_TABLES):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    into = tmp_path / "archive.db"
    counts = json.loads(merge(into, old, nodes["b"]).stdout)
    assert counts["articles_new"] == query(into, "SELECT count(*) AS n FROM articles")[0]["n"] > 0
    assert bodies(into) == bodies(nodes["b"]) and links(into) == links(nodes["b"])
    assert searched(into, "khanh")[0]["found_in"] == "document"
    merge(into, nodes["a"])  # the same node's file as it is now brings its documents, nothing twice
    assert bodies(into) == {**bodies(nodes["a"]), **bodies(nodes["b"])}
    assert links(into) == links(nodes["a"]) | links(nodes["b"])


def test_a_damaged_document_body_in_an_input_stops_the_merge_and_nothing_is_written(nodes, tmp_path):
    damaged = tmp_path / "b.db"
    damaged.write_bytes(nodes["b"].read_bytes())
    conn = sqlite3.connect(damaged, isolation_level=None)
    only_b = min(set(bodies(nodes["b"])) - set(bodies(nodes["a"])))  # A's files are not read again
    conn.execute("UPDATE document_bodies SET body = ? WHERE sha256 = ?", (zlib.compress(b"not the file"), only_b))
    conn.close()
    into = tmp_path / "archive.db"
    merge(into, nodes["a"])
    before = snapshot(into)
    result = merge(into, damaged, check=False)
    assert result.returncode == 4
    assert result.stderr.strip() == (f"soyte merge: {into}: the merge stopped while merging {damaged} (document "
                                     f"{only_b}: stored body does not match its sha256); nothing was merged")
    assert "Traceback" not in result.stderr
    assert snapshot(into) == before


def test_a_merge_into_an_archive_a_crawl_holds_exits_3(nodes, tmp_path):
    into = tmp_path / "archive.db"
    merge(into, nodes["a"])
    before = snapshot(into)
    with reference_server(delay=0.2) as slow:
        crawl = subprocess.Popen([sys.executable, "-m", "scraper.cli", "crawl", "cantho", "--db", str(into),
                                  "--replay", slow.url, "--quiet"], cwd=ROOT,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not query(into, "SELECT 1 FROM crawl_runs WHERE status = 'running'"):
                assert time.monotonic() < deadline, "the crawl did not start"
                time.sleep(0.05)
            os.kill(crawl.pid, signal.SIGSTOP)  # caught holding the archive
            try:
                result = merge(into, nodes["b"], check=False)
            finally:
                os.kill(crawl.pid, signal.SIGCONT)
            assert crawl.wait(timeout=120) == 0
        finally:
            if crawl.poll() is None:
                crawl.kill()
                crawl.wait()
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip() == (f"soyte merge: another crawl (pid {crawl.pid}) is writing to {into}; "
                                     "wait for it to finish")
    assert query(into, "SELECT count(*) AS n FROM crawl_runs WHERE node_name = 'b.db'") == [{"n": 0}]  # nothing merged
    assert links(into) >= {tuple(row.values()) for row in before["document_links"]}
