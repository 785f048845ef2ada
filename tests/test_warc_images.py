"""Documents and images through WARC and back (issue 33): the bundled portals crawled with their
attachments and pictures, exported as WARC and WACZ, read back with warcio, validated with py-wacz,
imported into an empty archive, and replayed by a real pywb."""
from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warc import warc_date
from tests.browsing import crawl_demo_portals
from tests.helpers import query, soyte
from tests.test_warc import fetch_when_up, free_port

pytestmark = pytest.mark.e2e  # a crawled archive, `soyte` in a subprocess, pywb

ARTICLE = ("https://soyte.hatinh.gov.vn/tin-tuc-su-kien/tang-cuong-giam-sat-benh-tay-chan-mieng-trong-truong-mam-non"
           "-1635233700.html")
IMAGE = "https://soyte.hatinh.gov.vn/uploads/soyte/2021_10/ve-sinh-lop-hoc-mam-non.jpg"
PDF = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/danh-sach-co-so-kham-sk-lai-xe.pdf"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    return crawl_demo_portals(tmp_path_factory.mktemp("warc-files") / "archive.db")


@pytest.fixture(scope="module")
def exported(crawled, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("warc-files-out") / "archive.warc.gz"
    result = soyte("export", "--format", "warc", "-o", str(out), "--db", str(crawled))
    files = query(crawled, "SELECT (SELECT count(*) FROM pages) p, (SELECT count(*) FROM document_captures) d, "
                           "(SELECT count(*) FROM image_captures) i")[0]
    assert result.stderr.splitlines()[-1] == (f"exported {files['p']} pages, {files['d']} documents and {files['i']} "
                                              f"images from {crawled} as WARC")
    return out


def file_records(path: Path) -> dict[tuple[str, str], tuple[str, str, dict, bytes]]:
    """(URL, kind) → (WARC-Date, status, HTTP headers, body) of each document and image response record."""
    found = {}
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            kind = record.rec_headers.get_header("Soyte-Page-Kind")
            if record.rec_type == "response" and kind in ("document", "image"):
                found[(record.rec_headers.get_header("WARC-Target-URI"), kind)] = (
                    record.rec_headers.get_header("WARC-Date"), record.http_headers.get_statuscode(),
                    dict(record.http_headers.headers), record.content_stream().read())
    return found


def stored_files(db: Path) -> dict[tuple[str, str], dict]:
    rows = {}
    for kind, table in (("document", "document_captures"), ("image", "image_captures")):
        for row in query(db, f"SELECT c.*, b.body FROM {table} c JOIN document_bodies b ON b.sha256 = c.sha256"):
            rows[(row["url"], kind)] = {**row, "body": zlib.decompress(row["body"])}
    return rows


def test_every_document_and_image_capture_is_a_response_record_with_its_bytes_time_and_headers(crawled, exported):
    records, stored = file_records(exported), stored_files(crawled)
    assert len([key for key in stored if key[1] == "document"]) == 14
    assert len([key for key in stored if key[1] == "image"]) == 23
    assert set(records) == set(stored)
    for key, row in stored.items():
        date, status, headers, body = records[key]
        assert (date, status, body) == (warc_date(row["fetched_at"]), "200", row["body"])
        assert headers["Content-Length"] == str(len(row["body"]))
        if key[1] == "image":  # served as it was: every header the portal sent, the length of the stored body
            served = json.loads(row["headers"])
            assert {k: v for k, v in headers.items() if k != "Content-Length"} == {
                k: v for k, v in served.items() if k.lower() != "content-length"}
        else:
            assert headers["Content-Type"] == row["content_type"]


def test_the_wacz_holds_the_files_and_validates_with_py_wacz(crawled, tmp_path):
    import zipfile

    from wacz.main import main as wacz_main

    out = tmp_path / "soyte.wacz"
    soyte("export", "--format", "wacz", "-o", str(out), "--db", str(crawled))
    assert wacz_main(["validate", "-f", str(out)]) == 0
    with zipfile.ZipFile(out) as package:
        package.extract("archive/soyte.warc.gz", tmp_path)
    assert set(file_records(tmp_path / "archive" / "soyte.warc.gz")) == set(stored_files(crawled))


def test_import_into_an_empty_archive_gives_the_same_articles_documents_and_images(crawled, exported, tmp_path):
    db = tmp_path / "imported.db"
    result = soyte("import-warc", str(exported), "--db", str(db))
    counts = json.loads(result.stdout)
    assert (counts["documents_new"], counts["images_new"], counts["files_unlinked"], counts["files_unreadable"]) == (
        14, 22, 0, 0)  # 14 attachments; 23 image URLs hold 22 pictures (Hà Tĩnh's hall twice)
    assert counts["files_known"] == 1
    soyte("reextract", "--db", str(db))
    same = {
        "articles": "SELECT url, title, published, text, images, attachments FROM articles ORDER BY url",
        "documents": "SELECT sha256, url, type, size, text, text_status, title FROM documents ORDER BY sha256",
        "document captures": "SELECT url, sha256, status, content_type, fetched_at FROM document_captures ORDER BY url",
        "images": "SELECT sha256, type, width, height, size FROM images ORDER BY sha256",
        "image captures": "SELECT url, sha256, status, content_type, fetched_at FROM image_captures ORDER BY url",
        "links": "SELECT article_url, url, title, kind FROM document_links ORDER BY article_url, url",
    }
    for what, sql in same.items():
        assert query(db, sql) == query(crawled, sql), what
    headers = "SELECT url, headers FROM image_captures ORDER BY url"  # the same headers (the WARC put Content-Length last)
    assert [json.loads(row["headers"]) for row in query(db, headers)] == [
        json.loads(row["headers"]) for row in query(crawled, headers)]
    again = json.loads(soyte("import-warc", str(exported), "--db", str(db)).stdout)
    assert (again["documents_new"], again["images_new"], again["files_known"]) == (0, 0, 37)


def test_a_file_no_article_links_is_counted_and_skipped(crawled, exported, tmp_path):
    db = tmp_path / "hatinh-only.db"
    result = soyte("import-warc", str(exported), "--portal", "bacninh", "--db", str(db))
    counts = json.loads(result.stdout)
    assert (counts["documents_new"], counts["images_new"]) == (1, 3)  # Bắc Ninh's letter and pictures
    lines = [line for line in result.stderr.splitlines() if "no archived article links it" in line]
    assert lines == []  # the other portals' files are other portals' (other_host), not unlinked
    # Bắc Ninh's files without its articles: every one counted and skipped, one line each.
    bare = tmp_path / "files-only.warc.gz"
    from warcio.warcwriter import WARCWriter

    with exported.open("rb") as source, bare.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for record in ArchiveIterator(source):
            if record.rec_headers.get_header("Soyte-Page-Kind") in ("document", "image") and \
                    record.rec_headers.get_header("WARC-Target-URI").startswith("https://soyte.bacninh.gov.vn/"):
                writer.write_record(record)
    result = soyte("import-warc", str(bare), "--db", str(tmp_path / "empty.db"))
    counts = json.loads(result.stdout)
    assert (counts["files_unlinked"], counts["documents_new"], counts["images_new"]) == (4, 0, 0)
    assert sum("no archived article links it: skipped" in line for line in result.stderr.splitlines()) == 4
    assert query(tmp_path / "empty.db", "SELECT (SELECT count(*) FROM documents) + (SELECT count(*) FROM images) n") == [
        {"n": 0}]


def test_pywb_replays_the_articles_image_byte_for_byte_and_serves_its_pdf(crawled, exported, tmp_path):
    pytest.importorskip("pywb")
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "wb-manager"), "init", "soyte"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([str(bin_dir / "wb-manager"), "add", "soyte", str(exported)], cwd=tmp_path, check=True,
                   capture_output=True)
    port = free_port()
    server = subprocess.Popen([str(bin_dir / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored = stored_files(crawled)

    def replayed(url: str, kind: str) -> bytes:
        timestamp = warc_date(stored[(url, kind)]["fetched_at"]).replace("-", "").replace(":", "").replace("T", "")[:14]
        return fetch_when_up(f"http://127.0.0.1:{port}/soyte/{timestamp}id_/{url}")

    try:
        image, pdf = replayed(IMAGE, "image"), replayed(PDF, "document")
        page_time = query(crawled, "SELECT p.fetched_at FROM articles a JOIN pages p ON p.id = a.page_id "
                                   "WHERE a.url = ?", (ARTICLE,))[0]["fetched_at"]
        stamp = warc_date(page_time).replace("-", "").replace(":", "").replace("T", "")[:14]
        article = fetch_when_up(f"http://127.0.0.1:{port}/soyte/{stamp}id_/{ARTICLE}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert image == stored[(IMAGE, "image")]["body"] and image[:3] == b"\xff\xd8\xff"
    assert pdf == stored[(PDF, "document")]["body"] and pdf.startswith(b"%PDF")
    assert IMAGE.encode() in article or b"ve-sinh-lop-hoc-mam-non.jpg" in article  # the page shows that image


