"""Nothing lost, part two: settings that pass a type check and break the run, hostile attachments,
and the smaller faults of export, import and serve (items 7, 9 and 10 of the issue).

Every test runs the real commands (`soyte …`, and `scrapy crawl` as scrapyd runs it) in a child
process against pages served on 127.0.0.1 by the replay server; what a child costs in time and
memory is measured in the child itself (`measured`), never by the test's clock.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.portals.replay import ReplayServer
from tests import document_files as files
from tests.helpers import ROOT, portal_site, query, served_articles, soyte
from tests.document_files import HATINH_ARTICLE

pytestmark = pytest.mark.e2e  # crawls of the replay server, `soyte` in a subprocess

HATINH = "https://soyte.hatinh.gov.vn"
UPLOADS = f"{HATINH}/uploads/soyte/2023_06/"
SITEMAP = f"{HATINH}/sitemap.xml"
CAP = 1024 * 1024  # SOYTE_DOCUMENT_MAXSIZE of the crawls below


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def served_path(url: str) -> str:
    """A URL as the replay server notes a request: path?query."""
    return "/" + url.split("/", 3)[3]


def requests_for(server: ReplayServer, url: str) -> int:
    return server.count(lambda host, path, status: path == served_path(url))


# A child `soyte` that writes, at its exit, its own CPU seconds and peak resident memory (VmHWM):
# the parent's RUSAGE_CHILDREN would mix in every earlier child (and, after vfork, the parent itself).
MEASURED = """
import atexit, json, resource, runpy, sys
out = sys.argv.pop(1)
def record():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
    open(out, "w").write(json.dumps({"cpu": usage.ru_utime + usage.ru_stime, "peak_mb": int(peak) / 1024}))
atexit.register(record)
sys.argv = ["soyte", *sys.argv[1:]]
runpy.run_module("scraper.cli", run_name="__main__", alter_sys=True)
"""


def measured_command(usage: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", MEASURED, str(usage), *args]


def scrapy_crawl(portal: str, *settings: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`scrapy crawl PORTAL -s …` in the project, as a scrapyd job runs it."""
    command = [sys.executable, "-m", "scrapy", "crawl", portal]
    for setting in settings:
        command += ["-s", setting]
    return subprocess.run(command, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=timeout)


def soyte_lines(log: str) -> list[str]:
    """The lines soyte's own logger wrote in a Scrapy log, without their date."""
    return [line.split(" [soyte] ", 1)[1] for line in log.splitlines() if " [soyte] " in line]


# Item 7: settings that pass the type check and break the run

BREAKING_SETTINGS = {
    "DOWNLOAD_DELAY=1e400": "setting DOWNLOAD_DELAY wants a finite number, not '1e400'",
    "ITEM_PIPELINES={}": "setting ITEM_PIPELINES must keep scraper.pipelines.ArchivePipeline, "
                         "scraper.document_pipeline.DocumentPipeline (the archive pipeline stores pages, articles and "
                         "failures, the document pipeline the attached files)",
    "CONCURRENT_REQUESTS=-5": "setting CONCURRENT_REQUESTS wants a number from 1 to 1,000, not '-5' (requests in "
                              "flight; under 1 nothing is ever sent)",
    "SOYTE_COMMIT_WINDOW=nan": "setting SOYTE_COMMIT_WINDOW wants a finite number, not 'nan'",
    "SOYTE_RETRY_BACKOFF=-3": "setting SOYTE_RETRY_BACKOFF wants a number from 0 to 3,600, not '-3' (seconds before "
                              "the first retry)",
    "DOWNLOAD_DELAY=7200": "setting DOWNLOAD_DELAY wants a number from 0 to 3,600, not '7200' (seconds between "
                           "requests to a host; over an hour the crawl sends nothing and sleeps through SIGTERM)",
}


@pytest.mark.parametrize("setting", list(BREAKING_SETTINGS))
def test_a_setting_that_would_break_the_run_is_refused_before_anything_is_made(tmp_path, setting):
    db = tmp_path / "archive.db"
    with ReplayServer(portals=("hatinh",)) as server:
        result = soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url, "--set", setting, check=False,
                       timeout=60)
        sent = server.count()
    assert result.returncode == 2
    assert result.stderr == f"soyte crawl: --set {setting}: {BREAKING_SETTINGS[setting]}\n"
    assert sent == 0 and sorted(os.listdir(tmp_path)) == []  # no archive, no log, no lock


@pytest.mark.parametrize("setting", ["DOWNLOAD_DELAY=1e400", "ITEM_PIPELINES={}", "EXTENSIONS={}"])
def test_a_scrapyd_job_given_such_a_setting_is_refused_in_one_line_with_exit_2(tmp_path, setting):
    db = tmp_path / "archive.db"
    expected = BREAKING_SETTINGS.get(setting) or (
        "setting EXTENSIONS must keep scraper.crawl.run.CrawlRun (the crawl-run extension holds the archive's lock and "
        "records the run)")
    with ReplayServer(portals=("hatinh",)) as server:
        result = scrapy_crawl("hatinh", f"SOYTE_DB={db}", f"SOYTE_REPLAY_URL={server.url}", setting)
        sent = server.count()
    assert result.returncode == 2, result.stderr[-2000:]
    assert soyte_lines(result.stderr) == [f"ERROR: {expected} (exit status 2)"]
    assert "Traceback" not in result.stderr
    assert sent == 0 and sorted(os.listdir(tmp_path)) == []


def foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('not an archive')")
    conn.close()


@pytest.mark.parametrize("kind", ["text file", "foreign database"])
def test_an_archive_path_that_is_another_file_gets_nothing_beside_it(tmp_path, kind):
    folder = tmp_path / "etc"
    folder.mkdir()
    target = folder / ("passwd" if kind == "text file" else "notes.db")
    if kind == "text file":
        target.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
        reason = f"{target} is not an SQLite file, so not a soyte archive"
    else:
        foreign_sqlite(target)
        reason = f"{target} is an SQLite database of something else (tables notes), not a soyte archive"
    before = target.read_bytes()
    with ReplayServer(portals=("hatinh",)) as server:
        crawl = soyte("crawl", "hatinh", "--db", str(target), "--replay", server.url, check=False, timeout=60)
        job = scrapy_crawl("hatinh", f"SOYTE_DB={target}", f"SOYTE_REPLAY_URL={server.url}")
        sent = server.count()
    assert crawl.returncode == 4 and job.returncode == 4
    assert crawl.stderr == f"soyte crawl: {reason}; nothing was written beside it\n"
    assert soyte_lines(job.stderr) == [f"ERROR: {reason}; nothing was written beside it (exit status 4)"]
    assert sent == 0
    assert os.listdir(folder) == [target.name] and target.read_bytes() == before  # no .lock, .log, -wal


# Item 9: attachments that are not what they seem

def stored_zip(*members: tuple[str, bytes]) -> bytes:
    """A ZIP that stores its members uncompressed, as portals bundle PDFs."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, body in members:
            archive.writestr(name, body)
    return out.getvalue()


BUNDLE_URL = UPLOADS + "ho-so-2023.zip"
BUNDLE = stored_zip(("ke-hoach.pdf", files.pdf(["Kế hoạch số 12/KH-SYT"])),
                    ("quyet-dinh.pdf", files.pdf(["Quyết định số 842/QĐ-SYT"])))
NOTICE = files.pdf(["Thông báo số 7/TB-SYT"])
CRLF_URL = UPLOADS + "thong-bao%0d%0aSet-Cookie:%20x=1.pdf"  # the same file as TWIN_URL
TWIN_URL = UPLOADS + "thong-bao-7.pdf"
LONG_URL = UPLOADS + "tai-lieu-" + "a" * 6000 + ".pdf"
SUBDOMAIN_URL = "https://evil.soyte.hatinh.gov.vn/uploads/thong-bao.pdf"
BIG_URL = UPLOADS + "ho-so-lon.pdf"
BIG_GZIP_URL = UPLOADS + "ho-so-lon-nen.pdf"  # sent gzip-encoded: over the cap once unpacked
BIG = b"%PDF-1.4\n" + b"0" * (CAP + 100_000) + b"\n%%EOF\n"
CHALLENGES = [(BUNDLE_URL, "Hồ sơ 2023"), (CRLF_URL, "Thông báo"), (TWIN_URL, "Thông báo số 7"),
              (LONG_URL, "Tài liệu"), (SUBDOMAIN_URL, "Thông báo (bản sao)"), (BIG_URL, "Hồ sơ lớn"),
              (BIG_GZIP_URL, "Hồ sơ lớn (nén)")]


@pytest.fixture(scope="module")
def attachments(tmp_path_factory):
    """Hà Tĩnh's article linking every hostile attachment, crawled twice: the second run sees the
    article changed (so it reads its links again) and revisits everything."""
    db = tmp_path_factory.mktemp("attachments") / "archive.db"
    with ReplayServer(portals=("hatinh",)) as server:
        server.set_page(BUNDLE_URL, BUNDLE, "application/zip")
        for url in (CRLF_URL, TWIN_URL, SUBDOMAIN_URL):
            server.set_page(url, NOTICE, files.PDF_MEDIA)
        server.set_page(LONG_URL, NOTICE, files.PDF_MEDIA)
        server.set_page(BIG_URL, BIG, files.PDF_MEDIA)
        server.set_page(BIG_GZIP_URL, gzip.compress(BIG), files.PDF_MEDIA, headers={"Content-Encoding": "gzip"})
        server.set_page(HATINH_ARTICLE, files.hatinh_article_linking(CHALLENGES))
        cap = ("--set", f"SOYTE_DOCUMENT_MAXSIZE={CAP}")
        first = soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url, *cap, timeout=120)
        first_requests = list(server.requests)
        server.set_page(HATINH_ARTICLE, files.hatinh_article_linking(CHALLENGES).replace(b"<head>", b"<head>\n", 1))
        server.requests.clear()
        second = soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url, *cap, "--revisit-after", "0",
                       timeout=120)
        second_requests = list(server.requests)
    return db, first, second, first_requests, second_requests


def skipped(db: Path) -> dict[str, list[str]]:
    """URL → the reasons of its document-skipped rows, over both runs."""
    found: dict[str, list[str]] = {}
    for row in query(db, "SELECT url, reason FROM failures WHERE kind = 'document-skipped' ORDER BY id"):
        found.setdefault(row["url"], []).append(row["reason"])
    return found


def test_a_zip_storing_pdfs_uncompressed_is_a_zip_and_both_texts_are_read(attachments, tmp_path):
    db = attachments[0]
    assert query(db, "SELECT type, content_type, text_status, text FROM documents WHERE sha256 = ?", (sha(BUNDLE),)) == [
        {"type": "zip", "content_type": "application/zip", "text_status": "ok",
         "text": "ke-hoach.pdf\nKế hoạch số 12/KH-SYT\n\nquyet-dinh.pdf\nQuyết định số 842/QĐ-SYT"}]
    soyte("export", "--db", str(db), "--documents", str(tmp_path / "out"))
    manifest = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert [row["file"] for row in manifest if row["sha256"] == sha(BUNDLE)] == [f"{sha(BUNDLE)}.zip"]
    assert (tmp_path / "out" / f"{sha(BUNDLE)}.zip").read_bytes() == BUNDLE


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """`soyte serve DB` in a measured child process; `stop()` ends it with Ctrl-C and returns its usage."""

    def __init__(self, db: Path, usage: Path):
        self.port, self.usage = free_port(), usage
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(measured_command(usage, "serve", str(db), "--port", str(self.port)),
                                        cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.base}/-/versions.json", timeout=2)
                return
            except httpx.HTTPError:
                assert self.process.poll() is None and time.monotonic() < deadline, "soyte serve did not start"
                time.sleep(0.2)

    def stop(self) -> dict:
        self.process.send_signal(signal.SIGINT)
        self.process.communicate(timeout=30)
        return json.loads(self.usage.read_text())


def test_an_attachment_url_with_cr_lf_is_refused_and_the_same_file_elsewhere_downloads(attachments, tmp_path):
    db, first, _second, first_requests, _ = attachments
    assert skipped(db)[CRLF_URL] == ["has control characters in its URL (CR, LF or NUL, raw or percent-encoded)"]
    assert not [path for _host, path, _status in first_requests if "%0d%0a" in path.lower()]
    assert query(db, "SELECT url FROM document_captures WHERE sha256 = ?", (sha(NOTICE),)) == [{"url": TWIN_URL}]
    assert query(db, "SELECT url FROM documents WHERE sha256 = ?", (sha(NOTICE),)) == [{"url": TWIN_URL}]
    server = Served(db, tmp_path / "usage.json")
    try:
        download = httpx.get(f"{server.base}/archive/documents/{sha(NOTICE)}/download", timeout=30)
    finally:
        server.stop()
    assert download.status_code == 200 and download.content == NOTICE
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"thong-bao-7.pdf\"; filename*=UTF-8''thong-bao-7.pdf")


def exported_folder(db: Path, folder: Path) -> list[str]:
    soyte("export", "--db", str(db), "--documents", str(folder))
    return sorted(os.listdir(folder))


@pytest.mark.parametrize("planted", ["manifest.jsonl", "text", "file"])
def test_export_documents_never_writes_through_a_planted_symlink(attachments, tmp_path, planted):
    db = attachments[0]
    folder, outside = tmp_path / "documents", tmp_path / "outside.txt"
    names = exported_folder(db, folder)
    outside.write_text("not the export's\n", encoding="utf-8")
    name = {"manifest.jsonl": "manifest.jsonl", "text": f"{sha(NOTICE)}.txt", "file": f"{sha(NOTICE)}.pdf"}[planted]
    (folder / name).unlink()
    # a link to an existing file outside DIR; for the file itself a dangling one, which `exists()` misses
    (folder / name).symlink_to(outside if planted != "file" else tmp_path / "would-be-created.pdf")
    before = {entry: (folder / entry).read_bytes() for entry in names if entry != name}
    result = soyte("export", "--db", str(db), "--documents", str(folder), check=False)
    assert result.returncode == 2
    kind = "a symbolic link"
    assert result.stderr == (f"soyte export: {folder / name} is {kind}: the documents export writes only regular "
                             f"files inside {folder}; remove it and export again\n")
    assert outside.read_text(encoding="utf-8") == "not the export's\n"
    assert not (tmp_path / "would-be-created.pdf").exists()
    assert sorted(os.listdir(folder)) == names  # no leftover .part file
    assert {entry: (folder / entry).read_bytes() for entry in names if entry != name} == before


def test_an_over_long_attachment_url_gets_a_failures_row(attachments):
    db, first, _second, first_requests, _ = attachments
    assert skipped(db)[LONG_URL] == [f"has an over-long URL ({len(LONG_URL):,} characters; URLLENGTH_LIMIT is 2,083)"]
    assert not [path for _host, path, _status in first_requests if "tai-lieu-" in path]
    log = (db.parent / "archive.db.log").read_text(encoding="utf-8")
    line = [text for text in log.splitlines() if "has an over-long URL (" in text]
    assert len(line) == 1 and len(line[0]) < 600  # one line, the URL cut, whole in failures
    assert f"({len(LONG_URL):,} characters) has an over-long URL" in line[0]


def test_an_attachment_on_a_subdomain_is_linked_but_not_fetched(attachments):
    db, _first, _second, first_requests, second_requests = attachments
    assert {host for host, _path, _status in first_requests + second_requests} == {"soyte.hatinh.gov.vn"}
    assert query(db, "SELECT article_url FROM document_links WHERE url = ?", (SUBDOMAIN_URL,)) == [
        {"article_url": HATINH_ARTICLE}]
    assert query(db, "SELECT count(*) AS n FROM document_captures WHERE url = ?", (SUBDOMAIN_URL,)) == [{"n": 0}]
    assert SUBDOMAIN_URL not in skipped(db)  # another host's file: linked, as documented, not a failure


def test_a_file_over_the_size_cap_is_reported_truly_and_not_fetched_again(attachments):
    db, first, second, first_requests, second_requests = attachments
    reason = f"over the size cap ({CAP:,} bytes)"
    assert skipped(db)[BIG_URL] == [reason] and skipped(db)[BIG_GZIP_URL] == [reason]
    log = (db.parent / "archive.db.log").read_text(encoding="utf-8")
    for url in (BIG_URL, BIG_GZIP_URL):
        assert f"hatinh: document {url} {reason}: not stored; recorded in failures; not fetched again" in log
        assert query(db, "SELECT count(*) AS n FROM document_captures WHERE url = ?", (url,)) == [{"n": 0}]
    assert "raw page kept" not in log
    assert ("WARNING hatinh: 4 attachments could not be fetched (over the size cap: 2, has an over-long URL: 1, "
            "has control characters in its URL: 1); recorded in failures") in first.stderr
    # The second run read the article's links again: the skipped files were not asked for, nor recorded again.
    article = [s for _h, path, s in second_requests if path == served_path(HATINH_ARTICLE)]
    assert article == [200]
    asked = {path for _host, path, _status in second_requests}
    assert not asked & {served_path(BIG_URL), served_path(BIG_GZIP_URL)}
    assert [s for _h, path, s in second_requests if path == served_path(TWIN_URL)] == [304]
    assert "attachments could not be fetched" not in second.stderr


# Item 10: the smaller ones

@pytest.fixture(scope="module")
def hatinh_crawled(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("hatinh") / "archive.db"
    with ReplayServer(portals=("hatinh",)) as server:
        soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url)
    return db


def copy_archive(db: Path, to: Path) -> Path:
    source, target = sqlite3.connect(db), sqlite3.connect(to)
    source.backup(target)
    source.close()
    target.close()
    return to


def test_export_warc_into_a_reader_that_stops_early_exits_0(hatinh_crawled):
    process = subprocess.Popen([sys.executable, "-m", "scraper.cli", "export", "--format", "warc", "--db",
                                str(hatinh_crawled)], cwd=ROOT, env=env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first byte (`| head -1` after its line)
    _out, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (0, b"")


def warc_bytes(records: list[tuple[str, bytes, list[tuple[str, str]], str]], gzipped: bool = True) -> bytes:
    """(url, payload, HTTP headers, WARC-Date) responses, as another web archive writes them."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzipped)
    for url, payload, headers, date in records:
        http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http,
                                                      warc_headers_dict={"WARC-Date": date}))
    return buffer.getvalue()


HTML = [("Content-Type", "text/html; charset=utf-8")]


def hatinh_capture(index: int, date: str, head_extra: bytes = b"") -> tuple[str, bytes, list, str]:
    case = [page for page in portal_site("hatinh").pages(("article",))][index]
    body = case.body().replace(b"<head>", b"<head>" + head_extra, 1)
    return case.url, body, HTML, date


def test_an_uncompressed_warc_whose_last_record_is_a_zip_is_imported_as_a_warc(tmp_path):
    article = hatinh_capture(0, "2026-11-20T08:00:00Z")
    bundle = (UPLOADS + "ho-so.zip", BUNDLE, [("Content-Type", "application/zip")], "2026-11-20T08:00:00Z")
    warc = tmp_path / "crawl.warc"
    warc.write_bytes(warc_bytes([article, bundle], gzipped=False))
    assert zipfile.is_zipfile(warc)  # what fooled the import: the ZIP's directory ends the file
    result = soyte("import-warc", str(warc), "--db", str(tmp_path / "a.db"), check=False)
    counts = json.loads(result.stdout)
    assert result.returncode == 0
    assert (counts["articles_new"], counts["not_html"], counts["damaged"]) == (1, 1, 0)
    assert query(tmp_path / "a.db", "SELECT url FROM articles") == [{"url": article[0]}]


def test_a_gzip_bomb_in_a_warc_record_is_named_and_the_rest_imported(tmp_path):
    bomb_url = f"{HATINH}/tin-tuc-su-kien/bom.html"
    bomb = (bomb_url, gzip.compress(b"\0" * (17 * 1024 * 1024)), HTML + [("Content-Encoding", "gzip")],
            "2026-11-20T08:00:00Z")
    warc = tmp_path / "bomb.warc.gz"
    warc.write_bytes(warc_bytes([hatinh_capture(0, "2026-11-20T08:00:00Z"), bomb,
                                 hatinh_capture(1, "2026-11-20T08:00:00Z")]))
    usage = tmp_path / "usage.json"
    result = subprocess.run(measured_command(usage, "import-warc", str(warc), "--db", str(tmp_path / "a.db")),
                            cwd=ROOT, env=env(), capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stderr.splitlines() if "bom.html" in line]
    assert result.returncode == 1 and len(lines) == 1
    assert lines[0].endswith(f"{bomb_url} unpacks to over the 16 MiB limit (a gzip bomb?); not read further")
    assert "truncated" not in result.stderr
    assert json.loads(result.stdout)["articles_new"] == 2
    spent = json.loads(usage.read_text())
    assert spent["peak_mb"] < 400 and spent["cpu"] < 30  # it read at most 16 MiB of it


def test_an_older_capture_with_the_archived_content_adds_no_earlier_version_and_says_so(hatinh_crawled, tmp_path):
    db = copy_archive(hatinh_crawled, tmp_path / "a.db")
    # Another crawler's capture of the same four articles in 2020: other bytes in the head, the same records.
    captures = [hatinh_capture(index, "2020-05-01T01:00:00Z", b'<meta name="x-crawler" content="heritrix">')
                for index in range(len(served_articles("hatinh")))]
    (tmp_path / "2020.warc.gz").write_bytes(warc_bytes(captures))
    result = soyte("import-warc", str(tmp_path / "2020.warc.gz"), "--db", str(db))
    counts = json.loads(result.stdout)
    assert (counts["pages_new"], counts["articles_earlier"], counts["articles_unchanged"]) == (4, 0, 4)
    assert "0 earlier versions, 4 unchanged articles" in result.stderr
    assert query(db, "SELECT count(*) AS n FROM article_versions") == [{"n": 0}]
    assert {row["first_seen"] for row in query(db, "SELECT first_seen FROM articles")} == {"2020-05-01T01:00:00+00:00"}


def test_a_registered_sitemap_answering_404_leaves_the_next_run_incremental(tmp_path):
    db = tmp_path / "archive.db"
    runs = []
    with ReplayServer(portals=("hatinh",)) as server:
        server.remove_page(SITEMAP)
        for _ in range(2):
            server.requests.clear()
            result = soyte("crawl", "hatinh", "--db", str(db), "--replay", server.url, check=False)
            runs.append((result, sorted((path, status) for _host, path, status in server.requests)))
    (first, _), (second, asked) = runs
    assert first.returncode == 0 and second.returncode == 0
    # robots.txt, the listing page answered 304, the sitemap still 404: not the whole portal again
    assert asked == [("/robots.txt", 200), ("/sitemap.xml", 404), ("/tin-tuc-su-kien", 304)]
    assert json.loads(second.stdout)["requests"] == 3
    assert query(db, "SELECT run_id, complete FROM portal_runs ORDER BY run_id") == [
        {"run_id": 1, "complete": 1}, {"run_id": 2, "complete": 1}]
    assert f"WARNING hatinh: listing page {SITEMAP} could not be fetched (HTTP 404); recorded in failures; final, " \
           "so the next run does not walk the portal's listings again for it" in second.stderr


def test_datasette_refuses_a_query_that_makes_a_gigantic_value(hatinh_crawled, tmp_path):
    server = Served(hatinh_crawled, tmp_path / "usage.json")
    try:
        answers = [httpx.get(f"{server.base}/archive.json", params={"sql": sql, "_shape": "array"}, timeout=60)
                   for sql in ("select length(randomblob(1000000000)) as n", "select length(randomblob(1000000)) as n")]
    finally:
        spent = server.stop()
    assert answers[0].status_code == 400 and answers[0].json()["error"] == "string or blob too big"
    assert answers[1].status_code == 200 and answers[1].json() == [{"n": 1000000}]
    assert spent["peak_mb"] < 500  # a gigabyte was never made
