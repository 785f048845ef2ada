"""Replay server: serves site folders (the bundled demo portals, or any folders named) on 127.0.0.1.

Each site folder's manifest (scraper/portals/sites.py) maps a real URL (path and query) to a file and a content type;
anything else is 404. Requests are routed by their Host header (the crawler keeps the real
host, see `ReplayDownloadHandler`), or, for a person browsing, by a `/<portal>/` path prefix.
It answers conditional requests (ETag, Last-Modified) with 304, and tests can change a page,
answer a status sequence (503 then 200) or slow every answer down.
"""
from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from scraper.model import NOT_MODIFIED
from scraper.portals.registry import DEMO_PORTALS
from scraper.portals.sites import SERVED_KINDS, Site


@dataclass
class Page:
    body: bytes
    content_type: str | None
    modified: datetime
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # extra headers (Location, Content-Encoding …)
    delay: float = 0.0  # seconds to wait before answering (a slow or hanging server)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


def _key(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.path + (f"?{parts.query}" if parts.query else "")


def load_site(site: Site, modified: datetime) -> tuple[str, str, dict[str, Page]]:
    """(portal key, host, {path?query: Page}) for one site folder: the pages it serves."""
    pages = {}
    for page in site.pages(SERVED_KINDS):
        _host, path = _key(page.url)
        pages[path] = Page(page.body(), page.content_type, modified)
    return site.portal, site.host, pages


def site_folders(root: Path) -> list[Path]:
    """The site folders directly under `root` (scraper/demo_portals/, tests/fixtures/)."""
    return sorted(path for path in Path(root).iterdir() if Site(path).exists())


class ReplayServer:
    """Site folders on 127.0.0.1: those under `root` (the bundled portals), or exactly `folders`.
    Use as a context manager or call start()/stop(). A folder that is not a site raises SiteError."""

    def __init__(self, root: Path = DEMO_PORTALS, port: int = 0, delay: float = 0.0,
                 portals: tuple[str, ...] | None = None, folders: list[Path] | None = None):
        self.delay = delay
        self.sites: dict[str, dict[str, Page]] = {}
        self.portal_hosts: dict[str, str] = {}
        self.requests: list[tuple[str, str, int]] = []
        self.statuses: dict[tuple[str, str], list[int]] = {}
        self.lock = threading.Lock()
        started = datetime.now(timezone.utc).replace(microsecond=0)
        for folder in site_folders(root) if folders is None else folders:
            key, host, pages = load_site(Site(folder), started)
            if portals is None or key in portals:
                self.sites.setdefault(host, {}).update(pages)
                self.portal_hosts[key] = host
        self.httpd = _QuietServer(("127.0.0.1", port), self._handler())
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> "ReplayServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # What tests change between crawls.
    def set_page(self, url: str, body: bytes, content_type: str | None = "text/html; charset=utf-8",
                 status: int = 200, headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        """Serve `body` at `url` from now on (None as content type sends no Content-Type header)."""
        host, path = _key(url)
        with self.lock:
            self.sites.setdefault(host, {})[path] = Page(body, content_type, datetime.now(timezone.utc),
                                                         status, dict(headers or {}), delay)

    def remove_page(self, url: str) -> None:
        host, path = _key(url)
        with self.lock:
            self.sites.get(host, {}).pop(path, None)

    def answer_statuses(self, url: str, statuses: list[int]) -> None:
        """Answer the next requests for `url` with these statuses, then normally."""
        with self.lock:
            self.statuses[_key(url)] = list(statuses)

    def count(self, predicate=lambda host, path, status: True) -> int:
        with self.lock:
            return sum(1 for entry in self.requests if predicate(*entry))

    def _route(self, host: str, path: str) -> tuple[str, str]:
        if host in self.sites:
            return host, path
        prefix, _, rest = path.lstrip("/").partition("/")
        if prefix.split("?")[0] in self.portal_hosts:  # browsing: /bacninh/tin-tuc-su-kien
            return self.portal_hosts[prefix.split("?")[0]], "/" + rest
        return host, path

    def respond(self, host_header: str, raw_path: str, headers) -> tuple[int, dict[str, str], bytes]:
        host, path = self._route(host_header.split(":")[0].lower(), raw_path)
        with self.lock:
            page = self.sites.get(host, {}).get(path)
            queued = self.statuses.get((host, path))
            forced = queued.pop(0) if queued else None
        delay = self.delay + (page.delay if page else 0.0)
        if delay:
            time.sleep(delay)
        if forced and forced != 200:
            status, out_headers, body = forced, {"Content-Type": "text/plain"}, b"replayed error"
        elif page is None:
            status, out_headers, body = 404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>404</h1>"
        elif page.status != 200:
            status, out_headers, body = page.status, dict(page.headers), page.body
        else:
            out_headers = {"ETag": page.etag, "Last-Modified": format_datetime(page.modified, usegmt=True),
                           **page.headers}
            if page.content_type:
                out_headers["Content-Type"] = page.content_type
            status, body = (NOT_MODIFIED, b"") if _not_modified(page, headers) else (200, page.body)
        with self.lock:
            self.requests.append((host, path, status))
        return status, out_headers, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm the second waits for
            # the client's delayed ACK (~40 ms), capping a keep-alive connection at ~25 requests/s.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                status, headers, body = server.respond(self.headers.get("Host", ""), self.path, self.headers)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, format: str, *args: object) -> None:  # quiet: tests count requests instead
                pass

        return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A crawler killed mid-request resets its connections: expected here, not worth a traceback."""


def _not_modified(page: Page, headers) -> bool:
    etags = headers.get("If-None-Match")
    if etags:
        return page.etag in [tag.strip() for tag in etags.split(",")] or etags.strip() == "*"
    since = headers.get("If-Modified-Since")
    if since:
        try:
            return page.modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
