"""The archive file in trouble: full disk, read-only file, and readers during a crawl.

A small tmpfs stands for a full disk and a read-only remount for a read-only archive; both need
root, which CI and the developers' machines have.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import ROOT, bundled_articles, query, reference_server, served_articles, soyte

pytestmark = pytest.mark.e2e  # crawls of the replay server, `soyte` in a subprocess


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.fail("these tests mount a small tmpfs and need root (as CI has)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=True)
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk, leave: int) -> None:
    """Take all the free space of `disk` but `leave` bytes: enough to open the archive, not to crawl."""
    stats = os.statvfs(disk)
    with open(disk / "filler", "wb") as handle:
        handle.write(b"\0" * (stats.f_bavail * stats.f_frsize - leave))


def integrity(db) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_a_full_disk_stops_the_crawl_with_a_clear_message_and_keeps_what_was_stored(small_disk, replay_server):
    db = small_disk / "archive.db"
    soyte("crawl", "hatinh", "--db", str(db), "--replay", replay_server.url)
    before = query(db, "SELECT url, text FROM articles ORDER BY url")
    fill(small_disk, leave=96 * 1024)
    result = soyte("crawl", "--db", str(db), "--replay", replay_server.url, check=False)
    assert result.returncode == 4
    message = [line for line in result.stderr.splitlines() if line.startswith("soyte crawl:")]
    assert message == [f"soyte crawl: the archive {db} cannot be written (OperationalError: database or disk is "
                       "full); the crawl stopped. What was stored before is intact: free space or fix "
                       "permissions, then crawl again"]
    assert "Traceback" not in result.stderr
    assert integrity(db) == "ok"
    stored = query(db, "SELECT url, text FROM articles ORDER BY url")
    assert [row for row in stored if row in before] == before and len(before) == 4


def test_a_read_only_archive_is_refused_with_a_clear_message(small_disk, replay_server):
    db = small_disk / "archive.db"
    soyte("crawl", "angiang", "--db", str(db), "--replay", replay_server.url)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = soyte("crawl", "angiang", "--db", str(db), "--replay", replay_server.url, check=False)
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert result.returncode == 4
    assert result.stderr.strip().startswith(f"soyte crawl: cannot open the archive {db} for writing:")
    assert integrity(db) == "ok"
    assert query(db, "SELECT count(*) AS n FROM articles") == [{"n": 4}]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_datasette_reads_the_archive_while_a_crawl_writes_it(archive_path):
    port = free_port()
    with reference_server(delay=0.15) as slow:
        soyte("crawl", "hatinh", "--db", str(archive_path), "--replay", slow.url)  # the file exists for Datasette
        datasette = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(archive_path), "--port",
                                      str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        crawl = subprocess.Popen([sys.executable, "-m", "scraper.cli", "crawl", "--db", str(archive_path),
                                  "--replay", slow.url, "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
        counts, errors = [], []
        try:
            while crawl.poll() is None:
                try:
                    url = f"http://127.0.0.1:{port}/archive.json?sql=select+count(*)+as+n+from+articles"
                    with urllib.request.urlopen(url, timeout=5) as response:
                        counts.append(json.load(response)["rows"][0][0])
                except OSError as error:  # Datasette still starting
                    errors.append(error)
                time.sleep(0.1)
        finally:
            datasette.terminate()
            datasette.wait()
    assert crawl.returncode == 0
    assert len(counts) >= 5, errors[-3:]
    total = len(bundled_articles())
    assert counts == sorted(counts) and counts[0] >= len(served_articles("hatinh")) and counts[-1] <= total
    assert query(archive_path, "SELECT count(*) AS n FROM articles") == [{"n": total}]


def damaged_copy(kind: str, good: Path, where: Path) -> Path:
    """An archive path that is not a usable archive in one of the ways files go wrong."""
    path = where / f"{kind}.db"
    if kind == "not-a-database":
        path.write_bytes(b"Tin tuc y te\n" * 500)
    elif kind == "corrupt":
        data = bytearray(good.read_bytes())
        data[100:4096 * 3] = b"\xff" * (4096 * 3 - 100)  # the header page and the first tables' pages
        path.write_bytes(bytes(data))
    elif kind == "directory":
        path.mkdir()
    return path


@pytest.fixture(scope="module")
def good_archive(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("good") / "archive.db"
    with reference_server() as server:
        soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db


COMMANDS = {"crawl": ["crawl", "hatinh", "--db"], "search": ["search", "y te", "--db"], "runs": ["runs", "--db"],
            "export": ["export", "--db"], "serve": ["serve", "--port", "1", "--db"], "reextract": ["reextract", "--db"]}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", ["not-a-database", "corrupt", "directory"])
def test_an_unusable_archive_is_one_line_and_exit_4(good_archive, tmp_path, replay_server, command, kind):
    db = damaged_copy(kind, good_archive, tmp_path)
    extra = ["--replay", replay_server.url] if command == "crawl" else []
    result = soyte(*COMMANDS[command], str(db), *extra, check=False, timeout=60)
    assert result.returncode == 4, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"soyte {command}:")]
    assert len(lines) == 1 and str(db) in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["search", "runs", "export"])
def test_reading_commands_work_on_a_read_only_archive(good_archive, small_disk, command):
    db = small_disk / "archive.db"
    db.write_bytes(good_archive.read_bytes())
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        result = soyte(*COMMANDS[command], str(db), check=False, timeout=60)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
