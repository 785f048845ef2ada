"""Attached documents: fetched by the real crawl from the replay server, stored once per content,
versioned per URL, asked conditionally, read into the accent-insensitive search, browsed and exported.

The files are real PDF, DOCX and XLSX documents made at test time (tests/document_files.py) and
served at the URLs the first four bundled portals' articles link, in place of the files the demo
portals serve there themselves (scraper/portals/demo_documents.py); the other portals serve their own."""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import zlib
from pathlib import Path

import pytest
from datasette.utils import tilde_encode

from archive.datasette import make_datasette
from scraper.extraction.document_text import extract_text
from scraper.portals.replay import ReplayServer
from tests import document_files as files
from tests.helpers import demo_articles, demo_portal_keys, portal_site, query, soyte
from tests.test_storage_faults import integrity, small_disk  # noqa: F401 (a fixture)
from tests.document_files import (ANGIANG_PDF, BACNINH_ARTICLE, BACNINH_PDF, HAGIANG_PDF, HATINH_ARTICLE, HATINH_DOCX,
                                  HATINH_PDF, HATINH_XLSX)

pytestmark = pytest.mark.e2e  # crawls of the replay server

ATTACHMENTS = {BACNINH_PDF, HAGIANG_PDF, ANGIANG_PDF, HATINH_PDF, HATINH_DOCX, HATINH_XLSX}
# Files the demo portals serve themselves (scraper/portals/demo_documents.py) that the tests below find.
THANHHOA_PLAN = "https://soyte.thanhhoa.gov.vn/LinkClick.aspx?fileticket=bCqLVwkaMJw%3d&tabid=75&portalid=0&mid=1841"
THANHHOA_DECISION = ("https://soyte.thanhhoa.gov.vn/LinkClick.aspx?fileticket=n9KASeSjhXQ%3d&tabid=75&portalid=0"
                     "&mid=1841")
QUANGNINH_PLAN = "https://soyte.quangninh.gov.vn/wp-content/uploads/2024/02/KH-phong-chong-dich-2024.pdf"


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def path_of(url: str) -> str:
    return url.split("/", 3)[3].join(["/", ""])


def met_files(served: dict[str, bytes]) -> dict[str, bytes]:
    """What a crawl met at each attachment URL: the test's file, else the demo portal's own."""
    own = {page.url: page.body() for key in demo_portal_keys() for page in portal_site(key).pages(("document",))}
    return {**own, **served}


def linking(url: str) -> list[str]:
    """The bundled articles that attach `url`, per their expected records."""
    return [record["url"] for record in demo_articles() if url in {a["url"] for a in record["attachments"]}]


def crawl(db: Path, server: ReplayServer, *portals: str, check: bool = True, extra: tuple[str, ...] = ()):
    return soyte("crawl", *portals, "--db", str(db), "--replay", server.url, *extra, check=check)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Every active bundled portal crawled, with real files at the attachment URLs of the first four."""
    db = tmp_path_factory.mktemp("documents") / "archive.db"
    with ReplayServer() as server:
        served = files.serve_attachments(server)
        result = crawl(db, server, *demo_portal_keys())
        requests = {url: server.count(lambda host, path, status, url=url: path == path_of(url)) for url in served}
    return db, served, result, requests


# storage

def test_every_attachment_is_fetched_once_and_each_content_stored_once(crawled):
    db, served, result, requests = crawled
    assert json.loads(result.stdout)["status"] == "completed"
    assert requests == {url: 1 for url in ATTACHMENTS}
    met = met_files(served)
    stored = {row["sha256"]: row for row in query(db, "SELECT * FROM documents")}
    assert set(stored) == {sha(body) for body in met.values()}
    # 6 URLs served here, 9 by Thanh Hóa, Nghệ An, Quảng Ninh and Cần Thơ; Hà Giang and An Giang share one file
    assert (len(met), len(stored)) == (15, 14)
    bodies = {row["sha256"]: zlib.decompress(row["body"]) for row in query(
        db, "SELECT b.* FROM document_bodies b JOIN documents d ON d.sha256 = b.sha256")}  # images' beside them
    assert bodies == {sha(body): body for body in met.values()}
    captures = query(db, "SELECT url, sha256, version, status FROM document_captures ORDER BY url")
    assert captures == sorted(({"url": url, "sha256": sha(body), "version": 1, "status": 200}
                               for url, body in met.items()), key=lambda row: row["url"])


def test_the_shared_file_is_one_document_linked_from_both_articles(crawled):
    db, served, _result, _requests = crawled
    rows = query(db, "SELECT url, portal, type, size, title FROM documents WHERE sha256 = ?", (sha(served[HAGIANG_PDF]),))
    assert len(rows) == 1
    # Listed under whichever URL was fetched first, with that link's title.
    assert (rows[0]["url"], rows[0]["portal"], rows[0]["title"]) in (
        (HAGIANG_PDF, "hagiang", "Lịch trực Tết Canh Tý 2020"), (ANGIANG_PDF, "angiang", "Hướng dẫn phòng chống sốt xuất huyết"))
    assert (rows[0]["type"], rows[0]["size"]) == ("pdf", len(served[HAGIANG_PDF]))
    links = query(db, "SELECT l.article_url FROM document_links l JOIN document_captures c ON c.url = l.url "
                      "WHERE c.sha256 = ? ORDER BY l.article_url", (sha(served[HAGIANG_PDF]),))
    assert [row["article_url"].split("/")[2] for row in links] == ["soyte.angiang.gov.vn", "soyte.hagiang.gov.vn"]


def test_documents_are_not_kept_as_pages_and_the_articles_are_stored(crawled):
    db, served, *_ = crawled
    met = met_files(served)
    assert query(db, "SELECT count(*) AS n FROM pages WHERE url IN (%s)" % ",".join("?" * len(met)),
                 tuple(met)) == [{"n": 0}]
    assert query(db, "SELECT count(*) AS n FROM articles") == [{"n": len(demo_articles())}]
    # Every attachment URL served a file, the test's or the portal's own: no failure.
    assert {a["url"] for record in demo_articles() for a in record["attachments"]} < set(met)  # and Hà Tĩnh's article is made to link one more
    assert query(db, "SELECT url, status FROM failures") == []


def test_each_document_records_its_type_text_and_the_link_title(crawled):
    db, *_ = crawled
    rows = {row["url"]: row for row in query(db, "SELECT * FROM documents")}
    bacninh = rows[BACNINH_PDF]
    assert (bacninh["type"], bacninh["content_type"], bacninh["pages"], bacninh["text_status"]) == (
        "pdf", "application/pdf", 2, "ok")
    assert bacninh["text"] == "\n\n".join(files.BACNINH_PDF_PAGES)
    assert bacninh["title"] == "Công văn số 2310/SYT-BHXH"
    assert bacninh["published"] == query(db, "SELECT published FROM articles WHERE url = ?", (BACNINH_ARTICLE,))[0]["published"]
    assert (rows[HATINH_DOCX]["type"], rows[HATINH_DOCX]["text"]) == ("docx", "\n".join(files.DOCX_PARAGRAPHS))
    assert rows[HATINH_XLSX]["type"] == "xlsx"
    assert rows[HATINH_XLSX]["text"] == ("Danh sách\nSTT\tCơ sở khám\tHuyện\n1\tBệnh viện Đa khoa tỉnh Hà Tĩnh\tTP Hà Tĩnh\n"
                                         "2\tTrung tâm Y tế huyện Kỳ Anh\tKỳ Anh")
    assert rows[HATINH_XLSX]["title"] == "Bảng tổng hợp cơ sở"


# search

def test_search_for_words_only_inside_an_attachment_finds_it_and_names_the_article(crawled):
    db, served, *_ = crawled
    lines = [json.loads(line) for line in soyte("search", "cong van 2310 soi rubella", "--db", str(db)).stdout.splitlines()]
    assert [line.pop("snippet").count("«") >= 4 for line in lines] == [True]  # where it matched (test_reading.py)
    assert lines == [{"found_in": "document", "url": BACNINH_PDF, "title": "Công văn số 2310/SYT-BHXH", "type": "pdf",
                      "sha256": sha(served[BACNINH_PDF]), "portal": "bacninh", "published": "2019-12-02T08:15:00+07:00",
                      "articles": [{"url": BACNINH_ARTICLE,
                                    "title": "Hướng dẫn đăng ký khám chữa bệnh bảo hiểm y tế ban đầu năm 2020"}]}]


def test_search_of_the_issue_example_lists_the_plan_after_the_articles(crawled):
    db, *_ = crawled
    lines = [json.loads(line) for line in soyte("search", "ke hoach tiem chung", "--db", str(db)).stdout.splitlines()]
    documents = [line for line in lines if line.get("found_in") == "document"]
    # Bắc Ninh's letter (made here), Thanh Hóa's decision and plan, Quảng Ninh's plan (the portals' own)
    assert sorted((d["url"], [a["url"] for a in d["articles"]]) for d in documents) == sorted(
        [(BACNINH_PDF, [BACNINH_ARTICLE])] + [(url, linking(url)) for url in (THANHHOA_PLAN, THANHHOA_DECISION,
                                                                               QUANGNINH_PLAN)])
    assert len(linking(THANHHOA_PLAN)) == len(linking(QUANGNINH_PLAN)) == 1
    assert lines[-len(documents):] == documents  # after the articles


# export

def test_export_documents_writes_each_file_its_text_and_a_manifest(crawled, tmp_path):
    db, served, *_ = crawled
    out = tmp_path / "docs"
    result = soyte("export", "--documents", str(out), "--db", str(db))
    assert "exported 14 documents" in result.stderr
    manifest = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(manifest) == 14
    met = met_files(served)
    for entry in manifest:
        assert sha((out / entry["file"]).read_bytes()) == entry["sha256"]
        assert set(entry["urls"]) == {url for url, body in met.items() if sha(body) == entry["sha256"]}
        if entry["text_status"] == "no-text-layer":  # Cần Thơ's scanned decision: the file, no text file
            assert (entry["text_file"], entry["text_length"], entry["type"]) == (None, 0, "pdf")
            continue
        assert entry["text_length"] == len((out / entry["text_file"]).read_text(encoding="utf-8").rstrip("\n"))
    assert [entry["text_status"] for entry in manifest].count("no-text-layer") == 1
    bacninh = next(entry for entry in manifest if entry["url"] == BACNINH_PDF)
    assert (bacninh["file"], bacninh["article_urls"], bacninh["title"]) == (
        f"{sha(served[BACNINH_PDF])}.pdf", [BACNINH_ARTICLE], "Công văn số 2310/SYT-BHXH")
    assert bacninh["text_length"] == len("\n\n".join(files.BACNINH_PDF_PAGES))


# Datasette (Datasette's own client; tests/test_browser_documents.py renders them in Chromium)

def datasette_get(db: Path, path: str):
    async def get():
        return await make_datasette(db).client.get(path)
    return asyncio.run(get())


def test_the_documents_table_has_portal_type_and_year_facets(crawled):
    db, *_ = crawled
    data = datasette_get(db, "/archive/documents.json?_facet_size=10").json()
    facets = {name: {v["value"]: v["count"] for v in facet["results"]} for name, facet in data["facet_results"].items()}
    # Made here: 3 PDFs, a DOCX, an XLSX; the portals' own: 6 PDFs, a DOCX, an XLSX, Nghệ An's ".doc" (an RTF)
    assert facets["type"] == {"pdf": 9, "docx": 2, "xlsx": 2, "rtf": 1}
    shared = "hagiang" if "hagiang" in facets["portal"] else "angiang"  # whichever portal fetched it first
    assert facets["portal"] == {"hatinh": 3, "bacninh": 1, shared: 1, "thanhhoa": 3, "nghean": 2, "quangninh": 2,
                                "cantho": 2}
    # The year is that of the article linking the URL it was first fetched at (An Giang's is of 2018).
    assert facets["published"] == {"2024": 9, "2023": 3, "2019": 1, "2020" if shared == "hagiang" else "2018": 1}


def test_the_documents_search_box_is_accent_insensitive(crawled):
    db, *_ = crawled
    rows = datasette_get(db, "/archive/documents.json?_search=tiem+chung+rubella&_shape=array").json()
    assert sorted(row["url"] for row in rows) == sorted([BACNINH_PDF, THANHHOA_PLAN])  # "tiêm chủng", "rubella"


def test_the_download_is_the_stored_bytes_with_their_content_type(crawled):
    db, served, *_ = crawled
    response = datasette_get(db, f"/archive/documents/{sha(served[HATINH_DOCX])}/download")
    assert response.status_code == 200
    assert response.content == served[HATINH_DOCX]
    assert response.headers["content-type"] == files.DOCX_MEDIA
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"mau-giay-kham-sk-lai-xe.docx\"; filename*=UTF-8''mau-giay-kham-sk-lai-xe.docx")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert datasette_get(db, f"/archive/documents/{'0' * 64}/download").status_code == 404


def test_the_article_page_links_its_archived_copies(crawled):
    db, served, *_ = crawled
    html = datasette_get(db, f"/archive/articles/{tilde_encode(HATINH_ARTICLE)}").text
    for url in (HATINH_PDF, HATINH_DOCX, HATINH_XLSX):
        assert f'<a class="soyte-stored-copy" href="/archive/documents/{sha(served[url])}">archived copy</a>' in html


# versions and conditional requests

def test_a_changed_attachment_is_a_new_version_and_an_unchanged_one_costs_a_304(tmp_path):
    db = tmp_path / "archive.db"
    with ReplayServer(portals=("hatinh",)) as server:
        served = files.serve_attachments(server)
        crawl(db, server, "hatinh")
        changed = files.pdf(["QUYẾT ĐỊNH số 842/QĐ-SYT (sửa đổi)\nBổ sung Bệnh viện Đa khoa Hương Sơn"])
        server.set_page(HATINH_PDF, changed, files.PDF_MEDIA)
        # The article itself changed (a counter in its markup), so it is parsed again and its
        # attachments asked for again: conditionally, since the archive holds them.
        server.set_page(HATINH_ARTICLE, files.hatinh_article_linking([(HATINH_XLSX, "Bảng tổng hợp cơ sở")]) + b"\n")
        server.requests.clear()
        crawl(db, server, "hatinh", extra=("--revisit-after", "0"))
        statuses = {url: [s for h, p, s in server.requests if p == path_of(url)]
                    for url in (HATINH_PDF, HATINH_DOCX, HATINH_XLSX)}
    assert statuses == {HATINH_PDF: [200], HATINH_DOCX: [304], HATINH_XLSX: [304]}
    assert query(db, "SELECT version, sha256 FROM document_captures WHERE url = ? ORDER BY version", (HATINH_PDF,)) == [
        {"version": 1, "sha256": sha(served[HATINH_PDF])}, {"version": 2, "sha256": sha(changed)}]
    assert query(db, "SELECT count(*) AS n FROM document_captures WHERE url = ?", (HATINH_DOCX,)) == [{"n": 1}]
    docx = query(db, "SELECT fetched_at, last_fetched_at FROM document_captures WHERE url = ?", (HATINH_DOCX,))[0]
    assert docx["last_fetched_at"] >= docx["fetched_at"]
    assert query(db, "SELECT count(*) AS n FROM document_bodies b JOIN documents d ON d.sha256 = b.sha256") == [
        {"n": 4}]  # 3 files, one of them twice (the articles' images are in document_bodies too: archive/images.py)
    assert query(db, "SELECT text FROM documents WHERE sha256 = ?", (sha(changed),)) == [
        {"text": "QUYẾT ĐỊNH số 842/QĐ-SYT (sửa đổi)\nBổ sung Bệnh viện Đa khoa Hương Sơn"}]


# bad files

BAD = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/"
OFFSITE = "https://vanban.chinhphu.vn/uploads/nghi-dinh-96-2023.pdf"  # another site's file: linked, not fetched


def bad_files() -> dict[str, tuple[bytes, str | None]]:
    good = files.pdf(["Công văn khẩn"])
    return {
        BAD + "cong-van-mat.pdf": (files.pdf(["Tài liệu mật"], encrypt_with="matkhau"), files.PDF_MEDIA),
        BAD + "quyet-dinh-hong.pdf": (good[:200] + b"\x00garbage\x00" * 50 + b"\n%%EOF\n", files.PDF_MEDIA),
        BAD + "ke-hoach-cut.pdf": (good[: len(good) // 2], files.PDF_MEDIA),
        BAD + "to-trinh.doc": (files.html_page("Không tìm thấy tệp"), "application/msword"),
        BAD + "bang-ke-bom.docx": (files.zip_bomb(), files.DOCX_MEDIA),
        BAD + "bang-ke.xlsx": (files.xlsx("Bảng kê", [["Xã", "Số ca"], ["Kỳ Anh", 12]]), "application/pdf"),
        BAD + "ho-so-lon.pdf": (b"%PDF-1.4\n" + b"0" * 1_100_000 + b"\n%%EOF\n", files.PDF_MEDIA),
        BAD + "quyet-dinh-scan.pdf": (files.scanned_pdf(), files.PDF_MEDIA),
    }


@pytest.fixture(scope="module")
def bad_crawl(tmp_path_factory):
    db = tmp_path_factory.mktemp("bad-documents") / "archive.db"
    served = bad_files()
    with ReplayServer(portals=("hatinh",)) as server:
        for url, (body, media) in served.items():
            server.set_page(url, body, media)
        server.set_page(OFFSITE, files.pdf(["Nghị định 96/2023/NĐ-CP"]), files.PDF_MEDIA)
        links = [(url, url.rsplit("/", 1)[1]) for url in served] + [(OFFSITE, "Nghị định 96/2023/NĐ-CP")]
        server.set_page(HATINH_ARTICLE, files.hatinh_article_linking(links))
        result = crawl(db, server, "hatinh", extra=("--set", "SOYTE_DOCUMENT_MAXSIZE=1048576"))
        hosts = {host for host, _path, _status in server.requests}
    return db, served, result, hosts


def test_each_bad_file_gives_one_line_and_the_crawl_completes(bad_crawl):
    db, served, result, _hosts = bad_crawl
    assert json.loads(result.stdout)["status"] == "completed"
    recorded = [row for row in query(db, "SELECT url, kind, reason FROM failures ORDER BY id") if row["url"] in served]
    lines = {row["url"][len(BAD):]: (row["kind"], row["reason"]) for row in recorded}
    assert len(recorded) == len(lines) == 7  # one line per bad file, none for the scan
    assert lines["cong-van-mat.pdf"] == ("document-text", "encrypted PDF: a password is needed to read its text")
    assert lines["quyet-dinh-hong.pdf"][0] == "document-text"
    assert lines["quyet-dinh-hong.pdf"][1].startswith("corrupt PDF: ")
    assert lines["ke-hoach-cut.pdf"][0] == "document-text"
    assert lines["ke-hoach-cut.pdf"][1].startswith("truncated PDF: it ends after ")
    assert lines["to-trinh.doc"] == ("document-text", "served as a Word (.doc) but it is an HTML page (an error page or "
                                     "a web page saved as a document): no text read; the bytes are kept")
    assert lines["bang-ke-bom.docx"][0] == "document-text"
    assert lines["bang-ke-bom.docx"][1].startswith("ZIP bomb guard: 1 members unpacking to 210 MB")
    assert lines["bang-ke.xlsx"] == ("warning", "the server said application/pdf but the file is Excel (.xlsx); "
                                     "read as what it is")
    assert lines["ho-so-lon.pdf"] == ("document-skipped", "over the size cap (1,048,576 bytes)")


def test_bad_files_are_stored_as_fetched_and_the_oversized_one_not_at_all(bad_crawl):
    db, served, _result, _hosts = bad_crawl
    rows = {row["url"][len(BAD):]: row for row in
            query(db, "SELECT c.url, d.sha256, d.type, d.text_status, d.text FROM document_captures c "
                      "JOIN documents d ON d.sha256 = c.sha256 WHERE c.url LIKE ?", (BAD + "%",))
            if row["url"] in served}  # the article's own two files are stored too (the portal serves them)
    assert {name: (row["type"], row["text_status"]) for name, row in rows.items()} == {
        "cong-van-mat.pdf": ("pdf", "failed"), "quyet-dinh-hong.pdf": ("pdf", "failed"),
        "ke-hoach-cut.pdf": ("pdf", "failed"), "to-trinh.doc": ("html", "failed"),
        "bang-ke-bom.docx": ("docx", "failed"), "bang-ke.xlsx": ("xlsx", "ok"),
        "quyet-dinh-scan.pdf": ("pdf", "no-text-layer")}
    for name, row in rows.items():
        assert row["sha256"] == sha(served[BAD + name][0])
    assert rows["bang-ke.xlsx"]["text"] == "Bảng kê\nXã\tSố ca\nKỳ Anh\t12"
    assert query(db, "SELECT text_note FROM documents WHERE sha256 = ?", (rows["quyet-dinh-scan.pdf"]["sha256"],)) == [
        {"text_note": "no text layer in its 2 pages (scanned images?); the file is kept"}]
    assert query(db, "SELECT count(*) AS n FROM document_captures WHERE url = ?", (BAD + "ho-so-lon.pdf",)) == [{"n": 0}]


def test_the_article_linking_bad_files_is_still_stored(bad_crawl):
    db, served, _result, _hosts = bad_crawl
    article = query(db, "SELECT attachments FROM articles WHERE url = ?", (HATINH_ARTICLE,))
    assert [a["url"] for a in json.loads(article[0]["attachments"])] == [HATINH_PDF, HATINH_DOCX, *served, OFFSITE]
    assert query(db, "SELECT count(*) AS n FROM articles WHERE portal = 'hatinh'") == [{"n": 4}]


# images

def test_images_go_to_the_image_tables_and_never_into_documents(tmp_path):
    """The articles' images are archived by default (tests/test_images.py), in their own tables:
    `documents` keeps the attached files only, as it did before images were archived."""
    image_url = "https://soyte.hatinh.gov.vn/uploads/soyte/2022_03/hoi-nghi-chuyen-doi-so-2022.jpg"
    with ReplayServer(portals=("hatinh",)) as server:
        crawl(tmp_path / "with.db", server, "hatinh")
    assert query(tmp_path / "with.db", "SELECT url FROM documents ORDER BY url") == [
        {"url": HATINH_PDF}, {"url": HATINH_DOCX}]
    assert query(tmp_path / "with.db", "SELECT type FROM images i JOIN image_captures c ON c.sha256 = i.sha256 "
                                       "WHERE c.url = ?", (image_url,)) == [{"type": "jpeg"}]


# text extraction on its own

def test_an_rtf_and_a_zip_of_documents_are_read_too():
    import io
    import zipfile

    rtf = rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times;}} Ti\u234?m ch\u7911?ng\par}"
    assert extract_text(rtf, "https://x/kh.rtf", "application/rtf").text == "Tiêm chủng"
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("van-ban/ke-hoach.docx", files.docx(["Kế hoạch số 12/KH-SYT"]))
        archive.writestr("anh.png", b"\x89PNG\r\n\x1a\n")
    read = extract_text(bundle.getvalue(), "https://x/van-ban.zip", "application/zip")
    assert (read.kind, read.status, read.text) == ("zip", "ok", "van-ban/ke-hoach.docx\nKế hoạch số 12/KH-SYT")


def test_an_xls_and_an_odt_are_read_by_their_bytes_whatever_their_name():
    workbook = extract_text(files.xls("Cơ sở", [["Tên", "Số giường"], ["Bệnh viện Đa khoa", 500]]),
                            "https://x/download?id=7", "application/octet-stream")
    assert (workbook.kind, workbook.media_type, workbook.text) == (
        "xls", "application/vnd.ms-excel", "Cơ sở\nTên\tSố giường\nBệnh viện Đa khoa\t500")
    text = extract_text(files.odt(["Kế hoạch số 12/KH-SYT", "Phòng chống dịch"]), "https://x/kh.odt", None)
    assert (text.kind, text.text) == ("odt", "Kế hoạch số 12/KH-SYT\nPhòng chống dịch")


def test_attachments_on_other_hosts_are_linked_but_not_fetched(bad_crawl):
    db, _served, _result, hosts = bad_crawl
    assert hosts == {"soyte.hatinh.gov.vn"}
    assert query(db, "SELECT article_url FROM document_links WHERE url = ?", (OFFSITE,)) == [{"article_url": HATINH_ARTICLE}]
    assert query(db, "SELECT count(*) AS n FROM document_captures WHERE url = ?", (OFFSITE,)) == [{"n": 0}]
    assert query(db, "SELECT count(*) AS n FROM failures WHERE url = ?", (OFFSITE,)) == [{"n": 0}]


def test_a_document_that_does_not_fit_on_the_disk_stops_the_crawl_and_keeps_the_articles(small_disk):
    db = small_disk / "archive.db"
    too_big = b"%PDF-1.4\n" + os.urandom(5 * 1024 * 1024) + b"\n%%EOF\n"  # incompressible, over the 4 MB disk
    with ReplayServer(portals=("hatinh",)) as server:
        server.set_page(HATINH_PDF, too_big, files.PDF_MEDIA)
        result = crawl(db, server, "hatinh", check=False)
    assert result.returncode == 4
    assert [line for line in result.stderr.splitlines() if line.startswith("soyte crawl:")] == [
        f"soyte crawl: the archive {db} cannot be written (OperationalError: database or disk is full); the crawl "
        "stopped. What was stored before is intact: free space or fix permissions, then crawl again"]
    assert "Traceback" not in result.stderr
    assert integrity(db) == "ok"
    assert query(db, "SELECT count(*) AS n FROM document_captures WHERE url = ?", (HATINH_PDF,)) == [{"n": 0}]
    assert query(db, "SELECT count(*) AS n FROM articles WHERE url = ?", (HATINH_ARTICLE,)) == [{"n": 1}]


def test_a_redirected_attachment_is_kept_under_the_url_the_article_links(tmp_path):
    db = tmp_path / "archive.db"
    moved = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/moved/qd-842.pdf"
    body = files.pdf(["QUYẾT ĐỊNH số 842/QĐ-SYT"])
    with ReplayServer(portals=("hatinh",)) as server:
        server.set_page(HATINH_PDF, b"", status=302, headers={"Location": moved})
        server.set_page(moved, body, files.PDF_MEDIA)
        crawl(db, server, "hatinh")
    assert query(db, "SELECT url, sha256 FROM document_captures WHERE url IN (?, ?)", (HATINH_PDF, moved)) == [
        {"url": HATINH_PDF, "sha256": sha(body)}]
    assert query(db, "SELECT url, title FROM documents WHERE sha256 = ?", (sha(body),)) == [
        {"url": HATINH_PDF, "title": "Quyết định số 842/QĐ-SYT"}]


def test_a_link_without_a_file_name_is_kept_by_its_type_and_a_web_page_is_not(tmp_path):
    db = tmp_path / "archive.db"
    download = "https://soyte.hatinh.gov.vn/van-ban/tai-ve?id=842"
    page = "https://soyte.hatinh.gov.vn/van-ban/chi-tiet?id=842"
    body = files.pdf(["QUYẾT ĐỊNH số 842/QĐ-SYT"])
    with ReplayServer(portals=("hatinh",)) as server:
        server.set_page(download, body, files.PDF_MEDIA)
        server.set_page(page, files.html_page("Chi tiết văn bản 842"))
        server.set_page(HATINH_ARTICLE, files.hatinh_article_linking([(download, "Tải về"), (page, "Xem chi tiết")]))
        crawl(db, server, "hatinh")
    assert query(db, "SELECT url, type FROM documents WHERE url IN (?, ?)", (download, page)) == [
        {"url": download, "type": "pdf"}]
    assert query(db, "SELECT count(*) AS n FROM failures WHERE url = ?", (page,)) == [{"n": 0}]
