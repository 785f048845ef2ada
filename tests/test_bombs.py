"""File bombs: attachments and web archives made to cost far more than their size.

Built here: a DOCX whose 190 MB of XML packs into 0.6 MB (it passes the 200 MB ZIP bomb guard and
took 3 GB and 95 s to parse), a 10 KB PDF whose 20 pages share one content stream (100 s of CPU
for 45 MB of text), a ZIP whose `mimetype` member inflates to 512 MiB, a ZIP listing 500,000
members, and a WACZ whose WARC member inflates to 1 GiB. The documents are served at the attachment URLs of Hà Tĩnh's bundled
article; the crawl must end, keep every file's bytes with its text status, and stay within its
limits. What a process used is measured in that process: its peak resident memory (VmHWM, through
tests/peak_rss.py) and its CPU time with its children's (wait4), never the test's clock; the
document reader reports its own peak in each note.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.portals.replay import ReplayServer
from tests import document_files as files
from tests.helpers import ROOT, query
from tests.document_files import HATINH_ARTICLE, HATINH_DOCX, HATINH_PDF

pytestmark = pytest.mark.e2e  # crawls of file bombs, `soyte` in a subprocess

MiB = 2**20
UPLOADS = "https://soyte.hatinh.gov.vn/uploads/soyte/2023_06/"
LONG_DOCX = UPLOADS + "bao-cao-dai.docx"
SHEET = UPLOADS + "bang-tong-hop.xlsx"
# No file name: the spider tells a document from a web page by sniffing the bytes, in the crawl's process.
MIMETYPE_BOMB = "https://soyte.hatinh.gov.vn/van-ban/tai-ve?id=842"
MEMBERS_BOMB = "https://soyte.hatinh.gov.vn/van-ban/tai-ve?id=843"
READER_MEMORY = 256 * MiB
LIMITS = ("SOYTE_DOCUMENT_TEXT_TIMEOUT=8", f"SOYTE_DOCUMENT_TEXT_MEMORY={READER_MEMORY}",
          "SOYTE_DOCUMENT_TEXT_MAXCHARS=2000")
LONG_PARAGRAPHS = [f"Mục {n}: Báo cáo kết quả tiêm chủng mở rộng tại xã số {n} của tỉnh Hà Tĩnh."
                   for n in range(60)]


# The bombs

def docx_bomb(xml_bytes: int = 190 * 10**6) -> bytes:
    """A real DOCX whose document.xml is `xml_bytes` of repeated runs: under the ZIP bomb guard's
    200 MB, packed ~320:1."""
    base = zipfile.ZipFile(io.BytesIO(files.docx(["Kế hoạch"])))
    head = base.read("word/document.xml").split(b"<w:body>")[0] + b"<w:body><w:p>"
    runs = b"<w:r><w:t>Ke hoach tiem chung mo rong</w:t></w:r>" * 20_000
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as bomb:
        for member in base.infolist():
            if member.filename != "word/document.xml":
                bomb.writestr(member, base.read(member))
        with bomb.open("word/document.xml", "w", force_zip64=True) as xml:
            xml.write(head)
            for _ in range(xml_bytes // len(runs)):
                xml.write(runs)
            xml.write(b"</w:p></w:body></w:document>")
    return out.getvalue()


def pdf_bomb(pages: int = 20, lines: int = 45_000) -> bytes:
    """A PDF whose pages all show one content stream of `lines` text lines (2.3 MB of text a page)."""
    line = b"(Ke hoach tiem chung mo rong nam 2024 tinh Ha Tinh) '\n"  # ' : next line, show the text
    content = b"BT /F1 10 Tf 12 TL 72 800 Td\n" + line * lines + b"ET\n"
    stream = zlib.compress(content, 9)
    font, contents = 3 + pages, 4 + pages
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               2: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (3 + i) for i in range(pages)),
                                                                  pages),
               font: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               contents: b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream)}
    for page in range(pages):
        objects[3 + page] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R "
                             b">> >> /Contents %d 0 R >>" % (font, contents))
    out, offsets = bytearray(b"%PDF-1.4\n"), {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[number] for number in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def mimetype_bomb(size: int = 512 * MiB) -> bytes:
    """A ZIP whose `mimetype` member (which tells an OpenDocument file) inflates to `size` bytes of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        with bomb.open("mimetype", "w", force_zip64=True) as member:
            for _ in range(size // MiB):
                member.write(bytes(MiB))
    return out.getvalue()


def many_members_zip(count: int = 500_000) -> bytes:
    """A ZIP64 of `count` empty members (~90 bytes each): zipfile's parse of its directory alone
    takes ~0.6 KB and 6 µs a member, before anything can count them."""
    local, central = bytearray(), bytearray()
    for number in range(count):
        name = b"%x" % number
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 45, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0, 0, 0,
                               len(local)) + name
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
    end64 = len(local) + len(central)
    return bytes(local + central
                 + struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(central), len(local))
                 + struct.pack("<4sLQL", b"PK\x06\x07", 0, end64, 1)
                 + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, len(central), len(local), 0))


def response_record(url: str, body: bytes) -> bytes:
    """One uncompressed WARC response record, as a web archive's crawler writes it."""
    out = io.BytesIO()
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    writer = WARCWriter(out, gzip=False)
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                                  warc_headers_dict={"WARC-Date": "2025-03-01T02:00:00Z"}))
    return out.getvalue()


PADDING_URL = "https://soyte.bacninh.gov.vn/tin-tuc-su-kien/ban-sao-khong-lo"
PADDING_HTTP = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"


def padding_head(url: str, size: int) -> bytes:
    """The head of a response record whose body, written after it, is `size` bytes."""
    return (b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:6a1c0f8e-0000-4000-8000-000000000001>\r\n"
            b"WARC-Date: 2025-03-01T02:00:00Z\r\nWARC-Target-URI: %s\r\nContent-Type: application/http; "
            b"msgtype=response\r\nContent-Length: %d\r\n\r\n" % (url.encode(), size + len(PADDING_HTTP))
            + PADDING_HTTP)


def wacz_bomb(path: Path, before: tuple[str, bytes], after: tuple[str, bytes], huge: int = 2**30) -> None:
    """A WACZ whose one WARC member holds an article page, a record of `huge` bytes of zeros (claiming
    them: over the 16 MiB a record may have), then another article page."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        with package.open("archive/data.warc", "w", force_zip64=True) as warc:
            warc.write(response_record(*before))
            warc.write(padding_head(PADDING_URL, huge))
            for _ in range(huge // MiB):
                warc.write(bytes(MiB))
            warc.write(b"\r\n\r\n" + response_record(*after))
        package.writestr("datapackage.json", json.dumps({"profile": "data-package", "wacz_version": "1.1.1"}))


# Running soyte, measured

@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    cpu: float       # seconds of CPU of the process and of the children it waited for (its reader)
    peak_rss: int    # bytes: the process's own peak resident memory (VmHWM, not its children's)


def soyte_measured(tmp: Path, *args: str, timeout: float, during=None) -> Measured:
    """`soyte ARGS` as helpers.soyte runs it, under tests/peak_rss.py, waited for with wait4.
    `during(process)` runs once it has started (to send it a signal)."""
    out, err, peak = tmp / "stdout", tmp / "stderr", tmp / "peak-kb"
    command = [sys.executable, "-m", "tests.peak_rss", str(peak), "scraper.cli", *args]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        if during:
            during(process)
    except BaseException:
        process.kill()
        process.wait()
        raise
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            process.returncode = -9
            raise AssertionError(f"soyte {' '.join(args)} did not end within {timeout} s:\n{err.read_text()[-3000:]}")
        time.sleep(0.1)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(process.returncode, out.read_text(), err.read_text(), usage.ru_utime + usage.ru_stime,
                    int(peak.read_text()) * 1024)


CRAWL_MODULES = ("scraper.crawl.process", "scraper.pipelines", "scraper.document_pipeline", "scraper.image_pipeline",
                 "spiders.portal", "archive.stories", "datasketch", "twisted.internet.reactor")


def imports_peak() -> int:
    """The peak resident memory (bytes) of a process that only imports what a crawl imports."""
    code = ("import importlib, pathlib\n"
            f"for name in {CRAWL_MODULES!r}: importlib.import_module(name)\n"
            "print(pathlib.Path('/proc/self/status').read_text().split('VmHWM:')[1].split()[0])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return int(done.stdout) * 1024


def peak_in(note: str) -> int:
    """The reader's peak memory that a note reports, in bytes."""
    return int(re.search(r"peak memory ([\d,]+) MiB", note).group(1).replace(",", "")) * MiB


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def stored_body(db: Path, body: bytes) -> bytes | None:
    rows = query(db, "SELECT body FROM document_bodies WHERE sha256 = ?", (sha(body),))
    return zlib.decompress(rows[0]["body"]) if rows else None


# A crawl that meets every document bomb at once

@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bombs")
    served = {HATINH_DOCX: (docx_bomb(), files.DOCX_MEDIA), HATINH_PDF: (pdf_bomb(), files.PDF_MEDIA),
              MIMETYPE_BOMB: (mimetype_bomb(), "application/octet-stream"),
              MEMBERS_BOMB: (many_members_zip(), "application/octet-stream"),
              LONG_DOCX: (files.docx(LONG_PARAGRAPHS), files.DOCX_MEDIA),
              SHEET: (files.xlsx("Tổng hợp", files.XLSX_ROWS), files.XLSX_MEDIA)}
    with ReplayServer(portals=("hatinh",)) as server:
        for url, (body, media) in served.items():
            server.set_page(url, body, media)
        server.set_page(HATINH_ARTICLE, files.hatinh_article_linking(
            [(LONG_DOCX, "Báo cáo"), (SHEET, "Bảng tổng hợp"), (MIMETYPE_BOMB, "Tải về"),
             (MEMBERS_BOMB, "Tải về")]))
        settings = [option for setting in LIMITS for option in ("--set", setting)]
        result = soyte_measured(tmp, "crawl", "hatinh", "--db", str(tmp / "archive.db"), "--replay", server.url,
                                *settings, timeout=240)
    return tmp / "archive.db", {url: body for url, (body, _media) in served.items()}, result


def test_a_crawl_meeting_file_bombs_completes_and_keeps_every_article(bombs):
    db, served, result = bombs
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["status"] == "completed"
    assert "Traceback" not in result.stderr
    assert query(db, "SELECT count(*) AS n FROM articles WHERE portal = 'hatinh'") == [{"n": 4}]


def test_each_bomb_is_stored_as_fetched_with_one_failure_line(bombs):
    db, served, _result = bombs
    for body in served.values():
        assert stored_body(db, body) == body
    rows = {row["url"]: row for row in query(db, "SELECT d.url, d.type, d.text_status, d.text_note, d.text_length "
                                                 "FROM documents d")}
    assert {url: (row["type"], row["text_status"]) for url, row in rows.items()} == {
        HATINH_DOCX: ("docx", "too-large"), HATINH_PDF: ("pdf", "timeout"), MIMETYPE_BOMB: ("zip", "failed"),
        MEMBERS_BOMB: ("zip", "failed"), LONG_DOCX: ("docx", "too-large"), SHEET: ("xlsx", "ok")}
    failures = {row["url"]: (row["kind"], row["reason"]) for row in query(db, "SELECT url, kind, reason FROM failures")}
    bombs_and_long = (HATINH_DOCX, HATINH_PDF, MIMETYPE_BOMB, MEMBERS_BOMB, LONG_DOCX)
    assert failures == {url: ("document-text", rows[url]["text_note"]) for url in bombs_and_long}
    assert re.fullmatch(r"reading its text needs more than 256 MiB of memory \(SOYTE_DOCUMENT_TEXT_MEMORY; peak "
                        r"memory [\d,]+ MiB\); the bytes are kept", rows[HATINH_DOCX]["text_note"])
    assert re.fullmatch(r"its text was not read within 8 s \(SOYTE_DOCUMENT_TEXT_TIMEOUT; peak memory [\d,]+ MiB\); "
                        r"the bytes are kept", rows[HATINH_PDF]["text_note"])
    assert rows[MIMETYPE_BOMB]["text_note"].startswith("ZIP bomb guard: 1 members unpacking to 512 MB")
    assert rows[MEMBERS_BOMB]["text_note"] == ("ZIP bomb guard: its directory lists 500,000 members (limit 10,000); "
                                               "not unpacked")
    assert query(db, "SELECT errors FROM crawl_runs") == [{"errors": 5}]


def test_the_reader_stays_under_its_memory_limit_and_the_crawl_holds_no_bomb(bombs):
    db, _served, result = bombs
    note = query(db, "SELECT text_note FROM documents WHERE url = ?", (HATINH_DOCX,))[0]["text_note"]
    # The XML alone is 190 MB; parsed it took 3 GB. The reader stopped under its limit, and the
    # crawl's own process (~90 MiB) never held the unpacked XML, the 512 MiB `mimetype` or the
    # objects of 500,000 ZIP entries (~300 MiB), though it sniffs the two ZIPs named like no file.
    assert 100 * MiB < peak_in(note) < READER_MEMORY
    # Measured above what the crawl's modules take once imported: that floor moves with what is
    # installed (sqlite-utils imports pandas when it is there, ~60 MiB), the bombs would not fit above it.
    assert result.peak_rss - imports_peak() < 120 * MiB


def test_the_bombs_cost_the_crawl_seconds_of_cpu_not_minutes(bombs):
    _db, _served, result = bombs
    # The reader's CPU is in the crawl's (it waits for each reader it started). Unbounded, the DOCX
    # took 95 s and the PDF 100 s.
    assert result.cpu < 60


def test_a_text_over_the_cap_keeps_its_first_characters(bombs):
    db, _served, _result = bombs
    [row] = query(db, "SELECT text, text_status, text_note, text_length FROM documents WHERE url = ?", (LONG_DOCX,))
    whole = "\n".join(LONG_PARAGRAPHS)
    assert (row["text"], row["text_length"]) == (whole[:2000], 2000)
    assert row["text_note"] == (f"its text runs to {len(whole):,} characters, over SOYTE_DOCUMENT_TEXT_MAXCHARS: "
                                "the first 2,000 are kept")


def test_an_ordinary_file_beside_the_bombs_is_read_in_full(bombs):
    db, _served, _result = bombs
    assert query(db, "SELECT text, text_status, text_note FROM documents WHERE url = ?", (SHEET,)) == [
        {"text": "Tổng hợp\nSTT\tCơ sở khám\tHuyện\n1\tBệnh viện Đa khoa tỉnh Hà Tĩnh\tTP Hà Tĩnh\n"
                 "2\tTrung tâm Y tế huyện Kỳ Anh\tKỳ Anh", "text_status": "ok", "text_note": None}]


# Ctrl-C while the reader is busy

def log_time(log: str, pattern: str) -> datetime:
    """When the crawl logged a line matching `pattern` (Scrapy's log format: to the second)."""
    line = next(line for line in log.splitlines() if re.search(pattern, line))
    return datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S")


def test_ctrl_c_while_a_pdf_bomb_is_read_ends_the_crawl_within_seconds(tmp_path):
    db = tmp_path / "archive.db"
    bomb = pdf_bomb()
    pdf_path = HATINH_PDF.split("soyte.hatinh.gov.vn", 1)[1]

    def interrupt_while_reading(process) -> None:
        deadline = time.monotonic() + 60
        while not server.count(lambda host, path, status: path == pdf_path and status == 200):
            assert process.poll() is None and time.monotonic() < deadline, "the crawl never fetched the PDF"
            time.sleep(0.05)
        time.sleep(2)  # the file is in the reader (it needs 100 s)
        process.send_signal(signal.SIGINT)

    with ReplayServer(portals=("hatinh",)) as server:
        server.set_page(HATINH_PDF, bomb, files.PDF_MEDIA)
        result = soyte_measured(tmp_path, "crawl", "hatinh", "--db", str(db), "--replay", server.url,
                                "--set", "SOYTE_DOCUMENT_TEXT_TIMEOUT=600", timeout=120, during=interrupt_while_reading)
    assert result.returncode == 130, result.stderr[-3000:]
    assert json.loads(result.stdout)["status"] == "interrupted"
    log = (tmp_path / "archive.db.log").read_text()
    stopped = (log_time(log, r"crawl run \d+ interrupted") - log_time(log, "Received SIGINT")).total_seconds()
    assert stopped <= 4, f"the crawl took {stopped} s to stop after Ctrl-C"
    [row] = query(db, "SELECT text_status, text_note, text FROM documents WHERE url = ?", (HATINH_PDF,))
    assert (row["text_status"], row["text"]) == ("interrupted", None)
    assert re.fullmatch(r"the crawl was stopped while its text was read \(peak memory [\d,]+ MiB\); no text, "
                        r"the bytes are kept", row["text_note"])
    assert stored_body(db, bomb) == bomb
    assert query(db, "SELECT count(*) AS n FROM failures WHERE url = ?", (HATINH_PDF,)) == [{"n": 0}]
    assert result.cpu < 30


# A WACZ whose member inflates to 1 GiB

def test_import_warc_of_a_wacz_inflating_to_a_gibibyte_streams_it(tmp_path):
    bacninh = ROOT / "scraper" / "demo_portals" / "bacninh"
    manifest = json.loads((bacninh / "site.json").read_text(encoding="utf-8"))
    first, second = [(p["url"], (bacninh / p["file"]).read_bytes()) for p in manifest["pages"]
                     if p["kind"] == "article"][:2]
    wacz = tmp_path / "bomb.wacz"
    wacz_bomb(wacz, first, second)
    assert wacz.stat().st_size < 8 * MiB
    result = soyte_measured(tmp_path, "import-warc", str(wacz), "--db", str(tmp_path / "backfill.db"), timeout=180)
    assert result.returncode == 1, result.stderr[-3000:]
    counts = json.loads(result.stdout)
    assert (counts["pages_new"], counts["articles_new"], counts["damaged"]) == (2, 2, 1)
    offset = len(response_record(*first))
    assert [line for line in result.stderr.splitlines() if "bomb.wacz" in line] == [
            f"{wacz}!archive/data.warc at byte {offset}: {PADDING_URL} claims {2**30 + len(PADDING_HTTP):,} bytes, "
        "over the 16 MiB limit"]
    assert {row["url"] for row in query(tmp_path / "backfill.db", "SELECT url FROM articles")} == {first[0], second[0]}
    # The member is inflated once, front to back, keeping a few MiB: not 1 GiB, and not again per MiB scanned.
    assert result.peak_rss < 200 * MiB
    assert result.cpu < 60
