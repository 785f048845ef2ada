"""Fetching the documents an article attaches, and its images (SOYTE_WITH_IMAGES, a portal's `images`).

One hook in the spider: after an article is yielded, `document_requests(record, portal)` asks for
each attachment on the portal's own host, as an ordinary Scrapy request (the same robots.txt,
throttle and retries as pages), conditionally when the archive already holds it (the runner hands
the validators over in the frontier); at the start, `pending_document_requests(portal)` asks the
same way for each file an archived article links that no run settled (a killed crawl's). A link
that serves a web page is kept as a raw page, not a document: it too is settled. A request is made
once per URL per run (Scrapy's duplicate filter); the pipeline stores bytes once per distinct
content. Files over SOYTE_DOCUMENT_MAXSIZE are cut off by Scrapy's per-request `download_maxsize`
and recorded as skipped, never half-stored.
Images have their own cap (SOYTE_IMAGE_MAXSIZE) and may also come from the CDN hosts the portal's
registry entry names (`image_hosts`). Only files on the article's own host (exactly: not a subdomain) are fetched; a link whose URL holds
control characters or is longer than Scrapy's URLLENGTH_LIMIT is refused unfetched. Each skipped
file is one `failures` row of kind `document-skipped`, and is not asked for again by later runs.
"""
from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from scraper.extraction.document_text import DOCUMENT_KINDS, EXTENSIONS, declared_kind, sniff, url_extension
from scraper.items import IMAGE, DocumentItem, FailureItem, header_dict
from scraper.model import NOT_MODIFIED, FailureKind
from scraper.portals.registry import get_portal, images_archived

DOCUMENT_PRIORITY = 5  # after the current listing page's articles, before further listing pages
# Raw control characters, or CR, LF and NUL percent-encoded: a header-splitting trick or a broken link,
# which would end up in the download's Content-Disposition and the export's file names.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]|%0[0ad]", re.IGNORECASE)


class DocumentRequests:
    """Mixed into the portal spider: requests for an article's attachments and what they return."""

    def document_requests(self, record: dict, portal: str) -> Iterator[scrapy.Request]:
        links = [(a.get("url"), "attachment") for a in record.get("attachments") or []]
        if images_archived(portal, self.settings.getbool("SOYTE_WITH_IMAGES")):
            links += [(i.get("url"), IMAGE) for i in record.get("images") or []]
        hosts = {get_portal(portal).host, urlsplit(record.get("url") or "").hostname or ""}
        cdn_hosts = set(get_portal(portal).image_hosts) - hosts  # the portal's uploads elsewhere: images only
        caps = {IMAGE: self.settings.getint("SOYTE_IMAGE_MAXSIZE")}
        for url, kind in links:
            on_cdn = kind == IMAGE and any(on_host(url or "", host) for host in cdn_hosts)
            if not url or not (on_cdn or any(on_host(url, host) for host in hosts)):
                continue  # linked (document_links), not fetched: another host's
            if self.frontier.is_document_skipped(url):
                continue  # skipped by an earlier run (the archive asked per URL)
            maxsize = caps.get(kind) or self.settings.getint("SOYTE_DOCUMENT_MAXSIZE")
            refused = link_problem(url, self.settings.getint("URLLENGTH_LIMIT"))
            if refused:
                yield FailureItem(url, portal, refused, kind=FailureKind.DOCUMENT_SKIPPED)
                continue
            yield scrapy.Request(
                url, callback=self.parse_document, errback=self.document_failed, priority=DOCUMENT_PRIORITY,
                headers=self.frontier.document_headers(url), cb_kwargs={"portal": portal, "kind": kind},
                meta={"soyte_kind": "document", "portal": portal, "handle_httpstatus_list": [NOT_MODIFIED],
                      "download_maxsize": maxsize, "download_warnsize": maxsize,
                      **({"allow_offsite": True} if on_cdn else {})})

    def pending_document_requests(self, portal: str) -> Iterator[scrapy.Request | FailureItem]:
        """The files archived articles link that no run settled (a crawl killed before it fetched
        them, or stopped while their text was read): asked for again at the start, whether or not
        their article is fetched again, through the same rules as an article's own links."""
        for article_url, url, kind in self.frontier.pending_documents_of(portal):
            field = "images" if kind == "image" else "attachments"
            yield from self.document_requests({"url": article_url, field: [{"url": url}]}, portal)

    def parse_document(self, response: Response, portal: str, kind: str):
        self.crawler.stats.inc_value(f"soyte/{portal}/document_responses")
        served = response.headers.get(b"Content-Type")
        served_type = served.decode("latin-1") if served else None
        # Kept under the URL the article links, where a redirect led elsewhere: links and validators match it.
        linked = (response.meta.get("redirect_urls") or [response.url])[0]
        document = response.status == NOT_MODIFIED or is_document(response.url, served_type, response.body, kind)
        if not document:
            # A link the layout took for an attachment that is a web page (a download form, say): kept
            # as a raw page, so the next run knows it was answered.
            self.logger.info("%s: attachment link is not a document (%s): %s", portal, served_type, response.url)
        yield DocumentItem(linked, portal, response.status, response.body, served_type, header_dict(response), kind,
                           document)

    def document_failed(self, failure: Failure):
        request = failure.request
        if over_size_cap(failure):
            cap = request.meta.get("download_maxsize", 0)
            yield FailureItem(request.url, request.meta.get("portal", ""), f"over the size cap ({cap:,} bytes)",
                              kind=FailureKind.DOCUMENT_SKIPPED)
            return
        yield from self.failed(failure)


def over_size_cap(failure: Failure) -> bool:
    """Scrapy cut the download at `download_maxsize`: mid-transfer or by its Content-Length (cancelled),
    or while decompressing a gzip body (ignored, the cap named in its message)."""
    if failure.check(DownloadCancelledError, CancelledError):
        return True
    return bool(failure.check(IgnoreRequest)) and "DOWNLOAD_MAXSIZE" in str(failure.value)


def link_problem(url: str, length_limit: int) -> str | None:
    """Why an attachment link on the portal's host is not fetched at all, as the reason `failures` records."""
    if CONTROL_CHARACTERS.search(url):
        return "has control characters in its URL (CR, LF or NUL, raw or percent-encoded)"
    if length_limit and len(url) > length_limit:
        return f"has an over-long URL ({len(url):,} characters; URLLENGTH_LIMIT is {length_limit:,})"
    return None


def on_host(url: str, host: str) -> bool:
    """The article's own host exactly: a subdomain (evil.soyte.…) may be anyone's, as another site is.
    Stricter on purpose than scraper.extraction.urls.within_host, which tells which portal serves a page."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(host) and (parts.hostname or "") == host


def is_document(url: str, served_type: str | None, body: bytes, kind: str) -> bool:
    """A file by its name, its declared type or its bytes; a web page only when named like a file."""
    if kind == "image" or url_extension(url) in EXTENSIONS:
        return True
    return declared_kind(served_type) in DOCUMENT_KINDS or sniff(body, url) in DOCUMENT_KINDS
