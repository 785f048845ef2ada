"""PROTOTYPE slot (benchmarks only): where the next extraction fix is tried before it lands.

The last one — selectors evaluated per scope and compiled once, with the body reader's compiled
XPaths and a regex-free `tidy` — is applied in scraper/pages.py, scraper/body.py and
scraper/cleaning.py (2026-11-25). Until a new fix is tried here, the prototype is the project's
own extractor, so bench/extraction.py's prototype columns equal soyte's.
"""
from __future__ import annotations

import importlib
from functools import lru_cache

from scraper.extract import extract  # noqa: F401  (the prototype's entry point)
from scraper.pages import ArticlePage


@lru_cache(maxsize=None)
def page_class(spider: str) -> type[ArticlePage]:
    return importlib.import_module(f"spiders.{spider}").ArticlePage
