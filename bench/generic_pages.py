"""The pages bench/generic.py scores: every bundled article page and snapshot with its expected
record (scraper.portals.sites), each portal's chrome lines, body token F1, and a re-themed copy of a page.

Bench's own, beside tests/generic_pages.py, which gives the tests the same kinds of page (bench imports
nothing from tests/, tests nothing from bench/): the re-themed copy adds the same kinds of chrome.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import lxml.html

from scraper.extraction.body import BLOCK_TAGS
from scraper.extraction.cleaning import decode_html, tidy
from scraper.portals.registry import DEMO_PORTALS
from scraper.portals.sites import Site


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
    """Article pages and snapshots of every bundled portal that have an expected record."""
    return [Page(site.portal, page.expected["province"], page.id, page.url, page.content_type, page.body(),
                 page.expected)
            for site in map(Site, sorted(DEMO_PORTALS.iterdir())) if site.exists()
            for page in site.article_cases()]


def visible_lines(html: bytes) -> set[str]:
    """The tidied text (4+ characters) of each link and of each block holding no other block."""
    doc = lxml.html.document_fromstring(html)
    for hidden in doc.xpath("//script|//style|//noscript|//head"):
        hidden.drop_tree()
    leaves = [e for e in doc.iter() if isinstance(e.tag, str) and (e.tag == "a" or e.tag in BLOCK_TAGS and not any(
        isinstance(child.tag, str) and child.tag in BLOCK_TAGS for child in e))]
    return {text for text in (tidy(e.text_content()) for e in leaves) if len(text) >= 4}


def chrome(portal: str, portal_pages: list[Page]) -> set[str]:
    """Lines of the portal's listing pages found on ≥ 2 of its article pages and in none of their records."""
    site = Site(DEMO_PORTALS / portal)
    on_listings = set().union(*(visible_lines(page.body()) for page in site.pages(("listing",))))
    on_articles = Counter(line for page in portal_pages for line in visible_lines(page.body))
    recorded = " \n ".join(str(value) for page in portal_pages for value in page.expected.values())
    return {line for line in on_listings if on_articles[line] >= 2 and line not in recorded}


def f1(got: str | None, want: str | None) -> float:
    """Token F1 of two texts, as multisets of whitespace-separated NFC tokens."""
    got_tokens, want_tokens = (Counter(unicodedata.normalize("NFC", text or "").split()) for text in (got, want))
    common = sum((got_tokens & want_tokens).values())
    if not common:
        return float(not got_tokens and not want_tokens)
    precision, recall = common / got_tokens.total(), common / want_tokens.total()
    return 2 * precision * recall / (precision + recall)


# What a theme change adds inside the body: a share toolbar first; then a rating, tag links, related
# links, teasers with thumbnails and a reader's comment with its form.
_LINKS = ' '.join(f'<a href="{href}">{text}</a>' for href, text in (
    ("javascript:window.print()", "In bài"), ("mailto:?subject=x", "Gửi email"),
    ("https://www.facebook.com/sharer.php?u=x", "Facebook"), ("https://zalo.me/share?u=x", "Zalo"),
    ("#", "A-"), ("#", "A+")))
_RELATED = ("Tăng cường công tác phòng chống dịch bệnh mùa hè năm nay",
            "Hội nghị tổng kết công tác y tế cơ sở và triển khai nhiệm vụ mới",
            "Khám sức khỏe miễn phí cho người cao tuổi tại các xã vùng cao")
_TOP = f"<div><span>Chia sẻ:</span> {_LINKS}</div>"
_BOTTOM = [
    "<div>Đánh giá bài viết: ★★★★☆ (12 lượt)</div>",
    '<div>Từ khóa: <a href="/tag/1">y tế</a>, <a href="/tag/2">sức khỏe</a></div>',
    "<div><h4>Tin liên quan</h4><ul>" + "".join(f'<li><a href="/tin-tuc/{n}">{title}</a></li>'
                                                for n, title in enumerate(_RELATED, 1)) + "</ul></div>",
    "<div><h3>Bài viết liên quan</h3>" + "".join(
        f'<div><a href="/tin/{n}"><img src="/thumb/{n}.jpg"></a><h4><a href="/tin/{n}">Tiêu đề bài viết liên quan '
        f'số {n} về công tác y tế</a></h4><p>Tóm tắt bài viết số {n}: ngành y tế tỉnh tiếp tục triển khai các hoạt '
        f'động chăm sóc sức khỏe nhân dân trong năm.</p></div>' for n in range(3)) + "</div>",
    "<div><h3>Ý kiến bạn đọc</h3><p><b>Nguyễn Văn An</b> (10/05/2024): Tôi rất đồng tình với chủ trương này.</p>"
    '<form><textarea></textarea><input type="submit" value="Gửi"></form></div>',
]
_CLASS_OR_ID = re.compile(r'\b(class|id)\s*=\s*("[^"]*"|\'[^\']*\')', re.IGNORECASE)


def _new_name(match: re.Match[str]) -> str:
    names = match[2][1:-1].split()
    return f'{match[1]}="{" ".join("v2-" + hashlib.md5(name.encode()).hexdigest()[:6] for name in names)}"'


def redesign(body: bytes, content_type: str | None, expected_text: str) -> str:
    """The page after a theme change: every class and id renamed, the element holding the first
    paragraph's parent (the body) wrapped in a new <div>, the blocks above put inside it."""
    doc = lxml.html.document_fromstring(decode_html(body, content_type))
    needle = tidy(expected_text.split("\n\n")[0])[:60]
    innermost = next(e for e in doc.body.iter() if isinstance(e.tag, str) and needle in tidy(e.text_content())
                     and not any(needle in tidy(c.text_content()) for c in e if isinstance(c.tag, str)))
    paragraph = next((e for e in innermost.iterancestors() if e.tag in ("p", "div", "li", "td", "blockquote")), innermost) \
        if innermost.tag not in ("p", "div", "li", "td", "blockquote") else innermost
    container = paragraph.getparent()
    container.insert(0, lxml.html.fragment_fromstring(_TOP))
    for block in _BOTTOM:
        container.append(lxml.html.fragment_fromstring(block))
    wrapper = lxml.html.Element("div")
    container.addprevious(wrapper)
    wrapper.append(container)
    return _CLASS_OR_ID.sub(_new_name, lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>"))
