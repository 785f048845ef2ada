"""The raw archive as WARC and WACZ: `soyte export --format warc|wacz` and `soyte import-warc`.

The bundled portals are crawled with the real `soyte crawl`; the export is read back with
warcio, validated with py-wacz, replayed in pywb, and imported into an empty archive.
"""
from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.store import Archive
from archive.warc import replayable_headers, warc_date
from tests.browsing import crawl_demo_portals
from tests.helpers import ROOT, demo_articles, demo_pages, query, soyte

pytestmark = pytest.mark.e2e  # a crawled archive, `soyte` in a subprocess, pywb

BACNINH = ROOT / "scraper" / "demo_portals" / "bacninh"
S1_URL = ("https://soyte.bacninh.gov.vn/tin-tuc-su-kien/-/asset_publisher/bnNews/content/"
          "so-y-te-so-ket-cong-tac-6-thang-dau-nam-va-trien-khai-nhiem-vu-6-thang-cuoi-nam")
S1_2017_CAPTURED = "2017-08-02T03:14:00Z"  # site.json: captured 2017-08-02T10:14:00+07:00
# What a crawl of the bundled portals stores, from their site.json: every served page, HTML or not.
PAGES = len(demo_pages())
HTML_PAGES = sum(1 for page in demo_pages() if page.kind in ("listing", "article"))
ROBOTS = sum(1 for page in demo_pages() if page.kind == "robots")
FILE_KINDS = ("document", "image")  # Soyte-Page-Kind of the documents' and images' records, after the pages


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    return crawl_demo_portals(tmp_path_factory.mktemp("warc") / "archive.db")


@pytest.fixture(scope="module")
def exported(crawled, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("warc-out") / "pages.warc.gz"
    with out.open("wb") as stdout:
        subprocess.run([sys.executable, "-m", "scraper.cli", "export", "--format", "warc", "--db", str(crawled)],
                       stdout=stdout, check=True, cwd=ROOT)
    return out


def stored_pages(db: Path) -> dict[tuple[str, str], dict]:
    """Every stored page by (url, WARC-Date), with its raw body."""
    archive = Archive(db)
    pages = {}
    for row in query(db, "SELECT id, url, status, fetched_at, headers FROM pages"):
        row["body"] = archive.page_body(row["id"])[1]
        pages[(row["url"], warc_date(row["fetched_at"]))] = row
    archive.close()
    return pages


def records(path: Path) -> list:
    """(type, WARC headers, HTTP headers, body) of every record, read with warcio."""
    out = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            out.append((record.rec_type, record.rec_headers, record.http_headers, record.content_stream().read()))
    return out


def warc_of(captures: list[tuple[str, bytes, str]]) -> bytes:
    """A WARC holding (url, body, WARC-Date) responses, as another web archive would have written it."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, body, date in captures:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                                      warc_headers_dict={"WARC-Date": date}))
    return buffer.getvalue()


def test_export_holds_one_response_per_stored_page_with_its_url_status_date_and_body(crawled, exported):
    pages = stored_pages(crawled)
    responses = {(h.get_header("WARC-Target-URI"), h.get_header("WARC-Date")): (http, body)
                 for kind, h, http, body in records(exported) if kind == "response"
                 and h.get_header("Soyte-Page-Kind") not in FILE_KINDS}  # files: tests/test_warc_images.py
    assert len(pages) == PAGES and set(responses) == set(pages)
    for key, page in pages.items():
        http, body = responses[key]
        assert int(http.get_statuscode()) == page["status"]
        assert body == page["body"]
        assert http.get_header("Content-Length") == str(len(page["body"]))


def test_export_starts_with_a_warcinfo_naming_soyte_and_pairs_each_response_with_a_request(crawled, exported):
    found = records(exported)
    kind, headers, _http, body = found[0]
    assert kind == "warcinfo" and headers.get_header("WARC-Type") == "warcinfo"
    assert b"software: soyte/0.1.0" in body and b"format: WARC File Format 1.1" in body
    assert found[1][1].protocol == "WARC/1.1"
    response_ids = {h.get_header("WARC-Record-ID"): h.get_header("WARC-Target-URI")
                    for kind, h, _, _ in found if kind == "response"}
    requests = [(h, http) for kind, h, http, _ in found if kind == "request"]
    files = query(crawled, "SELECT (SELECT count(*) FROM document_captures) + (SELECT count(*) FROM image_captures) n")
    assert len(requests) == len(response_ids) == PAGES + files[0]["n"]  # pages, then documents and images
    for headers, http in requests:
        assert response_ids[headers.get_header("WARC-Concurrent-To")] == headers.get_header("WARC-Target-URI")
        assert http.protocol == "GET" and http.get_header("Host").startswith("soyte.")


def test_headers_say_the_body_was_decoded_as_replay_tools_expect():
    headers = {"Content-Type": "text/html", "Transfer-Encoding": "chunked", "Content-Length": "5120"}
    assert replayable_headers(headers, 14790) == [
        ("Content-Type", "text/html"), ("X-Archive-Orig-Transfer-Encoding", "chunked"),
        ("X-Archive-Orig-Content-Length", "5120"), ("Content-Length", "14790")]


def test_export_of_one_portal_since_a_day_holds_only_its_pages(crawled, tmp_path):
    out = tmp_path / "bacninh.warc.gz"
    soyte("export", "--format", "warc", "--portal", "bacninh", "--since", "2020-01-01", "-o", str(out),
          "--db", str(crawled))
    urls = {h.get_header("WARC-Target-URI") for kind, h, _, _ in records(out) if kind == "response"}
    files = query(crawled, "SELECT url FROM document_captures WHERE portal = 'bacninh' UNION "
                           "SELECT url FROM image_captures WHERE portal = 'bacninh'")
    assert len(files) == 4  # its letter and its three pictures
    assert len(urls) == 9 + len(files) and all(url.startswith("https://soyte.bacninh.gov.vn/") for url in urls)
    soyte("export", "--format", "warc", "--since", "2999-01-01", "-o", str(out), "--db", str(crawled))
    assert [kind for kind, *_ in records(out)] == ["warcinfo"]


def test_wacz_export_validates_with_py_wacz(crawled, tmp_path):
    from wacz.main import main as wacz_main

    out = tmp_path / "soyte.wacz"
    result = soyte("export", "--format", "wacz", "-o", str(out), "--db", str(crawled))
    assert result.stdout == "" and f"exported {PAGES} pages" in result.stderr
    assert wacz_main(["validate", "-f", str(out)]) == 0
    names = zipfile.ZipFile(out).namelist()
    assert {"archive/soyte.warc.gz", "indexes/index.cdx.gz", "pages/pages.jsonl", "datapackage.json"} <= set(names)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_pywb_replays_an_exported_article_byte_for_byte(crawled, exported, tmp_path):
    pytest.importorskip("pywb")
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "wb-manager"), "init", "soyte"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([str(bin_dir / "wb-manager"), "add", "soyte", str(exported)], cwd=tmp_path, check=True,
                   capture_output=True)
    port = free_port()
    server = subprocess.Popen([str(bin_dir / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    page = stored_pages(crawled)
    url, date = next(key for key in page if key[0] == S1_URL)
    timestamp = date.replace("-", "").replace(":", "").replace("T", "")[:14]
    try:
        body = fetch_when_up(f"http://127.0.0.1:{port}/soyte/{timestamp}id_/{url}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert body == page[(url, date)]["body"]
    assert "Sở Y tế Sơ kết công tác 6 tháng đầu năm".encode() in body


def fetch_when_up(address: str, wait: float = 60) -> bytes:
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(address, timeout=10) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_export_then_import_into_an_empty_archive_gives_the_same_articles(crawled, exported, tmp_path):
    db = tmp_path / "backfilled.db"
    result = soyte("import-warc", str(exported), "--db", str(db))
    counts = json.loads(result.stdout)
    assert (counts["pages_new"], counts["articles_new"], counts["not_html"]) == (
        HTML_PAGES, len(demo_articles()), PAGES - HTML_PAGES)
    assert result.stderr.count("robots.txt is text/plain") == ROBOTS
    assert "sitemap.xml is application/xml" in result.stderr
    soyte("reextract", "--db", str(db))
    columns = "url, portal, title, published, text, author, source, views, images, attachments, layout, extraction"
    sql = f"SELECT {columns} FROM articles ORDER BY url"
    assert query(db, sql) == query(crawled, sql)
    assert query(db, "SELECT count(*) AS n FROM article_versions") == [{"n": 0}]
    kinds = "SELECT kind, count(*) AS n FROM pages WHERE content_type LIKE 'text/html%' GROUP BY kind ORDER BY kind"
    assert query(db, kinds) == query(crawled, kinds)


def test_importing_the_same_file_twice_adds_nothing(exported, tmp_path):
    db = tmp_path / "twice.db"
    soyte("import-warc", str(exported), "--db", str(db))
    tables = "SELECT (SELECT count(*) FROM pages) p, (SELECT count(*) FROM articles) a, " \
             "(SELECT count(*) FROM article_versions) v, (SELECT group_concat(fetched_at) FROM pages) t"
    before = query(db, tables)
    counts = json.loads(soyte("import-warc", str(exported), "--db", str(db)).stdout)
    assert counts["pages_new"] == 0 and counts["pages_known"] == HTML_PAGES and counts["articles_new"] == 0
    assert query(db, tables) == before


def s1_captures() -> tuple[tuple, tuple]:
    today = (S1_URL, (BACNINH / "pages" / "bacninh-s1.html").read_bytes(), "2026-11-20T08:00:00Z")
    old = (S1_URL, (BACNINH / "pages" / "bacninh-s1-2017.html").read_bytes(), S1_2017_CAPTURED)
    return today, old


@pytest.mark.parametrize("order", ["newest-first", "oldest-first"])
def test_2017_and_today_captures_give_one_article_first_seen_in_2017(tmp_path, order):
    today, old = s1_captures()
    warc = tmp_path / "s1.warc.gz"
    warc.write_bytes(warc_of([today, old] if order == "newest-first" else [old, today]))
    db = tmp_path / "s1.db"
    counts = json.loads(soyte("import-warc", str(warc), "--db", str(db)).stdout)
    assert counts["pages_new"] == 2 and counts["articles_new"] == 1
    expected = json.loads((BACNINH / "expected" / "bacninh-s1.json").read_text(encoding="utf-8"))
    archive = Archive(db)
    assert archive.article(S1_URL) == expected
    archive.close()
    row = query(db, "SELECT a.first_seen, a.last_seen, a.extraction, p.fetched_at FROM articles a "
                    "JOIN pages p ON p.id = a.page_id")[0]
    assert row == {"first_seen": "2017-08-02T03:14:00+00:00", "last_seen": "2026-11-20T08:00:00+00:00",
                   "extraction": "layout", "fetched_at": "2026-11-20T08:00:00+00:00"}
    # The 2017 skin differs only in its chrome: the same record, so no earlier version (views included).
    assert query(db, "SELECT count(*) AS n FROM article_versions") == [{"n": 0}]


def changed(capture: tuple, old: str, new: str) -> tuple:
    """The capture with a phrase of its article replaced: an article edited between two captures."""
    url, body, date = capture
    assert old.encode() in body
    return url, body.replace(old.encode(), new.encode()), date


@pytest.mark.parametrize("imports", [["both"], ["newest", "oldest"], ["oldest", "newest"]])
def test_an_older_changed_capture_becomes_the_earlier_version_whatever_the_import_order(tmp_path, imports):
    today, old = s1_captures()
    old = changed(old, "Sở Y tế Sơ kết công tác 6 tháng đầu năm", "Sở Y tế sơ kết 6 tháng đầu năm")
    files = {"both": [today, old], "newest": [today], "oldest": [old]}
    db = tmp_path / "history.db"
    for name in imports:
        (tmp_path / f"{name}.warc.gz").write_bytes(warc_of(files[name]))
        soyte("import-warc", str(tmp_path / f"{name}.warc.gz"), "--db", str(db))
    article = query(db, "SELECT title, first_seen, updated_at FROM articles")
    assert article == [{"title": "Sở Y tế Sơ kết công tác 6 tháng đầu năm và triển khai nhiệm vụ 6 tháng cuối năm",
                        "first_seen": "2017-08-02T03:14:00+00:00", "updated_at": "2026-11-20T08:00:00+00:00"}]
    versions = query(db, "SELECT record, first_seen, replaced_at FROM article_versions")
    assert len(versions) == 1
    assert json.loads(versions[0]["record"])["title"] == "Sở Y tế sơ kết 6 tháng đầu năm và triển khai nhiệm vụ 6 tháng cuối năm"
    assert (versions[0]["first_seen"], versions[0]["replaced_at"]) == ("2017-08-02T03:14:00+00:00",
                                                                       "2026-11-20T08:00:00+00:00")


def test_revisits_non_html_and_other_hosts_are_counted_and_skipped_one_line_each(tmp_path):
    today, _old = s1_captures()
    buffer = io.BytesIO(warc_of([today, ("https://example.org/news/1.html", b"<html><body>x</body></html>",
                                         "2026-11-20T08:00:00Z")]))
    buffer.seek(0, io.SEEK_END)
    writer = WARCWriter(buffer, gzip=True)
    pdf = StatusAndHeaders("200 OK", [("Content-Type", "application/pdf")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record("https://soyte.bacninh.gov.vn/documents/kh.pdf", "response",
                                                  payload=io.BytesIO(b"%PDF-1.4"), http_headers=pdf))
    writer.write_record(writer.create_revisit_record(S1_URL, "sha1:AAAA", S1_URL, "2026-11-20T08:00:00Z"))
    warc = tmp_path / "mixed.warc.gz"
    warc.write_bytes(buffer.getvalue())
    result = soyte("import-warc", str(warc), "--db", str(tmp_path / "mixed.db"))
    counts = json.loads(result.stdout)
    assert (counts["articles_new"], counts["other_host"], counts["not_html"], counts["revisit"]) == (1, 1, 1, 1)
    lines = result.stderr.splitlines()
    assert "https://example.org/news/1.html: not a portal in the registry; skipped" in lines
    assert sum("kh.pdf is application/pdf" in line for line in lines) == 1
    assert sum(f"revisit record of {S1_URL}" in line for line in lines) == 1


def bad_input_cases(members: list[bytes]) -> dict[str, bytes]:
    """The same four-record WARC, damaged three ways in its second record."""
    import gzip
    import re
    import zlib

    second = zlib.decompress(members[1], 31)
    return {
        "truncated gzip member": members[0] + members[1][: len(members[1]) // 2] + b"".join(members[2:]),
        "record without a URL": members[0] + gzip.compress(re.sub(rb"WARC-Target-URI: [^\r]*\r\n", b"", second))
                                + b"".join(members[2:]),
        "2 GB claimed length": members[0] + gzip.compress(re.sub(rb"Content-Length: \d+", b"Content-Length: 2147483648",
                                                                 second, count=1)) + b"".join(members[2:]),
        # The same, uncompressed: a 2 GB claim would swallow every later record if it were believed.
        "2 GB claimed length, uncompressed WARC": zlib.decompress(members[0], 31) + re.sub(
            rb"Content-Length: \d+", b"Content-Length: 2147483648", second, count=1)
            + b"".join(zlib.decompress(m, 31) for m in members[2:]),
        "record without a URL, uncompressed WARC": zlib.decompress(members[0], 31) + re.sub(
            rb"WARC-Target-URI: [^\r]*\r\n", b"", second) + b"".join(zlib.decompress(m, 31) for m in members[2:]),
    }


@pytest.mark.parametrize("damage, line", [
    ("truncated gzip member", "damaged or truncated gzip member; skipped"),
    ("record without a URL", "no WARC-Target-URI; skipped"),
    ("2 GB claimed length", "claims 2,147,483,648 bytes, over the 16 MiB limit"),
    ("2 GB claimed length, uncompressed WARC", "claims 2,147,483,648 bytes, over the 16 MiB limit"),
    ("record without a URL, uncompressed WARC", "no WARC-Target-URI; skipped"),
])
def test_bad_warc_input_gets_one_line_and_the_rest_is_imported(tmp_path, damage, line):
    manifest = json.loads((BACNINH / "site.json").read_text(encoding="utf-8"))
    articles = [(p["url"], (BACNINH / p["file"]).read_bytes(), "2026-11-20T08:00:00Z")
                for p in manifest["pages"] if p["kind"] == "article"][:4]
    members = [warc_of([capture]) for capture in articles]
    warc = tmp_path / "bad.warc.gz"
    warc.write_bytes(bad_input_cases(members)[damage])
    result = soyte("import-warc", str(warc), "--db", str(tmp_path / "bad.db"), check=False)
    assert result.returncode == 1
    problems = [text for text in result.stderr.splitlines() if "bad.warc.gz" in text]
    assert len(problems) == 1 and line in problems[0] and "Traceback" not in result.stderr
    stored = {row["url"] for row in query(tmp_path / "bad.db", "SELECT url FROM articles")}
    assert stored == {articles[0][0], articles[2][0], articles[3][0]}


def test_import_of_a_missing_file_is_a_usage_error(tmp_path):
    result = soyte("import-warc", str(tmp_path / "nope.warc.gz"), "--db", str(tmp_path / "a.db"), check=False)
    assert result.returncode == 2 and result.stderr.strip() == f"soyte import-warc: no such file: {tmp_path / 'nope.warc.gz'}"
    assert not (tmp_path / "a.db").exists()


def test_a_file_that_is_not_warc_gets_one_line(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes((BACNINH / "pages" / "bacninh-s1.html").read_bytes()[:2000])
    result = soyte("import-warc", str(page), "--db", str(tmp_path / "a.db"), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"{page}: unreadable record at byte 0: not WARC data; skipped"
    assert json.loads(result.stdout)["damaged"] == 1
