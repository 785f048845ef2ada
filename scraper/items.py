"""What spiders yield. Plain dataclasses: the pipeline decides how they are stored."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ArticleItem:
    """One extracted article: the record of LAYOUTS.md plus where and how it was made."""

    record: dict
    page_url: str
    layout: str
    extractor: str
    extraction: str = "layout"  # or "generic": the layout's rules failed, see note
    note: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class FailureItem:
    """A page that could not be turned into an article, with the reason, kept for people to query."""

    url: str
    portal: str
    reason: str
    kind: str = "extraction"  # extraction, truncated, article-fetch, listing-fetch, listing, not-html
    status: int | None = None  # the HTTP status, when the server answered one


@dataclass
class NotModifiedItem:
    """An archived article the server says has not changed (304): seen again, nothing to store."""

    url: str
    portal: str


@dataclass
class DocumentItem:
    """A fetched attachment (or image): its bytes as served, or a 304 saying it has not changed."""

    url: str
    portal: str
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "attachment"  # or "image" (with SOYTE_WITH_IMAGES)
    document: bool = True  # False: the link served a web page, kept as a raw page and not as a document
