"""Hà Giang (hagiang): every reference page extracted exactly, and a crawl end to end."""
from __future__ import annotations

import unicodedata

from tests.helpers import article_cases
from tests.portal_suite import PortalSuite, crawled  # noqa: F401  (the class-scoped crawl)


class TestHagiang(PortalSuite):
    PORTAL = "hagiang"
    CHROME = [
        "Đường dây nóng", "Sơ đồ website", "Các bài đã đăng", "Xem thêm", "Hộp thư điện tử", "Mail Box",
        "Website đơn vị trực thuộc", "Chọn đơn vị", "Thư viện ảnh", "Tiếp nhận thông tin phản ánh",
        "Gửi thông tin", "Cơ sở dữ liệu quốc gia về VBPL", "Dịch vụ công mức độ 4", "Kho phác đồ điều trị",
        "CỔNG THÔNG TIN ĐIỆN TỬ SỞ Y TẾ TỈNH HÀ GIANG", "Số 338 đường Nguyễn Trãi", "Số lượt truy cập",
        "Tệp đính kèm", "A+",
    ]
    REQUESTS = 7  # robots.txt, two listing pages, four articles
    SEARCH = ("tim bam sinh Yen Minh", "https://soyte.hagiang.gov.vn/tin-tuc/hoat-dong-nganh/"
                                       "kham-sang-loc-benh-tim-bam-sinh-cho-tre-em-huyen-yen-minh-71168.html")


def test_reference_pages_are_decomposed_and_records_are_nfc():
    """The editor stores NFD; what we store must be NFC (and so equal to the expected records)."""
    decomposed = [case for case in article_cases("hagiang")
                  if unicodedata.normalize("NFC", text := case.path.read_text("utf-8")) != text]
    assert decomposed, "the reference pages should exercise decomposed Unicode"
    for case in decomposed:
        assert unicodedata.is_normalized("NFC", case.expected["text"])
