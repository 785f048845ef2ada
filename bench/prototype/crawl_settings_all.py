"""PROTOTYPE (benchmarks only): the crawl with every fix the benchmarks propose, to measure them together.

Settings: CONCURRENT_ITEMS = 1 (see crawl_settings.py). Code, patched in when Scrapy imports this
settings module, before any spider or pipeline exists; nothing under scraper/, spiders/ or
archive/ is edited:
- (the prototype `fold` is applied in archive/search.py since 2026-11-25);
- BacninhSpider.article_page -> bench/prototype/pages.py's page class (selectors evaluated once
  per scope, compiled once; body reading without the whitespace regex or per-call XPath).
"""
import spiders.bacninh
from bench.prototype import pages as _pages
from bench.prototype.crawl_settings import *  # noqa: F401,F403

spiders.bacninh.BacninhSpider.article_page = _pages.page_class("bacninh")
