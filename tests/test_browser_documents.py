"""Archived documents in a real browser: `soyte serve` over a crawl with real attachments, the
document page and the article page rendered by headless Chromium, the download fetched over HTTP.

Needs Debian's `chromium`, as tests/test_browser.py does: without it these tests fail, they do not skip.
"""
from __future__ import annotations

import hashlib
import urllib.request

import pytest
from datasette.utils import tilde_encode

from tests import document_files as files
from tests.helpers import demo_portal_keys, reference_server, soyte
from tests.test_browser import assert_is_a_real_screenshot, rendered_dom, screenshot, serving

pytestmark = pytest.mark.e2e  # a crawl, `soyte serve` and headless Chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`soyte serve` on a free port over the bundled portals crawled with their attachments."""
    db = tmp_path_factory.mktemp("browser-documents") / "archive.db"
    with reference_server() as portals:
        served = files.serve_attachments(portals)
        soyte("crawl", *demo_portal_keys(), "--db", str(db), "--replay", portals.url)
    for base in serving(db):
        yield base, served


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def test_the_document_page_shows_its_text_and_the_article_linking_it(site, tmp_path):
    base, served = site
    url = f"{base}/archive/documents/{sha(served[files.BACNINH_PDF])}"
    dom = rendered_dom(url)
    assert dom.css("h1.soyte-title::text").get() == "Công văn số 2310/SYT-BHXH"
    assert dom.css(".soyte-document-text::text").get() == "\n\n".join(files.BACNINH_PDF_PAGES)
    assert dom.css(".soyte-linking-articles a::text").getall() == [
        "Hướng dẫn đăng ký khám chữa bệnh bảo hiểm y tế ban đầu năm 2020"]
    assert dom.css(".soyte-linking-articles a::attr(href)").get() == f"/archive/articles/{tilde_encode(files.BACNINH_ARTICLE)}"
    assert dom.css(".soyte-sha256::text").get() == sha(served[files.BACNINH_PDF])
    assert_is_a_real_screenshot(screenshot(url, tmp_path / "document.png"))


def test_the_download_link_gives_the_stored_bytes_with_their_content_type(site):
    base, served = site
    dom = rendered_dom(f"{base}/archive/documents/{sha(served[files.HATINH_XLSX])}")
    href = dom.css("a.soyte-download::attr(href)").get()
    assert href == f"/archive/documents/{sha(served[files.HATINH_XLSX])}/download"
    with urllib.request.urlopen(base + href, timeout=10) as response:
        assert response.headers["Content-Type"] == files.XLSX_MEDIA
        assert response.headers["Content-Disposition"].startswith('attachment; filename="bang-tong-hop-co-so.xlsx"')
        assert response.read() == served[files.HATINH_XLSX]


def test_the_article_page_links_each_attachment_to_its_archived_copy(site):
    base, served = site
    dom = rendered_dom(f"{base}/archive/articles/{tilde_encode(files.HATINH_ARTICLE)}")
    assert dom.css(".soyte-attachments a.soyte-stored-copy::attr(href)").getall() == [
        f"/archive/documents/{sha(served[url])}" for url in (files.HATINH_PDF, files.HATINH_DOCX, files.HATINH_XLSX)]


def test_the_documents_table_finds_the_plan_without_accents(site, tmp_path):
    base, _served = site
    url = f"{base}/archive/documents?_search=ke+hoach+tiem+chung"
    dom = rendered_dom(url)
    # Bắc Ninh's letter (made by the test) and the plans the demo portals serve themselves
    assert sorted(dom.css("td.col-title a::text").getall()) == [
        "Công văn số 2310/SYT-BHXH", "Kế hoạch số 38/KH-SYT ngày 31/01/2024",
        "Kế hoạch tiêm chủng mở rộng năm 2024 (bản Word)", "Quyết định số 612/QĐ-SYT ngày 26/02/2024 (bản PDF)"]
    assert set(dom.css(".facet-info::attr(data-column)").getall()) >= {"type", "published"}
    assert_is_a_real_screenshot(screenshot(url, tmp_path / "documents.png"))
