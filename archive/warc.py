"""The raw archive as WARC (ISO 28500, WARC/1.1) and WACZ, both ways, through warcio and py-wacz.

Out: every stored page is a `response` record (its URL, first capture time as WARC-Date, status
and headers as fetched) followed by a `request` record pointing at it with WARC-Concurrent-To,
after one `warcinfo` record naming soyte and its version. Scrapy stores bodies with their
transfer and content encodings removed, so the record's headers say so the way pywb and
ReplayWeb.page expect: `Transfer-Encoding` becomes `X-Archive-Orig-Transfer-Encoding`, and
`Content-Length` is the stored body's length (the fetched value kept as
`X-Archive-Orig-Content-Length` when it differs). A `Content-Encoding` still present means Scrapy
could not decode the body, so it is still encoded and the header stays true. soyte keeps no
request headers: its request records hold only the request line and `Host`.

After the pages, every stored capture of an attached document and of an article's image is a
`response` record too (Soyte-Page-Kind `document` or `image`), at the time it was first fetched at
that URL: an image with the headers it was served with, a document with its type and validators
(all that its capture keeps), so that a replay shows the article with its images and opens its files.

In: `read_captures` yields every `response` record of a WARC or WACZ file as a Capture (a non-HTML
one marked `html=False`: scraper/offline/warc_files.py keeps it if an article links it), and a
Skipped line for revisits and damaged data; a damaged record never stops the
file: reading resumes at the next record (the next gzip member, or the next `WARC/1.` line).
"""
from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import BinaryIO, Callable, Iterator
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.compression import DamagedPage, PageCodec, host_clause
from archive.warc_stream import ForwardStream

MAX_BODY = 16 * 1024 * 1024  # as the crawl's DOWNLOAD_MAXSIZE: a longer record is refused, not read
KIND_HEADER = "Soyte-Page-Kind"  # extension field: listing, article or other, so a re-import keeps it
HTML_TYPES = ("text/html", "application/xhtml+xml")
ORIG = "X-Archive-Orig-"


def soyte_version() -> str:
    try:
        return version("soyte")
    except PackageNotFoundError:
        return "unknown"


def warc_date(iso: str) -> str:
    """An archive timestamp (ISO 8601 with offset) as a WARC-Date: UTC, `Z`."""
    moment = datetime.fromisoformat(iso).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def archive_time(warc_date_value: str) -> str:
    """A WARC-Date (`Z`, maybe with a fraction) in the archive's own form: `…+00:00`, to the second."""
    moment = datetime.fromisoformat(warc_date_value.replace("Z", "+00:00")).astimezone(timezone.utc)
    return moment.replace(microsecond=0).isoformat()


def replayable_headers(headers: dict[str, str], body_length: int) -> list[tuple[str, str]]:
    """The stored headers as a replay tool must see them beside the stored (decoded) body."""
    out: list[tuple[str, str]] = []
    for name, value in headers.items():
        lower = name.lower()
        if lower == "transfer-encoding":
            out.append((ORIG + name, value))
        elif lower == "content-length":
            if value.strip() != str(body_length):
                out.append((ORIG + name, value))
        else:
            out.append((name, value))
    out.append(("Content-Length", str(body_length)))
    return out


def _page_rows(conn: sqlite3.Connection, hosts: list[str] | None, since: str | None) -> sqlite3.Cursor:
    where, params = [], []
    if hosts:
        clauses = [host_clause(host) for host in hosts]
        where.append("(" + " OR ".join(c for c, _ in clauses) + ")")
        params += [p for _, ps in clauses for p in ps]
    if since:
        where.append("fetched_at >= ?")
        params.append(since)
    sql = ("SELECT id, url, kind, status, headers, body, codec, dictionary_id, body_size, fetched_at FROM pages"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id")
    return conn.execute(sql, params)


def write_warc(conn: sqlite3.Connection, out: BinaryIO, hosts: list[str] | None = None, since: str | None = None,
               on_damaged: Callable[[int, str], None] = lambda page_id, reason: None,
               filename: str = "soyte.warc.gz", on_page: Callable[[int, str, str, str], None] | None = None,
               tally: dict[str, int] | None = None) -> int:
    """Write the selected pages, then documents and images, as gzipped WARC/1.1 to `out`; returns how
    many response records (`tally`, if given, gets how many of each kind: page, document, image).

    `since` is a UTC ISO time: pages first captured then or later. A damaged page is reported
    through `on_damaged` and left out.
    """
    codec = PageCodec(conn)
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    writer.write_record(writer.create_warcinfo_record(filename, {
        "software": f"soyte/{soyte_version()} (+https://github.com/soyte-archive/soyte)",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "description": "Pages of Vietnam's provincial Departments of Health (So Y te) kept by soyte; "
                       "bodies as stored after transfer and content decoding (see X-Archive-Orig- headers); "
                       "request records hold only the request line and Host; after the pages, the attached "
                       "documents (headers: their type and validators only) and the articles' images.",
    }))
    count = 0
    for page_id, url, kind, status, headers, blob, codec_name, dictionary_id, size, fetched_at in _page_rows(
            conn, hosts, since):
        try:
            body = codec.unpack(blob, codec_name, dictionary_id, size, page_id)
        except DamagedPage as error:
            on_damaged(page_id, str(error))
            continue
        _write_exchange(writer, url, kind, status, json.loads(headers or "{}"), body, warc_date(fetched_at))
        if on_page:
            on_page(page_id, url, kind, warc_date(fetched_at))
        count += 1
    tally = {} if tally is None else tally
    tally["page"] = count
    for url, kind, status, headers, body, fetched_at in file_captures(conn, hosts, since):
        _write_exchange(writer, url, kind, status, headers, body, warc_date(fetched_at))
        tally[kind] = tally.get(kind, 0) + 1
        count += 1
    return count


def _file_rows(conn: sqlite3.Connection, table: str, columns: str, hosts: list[str] | None,
               since: str | None) -> list[tuple]:
    """The successful captures of `table` (document_captures, image_captures) selected as pages are."""
    if table not in {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}:
        return []  # an archive made before documents or images were kept
    where, params = ["c.status = 200"], []
    if hosts:
        clauses = [host_clause(host) for host in hosts]
        where.append("(" + " OR ".join(c.replace("url", "c.url") for c, _ in clauses) + ")")
        params += [p for _, ps in clauses for p in ps]
    if since:
        where.append("c.fetched_at >= ?")
        params.append(since)
    return conn.execute(f"SELECT {columns}, b.body, c.fetched_at FROM {table} c JOIN document_bodies b "
                        f"ON b.sha256 = c.sha256 WHERE {' AND '.join(where)} ORDER BY c.id", params).fetchall()


def file_captures(conn: sqlite3.Connection, hosts: list[str] | None = None, since: str | None = None
                  ) -> Iterator[tuple[str, str, int, dict[str, str], bytes, str]]:
    """Every stored capture of a document or an image, as (URL, kind, status, headers, body, fetched_at):
    each (URL, content) once, at the time it was first fetched there. An image's headers are those
    it was served with; a document's capture keeps only its type and validators, which are what its
    record says (no other header was kept)."""
    for url, served, etag, modified, body, fetched_at in _file_rows(
            conn, "document_captures", "c.url, c.content_type, c.etag, c.last_modified", hosts, since):
        headers = {name: value for name, value in (("Content-Type", served), ("ETag", etag),
                                                   ("Last-Modified", modified)) if value}
        yield url, "document", 200, headers, zlib.decompress(body), fetched_at
    for url, headers, body, fetched_at in _file_rows(conn, "image_captures", "c.url, c.headers", hosts, since):
        yield url, "image", 200, json.loads(headers or "{}"), zlib.decompress(body), fetched_at


def _write_exchange(writer: WARCWriter, url: str, kind: str, status: int, headers: dict[str, str], body: bytes,
                    date: str) -> None:
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
    http = StatusAndHeaders(f"{status} {reason}", replayable_headers(headers, len(body)), protocol="HTTP/1.1")
    response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                         warc_headers_dict={"WARC-Date": date, KIND_HEADER: kind or "other"})
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_line = StatusAndHeaders(f"GET {target} HTTP/1.1", [("Host", parts.netloc)], is_http_request=True)
    request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=request_line,
                                        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To":
                                                           response.rec_headers.get_header("WARC-Record-ID")})
    writer.write_record(response)
    writer.write_record(request)


def write_wacz(conn: sqlite3.Connection, path: Path, hosts: list[str] | None = None, since: str | None = None,
               on_damaged: Callable[[int, str], None] = lambda page_id, reason: None, name: str | None = None,
               tally: dict[str, int] | None = None) -> int:
    """The same records packaged as WACZ 1.1 (WARC, CDX index, datapackage) by py-wacz, with a
    pages list of the article pages under their titles, which ReplayWeb.page shows as the contents.
    The WARC inside is named after `name` (the package's final name when `path` is a FILE.part), else `path`."""
    try:
        from wacz.main import main as wacz_main
    except ImportError:
        raise OSError("WACZ needs py-wacz: pip install 'soyte[wacz]'") from None

    with tempfile.TemporaryDirectory(prefix="soyte-wacz-") as folder:
        warc, pages = Path(folder) / (Path(name or path.name).stem + ".warc.gz"), Path(folder) / "pages.jsonl"
        articles: list[tuple[int, str, str]] = []

        def note_article(page_id: int, url: str, kind: str, date: str) -> None:
            if kind == "article":
                articles.append((page_id, url, date))

        with warc.open("wb") as out:
            count = write_warc(conn, out, hosts, since, on_damaged, warc.name, note_article, tally)
        _write_pages_list(conn, pages, articles)
        chatter = io.StringIO()  # py-wacz prints its progress on stdout, where soyte keeps data only
        with contextlib.redirect_stdout(chatter):
            status = wacz_main(["create", "-o", str(path), "-p", str(pages), "--title", "soyte archive",
                                "--desc", f"Pages kept by soyte {soyte_version()}", str(warc)])
        if status not in (0, None):
            raise OSError(f"py-wacz could not write {path}: {chatter.getvalue().strip()[-300:]}")
    return count


def _write_pages_list(conn: sqlite3.Connection, path: Path, articles: list[tuple[int, str, str]]) -> None:
    titles = dict(conn.execute("SELECT page_id, title FROM articles WHERE page_id IS NOT NULL"))
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Article pages"}) + "\n")
        for page_id, url, date in articles:
            out.write(json.dumps({"url": url, "ts": date, "title": titles.get(page_id, url)},
                                 ensure_ascii=False) + "\n")


@dataclass
class Capture:
    """One HTTP response out of a WARC file, its body decoded as a crawl would have stored it."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    captured_at: str
    kind: str | None = None  # from a soyte export; None from other archives
    offset: int = 0
    html: bool = True  # False: a file (a document, an image …), imported only for an article that links it
    where: str = ""    # the file and byte the record was read at, for the line a skipped file gets


@dataclass
class Skipped:
    """A record (or damaged stretch of a file) not imported; `what`: revisit, not-html or damaged."""

    what: str
    message: str
    url: str | None = None


def is_wacz(path: Path) -> bool:
    """A WACZ is a ZIP from its first byte; `zipfile.is_zipfile` alone looks only for a ZIP's end,
    which an uncompressed WARC whose last record holds a ZIP file has too."""
    with path.open("rb") as file:
        return file.read(4) == b"PK\x03\x04" and zipfile.is_zipfile(path)


def read_captures(path: Path) -> Iterator[Capture | Skipped]:
    """Every response record of a WARC (gzipped or not) or WACZ file."""
    if is_wacz(path):
        with zipfile.ZipFile(path) as package:
            members = [m for m in package.namelist() if m.startswith("archive/") and ".warc" in m]
            if not members:
                yield Skipped("damaged", f"{path}: a zip file without archive/*.warc* (not a WACZ)")
            for member in members:
                yield from _read_stream(lambda: package.open(member), f"{path}!{member}",
                                        package.getinfo(member).file_size)
        return
    yield from _read_stream(lambda: path.open("rb"), str(path), path.stat().st_size)


def _read_stream(open_stream: Callable[[], BinaryIO], name: str, size: int) -> Iterator[Capture | Skipped]:
    """The records of one WARC, read front to back once (a WACZ's member cannot seek back cheaply:
    archive.warc_stream), resuming after each damaged record at the next one."""
    start: int | None = 0
    with ForwardStream(open_stream) as stream:
        while start is not None:
            stream.seek(start)
            start = yield from _read_from(stream, name, size, start)
            if start is not None:
                start = _next_record_start(stream, start)


def _read_from(stream: BinaryIO, name: str, size: int, start: int):
    """Records from `start` on; returns where to resume after damage, or None at the end of the file."""
    records = ArchiveIterator(stream)
    position = start
    try:
        while True:
            with contextlib.redirect_stderr(io.StringIO()) as warnings:  # warcio writes its own warnings
                record = next(records, None)
            position = records.offset
            if record is None:
                break
            item, resync = _capture(record, name, position)
            if item:
                yield item
            if resync:
                return position + 1
            if warnings.getvalue():
                yield Skipped("damaged", f"{name}: the record before byte {position} does not end where its "
                                         f"Content-Length says")
    except Exception as error:  # a damaged record fails inside warcio in many ways; each is one line
        position = max(records.offset, position)  # warcio has moved to the failing record's start
        yield Skipped("damaged", f"{name}: unreadable record at byte {position}: {_describe(error)}; skipped")
        return position + 1
    if size - records.offset > 4:  # what is left is not even one record: a truncated end
        yield Skipped("damaged", f"{name}: {size - records.offset} bytes at byte {records.offset} could not be read "
                                 f"(a truncated record or gzip member)")
    return None


def _describe(error: Exception) -> str:
    """What a warcio failure on a damaged record means, in one phrase."""
    text = str(error)
    if isinstance(error, AttributeError):  # warcio reads the target URI before checking it exists
        return "no WARC-Target-URI"
    if text.startswith("Unknown archive format"):
        return "not WARC data"
    if "\x1f\x8b" in text or isinstance(error, (EOFError, zlib.error)):
        return "damaged or truncated gzip member"
    return f"{type(error).__name__}: {text[:80]!r}"


def _next_record_start(stream: BinaryIO, offset: int) -> int | None:
    """The next gzip member or `WARC/1.` line at or after `offset`, or None; reads forward only,
    keeping the last bytes of each chunk so that a marker across two chunks is found."""
    stream.seek(offset)
    tail = b""
    while True:
        data = stream.read(1 << 20)
        if not data:
            return None
        window = tail + data
        hits = [i for i in (window.find(b"\x1f\x8b\x08"), window.find(b"WARC/1.")) if i >= 0]
        if hits:
            return offset - len(tail) + min(hits)
        offset += len(data)
        tail = window[-8:]


def _capture(record, name: str, offset: int) -> tuple[Capture | Skipped | None, bool]:
    """The record as a Capture, a Skipped line, or None (not a response); True: resume past it."""
    kind = record.rec_type
    url = record.rec_headers.get_header("WARC-Target-URI")
    where = f"{name} at byte {offset}"
    if kind == "revisit":
        return Skipped("revisit", f"{where}: revisit record of {url} (no body of its own)", url), False
    if kind != "response":
        return None, False
    if not url:
        return Skipped("damaged", f"{where}: response record without WARC-Target-URI"), False
    if (record.length or 0) > MAX_BODY:
        return Skipped("damaged", f"{where}: {url} claims {record.length:,} bytes, over the "
                                  f"{MAX_BODY // 2**20} MiB limit", url), True
    if record.http_headers is None or not record.http_headers.get_statuscode().isdigit():
        return Skipped("damaged", f"{where}: {url} has no HTTP status line", url), False
    headers = _stored_headers(record.http_headers)
    content_type = headers.get("Content-Type", "")
    body = record.content_stream().read(MAX_BODY + 1)
    if len(body) > MAX_BODY:  # its Content-Encoding unpacks past the limit: a gzip bomb, not a truncated record
        return Skipped("damaged", f"{where}: {url} unpacks to over the {MAX_BODY // 2**20} MiB limit (a gzip bomb?); "
                                  "not read further", url), False
    if record.raw_stream.limit > 0:
        return Skipped("damaged", f"{where}: {url} is truncated ({record.raw_stream.limit:,} bytes missing)", url), False
    date = record.rec_headers.get_header("WARC-Date")
    try:
        captured_at = archive_time(date)
    except (TypeError, ValueError):
        return Skipped("damaged", f"{where}: {url} has no valid WARC-Date ({date!r})", url), False
    return Capture(url, int(record.http_headers.get_statuscode()), headers, body, captured_at,
                   record.rec_headers.get_header(KIND_HEADER), offset, _is_html(content_type, body),
                   f"{where}: {url} is {content_type or 'not HTML'}"), False


def _stored_headers(http: StatusAndHeaders) -> dict[str, str]:
    """Headers as soyte stores them for the decoded body warcio gives (content and transfer encodings gone)."""
    headers: dict[str, str] = {}
    for name, value in http.headers:
        if name.lower() in ("content-encoding", "transfer-encoding"):
            name = ORIG + name
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _is_html(content_type: str, body: bytes) -> bool:
    if content_type:
        return content_type.split(";")[0].strip().lower() in HTML_TYPES
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))
