"""The record's other fields: sapo, byline, source, views, attachments.

Read from what every portal family prints, with the field's words ("Lượt xem", "Ngày đăng",
"Viết bởi", "Tác giả:", "Nguồn tin:", "Theo …") at the places an article puts them: between
the headline and the body, or at the body's end; then from microdata and JSON-LD.
"""
from __future__ import annotations

import re

from lxml import etree

from scraper.extraction.body import BLOCK_TAGS
from scraper.extraction.cleaning import SOURCE_LABEL, parse_count, tidy
from scraper.extraction.dates import has_date, parse_date_words
from scraper.extraction.generic.content import OUTSIDE_TAGS, Stats
from scraper.extraction.generic.meta import ld_values
from scraper.extraction.generic.words import (AUTHOR_LABEL_ANY, BYLINE_VERB, CHROME_HEADINGS, CMS_ACCOUNTS,
                                   DOCUMENT_LINK, FOOTER_LINE, GENERIC_HEADINGS, GENERIC_LINK_TEXT,
                                   PUBLISHED_LABEL, SOURCE_WRAPPED, THEO_SOURCE, VIEWS, is_meta_line, is_toolbar_text)
from scraper.extraction.urls import absolute_url
from scraper.extraction.visible import tag_of, text_of


def article_scope(title_node, body):
    """The smallest element holding both the headline and the body."""
    if title_node is None:
        return body
    ancestors = set(title_node.iterancestors())
    node = body
    while node is not None and node not in ancestors:
        node = node.getparent()
    return node if node is not None else body


MAX_LINE = 160


def short_lines(scope, stats: Stats) -> list[tuple]:
    """(element, text) of every element of the article's scope with a short text (a label line),
    outside menus and sidebars, in document order: read once, searched by each labelled field."""
    found: list[tuple] = []

    def visit(node) -> None:
        tag = tag_of(node)
        if not tag or tag in ("nav", "aside") or node not in stats.chars:
            return
        if tag != "a" and 0 < stats.chars[node] <= 2 * MAX_LINE:
            text = text_of(node)
            if text and len(text) <= MAX_LINE:
                found.append((node, text))
        for child in node:
            visit(child)

    visit(scope)
    return found


def _short_lines(lines: list[tuple], limit: int):
    return ((node, text) for node, text in lines if len(text) <= limit)


def views(lines: list[tuple]) -> int | None:
    for _node, text in _short_lines(lines, 160):
        for part in re.split(r"\s[|·•]\s|\|", text):  # "19/01/2024 - 10:42 | Lượt xem: 1876"
            match = VIEWS.match(part)
            if match:
                return parse_count(match[1])
    return None


def labeled_published(lines: list[tuple]) -> str | None:
    """A date line labelled as the publication date anywhere in the article ('Ngày đăng: …' at its end)."""
    for _node, text in _short_lines(lines, 100):
        if PUBLISHED_LABEL.match(text) and has_date(text):
            parsed = parse_date_words(text)
            if parsed:
                return parsed
    return None


def not_an_account(name: str | None) -> str | None:
    """None for a CMS account name ("Quản trị viên", "admin") printed where a byline would be."""
    name = tidy(name)
    return None if not name or name.lower() in CMS_ACCOUNTS else name


def labeled_author(lines: list[tuple]) -> str | None:
    """A byline with a label ("Tác giả: X") or a verb ("Viết bởi X"), account names excepted."""
    for _node, text in _short_lines(lines, 100):
        for label in (AUTHOR_LABEL_ANY, BYLINE_VERB):
            if label.match(text) and not is_meta_line(label.sub("", text, count=1)):
                name = not_an_account(label.sub("", text, count=1))
                if name and not has_date(name):
                    return name
    return None


def labeled_source(lines: list[tuple]) -> str | None:
    for _node, text in _short_lines(lines, 160):
        if SOURCE_LABEL.match(text) and not text.lower().startswith("theo"):
            return clean_source(text)
    return None


def clean_source(text: str | None) -> str | None:
    """'Nguồn: X', 'Nguồn tin: X', '(Nguồn: X)', 'Theo X' all give X."""
    text = tidy(text)
    if not text:
        return None
    for pattern in (SOURCE_WRAPPED, THEO_SOURCE):
        match = pattern.match(text)
        if match:
            return tidy(match["source"]) or None
    return tidy(SOURCE_LABEL.sub("", text, count=1)) or None


_AUTHOR_MARKED = etree.XPath(".//*[contains(translate(@class,'AUTHOR','author'),'author') or contains(@class,'tacgia')"
                             " or contains(@class,'tac-gia') or contains(@class,'byline') or @itemprop='author' or "
                             "@rel='author' or contains(@class,'createdby')]")


def marked_author(scope) -> str | None:
    """A short element the CMS marks as the author (class 'author'/'byline', itemprop or rel author)."""
    for node in _AUTHOR_MARKED(scope):
        text = text_of(node)
        if not text or len(text) > 80:
            continue
        for label in (AUTHOR_LABEL_ANY, BYLINE_VERB):
            text = label.sub("", text, count=1)
        name = not_an_account(text)
        if name and not has_date(name) and not is_meta_line(name):
            return name
    return None


def looks_like_name(text: str) -> bool:
    """A printed byline: a few capitalised words, maybe with a unit ('Minh Hà – TTKSBT'), no digits."""
    words = text.split()
    if text.isupper() and len(words) > 3 or _SITE_WORDS.search(text):
        return False  # a site's name in capitals ('CỔNG THÔNG TIN ĐIỆN TỬ SỞ Y TẾ …'), not a person
    return (1 < len(words) <= 9 and len(text) <= 70 and not re.search(r"\d", text)
            and all(word in ("–", "-", "/", "&", ",") or word.lstrip("(")[:1].isupper() for word in words))


_SITE_WORDS = re.compile(r"cổng thông tin|trang thông tin|website|cổng ttđt|bản quyền", re.IGNORECASE)


def trailing_byline(body, position: dict) -> str | None:
    """A name on its own line right after the body (DNN and PHP themes print the byline there)."""
    last = body
    for last in body.iter():
        pass
    ordered = list(position)
    for node in ordered[position.get(last, 0) + 1:position.get(last, 0) + 40]:
        if tag_of(node) not in BLOCK_TAGS or any(tag_of(c) in BLOCK_TAGS for c in node):
            continue
        text = text_of(node)
        if not text:
            continue
        text = BYLINE_VERB.sub("", AUTHOR_LABEL_ANY.sub("", text, count=1), count=1)
        if not looks_like_name(text) or CHROME_HEADINGS.match(text) or GENERIC_HEADINGS.match(text) \
                or FOOTER_LINE.match(text) or is_toolbar_text(text) or is_meta_line(text):
            return None
        return not_an_account(text)
    return None


def metadata_author(root, ld, scope) -> str | None:
    """Microdata/JSON-LD author, only when the page prints that name in the article too.

    <meta name=author> is not read: CMSs fill it with the account or the site's name.
    """
    names = [text_of(n) for n in root.xpath("//*[@itemprop='author']//*[@itemprop='name']")]
    names += [str(a.get("name")) for a in ld_values(ld, "author") if isinstance(a, dict) and a.get("name")]
    shown = text_of(scope)
    for name in names:
        name = not_an_account(name)
        if name and name in shown and len(name) <= 80:
            return name
    return None

def sapo(title_node, body, position: dict, title: str | None) -> str | None:
    """A lead paragraph set apart between the headline and the body (outside the body element)."""
    if title_node is None:
        return None
    start, end = position.get(title_node, 0), position.get(body, 0)
    ancestors = set(body.iterancestors())
    for node in list(position)[start + 1:end]:
        if node in ancestors or title_node in node.iterancestors() or tag_of(node) not in BLOCK_TAGS:
            continue
        if tag_of(node) == "figcaption" or any(tag_of(a) == "figure" for a in node.iterancestors()):
            continue  # a lead image's caption is not a sapo
        if any(tag_of(c) in BLOCK_TAGS for c in node):
            continue
        text = text_of(node)
        links = sum(len(text_of(a)) for a in node.iter("a"))
        if 40 <= len(text) <= 1000 and links < 0.3 * len(text) and text != title and not is_meta_line(text) \
                and not is_toolbar_text(text) and not CHROME_HEADINGS.match(text) and not BYLINE_VERB.match(text):
            return text
    return None


def attachments(scope, body, base_url: str, position: dict) -> list[dict]:
    """Links to documents (PDF, Word, Excel, DNN LinkClick, WCM …) from the body on, each URL once."""
    found: dict[str, dict] = {}
    start = position.get(body, 0)
    for link in scope.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or position.get(link, 0) < start or href.startswith(("javascript:", "mailto:", "#")):
            continue
        if not (DOCUMENT_LINK.search(href) or link.get("download") is not None):
            continue
        if any(tag_of(a) in OUTSIDE_TAGS for a in link.iterancestors()):
            continue
        url = absolute_url(base_url, href)
        title = text_of(link)
        if not title or GENERIC_LINK_TEXT.match(title):
            title = None
        entry = found.setdefault(url, {"url": url, "title": title})
        if entry["title"] is None and title:
            entry["title"] = title
    return list(found.values())
