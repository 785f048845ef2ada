"""Fetching the documents an article attaches (and, with SOYTE_WITH_IMAGES, its images).

One hook in the spider: after an article is yielded, `document_requests(record, portal)` asks for
each attachment on the portal's own host, as an ordinary Scrapy request (the same robots.txt,
throttle and retries as pages), conditionally when the archive already holds it (the runner hands
the validators over in the frontier). A request is made once per URL per run (Scrapy's duplicate
filter); the pipeline stores bytes once per distinct content. Files over SOYTE_DOCUMENT_MAXSIZE
are cut off by Scrapy's per-request `download_maxsize` and recorded as skipped, never half-stored.
"""
from __future__ import annotations

from typing import Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError
from scrapy.http import Response
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from scraper.document_text import DOCUMENT_KINDS, EXTENSIONS, declared_kind, sniff, url_extension
from scraper.items import DocumentItem, FailureItem
from scraper.registry import get_portal

NOT_MODIFIED = 304
DOCUMENT_PRIORITY = 5  # after the current listing page's articles, before further listing pages


def header_dict(response: Response) -> dict[str, str]:
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}


class DocumentRequests:
    """Mixed into the portal spider: requests for an article's attachments and what they return."""

    def document_requests(self, record: dict, portal: str) -> Iterator[scrapy.Request]:
        links = [(a.get("url"), "attachment") for a in record.get("attachments") or []]
        if self.settings.getbool("SOYTE_WITH_IMAGES"):
            links += [(i.get("url"), "image") for i in record.get("images") or []]
        hosts = {get_portal(portal).host, urlsplit(record.get("url") or "").hostname or ""}
        validators = getattr(self.frontier, "document_validators", {})
        maxsize = self.settings.getint("SOYTE_DOCUMENT_MAXSIZE")
        for url, kind in links:
            if not url or not any(on_host(url, host) for host in hosts):
                continue
            yield scrapy.Request(
                url, callback=self.parse_document, errback=self.document_failed, priority=DOCUMENT_PRIORITY,
                headers=validators.get(url, {}), cb_kwargs={"portal": portal, "kind": kind},
                meta={"soyte_kind": "document", "portal": portal, "handle_httpstatus_list": [NOT_MODIFIED],
                      "download_maxsize": maxsize, "download_warnsize": maxsize})

    def parse_document(self, response: Response, portal: str, kind: str):
        self.crawler.stats.inc_value(f"soyte/{portal}/document_responses")
        served = response.headers.get(b"Content-Type")
        served_type = served.decode("latin-1") if served else None
        if response.status != NOT_MODIFIED and not is_document(response.url, served_type, response.body, kind):
            # A link the layout took for an attachment that is a web page (a download form, say).
            self.logger.info("%s: attachment link is not a document (%s): %s", portal, served_type, response.url)
            return
        # Kept under the URL the article links, where a redirect led elsewhere: links and validators match it.
        linked = (response.meta.get("redirect_urls") or [response.url])[0]
        yield DocumentItem(linked, portal, response.status, response.body, served_type, header_dict(response), kind)

    def document_failed(self, failure: Failure):
        request = failure.request
        if failure.check(DownloadCancelledError, CancelledError):
            cap = request.meta.get("download_maxsize", 0)
            yield FailureItem(request.url, request.meta.get("portal", ""),
                              f"skipped: larger than the {cap / 2**20:g} MB cap (SOYTE_DOCUMENT_MAXSIZE); nothing stored",
                              kind="document-skipped")
            return
        yield from self.failed(failure)


def on_host(url: str, host: str) -> bool:
    parts = urlsplit(url)
    found = parts.hostname or ""
    return parts.scheme in ("http", "https") and bool(host) and (found == host or found.endswith("." + host))


def is_document(url: str, served_type: str | None, body: bytes, kind: str) -> bool:
    """A file by its name, its declared type or its bytes; a web page only when named like a file."""
    if kind == "image" or url_extension(url) in EXTENSIONS:
        return True
    return declared_kind(served_type) in DOCUMENT_KINDS or sniff(body, url) in DOCUMENT_KINDS
