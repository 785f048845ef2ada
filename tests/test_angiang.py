"""An Giang (angiang-wps): every reference page extracted exactly, and a crawl end to end."""
from __future__ import annotations

from tests.helpers import article_cases
from tests.portal_suite import PortalSuite, crawled  # noqa: F401  (the class-scoped crawl)


class TestAngiang(PortalSuite):
    PORTAL = "angiang"
    CHROME = [
        "Cổng thông tin điện tử sở y tế tỉnh an giang", "Tìm kiếm", "Tin mới", "Liên kết", "Cổng TTĐT tỉnh An Giang",
        "Cổng Dịch vụ công Quốc gia", "Thống kê", "Đang online", "Hôm nay:", "Tổng truy cập",
        "Cơ quan chủ quản", "Số 15 Lê Triệu Kiết", "Chịu trách nhiệm chính", "In trang", "Gửi email",
        "Về đầu trang", "Tải về", "MsoNormal", "o:p",
    ]
    REQUESTS = 7  # robots.txt, two listing pages, four articles
    SEARCH = ("benh vien xanh Chau Doc", "https://soyte.angiang.gov.vn/wps/portal/Home/tin-hoat-dong/"
                                         "benh-vien-da-khoa-khu-vuc-chau-doc-don-nhan-danh-hieu-benh-vien-xanh-sach-dep")


def test_the_site_sends_no_charset_header():
    """What the decoding must cope with: the charset is only in the page's meta tag."""
    assert all("charset" not in case.content_type for case in article_cases("angiang"))
