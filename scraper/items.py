"""What spiders yield. Plain dataclasses: the pipeline decides how they are stored."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ArticleItem:
    """One extracted article: the record of LAYOUTS.md plus where and how it was made."""

    record: dict
    page_url: str
    layout: str
    extractor: str


@dataclass
class FailureItem:
    """A page that could not be turned into an article, with the reason, kept for people to query."""

    url: str
    portal: str
    reason: str
    kind: str = "extraction"
