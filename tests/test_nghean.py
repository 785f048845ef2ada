"""Nghệ An (nghean): every reference page extracted exactly by the learnt layout, and a crawl end to end."""
from __future__ import annotations

from tests.portal_suite import PortalSuite, crawled  # noqa: F401  (the class-scoped crawl)


class TestNghean(PortalSuite):
    PORTAL = "nghean"
    CHROME = [
        'CỔNG THÔNG TIN ĐIỆN TỬ SỞ Y TẾ TỈNH NGHỆ AN',
        'Đăng nhập',
        'Bỏ qua để tới nội dung chính',
        'Các tin khác',
        'In bài',
        'Gửi email',
        'Chia sẻ',
        'Tổng lượt truy cập',
        'Đang online',
        'Cơ quan chủ quản',
        'Lịch công tác tuần',
        '-- Liên kết website --',
        '\u200b',
    ]
