"""PROTOTYPE (benchmarks only): the crawl's settings with the one change bench/crawl.py's profile asks for.

Scrapy 2.13+ hands each callback's output to `_parallel_asyncio`, which starts CONCURRENT_ITEMS
(default 100) asyncio worker tasks per response, however few items the callback yields; an
article page yields one item, so ~100 tasks are created, scheduled and torn down per page.
The archive pipeline is synchronous SQLite, so items gain nothing from running concurrently.
The fix: `CONCURRENT_ITEMS = 1` in scraper/settings.py. bench/crawl.py selects this module
with SCRAPY_SETTINGS_MODULE (scraper/crawl.py only sets its default).
"""
from scraper.settings import *  # noqa: F401,F403

CONCURRENT_ITEMS = 1
