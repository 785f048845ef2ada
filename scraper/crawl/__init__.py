"""Crawling: starting Scrapy for the portals, the record of each crawl run, progress, logs, drift.

The Scrapy components that settings.py names by path (the item pipelines, the middlewares) stay
where Scrapy users look for them, beside settings.py; this package holds the rest of a crawl.
"""
