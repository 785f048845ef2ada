"""Thanh Hóa (thanhhoa): every reference page extracted exactly by the learnt layout, and a crawl end to end."""
from __future__ import annotations

from tests.portal_suite import PortalSuite, crawled  # noqa: F401  (the class-scoped crawl)


class TestThanhhoa(PortalSuite):
    PORTAL = "thanhhoa"
    CHROME = [
        'CỔNG THÔNG TIN ĐIỆN TỬ SỞ Y TẾ TỈNH THANH HÓA',
        'Đăng nhập',
        'Chi tiết tin',
        'Các tin khác',
        'In bài',
        'Gửi email',
        'Ý kiến bạn đọc',
        'Mã xác nhận',
        'Gửi ý kiến',
        'Tổng lượt truy cập',
        'Đang online',
        'Thời tiết',
        'CƠ QUAN CHỦ QUẢN',
        'Copyright 2024 by Sở Y tế Thanh Hóa',
        '-- Chọn liên kết --',
    ]
