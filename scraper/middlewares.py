"""Routing the real portal hosts to the replay server, invisibly to spiders and middlewares.

With SOYTE_REPLAY_URL set (e.g. http://127.0.0.1:8123), this download handler sends each
request to that server with the real Host header, and hands back a response that carries the
real URL. Robots.txt, dedupe, the archive: everything above the downloader sees the real site.
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Response


class ReplayDownloadHandler(HTTP11DownloadHandler):
    async def download_request(self, request: Request) -> Response:
        target = urlsplit(self.crawler.settings.get("SOYTE_REPLAY_URL"))
        real = urlsplit(request.url)
        local = urlunsplit((target.scheme, target.netloc, real.path or "/", real.query, ""))
        headers = request.headers.copy()
        headers["Host"] = real.netloc
        response = await super().download_request(request.replace(url=local, headers=headers))
        return response.replace(url=request.url, request=request)
