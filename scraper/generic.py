"""The generic extractor: saves an article when a page matches no rule of its layout.

A portal that changes its theme breaks its layout's selectors; until someone updates them,
its new articles are still archived, extracted by trafilatura (the optional `generic` extra)
or, without it, by the densest block of paragraphs. The archive flags them `generic` with the
layout's error as the reason. A page that does not look like an article at all — a login form,
a maintenance notice, an empty shell — is refused, so that no junk becomes an article.
"""
from __future__ import annotations

import re

from parsel import Selector

from scraper.cleaning import tidy, tidy_or_none
from scraper.dates import iso_from_head, parse_vietnamese_datetime
from scraper.pages import ExtractionError, as_selector

MIN_TEXT_CHARS = 300  # shorter than any news article we have seen; longer than any notice page
HEAD_TIME = ['meta[property="article:published_time"]::attr(content)', "time::attr(datetime)"]


def _not_an_article(sel: Selector) -> str | None:
    if sel.css('input[type="password"]'):
        return "the page is a login form"
    return None


def _document_title(sel: Selector, candidate: str | None) -> str | None:
    """The headline, only if the document itself names it (og:title or <title>).

    Without that check a site logo's alt text or a sidebar heading could become the title.
    """
    declared = [tidy(value) for value in (sel.css('meta[property="og:title"]::attr(content)').get(),
                                          sel.css("title::text").get()) if value and tidy(value)]
    candidate = tidy_or_none(candidate)
    if candidate and any(candidate in value for value in declared):
        return candidate
    return declared[0] if declared else None


def _trafilatura(html: str, url: str) -> dict | None:
    try:
        import trafilatura
    except ImportError:
        return None
    document = trafilatura.bare_extraction(html, url=url, include_comments=False, include_tables=True,
                                           with_metadata=True)
    if document is None:
        return None
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    return {"title": data.get("title"), "text": data.get("text"), "author": data.get("author"),
            "date": data.get("date")}


def _dense_paragraphs(sel: Selector) -> dict:
    """The element whose own <p> children hold the most text: a crude but honest fallback."""
    best, best_length = [], 0
    for container in sel.xpath("//body//*[p]"):
        paragraphs = [tidy(" ".join(p.xpath(".//text()").getall())) for p in container.xpath("./p")]
        length = sum(map(len, paragraphs))
        if length > best_length:
            best, best_length = [p for p in paragraphs if p], length
    title = sel.css("h1::text").get() or sel.css("title::text").get()
    return {"title": title, "text": "\n\n".join(best), "author": None, "date": None}


def generic_record(html: str | bytes, url: str, portal: str, province: str,
                   content_type: str | None = None) -> dict:
    """A record in the shape of LAYOUTS.md from any article page, or ExtractionError."""
    sel = as_selector(html, content_type)
    refusal = _not_an_article(sel)
    if refusal:
        raise ExtractionError(f"generic: {refusal}: {url}")
    text_html = sel.get()
    found = _trafilatura(text_html, url) or _dense_paragraphs(sel)
    title = _document_title(sel, found.get("title"))
    paragraphs = [tidy(line) for line in re.split(r"\n+", found.get("text") or "") if tidy(line)]
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the headline, repeated as the body's first line
    text = "\n\n".join(paragraphs)
    if not title or len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(f"generic: no article here (title {title!r}, {len(text)} characters of text): {url}")
    head_time = next((value for css in HEAD_TIME if (value := sel.css(css).get())), None)
    published = iso_from_head(head_time) or (parse_vietnamese_datetime(found["date"]) if found.get("date") else None)
    canonical = sel.css('link[rel="canonical"]::attr(href)').get() or url
    return {
        "url": canonical, "portal": portal, "province": province, "title": title, "published": published,
        "category": None, "sapo": None, "text": text, "author": tidy_or_none(found.get("author")),
        "source": None, "views": None, "images": [], "attachments": [],
    }
