"""scraper.extraction.urls.absolute_url is exactly w3lib's safe_url_string(urljoin(base, href)): on every
link, image and canonical of the bundled pages, and on variants of them built to break its
shortcut (upper-case hosts, ports, quotes, spaces, ';', '#', '|', '\\', non-ASCII, dot segments,
stray '%', empty queries)."""
from __future__ import annotations

import json
from urllib.parse import urljoin

import pytest
from lxml import etree
from w3lib.url import safe_url_string

from scraper.portals.registry import DEMO_PORTALS
from scraper.extraction.urls import _unchanged, absolute_url


def bundled_links() -> list[tuple[str, str]]:
    """(page URL, href/src/content as written) for every bundled HTML page."""
    found = []
    for manifest_file in sorted(DEMO_PORTALS.glob("*/site.json")):
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        for entry in manifest["pages"]:
            if not entry["file"].endswith(".html"):
                continue
            root = etree.HTML((manifest_file.parent / entry["file"]).read_bytes())
            if root is None:
                continue
            for value in root.xpath("//@href | //@src | //meta[@property='og:url']/@content"):
                found.append((entry["url"], str(value).strip()))
    return found


LINKS = bundled_links()
BASE = "https://soyte.example.gov.vn/tin-tuc/bai-viet-1.html?id=7"
BREAKERS = ["A", " ", "'", '"', ";", "#", "|", "\\", "ế", "%", "%zz", "%2e", "?", "..", "./", "//",
            ":8080", ":443", "\t", "<", "^", "`", "{", "[", "@", "xn--", "-", ".", "="]


def outcome(make_url) -> str:
    """The URL made, or the name of the error raised (a broken port raises in both ways)."""
    try:
        return make_url()
    except ValueError as error:
        return type(error).__name__


def variants(href: str) -> list[str]:
    """The href with each breaker put at its start, middle and end, plus a few whole forms."""
    out = [href, href.upper(), href + "?", href + "#", href + "?#x"]
    for breaker in BREAKERS:
        for at in (0, len(href) // 3, len(href) // 2, len(href)):
            out.append(href[:at] + breaker + href[at:])
    return out


def test_the_bundled_pages_give_enough_links_to_compare():
    assert len(LINKS) > 300
    shortcut = [href for _base, href in LINKS if _unchanged(href)]
    assert len(shortcut) > 100  # the shortcut is really taken: else the speed claim is empty


@pytest.mark.parametrize("base", [BASE, "http://127.0.0.1:8000/a/b/c", "https://soyte.example.gov.vn"])
def test_absolute_url_equals_w3lib_on_every_bundled_link_and_its_variants(base: str):
    hrefs = {href for _page, href in LINKS} | {
        "https://soyte.hatinh.gov.vn/uploads/a.jpg", "/uploads/a b.jpg", "anh.jpg", "../anh.jpg",
        "https://SOYTE.gov.vn/x", "https://soyte.gov.vn", "https://soyte.gov.vn?x=1", "//cdn.gov.vn/a.png",
        "http://0x7f.1/x", "https://a.b./x", "https://xn--y-tt-3na.vn/x", "https://soyte.gov.vn/x?q='a'"}
    differ = []
    for href in sorted(hrefs):
        for variant in variants(href):
            expected = outcome(lambda: safe_url_string(urljoin(base, variant)))
            found = outcome(lambda: absolute_url(base, variant))
            if found != expected:
                differ.append((variant, found, expected))
    assert not differ, differ[:5]


def test_each_page_keeps_its_own_base():
    for page_url, href in LINKS[:200]:
        assert absolute_url(page_url, href) == safe_url_string(urljoin(page_url, href))


def test_link_url_is_the_page_or_file_a_link_leads_to_or_none():
    from scraper.extraction.urls import link_url

    assert link_url(BASE, " /tin-tuc/a b.html ") == "https://soyte.example.gov.vn/tin-tuc/a%20b.html"
    assert link_url(BASE, "anh.jpg") == "https://soyte.example.gov.vn/tin-tuc/anh.jpg"
    assert [link_url(BASE, href) for href in (None, "", "  ", "#top", "javascript:void(0)",
                                               "mailto:soyte@example.gov.vn", "data:image/png;base64,AA")] \
        == [None] * 7
