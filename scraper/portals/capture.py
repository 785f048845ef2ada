"""Fixture folders: pages as a portal served them, captured, never hand-written.

A portal's fixture folder, `tests/fixtures/<key>/` in the checkout (scraper/portals/checkout.py
says where), is a site folder (scraper/portals/sites.py reads it): `pages/` (raw bytes, never
decoded: decoding is what a layout must get right), `documents/` (files the articles attach, saved
as kind `document`), `expected/<page>.json` (the record the page
must give, written by `soyte expect` and corrected by a person) and `site.json`, the manifest: the
demo portals' format plus each page's HTTP status, headers and capture time. The same format
means the replay server serves a fixture folder as it serves a demo portal. This module writes
such folders: it fetches pages, saves them and drafts their expected records.
"""
from __future__ import annotations

import gzip
import json
import re
import ssl
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from w3lib.url import safe_url_string

from scraper.extraction.document_text import DOCUMENT_KINDS, EXTENSIONS as DOCUMENT_EXTENSIONS, declared_kind, url_extension
from scraper.portals.sites import ARTICLE_KINDS, Site

# Headers that describe the connection or the moment, not the page: kept out of the manifest so a
# re-capture of an unchanged page shows no diff. Set-Cookie may carry a session.
VOLATILE_HEADERS = {"date", "connection", "keep-alive", "transfer-encoding", "content-length", "set-cookie",
                    "content-encoding", "age", "expires"}
EXTENSIONS = {"html": ".html", "xml": ".xml", "plain": ".txt", "json": ".json"}


class FetchError(RuntimeError):
    """The page could not be fetched, or not as a page worth keeping (an error status, a redirect)."""


@dataclass(frozen=True)
class Fetched:
    url: str  # the real URL, also when the bytes came from a replay server
    status: int
    headers: dict[str, str]  # lower-case names, as the server sent them (bar VOLATILE_HEADERS)
    body: bytes

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def fetch(url: str, replay: str | None = None, user_agent: str = "soyte-archiver", timeout: float = 30.0,
          verify: bool = True) -> Fetched:
    """GET one URL without following redirects; with `replay`, ask that server with the real Host.

    This is what scraper/middlewares.py's ReplayDownloadHandler does for the crawler, so a page
    saved from the replay server is recorded under the URL the real site serves it at.
    """
    url = safe_url_string(url)
    real = urlsplit(url)
    if real.scheme not in ("http", "https") or not real.hostname:
        raise FetchError(f"not an http(s) URL: {url}")
    target = urlsplit(replay) if replay else real
    if target.scheme == "https":
        context = ssl.create_default_context()
        if not verify:  # as Scrapy does: many provincial portals serve an incomplete certificate chain
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        connection: HTTPConnection = HTTPSConnection(target.hostname, target.port, timeout=timeout, context=context)
    else:
        connection = HTTPConnection(target.hostname, target.port, timeout=timeout)
    path = (real.path or "/") + (f"?{real.query}" if real.query else "")
    headers = {"Host": real.netloc, "User-Agent": user_agent, "Accept-Encoding": "gzip, deflate",
               "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        received: dict[str, str] = {}
        for name, value in response.getheaders():
            name = name.lower()
            received[name] = f"{received[name]}, {value}" if name in received else value
    except (OSError, HTTPException) as error:
        where = f" (through {replay})" if replay else ""
        raise FetchError(f"could not fetch {url}{where}: {error}") from None
    finally:
        connection.close()
    body = _decompress(raw, received.get("content-encoding", ""))
    kept = {name: value for name, value in received.items() if name not in VOLATILE_HEADERS}
    return Fetched(url, response.status, kept, body)


def _decompress(raw: bytes, encoding: str) -> bytes:
    """The body as Scrapy hands it to a spider: transfer compression undone, bytes otherwise untouched."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding in ("gzip", "x-gzip"):
        return gzip.decompress(raw)
    if encoding == "deflate":
        try:
            return zlib.decompress(raw)
        except zlib.error:
            return zlib.decompress(raw, -zlib.MAX_WBITS)
    raise FetchError(f"cannot undo Content-Encoding {encoding!r}")


def file_name(url: str, content_type: str | None, kind: str = "") -> str:
    """A readable file name for a page: its last path segment, with the extension its type implies;
    a document keeps its own extension (its URL's, else its type's), and its name unquoted."""
    segment = PurePosixPath(urlsplit(url).path).name or "index"
    dropped = ("html", "htm", "aspx", "php", "jsp", "xml", "txt")
    if kind == "document":  # "nghi%20dinh%2096.pdf" is "nghi-dinh-96.pdf"
        segment, dropped = unquote(segment), (*dropped, *DOCUMENT_KINDS)
    stem, dot, suffix = segment.rpartition(".")
    if dot and suffix.lower() in dropped:
        segment = stem
    stem = re.sub(r"[^a-z0-9._-]+", "-", segment.lower()).strip("-.") or "index"
    if len(stem) > 80:  # keep the slug's start and its end, where portals put the article's id
        stem = f"{stem[:60].rstrip('-.')}-{stem[-19:].lstrip('-.')}"
    if kind == "document":
        return stem + document_extension(url, content_type)
    subtype = (content_type or "text/html").split(";")[0].strip().lower().split("/")[-1]
    extension = next((ext for key, ext in EXTENSIONS.items() if key in subtype), ".bin")
    return stem + extension


def document_extension(url: str, content_type: str | None) -> str:
    """`.pdf` for …/cong-van.pdf and for LinkClick.aspx?fileticket=… served as application/pdf."""
    if url_extension(url) in DOCUMENT_EXTENSIONS:
        return url_extension(url)
    kind = declared_kind(content_type)
    return f".{kind}" if kind in DOCUMENT_KINDS else ".bin"


class FixtureFolder(Site):
    """A portal's fixture folder: a site folder that `soyte new-portal` creates and `save-page` fills."""

    @classmethod
    def for_portal(cls, key: str, fixtures_root: Path) -> "FixtureFolder":
        """The portal's folder in the project's fixtures folder (scraper/portals/checkout.py: fixtures_dir)."""
        return cls(Path(fixtures_root) / key)

    def create(self, portal: str, province: str, layout: str, base_url: str, start_urls: list[str]) -> None:
        """An empty fixture folder; `.gitkeep` files keep the empty pages/ and expected/ in a commit."""
        for sub in ("pages", "expected"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
            (self.folder / sub / ".gitkeep").touch()
        self.write_manifest({"portal": portal, "province": province, "layout": layout, "base_url": base_url,
                             "start_urls": start_urls, "pages": []})

    def write_manifest(self, manifest: dict) -> None:
        self.manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    def save(self, fetched: Fetched, kind: str, name: str | None = None) -> dict:
        """Write the page's bytes and its manifest entry; a URL saved before keeps its file (re-capture)."""
        manifest = self.manifest()
        entries = manifest["pages"]
        previous = next((entry for entry in entries if entry["url"] == fetched.url), None)
        taken = {entry["file"] for entry in entries if entry is not previous}
        sub = "documents" if kind == "document" else "pages"  # beside the pages, as the demo portals keep them
        file = f"{sub}/{name}" if name else (previous["file"] if previous else None)
        if file is None:
            file = f"{sub}/{file_name(fetched.url, fetched.content_type, kind)}"
            stem, _, suffix = file.rpartition(".")
            number = 2
            while file in taken:
                file, number = f"{stem}-{number}.{suffix}", number + 1
        if file in taken:
            raise FetchError(f"{file} already holds another URL in {self.manifest_path}: choose another --name")
        entry = {"url": fetched.url, "file": file, "kind": kind, "content_type": fetched.content_type,
                 "status": fetched.status, "headers": fetched.headers,
                 "captured_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
        (self.folder / file).parent.mkdir(parents=True, exist_ok=True)
        (self.folder / file).write_bytes(fetched.body)
        if previous is not None:
            entries[entries.index(previous)] = entry
        else:
            entries.append(entry)
        self.write_manifest(manifest)
        return entry


def guess_kind(url: str, content_type: str | None, start_urls: tuple[str, ...]) -> str:
    """robots.txt, an attached document (named or served as one), a sitemap (XML), a start URL (a
    listing), else an article: `--kind` overrides. A document comes before a sitemap: DOCX and XLSX
    types say "openxmlformats"."""
    if urlsplit(url).path == "/robots.txt":
        return "robots"
    if url_extension(url) in DOCUMENT_EXTENSIONS or declared_kind(content_type) in DOCUMENT_KINDS:
        return "document"
    if "xml" in (content_type or "") and "html" not in (content_type or ""):
        return "sitemap"
    return "listing" if url in start_urls else "article"


def write_expected(folder: FixtureFolder, portal: str, force: bool = False) -> list[dict]:
    """Write the current extraction of each article page as its expected record, for a person to check.

    A portal whose layout is still unfinished (a new, empty layout file) gets the generic
    extractor's drafts: a person corrects them, then `soyte learn` writes the layout from them.
    An existing expected record is kept unless `force`: it may hold a person's corrections.
    Returns one report per page: {"page", "expected", "status": written | kept | failed,
    "extraction": layout | generic, "error"?}.
    """
    from scraper.extraction.layouts import LayoutError, load_layout
    from scraper.extraction.pages import ExtractionError
    from scraper.portals.reading import extract_portal_page
    from scraper.portals.registry import get_portal

    entry = get_portal(portal)
    try:
        load_layout(entry.layout)
        method = "auto"
    except LayoutError:
        method = "generic"
    reports = []
    for page in folder.pages(ARTICLE_KINDS):
        report = {"page": page.file, "expected": f"expected/{page.expected_path.name}"}
        if page.expected_path.exists() and not force:
            reports.append({**report, "status": "kept"})
            continue
        try:
            result = extract_portal_page(page.body(), page.url, entry, page.content_type, method=method)
        except ExtractionError as error:
            reports.append({**report, "status": "failed", "error": str(error)})
            continue
        page.expected_path.parent.mkdir(parents=True, exist_ok=True)
        page.expected_path.write_text(json.dumps(result.record, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")
        reports.append({**report, "status": "written", "extraction": result.method})
    return reports
