"""Cần Thơ (cantho): every reference page extracted exactly by the learnt layout, and a crawl end to end."""
from __future__ import annotations

from tests.portal_suite import PortalSuite, crawled  # noqa: F401  (the class-scoped crawl)


class TestCantho(PortalSuite):
    PORTAL = "cantho"
    CHROME = [
        'CỔNG THÔNG TIN ĐIỆN TỬ SỞ Y TẾ THÀNH PHỐ CẦN THƠ',
        'Viết bởi',
        'Vui lòng đánh giá',
        'Vote 5',
        'Xếp hạng người dùng',
        'Lượt xem',
        'Tin liên quan',
        'In ',
        'Email liên kết',
        'Tổng lượt truy cập',
        'Đang online',
        'Thời tiết Cần Thơ',
        'Cơ quan chủ quản',
        'Lên đầu trang',
        'Danh mục:',
    ]
    SEARCH = ("chu dong diet lang quang", "https://soyte.cantho.gov.vn/index.php/tin-tuc-su-kien/"
              "9999-can-tho-sot-xuat-huyet-tang-cao-nguoi-dan-can-chu-dong-diet-lang-quang")
