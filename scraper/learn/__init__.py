"""Learning a layout from annotated examples (captured pages and their corrected records).

Built on extraction only: learning neither crawls nor stores, and imports neither Scrapy,
Twisted, SQLite nor the terminal display.
"""
