"""The demo portals' attached documents: real files the demo crawls with no error, rebuilt byte for byte
by scraper/portals/demo_documents.py; the `document` kind of site.json (served, saved by `save-page`, an
unknown kind refused); and a crawl's terminal: one line per portal for its failed attachments, the
`documents:` line and the run's summary once."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from scraper.portals.demo_documents import ATTACHMENTS
from scraper.extraction.document_text import extract_text
from scraper.crawl.logs import attachment_reason, attachments_line, failure_message
from scraper.portals.registry import DEMO_PORTALS
from scraper.portals.replay import ReplayServer
from scraper.portals.sites import KINDS, Site, SiteError
from tests.helpers import ROOT, demo_articles, query, soyte, unserved_attachment_urls
from tests.project_copy import copy_project, ok, run

pytestmark = pytest.mark.e2e  # `soyte demo` and crawls, the replay server, `soyte` in a subprocess

HATINH_PDF = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/danh-sach-co-so-kham-sk-lai-xe.pdf"
HATINH_DOCX = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/mau-giay-kham-sk-lai-xe.docx"
CANTHO_SCAN = "https://soyte.cantho.gov.vn/attachments/article/3523/QD-cong-nhan-xa-dat-BTCQG-2023.pdf"


def documents_of(*portals: str) -> list[str]:
    """The attachment URLs these demo portals serve files at."""
    return [page.url for portal in portals for page in Site(DEMO_PORTALS / portal).pages(("document",))]


# the demo

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    return db, soyte("demo", "--no-serve", "--db", str(db))


def test_every_attachment_the_demo_articles_link_is_served_by_its_portal():
    assert unserved_attachment_urls() == set()
    assert {a.url for a in ATTACHMENTS} == {a["url"] for record in demo_articles() for a in record["attachments"]}
    assert len(ATTACHMENTS) == 14


def test_the_demo_ends_with_no_error_and_stores_every_document(demo):
    db, result = demo
    assert query(db, "SELECT status, errors, warnings FROM crawl_runs") == [
        {"status": "completed", "errors": 0, "warnings": 0}]
    assert query(db, "SELECT count(*) AS n FROM failures") == [{"n": 0}]
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("crawl run ")] == [
        "crawl run 1 completed: 37 new, 0 updated, 0 unchanged articles; 0 errors; 100 requests"]  # 23 of them images
    rows = query(db, "SELECT url, type, text_status FROM documents")
    assert len(rows) == len(ATTACHMENTS) == 14
    assert {(row["type"], row["text_status"]) for row in rows} == {
        ("pdf", "ok"), ("pdf", "no-text-layer"), ("docx", "ok"), ("xlsx", "ok"), ("rtf", "ok")}
    assert [row["url"] for row in rows if row["text_status"] != "ok"] == [CANTHO_SCAN]


@pytest.mark.parametrize("url, kind, words", [
    ("https://soyte.bacninh.gov.vn/documents/20182/0/cong-van-2310-syt-bhxh.pdf/c85d1f31-85fa52ac?t=1575249300000",
     "pdf", ["Số: 2310/SYT-BHXH", "2. Trung tâm Y tế huyện Gia Bình: tối đa 30.000 thẻ"]),
    (HATINH_DOCX, "docx", ["GIẤY KHÁM SỨC KHỎE CỦA NGƯỜI LÁI XE", "Có bệnh mắt hoặc giảm thị lực"]),
    ("https://soyte.cantho.gov.vn/attachments/article/3523/Danh-sach-xa-phuong-dat-chuan-2023.xlsx", "xlsx",
     ["Danh sách\n", "STT\tXã, phường\tQuận, huyện\tĐiểm đạt", "3\tPhường Lê Bình\tQuận Cái Răng\t88"]),
    ("https://soyte.nghean.gov.vn/tin-tuc/Documents/2024/tai%20lieu%20hoi%20nghi%20luat%20kbcb%202023.doc", "rtf",
     ["Luật Khám bệnh, chữa bệnh số 15/2023/QH15"]),
    ("https://soyte.thanhhoa.gov.vn/LinkClick.aspx?fileticket=n9KASeSjhXQ%3d&tabid=75&portalid=0&mid=1841", "pdf",
     ["Số: 612/QĐ-SYT", "Kế hoạch tiêm chủng mở rộng năm 2024"]),
])
def test_the_demo_documents_text_says_what_their_link_says(demo, url, kind, words):
    db, _result = demo
    [row] = query(db, "SELECT type, text_status, text FROM documents WHERE url = ?", (url,))
    assert (row["type"], row["text_status"]) == (kind, "ok")
    assert all(word in row["text"] for word in words), row["text"]


def test_the_scanned_decision_is_kept_without_a_text_layer(demo):
    db, _result = demo
    assert query(db, "SELECT type, pages, text, text_status, text_note, title FROM documents WHERE url = ?",
                 (CANTHO_SCAN,)) == [{"type": "pdf", "pages": 1, "text": None, "text_status": "no-text-layer",
                                      "text_note": "no text layer in its 1 pages (scanned images?); the file is kept",
                                      "title": "Quyết định số 28/QĐ-UBND ngày 04/01/2024"}]


def test_the_demo_search_finds_words_only_a_document_holds(demo):
    db, _result = demo
    found = soyte("search", "thong tu lien tich lai xe", "--db", str(db)).stdout  # Hà Tĩnh's decision cites one
    lines = [json.loads(line) for line in found.splitlines()]
    assert [(line.get("found_in"), line["url"], line["type"]) for line in lines] == [("document", HATINH_PDF, "pdf")]
    assert lines[0]["title"] == "Quyết định số 842/QĐ-SYT"


# the generator

def test_the_generator_rebuilds_the_bundled_files_with_the_same_text_and_the_same_bytes_each_time(tmp_path):
    """The committed files are what the generator makes: the same files, types and text. Their bytes
    are compared between two runs here (the generator is deterministic), not with the commit, since a
    new fpdf2, python-docx, openpyxl or Pillow release may lay the same text out in other bytes."""
    copy = tmp_path / "demo_portals"
    shutil.copytree(DEMO_PORTALS, copy)
    for folder in sorted(copy.iterdir()):  # start from no document at all
        if (folder / "documents").is_dir():
            shutil.rmtree(folder / "documents")
            manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
            manifest["pages"] = [page for page in manifest["pages"] if page["kind"] != "document"]
            (folder / "site.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")
    again = tmp_path / "again"
    shutil.copytree(copy, again)
    for root in (copy, again):
        result = subprocess.run([sys.executable, "-m", "scraper.portals.demo_documents", str(root)], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert (result.returncode, result.stderr) == (
        0, f"wrote 37 documents and images and their site.json entries under {root}\n")  # 14 files, 23 pictures
    files = sorted(path.relative_to(DEMO_PORTALS) for path in DEMO_PORTALS.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(copy) for path in copy.rglob("*") if path.is_file())
    assert [(copy / name).read_bytes() == (again / name).read_bytes() for name in files] == [True] * len(files)
    documents = [name for name in files if name.parts[1:2] == ("documents",)]
    assert len(documents) == 14
    for name in documents:
        made, committed = (extract_text((root / name).read_bytes(), name.name, None) for root in (copy, DEMO_PORTALS))
        assert (made.kind, made.status, made.text) == (committed.kind, committed.status, committed.text), name
    others = [name for name in files if name.parts[1:2] != ("documents",)]
    assert [(copy / name).read_bytes() == (DEMO_PORTALS / name).read_bytes() for name in others] == [True] * len(others)


def test_the_generator_refuses_when_the_articles_link_another_file(tmp_path):
    copy = tmp_path / "demo_portals"
    shutil.copytree(DEMO_PORTALS, copy)
    record = copy / "hatinh" / "expected" / "hatinh-5.json"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("mau-giay-kham-sk-lai-xe.docx", "mau-moi.docx"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "scraper.portals.demo_documents", str(copy)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("scraper.portals.demo_documents: hatinh: its articles link "
                                    "['https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/mau-moi.docx'] that no file")
    assert (copy / "hatinh" / "site.json").read_bytes() == (DEMO_PORTALS / "hatinh" / "site.json").read_bytes()


def test_nothing_a_crawl_imports_imports_the_generator_or_fpdf2():
    code = ("import sys; from scraper.cli.main import build_parser; build_parser(); import scraper.crawl.process, "
            "scraper.pipelines, scraper.document_pipeline, scraper.portals.replay, scraper.portals.capture, spiders.portal; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'fpdf' or m == 'scraper.portals.demo_documents'))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr[-2000:]


# the `document` kind

def test_the_replay_server_serves_a_document_with_its_content_type():
    with ReplayServer(portals=("hatinh",)) as server:
        status, headers, body = server.respond("soyte.hatinh.gov.vn", HATINH_DOCX.split(".gov.vn", 1)[1], {})
    assert (status, headers["Content-Type"]) == (
        200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert body == (DEMO_PORTALS / "hatinh" / "documents" / "mau-giay-kham-sk-lai-xe.docx").read_bytes()


def test_an_unknown_kind_in_a_site_json_is_refused_in_one_line(tmp_path):
    folder = tmp_path / "hatinh"
    shutil.copytree(DEMO_PORTALS / "hatinh", folder)
    manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    docx = next(entry for entry in manifest["pages"] if entry["url"] == HATINH_DOCX)
    docx["kind"] = "attachment"  # the DOCX, under a kind soyte does not know
    (folder / "site.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    message = (f"{folder / 'site.json'}: unknown page kind 'attachment' for {HATINH_DOCX} "
               f"(kinds: {', '.join(KINDS)})")
    with pytest.raises(SiteError) as error:
        ReplayServer(folders=[folder])
    assert str(error.value) == message
    result = soyte("serve-portals", str(folder), "--port", "8999", check=False)
    assert (result.returncode, result.stderr) == (2, f"soyte serve-portals: {message}\n")
    assert KINDS == ("listing", "article", "snapshot", "sitemap", "robots", "document", "image")


def test_save_page_refuses_an_unknown_kind():
    result = soyte("save-page", HATINH_PDF, "--portal", "hatinh", "--kind", "attachment", check=False)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "soyte save-page: error: argument --kind: invalid choice: 'attachment' (choose from 'listing', 'article', "
        "'snapshot', 'sitemap', 'robots', 'document', 'image')")


def test_save_page_saves_documents_into_the_site_folder_and_it_serves_them(tmp_path):
    project = copy_project(tmp_path / "soyte")  # Hà Tĩnh is a new portal there (tests/project_copy.py)
    ok(run(project, "new-portal", "hatinh", "--host", "https://soyte.hatinh.gov.vn", "--province", "Hà Tĩnh",
           "--start-url", "https://soyte.hatinh.gov.vn/tin-tuc-su-kien"))
    download = "https://soyte.hatinh.gov.vn/van-ban/tai-ve?id=842"  # no file name: its type says PDF
    pdf = (DEMO_PORTALS / "hatinh" / "documents" / "danh-sach-co-so-kham-sk-lai-xe.pdf").read_bytes()
    with ReplayServer(portals=("hatinh",)) as server:
        server.set_page(download, pdf, "application/pdf")
        saved = [json.loads(ok(run(project, "save-page", url, "--portal", "hatinh", "--replay", server.url,
                                   *kind)).stdout)
                 for url, kind in ((HATINH_PDF, ("--kind", "document")), (HATINH_DOCX, ()), (download, ()))]
    assert [(entry["url"], entry["file"], entry["kind"], entry["content_type"]) for entry in saved] == [
        (HATINH_PDF, "documents/danh-sach-co-so-kham-sk-lai-xe.pdf", "document", "application/pdf"),
        (HATINH_DOCX, "documents/mau-giay-kham-sk-lai-xe.docx", "document",  # guessed: a DOCX, not a sitemap
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (download, "documents/tai-ve.pdf", "document", "application/pdf")]
    folder = project / "tests" / "fixtures" / "hatinh"
    assert (folder / "documents" / "danh-sach-co-so-kham-sk-lai-xe.pdf").read_bytes() == pdf
    assert [page.url for page in Site(folder).pages(("document",))] == [HATINH_PDF, HATINH_DOCX, download]
    with ReplayServer(folders=[folder]) as fixture:
        status, headers, body = fixture.respond("soyte.hatinh.gov.vn", "/van-ban/tai-ve?id=842", {})
    assert (status, headers["Content-Type"], body) == (200, "application/pdf", pdf)


# the terminal

def test_failed_attachments_are_one_line_per_portal_on_the_terminal_and_each_in_the_log(tmp_path):
    db = tmp_path / "archive.db"
    hatinh, thanhhoa = documents_of("hatinh"), documents_of("thanhhoa")
    with ReplayServer(portals=("hatinh", "thanhhoa", "bacninh")) as server:
        for url in hatinh + thanhhoa[1:]:
            server.remove_page(url)
        server.answer_statuses(thanhhoa[0], [503])
        result = soyte("crawl", "hatinh", "thanhhoa", "bacninh", "--db", str(db), "--replay", server.url,
                       "--set", "RETRY_TIMES=0")
        quiet = soyte("crawl", "hatinh", "--db", str(tmp_path / "quiet.db"), "--replay", server.url, "--quiet")
    lines = [line.split(" ", 2)[2] for line in result.stderr.splitlines()[1:] if line[:2] == "20"]
    about = [line for line in lines if "attachment" in line or "document" in line]
    assert sorted(about[:2]) == [  # the portals' lines come in the order the portals finish
        "WARNING hatinh: 2 attachments could not be fetched (HTTP 404: 2); recorded in failures",
        "WARNING thanhhoa: 3 attachments could not be fetched (HTTP 404: 2, HTTP 503: 1); recorded in failures"]
    assert about[2:] == [
        "documents: 1 new, 0 new versions, 0 already stored from another URL, 0 unchanged, 0 with unreadable text"]
    assert not any(url in result.stderr for url in hatinh + thanhhoa)
    assert [line for line in quiet.stderr.splitlines() if "WARNING" in line][0].endswith(
        " WARNING hatinh: 2 attachments could not be fetched (HTTP 404: 2); recorded in failures")
    # Each one is in failures, and in the log file with its URL.
    assert sorted((row["url"], row["status"]) for row in query(db, "SELECT url, status FROM failures "
                                                                    "WHERE kind = 'document-fetch'")) == sorted(
        [(url, 404) for url in hatinh + thanhhoa[1:]] + [(thanhhoa[0], 503)])
    assert json.loads(result.stdout)["errors"] == 5
    log = Path(f"{db}.log").read_text(encoding="utf-8")
    for url in hatinh + thanhhoa[1:]:
        assert f"document {url} could not be fetched (HTTP 404); recorded in failures" in log


def test_the_portal_line_counts_failures_by_how_they_failed():
    reasons = Counter(attachment_reason(kind, reason, status) for kind, reason, status in [
        ("document-fetch", "HTTP 404", 404), ("document-fetch", "HTTP 404", 404),
        ("document-fetch", "TimeoutError: took too long", None),
        ("document-skipped", "over the size cap (52,428,800 bytes)", None)])
    assert attachments_line("hatinh", reasons) == ("hatinh: 4 attachments could not be fetched (HTTP 404: 2, "
                                                   "TimeoutError: 1, over the size cap: 1); recorded in failures")
    assert attachments_line("bacninh", {"HTTP 404": 1}) == (
        "bacninh: 1 attachment could not be fetched (HTTP 404: 1); recorded in failures")
    # the file's own line, in the log file (it read "article … could not be extracted" before)
    assert failure_message("hatinh", "document-skipped", HATINH_PDF, "over the size cap (52,428,800 bytes)") == (
        f"hatinh: document {HATINH_PDF} over the size cap (52,428,800 bytes): not stored; recorded in failures; "
        "not fetched again")


def test_the_run_summary_and_the_documents_line_are_printed_once(tmp_path):
    db = tmp_path / "archive.db"
    result = soyte("crawl", "--demo-portals", "--db", str(db))
    lines = result.stderr.splitlines()
    summary = "crawl run 1 completed: 37 new, 0 updated, 0 unchanged articles; 0 errors; 100 requests"  # 23 images
    assert [line for line in lines if "crawl run " in line] == [summary] == lines[-1:]
    documents = [line for line in lines if " documents: " in line]
    assert [line.split(" ", 2)[2] for line in documents] == [
        "documents: 14 new, 0 new versions, 0 already stored from another URL, 0 unchanged, 0 with unreadable text"]
    assert lines.index(documents[0]) == len(lines) - 2  # after every portal's line, before the summary
    assert not any("attachment https://" in line for line in lines)  # each stored file: the log file only
    log = Path(f"{db}.log").read_text(encoding="utf-8")
    assert log.count(f"{summary} (exit status 0)") == 1 and log.count("] INFO: documents: 14 new") == 1
    assert log.count(": attachment https://") == 14
