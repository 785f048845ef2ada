"""The archive file in trouble, part two: a damaged archive under a crawl, read-only storage under
`serve`, `export` and `merge`, and every way a merge could double, drop or foreign-write what it holds.

Each case is one line on stderr with the documented exit status, never a traceback, and what was
stored stays stored. A read-only remount of a small tmpfs stands for read-only storage (needs
root, as CI has); a crawl stopped with SIGSTOP stands for a crawl caught in the middle of its run.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable, Iterator

import pytest
from datasette.utils import tilde_encode
from warcio.archiveiterator import ArchiveIterator

from archive.schema import SCHEMA_VERSION
from scraper.model import RECORD_KEYS
from tests.helpers import ROOT, query, reference_server, served_articles, soyte

pytestmark = pytest.mark.e2e  # crawls of the replay server, `soyte` in a subprocess

REMOVED = served_articles("hatinh")[0]["url"]  # answers 404 to the node's crawl: one failure


def checkpoint(db: Path) -> None:
    """Move the WAL into the file, so that the file alone is the archive (to copy, to compare)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def node(tmp_path_factory) -> Path:
    """A node's archive: Hà Tĩnh crawled once with one article gone (a 404 in `failures`), then
    An Giang: two runs, articles, raw pages, attached documents."""
    db = tmp_path_factory.mktemp("node") / "node.db"
    with reference_server() as server:
        server.remove_page(REMOVED)
        soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url, check=False)
        soyte("crawl", "angiang", "--db", str(db), "--replay", server.url)
    checkpoint(db)
    assert query(db, "SELECT count(*) AS n FROM failures WHERE status = 404") == [{"n": 1}]
    assert query(db, "SELECT count(*) AS n FROM pages WHERE codec = 'zstd'") == [{"n": 0}]  # zlib: see older_archive
    return db


def copy_of(db: Path, where: Path, name: str | None = None) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    copy = where / (name or db.name)
    copy.write_bytes(db.read_bytes())
    return copy


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.fail("these tests mount a small tmpfs and need root (as CI has)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], check=True)
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


@contextlib.contextmanager
def read_only(disk: Path) -> Iterator[None]:
    """The disk remounted read-only for the block: read-only storage (a library's archive volume)."""
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    try:
        yield
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)


def one_line(result: subprocess.CompletedProcess) -> str:
    """stderr's only line (the case is one line, never a traceback)."""
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[-3000:]
    return lines[0]


# A damaged archive under a crawl

def damage_table(db: Path, table: str) -> None:
    """Overwrite the root page of `table` with garbage: the header and the schema still read, the
    table does not (a disk's bad sector, a half-copied file)."""
    (root,) = sqlite3.connect(db).execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    (size,) = sqlite3.connect(db).execute("PRAGMA page_size").fetchone()
    with open(db, "r+b") as handle:
        handle.seek((root - 1) * size)
        handle.write(b"\xff" * size)


@pytest.mark.parametrize("table", ["articles", "pages"])
def test_a_crawl_of_a_damaged_archive_fetches_nothing_records_no_run_and_says_so(node, tmp_path, replay_server,
                                                                                 table):
    db = copy_of(node, tmp_path)
    runs = query(db, "SELECT * FROM crawl_runs ORDER BY id")
    damage_table(db, table)
    result = soyte("crawl", "hatinh", "angiang", "--db", str(db), "--replay", replay_server.url, check=False)
    assert result.returncode == 4
    assert one_line(result) == (
        f"soyte crawl: the archive {db} cannot be read (database disk image is malformed); nothing was crawled "
        f"and no run recorded. What it holds may be damaged: check it with `sqlite3 {db} 'PRAGMA "
        "integrity_check'` and restore a backup")
    assert result.stdout == ""                     # no run to print
    assert replay_server.count() == 0              # not one request: robots.txt included
    assert query(db, "SELECT * FROM crawl_runs ORDER BY id") == runs  # never a run `completed` with nothing done


# Read-only storage: serve and export read it

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        return get(url)[0] > 0
    except OSError:
        return False


def test_serve_browses_an_archive_on_read_only_storage(node, small_disk):
    db = copy_of(node, small_disk, "archive.db")
    articles = query(db, "SELECT url, title FROM articles ORDER BY url")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    article_page = "/archive/articles/" + tilde_encode(articles[0]["url"])
    with read_only(small_disk):
        server = subprocess.Popen([sys.executable, "-m", "scraper.cli", "serve", str(db), "--port", str(port)],
                                  cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: server.poll() is not None or answers(base + "/"), 60, "soyte serve to listen")
            pages = {path: get(base + path) for path in (
                "/", "/archive", "/archive/articles", "/archive/documents",
                "/archive/articles.json?_shape=array&_size=max&_sort=url&_col=title",
                "/archive/articles.json?_shape=array&_search=y+te&_col=title",
                article_page)}
        finally:
            server.terminate()
            _, stderr = server.communicate(timeout=30)
    assert {path: status for path, (status, _) in pages.items()} == {path: 200 for path in pages}
    listed = json.loads(pages["/archive/articles.json?_shape=array&_size=max&_sort=url&_col=title"][1])
    assert [(row["url"], row["title"]) for row in listed] == [(a["url"], a["title"]) for a in articles]
    assert json.loads(pages["/archive/articles.json?_shape=array&_search=y+te&_col=title"][1])  # the search box
    assert articles[0]["title"].encode() in pages[article_page][1]  # the article's own page
    assert stderr.splitlines() == [f"serving {db} at http://127.0.0.1:{port}/archive/articles (Ctrl-C stops); on "
                                   "read-only storage, served as it is (immutable)"]
    assert digest(db) == digest(node)


def warc_urls(path: Path) -> list[str]:
    with open(path, "rb") as stream:
        return [record.rec_headers.get_header("WARC-Target-URI") for record in ArchiveIterator(stream)
                if record.rec_type == "response"]


EXPORTS = {
    "warc": (["--format", "warc", "-o", "{out}/pages.warc.gz"],
             "exported {pages} pages, {document_captures} documents and {image_captures} images from {db} as WARC"),
    "wacz": (["--format", "wacz", "-o", "{out}/pages.wacz"],
             "exported {pages} pages, {document_captures} documents and {image_captures} images from {db} as WACZ"),
    "documents": (["--documents", "{out}/documents"], "exported {documents} documents from {db} into {out}/documents "
                                                       "(manifest.jsonl lists them)"),
}


@pytest.mark.parametrize("kind", EXPORTS)
def test_the_page_and_document_exports_read_an_archive_on_read_only_storage(node, small_disk, tmp_path, kind):
    db = copy_of(node, small_disk, "archive.db")
    counts = {table: query(db, f"SELECT count(*) AS n FROM {table}")[0]["n"]
              for table in ("pages", "articles", "documents", "document_captures", "image_captures")}
    # every stored capture is a record: pages, then documents and images (issue 33)
    page_urls = sorted(row["url"] for row in query(db, "SELECT url FROM pages UNION ALL SELECT url FROM "
                                                       "document_captures UNION ALL SELECT url FROM image_captures"))
    hashes = sorted(row["sha256"] for row in query(db, "SELECT sha256 FROM documents"))
    options, line = EXPORTS[kind]
    out = tmp_path / "out"
    out.mkdir()
    with read_only(small_disk):
        result = soyte("export", "--db", str(db), *[option.format(out=out) for option in options], check=False)
    assert result.returncode == 0, result.stderr
    assert one_line(result) == line.format(db=db, out=out, **counts)
    if kind == "warc":
        assert sorted(warc_urls(out / "pages.warc.gz")) == page_urls
    elif kind == "wacz":
        with zipfile.ZipFile(out / "pages.wacz") as package:
            package.extract("archive/pages.warc.gz", tmp_path)
        assert sorted(warc_urls(tmp_path / "archive" / "pages.warc.gz")) == page_urls
    else:
        manifest = [json.loads(line) for line in (out / "documents" / "manifest.jsonl").read_text("utf-8").splitlines()]
        assert sorted(entry["sha256"] for entry in manifest) == hashes and len(hashes) == counts["documents"] > 0
        for entry in manifest:
            assert hashlib.sha256((out / "documents" / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    assert digest(db) == digest(node)


def test_writes_still_in_the_wal_on_read_only_storage_are_read_or_refused_never_skipped(node, small_disk, tmp_path):
    """A copy made while its crawl ran holds its last writes in ARCHIVE-wal. With ARCHIVE-shm SQLite
    reads them on read-only storage; without it only an immutable open works, which would read the
    file past them: refused instead."""
    live = copy_of(node, small_disk / "live", "archive.db")
    url = articles(node)[0]["url"]
    writer = sqlite3.connect(live)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    with writer:
        writer.execute("UPDATE articles SET title = 'Tiêu đề đã sửa' WHERE url = ?", (url,))
    for name, suffixes in (("with-shm", ("", "-wal", "-shm")), ("without-shm", ("", "-wal"))):
        for suffix in suffixes:  # copied while the writer is open: its -wal holds the update
            copy_of(Path(f"{live}{suffix}"), small_disk / name)
    writer.close()
    read, refused = small_disk / "with-shm" / "archive.db", small_disk / "without-shm" / "archive.db"
    with read_only(small_disk):
        exported = soyte("export", "--db", str(read), "-o", str(tmp_path / "articles.jsonl"), check=False)
        result = soyte("export", "--db", str(refused), "-o", str(tmp_path / "stale.jsonl"), check=False)
    assert exported.returncode == 0, exported.stderr
    titles = {json.loads(line)["url"]: json.loads(line)["title"]
              for line in (tmp_path / "articles.jsonl").read_text("utf-8").splitlines()}
    assert titles[url] == "Tiêu đề đã sửa" and len(titles) == len(articles(node))
    assert result.returncode == 4
    assert one_line(result) == (
        f"soyte export: the archive {refused} cannot be opened: its last writes are still in archive.db-wal, which "
        "SQLite cannot read on read-only storage without archive.db-shm: copy the archive with its -wal file to "
        f"writable storage, or checkpoint it where it was written (sqlite3 {refused} 'PRAGMA wal_checkpoint(TRUNCATE)')")
    assert not (tmp_path / "stale.jsonl").exists()


# merge: read-only storage, a missing directory

def test_merge_reads_inputs_on_read_only_storage_and_refuses_a_read_only_target(node, small_disk, tmp_path):
    on_disk = copy_of(node, small_disk, "node.db")
    other = copy_of(node, tmp_path / "elsewhere", "other.db")
    merged = tmp_path / "archive.db"
    with read_only(small_disk):
        taken = soyte("merge", str(on_disk), "--into", str(merged), check=False)
        refused = soyte("merge", str(other), "--into", str(on_disk), check=False)
    assert taken.returncode == 0, taken.stderr
    assert json.loads(taken.stdout)["runs"] == 2
    assert articles(merged) == articles(node)
    assert refused.returncode == 4
    assert one_line(refused) == f"soyte merge: cannot open the archive {on_disk} for writing: Read-only file system"
    assert digest(on_disk) == digest(node)
    assert sorted(path.name for path in small_disk.iterdir()) == ["node.db"]


def test_merge_into_a_directory_that_does_not_exist_is_a_usage_error(node, tmp_path):
    target = tmp_path / "missing" / "dir" / "C.db"
    result = soyte("merge", str(node), "--into", str(target), check=False)
    assert result.returncode == 2
    assert one_line(result) == (f"soyte merge: --into {target}: there is no directory {target.parent}; create it "
                                f"first (mkdir -p {target.parent}) or name another place")
    assert not (tmp_path / "missing").exists()


# merge: the same file, another program's database

def articles(db: Path) -> list[dict]:
    return [{key: row[key] for key in (*RECORD_KEYS, "first_seen", "last_seen")}
            for row in query(db, "SELECT * FROM articles ORDER BY url")]


def stored(db: Path) -> tuple:
    """What an archive holds, for `nothing was lost or duplicated`."""
    return (articles(db), query(db, "SELECT * FROM crawl_runs ORDER BY id"), query(db, "SELECT * FROM failures ORDER BY id"),
            query(db, "SELECT url, sha256 FROM pages ORDER BY id"), query(db, "SELECT * FROM portal_runs"))


@pytest.mark.parametrize("link", ["hard link", "symbolic link"])
def test_merging_an_archive_into_itself_under_another_name_is_refused(node, tmp_path, link):
    x = copy_of(node, tmp_path / "x", "X.db")
    y = tmp_path / "y" / "Y.db"
    y.parent.mkdir()
    (os.link if link == "hard link" else os.symlink)(x, y)
    before = stored(x)
    result = soyte("merge", str(x), "--into", str(y), check=False)
    assert result.returncode == 4
    assert one_line(result) == f"soyte merge: {x} and {y} are the same file: cannot merge an archive into itself; nothing was merged"
    assert stored(x) == before and len(before[1]) == 2 and len(before[2]) == 1
    assert digest(x) == digest(node)


def test_merge_never_adds_its_tables_to_another_programs_database(node, tmp_path):
    cms = tmp_path / "site.db"
    conn = sqlite3.connect(cms)
    conn.executescript("CREATE TABLE pages (id INTEGER PRIMARY KEY, slug TEXT, body TEXT);"
                       "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
                       "INSERT INTO pages (slug, body) VALUES ('gioi-thieu', 'Sở Y tế');"
                       "INSERT INTO users (name) VALUES ('admin');")
    conn.close()
    before = digest(cms)
    result = soyte("merge", str(node), "--into", str(cms), check=False)
    assert result.returncode == 4
    assert one_line(result) == (f"soyte merge: {cms} is not a soyte archive and not empty (tables pages, users): "
                                "merge into a new file or a soyte archive; nothing was merged")
    assert digest(cms) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site.db"]  # not even a lock file beside it


# merge: schemas newer and older than this soyte's

def test_an_input_of_a_newer_schema_is_refused_naming_its_version(node, tmp_path):
    newer = copy_of(node, tmp_path / "n")
    conn = sqlite3.connect(newer)
    conn.executescript(f"ALTER TABLE articles ADD COLUMN summary TEXT; UPDATE articles SET summary = 'Tóm tắt';"
                       f"PRAGMA user_version = {SCHEMA_VERSION + 1};")
    conn.close()
    target = tmp_path / "archive.db"
    result = soyte("merge", str(newer), "--into", str(target), check=False)
    assert result.returncode == 4
    assert one_line(result) == (
        f"soyte merge: {newer}: its schema is version {SCHEMA_VERSION + 1}, newer than this soyte reads (version "
        f"{SCHEMA_VERSION}), and merging it would leave out what the newer soyte keeps: merge it with that soyte, or "
        "update this one (in its checkout: git pull && pip install -e .); nothing was merged")
    assert not target.exists()


# The columns of each table as the first soyte made them (schema 1, before portal_runs, page kinds,
# warnings, failure statuses, compression dictionaries, nodes and documents).
FIRST_SCHEMA = {
    "articles": ("url", ["url", "portal", "province", "title", "published", "category", "sapo", "text", "author",
                         "source", "views", "images", "attachments", "layout", "extractor", "extraction",
                         "content_hash", "page_id", "first_seen", "last_seen", "updated_at"]),
    "article_versions": ("id", ["id", "url", "content_hash", "record", "extractor", "first_seen", "replaced_at"]),
    "pages": ("id", ["id", "url", "status", "headers", "content_type", "body", "body_size", "sha256", "fetched_at",
                     "last_fetched_at", "run_id"]),
    "crawl_runs": ("id", ["id", "started_at", "finished_at", "portals", "status", "requests", "responses",
                          "pages_stored", "articles_new", "articles_updated", "articles_unchanged", "errors", "pid",
                          "message"]),
    "failures": ("id", ["id", "run_id", "url", "portal", "kind", "reason", "page_id", "at"]),
}


def first_schema(node: Path, path: Path) -> None:
    """The node's archive as the first soyte would have written it: the same rows, its columns only."""
    conn = sqlite3.connect(path)
    conn.execute("ATTACH ? AS node", (str(node),))
    for table, (key, columns) in FIRST_SCHEMA.items():
        defined = [f"{c} INTEGER PRIMARY KEY" if c == key == "id" else c for c in columns]
        conn.execute(f"CREATE TABLE {table} ({', '.join(defined)}{'' if key == 'id' else f', PRIMARY KEY ({key})'})")
        conn.execute(f"INSERT INTO {table} SELECT {', '.join(columns)} FROM node.{table}")
    conn.commit()
    conn.execute("DETACH node")
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def before_dictionaries(node: Path, path: Path) -> None:
    """The node's archive as a soyte of before page dictionaries, nodes and documents left it
    (schema 1: portal_runs and page kinds, no `codec`; its pages all zlib, as `node` checks)."""
    path.write_bytes(node.read_bytes())
    conn = sqlite3.connect(path, isolation_level=None)
    for table, column in (("pages", "codec"), ("pages", "dictionary_id"), ("crawl_runs", "node"),
                          ("crawl_runs", "node_run_id"), ("crawl_runs", "node_name")):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for table in ("documents_fts", "page_dictionaries", "documents", "document_bodies", "document_captures",
                  "document_links"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


OLDER = {"first schema": first_schema, "before page dictionaries": before_dictionaries}


@pytest.mark.parametrize("era", OLDER)
def test_an_input_of_an_older_schema_is_merged_as_this_versions_without_writing_it(node, tmp_path, era):
    old = tmp_path / "old" / "node.db"  # the node's file name: the runs keep the same node_name
    old.parent.mkdir()
    OLDER[era](node, old)
    unchanged = digest(old)
    from_old, from_current = tmp_path / "from-old.db", tmp_path / "from-current.db"
    result = soyte("merge", str(old), "--into", str(from_old), check=False)
    soyte("merge", str(node), "--into", str(from_current))
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert one_line(result) == (f"merged 1 archives into {from_old}: {counts['pages']} pages, {counts['articles_new']} new "
                                f"and 0 changed articles (0 earlier versions), 2 crawl runs")
    assert digest(old) == unchanged  # an input is never written, not even brought up to date
    assert articles(from_old) == articles(from_current) and len(articles(node)) == counts["articles_new"] == 7
    run_columns = "node_name, node_run_id, started_at, finished_at, status, requests, articles_new, errors"
    assert query(from_old, f"SELECT {run_columns} FROM crawl_runs") == query(from_current, f"SELECT {run_columns} "
                                                                                           "FROM crawl_runs")
    page_columns = "url, sha256, status, fetched_at" + (", kind" if era != "first schema" else "")
    assert query(from_old, f"SELECT {page_columns} FROM pages ORDER BY id") == query(
        from_current, f"SELECT {page_columns} FROM pages ORDER BY id")
    assert query(from_old, "SELECT url, kind, reason, at FROM failures") == query(
        from_current, "SELECT url, kind, reason, at FROM failures") != []
    again = json.loads(soyte("merge", str(old), "--into", str(from_old)).stdout)  # twice changes nothing
    assert (again["pages"], again["articles_new"], again["runs"], again["failures"]) == (0, 0, 0, 0)


# merge while a crawl writes an input

def test_a_run_still_being_crawled_is_left_out_until_a_later_merge_takes_it_finished(tmp_path):
    a, merged = tmp_path / "a.db", tmp_path / "archive.db"
    with reference_server() as server:
        soyte("crawl", "angiang", "--db", str(a), "--replay", server.url)
    with reference_server(delay=0.2) as slow:
        crawl = subprocess.Popen([sys.executable, "-m", "scraper.cli", "crawl", "hatinh", "--db", str(a), "--replay",
                                  slow.url, "--quiet"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # Caught mid-run: its row says running and it has stored pages, then it is frozen while merged.
            wait_for(lambda: query(a, "SELECT count(*) AS n FROM pages WHERE run_id = 2")[0]["n"] >= 2, 60,
                     "the crawl to store its first pages")
            os.kill(crawl.pid, signal.SIGSTOP)
            try:
                during = soyte("merge", str(a), "--into", str(merged), check=False)
                in_a = query(a, "SELECT status FROM crawl_runs WHERE id = 2")
            finally:
                os.kill(crawl.pid, signal.SIGCONT)
            assert crawl.wait(timeout=120) == 0
        finally:
            if crawl.poll() is None:
                crawl.kill()
                crawl.wait()
    assert in_a == [{"status": "running"}]
    assert during.returncode == 0, during.stderr
    counts = json.loads(during.stdout)
    assert (counts["runs"], counts["runs_running"], counts["running_in"]) == (1, 1, [str(a)])
    assert one_line(during) == (
        f"merged 1 archives into {merged}: {counts['pages']} pages, {counts['articles_new']} new and 0 changed articles "
        f"(0 earlier versions), 1 crawl runs; left out 1 crawl run still running in {a} (a crawl is writing it): merge "
        "again once it has finished")
    assert query(merged, "SELECT node_run_id, status FROM crawl_runs") == [{"node_run_id": 1, "status": "completed"}]

    after = soyte("merge", str(a), "--into", str(merged))
    assert json.loads(after.stdout)["runs"] == 1 and json.loads(after.stdout)["runs_running"] == 0
    columns = "status, started_at, finished_at, requests, pages_stored, articles_new, errors"
    assert query(merged, f"SELECT {columns} FROM crawl_runs ORDER BY node_run_id") == query(
        a, f"SELECT {columns} FROM crawl_runs ORDER BY id")
    assert [row["status"] for row in query(a, "SELECT status FROM crawl_runs")] == ["completed", "completed"]
    assert articles(merged) == articles(a)
    n = len(query(a, "SELECT id FROM pages WHERE run_id IS NOT NULL"))
    assert query(merged, "SELECT count(*) AS n, count(run_id) AS with_run, count(DISTINCT url || sha256) AS different "
                         "FROM pages") == [{"n": n, "with_run": n, "different": n}]  # each page once, with its run
    assert query(merged, "SELECT portal FROM portal_runs ORDER BY portal") == [{"portal": "angiang"}, {"portal": "hatinh"}]
