"""Raw pages stored with per-portal zstd dictionaries: byte-for-byte reads, old zlib pages, `soyte compact`."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from pathlib import Path

import pytest

from archive.compression import TRAIN_AFTER, DamagedPage
from archive.store import Archive
from tests.helpers import ROOT, execute, query, soyte

DEMO = ROOT / "scraper" / "demo_portals"
# The pages table as soyte wrote it before dictionaries (commit ce6821b): zlib bodies, no codec.
OLD_PAGES = """CREATE TABLE pages (id INTEGER PRIMARY KEY, url TEXT, kind TEXT, status INTEGER, headers TEXT,
    content_type TEXT, body BLOB, body_size INTEGER, sha256 TEXT, fetched_at TEXT, last_fetched_at TEXT,
    run_id INTEGER)"""


def bundled_pages() -> list[tuple[str, bytes, str]]:
    """(url, raw bytes, content type) of every bundled page of every portal, as the sites serve them
    (their attached documents aside: the archive keeps those in its document tables, not as pages)."""
    pages = []
    for manifest in sorted(DEMO.glob("*/site.json")):
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["pages"]:
            if entry["kind"] not in ("snapshot", "document", "image"):  # files: the document and image tables
                pages.append((entry["url"], (manifest.parent / entry["file"]).read_bytes(), entry["content_type"]))
    return pages


def variants(n: int) -> list[tuple[str, bytes]]:
    """n distinct Bắc Ninh pages: its bundled article pages, each numbered in a comment."""
    manifest = json.loads((DEMO / "bacninh" / "site.json").read_text(encoding="utf-8"))
    bodies = [(DEMO / "bacninh" / p["file"]).read_bytes() for p in manifest["pages"] if p["kind"] == "article"]
    return [(f"https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/bai-{i}",
             bodies[i % len(bodies)].replace(b"</body>", f"<!-- {i} --></body>".encode())) for i in range(n)]


@pytest.fixture
def old_archive(tmp_path) -> tuple[Path, dict[int, bytes]]:
    """An archive written before the change: every bundled page zlib-compressed, no codec columns."""
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.execute(OLD_PAGES)
    originals = {}
    for i, (url, body, content_type) in enumerate(bundled_pages(), 1):
        conn.execute("INSERT INTO pages (id, url, kind, status, headers, content_type, body, body_size, sha256, "
                     "fetched_at, last_fetched_at) VALUES (?, ?, 'article', 200, '{}', ?, ?, ?, ?, "
                     "'2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
                     (i, url, content_type, zlib.compress(body, 6), len(body), hashlib.sha256(body).hexdigest()))
        originals[i] = body
    conn.commit()
    conn.close()
    return db, originals


def damage(db: Path, page_id: int, change) -> None:
    """Change a stored body behind the archive's back, as a failing disk would."""
    blob = query(db, "SELECT body FROM pages WHERE id = ?", (page_id,))[0]["body"]
    execute(db, "UPDATE pages SET body = ? WHERE id = ?", (change(blob), page_id))


def read_all(db: Path, ids) -> dict[int, bytes]:
    archive = Archive(db)
    try:
        return {page_id: archive.page_body(page_id)[1] for page_id in ids}
    finally:
        archive.close()


def test_pages_written_before_dictionaries_read_back_byte_for_byte(old_archive):
    db, originals = old_archive
    assert len(originals) == 63
    assert read_all(db, originals) == originals
    assert query(db, "SELECT count(*) AS n FROM pages WHERE codec IS NULL") == [{"n": 63}]


@pytest.mark.e2e
def test_compact_recompresses_old_pages_with_a_dictionary_and_they_still_read_back(old_archive):
    db, originals = old_archive
    result = soyte("compact", "--db", str(db))
    by_host = {row["host"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert len(by_host) == 8 and all(row["dictionary_id"] for row in by_host.values())
    assert sum(row["recompressed"] for row in by_host.values()) == 63
    assert read_all(db, originals) == originals
    assert query(db, "SELECT codec, count(*) AS n FROM pages GROUP BY codec") == [{"codec": "zstd", "n": 63}]
    again = [json.loads(line) for line in soyte("compact", "--db", str(db)).stdout.splitlines()]
    assert [row["recompressed"] for row in again] == [0] * 8  # idempotent
    assert read_all(db, originals) == originals


def test_a_portal_gets_its_dictionary_once_it_has_enough_pages(tmp_path):
    archive = Archive(tmp_path / "a.db")
    pages = variants(TRAIN_AFTER + 10)
    ids = [archive.save_page(url, 200, {"Content-Type": "text/html"}, body, None, "article") for url, body in pages]
    archive.close()
    rows = query(tmp_path / "a.db", "SELECT id, codec, dictionary_id, length(body) AS stored, body_size FROM pages")
    assert [row["codec"] for row in rows] == ["zlib"] * TRAIN_AFTER + ["zstd"] * 10
    assert query(tmp_path / "a.db", "SELECT id, host, samples FROM page_dictionaries") == [
        {"id": 1, "host": "soyte.bacninh.gov.vn", "samples": TRAIN_AFTER}]
    assert read_all(tmp_path / "a.db", ids) == dict(zip(ids, (body for _url, body in pages)))
    zlib_share = sum(r["stored"] for r in rows[:TRAIN_AFTER]) / sum(r["body_size"] for r in rows[:TRAIN_AFTER])
    zstd_share = sum(r["stored"] for r in rows[TRAIN_AFTER:]) / sum(r["body_size"] for r in rows[TRAIN_AFTER:])
    assert zlib_share > 0.30 and zstd_share < 0.15


def test_a_damaged_body_raises_damaged_page_whatever_the_codec(tmp_path):
    db = tmp_path / "a.db"
    archive = Archive(db)
    ids = [archive.save_page(url, 200, {}, body, None, "article") for url, body in variants(TRAIN_AFTER + 2)]
    archive.close()
    zlib_id, zstd_id = ids[0], ids[-1]
    for page_id in (zlib_id, zstd_id):
        damage(db, page_id, lambda body: body[:100] + b"\x00\xff\x00\xff" + body[104:])
    for page_id, codec in ((zlib_id, "zlib"), (zstd_id, "zstd")):
        with pytest.raises(DamagedPage, match=rf"page {page_id}: stored body is damaged \({codec}: "):
            read_all(db, [page_id])
    execute(db, "DELETE FROM page_dictionaries")
    with pytest.raises(DamagedPage, match="compression dictionary 1 is missing from the archive"):
        read_all(db, [ids[-2]])


@pytest.mark.e2e
def test_export_and_compact_leave_out_a_damaged_page_with_one_line(tmp_path):
    db = tmp_path / "a.db"
    archive = Archive(db)
    ids = [archive.save_page(url, 200, {}, body, None, "article") for url, body in variants(TRAIN_AFTER + 1)]
    archive.close()
    damage(db, ids[2], lambda body: b"\x00\x00")
    compact = soyte("compact", "--db", str(db), check=False)
    assert compact.returncode == 1
    damaged = [line for line in compact.stderr.splitlines() if line.startswith("left as it is")]
    assert len(damaged) == 1
    assert damaged[0].startswith(f"left as it is: page {ids[2]}: stored body is damaged (zlib: Error -3 ")
    export = soyte("export", "--format", "warc", "-o", str(tmp_path / "a.warc.gz"), "--db", str(db), check=False)
    assert export.returncode == 1 and "Traceback" not in export.stderr
    assert export.stderr.splitlines()[-1] == f"exported {TRAIN_AFTER} pages from {db} as WARC; 1 damaged pages left out"


@pytest.mark.e2e
def test_compact_retrain_gives_a_new_dictionary_and_every_page_still_reads_back(tmp_path):
    db = tmp_path / "a.db"
    archive = Archive(db)
    pages = variants(TRAIN_AFTER + 30)
    ids = [archive.save_page(url, 200, {}, body, None, "article") for url, body in pages]
    archive.close()
    rows = [json.loads(line) for line in soyte("compact", "--retrain", "--batch", "7", "--db", str(db)).stdout.splitlines()]
    assert [(row["host"], row["dictionary_id"], row["recompressed"]) for row in rows] == [
        ("soyte.bacninh.gov.vn", 2, TRAIN_AFTER + 30)]
    assert query(db, "SELECT id, samples FROM page_dictionaries") == [{"id": 1, "samples": TRAIN_AFTER},
                                                                       {"id": 2, "samples": TRAIN_AFTER + 30}]
    assert query(db, "SELECT DISTINCT dictionary_id FROM pages") == [{"dictionary_id": 2}]
    assert read_all(db, ids) == dict(zip(ids, (body for _url, body in pages)))
