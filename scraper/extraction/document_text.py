"""The text of an attached document (PDF, DOCX, XLSX, XLS, ODT, RTF, ZIP of these), as NFC lines.

Pure bytes in, text out: no Scrapy, no SQLite. The type is read from the bytes themselves (a
portal's Content-Type and file name are often wrong: `.doc` files that are HTML, PDFs served as
`application/octet-stream`); the declared type is only compared with it. Every way a file can
be unreadable ends as `status="failed"` with one line saying why, never as an exception: the
bytes are archived either way, and a scanned PDF is said to have "no text layer", not "no text".
"""
from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from scraper.extraction.cleaning import tidy

# Well-kept readers log every oddity of a malformed file; the one line we record is enough.
for _noisy in ("pypdf", "openpyxl", "docx"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)

# A ZIP (or DOCX/XLSX/ODT, which are ZIPs) that unpacks beyond this is refused unread: a ZIP bomb.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_MEMBERS = 10_000

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "rtf": "application/rtf",
    "zip": "application/zip",
    "html": "text/html",
    "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "unknown": "application/octet-stream",
}
DOCUMENT_KINDS = ("pdf", "doc", "docx", "xls", "xlsx", "odt", "rtf", "zip")
IMAGE_KINDS = ("jpeg", "png", "gif", "webp")
# Declared types that say nothing about the content (portals send these for every download).
VAGUE_TYPES = {"application/octet-stream", "application/force-download", "application/x-download",
               "binary/octet-stream", "application/download", "application/unknown", ""}
_DECLARED = {media: kind for kind, media in MEDIA_TYPES.items()} | {
    "application/x-pdf": "pdf", "application/vnd.ms-word": "doc", "text/rtf": "rtf",
    "application/x-zip-compressed": "zip", "application/x-rtf": "rtf", "image/jpg": "jpeg",
    "application/xhtml+xml": "html"}


@dataclass
class DocumentText:
    """What the text step made of a file's bytes, carried as it is from the reader (scraper.crawl.document_reader)
    to the archive (archive.documents.DocumentStore): `kind` and `media_type` are the stored type and content type."""

    kind: str                 # what the bytes are: pdf, docx, xlsx, xls, doc, odt, rtf, zip, html, an image, unknown
    text: str | None          # NFC lines; pages and sheets separated by a blank line
    status: str               # ok, no-text-layer (a scan), not-text (an image), unsupported, failed; and from
    #                           scraper.crawl.document_reader: timeout, too-large (memory or length), interrupted
    note: str | None = None   # the one line saying why, for every status but ok
    pages: int | None = None  # PDF pages
    mismatch: str | None = None  # the server declared another type than the bytes are

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]


class Unreadable(Exception):
    """The file is what it claims but cannot be read (corrupt, encrypted, truncated, a bomb)."""


def url_extension(url: str) -> str:
    """`.pdf` for …/cong-van.pdf?t=1575 and Liferay's …/cong-van.pdf/c85d1f31-85fa52ac?t=1575."""
    path = PurePosixPath(unquote(urlsplit(url).path).lower())
    for part in (path.name, path.parent.name):
        suffix = PurePosixPath(part).suffix
        if suffix:
            return suffix
    return ""


def declared_kind(content_type: str | None) -> str | None:
    """The kind a Content-Type names, or None when it names none (octet-stream and the like)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in VAGUE_TYPES:
        return None
    return _DECLARED.get(media, "unknown")


def sniff(body: bytes, url: str = "") -> str:
    """The kind of file the bytes are, by their signature (the URL only tells .doc from .xls when the
    directory of an old Office file is unusual)."""
    head = body[:1024]
    # A ZIP first: one that stores its members uncompressed (a bundle of PDFs) shows the first
    # member's %PDF- within its first kilobyte, yet it is a ZIP, and read as one (every member).
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(body)
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: Word or Excel 97-2003
        # Directory entries name their streams in UTF-16, NUL-terminated.
        if "WordDocument\0".encode("utf-16-le") in body:
            return "doc"
        if "Workbook\0".encode("utf-16-le") in body or "Book\0".encode("utf-16-le") in body:
            return "xls"
        return "xls" if url_extension(url) == ".xls" else "doc"
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if re.search(rb"<(!doctype html|html|head|body|meta|table|p)[\s>]", head.lower()):
        return "html"
    return "unknown"


def _zip_kind(body: bytes) -> str:
    if (listed_members(body) or 0) > MAX_MEMBERS:  # parsing a directory of a million entries takes ~0.5 GB
        return "zip"
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
            # Read no further than the type's length: a "mimetype" member may inflate to gigabytes.
            if "mimetype" in names and _zip_head(archive, "mimetype").strip() == MEDIA_TYPES["odt"].encode():
                return "odt"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        pass
    return "zip"


def _zip_head(archive: zipfile.ZipFile, name: str, size: int = 100) -> bytes:
    with archive.open(name) as member:
        return member.read(size)


def listed_members(body: bytes) -> int | None:
    """How many members a ZIP's end record says its directory lists (ZIP64 too), read without
    parsing the directory: zipfile makes an object of every entry before anyone can count them."""
    end = body.rfind(b"PK\x05\x06", max(0, len(body) - 65_557))  # the end record, before a comment of ≤ 64 KB
    if end < 0 or len(body) < end + 12:
        return None
    count = int.from_bytes(body[end + 10:end + 12], "little")
    locator = end - 20  # ZIP64: a locator just before the end record points at the ZIP64 end record
    if count == 0xFFFF and locator >= 0 and body[locator:locator + 4] == b"PK\x06\x07":
        record = int.from_bytes(body[locator + 8:locator + 16], "little")
        if body[record:record + 4] == b"PK\x06\x06":
            count = int.from_bytes(body[record + 32:record + 40], "little")
    return count


def guard_zip(body: bytes) -> zipfile.ZipFile:
    """Open a ZIP only if its members unpack to a sane size: zipfile never inflates a member past
    the size its header declares, so checking the declared sizes is enough."""
    listed = listed_members(body) or 0
    if listed > MAX_MEMBERS:
        raise Unreadable(f"ZIP bomb guard: its directory lists {listed:,} members (limit {MAX_MEMBERS:,}); "
                         "not unpacked")
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise Unreadable(f"corrupt or truncated ZIP container: {error}") from None
    members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED:
        archive.close()
        raise Unreadable(f"ZIP bomb guard: {len(members)} members unpacking to {unpacked / 2**20:,.0f} MB "
                         f"from {len(body) / 2**20:,.1f} MB (limit {MAX_UNPACKED // 2**20} MB); not unpacked")
    return archive


def lines(chunks) -> str:
    """NFC, whitespace tidied, one line per chunk, empty chunks dropped."""
    return "\n".join(line for line in (tidy(chunk) for chunk in chunks) if line)


def table_row(cells) -> str:
    """One row of a table (a spreadsheet's, a Word table's) as one line, its cells separated by a
    tab, so that a reader or a script still sees the columns ("Vân Đồn\t42\t17", not "Vân Đồn 42 17").
    Each cell is tidied (a line break inside a cell becomes a space); an empty cell stays an empty
    field, so the columns after it keep their place; empty cells at the row's end are dropped."""
    values = ["" if value is None else tidy(str(value)) for value in cells]
    while values and not values[-1]:
        values.pop()
    return "\t".join(values)


def table_lines(prepared) -> str:
    """Lines already tidied (paragraphs, a sheet's name) and table rows (`table_row`), one per
    line, empty ones dropped: unlike `lines`, which would turn a row's tabs into spaces."""
    return "\n".join(line for line in prepared if line)


def pdf_text(body: bytes) -> DocumentText:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    if b"%%EOF" not in body[-2048:]:
        raise Unreadable(f"truncated PDF: it ends after {len(body):,} bytes without its %%EOF marker")
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("encrypted PDF: a password is needed to read its text")
        pages = [lines(page.extract_text().splitlines()) for page in reader.pages]
    except FileNotDecryptedError:
        raise Unreadable("encrypted PDF: a password is needed to read its text") from None
    except Unreadable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, NotImplementedError, ZeroDivisionError) as error:
        raise Unreadable(f"corrupt PDF: {type(error).__name__}: {error}") from None
    text = "\n\n".join(page for page in pages if page)
    if not text:
        return DocumentText("pdf", None, "no-text-layer", f"no text layer in its {len(pages)} pages "
                            "(scanned images?); the file is kept", len(pages))
    return DocumentText("pdf", text, "ok", pages=len(pages))


def docx_text(body: bytes) -> str:
    import docx

    guard_zip(body).close()
    document = docx.Document(io.BytesIO(body))
    out = [tidy(paragraph.text) for paragraph in document.paragraphs]
    for table in document.tables:
        out += [table_row(distinct_cells(row)) for row in table.rows]
    return table_lines(out)


def distinct_cells(row) -> list[str]:
    """A Word table row's cells' text, a merged cell once (python-docx repeats it for each grid
    column it spans, which would shift the columns after it)."""
    seen, texts = set(), []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            texts.append(cell.text)
    return texts


def xlsx_text(body: bytes) -> str:
    import openpyxl

    guard_zip(body).close()
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    sheets = []
    for sheet in book.worksheets:
        rows = [table_row(row) for row in sheet.iter_rows(values_only=True)]
        sheets.append(table_lines([tidy(sheet.title), *rows]))
    book.close()
    return "\n\n".join(sheets)


def xls_text(body: bytes) -> str:
    import xlrd

    book = xlrd.open_workbook(file_contents=body, on_demand=True)
    sheets = []
    for sheet in book.sheets():
        rows = [table_row(xls_cell(cell, book.datemode) if cell.value not in ("", None) else None
                          for cell in sheet.row(r)) for r in range(sheet.nrows)]
        sheets.append(table_lines([tidy(sheet.name), *rows]))
    return "\n\n".join(sheets)


def xls_cell(cell, datemode: int) -> str:
    """Old Excel keeps every number as a float and dates as day numbers: 500, not 500.0; dates in ISO."""
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate.xldate_as_datetime(cell.value, datemode).isoformat().removesuffix("T00:00:00")
    if isinstance(cell.value, float) and cell.value.is_integer():
        return str(int(cell.value))
    return str(cell.value)


def odt_text(body: bytes) -> str:
    with guard_zip(body) as archive:
        root = ElementTree.fromstring(archive.read("content.xml"))
    ns = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
    return lines("".join(node.itertext()) for node in root.iter() if node.tag in (f"{ns}p", f"{ns}h"))


def rtf_text(body: bytes) -> str:
    from striprtf.striprtf import rtf_to_text

    return lines(rtf_to_text(body.decode("latin-1")).splitlines())


def zip_text(body: bytes, depth: int) -> str:
    """Each document inside, under its name; a ZIP inside a ZIP is not opened."""
    parts = []
    with guard_zip(body) as archive:
        for member in archive.infolist():
            if member.is_dir() or url_extension(member.filename) not in EXTENSIONS or depth > 0:
                continue
            inner = extract_text(archive.read(member), member.filename, None, depth + 1)
            parts.append(f"{member.filename}\n{inner.text or '(' + (inner.note or inner.status) + ')'}")
    return "\n\n".join(parts)


EXTENSIONS = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".rtf", ".zip"}
READERS = {"docx": docx_text, "xlsx": xlsx_text, "xls": xls_text, "odt": odt_text, "rtf": rtf_text}
NAMES = {"pdf": "PDF", "doc": "Word (.doc)", "docx": "Word (.docx)", "xls": "Excel (.xls)",
         "xlsx": "Excel (.xlsx)", "odt": "OpenDocument text", "rtf": "RTF", "zip": "ZIP"}


def expected_kind(url: str, content_type: str | None) -> str | None:
    """What the portal says the file is: its Content-Type, else its file name."""
    declared = declared_kind(content_type)
    if declared not in (None, "unknown"):
        return declared
    extension = url_extension(url).lstrip(".")
    return {"jpg": "jpeg"}.get(extension, extension) if extension in {*DOCUMENT_KINDS, "jpg", *IMAGE_KINDS} else None


def extract_text(body: bytes, url: str, content_type: str | None, depth: int = 0) -> DocumentText:
    """The file's kind and text. Never raises for a bad file: the reason is in `note`."""
    kind = sniff(body, url)
    claimed = expected_kind(url, content_type)
    result = _read(kind, body, url, claimed, depth)
    declared = declared_kind(content_type)
    if declared and declared != kind and result.status != "failed":  # a failure's line already says it
        result.mismatch = f"the server said {content_type.split(';')[0]} but the file is {NAMES.get(kind, kind)}"
    return result


def _read(kind: str, body: bytes, url: str, claimed: str | None, depth: int) -> DocumentText:
    if kind in IMAGE_KINDS:
        return DocumentText(kind, None, "not-text", "an image: its text is not read (no OCR)")
    if kind == "html":
        what = NAMES.get(claimed or "", "document")
        return DocumentText(kind, None, "failed", f"served as a {what} but it is an HTML page "
                            "(an error page or a web page saved as a document): no text read; the bytes are kept")
    if kind == "unknown":
        return DocumentText(kind, None, "failed", f"not a document format soyte reads (it begins {body[:8]!r})")
    if kind == "doc":
        return DocumentText(kind, None, "unsupported", "Word 97-2003 (.doc) text is not read; the file is kept")
    try:
        if kind == "pdf":
            return pdf_text(body)
        text = zip_text(body, depth) if kind == "zip" else READERS[kind](body)
    except Unreadable as error:
        return DocumentText(kind, None, "failed", str(error))
    except MemoryError:  # not the file's flaw but its size: scraper.crawl.document_reader says so (too-large)
        raise
    except Exception as error:  # noqa: BLE001 — any reader's error on a malformed file is that file's problem
        return DocumentText(kind, None, "failed", f"corrupt {NAMES[kind]} file: {type(error).__name__}: {error}")
    if not text:
        return DocumentText(kind, None, "ok", "the file holds no text")
    return DocumentText(kind, text, "ok")
