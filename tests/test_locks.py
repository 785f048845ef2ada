"""One writer per archive file, whatever name reaches it; and attachments a killed crawl left
unfetched are fetched by the next run, once.

A hard link (`ln archive.db other.db`) is the same file under another name: a second crawl through
it must be refused like one through the same path (two crawls wrote two WALs into one file, and
`PRAGMA integrity_check` found "Rowid out of order"). A program that is not a crawl holding
SQLite's own write lock is refused the same way. A crawl killed (`kill -9`) while it fetches an
article's attachments leaves them pending: the next run asks for them even though the article is
archived and not fetched again, and a run with nothing pending asks for no document.

Every test runs the real `soyte crawl` in a subprocess against the replay server on 127.0.0.1.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.store import Archive
from scraper.portals.replay import ReplayServer
from tests import document_files as files
from tests.helpers import ROOT, portal_site, query, soyte
from tests.document_files import HATINH_ARTICLE

pytestmark = pytest.mark.e2e  # crawls of the replay server, `soyte` in a subprocess

UPLOADS = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/"
KILLS = 3
DOCUMENT_DELAY = 0.3  # seconds the server takes for the first file, twice that for the second …: one by one


def start_crawl(db: Path, server: ReplayServer) -> subprocess.Popen:
    """`soyte crawl hatinh` in the background."""
    command = [sys.executable, "-m", "scraper.cli", "crawl", "hatinh", "--db", str(db), "--replay", server.url]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def stored_files(db: Path) -> int:
    """The attachment URLs the archive holds a capture of, as a reader sees it during a crawl."""
    try:
        return query(db, "SELECT count(DISTINCT url) AS n FROM document_captures")[0]["n"]
    except sqlite3.Error:  # the crawl has not made its tables yet
        return 0


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def new_archive(db: Path) -> None:
    """An empty archive file (its tables made), so that another name can be linked to it."""
    Archive(db).close()


# the lock: one writer per file

def test_a_second_crawl_through_a_hard_link_is_refused_and_the_archive_stays_sound(tmp_path):
    archive = tmp_path / "archive.db"
    new_archive(archive)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = elsewhere / "other.db"  # another name, in another directory: no lock file beside it is shared
    os.link(archive, other)
    # Slow enough that the first crawl outlasts the second one's start on a loaded machine.
    with ReplayServer(portals=("hatinh",), delay=1.5) as slow, ReplayServer(portals=("hatinh",)) as its_own:
        first = start_crawl(archive, slow)
        try:
            deadline = time.monotonic() + 60
            while not slow.requests and time.monotonic() < deadline and first.poll() is None:
                time.sleep(0.05)
            assert first.poll() is None, "the first crawl should still be running"
            second = soyte("crawl", "hatinh", "--db", str(other), "--replay", its_own.url, check=False)
            asked_by_second = its_own.count()
        finally:
            assert first.wait(timeout=120) == 0
    assert second.returncode == 3
    assert second.stderr == (f"soyte crawl: another crawl (pid {first.pid}) is writing to {other}; "
                             "wait for it to finish\n")
    assert asked_by_second == 0
    assert integrity(archive) == "ok"
    assert query(archive, "SELECT status FROM crawl_runs") == [{"status": "completed"}]
    assert query(archive, "SELECT count(*) AS n, count(DISTINCT url) AS urls FROM articles") == [{"n": 4, "urls": 4}]


def test_a_program_holding_sqlites_write_lock_is_waited_for_then_refused_in_one_line(tmp_path):
    archive = tmp_path / "archive.db"
    new_archive(archive)
    writer = sqlite3.connect(archive, isolation_level=None)  # the sqlite3 shell, a script: not a crawl
    writer.execute("BEGIN IMMEDIATE")
    try:
        with ReplayServer(portals=("hatinh",)) as server:
            refused = soyte("crawl", "hatinh", "--db", str(archive), "--replay", server.url, check=False)
            asked = server.count()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert refused.returncode == 3
    assert refused.stderr == (f"soyte crawl: another program is writing to {archive} (SQLite reports the database "
                              "locked; it is not a soyte crawl); wait for it to finish\n")
    assert asked == 0
    assert query(archive, "SELECT count(*) AS n FROM crawl_runs") == [{"n": 0}]
    with ReplayServer(portals=("hatinh",)) as server:  # once it is done, the crawl runs
        assert json.loads(soyte("crawl", "hatinh", "--db", str(archive), "--replay", server.url).stdout)[
            "status"] == "completed"
    assert integrity(archive) == "ok"


# pending attachments: what a kill -9 left unfetched

def attachments(server: ReplayServer) -> dict[str, bytes]:
    """Hà Tĩnh's article made to link eight more files; every one of its files served slowly."""
    own = {page.url: (page.body(), page.content_type) for page in portal_site("hatinh").pages(("document",))}
    more = {f"{UPLOADS}van-ban-{number}.pdf": (files.pdf([f"Công văn số {number}/SYT"]), files.PDF_MEDIA)
            for number in range(1, 9)}
    for number, (url, (body, media)) in enumerate({**own, **more}.items(), start=1):
        server.set_page(url, body, media, delay=DOCUMENT_DELAY * number)
    server.set_page(HATINH_ARTICLE, files.hatinh_article_linking([(url, url.rsplit("/", 1)[1]) for url in more]))
    return {url: body for url, (body, _media) in {**own, **more}.items()}


def served_path(url: str) -> str:
    """What the replay server records of a request for `url` (its path and query)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def document_requests(server: ReplayServer, served: dict[str, bytes]) -> list[str]:
    paths = {served_path(url): url for url in served}
    with server.lock:
        return [paths[path] for _host, path, _status in server.requests if path in paths]


def test_attachments_a_kill_9_left_unfetched_are_fetched_by_the_next_run_once(tmp_path):
    db = tmp_path / "archive.db"
    with ReplayServer(portals=("hatinh",)) as server:
        served = attachments(server)
        for _kill in range(KILLS):  # each run is killed once it has stored two more files, others under way
            before = stored_files(db)
            process = start_crawl(db, server)
            deadline = time.monotonic() + 60
            while stored_files(db) < before + 2 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.05)
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        kept = stored_files(db)
        finished = json.loads(soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url).stdout)
        asked = document_requests(server, served)
        server.requests.clear()
        again = json.loads(soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url).stdout)
        asked_again = document_requests(server, served)
    assert kept < len(served), "the crawls should have been killed before every file was stored"
    assert finished["status"] == again["status"] == "completed"
    linked = query(db, "SELECT DISTINCT j.value ->> 'url' AS url FROM articles a, json_each(a.attachments) j")
    assert {row["url"] for row in linked} == set(served)
    # Every attachment the archived articles link: one link, one capture, its document with its text.
    assert query(db, "SELECT l.url, count(DISTINCT c.id) AS captures, count(DISTINCT d.sha256) AS documents, "
                     "min(d.text_status) AS text FROM document_links l LEFT JOIN document_captures c ON c.url = l.url "
                     "LEFT JOIN documents d ON d.sha256 = c.sha256 WHERE l.kind = 'attachment' GROUP BY l.url ORDER BY l.url") == [
        {"url": url, "captures": 1, "documents": 1, "text": "ok"} for url in sorted(served)]
    assert query(db, "SELECT count(*) AS n FROM documents") == [{"n": len(served)}]
    # Each file was asked for at most once per run that reached it, and a run with nothing pending asks for none.
    assert max(asked.count(url) for url in served) <= KILLS + 1
    assert asked_again == []
    assert integrity(db) == "ok"


def test_a_file_whose_text_a_stopped_crawl_left_unread_is_fetched_again_and_read(tmp_path):
    db = tmp_path / "archive.db"
    pdf = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/danh-sach-co-so-kham-sk-lai-xe.pdf"
    with ReplayServer(portals=("hatinh",)) as server:
        soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url)
        read = query(db, "SELECT text, text_status FROM documents WHERE url = ?", (pdf,))[0]
        leave_text_unread(db, pdf)
        server.requests.clear()
        soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url)
        asked = [(path, status) for _host, path, status in server.requests if path.startswith("/uploads/")]
        server.requests.clear()
        soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url)
        asked_again = [path for _host, path, _status in server.requests if path.startswith("/uploads/")]
    assert asked == [(served_path(pdf), 200)]  # asked without its validators: a 304 would leave it unread
    assert read["text_status"] == "ok" and "842/QĐ-SYT" in read["text"]
    assert query(db, "SELECT text, text_status FROM documents WHERE url = ?", (pdf,)) == [read]
    assert query(db, "SELECT count(*) AS n FROM document_captures WHERE url = ?", (pdf,)) == [{"n": 1}]
    assert query(db, "SELECT d.url FROM documents_fts f JOIN documents d ON d.rowid = f.rowid "
                     "WHERE documents_fts MATCH 'syt'") == [{"url": pdf}]
    assert asked_again == []
    conn = sqlite3.connect(db)
    try:
        conn.execute("INSERT INTO documents_fts(documents_fts, rank) VALUES('integrity-check', 0)")
    finally:
        conn.close()


def leave_text_unread(db: Path, url: str) -> None:
    """The row a crawl stopped while the file's text was read leaves: the bytes, no text, status
    `interrupted` (scraper/crawl/document_reader.py), indexed so."""
    from archive.documents import FTS_COLUMNS, FTS_TABLE
    from archive.search import index_fields

    conn = sqlite3.connect(db)
    try:
        with conn:
            rowid, title, text = conn.execute("SELECT rowid, title, text FROM documents WHERE url = ?",
                                              (url,)).fetchone()
            index_fields(conn, FTS_TABLE, FTS_COLUMNS, rowid, (title, text), delete=True)
            conn.execute("UPDATE documents SET text = NULL, text_length = 0, pages = NULL, text_status = ?, "
                         "text_note = ? WHERE rowid = ?", ("interrupted", "the crawl was stopped while its text "
                                                           "was read; no text, the bytes are kept", rowid))
            index_fields(conn, FTS_TABLE, FTS_COLUMNS, rowid, (title, None))
    finally:
        conn.close()


def test_links_answered_once_are_not_asked_again_and_a_failing_file_is_asked_three_runs_at_most(tmp_path):
    db = tmp_path / "archive.db"
    web_page = "https://soyte.hatinh.gov.vn/van-ban/chi-tiet?id=842"    # a web page, not a file
    missing = f"{UPLOADS}da-go-bo.pdf"                                    # 404: final
    failing = f"{UPLOADS}loi-may-chu.pdf"                                 # 503 every time: tried again
    paths = {served_path(url) for url in (web_page, missing, failing)}
    runs = []
    with ReplayServer(portals=("hatinh",)) as server:
        server.set_page(web_page, files.html_page("Chi tiết văn bản 842"))
        server.set_page(failing, b"", status=503)
        server.set_page(HATINH_ARTICLE, files.hatinh_article_linking(
            [(web_page, "Xem chi tiết"), (missing, "Đã gỡ bỏ"), (failing, "Lỗi máy chủ")]))
        for _run in range(5):
            server.requests.clear()
            soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url, "--set", "SOYTE_RETRY_BACKOFF=0",
                  check=False)
            runs.append(sorted({path for _host, path, _status in server.requests if path in paths}))
    assert runs == [sorted(paths), [served_path(failing)], [served_path(failing)], [], []]
    assert query(db, "SELECT url, kind, status FROM pages WHERE url = ?", (web_page,)) == [
        {"url": web_page, "kind": "other", "status": 200}]
    assert query(db, "SELECT url, status, count(*) AS n FROM failures WHERE kind = 'document-fetch' GROUP BY url "
                     "ORDER BY url") == [{"url": missing, "status": 404, "n": 1},
                                         {"url": failing, "status": 503, "n": 3}]
    assert query(db, "SELECT count(*) AS n FROM document_captures WHERE url IN (?, ?, ?)",
                 (web_page, missing, failing)) == [{"n": 0}]
