"""Downloader pieces: retries with backoff, and the replay routing used by demos and tests.

Replay routing, invisibly to spiders and middlewares:
With SOYTE_REPLAY_URL set (e.g. http://127.0.0.1:8123), this download handler sends each
request to that server with the real Host header, and hands back a response that carries the
real URL. Robots.txt, dedupe, the archive: everything above the downloader sees the real site.
"""
from __future__ import annotations

import asyncio
from urllib.parse import urljoin, urlsplit, urlunsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from scraper.extraction.urls import within_host


class ReplayDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler; with SOYTE_REPLAY_URL set, it fetches from the replay server."""

    async def download_request(self, request: Request) -> Response:
        replay_url = self.crawler.settings.get("SOYTE_REPLAY_URL")
        if not replay_url:
            return await super().download_request(request)
        target = urlsplit(replay_url)
        real = urlsplit(request.url)
        local = urlunsplit((target.scheme, target.netloc, real.path or "/", real.query, ""))
        headers = request.headers.copy()
        headers["Host"] = real.netloc
        response = await super().download_request(request.replace(url=local, headers=headers))
        return response.replace(url=request.url, request=request)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (5xx, timeouts, dropped connections), each waiting twice as long as the last."""

    async def process_response(self, request: Request, response: Response, spider=None):
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self.backoff(result)
        return result

    async def process_exception(self, request: Request, exception: Exception, spider=None):
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self.backoff(result)
        return result

    async def backoff(self, retry: Request) -> None:
        settings = self.crawler.settings
        attempt = retry.meta.get("retry_times", 1)
        delay = min(settings.getfloat("SOYTE_RETRY_BACKOFF") * 2 ** (attempt - 1),
                    settings.getfloat("SOYTE_RETRY_BACKOFF_MAX"))
        if delay > 0:
            await asyncio.sleep(delay)


class RedirectGuardMiddleware:
    """Refuse, with a reason the crawl records, the redirects Scrapy would drop silently.

    Scrapy follows a redirect and then its duplicate filter drops a loop back to a URL already
    seen, and its offsite filter drops a redirect to another host; both leave no trace. Seen on
    portals in the middle of a move (2025 merger): redirects to parked domains and login loops.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> "RedirectGuardMiddleware":
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        location = response.headers.get(b"Location")
        if not (300 <= response.status < 400 and location):
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        allowed = getattr(self.crawler.spider, "allowed_domains", None) or []
        host = urlsplit(target).hostname or ""
        if allowed and not any(within_host(host, domain) for domain in allowed):
            raise IgnoreRequest(f"refused redirect to another host: {request.url} -> {target}")
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            raise IgnoreRequest(f"redirect loop: {' -> '.join(chain + [target])}")
        return response
