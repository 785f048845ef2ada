"""Hà Tĩnh (hatinh): every reference page extracted exactly, and a crawl end to end (listing and sitemap)."""
from __future__ import annotations

from tests.helpers import query
from tests.portal_suite import PortalSuite, crawled  # noqa: F401  (the class-scoped crawl)


class TestHatinh(PortalSuite):
    PORTAL = "hatinh"
    CHROME = [
        "SỞ Y TẾ HÀ TĨNH", "Chia sẻ", "Zalo", "Từ khoá:", "Tin mới nhất", "Liên kết", "Cổng TTĐT tỉnh Hà Tĩnh",
        "Lượt truy cập", "Đang truy cập", "Tổng lượt truy cập", "Bản quyền thuộc Sở Y tế Hà Tĩnh",
        "70 Hải Thượng Lãn Ông", "Văn bản đính kèm", "date 20",
    ]
    REQUESTS = 8  # robots.txt, sitemap, two listing pages, four articles
    SEARCH = ("benh an dien tu tram y te xa", "https://soyte.hatinh.gov.vn/tin-tuc-su-kien/"
              "ha-tinh-phan-dau-100-tram-y-te-xa-trien-khai-benh-an-dien-tu-trong-nam-2022-1647483000.html")

    def test_the_sitemap_is_crawled(self, crawled):
        db, _first, _second = crawled
        assert query(db, "SELECT kind FROM pages WHERE url = 'https://soyte.hatinh.gov.vn/sitemap.xml'") == [
            {"kind": "listing"}]
