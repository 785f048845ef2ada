"""The generic extractor: an article record from a page whose layout is unknown or has changed.

A portal that changes its theme breaks its layout's selectors, and a new province has no layout
yet; until someone writes one, the archive keeps what this extractor makes of the page, flagged
`generic`. It follows how Vietnamese government CMSs (Liferay, DotNetNuke, SharePoint, WordPress,
Joomla, WebSphere, classic ASP tables …) lay out an article, never one portal's class names:
- the body is the element holding the most running text after the headline
  (scraper.extraction.generic.content), read by the same body reader as every layout (scraper.extraction.body:
  paragraphs, tables, captions, credits);
- chrome inside it is dropped by what it is: "Tin liên quan" over a list of links, toolbars,
  date and view-count lines; running text is never dropped for a word it contains;
- title and date come from microdata, JSON-LD and OpenGraph first, then from the page
  (scraper.extraction.generic.meta); the other fields from the visible page read with the field's words
  (scraper.extraction.generic.fields). The words themselves are data (scraper.extraction.generic.words).
A page that does not look like an article — a login form, a notice, an empty shell, a listing of
other articles — is refused with ExtractionError, so that no junk becomes an article.
"""
from __future__ import annotations

import re
from urllib.parse import urljoin

from scraper.extraction.body import read_body
from scraper.extraction.cleaning import decode_html, tidy
from scraper.extraction.generic import category, fields, meta
from scraper.extraction.generic.content import Stats, find_body
from scraper.extraction.generic.listing import in_teaser_series, is_listing
from scraper.extraction.generic.prune import pruned_copy
from scraper.extraction.generic.words import AUTHOR_LABEL_ANY, LOGIN_WORDS, THEO_SOURCE, SOURCE_WRAPPED
from scraper.extraction.pages import ExtractionError, as_selector
from scraper.extraction.urls import absolute_url, article_key
from scraper.model import RECORD_KEYS

__all__ = ["generic_record"]

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # lxml refuses them in text it is given back
MIN_TEXT_CHARS = 200  # shorter than any news article we have seen; longer than any notice page


_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])  # _CONTROL's, as bytes


def _page_root(html: str | bytes, content_type: str | None):
    """The page's tree, without the control characters lxml refuses. Bytes that hold none of them (in an
    ASCII-compatible charset, no such byte means no such character; UTF-16 always holds some) are parsed
    as they are, as a layout parses them (scraper.extraction.pages.as_selector): the same tree, without
    decoding, scanning and encoding the whole page again (~0.9 ms of a real page's ~12)."""
    if isinstance(html, bytes) and len(html.translate(None, _CONTROL_BYTES)) == len(html):
        return as_selector(html, content_type).root
    text = decode_html(html, content_type) if isinstance(html, bytes) else html
    return as_selector(_CONTROL.sub("", text)).root


def _refusal(root, title: str | None) -> str | None:
    if root.xpath("//input[@type='password']") and LOGIN_WORDS.search(title or ""):
        return "the page is a login form"
    return None


def _canonical(root, url: str, base: str) -> str:
    """The URL the page names as its own (rel=canonical, against the page's base), else its own URL as a
    key: what the record claims, until scraper.extraction.urls.canonical_key settles its key."""
    href = next((tidy(node.get("href")) for node in root.iterfind(".//link")
                 if "canonical" in (node.get("rel") or "").lower().split() and tidy(node.get("href"))), None)
    if href:
        return absolute_url(base, href)
    return article_key(url)


def _base(root, url: str) -> str:
    href = next((node.get("href") for node in root.iterfind(".//base") if node.get("href")), None)
    return urljoin(url, href.strip()) if href else url


def _title_captions(images: list[dict], copy, base: str) -> None:
    """Captions that exist only as the image's title attribute (a script draws them on screen)."""
    titles = {}
    for img in copy.iter("img"):
        title = tidy(img.get("title"))
        if img.get("src") and title:
            titles.setdefault(absolute_url(base, img.get("src").strip()), title)
    for image in images:
        if image["caption"] is None and image["url"] in titles:
            image["caption"] = titles[image["url"]]


def _credits(paragraphs: list[str], author: str | None, source: str | None) -> tuple[str | None, str | None]:
    """Peel the trailing credits the body reader leaves: a 'Theo X' / '(Nguồn: X)' line (no colon, or
    wrapped), and a name alone on the last line that the theme's CSS, not the markup, sets apart."""
    if paragraphs and source is None:
        match = THEO_SOURCE.match(paragraphs[-1]) or SOURCE_WRAPPED.match(paragraphs[-1])
        if match and len(paragraphs[-1]) <= 100:
            source = tidy(match["source"])
            paragraphs.pop()
    if len(paragraphs) > 1 and author is None and len(paragraphs[-1]) <= 50 and fields.looks_like_name(paragraphs[-1]) \
            and fields.not_an_account(paragraphs[-1]) is not None:
        author = paragraphs.pop()
    return author, source


def generic_record(html: str | bytes, url: str, portal: str, province: str,
                   content_type: str | None = None) -> dict:
    """A record in the shape of LAYOUTS.md from any article page, or ExtractionError."""
    root = _page_root(html, content_type)
    base = _base(root, url)
    ld = meta.json_ld(root)
    declared = meta.declared_titles(root, ld)
    if _refusal(root, declared[0] if declared else None):
        raise ExtractionError(f"generic: the page is a login form: {url}")
    stats = Stats(root)
    position = {node: index for index, node in enumerate(root.iter())}
    confirmed = meta.confirmed_headlines(root, declared, stats.chars, position, ld)
    body = find_body(root, stats, meta.title_anchor(confirmed, position), position)
    if body is None:
        raise ExtractionError(f"generic: no article here (title {declared[0] if declared else None!r}, "
                              f"0 characters of text): {url}")
    title, title_node = meta.find_title(confirmed, declared, root, body, position, ld)
    copy = pruned_copy(body, title)
    if in_teaser_series(body) or is_listing(copy):
        raise ExtractionError(f"generic: the page is a listing of articles, not an article: {url}")
    read = read_body(copy, base)
    paragraphs = [p for p in read.paragraphs if p.casefold() != (title or "").casefold()]
    sapo = fields.sapo(title_node, body, position, title) or fields.lead_in_body(copy, paragraphs)
    fields.drop_lead(paragraphs, sapo)
    author, source = _credits(paragraphs, read.author, fields.clean_source(read.source))
    text = "\n\n".join(paragraphs)
    if not title or len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(f"generic: no article here (title {title!r}, {len(text)} characters of text): {url}")
    _title_captions(read.images, copy, base)
    scope = fields.article_scope(title_node, body)
    lines = fields.short_lines(scope, stats)
    author = fields.not_an_account(AUTHOR_LABEL_ANY.sub("", author or "", count=1)) or \
        fields.labeled_author(lines) or fields.marked_author(scope) or fields.trailing_byline(body, position) or \
        fields.metadata_author(root, ld, scope)
    author, source = fields.credits_apart(author, source)
    marks = category.page_marks(root, position)
    record = {
        "url": _canonical(root, url, base), "portal": portal, "province": province, "title": title,
        "published": meta.published(root, ld, title_node, body, position, marks.dated) or fields.labeled_published(lines),
        "category": category.category(root, ld, title, lines, url, position.get(title_node, position[body]), marks),
        "sapo": sapo,
        "text": text, "author": author,
        "source": source or fields.labeled_source(lines),
        "views": fields.views(lines) or fields.visits(lines, position, title_node, body),
        "images": fields.record_images(read.images, copy, title_node, body, position, base),
        "attachments": fields.attachments(scope, body, base, position),
    }
    return {key: record[key] for key in RECORD_KEYS}
