"""What spiders yield. Plain dataclasses: the pipeline decides how they are stored; and `header_dict`,
the one form of a response's headers that the spiders and the pipelines both hand on to the archive."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scraper.model import FailureKind

if TYPE_CHECKING:
    from scrapy.http import Response


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
    kind: str = FailureKind.EXTRACTION  # one of scraper.model.FailureKind
    status: int | None = None  # the HTTP status, when the server answered one


@dataclass
class NotModifiedItem:
    """An archived article the server says has not changed (304): seen again, nothing to store."""

    url: str
    portal: str


IMAGE = "image"  # the DocumentItem kind of an article's image (scraper/image_pipeline.py stores it)


@dataclass
class DocumentItem:
    """A fetched attachment (or image): its bytes as served, or a 304 saying it has not changed."""

    url: str
    portal: str
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "attachment"  # or IMAGE (SOYTE_WITH_IMAGES): left to the image pipeline
    document: bool = True  # False: the link served a web page, kept as a raw page and not as a document


def header_dict(response: Response) -> dict[str, str]:
    """A response's headers as the archive keeps them (a page's, a document's): one string per name,
    repeated values joined by ", ", both decoded as HTTP/1.1 sends them (latin-1)."""
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
