"""The archive on its own: upserts, versions, raw pages and accent-insensitive search."""
from __future__ import annotations

import zlib

import pytest

from archive.search import fold, search
from archive.store import Archive
from tests.helpers import query

RECORD = {
    "url": "https://soyte.example.gov.vn/a.html", "portal": "demo", "province": "Đắk Lắk",
    "title": "Sở Y tế Đắk Lắk phòng chống sốt xuất huyết", "published": "2024-01-02T08:00:00+07:00",
    "category": "Tin tức", "sapo": None, "text": "Đoàn kiểm tra đến từng hộ dân.", "author": "Thu Hà",
    "source": None, "views": 10, "images": [{"url": "https://soyte.example.gov.vn/i.jpg", "caption": "Ảnh"}],
    "attachments": [],
}


def upsert(archive: Archive, record: dict) -> str:
    return archive.upsert_article(record, layout="demo", extractor="demo/1", page_id=None)


def test_upsert_is_idempotent(archive):
    assert [upsert(archive, RECORD) for _ in range(3)] == ["new", "unchanged", "unchanged"]
    assert archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert archive.article(RECORD["url"]) == RECORD


def test_a_new_view_count_is_not_a_new_version(archive):
    upsert(archive, RECORD)
    assert upsert(archive, {**RECORD, "views": 11}) == "unchanged"
    assert archive.article(RECORD["url"])["views"] == 11
    assert archive.conn.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 0


def test_a_changed_article_keeps_its_old_version(archive):
    upsert(archive, RECORD)
    assert upsert(archive, {**RECORD, "text": "Nội dung đã sửa."}) == "updated"
    versions = query(archive.path, "SELECT url, record FROM article_versions")
    assert len(versions) == 1 and "Đoàn kiểm tra đến từng hộ dân." in versions[0]["record"]
    assert archive.article(RECORD["url"])["text"] == "Nội dung đã sửa."


def test_search_folds_accents_and_d_with_stroke(archive):
    upsert(archive, RECORD)
    for words in ("so y te", "Dak Lak", "đắk lắk", "sot xuat huyet", "doan kiem tra"):
        assert [row["url"] for row in search(archive.conn, words)] == [RECORD["url"]], words
    assert search(archive.conn, "dengue") == []


def test_search_follows_an_update(archive):
    upsert(archive, RECORD)
    upsert(archive, {**RECORD, "text": "Nội dung đã sửa."})
    assert search(archive.conn, "doan kiem tra") == []
    assert len(search(archive.conn, "noi dung da sua")) == 1


def test_stored_text_is_never_folded(archive):
    upsert(archive, RECORD)
    assert query(archive.path, "SELECT title FROM articles")[0]["title"] == RECORD["title"]
    assert fold(RECORD["title"]) == "so y te dak lak phong chong sot xuat huyet"


def test_pages_are_kept_compressed_and_deduplicated(archive):
    run = archive.start_run(["demo"])
    body = ("<html>" + "Sở Y tế " * 2000 + "</html>").encode()
    first = archive.save_page("https://x/a", 200, {"Content-Type": "text/html"}, body, run, "article")
    again = archive.save_page("https://x/a", 200, {"Content-Type": "text/html"}, body, run, "article")
    assert first == again
    stored = query(archive.path, "SELECT body, body_size FROM pages")
    assert len(stored) == 1 and zlib.decompress(stored[0]["body"]) == body
    assert len(stored[0]["body"]) < 0.3 * stored[0]["body_size"]
    assert archive.run(run)["pages_stored"] == 1 and archive.run(run)["responses"] == 2


def test_the_archive_is_in_wal_mode(archive):
    assert archive.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def fts_integrity(archive: Archive) -> None:
    """The index holds one entry per article, no other (FTS5 keeps a row per indexed document in
    its docsize table), and FTS5's own check of the index passes."""
    indexed = [row[0] for row in archive.conn.execute("SELECT id FROM articles_fts_docsize ORDER BY id")]
    assert indexed == [row[0] for row in archive.conn.execute("SELECT rowid FROM articles ORDER BY rowid")]
    archive.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_grouped_writes_are_committed_when_the_group_ends_and_searchable_then(archive):
    archive.group_commits(600)
    upsert(archive, RECORD)
    upsert(archive, {**RECORD, "text": "Nội dung đã sửa."})
    upsert(archive, {**RECORD, "url": "https://soyte.example.gov.vn/b.html", "title": "Tiêm chủng mở rộng",
                     "text": "Trẻ em được tiêm đủ liều."})
    assert query(archive.path, "SELECT count(*) AS n FROM articles") == [{"n": 0}]  # another reader: not yet
    archive.group_commits(0)
    assert query(archive.path, "SELECT count(*) AS n FROM articles") == [{"n": 2}]
    assert search(archive.conn, "doan kiem tra") == []
    assert [row["url"] for row in search(archive.conn, "noi dung da sua")] == [RECORD["url"]]
    assert [row["url"] for row in search(archive.conn, "tiem chung")] == ["https://soyte.example.gov.vn/b.html"]
    fts_integrity(archive)


def test_grouped_writes_keep_their_savepoints_journal_in_memory_and_only_while_grouped(archive):
    def temp_store() -> int:  # 0: SQLite's default (temporary files), 2: memory
        return archive.conn.execute("PRAGMA temp_store").fetchone()[0]

    assert temp_store() == 0
    archive.group_commits(600)
    upsert(archive, RECORD)
    assert temp_store() == 2
    archive.group_commits(0)
    assert temp_store() == 0
    assert query(archive.path, "SELECT count(*) AS n FROM articles") == [{"n": 1}]


def test_a_grouped_write_that_fails_is_undone_alone(archive):
    archive.group_commits(600)
    upsert(archive, RECORD)
    other = {**RECORD, "url": "https://soyte.example.gov.vn/b.html", "title": "Tiêm chủng mở rộng",
             "text": "Trẻ em được tiêm đủ liều."}
    with pytest.raises(RuntimeError):
        with archive.transaction():
            upsert(archive, other)
            raise RuntimeError("the pipeline failed after the article was written")
    archive.close()  # closing commits what is grouped: whole writes only
    reopened = Archive(archive.path)
    try:
        assert [row["url"] for row in query(archive.path, "SELECT url FROM articles")] == [RECORD["url"]]
        assert search(reopened.conn, "tiem chung") == []
        assert [row["url"] for row in search(reopened.conn, "dak lak")] == [RECORD["url"]]
        fts_integrity(reopened)
    finally:
        reopened.close()


def write_index_folded_whole(path) -> None:
    """Make the archive at `path` one written before INDEX_FORM 2: each field indexed as published
    and folded whole, schema version 1."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')")
    for rowid, *values in conn.execute("SELECT rowid, title, sapo, text FROM articles").fetchall():
        whole = [f"{value}\n{fold(value)}" if value and fold(value) != value.lower() else value or ""
                 for value in values]
        conn.execute("INSERT INTO articles_fts(rowid, title, sapo, text) VALUES (?, ?, ?, ?)", (rowid, *whole))
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def docsizes(archive: Archive) -> list[tuple]:
    """Each indexed row's token counts per field, as FTS5 keeps them for bm25."""
    return archive.conn.execute("SELECT id, sz FROM articles_fts_docsize ORDER BY id").fetchall()


def test_an_archive_indexed_in_the_older_form_is_reindexed_when_opened_for_writing(tmp_path, caplog):
    other = {**RECORD, "url": "https://soyte.example.gov.vn/b.html", "title": "Tiêm chủng mở rộng",
             "text": "Trẻ em được tiêm đủ liều."}
    fresh = Archive(tmp_path / "fresh.db")
    old = Archive(tmp_path / "old.db")
    for archive in (fresh, old):
        upsert(archive, RECORD)
        upsert(archive, other)
    old.close()
    write_index_folded_whole(tmp_path / "old.db")
    before = Archive(tmp_path / "old.db", readonly=True)
    assert docsizes(before) != docsizes(fresh)
    assert [row["url"] for row in search(before.conn, "doan kiem tra")] == [RECORD["url"]]
    before.close()

    with caplog.at_level("INFO", logger="archive.schema"):
        reopened = Archive(tmp_path / "old.db")
    assert caplog.messages == ["the full-text index was rebuilt in its new form (2 articles, 0 documents), "
                               "once for this archive"]
    assert reopened.conn.execute("PRAGMA user_version").fetchone()[0] == 2
    with caplog.at_level("INFO", logger="archive.schema"):
        Archive(tmp_path / "old.db").close()  # opened again: nothing left to rebuild
    assert len(caplog.messages) == 1
    assert docsizes(reopened) == docsizes(fresh)
    upsert(reopened, {**RECORD, "text": "Nội dung đã sửa."})
    assert search(reopened.conn, "doan kiem tra") == []
    assert [row["url"] for row in search(reopened.conn, "noi dung da sua")] == [RECORD["url"]]
    assert [row["url"] for row in search(reopened.conn, "duoc tiem du lieu")] == [other["url"]]
    fts_integrity(reopened)
    reopened.close()
    fresh.close()
