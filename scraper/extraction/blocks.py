"""A paragraph-level piece of an article body: what the body reader (scraper.extraction.body) makes
of the body element, and what the credit rules (scraper.extraction.credits) take the byline and the
source off. Its own module, so that both read it and neither imports the other back.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree


@dataclass(slots=True)
class Block:
    """One paragraph-level piece of the body, with the images it holds."""

    text: str
    element: etree._Element
    images: list[dict] = field(default_factory=list)
