"""The crawl's questions about attached documents and images (issue 32), asked of SQLite per URL and
per portal in batches (archive/frontier_files.py), never read whole into the frontier: the answers
are those the whole read gave (`whole_read` below is that read, kept here as the oracle), and each
lookup uses an index (EXPLAIN QUERY PLAN; bench/frontier_files.py measures time and memory)."""
from __future__ import annotations

import sqlite3

import pytest

import archive.frontier_files as frontier_files
from archive.documents import DocumentStore
from archive.frontier import ASKED_PER_URL, load_frontier
from archive.frontier_files import (DATED_ARTICLES, NEWEST_CAPTURE, PENDING_LINKS_OF, PENDING_OF_ARTICLES, SKIPPED,
                                    UNDATED_ARTICLES, ArchivedFiles, Snapshot)
from archive.images import ImageStore
from archive.store import Archive
from scraper.extraction.document_text import DocumentText
from scraper.extraction.image_files import ImageFile
from scraper.model import FailureKind

HOST = "soyte.bacninh.gov.vn"
AT = "2026-12-01T00:00:00+00:00"


def url(name: str) -> str:
    return f"https://{HOST}/files/{name}"


def article(archive: Archive, n: int, links: list[tuple[str, str]], portal: str = "bacninh") -> str:
    """Article n of `portal`, linking these (file name, kind)."""
    article_url = f"https://{HOST}/tin/{n}" if portal == "bacninh" else f"https://soyte.hagiang.gov.vn/tin/{n}"
    archive.upsert_article({"url": article_url, "portal": portal, "province": "Bắc Ninh", "title": f"Bài {n}",
                            "published": "2025-01-15T08:00:00+07:00", "text": f"Bài số {n}."},
                           layout="x", extractor="x/1", page_id=None)
    DocumentStore(archive).record_links(article_url, [{"url": url(name), "kind": kind} for name, kind in links])
    return article_url


def document(archive: Archive, name: str, headers: dict[str, str], status: str = "ok", body: bytes | None = None,
             http: int = 200) -> None:
    DocumentStore(archive).store(url(name), "bacninh", body or name.encode(), status=http, served_type="application/pdf",
                                 headers=headers, run_id=None, at=AT,
                                 extracted=DocumentText("pdf", f"Văn bản {name}", status))


def image(archive: Archive, name: str, headers: dict[str, str]) -> None:
    ImageStore(archive).store(url(name), "bacninh", f"image {name}".encode(), ImageFile("jpeg", "image/jpeg", 4, 3),
                              status=200, served_type="image/jpeg", headers=headers, run_id=None, at=AT)


def fail(archive: Archive, name: str, kind: str, status: int | None) -> None:
    archive.record_failure(None, url(name), "bacninh", kind, "test", status=status)


def whole_read(conn: sqlite3.Connection, portals: list[str]) -> tuple[dict, dict, set]:
    """What load_frontier and archive.images.add_image_facts read whole until 2026-12-07: the
    validators of every file, the pending links per portal, the skipped URLs (the oracle)."""
    def validators(captures: str) -> dict[str, dict[str, str]]:
        found = {}
        for file_url, etag, modified in conn.execute(
                f"SELECT c.url, c.etag, c.last_modified FROM {captures} c JOIN (SELECT max(id) AS id FROM "
                f"{captures} WHERE status = 200 GROUP BY url) newest ON newest.id = c.id"):
            headers = ({"If-None-Match": etag} if etag else {}) | ({"If-Modified-Since": modified} if modified else {})
            if headers:
                found[file_url] = headers
        return found

    failed = {file_url: (retried, final) for file_url, retried, final in conn.execute(
        "SELECT url, sum(kind = 'document-fetch' AND (status IS NULL OR status >= 500)), "
        "sum(NOT (kind = 'document-fetch' AND (status IS NULL OR status >= 500))) FROM failures "
        "WHERE kind IN ('document-fetch', 'document-skipped') GROUP BY url")}
    pending: dict[str, list] = {}
    for portal, article_url, file_url, kind in conn.execute(
            f"SELECT a.portal, l.article_url, l.url, l.kind FROM document_links l JOIN articles a ON a.url = l.article_url "
            f"WHERE a.portal IN ({','.join('?' * len(portals))}) AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = l.url) "
            "AND (NOT EXISTS (SELECT 1 FROM document_captures c WHERE c.url = l.url) OR EXISTS (SELECT 1 FROM "
            "document_captures c JOIN documents d ON d.sha256 = c.sha256 WHERE c.url = l.url AND "
            "(d.text_status IS NULL OR d.text_status IN ('interrupted')))) ORDER BY l.article_url, l.url", portals):
        retried, final = failed.get(file_url, (0, 0))
        if not final and retried < 3:
            pending.setdefault(portal, []).append((article_url, file_url, kind))
    documents = validators("document_captures")
    for links in pending.values():
        for _article, file_url, _kind in links:
            documents.pop(file_url, None)
    settled = {file_url for (file_url,) in conn.execute("SELECT DISTINCT url FROM image_captures")}
    pending = {portal: kept for portal, links in pending.items()
               if (kept := [link for link in links if not (link[2] == "image" and link[1] in settled)])}
    still = {file_url for links in pending.values() for _article, file_url, _kind in links}
    documents |= {file_url: headers for file_url, headers in validators("image_captures").items() if file_url not in still}
    skipped = {file_url for (file_url,) in conn.execute("SELECT DISTINCT url FROM failures WHERE kind = 'document-skipped'")}
    return documents, pending, skipped


@pytest.fixture
def archive(tmp_path):
    archive = Archive(tmp_path / "files.db")
    yield archive
    archive.close()


@pytest.fixture
def files(archive):
    """An archive of every case a crawl's start must tell apart."""
    article(archive, 1, [("done.pdf", "attachment"), ("half-read.pdf", "attachment"), ("never.pdf", "attachment"),
                         ("gone.pdf", "attachment"), ("busy.pdf", "attachment"), ("hopeless.pdf", "attachment"),
                         ("too-big.pdf", "attachment"), ("a-page.pdf", "attachment")])
    article(archive, 2, [("photo.jpg", "image"), ("new-photo.jpg", "image"), ("both.jpg", "image"),
                         ("done.pdf", "attachment")])
    article(archive, 3, [("both.jpg", "attachment"), ("modified.pdf", "attachment")])
    article(archive, 4, [("elsewhere.pdf", "attachment"), ("done.pdf", "attachment")], portal="hagiang")
    document(archive, "done.pdf", {"ETag": '"d1"'})
    document(archive, "half-read.pdf", {"ETag": '"h1"'}, status="interrupted")  # a crawl stopped while its text was read
    document(archive, "modified.pdf", {"Last-Modified": "Mon, 01 Dec 2025 00:00:00 GMT"})
    document(archive, "modified.pdf", {"ETag": '"m2"'}, body=b"modified v2", http=203)  # newest, but not a 200
    document(archive, "both.jpg", {"ETag": '"as-document"'})
    image(archive, "photo.jpg", {"ETag": '"p1"', "Last-Modified": "Tue, 02 Dec 2025 00:00:00 GMT"})
    image(archive, "both.jpg", {"ETag": '"as-image"'})
    fail(archive, "gone.pdf", FailureKind.DOCUMENT_FETCH, 404)  # final
    fail(archive, "busy.pdf", FailureKind.DOCUMENT_FETCH, 503)  # worth another try
    for _ in range(3):
        fail(archive, "hopeless.pdf", FailureKind.DOCUMENT_FETCH, None)  # tried enough
    fail(archive, "too-big.pdf", FailureKind.DOCUMENT_SKIPPED, None)
    archive.save_page(url("a-page.pdf"), 200, {"Content-Type": "text/html"}, b"<html></html>", None)
    return archive


NAMES = ("done.pdf", "half-read.pdf", "never.pdf", "gone.pdf", "busy.pdf", "hopeless.pdf", "too-big.pdf", "a-page.pdf",
         "photo.jpg", "new-photo.jpg", "both.jpg", "modified.pdf", "elsewhere.pdf", "unknown.pdf")


def test_a_crawls_frontier_holds_no_file_of_the_archive_in_memory(files):
    frontier = load_frontier(files.conn, ["bacninh"], None)
    assert frontier.document_validators == {} and frontier.document_skipped == set()
    assert frontier.pending_documents == {}
    assert frontier.document_headers(url("done.pdf")) == {"If-None-Match": '"d1"'}
    assert frontier.document_headers(url("half-read.pdf")) == {}  # pending: its text is read again, no 304
    assert frontier.document_headers(url("never.pdf")) == {}
    assert frontier.document_headers(url("photo.jpg")) == {
        "If-None-Match": '"p1"', "If-Modified-Since": "Tue, 02 Dec 2025 00:00:00 GMT"}
    assert frontier.document_headers(url("both.jpg")) == {"If-None-Match": '"as-image"'}  # the image's capture first
    assert frontier.document_headers(url("modified.pdf")) == {"If-Modified-Since": "Mon, 01 Dec 2025 00:00:00 GMT"}
    assert [frontier.is_document_skipped(url(name)) for name in ("too-big.pdf", "gone.pdf", "done.pdf")] == [
        True, False, False]
    assert list(frontier.pending_documents_of("bacninh")) == [
        (f"https://{HOST}/tin/1", url("busy.pdf"), "attachment"),
        (f"https://{HOST}/tin/1", url("half-read.pdf"), "attachment"),
        (f"https://{HOST}/tin/1", url("never.pdf"), "attachment"),
        (f"https://{HOST}/tin/2", url("new-photo.jpg"), "image")]
    assert list(frontier.pending_documents_of("hagiang")) == []  # not a portal of this frontier


@pytest.mark.parametrize("portals", [["bacninh"], ["hagiang"], ["bacninh", "hagiang"]])
def test_the_answers_are_those_the_whole_read_gave(files, portals):
    validators, pending, skipped = whole_read(files.conn, portals)
    frontier = load_frontier(files.conn, portals, None)
    for name in NAMES:
        assert frontier.document_headers(url(name)) == validators.get(url(name), {}), name
        assert frontier.is_document_skipped(url(name)) == (url(name) in skipped), name
    assert {portal: list(frontier.pending_documents_of(portal)) for portal in portals} == {
        portal: pending.get(portal, []) for portal in portals}


def test_a_file_linked_again_while_pending_gets_no_conditional_headers(files):
    """A capture whose text was read, linked by an article of another portal whose file is pending
    there: only the run's portals count, as in the whole read."""
    document(files, "elsewhere.pdf", {"ETag": '"e1"'}, status="interrupted")
    assert load_frontier(files.conn, ["bacninh"], None).document_headers(url("elsewhere.pdf")) == {"If-None-Match": '"e1"'}
    assert load_frontier(files.conn, ["hagiang"], None).document_headers(url("elsewhere.pdf")) == {}


def test_what_the_run_stores_does_not_change_what_it_was_told(files):
    frontier = load_frontier(files.conn, ["bacninh"], None)
    fail(files, "never.pdf", FailureKind.DOCUMENT_SKIPPED, None)
    image(files, "new-photo.jpg", {"ETag": '"n1"'})
    assert not frontier.is_document_skipped(url("never.pdf"))
    assert frontier.document_headers(url("new-photo.jpg")) == {}
    assert (f"https://{HOST}/tin/2", url("new-photo.jpg"), "image") in list(frontier.pending_documents_of("bacninh"))
    later = load_frontier(files.conn, ["bacninh"], None)
    assert later.is_document_skipped(url("never.pdf")) and later.document_headers(url("new-photo.jpg")) == {
        "If-None-Match": '"n1"'}


def test_a_portals_pending_links_are_read_in_batches(archive, monkeypatch):
    for n in range(1, 8):
        article(archive, n, [(f"f{n}.pdf", "attachment"), (f"g{n}.jpg", "image")])
    archive.conn.execute("UPDATE articles SET published = NULL WHERE url LIKE '%/tin/6'")  # no date: first
    archive.conn.execute("UPDATE articles SET published = '2024-01-01' WHERE url LIKE '%/tin/7'")
    monkeypatch.setattr(frontier_files, "BATCH_ARTICLES", 2)  # 6; 7, 1; 2, 3; 4, 5 (the same date: by rowid)
    # (within a batch, by article URL)
    frontier = load_frontier(archive.conn, ["bacninh"], None)
    archive.upsert_article({"url": f"https://{HOST}/tin/0", "portal": "bacninh", "province": "Bắc Ninh",
                            "title": "Bài 0", "text": "Bài số 0.", "published": None}, layout="x", extractor="x/1",
                           page_id=None)  # this run's own: not in the batches
    DocumentStore(archive).record_links(f"https://{HOST}/tin/0", [{"url": url("f0.pdf"), "kind": "attachment"}])
    links = list(frontier.pending_documents_of("bacninh"))
    assert links == [(f"https://{HOST}/tin/{n}", url(name), kind) for n in (6, 1, 7, 2, 3, 4, 5)
                     for name, kind in ((f"f{n}.pdf", "attachment"), (f"g{n}.jpg", "image"))]


def test_a_frontier_made_in_memory_answers_before_the_archive(files):
    frontier = load_frontier(files.conn, ["bacninh"], None)
    frontier.document_validators[url("done.pdf")] = {"If-None-Match": '"mine"'}
    frontier.document_skipped.add(url("done.pdf"))
    frontier.pending_documents["bacninh"] = [("https://a/1", "https://a/x.pdf", "attachment")]
    assert frontier.document_headers(url("done.pdf")) == {"If-None-Match": '"mine"'}
    assert frontier.is_document_skipped(url("done.pdf"))
    assert list(frontier.pending_documents_of("bacninh"))[:2] == [
        ("https://a/1", "https://a/x.pdf", "attachment"), (f"https://{HOST}/tin/1", url("busy.pdf"), "attachment")]


def plan(conn: sqlite3.Connection, sql: str, params: dict) -> str:
    return "\n".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def test_every_file_lookup_uses_an_index(files):
    conn = files.conn
    bounds = vars(Snapshot.of(conn)) | {"newest": 10, "url": url("x"), "p0": "bacninh", "portal": "bacninh",
                                        "after": 0, "published": "", "batch": 5, "urls": '["https://x/1"]'}
    pending = plan(conn, PENDING_LINKS_OF.format(marks=":p0"), bounds)
    assert pending.startswith("SEARCH l USING INDEX idx_document_links_url (url=?)")
    assert "SEARCH a USING INDEX sqlite_autoindex_articles_1 (url=?)" in pending
    batches = [plan(conn, UNDATED_ARTICLES, bounds), plan(conn, DATED_ARTICLES, bounds)]  # a range each: keyset
    assert batches == ["SEARCH articles USING INDEX idx_articles_portal_published (portal=? AND published=? AND rowid>?)",
                       "SEARCH articles USING INDEX idx_articles_portal_published (portal=? AND published>?)"]
    portal = plan(conn, PENDING_OF_ARTICLES, bounds)
    assert portal.startswith("SEARCH l USING INDEX sqlite_autoindex_document_links_1 (article_url=?)")
    for unsettled in (pending, portal):
        assert "SEARCH p USING COVERING INDEX idx_pages_url_sha256 (url=?)" in unsettled
        assert "SEARCH c USING COVERING INDEX idx_document_captures_url_sha256 (url=?)" in unsettled
        assert "SEARCH d USING INDEX sqlite_autoindex_documents_1 (sha256=?)" in unsettled
        assert unsettled.count("SEARCH f USING INDEX idx_failures_url_kind (url=? AND kind=?)") == 2
        assert "SEARCH i USING COVERING INDEX idx_image_captures_url_sha256 (url=?)" in unsettled
    captures = [plan(conn, NEWEST_CAPTURE.format(table=table, bound=bound), bounds)
                for table, bound in (("document_captures", "captures"), ("image_captures", "images"))]
    assert "SEARCH document_captures USING INDEX idx_document_captures_url_sha256 (url=?)" in captures[0]
    assert "SEARCH image_captures USING INDEX idx_image_captures_url_sha256 (url=?)" in captures[1]
    skipped = plan(conn, SKIPPED, bounds)
    assert skipped == "SEARCH failures USING COVERING INDEX idx_failures_url_kind (url=? AND kind=?)"
    assert "SCAN json_each" in portal  # the batch's own list of article URLs
    assert "SCAN" not in pending + portal.replace("SCAN json_each", "") + "".join(batches + captures) + skipped


def test_an_older_archive_gets_the_failures_index(tmp_path):
    archive = Archive(tmp_path / "old.db")
    archive.conn.execute("DROP INDEX idx_failures_url_kind")  # as written before the frontier asked per URL
    archive.close()
    archive = Archive(tmp_path / "old.db")
    assert "idx_failures_url_kind" in {row[1] for row in archive.conn.execute("PRAGMA index_list(failures)")}
    archive.close()


def test_a_damaged_file_table_stops_the_crawl_before_its_first_request(files, tmp_path):
    """The file tables are asked per URL while the crawl runs: load_frontier probes each first."""
    assert {"document_links", "document_captures", "documents", "image_captures", "failures"} <= set(ASKED_PER_URL)
    root = files.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'image_captures'").fetchone()[0]
    page_size = files.conn.execute("PRAGMA page_size").fetchone()[0]
    files.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path / "files.db"
    with open(path, "r+b") as db:  # the table's b-tree page overwritten
        db.seek((root - 1) * page_size)
        db.write(b"\xff" * page_size)
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="malformed"):
        load_frontier(conn, ["bacninh"], None)
    conn.close()


def test_the_lookup_answers_only_its_portals(files):
    lookup = ArchivedFiles(files.conn, ["hagiang"], 10)
    assert list(lookup.pending_documents("bacninh")) == []
    assert list(lookup.pending_documents("hagiang")) == [
        ("https://soyte.hagiang.gov.vn/tin/4", url("elsewhere.pdf"), "attachment")]
