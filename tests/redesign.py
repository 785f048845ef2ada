"""A bundled article as it would look after a theme change, for the generic extractor's tests and bench.

Every class and id is renamed, the body is wrapped in a new element, and the body gains what
redesigns bring inside the article: a share/print toolbar at its start and a "Tin liên quan" list
of other articles at its end. Title, date and text stay as they were: the record must not change.
"""
from __future__ import annotations

import hashlib
import re

import lxml.html

from scraper.cleaning import decode_html, tidy

TOOLBAR = ('<div><a href="javascript:window.print()">In bài</a> | <a href="mailto:?subject=x">Gửi email</a> | '
           '<span>Chia sẻ:</span> <a href="https://www.facebook.com/sharer.php?u=x">Facebook</a> '
           '<a href="https://zalo.me/share?u=x">Zalo</a> | <a href="#">A-</a> <a href="#">A+</a></div>')
RELATED = ('<div><h4>Tin liên quan</h4><ul>'
           '<li><a href="/tin-tuc/1">Tăng cường công tác phòng chống dịch bệnh mùa hè năm nay</a> (12/06/2024)</li>'
           '<li><a href="/tin-tuc/2">Hội nghị tổng kết công tác y tế cơ sở và triển khai nhiệm vụ mới</a></li>'
           '<li><a href="/tin-tuc/3">Khám sức khỏe miễn phí cho người cao tuổi tại các xã vùng cao</a></li>'
           '</ul></div>')
RELATED_TEXTS = ("Tăng cường công tác phòng chống dịch bệnh mùa hè năm nay",
                 "Hội nghị tổng kết công tác y tế cơ sở và triển khai nhiệm vụ mới",
                 "Khám sức khỏe miễn phí cho người cao tuổi tại các xã vùng cao")
_NAMED = re.compile(r'\b(class|id)\s*=\s*("[^"]*"|\'[^\']*\')', re.IGNORECASE)


def _renamed(match: re.Match[str]) -> str:
    old = match[2][1:-1]
    new = " ".join("v2-" + hashlib.md5(name.encode()).hexdigest()[:6] for name in old.split()) if old else old
    return f'{match[1]}="{new}"'


def body_element(doc, first_paragraph: str):
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
    """The page re-themed: renamed classes and ids, a new wrapper, a toolbar and related list inside the body."""
    doc = lxml.html.document_fromstring(decode_html(body, content_type))
    container = body_element(doc, expected_text.split("\n\n")[0])
    container.insert(0, lxml.html.fragment_fromstring(TOOLBAR))
    container.append(lxml.html.fragment_fromstring(RELATED))
    wrapper = lxml.html.Element("div")
    container.addprevious(wrapper)
    wrapper.append(container)
    html = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    return _NAMED.sub(_renamed, html)
