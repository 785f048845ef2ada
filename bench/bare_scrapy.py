"""The bare-Scrapy baseline of bench/crawl.py: Scrapy following the same links through the same
download handler and replay server as `soyte crawl`, and doing nothing else (no extraction, no
archive, no frontier, no progress log).

What it shares with soyte's crawl, so that the difference is soyte's own work per page: Scrapy's
default settings plus the ones soyte's replay mode sets (scraper/settings.py and scraper/crawl/process.py's
REPLAY_SETTINGS, copied here: politeness off, 8 requests per domain, robots.txt obeyed, the same
user agent, log level WARNING as `--quiet`), scraper.middlewares.ReplayDownloadHandler, and the
layout's listing selectors (parsel's `response.css`) to find article and next-page links.

    python -m bench.bare_scrapy --replay URL --start URL [--layout liferay-bacninh]
"""
from __future__ import annotations

import argparse
import json

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess

from scraper.extraction.layouts import load_layout

SETTINGS = {
    "USER_AGENT": "soyte-archiver/0.1 (+https://github.com/soyte-archive/soyte; public-health news archive)",
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_HANDLERS": {"http": "scraper.middlewares.ReplayDownloadHandler",
                          "https": "scraper.middlewares.ReplayDownloadHandler"},
    "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "WARNING", "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
}


class BareSpider(Spider):
    """Listing pages → their article links and next pages; article pages → nothing. Articles go
    first (priority 10), as soyte's spider asks, so both crawls fetch in the same order."""

    name = "bare"

    def __init__(self, start_url: str, articles: list[str], pagination: list[str], **kwargs):
        super().__init__(**kwargs)
        self.start_url, self.articles, self.pagination = start_url, articles, pagination
        self.article_pages = 0

    async def start(self):
        yield Request(self.start_url, callback=self.parse)

    def parse(self, response):
        for css, callback in [(css, self.article) for css in self.articles] + \
                [(css, self.parse) for css in self.pagination]:
            for href in response.css(css).getall():
                url = response.urljoin(href.strip())
                if url.startswith(("http://", "https://")) and not href.startswith("#"):  # as soyte: no javascript:
                    yield Request(url, callback=callback, priority=10 if callback == self.article else 0)

    def article(self, response):
        self.article_pages += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replay", required=True, help="the replay server's URL")
    parser.add_argument("--start", required=True, help="the portal's first listing page")
    parser.add_argument("--layout", default="liferay-bacninh", help="whose listing selectors to follow")
    args = parser.parse_args()
    layout = load_layout(args.layout)
    process = CrawlerProcess({**SETTINGS, "SOYTE_REPLAY_URL": args.replay})
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, start_url=args.start, articles=layout.listing["articles"],
                  pagination=layout.listing["pagination"])
    process.start()
    print(json.dumps({"article_pages": crawler.spider.article_pages,
                      "responses": crawler.stats.get_value("response_received_count")}))


if __name__ == "__main__":
    main()
