"""Unseen layouts made from the bundled demo portals, to test and to measure the generic extractor.

The generic extractor (scraper/extraction/generic/) reads pages whose layout soyte has no rules for.
Each bundled demo portal has rules, so this module makes what it has never seen from their pages:
`redesign()` gives a page as it would look after a theme change (every class and id renamed, the
body wrapped in a new element, a share toolbar at its start and, at its end, a rating widget,
"Từ khóa" links, a "Tin liên quan" list of links, "Bài viết liên quan" teasers with thumbnails
and summaries, and an "Ý kiến bạn đọc" comment with its form), its title, date and text as they
were, so the record must not change. The tests (tests/test_generic.py) and the benchmark
(bench/generic.py) judge the extractor on the same pages with the same measures:

- `pages()`: every article page and snapshot of every bundled portal, with its expected record;
- `chrome()`: the lines of a portal's chrome (on its listings and on ≥ 2 of its articles, in
  none of its expected records), the strings that must never leak into text, title or author;
- `f1()`: body token F1.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import lxml.html

from scraper.extraction.body import BLOCK_TAGS
from scraper.extraction.cleaning import decode_html, tidy
from scraper.portals.registry import DEMO_PORTALS
from scraper.portals.sites import ARTICLE_KINDS, Site, SitePage


@dataclass(frozen=True)
class Page:
    portal: str
    province: str
    name: str
    url: str
    content_type: str | None
    body: bytes
    expected: dict


def pages() -> list[Page]:
    """Article pages and snapshots of every bundled portal, with their expected records."""
    return [_page(site, page) for site in map(Site, sorted(DEMO_PORTALS.iterdir())) if site.exists()
            for page in site.pages(ARTICLE_KINDS)]


def _page(site: Site, page: SitePage) -> Page:
    """One page with its record: every bundled article page has one, so one missing is an error, not a page left out."""
    expected = page.expected
    if expected is None:
        raise FileNotFoundError(f"{page.expected_path}: the expected record of {page.file} is missing")
    return Page(site.portal, expected["province"], page.id, page.url, page.content_type, page.body(), expected)


def lines_of(html: bytes) -> set[str]:
    """The visible lines of a page: text of each leaf block and of each link, tidied, 4+ characters."""
    doc = lxml.html.document_fromstring(html)
    for bad in doc.xpath("//script|//style|//noscript|//head"):
        bad.drop_tree()
    found = set()
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "a" or (element.tag in BLOCK_TAGS and not any(
                isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in element)):
            text = tidy(element.text_content())
            if len(text) >= 4:
                found.add(text)
    return found


def chrome(portal: str, portal_pages: list[Page]) -> set[str]:
    """Lines on the portal's listing pages and on ≥ 2 of its article pages, in none of its expected records."""
    site = Site(DEMO_PORTALS / portal)
    listing = set().union(*(lines_of(page.body()) for page in site.pages(("listing",))))
    counts = Counter(line for page in portal_pages for line in lines_of(page.body))
    records = " \n ".join(json.dumps(page.expected, ensure_ascii=False) + " \n " +
                          " \n ".join(str(v) for v in page.expected.values()) for page in portal_pages)
    return {line for line in listing if counts[line] >= 2 and line not in records}


def f1(got: str | None, want: str | None) -> float:
    """Token F1 of two texts (multisets of whitespace-separated NFC tokens)."""
    got_tokens = Counter(unicodedata.normalize("NFC", got or "").split())
    want_tokens = Counter(unicodedata.normalize("NFC", want or "").split())
    common = sum((got_tokens & want_tokens).values())
    if not common:
        return 1.0 if not got_tokens and not want_tokens else 0.0
    precision, recall = common / sum(got_tokens.values()), common / sum(want_tokens.values())
    return 2 * precision * recall / (precision + recall)


TOOLBAR = ('<div><a href="javascript:window.print()">In bài</a> | <a href="mailto:?subject=x">Gửi email</a> | '
           '<span>Chia sẻ:</span> <a href="https://www.facebook.com/sharer.php?u=x">Facebook</a> '
           '<a href="https://zalo.me/share?u=x">Zalo</a> | <a href="#">A-</a> <a href="#">A+</a></div>')
RELATED = ('<div><h4>Tin liên quan</h4><ul>'
           '<li><a href="/tin-tuc/1">Tăng cường công tác phòng chống dịch bệnh mùa hè năm nay</a> (12/06/2024)</li>'
           '<li><a href="/tin-tuc/2">Hội nghị tổng kết công tác y tế cơ sở và triển khai nhiệm vụ mới</a></li>'
           '<li><a href="/tin-tuc/3">Khám sức khỏe miễn phí cho người cao tuổi tại các xã vùng cao</a></li>'
           '</ul></div>')
TEASERS = ('<div><h3>Bài viết liên quan</h3>' + ''.join(
    f'<div><a href="/tin/{n}"><img src="/thumb/{n}.jpg"></a><h4><a href="/tin/{n}">Tiêu đề bài viết liên quan số {n} '
    f'về công tác y tế</a></h4><p>Tóm tắt bài viết số {n}: ngành y tế tỉnh tiếp tục triển khai các hoạt động chăm sóc '
    f'sức khỏe nhân dân trong năm.</p></div>' for n in range(3)) + '</div>')
TAGS = '<div>Từ khóa: <a href="/tag/1">y tế</a>, <a href="/tag/2">sức khỏe</a></div>'
RATING = '<div>Đánh giá bài viết: ★★★★☆ (12 lượt)</div>'
COMMENTS = ('<div><h3>Ý kiến bạn đọc</h3><div><b>Nguyễn Văn An</b> <span>(10/05/2024)</span><p>Tôi rất đồng tình với '
            'chủ trương này, mong ngành y tế tiếp tục triển khai rộng rãi tới các xã vùng sâu vùng xa.</p></div>'
            '<form><textarea></textarea><input type="submit" value="Gửi"></form></div>')
# What the re-themed page adds that the record must never hold: the chrome's texts, the related articles' titles.
CHROME_TEXTS = ("Tiêu đề bài viết liên quan số", "Tóm tắt bài viết số", "Từ khóa", "Đánh giá bài viết",
                "Ý kiến bạn đọc", "Tôi rất đồng tình", "In bài", "Facebook", "Tin liên quan")
RELATED_TEXTS = ("Tăng cường công tác phòng chống dịch bệnh mùa hè năm nay",
                 "Hội nghị tổng kết công tác y tế cơ sở và triển khai nhiệm vụ mới",
                 "Khám sức khỏe miễn phí cho người cao tuổi tại các xã vùng cao")
_NAMED = re.compile(r'\b(class|id)\s*=\s*("[^"]*"|\'[^\']*\')', re.IGNORECASE)


def _renamed(match: re.Match[str]) -> str:
    old = match[2][1:-1]
    new = " ".join("v2-" + hashlib.md5(name.encode()).hexdigest()[:6] for name in old.split()) if old else old
    return f'{match[1]}="{new}"'


def _body_element(doc, first_paragraph: str):
    """The element whose children hold the article's first paragraph (the body container)."""
    needle = tidy(first_paragraph)[:60]
    for element in doc.iter():
        if isinstance(element.tag, str) and element.tag not in ("head", "title", "meta", "script") \
                and needle in tidy(element.text_content()) and not any(needle in tidy(c.text_content()) for c in element
                                                                         if isinstance(c.tag, str)):
            while element.tag not in ("p", "div", "li", "td", "blockquote") and element.getparent() is not None:
                element = element.getparent()  # from the innermost span up to its paragraph
            return element.getparent() if element.getparent() is not None else element
    raise ValueError("the expected text is not on the page")


def redesign(body: bytes, content_type: str | None, expected_text: str) -> str:
    """The page re-themed: renamed classes and ids, a new wrapper, a toolbar and the chrome above inside the body."""
    doc = lxml.html.document_fromstring(decode_html(body, content_type))
    container = _body_element(doc, expected_text.split("\n\n")[0])
    container.insert(0, lxml.html.fragment_fromstring(TOOLBAR))
    for chrome_block in (RATING, TAGS, RELATED, TEASERS, COMMENTS):
        container.append(lxml.html.fragment_fromstring(chrome_block))
    wrapper = lxml.html.Element("div")
    container.addprevious(wrapper)
    wrapper.append(container)
    html = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    return _NAMED.sub(_renamed, html)
