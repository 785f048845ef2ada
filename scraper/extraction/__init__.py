"""Extraction: a page's bytes and URL in, an article record (or a listing's links) out.

Layouts, page classes, cleaning, dates, URLs and the generic extractor. Pure functions of the
page: nothing here imports Scrapy, Twisted, SQLite, the registry or the terminal display, so any
part of the project (and any other program) can read a saved page with it.
"""
